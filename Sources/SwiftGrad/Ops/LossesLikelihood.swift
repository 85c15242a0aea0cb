// Likelihood losses with PyTorch's semantics: Gaussian and Poisson negative log-likelihood,
// composed of recorded ops (Docs/Derivatives.md, "Composed losses").

/// Gaussian negative log-likelihood: ½(log v + (x - t)²/v) (+ ½ log 2π with `full`), with the
/// variance `variance` clamped at `eps` for the value only (the gradient passes through the clamp,
/// as PyTorch's no-grad clamp). `variance` has the input's shape, or lacks its last axis, or has
/// size 1 there (one variance per sample).
///
///     let loss = gaussianNLLLoss(mean, target, variance: v)
public func gaussianNLLLoss(_ input: Tensor, _ target: Tensor, variance: Tensor, full: Bool = false, eps: Double = 1e-6,
                            reduction: Reduction = .mean) -> Tensor {
    let op = "gaussianNLLLoss"
    check(input.dtype.isFloatingPoint, "\(op): input must be float, got \(input.dtype) of shape \(input.shape)")
    check(broadcastShapeIfPossible(input.shape, target.shape) != nil,
          "\(op): input \(input.shape) and target \(target.shape) cannot be broadcast together")
    var v = variance.to(input.dtype)
    if v.shape != input.shape {
        let lead = Array(input.shape.dropLast())
        if input.rank >= 1 && v.shape == lead {
            v = v.unsqueeze(axis: -1)
        } else {
            check(input.rank >= 1 && v.rank == input.rank && Array(v.shape.dropLast()) == lead && v.shape.last == 1,
                  "\(op): variance \(variance.shape) does not match the input \(input.shape) (same shape, without the last axis, or 1 there)")
        }
    }
    check(v.lt(0).any().item() == 0, "\(op): variance \(variance.shape) has negative entries (input \(input.shape))")
    // clamp(v, eps) in value, identity in gradient: v + (clamped - v) with the correction detached.
    let clamped = v + (v.clamp(min: eps) - v).detach()
    var loss = (clamped.log() + (input - target.to(input.dtype)).square() / clamped) * 0.5
    if full { loss = loss + 0.91893853320467274178 }   // ½ log 2π
    return reduceLoss(loss, reduction, op: op)
}

/// Poisson negative log-likelihood: e^x - t·x for log-rate inputs (`logInput`), else x - t·log(x + eps);
/// `full` adds Stirling's t·log t - t + ½ log(2πt) where t > 1 (PyTorch's `poisson_nll_loss`).
///
///     let loss = poissonNLLLoss(logRate, counts)
public func poissonNLLLoss(_ input: Tensor, _ target: Tensor, logInput: Bool = true, full: Bool = false, eps: Double = 1e-8,
                           reduction: Reduction = .mean) -> Tensor {
    let op = "poissonNLLLoss"
    if _slowPath(!input.dtype.isFloatingPoint && !target.dtype.isFloatingPoint) {
        return integerPoissonNLLLoss(input, target, logInput: logInput, full: full, eps: eps, reduction: reduction)
    }
    check(input.dtype.isFloatingPoint, "\(op): input must be float, got \(input.dtype) of shape \(input.shape)")
    check(broadcastShapeIfPossible(input.shape, target.shape) != nil,
          "\(op): input \(input.shape) and target \(target.shape) cannot be broadcast together")
    let t = target.to(input.dtype)
    var loss = logInput ? input.exp() - t * input : input - t * (input + eps).log()
    if full {
        // Stirling's approximation of log(t!), only where t > 1 (log of 1 elsewhere keeps it finite).
        let big = t .> 1
        let safe = Tensor.where(big, t, Tensor.onesLike(t))
        let stirling = safe * safe.log() - safe + (safe * (2 * Double.pi)).log() * 0.5
        loss = loss + Tensor.where(big, stirling, Tensor.zeros([], dtype: t.dtype))
    }
    return reduceLoss(loss, reduction, op: op)
}
