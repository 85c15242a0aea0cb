import Foundation
import Testing
import SwiftGrad

/// Creation functions, literals, reading out, dtype conversion and seeded randomness.
@Suite struct TensorCreationTests {
    @Test func filledTensors() {
        let z = Tensor.zeros([2, 3])
        #expect(z.shape == [2, 3] && z.dtype == .float32 && z.count == 6 && z.rank == 2 && z.ndim == 2)
        #expect(z.scalars == [Float](repeating: 0, count: 6))
        #expect(Tensor.ones([2], dtype: .float64).doubles == [1, 1])
        #expect(Tensor.full([2, 2], 7, dtype: .int64).ints == [7, 7, 7, 7])
        #expect(Tensor.zeros([3], requiresGrad: true).requiresGrad)
        #expect(Tensor.full([], 2.5).shape == [] && Tensor.full([], 2.5).item() == 2.5)
        let e = Tensor.zeros([0, 4])
        #expect(e.count == 0 && e.shape == [0, 4])
    }

    @Test func likeVariants() {
        let x = Tensor.ones([2, 3], dtype: .float64)
        #expect(Tensor.zerosLike(x).shape == [2, 3] && Tensor.zerosLike(x).dtype == .float64)
        #expect(Tensor.onesLike(x, dtype: .int64).ints == [1, 1, 1, 1, 1, 1])
        #expect(Tensor.fullLike(x, 4).doubles.allSatisfy { $0 == 4 })
        let r = Tensor.randLike(x, generator: Generator(seed: 1))
        #expect(r.shape == [2, 3] && r.dtype == .float64)
        #expect(Tensor.randnLike(x, generator: Generator(seed: 1)).dtype == .float64)
        let ri = Tensor.randintLike(Tensor.zeros([5], dtype: .int64), 3, 6, generator: Generator(seed: 1))
        #expect(ri.dtype == .int64 && ri.ints.allSatisfy { (3..<6).contains($0) })
    }

    @Test func arangeAndLinspace() {
        #expect(Tensor.arange(5.0).scalars == [0, 1, 2, 3, 4])
        // Integer arguments give int64, as torch.arange; a Double or dtype gives floats.
        #expect(Tensor.arange(5).dtype == .int64 && Tensor.arange(5).ints == [0, 1, 2, 3, 4])
        #expect(Tensor.arange(2, 10, step: 3).dtype == .int64 && Tensor.arange(2, 10, step: 3).ints == [2, 5, 8])
        #expect(Tensor.arange(4, dtype: .float32).dtype == .float32 && Tensor.arange(0, 1, step: 0.5).dtype == .float32)
        #expect(Tensor.arange(5, dtype: .int64).ints == [0, 1, 2, 3, 4])
        #expect(Tensor.arange(1, 2, step: 0.25).scalars == [1, 1.25, 1.5, 1.75])
        #expect(Tensor.arange(3, 0, step: -1).ints == [3, 2, 1])
        #expect(Tensor.arange(0, 1, step: 0.1).count == 10)
        #expect(Tensor.arange(2, 2).count == 0)
        #expect(Tensor.linspace(0, 1, steps: 5).scalars == [0, 0.25, 0.5, 0.75, 1])
        #expect(Tensor.linspace(-1, 1, steps: 2, dtype: .float64).doubles == [-1, 1])
        #expect(Tensor.linspace(3, 7, steps: 1).scalars == [3])
        #expect(Tensor.linspace(0, 1, steps: 0).count == 0)
        // The last value is exactly `end`.
        #expect(Tensor.linspace(0, 0.3, steps: 7, dtype: .float64).doubles.last == 0.3)
    }

    @Test func eye() {
        #expect(Tensor.eye(3).scalars == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(Tensor.eye(2, 3).shape == [2, 3])
        #expect(Tensor.eye(2, 3, dtype: .int64).ints == [1, 0, 0, 0, 1, 0])
    }

    @Test func fromSwiftValuesAndLiterals() {
        let f = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        #expect(f.shape == [2, 2] && f.dtype == .float32)
        #expect(Tensor([1.5, 2.5]).dtype == .float32)
        #expect(Tensor([1.5, 2.5], dtype: .float64).doubles == [1.5, 2.5])
        #expect(Tensor([3, 1, 4]).dtype == .int64)
        #expect(Tensor([1, 2, 3], dtype: .float32).scalars == [1, 2, 3])
        #expect(Tensor([Int64(5), 6]).ints == [5, 6])
        #expect(Tensor([[1, 2, 3], [4, 5, 6]]).shape == [2, 3])
        #expect(Tensor([[[1], [2]], [[3], [4]]], dtype: .float64).shape == [2, 2, 1])
        #expect(Tensor(2.0).shape == [] && Tensor(2.0).item() == 2)
        #expect(Tensor(shape: [2], scalars: [1.0, 2.0]).dtype == .float64)
        let lit: Tensor = [[1, 2.5], [3, 4]]
        #expect(lit.shape == [2, 2] && lit.dtype == .float32 && lit.scalars == [1, 2.5, 3, 4])
        let row: Tensor = [1, 2, 3]
        #expect(row.shape == [3])
    }

