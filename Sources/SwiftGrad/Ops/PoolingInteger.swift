// Max and average pooling of integer tensors (PyTorch's CPU pools of int8...int64 and uint8): the
// result keeps the input's dtype; averages divide the integer window sum by the divisor with
// truncation toward zero, as PyTorch's integer division. Integer inputs take no gradient.

/// Max over windows for integer tensors: the argmax found on a float64 copy (exact for values below
/// 2⁵³ in magnitude, so for every dtype but the largest int64), the values gathered from the input
/// itself (exact). Bool is refused, as PyTorch does.
func integerWindowMax(_ op: Op, _ x: Tensor, _ win: Windows2d, oneD: Bool) -> (values: Tensor, indices: Tensor) {
    check(x.dtype != .bool, "\(op): bool tensors are not supported (as PyTorch), got shape \(x.shape)")
    let indices = windowMax(op, x.to(.float64), win, oneD: oneD).indices
    let planeRank = oneD ? 1 : 2
    let planes = x.shape.dropLast(planeRank).reduce(1, *)
    let inPlane = x.shape.suffix(planeRank).reduce(1, *), outPlane = indices.shape.suffix(planeRank).reduce(1, *)
    let values = x.reshape([planes, inPlane]).gather(axis: 1, index: indices.reshape([planes, outPlane])).reshape(indices.shape)
    return (values, indices)
}

/// One axis of an average pool: its taps with unit weights (window sums) and PyTorch's divisor of
/// each output position (the window clipped to the padded input, or to the input when padding does
/// not count).
struct IntegerAvgAxis {
    let taps: AxisTaps
    let divisors: [Double]

    init(_ op: Op, size: Int, kernel: Int, stride: Int, padding: Int, ceilMode: Bool, countIncludePad: Bool, shape: [Int]) {
        taps = AxisTaps.average(op, size: size, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode,
                                countIncludePad: countIncludePad, uniform: true, shape: shape)
        divisors = (0..<taps.outputs).map { o in
            let start = o * stride - padding, end = Swift.min(start + kernel, size + padding)
            return Double(countIncludePad ? end - start : Swift.min(end, size) - Swift.max(start, 0))
        }
    }
}

/// Average pooling of integer tensors: window sums (exact in float64 below 2⁵³) divided by each
/// position's divisor (or `divisorOverride`) and truncated toward zero, as PyTorch's `sum / divisor`
/// in the integer type. `rows` is nil for 1-D pooling.
func integerAvgPool(_ op: Op, _ x: Tensor, rows: IntegerAvgAxis?, cols: IntegerAvgAxis, divisorOverride: Int?) -> Tensor {
    check(x.dtype != .bool, "\(op): bool tensors are not supported (as PyTorch), got shape \(x.shape)")
    let win = Windows2d(rows: rows?.taps ?? .identity(1), cols: cols.taps)
    let sums = windowSum(op, x.to(.float64), win, oneD: rows == nil)
    let rowDivisors = rows?.divisors ?? [1]
    let divisors = rowDivisors.flatMap { r in cols.divisors.map { c in divisorOverride.map(Double.init) ?? r * c } }
    let shape = rows == nil ? [cols.divisors.count] : [rowDivisors.count, cols.divisors.count]
    return (sums / Tensor(divisors, shape: shape, dtype: .float64)).trunc().to(x.dtype)
}
