import Foundation
import Testing
@testable import SwiftGrad

/// vmap: every registered op's gradcheck case mapped over a batch against the per-sample loop
/// (bitwise or 1e-12), which ops fall back to the loop, in/out dims, nesting, per-sample gradients,
/// PyTorch's torch.func.vmap fixtures and misuse messages.
fileprivate extension Tensor {
    /// Same shape and bitwise the same values (as float64).
    func same(_ other: Tensor) -> Bool { shape == other.shape && to(.float64).doubles.elementsEqual(other.to(.float64).doubles) { $0 == $1 || ($0.isNaN && $1.isNaN) } }
}

@Suite struct VmapTests {
    /// The per-sample loop: f of each sample, stacked along axis 0.
    static func loop(_ f: ([Tensor]) -> Tensor, _ xs: [Tensor], inDims: [Int?]) -> Tensor {
        let b = zip(xs, inDims).compactMap { x, d in d.map { x.shape[$0 < 0 ? $0 + x.rank : $0] } }[0]
        return Tensor.stack((0..<b).map { i in
            f(zip(xs, inDims).map { x, d in d.map { x.select(axis: $0, index: i) } ?? x })
        }, axis: 0)
    }

    /// Runs `body` with this thread's vmap fallback log on and returns the reasons logged.
    static func fallbacks<R>(_ body: () -> R) -> (R, [String]) {
        let ctx = ThreadContext.current
        let saved = ctx.vmapFallbackLog
        ctx.vmapFallbackLog = []
        defer { ctx.vmapFallbackLog = saved }
        let r = body()
        return (r, ctx.vmapFallbackLog!)
    }

    /// A batch of 3 samples of a gradcheck input: float inputs scaled by 1, 1.1 and 0.9 (which
    /// keeps every domain the cases use: positive, away from zero, SPD, orderings), integer
    /// inputs repeated.
    static func batch(_ x: Tensor) -> Tensor {
        let x0 = withNoGrad { x.copy() }
        guard x0.dtype.isFloatingPoint else { return Tensor.stack([x0, x0, x0], axis: 0) }
        return withNoGrad { Tensor.stack([x0, x0 * 1.1, x0 * 0.9], axis: 0) }
    }

    static let drawInside: Set<Op> = [.logcumsumexp]

