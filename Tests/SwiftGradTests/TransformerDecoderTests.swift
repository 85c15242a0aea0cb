import Foundation
import Testing
import SwiftGrad

/// nn.Transformer and nn.MultiheadAttention (kdim/vdim, add_bias_kv, add_zero_attn) against
/// PyTorch: its state dict loaded by name, the same inputs, its outputs
/// (Resources/transformer_fixtures.json, written by make_attention_fixtures.py).
@Suite struct TransformerDecoderTests {
    struct T: Decodable {
        let shape: [Int]; let data: [Double]
        var tensor: Tensor { Tensor(data, shape: shape, dtype: .float32) }
    }
    struct ModelCase: Decodable {
        let name: String; let state: [String: T]; let src: T, tgt: T, srcPad: T, tgtPad: T, out: T
    }
    struct MHACase: Decodable {
        let name: String; let state: [String: T]; let q: T, k: T, v: T, pad: T, mask: T, out: T, weights: T
    }
    struct File: Decodable { let transformer: [ModelCase]; let mha: [MHACase] }

    static func load() throws -> File {
        let url = Bundle.module.url(forResource: "transformer_fixtures", withExtension: "json", subdirectory: "Resources")!
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }

    @Test func transformerMatchesPyTorch() throws {
        let file = try Self.load()
        #expect(file.transformer.count == 2)
        for c in file.transformer {
            let post = c.name == "post_norm_relu"
            let model = post
                ? Transformer(dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 16, dropout: 0,
                              batchFirst: true)
                : Transformer(dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 12, dropout: 0,
                              activation: .gelu, batchFirst: true, normFirst: true)
            #expect(Set(model.stateDict().keys) == Set(c.state.keys), "\(c.name): state dict names")
            try model.loadStateDict(c.state.mapValues(\.tensor))
            model.eval()
            let tgtLen = c.tgt.shape[1]
            let srcPad = c.srcPad.tensor .!= 0, tgtPad = c.tgtPad.tensor .!= 0
            let y = model(c.src.tensor, c.tgt.tensor, tgtMask: Transformer.generateSquareSubsequentMask(tgtLen),
                          srcKeyPaddingMask: srcPad, tgtKeyPaddingMask: tgtPad, memoryKeyPaddingMask: srcPad)
            #expect(y.shape == c.out.shape)
            #expect(y.allClose(c.out.tensor, atol: 2e-5), "\(c.name): max error \((y - c.out.tensor).abs().max().item())")
            // The causal flag gives the same as the explicit mask.
            let yc = model(c.src.tensor, c.tgt.tensor, srcKeyPaddingMask: srcPad, tgtKeyPaddingMask: tgtPad,
                           memoryKeyPaddingMask: srcPad, tgtIsCausal: true)
            #expect(yc.allClose(y, atol: 1e-6))
        }
    }

    @Test func multiheadAttentionOptionsMatchPyTorch() throws {
        let file = try Self.load()
        #expect(file.mha.count == 3)
        for c in file.mha {
            let kdim = c.k.shape[2], vdim = c.v.shape[2], biasKV = c.state["bias_k"] != nil
            let mha = MultiheadAttention(embedDim: 8, numHeads: 2, addBiasKV: biasKV, addZeroAttn: c.name != "kdim_vdim",
                                         kdim: kdim, vdim: vdim, batchFirst: true)
            #expect(mha.namedParameters().map(\.0) == Array(c.state.keys).sorted { order($0) < order($1) }, "\(c.name): names")
            try mha.loadStateDict(c.state.mapValues(\.tensor))
            let pad = c.pad.tensor .!= 0, mask = c.mask.tensor .!= 0
            let (y, w) = mha(query: c.q.tensor, key: c.k.tensor, value: c.v.tensor, keyPaddingMask: pad, attnMask: mask)
            #expect(y.allClose(c.out.tensor, atol: 2e-5), "\(c.name): output")
            #expect(w!.allClose(c.weights.tensor, atol: 2e-5), "\(c.name): weights")
            let (fused, none) = mha(query: c.q.tensor, key: c.k.tensor, value: c.v.tensor, keyPaddingMask: pad, needWeights: false,
                                    attnMask: mask)
            #expect(none == nil && fused.allClose(c.out.tensor, atol: 2e-5), "\(c.name): fused output")
        }
    }

    /// PyTorch's registration order of MultiheadAttention's parameters.
    func order(_ name: String) -> Int {
        ["in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k", "bias_v",
         "out_proj.weight", "out_proj.bias"].firstIndex(of: name) ?? 99
    }

    @Test func decoderNamesMasksAndGradients() {
        let layer = TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16)
        #expect(layer.namedParameters().map(\.0).prefix(5) == ["self_attn.in_proj_weight", "self_attn.in_proj_bias",
                "self_attn.out_proj.weight", "self_attn.out_proj.bias", "multihead_attn.in_proj_weight"])
        #expect(layer.namedParameters().last!.0 == "norm3.bias")
        let model = Transformer(dModel: 16, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 32)
        #expect(model.stateDict().keys.contains("decoder.layers.0.multihead_attn.out_proj.weight"))
        #expect(model.stateDict().keys.contains("encoder.norm.weight") && model.stateDict().keys.contains("decoder.norm.bias"))
        let m = Transformer.generateSquareSubsequentMask(3)
        #expect(m.doubles == [0, -.infinity, -.infinity, 0, 0, -.infinity, 0, 0, 0])
        // Causal decoding: changing a later target position leaves earlier outputs unchanged.
        let g = Generator(seed: 5)
        let dec = TransformerDecoder(numLayers: 2, norm: LayerNorm(8, dtype: .float64)) {
            TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0, batchFirst: true, dtype: .float64, generator: g)
        }
        let tgt = Tensor.randn([2, 4, 8], dtype: .float64, generator: g), mem = Tensor.randn([2, 3, 8], dtype: .float64, generator: g)
        let y = dec(tgt, memory: mem, tgtIsCausal: true)
        let changed = Tensor.cat([tgt.narrow(axis: 1, start: 0, length: 3), Tensor.randn([2, 1, 8], dtype: .float64, generator: g)], axis: 1)
        #expect(dec(changed, memory: mem, tgtIsCausal: true).narrow(axis: 1, start: 0, length: 3)
            .allClose(y.narrow(axis: 1, start: 0, length: 3), atol: 1e-12))
        let r = gradcheck({ xs in dec(xs[0], memory: xs[1], tgtIsCausal: true) },
                          inputs: [tgt.narrow(axis: 1, start: 0, length: 3), mem.narrow(axis: 1, start: 0, length: 2)])
        #expect(r.passed, "\(r)")
    }
}
