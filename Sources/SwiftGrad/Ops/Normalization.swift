// Normalisation functions (torch.nn.functional): batch, group and RMS norm, normalize, cosine
// similarity. Composed of differentiable ops, so every gradient (and double backward) follows.
// Layer norm is one op with its own backward (Ops/LayerNorm.swift).

/// Batch normalisation of `input` [N, C, ...] over every axis but the channel axis 1. In training
/// it uses the batch statistics and, if given, updates `runningMean`/`runningVar` in place
/// (momentum-weighted; the running variance is unbiased, as PyTorch). In eval it uses the running
/// statistics.
///
///     let y = batchNorm(x, runningMean: mean, runningVar: variance, weight: gamma, bias: beta, training: true)
public func batchNorm(_ input: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
                      training: Bool = false, momentum: Double = 0.1, eps: Double = 1e-5) -> Tensor {
    // A 1-D empty input (PyTorch takes it): nothing to normalise.
    if input.rank == 1 && input.count == 0 && weight == nil && bias == nil { return input.copy() }
    check(input.rank >= 2, "batchNorm: input must be [N, C, ...], got \(input.shape)")
    let c = input.shape[1]
    for (name, t) in [("runningMean", runningMean), ("runningVar", runningVar), ("weight", weight), ("bias", bias)] {
        if let t { check(t.shape == [c], "batchNorm: \(name) must have shape [\(c)] for input \(input.shape), got \(t.shape)") }
    }
    var bshape = [Int](repeating: 1, count: input.rank); bshape[1] = c
    if input.count == 0 {
        // An empty batch, as PyTorch: an empty result (still on the graph through weight and bias,
        // whose gradients are 0), running statistics untouched.
        var y = input.copy()
        if let weight { y = y * weight.reshape(bshape) }
        if let bias { y = y + bias.reshape(bshape) }
        return y
    }
    let n = input.count / max(c, 1)   // values per channel
    check(n != 1 || !training, "batchNorm: expected more than 1 value per channel when training, got input \(input.shape)")
    if input.dtype.isReducedPrecision {
        // As PyTorch's CPU kernel: float32 statistics, stored (rounded) in the parameters' dtype,
        // and x·α + β rounded once (NormalizationReducedPrecision.swift).
        return batchNormReducedPrecision(input, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                                         training: training, momentum: momentum, eps: eps,
                                         paramsDType: reducedPrecisionParamsDType(input, [runningMean, runningVar, weight, bias]))
    }
    let batchStatistics = training || runningMean == nil || runningVar == nil
    // float32/float64 without tangents: the fused `batch_norm` op (Ops/BatchNorm.swift).
    if (input.dtype == .float32 || input.dtype == .float64) && weight.map({ $0.dtype == input.dtype }) != false
        && bias.map({ $0.dtype == input.dtype }) != false
        && input.dual == nil && weight?.dual == nil && bias?.dual == nil {
        let r = batchNormOp(input, weight: weight, bias: bias, batchStatistics: batchStatistics,
                            mean: batchStatistics ? nil : runningMean, variance: batchStatistics ? nil : runningVar, eps: eps)
        if training, let runningMean, let runningVar, let mean = r.mean, let variance = r.variance {
            updateRunningStatistics(runningMean, runningVar, mean: mean, variance: variance, count: n, momentum: momentum)
        }
        return r.y
    }
    let axes = [0] + Array(2..<input.rank)
    // The composed form (forward-mode and vmap tangents, mixed dtypes): x - mean is computed once
    // (it feeds both the variance and the output), and the per-channel factors rsqrt(var + eps)·weight
    // are multiplied first, so the full-size tensor goes through one product instead of two: two
    // full passes fewer forward and three fewer backward.
    let centered: Tensor, variance: Tensor
    if batchStatistics {
        let mean = input.mean(axes: axes, keepDim: true)
        centered = input - mean
        variance = centered.square().mean(axes: axes, keepDim: true)
        if training, let runningMean, let runningVar {
            updateRunningStatistics(runningMean, runningVar, mean: mean.reshape([c]), variance: variance.reshape([c]), count: n,
                                    momentum: momentum)
        }
    } else {
        centered = input - runningMean!.to(input.dtype).reshape(bshape)
        variance = runningVar!.to(input.dtype).reshape(bshape)
    }
    var scale = (variance + eps).rsqrt()
    if let weight { scale = scale * weight.reshape(bshape) }
    var y = centered * scale
    if let bias { y = y + bias.reshape(bshape) }
    return y
}

/// running ← (1 − momentum)·running + momentum·batch, in place, with the unbiased variance
/// (count / (count − 1) times the biased one), as PyTorch.
func updateRunningStatistics(_ runningMean: Tensor, _ runningVar: Tensor, mean: Tensor, variance: Tensor, count n: Int, momentum: Double) {
    withNoGrad {
        let unbiased = variance.detach() * (Double(n) / Double(max(n - 1, 1)))
        runningMean.copyFrom(runningMean * (1 - momentum) + mean.detach().to(runningMean.dtype) * momentum)
        runningVar.copyFrom(runningVar * (1 - momentum) + unbiased.to(runningVar.dtype) * momentum)
    }
}

