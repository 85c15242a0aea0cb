// Transposed convolution (PyTorch's conv_transpose2d / conv_transpose1d): the input gradient of a
// convolution, used as a layer. Forward = GEMM then col2im; its gradients are a convolution (input)
// and a weight-gradient GEMM (Ops/Convolution.swift, `convInputGrad`).

/// 2-D transposed convolution of `x` ([n, cin, h, w], or unbatched [cin, h, w]) with `weight` ([cin, cout/groups, kh, kw]) plus
/// an optional `bias` ([cout]), as `torch.nn.functional.conv_transpose2d`. The output is
/// [n, cout, (h-1)·stride - 2·padding + dilation·(kh-1) + outputPadding + 1, ...].
///
///     let w = Tensor.randn([16, 8, 4, 4])
///     let up = convTranspose2d(features, weight: w, stride: 2, padding: 1)   // doubles h and w
///
/// - Parameters:
///   - padding: removes `dilation·(k-1) - padding` zeros of implicit padding (as in PyTorch).
///   - outputPadding: extra rows/columns added to one side of the output; must be smaller than the
///     stride or the dilation.
public func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Size2 = 1,
                            padding: Size2 = 0, outputPadding: Size2 = 0, dilation: Size2 = 1,
                            groups: Int = 1) -> Tensor {
    if x.rank == 3 && weight.rank == 4 {
        return convTranspose2d(x.unsqueeze(axis: 0), weight: weight, bias: bias, stride: stride, padding: padding,
                               outputPadding: outputPadding, dilation: dilation, groups: groups).squeeze(axis: 0)
    }
    let shapes = "input \(x.shape), weight \(weight.shape)" + (bias.map { ", bias \($0.shape)" } ?? "")
    check(x.rank == 4 && weight.rank == 4,
                 "conv_transpose2d: expected a 4-D input [n, cin, h, w] and a 4-D weight [cin, cout/groups, kh, kw], got \(shapes)")
    let g = transposedGeometry("conv_transpose2d", x.shape, weight.shape, bias, stride: stride, padding: padding,
                               outputPadding: outputPadding, dilation: dilation, groups: groups, shapes: shapes)
    if Autocast.castsLower(x, weight, bias) {
        return convTranspose2d(Autocast.lower(x), weight: Autocast.lower(weight), bias: bias.map(Autocast.lower), stride: stride,
                               padding: padding, outputPadding: outputPadding, dilation: dilation, groups: groups)
    }
    checkConvDTypes("conv_transpose2d", x, weight, bias, shapes: shapes)
    if _slowPath(!x.dtype.isFloatingPoint) { return integerConvTranspose(x, weight, bias, g) }
    if x.dtype.isReducedPrecision && x.count > 0 {
        // PyTorch's roundings: each column, then each tap's addition (ConvTransposeReducedPrecision.swift).
        return convTransposeReducedPrecision(x, weight, bias, stride: [stride.h, stride.w], padding: [padding.h, padding.w],
                                             outputPadding: [outputPadding.h, outputPadding.w],
                                             dilation: [dilation.h, dilation.w], groups: groups)
    }
    if x.dtype.isReducedPrecision {
        return Autocast.disabled {
            convTranspose2d(x.to(.float32), weight: weight.to(.float32), bias: bias?.to(.float32), stride: stride,
                            padding: padding, outputPadding: outputPadding, dilation: dilation, groups: groups).to(x.dtype)
        }
    }
    return convInputGrad(x, weight, bias, g)
}

