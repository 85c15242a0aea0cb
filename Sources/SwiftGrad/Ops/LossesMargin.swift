// Margin and embedding losses with PyTorch's semantics (hinge embedding, soft margin, multi-margin,
// multilabel margin and soft margin, triplet margin), composed of recorded ops: their gradients are
// those of the ops they are built of (Docs/Derivatives.md, "Composed losses").

/// Hinge embedding loss: x where y = 1, max(0, margin - x) where y = -1 (PyTorch adds both terms
/// where y is neither). `target` holds ±1 and broadcasts with the input, as PyTorch's.
///
///     let loss = hingeEmbeddingLoss(distances, labels, margin: 1)
public func hingeEmbeddingLoss(_ input: Tensor, _ target: Tensor, margin: Double = 1, reduction: Reduction = .mean) -> Tensor {
    _ = broadcastShape(input.shape, target.shape, op: "hingeEmbeddingLoss")
    check(input.dtype.isFloatingPoint, "hingeEmbeddingLoss: input must be float, got \(input.dtype) of shape \(input.shape)")
    let t = target.to(input.dtype), zero = Tensor.zeros([], dtype: input.dtype)
    let marginTerm = Tensor.where(t .!= 1, (margin - input).relu(), zero)
    let selfTerm = Tensor.where(t .!= -1, input, zero)
    return reduceLoss(marginTerm + selfTerm, reduction, op: "hingeEmbeddingLoss")
}

/// Soft margin loss: log(1 + e^(-y·x)) for targets y = ±1, computed as softplus(-y·x) (no overflow).
///
///     let loss = softMarginLoss(scores, labels)
public func softMarginLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("softMarginLoss", input, target)
    check(input.dtype.isFloatingPoint, "softMarginLoss: input must be float, got \(input.dtype) of shape \(input.shape)")
    let z = -(target.to(input.dtype) * input)
    return reduceLoss(z.softplus(beta: 1, threshold: .infinity), reduction, op: "softMarginLoss")
}

/// Multi-class hinge loss of scores [N, C] (or [C], or a 0-d score of one class) at class indices
/// [N] (or []): for each sample
/// Σ_{i ≠ y} max(0, margin - x_y + x_i)^p · w_y / C, with p = 1 or 2 (PyTorch's `multi_margin_loss`).
///
///     let loss = multiMarginLoss(scores, labels)
///     let squared = multiMarginLoss(scores, labels, p: 2, margin: 0.5)
public func multiMarginLoss(_ input: Tensor, _ target: Tensor, p: Int = 1, margin: Double = 1, weight: Tensor? = nil,
                            reduction: Reduction = .mean) -> Tensor {
    let op = "multiMarginLoss"
    check(p == 1 || p == 2, "\(op): only p == 1 and p == 2 are supported, got \(p) (input \(input.shape))")
    check(input.dtype.isFloatingPoint, "\(op): input must be float, got \(input.dtype) of shape \(input.shape)")
    check(input.rank <= 2, "\(op): expected a 0-D, 1-D or 2-D input, got shape \(input.shape) (target \(target.shape))")
    check(target.dtype == .int64, "\(op): target must hold int64 class indices, got \(target.dtype) of shape \(target.shape)")
    // A 0-d input is one sample of one class, as PyTorch's.
    let x = input.rank == 2 ? input : input.reshape([1, input.count])
    let (n, c) = (x.shape[0], x.shape[1])
    check(target.shape == (input.rank == 2 ? [n] : []) || (input.rank < 2 && target.shape == [1]),
          "\(op): input \(input.shape) and target \(target.shape) do not match (target needs shape \(input.rank == 2 ? [n] : []))")
    check(c > 0, "\(op): input \(input.shape) has no classes")
    let ts = target.ints
    for t in ts { check(t >= 0 && t < c, "\(op): target \(t) is out of range for \(c) classes (input \(input.shape))") }
    let idx = Tensor(ts, shape: [n, 1])
    let xy = x.gather(axis: 1, index: idx)
    var h = (x - xy + margin).relu()
    if p == 2 { h = h.square() }
    // The target class itself contributes nothing (its term would be max(0, margin)).
    let others = Tensor.ones([n, c], dtype: x.dtype).scatterAdd(axis: 1, index: idx, source: Tensor.full([n, 1], -1, dtype: x.dtype))
    h = h * others
    if let weight {
        check(weight.shape == [c], "\(op): weight must have shape [\(c)], got \(weight.shape) (input \(input.shape))")
        h = h * weight.to(x.dtype).indexSelect(axis: 0, indices: Tensor(ts, shape: [n])).reshape([n, 1])
    }
    var loss = h.sum(axis: 1) / Double(c)
    if input.rank < 2 { loss = loss.reshape([]) }
    return reduceLoss(loss, reduction, op: op)
}

