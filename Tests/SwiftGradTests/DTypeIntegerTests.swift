import Testing
@testable import SwiftGrad

/// bool and integer dtypes: masks from comparisons and predicates, logical and bitwise ops, shifts,
/// wrap-around, true and floor division, remainder and fmod. Expected values are PyTorch 2.13's.
@Suite struct DTypeIntegerTests {
    @Test func comparisonsAndPredicatesGiveBool() {
        let x = Tensor([-1, 0.5, .nan, .infinity, -.infinity] as [Double])
        #expect((x .> 0).dtype == .bool && (x .> 0).bools == [false, true, false, true, false])
        #expect(x.isnan().bools == [false, false, true, false, false])
        #expect(x.isinf().bools == [false, false, false, true, true])
        #expect(x.isfinite().bools == [true, true, false, false, false])
        #expect(x.isposinf().bools == [false, false, false, true, false] && x.isneginf().bools == [false, false, false, false, true])
        let i = Tensor([1, 2, 3], dtype: .int8)
        #expect(i.isnan().bools == [false, false, false] && i.isfinite().bools == [true, true, true])
        // An integer tensor compared with a fractional scalar compares in float (2 > 1.5).
        #expect(i.gt(1.5).bools == [false, true, true] && i.eq(2).bools == [false, true, false])
        #expect(Tensor([1.0, 2.0], dtype: .bfloat16).lt(Tensor([1.5] as [Float])).bools == [true, false])
        // The mask drives where, maskedFill and the float conversion.
        let m = Tensor([true, false, true])
        #expect(Tensor.where(m, Tensor([1, 2, 3] as [Float]), Tensor(0.0)).scalars == [1, 0, 3])
        #expect(Tensor([1, 2, 3] as [Float]).maskedFill(m, -1).scalars == [-1, 2, -1])
        #expect(Tensor([1, 2, 3], dtype: .int16).maskedFill(m, 9).ints == [9, 2, 9])
        #expect(Tensor.where(Tensor([0, 1]), Tensor([5, 6]), Tensor([7, 8])).ints == [7, 6])   // int masks still work
        #expect(m.to(.float32).scalars == [1, 0, 1] && m.sum().dtype == .int64 && m.sum().item() == 2)
    }

    @Test func logicalOps() {
        let a = Tensor([0, 1, 2, 0] as [Float]), b = Tensor([0, 0, 3, 4] as [Float])
        #expect(a.logicalAnd(b).bools == [false, false, true, false])
        #expect(a.logicalOr(b).bools == [false, true, true, true])
        #expect(a.logicalXor(b).bools == [false, true, false, true])
        #expect(a.logicalNot().bools == [true, false, false, true])
        #expect(Tensor([Double.nan]).logicalNot().bools == [false])   // NaN is true
        #expect(a.any().bools == [true] && a.all().bools == [false] && a.countNonzero().item() == 2)
        #expect(Tensor([[1, 0], [1, 1]]).all(axis: 1).bools == [false, true])
        #expect(Tensor([[0, 0], [1, 0]]).any(axis: 0).bools == [true, false])
    }

    @Test func boolArithmeticFollowsPyTorch() {
        let t = Tensor([true, true, false, false]), f = Tensor([true, false, true, false])
        // bool + bool is logical or, bool * bool logical and; the result stays bool.
        #expect((t + f).dtype == .bool && (t + f).bools == [true, true, true, false])
        #expect((t * f).bools == [true, false, false, false])
        #expect((t & f).bools == [true, false, false, false] && (t | f).bools == [true, true, true, false])
        #expect((t ^ f).bools == [false, true, true, false] && (~t).bools == [false, false, true, true])
        #expect(Tensor.maximum(t, f).bools == [true, true, true, false])
    }

    @Test func smallIntegersWrapAround() {
        // torch: int8 100 * 2 = -56; uint8 200 + 100 = 44; int8 1 + 1000 = -23; ~uint8 [0, 5] = [255, 250].
        #expect((Tensor([100], dtype: .int8) * 2).ints == [-56] && (Tensor([100], dtype: .int8) * 2).dtype == .int8)
        #expect((Tensor([200], dtype: .uint8) + 100).ints == [44])
        #expect((Tensor([1], dtype: .int8) + 1000).ints == [-23])
        #expect((Tensor([200], dtype: .uint8) + Tensor([100], dtype: .uint8)).ints == [44])
        #expect((-Tensor([-128], dtype: .int8)).ints == [-128])
        #expect((~Tensor([0, 5], dtype: .uint8)).ints == [255, 250])
        #expect((Tensor([Int(Int32.max)], dtype: .int32) + 1).ints == [Int(Int32.min)])
        // Mixed integer dtypes promote: uint8 + int8 is int16.
        let mixed = Tensor([200], dtype: .uint8) + Tensor([-1], dtype: .int8)
        #expect(mixed.dtype == .int16 && mixed.ints == [199])
        // Sums and cumulative sums of integers (and bools) are int64, as PyTorch's.
        let s = Tensor([100, 100, 100], dtype: .int8)
        #expect(s.sum().dtype == .int64 && s.sum().item() == 300 && s.cumsum(axis: 0).ints == [100, 200, 300])
        #expect(s.sum(axis: 0).dtype == .int64 && s.prod(axis: 0).ints == [1_000_000])
        #expect(Tensor([3, -1, 2], dtype: .int16).max().ints == [3] && Tensor([3, -1, 2], dtype: .int16).argmin().ints == [1])
    }

