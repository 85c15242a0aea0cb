import SwiftGrad

/// The fields of a Llama-family `config.json` (`llama`, `mistral`, `qwen2`): the three differ only
/// in flags here: Qwen2's q/k/v projections have a bias, Mistral attends within a sliding window.
///
///     let config = try LlamaConfig(try ModelConfig(contentsOf: dir + "/config.json"))
public struct LlamaConfig: Sendable {
    public var modelType: String
    public var vocabSize: Int, hiddenSize: Int, intermediateSize: Int, layers: Int
    public var heads: Int, kvHeads: Int, headDim: Int
    public var rmsNormEps: Double
    /// Bias on q/k/v (`attention_bias`, or always for Qwen2) and on the output projection (`attention_bias` only).
    public var qkvBias: Bool, outputBias: Bool, mlpBias: Bool
    public var tieWordEmbeddings: Bool
    /// Mistral's window (a query sees the last `slidingWindow` positions), nil for full attention.
    public var slidingWindow: Int?
    public var activation: HFActivation
    public var rope: RopeScaling

    /// The model types this config reads.
    public static let modelTypes = ["llama", "mistral", "qwen2"]

    /// Reads the fields from a parsed `config.json`; throws `ModelLoadError` naming a missing,
    /// mistyped or unsupported field.
    ///
    ///     let config = try LlamaConfig(try ModelConfig(contentsOf: dir + "/config.json"))
    public init(_ c: ModelConfig) throws {
        modelType = try c.string("model_type", default: "llama")
        guard LlamaConfig.modelTypes.contains(modelType) else {
            throw ModelLoadError.unsupported(path: c.path, what: "the model_type '\(modelType)' for a Llama-family decoder", supported: LlamaConfig.modelTypes)
        }
        vocabSize = try c.int("vocab_size"); hiddenSize = try c.int("hidden_size")
        intermediateSize = try c.int("intermediate_size"); layers = try c.int("num_hidden_layers")
        heads = try c.int("num_attention_heads"); kvHeads = try c.int("num_key_value_heads", default: heads)
        guard heads > 0, kvHeads > 0, heads % kvHeads == 0 else {
            throw ModelLoadError.invalidConfig(path: c.path, reason: "num_attention_heads \(heads) is not a multiple of num_key_value_heads \(kvHeads)")
        }
        headDim = try c.optionalInt("head_dim") ?? hiddenSize / heads
        rmsNormEps = try c.double("rms_norm_eps", default: 1e-6)
        let attentionBias = try c.bool("attention_bias", default: false)
        qkvBias = modelType == "qwen2" || attentionBias
        outputBias = attentionBias
        mlpBias = try c.bool("mlp_bias", default: false)
        tieWordEmbeddings = try c.bool("tie_word_embeddings", default: false)
        switch modelType {
        case "mistral": slidingWindow = try c.optionalInt("sliding_window")
        case "qwen2":
            slidingWindow = try c.bool("use_sliding_window", default: false) ? c.optionalInt("sliding_window") : nil
            if slidingWindow != nil {
                throw ModelLoadError.unsupported(path: c.path, what: "Qwen2 with use_sliding_window (per-layer windows)", supported: ["use_sliding_window false"])
            }
        default: slidingWindow = nil
        }
        activation = try HFActivation(name: c.string("hidden_act", default: "silu"), path: c.path)
        guard activation == .silu else {
            throw ModelLoadError.unsupported(path: c.path, what: "hidden_act other than silu for a Llama-family MLP", supported: ["silu"])
        }
        rope = try RopeScaling(c, headDim: headDim)
    }
}