/// Multi-label hinge loss of scores [N, C] (or [C], or 0-d) against int64 targets of the same shape that
/// list each sample's classes and end at the first -1: Σ_{j listed} Σ_{i not listed}
/// max(0, 1 - (x_j - x_i)) / C (PyTorch's `multilabel_margin_loss`).
///
///     let loss = multilabelMarginLoss(scores, Tensor([[3, 0, -1, 1]]))
public func multilabelMarginLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    let op = "multilabelMarginLoss"
    check(input.dtype.isFloatingPoint, "\(op): input must be float, got \(input.dtype) of shape \(input.shape)")
    check(input.rank <= 2, "\(op): expected a 0-D, 1-D or 2-D input, got shape \(input.shape) (target \(target.shape))")
    check(target.dtype == .int64, "\(op): target must be int64 class lists, got \(target.dtype) of shape \(target.shape)")
    checkSameShape(op, input, target)
    let x = input.rank == 2 ? input : input.reshape([1, input.count])
    let (n, c) = (x.shape[0], x.shape[1])
    let ts = target.ints
    // listed[n][j]: how often class j is listed (a repeated class counts again, as PyTorch's loop);
    // isTarget[n][i]: whether i is listed at all.
    var listed = [Double](repeating: 0, count: n * c), notTarget = [Double](repeating: 1, count: n * c)
    for s in 0..<n {
        for k in 0..<c {
            let t = ts[s * c + k]
            if t < 0 { break }
            check(t < c, "\(op): target \(t) is out of range for \(c) classes (input \(input.shape))")
            listed[s * c + t] += 1
            notTarget[s * c + t] = 0
        }
    }
    let j = Tensor(listed, shape: [n, c, 1], dtype: x.dtype), i = Tensor(notTarget, shape: [n, 1, c], dtype: x.dtype)
    // z[n, j, i] = 1 - x_j + x_i over every pair, weighted by listed(j)·notTarget(i).
    let z = (1 - x.reshape([n, c, 1]) + x.reshape([n, 1, c])).relu() * j * i
    var loss = z.sum(axes: [1, 2]) / Double(c)
    if input.rank < 2 { loss = loss.reshape([]) }
    return reduceLoss(loss, reduction, op: op)
}

/// Multi-label one-versus-all logistic loss of scores [N, C] against 0/1 targets [N, C]:
/// -mean over C of w·(y·log σ(x) + (1 - y)·log σ(-x)), per sample (PyTorch's `multilabel_soft_margin_loss`).
///
///     let loss = multilabelSoftMarginLoss(scores, labels)
public func multilabelSoftMarginLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
    let op = "multilabelSoftMarginLoss"
    checkSameShape(op, input, target)
    check(input.dtype.isFloatingPoint, "\(op): input must be float, got \(input.dtype) of shape \(input.shape)")
    check(input.rank >= 1, "\(op): expected an input with a class axis, got shape \(input.shape)")
    let y = target.to(input.dtype)
    var loss = -(y * input.logSigmoid() + (1 - y) * (-input).logSigmoid())
    if let weight {
        check(broadcastShapeIfPossible(weight.shape, input.shape) == input.shape,
              "\(op): weight \(weight.shape) does not broadcast to the input \(input.shape)")
        loss = loss * weight.to(input.dtype)
    }
    let perSample = loss.sum(axis: -1) / Double(input.shape[input.rank - 1])
    return reduceLoss(perSample, reduction, op: op)
}

