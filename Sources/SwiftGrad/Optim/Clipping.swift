import Foundation

/// Scales the gradients of `parameters` in place so that their total norm (the norm of all
/// gradients concatenated) is at most `maxNorm`, and returns that total norm as it was before
/// clipping. PyTorch's `torch.nn.utils.clip_grad_norm_`: the scale is maxNorm / (total + 1e-6),
/// capped at 1; parameters without a gradient are ignored. `normType` is any p > 0 or `.infinity`
/// (the largest absolute element). Norms accumulate in Double, also for float32 gradients.
///
///     loss.backward()
///     let norm = clipGradNorm(model.parameters(), maxNorm: 1.0)
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) -> Double {
    check(normType > 0, "clipGradNorm: normType must be positive or .infinity, got \(normType)")
    let grads = parameters.compactMap(\.grad)
    if grads.isEmpty { return 0 }
    var total: Double
    if normType == .infinity {
        total = 0
        for g in grads {
            let m = Kernels.maxAbs(g)
            if m > total || m.isNaN { total = m }
        }
    } else if normType == 2 {
        // The norm of the per-tensor norms, as PyTorch stacks them.
        total = grads.reduce(0.0) { acc, g in
            let n = Kernels.sumOfPowers(g, 2).squareRoot()
            return acc + n * n
        }.squareRoot()
    } else {
        total = pow(grads.reduce(0.0) { acc, g in
            acc + pow(pow(Kernels.sumOfPowers(g, normType), 1 / normType), normType)
        }, 1 / normType)
    }
    // The 1e-6 keeps the scale finite when every gradient is zero; NaN propagates as in PyTorch.
    let coef = Swift.min(maxNorm / (total + 1e-6), 1.0)
    if coef != 1 {
        withNoGrad { for g in grads { Kernels.scaleInPlace(g, coef) } }
    }
    return total
}

/// Clamps every gradient of `parameters` in place to [-clipValue, clipValue] (PyTorch's
/// `torch.nn.utils.clip_grad_value_`); parameters without a gradient are ignored.
///
///     loss.backward()
///     clipGradValue(model.parameters(), clipValue: 0.5)
public func clipGradValue(_ parameters: [Tensor], clipValue: Double) {
    check(clipValue >= 0, "clipGradValue: clipValue must be non-negative, got \(clipValue)")
    for p in parameters {
        if let g = p.grad { Kernels.clampInPlace(g, -clipValue, clipValue) }
    }
}