final class LlamaAttention: ModuleBase {
    let qProj: Linear, kProj: Linear, vProj: Linear, oProj: Linear
    let heads: Int, kvHeads: Int, headDim: Int, layerIndex: Int, window: Int?
    init(_ c: LlamaConfig, layerIndex: Int) {
        qProj = Linear(c.hiddenSize, c.heads * c.headDim, bias: c.qkvBias)
        kProj = Linear(c.hiddenSize, c.kvHeads * c.headDim, bias: c.qkvBias)
        vProj = Linear(c.hiddenSize, c.kvHeads * c.headDim, bias: c.qkvBias)
        oProj = Linear(c.heads * c.headDim, c.hiddenSize, bias: c.outputBias)
        heads = c.heads; kvHeads = c.kvHeads; headDim = c.headDim; self.layerIndex = layerIndex; window = c.slidingWindow
        super.init()
    }
    func callAsFunction(_ x: Tensor, cos: Tensor, sin: Tensor, keep: Tensor?, cache: KVCache?) -> Tensor {
        let (b, t) = (x.shape[0], x.shape[1])
        let q0 = qProj(x).reshape([b, t, heads, headDim]).permute([0, 2, 1, 3])
        let k0 = kProj(x).reshape([b, t, kvHeads, headDim]).permute([0, 2, 1, 3])
        var v = vProj(x).reshape([b, t, kvHeads, headDim]).permute([0, 2, 1, 3])
        let rotated = applyRotaryEmbedding(q0, k0, cos: cos, sin: sin)
        let q = rotated.q
        var k = rotated.k
        let past = cache?.lengths[layerIndex] ?? 0
        if let cache { (k, v) = cache.update(layer: layerIndex, keys: k, values: v) }
        let gqa = heads != kvHeads
        let y: Tensor
        if let keep {
            y = scaledDotProductAttention(q, k, v, mask: keep, enableGQA: gqa)
        } else if window == nil && past == 0 {
            y = scaledDotProductAttention(q, k, v, isCausal: true, enableGQA: gqa)
        } else if window == nil && t == 1 {
            y = scaledDotProductAttention(q, k, v, enableGQA: gqa)
        } else {
            y = scaledDotProductAttention(q, k, v, mask: causalMask(queries: t, past: past, window: window), enableGQA: gqa)
        }
        return oProj(mergeHeads(y))
    }
}

final class LlamaDecoderLayer: ModuleBase {
    let selfAttn: LlamaAttention, mlp: GatedMLP, inputLayernorm: RMSNorm, postAttentionLayernorm: RMSNorm
    init(_ c: LlamaConfig, layerIndex: Int) {
        selfAttn = LlamaAttention(c, layerIndex: layerIndex)
        mlp = GatedMLP(hiddenSize: c.hiddenSize, intermediateSize: c.intermediateSize, bias: c.mlpBias, activation: .silu)
        inputLayernorm = RMSNorm(c.hiddenSize, eps: c.rmsNormEps)
        postAttentionLayernorm = RMSNorm(c.hiddenSize, eps: c.rmsNormEps)
        super.init()
    }
    func callAsFunction(_ x: Tensor, cos: Tensor, sin: Tensor, keep: Tensor?, cache: KVCache?) -> Tensor {
        hooked(optional: [x, cos, sin, keep]) { xs in
            let h = xs[0]! + selfAttn(inputLayernorm(xs[0]!), cos: xs[1]!, sin: xs[2]!, keep: xs[3], cache: cache)
            return [h + mlp(postAttentionLayernorm(h))]
        }[0]
    }
}

/// The decoder stack (`LlamaModel`): `embed_tokens`, `layers.N`, `norm`.
public final class LlamaModel: Module {
    let embedTokens: Embedding, layers: [LlamaDecoderLayer], norm: RMSNorm
    /// The configuration the model was built with.
    public let config: LlamaConfig

    /// A model with zero weights of the config's sizes.
    public init(_ c: LlamaConfig) {
        config = c
        embedTokens = Embedding(c.vocabSize, c.hiddenSize)
        layers = (0..<c.layers).map { LlamaDecoderLayer(c, layerIndex: $0) }
        norm = RMSNorm(c.hiddenSize, eps: c.rmsNormEps)
        super.init()
    }

    /// The final hidden states [batch, t, hidden] of token ids [batch, t] (after the cached
    /// positions), with an optional padding mask [batch, past + t] (see `CausalLanguageModel`).
    ///
    ///     let hidden = model.model.hiddenStates(ids, cache: nil)
    public func hiddenStates(_ ids: Tensor, attentionMask: Tensor? = nil, cache: KVCache?) -> Tensor {
        checkTokenIDs(ids, vocab: config.vocabSize, model: "LlamaModel")
        let past = cache?.length ?? 0
        var x = embedTokens(ids)
        let (cos, sin) = config.rope.cosSin(positions: positionIDs(from: past, count: ids.shape[1]), dtype: x.dtype)
        let keep = paddedCausalMask(attentionMask, batch: ids.shape[0], queries: ids.shape[1], past: past,
                                    window: config.slidingWindow, model: "LlamaModel")
        for layer in layers { x = layer(x, cos: cos, sin: sin, keep: keep, cache: cache) }
        return norm(x)
    }

