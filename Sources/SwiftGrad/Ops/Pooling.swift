// Max, average and adaptive pooling (PyTorch's max_pool1d/2d, avg_pool1d/2d, adaptive_*_pool*).
// Each op computes the windows of its two spatial axes once (AxisTaps) and runs a window kernel
// (Kernels/PoolingKernels.swift). Inputs are [..., h, w] (2-D) or [..., l] (1-D); leading axes are planes.

/// 2-D max pooling over `kernelSize` windows of `x` ([n, c, h, w] or [c, h, w]), as
/// `torch.nn.functional.max_pool2d`. Padding counts as -∞.
///
///     let y = maxPool2d(x, kernelSize: 2)                       // halves h and w
///     let z = maxPool2d(x, kernelSize: 3, stride: 2, padding: 1)
///
/// - Parameters:
///   - stride: defaults to `kernelSize`.
///   - padding: at most half the kernel size.
///   - ceilMode: round the output size up (a last, partial window) instead of down.
public func maxPool2d(_ x: Tensor, kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0,
                      dilation: Size2 = 1, ceilMode: Bool = false) -> Tensor {
    maxPool2dWithIndices(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation,
                         ceilMode: ceilMode).values
}

/// `maxPool2d` that also returns where each maximum came from: int64 flat indices iy·w + ix within
/// each plane (PyTorch's `return_indices=True`).
///
///     let (y, where) = maxPool2dWithIndices(x, kernelSize: 2)
///     print(where.shape)   // same as y.shape
public func maxPool2dWithIndices(_ x: Tensor, kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0,
                                 dilation: Size2 = 1, ceilMode: Bool = false) -> (values: Tensor, indices: Tensor) {
    let op = Op.maxPool2d
    check(x.rank == 3 || x.rank == 4, "\(op): expected a 3-D or 4-D input, got shape \(x.shape)")
    let s = stride ?? kernelSize
    let rows = AxisTaps.pooling(op, size: x.shape[x.rank - 2], kernel: kernelSize.h, stride: s.h, padding: padding.h,
                                dilation: dilation.h, ceilMode: ceilMode, shape: x.shape)
    let cols = AxisTaps.pooling(op, size: x.shape[x.rank - 1], kernel: kernelSize.w, stride: s.w, padding: padding.w,
                                dilation: dilation.w, ceilMode: ceilMode, shape: x.shape)
    return windowMax(op, x, Windows2d(rows: rows, cols: cols))
}

/// 1-D max pooling over windows of `kernelSize` along the last axis of `x` ([n, c, l] or [c, l]).
///
///     let y = maxPool1d(signal, kernelSize: 2)
///     let z = maxPool1d(signal, kernelSize: 3, stride: 1, padding: 1)
public func maxPool1d(_ x: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                      dilation: Int = 1, ceilMode: Bool = false) -> Tensor {
    let op = Op.maxPool1d
    check(x.rank == 2 || x.rank == 3, "\(op): expected a 2-D or 3-D input, got shape \(x.shape)")
    let cols = AxisTaps.pooling(op, size: x.shape[x.rank - 1], kernel: kernelSize, stride: stride ?? kernelSize,
                                padding: padding, dilation: dilation, ceilMode: ceilMode, shape: x.shape)
    return windowMax(op, x, Windows2d(rows: .identity(1), cols: cols), oneD: true).values
}

