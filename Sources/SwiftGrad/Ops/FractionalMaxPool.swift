// Fractional max pooling (Graham, 2014; PyTorch's fractional_max_pool2d/3d): max over kernel-sized
// windows whose starts advance by a pseudo-random fractional step, so that the output has any
// requested size. Composed of gather and max over each window (the window starts are integers
// computed from the random samples), so its gradients, of any order, are theirs.

/// Window starts along one axis, as PyTorch's `generate_intervals`: for i < out − 1,
/// ⌊(i + u)·α⌋ − ⌊u·α⌋ with α = (in − k)/(out − 1), and in − k for the last window. Computed in
/// the input's precision (`single`: float32), as PyTorch computes it in the input's scalar type.
private func fractionalIntervals(sample u: Double, input: Int, output: Int, pool: Int, single: Bool) -> [Int] {
    var starts = [Int](repeating: input - pool, count: output)
    guard output > 1 else { return starts }
    if single {
        let alpha = Float(input - pool) / Float(output - 1), s = Float(u)
        for i in 0..<(output - 1) { starts[i] = Int((Float(i) + s) * alpha) - Int(s * alpha) }
    } else {
        let alpha = Double(input - pool) / Double(output - 1)
        for i in 0..<(output - 1) { starts[i] = Int((Double(i) + u) * alpha) - Int(u * alpha) }
    }
    return starts
}

/// The shared body of the 2-D and 3-D ops on a batched input [n, c, spatial...].
private func fractionalMaxPool(_ x: Tensor, kernel: [Int], outputSize: [Int]?, outputRatio: [Double]?, samples: Tensor?,
                               generator: Generator?, op: String) -> (values: Tensor, indices: Tensor) {
    let k = kernel.count
    let batched = x.rank == k + 2
    check(x.rank == k + 1 || batched,
          "\(op): expected a \(k + 1)-D or \(k + 2)-D input, got shape \(x.shape)")
    check(x.dtype.isFloatingPoint, "\(op): expected a float input, got \(x.dtype) of shape \(x.shape)")
    let xb = batched ? x : x.unsqueeze(axis: 0)
    let (n, c) = (xb.shape[0], xb.shape[1]), spatial = Array(xb.shape.suffix(k))
    check(kernel.count == k && kernel.allSatisfy { $0 > 0 }, "\(op): kernel size \(kernel) must be positive (input \(x.shape))")
    check((outputSize == nil) != (outputRatio == nil), "\(op): give exactly one of outputSize and outputRatio (input \(x.shape))")
    let out: [Int]
    if let outputSize {
        check(outputSize.count == k, "\(op): output size \(outputSize) needs \(k) entries (input \(x.shape))")
        out = outputSize
    } else {
        let r = outputRatio!.count == 1 ? [Double](repeating: outputRatio![0], count: k) : outputRatio!
        check(r.count == k && r.allSatisfy { $0 > 0 && $0 < 1 },
              "\(op): output ratio \(outputRatio!) must have 1 or \(k) entries in (0, 1) (input \(x.shape))")
        // PyTorch: int(input_size · ratio), truncated.
        out = (0..<k).map { Int(Double(spatial[$0]) * r[$0]) }
    }
    for a in 0..<k {
        check(out[a] >= 1 && out[a] + kernel[a] - 1 <= spatial[a],
              "\(op): output size \(out) with kernel \(kernel) does not fit the input \(x.shape) (needs output + kernel - 1 <= input on every spatial axis)")
    }
    let u: Tensor
    if let samples {
        // PyTorch takes more sample rows than batch entries (the first ones are used).
        check(samples.rank == 3 && samples.shape[0] >= n && samples.shape[1] == c && samples.shape[2] == k,
              "\(op): random samples must have shape \([n, c, k]) (or more rows) for input \(x.shape), got \(samples.shape)")
        u = samples
    } else {
        u = Tensor.rand([n, c, k], dtype: .float64, generator: generator ?? .default)
    }
    let us = u.to(.float64).doubles
    let single = x.dtype != .float64
    // PyTorch's sample order per plane: (w, h) for 2-D, (t, h, w) for 3-D.
    let sampleSlot = k == 2 ? [1, 0] : Array(0..<k)
    let windows = kernel.reduce(1, *), outCount = out.reduce(1, *)
    var strides = [Int](repeating: 1, count: k)
    for a in stride(from: k - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * spatial[a + 1] }
    var flat = [Int](repeating: 0, count: n * c * outCount * windows)
    var at = 0
    for plane in 0..<(n * c) {
        let starts = (0..<k).map { a in
            fractionalIntervals(sample: us[plane * k + sampleSlot[a]], input: spatial[a], output: out[a], pool: kernel[a], single: single)
        }
        for o in 0..<outCount {
            var rest = o, base = 0
            for a in stride(from: k - 1, through: 0, by: -1) {
                base += starts[a][rest % out[a]] * strides[a]
                rest /= out[a]
            }
            for w in 0..<windows {
                var r = w, offset = 0
                for a in stride(from: k - 1, through: 0, by: -1) {
                    offset += (r % kernel[a]) * strides[a]
                    r /= kernel[a]
                }
                flat[at] = base + offset
                at += 1
            }
        }
    }
    let index = Tensor(flat, shape: [n, c, outCount * windows], dtype: .int64)
    let gathered = xb.reshape([n, c, spatial.reduce(1, *)]).gather(axis: 2, index: index).reshape([n, c] + out + [windows])
    // The first maximum of each window, as PyTorch's kernel (strictly greater replaces).
    let (values, picked) = gathered.max(axis: -1)
    let indices = index.reshape([n, c] + out + [windows]).gather(axis: -1, index: picked.unsqueeze(axis: -1)).squeeze(axis: -1)
    return batched ? (values, indices) : (values.squeeze(axis: 0), indices.squeeze(axis: 0))
}

