import Foundation
import Testing
@testable import SwiftGrad

/// scaledDotProductAttention: the fused kernel against a composed reference (values and float64
/// gradchecks, at several block sizes so the tiling is exercised on small inputs), against PyTorch's
/// F.scaled_dot_product_attention (Resources/attention_fixtures.json, make_attention_fixtures.py),
/// views, GQA, dropout, reduced precision and the unsupported double backward.
@Suite struct ScaledDotProductAttentionTests {
    /// softmax(q·kᵀ·scale + mask)·v with plain ops; fully masked rows give 0 (PyTorch's safe softmax).
    static func reference(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor? = nil, causal: Bool = false,
                          scale: Double? = nil, group: Int = 1) -> Tensor {
        func rep(_ t: Tensor) -> Tensor {
            guard group > 1 else { return t }
            let h = t.rank - 3
            var big = t.shape
            big.insert(group, at: h + 1)
            var shape = t.shape
            shape[h] *= group
            return t.unsqueeze(axis: h + 1).expand(big).reshape(shape)
        }
        let e = q.shape.last!, l = q.shape[q.rank - 2], s = k.shape[k.rank - 2]
        var scores = q.matmul(rep(k).transpose(-2, -1)) * (scale ?? 1 / Double(e).squareRoot())
        if let mask {
            scores = mask.dtype == .bool ? scores.maskedFill(mask.logicalNot(), -.infinity) : scores + mask
        }
        if causal {
            let keep = Tensor((0..<(l * s)).map { $0 % s <= $0 / s }, shape: [l, s])
            scores = scores.maskedFill(keep.logicalNot(), -.infinity)
        }
        let w = scores.softmax(axis: -1)
        return Tensor.where(w.isnan(), Tensor.full([], 0, dtype: w.dtype), w).matmul(rep(v))
    }

    static let blocks: [(Int, Int)] = [(1, 1), (2, 3), (64, 64)]

