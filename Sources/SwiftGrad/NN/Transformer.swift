// Transformer encoder: TransformerEncoderLayer (post-norm, or pre-norm with `normFirst`) and a stack.

/// The feed-forward activation of a Transformer layer.
public enum TransformerActivation: Sendable { case relu, gelu }

/// Self-attention and a feed-forward block, each with a residual connection and LayerNorm, as
/// `nn.TransformerEncoderLayer` (same submodule names: `self_attn`, `linear1`, `linear2`,
/// `norm1`, `norm2`). Post-norm by default; `normFirst: true` normalises before each block.
///
///     let layer = TransformerEncoderLayer(dModel: 128, nhead: 4, dimFeedforward: 512, batchFirst: true)
///     let y = layer(x)
open class TransformerEncoderLayer: Module {
    public let selfAttn: MultiheadAttention
    public let linear1: Linear
    public let dropout: Dropout
    public let linear2: Linear
    public let norm1: LayerNorm
    public let norm2: LayerNorm
    public let dropout1: Dropout
    public let dropout2: Dropout
    public let normFirst: Bool
    public let activation: TransformerActivation

    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: TransformerActivation = .relu,
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
                dtype: DType = .float32, generator: Generator? = nil) {
        selfAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias, batchFirst: batchFirst,
                                      dtype: dtype, generator: generator)
        linear1 = Linear(inFeatures: dModel, outFeatures: dimFeedforward, bias: bias, dtype: dtype, generator: generator)
        self.dropout = Dropout(p: dropout, generator: generator)
        linear2 = Linear(inFeatures: dimFeedforward, outFeatures: dModel, bias: bias, dtype: dtype, generator: generator)
        norm1 = LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)
        norm2 = LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)
        dropout1 = Dropout(p: dropout, generator: generator)
        dropout2 = Dropout(p: dropout, generator: generator)
        self.normFirst = normFirst
        self.activation = activation
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor { self(input, mask: nil) }

    /// Runs the layer; `mask` and `keyPaddingMask` as in `MultiheadAttention`, `isCausal` for a causal mask.
    ///
    ///     let y = layer(x, mask: nil, keyPaddingMask: padding)
    public func callAsFunction(_ src: Tensor, mask: Tensor?, keyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        hooked(optional: [src, mask, keyPaddingMask]) { xs in
            [encode(xs[0]!, mask: xs[1], keyPaddingMask: xs[2], isCausal: isCausal)]
        }[0]
    }

    /// The call without hooks.
    private func encode(_ src: Tensor, mask: Tensor?, keyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        checkInputSize("TransformerEncoderLayer", src, axis: -1, expected: linear1.inFeatures, what: "d_model")
        checkInputDType("TransformerEncoderLayer", src, linear1.weight, name: "linear1.weight")
        func sa(_ x: Tensor) -> Tensor {
            dropout1(selfAttn(query: x, key: x, value: x, keyPaddingMask: keyPaddingMask, needWeights: false,
                              attnMask: mask, isCausal: isCausal).output)
        }
        func ff(_ x: Tensor) -> Tensor {
            let hidden = linear1(x)
            let act = activation == .relu ? hidden.relu() : hidden.gelu()
            return dropout2(linear2(dropout(act)))
        }
        if normFirst {
            let x = src + sa(norm1(src))
            return x + ff(norm2(x))
        }
        let x = norm1(src + sa(src))
        return norm2(x + ff(x))
    }
}

/// A stack of `numLayers` encoder layers (named `layers.0`, `layers.1`, ...) and an optional final norm.
///
///     let encoder = TransformerEncoder(numLayers: 2) { TransformerEncoderLayer(dModel: 64, nhead: 4, batchFirst: true) }
///     let y = encoder(x)
///
/// `norm:` is PyTorch's `norm=`: a final `LayerNorm` after the last layer (usual with `normFirst: true`):
///
///     let preNorm = TransformerEncoder(numLayers: 6, norm: LayerNorm(64)) {
///         TransformerEncoderLayer(dModel: 64, nhead: 4, normFirst: true)
///     }
open class TransformerEncoder: Module {
    public let layers: [TransformerEncoderLayer]
    public let norm: LayerNorm?

    /// Builds each layer with `makeLayer` (fresh weights per layer, as PyTorch's deep copies give
    /// equal-shaped but independent parameters).
    public init(numLayers: Int, norm: LayerNorm? = nil, makeLayer: () -> TransformerEncoderLayer) {
        check(numLayers > 0, "TransformerEncoder: numLayers must be positive, got \(numLayers)")
        layers = (0..<numLayers).map { _ in makeLayer() }
        self.norm = norm
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor { self(input, mask: nil) }

    /// Runs every layer with the same masks, then the final norm.
    ///
    ///     let y = encoder(x, mask: nil, keyPaddingMask: padding)
    public func callAsFunction(_ src: Tensor, mask: Tensor?, keyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        hooked(optional: [src, mask, keyPaddingMask]) { xs in
            [encode(xs[0]!, mask: xs[1], keyPaddingMask: xs[2], isCausal: isCausal)]
        }[0]
    }

    /// The call without hooks.
    private func encode(_ src: Tensor, mask: Tensor?, keyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        var x = src
        for layer in layers { x = layer(x, mask: mask, keyPaddingMask: keyPaddingMask, isCausal: isCausal) }
        if let norm { x = norm(x) }
        return x
    }
}