    @Test func readingOut() {
        let x = Tensor([1.25, -2.75, 3], dtype: .float64)
        #expect(x.toArray(as: Double.self) == [1.25, -2.75, 3])
        #expect(x.toArray(as: Float.self) == [1.25, -2.75, 3])
        #expect(x.toArray(as: Int64.self) == [1, -2, 3])
        #expect(x.ints == [1, -2, 3])
        #expect(x.scalars == [1.25, -2.75, 3])
        #expect(Tensor([[4]]).item() == 4)
        #expect(Tensor(7.0).item(as: Float.self) == 7)
        #expect(x.size(0) == 3 && x.size(-1) == 3)
        #expect(x.contiguous() === x)
    }

    @Test func dtypeConversion() {
        let x = Tensor([1.7, -2.7, 0.5])
        let i = x.to(.int64)
        #expect(i.dtype == .int64 && i.ints == [1, -2, 0])     // truncation toward zero, as PyTorch
        let d = x.to(.float64)
        #expect(d.dtype == .float64 && d.doubles.map { Float($0) } == x.scalars)
        #expect(x.to(.float32) === x)
        #expect(i.to(.float32).scalars == [1, -2, 0])
        #expect(Tensor([2.7, -2.7], dtype: .int64).ints == [2, -2])
    }

    @Test func copyHasItsOwnStorage() {
        let x = Tensor([1, 2] as [Float])
        let c = x.copy()
        c += 1
        #expect(x.scalars == [1, 2] && c.scalars == [2, 3])
        let v = x.reshape([2, 1])
        v += 1
        #expect(x.scalars == [2, 3], "reshape shares storage")
    }

    @Test func randomValuesHaveTheRightRangeAndMoments() {
        let g = Generator(seed: 11)
        let u = Tensor.rand([10_000], generator: g)
        #expect(u.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(Swift.abs(u.mean().item() - 0.5) < 0.02)
        let n = Tensor.randn([10_000], dtype: .float64, generator: g)
        #expect(Swift.abs(n.mean().item()) < 0.05)
        #expect(Swift.abs(n.std().item() - 1) < 0.05)
        let s = Tensor.randn([10_000], mean: 3, std: 0.5, generator: g)
        #expect(Swift.abs(s.mean().item() - 3) < 0.05)
        let k = Tensor.randint(-2, 3, [1000], generator: g)
        #expect(k.dtype == .int64 && Set(k.ints) == Set(-2..<3))
        let w = Tensor.uniform([1000], low: -1, high: 1, generator: g)
        #expect(w.scalars.allSatisfy { $0 >= -1 && $0 < 1 })
    }

    @Test func sameSeedGivesBitwiseIdenticalValues() {
        func draw(_ seed: UInt64) -> [UInt64] {
            let g = Generator(seed: seed)
            let a = Tensor.randn([257], dtype: .float64, generator: g).doubles.map(\.bitPattern)
            let b = Tensor.rand([33], generator: g).scalars.map { UInt64($0.bitPattern) }
            let c = Tensor.randint(0, 1000, [17], generator: g).ints.map { UInt64($0) }
            return a + b + c
        }
        #expect(draw(42) == draw(42))
        #expect(draw(42) != draw(43))
        // Saving and restoring the state replays the sequence.
        let g = Generator(seed: 5)
        _ = Tensor.rand([3], generator: g)
        let state = g.getState()
        let first = Tensor.randn([8], generator: g).scalars
        g.setState(state)
        #expect(Tensor.randn([8], generator: g).scalars == first)
        g.manualSeed(5)
        #expect(g.initialSeed == 5)
        #expect(Tensor.rand([3], generator: g).scalars == Tensor.rand([3], generator: Generator(seed: 5)).scalars)
    }

    /// `manualSeed` seeds the process-wide default generator; checked in a child process because
    /// other tests may draw from the default generator concurrently.
    @Test func manualSeedMakesTheDefaultGeneratorReproducible() async {
        await #expect(processExitsWith: .success) {
            manualSeed(123)
            let a = Tensor.randn([64]).scalars.map(\.bitPattern)
            manualSeed(123)
            let b = Tensor.randn([64]).scalars.map(\.bitPattern)
            exit(a == b ? 0 : 1)
        }
    }
}