    @Test func matchesTheComposedReferenceAtEveryBlockSize() {
        let g = Generator(seed: 1)
        let q = Tensor.randn([2, 2, 5, 4], dtype: .float64, generator: g)
        let k = Tensor.randn([2, 2, 7, 4], dtype: .float64, generator: g)
        let v = Tensor.randn([2, 2, 7, 3], dtype: .float64, generator: g)
        let fmask = Tensor.randn([2, 1, 5, 7], dtype: .float64, generator: g)
        var keep = Tensor.rand([5, 7], generator: g) .> 0.3
        keep = Tensor.cat([keep.narrow(axis: 0, start: 0, length: 2), Tensor.zeros([1, 7], dtype: .bool),
                           keep.narrow(axis: 0, start: 3, length: 2)], axis: 0)     // row 2 fully masked
        for (br, bc) in Self.blocks {
            func run(_ m: Tensor?, causal: Bool, scale: Double? = nil) -> Tensor {
                sdpa(q, k, v, mask: m, isCausal: causal, dropout: 0, scale: scale, enableGQA: false, generator: nil,
                     blockRows: br, blockCols: bc)
            }
            #expect(run(nil, causal: false).allClose(Self.reference(q, k, v), atol: 1e-12))
            #expect(run(nil, causal: true).allClose(Self.reference(q, k, v, causal: true), atol: 1e-12))
            #expect(run(fmask, causal: false, scale: 0.3).allClose(Self.reference(q, k, v, mask: fmask, scale: 0.3), atol: 1e-12))
            let masked = run(keep, causal: false)
            #expect(masked.allClose(Self.reference(q, k, v, mask: keep), atol: 1e-12))
            #expect(masked.narrow(axis: 2, start: 2, length: 1).doubles.allSatisfy { $0 == 0 })
        }
        // The public entry (64 × 64 blocks), float32.
        let q32 = q.to(.float32), k32 = k.to(.float32), v32 = v.to(.float32)
        #expect(scaledDotProductAttention(q32, k32, v32, isCausal: true)
            .allClose(Self.reference(q32, k32, v32, causal: true), atol: 1e-5))
    }

    /// Several 64 × 64 tiles per head and enough work to spread the heads over threads: values and
    /// gradients equal the composed formula's.
    @Test func largerProblemsRunTiledAndInParallel() {
        let g = Generator(seed: 21)
        let q = Tensor.randn([2, 2, 130, 16], dtype: .float64, generator: g)
        let k = Tensor.randn([2, 2, 100, 16], dtype: .float64, generator: g)
        let v = Tensor.randn([2, 2, 100, 8], dtype: .float64, generator: g)
        let w = Tensor.randn([2, 2, 130, 8], dtype: .float64, generator: g)
        for causal in [false, true] {
            var grads: [[Tensor]] = []
            var outs: [Tensor] = []
            for fused in [true, false] {
                let xs = [q, k, v].map { t -> Tensor in let c = t.copy(); c.requiresGrad = true; return c }
                let y = fused ? scaledDotProductAttention(xs[0], xs[1], xs[2], isCausal: causal)
                              : Self.reference(xs[0], xs[1], xs[2], causal: causal)
                (y * w).sum().backward()
                outs.append(y); grads.append(xs.map { $0.grad! })
            }
            #expect(outs[0].allClose(outs[1], atol: 1e-12), "causal \(causal): output")
            for i in 0..<3 { #expect(grads[0][i].allClose(grads[1][i], atol: 1e-11), "causal \(causal): gradient \(i)") }
        }
    }

    @Test func gradientsMatchFiniteDifferences() {
        let q = GC.randn([1, 2, 4, 3], seed: 11), k = GC.randn([1, 2, 5, 3], seed: 12), v = GC.randn([1, 2, 5, 2], seed: 13)
        let m = GC.randn([4, 5], seed: 14)
        for (br, bc) in Self.blocks {
            for causal in [false, true] {
                let r = gradcheck({ xs in
                    sdpa(xs[0], xs[1], xs[2], mask: causal ? nil : xs[3], isCausal: causal, dropout: 0, scale: nil,
                         enableGQA: false, generator: nil, blockRows: br, blockCols: bc)
                }, inputs: [q, k, v, m])
                #expect(r.passed, "blocks \(br)×\(bc), causal \(causal): \(r)")
            }
        }
        // GQA and a broadcast batch: key/value heads shared by two query heads, one batch entry of k/v.
        let qg = GC.randn([2, 4, 3, 2], seed: 15), kg = GC.randn([1, 2, 4, 2], seed: 16), vg = GC.randn([1, 2, 4, 3], seed: 17)
        let r = gradcheck({ xs in
            sdpa(xs[0], xs[1], xs[2], mask: nil, isCausal: true, dropout: 0, scale: 0.7, enableGQA: true, generator: nil,
                 blockRows: 2, blockCols: 3)
        }, inputs: [qg, kg, vg])
        #expect(r.passed, "gqa: \(r)")
        #expect(scaledDotProductAttention(qg, kg, vg, isCausal: true, scale: 0.7, enableGQA: true)
            .allClose(Self.reference(qg, kg.expand([2, 2, 4, 2]), vg.expand([2, 2, 4, 3]), causal: true, scale: 0.7, group: 2), atol: 1e-12))
    }

    /// Heads permuted out of [N, L, H, E] (and a transposed key) are read in place, with the
    /// values and gradients of contiguous copies.
    @Test func acceptsViews() {
        let g = Generator(seed: 2)
        let base = Tensor.randn([2, 5, 3, 4], dtype: .float64, generator: g)
        let kBase = Tensor.randn([2, 3, 4, 6], dtype: .float64, generator: g)   // [N, H, E, S]
        let v = Tensor.randn([2, 3, 6, 4], dtype: .float64, generator: g)
        for t in [base, kBase, v] { t.requiresGrad = true }
        let q = base.permute([0, 2, 1, 3]), k = kBase.transpose(-2, -1)
        let y = scaledDotProductAttention(q, k, v.narrow(axis: 3, start: 1, length: 3), isCausal: true)
        let w = GC.weights(like: y)
        (y * w).sum().backward()
        let qc = withNoGrad { q.contiguous() }, kc = withNoGrad { k.contiguous() }, vc = withNoGrad { v.contiguous() }
        for t in [qc, kc, vc] { t.requiresGrad = true }
        let yc = scaledDotProductAttention(qc, kc, vc.narrow(axis: 3, start: 1, length: 3), isCausal: true)
        (yc * w).sum().backward()
        #expect(y.allClose(yc, atol: 1e-13))
        #expect(base.grad!.permute([0, 2, 1, 3]).allClose(qc.grad!, atol: 1e-13))
        #expect(kBase.grad!.transpose(-2, -1).allClose(kc.grad!, atol: 1e-13))
        #expect(v.grad!.allClose(vc.grad!, atol: 1e-13))
    }

    /// The output (and each gradient) is laid out like its input: heads split from a [N, L, 3C]
    /// projection give an output that is [N, L, H, E] in memory, so `.transpose(1, 2).reshape`
    /// back to [N, L, C] is a view of it; the upstream gradient of that reshape is read in place.
    /// Values and gradients equal those of contiguous heads.
    @Test func outputAndGradientsKeepTheInputLayout() {
        let g = Generator(seed: 4)
        let x = Tensor.randn([2, 5, 24], dtype: .float64, generator: g).requiringGrad()
        func heads(_ t: Tensor) -> Tensor { t.view([2, 5, 2, 4]).transpose(1, 2) }
        let parts = x.split(size: 8, axis: 2)
        let y = scaledDotProductAttention(heads(parts[0]), heads(parts[1]), heads(parts[2]), isCausal: true)
        #expect(y.shape == [2, 2, 5, 4] && !y.isContiguous)
        let merged = y.transpose(1, 2).reshape([2, 5, 8])
        #expect(merged.isContiguous && merged.storage === y.storage)
        let w = GC.weights(like: merged)
        (merged * w).sum().backward()
        let xc = x.detach().requiringGrad()
        let pc = xc.split(size: 8, axis: 2).map { heads($0).contiguous() }
        let yc = scaledDotProductAttention(pc[0], pc[1], pc[2], isCausal: true)
        #expect(yc.isContiguous)
        (yc.transpose(1, 2).reshape([2, 5, 8]) * w).sum().backward()
        #expect(y.allClose(yc, atol: 1e-13))
        #expect(x.grad!.allClose(xc.grad!, atol: 1e-13))
    }

    /// PyTorch's values and gradients (of sum(out · gout)), float32 and float64.
    @Test func matchesPyTorch() throws {
        struct T: Decodable { let shape: [Int]; let data: [Double] }
        struct Case: Decodable {
            let name: String, dtype: String, q: T, k: T, v: T, gout: T, out: T, dq: T, dk: T, dv: T
            let isCausal: Bool, gqa: Bool, scale: Double?, mask: T?, maskBool: Bool?, dmask: T?
        }
        struct File: Decodable { let sdpa: [Case] }
        let url = Bundle.module.url(forResource: "attention_fixtures", withExtension: "json", subdirectory: "Resources")!
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        #expect(file.sdpa.count == 12)
        for c in file.sdpa {
            let dt: DType = c.dtype == "float32" ? .float32 : .float64
            let tol = dt == .float32 ? 2e-5 : 1e-11
            func make(_ t: T) -> Tensor { Tensor(t.data, shape: t.shape, dtype: dt) }
            for (br, bc) in [(2, 3), (64, 64)] {
                let q = make(c.q), k = make(c.k), v = make(c.v)
                var mask: Tensor? = nil
                if let m = c.mask { mask = c.maskBool == true ? make(m) .!= 0 : make(m) }
                for t in [q, k, v] { t.requiresGrad = true }
                if c.dmask != nil { mask!.requiresGrad = true }
                let y = sdpa(q, k, v, mask: mask, isCausal: c.isCausal, dropout: 0, scale: c.scale, enableGQA: c.gqa,
                             generator: nil, blockRows: br, blockCols: bc)
                (y * make(c.gout)).sum().backward()
                let label = "\(c.name) \(c.dtype) blocks \(br)×\(bc)"
                #expect(y.allClose(make(c.out), atol: tol), "\(label): output")
                #expect(q.grad!.allClose(make(c.dq), atol: tol), "\(label): dq")
                #expect(k.grad!.allClose(make(c.dk), atol: tol), "\(label): dk")
                #expect(v.grad!.allClose(make(c.dv), atol: tol), "\(label): dv")
                if let dm = c.dmask { #expect(mask!.grad!.allClose(make(dm), atol: tol), "\(label): dmask") }
            }
        }
    }

    @Test func dropoutAndReducedPrecision() {
        let g = Generator(seed: 3)
        let q = Tensor.randn([1, 2, 3, 4], generator: g), k = Tensor.randn([1, 2, 5, 4], generator: g)
        let v = Tensor.randn([1, 2, 5, 4], generator: g)
        #expect(scaledDotProductAttention(q, k, v, dropout: 1).doubles.allSatisfy { $0 == 0 })
        let a = scaledDotProductAttention(q, k, v, dropout: 0.5, generator: Generator(seed: 9))
        let b = scaledDotProductAttention(q, k, v, dropout: 0.5, generator: Generator(seed: 9))
        #expect(a.allClose(b, atol: 0) && !a.allClose(scaledDotProductAttention(q, k, v), atol: 1e-3))
        let r = gradcheck({ xs in
            scaledDotProductAttention(xs[0], xs[1], xs[2], isCausal: true, dropout: 0.3, generator: Generator(seed: 4))
        }, inputs: [q.to(.float64), k.to(.float64), v.to(.float64)])
        #expect(r.passed, "dropout: \(r)")
        let half = scaledDotProductAttention(q.to(.bfloat16), k.to(.bfloat16), v.to(.bfloat16), isCausal: true)
        #expect(half.dtype == .bfloat16)
        #expect(half.to(.float32).allClose(scaledDotProductAttention(q, k, v, isCausal: true), atol: 3e-2))
    }

    /// No keys gives zeros (as PyTorch), no queries or no batch an empty result; gradients follow.
    @Test func emptySizes() {
        let q = Tensor.randn([1, 2, 3, 4], dtype: .float64)
        q.requiresGrad = true
        let y = scaledDotProductAttention(q, Tensor.zeros([1, 2, 0, 4], dtype: .float64), Tensor.zeros([1, 2, 0, 5], dtype: .float64))
        #expect(y.shape == [1, 2, 3, 5] && y.doubles.allSatisfy { $0 == 0 })
        y.sum().backward()
        #expect(q.grad!.doubles.allSatisfy { $0 == 0 })
        let none = Tensor.zeros([0, 2, 3, 4])
        #expect(scaledDotProductAttention(none, none, none).shape == [0, 2, 3, 4])
        let noQuery = Tensor.zeros([1, 0, 4])
        #expect(scaledDotProductAttention(noQuery, Tensor.ones([1, 2, 4]), Tensor.ones([1, 2, 4]), isCausal: true).shape == [1, 0, 4])
    }

    /// The heads are spread over threads in fixed items (a block of rows of one head forward, one
    /// head backward): bitwise the same at 1, 2 and 3 threads.
    @Test func resultsDoNotDependOnTheThreadCount() async {
        await #expect(processExitsWith: .success) {
            let g = Generator(seed: 6)
            let q = Tensor.randn([2, 3, 70, 16], generator: g), k = Tensor.randn([2, 3, 90, 16], generator: g)
            let v = Tensor.randn([2, 3, 90, 16], generator: g)
            func run() -> [[UInt32]] {
                let xs = [q, k, v].map { t -> Tensor in let c = t.copy(); c.requiresGrad = true; return c }
                let y = scaledDotProductAttention(xs[0], xs[1], xs[2], isCausal: true)
                (y * y).sum().backward()
                return ([y] + xs.map { $0.grad! }).map { $0.scalars.map(\.bitPattern) }
            }
            Runtime.threadCount = 1
            let one = run()
            Runtime.threadCount = 2
            let two = run()
            Runtime.threadCount = 3
            let three = run()
            if one != two || one != three { exit(1) }
        }
    }

    /// The fused forward and backward never allocate the [L, S] scores: with L = S = 512 and two
    /// heads (2 MiB of float32 scores), the peak of live tensor bytes grows by less than a quarter
    /// of that, while the composed formula's grows by more than the scores.
    @Test func neverMaterialisesTheScores() async {
        await #expect(processExitsWith: .success) {
            let g = Generator(seed: 7)
            let q = Tensor.randn([1, 2, 512, 8], generator: g), k = Tensor.randn([1, 2, 512, 8], generator: g)
            let v = Tensor.randn([1, 2, 512, 8], generator: g)
            for t in [q, k, v] { t.requiresGrad = true }
            func growth(_ f: () -> Tensor) -> Int {
                Diagnostics.resetPeak()
                let before = Diagnostics.liveBytes
                f().sum().backward()
                return Diagnostics.peakBytes - before
            }
            let scores = 2 * 512 * 512 * 4
            let fused = growth { scaledDotProductAttention(q, k, v, isCausal: true) }
            let composed = growth { ScaledDotProductAttentionTests.reference(q, k, v, causal: true) }
            if fused >= scores / 4 || composed <= scores { exit(1) }
        }
    }

    @Test func doubleBackwardStopsWithAMessage() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let q = Tensor.randn([1, 2, 3], dtype: .float64)
            q.requiresGrad = true
            let y = scaledDotProductAttention(q, q, q)
            _ = grad(of: y.sum(), wrt: [q], createGraph: true)
        }
        expectStderr(r, contains: ["scaledDotProductAttention", "double backward"])
    }
}

