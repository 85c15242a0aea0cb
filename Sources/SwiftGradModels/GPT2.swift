import SwiftGrad

/// The fields of a GPT-2 `config.json` this library uses.
///
///     let config = try GPT2Config(try ModelConfig(contentsOf: dir + "/config.json"))
public struct GPT2Config: Sendable {
    public var vocabSize: Int, maxPositions: Int, hiddenSize: Int, layers: Int, heads: Int, innerSize: Int
    public var layerNormEps: Double
    public var activation: HFActivation
    public var scaleAttentionWeights: Bool, scaleByInverseLayerIndex: Bool

    /// Reads the fields from a parsed `config.json`; throws `ModelLoadError` naming a missing,
    /// mistyped or unsupported field.
    ///
    ///     let config = try GPT2Config(try ModelConfig(contentsOf: dir + "/config.json"))
    public init(_ c: ModelConfig) throws {
        vocabSize = try c.int("vocab_size"); maxPositions = try c.int("n_positions")
        hiddenSize = try c.int("n_embd"); layers = try c.int("n_layer"); heads = try c.int("n_head")
        innerSize = try c.optionalInt("n_inner") ?? 4 * hiddenSize
        layerNormEps = try c.double("layer_norm_epsilon", default: 1e-5)
        activation = try HFActivation(name: c.string("activation_function", default: "gelu_new"), path: c.path)
        scaleAttentionWeights = try c.bool("scale_attn_weights", default: true)
        scaleByInverseLayerIndex = try c.bool("scale_attn_by_inverse_layer_idx", default: false)
        guard heads > 0, hiddenSize % heads == 0 else {
            throw ModelLoadError.invalidConfig(path: c.path, reason: "n_embd \(hiddenSize) is not a multiple of n_head \(heads)")
        }
        if try !c.bool("tie_word_embeddings", default: true) {
            throw ModelLoadError.unsupported(path: c.path, what: "GPT-2 with tie_word_embeddings false", supported: ["tied lm_head"])
        }
    }
}

/// Hugging Face's `Conv1D` (GPT-2's projections): a linear layer whose weight is stored [in, out],
/// y = x·W + b.
final class HFConv1D: Module {
    let weight: Tensor, bias: Tensor
    init(_ inFeatures: Int, _ outFeatures: Int) {
        weight = zeroParameter([inFeatures, outFeatures]); bias = zeroParameter([outFeatures])
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        check(x.shape.last == weight.shape[0], "Conv1D(\(weight.shape[0]), \(weight.shape[1])): input \(x.shape) does not end with \(weight.shape[0])")
        // linear takes [out, in]: the transposed view is read in place by BLAS.
        return linear(x, weight: weight.t(), bias: bias)
    }
}

final class GPT2Attention: ModuleBase {
    let cAttn: HFConv1D, cProj: HFConv1D
    let heads: Int, layerIndex: Int, scale: Double
    init(_ c: GPT2Config, layerIndex: Int) {
        cAttn = HFConv1D(c.hiddenSize, 3 * c.hiddenSize); cProj = HFConv1D(c.hiddenSize, c.hiddenSize)
        heads = c.heads; self.layerIndex = layerIndex
        let headDim = Double(c.hiddenSize / c.heads)
        var s = c.scaleAttentionWeights ? 1 / headDim.squareRoot() : 1
        if c.scaleByInverseLayerIndex { s /= Double(layerIndex + 1) }
        scale = s
        super.init()
    }
    func callAsFunction(_ x: Tensor, keep: Tensor?, cache: KVCache?) -> Tensor {
        let e = x.shape[2]
        let qkv = cAttn(x).split(size: e, axis: -1)
        let q = splitHeads(qkv[0], heads: heads)
        var k = splitHeads(qkv[1], heads: heads), v = splitHeads(qkv[2], heads: heads)
        let past = cache?.lengths[layerIndex] ?? 0, t = x.shape[1]
        if let cache { (k, v) = cache.update(layer: layerIndex, keys: k, values: v) }
        let y: Tensor
        if let keep {
            y = scaledDotProductAttention(q, k, v, mask: keep, scale: scale)
        } else if past == 0 {
            y = scaledDotProductAttention(q, k, v, isCausal: true, scale: scale)
        } else if t == 1 {
            y = scaledDotProductAttention(q, k, v, scale: scale)
        } else {
            y = scaledDotProductAttention(q, k, v, mask: causalMask(queries: t, past: past), scale: scale)
        }
        return cProj(mergeHeads(y))
    }
}

final class GPT2MLP: Module {
    let cFc: HFConv1D, cProj: HFConv1D
    let activation: HFActivation
    init(_ c: GPT2Config) {
        cFc = HFConv1D(c.hiddenSize, c.innerSize); cProj = HFConv1D(c.innerSize, c.hiddenSize); activation = c.activation
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { cProj(activation(cFc(x))) }
}

final class GPT2Block: ModuleBase {
    let ln1: LayerNorm, attn: GPT2Attention, ln2: LayerNorm, mlp: GPT2MLP
    init(_ c: GPT2Config, layerIndex: Int) {
        ln1 = LayerNorm(c.hiddenSize, eps: c.layerNormEps); attn = GPT2Attention(c, layerIndex: layerIndex)
        ln2 = LayerNorm(c.hiddenSize, eps: c.layerNormEps); mlp = GPT2MLP(c)
        super.init()
    }
    override func memberName(forProperty p: String) -> String { p == "ln1" ? "ln_1" : p == "ln2" ? "ln_2" : super.memberName(forProperty: p) }
    func callAsFunction(_ x: Tensor, keep: Tensor?, cache: KVCache?) -> Tensor {
        hooked(optional: [x, keep]) { xs in
            let h = xs[0]! + attn(ln1(xs[0]!), keep: xs[1], cache: cache)
            return [h + mlp(ln2(h))]
        }[0]
    }
}

/// GPT-2's transformer (`GPT2Model`): token and position embeddings `wte`, `wpe`, blocks `h.N`, final `ln_f`.
public final class GPT2Model: Module {
    let wte: Embedding, wpe: Embedding, h: [GPT2Block], lnF: LayerNorm
    /// The configuration the model was built with.
    public let config: GPT2Config

