import Testing
@testable import SwiftGrad

/// Module hooks (forward pre-hooks, forward hooks, full backward pre-hooks and hooks) and tensor
/// hooks with retainGrad, checked against PyTorch's semantics: call order, what each hook
/// receives (grad_input per input, nil where none; grad_output per output), replacements.
@Suite struct HookTests {
    static func close(_ a: Tensor?, _ b: Tensor?) -> Bool {
        guard let a, let b, a.shape == b.shape else { return false }
        return zip(a.doubles, b.doubles).allSatisfy { Swift.abs($0 - $1) <= 1e-12 * (1 + Swift.abs($1)) }
    }

    @Test func forwardHooksRunInOrderAndMayReplaceInputsAndOutputs() {
        let layer = Linear(3, 2, dtype: .float64, generator: Generator(seed: 1))
        var events: [String] = []
        let p1 = layer.registerForwardPreHook { _, xs in events.append("pre1"); return [xs[0] * 2] }
        layer.registerForwardPreHook { _, xs in events.append("pre2 \(xs[0].shape)"); return nil }
        layer.registerForwardHook { _, _, _ in events.append("fwd1"); return nil }
        let f2 = layer.registerForwardHook { m, xs, ys in events.append("fwd2 \(m.typeName)"); return [ys[0] + 1] }
        let x = GC.randn([4, 3], seed: 2)
        let y = layer(x)
        #expect(events == ["pre1", "pre2 [4, 3]", "fwd1", "fwd2 Linear"])
        let expected = linear(x * 2, weight: layer.weight, bias: layer.bias) + 1
        #expect(Self.close(y, expected))
        p1.remove(); f2.remove()
        p1.remove()   // twice: nothing
        events = []
        #expect(Self.close(layer(x), linear(x, weight: layer.weight, bias: layer.bias)))
        #expect(events == ["pre2 [4, 3]", "fwd1"])
    }

    @Test func theOlderForwardHookFormStillWorks() {
        let layer = ReLU()
        var seen: [[Int]] = []
        let id = layer.registerForwardHook { _, input, output in seen.append(input.shape + output.shape) }
        _ = layer(Tensor.zeros([2, 5]))
        layer.removeForwardHook(id)
        _ = layer(Tensor.zeros([2, 5]))
        #expect(seen == [[2, 5, 2, 5]])
        #expect(layer.hooks == nil)
    }

    @Test func fullBackwardHookReceivesGradInputAndGradOutput() {
        let layer = Linear(3, 2, dtype: .float64, generator: Generator(seed: 1))
        var gotIn: [Tensor?] = [], gotOut: [Tensor?] = []
        var calls = 0
        layer.registerFullBackwardHook { _, gx, gy in calls += 1; gotIn = gx; gotOut = gy; return nil }
        let x = GC.randn([4, 3], seed: 2).requiringGrad()
        let y = layer(x)
        (y * y).sum().backward()
        #expect(calls == 1)
        let gy = y.detach() * 2
        #expect(gotOut.count == 1 && Self.close(gotOut[0], gy))
        #expect(gotIn.count == 1 && Self.close(gotIn[0], gy.matmul(layer.weight.detach())))
        #expect(Self.close(x.grad, gotIn[0]))
    }

    @Test func backwardHooksDoNotChangeGradients() {
        let layer = Bilinear(in1Features: 3, in2Features: 4, outFeatures: 2, dtype: .float64, generator: Generator(seed: 3))
        let a = GC.randn([5, 3], seed: 4), b = GC.randn([5, 4], seed: 5)
        func run() -> [[Double]] {
            layer.zeroGrad()
            let ai = a.detach().requiringGrad(), bi = b.detach().requiringGrad()
            layer(ai, bi).tanh().sum().backward()
            return [ai.grad!.doubles, bi.grad!.doubles] + layer.parameters().map { $0.grad!.doubles }
        }
        let plain = run()
        var gotIn: [Tensor?] = []
        let h = layer.registerFullBackwardHook { _, gx, _ in gotIn = gx; return nil }
        let hooked = run()
        h.remove()
        #expect(hooked == plain)
        #expect(gotIn.count == 2 && gotIn[0]?.doubles == plain[0] && gotIn[1]?.doubles == plain[1])
    }

    @Test func aLossHookSeesNilForTheTargetAndMayReplaceGradInput() {
        let criterion = MSELoss()
        let x = GC.randn([6], seed: 1).requiringGrad(), t = GC.randn([6], seed: 2)
        var gotIn: [Tensor?] = [], gotOut: [Tensor?] = []
        criterion.registerFullBackwardHook { _, gx, gy in
            gotIn = gx; gotOut = gy
            return [gx[0]! * 10, nil]
        }
        criterion(x, t).backward()
        #expect(gotIn.count == 2 && gotIn[1] == nil)
        #expect(Self.close(gotIn[0], (x.detach() - t) * (2.0 / 6)))
        #expect(gotOut.count == 1 && gotOut[0]?.doubles == [1.0])
        #expect(Self.close(x.grad, gotIn[0]! * 10))
    }