    /// `model(ids)`: the same as without a cache / mask.
    public override func forward(_ ids: Tensor) -> Tensor { hiddenStates(ids, cache: nil) }
}

/// Hugging Face's `LlamaForCausalLM` (also `MistralForCausalLM` and `Qwen2ForCausalLM`): `model`
/// (LlamaModel) and `lm_head`, or logits from `model.embed_tokens` when `tie_word_embeddings`.
/// RMSNorm, rotary embeddings with the config's rope type, a SwiGLU MLP, grouped-query attention.
///
///     let model = try LlamaForCausalLM(directory: "TinyLlama")
///     let cache = model.makeCache(batch: 1, maxLength: 128)
///     let logits = model.logits(inputIDs: prompt, cache: cache)
public final class LlamaForCausalLM: Module, CausalLanguageModel {
    /// The decoder (`model.*` weights).
    public let model: LlamaModel
    let lmHead: Linear?

    /// A model with zero weights of the config's sizes.
    public init(_ config: LlamaConfig) {
        model = LlamaModel(config)
        lmHead = config.tieWordEmbeddings ? nil : Linear(config.hiddenSize, config.vocabSize, bias: false)
        super.init()
    }

    /// Builds the model of `dir/config.json` and loads the weights of `dir` (single file or
    /// sharded). `dtype` nil keeps the checkpoint's (bf16 stays bf16).
    ///
    ///     let model = try LlamaForCausalLM(directory: dir)
    public convenience init(directory: String, dtype: DType? = nil) throws {
        let config = try LlamaConfig(ModelConfig(contentsOf: directory + "/config.json"))
        self.init(config)
        try loadWeights(CheckpointFiles.load(directory), dtype: dtype)
    }

    /// Loads named tensors after checking keys and shapes (rotary `inv_freq` buffers of old
    /// checkpoints, and `lm_head.weight` when tied, are ignored).
    ///
    ///     try model.loadWeights(try CheckpointFiles.load(dir))
    public func loadWeights(_ tensors: [String: Tensor], dtype: DType? = nil) throws {
        var o = LoadOptions(); o.basePrefix = "model"; o.dtype = dtype
        let tied = lmHead == nil
        o.ignored = { $0.hasSuffix("rotary_emb.inv_freq") || (tied && $0 == "lm_head.weight") }
        try loadPretrained(self, tensors, o)
    }

    /// The vocabulary size (the logits' last axis).
    public var vocabSize: Int { model.config.vocabSize }

    /// Logits [batch, t, vocab] of int64 ids [batch, t], continuing the cache's positions when given.
    ///
    ///     let logits = model.logits(inputIDs: ids, cache: cache)
    public func logits(inputIDs: Tensor, attentionMask: Tensor? = nil, cache: KVCache? = nil) -> Tensor {
        let h = model.hiddenStates(inputIDs, attentionMask: attentionMask, cache: cache)
        return lmHead.map { $0(h) } ?? linear(h, weight: model.embedTokens.weight)
    }

    /// Logits [batch, 1, vocab] of the last position only (the head on its hidden state alone).
    ///
    ///     let next = model.lastLogits(inputIDs: prompt, cache: cache)
    public func lastLogits(inputIDs: Tensor, cache: KVCache?) -> Tensor {
        let h = model.hiddenStates(inputIDs, cache: cache)
        let last = h.narrow(axis: 1, start: h.shape[1] - 1, length: 1)
        return lmHead.map { $0(last) } ?? linear(last, weight: model.embedTokens.weight)
    }

    /// An empty KV cache for `batch` sequences of up to `maxLength` positions, in the weights' dtype.
    ///
    ///     let cache = model.makeCache(batch: 1, maxLength: 128)
    public func makeCache(batch: Int, maxLength: Int) -> KVCache {
        let c = model.config
        return KVCache(layers: c.layers, batch: batch, kvHeads: c.kvHeads, maxLength: maxLength, headDim: c.headDim,
                       dtype: model.embedTokens.weight.dtype)
    }

    /// `model(ids)`: the same as without a cache / mask.
    public override func forward(_ ids: Tensor) -> Tensor { logits(inputIDs: ids, cache: nil) }
}
