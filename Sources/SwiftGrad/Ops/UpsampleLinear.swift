// Linear (1-D) and trilinear (3-D) interpolation, as torch.nn.functional.interpolate with
// mode='linear' and mode='trilinear'. Both are separable: one 1-D linear resampling per spatial axis,
// each a product with a [out, in] matrix of two taps per row, so the gradients (of any order) are
// the matrix product's.

/// The [out, in] matrix of PyTorch's 1-D linear resampling along an axis of length `n`.
/// `scale` is the user's scale factor (used as given, as PyTorch does without recompute_scale_factor).
/// For a float16/bfloat16 input (`weightDType`) the source positions are computed in Float and the
/// two weights rounded to that dtype (λ₁, then 1 − λ₁), as PyTorch's CPU kernel stores them.
func linearResampleMatrix(input n: Int, output m: Int, scale: Double?, alignCorners: Bool, dtype: DType,
                          weightDType: DType? = nil) -> Tensor {
    var a = [Double](repeating: 0, count: m * n)
    if let weightDType {
        let ratio: Float = alignCorners ? (m > 1 ? Float(n - 1) / Float(m - 1) : 0) : (scale.map { Float(1 / $0) } ?? Float(n) / Float(m))
        var first = [Int](), lambda1 = [Float]()
        for o in 0..<m {
            let src = alignCorners ? ratio * Float(o) : Swift.max(ratio * (Float(o) + 0.5) - 0.5, 0)
            let i0 = Swift.min(Int(src.rounded(.down)), n - 1)
            first.append(i0)
            lambda1.append(Swift.min(Swift.max(src - Float(i0), 0), 1))
        }
        let l1 = Tensor(lambda1.map { Double($0) }, shape: [m], dtype: weightDType).to(.float32)
        let l0 = (1 - l1).to(weightDType)
        let (w0, w1) = (l0.to(.float64).doubles, l1.to(.float64).doubles)
        for o in 0..<m {
            let i0 = first[o], i1 = i0 < n - 1 ? i0 + 1 : i0
            a[o * n + i0] += w0[o]
            a[o * n + i1] += w1[o]
        }
        return Tensor(a, shape: [m, n], dtype: dtype)
    }
    for o in 0..<m {
        let src: Double
        if alignCorners {
            src = m > 1 ? Double(o) * Double(n - 1) / Double(m - 1) : 0
        } else {
            let ratio = scale.map { 1 / $0 } ?? Double(n) / Double(m)
            src = Swift.max((Double(o) + 0.5) * ratio - 0.5, 0)
        }
        let i0 = Swift.min(Int(src), n - 1), i1 = Swift.min(i0 + 1, n - 1)
        let lambda = src - Double(i0)
        a[o * n + i0] += 1 - lambda
        a[o * n + i1] += lambda
    }
    return Tensor(a, shape: [m, n], dtype: dtype)
}

/// Resamples the spatial axes (the last `sizes.count`) of `x` one after another.
private func resampleLinear(_ x: Tensor, sizes: [Int], scales: [Double]?, alignCorners: Bool, op: String,
                            weightDType: DType? = nil) -> Tensor {
    let k = sizes.count
    check(x.dtype.isFloatingPoint, "\(op): expected a float input, got \(x.dtype) of shape \(x.shape)")
    check(sizes.allSatisfy { $0 >= 1 }, "\(op): output size \(sizes) must be positive (input \(x.shape))")
    check(x.shape.suffix(k).allSatisfy { $0 >= 1 }, "\(op): the spatial axes of input \(x.shape) must not be empty")
    if x.dtype.isReducedPrecision {
        // As PyTorch's CPU kernel: the weights rounded to the dtype, the sums in float32, one rounding.
        return resampleLinear(x.to(.float32), sizes: sizes, scales: scales, alignCorners: alignCorners, op: op,
                              weightDType: x.dtype).to(x.dtype)
    }
    var y = x
    for a in 0..<k {
        let axis = x.rank - k + a
        let n = x.shape[axis]
        if n == sizes[a] && scales == nil { continue }
        let mat = linearResampleMatrix(input: n, output: sizes[a], scale: scales?[a], alignCorners: alignCorners, dtype: x.dtype,
                                       weightDType: weightDType)
        y = y.movedim(axis, -1).matmul(mat.t()).movedim(-1, axis)
    }
    return y.contiguous()
}

