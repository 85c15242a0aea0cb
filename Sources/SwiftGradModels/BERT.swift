import SwiftGrad

/// The fields of a BERT `config.json` this library uses (absolute position embeddings only).
///
///     let config = try BertConfig(try ModelConfig(contentsOf: dir + "/config.json"))
public struct BertConfig: Sendable {
    public var vocabSize: Int, hiddenSize: Int, layers: Int, heads: Int, intermediateSize: Int
    public var maxPositions: Int, typeVocabSize: Int
    public var layerNormEps: Double
    public var activation: HFActivation
    /// Labels of the sequence-classification head (`num_labels`, or the size of `id2label`).
    public var labels: Int

    /// Reads the fields from a parsed `config.json`; throws `ModelLoadError` naming a missing,
    /// mistyped or unsupported field.
    ///
    ///     let config = try BertConfig(try ModelConfig(contentsOf: dir + "/config.json"))
    public init(_ c: ModelConfig) throws {
        vocabSize = try c.int("vocab_size"); hiddenSize = try c.int("hidden_size"); layers = try c.int("num_hidden_layers")
        heads = try c.int("num_attention_heads"); intermediateSize = try c.int("intermediate_size")
        maxPositions = try c.int("max_position_embeddings"); typeVocabSize = try c.int("type_vocab_size", default: 2)
        layerNormEps = try c.double("layer_norm_eps", default: 1e-12)
        activation = try HFActivation(name: c.string("hidden_act", default: "gelu"), path: c.path)
        labels = try c.optionalInt("num_labels") ?? (c.values["id2label"] as? [String: Any])?.count ?? 2
        guard heads > 0, hiddenSize % heads == 0 else {
            throw ModelLoadError.invalidConfig(path: c.path, reason: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(heads)")
        }
        let positions = try c.string("position_embedding_type", default: "absolute")
        guard positions == "absolute" else {
            throw ModelLoadError.unsupported(path: c.path, what: "position_embedding_type '\(positions)'", supported: ["absolute"])
        }
    }
}

/// A module whose `layerNorm` property is saved as `LayerNorm` (BERT's capitalised name).
class BertNamedModule: ModuleBase {
    override func memberName(forProperty p: String) -> String {
        p == "layerNorm" ? "LayerNorm" : p == "selfAttention" ? "self" : super.memberName(forProperty: p)
    }
}

final class BertEmbeddings: BertNamedModule {
    let wordEmbeddings: Embedding, positionEmbeddings: Embedding, tokenTypeEmbeddings: Embedding, layerNorm: LayerNorm
    init(_ c: BertConfig) {
        wordEmbeddings = Embedding(c.vocabSize, c.hiddenSize); positionEmbeddings = Embedding(c.maxPositions, c.hiddenSize)
        tokenTypeEmbeddings = Embedding(c.typeVocabSize, c.hiddenSize); layerNorm = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        super.init()
    }
    func callAsFunction(_ ids: Tensor, tokenTypes: Tensor) -> Tensor {
        layerNorm(wordEmbeddings(ids) + tokenTypeEmbeddings(tokenTypes) + positionEmbeddings(positionIDs(from: 0, count: ids.shape[1])))
    }
}

/// Self-attention with q/k/v projections `query`, `key`, `value` (BERT's and ViT's names).
final class QKVSelfAttention: ModuleBase {
    let query: Linear, key: Linear, value: Linear
    let heads: Int
    init(hidden: Int, heads: Int, bias: Bool = true) {
        query = Linear(hidden, hidden, bias: bias); key = Linear(hidden, hidden, bias: bias); value = Linear(hidden, hidden, bias: bias)
        self.heads = heads
        super.init()
    }
    /// `keep`: bool [batch, 1, 1, keys], true = attend (nil: every key).
    func callAsFunction(_ x: Tensor, keep: Tensor?) -> Tensor {
        let y = scaledDotProductAttention(splitHeads(query(x), heads: heads), splitHeads(key(x), heads: heads),
                                          splitHeads(value(x), heads: heads), mask: keep)
        return mergeHeads(y)
    }
}

final class BertSelfOutput: BertNamedModule {
    let dense: Linear, layerNorm: LayerNorm
    init(_ c: BertConfig, inSize: Int) {
        dense = Linear(inSize, c.hiddenSize); layerNorm = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        super.init()
    }
    func callAsFunction(_ h: Tensor, residual: Tensor) -> Tensor { layerNorm(dense(h) + residual) }
}

final class BertAttention: BertNamedModule {
    let selfAttention: QKVSelfAttention, output: BertSelfOutput
    init(_ c: BertConfig) {
        selfAttention = QKVSelfAttention(hidden: c.hiddenSize, heads: c.heads); output = BertSelfOutput(c, inSize: c.hiddenSize)
        super.init()
    }
}

final class DenseActivation: Module {
    let dense: Linear
    let activation: HFActivation
    init(_ inSize: Int, _ outSize: Int, _ activation: HFActivation) {
        dense = Linear(inSize, outSize); self.activation = activation
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { activation(dense(x)) }
}

final class BertLayer: ModuleBase {
    let attention: BertAttention, intermediate: DenseActivation, output: BertSelfOutput
    init(_ c: BertConfig) {
        attention = BertAttention(c); intermediate = DenseActivation(c.hiddenSize, c.intermediateSize, c.activation)
        output = BertSelfOutput(c, inSize: c.intermediateSize)
        super.init()
    }
    func callAsFunction(_ x: Tensor, keep: Tensor?) -> Tensor {
        hooked(optional: [x, keep]) { xs in
            let x = xs[0]!
            let a = attention.output(attention.selfAttention(x, keep: xs[1]), residual: x)
            return [output(intermediate(a), residual: a)]
        }[0]
    }
}

final class BertEncoder: ModuleBase {
    let layer: [BertLayer]
    init(_ c: BertConfig) { layer = (0..<c.layers).map { _ in BertLayer(c) }; super.init() }
}

final class BertPooler: Module {
    let dense: Linear
    init(_ c: BertConfig) { dense = Linear(c.hiddenSize, c.hiddenSize); super.init() }
    override func forward(_ x: Tensor) -> Tensor { dense(x.select(axis: 1, index: 0)).tanh() }
}

/// Hugging Face's `BertModel`: `embeddings`, `encoder.layer.N`, and `pooler` (optional).
public final class BertModel: Module {
    let embeddings: BertEmbeddings, encoder: BertEncoder, pooler: BertPooler?
    /// The configuration the model was built with.
    public let config: BertConfig

