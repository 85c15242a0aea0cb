import Foundation
import Testing
@testable import SwiftGrad

/// The packed-weight cache (Kernels/PackedWeights.swift): few-row float32 products against a
/// reused matrix run on the packed AVX2 kernel. Its results equal OpenBLAS's within float32
/// rounding, and it never uses a stale copy.
///
/// Tolerance: both paths sum the same K products in float32 in different orders, each within
/// K·u·Σ|a·b| of the exact sum (u = 2⁻²⁴), so they may differ by 2K·u·Σ|a·b|; the bias adds one
/// rounding of each (u·|bias|). `close` checks |packed − BLAS| ≤ (2K + 2)·u·(Σ_p |a_ip·b_pj| + |bias_j|).
@Suite struct PackedWeightTests {
    static let u = 1.0 / Double(1 << 24)

    /// The elementwise bound above, from float64 copies of the operands.
    static func close(_ got: Tensor, _ want: Tensor, _ a: Tensor, _ b: Tensor, k: Int, bias: Tensor? = nil) -> Bool {
        guard got.shape == want.shape else { return false }
        var scale = a.to(.float64).abs().matmul(b.to(.float64).abs())
        if let bias { scale = scale + bias.to(.float64).abs() }
        let g = got.to(.float64).reshape([-1]).doubles, w = want.to(.float64).reshape([-1]).doubles
        let s = scale.reshape([-1]).doubles
        let factor = Double(2 * k + 2) * u
        return zip(zip(g, w), s).allSatisfy { pair, s in Swift.abs(pair.0 - pair.1) <= factor * s + 1e-30 }
    }

    /// Whether the storage of `t` holds a packed copy (not just a remembered key).
    static func isPacked(_ t: Tensor) -> Bool {
        Kernels.packedWeightLock.withLock { _ in t.storage.packedWeight?.packed != nil }
    }

    static func packed<R>(_ body: () -> R) -> R { Kernels.$packedWeightChoice.withValue(.always, operation: body) }
    static func blas<R>(_ body: () -> R) -> R { Kernels.$packedWeightChoice.withValue(.never, operation: body) }

    /// M = 1...20 rows (every tail of the 6-row tile and the wide 1- to 3-row tiles), K = 1 and
    /// longer, N below, at and past multiples of 16: matmul with a transposed weight, matmul with a
    /// plain one, and linear (addmm, bias added by the kernel) against the BLAS path.
    @Test func equalsBLASForFewRows() {
        guard Kernels.ownKernels else { return }   // no AVX2/FMA: the cache never runs
        let g = Generator(seed: 3)
        for (k, n) in [(1, 5), (1, 16), (3, 17), (16, 33), (40, 64), (33, 70)] {
            let w = Tensor.randn([n, k], generator: g), bias = Tensor.randn([n], generator: g)
            let wPlain = Tensor.randn([k, n], generator: g)
            for m in 1...20 {
                let x = Tensor.randn([m, k], generator: g)
                let (p1, b1) = (Self.packed { x.matmul(w.mT) }, Self.blas { x.matmul(w.mT) })
                #expect(Self.close(p1, b1, x, w.mT, k: k), "x.matmul(w.mT) m \(m) k \(k) n \(n)")
                let (p2, b2) = (Self.packed { x.matmul(wPlain) }, Self.blas { x.matmul(wPlain) })
                #expect(Self.close(p2, b2, x, wPlain, k: k), "x.matmul(w) m \(m) k \(k) n \(n)")
                let (p3, b3) = (Self.packed { linear(x, weight: w, bias: bias) }, Self.blas { linear(x, weight: w, bias: bias) })
                #expect(Self.close(p3, b3, x, w.mT, k: k, bias: bias), "linear m \(m) k \(k) n \(n)")
            }
            #expect(Self.isPacked(w) && Self.isPacked(wPlain))
        }
    }

    /// A batched left operand [B, L, K] folds into one block of B·L rows; a left operand whose rows
    /// are strided (a column slice) is read in place.
    @Test func batchedAndStridedLeftOperands() {
        guard Kernels.ownKernels else { return }
        let g = Generator(seed: 5)
        let w = Tensor.randn([37, 24], generator: g)
        let x = Tensor.randn([3, 4, 24], generator: g)
        #expect(Self.close(Self.packed { x.matmul(w.mT) }, Self.blas { x.matmul(w.mT) }, x, w.mT, k: 24))
        let wide = Tensor.randn([5, 30], generator: g), xs = wide.narrow(axis: 1, start: 3, length: 24)
        #expect(Self.close(Self.packed { xs.matmul(w.mT) }, Self.blas { xs.matmul(w.mT) }, xs, w.mT, k: 24))
        #expect(Self.isPacked(w))
    }

