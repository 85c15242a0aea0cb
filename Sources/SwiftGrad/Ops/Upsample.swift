// Resampling (PyTorch's interpolate with mode "nearest", "bilinear" and "linear"): per-axis source
// taps and weights, run by the weighted window kernel of pooling (Kernels/PoolingKernels.swift).

/// Resizes the spatial axes of `x` ([n, c, h, w], or [n, c, l] for 1-D) to `size`, as
/// `torch.nn.functional.interpolate(x, size=...)`. For 3-D input only `size.w` is used.
///
///     let y = interpolate(x, size: [64, 64], mode: .bilinear)
///     let z = interpolate(x, size: Size2(h2, w2))            // nearest
///
/// - Parameters:
///   - mode: `.nearest` (source index ⌊dst·in/out⌋) or `.bilinear` (linear for 3-D input).
///   - alignCorners: for `.bilinear`, map the corner pixels of input and output onto each other
///     (src = dst·(in-1)/(out-1)) instead of their edges (src = (dst+½)·in/out - ½). Not allowed with `.nearest`.
public func interpolate(_ x: Tensor, size: Size2, mode: InterpolationMode = .nearest, alignCorners: Bool = false) -> Tensor {
    interpolateSpatial(x, size: size, scale: nil, mode: mode, alignCorners: alignCorners)
}

/// Scales the spatial axes of `x` by `scaleFactor` (output size ⌊in·scaleFactor⌋), as
/// `torch.nn.functional.interpolate(x, scale_factor=...)`; source positions use 1/scaleFactor, or
/// in/out with `recomputeScaleFactor` (PyTorch's `recompute_scale_factor=True`: the output size
/// is computed, then the call is the one by size).
///
///     let y = interpolate(x, scaleFactor: 2)                      // nearest, doubles h and w
///     let z = interpolate(x, scaleFactor: 0.5, mode: .bilinear)
///     let r = interpolate(x, scaleFactor: 1.7, mode: .bilinear, recomputeScaleFactor: true)
public func interpolate(_ x: Tensor, scaleFactor: Double, mode: InterpolationMode = .nearest,
                        alignCorners: Bool = false, recomputeScaleFactor: Bool = false) -> Tensor {
    interpolate(x, scaleFactor: (scaleFactor, scaleFactor), mode: mode, alignCorners: alignCorners,
                recomputeScaleFactor: recomputeScaleFactor)
}

/// `interpolate` with one scale factor per spatial axis (height, width).
///
///     let y = interpolate(x, scaleFactor: (2, 3))
///     let z = interpolate(x, scaleFactor: (1, 0.5), mode: .bilinear, recomputeScaleFactor: true)
public func interpolate(_ x: Tensor, scaleFactor: (Double, Double), mode: InterpolationMode = .nearest,
                        alignCorners: Bool = false, recomputeScaleFactor: Bool = false) -> Tensor {
    check(scaleFactor.0 > 0 && scaleFactor.1 > 0,
                 "interpolate: scale factors must be positive, got \(scaleFactor) (input \(x.shape))")
    check(x.rank == 3 || x.rank == 4, "interpolate: expected a 3-D or 4-D input, got shape \(x.shape)")
    let h = x.rank == 4 ? x.shape[2] : 1, w = x.shape[x.rank - 1]
    // An output size beyond Int would trap in Int(_:); an infinite scale is no size at all.
    check(Double(h) * scaleFactor.0 < 0x1p62 && Double(w) * scaleFactor.1 < 0x1p62,
          "interpolate: scale factors \(scaleFactor) give an output too large to store (input \(x.shape))")
    let size = Size2(x.rank == 4 ? Int((Double(h) * scaleFactor.0).rounded(.down)) : 1,
                     Int((Double(w) * scaleFactor.1).rounded(.down)))
    return interpolateSpatial(x, size: size, scale: recomputeScaleFactor ? nil : scaleFactor, mode: mode, alignCorners: alignCorners)
}

