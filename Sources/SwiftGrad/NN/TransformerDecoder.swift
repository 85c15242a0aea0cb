// Transformer decoder and the full encoder-decoder: TransformerDecoderLayer, TransformerDecoder and
// Transformer, with nn.Transformer's submodule names, defaults and masks.

/// Self-attention, attention over the encoder's output (`memory`) and a feed-forward block, each
/// with a residual connection and LayerNorm, as `nn.TransformerDecoderLayer` (submodules
/// `self_attn`, `multihead_attn`, `linear1`, `linear2`, `norm1`...`norm3`). Post-norm by
/// default; `normFirst: true` normalises before each block.
///
///     let layer = TransformerDecoderLayer(dModel: 64, nhead: 4, dimFeedforward: 128, batchFirst: true)
///     let y = layer(tgt, memory: memory, tgtIsCausal: true)
open class TransformerDecoderLayer: ModuleBase {
    public let selfAttn: MultiheadAttention
    public let multiheadAttn: MultiheadAttention
    public let linear1: Linear
    public let dropout: Dropout
    public let linear2: Linear
    public let norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm
    public let dropout1: Dropout, dropout2: Dropout, dropout3: Dropout
    public let normFirst: Bool
    public let activation: TransformerActivation

    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: TransformerActivation = .relu,
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
                dtype: DType = .float32, generator: Generator? = nil) {
        selfAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias, batchFirst: batchFirst,
                                      dtype: dtype, generator: generator)
        multiheadAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias, batchFirst: batchFirst,
                                           dtype: dtype, generator: generator)
        linear1 = Linear(inFeatures: dModel, outFeatures: dimFeedforward, bias: bias, dtype: dtype, generator: generator)
        self.dropout = Dropout(p: dropout, generator: generator)
        linear2 = Linear(inFeatures: dimFeedforward, outFeatures: dModel, bias: bias, dtype: dtype, generator: generator)
        norm1 = LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)
        norm2 = LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)
        norm3 = LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)
        dropout1 = Dropout(p: dropout, generator: generator)
        dropout2 = Dropout(p: dropout, generator: generator)
        dropout3 = Dropout(p: dropout, generator: generator)
        self.normFirst = normFirst
        self.activation = activation
        super.init()
    }

    /// Runs the layer on `tgt` attending to `memory`; masks as in `MultiheadAttention`
    /// (`tgtMask`/`memoryMask` are attention masks, the key padding masks mark ignored positions).
    ///
    ///     let y = layer(tgt, memory: memory, tgtMask: Transformer.generateSquareSubsequentMask(4))
    public func callAsFunction(_ tgt: Tensor, memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                               tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
        hooked(optional: [tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask]) { xs in
            [decode(xs[0]!, memory: xs[1]!, tgtMask: xs[2], memoryMask: xs[3], tgtKeyPaddingMask: xs[4],
                    memoryKeyPaddingMask: xs[5], tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)]
        }[0]
    }

    /// The call without hooks.
    private func decode(_ tgt: Tensor, memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                               tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
        checkInputSize("TransformerDecoderLayer", tgt, axis: -1, expected: linear1.inFeatures, what: "d_model")
        checkInputSize("TransformerDecoderLayer (memory)", memory, axis: -1, expected: linear1.inFeatures, what: "d_model")
        checkInputDType("TransformerDecoderLayer", tgt, linear1.weight, name: "linear1.weight")
        func sa(_ x: Tensor) -> Tensor {
            dropout1(selfAttn(query: x, key: x, value: x, keyPaddingMask: tgtKeyPaddingMask, needWeights: false,
                              attnMask: tgtMask, isCausal: tgtIsCausal).output)
        }
        func mha(_ x: Tensor) -> Tensor {
            dropout2(multiheadAttn(query: x, key: memory, value: memory, keyPaddingMask: memoryKeyPaddingMask, needWeights: false,
                                   attnMask: memoryMask, isCausal: memoryIsCausal).output)
        }
        func ff(_ x: Tensor) -> Tensor {
            let hidden = linear1(x)
            let act = activation == .relu ? hidden.relu() : hidden.gelu()
            return dropout3(linear2(dropout(act)))
        }
        if normFirst {
            var x = tgt + sa(norm1(tgt))
            x = x + mha(norm2(x))
            return x + ff(norm3(x))
        }
        var x = norm1(tgt + sa(tgt))
        x = norm2(x + mha(x))
        return norm3(x + ff(x))
    }
}

/// A stack of `numLayers` decoder layers (named `layers.0`, `layers.1`, ...) and an optional final norm.
///
///     let decoder = TransformerDecoder(numLayers: 2) { TransformerDecoderLayer(dModel: 64, nhead: 4) }
///     let y = decoder(tgt, memory: memory, tgtIsCausal: true)
open class TransformerDecoder: ModuleBase {
    public let layers: [TransformerDecoderLayer]
    public let norm: LayerNorm?

    /// Builds each layer with `makeLayer` (independent weights per layer, as PyTorch's deep copies).
    public init(numLayers: Int, norm: LayerNorm? = nil, makeLayer: () -> TransformerDecoderLayer) {
        check(numLayers > 0, "TransformerDecoder: numLayers must be positive, got \(numLayers)")
        layers = (0..<numLayers).map { _ in makeLayer() }
        self.norm = norm
        super.init()
    }

