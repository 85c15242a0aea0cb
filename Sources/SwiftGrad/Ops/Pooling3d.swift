// 3-D pooling (PyTorch's max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d, with
// indices) as a gather of each output's window from the flattened volume, then a max or a mean over
// the window. The windows are built once per call from the geometry (separable per axis); the
// gather's backward (a scatter-add) gives every gradient, overlapping windows included, and the
// max's backward sends each output's gradient to the element it picked, as PyTorch.

/// The windows of a pool along one spatial axis: for each output position, the input positions it
/// reads (−1 for padding, so every window has the same length), and its divisor for averages.
struct PoolAxisWindows {
    var positions: [[Int]]
    var divisors: [Double]

    /// Regular windows (max/avg pools): `kernel` taps `dilation` apart, starting at o·stride − padding.
    static func regular(length l: Int, kernel k: Int, stride s: Int, padding p: Int, dilation d: Int, ceilMode: Bool,
                        countIncludePad: Bool, op: String, shape: [Int]) -> PoolAxisWindows {
        let span = d * (k - 1) + 1
        check(k >= 1 && s >= 1 && d >= 1 && p >= 0, "\(op): kernel size, stride and dilation must be positive and padding not negative (input \(shape))")
        check(p <= k / 2, "\(op): padding \(p) must be at most half the kernel size \(k) (input \(shape))")
        let num = l + 2 * p - span
        var out = (ceilMode ? (num + s - 1).floorDiv(s) : num.floorDiv(s)) + 1
        // The last window must start inside the input or its left padding.
        if ceilMode && (out - 1) * s >= l + p { out -= 1 }
        check(out >= 1, "\(op): the output would be empty (input \(shape), kernel \(k), stride \(s), padding \(p), dilation \(d))")
        var w = PoolAxisWindows(positions: [], divisors: [])
        for o in 0..<out {
            let start = o * s - p
            w.positions.append((0..<k).map { j in let i = start + j * d; return i >= 0 && i < l ? i : -1 })
            // PyTorch's avg pool: the window clipped to the padded extent, or to the input.
            let end = Swift.min(start + k, l + p)
            let inside = Swift.min(end, l) - Swift.max(start, 0)
            w.divisors.append(Double(countIncludePad ? end - start : inside))
        }
        return w
    }

    /// Adaptive windows: output o reads ⌊o·l/out⌋ ..< ⌈(o+1)·l/out⌉.
    static func adaptive(length l: Int, output out: Int) -> PoolAxisWindows {
        var starts: [Int] = [], ends: [Int] = []
        for o in 0..<out {
            starts.append((o * l) / out)
            ends.append(((o + 1) * l + out - 1) / out)
        }
        let k = zip(starts, ends).map { $1 - $0 }.max() ?? 0
        var w = PoolAxisWindows(positions: [], divisors: [])
        for (a, b) in zip(starts, ends) {
            w.positions.append((0..<k).map { a + $0 < b ? a + $0 : -1 })
            w.divisors.append(Double(b - a))
        }
        return w
    }
}

private extension Int {
    func floorDiv(_ d: Int) -> Int { self >= 0 ? self / d : -((-self + d - 1) / d) }
}

