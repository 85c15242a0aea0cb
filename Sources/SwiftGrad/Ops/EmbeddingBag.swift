// Embedding bags (PyTorch's embedding_bag): sums, means or maxima of bags of embedding rows without
// materialising the rows per bag position, composed of index_select, index_add and gather (so the
// gradient accumulates into the looked-up rows).

/// How `embeddingBag` reduces each bag, as PyTorch's `mode`.
///
///     let y = embeddingBag(ids, weight: table, offsets: starts, mode: .sum)
public enum EmbeddingBagMode: String, Sendable {
    case sum, mean, max
}

/// Reduces bags of rows of `weight` [num, dim]: `input` is int64 [B, L] (B bags of L indices) or
/// 1-D with `offsets` [B] giving each bag's start (with `includeLastOffset`, [B + 1] whose last
/// entry ends the last bag). `perSampleWeights` (input's shape, `.sum` only) scale each row;
/// entries equal to `paddingIdx` are left out (not counted by `.mean`). An empty bag gives zeros.
/// With `maxNorm`, every row the input names (padding included) whose `normType`-norm exceeds it
/// is first rescaled in place, in `weight`, to norm `maxNorm` (PyTorch's `max_norm`, which
/// modifies the table without recording it, as `embedding`'s). With `scaleGradByFreq` each row's
/// gradient is divided by how often the row occurs in the input. The result is [B, dim].
///
///     let bags = embeddingBag(Tensor([1, 2, 4, 5, 4, 3]), weight: table, offsets: Tensor([0, 3]))
///     let maxed = embeddingBag(ids2d, weight: table, mode: .max)
///     let bounded = embeddingBag(ids2d, weight: table, mode: .sum, maxNorm: 1)
public func embeddingBag(_ input: Tensor, weight: Tensor, offsets: Tensor? = nil, mode: EmbeddingBagMode = .mean,
                         perSampleWeights: Tensor? = nil, includeLastOffset: Bool = false, paddingIdx: Int? = nil,
                         maxNorm: Double? = nil, normType: Double = 2, scaleGradByFreq: Bool = false) -> Tensor {
    let op = "embeddingBag"
    check(input.dtype == .int64 || input.dtype == .int32,
          "\(op): input must hold int64 or int32 indices, got \(input.dtype) of shape \(input.shape) (weight \(weight.shape))")
    check(weight.rank == 2 && weight.dtype.isFloatingPoint, "\(op): weight must be a float [numEmbeddings, dim] matrix, got \(weight.dtype) \(weight.shape)")
    let rows = weight.shape[0], dim = weight.shape[1]
    let ids = input.ints
    var starts: [Int]
    if input.rank == 2 {
        check(offsets == nil, "\(op): offsets must be nil for a 2-D input \(input.shape) (each row is a bag)")
        starts = (0..<input.shape[0]).map { $0 * input.shape[1] }
    } else {
        check(input.rank == 1, "\(op): input must be 1-D (with offsets) or 2-D, got shape \(input.shape)")
        guard let offsets else { checkFailure("\(op): a 1-D input \(input.shape) needs offsets") }
        check(offsets.rank == 1 && !offsets.dtype.isFloatingPoint && offsets.dtype != .bool,
              "\(op): offsets must be a 1-D integer tensor, got \(offsets.dtype) \(offsets.shape) (input \(input.shape))")
        starts = offsets.ints
        if includeLastOffset {
            check(!starts.isEmpty, "\(op): offsets \(offsets.shape) must not be empty with includeLastOffset (input \(input.shape))")
            check(starts.last! == ids.count,
                  "\(op): with includeLastOffset the last offset must be the input's length \(ids.count), got \(starts.last!)")
            starts.removeLast()
        }
        check(starts.first.map { $0 == 0 } ?? true, "\(op): offsets[0] must be 0, got \(starts.first ?? 0) (input \(input.shape))")
        for b in 0..<starts.count {
            let end = b + 1 < starts.count ? starts[b + 1] : ids.count
            check(starts[b] <= end && end <= ids.count,
                  "\(op): offsets \(starts) must be non-decreasing and within the input's length \(ids.count)")
        }
    }
    if let perSampleWeights {
        check(mode == .sum, "\(op): perSampleWeights are only supported with mode .sum, got .\(mode.rawValue)")
        check(perSampleWeights.shape == input.shape,
              "\(op): perSampleWeights \(perSampleWeights.shape) must have the input's shape \(input.shape)")
    }
    let pad = paddingIdx.map { $0 < 0 ? $0 + rows : $0 }
    let bags = starts.count
    // The kept elements: their position in the input, their row and their bag.
    var positions: [Int] = [], picked: [Int] = [], bagOf: [Int] = [], counts = [Int](repeating: 0, count: bags)
    for b in 0..<bags {
        let end = b + 1 < bags ? starts[b + 1] : ids.count
        for k in starts[b]..<end {
            let i = ids[k]
            check(i >= 0 && i < rows, "\(op): index \(i) is out of range for \(rows) embeddings (input \(input.shape), weight \(weight.shape))")
            if i == pad { continue }
            positions.append(k); picked.append(i); bagOf.append(b); counts[b] += 1
        }
    }
    // Every index was checked above (each lies in some bag), so the renorm reads only valid rows.
    if let maxNorm { renormEmbeddingRows(weight, Set(ids).sorted(), maxNorm: maxNorm, normType: normType) }
    if weight.dtype.isReducedPrecision {
        // As PyTorch's CPU kernel: float16/bfloat16 bags are weighted and summed in float32 and
        // rounded once (the casts are recorded, so the gradient comes back in the weight's dtype).
        return embeddingBag(input, weight: weight.to(.float32), offsets: offsets, mode: mode, perSampleWeights: perSampleWeights?.to(.float32),
                            includeLastOffset: includeLastOffset, paddingIdx: paddingIdx, scaleGradByFreq: scaleGradByFreq).to(weight.dtype)
    }
    let m = picked.count
    // scaleGradByFreq: each row's gradient divided by its count in the input (`embedding`'s rule).
    var vectors = scaleGradByFreq ? embedding(Tensor(picked, shape: [m]), weight: weight, scaleGradByFreq: true)
                                  : weight.indexSelect(axis: 0, indices: Tensor(picked, shape: [m]))          // [m, dim]
    if let perSampleWeights {
        let w = perSampleWeights.reshape([ids.count]).to(weight.dtype).indexSelect(axis: 0, indices: Tensor(positions, shape: [m]))
        vectors = vectors * w.reshape([m, 1])
    }
    switch mode {
    case .sum, .mean:
        var out = Tensor.zeros([bags, dim], dtype: weight.dtype).indexAdd(axis: 0, indices: Tensor(bagOf, shape: [m]), source: vectors)
        if mode == .mean {
            out = out / Tensor(counts.map { Double(Swift.max($0, 1)) }, shape: [bags, 1], dtype: weight.dtype)
        }
        return out
    case .max:
        if m == 0 { return Tensor.zeros([bags, dim], dtype: weight.dtype) + weight.sum() * 0 }
        // The row of each bag's maximum per column, found on the host; the gather carries the gradient.
        let values = withNoGrad { vectors.to(.float64) }.doubles
        var argmax = [Int](repeating: 0, count: bags * dim)
        var first = 0
        for b in 0..<bags {
            for d in 0..<dim where counts[b] > 0 {
                var best = first
                // Strictly greater: the first of equal maxima wins, as PyTorch's kernel.
                for r in first..<(first + counts[b]) where values[r * dim + d] > values[best * dim + d] { best = r }
                argmax[b * dim + d] = best
            }
            first += counts[b]
        }
        let gathered = vectors.gather(axis: 0, index: Tensor(argmax, shape: [bags, dim]))
        let nonEmpty = Tensor(counts.map { $0 > 0 }, shape: [bags, 1])
        return Tensor.where(nonEmpty, gathered, Tensor.zeros([], dtype: weight.dtype))
    }
}
