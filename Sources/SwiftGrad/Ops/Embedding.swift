// Embedding lookup and one-hot encoding.

/// Rows of `weight` [numEmbeddings, dim] at the int64 `indices` (any shape): the result is
/// `indices.shape + [dim]`. The gradient accumulates into the looked-up rows, except the row
/// `paddingIndex`, which never receives one (as PyTorch's `padding_idx`). With `scaleGradByFreq`
/// each row's gradient is divided by how often the row occurs in `indices` (PyTorch's
/// `scale_grad_by_freq`). With `maxNorm`, every looked-up row whose `normType`-norm exceeds it is
/// first rescaled in place, in `weight`, to norm `maxNorm` (PyTorch's `max_norm`, which modifies
/// the table without recording it).
///
///     let vectors = embedding(tokens, weight: table)
///     let scaled = embedding(tokens, weight: table, scaleGradByFreq: true)
///     let bounded = embedding(tokens, weight: table, maxNorm: 1)
public func embedding(_ indices: Tensor, weight: Tensor, paddingIndex: Int? = nil, maxNorm: Double? = nil, normType: Double = 2,
                      scaleGradByFreq: Bool = false) -> Tensor {
    check(indices.dtype == .int64 || indices.dtype == .int32,
          "embedding: indices must be int64 or int32, got \(indices.dtype) of shape \(indices.shape) (weight \(weight.shape))")
    // int32 ids (as PyTorch accepts) are widened once.
    if indices.dtype == .int32 {
        return embedding(indices.to(.int64), weight: weight, paddingIndex: paddingIndex, maxNorm: maxNorm, normType: normType,
                         scaleGradByFreq: scaleGradByFreq)
    }
    check(weight.rank == 2, "embedding: weight must be [numEmbeddings, dim], got \(weight.shape)")
    let rows = weight.shape[0], dim = weight.shape[1]
    let flat = indices.reshape([indices.count])
    var frequency = [Double](repeating: 0, count: scaleGradByFreq ? rows : 0)
    for i in flat.ints {
        check(i >= 0 && i < rows, "embedding: index \(i) is out of range for \(rows) embeddings (indices \(indices.shape), weight \(weight.shape))")
        if scaleGradByFreq { frequency[i] += 1 }
    }
    let pad = paddingIndex.map { $0 < 0 ? $0 + rows : $0 }
    if let maxNorm { renormEmbeddingRows(weight, Set(flat.ints).sorted(), maxNorm: maxNorm, normType: normType) }
    let out = withNoGrad { weight.indexSelect(axis: 0, indices: flat) }.reshape(indices.shape + [dim])
    let weightShape = weight.shape
    // The indices are read in backward: saved with their version, so changing them in place is an error.
    let saved = SavedTensor(flat)
    return out.recorded(.embedding, weight) { g, ctx in
        // Sum the gradient rows into the table (repeated indices add up).
        let idx = saved.value(ctx, "indices")
        var gw = Tensor.zeros(weightShape, dtype: g.dtype).indexAdd(axis: 0, indices: idx, source: g.reshape([idx.count, dim]))  // not -1: dim may be 0
        if let pad {
            var keep = [Double](repeating: 1, count: rows); keep[pad] = 0
            gw = gw * Tensor(keep, shape: [rows, 1], dtype: g.dtype)
        }
        if scaleGradByFreq {
            // Rows that do not occur have a zero gradient already; divide the others by their count.
            gw = gw * Tensor(frequency.map { $0 > 0 ? 1 / $0 : 0 }, shape: [rows, 1], dtype: g.dtype)
        }
        return [gw]
    } forward: { f in
        // The looked-up rows of the tangent (the padding row too: it only gets no gradient).
        f.tangent.indexSelect(axis: 0, indices: flat).reshape(indices.shape + [dim])
    }
}

/// PyTorch's `embedding_renorm_`: each of `rows` whose norm exceeds `maxNorm` is scaled in place
/// by maxNorm / (norm + 1e-7), without recording. For float16/bfloat16 the norm is rounded to the
/// dtype first, as PyTorch's `row.norm()` of a half row, and the product is taken in float32.
func renormEmbeddingRows(_ weight: Tensor, _ rows: [Int], maxNorm: Double, normType: Double) {
    guard !rows.isEmpty, weight.shape[1] > 0 else { return }
    withNoGrad {
        let picked = weight.indexSelect(axis: 0, indices: Tensor(rows, shape: [rows.count]))
        let norms = weight.dtype.isReducedPrecision
            ? picked.to(.float32).norm(p: normType, axes: [1]).to(weight.dtype).doubles
            : picked.to(.float64).norm(p: normType, axes: [1]).doubles
        for (k, r) in rows.enumerated() where norms[k] > maxNorm {
            let row = weight[r], factor = maxNorm / (norms[k] + 1e-7)
            // Half rows: PyTorch multiplies in float32 by the factor rounded to float32, then rounds once.
            row.copyFrom(weight.dtype.isReducedPrecision ? (row.to(.float32) * factor).to(weight.dtype) : row * factor)
        }
    }
}

/// One-hot encoding of int64 class indices: `indices.shape + [numClasses]`, int64 (as PyTorch).
/// With `numClasses` nil it is the largest index + 1.
///
///     let targets = oneHot(labels, numClasses: 10).to(.float32)
public func oneHot(_ indices: Tensor, numClasses: Int? = nil) -> Tensor {
    check(indices.dtype == .int64, "oneHot: indices must be int64, got \(indices.dtype) of shape \(indices.shape)")
    let values = indices.ints
    let n = numClasses ?? ((values.max() ?? -1) + 1)
    var data = [Int](repeating: 0, count: values.count * n)
    for (i, v) in values.enumerated() {
        check(v >= 0 && v < n, "oneHot: index \(v) is out of range for \(n) classes (indices \(indices.shape))")
        data[i * n + v] = 1
    }
    return Tensor(data, shape: indices.shape + [n])
}
