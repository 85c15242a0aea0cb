import Testing
@testable import SwiftGrad

/// The fused LSTM cell against the same step written with ordinary ops, its gradients (kernel path)
/// and its second derivatives (composed path used under createGraph).
@Suite struct RecurrentCellTests {
    func reference(_ pre: Tensor, _ c: Tensor) -> (Tensor, Tensor) {
        let g = pre.chunk(4, axis: 1)
        let c1 = g[1].sigmoid() * c + g[0].sigmoid() * g[2].tanh()
        return (g[3].sigmoid() * c1.tanh(), c1)
    }

    @Test(arguments: [DType.float32, .float64])
    func matchesComposedStep(dtype: DType) {
        let gen = Generator(seed: 7)
        let pre = Tensor.randn([5, 4 * 19], dtype: dtype, generator: gen) * 2   // 19: exercises the SIMD tail
        let c = Tensor.randn([5, 19], dtype: dtype, generator: gen)
        let (h1, c1) = lstmCell(gates: pre, cell: c)
        let (h2, c2) = reference(pre, c)
        let tol = dtype == .float32 ? 1e-6 : 1e-12
        #expect(h1.allClose(h2, rtol: tol, atol: tol))
        #expect(c1.allClose(c2, rtol: tol, atol: tol))
    }

    @Test func gradcheckKernelBackward() {
        let gen = Generator(seed: 8)
        let pre = Tensor.randn([3, 8], dtype: .float64, generator: gen), c = Tensor.randn([3, 2], dtype: .float64, generator: gen)
        let r = gradcheck({ xs in
            let (h, c1) = lstmCell(gates: xs[0], cell: xs[1])
            return h * 1.5 + c1.square()
        }, inputs: [pre, c])
        #expect(r.passed, "\(r)")
    }