func interpolateSpatial(_ x: Tensor, size: Size2, scale: (Double, Double)?, mode: InterpolationMode, alignCorners: Bool) -> Tensor {
    check(x.rank == 3 || x.rank == 4, "interpolate: expected a 3-D [n, c, l] or 4-D [n, c, h, w] input, got shape \(x.shape)")
    check(!((mode == .nearest || mode == .area) && alignCorners),
          "interpolate: alignCorners is only for .bilinear and .bicubic, not .\(mode.pyTorchName) (input \(x.shape))")
    if x.dtype == .uint8 && x.rank == 4 && (mode == .bilinear || mode == .bicubic) {
        return interpolateUInt8(x, size: size, scale: scale, cubic: mode == .bicubic, alignCorners: alignCorners)
    }
    check(x.dtype.isFloatingPoint || mode == .nearest || mode == .area,
          "interpolate: mode .\(mode.pyTorchName) needs a float input, got \(x.dtype) of shape \(x.shape) "
          + "(.nearest takes integers; .bilinear and .bicubic take 4-D uint8)")
    if mode == .bicubic || mode == .area { return interpolateCubicOrArea(x, size: size, scale: scale, mode: mode, alignCorners: alignCorners) }
    let oneD = x.rank == 3
    check(size.w >= 1 && (oneD || size.h >= 1),
                 "interpolate: output size \(oneD ? "\(size.w)" : "\(size)") must be positive (input \(x.shape))")
    if !x.dtype.isFloatingPoint { return nearestGather(x, size: size, scale: scale) }
    // With a scale factor, PyTorch maps positions with 1/scale; with a size, with in/out.
    func axis(_ input: Int, _ output: Int, _ factor: Double?) -> AxisTaps {
        let ratio = factor.map { 1 / $0 } ?? Double(input) / Double(output)
        return mode == .nearest ? .nearest(input, output, ratio: ratio)
                                : .linear(input, output, ratio: ratio, alignCorners: alignCorners)
    }
    let cols = axis(x.shape[x.rank - 1], size.w, scale?.1)
    let rows = oneD ? .identity(1) : axis(x.shape[2], size.h, scale?.0)
    let op: Op = mode == .nearest ? (oneD ? .upsampleNearest1d : .upsampleNearest2d)
                                  : (oneD ? .upsampleLinear1d : .upsampleBilinear2d)
    return windowSum(op, x, Windows2d(rows: rows, cols: cols), oneD: oneD)
}

/// Bilinear or bicubic resampling of a uint8 image [n, c, h, w], in fixed point as PyTorch's uint8
/// kernel (Kernels/ResampleUInt8.swift): the result is uint8, rounded and clamped to [0, 255].
private func interpolateUInt8(_ x: Tensor, size: Size2, scale: (Double, Double)?, cubic: Bool, alignCorners: Bool) -> Tensor {
    check(size.h >= 1 && size.w >= 1, "interpolate: output size \(size) must be positive (input \(x.shape))")
    check(x.shape[2] >= 1 && x.shape[3] >= 1, "interpolate: input \(x.shape) has an empty spatial axis")
    // PyTorch's area_pixel_compute_scale: the source step per output pixel.
    func step(_ input: Int, _ output: Int, _ factor: Double?) -> Double {
        if alignCorners { return output > 1 ? Double(input - 1) / Double(output - 1) : 0 }
        if let factor, factor > 0 { return 1 / factor }
        return Double(input) / Double(output)
    }
    let (h, w) = (x.shape[2], x.shape[3])
    let rows = size.h == h ? nil : Kernels.fixedPointTaps(input: h, output: size.h, scale: step(h, size.h, scale?.0),
                                                          alignCorners: alignCorners, cubic: cubic)
    let cols = size.w == w ? nil : Kernels.fixedPointTaps(input: w, output: size.w, scale: step(w, size.w, scale?.1),
                                                          alignCorners: alignCorners, cubic: cubic)
    return Kernels.resampleUInt8(x, outH: size.h, outW: size.w, rows: rows, cols: cols)
}

/// Nearest resampling of an integer or bool input (uint8 images): the same source indices as the
/// float path's taps, gathered per axis, so values are copied exactly. Integers carry no gradient.
private func nearestGather(_ x: Tensor, size: Size2, scale: (Double, Double)?) -> Tensor {
    func indices(_ input: Int, _ output: Int, _ factor: Double?) -> Tensor {
        let r = Float(factor.map { 1 / $0 } ?? Double(input) / Double(output))
        return Tensor((0..<output).map { Swift.min(Int((Float($0) * r).rounded(.down)), input - 1) }, shape: [output])
    }
    var y = x.indexSelect(axis: x.rank - 1, indices: indices(x.shape[x.rank - 1], size.w, scale?.1))
    if x.rank == 4 { y = y.indexSelect(axis: 2, indices: indices(x.shape[2], size.h, scale?.0)) }
    return y
}

extension AxisTaps {
    /// Nearest: output o reads min(⌊o·ratio⌋, input-1), computed in float32 as PyTorch does.
    static func nearest(_ input: Int, _ output: Int, ratio: Double) -> AxisTaps {
        var t = AxisTaps(size: input)
        let r = Float(ratio)
        for o in 0..<output { t.append([(Swift.min(Int((Float(o) * r).rounded(.down)), input - 1), 1)]) }
        return t
    }

    /// Linear: output o reads the two neighbours of its source position with weights 1-λ and λ.
    static func linear(_ input: Int, _ output: Int, ratio: Double, alignCorners: Bool) -> AxisTaps {
        var t = AxisTaps(size: input)
        for o in 0..<output {
            let src: Double
            if alignCorners {
                src = output > 1 ? Double(o) * Double(input - 1) / Double(output - 1) : 0
            } else {
                // Pixel centres: (o + ½)·ratio - ½, clamped at 0 like PyTorch.
                src = Swift.max((Double(o) + 0.5) * ratio - 0.5, 0)
            }
            let i0 = Swift.min(Int(src.rounded(.down)), input - 1)
            let i1 = Swift.min(i0 + 1, input - 1)
            let lambda = src - Double(i0)
            t.append(i0 == i1 ? [(i0, 1)] : [(i0, 1 - lambda), (i1, lambda)])
        }
        return t
    }
}