/// Group normalisation: the C channels of `input` [N, C, ...] are split into `numGroups` groups,
/// each normalised over its channels and spatial positions; then a per-channel affine map.
///
///     let y = groupNorm(x, numGroups: 8, weight: gamma, bias: beta)
public func groupNorm(_ input: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
    check(input.rank >= 2, "groupNorm: input must be [N, C, ...], got \(input.shape)")
    let n = input.shape[0], c = input.shape[1]
    check(numGroups > 0 && c % numGroups == 0, "groupNorm: \(c) channels (input \(input.shape)) do not split into \(numGroups) groups")
    // The group size is spelt out: -1 cannot be inferred for an empty batch (n = 0).
    let grouped = input.reshape([n, numGroups, (c / numGroups) * input.shape[2...].reduce(1, *)])
    let mean = grouped.mean(axis: 2, keepDim: true)
    let centered = grouped - mean
    let variance = centered.square().mean(axis: 2, keepDim: true)
    var y = (centered * (variance + eps).rsqrt()).reshape(input.shape)
    var bshape = [Int](repeating: 1, count: input.rank); bshape[1] = c
    if let weight { check(weight.shape == [c], "groupNorm: weight \(weight.shape) must have shape [\(c)]"); y = y * weight.reshape(bshape) }
    if let bias { check(bias.shape == [c], "groupNorm: bias \(bias.shape) must have shape [\(c)]"); y = y + bias.reshape(bshape) }
    return y
}

/// RMS normalisation over the last `normalizedShape.count` axes: x / sqrt(mean(x²) + eps) · weight.
/// With `eps` nil it uses the dtype's machine epsilon, as PyTorch.
///
///     let y = rmsNorm(x, normalizedShape: [512], weight: gamma)
public func rmsNorm(_ input: Tensor, normalizedShape: [Int], weight: Tensor? = nil, eps: Double? = nil) -> Tensor {
    let k = normalizedShape.count
    check(k >= 1 && input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
                 "rmsNorm: input \(input.shape) does not end with normalizedShape \(normalizedShape)")
    if let weight { check(weight.shape == normalizedShape, "rmsNorm: weight \(weight.shape) must have shape \(normalizedShape)") }
    if input.dtype.isReducedPrecision {
        let e = eps ?? Double(input.dtype == .float16 ? Float(Float16.ulpOfOne) : Float(bitPattern: 0x3C00_0000))
        return rmsNorm(input.to(.float32), normalizedShape: normalizedShape, weight: weight?.to(.float32), eps: e).to(input.dtype)
    }
    let e = eps ?? (input.dtype == .float64 ? Double.ulpOfOne : Double(Float.ulpOfOne))
    let axes = Array((input.rank - k)..<input.rank)
    var y = input * (input.square().mean(axes: axes, keepDim: true) + e).rsqrt()
    if let weight { y = y * weight }
    return y
}

/// x / max(‖x‖_p, eps) along `axis` (PyTorch's `F.normalize`, p = 2 and axis 1 by default).
///
///     let unit = normalize(embeddings, axis: -1)
public func normalize(_ input: Tensor, p: Double = 2, axis: Int = 1, eps: Double = 1e-12) -> Tensor {
    let ax = normalizeAxis(axis, input.rank, op: "normalize", shape: input.shape)
    let norm = input.norm(p: p, axes: [ax], keepDim: true)
    return input / norm.clamp(min: eps)
}

/// Cosine similarity along `axis`: Σ (a/max(‖a‖, eps))·(b/max(‖b‖, eps)), PyTorch's formula (each
/// input divided by its norm first, so float16 rounds as PyTorch's). As PyTorch's, the eps clamp
/// is not differentiated: the gradient goes through the norms as if unclamped. The inputs broadcast.
///
///     let sim = cosineSimilarity(a, b, axis: 1)
public func cosineSimilarity(_ a: Tensor, _ b: Tensor, axis: Int = 1, eps: Double = 1e-8) -> Tensor {
    let shape = broadcastShape(a.shape, b.shape, op: "cosineSimilarity")
    let ax = normalizeAxis(axis, shape.count, op: "cosineSimilarity")
    let x = a.shape == shape ? a : a.expand(shape), y = b.shape == shape ? b : b.expand(shape)
    // max(‖v‖, eps) in value, ‖v‖ in gradient (PyTorch clamps in place under no-grad).
    func clampedNorm(_ v: Tensor) -> Tensor {
        let n = v.norm(axes: [ax], keepDim: true)
        return n + (n.detach().clamp(min: eps) - n.detach())
    }
    return ((x / clampedNorm(x)) * (y / clampedNorm(y))).sum(axis: ax)
}