    @Test func bitwiseAndShifts() {
        let a = Tensor([12, -8, 5]), b = Tensor([10, 3, 1])
        #expect((a & b).ints == [8, 0, 1] && (a | b).ints == [14, -5, 5] && (a ^ b).ints == [6, -5, 4])
        #expect((a << 2).ints == [48, -32, 20] && (a >> 1).ints == [6, -4, 2])
        #expect((Tensor([0xF3]) & 0xF).ints == [3])
        // torch: int8 1 << 9 = 0; int8 -8 >> 1 = -4; int64 1 << 64 = 0.
        #expect((Tensor([1], dtype: .int8) << 9).ints == [0] && (Tensor([-8], dtype: .int8) >> 1).ints == [-4])
        #expect((Tensor([1]) << 64).ints == [0])
        #expect((Tensor([1], dtype: .uint8) << 7).ints == [128])
        #expect(a.bitwiseAnd(b).dtype == .int64 && Tensor([3], dtype: .int16).bitwiseOr(Tensor([4], dtype: .int16)).dtype == .int16)
    }

    @Test func divisionFollowsPython() {
        let a = Tensor([7, -7, 7, -7]), b = Tensor([2, 2, -2, -2])
        #expect((a / b).dtype == .float32 && (a / b).scalars == [3.5, -3.5, -3.5, 3.5])
        #expect(a.floorDivide(b).ints == [3, -4, -4, 3] && a.floorDivide(b).dtype == .int64)
        #expect(a.remainder(b).ints == [1, 1, -1, -1] && a.fmod(b).ints == [1, -1, 1, -1])
        #expect(Tensor([7, -7]).remainder(3).ints == [1, 2] && Tensor([7, -7]).fmod(3).ints == [1, -1])
        // Floats: torch [7.5, -7.5] // 2 = [3, -4]; % -2 = [-0.5, -1.5]; fmod(-2) = [1.5, -1.5].
        let f = Tensor([7.5, -7.5] as [Float])
        #expect(f.floorDivide(2).scalars == [3, -4] && f.remainder(-2).scalars == [-0.5, -1.5] && f.fmod(-2).scalars == [1.5, -1.5])
        #expect(Tensor([1.0], dtype: .bfloat16).floorDivide(0).doubles == [.infinity])
        #expect(Tensor([7], dtype: .int8).floorDivide(Tensor([-2], dtype: .int8)).ints == [-4])
        #expect(Tensor([Int(Int64.min)]).floorDivide(-1).ints == [Int(Int64.min)])   // wraps, as PyTorch
    }

    @Test func remainderAndFmodGradients() {
        let a = Tensor([2.5, -3.7, 5.2], dtype: .float64, requiresGrad: true)
        let b = Tensor([1.1, 1.3, -2.4], dtype: .float64, requiresGrad: true)
        #expect(gradcheck({ $0[0].remainder($0[1]) }, inputs: [a, b]).passed)
        #expect(gradcheck({ $0[0].fmod($0[1]) }, inputs: [a, b]).passed)
    }

    @Test func misuseStopsWithAMessage() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1.5] as [Float]) & Tensor([1.0] as [Float])
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([4]).floorDivide(Tensor([0]))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = -Tensor([true])
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([true]) - Tensor([false])
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2]); x += 0.5   // float result into an int tensor, as PyTorch refuses
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1.0] as [Float]).maskedFill(Tensor([1.0] as [Float]), 0)   // float mask
        }
    }
}

@Suite struct MaskedSelectAndIndexDTypeTests {
    @Test func maskedSelectPicksAndDifferentiates() {
        let x = Tensor([[1, -2], [-3, 4]], dtype: .float64, requiresGrad: true)
        let picked = x.maskedSelect(x .> 0)
        #expect(picked.doubles == [1, 4])
        picked.sum().backward()
        #expect(x.grad?.doubles == [1, 0, 0, 1])
        #expect(x.maskedSelect(Tensor([true, false])).doubles == [1, -3])   // broadcast over rows
        #expect(gradcheck({ $0[0].maskedSelect(Tensor([false, true, true])) }, inputs: [Tensor([0.5, 1.5, -2], dtype: .float64)]).passed)
    }

    @Test func int32IndicesAreAccepted() {
        let table = Tensor([[1, 2], [3, 4], [5, 6]] as [[Double]])
        #expect(embedding(Tensor([2, 0], dtype: .int32), weight: table).scalars == [5, 6, 1, 2])
        #expect(table.indexSelect(axis: 0, indices: Tensor([1], dtype: .int32)).scalars == [3, 4])
    }
}