/// 1-D transposed convolution of `x` ([n, cin, l], or unbatched [cin, l]) with `weight` ([cin, cout/groups, k]) plus an
/// optional `bias` ([cout]), as `torch.nn.functional.conv_transpose1d`.
///
///     let w = Tensor.randn([8, 4, 3])
///     let y = convTranspose1d(signal, weight: w, stride: 2, padding: 1, outputPadding: 1)
public func convTranspose1d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1,
                            padding: Int = 0, outputPadding: Int = 0, dilation: Int = 1,
                            groups: Int = 1) -> Tensor {
    if x.rank == 2 && weight.rank == 3 {
        return convTranspose1d(x.unsqueeze(axis: 0), weight: weight, bias: bias, stride: stride, padding: padding,
                               outputPadding: outputPadding, dilation: dilation, groups: groups).squeeze(axis: 0)
    }
    let shapes = "input \(x.shape), weight \(weight.shape)" + (bias.map { ", bias \($0.shape)" } ?? "")
    check(x.rank == 3 && weight.rank == 3,
                 "conv_transpose1d: expected a 3-D input [n, cin, l] and a 3-D weight [cin, cout/groups, k], got \(shapes)")
    let x4 = x.unsqueeze(axis: 2), w4 = weight.unsqueeze(axis: 2)
    let g = transposedGeometry("conv_transpose1d", x4.shape, w4.shape, bias, stride: Size2(1, stride),
                               padding: Size2(0, padding), outputPadding: Size2(0, outputPadding),
                               dilation: Size2(1, dilation), groups: groups, shapes: shapes)
    if Autocast.castsLower(x, weight, bias) {
        return convTranspose1d(Autocast.lower(x), weight: Autocast.lower(weight), bias: bias.map(Autocast.lower), stride: stride,
                               padding: padding, outputPadding: outputPadding, dilation: dilation, groups: groups)
    }
    checkConvDTypes("conv_transpose1d", x, weight, bias, shapes: shapes)
    if _slowPath(!x.dtype.isFloatingPoint) { return integerConvTranspose(x4, w4, bias, g).squeeze(axis: 2) }
    if x.dtype.isReducedPrecision && x.count > 0 {
        return convTransposeReducedPrecision(x, weight, bias, stride: [stride], padding: [padding], outputPadding: [outputPadding],
                                             dilation: [dilation], groups: groups)
    }
    if x.dtype.isReducedPrecision {
        return Autocast.disabled {
            convTranspose1d(x.to(.float32), weight: weight.to(.float32), bias: bias?.to(.float32), stride: stride,
                            padding: padding, outputPadding: outputPadding, dilation: dilation, groups: groups).to(x.dtype)
        }
    }
    return convInputGrad(x4, w4, bias, g).squeeze(axis: 2)
}

/// Validates a transposed convolution's arguments and returns the geometry of the convolution whose
/// input gradient it is (that convolution's input is this op's output).
func transposedGeometry(_ op: String, _ xs: [Int], _ ws: [Int], _ bias: Tensor?, stride: Size2, padding: Size2,
                        outputPadding: Size2, dilation: Size2, groups: Int, shapes: String) -> ConvGeometry {
    let (n, cin, h, w) = (xs[0], xs[1], xs[2], xs[3])
    let (wIn, coutG, kh, kw) = (ws[0], ws[1], ws[2], ws[3])
    check(groups >= 1, "\(op): groups must be positive, got \(groups) (\(shapes))")
    check(stride.h >= 1 && stride.w >= 1 && dilation.h >= 1 && dilation.w >= 1,
                 "\(op): stride \(stride) and dilation \(dilation) must be positive (\(shapes))")
    check(padding.h >= 0 && padding.w >= 0 && outputPadding.h >= 0 && outputPadding.w >= 0,
                 "\(op): padding \(padding) and outputPadding \(outputPadding) must not be negative (\(shapes))")
    check(cin % groups == 0, "\(op): input channels \(cin) are not divisible by groups \(groups) (\(shapes))")
    check(wIn == cin, "\(op): weight expects \(wIn) input channels but the input has \(cin) (\(shapes))")
    check(kh >= 1 && kw >= 1 && coutG >= 1, "\(op): empty weight (\(shapes))")
    check((outputPadding.h < stride.h || outputPadding.h < dilation.h) &&
                 (outputPadding.w < stride.w || outputPadding.w < dilation.w),
                 "\(op): outputPadding \(outputPadding) must be smaller than the stride \(stride) or the dilation \(dilation) (\(shapes))")
    let cout = coutG * groups
    if let bias { check(bias.shape == [cout], "\(op): bias must have shape [\(cout)] (\(shapes))") }
    let oh = (h - 1) * stride.h - 2 * padding.h + dilation.h * (kh - 1) + outputPadding.h + 1
    let ow = (w - 1) * stride.w - 2 * padding.w + dilation.w * (kw - 1) + outputPadding.w + 1
    check(oh >= 1 && ow >= 1,
                 "\(op): the output would be \(oh)×\(ow): padding \(padding) is too large for the kernel and input (\(shapes))")
    // The convolution from [n, cout, oh, ow] to [n, cin, h, w] with this op's weight.
    return ConvGeometry(n: n, c: cout, h: oh, w: ow, o: cin, kh: kh, kw: kw, sh: stride.h, sw: stride.w,
                        padTop: padding.h, padLeft: padding.w, dh: dilation.h, dw: dilation.w, groups: groups,
                        oh: h, ow: w)
}