    /// Runs every layer with the same masks, then the final norm.
    ///
    ///     let y = decoder(tgt, memory: memory, tgtMask: causal)
    public func callAsFunction(_ tgt: Tensor, memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                               tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
        hooked(optional: [tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask]) { xs in
            [decode(xs[0]!, memory: xs[1]!, tgtMask: xs[2], memoryMask: xs[3], tgtKeyPaddingMask: xs[4],
                    memoryKeyPaddingMask: xs[5], tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)]
        }[0]
    }

    /// The call without hooks.
    private func decode(_ tgt: Tensor, memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                               tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
        var x = tgt
        for layer in layers {
            x = layer(x, memory: memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                      memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)
        }
        if let norm { x = norm(x) }
        return x
    }
}

/// The encoder-decoder Transformer, as `nn.Transformer`: `encoder` (layers and a final LayerNorm)
/// and `decoder` (likewise), with PyTorch's defaults (dModel 512, 8 heads, 6 + 6 layers,
/// feed-forward 2048, dropout 0.1) and its initialisation (xavier uniform on every matrix).
///
///     let model = Transformer(dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, batchFirst: true)
///     let y = model(src, tgt, tgtMask: Transformer.generateSquareSubsequentMask(tgt.shape[1]))
open class Transformer: ModuleBase {
    public let encoder: TransformerEncoder
    public let decoder: TransformerDecoder
    public let dModel: Int, nhead: Int
    public let batchFirst: Bool

    public init(dModel: Int = 512, nhead: Int = 8, numEncoderLayers: Int = 6, numDecoderLayers: Int = 6,
                dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: TransformerActivation = .relu,
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
                dtype: DType = .float32, generator: Generator? = nil) {
        encoder = TransformerEncoder(numLayers: numEncoderLayers, norm: LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)) {
            TransformerEncoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout,
                                    activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst,
                                    normFirst: normFirst, bias: bias, dtype: dtype, generator: generator)
        }
        decoder = TransformerDecoder(numLayers: numDecoderLayers, norm: LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)) {
            TransformerDecoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout,
                                    activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst,
                                    normFirst: normFirst, bias: bias, dtype: dtype, generator: generator)
        }
        self.dModel = dModel; self.nhead = nhead; self.batchFirst = batchFirst
        super.init()
        // PyTorch's _reset_parameters: xavier uniform on every parameter with more than one axis.
        withNoGrad {
            for (_, p) in namedParameters() where p.rank > 1 { Init.xavierUniform(p, generator: generator) }
        }
    }

    /// Encodes `src` [S, N, E] and decodes `tgt` [T, N, E] (batch first if `batchFirst`) over it.
    ///
    ///     let y = model(src, tgt, tgtIsCausal: true)
    public func callAsFunction(_ src: Tensor, _ tgt: Tensor, srcMask: Tensor? = nil, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               srcKeyPaddingMask: Tensor? = nil, tgtKeyPaddingMask: Tensor? = nil,
                               memoryKeyPaddingMask: Tensor? = nil, srcIsCausal: Bool = false, tgtIsCausal: Bool = false,
                               memoryIsCausal: Bool = false) -> Tensor {
        hooked(optional: [src, tgt, srcMask, tgtMask, memoryMask, srcKeyPaddingMask, tgtKeyPaddingMask, memoryKeyPaddingMask]) { xs in
            [transform(xs[0]!, xs[1]!, srcMask: xs[2], tgtMask: xs[3], memoryMask: xs[4], srcKeyPaddingMask: xs[5],
                       tgtKeyPaddingMask: xs[6], memoryKeyPaddingMask: xs[7], srcIsCausal: srcIsCausal, tgtIsCausal: tgtIsCausal,
                       memoryIsCausal: memoryIsCausal)]
        }[0]
    }

    /// The call without hooks.
    private func transform(_ src: Tensor, _ tgt: Tensor, srcMask: Tensor? = nil, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               srcKeyPaddingMask: Tensor? = nil, tgtKeyPaddingMask: Tensor? = nil,
                               memoryKeyPaddingMask: Tensor? = nil, srcIsCausal: Bool = false, tgtIsCausal: Bool = false,
                               memoryIsCausal: Bool = false) -> Tensor {
        check(src.rank == tgt.rank && (src.rank == 2 || src.rank == 3),
              "Transformer: src \(src.shape) and tgt \(tgt.shape) must both be 3-D (or both 2-D unbatched)")
        check(src.rank == 2 || src.shape[batchFirst ? 0 : 1] == tgt.shape[batchFirst ? 0 : 1],
              "Transformer: the batch sizes of src \(src.shape) and tgt \(tgt.shape) must be equal")
        check(src.shape.last == dModel && tgt.shape.last == dModel,
              "Transformer: the feature sizes of src \(src.shape) and tgt \(tgt.shape) must be dModel \(dModel)")
        let memory = encoder(src, mask: srcMask, keyPaddingMask: srcKeyPaddingMask, isCausal: srcIsCausal)
        return decoder(tgt, memory: memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                       memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)
    }

    /// A float [sz, sz] mask with -inf above the diagonal and 0 elsewhere (each position attends to
    /// itself and the ones before), as PyTorch's `generate_square_subsequent_mask`.
    ///
    ///     let mask = Transformer.generateSquareSubsequentMask(5)
    public static func generateSquareSubsequentMask(_ sz: Int, dtype: DType = .float32) -> Tensor {
        check(sz >= 0, "generateSquareSubsequentMask: size must be non-negative, got \(sz)")
        var m = [Double](repeating: 0, count: sz * sz)
        for i in 0..<sz { for j in (i + 1)..<Swift.max(i + 1, sz) { m[i * sz + j] = -.infinity } }
        return Tensor(m, shape: [sz, sz], dtype: dtype)
    }
}
