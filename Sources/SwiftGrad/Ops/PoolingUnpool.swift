// Max pooling with indices (PyTorch's `return_indices=True`) for the 1-D and adaptive pools, max
// unpooling (the indices' scatter, recorded as `max_pool_backward`, whose backward gathers), and
// power-average (LP) pooling composed of average pooling.

/// `maxPool1d` that also returns where each maximum came from: int64 positions along the last axis.
///
///     let (y, at) = maxPool1dWithIndices(signal, kernelSize: 2)
public func maxPool1dWithIndices(_ x: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                                 dilation: Int = 1, ceilMode: Bool = false) -> (values: Tensor, indices: Tensor) {
    let op = Op.maxPool1d
    check(x.rank == 2 || x.rank == 3, "\(op): expected a 2-D or 3-D input, got shape \(x.shape)")
    let cols = AxisTaps.pooling(op, size: x.shape[x.rank - 1], kernel: kernelSize, stride: stride ?? kernelSize,
                                padding: padding, dilation: dilation, ceilMode: ceilMode, shape: x.shape)
    return windowMax(op, x, Windows2d(rows: .identity(1), cols: cols), oneD: true)
}

/// `adaptiveMaxPool2d` with the flat indices iy·w + ix of each maximum within its plane.
///
///     let (y, at) = adaptiveMaxPool2dWithIndices(features, outputSize: [2, 2])
public func adaptiveMaxPool2dWithIndices(_ x: Tensor, outputSize: Size2) -> (values: Tensor, indices: Tensor) {
    let op = Op.adaptiveMaxPool2d
    check(x.rank == 3 || x.rank == 4, "\(op): expected a 3-D or 4-D input, got shape \(x.shape)")
    let rows = AxisTaps.adaptive(op, size: x.shape[x.rank - 2], outputs: outputSize.h, shape: x.shape)
    let cols = AxisTaps.adaptive(op, size: x.shape[x.rank - 1], outputs: outputSize.w, shape: x.shape)
    return windowMax(op, x, Windows2d(rows: rows, cols: cols))
}

/// `adaptiveMaxPool1d` with the positions of each maximum along the last axis.
///
///     let (y, at) = adaptiveMaxPool1dWithIndices(signal, outputSize: 4)
public func adaptiveMaxPool1dWithIndices(_ x: Tensor, outputSize: Int) -> (values: Tensor, indices: Tensor) {
    let op = Op.adaptiveMaxPool1d
    check(x.rank == 2 || x.rank == 3, "\(op): expected a 2-D or 3-D input, got shape \(x.shape)")
    let cols = AxisTaps.adaptive(op, size: x.shape[x.rank - 1], outputs: outputSize, shape: x.shape)
    return windowMax(op, x, Windows2d(rows: .identity(1), cols: cols), oneD: true)
}

/// The partial inverse of 2-D max pooling: each value of `x` placed at its index (from
/// `maxPool2dWithIndices`) in a zero plane of `outputSize` (default (h - 1)·stride - 2·padding + kernel),
/// as PyTorch's `max_unpool2d`. An index repeated by overlapping windows takes its last value, and,
/// as PyTorch's derivative (a gather of g at the indices), every occurrence receives g at its index.
///
///     let (y, at) = maxPool2dWithIndices(x, kernelSize: 2)
///     let back = maxUnpool2d(y, indices: at, kernelSize: 2)    // x's shape, non-maxima zero
public func maxUnpool2d(_ x: Tensor, indices: Tensor, kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0,
                        outputSize: Size2? = nil) -> Tensor {
    let op = "maxUnpool2d"
    check(x.rank == 3 || x.rank == 4, "\(op): expected a 3-D or 4-D input, got shape \(x.shape)")
    let s = stride ?? kernelSize
    let (h, w) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
    let size = outputSize ?? Size2((h - 1) * s.h - 2 * padding.h + kernelSize.h, (w - 1) * s.w - 2 * padding.w + kernelSize.w)
    return unpool(op, x, indices, outShape: Array(x.shape.dropLast(2)) + [size.h, size.w], planeRank: 2)
}