/// 2-D fractional max pooling of `x` ([n, c, h, w] or [c, h, w]), as PyTorch's
/// `fractional_max_pool2d(..., return_indices=True)`: the values and the flat index (h·W + w) of
/// each maximum. Give `outputSize` or `outputRatio` (one number or [h, w], in (0, 1));
/// `randomSamples` ([n, c, 2] in [0, 1), PyTorch's `_random_samples`, (w, h) per plane) fixes the
/// windows, else they are drawn from `generator`.
///
///     let (y, at) = fractionalMaxPool2dWithIndices(images, kernelSize: 2, outputRatio: [0.5])
public func fractionalMaxPool2dWithIndices(_ x: Tensor, kernelSize: Size2, outputSize: Size2? = nil, outputRatio: [Double]? = nil,
                                           randomSamples: Tensor? = nil, generator: Generator? = nil) -> (values: Tensor, indices: Tensor) {
    fractionalMaxPool(x, kernel: [kernelSize.h, kernelSize.w], outputSize: outputSize.map { [$0.h, $0.w] }, outputRatio: outputRatio,
                      samples: randomSamples, generator: generator, op: "fractionalMaxPool2d")
}

/// 2-D fractional max pooling, as `torch.nn.functional.fractional_max_pool2d` (see
/// `fractionalMaxPool2dWithIndices`).
///
///     let y = fractionalMaxPool2d(images, kernelSize: 3, outputSize: [13, 12])
public func fractionalMaxPool2d(_ x: Tensor, kernelSize: Size2, outputSize: Size2? = nil, outputRatio: [Double]? = nil,
                                randomSamples: Tensor? = nil, generator: Generator? = nil) -> Tensor {
    fractionalMaxPool2dWithIndices(x, kernelSize: kernelSize, outputSize: outputSize, outputRatio: outputRatio,
                                   randomSamples: randomSamples, generator: generator).values
}

/// 3-D fractional max pooling of `x` ([n, c, d, h, w] or [c, d, h, w]), as PyTorch's
/// `fractional_max_pool3d(..., return_indices=True)`: the values and the flat index (t·H·W + h·W + w)
/// of each maximum. `randomSamples` is [n, c, 3] ((t, h, w) per plane).
///
///     let (y, at) = fractionalMaxPool3dWithIndices(volumes, kernelSize: 2, outputSize: [4, 4, 4])
public func fractionalMaxPool3dWithIndices(_ x: Tensor, kernelSize: Size3, outputSize: Size3? = nil, outputRatio: [Double]? = nil,
                                           randomSamples: Tensor? = nil, generator: Generator? = nil) -> (values: Tensor, indices: Tensor) {
    fractionalMaxPool(x, kernel: kernelSize.array, outputSize: outputSize?.array, outputRatio: outputRatio, samples: randomSamples,
                      generator: generator, op: "fractionalMaxPool3d")
}

/// 3-D fractional max pooling, as `torch.nn.functional.fractional_max_pool3d`.
///
///     let y = fractionalMaxPool3d(volumes, kernelSize: 2, outputRatio: [0.5])
public func fractionalMaxPool3d(_ x: Tensor, kernelSize: Size3, outputSize: Size3? = nil, outputRatio: [Double]? = nil,
                                randomSamples: Tensor? = nil, generator: Generator? = nil) -> Tensor {
    fractionalMaxPool3dWithIndices(x, kernelSize: kernelSize, outputSize: outputSize, outputRatio: outputRatio,
                                   randomSamples: randomSamples, generator: generator).values
}
