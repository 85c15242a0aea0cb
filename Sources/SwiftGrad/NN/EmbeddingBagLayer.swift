// The EmbeddingBag layer (see Ops/EmbeddingBag.swift for the function).

/// Sums, means or maxima of bags of embeddings, as `nn.EmbeddingBag`: `weight` [num, dim]
/// initialised N(0, 1) (the `paddingIdx` row zero).
///
///     let bag = EmbeddingBag(numEmbeddings: 100, embeddingDim: 8, mode: .sum)
///     let y = bag(Tensor([1, 2, 4, 5, 4, 3]), offsets: Tensor([0, 3]))     // [2, 8]
open class EmbeddingBag: Module {
    public let weight: Tensor
    public let numEmbeddings: Int, embeddingDim: Int
    public let mode: EmbeddingBagMode
    public let includeLastOffset: Bool
    public let paddingIdx: Int?
    /// Rows looked up with a larger `normType`-norm are rescaled in place to this norm (PyTorch's `max_norm`).
    public let maxNorm: Double?
    public let normType: Double

    public init(numEmbeddings: Int, embeddingDim: Int, mode: EmbeddingBagMode = .mean, includeLastOffset: Bool = false,
                paddingIdx: Int? = nil, maxNorm: Double? = nil, normType: Double = 2, dtype: DType = .float32, generator: Generator? = nil) {
        check(numEmbeddings >= 0 && embeddingDim >= 0,
              "EmbeddingBag: sizes must be non-negative, got \(numEmbeddings) embeddings of dimension \(embeddingDim)")
        let pad = paddingIdx.map { $0 < 0 ? $0 + numEmbeddings : $0 }
        if let pad { check(pad >= 0 && pad < numEmbeddings, "EmbeddingBag: paddingIdx \(paddingIdx!) is out of range for \(numEmbeddings) embeddings") }
        self.numEmbeddings = numEmbeddings; self.embeddingDim = embeddingDim; self.mode = mode
        self.includeLastOffset = includeLastOffset; self.paddingIdx = pad
        self.maxNorm = maxNorm; self.normType = normType
        weight = makeParameter([numEmbeddings, embeddingDim], dtype: dtype) { w in
            Init.normal(w, generator: generator)
            if let pad { withNoGrad { w.select(axis: 0, index: pad).fill(0) } }
        }
        super.init()
    }

    /// The bags of a [B, L] `input`, one bag per row: `bag(x)`.
    open override func forward(_ input: Tensor) -> Tensor { self(input, offsets: nil) }

    /// The bags of `input` ([B, L], or 1-D with `offsets`), optionally weighted per sample (`.sum`).
    ///
    ///     let y = bag(ids, offsets: starts, perSampleWeights: w)
    public func callAsFunction(_ input: Tensor, offsets: Tensor? = nil, perSampleWeights: Tensor? = nil) -> Tensor {
        hooked(optional: [input, offsets, perSampleWeights]) { xs in
            [bags(xs[0]!, offsets: xs[1], perSampleWeights: xs[2])]
        }[0]
    }

    /// The call without hooks.
    private func bags(_ input: Tensor, offsets: Tensor? = nil, perSampleWeights: Tensor? = nil) -> Tensor {
        check(!input.dtype.isFloatingPoint,
              "EmbeddingBag(\(numEmbeddings), \(embeddingDim)): indices must be an integer tensor, got \(input.dtype) of shape \(input.shape)")
        return embeddingBag(input, weight: weight, offsets: offsets, mode: mode, perSampleWeights: perSampleWeights,
                            includeLastOffset: includeLastOffset, paddingIdx: paddingIdx, maxNorm: maxNorm, normType: normType)
    }

    open override var extraDescription: String {
        "\(numEmbeddings), \(embeddingDim)" + (maxNorm.map { ", max_norm=\($0)" } ?? "") + (normType != 2 ? ", norm_type=\(normType)" : "")
            + ", mode='\(mode.rawValue)'" + (paddingIdx.map { ", padding_idx=\($0)" } ?? "")
    }
}
