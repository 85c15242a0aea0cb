import Testing
@testable import SwiftGrad

/// RNN, LSTM and GRU: PyTorch names and counts, gate order, layouts, gradients.
@Suite struct RecurrentTests {
    @Test func namesAndCountsMatchPyTorch() {
        let lstm = LSTM(64, 128)
        #expect(lstm.parameterCount == 99_328)
        #expect(lstm.namedParameters().map(\.0) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"])
        let gru = GRU(inputSize: 64, hiddenSize: 128, numLayers: 2)
        #expect(gru.parameterCount == 173_568)
        #expect(gru.namedParameters().map(\.0) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                   "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"])
        let bi = LSTM(inputSize: 4, hiddenSize: 3, numLayers: 2, bias: false, bidirectional: true)
        #expect(bi.namedParameters().map(\.0) == ["weight_ih_l0", "weight_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse",
                                                  "weight_ih_l1", "weight_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse"])
        #expect(bi.namedParameters()[4].1.shape == [12, 6])
        #expect(RNN(inputSize: 10, hiddenSize: 20).parameterCount == 10 * 20 + 20 * 20 + 40)
        #expect(lstm.description == "LSTM(64, 128)")
        let bound = 1 / 128.0.squareRoot()
        #expect(lstm.parameters().allSatisfy { $0.doubles.allSatisfy { Swift.abs($0) <= bound } })
    }

    @Test func lstmGateOrderIsInputForgetCellOutput() {
        let lstm = LSTM(inputSize: 2, hiddenSize: 3, dtype: .float64, generator: Generator(seed: 1))
        let x = Tensor.randn([1, 1, 2], dtype: .float64, generator: Generator(seed: 2))
        let h0 = Tensor.randn([1, 1, 3], dtype: .float64, generator: Generator(seed: 3))
        let c0 = Tensor.randn([1, 1, 3], dtype: .float64, generator: Generator(seed: 4))
        let (y, state) = lstm(x, state: (h0, c0))
        let p = Dictionary(uniqueKeysWithValues: lstm.namedParameters())
        let gates = linear(x.reshape([1, 2]), weight: p["weight_ih_l0"]!, bias: p["bias_ih_l0"]!)
            + linear(h0.reshape([1, 3]), weight: p["weight_hh_l0"]!, bias: p["bias_hh_l0"]!)
        let g = gates.chunk(4, axis: 1)
        let c = g[1].sigmoid() * c0.reshape([1, 3]) + g[0].sigmoid() * g[2].tanh()
        let h = g[3].sigmoid() * c.tanh()
        #expect(state.c.reshape([1, 3]).allClose(c, atol: 1e-12))
        #expect(state.h.reshape([1, 3]).allClose(h, atol: 1e-12))
        #expect(y.reshape([1, 3]).allClose(h, atol: 1e-12))
    }

    @Test func gruGateOrderIsResetUpdateNew() {
        let gru = GRU(inputSize: 2, hiddenSize: 3, dtype: .float64, generator: Generator(seed: 1))
        let x = Tensor.randn([1, 1, 2], dtype: .float64, generator: Generator(seed: 2))
        let h0 = Tensor.randn([1, 1, 3], dtype: .float64, generator: Generator(seed: 3))
        let (_, hN) = gru(x, hidden: h0)
        let p = Dictionary(uniqueKeysWithValues: gru.namedParameters())
        let xi = linear(x.reshape([1, 2]), weight: p["weight_ih_l0"]!, bias: p["bias_ih_l0"]!).chunk(3, axis: 1)
        let hh = linear(h0.reshape([1, 3]), weight: p["weight_hh_l0"]!, bias: p["bias_hh_l0"]!).chunk(3, axis: 1)
        let r = (xi[0] + hh[0]).sigmoid(), z = (xi[1] + hh[1]).sigmoid(), n = (xi[2] + r * hh[2]).tanh()
        let h = (1 - z) * n + z * h0.reshape([1, 3])
        #expect(hN.reshape([1, 3]).allClose(h, atol: 1e-12))
    }

    @Test func layoutsAndDirections() throws {
        let g = Generator(seed: 5)
        let a = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, generator: g)
        let b = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true, bidirectional: true, generator: g)
        try b.loadStateDict(a.stateDict())
        let x = Tensor.randn([5, 2, 3], generator: g)              // [T, N, I]
        let (ya, sa) = a(x, state: nil)
        let (yb, sb) = b(x.transpose(0, 1), state: nil)
        #expect(ya.shape == [5, 2, 8] && sa.h.shape == [4, 2, 4] && sa.c.shape == [4, 2, 4])
        #expect(yb.transpose(0, 1).allClose(ya, atol: 1e-6) && sb.h.allClose(sa.h, atol: 1e-6))
        // Top layer: forward half of the last step and reverse half of the first step are the final states.
        #expect(ya.narrow(axis: 0, start: 4, length: 1).narrow(axis: 2, start: 0, length: 4).reshape([2, 4])
                    .allClose(sa.h.narrow(axis: 0, start: 2, length: 1).reshape([2, 4]), atol: 1e-6))
        #expect(ya.narrow(axis: 0, start: 0, length: 1).narrow(axis: 2, start: 4, length: 4).reshape([2, 4])
                    .allClose(sa.h.narrow(axis: 0, start: 3, length: 1).reshape([2, 4]), atol: 1e-6))
        // Unbatched input.
        let (yu, su) = a(x.narrow(axis: 1, start: 0, length: 1).reshape([5, 3]), state: nil)
        #expect(yu.shape == [5, 8] && su.h.shape == [4, 4])
        #expect(yu.allClose(ya.narrow(axis: 1, start: 0, length: 1).reshape([5, 8]), atol: 1e-6))
        #expect(a(x).shape == [5, 2, 8])
    }

    @Test func gradchecksWithRespectToInputsStatesAndParameters() {
        let g = Generator(seed: 6)
        let lstm = LSTM(inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, dtype: .float64, generator: g)
        let x = Tensor.randn([3, 2, 2], dtype: .float64, generator: g)
        let h0 = Tensor.randn([4, 2, 3], dtype: .float64, generator: g), c0 = Tensor.randn([4, 2, 3], dtype: .float64, generator: g)
        #expect(moduleGradcheck(lstm, inputs: [x, h0, c0], samples: 4) { xs in
            let (y, s) = lstm(xs[0], state: (xs[1], xs[2]))
            return y.sum() + (s.c * s.h).sum()
        }.isEmpty)
        let gru = GRU(inputSize: 2, hiddenSize: 3, numLayers: 2, batchFirst: true, dtype: .float64, generator: g)
        #expect(moduleGradcheck(gru, inputs: [x, Tensor.randn([2, 3, 3], dtype: .float64, generator: g)], samples: 4) { xs in
            let (y, h) = gru(xs[0], hidden: xs[1])
            return (y * y).sum() + h.sum()
        }.isEmpty)
        let rnn = RNN(inputSize: 2, hiddenSize: 3, nonlinearity: .tanh, dtype: .float64, generator: g)
        #expect(moduleGradcheck(rnn, inputs: [x]) { rnn($0[0]) }.isEmpty)
    }

    @Test func interLayerDropoutOnlyInTraining() {
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.5, generator: Generator(seed: 1))
        let x = Tensor.randn([4, 2, 3])
        lstm.eval()
        #expect(lstm(x).allClose(lstm(x)))
        lstm.train()
        #expect(!lstm(x).allClose(lstm(x)))
    }
}