    /// A model with zero weights of the config's sizes; `pooler: false` as in BertForMaskedLM.
    public init(_ c: BertConfig, pooler: Bool = true) {
        config = c
        embeddings = BertEmbeddings(c); encoder = BertEncoder(c); self.pooler = pooler ? BertPooler(c) : nil
        super.init()
    }

    /// The last hidden states [batch, seq, hidden] of token ids [batch, seq]. `attentionMask`
    /// [batch, seq] (1 = token, 0 = padding; any integer or bool dtype) hides padding keys;
    /// `tokenTypeIDs` default to zeros.
    ///
    ///     let hidden = bert.hiddenStates(ids, attentionMask: mask)
    public func hiddenStates(_ ids: Tensor, attentionMask: Tensor? = nil, tokenTypeIDs: Tensor? = nil) -> Tensor {
        checkTokenIDs(ids, vocab: config.vocabSize, model: "BertModel")
        check(ids.shape[1] <= config.maxPositions, "BertModel: \(ids.shape[1]) tokens exceed max_position_embeddings \(config.maxPositions)")
        let types = tokenTypeIDs ?? Tensor.zeros(ids.shape, dtype: .int64)
        check(types.shape == ids.shape, "BertModel: token_type_ids \(types.shape) must match the ids \(ids.shape)")
        var keep: Tensor? = nil
        if let m = attentionMask {
            check(m.shape == ids.shape, "BertModel: attention_mask \(m.shape) must match the ids \(ids.shape)")
            keep = m.to(.int64).ne(0).reshape([ids.shape[0], 1, 1, ids.shape[1]])
        }
        var x = embeddings(ids, tokenTypes: types)
        for layer in encoder.layer { x = layer(x, keep: keep) }
        return x
    }

    /// The pooled output [batch, hidden] (tanh(dense(first token))); needs the pooler.
    public func pooled(_ hidden: Tensor) -> Tensor {
        guard let pooler else { checkFailure("BertModel.pooled: this model was built without a pooler (hidden \(hidden.shape))") }
        return pooler(hidden)
    }

    /// `model(ids)`: the same as without a cache / mask.
    public override func forward(_ ids: Tensor) -> Tensor { hiddenStates(ids) }
}

final class BertPredictionHead: Module {
    let dense: Linear, layerNorm: LayerNorm
    let activation: HFActivation
    init(_ c: BertConfig) {
        dense = Linear(c.hiddenSize, c.hiddenSize); layerNorm = LayerNorm(c.hiddenSize, eps: c.layerNormEps); activation = c.activation
        super.init()
    }
    override func memberName(forProperty p: String) -> String { p == "layerNorm" ? "LayerNorm" : super.memberName(forProperty: p) }
    override func forward(_ x: Tensor) -> Tensor { layerNorm(activation(dense(x))) }
}

final class BertLMPredictions: ModuleBase {
    let transform: BertPredictionHead
    let bias: Tensor
    init(_ c: BertConfig) { transform = BertPredictionHead(c); bias = zeroParameter([c.vocabSize]); super.init() }
}

final class BertMLMHead: ModuleBase {
    let predictions: BertLMPredictions
    init(_ c: BertConfig) { predictions = BertLMPredictions(c); super.init() }
}

/// Hugging Face's `BertForMaskedLM`: `bert` (no pooler) and `cls.predictions` (dense, activation,
/// LayerNorm, then a decoder tied to the word embeddings plus `cls.predictions.bias`).
///
///     let model = try BertForMaskedLM(directory: "bert-base-uncased")
///     let logits = model.logits(inputIDs: ids, attentionMask: mask)      // [batch, seq, vocab]
public final class BertForMaskedLM: Module {
    /// The encoder (`bert.*` weights).
    public let bert: BertModel
    let cls: BertMLMHead