/// 2-D average pooling, as `torch.nn.functional.avg_pool2d`.
///
///     let y = avgPool2d(x, kernelSize: 2)
///     let z = avgPool2d(x, kernelSize: 3, stride: 1, padding: 1, countIncludePad: false)
///
/// - Parameters:
///   - countIncludePad: divide by the window size including padding (true) or by the number of real
///     pixels in the window (false).
///   - divisorOverride: divide every window by this number instead.
public func avgPool2d(_ x: Tensor, kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0,
                      ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Tensor {
    let op = Op.avgPool2d
    check(x.rank == 3 || x.rank == 4, "\(op): expected a 3-D or 4-D input, got shape \(x.shape)")
    check(divisorOverride.map { $0 != 0 } ?? true, "\(op): divisorOverride must not be 0 (input \(x.shape))")
    let s = stride ?? kernelSize
    let rows = AxisTaps.average(op, size: x.shape[x.rank - 2], kernel: kernelSize.h, stride: s.h, padding: padding.h,
                                ceilMode: ceilMode, countIncludePad: countIncludePad, uniform: divisorOverride != nil, shape: x.shape)
    let cols = AxisTaps.average(op, size: x.shape[x.rank - 1], kernel: kernelSize.w, stride: s.w, padding: padding.w,
                                ceilMode: ceilMode, countIncludePad: countIncludePad, uniform: divisorOverride != nil, shape: x.shape)
    if _slowPath(!x.dtype.isFloatingPoint) {
        let ra = IntegerAvgAxis(op, size: x.shape[x.rank - 2], kernel: kernelSize.h, stride: s.h, padding: padding.h, ceilMode: ceilMode,
                                countIncludePad: countIncludePad, shape: x.shape)
        let ca = IntegerAvgAxis(op, size: x.shape[x.rank - 1], kernel: kernelSize.w, stride: s.w, padding: padding.w, ceilMode: ceilMode,
                                countIncludePad: countIncludePad, shape: x.shape)
        return integerAvgPool(op, x, rows: ra, cols: ca, divisorOverride: divisorOverride)
    }
    let scale = divisorOverride.map { 1 / Double($0) } ?? 1
    return windowSum(op, x, Windows2d(rows: rows, cols: cols, scale: scale))
}

/// 1-D average pooling along the last axis of `x` ([n, c, l] or [c, l]).
///
///     let y = avgPool1d(signal, kernelSize: 4)
///     let z = avgPool1d(signal, kernelSize: 3, stride: 1, padding: 1, countIncludePad: false)
public func avgPool1d(_ x: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                      ceilMode: Bool = false, countIncludePad: Bool = true) -> Tensor {
    let op = Op.avgPool1d
    check(x.rank == 2 || x.rank == 3, "\(op): expected a 2-D or 3-D input, got shape \(x.shape)")
    let cols = AxisTaps.average(op, size: x.shape[x.rank - 1], kernel: kernelSize, stride: stride ?? kernelSize,
                                padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad,
                                uniform: false, shape: x.shape)
    if _slowPath(!x.dtype.isFloatingPoint) {
        let ca = IntegerAvgAxis(op, size: x.shape[x.rank - 1], kernel: kernelSize, stride: stride ?? kernelSize, padding: padding,
                                ceilMode: ceilMode, countIncludePad: countIncludePad, shape: x.shape)
        return integerAvgPool(op, x, rows: nil, cols: ca, divisorOverride: nil)
    }
    return windowSum(op, x, Windows2d(rows: .identity(1), cols: cols), oneD: true)
}

/// Average pooling to a fixed output size, as `torch.nn.functional.adaptive_avg_pool2d`: output
/// cell i of an axis averages input ⌊i·in/out⌋ ..< ⌈(i+1)·in/out⌉.
///
///     let y = adaptiveAvgPool2d(features, outputSize: 1)        // [n, c, 1, 1]
///     let z = adaptiveAvgPool2d(features, outputSize: [7, 7])
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: Size2) -> Tensor {
    let op = Op.adaptiveAvgPool2d
    check(x.rank == 3 || x.rank == 4, "\(op): expected a 3-D or 4-D input, got shape \(x.shape)")
    let rows = AxisTaps.adaptive(op, size: x.shape[x.rank - 2], outputs: outputSize.h, shape: x.shape)
    let cols = AxisTaps.adaptive(op, size: x.shape[x.rank - 1], outputs: outputSize.w, shape: x.shape)
    return windowSum(op, x, Windows2d(rows: rows, cols: cols))
}

