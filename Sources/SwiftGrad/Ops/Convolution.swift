// 2-D and 1-D convolution (PyTorch's conv2d / conv1d): im2col + one GEMM per group, with the
// gradients as GEMMs against the same columns (Kernels/ConvGemm.swift).
//
// Three recorded primitives make convolution differentiable to any order, each one's backward
// written with the other two:
//   conv2d            y  = conv(x, w) + b
//   conv_transpose2d  dx = convᵀ(dy, w) + b   (the input gradient of conv2d; public as convTranspose2d)
//   conv2d_weight     dw = W(x, dy)           (the weight gradient of conv2d)
// A plain backward (no createGraph) of conv2d runs one fused kernel instead, reusing the forward
// pass's columns.

/// 2-D convolution of `x` ([n, c, h, w], or unbatched [c, h, w]) with `weight` ([o, c/groups, kh, kw])
/// plus an optional `bias` ([o]), as `torch.nn.functional.conv2d`. Returns [n, o, oh, ow].
///
///     let w = Tensor.randn([16, 3, 3, 3]), b = Tensor.zeros([16])
///     let y = conv2d(images, weight: w, bias: b, stride: 1, padding: .same)
///
/// - Parameters:
///   - stride: step between windows (a number or `[h, w]`).
///   - padding: zeros added on each side (a number, `[h, w]`, `.same` or `.valid`).
///   - dilation: spacing between kernel taps.
///   - groups: input and output channels split into this many independent groups (c for depthwise).
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Size2 = 1,
                   padding: Padding2d = 0, dilation: Size2 = 1, groups: Int = 1) -> Tensor {
    if _slowPath(x.dual != nil || weight.dual != nil || bias?.dual != nil),
       let r = Vmap.conv2d(x, weight, bias, { conv2d($0, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups) }) { return r }
    if x.rank == 3 && weight.rank == 4 {
        return conv2d(x.unsqueeze(axis: 0), weight: weight, bias: bias, stride: stride, padding: padding,
                      dilation: dilation, groups: groups).squeeze(axis: 0)
    }
    let shapes = "input \(x.shape), weight \(weight.shape)" + (bias.map { ", bias \($0.shape)" } ?? "")
    check(x.rank == 4 && weight.rank == 4,
                 "conv2d: expected a 4-D input [n, c, h, w] and a 4-D weight [o, c/groups, kh, kw], got \(shapes)")
    let g = convGeometry("conv2d", x.shape, weight.shape, bias, stride: stride, padding: padding,
                         dilation: dilation, groups: groups, shapes: shapes)
    if Autocast.castsLower(x, weight, bias) {
        return conv2d(Autocast.lower(x), weight: Autocast.lower(weight), bias: bias.map(Autocast.lower), stride: stride,
                      padding: padding, dilation: dilation, groups: groups)
    }
    checkConvDTypes("conv2d", x, weight, bias, shapes: shapes)
    if _slowPath(!x.dtype.isFloatingPoint) { return integerConvolution(x, weight, bias, g) }
    if x.dtype.isReducedPrecision {
        // Computed in float32 (float32 accumulation) and rounded once.
        return Autocast.disabled {
            conv2d(x.to(.float32), weight: weight.to(.float32), bias: bias?.to(.float32), stride: stride,
                   padding: padding, dilation: dilation, groups: groups).to(x.dtype)
        }
    }
    return convolve(x, weight, bias, g)
}

