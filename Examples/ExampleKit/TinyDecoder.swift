import Foundation
import SwiftGrad

/// The sizes of a `TinyDecoder`, stored as `config.json` in a model directory.
public struct TinyDecoderConfig: Equatable {
    public var vocabSize: Int
    public var hiddenSize = 48
    public var layers = 2
    public var heads = 4
    public var kvHeads = 2
    public var intermediateSize = 96
    public var maxLength = 64
    public var ropeTheta = 10_000.0

    public init(vocabSize: Int) { self.vocabSize = vocabSize }

    /// The JSON text of `config.json` (Hugging Face's Llama key names).
    public var json: String {
        """
        {"architectures": ["TinyDecoder"], "vocab_size": \(vocabSize), "hidden_size": \(hiddenSize), \
        "num_hidden_layers": \(layers), "num_attention_heads": \(heads), "num_key_value_heads": \(kvHeads), \
        "intermediate_size": \(intermediateSize), "max_position_embeddings": \(maxLength), "rope_theta": \(ropeTheta)}

        """
    }

    /// Reads `config.json`; throws `CocoaError`/`FileError` for files and `TinyDecoderError` for contents.
    public init(contentsOf path: String) throws {
        let doc = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        func int(_ key: String) throws -> Int {
            guard let v = doc[key]?.int, v > 0 else { throw TinyDecoderError.badConfig(path: path, key: key) }
            return v
        }
        vocabSize = try int("vocab_size")
        hiddenSize = try int("hidden_size")
        layers = try int("num_hidden_layers")
        heads = try int("num_attention_heads")
        kvHeads = try int("num_key_value_heads")
        intermediateSize = try int("intermediate_size")
        maxLength = try int("max_position_embeddings")
        ropeTheta = doc["rope_theta"]?.number ?? 10_000
        guard hiddenSize % heads == 0, heads % kvHeads == 0, (hiddenSize / heads) % 2 == 0 else {
            throw TinyDecoderError.badConfig(path: path, key: "num_attention_heads")
        }
    }
}

public enum TinyDecoderError: Error, CustomStringConvertible {
    case badConfig(path: String, key: String)
    public var description: String {
        switch self { case .badConfig(let p, let k): return "\(p): '\(k)' is missing or inconsistent" }
    }
}

/// Grouped-query self-attention with rotary embeddings, reading and filling a KV cache when given.
final class TinyAttention: ModuleBase {
    let qProj: Linear, kProj: Linear, vProj: Linear, oProj: Linear
    let heads: Int, kvHeads: Int, headDim: Int

    init(_ c: TinyDecoderConfig, generator: Generator) {
        heads = c.heads
        kvHeads = c.kvHeads
        headDim = c.hiddenSize / c.heads
        qProj = Linear(c.hiddenSize, c.heads * headDim, bias: false, generator: generator)
        kProj = Linear(c.hiddenSize, c.kvHeads * headDim, bias: false, generator: generator)
        vProj = Linear(c.hiddenSize, c.kvHeads * headDim, bias: false, generator: generator)
        oProj = Linear(c.heads * headDim, c.hiddenSize, bias: false, generator: generator)
    }

    func callAsFunction(_ x: Tensor, cos: Tensor, sin: Tensor, cache: KVCache?, layer: Int) -> Tensor {
        let (b, t) = (x.shape[0], x.shape[1])
        let q0 = qProj(x).reshape([b, t, heads, headDim]).transpose(1, 2)       // [B, H, T, hd]
        let k0 = kProj(x).reshape([b, t, kvHeads, headDim]).transpose(1, 2)
        var v = vProj(x).reshape([b, t, kvHeads, headDim]).transpose(1, 2)
        var (q, k) = applyRotaryEmbedding(q0, k0, cos: cos, sin: sin)
        let y: Tensor
        if let cache {
            (k, v) = cache.update(layer: layer, keys: k, values: v)
            // One new token sees every cached position; a longer prefill needs the causal mask.
            let mask = t > 1 ? cache.causalMask(queryLength: t, layer: layer) : nil
            y = scaledDotProductAttention(q, k, v, mask: mask, enableGQA: true)
        } else {
            q = q.contiguous()
            y = scaledDotProductAttention(q, k, v, isCausal: true, enableGQA: true)
        }
        return oProj(y.transpose(1, 2).reshape([b, t, heads * headDim]))
    }
}