@Suite struct MisuseMessageTestsAttention {
    static let cases: [MisuseCase] = [
        MisuseCase(["scaledDotProductAttention", "[2, 3, 4]", "[3, 4]"]) {
            _ = scaledDotProductAttention(Tensor.ones([2, 3, 4]), Tensor.ones([3, 4]), Tensor.ones([3, 4]))
        },
        MisuseCase(["scaledDotProductAttention", "[1, 3, 4]", "[1, 5, 3]"]) {
            _ = scaledDotProductAttention(Tensor.ones([1, 3, 4]), Tensor.ones([1, 5, 3]), Tensor.ones([1, 5, 4]))
        },
        MisuseCase(["scaledDotProductAttention", "isCausal", "[3, 5]"]) {
            _ = scaledDotProductAttention(Tensor.ones([1, 3, 4]), Tensor.ones([1, 5, 4]), Tensor.ones([1, 5, 4]),
                                          mask: Tensor.ones([3, 5]), isCausal: true)
        },
        MisuseCase(["scaledDotProductAttention", "mask", "[4, 5]", "[1, 3, 5]"]) {
            _ = scaledDotProductAttention(Tensor.ones([1, 3, 4]), Tensor.ones([1, 5, 4]), Tensor.ones([1, 5, 4]),
                                          mask: Tensor.ones([4, 5]))
        },
        MisuseCase(["scaledDotProductAttention", "enableGQA", "[1, 3, 2, 4]", "[1, 2, 2, 4]"]) {
            _ = scaledDotProductAttention(Tensor.ones([1, 3, 2, 4]), Tensor.ones([1, 2, 2, 4]), Tensor.ones([1, 2, 2, 4]),
                                          enableGQA: true)
        },
        MisuseCase(["scaledDotProductAttention", "int64"]) {
            _ = scaledDotProductAttention(Tensor.ones([1, 3, 4]), Tensor.ones([1, 5, 4]), Tensor.ones([1, 5, 4]),
                                          mask: Tensor.ones([3, 5], dtype: .int64))
        },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsAttention.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