/// Max pooling to a fixed output size, as `torch.nn.functional.adaptive_max_pool2d` (windows as
/// in `adaptiveAvgPool2d`).
///
///     let y = adaptiveMaxPool2d(features, outputSize: [2, 2])
///     let z = adaptiveMaxPool2d(features, outputSize: 1)
public func adaptiveMaxPool2d(_ x: Tensor, outputSize: Size2) -> Tensor {
    let op = Op.adaptiveMaxPool2d
    check(x.rank == 3 || x.rank == 4, "\(op): expected a 3-D or 4-D input, got shape \(x.shape)")
    let rows = AxisTaps.adaptive(op, size: x.shape[x.rank - 2], outputs: outputSize.h, shape: x.shape)
    let cols = AxisTaps.adaptive(op, size: x.shape[x.rank - 1], outputs: outputSize.w, shape: x.shape)
    return windowMax(op, x, Windows2d(rows: rows, cols: cols)).values
}

/// Average pooling of the last axis to `outputSize` cells (`torch.nn.functional.adaptive_avg_pool1d`).
///
///     let y = adaptiveAvgPool1d(signal, outputSize: 1)
///     let z = adaptiveAvgPool1d(signal, outputSize: 16)
public func adaptiveAvgPool1d(_ x: Tensor, outputSize: Int) -> Tensor {
    let op = Op.adaptiveAvgPool1d
    check(x.rank == 2 || x.rank == 3, "\(op): expected a 2-D or 3-D input, got shape \(x.shape)")
    let cols = AxisTaps.adaptive(op, size: x.shape[x.rank - 1], outputs: outputSize, shape: x.shape)
    return windowSum(op, x, Windows2d(rows: .identity(1), cols: cols), oneD: true)
}

/// Max pooling of the last axis to `outputSize` cells (`torch.nn.functional.adaptive_max_pool1d`).
///
///     let y = adaptiveMaxPool1d(signal, outputSize: 1)
///     let z = adaptiveMaxPool1d(signal, outputSize: 16)
public func adaptiveMaxPool1d(_ x: Tensor, outputSize: Int) -> Tensor {
    let op = Op.adaptiveMaxPool1d
    check(x.rank == 2 || x.rank == 3, "\(op): expected a 2-D or 3-D input, got shape \(x.shape)")
    let cols = AxisTaps.adaptive(op, size: x.shape[x.rank - 1], outputs: outputSize, shape: x.shape)
    return windowMax(op, x, Windows2d(rows: .identity(1), cols: cols), oneD: true).values
}

/// The mean over the two spatial axes of `x` ([n, c, h, w]): [n, c], or [n, c, 1, 1] with `keepDim`
/// (the same as `adaptiveAvgPool2d(x, outputSize: 1)`).
///
///     let features = globalAvgPool2d(x)                  // [n, c], ready for a Linear layer
///     let kept = globalAvgPool2d(x, keepDim: true)       // [n, c, 1, 1]
public func globalAvgPool2d(_ x: Tensor, keepDim: Bool = false) -> Tensor {
    check(x.rank == 4, "global_avg_pool2d: expected a 4-D input [n, c, h, w], got shape \(x.shape)")
    return x.mean(axes: [2, 3], keepDim: keepDim)
}

// MARK: - Recorded primitives

/// Max over windows: values and int64 indices, recorded as `op`. Backward is `maxPoolBackward`.
func windowMax(_ op: Op, _ x: Tensor, _ win: Windows2d, oneD: Bool = false) -> (values: Tensor, indices: Tensor) {
    if _slowPath(!x.dtype.isFloatingPoint) { return integerWindowMax(op, x, win, oneD: oneD) }
    if x.dtype.isReducedPrecision {
        // Exact in float32 (a max selects an element); the values go back to the input's dtype.
        let r = windowMax(op, x.to(.float32), win, oneD: oneD)
        return (r.values.to(x.dtype), r.indices)
    }
    let lead = Array(x.shape.dropLast(oneD ? 1 : 2))
    let outShape = lead + (oneD ? [win.cols.outputs] : [win.rows.outputs, win.cols.outputs])
    let out = Tensor(uninitializedShape: outShape, dtype: x.dtype)
    let indices = Tensor(uninitializedShape: outShape, dtype: .int64)
    Kernels.windowMax(x, out, indices, win)
    let inShape = x.shape
    // The indices are an int64 tensor outside the graph (no cycle), returned to the caller by
    // `returnIndices`: saved with their version, so changing them in place is an error in backward.
    let saved = SavedTensor(indices)
    let values = out.recorded(op, x) { g, ctx in
        [maxPoolBackward(g, saved.value(ctx, "indices"), inShape: inShape, planeRank: oneD ? 1 : 2)]
    } forward: { f in
        // The tangent at each window's argmax.
        let planeRank = oneD ? 1 : 2
        let planes = inShape.dropLast(planeRank).reduce(1, *)
        let inPlane = inShape.suffix(planeRank).reduce(1, *), outPlane = outShape.suffix(planeRank).reduce(1, *)
        return f.tangent.reshape([planes, inPlane]).gather(axis: 1, index: indices.reshape([planes, outPlane])).reshape(outShape)
    }
    return (values, indices)
}