/// 1-D convolution of `x` ([n, c, l], or unbatched [c, l]) with `weight` ([o, c/groups, k]) plus an
/// optional `bias` ([o]), as `torch.nn.functional.conv1d`. Returns [n, o, ol].
///
///     let w = Tensor.randn([8, 4, 5])
///     let y = conv1d(signal, weight: w, stride: 2, padding: 2)
public func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1,
                   padding: Padding1d = 0, dilation: Int = 1, groups: Int = 1) -> Tensor {
    if x.rank == 2 && weight.rank == 3 {
        return conv1d(x.unsqueeze(axis: 0), weight: weight, bias: bias, stride: stride, padding: padding,
                      dilation: dilation, groups: groups).squeeze(axis: 0)
    }
    let shapes = "input \(x.shape), weight \(weight.shape)" + (bias.map { ", bias \($0.shape)" } ?? "")
    check(x.rank == 3 && weight.rank == 3,
                 "conv1d: expected a 3-D input [n, c, l] and a 3-D weight [o, c/groups, k], got \(shapes)")
    let x4 = x.unsqueeze(axis: 2), w4 = weight.unsqueeze(axis: 2)
    let g = convGeometry("conv1d", x4.shape, w4.shape, bias, stride: Size2(1, stride), padding: padding.as2d,
                         dilation: Size2(1, dilation), groups: groups, shapes: shapes)
    if Autocast.castsLower(x, weight, bias) {
        return conv1d(Autocast.lower(x), weight: Autocast.lower(weight), bias: bias.map(Autocast.lower), stride: stride,
                      padding: padding, dilation: dilation, groups: groups)
    }
    checkConvDTypes("conv1d", x, weight, bias, shapes: shapes)
    if _slowPath(!x.dtype.isFloatingPoint) { return integerConvolution(x4, w4, bias, g).squeeze(axis: 2) }
    if x.dtype.isReducedPrecision {
        return Autocast.disabled {
            conv1d(x.to(.float32), weight: weight.to(.float32), bias: bias?.to(.float32), stride: stride,
                   padding: padding, dilation: dilation, groups: groups).to(x.dtype)
        }
    }
    return convolve(x4, w4, bias, g).squeeze(axis: 2)
}

// MARK: - Shape checks

/// Validates a convolution's arguments (in the forward pass, naming the op and every shape) and
/// computes its geometry.
func convGeometry(_ op: String, _ xs: [Int], _ ws: [Int], _ bias: Tensor?, stride: Size2, padding: Padding2d,
                  dilation: Size2, groups: Int, shapes: String) -> ConvGeometry {
    let (n, c, h, w) = (xs[0], xs[1], xs[2], xs[3])
    let (o, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3])
    check(groups >= 1, "\(op): groups must be positive, got \(groups) (\(shapes))")
    check(stride.h >= 1 && stride.w >= 1 && dilation.h >= 1 && dilation.w >= 1,
                 "\(op): stride \(stride) and dilation \(dilation) must be positive (\(shapes))")
    check(c % groups == 0, "\(op): input channels \(c) are not divisible by groups \(groups) (\(shapes))")
    check(o % groups == 0, "\(op): output channels \(o) are not divisible by groups \(groups) (\(shapes))")
    check(cg * groups == c,
                 "\(op): weight expects \(cg * groups) input channels (\(cg) per group × \(groups) groups) but the input has \(c) (\(shapes))")
    check(kh >= 1 && kw >= 1 && o >= 1, "\(op): empty weight (\(shapes))")
    if let bias { check(bias.shape == [o], "\(op): bias must have shape [\(o)] (\(shapes))") }
    let span = Size2(dilation.h * (kh - 1) + 1, dilation.w * (kw - 1) + 1)   // extent of the dilated kernel
    var pad: (top: Int, bottom: Int, left: Int, right: Int)
    switch padding {
    case .explicit(let p):
        check(p.h >= 0 && p.w >= 0, "\(op): padding \(p) must not be negative (\(shapes))")
        pad = (p.h, p.h, p.w, p.w)
    case .valid:
        pad = (0, 0, 0, 0)
    case .same:
        check(stride == 1, "\(op): padding .same needs stride 1, got stride \(stride) (\(shapes))")
        // The extra pixel of an even kernel goes after (bottom/right), as in PyTorch.
        pad = ((span.h - 1) / 2, span.h - 1 - (span.h - 1) / 2, (span.w - 1) / 2, span.w - 1 - (span.w - 1) / 2)
    }
    let ph = h + pad.top + pad.bottom, pw = w + pad.left + pad.right
    check(ph >= span.h && pw >= span.w,
                 "\(op): kernel (dilated size \(span.h)×\(span.w)) is larger than the padded input \(ph)×\(pw) (\(shapes), padding \(padding), dilation \(dilation))")
    return ConvGeometry(n: n, c: c, h: h, w: w, o: o, kh: kh, kw: kw, sh: stride.h, sw: stride.w,
                        padTop: pad.top, padLeft: pad.left, dh: dilation.h, dw: dilation.w, groups: groups,
                        oh: (ph - span.h) / stride.h + 1, ow: (pw - span.w) / stride.w + 1)
}