/// The partial inverse of 1-D max pooling, as PyTorch's `max_unpool1d` (see `maxUnpool2d`).
///
///     let (y, at) = maxPool1dWithIndices(signal, kernelSize: 2)
///     let back = maxUnpool1d(y, indices: at, kernelSize: 2)
public func maxUnpool1d(_ x: Tensor, indices: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                        outputSize: Int? = nil) -> Tensor {
    let op = "maxUnpool1d"
    check(x.rank == 2 || x.rank == 3, "\(op): expected a 2-D or 3-D input, got shape \(x.shape)")
    let l = x.shape[x.rank - 1]
    let size = outputSize ?? (l - 1) * (stride ?? kernelSize) - 2 * padding + kernelSize
    return unpool(op, x, indices, outShape: Array(x.shape.dropLast()) + [size], planeRank: 1)
}

private func unpool(_ op: String, _ x: Tensor, _ indices: Tensor, outShape: [Int], planeRank: Int) -> Tensor {
    check(indices.dtype == .int64 && indices.shape == x.shape,
          "\(op): indices must be int64 of the input's shape \(x.shape), got \(indices.dtype) \(indices.shape)")
    check(outShape.suffix(planeRank).allSatisfy { $0 > 0 }, "\(op): output size \(Array(outShape.suffix(planeRank))) must be positive (input \(x.shape))")
    let plane = outShape.suffix(planeRank).reduce(1, *), outPlane = x.shape.suffix(planeRank).reduce(1, *)
    // Indices are checked on the host; a repeat within a plane keeps only its last value.
    let idx = indices.ints
    var keep = [Bool](repeating: true, count: idx.count), repeats = false
    var last = [Int: Int]()
    for p in 0..<(outPlane == 0 ? 0 : idx.count / outPlane) {
        last.removeAll(keepingCapacity: true)
        for k in (p * outPlane)..<((p + 1) * outPlane) {
            check(idx[k] >= 0 && idx[k] < plane,
                  "\(op): index \(idx[k]) is out of range for an output plane of \(Array(outShape.suffix(planeRank))) (input \(x.shape))")
            if let earlier = last.updateValue(k, forKey: idx[k]) { keep[earlier] = false; repeats = true }
        }
    }
    // Overwritten occurrences add a zero that still carries the gradient (x - x.detach()).
    let loser = x.requiresGrad ? x - x.detach() : Tensor.zeros([], dtype: x.dtype)
    let source = repeats ? Tensor.where(Tensor(keep, shape: x.shape), x, loser) : x
    return maxPoolBackward(source.contiguous(), indices.contiguous(), inShape: outShape, planeRank: planeRank)
}

/// Power-average pooling: (Σ_window x^p)^(1/p), as PyTorch's `lp_pool2d` (computed, as PyTorch, as
/// (kh·kw·avgPool2d(x^p))^(1/p) with the sign of the sum kept and negative sums clipped to 0).
///
///     let y = lpPool2d(x, normType: 2, kernelSize: 2)
public func lpPool2d(_ x: Tensor, normType p: Double, kernelSize: Size2, stride: Size2? = nil, ceilMode: Bool = false) -> Tensor {
    check(p != 0 && !p.isNaN, "lpPool2d: normType must be a non-zero number, got \(p) (input \(x.shape))")
    let avg = avgPool2d(x.pow(p), kernelSize: kernelSize, stride: stride, padding: 0, ceilMode: ceilMode)
    return (avg.sign() * avg.abs().relu() * Double(kernelSize.h * kernelSize.w)).pow(1 / p)
}

/// Power-average pooling along the last axis, as PyTorch's `lp_pool1d`.
///
///     let y = lpPool1d(signal, normType: 2, kernelSize: 3, stride: 1)
public func lpPool1d(_ x: Tensor, normType p: Double, kernelSize: Int, stride: Int? = nil, ceilMode: Bool = false) -> Tensor {
    check(p != 0 && !p.isNaN, "lpPool1d: normType must be a non-zero number, got \(p) (input \(x.shape))")
    let avg = avgPool1d(x.pow(p), kernelSize: kernelSize, stride: stride, padding: 0, ceilMode: ceilMode)
    return (avg.sign() * avg.abs().relu() * Double(kernelSize)).pow(1 / p)
}
