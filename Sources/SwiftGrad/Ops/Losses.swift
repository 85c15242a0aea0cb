// Loss functions with PyTorch's semantics. Predictions and targets must have the same shape: a
// mismatch such as [n, 1] against [n] stops with both shapes named instead of broadcasting to [n, n].

/// How a loss reduces its per-element values, as PyTorch's `reduction` argument.
///
///     let perSample = crossEntropy(logits: z, targets: y, reduction: .none)
public enum Reduction: String, Sendable {
    /// Per-element losses, unreduced.
    case none
    /// The mean (for class-index cross-entropy and nll: weighted by the class weights).
    case mean
    /// The sum.
    case sum
    /// Sum divided by the batch size (first axis); `klDiv` only, as PyTorch.
    case batchMean
}

@inline(__always)
func checkSameShape(_ op: String, _ input: Tensor, _ target: Tensor) {
    check(input.shape == target.shape,
                 "\(op): input shape \(input.shape) and target shape \(target.shape) differ; reshape one of them (no silent broadcasting)")
}

func reduceLoss(_ loss: Tensor, _ reduction: Reduction, op: String) -> Tensor {
    switch reduction {
    case .none: return loss
    case .mean: return loss.mean()
    case .sum: return loss.sum()
    case .batchMean: checkFailure("\(op): reduction .batchMean is only defined for klDiv")
    }
}

/// Mean squared error, (input - target)².
///
///     let loss = mseLoss(prediction, target)
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("mseLoss", input, target)
    if Autocast.dtype != nil && input.dtype.isReducedPrecision {   // autocast's float32 op list
        return mseLoss(input.to(.float32), Autocast.float32(target), reduction: reduction)
    }
    return reduceLoss((input - target).square(), reduction, op: "mseLoss")
}

/// Mean absolute error, |input - target|.
///
///     let loss = l1Loss(prediction, target, reduction: .sum)
public func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("l1Loss", input, target)
    if Autocast.dtype != nil && input.dtype.isReducedPrecision {
        return l1Loss(input.to(.float32), Autocast.float32(target), reduction: reduction)
    }
    return reduceLoss((input - target).abs(), reduction, op: "l1Loss")
}

/// Smooth L1: ½d²/β where |d| < β, else |d| - ½β (β = 1; β = 0 is the L1 loss).
///
///     let loss = smoothL1Loss(boxes, targetBoxes, beta: 0.5)
public func smoothL1Loss(_ input: Tensor, _ target: Tensor, beta: Double = 1, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("smoothL1Loss", input, target)
    check(beta >= 0, "smoothL1Loss: beta must be non-negative, got \(beta)")
    let d = input - target, a = d.abs()
    if beta == 0 { return reduceLoss(a, reduction, op: "smoothL1Loss") }
    let loss = Tensor.where(a .< beta, d.square() * (0.5 / beta), a - 0.5 * beta)
    return reduceLoss(loss, reduction, op: "smoothL1Loss")
}

/// Huber loss: ½d² where |d| < δ, else δ(|d| - ½δ) (δ = 1).
///
///     let loss = huberLoss(prediction, target, delta: 1.5)
public func huberLoss(_ input: Tensor, _ target: Tensor, delta: Double = 1, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("huberLoss", input, target)
    check(delta > 0, "huberLoss: delta must be positive, got \(delta)")
    if input.dtype == .float16 && target.dtype == .float16 {
        // PyTorch's CPU kernel computes float16 elementwise losses in float32 and rounds once
        // (bfloat16 it computes in its own dtype, op by op, as below); the reduction is in float16.
        let loss = huberLoss(input.to(.float32), target.to(.float32), delta: delta, reduction: .none).to(.float16)
        return reduceLoss(loss, reduction, op: "huberLoss")
    }
    let d = input - target, a = d.abs()
    let loss = Tensor.where(a .< delta, d.square() * 0.5, (a - 0.5 * delta) * delta)
    return reduceLoss(loss, reduction, op: "huberLoss")
}