    @Test(arguments: Op.allCases)
    func everyOpUnderVmapMatchesThePerSampleLoop(op: Op) {
        let c = OpGradchecks.gradcheck(for: op)
        // Ops that only a backward records are reached through a gradient taken inside the
        // function (grad(of:wrt:) is not a transform: it refuses batched tensors).
        guard !c.name.hasPrefix("d2 ") else { return }
        // Cases that draw random numbers inside the function: random ops stop inside vmap
        // (randomness 'error', tested below).
        guard !VmapTests.drawInside.contains(op) else { return }
        let xs = c.inputs.map(VmapTests.batch)
        let dims = xs.map { _ in Optional(0) }
        let (batched, log) = VmapTests.fallbacks { vmap(c.f, inDims: dims)(xs) }
        let expected = VmapTests.loop(c.f, xs, inDims: dims)
        #expect(TransformFixtures.mismatch(batched, expected.to(batched.dtype)) == nil || batched.dtype != .float64,
                "\(op): vmap differs from the per-sample loop: \(TransformFixtures.mismatch(batched, expected) ?? "")")
        #expect(batched.shape == expected.shape && batched.dtype == expected.dtype, "\(op): \(batched.shape) \(batched.dtype) vs \(expected.shape) \(expected.dtype)")
        if batched.dtype != .float64 { #expect(batched.same(expected), "\(op): integer result differs from the loop") }
        let hasRule = Vmap.opsWithRule.contains(op)
        #expect(log.isEmpty == hasRule,
                "\(op): \(hasRule ? "listed with a batching rule but fell back to the loop" : "not listed with a rule but needed no fallback: add it to Vmap.opsWithRule") (fallbacks: \(log))")
    }

    @Test func coverageListsArePublicAndPartitionTheRegistry() {
        let rule = VmapCoverage.opsWithBatchingRule, fallback = VmapCoverage.opsUsingFallback
        #expect(rule.count + fallback.count == Op.allCases.count)
        #expect(Set(rule).isDisjoint(with: fallback))
        #expect(rule.contains("matmul") && rule.contains("softmax") && fallback.contains("cumprod"))
    }

    @Test func fallbackIsCountedNamedAndStillCorrect() {
        let x = GC.randn([3, 4], seed: 1)
        let before = vmapFallbacks()["cumprod"] ?? 0
        let (y, log) = VmapTests.fallbacks { vmap({ $0.cumprod(axis: 0).exp() })(x) }
        #expect(log == ["cumprod"])
        #expect((vmapFallbacks()["cumprod"] ?? 0) > before)
        #expect(y.same(withNoGrad { x.cumprod(axis: 1).exp() }))
        // Control flow on a sample's values: item() reads a batched tensor, so the loop runs.
        let (z, log2) = VmapTests.fallbacks { vmap({ v in v.sum().item() > 0 ? v * 2 : -v })(x) }
        #expect(log2 == [Vmap.unrecordedRead])
        #expect(z.same(VmapTests.loop({ $0[0].sum().item() > 0 ? $0[0] * 2 : -$0[0] }, [x], inDims: [0])))
    }

    @Test func inDimsOutDimsAndSharedArguments() {
        let a = GC.randn([3, 4], seed: 2), b = GC.randn([3], seed: 3)
        let f: (Tensor, Tensor) -> Tensor = { a, b in (a * b).softmax(axis: 0) }
        let (y, log) = VmapTests.fallbacks { vmap(f, inDims: (1, nil), outDims: 1)(a, b) }
        #expect(log.isEmpty)
        let expected = VmapTests.loop({ f($0[0], $0[1]) }, [a, b], inDims: [1, nil]).movedim(0, 1)
        #expect(TransformFixtures.mismatch(y, expected) == nil)
        // Negative dims count from the end, as PyTorch's.
        #expect(vmap(f, inDims: (-1, nil), outDims: -1)(a, b).same(y))
        // An unbatched result is broadcast over the batch.
        let c = vmap({ x, w in w.exp() }, inDims: (0, nil))(a, b)
        #expect(c.shape == [3, 3] && c.same(b.exp().unsqueeze(axis: 0).expand([3, 3])))
        // Several outputs, each placed by its outDims.
        let outs = vmap({ xs in [xs[0].sum(), xs[0].t()] }, inDims: [0], outDims: [0, 2])([GC.randn([2, 3, 4], seed: 4)])
        #expect(outs[0].shape == [2] && outs[1].shape == [4, 3, 2])
    }

    @Test func broadcastingAlignsLogicalRanks() {
        // A batched vector against an unbatched matrix: the batched operand gains its axes behind
        // the batch axis, so samples never mix.
        let v = GC.randn([2, 3], seed: 5), m = GC.randn([4, 3], seed: 6)
        let f: ([Tensor]) -> Tensor = { xs in xs[0] + xs[1] * xs[0] - Tensor.maximum(xs[0], xs[1]) }
        let (y, log) = VmapTests.fallbacks { vmap(f, inDims: [0, nil])([v, m]) }
        #expect(log.isEmpty && y.shape == [2, 4, 3])
        #expect(y.same(VmapTests.loop(f, [v, m], inDims: [0, nil])))
        let s = GC.randn([2], seed: 7)   // batched 0-d samples
        let g: ([Tensor]) -> Tensor = { xs in Tensor.where(xs[1] .> 0, xs[0] * xs[1], xs[1] / 2) }
        #expect(vmap(g, inDims: [nil, 0])([m, s]).same(VmapTests.loop(g, [m, s], inDims: [nil, 0])))
    }

    @Test func matmulCasesAndLinearMatchTheLoop() {
        let cases: [(Tensor, Tensor, [Int?])] = [
            (GC.randn([3, 4], seed: 1), GC.randn([3, 4], seed: 2), [0, 0]),            // dot
            (GC.randn([3, 2, 4], seed: 3), GC.randn([3, 4], seed: 4), [0, 0]),         // matrix · vector
            (GC.randn([3, 4], seed: 5), GC.randn([3, 4, 2], seed: 6), [0, 0]),         // vector · matrix
            (GC.randn([3, 2, 4], seed: 7), GC.randn([4, 5], seed: 8), [0, nil]),       // shared right
            (GC.randn([2, 4], seed: 9), GC.randn([3, 4, 5], seed: 10), [nil, 0]),      // shared left
            (GC.randn([4], seed: 11), GC.randn([3, 4], seed: 12), [nil, 0]),           // shared vector
            (GC.randn([5, 2, 4], seed: 13), GC.randn([3, 4], seed: 14), [nil, 0]),     // batched shared · vector
            (GC.randn([3, 5, 2, 4], seed: 15), GC.randn([3, 4, 6], seed: 16), [0, 0]), // broadcast batch axes
        ]
        for (a, b, dims) in cases {
            let f: ([Tensor]) -> Tensor = { $0[0].matmul($0[1]) }
            let (y, log) = VmapTests.fallbacks { vmap(f, inDims: dims)([a, b]) }
            #expect(log.isEmpty, "\(a.shape) · \(b.shape): \(log)")
            #expect(TransformFixtures.mismatch(y, VmapTests.loop(f, [a, b], inDims: dims)) == nil, "\(a.shape) · \(b.shape) dims \(dims)")
        }
        let x = GC.randn([3, 4], seed: 17), w = GC.randn([2, 4], seed: 18), bias = GC.randn([2], seed: 19)
        let lin: ([Tensor]) -> Tensor = { linear($0[0], weight: $0[1], bias: $0[2]) }
        for dims: [Int?] in [[0, nil, nil], [nil, 0, nil], [0, 0, 0]] {
            let args = dims.enumerated().map { i, d in d == nil ? [x[0], w, bias][i] : [x, Tensor.stack([w, w * 2, -w]), Tensor.stack([bias, bias, -bias])][i] }
            let (y, log) = VmapTests.fallbacks { vmap(lin, inDims: dims)(args) }
            #expect(log.isEmpty)
            #expect(TransformFixtures.mismatch(y, VmapTests.loop(lin, args, inDims: dims)) == nil, "linear dims \(dims)")
        }
    }

    @Test func nestedVmapMatchesTheDoubleLoop() {
        let x = GC.randn([4, 3], seed: 20), y = GC.randn([5, 3], seed: 21)
        let k: (Tensor, Tensor) -> Tensor = { a, b in (-(a - b).square().sum()).exp() }
        let (out, log) = VmapTests.fallbacks { vmap(vmap(k, inDims: (0, nil)), inDims: (nil, 0))(x, y) }
        #expect(log.isEmpty)
        let expected = Tensor.stack((0..<5).map { j in Tensor.stack((0..<4).map { i in k(x[i], y[j]) }) })
        #expect(TransformFixtures.mismatch(out, expected) == nil)
        // Both levels batch the same tensor along different axes; an op without a rule falls back
        // at the inner level only, and the result is still the loop's.
        let z = GC.randn([2, 3, 4], seed: 22)
        let inner = vmap({ (v: Tensor) in v.cumsum(axis: 0) * v.softmax(axis: 0) }, inDims: 1)
        #expect(TransformFixtures.mismatch(vmap(inner)(z), Tensor.stack((0..<2).map { inner(z[$0]) })) == nil)
    }

    // MARK: per-sample gradients

    /// A two-layer MLP's cross-entropy on one sample, as a function of [w1, b1, w2, b2, x, y].
    static func mlpLoss(_ t: [Tensor]) -> Tensor {
        let h = linear(t[4], weight: t[0], bias: t[1]).tanh()
        return crossEntropy(logits: linear(h, weight: t[2], bias: t[3]).unsqueeze(axis: 0), targets: t[5].unsqueeze(axis: 0))
    }

    @Test func perSampleGradientsOfAnMLPMatchTheLoop() {
        let params = [GC.randn([5, 3], seed: 30), GC.randn([5], seed: 31), GC.randn([4, 5], seed: 32), GC.randn([4], seed: 33)]
        let x = GC.randn([6, 3], seed: 34), y = Tensor([0, 3, 1, 2, 3, 0] as [Int64])
        let perSample: ([Tensor]) -> [Tensor] = grad(VmapTests.mlpLoss, argnums: [0, 1, 2, 3])
        let (gs, log) = VmapTests.fallbacks {
            vmap(perSample, inDims: [nil, nil, nil, nil, 0, 0], outDims: [0, 0, 0, 0])(params + [x, y])
        }
        #expect(log.isEmpty, "per-sample gradients fell back: \(log)")
        for k in 0..<4 {
            let expected = Tensor.stack((0..<6).map { i in perSample(params + [x[i], y[i]])[k] })
            #expect(gs[k].shape == [6] + params[k].shape)
            #expect(TransformFixtures.mismatch(gs[k], expected) == nil, "parameter \(k)")
        }
        // The two-tensor form: vmap(grad(loss, argnums: 0), inDims: (nil, 0)).
        let w = GC.randn([3], seed: 35)
        let loss: (Tensor, Tensor) -> Tensor = { w, x in (x * w).sum().tanh() }
        let g = vmap(grad(loss, argnums: 0), inDims: (nil, 0))(w, x)
        #expect(TransformFixtures.mismatch(g, Tensor.stack((0..<6).map { grad(loss, argnums: 0)(w, x[$0]) })) == nil)
        // vmap of vmap of grad: per-sample, per-row gradients.
        let xx = GC.randn([2, 3, 3], seed: 36)
        let gg = vmap(vmap(grad(loss, argnums: 0), inDims: (nil, 0)), inDims: (nil, 0))(w, xx)
        #expect(TransformFixtures.mismatch(gg, Tensor.stack((0..<2).map { i in Tensor.stack((0..<3).map { grad(loss, argnums: 0)(w, xx[i][$0]) }) })) == nil)
    }

    @Test func gradThroughVmapAndGradOfGradInsideVmap() {
        // grad outside vmap: the batched result is an ordinary graph.
        let w = GC.randn([3, 2], seed: 40), xs = GC.randn([4, 3], seed: 41)
        let outer = grad { w in vmap({ x in x.matmul(w).tanh().sum() })(xs).sum() }(w)
        let expected = grad { w in (0..<4).map { xs[$0].matmul(w).tanh().sum() }.reduce(Tensor.zeros([], dtype: .float64), +) }(w)
        #expect(TransformFixtures.mismatch(outer, expected) == nil)
        // grad of grad per sample (the diagonal of each sample's Hessian, summed).
        let f: (Tensor) -> Tensor = { x in (x.sin() * x.square()).sum() }
        let gg = vmap(grad { x in grad(f)(x).sum() })(xs)
        #expect(TransformFixtures.mismatch(gg, Tensor.stack((0..<4).map { grad { x in grad(f)(x).sum() }(xs[$0]) })) == nil)
        // jvp inside vmap has no rule: it runs per sample, and is still right.
        let v = Tensor.onesLike(xs)
        let (t, log) = VmapTests.fallbacks { vmap({ x, v in jvp(f, x, v).tangent }, inDims: (0, 0))(xs, v) }
        #expect(log.contains("jvp"))
        #expect(TransformFixtures.mismatch(t, Tensor.stack((0..<4).map { jvp(f, xs[$0], v[$0]).tangent })) == nil)
    }

    @Test func convAndCrossEntropyRules() {
        let img = GC.randn([2, 1, 2, 5, 5], seed: 50), w = GC.randn([3, 2, 3, 3], seed: 51), b = GC.randn([3], seed: 52)
        let conv: ([Tensor]) -> Tensor = { conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1) }
        let (y, log) = VmapTests.fallbacks { vmap(conv, inDims: [0, nil, nil])([img, w, b]) }
        #expect(log.isEmpty)
        #expect(TransformFixtures.mismatch(y, VmapTests.loop(conv, [img, w, b], inDims: [0, nil, nil])) == nil)
        let logits = GC.randn([3, 4, 5], seed: 53), targets = Tensor([0, 4, -100, 2, 1, 1, 3, 0, 2, 2, -100, 4] as [Int64]).reshape([3, 4])
        for reduction: Reduction in [.none, .sum, .mean] {
            let ce: ([Tensor]) -> Tensor = { crossEntropy(logits: $0[0], targets: $0[1], reduction: reduction) }
            let (l, log) = VmapTests.fallbacks { vmap(ce, inDims: [0, 0])([logits, targets]) }
            #expect(log.isEmpty)
            #expect(TransformFixtures.mismatch(l, VmapTests.loop(ce, [logits, targets], inDims: [0, 0])) == nil, "\(reduction)")
        }
    }

    // MARK: PyTorch fixtures (Scripts/make_vmap_fixtures.py)

    static func fixture(_ name: String) -> [String: Any] {
        let url = Bundle.module.url(forResource: "vmap_fixtures", withExtension: "json", subdirectory: "Resources")!
        let root = try! JSONSerialization.jsonObject(with: try! Data(contentsOf: url)) as! [String: Any]
        return (root["cases"] as! [String: Any])[name] as! [String: Any]
    }

    @Test func matchesTorchFuncVmap() {
        let m = VmapTests.fixture("mlp")
        let (w1, b1, w2, b2, x) = (TransformFixtures.tensor(m, "w1"), TransformFixtures.tensor(m, "b1"),
                                   TransformFixtures.tensor(m, "w2"), TransformFixtures.tensor(m, "b2"), TransformFixtures.tensor(m, "x"))
        let mlp: (Tensor) -> Tensor = { x in linear(linear(x, weight: w1, bias: b1).tanh(), weight: w2, bias: b2) }
        #expect(TransformFixtures.mismatch(vmap(mlp)(x), TransformFixtures.tensor(m, "out")) == nil)

        let p = VmapTests.fixture("per_sample_grads")
        let y = Tensor((p["y"] as! [Any]).map { Int64(($0 as! NSNumber).intValue) })
        let gs = vmap(grad(VmapTests.mlpLoss, argnums: [0, 1, 2, 3]), inDims: [nil, nil, nil, nil, 0, 0], outDims: [0, 0, 0, 0])([w1, b1, w2, b2, x, y])
        for (k, key) in ["gw1", "gb1", "gw2", "gb2"].enumerated() {
            #expect(TransformFixtures.mismatch(gs[k], TransformFixtures.tensor(p, key)) == nil, "per-sample \(key)")
        }

        let d = VmapTests.fixture("in_out_dims")
        let sm = vmap({ a, b in (a * b).softmax(axis: 0) }, inDims: (1, nil), outDims: 1)(TransformFixtures.tensor(d, "a"), TransformFixtures.tensor(d, "b"))
        #expect(TransformFixtures.mismatch(sm, TransformFixtures.tensor(d, "out")) == nil)

        let n = VmapTests.fixture("nested")
        let k: (Tensor, Tensor) -> Tensor = { a, b in (-(a - b).pow(2).sum()).exp() }
        let km = vmap(vmap(k, inDims: (0, nil)), inDims: (nil, 0))(TransformFixtures.tensor(n, "X"), TransformFixtures.tensor(n, "Y"))
        #expect(TransformFixtures.mismatch(km, TransformFixtures.tensor(n, "out")) == nil)

        let mm = VmapTests.fixture("matmul")
        let av = vmap({ a, v in a.matmul(v) })(TransformFixtures.tensor(mm, "A"), TransformFixtures.tensor(mm, "v"))
        #expect(TransformFixtures.mismatch(av, TransformFixtures.tensor(mm, "Av")) == nil)
        let mv = vmap({ m, v in m.matmul(v) }, inDims: (nil, -1))(TransformFixtures.tensor(mm, "M"), TransformFixtures.tensor(mm, "V"))
        #expect(TransformFixtures.mismatch(mv, TransformFixtures.tensor(mm, "MV")) == nil)
    }

    @Test func linearizeAndFunctionalCallMatchTorchFunc() {
        let l = VmapTests.fixture("linearize")
        let chain: (Tensor) -> Tensor = { x in x.sin() * x.exp() + x.square() / (1 + x.square()) }
        let (out, jvpFn) = linearize(chain, TransformFixtures.tensor(l, "x"))
        #expect(TransformFixtures.mismatch(out, TransformFixtures.tensor(l, "out")) == nil)
        #expect(TransformFixtures.mismatch(jvpFn(TransformFixtures.tensor(l, "v1")), TransformFixtures.tensor(l, "t1")) == nil)
        #expect(TransformFixtures.mismatch(jvpFn(TransformFixtures.tensor(l, "v2")), TransformFixtures.tensor(l, "t2")) == nil)

        let f = VmapTests.fixture("functional_call")
        let model = Sequential(Linear(3, 4, dtype: .float64), Tanh(), Linear(4, 2, dtype: .float64))
        let names = ["0.weight", "0.bias", "2.weight", "2.bias"]
        let params = Dictionary(uniqueKeysWithValues: names.map { ($0, TransformFixtures.tensor(f, "p " + $0)) })
        let x = TransformFixtures.tensor(f, "x")
        #expect(TransformFixtures.mismatch(functionalCall(model, parameters: params, x), TransformFixtures.tensor(f, "out")) == nil)
        let gs = grad({ ws in
            functionalCall(model, parameters: Dictionary(uniqueKeysWithValues: zip(names, ws)), x).square().sum()
        }, argnums: [0, 1, 2, 3])(names.map { params[$0]! })
        for (name, g) in zip(names, gs) {
            #expect(TransformFixtures.mismatch(g, TransformFixtures.tensor(f, "g " + name)) == nil, "gradient of \(name)")
        }
    }

    // MARK: misuse

    @Test func misuseStopsWithMessages() async {
        let r1 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = vmap({ a, b in a + b })(Tensor.zeros([3, 2]), Tensor.zeros([4, 2]))
        }
        let r1Text = String(decoding: r1?.standardErrorContent ?? [], as: UTF8.self)
        #expect(r1Text.contains("got sizes [3, 4]"), "\(r1Text)")
        let r2 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = vmap({ a, b in a + b }, inDims: (nil, nil))(Tensor.zeros([3]), Tensor.zeros([3]))
        }
        let r2Text = String(decoding: r2?.standardErrorContent ?? [], as: UTF8.self)
        #expect(r2Text.contains("at least one argument must be batched"), "\(r2Text)")
        let r3 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = vmap({ $0 }, inDims: 2)(Tensor.zeros([3, 2]))
        }
        let r3Text = String(decoding: r3?.standardErrorContent ?? [], as: UTF8.self)
        #expect(r3Text.contains("vmap: axis 2 is out of range"), "\(r3Text)")
        let r4 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = vmap({ $0.sum() }, outDims: 1)(Tensor.zeros([3, 2]))
        }
        let r4Text = String(decoding: r4?.standardErrorContent ?? [], as: UTF8.self)
        #expect(r4Text.contains("outDims 1 is out of range"), "\(r4Text)")
        let r5 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = vmap({ $0 + Tensor.randn([2]) })(Tensor.zeros([3, 2]))
        }
        let r5Text = String(decoding: r5?.standardErrorContent ?? [], as: UTF8.self)
        #expect(r5Text.contains("randomness='error'"), "\(r5Text)")
        let r6 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var escaped: Tensor? = nil
            _ = vmap({ x in escaped = x; return x * 2 })(Tensor.zeros([3, 2]))
            _ = escaped! + 1
        }
        let r6Text = String(decoding: r6?.standardErrorContent ?? [], as: UTF8.self)
        #expect(r6Text.contains("used outside the vmap that made it"), "\(r6Text)")
        let r7 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = vmap({ x in x.sum().backward(); return x })(Tensor.zeros([3, 2], requiresGrad: true))
        }
        let r7Text = String(decoding: r7?.standardErrorContent ?? [], as: UTF8.self)
        #expect(r7Text.contains("use grad(f) inside vmap"), "\(r7Text)")
        let r8 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = vmap({ $0.reshape([5]) })(Tensor.zeros([3, 2]))
        }
        let r8Text = String(decoding: r8?.standardErrorContent ?? [], as: UTF8.self)
        #expect(r8Text.contains("reshape: shape [5] is invalid for input of shape [2]"), "\(r8Text)")
        let r9 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = vmap({ $0.softmax(axis: 1) })(Tensor.zeros([3, 2]))
        }
        let r9Text = String(decoding: r9?.standardErrorContent ?? [], as: UTF8.self)
        #expect(r9Text.contains("shape [2]"), "\(r9Text)")
    }
}
