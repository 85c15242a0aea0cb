import Foundation
import Testing
@testable import SwiftGrad

/// torch.masked on dense tensors, the in-place random fills, and the composed ops of ops16new
/// (frexp, nextafter, put, unravelIndex, nonzeroStatic, fftshift, maskedScatter, asStridedScatter,
/// indexReduce, sumToSize, the linalg `_ex` variants, vander, tensorinv, tensorsolve).
@Suite struct MaskedRandomAndScatterTests {
    static var x: Tensor { Tensor([[1.0, -2, 3], [4, 5, -6]], dtype: .float64) }
    static var mask: Tensor { Tensor([true, false, true, false, false, false], shape: [2, 3]) }

    @Test func maskedReductionsUseTheIdentities() {
        let x = Self.x, m = Self.mask
        #expect(Masked.sum(x, mask: m).doubles == [4])
        #expect(Masked.sum(x, axes: [1], mask: m).doubles == [4, 0])
        #expect(Masked.prod(x, axes: [1], keepDim: true, mask: m).doubles == [3, 1])
        #expect(Masked.amax(x, axes: [1], mask: m).doubles == [3, -.infinity])
        #expect(Masked.amin(x, mask: m).doubles == [1])
        #expect(Masked.argmax(x, axis: 1, mask: m).doubles == [2, 0])
        let mean = Masked.mean(x, axes: [1], mask: m).doubles
        #expect(mean[0] == 2 && mean[1].isNaN)
        #expect(Masked.variance(x, axes: [1], correction: 0, mask: m).doubles[0] == 1)
        #expect(Masked.median(x, axis: 1, mask: m).doubles[0] == 1)
        #expect(Masked.norm(x, axes: [1], mask: m).doubles[0] == 10.0.squareRoot())
        #expect(Masked.logsumexp(x, axes: [1], mask: m).doubles[1] == -.infinity)
        #expect(Masked.cumsum(x, axis: 1, mask: m).doubles == [1, 1, 4, 0, 0, 0])
        // The row mask broadcasts (right-aligned) to the input.
        #expect(Masked.sum(x, mask: Tensor([true, true, false])).doubles == [8])
        let p = Masked.softmax(x, axis: 1, mask: m).doubles
        #expect(p[1] == 0 && Swift.abs(p[0] + p[2] - 1) < 1e-15 && p[3].isNaN)
        let u = Masked.normalize(x, ord: 2, axis: 1, mask: m).doubles
        #expect(Swift.abs(u[0] - 1 / 10.0.squareRoot()) < 1e-15 && u[1] == 0)
        #expect(Masked.logaddexp(Tensor([0.0]), Tensor([5.0]), maskB: Tensor([false])).doubles == [0])
        // Integers: sums in int64, variance in float32.
        #expect(Masked.sum(Tensor([1, 2, 3]).to(.int32), mask: Tensor([true, false, true])).dtype == .int64)
        #expect(Masked.variance(Tensor([1, 2, 3]), mask: Tensor([true, true, true])).dtype == .float32)
    }

    @Test func maskedGradientsSkipTheMaskedOutElements() {
        // Every row keeps at least two elements (a fully masked-out row has a NaN gradient, as PyTorch's).
        let m = Tensor([true, false, true, true, true, false], shape: [2, 3])
        let functions: [(Tensor) -> Tensor] = [{ Masked.variance($0, axes: [1], mask: m) },
                  { Masked.softmax($0, axis: 1, mask: m) },
                  { Masked.normalize($0, ord: 2, axis: 1, mask: m) },
                  { Masked.logsumexp($0, axes: [0], mask: m) },
                  { Masked.median($0, axis: 1, mask: Tensor([true, false, true])) },
                  { Masked.prod($0, axes: [0, 1], mask: m) }]
        for (i, f) in functions.enumerated() {
            let r = gradcheck({ f($0[0]) }, inputs: [GC.randn([2, 3], seed: 31)])
            #expect(r.passed, "masked function \(i): \(r)")
        }
        let x = Tensor([[1.0, 2, 3], [4, 5, 6]], dtype: .float64, requiresGrad: true)
        let g = grad(of: Masked.sum(x, mask: Self.mask), wrt: [x])[0]!
        #expect(g.doubles == [1, 0, 1, 0, 0, 0])
    }