/// Cross-entropy of raw `logits` [N, C] (or [C], or [N, C, d1, ...]) against class indices (int64,
/// shaped like the logits without the class axis) or class probabilities (float, shaped like the
/// logits). Fused with a max-shifted log-sum-exp: logits of ±1e4 or scaled by 1e8 stay exact.
/// `weight` [C] weighs classes (the mean divides by the summed weights of the targets, as
/// PyTorch), `ignoreIndex` targets count for nothing, `labelSmoothing` mixes in the uniform
/// distribution.
///
///     let loss = crossEntropy(logits: model(x), targets: labels)
///     let smoothed = crossEntropy(logits: z, targets: y, labelSmoothing: 0.1)
public func crossEntropy(logits: Tensor, targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                         labelSmoothing: Double = 0, reduction: Reduction = .mean) -> Tensor {
    if _slowPath(logits.dual != nil || targets.dual != nil || weight?.dual != nil),
       let r = Vmap.crossEntropy(logits, targets, weight: weight, ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction) { return r }
    check(logits.dtype.isFloatingPoint, "crossEntropy: logits must be float, got \(logits.dtype) of shape \(logits.shape)")
    check(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
    if Autocast.dtype != nil && logits.dtype.isReducedPrecision {   // autocast's float32 op list
        return crossEntropy(logits: logits.to(.float32), targets: Autocast.float32(targets), weight: weight.map(Autocast.float32),
                            ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction)
    }
    let (flat, classes, rowShape) = classesLast(logits, op: "crossEntropy")
    let logp = flat.logSoftmax(axis: 1)
    if targets.dtype.isFloatingPoint {
        check(targets.shape == logits.shape,
                     "crossEntropy: probability targets must have the logits' shape; logits \(logits.shape), targets \(targets.shape)")
        var p = classesLast(targets, op: "crossEntropy").0.to(logits.dtype)
        if labelSmoothing > 0 { p = p * (1 - labelSmoothing) + labelSmoothing / Double(classes) }
        var terms = logp * p
        if let weight { terms = terms * classWeights(weight, classes, logits, op: "crossEntropy").reshape([1, classes]) }
        let loss = -terms.sum(axis: 1)
        switch reduction {
        case .none: return loss.reshape(rowShape)
        case .mean: return loss.mean()   // divided by the number of samples, not the weights (PyTorch)
        default: return reduceLoss(loss, reduction, op: "crossEntropy")
        }
    }
    return classIndexLoss(logp, targets, logits: logits, classes: classes, rowShape: rowShape, weight: weight,
                          ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction, op: "crossEntropy")
}

/// Negative log-likelihood of log-probabilities [N, C] (or [C], [N, C, d1, ...]) at class indices;
/// `crossEntropy(logits:targets:)` is `nllLoss(logProbs: logits.logSoftmax(axis: 1), ...)`.
///
///     let loss = nllLoss(logProbs: z.logSoftmax(axis: 1), targets: labels)
public func nllLoss(logProbs: Tensor, targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                    reduction: Reduction = .mean) -> Tensor {
    check(logProbs.dtype.isFloatingPoint, "nllLoss: log-probabilities must be float, got \(logProbs.dtype) of shape \(logProbs.shape)")
    if Autocast.dtype != nil && logProbs.dtype.isReducedPrecision {
        return nllLoss(logProbs: logProbs.to(.float32), targets: targets, weight: weight.map(Autocast.float32),
                       ignoreIndex: ignoreIndex, reduction: reduction)
    }
    let (flat, classes, rowShape) = classesLast(logProbs, op: "nllLoss")
    return classIndexLoss(flat, targets, logits: logProbs, classes: classes, rowShape: rowShape, weight: weight,
                          ignoreIndex: ignoreIndex, labelSmoothing: 0, reduction: reduction, op: "nllLoss")
}

/// [C] → [1, C]; [N, C] as is; [N, C, d1, ...] → [N·d1·..., C]. Also returns C and the row shape.
func classesLast(_ x: Tensor, op: String) -> (Tensor, Int, [Int]) {
    check(x.rank >= 1, "\(op): input needs a class axis, got shape \(x.shape)")
    if x.rank == 1 { return (x.reshape([1, x.shape[0]]), x.shape[0], []) }
    let c = x.shape[1]
    var rowShape = x.shape; rowShape.remove(at: 1)
    if x.rank == 2 { return (x, c, rowShape) }
    let axes = [0] + Array(2..<x.rank) + [1]
    return (x.permute(axes).reshape([-1, c]), c, rowShape)
}

func classWeights(_ weight: Tensor, _ classes: Int, _ logits: Tensor, op: String) -> Tensor {
    check(weight.shape == [classes], "\(op): weight must have shape [\(classes)], got \(weight.shape) (input \(logits.shape))")
    return weight.to(logits.dtype)
}

/// The class-index path of crossEntropy and nllLoss on log-probabilities [M, C].
func classIndexLoss(_ logp: Tensor, _ targets: Tensor, logits: Tensor, classes: Int, rowShape: [Int], weight: Tensor?,
                    ignoreIndex: Int, labelSmoothing: Double, reduction: Reduction, op: String) -> Tensor {
    check(targets.dtype == .int64, "\(op): class-index targets must be int64, got \(targets.dtype) of shape \(targets.shape)")
    check(targets.shape == rowShape,
                 "\(op): input shape \(logits.shape) and target shape \(targets.shape) do not match (targets need shape \(rowShape))")
    let ts = targets.ints
    let w = weight.map { classWeights($0, classes, logits, op: op).doubles }
    var safe = [Int](repeating: 0, count: ts.count), rowWeight = [Double](repeating: 0, count: ts.count)
    for (i, t) in ts.enumerated() where t != ignoreIndex {
        check(t >= 0 && t < classes, "\(op): target \(t) is out of range for \(classes) classes (input \(logits.shape))")
        safe[i] = t
        rowWeight[i] = w?[t] ?? 1
    }
    let m = ts.count
    let wt = Tensor(rowWeight, shape: [m], dtype: logits.dtype)
    let picked = logp.gather(axis: 1, index: Tensor(safe, shape: [m, 1])).reshape([m])
    var loss = -(picked * wt)
    if labelSmoothing > 0 {
        // PyTorch: (1 - ε)·nll + ε/C · Σ_c -w_c·log p_c, over the same (non-ignored) rows.
        var all = logp
        if let weight { all = all * classWeights(weight, classes, logits, op: op).reshape([1, classes]) }
        let valid = Tensor(ts.map { $0 == ignoreIndex ? 0.0 : 1.0 }, shape: [m], dtype: logits.dtype)
        let smooth = -all.sum(axis: 1) * valid
        loss = loss * (1 - labelSmoothing) + smooth * (labelSmoothing / Double(classes))
    }
    switch reduction {
    case .none: return loss.reshape(rowShape)
    case .sum: return loss.sum()
    case .mean:
        let total = rowWeight.reduce(0, +)
        // Every target ignored (total weight 0): PyTorch's loss is NaN (0/0) but its gradient is 0
        // (no row contributes). Dividing by 0 would make the gradient NaN too, so add the NaN instead.
        if total == 0 { return loss.sum() + Double.nan }
        return loss.sum() / total
    case .batchMean: checkFailure("\(op): reduction .batchMean is only defined for klDiv")
    }
}

/// Binary cross-entropy of probabilities in [0, 1]; each log is clamped at -100 as in PyTorch, so a
/// probability of exactly 0 or 1 gives a finite loss, and the gradient is PyTorch's
/// (x - t) / max(x·(1 - x), 1e-12): finite there too. A probability outside [0, 1] (or NaN) is an
/// error, as in PyTorch. Prefer `binaryCrossEntropy(logits:targets:)`.
///
///     let loss = binaryCrossEntropy(model(x).sigmoid(), labels)
public func binaryCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("binaryCrossEntropy", input, target)
    check(input.dtype.isFloatingPoint, "binaryCrossEntropy: input must be float, got \(input.dtype) of shape \(input.shape)")
    if let bad = Kernels.firstOutside(input, 0, 1) {
        checkFailure("binaryCrossEntropy: all elements of input should be between 0 and 1, got \(bad) (input \(input.shape))")
    }
    let t = target.to(input.dtype)
    let elementwise = withNoGrad {
        let logP = input.log().clamp(min: -100), log1mP = (1 - input).log().clamp(min: -100)
        return -(t * logP + (1 - t) * log1mP)
    }
    var loss = elementwise.recorded(.binaryCrossEntropy, input, t, save: [.input0, .input1], forward: .elementwise) { g, ctx in
        let x = ctx.input(0)
        // PyTorch's derivative: the clamped denominator keeps it finite at x = 0 and x = 1. Its
        // epsilon is the float32 value nearest 1e-12 in every dtype, so the values match bitwise.
        let gx = ctx.needsGrad(0) ? g * (x - ctx.input(1)) / (x * (1 - x)).clamp(min: Double(Float(1e-12))) : nil
        // d/dt = log(1 - x) - log x = -logit(x) (unclamped, as PyTorch's).
        let gt = ctx.needsGrad(1) ? g * ((1 - x).log() - x.log()) : nil
        return [gx, gt]
    }
    if let weight { loss = loss * weight.to(input.dtype) }
    return reduceLoss(loss, reduction, op: "binaryCrossEntropy")
}

