import Testing
@testable import SwiftGrad

/// MultiheadAttention and the Transformer encoder: PyTorch names and counts, masks, gradients.
@Suite struct AttentionTests {
    @Test func namesAndCountsMatchPyTorch() {
        let mha = MultiheadAttention(128, 4)
        #expect(mha.parameterCount == 66_048)
        #expect(mha.namedParameters().map(\.0) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        #expect(mha.inProjBias!.doubles.allSatisfy { $0 == 0 } && mha.outProj.bias!.doubles.allSatisfy { $0 == 0 })
        let layer = TransformerEncoderLayer(dModel: 128, nhead: 4, dimFeedforward: 512)
        #expect(layer.parameterCount == 198_272)
        #expect(layer.namedParameters().map(\.0) == [
            "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
            "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
            "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"])
        let enc = TransformerEncoder(numLayers: 2, norm: LayerNorm(16)) { TransformerEncoderLayer(dModel: 16, nhead: 2, dimFeedforward: 32) }
        #expect(enc.namedParameters().first!.0 == "layers.0.self_attn.in_proj_weight")
        #expect(enc.namedParameters().last!.0 == "norm.bias")
        #expect(enc.layers[0].linear1.weight !== enc.layers[1].linear1.weight)
    }

    /// Reference attention computed head by head with plain ops.
    func reference(_ mha: MultiheadAttention, _ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor?) -> Tensor {
        let e = mha.embedDim, h = mha.numHeads, d = e / h
        let w = mha.inProjWeight!.chunk(3, axis: 0), b = mha.inProjBias!.chunk(3, axis: 0)
        let qp = linear(q, weight: w[0], bias: b[0]), kp = linear(k, weight: w[1], bias: b[1]), vp = linear(v, weight: w[2], bias: b[2])
        var heads: [Tensor] = []
        for i in 0..<h {
            let qi = qp.narrow(axis: -1, start: i * d, length: d), ki = kp.narrow(axis: -1, start: i * d, length: d)
            let vi = vp.narrow(axis: -1, start: i * d, length: d)
            var s = qi.matmul(ki.transpose(-2, -1)) / Double(d).squareRoot()
            if let mask { s = s + mask }
            heads.append(s.softmax(axis: -1).matmul(vi))
        }
        return mha.outProj(Tensor.cat(heads, axis: -1))
    }

    @Test func matchesReferenceWithMasks() {
        let g = Generator(seed: 3)
        let mha = MultiheadAttention(embedDim: 8, numHeads: 2, batchFirst: true, dtype: .float64, generator: g)
        Init.uniform(mha.inProjBias!, low: -0.5, high: 0.5, generator: g)
        let q = Tensor.randn([2, 3, 8], dtype: .float64, generator: g)
        let kv = Tensor.randn([2, 4, 8], dtype: .float64, generator: g)
        let (y, w) = mha(query: q, key: kv, value: kv)
        #expect(y.allClose(reference(mha, q, kv, kv, mask: nil), atol: 1e-10))
        #expect(w!.shape == [2, 3, 4] && w!.sum(axis: -1).allClose(Tensor.ones([2, 3], dtype: .float64), atol: 1e-12))
        // Self-attention (packed path) with a causal mask: position 0 ignores the later tokens.
        let x = Tensor.randn([2, 4, 8], dtype: .float64, generator: g)
        let (yc, wc) = mha(query: x, key: x, value: x, isCausal: true)
        var additive = [Double](repeating: 0, count: 16)
        for i in 0..<4 { for j in 0..<4 where j > i { additive[i * 4 + j] = -Double.infinity } }
        #expect(yc.allClose(reference(mha, x, x, x, mask: Tensor(additive, shape: [4, 4], dtype: .float64)), atol: 1e-10))
        #expect(wc!.narrow(axis: 1, start: 0, length: 1).narrow(axis: 2, start: 1, length: 3).doubles.allSatisfy { $0 == 0 })
        let changed = Tensor.cat([x.narrow(axis: 1, start: 0, length: 3), Tensor.randn([2, 1, 8], dtype: .float64, generator: g)], axis: 1)
        let (yc2, _) = mha(query: changed, key: changed, value: changed, isCausal: true)
        #expect(yc2.narrow(axis: 1, start: 0, length: 3).allClose(yc.narrow(axis: 1, start: 0, length: 3), atol: 1e-12))
        // Key padding: padded keys get zero weight, and the output equals attention over the rest.
        let pad = Tensor([0, 0, 0, 1, 0, 0, 1, 1], shape: [2, 4])
        let (_, wp) = mha(query: q, key: kv, value: kv, keyPaddingMask: pad)
        #expect(wp!.narrow(axis: 2, start: 3, length: 1).doubles.allSatisfy { $0 == 0 })
        let (yp, _) = mha(query: q, key: kv, value: kv, keyPaddingMask: pad, needWeights: false)
        let first = kv.narrow(axis: 0, start: 1, length: 1).narrow(axis: 1, start: 0, length: 2)
        let (yTrim, _) = mha(query: q.narrow(axis: 0, start: 1, length: 1), key: first, value: first)
        #expect(yp.narrow(axis: 0, start: 1, length: 1).allClose(yTrim, atol: 1e-10))
        // Sequence-first layout gives the same numbers.
        let seqFirst = MultiheadAttention(embedDim: 8, numHeads: 2, dtype: .float64)
        try? seqFirst.loadStateDict(mha.stateDict())
        let (ys, _) = seqFirst(query: q.transpose(0, 1), key: kv.transpose(0, 1), value: kv.transpose(0, 1))
        #expect(ys.transpose(0, 1).allClose(y, atol: 1e-12))
    }

    @Test func gradchecks() {
        let g = Generator(seed: 4)
        let mha = MultiheadAttention(embedDim: 4, numHeads: 2, batchFirst: true, dtype: .float64, generator: g)
        let x = Tensor.randn([2, 3, 4], dtype: .float64, generator: g)
        #expect(moduleGradcheck(mha, inputs: [x], samples: 5) { xs in
            mha(query: xs[0], key: xs[0], value: xs[0], attnMask: Tensor([0, 1, 1, 0, 0, 1, 0, 0, 0], shape: [3, 3])).output
        }.isEmpty)
        for normFirst in [false, true] {
            let layer = TransformerEncoderLayer(dModel: 4, nhead: 2, dimFeedforward: 6, dropout: 0, activation: normFirst ? .gelu : .relu,
                                                batchFirst: true, normFirst: normFirst, dtype: .float64, generator: g)
            #expect(moduleGradcheck(layer, inputs: [x], samples: 3) { layer($0[0]) }.isEmpty, "normFirst \(normFirst)")
        }
    }

    @Test func encoderEvalIsDeterministicAndTrainUsesDropout() {
        let enc = TransformerEncoder(numLayers: 2) { TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, batchFirst: true) }
        let x = Tensor.randn([2, 5, 8])
        enc.eval()
        #expect(enc(x).allClose(enc(x)))
        #expect(enc(x).shape == [2, 5, 8])
        enc.train()
        #expect(!enc(x).allClose(enc(x)))
    }
}