    @Test func randomFillsFollowTheirDistributions() {
        let g = Generator(seed: 7)
        let e = Tensor.zeros([4000], dtype: .float64).fillExponential(lambda: 2, generator: g)
        #expect(Swift.abs(e.mean().item() - 0.5) < 0.03 && e.min().item() >= 0)
        let geo = Tensor.zeros([4000], dtype: .int64).fillGeometric(p: 0.25, generator: g)
        #expect(geo.dtype == .int64 && geo.min().item() >= 1 && Swift.abs(geo.to(.float64).mean().item() - 4) < 0.25)
        let c = Tensor.zeros([4001], dtype: .float64).fillCauchy(median: 3, sigma: 0.5, generator: g)
        #expect(Swift.abs(c.median().item() - 3) < 0.1)
        let ln = Tensor.zeros([4000], dtype: .float64).fillLogNormal(mean: 1, std: 0.25, generator: g)
        #expect(Swift.abs(ln.log().mean().item() - 1) < 0.02 && Swift.abs(ln.log().std().item() - 0.25) < 0.02)
        let n = Tensor.zeros([2, 3]).fillNormal(mean: -2, std: 0.5, generator: Generator(seed: 1))
        #expect(n.dtype == .float32 && n.doubles == Tensor.zeros([2, 3]).fillNormal(mean: -2, std: 0.5, generator: Generator(seed: 1)).doubles)
        #expect(Tensor.zeros([3], dtype: .bfloat16).fillExponential().dtype == .bfloat16)
        // A view is filled in place through its strides; the rest of the base is untouched.
        let base = Tensor.zeros([2, 4], dtype: .float64)
        base.slice(axis: 1, start: 0, end: 4, step: 2).fillExponential(generator: g)
        #expect(base.doubles.enumerated().allSatisfy { i, v in i % 2 == 1 ? v == 0 : v > 0 })
        #expect(normal(mean: 1, std: 0, shape: [2], dtype: .float64).doubles == [1, 1])
    }

    @Test func floatPartsAndFlatIndexing() {
        let (m, e) = Tensor([8.0, 0.75, -3, 0, 1e-310], dtype: .float64).frexp()
        #expect(e.dtype == .int32 && e.ints == [4, 0, 2, 0, -1029])
        #expect(m.doubles.prefix(4) == [0.5, 0.75, -0.75, 0] && Swift.abs(m.doubles[4] - 0.5753) < 1e-4)
        #expect(gradcheck({ $0[0].frexp().mantissa }, inputs: [Tensor([3.3, -0.2, 40], dtype: .float64)]).passed)
        let one = Tensor([1.0], dtype: .float64)
        #expect(one.nextafter(Tensor([2.0], dtype: .float64)).doubles == [Double(1).nextUp])
        #expect(Tensor([1.0]).nextafter(Tensor([0.0])).doubles == [Double(Float(1).nextDown)])
        #expect(Tensor([-2.0, 3, .nan], dtype: .float64).angle().doubles.prefix(2) == [Double.pi, 0])
        #expect(Tensor([1, 2]).isreal().bools == [true, true])

        let p = Tensor.zeros([2, 2], dtype: .float64).put(Tensor([0, -1]), Tensor([1.0, 2.0], dtype: .float64))
        #expect(p.doubles == [1, 0, 0, 2])
        let acc = Tensor.ones([3], dtype: .float64).put(Tensor([1, 1]), Tensor([1.0, 2.0], dtype: .float64), accumulate: true)
        #expect(acc.doubles == [1, 4, 1])
        #expect(gradcheck({ $0[0].put(Tensor([4, 0]), $0[1]) }, inputs: [GC.randn([2, 3], seed: 3), GC.randn([2], seed: 4)]).passed)
        let coords = Tensor.unravelIndex(Tensor([5, -1, 3]), shape: [2, 3])
        #expect(coords[0].ints == [1, 1, 1] && coords[1].ints == [2, 2, 0])
        let nz = Tensor([0.0, 3, 0, 4]).nonzeroStatic(size: 3)
        #expect(nz.shape == [3, 1] && nz.ints == [1, 3, -1])
        let s = Tensor.arange(0, 5, dtype: .float64)
        #expect(s.fftshift().doubles == [3, 4, 0, 1, 2] && s.fftshift().ifftshift().doubles == s.doubles)
    }