    @Test func secondDerivativesMatchComposedStep() {
        let gen = Generator(seed: 9)
        let pre = Tensor.randn([2, 12], dtype: .float64, generator: gen).requiringGrad()
        let c = Tensor.randn([2, 3], dtype: .float64, generator: gen).requiringGrad()
        func objective(_ f: (Tensor, Tensor) -> (Tensor, Tensor)) -> [Double] {
            let (h, c1) = f(pre, c)
            let first = grad(of: (h * h).sum() + c1.sum(), wrt: [pre, c], createGraph: true)
            let second = grad(of: first[0]!.square().sum() + first[1]!.sum(), wrt: [pre, c])
            return second[0]!.doubles + second[1]!.doubles
        }
        let fused = objective { lstmCell(gates: $0, cell: $1) }
        let plain = objective(reference)
        for (a, b) in zip(fused, plain) { #expect(Swift.abs(a - b) <= 1e-10 * Swift.max(1, Swift.abs(b))) }
    }

    /// `lstmSequence` written as T calls of `lstmCell` (the layer's loop before the fused op).
    func stepwise(_ gates: Tensor, _ h0: Tensor, _ c0: Tensor, _ w: Tensor) -> (Tensor, Tensor, Tensor) {
        var h = h0, c = c0, outs: [Tensor] = []
        for t in 0..<gates.shape[0] {
            (h, c) = lstmCell(gates: gates.narrow(axis: 0, start: t, length: 1).squeeze(axis: 0) + linear(h, weight: w), cell: c)
            outs.append(h)
        }
        return (Tensor.stack(outs, axis: 0), h, c)
    }

    func sequenceInputs(_ dtype: DType, steps: Int, n: Int, h: Int, seed: UInt64) -> [Tensor] {
        let gen = Generator(seed: seed)
        return [Tensor.randn([steps, n, 4 * h], dtype: dtype, generator: gen), Tensor.randn([n, h], dtype: dtype, generator: gen),
                Tensor.randn([n, h], dtype: dtype, generator: gen), Tensor.randn([4 * h, h], dtype: dtype, generator: gen) * 0.5]
    }

    @Test(arguments: [DType.float32, .float64])
    func sequenceMatchesStepwiseCells(dtype: DType) {
        // 66 rows of 4·64 gates: each step large enough to be split over threads (by rows), with an
        // uneven split.
        let xs = sequenceInputs(dtype, steps: 6, n: 66, h: 64, seed: 10).map { $0.requiringGrad() }
        let (y1, h1, c1) = lstmSequence(gates: xs[0], h0: xs[1], c0: xs[2], weightHh: xs[3])
        let (y2, h2, c2) = stepwise(xs[0], xs[1], xs[2], xs[3])
        let tol = dtype == .float32 ? 1e-5 : 1e-12
        #expect(y1.shape == [6, 66, 64] && h1.shape == [66, 64] && c1.shape == [66, 64])
        #expect(y1.allClose(y2, rtol: tol, atol: tol) && h1.allClose(h2, rtol: tol, atol: tol) && c1.allClose(c2, rtol: tol, atol: tol))
        let w = Tensor.randn([6, 66, 64], dtype: dtype, generator: Generator(seed: 11))
        let g1 = grad(of: (y1 * w).sum() + (h1 * c1).sum(), wrt: xs)
        let g2 = grad(of: (y2 * w).sum() + (h2 * c2).sum(), wrt: xs)
        for (a, b) in zip(g1, g2) { #expect(a!.allClose(b!, rtol: 10 * tol, atol: 10 * tol)) }
    }

    @Test func sequenceGradcheck() {
        let xs = sequenceInputs(.float64, steps: 4, n: 3, h: 2, seed: 12)
        let r = gradcheck({ v in
            let (y, h, c) = lstmSequence(gates: v[0], h0: v[1], c0: v[2], weightHh: v[3])
            return y.square().sum() + h * 0.5 + c.square()
        }, inputs: xs)
        #expect(r.passed, "\(r)")
    }

    @Test func sequenceSecondDerivativesMatchStepwise() {
        let xs = sequenceInputs(.float64, steps: 3, n: 2, h: 2, seed: 13).map { $0.requiringGrad() }
        func objective(_ f: (Tensor, Tensor, Tensor, Tensor) -> (Tensor, Tensor, Tensor)) -> [Double] {
            let (y, h, c) = f(xs[0], xs[1], xs[2], xs[3])
            let first = grad(of: y.square().sum() + (h * c).sum(), wrt: xs, createGraph: true)
            let terms = first.map { $0!.square().sum() }
            let second = grad(of: terms.dropFirst().reduce(terms[0], +), wrt: xs)
            return second.flatMap { $0!.doubles }
        }
        let fused = objective { lstmSequence(gates: $0, h0: $1, c0: $2, weightHh: $3) }
        let plain = objective(stepwise)
        #expect(fused.count == plain.count)
        for (a, b) in zip(fused, plain) { #expect(Swift.abs(a - b) <= 1e-9 * Swift.max(1, Swift.abs(b))) }
    }

    @Test func sequenceWithoutGradientsForStatesOrWeight() {
        // Only the gates need a gradient: the kernel skips dWhh and dh0.
        let xs = sequenceInputs(.float64, steps: 3, n: 2, h: 3, seed: 14)
        let gates = xs[0].requiringGrad()
        let (y, _, _) = lstmSequence(gates: gates, h0: xs[1], c0: xs[2], weightHh: xs[3])
        let g1 = grad(of: y.sum(), wrt: [gates])[0]!
        let gates2 = xs[0].requiringGrad()
        let g2 = grad(of: stepwise(gates2, xs[1], xs[2], xs[3]).0.sum(), wrt: [gates2])[0]!
        #expect(g1.allClose(g2, rtol: 1e-12, atol: 1e-12))
    }

    /// Second derivatives of `lstm_sequence` (through `lstm_sequence_backward`'s own derivative) by
    /// finite differences in float64, also with respect to the upstream gradient (the weights
    /// wy, wh, wc multiply the outputs): PyTorch's gradgradcheck.
    @Test func sequenceGradgradcheck() {
        let xs = sequenceInputs(.float64, steps: 3, n: 2, h: 2, seed: 15)
        let gen = Generator(seed: 16)
        let ws = [Tensor.randn([3, 2, 2], dtype: .float64, generator: gen), Tensor.randn([2, 2], dtype: .float64, generator: gen),
                  Tensor.randn([2, 2], dtype: .float64, generator: gen)]
        let probes = xs.map { Tensor.randn($0.shape, dtype: .float64, generator: gen) }
        let r = gradcheck({ v in
            withGrad {
                let (y, h, c) = lstmSequence(gates: v[0], h0: v[1], c0: v[2], weightHh: v[3])
                let first = grad(of: (y * v[4]).sum() + (h * v[5]).sum() + (c * v[6]).sum(), wrt: Array(v[0..<4]), createGraph: true)
                return zip(first, probes).map { ($0! * $1).sum() }.reduce(Tensor.zeros([], dtype: .float64), +)
            }
        }, inputs: xs + ws)
        #expect(r.passed, "\(r)")
    }

    /// The first and the second backward both go through the fused kernel: the gradient built
    /// with createGraph is recorded as one `lstm_sequence_backward` node, and equals the gradient
    /// built without a graph.
    @Test func sequenceBackwardIsOneRecordedOp() {
        let xs = sequenceInputs(.float64, steps: 4, n: 3, h: 2, seed: 17).map { $0.requiringGrad() }
        let (y, h, c) = lstmSequence(gates: xs[0], h0: xs[1], c0: xs[2], weightHh: xs[3])
        let loss = y.square().sum() + (h * c).sum()
        let withGraph = grad(of: loss, wrt: xs, retainGraph: true, createGraph: true)
        let plain = grad(of: loss, wrt: xs)
        for (a, b) in zip(withGraph, plain) { #expect(a!.allClose(b!, rtol: 1e-12, atol: 1e-12)) }
        var seen: Set<String> = [], visited: Set<ObjectIdentifier> = []
        var stack = withGraph.compactMap { $0?.node }
        while let node = stack.popLast() {
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            seen.insert(node.op.description)
            stack.append(contentsOf: node.inputs.compactMap(\.node))
        }
        #expect(seen.contains("lstm_sequence_backward"))
        #expect(!seen.contains("lstm_cell") && !seen.contains("lstm_cell_backward"))
    }

    /// float16 and bfloat16 layers and cells compute in float32 and round once: the same values as
    /// the float32 module on the rounded inputs, rounded; gradients reach the half parameters.
    @Test(arguments: [DType.float16, .bfloat16])
    func recurrentModulesInHalfPrecision(dtype: DType) {
        let x32 = (Tensor.randn([5, 2, 3]) * 0.5).to(dtype).to(.float32)
        let mods: [(String, RNNBase)] = [("LSTM", LSTM(inputSize: 3, hiddenSize: 4)), ("GRU", GRU(inputSize: 3, hiddenSize: 4)),
                                         ("RNN", RNN(inputSize: 3, hiddenSize: 4))]
        for (name, m) in mods {
            m.to(dtype)
            let y = m.forward(x32.to(dtype))
            #expect(y.dtype == dtype, "\(name)")
            // Reference: float32 copies of the rounded parameters, run in float32, rounded once.
            let m32: RNNBase = name == "LSTM" ? LSTM(inputSize: 3, hiddenSize: 4) : name == "GRU" ? GRU(inputSize: 3, hiddenSize: 4) : RNN(inputSize: 3, hiddenSize: 4)
            withNoGrad { for (p, q) in zip(m32.parameters(), m.parameters()) { p.copyFrom(q.to(.float32)) } }
            let expected = m32.forward(x32).to(dtype)
            #expect(y.doubles == expected.doubles, "\(name) \(dtype)")
            y.to(.float32).sum().backward()
            #expect(m.parameters().allSatisfy { $0.grad?.dtype == dtype }, "\(name) gradients in \(dtype)")
        }
        let cells: [(String, Module)] = [("LSTMCell", LSTMCell(inputSize: 3, hiddenSize: 4)), ("GRUCell", GRUCell(inputSize: 3, hiddenSize: 4)),
                                         ("RNNCell", RNNCell(inputSize: 3, hiddenSize: 4))]
        for (name, cell) in cells {
            let y32 = cell.forward(x32[0])
            cell.to(dtype)
            let y = cell.forward(x32[0].to(dtype))
            #expect(y.dtype == dtype, "\(name)")
            // The float32 parameters differ from the rounded ones by one rounding: close, not equal.
            #expect(y.to(.float64).allClose(y32.to(.float64), rtol: 0.05, atol: 0.05), "\(name) \(dtype)")
            y.to(.float32).sum().backward()
            #expect(cell.parameters().allSatisfy { $0.grad?.dtype == dtype }, "\(name) gradients in \(dtype)")
        }
        let s = sequenceInputs(.float32, steps: 3, n: 2, h: 2, seed: 22)
        let (yh, hh, ch) = lstmSequence(gates: s[0].to(dtype), h0: s[1].to(dtype), c0: s[2].to(dtype), weightHh: s[3].to(dtype))
        let (yr, hr, cr) = lstmSequence(gates: s[0].to(dtype).to(.float32), h0: s[1].to(dtype).to(.float32),
                                        c0: s[2].to(dtype).to(.float32), weightHh: s[3].to(dtype).to(.float32))
        #expect(yh.dtype == dtype && yh.doubles == yr.to(dtype).doubles && hh.doubles == hr.to(dtype).doubles && ch.doubles == cr.to(dtype).doubles)
    }
}
