// PyTorch's fused linear layer + cross-entropy loss, composed here of `linear` and `crossEntropy`
// (the logits are materialized; PyTorch's chunked kernel computes the same values).

/// The cross-entropy of the logits `linear(input, weight:bias:)` against `targets`
/// (`torch.nn.functional.linear_cross_entropy`): `weight` is the projection [classes, features],
/// or [C, d₁, ..., d_K, features] for a K-dimensional loss (the logits are then
/// `input.shape.dropLast() + [C, d₁, ..., d_K]`, and `bias` is [C] or [C, d₁, ..., d_K]);
/// `classWeight`, `ignoreIndex`, `labelSmoothing` and `reduction` are `crossEntropy`'s.
///
///     let loss = linearCrossEntropy(hidden, weight: lmHead, targets: nextTokens)
///     let spatial = linearCrossEntropy(x, weight: w4, targets: y3)     // w4 [C, d₁, d₂, F], y3 [N, d₁, d₂]
public func linearCrossEntropy(_ input: Tensor, weight: Tensor, targets: Tensor, bias: Tensor? = nil, classWeight: Tensor? = nil,
                               ignoreIndex: Int = -100, labelSmoothing: Double = 0, reduction: Reduction = .mean) -> Tensor {
    check(weight.rank >= 2 && input.rank >= 1 && input.shape[input.rank - 1] == weight.shape[weight.rank - 1],
          "linearCrossEntropy: weight must be [classes, ..., features] with features = the input's last size; input \(input.shape), weight \(weight.shape)")
    if weight.rank == 2 {
        return crossEntropy(logits: linear(input, weight: weight, bias: bias), targets: targets, weight: classWeight,
                            ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction)
    }
    // PyTorch's reference: one linear map onto C·d₁·…·d_K outputs, reshaped to [..., C, d₁, ..., d_K].
    let outputs = Array(weight.shape.dropLast())
    let rows = outputs.reduce(1, *), features = weight.shape[weight.rank - 1]
    if let bias {
        check(bias.shape == outputs || bias.shape == [rows],
              "linearCrossEntropy: bias \(bias.shape) must be \(outputs) for weight \(weight.shape) (input \(input.shape))")
    }
    let logits = linear(input, weight: weight.reshape([rows, features]), bias: bias?.reshape([rows]))
    return crossEntropy(logits: logits.reshape(Array(input.shape.dropLast()) + outputs), targets: targets, weight: classWeight,
                        ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction)
}
