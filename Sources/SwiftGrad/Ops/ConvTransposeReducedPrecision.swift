// Transposed convolutions (1-D, 2-D, 3-D) of float16/bfloat16 inputs, rounded where PyTorch's CPU
// kernel rounds (slow_conv_transpose2d/3d: a GEMM into columns, then col2im/col2vol):
//   1. each column entry, Σ over the group's input channels of weight·input, is accumulated in
//      float32 and stored in the dtype;
//   2. col2im adds the columns into the output in the dtype: every output element starts at 0 and
//      takes its taps one at a time in the kernel's row-major order, rounded after each addition;
//   3. the bias is added last, rounded once more.
// This model reproduced torch 2.15 bit for bit on random 1-D, 2-D and 3-D cases with groups,
// strides, dilations, padding and with or without bias (ConformanceFailuresTests2 holds two of
// them, from Scripts/conformance/failures_reference.py). Composed of differentiable ops (the
// roundings are recorded casts), so the gradients are those of the float32 computation.

/// PyTorch's float16/bfloat16 transposed convolution (see the file's header) of `x` [n, cin, s₁…s_d]
/// with `weight` [cin, cout/groups, k₁…k_d], d = 1, 2 or 3; the arguments were checked by the caller
/// and `x` is not empty. Returns [n, cout, o₁…o_d] in `x`'s dtype.
func convTransposeReducedPrecision(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, stride: [Int], padding: [Int],
                                   outputPadding: [Int], dilation: [Int], groups: Int) -> Tensor {
    let dtype = x.dtype
    let d = x.rank - 2
    let n = x.shape[0], cinG = x.shape[1] / groups, coutG = weight.shape[1], cout = coutG * groups
    let inSizes = Array(x.shape.dropFirst(2)), kSizes = Array(weight.shape.dropFirst(2))
    let taps = kSizes.reduce(1, *), positions = inSizes.reduce(1, *)
    // The output before padding is cropped: input position i of tap k lands at i·stride + k·dilation.
    let full = (0..<d).map { a -> Int in
        let span: Int = dilation[a] * (kSizes[a] - 1)
        return (inSizes[a] - 1) * stride[a] + span + outputPadding[a] + 1
    }
    let stored = { (t: Tensor) in t.to(dtype).to(.float32) }
    return Autocast.disabled {
        // Columns [n, cout, taps, positions]: per group, weightᵀ [coutG·taps, cinG] · x [cinG, positions].
        let w = weight.to(.float32).reshape([1, groups, cinG, coutG * taps]).mT
        let xs = x.to(.float32).reshape([n, groups, cinG, positions])
        let columns = stored(w.matmul(xs)).reshape([n, cout, taps, positions])
        var acc = Tensor.zeros([n, cout] + full, dtype: .float32)
        for t in 0..<taps {
            // Tap t's kernel offsets (row-major over k₁…k_d).
            var offsets = [Int](repeating: 0, count: d), rest = t
            for a in Swift.stride(from: d - 1, through: 0, by: -1) { offsets[a] = rest % kSizes[a]; rest /= kSizes[a] }
            var placed = columns.select(axis: 2, index: t).reshape([n, cout] + inSizes)
            for a in 0..<d {
                var shape = placed.shape; shape[2 + a] = full[a]
                placed = placed.sliceBackward(inShape: shape, axis: 2 + a, start: offsets[a] * dilation[a], step: stride[a])
            }
            acc = stored(acc + placed)
        }
        for a in 0..<d { acc = acc.narrow(axis: 2 + a, start: padding[a], length: full[a] - 2 * padding[a]) }
        if let bias { acc = acc + bias.to(.float32).reshape([1, cout] + [Int](repeating: 1, count: d)) }
        return acc.to(dtype)
    }
}
