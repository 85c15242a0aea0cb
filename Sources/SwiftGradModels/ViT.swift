import SwiftGrad

/// The fields of a ViT `config.json` this library uses.
///
///     let config = try ViTConfig(try ModelConfig(contentsOf: dir + "/config.json"))
public struct ViTConfig: Sendable {
    public var imageSize: Int, patchSize: Int, channels: Int
    public var hiddenSize: Int, layers: Int, heads: Int, intermediateSize: Int
    public var layerNormEps: Double
    public var qkvBias: Bool
    public var activation: HFActivation
    /// Classes of the classification head (`num_labels`, or the size of `id2label`).
    public var labels: Int

    /// Reads the fields from a parsed `config.json`; throws `ModelLoadError` naming a missing,
    /// mistyped or unsupported field.
    ///
    ///     let config = try ViTConfig(try ModelConfig(contentsOf: dir + "/config.json"))
    public init(_ c: ModelConfig) throws {
        imageSize = try c.int("image_size"); patchSize = try c.int("patch_size"); channels = try c.int("num_channels", default: 3)
        hiddenSize = try c.int("hidden_size"); layers = try c.int("num_hidden_layers"); heads = try c.int("num_attention_heads")
        intermediateSize = try c.int("intermediate_size"); layerNormEps = try c.double("layer_norm_eps", default: 1e-12)
        qkvBias = try c.bool("qkv_bias", default: true)
        activation = try HFActivation(name: c.string("hidden_act", default: "gelu"), path: c.path)
        labels = try c.optionalInt("num_labels") ?? (c.values["id2label"] as? [String: Any])?.count ?? 2
        guard patchSize > 0, imageSize % patchSize == 0, heads > 0, hiddenSize % heads == 0 else {
            throw ModelLoadError.invalidConfig(path: c.path, reason: "image_size \(imageSize) must be a multiple of patch_size \(patchSize) and hidden_size \(hiddenSize) of num_attention_heads \(heads)")
        }
    }

    var patches: Int { (imageSize / patchSize) * (imageSize / patchSize) }
}

final class ViTPatchEmbeddings: Module {
    let projection: Conv2d
    init(_ c: ViTConfig) {
        projection = Conv2d(inChannels: c.channels, outChannels: c.hiddenSize, kernelSize: Size2(c.patchSize), stride: Size2(c.patchSize))
        super.init()
    }
    /// [n, c, h, w] -> [n, patches, hidden].
    override func forward(_ x: Tensor) -> Tensor { projection(x).flatten(startAxis: 2).transpose(1, 2) }
}

final class ViTEmbeddings: Module {
    let clsToken: Tensor, positionEmbeddings: Tensor, patchEmbeddings: ViTPatchEmbeddings
    init(_ c: ViTConfig) {
        clsToken = zeroParameter([1, 1, c.hiddenSize]); positionEmbeddings = zeroParameter([1, c.patches + 1, c.hiddenSize])
        patchEmbeddings = ViTPatchEmbeddings(c)
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        let p = patchEmbeddings(x)
        let cls = clsToken.expand([p.shape[0], 1, p.shape[2]])
        return Tensor.cat([cls, p], axis: 1) + positionEmbeddings
    }
}

final class ViTSelfOutput: ModuleBase {
    let dense: Linear
    init(_ c: ViTConfig) { dense = Linear(c.hiddenSize, c.hiddenSize); super.init() }
}

final class ViTAttention: ModuleBase {
    let attention: QKVSelfAttention, output: ViTSelfOutput
    init(_ c: ViTConfig) {
        attention = QKVSelfAttention(hidden: c.hiddenSize, heads: c.heads, bias: c.qkvBias); output = ViTSelfOutput(c)
        super.init()
    }
}

final class ViTOutput: ModuleBase {
    let dense: Linear
    init(_ c: ViTConfig) { dense = Linear(c.intermediateSize, c.hiddenSize); super.init() }
}