/// The p-norm distance between the rows of `x1` and `x2` along the last axis: ‖x1 - x2 + eps‖_p
/// (PyTorch's `pairwise_distance`; the inputs broadcast).
///
///     let d = pairwiseDistance(a, b)            // [N, D], [N, D] -> [N]
public func pairwiseDistance(_ x1: Tensor, _ x2: Tensor, p: Double = 2, eps: Double = 1e-6, keepDim: Bool = false) -> Tensor {
    check(broadcastShapeIfPossible(x1.shape, x2.shape) != nil,
          "pairwiseDistance: shapes \(x1.shape) and \(x2.shape) cannot be broadcast together")
    // Integer (and bool) inputs subtract in their dtype (wrapping, as PyTorch's) and become float32
    // with eps, as PyTorch's `norm(x1 - x2 + eps)`.
    let integral = !x1.dtype.isFloatingPoint && !x2.dtype.isFloatingPoint
    let diff = x1 - x2
    let d = integral ? diff + Tensor.full([], eps, dtype: .float32) : diff + eps
    if d.rank == 0 { return d.abs() }
    return d.norm(p: p, axes: [d.rank - 1], keepDim: keepDim)
}

/// Triplet margin loss: max(d(a, p) - d(a, n) + margin, 0) with the pairwise p-norm distance;
/// `swap` uses min(d(a, n), d(p, n)) as the negative distance (PyTorch's `triplet_margin_loss`).
///
///     let loss = tripletMarginLoss(anchor: a, positive: p, negative: n, margin: 1)
public func tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: Double = 1, p: Double = 2,
                              eps: Double = 1e-6, swap: Bool = false, reduction: Reduction = .mean) -> Tensor {
    let op = "tripletMarginLoss"
    check(anchor.rank == positive.rank && anchor.rank == negative.rank && (anchor.rank == 1 || anchor.rank == 2),
          "\(op): anchor \(anchor.shape), positive \(positive.shape) and negative \(negative.shape) must all be 1-D or all 2-D")
    check(margin > 0, "\(op): margin must be positive, got \(margin) (anchor \(anchor.shape))")
    let dPos = pairwiseDistance(anchor, positive, p: p, eps: eps)
    var dNeg = pairwiseDistance(anchor, negative, p: p, eps: eps)
    if swap { dNeg = Tensor.minimum(dNeg, pairwiseDistance(positive, negative, p: p, eps: eps)) }
    return reduceLoss((dPos - dNeg + margin).clamp(min: 0), reduction, op: op)
}

/// Triplet margin loss with any distance (pairwise Euclidean when nil), as PyTorch's
/// `triplet_margin_with_distance_loss`.
///
///     let loss = tripletMarginWithDistanceLoss(anchor: a, positive: p, negative: n,
///                                              distanceFunction: { 1 - cosineSimilarity($0, $1) })
public func tripletMarginWithDistanceLoss(anchor: Tensor, positive: Tensor, negative: Tensor,
                                          distanceFunction: ((Tensor, Tensor) -> Tensor)? = nil, margin: Double = 1,
                                          swap: Bool = false, reduction: Reduction = .mean) -> Tensor {
    let op = "tripletMarginWithDistanceLoss"
    check(margin > 0, "\(op): margin must be positive, got \(margin) (anchor \(anchor.shape))")
    check(anchor.rank == positive.rank && anchor.rank == negative.rank,
          "\(op): anchor \(anchor.shape), positive \(positive.shape) and negative \(negative.shape) must have the same rank")
    let d = distanceFunction ?? { pairwiseDistance($0, $1) }
    let dPos = d(anchor, positive)
    var dNeg = d(anchor, negative)
    if swap { dNeg = Tensor.minimum(dNeg, d(positive, negative)) }
    return reduceLoss((dPos - dNeg + margin).clamp(min: 0), reduction, op: op)
}
