// The Embedding layer (see Ops/Embedding.swift for the function).

/// A lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1); the row
/// `paddingIdx` (if any) starts at zero and receives no gradient.
///
///     let embed = Embedding(numEmbeddings: 28, embeddingDim: 16)
///     let vectors = embed(tokens)         // int64 [b, t] -> [b, t, 16]
open class Embedding: Module {
    public let weight: Tensor
    public let numEmbeddings: Int, embeddingDim: Int
    public let paddingIdx: Int?

    public init(numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int? = nil, dtype: DType = .float32, generator: Generator? = nil) {
        check(numEmbeddings >= 0 && embeddingDim >= 0,
              "Embedding: sizes must be non-negative, got \(numEmbeddings) embeddings of dimension \(embeddingDim)")
        self.numEmbeddings = numEmbeddings; self.embeddingDim = embeddingDim
        let pad = paddingIdx.map { $0 < 0 ? $0 + numEmbeddings : $0 }
        if let pad { check(pad >= 0 && pad < numEmbeddings, "Embedding: paddingIdx \(paddingIdx!) is out of range for \(numEmbeddings) embeddings") }
        self.paddingIdx = pad
        weight = makeParameter([numEmbeddings, embeddingDim], dtype: dtype) { w in
            Init.normal(w, generator: generator)
            if let pad {
                var keep = [Double](repeating: 1, count: numEmbeddings); keep[pad] = 0
                withNoGrad { w.copyFrom(w * Tensor(keep, shape: [numEmbeddings, 1], dtype: dtype)) }
            }
        }
        super.init()
    }

    /// `Embedding(numEmbeddings:embeddingDim:)` without labels.
    ///
    ///     let embed = Embedding(1000, 64)
    public convenience init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil, dtype: DType = .float32, generator: Generator? = nil) {
        self.init(numEmbeddings: numEmbeddings, embeddingDim: embeddingDim, paddingIdx: paddingIdx, dtype: dtype, generator: generator)
    }

    /// An embedding holding a copy of `weights` [num, dim]; frozen unless `freeze: false`.
    ///
    ///     let embed = Embedding.fromPretrained(vectors)
    public static func fromPretrained(_ weights: Tensor, freeze: Bool = true, paddingIdx: Int? = nil) -> Embedding {
        check(weights.rank == 2, "Embedding.fromPretrained: weights must be [num, dim], got \(weights.shape)")
        let e = Embedding(numEmbeddings: weights.shape[0], embeddingDim: weights.shape[1], paddingIdx: paddingIdx, dtype: weights.dtype)
        withNoGrad { e.weight.copyFrom(weights) }
        e.weight.requiresGrad = !freeze
        return e
    }

    open override func forward(_ input: Tensor) -> Tensor {
        check(!input.dtype.isFloatingPoint,
              "Embedding(\(extraDescription)): indices must be an integer tensor, got \(input.dtype) of shape \(input.shape) (weight \(weight.shape))")
        return embedding(input, weight: weight, paddingIndex: paddingIdx)
    }

    open override var extraDescription: String { "\(numEmbeddings), \(embeddingDim)" + (paddingIdx.map { ", padding_idx=\($0)" } ?? "") }
}