    /// A model with zero weights of the config's sizes (load a checkpoint into it).
    public init(_ c: GPT2Config) {
        config = c
        wte = Embedding(c.vocabSize, c.hiddenSize); wpe = Embedding(c.maxPositions, c.hiddenSize)
        h = (0..<c.layers).map { GPT2Block(c, layerIndex: $0) }
        lnF = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        super.init()
    }

    /// The final hidden states [batch, t, hidden] of token ids [batch, t], with an optional
    /// padding mask [batch, past + t] (see `CausalLanguageModel`).
    ///
    ///     let hidden = model.transformer.hiddenStates(ids, cache: nil)
    public func hiddenStates(_ ids: Tensor, attentionMask: Tensor? = nil, cache: KVCache?) -> Tensor {
        checkTokenIDs(ids, vocab: config.vocabSize, model: "GPT2Model")
        let past = cache?.length ?? 0, t = ids.shape[1]
        check(past + t <= config.maxPositions, "GPT2Model: \(past) cached + \(t) new positions exceed n_positions \(config.maxPositions)")
        let keep = paddedCausalMask(attentionMask, batch: ids.shape[0], queries: t, past: past, window: nil, model: "GPT2Model")
        var x = wte(ids) + wpe(positionIDs(from: past, count: t))
        for block in h { x = block(x, keep: keep, cache: cache) }
        return lnF(x)
    }

    /// `model(ids)`: the same as without a cache / mask.
    public override func forward(_ ids: Tensor) -> Tensor { hiddenStates(ids, cache: nil) }
}

/// Hugging Face's `GPT2LMHeadModel`: `transformer` (GPT2Model) and an `lm_head` tied to
/// `transformer.wte` (the logits are hidden · wteᵀ, no separate weight).
///
///     let model = try GPT2LMHeadModel(directory: "gpt2")
///     let logits = model.logits(inputIDs: ids, cache: nil)          // [batch, t, vocab]
public final class GPT2LMHeadModel: Module, CausalLanguageModel {
    /// The transformer (`transformer.*` weights).
    public let transformer: GPT2Model

    /// A model with zero weights of the config's sizes.
    public init(_ config: GPT2Config) {
        transformer = GPT2Model(config)
        super.init()
    }

    /// Builds the model of `dir/config.json` and loads `dir`'s weights (keys with or without the
    /// `transformer.` prefix; the causal-mask buffers `attn.bias`/`attn.masked_bias` of old
    /// checkpoints and a saved `lm_head.weight` are ignored). `dtype` nil keeps the checkpoint's.
    ///
    ///     let model = try GPT2LMHeadModel(directory: dir, dtype: .float32)
    public convenience init(directory: String, dtype: DType? = nil) throws {
        let config = try GPT2Config(ModelConfig(contentsOf: directory + "/config.json"))
        self.init(config)
        try loadWeights(CheckpointFiles.load(directory), dtype: dtype)
    }

    /// Loads named tensors (a GPT2LMHeadModel or GPT2Model state dict) after checking keys and shapes.
    ///
    ///     try model.loadWeights(try CheckpointFiles.load(dir))
    public func loadWeights(_ tensors: [String: Tensor], dtype: DType? = nil) throws {
        var o = LoadOptions(); o.basePrefix = "transformer"; o.dtype = dtype
        o.ignored = { $0.hasSuffix(".attn.bias") || $0.hasSuffix(".attn.masked_bias") || $0 == "lm_head.weight" }
        try loadPretrained(self, tensors, o)
    }

    /// The vocabulary size (the logits' last axis).
    public var vocabSize: Int { transformer.config.vocabSize }

    /// Logits [batch, t, vocab] of int64 ids [batch, t], continuing the cache's positions when given.
    ///
    ///     let logits = model.logits(inputIDs: ids, cache: cache)
    public func logits(inputIDs: Tensor, attentionMask: Tensor? = nil, cache: KVCache? = nil) -> Tensor {
        linear(transformer.hiddenStates(inputIDs, attentionMask: attentionMask, cache: cache), weight: transformer.wte.weight)
    }

    /// Logits [batch, 1, vocab] of the last position only (the head on its hidden state alone).
    ///
    ///     let next = model.lastLogits(inputIDs: prompt, cache: cache)
    public func lastLogits(inputIDs: Tensor, cache: KVCache?) -> Tensor {
        let h = transformer.hiddenStates(inputIDs, cache: cache)
        return linear(h.narrow(axis: 1, start: h.shape[1] - 1, length: 1), weight: transformer.wte.weight)
    }

    /// An empty KV cache for `batch` sequences of up to `maxLength` positions, in the weights' dtype.
    ///
    ///     let cache = model.makeCache(batch: 1, maxLength: 128)
    public func makeCache(batch: Int, maxLength: Int) -> KVCache {
        let c = transformer.config
        return KVCache(layers: c.layers, batch: batch, kvHeads: c.heads, maxLength: maxLength, headDim: c.hiddenSize / c.heads,
                       dtype: transformer.wte.weight.dtype)
    }

    /// `model(ids)`: the same as without a cache / mask.
    public override func forward(_ ids: Tensor) -> Tensor { logits(inputIDs: ids, cache: nil) }
}
