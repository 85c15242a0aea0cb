// Dropout (inverted: survivors are scaled by 1 / (1 - p) in training, so eval is the identity).

/// Zeroes each element with probability `p` and scales the rest by 1 / (1 - p) when `training`;
/// the identity otherwise. The mask comes from `generator` (the default generator if nil).
///
///     let y = dropout(x, p: 0.5, training: model.isTraining)
public func dropout(_ input: Tensor, p: Double = 0.5, training: Bool = true, generator: Generator? = nil) -> Tensor {
    check(p >= 0 && p <= 1, "dropout: p must be in [0, 1], got \(p) (input \(input.shape))")
    if !training || p == 0 { return input }
    if p == 1 { return input * 0 }
    return input * dropoutMask(input.shape, p: p, dtype: input.dtype, generator: generator)
}

/// Zeroes whole channels of `input` [N, C, ...] with probability `p` (PyTorch's `dropout2d` for
/// [N, C, H, W]); the survivors are scaled by 1 / (1 - p).
///
///     let y = dropout2d(features, p: 0.2, training: true)
public func dropout2d(_ input: Tensor, p: Double = 0.5, training: Bool = true, generator: Generator? = nil) -> Tensor {
    check(p >= 0 && p <= 1, "dropout2d: p must be in [0, 1], got \(p) (input \(input.shape))")
    check(input.rank >= 2, "dropout2d: input must be [N, C, ...], got \(input.shape)")
    if !training || p == 0 { return input }
    if p == 1 { return input * 0 }
    var maskShape = [Int](repeating: 1, count: input.rank)
    maskShape[0] = input.shape[0]; maskShape[1] = input.shape[1]
    return input * dropoutMask(maskShape, p: p, dtype: input.dtype, generator: generator)
}

/// Keep-mask scaled by 1 / (1 - p): the scaling keeps the expected value unchanged.
func dropoutMask(_ shape: [Int], p: Double, dtype: DType, generator: Generator?) -> Tensor {
    let u = Tensor.rand(shape, dtype: .float64, generator: generator ?? .default)
    return (u .>= p).to(dtype) * (1 / (1 - p))
}
