// PyTorch's fused linear layer + cross-entropy loss, composed here of `linear` and `crossEntropy`
// (the logits are materialized; PyTorch's chunked kernel computes the same values).

/// The cross-entropy of the logits `linear(input, weight:bias:)` against `targets`
/// (`torch.nn.functional.linear_cross_entropy`): `weight` is the projection [classes, features];
/// `classWeight`, `ignoreIndex`, `labelSmoothing` and `reduction` are `crossEntropy`'s.
///
///     let loss = linearCrossEntropy(hidden, weight: lmHead, targets: nextTokens)
public func linearCrossEntropy(_ input: Tensor, weight: Tensor, targets: Tensor, bias: Tensor? = nil, classWeight: Tensor? = nil,
                               ignoreIndex: Int = -100, labelSmoothing: Double = 0, reduction: Reduction = .mean) -> Tensor {
    check(weight.rank == 2 && input.rank >= 1 && input.shape[input.rank - 1] == weight.shape[1],
          "linearCrossEntropy: weight must be [classes, features] with features = the input's last size; input \(input.shape), weight \(weight.shape)")
    return crossEntropy(logits: linear(input, weight: weight, bias: bias), targets: targets, weight: classWeight,
                        ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction)
}