    /// Automatic mode: the first product with a weight runs on BLAS and remembers the key, the
    /// second packs; every in-place change of the weight (optimizer step, copyFrom, an in-place op
    /// through a view, loadStateDict) makes the copy stale: the next product runs on BLAS with the
    /// new values, the one after packs them again.
    @Test func weightUpdatedInPlaceIsPackedAgain() throws {
        guard Kernels.ownKernels && Runtime.packedWeights else { return }
        let g = Generator(seed: 9)
        let layer = Linear(64, 80, generator: g)
        let x = Tensor.randn([4, 64], generator: g)
        /// Two products in automatic mode: BLAS then packed, both equal to BLAS on the current weight.
        func check(_ what: String) {
            let want = Self.blas { withNoGrad { layer(x) } }
            let first = withNoGrad { layer(x) }
            #expect(!Self.isPacked(layer.weight), "\(what): first product after a change runs on BLAS")
            #expect(first.toArray(as: Float.self) == want.toArray(as: Float.self), "\(what): BLAS result")
            let second = withNoGrad { layer(x) }
            #expect(Self.isPacked(layer.weight), "\(what): second product packs")
            #expect(Self.close(second, want, x, layer.weight.mT, k: 64, bias: layer.bias), "\(what): packed result")
            let key = Kernels.packedWeightLock.withLock { _ in layer.weight.storage.packedWeight?.key }
            #expect(key?.version == layer.weight.storage.version, "\(what): keyed by the current version")
        }
        check("fresh")
        let before = withNoGrad { layer(x) }

        let opt = SGD(layer.parameters(), lr: 0.5)
        (layer(x) * layer(x)).sum().backward()
        opt.step()
        check("after an optimizer step")
        let afterStep = withNoGrad { layer(x) }
        #expect(!afterStep.allClose(before, rtol: 1e-3, atol: 1e-3), "the step changed the output")

        withNoGrad { layer.weight.copyFrom(Tensor.randn([80, 64], generator: g)) }
        check("after copyFrom")

        withNoGrad {
            let rows = layer.weight.narrow(axis: 0, start: 10, length: 5)
            rows *= 3
        }
        check("after an in-place op on a view")

        let other = Linear(64, 80, generator: g)
        try layer.loadStateDict(other.stateDict())
        check("after loadStateDict")
        #expect(withNoGrad { layer(x) }.allClose(Self.blas { withNoGrad { other(x) } }, rtol: 1e-4, atol: 1e-5))
    }

    /// One storage, two views used as weights alternately (column blocks of one matrix, and the
    /// matrix with and without transposition): each product uses a copy of its own view.
    @Test func cacheIsKeyedByView() {
        guard Kernels.ownKernels else { return }
        let g = Generator(seed: 13)
        let base = Tensor.randn([48, 64], generator: g)
        let left = base.narrow(axis: 1, start: 0, length: 32), right = base.narrow(axis: 1, start: 32, length: 32)
        let x = Tensor.randn([5, 48], generator: g), y = Tensor.randn([5, 64], generator: g)
        for _ in 0..<2 {
            for view in [left, right] {
                #expect(Self.close(Self.packed { x.matmul(view) }, Self.blas { x.matmul(view.contiguous()) }, x, view, k: 48))
            }
            #expect(Self.close(Self.packed { y.matmul(base.mT) }, Self.blas { y.matmul(base.mT.contiguous()) }, y, base.mT, k: 64))
            #expect(Self.close(Self.packed { x.matmul(base) }, Self.blas { x.matmul(base.contiguous()) }, x, base, k: 48))
        }
    }

