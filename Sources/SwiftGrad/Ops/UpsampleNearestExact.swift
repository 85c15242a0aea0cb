// Nearest-exact resampling (PyTorch's interpolate mode "nearest-exact"): each output position takes
// the input element under its centre, src = min(⌊(dst + ½)·scale⌋, in − 1), computed in float32 as
// PyTorch's kernel does. One indexSelect per spatial axis, so it is differentiable (the gradient is
// summed back onto the elements picked).

/// Resizes the spatial axes of `x` ([n, c, l], [n, c, h, w] or [n, c, d, h, w]) to `size` (one size
/// per spatial axis) by nearest-exact sampling (`interpolate(x, size=..., mode="nearest-exact")`).
///
///     let y = nearestExactInterpolate(x, size: [6, 6])        // x: [1, 3, 4, 4]
public func nearestExactInterpolate(_ x: Tensor, size: [Int]) -> Tensor {
    let spatial = nearestExactSpatial(x, count: size.count)
    check(size.allSatisfy { $0 > 0 }, "nearestExactInterpolate: sizes \(size) must be positive (input \(x.shape))")
    return nearestExactResample(x, sizes: size, scales: zip(spatial, size).map { Float($0) / Float($1) })
}

/// Scales the spatial axes of `x` by `scaleFactors` (one per spatial axis; output size ⌊in·s⌋) by
/// nearest-exact sampling; source positions use 1/s unless `recomputeScaleFactor`, which uses in/out
/// (PyTorch's `recompute_scale_factor`).
///
///     let y = nearestExactInterpolate(x, scaleFactors: [1.7])       // x: [2, 3, 4] → [2, 3, 6]
public func nearestExactInterpolate(_ x: Tensor, scaleFactors: [Double], recomputeScaleFactor: Bool = false) -> Tensor {
    let spatial = nearestExactSpatial(x, count: scaleFactors.count)
    check(scaleFactors.allSatisfy { $0 > 0 && $0.isFinite }, "nearestExactInterpolate: scale factors \(scaleFactors) must be positive (input \(x.shape))")
    let sizes = zip(spatial, scaleFactors).map { Int((Double($0) * $1).rounded(.down)) }
    check(sizes.allSatisfy { $0 > 0 }, "nearestExactInterpolate: scale factors \(scaleFactors) give an empty output (input \(x.shape))")
    let scales = recomputeScaleFactor ? zip(spatial, sizes).map { Float($0) / Float($1) } : scaleFactors.map { Float(1 / $0) }
    return nearestExactResample(x, sizes: sizes, scales: scales)
}

/// The spatial sizes of `x`, checking that `count` sizes or factors were given for them.
private func nearestExactSpatial(_ x: Tensor, count: Int) -> [Int] {
    check(x.rank >= 3 && x.rank <= 5, "nearestExactInterpolate: expected a 3-D, 4-D or 5-D input, got shape \(x.shape)")
    check(count == x.rank - 2, "nearestExactInterpolate: \(count) sizes or factors for \(x.rank - 2) spatial axes (input \(x.shape))")
    return Array(x.shape[2...])
}

private func nearestExactResample(_ x: Tensor, sizes: [Int], scales: [Float]) -> Tensor {
    var y = x
    for (k, (out, scale)) in zip(sizes, scales).enumerated() {
        let inSize = x.shape[2 + k]
        let index = (0..<out).map { dst in Swift.min(Int(((Float(dst) + 0.5) * scale).rounded(.down)), inSize - 1) }
        y = y.indexSelect(axis: 2 + k, indices: Tensor(index, shape: [out]))
    }
    return y
}