    @Test func backwardHooksFireLastLayerFirstAndPreHooksMayScaleGradOutput() {
        let l1 = Linear(3, 4, dtype: .float64, generator: Generator(seed: 1)), l2 = Linear(4, 2, dtype: .float64, generator: Generator(seed: 2))
        let model = Sequential(l1, Tanh(), l2)
        var events: [String] = []
        let handles = [
            l1.registerFullBackwardHook { _, gx, _ in events.append("l1 \(gx[0] == nil ? "nil" : "grad")"); return nil },
            l2.registerFullBackwardPreHook { _, gy in events.append("l2 pre"); return [gy[0]! * 2] },
            l2.registerFullBackwardHook { _, _, gy in events.append("l2 \(gy[0]!.doubles == Array(repeating: 2.0, count: 10))"); return nil },
            model.registerFullBackwardHook { _, _, _ in events.append("model"); return nil },
        ]
        let x = GC.randn([5, 3], seed: 3)   // needs no gradient: grad_input is nil
        model(x).sum().backward()
        #expect(events == ["model", "l2 pre", "l2 true", "l1 nil"])
        // The doubled grad_output doubles every gradient behind it.
        let w = l1.weight.grad!.doubles
        for h in handles { h.remove() }
        #expect(l1.hooks == nil && l2.hooks == nil && model.hooks == nil)
        model.zeroGrad()
        model(x).sum().backward()
        #expect(zip(w, l1.weight.grad!.doubles.map { $0 * 2 }).allSatisfy { Swift.abs($0 - $1) <= 1e-12 })
    }

    @Test func recurrentAndAttentionHooksSeeEveryTensor() {
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, dtype: .float64, generator: Generator(seed: 1))
        var shapes: [[[Int]]] = []
        var gradCounts: [Int] = []
        lstm.registerForwardHook { _, xs, ys in shapes.append(xs.map(\.shape)); shapes.append(ys.map(\.shape)); return nil }
        lstm.registerFullBackwardHook { _, gx, gy in gradCounts = [gx.count, gx.compactMap { $0 }.count, gy.count, gy.compactMap { $0 }.count]; return nil }
        let x = GC.randn([5, 2, 3], seed: 2).requiringGrad()
        let h0 = GC.randn([1, 2, 4], seed: 3).requiringGrad(), c0 = GC.randn([1, 2, 4], seed: 4)
        let (y, state) = lstm(x, state: (h0, c0))
        (y.sum() + state.c.sum()).backward()
        #expect(shapes == [[[5, 2, 3], [1, 2, 4], [1, 2, 4]], [[5, 2, 4], [1, 2, 4], [1, 2, 4]]])
        #expect(gradCounts == [3, 2, 3, 3])

        let mha = MultiheadAttention(embedDim: 4, numHeads: 2, batchFirst: true, dtype: .float64, generator: Generator(seed: 5))
        var counts: [Int] = []
        mha.registerForwardPreHook { _, xs in counts.append(xs.count); return nil }
        mha.registerForwardHook { _, _, ys in counts.append(ys.count); return nil }
        let q = GC.randn([2, 3, 4], seed: 6)
        _ = mha(query: q, key: q, value: q, needWeights: true)
        _ = mha(q)   // forward(_:) calls the several-tensor form: the hooks run once
        #expect(counts == [3, 2, 1, 1])
    }

    @Test func tensorHooksRewriteGradients() {
        let x = GC.randn([3], seed: 1).requiringGrad()
        let h = x * 2
        var seen: [[Double]] = []
        let handle = h.registerHook { g in seen.append(g.doubles); return g * 3 }
        h.registerHook { g in g + 1 }   // runs second, on the first one's result
        h.retainGrad()
        #expect(h.retainsGrad && !x.retainsGrad)
        h.sum().backward()
        #expect(seen == [[1, 1, 1]])
        #expect(h.grad!.doubles == [4, 4, 4])
        #expect(x.grad!.doubles == [8, 8, 8])
        handle.remove()
        let h2 = x * 2
        h2.sum().backward()
        #expect(x.grad!.doubles == [10, 10, 10])
    }

    @Test func aLeafHookRunsOncePerPassOnTheSummedGradient() {
        let x = Tensor([1.0, 2.0], shape: [2], dtype: .float64, requiresGrad: true)
        var seen: [[Double]] = []
        x.registerHook { g in seen.append(g.doubles); return g * 10 }
        (x + x * 2 + x.square()).sum().backward()
        #expect(seen == [[5, 7]])          // 1 + 2 + 2x, summed before the hook
        #expect(x.grad!.doubles == [50, 70])
        x.sum().backward()
        #expect(x.grad!.doubles == [60, 80])
        // A slice's in-place gradient path (no graph to record) also goes through the hook.
        x.grad = nil
        x[0].backward()
        #expect(x.grad!.doubles == [10, 0] && seen.last! == [1, 0])
    }

    @Test func retainGradAccumulatesOverPasses() {
        let x = GC.randn([2, 2], seed: 1).requiringGrad()
        let h = x.tanh()
        h.retainGrad()
        let loss = (h * 3).sum()
        loss.backward(retainGraph: true)
        #expect(h.grad!.doubles == [3, 3, 3, 3])
        loss.backward()
        #expect(h.grad!.doubles == [6, 6, 6, 6])
        x.retainGrad()   // a leaf: nothing to do
        #expect(!x.retainsGrad)
    }

    @Test func retainGradUnderCreateGraphIsDifferentiable() {
        let x = Tensor([0.5, -1.0], shape: [2], dtype: .float64, requiresGrad: true)
        let h = x.square()
        h.retainGrad()
        let y = (h * h).sum()           // dy/dh = 2h
        y.backward(createGraph: true)
        #expect(h.grad!.requiresGrad)
        let g = grad(of: h.grad!.sum(), wrt: [x])[0]!   // d(2x²)/dx = 4x
        #expect(g.doubles == [2, -4])
        // A gradient with a graph that reads its own tensor, kept in that tensor's .grad, is a
        // reference cycle (PyTorch warns of the same one for create_graph=True); clearing breaks it.
        h.grad = nil
        x.grad = nil
    }
}