final class ViTLayer: Module {
    let attention: ViTAttention, intermediate: DenseActivation, output: ViTOutput
    let layernormBefore: LayerNorm, layernormAfter: LayerNorm
    init(_ c: ViTConfig) {
        attention = ViTAttention(c); intermediate = DenseActivation(c.hiddenSize, c.intermediateSize, c.activation)
        output = ViTOutput(c)
        layernormBefore = LayerNorm(c.hiddenSize, eps: c.layerNormEps); layernormAfter = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        super.init()
    }
    /// Pre-norm: x + attention(LN(x)), then + MLP(LN(·)).
    override func forward(_ x: Tensor) -> Tensor {
        let h = x + attention.output.dense(attention.attention(layernormBefore(x), keep: nil))
        return h + output.dense(intermediate(layernormAfter(h)))
    }
}

final class ViTEncoder: ModuleBase {
    let layer: [ViTLayer]
    init(_ c: ViTConfig) { layer = (0..<c.layers).map { _ in ViTLayer(c) }; super.init() }
}

/// Hugging Face's `ViTModel` without the pooler: `embeddings` (cls token, position embeddings,
/// patch projection), `encoder.layer.N`, final `layernorm`.
public final class ViTModel: Module {
    let embeddings: ViTEmbeddings, encoder: ViTEncoder, layernorm: LayerNorm
    /// The configuration the model was built with.
    public let config: ViTConfig

    /// A model with zero weights of the config's sizes.
    public init(_ c: ViTConfig) {
        config = c
        embeddings = ViTEmbeddings(c); encoder = ViTEncoder(c); layernorm = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        super.init()
    }

    /// The last hidden states [n, patches + 1, hidden] of images [n, channels, imageSize, imageSize].
    ///
    ///     let hidden = vit(images)
    public override func forward(_ x: Tensor) -> Tensor {
        check(x.rank == 4 && x.shape[1] == config.channels && x.shape[2] == config.imageSize && x.shape[3] == config.imageSize,
              "ViTModel: images must be [n, \(config.channels), \(config.imageSize), \(config.imageSize)], got \(x.shape)")
        var h = embeddings(x)
        for layer in encoder.layer { h = layer(h) }
        return layernorm(h)
    }
}

/// Hugging Face's `ViTForImageClassification`: `vit` (ViTModel) and `classifier` on the cls token.
///
///     let model = try ViTForImageClassification(directory: "vit-base-patch16-224")
///     let logits = model(images)                         // [n, labels]
public final class ViTForImageClassification: Module {
    /// The encoder (`vit.*` weights).
    public let vit: ViTModel
    let classifier: Linear

    /// A model with zero weights of the config's sizes.
    public init(_ config: ViTConfig) {
        vit = ViTModel(config); classifier = Linear(config.hiddenSize, config.labels)
        super.init()
    }

    /// Builds the model of `dir/config.json` and loads `dir`'s weights (a saved pooler is ignored,
    /// as transformers does for this head).
    ///
    ///     let model = try ViTForImageClassification(directory: dir)
    public convenience init(directory: String, dtype: DType? = nil) throws {
        self.init(try ViTConfig(ModelConfig(contentsOf: directory + "/config.json")))
        try loadWeights(CheckpointFiles.load(directory), dtype: dtype)
    }

    /// Loads named tensors after checking keys and shapes.
    public func loadWeights(_ tensors: [String: Tensor], dtype: DType? = nil) throws {
        var o = LoadOptions(); o.basePrefix = "vit"; o.dtype = dtype
        o.ignored = { $0.hasPrefix("vit.pooler.") }
        try loadPretrained(self, tensors, o)
    }

    /// Class logits [n, labels] of images [n, channels, h, w].
    public override func forward(_ x: Tensor) -> Tensor { classifier(vit(x).select(axis: 1, index: 0)) }
}