/// Pools `x` ([n, c, d, h, w] or [c, d, h, w]) over the windows of its three spatial axes: the max
/// (with the flat index of each pick in d·h·w, as PyTorch's indices) or the mean (divided by the
/// product of the per-axis divisors, or by `divisor`).
func pool3d(_ x: Tensor, _ axes: [PoolAxisWindows], max: Bool, divisor: Int? = nil, op: String) -> (values: Tensor, indices: Tensor?) {
    if x.rank == 4 {
        let r = pool3d(x.unsqueeze(axis: 0), axes, max: max, divisor: divisor, op: op)
        return (r.values.squeeze(axis: 0), r.indices?.squeeze(axis: 0))
    }
    if !x.dtype.isFloatingPoint || x.dtype.isReducedPrecision {
        // Integers (max pools) and half types are pooled in a wider float and converted back once.
        let r = pool3d(x.to(x.dtype.isFloatingPoint ? .float32 : .float64), axes, max: max, divisor: divisor, op: op)
        return (r.values.to(x.dtype), r.indices)
    }
    let (n, c, d, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
    let l = d * h * w
    let outShape = axes.map(\.positions.count)
    let k = axes.map { $0.positions.first?.count ?? 0 }
    let outCount = outShape.reduce(1, *), kCount = k.reduce(1, *)
    // The flat position of every tap of every window; l names the filler appended after the input.
    var table = [Int](repeating: l, count: outCount * kCount)
    var slot = 0
    for pd in axes[0].positions { for ph in axes[1].positions { for pw in axes[2].positions {
        for a in pd { for b in ph { for e in pw {
            if a >= 0 && b >= 0 && e >= 0 { table[slot] = (a * h + b) * w + e }
            slot += 1
        } } }
    } } }
    let filler = Tensor.full([n, c, 1], max ? -.infinity : 0, dtype: x.dtype)
    let flat = Tensor.cat([x.reshape([n, c, l]), filler], axis: 2)
    let index = Tensor(table, shape: [1, 1, outCount * kCount]).expand([n, c, outCount * kCount]).contiguous()
    let taps = flat.gather(axis: 2, index: index).reshape([n, c, outCount, kCount])
    if max {
        let r = taps.max(axis: 3)
        let picked = r.indices.ints
        var flatIndex = [Int](repeating: 0, count: picked.count)
        for i in 0..<picked.count { flatIndex[i] = table[(i % Swift.max(outCount, 1)) * kCount + picked[i]] }
        return (r.values.reshape([n, c] + outShape), Tensor(flatIndex, shape: [n, c] + outShape))
    }
    var div = [Double](repeating: 1, count: outCount)
    var i = 0
    for a in axes[0].divisors { for b in axes[1].divisors { for e in axes[2].divisors {
        div[i] = divisor.map(Double.init) ?? a * b * e
        i += 1
    } } }
    let mean = taps.sum(axis: 3) / Tensor(div, shape: [outCount], dtype: x.dtype)
    return (mean.reshape([n, c] + outShape), nil)
}

private func checkPool3dInput(_ x: Tensor, op: String) {
    check(x.rank == 4 || x.rank == 5, "\(op): expected a 4-D [c, d, h, w] or 5-D [n, c, d, h, w] input, got shape \(x.shape)")
    check(x.shape.suffix(3).allSatisfy { $0 > 0 }, "\(op): the spatial axes of input \(x.shape) must not be empty")
}

private func spatial(_ x: Tensor) -> [Int] { Array(x.shape.suffix(3)) }

/// 3-D max pooling with the flat index (in d·h·w) of each maximum, as
/// `torch.nn.functional.max_pool3d(..., return_indices=True)`.
///
///     let (y, idx) = maxPool3dWithIndices(volumes, kernelSize: 2)
public func maxPool3dWithIndices(_ x: Tensor, kernelSize: Size3, stride: Size3? = nil, padding: Size3 = 0, dilation: Size3 = 1,
                                 ceilMode: Bool = false) -> (values: Tensor, indices: Tensor) {
    let op = "maxPool3d"
    checkPool3dInput(x, op: op)
    check(x.dtype != .bool, "\(op): not defined for bool input of shape \(x.shape)")
    let s = (stride ?? kernelSize).array, k = kernelSize.array, p = padding.array, dl = dilation.array, sp = spatial(x)
    let axes = (0..<3).map {
        PoolAxisWindows.regular(length: sp[$0], kernel: k[$0], stride: s[$0], padding: p[$0], dilation: dl[$0], ceilMode: ceilMode,
                                countIncludePad: true, op: op, shape: x.shape)
    }
    let r = pool3d(x, axes, max: true, op: op)
    return (r.values, r.indices!)
}

/// 3-D max pooling of `x` ([n, c, d, h, w] or [c, d, h, w]), as `torch.nn.functional.max_pool3d`.
///
///     let y = maxPool3d(volumes, kernelSize: 3, stride: 2, padding: 1)
public func maxPool3d(_ x: Tensor, kernelSize: Size3, stride: Size3? = nil, padding: Size3 = 0, dilation: Size3 = 1,
                      ceilMode: Bool = false) -> Tensor {
    maxPool3dWithIndices(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode).values
}

/// 3-D average pooling of `x` ([n, c, d, h, w] or [c, d, h, w]), as `torch.nn.functional.avg_pool3d`:
/// padding counts toward the divisor when `countIncludePad`, and `divisorOverride` replaces it.
///
///     let y = avgPool3d(volumes, kernelSize: 2)
public func avgPool3d(_ x: Tensor, kernelSize: Size3, stride: Size3? = nil, padding: Size3 = 0, ceilMode: Bool = false,
                      countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Tensor {
    let op = "avgPool3d"
    checkPool3dInput(x, op: op)
    check(x.dtype != .bool, "\(op): not defined for bool input of shape \(x.shape)")
    if let divisorOverride { check(divisorOverride != 0, "\(op): divisorOverride must not be 0 (input \(x.shape))") }
    if !x.dtype.isFloatingPoint {
        // PyTorch averages integers with truncation toward zero.
        return avgPool3d(x.to(.float64), kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                         countIncludePad: countIncludePad, divisorOverride: divisorOverride).trunc().to(x.dtype)
    }
    let s = (stride ?? kernelSize).array, k = kernelSize.array, p = padding.array, sp = spatial(x)
    let axes = (0..<3).map {
        PoolAxisWindows.regular(length: sp[$0], kernel: k[$0], stride: s[$0], padding: p[$0], dilation: 1, ceilMode: ceilMode,
                                countIncludePad: countIncludePad, op: op, shape: x.shape)
    }
    return pool3d(x, axes, max: false, divisor: divisorOverride, op: op).values
}

/// Adaptive 3-D average pooling to `outputSize` (d, h, w), as `torch.nn.functional.adaptive_avg_pool3d`.
///
///     let y = adaptiveAvgPool3d(volumes, outputSize: 1)
public func adaptiveAvgPool3d(_ x: Tensor, outputSize: Size3) -> Tensor {
    let op = "adaptiveAvgPool3d"
    checkPool3dInput(x, op: op)
    check(x.dtype.isFloatingPoint, "\(op): expected a float input, got \(x.dtype) of shape \(x.shape)")
    check(outputSize.array.allSatisfy { $0 >= 1 }, "\(op): output size \(outputSize) must be positive (input \(x.shape))")
    let sp = spatial(x), o = outputSize.array
    return pool3d(x, (0..<3).map { PoolAxisWindows.adaptive(length: sp[$0], output: o[$0]) }, max: false, op: op).values
}

/// Adaptive 3-D max pooling to `outputSize` with the flat index (in d·h·w) of each maximum, as
/// `torch.nn.functional.adaptive_max_pool3d(..., return_indices=True)`.
///
///     let (y, idx) = adaptiveMaxPool3dWithIndices(volumes, outputSize: [2, 2, 2])
public func adaptiveMaxPool3dWithIndices(_ x: Tensor, outputSize: Size3) -> (values: Tensor, indices: Tensor) {
    let op = "adaptiveMaxPool3d"
    checkPool3dInput(x, op: op)
    check(x.dtype.isFloatingPoint, "\(op): expected a float input, got \(x.dtype) of shape \(x.shape)")
    check(outputSize.array.allSatisfy { $0 >= 1 }, "\(op): output size \(outputSize) must be positive (input \(x.shape))")
    let sp = spatial(x), o = outputSize.array
    let r = pool3d(x, (0..<3).map { PoolAxisWindows.adaptive(length: sp[$0], output: o[$0]) }, max: true, op: op)
    return (r.values, r.indices!)
}

/// Adaptive 3-D max pooling to `outputSize`, as `torch.nn.functional.adaptive_max_pool3d`.
///
///     let y = adaptiveMaxPool3d(volumes, outputSize: 1)
public func adaptiveMaxPool3d(_ x: Tensor, outputSize: Size3) -> Tensor {
    adaptiveMaxPool3dWithIndices(x, outputSize: outputSize).values
}

/// The inverse of `maxPool3d`: each value of `x` written at its index (flat in d·h·w) of a zero
/// volume, as `torch.nn.functional.max_unpool3d`. The output size defaults to
/// (in − 1)·stride − 2·padding + kernel per axis.
///
///     let restored = maxUnpool3d(y, indices: idx, kernelSize: 2)
public func maxUnpool3d(_ x: Tensor, indices: Tensor, kernelSize: Size3, stride: Size3? = nil, padding: Size3 = 0,
                        outputSize: Size3? = nil) -> Tensor {
    let op = "maxUnpool3d"
    check(x.rank == 4 || x.rank == 5, "\(op): expected a 4-D or 5-D input, got shape \(x.shape)")
    check(indices.shape == x.shape && !indices.dtype.isFloatingPoint && indices.dtype != .bool,
          "\(op): indices must be an integer tensor of the input's shape, got \(indices.dtype) \(indices.shape) for input \(x.shape)")
    if x.rank == 4 {
        return maxUnpool3d(x.unsqueeze(axis: 0), indices: indices.unsqueeze(axis: 0), kernelSize: kernelSize, stride: stride,
                           padding: padding, outputSize: outputSize).squeeze(axis: 0)
    }
    let s = (stride ?? kernelSize).array, k = kernelSize.array, p = padding.array, sp = spatial(x)
    let out = outputSize?.array ?? (0..<3).map { (sp[$0] - 1) * s[$0] - 2 * p[$0] + k[$0] }
    let (n, c) = (x.shape[0], x.shape[1])
    let l = out.reduce(1, *)
    let idx = indices.to(.int64).reshape([n, c, -1])
    let flatIdx = idx.ints
    check(flatIdx.allSatisfy { $0 >= 0 && $0 < l }, "\(op): an index is outside the output volume \(out) (input \(x.shape))")
    return Tensor.zeros([n, c, l], dtype: x.dtype).scatter(axis: 2, index: idx, source: x.reshape([n, c, -1])).reshape([n, c] + out)
}