    /// Gradients through linear and matmul are those of the BLAS path (the recorded ops are the same;
    /// only the forward product's kernel differs).
    @Test func gradientsUnaffected() {
        guard Kernels.ownKernels else { return }
        let g = Generator(seed: 17)
        let x0 = Tensor.randn([6, 20], generator: g), w0 = Tensor.randn([19, 20], generator: g)
        let b0 = Tensor.randn([19], generator: g), v0 = Tensor.randn([19, 7], generator: g)
        func run(_ choice: KernelChoice) -> [Tensor] {
            Kernels.$packedWeightChoice.withValue(choice) {
                let (x, w, b, v) = (x0.detach().requiringGrad(), w0.detach().requiringGrad(),
                                    b0.detach().requiringGrad(), v0.detach().requiringGrad())
                let y = linear(x, weight: w, bias: b).tanh().matmul(v)
                (y * y).sum().backward()
                return [y, x.grad!, w.grad!, b.grad!, v.grad!]
            }
        }
        let p = run(.always), r = run(.never)
        for (a, b) in zip(p, r) { #expect(a.allClose(b, rtol: 1e-4, atol: 1e-5)) }
    }

    /// The kernel's own entry: C = A·B + bias over every row tail and column tail, columns past n
    /// untouched; the product split over the pool's threads (panel ranges) is bitwise the serial one.
    @Test func panelProductWithBiasAndThreadSplit() {
        guard Kernels.ownKernels else { return }
        let g = Generator(seed: 19)
        for (m, n, k) in [(1, 70, 5), (2, 33, 7), (3, 48, 9), (7, 17, 1), (13, 100, 20)] {
            let a = Tensor.randn([m, k], generator: g), bt = Tensor.randn([n, k], generator: g)
            let bias = Tensor.randn([n], generator: g)
            let packed = Kernels.PackedB(k: k, n: n, bt.ptr(Float.self), rowStride: 1, columnStride: k)
            let c = Tensor.full([m, n + 3], 7)
            packed.product(m: m, a.ptr(Float.self), lda: k, c.ptr(Float.self), ldc: n + 3, bias: bias.ptr(Float.self))
            let want = a.to(.float64).matmul(bt.to(.float64).mT) + bias.to(.float64)
            let got = c.narrow(axis: 1, start: 0, length: n)
            #expect(Self.close(got, want, a, bt.mT, k: k, bias: bias), "m \(m) n \(n) k \(k)")
            #expect(c.narrow(axis: 1, start: n, length: 3).toArray(as: Float.self).allSatisfy { $0 == 7 })
        }
        // 24 × 256 × 256 multiply-adds: above `splitGemmWork`, so split over the pool when it has threads.
        let a = Tensor.randn([24, 256], generator: g), bt = Tensor.randn([256, 256], generator: g)
        let packed = Kernels.PackedB(k: 256, n: 256, bt.ptr(Float.self), rowStride: 1, columnStride: 256)
        let serial = Tensor.zeros([24, 256]), split = Tensor.zeros([24, 256])
        packed.product(m: 24, a.ptr(Float.self), lda: 256, serial.ptr(Float.self), ldc: 256, serial: true)
        packed.product(m: 24, a.ptr(Float.self), lda: 256, split.ptr(Float.self), ldc: 256)
        #expect(serial.toArray(as: Float.self) == split.toArray(as: Float.self))
    }
}

/// Several threads multiplying by one weight at once through the cache (run under ThreadSanitizer
/// by .ci/sanitizers.sh, whose filter matches `ThreadingTests`): every result is right, and the
/// storage ends with one packed copy.
@Suite struct PackedWeightThreadingTests {
    /// Tensors are not Sendable; these are shared on purpose (read only, except for the weight's
    /// cache slot, which is what this test checks under ThreadSanitizer).
    final class Shared: @unchecked Sendable {
        let w: Tensor, bias: Tensor, xs: [Tensor], want: [Tensor]
        init(w: Tensor, bias: Tensor, xs: [Tensor], want: [Tensor]) { self.w = w; self.bias = bias; self.xs = xs; self.want = want }
    }

    @Test func concurrentProductsShareOneWeight() {
        guard Kernels.ownKernels && Runtime.packedWeights else { return }
        let g = Generator(seed: 23)
        let w = Tensor.randn([96, 64], generator: g), bias = Tensor.randn([96], generator: g)
        let xs = (0..<4).map { _ in Tensor.randn([3, 64], generator: g) }
        let want = xs.map { x in Kernels.$packedWeightChoice.withValue(.never) { linear(x, weight: w, bias: bias) } }
        let failures = Locked(0)
        let shared = Shared(w: w, bias: bias, xs: xs, want: want)
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            for _ in 0..<8 {
                let y = withNoGrad { linear(shared.xs[i], weight: shared.w, bias: shared.bias) }
                if !PackedWeightTests.close(y, shared.want[i], shared.xs[i], shared.w.mT, k: 64, bias: shared.bias) {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(PackedWeightTests.isPacked(w))
    }
}