/// Binary cross-entropy on raw logits, σ fused in: (1 - t)·x + (1 + (posWeight - 1)·t)·softplus(-x),
/// stable for any logit. `posWeight` (broadcast over the class axis) weighs positive examples.
///
///     let loss = binaryCrossEntropy(logits: scores, targets: labels)
///     let balanced = binaryCrossEntropy(logits: scores, targets: labels, posWeight: Tensor([3.0]))
public func binaryCrossEntropy(logits: Tensor, targets: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
                               reduction: Reduction = .mean) -> Tensor {
    checkSameShape("binaryCrossEntropy(logits:)", logits, targets)
    let t = targets.to(logits.dtype)
    // softplus(-x) = log(1 + e^-x) computed as max(-x, 0) + log1p(e^-|x|): no overflow either way.
    let sp = (-logits).softplus(beta: 1, threshold: .infinity)
    var loss: Tensor
    if let posWeight {
        let lw = (posWeight.to(logits.dtype) - 1) * t + 1
        loss = (1 - t) * logits + lw * sp
    } else {
        loss = (1 - t) * logits + sp
    }
    if let weight { loss = loss * weight.to(logits.dtype) }
    return reduceLoss(loss, reduction, op: "binaryCrossEntropy(logits:)")
}

/// PyTorch's spelling of `binaryCrossEntropy(logits:targets:)`.
///
///     let loss = binaryCrossEntropyWithLogits(scores, labels)
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
                                         reduction: Reduction = .mean) -> Tensor {
    binaryCrossEntropy(logits: logits, targets: targets, weight: weight, posWeight: posWeight, reduction: reduction)
}

