// Embedding lookup and one-hot encoding.

/// Rows of `weight` [numEmbeddings, dim] at the int64 `indices` (any shape): the result is
/// `indices.shape + [dim]`. The gradient accumulates into the looked-up rows, except the row
/// `paddingIndex`, which never receives one (as PyTorch's `padding_idx`).
///
///     let vectors = embedding(tokens, weight: table)
public func embedding(_ indices: Tensor, weight: Tensor, paddingIndex: Int? = nil) -> Tensor {
    check(indices.dtype == .int64 || indices.dtype == .int32,
          "embedding: indices must be int64 or int32, got \(indices.dtype) of shape \(indices.shape) (weight \(weight.shape))")
    // int32 ids (as PyTorch accepts) are widened once.
    if indices.dtype == .int32 { return embedding(indices.to(.int64), weight: weight, paddingIndex: paddingIndex) }
    check(weight.rank == 2, "embedding: weight must be [numEmbeddings, dim], got \(weight.shape)")
    let rows = weight.shape[0], dim = weight.shape[1]
    let flat = indices.reshape([indices.count])
    for i in flat.ints {
        check(i >= 0 && i < rows, "embedding: index \(i) is out of range for \(rows) embeddings (indices \(indices.shape), weight \(weight.shape))")
    }
    let pad = paddingIndex.map { $0 < 0 ? $0 + rows : $0 }
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
        return [gw]
    } forward: { f in
        // The looked-up rows of the tangent (the padding row too: it only gets no gradient).
        f.tangent.indexSelect(axis: 0, indices: flat).reshape(indices.shape + [dim])
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
