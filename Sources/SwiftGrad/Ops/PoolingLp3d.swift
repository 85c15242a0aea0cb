// Power-average pooling over 3-D windows (PyTorch's lp_pool3d), composed of avgPool3d and pow as
// lpPool1d/lpPool2d are (Ops/PoolingUnpool.swift), so its gradients are theirs.

/// Power-average pooling over 3-D windows: (Σ_window x^p)^(1/p), as PyTorch's `lp_pool3d`
/// (computed, as PyTorch, as (kd·kh·kw·avgPool3d(x^p))^(1/p) with the sign of the sum kept and
/// negative sums clipped to 0). `x` is [n, c, d, h, w] or unbatched [c, d, h, w].
///
///     let y = lpPool3d(volumes, normType: 2, kernelSize: 2)
public func lpPool3d(_ x: Tensor, normType p: Double, kernelSize: Size3, stride: Size3? = nil, ceilMode: Bool = false) -> Tensor {
    check(p != 0 && !p.isNaN, "lpPool3d: normType must be a non-zero number, got \(p) (input \(x.shape))")
    let avg = avgPool3d(x.pow(p), kernelSize: kernelSize, stride: stride, padding: 0, ceilMode: ceilMode)
    return (avg.sign() * avg.abs().relu() * Double(kernelSize.d * kernelSize.h * kernelSize.w)).pow(1 / p)
}
