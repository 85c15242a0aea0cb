// The rest of the dropout family (PyTorch's dropout1d, dropout3d, alpha_dropout and
// feature_alpha_dropout), with masks from our generator (`dropoutMask` in Ops/Dropout.swift).

/// Zeroes whole channels of [N, C, L] (or unbatched [C, L]) inputs with probability `p`, the
/// survivors scaled by 1 / (1 - p) (PyTorch's `dropout1d`).
///
///     let y = dropout1d(sequence, p: 0.2, training: true)
public func dropout1d(_ input: Tensor, p: Double = 0.5, training: Bool = true, generator: Generator? = nil) -> Tensor {
    channelDropout("dropout1d", input, ranks: [2, 3], p: p, training: training, generator: generator)
}

/// Zeroes whole channels of [N, C, D, H, W] (or unbatched [C, D, H, W]) inputs with probability `p`
/// (PyTorch's `dropout3d`).
///
///     let y = dropout3d(volumes, p: 0.2, training: true)
public func dropout3d(_ input: Tensor, p: Double = 0.5, training: Bool = true, generator: Generator? = nil) -> Tensor {
    channelDropout("dropout3d", input, ranks: [4, 5], p: p, training: training, generator: generator)
}

private func channelDropout(_ op: String, _ input: Tensor, ranks: [Int], p: Double, training: Bool, generator: Generator?) -> Tensor {
    check(p >= 0 && p <= 1, "\(op): p must be in [0, 1], got \(p) (input \(input.shape))")
    check(ranks.contains(input.rank), "\(op): expected a \(ranks[0])-D (unbatched) or \(ranks[1])-D input, got shape \(input.shape)")
    if !training || p == 0 { return input }
    if p == 1 { return input * 0 }
    let batched = input.rank == ranks[1] ? input : input.unsqueeze(axis: 0)
    var maskShape = [Int](repeating: 1, count: batched.rank)
    maskShape[0] = batched.shape[0]; maskShape[1] = batched.shape[1]
    let y = batched * dropoutMask(maskShape, p: p, dtype: input.dtype, generator: generator)
    return input.rank == ranks[1] ? y : y.squeeze(axis: 0)
}

/// Alpha dropout for self-normalising (SELU) networks: dropped elements are set to SELU's negative
/// saturation and the result is scaled and shifted so mean and variance are kept (PyTorch's `alpha_dropout`).
///
///     let y = alphaDropout(x, p: 0.1, training: true)
public func alphaDropout(_ input: Tensor, p: Double = 0.5, training: Bool = false, generator: Generator? = nil) -> Tensor {
    alphaDropoutImpl("alphaDropout", input, maskShape: input.shape, p: p, training: training, generator: generator)
}

/// Alpha dropout of whole channels of [N, C, ...] inputs (PyTorch's `feature_alpha_dropout`).
///
///     let y = featureAlphaDropout(features, p: 0.1, training: true)
public func featureAlphaDropout(_ input: Tensor, p: Double = 0.5, training: Bool = false, generator: Generator? = nil) -> Tensor {
    check(input.rank >= 2 || !training || p == 0, "featureAlphaDropout: input must be [N, C, ...], got \(input.shape)")
    var maskShape = [Int](repeating: 1, count: input.rank)
    if input.rank >= 2 { maskShape[0] = input.shape[0]; maskShape[1] = input.shape[1] }
    return alphaDropoutImpl("featureAlphaDropout", input, maskShape: maskShape, p: p, training: training, generator: generator)
}

private func alphaDropoutImpl(_ op: String, _ input: Tensor, maskShape: [Int], p: Double, training: Bool, generator: Generator?) -> Tensor {
    check(p >= 0 && p <= 1, "\(op): p must be in [0, 1], got \(p) (input \(input.shape))")
    // As PyTorch, outside training (or with p = 0) the input passes unchanged, of any dtype.
    if !training || p == 0 { return input }
    check(input.dtype.isFloatingPoint, "\(op): input must be float, got \(input.dtype) of shape \(input.shape)")
    if p == 1 { return input * 0 }
    // SELU's negative saturation -λα; a and b restore zero mean and unit variance (PyTorch's constants).
    let alpha = 1.7580993408473766
    let a = 1 / ((alpha * alpha * p + 1) * (1 - p)).squareRoot()
    let u = Tensor.rand(maskShape, dtype: .float64, generator: generator ?? .default)
    let keep = (u .>= p).to(input.dtype)
    let b = (keep - 1) * (alpha * a) + alpha * a * p
    return input * (keep * a) + b
}
