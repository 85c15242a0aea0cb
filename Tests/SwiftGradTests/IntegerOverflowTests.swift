import Foundation
import Testing
import SwiftGrad

/// Integer arithmetic that overflows wraps around as PyTorch's int64 ops do (never a silent trap),
/// and sizes near Int's limits are handled without overflowing.
@Suite struct IntegerOverflowTests {
    static let big = Int64.max - 1

    @Test func int64SumWrapsAround() {
        let x = Tensor([Self.big, 3])
        #expect(x.sum().item(as: Int64.self) == Self.big &+ 3)
        #expect(x.sum(axis: 0).item(as: Int64.self) == Self.big &+ 3)
        let m = Tensor([Self.big, 1, Self.big, 2], shape: [2, 2])
        let twice: Int64 = Self.big &+ Self.big, plus1: Int64 = Self.big &+ 1, plus2: Int64 = Self.big &+ 2
        #expect(m.sum(axis: 0).toArray(as: Int64.self) == [twice, 3])
        #expect(m.sum(axis: 1).toArray(as: Int64.self) == [plus1, plus2])
        // Long rows go through the eight-lane accumulator.
        let long = Tensor([Int64](repeating: Int64.max / 4, count: 20))
        let total: Int64 = (0..<20).reduce(Int64(0)) { acc, _ in acc &+ Int64.max / 4 }
        #expect(long.sum().item(as: Int64.self) == total)
    }

    @Test func int64CumsumAndProdWrapAround() {
        let x = Tensor([Self.big, 5, 7])
        let s5: Int64 = Self.big &+ 5, s12: Int64 = Self.big &+ 12
        #expect(x.cumsum(axis: 0).toArray(as: Int64.self) == [Self.big, s5, s12])
        let p = Tensor([Int64(1) << 40, Int64(1) << 30, 3])
        let expected: Int64 = (Int64(1) << 40) &* (Int64(1) << 30) &* 3
        #expect(p.prod().item(as: Int64.self) == expected)
        let a: Int64 = 1 << 40, b: Int64 = 1 << 30
        let ab = a &* b, abc = ab &* 3
        #expect(p.cumprod(axis: 0).toArray(as: Int64.self) == [a, ab, abc])
    }

    @Test func int64InPlaceAccumulationWraps() {
        let x = Tensor([Self.big])
        withNoGrad { x += Tensor([Int64(10)]) }
        #expect(x.item(as: Int64.self) == Self.big &+ 10)
    }

    @Test func extremeSizesAndStepsDoNotOverflow() {
        let x = Tensor.arange(0, 10, dtype: .float32)
        // A step beyond the axis keeps the first element only; a closed range up to Int.max is "to the end".
        #expect(x.slice(axis: 0, start: 2, step: Int.max).scalars == [2])
        #expect(x[.slice(3, nil, step: Int.max)].scalars == [3])
        #expect(x[7...Int.max].scalars == [7, 8, 9])
        let r = Tensor.randint(Int.min, Int.max, [64], generator: Generator(seed: 3))
        #expect(r.count == 64 && Set(r.toArray(as: Int64.self)).count > 60)
        // An int64 clamp with bounds beyond int64 saturates instead of trapping.
        #expect(Tensor([-5, 5]).clamp(min: -1e30, max: 1e30).toArray(as: Int64.self) == [-5, 5])
        #expect(Tensor([-5, 5]).clamp(min: 1e30).toArray(as: Int64.self) == [Int64.max, Int64.max])
        // An all-zero shape has no elements, whatever its other sizes.
        #expect(Tensor.zeros([0, 1 << 40, 1 << 40]).count == 0)
        // A float tensor holding NaN reads out through `ints` as `to(.int64)` converts it: Int64.min,
        // as PyTorch's x86 CPU conversion gives; no trap.
        #expect(Tensor([Float.nan, 2.5]).ints == [Int(Int64.min), 2])
    }

    @Test func int64ArangeAndFullAtTheEdges() {
        #expect(Tensor.arange(-3, 3, step: 2, dtype: .int64).toArray(as: Int64.self) == [-3, -1, 1])
        #expect(Tensor.full([2], -9.0e18, dtype: .int64).toArray(as: Int64.self) == [-9_000_000_000_000_000_000, -9_000_000_000_000_000_000])
    }
}