/// A pre-norm block: x + attn(norm(x)), then x + mlp(norm(x)).
final class TinyBlock: ModuleBase {
    let inputLayernorm: RMSNorm, selfAttn: TinyAttention, postAttentionLayernorm: RMSNorm, mlp: GatedMLP

    init(_ c: TinyDecoderConfig, generator: Generator) {
        inputLayernorm = RMSNorm(c.hiddenSize, eps: 1e-6)
        selfAttn = TinyAttention(c, generator: generator)
        postAttentionLayernorm = RMSNorm(c.hiddenSize, eps: 1e-6)
        mlp = GatedMLP(hiddenSize: c.hiddenSize, intermediateSize: c.intermediateSize, generator: generator)
    }

    func callAsFunction(_ x: Tensor, cos: Tensor, sin: Tensor, cache: KVCache?, layer: Int) -> Tensor {
        let h = x + selfAttn(inputLayernorm(x), cos: cos, sin: sin, cache: cache, layer: layer)
        return h + mlp(postAttentionLayernorm(h))
    }
}

/// A small Llama-style decoder built from the core's layers (RMSNorm, rotary embeddings, grouped-query
/// attention, SwiGLU MLP, KV cache), with Hugging Face's Llama parameter names (`embed_tokens`,
/// `layers.0.self_attn.q_proj`, ..., `lm_head`). A model directory holds `config.json`,
/// `model.safetensors` and `tokenizer.json`.
///
///     let model = TinyDecoder(TinyDecoderConfig(vocabSize: 30), generator: Generator(seed: 0))
///     let logits = model(tokens)                         // int64 [B, T] → [B, T, vocab]
public final class TinyDecoder: Module {
    public let config: TinyDecoderConfig
    let embedTokens: Embedding
    let layers: [TinyBlock]
    let norm: RMSNorm
    let lmHead: Linear
    let rope: RotaryEmbedding

    public init(_ config: TinyDecoderConfig, generator: Generator) {
        self.config = config
        embedTokens = Embedding(numEmbeddings: config.vocabSize, embeddingDim: config.hiddenSize, generator: generator)
        layers = (0..<config.layers).map { _ in TinyBlock(config, generator: generator) }
        norm = RMSNorm(config.hiddenSize, eps: 1e-6)
        lmHead = Linear(config.hiddenSize, config.vocabSize, bias: false, generator: generator)
        rope = RotaryEmbedding(dim: config.hiddenSize / config.heads, base: config.ropeTheta)
        super.init()
        // N(0, 1) embeddings swamp the residual stream; GPT-style models start near 0.02.
        withNoGrad { embedTokens.weight.copyFrom(embedTokens.weight * 0.1) }
    }

    public override func forward(_ tokens: Tensor) -> Tensor { logits(tokens, cache: nil) }

    /// Next-token logits [B, T, vocab] for `tokens` [B, T]; with a cache, the tokens follow the
    /// cached positions and their keys and values are added to it.
    ///
    ///     let cache = model.makeCache(batch: 1)
    ///     let last = model.logits(prompt, cache: cache)
    public func logits(_ tokens: Tensor, cache: KVCache?) -> Tensor {
        let t = tokens.shape[1]
        let start = cache?.length ?? 0
        check(start + t <= config.maxLength, "TinyDecoder: \(start + t) positions exceed max_position_embeddings \(config.maxLength)")
        let positions = Tensor(Array(start ..< start + t), shape: [1, t])
        let (cos, sin) = rope(positions: positions, dtype: embedTokens.weight.dtype)
        var x = embedTokens(tokens)
        for (i, layer) in layers.enumerated() { x = layer(x, cos: cos, sin: sin, cache: cache, layer: i) }
        return lmHead(norm(x))
    }