/// The backward of every max pool: the output-shaped gradient `g` added into zeros of `inShape` at
/// the argmax `indices` (flat positions within each plane of the last `planeRank` axes). Recorded,
/// so double backward works: its own backward gathers the incoming gradient at the same indices.
func maxPoolBackward(_ g: Tensor, _ indices: Tensor, inShape: [Int], planeRank: Int) -> Tensor {
    // float16/bfloat16 (max unpooling of a half tensor): the float32 scatter, rounded once.
    if let r = g.viaFloat32({ maxPoolBackward($0, indices, inShape: inShape, planeRank: planeRank) }) { return r }
    let planes = inShape.dropLast(planeRank).reduce(1, *)
    let inPlane = inShape.suffix(planeRank).reduce(1, *), outPlane = g.shape.suffix(planeRank).reduce(1, *)
    let dx = Tensor(uninitializedShape: inShape, dtype: g.dtype)
    Kernels.scatterByIndex(g, indices, dx, outPlane: outPlane, inPlane: inPlane)
    let outShape = g.shape
    let saved = SavedTensor(indices)   // read again by double backward: still version-checked
    return dx.recorded(.maxPoolBackward, g) { gg, ctx in
        [gg.reshape([planes, inPlane]).gather(axis: 1, index: saved.value(ctx, "indices").reshape([planes, outPlane])).reshape(outShape)]
    } forward: { f in maxPoolBackward(f.tangent, indices, inShape: inShape, planeRank: planeRank) }
}

/// A weighted sum over windows (average pooling, nearest and bilinear resampling), recorded as `op`;
/// its backward is the adjoint (`op.windowSumAdjoint`), whose own backward is this op again.
func windowSum(_ op: Op, _ x: Tensor, _ win: Windows2d, oneD: Bool = false) -> Tensor {
    if let r = x.viaFloat32({ windowSum(op, $0, win, oneD: oneD) }) { return r }
    let lead = Array(x.shape.dropLast(oneD ? 1 : 2))
    let out = Tensor(uninitializedShape: lead + (oneD ? [win.cols.outputs] : [win.rows.outputs, win.cols.outputs]), dtype: x.dtype)
    Kernels.windowSum(x, out, win, adjoint: false)
    let inShape = x.shape
    return out.recorded(op, x) { g, _ in [windowSumAdjoint(op, g, win, inShape: inShape, oneD: oneD)] }
        forward: { f in windowSum(op, f.tangent, win, oneD: oneD) }
}

/// The transpose of `windowSum`: spreads each output-shaped gradient back over its window.
func windowSumAdjoint(_ op: Op, _ g: Tensor, _ win: Windows2d, inShape: [Int], oneD: Bool) -> Tensor {
    let dx = Tensor(uninitializedShape: inShape, dtype: g.dtype)
    Kernels.windowSum(g, dx, win, adjoint: true)
    return dx.recorded(op.windowSumAdjoint, g) { gg, _ in [windowSum(op, gg, win, oneD: oneD)] }
        forward: { f in windowSumAdjoint(op, f.tangent, win, inShape: inShape, oneD: oneD) }
}