    @Test func composedScatters() {
        let x = Tensor([[1.0, 2], [3, 4]], dtype: .float64)
        let y = x.maskedScatter(Tensor([true, false]), Tensor([9.0, 8, 7], dtype: .float64))
        #expect(y.doubles == [9, 2, 8, 4])
        #expect(gradcheck({ $0[0].maskedScatter(Tensor([false, true]), $0[1]) }, inputs: [x, GC.randn([3], seed: 5)]).passed)
        let z = Tensor.zeros([3, 3], dtype: .float64).asStridedScatter(Tensor.ones([2, 2], dtype: .float64), shape: [2, 2], strides: [1, 2])
        #expect(z.doubles == [1, 1, 1, 1, 0, 0, 0, 0, 0])
        #expect(gradcheck({ $0[0].asStridedScatter($0[1], shape: [2, 2], strides: [3, 1], offset: 1) },
                          inputs: [GC.randn([3, 3], seed: 6), GC.randn([2, 2], seed: 7)]).passed)
        let r = x.indexReduce(axis: 0, index: Tensor([1, 1]), source: Tensor([[5.0, 0], [1, 9]], dtype: .float64), reduce: .amax)
        #expect(r.doubles == [1, 2, 5, 9])
        #expect(gradcheck({ $0[0].indexReduce(axis: 1, index: Tensor([0, 0, 1]), source: $0[1], reduce: .prod, includeSelf: false) },
                          inputs: [GC.randn([2, 2], seed: 8), GC.randn([2, 3], seed: 9)]).passed)
        #expect(GC.randn([4, 5], seed: 1).sumToSize([1, 5]).shape == [1, 5])
        #expect(Tensor([[1, 2], [3, 4]]).sumToSize([2]).ints == [4, 6])
    }

    @Test func linearAlgebraVariants() throws {
        let a = GC.randn([3, 3], seed: 11) + Tensor.eye(3, dtype: .float64) * 4
        let spd = a.matmul(a.mT)
        let (l, info) = try Linalg.choleskyEx(spd)
        #expect(info.dtype == .int32 && info.shape == [] && l.matmul(l.mT).allclose(spd))
        let (inverse, _) = try Linalg.invEx(a)
        #expect(inverse.matmul(a).allclose(Tensor.eye(3, dtype: .float64)))
        let b = GC.randn([3], seed: 12)
        #expect(try Linalg.solveEx(a, b).result.allclose(try Linalg.solve(a, b)))
        let v = Linalg.vander(Tensor([0.0, 2, 3], dtype: .float64))
        #expect(v.doubles == [1, 0, 0, 1, 2, 4, 1, 3, 9])
        #expect(gradcheck({ Linalg.vander($0[0], count: 4) }, inputs: [Tensor([0.0, -1.5, 2], dtype: .float64)]).passed)
        let t = GC.randn([2, 3, 6], seed: 13) + Tensor.eye(6, dtype: .float64).reshape([2, 3, 6]) * 3
        let ti = try Linalg.tensorinv(t, ind: 2)
        #expect(ti.shape == [6, 2, 3] && t.reshape([6, 6]).matmul(ti.reshape([6, 6])).allclose(Tensor.eye(6, dtype: .float64)))
        let rhs = GC.randn([2, 3], seed: 14)
        let sol = try Linalg.tensorsolve(t, rhs)
        #expect(sol.shape == [6] && t.reshape([6, 6]).matmul(sol).allclose(rhs.reshape([6])))
    }
}