func checkConvDTypes(_ op: String, _ x: Tensor, _ w: Tensor, _ bias: Tensor?, shapes: String) {
    // Integer dtypes (not bool) convolve exactly (Ops/ConvolutionInteger.swift), as PyTorch's CPU conv.
    check(x.dtype != .bool && x.dtype == w.dtype && (bias == nil || bias!.dtype == x.dtype),
                 "\(op): input, weight and bias need one float or integer dtype, got \(x.dtype), \(w.dtype)\(bias.map { ", \($0.dtype)" } ?? "") (\(shapes))")
}

// MARK: - Recorded primitives

/// Whether an op with these inputs is being recorded now.
private func willRecord(_ inputs: Tensor?...) -> Bool {
    (ThreadContext.current.gradEnabled && inputs.contains { $0?.requiresGrad ?? false }) || inputs.contains { $0?.dual != nil }
}

/// conv2d on validated arguments.
func convolve(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry) -> Tensor {
    // The columns are kept for backward only when the weight gradient will need them.
    let keep = willRecord(x, w, b) && w.requiresGrad
    let (out, cols) = Kernels.convForward(x, w, b, g, keepColumns: keep)
    return recordedConv2d(out, x, w, b, g, columns: ConvColumns(cols))
}

/// Records `out` = conv2d(x, w) + b. Its one backward: the fused kernel computes the three
/// gradients in one pass over dy (reusing the forward's columns), and each is recorded as the op it
/// is (conv_transpose2d(dy, w), conv2d_weight(x, dy), the sum of dy over n, h, w), so under
/// createGraph the gradients are differentiable again; without a graph the recording is a no-op.
func recordedConv2d(_ out: Tensor, _ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry, columns saved: ConvColumns) -> Tensor {
    out.recorded(.conv2d, inputs: b.map { [x, w, $0] } ?? [x, w], save: [.input0, .input1]) { dy, ctx in
        let x = ctx.input(0), w = ctx.input(1)
        let hasBias = ctx.node.inputs.count == 3
        // One pass over dy for all three gradients; the bias gradient is summed from its channel-major copy.
        let (dx, dw, db) = Kernels.convBackward(x: x, w: w, dy: dy, g, columns: saved.take(), needInput: ctx.needsGrad(0),
                                                 needWeight: ctx.needsGrad(1), needBias: hasBias && ctx.needsGrad(2))
        let grads = [dx.map { recordedConvTranspose2d($0, dy, w, nil, g) }, dw.map { recordedConv2dWeight($0, x, dy, g) }]
        guard hasBias else { return grads }
        let dyShape = dy.shape
        return grads + [db.map {
            $0.recorded(.sum, dy) { gb, _ in [gb.reshape([1, -1, 1, 1]).expand(dyShape)] } forward: { f in f.tangent.sum(axes: [0, 2, 3]) }
        }]
    } forward: { f in
        // Linear in each argument: conv(dx, w) + conv(x, dw) + db.
        f.sum(f.tangent(0).map { convolve($0, f.input(1), nil, g) }, f.tangent(1).map { convolve(f.input(0), $0, nil, g) },
              f.inputs.count == 3 ? f.tangent(2).map { $0.reshape([1, -1, 1, 1]) } : nil)
    }
}