extension Op {
    /// The recorded adjoint of a window-sum op (average pooling, resampling).
    var windowSumAdjoint: Op {
        switch self {
        case .avgPool2d: return .avgPool2dBackward
        case .avgPool1d: return .avgPool1dBackward
        case .adaptiveAvgPool2d: return .adaptiveAvgPool2dBackward
        case .adaptiveAvgPool1d: return .adaptiveAvgPool1dBackward
        case .upsampleNearest2d: return .upsampleNearest2dBackward
        case .upsampleNearest1d: return .upsampleNearest1dBackward
        case .upsampleBilinear2d: return .upsampleBilinear2dBackward
        case .upsampleLinear1d: return .upsampleLinear1dBackward
        case .upsampleBicubic2d: return .upsampleBicubic2dBackward
        default: checkFailure("\(self) is not a window-sum op")
        }
    }
}

// MARK: - Windows

extension AxisTaps {
    /// One output reading the single input index 0 (the missing height axis of 1-D ops).
    static func identity(_ size: Int) -> AxisTaps {
        var t = AxisTaps(size: size)
        for i in 0..<size { t.append([(i, 1)]) }
        return t
    }

    /// PyTorch's pooling output length: ⌊ or ⌈(size + 2p - d·(k-1) - 1) / s⌉ + 1, where a last
    /// window starting in the right padding is dropped.
    static func poolOutputSize(_ op: Op, size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int,
                               ceilMode: Bool, shape: [Int]) -> Int {
        check(kernel >= 1 && stride >= 1 && dilation >= 1 && padding >= 0,
                     "\(op): kernel size \(kernel), stride \(stride) and dilation \(dilation) must be positive and padding \(padding) not negative (input \(shape))")
        check(padding <= kernel / 2,
                     "\(op): padding \(padding) must be at most half the kernel size \(kernel) (input \(shape))")
        let span = dilation * (kernel - 1) + 1
        let room = size + 2 * padding - span
        check(room >= 0, "\(op): kernel (dilated size \(span)) is larger than the padded input \(size + 2 * padding) (input \(shape))")
        var out = (room + (ceilMode ? stride - 1 : 0)) / stride + 1
        if ceilMode && (out - 1) * stride >= size + padding { out -= 1 }
        return out
    }

    /// Max-pooling taps: input positions o·s - p + j·d inside the input.
    static func pooling(_ op: Op, size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int,
                        ceilMode: Bool, shape: [Int]) -> AxisTaps {
        let n = poolOutputSize(op, size: size, kernel: kernel, stride: stride, padding: padding,
                               dilation: dilation, ceilMode: ceilMode, shape: shape)
        var t = AxisTaps(size: size)
        for o in 0..<n {
            let start = o * stride - padding
            t.append((0..<kernel).map { start + $0 * dilation }.filter { $0 >= 0 && $0 < size }.map { ($0, 1) })
        }
        return t
    }

    /// Average-pooling taps with weight 1/divisor; the divisor counts padding inside the (clipped to
    /// size + padding) window when `countIncludePad`, else only real pixels. `uniform` gives weight 1.
    static func average(_ op: Op, size: Int, kernel: Int, stride: Int, padding: Int, ceilMode: Bool,
                        countIncludePad: Bool, uniform: Bool, shape: [Int]) -> AxisTaps {
        let n = poolOutputSize(op, size: size, kernel: kernel, stride: stride, padding: padding,
                               dilation: 1, ceilMode: ceilMode, shape: shape)
        var t = AxisTaps(size: size)
        for o in 0..<n {
            let start = o * stride - padding, end = Swift.min(start + kernel, size + padding)
            let lo = Swift.max(start, 0), hi = Swift.min(end, size)
            let divisor = Double(countIncludePad ? end - start : hi - lo)
            t.append((lo..<hi).map { ($0, uniform ? 1 : 1 / divisor) })
        }
        return t
    }

    /// Adaptive-pooling taps: ⌊o·size/outputs⌋ ..< ⌈(o+1)·size/outputs⌉, weight 1/count.
    static func adaptive(_ op: Op, size: Int, outputs: Int, shape: [Int]) -> AxisTaps {
        check(outputs >= 1 && size >= 1, "\(op): output size \(outputs) must be positive (input \(shape))")
        var t = AxisTaps(size: size)
        for o in 0..<outputs {
            let lo = o * size / outputs, hi = ((o + 1) * size + outputs - 1) / outputs
            t.append((lo..<hi).map { ($0, 1 / Double(hi - lo)) })
        }
        return t
    }
}
