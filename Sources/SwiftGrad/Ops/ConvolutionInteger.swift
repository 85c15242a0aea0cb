// Convolutions of integer tensors (PyTorch's CPU conv and conv_transpose of int64 and the other
// integer dtypes): exact, in the operands' dtype, wrapping around on overflow as PyTorch's. One
// integer matrix product per kernel tap (Ops/MatMulInteger.swift) over a strided view of the padded
// input, summed; conv1d and conv3d reach these through conv2d and conv_transpose2d. Integer
// results take no gradient, so nothing is recorded.

/// conv2d of integer tensors on validated arguments (`g` from `convGeometry`): for each tap (i, j),
/// the input's window view [n, c, oh, ow] at offset (i·dh, j·dw) with the strides times the
/// weight's tap [o, c/groups], per group.
func integerConvolution(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry) -> Tensor {
    // Zeros before as the padding says; after, exactly as far as the last window reaches (a
    // negative amount crops rows no window reads).
    let spanH = g.dh * (g.kh - 1) + 1, spanW = g.dw * (g.kw - 1) + 1
    let afterH = (g.oh - 1) * g.sh + spanH - (g.h + g.padTop)
    let afterW = (g.ow - 1) * g.sw + spanW - (g.w + g.padLeft)
    let xp = x.pad([g.padLeft, afterW, g.padTop, afterH])
    let positions = g.oh * g.ow
    var acc: Tensor? = nil
    for i in 0..<g.kh {
        for j in 0..<g.kw {
            let rows = xp.slice(axis: 2, start: i * g.dh, end: i * g.dh + (g.oh - 1) * g.sh + 1, step: g.sh)
            let window = rows.slice(axis: 3, start: j * g.dw, end: j * g.dw + (g.ow - 1) * g.sw + 1, step: g.sw)
            let tap = w.select(axis: 3, index: j).select(axis: 2, index: i).reshape([g.groups, g.og, g.cg])
            // [groups, o/groups, c/groups] · [n, groups, c/groups, oh·ow] -> [n, groups, o/groups, oh·ow]
            let term = tap.matmul(window.reshape([g.n, g.groups, g.cg, positions]))
            acc = acc.map { $0 + term } ?? term
        }
    }
    let y = acc!.reshape([g.n, g.o, g.oh, g.ow])
    return b.map { y + $0.reshape([g.o, 1, 1]) } ?? y
}

/// conv_transpose2d of integer tensors on validated arguments (`g` from `transposedGeometry`: the
/// convolution from the output [n, g.c, g.h, g.w] back to the input [n, g.o, g.oh, g.ow]): each tap's
/// product weightᵀ · x is added into the output positions it reaches (input row y lands on y·sh +
/// i·dh of the uncropped output), then the padding is cropped.
func integerConvTranspose(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry) -> Tensor {
    let (cin, cout, inH, inW) = (g.o, g.c, g.oh, g.ow)
    let (ing, outg) = (cin / g.groups, cout / g.groups)
    // The uncropped output: padding on both sides of the output (output padding lies inside).
    let full = Tensor.zeros([g.n, cout, g.h + 2 * g.padTop, g.w + 2 * g.padLeft], dtype: DType.result(x.dtype, w.dtype))
    let columns = x.reshape([g.n, g.groups, ing, inH * inW])
    for i in 0..<g.kh {
        for j in 0..<g.kw {
            // [groups, cout/groups, cin/groups] · [n, groups, cin/groups, h·w] -> [n, groups, cout/groups, h·w]
            let tap = w.select(axis: 3, index: j).select(axis: 2, index: i).reshape([g.groups, ing, outg]).mT
            let term = tap.matmul(columns).reshape([g.n, cout, inH, inW])
            let rows = full.slice(axis: 2, start: i * g.dh, end: i * g.dh + (inH - 1) * g.sh + 1, step: g.sh)
            let target = rows.slice(axis: 3, start: j * g.dw, end: j * g.dw + (inW - 1) * g.sw + 1, step: g.sw)
            target += term
        }
    }
    let y = full.narrow(axis: 2, start: g.padTop, length: g.h).narrow(axis: 3, start: g.padLeft, length: g.w).contiguous()
    return b.map { y + $0.reshape([cout, 1, 1]) } ?? y
}