/// The input gradient of conv2d for `dy` ([n, o, oh, ow]): [n, c, h, w], plus `b` per channel.
/// Also the forward pass of a transposed convolution.
func convInputGrad(_ dy: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry) -> Tensor {
    let (dx, _, _) = Kernels.convBackward(x: nil, w: w, dy: dy, g, columns: nil, needInput: true, needWeight: false)
    if let b { Kernels.addChannelBias(dx!, b) }
    return recordedConvTranspose2d(dx!, dy, w, b, g)
}

/// Records `dx` = conv_transpose2d(dy, w) + b. Its one backward: the columns of gx serve both
/// gradients (built once when they fit a chunk); they are recorded as conv2d(gx, w) and
/// conv2d_weight(gx, dy).
func recordedConvTranspose2d(_ dx: Tensor, _ dy: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry) -> Tensor {
    dx.recorded(.convTranspose2d, inputs: b.map { [dy, w, $0] } ?? [dy, w], save: [.input0, .input1]) { gx, ctx in
        let dy = ctx.input(0), w = ctx.input(1)
        let hasBias = ctx.node.inputs.count == 3
        let db = hasBias && ctx.needsGrad(2) ? gx.sum(axes: [0, 2, 3]) : nil
        var ddy: Tensor? = nil, dw: Tensor? = nil, cols: SavedColumns? = nil
        if ctx.needsGrad(0) {
            let out: Tensor
            (out, cols) = Kernels.convForward(gx, w, nil, g, keepColumns: ctx.needsGrad(1))
            ddy = recordedConv2d(out, gx, w, nil, g, columns: ConvColumns(nil))
        }
        if ctx.needsGrad(1) {
            let gw = Kernels.convBackward(x: gx, w: nil, dy: dy, g, columns: cols, needInput: false, needWeight: true).1!
            dw = recordedConv2dWeight(gw, gx, dy, g)
        }
        return hasBias ? [ddy, dw, db] : [ddy, dw]
    } forward: { f in
        f.sum(f.tangent(0).map { convInputGrad($0, f.input(1), nil, g) }, f.tangent(1).map { convInputGrad(f.input(0), $0, nil, g) },
              f.inputs.count == 3 ? f.tangent(2).map { $0.reshape([1, -1, 1, 1]) } : nil)
    }
}

/// Records `dw` = conv2d_weight(x, dy), the weight gradient of conv2d (Σ over the batch of
/// dy · columns(x)ᵀ, shaped [o, c/groups, kh, kw]); its backward is composed of conv_transpose2d and conv2d.
func recordedConv2dWeight(_ dw: Tensor, _ x: Tensor, _ dy: Tensor, _ g: ConvGeometry) -> Tensor {
    dw.recorded(.conv2dWeight, x, dy, save: [.input0, .input1]) { gw, ctx in
        let x = ctx.input(0), dy = ctx.input(1)
        return [ctx.needsGrad(0) ? convInputGrad(dy, gw, nil, g) : nil,
                ctx.needsGrad(1) ? convolve(x, gw, nil, g) : nil]
    } forward: { f in
        f.sum(f.tangent(0).map { convWeightGrad($0, f.input(1), g) }, f.tangent(1).map { convWeightGrad(f.input(0), $0, g) })
    }
}

/// conv2d's weight gradient for input `x` and output gradient `dy`, recorded as conv2d_weight.
func convWeightGrad(_ x: Tensor, _ dy: Tensor, _ g: ConvGeometry) -> Tensor {
    let gw = Kernels.convBackward(x: x, w: nil, dy: dy, g, columns: nil, needInput: false, needWeight: true).1!
    return recordedConv2dWeight(gw, x, dy, g)
}