    /// A KV cache for this model's sizes.
    public func makeCache(batch: Int = 1, maxLength: Int? = nil) -> KVCache {
        KVCache(layers: config.layers, batch: batch, kvHeads: config.kvHeads, maxLength: maxLength ?? config.maxLength,
                headDim: config.hiddenSize / config.heads)
    }

    /// Generates up to `maxNewTokens` after `prompt` with the KV cache (one prefill, then one token
    /// per step), stopping after `stop`; returns the new tokens and the seconds spent decoding them.
    ///
    ///     let (ids, seconds) = model.generate(prompt: [0], maxNewTokens: 20, sampler: .greedy)
    public func generate(prompt: [Int], maxNewTokens: Int, sampler: TokenSampler, stop: Int? = nil) -> (tokens: [Int], seconds: Double) {
        check(!prompt.isEmpty, "TinyDecoder.generate: the prompt is empty")
        eval()
        return withNoGrad {
            let budget = min(maxNewTokens, config.maxLength - prompt.count)
            let cache = makeCache(batch: 1, maxLength: prompt.count + max(budget, 0))
            var history = prompt
            var out: [Int] = []
            let start = Date()
            var logits = self.logits(Tensor(prompt, shape: [1, prompt.count]), cache: cache)
            while out.count < budget {
                let last = logits.narrow(axis: 1, start: logits.shape[1] - 1, length: 1).reshape([1, config.vocabSize])
                let next = Int(sampler(logits: last, previousTokens: [history]).item())
                out.append(next)
                history.append(next)
                if next == stop || out.count == budget { break }
                logits = self.logits(Tensor([next], shape: [1, 1]), cache: cache)
            }
            return (out, Date().timeIntervalSince(start))
        }
    }

    /// Writes `config.json` and `model.safetensors` into `directory`.
    ///
    ///     try model.save(to: "tiny")
    public func save(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try config.json.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        try saveWeights(to: directory + "/model.safetensors")
    }

    /// The model of a directory written by `save(to:)` (the weights memory-mapped, then copied in).
    ///
    ///     let model = try TinyDecoder.load(from: "tiny")
    public static func load(from directory: String) throws -> TinyDecoder {
        let model = TinyDecoder(try TinyDecoderConfig(contentsOf: directory + "/config.json"), generator: Generator(seed: 0))
        try model.loadWeights(from: directory + "/model.safetensors")
        return model
    }
}

/// A `tokenizer.json` whose tokens are the characters of a `CharVocabulary` (a BPE without
/// merges; the start and end tokens are special), so the word models load with `Tokenizer`.
///
///     try characterTokenizerJSON(vocab).write(toFile: "tiny/tokenizer.json", atomically: true, encoding: .utf8)
public func characterTokenizerJSON(_ vocab: CharVocabulary) -> String {
    var entries = ["\"<s>\": \(CharVocabulary.start)", "\"</s>\": \(CharVocabulary.end)"]
    for c in vocab.characters { entries.append("\"\(c)\": \(vocab.encode(String(c)).first!)") }
    return """
    {"version": "1.0", "added_tokens": [\
    {"id": \(CharVocabulary.start), "content": "<s>", "special": true, "normalized": false, "single_word": false, "lstrip": false, "rstrip": false}, \
    {"id": \(CharVocabulary.end), "content": "</s>", "special": true, "normalized": false, "single_word": false, "lstrip": false, "rstrip": false}], \
    "normalizer": null, "pre_tokenizer": null, "decoder": {"type": "Fuse"}, \
    "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}], \
    "special_tokens": {"<s>": {"id": "<s>", "ids": [\(CharVocabulary.start)], "tokens": ["<s>"]}}}, \
    "model": {"type": "BPE", "vocab": {\(entries.joined(separator: ", "))}, "merges": []}}

    """
}