    /// A model with zero weights of the config's sizes.
    public init(_ config: BertConfig) {
        bert = BertModel(config, pooler: false); cls = BertMLMHead(config)
        super.init()
    }

    /// Builds the model of `dir/config.json` and loads `dir`'s weights (a saved
    /// `cls.predictions.decoder.*`, tied to the embeddings and the bias, `position_ids`, and a
    /// pretraining checkpoint's pooler and `cls.seq_relationship` are ignored).
    ///
    ///     let model = try BertForMaskedLM(directory: dir)
    public convenience init(directory: String, dtype: DType? = nil) throws {
        self.init(try BertConfig(ModelConfig(contentsOf: directory + "/config.json")))
        try loadWeights(CheckpointFiles.load(directory), dtype: dtype)
    }

    /// Loads named tensors after checking keys and shapes.
    public func loadWeights(_ tensors: [String: Tensor], dtype: DType? = nil) throws {
        var o = LoadOptions(); o.basePrefix = "bert"; o.dtype = dtype
        // A BertForPreTraining checkpoint (the Hub's bert-base-*) also holds the pooler and the
        // next-sentence head, which this model does not use.
        o.ignored = { $0.hasSuffix("embeddings.position_ids") || $0.hasPrefix("cls.predictions.decoder.") || $0.hasPrefix("bert.pooler.")
            || $0.hasPrefix("cls.seq_relationship.") }
        try loadPretrained(self, tensors, o)
    }

    /// Vocabulary logits [batch, seq, vocab].
    ///
    ///     let logits = model.logits(inputIDs: ids)
    public func logits(inputIDs: Tensor, attentionMask: Tensor? = nil, tokenTypeIDs: Tensor? = nil) -> Tensor {
        let h = cls.predictions.transform(bert.hiddenStates(inputIDs, attentionMask: attentionMask, tokenTypeIDs: tokenTypeIDs))
        return linear(h, weight: bert.embeddings.wordEmbeddings.weight, bias: cls.predictions.bias)
    }

    /// `model(ids)`: the same as without a cache / mask.
    public override func forward(_ ids: Tensor) -> Tensor { logits(inputIDs: ids) }
}

/// Hugging Face's `BertForSequenceClassification`: `bert` (with the pooler) and `classifier`.
///
///     let model = try BertForSequenceClassification(directory: dir)
///     let logits = model.logits(inputIDs: ids, attentionMask: mask)      // [batch, labels]
public final class BertForSequenceClassification: Module {
    /// The encoder (`bert.*` weights).
    public let bert: BertModel
    let classifier: Linear

    /// A model with zero weights of the config's sizes.
    public init(_ config: BertConfig) {
        bert = BertModel(config, pooler: true); classifier = Linear(config.hiddenSize, config.labels)
        super.init()
    }

    /// Builds the model of `dir/config.json` and loads `dir`'s weights.
    ///
    ///     let model = try BertForSequenceClassification(directory: dir)
    public convenience init(directory: String, dtype: DType? = nil) throws {
        self.init(try BertConfig(ModelConfig(contentsOf: directory + "/config.json")))
        try loadWeights(CheckpointFiles.load(directory), dtype: dtype)
    }

    /// Loads named tensors after checking keys and shapes.
    public func loadWeights(_ tensors: [String: Tensor], dtype: DType? = nil) throws {
        var o = LoadOptions(); o.basePrefix = "bert"; o.dtype = dtype
        o.ignored = { $0.hasSuffix("embeddings.position_ids") }
        try loadPretrained(self, tensors, o)
    }

    /// Class logits [batch, labels].
    ///
    ///     let logits = model.logits(inputIDs: ids)
    public func logits(inputIDs: Tensor, attentionMask: Tensor? = nil, tokenTypeIDs: Tensor? = nil) -> Tensor {
        classifier(bert.pooled(bert.hiddenStates(inputIDs, attentionMask: attentionMask, tokenTypeIDs: tokenTypeIDs)))
    }

    /// `model(ids)`: the same as without a cache / mask.
    public override func forward(_ ids: Tensor) -> Tensor { logits(inputIDs: ids) }
}