/// Kullback-Leibler divergence with `input` as log-probabilities and `target` as probabilities
/// (or log-probabilities with `logTarget: true`): target·(log target - input), 0 where target = 0.
/// Use `reduction: .batchMean` for the mathematical KL divergence.
///
///     let kl = klDiv(student.logSoftmax(axis: 1), teacher.softmax(axis: 1), reduction: .batchMean)
public func klDiv(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, logTarget: Bool = false) -> Tensor {
    checkSameShape("klDiv", input, target)
    let t = target.to(input.dtype)
    let loss: Tensor
    if logTarget {
        loss = t.exp() * (t - input)
    } else {
        // PyTorch's formula: xlogy(t, t) − t·x (0·log 0 = 0). Its target gradient is log t + t/t,
        // which is NaN where the target is 0 or NaN, as PyTorch's (the derivative of t·log t is
        // unbounded at 0); the input gradient −t is unaffected.
        loss = t.xlogy(t) - t * input
    }
    if reduction == .batchMean {
        let n = input.rank == 0 ? 1 : input.shape[0]
        return loss.sum() / Double(n)
    }
    return reduceLoss(loss, reduction, op: "klDiv")
}

/// Cosine embedding loss: 1 - cos(x1, x2) where y = 1, max(0, cos - margin) where y = -1, with
/// PyTorch's cos = Σx1·x2 / √((Σx1² + 1e-12)(Σx2² + 1e-12)) over the last axis.
///
///     let loss = cosineEmbeddingLoss(a, b, Tensor([1.0, -1.0]), margin: 0.2)
public func cosineEmbeddingLoss(_ x1: Tensor, _ x2: Tensor, _ y: Tensor, margin: Double = 0, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("cosineEmbeddingLoss", x1, x2)
    check(x1.rank >= 1, "cosineEmbeddingLoss: inputs must have at least one axis, got \(x1.shape) and \(x2.shape)")
    if _slowPath(!x1.dtype.isFloatingPoint && !x2.dtype.isFloatingPoint) {
        return integerCosineEmbeddingLoss(x1, x2, y, margin: margin, reduction: reduction)
    }
    // PyTorch's formula (not cosine_similarity's), so float16 rounds as PyTorch's.
    let square1 = (x1 * x1).sum(axis: -1) + 1e-12, square2 = (x2 * x2).sum(axis: -1) + 1e-12
    let cos = (x1 * x2).sum(axis: -1) / (square1 * square2).sqrt()
    checkSameShape("cosineEmbeddingLoss", cos, y)
    let yf = y.to(x1.dtype)
    let loss = Tensor.where(yf .> 0, 1 - cos, (cos - margin).clamp(min: 0))
    return reduceLoss(loss, reduction, op: "cosineEmbeddingLoss")
}

/// Margin ranking loss: max(0, -y·(x1 - x2) + margin), y = 1 when x1 should rank higher.
///
///     let loss = marginRankingLoss(s1, s2, Tensor([1.0, -1.0]), margin: 0.1)
public func marginRankingLoss(_ x1: Tensor, _ x2: Tensor, _ y: Tensor, margin: Double = 0, reduction: Reduction = .mean) -> Tensor {
    // The three operands broadcast together, as PyTorch's.
    check(broadcastShapeIfPossible(x1.shape, x2.shape).flatMap { broadcastShapeIfPossible($0, y.shape) } != nil,
          "marginRankingLoss: x1 \(x1.shape), x2 \(x2.shape) and target \(y.shape) do not broadcast")
    if _slowPath(!x1.dtype.isFloatingPoint && !x2.dtype.isFloatingPoint && !y.dtype.isFloatingPoint) {
        return integerMarginRankingLoss(x1, x2, y, margin: margin, reduction: reduction)
    }
    // clamp(min: 0), as PyTorch's clamp_min: NaN stays NaN and its gradient there is 0 (relu's passes it).
    let loss = (-(y.to(x1.dtype)) * (x1 - x2) + margin).clamp(min: 0)
    return reduceLoss(loss, reduction, op: "marginRankingLoss")
}