/// Linear interpolation of `x` ([n, c, l]) to length `size`, as
/// `torch.nn.functional.interpolate(x, size=size, mode='linear', align_corners=...)`.
///
///     let y = linearInterpolate(signal, size: 64)
public func linearInterpolate(_ x: Tensor, size: Int, alignCorners: Bool = false) -> Tensor {
    check(x.rank == 3, "linearInterpolate: expected a 3-D input [n, c, l], got shape \(x.shape)")
    return resampleLinear(x, sizes: [size], scales: nil, alignCorners: alignCorners, op: "linearInterpolate")
}

/// Linear interpolation of `x` ([n, c, l]) by `scaleFactor` (output ⌊l·scale⌋), as
/// `torch.nn.functional.interpolate(x, scale_factor=s, mode='linear')`; `recomputeScaleFactor`
/// maps positions with in/out instead of 1/scale (PyTorch's `recompute_scale_factor=True`).
///
///     let y = linearInterpolate(signal, scaleFactor: 2)
public func linearInterpolate(_ x: Tensor, scaleFactor: Double, alignCorners: Bool = false, recomputeScaleFactor: Bool = false) -> Tensor {
    check(x.rank == 3, "linearInterpolate: expected a 3-D input [n, c, l], got shape \(x.shape)")
    check(scaleFactor > 0, "linearInterpolate: scale factor \(scaleFactor) must be positive (input \(x.shape))")
    let size = Int((Double(x.shape[2]) * scaleFactor).rounded(.down))
    return resampleLinear(x, sizes: [size], scales: alignCorners || recomputeScaleFactor ? nil : [scaleFactor], alignCorners: alignCorners,
                          op: "linearInterpolate")
}

/// Trilinear interpolation of `x` ([n, c, d, h, w]) to `size`, as
/// `torch.nn.functional.interpolate(x, size=(d, h, w), mode='trilinear', align_corners=...)`.
///
///     let y = trilinearInterpolate(volumes, size: [8, 16, 16])
public func trilinearInterpolate(_ x: Tensor, size: Size3, alignCorners: Bool = false) -> Tensor {
    check(x.rank == 5, "trilinearInterpolate: expected a 5-D input [n, c, d, h, w], got shape \(x.shape)")
    return resampleLinear(x, sizes: size.array, scales: nil, alignCorners: alignCorners, op: "trilinearInterpolate")
}

/// Trilinear interpolation of `x` ([n, c, d, h, w]) by per-axis scale factors (output ⌊size·scale⌋),
/// as `torch.nn.functional.interpolate(x, scale_factor=(sd, sh, sw), mode='trilinear')`;
/// `recomputeScaleFactor` maps positions with in/out instead of 1/scale.
///
///     let y = trilinearInterpolate(volumes, scaleFactor: (2, 2, 2))
public func trilinearInterpolate(_ x: Tensor, scaleFactor: (Double, Double, Double), alignCorners: Bool = false,
                                 recomputeScaleFactor: Bool = false) -> Tensor {
    check(x.rank == 5, "trilinearInterpolate: expected a 5-D input [n, c, d, h, w], got shape \(x.shape)")
    let s = [scaleFactor.0, scaleFactor.1, scaleFactor.2]
    check(s.allSatisfy { $0 > 0 }, "trilinearInterpolate: scale factors \(s) must be positive (input \(x.shape))")
    let sizes = (0..<3).map { Int((Double(x.shape[2 + $0]) * s[$0]).rounded(.down)) }
    return resampleLinear(x, sizes: sizes, scales: alignCorners || recomputeScaleFactor ? nil : s, alignCorners: alignCorners,
                          op: "trilinearInterpolate")
}
