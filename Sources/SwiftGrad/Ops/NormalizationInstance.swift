// Instance normalisation and local response normalisation (torch.nn.functional's instance_norm
// and local_response_norm), composed of differentiable ops like the other norms.

/// Instance normalisation of `input` [N, C, ...]: each (sample, channel) plane normalised by its own
/// mean and biased variance, then `weight`·x̂ + `bias` ([C] each). With `useInputStats` and running
/// statistics given, those are updated in place (momentum-weighted, averaged over the batch, unbiased
/// variance, as PyTorch); without `useInputStats` the running statistics normalise instead.
///
///     let y = instanceNorm(x)                                   // [n, c, h, w]
///     let z = instanceNorm(x, weight: gamma, bias: beta, eps: 1e-3)
public func instanceNorm(_ input: Tensor, runningMean: Tensor? = nil, runningVar: Tensor? = nil, weight: Tensor? = nil,
                         bias: Tensor? = nil, useInputStats: Bool = true, momentum: Double = 0.1, eps: Double = 1e-5) -> Tensor {
    let op = "instanceNorm"
    check(input.rank >= 3, "\(op): input must be [N, C, ...] with at least one spatial axis, got \(input.shape)")
    check(input.dtype.isFloatingPoint, "\(op): input must be float, got \(input.dtype) of shape \(input.shape)")
    let n = input.shape[0], c = input.shape[1]
    for (name, t) in [("runningMean", runningMean), ("runningVar", runningVar), ("weight", weight), ("bias", bias)] {
        if let t { check(t.shape == [c], "\(op): \(name) must have shape [\(c)] for input \(input.shape), got \(t.shape)") }
    }
    var bshape = [Int](repeating: 1, count: input.rank); bshape[1] = c
    let axes = Array(2..<input.rank)
    let m = input.shape.dropFirst(2).reduce(1, *)
    if input.dtype.isReducedPrecision && input.count > 0 && (useInputStats ? m > 1 : runningMean != nil && runningVar != nil) {
        // PyTorch runs batch norm on [1, N·C, ...] with the parameters repeated N times: its
        // reduced-precision roundings (NormalizationReducedPrecision.swift); the running statistics
        // are updated as below, from float32 statistics.
        let planes = [1, n * c] + Array(input.shape.dropFirst(2))
        let y = batchNormReducedPrecision(input.reshape(planes), runningMean: useInputStats ? nil : runningMean!.tile([n]),
                                          runningVar: useInputStats ? nil : runningVar!.tile([n]), weight: weight?.tile([n]),
                                          bias: bias?.tile([n]), training: useInputStats, momentum: momentum, eps: eps,
                                          paramsDType: reducedPrecisionParamsDType(input, [runningMean, runningVar, weight, bias]))
        if useInputStats, let runningMean, let runningVar {
            _ = instanceNorm(input.detach().to(.float32), runningMean: runningMean, runningVar: runningVar, momentum: momentum, eps: eps)
        }
        return y.reshape(input.shape)
    }
    let mean: Tensor, variance: Tensor
    if useInputStats || runningMean == nil || runningVar == nil {
        check(m > 1 || input.count == 0, "\(op): expected more than 1 spatial element per channel when using input statistics, got input \(input.shape)")
        mean = input.mean(axes: axes, keepDim: true)
        variance = (input - mean).square().mean(axes: axes, keepDim: true)
        if let runningMean, let runningVar, input.count > 0 {
            withNoGrad {
                // The per-instance statistics averaged over the batch, as PyTorch's repeat-and-average.
                let batchMean = mean.reshape([n, c]).mean(axis: 0)
                let unbiased = (variance.reshape([n, c]) * (Double(m) / Double(Swift.max(m - 1, 1)))).mean(axis: 0)
                runningMean.copyFrom(runningMean * (1 - momentum) + batchMean.to(runningMean.dtype) * momentum)
                runningVar.copyFrom(runningVar * (1 - momentum) + unbiased.to(runningVar.dtype) * momentum)
            }
        }
    } else {
        mean = runningMean!.to(input.dtype).reshape(bshape)
        variance = runningVar!.to(input.dtype).reshape(bshape)
    }
    var y = (input - mean) * (variance + eps).rsqrt()
    if let weight { y = y * weight.reshape(bshape) }
    if let bias { y = y + bias.reshape(bshape) }
    return y
}

/// Local response normalisation across channels: x / (k + α/n·Σ x²)^β, the sum over `size`
/// neighbouring channels (zero-padded, ⌊size/2⌋ before and ⌊(size-1)/2⌋ after), as PyTorch's
/// `local_response_norm`. `input` is [N, C, ...] with at least one spatial axis. An integer
/// input follows PyTorch's steps in its dtype: x² and the window average (an integer average
/// pool: the sum divided with truncation) stay integer, the rest is float32, so the result is
/// float32 (an empty input is returned as it is).
///
///     let y = localResponseNorm(x, size: 5)
public func localResponseNorm(_ input: Tensor, size: Int, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 1) -> Tensor {
    let op = "localResponseNorm"
    check(input.rank >= 3, "\(op): expected a 3-D or higher input [N, C, ...], got \(input.shape)")
    check(size > 0, "\(op): size must be positive, got \(size) (input \(input.shape))")
    check(input.dtype != .bool, "\(op): input must be a number tensor, got bool of shape \(input.shape)")
    if input.count == 0 { return input }
    // Channels padded with zeros, then windows of `size` channels averaged (the unfold view's last axis).
    var pads = [Int](repeating: 0, count: 2 * (input.rank - 1))
    pads[pads.count - 2] = size / 2; pads[pads.count - 1] = (size - 1) / 2
    if !input.dtype.isFloatingPoint {
        // Squares and window sums are non-negative, so floor division is PyTorch's truncating average.
        let windows = (input * input).pad(pads).unfold(axis: 1, size: size, step: 1).sum(axis: -1).to(input.dtype)
        let div = windows.floorDivide(Tensor.full([], Double(size), dtype: windows.dtype)).to(.float32)
        return input.to(.float32) / (div * alpha + k).pow(beta)
    }
    let sq = input.square().pad(pads)
    let div = sq.unfold(axis: 1, size: size, step: 1).mean(axis: -1)
    return input / (div * alpha + k).pow(beta)
}
