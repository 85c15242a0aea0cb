// Rearrangements of image tensors: pixel shuffle and unshuffle (reshape + permute), and unfold /
// fold (im2col / col2im) as a strided window view of the padded input and its adjoint. All are
// recorded through the view ops they are built of (as_strided and as_strided_backward for the
// windows), so their gradients and double backward need no op of their own.

/// [*, C·r², H, W] → [*, C, H·r, W·r], as PyTorch's `pixel_shuffle`.
///
///     let up = pixelShuffle(features, upscaleFactor: 2)     // [1, 12, 8, 8] -> [1, 3, 16, 16]
public func pixelShuffle(_ x: Tensor, upscaleFactor r: Int) -> Tensor {
    check(r > 0, "pixelShuffle: upscaleFactor must be positive, got \(r) (input \(x.shape))")
    check(x.rank >= 3, "pixelShuffle: expected an input of at least 3 axes [*, C, H, W], got shape \(x.shape)")
    let lead = Array(x.shape.dropLast(3)), c = x.shape[x.rank - 3], h = x.shape[x.rank - 2], w = x.shape[x.rank - 1]
    check(c % (r * r) == 0, "pixelShuffle: channels \(c) are not divisible by upscaleFactor² = \(r * r) (input \(x.shape))")
    let oc = c / (r * r), b = lead.count
    let y = x.reshape(lead + [oc, r, r, h, w])
    // [*, oc, r, r, h, w] -> [*, oc, h, r, w, r]
    let perm = Array(0..<b) + [b, b + 3, b + 1, b + 4, b + 2]
    return y.permute(perm).reshape(lead + [oc, h * r, w * r])
}

/// [*, C, H·r, W·r] → [*, C·r², H, W], the inverse of `pixelShuffle` (PyTorch's `pixel_unshuffle`).
///
///     let down = pixelUnshuffle(image, downscaleFactor: 2)   // [1, 3, 16, 16] -> [1, 12, 8, 8]
public func pixelUnshuffle(_ x: Tensor, downscaleFactor r: Int) -> Tensor {
    check(r > 0, "pixelUnshuffle: downscaleFactor must be positive, got \(r) (input \(x.shape))")
    check(x.rank >= 3, "pixelUnshuffle: expected an input of at least 3 axes [*, C, H, W], got shape \(x.shape)")
    let lead = Array(x.shape.dropLast(3)), c = x.shape[x.rank - 3], h = x.shape[x.rank - 2], w = x.shape[x.rank - 1]
    check(h % r == 0 && w % r == 0,
          "pixelUnshuffle: height \(h) and width \(w) must be divisible by downscaleFactor \(r) (input \(x.shape))")
    let oh = h / r, ow = w / r, b = lead.count
    let y = x.reshape(lead + [c, oh, r, ow, r])
    // [*, c, oh, r, ow, r] -> [*, c, r, r, oh, ow]
    let perm = Array(0..<b) + [b, b + 2, b + 4, b + 1, b + 3]
    return y.permute(perm).reshape(lead + [c * r * r, oh, ow])
}

/// The window geometry shared by unfold and fold: output positions per axis after padding.
private func foldPositions(_ op: String, size: Int, kernel: Int, dilation: Int, padding: Int, stride: Int,
                           shape: [Int]) -> Int {
    check(kernel > 0 && dilation > 0 && stride > 0 && padding >= 0,
          "\(op): kernelSize, dilation and stride must be positive and padding non-negative, got kernel \(kernel), dilation \(dilation), padding \(padding), stride \(stride) (input \(shape))")
    let span = dilation * (kernel - 1) + 1
    let n = (size + 2 * padding - span) / stride + 1
    check(size + 2 * padding >= span && n >= 1,
          "\(op): a kernel of \(kernel) (dilation \(dilation)) does not fit a padded size of \(size + 2 * padding) (input \(shape))")
    return n
}

/// Extracts sliding local blocks (im2col): [N, C, H, W] → [N, C·kh·kw, L], L the number of window
/// positions, as PyTorch's `F.unfold` (a [C, H, W] input gives [C·kh·kw, L]).
///
///     let cols = unfold(images, kernelSize: 3, padding: 1)      // [n, c·9, h·w]
public func unfold(_ input: Tensor, kernelSize: Size2, dilation: Size2 = 1, padding: Size2 = 0, stride: Size2 = 1) -> Tensor {
    let op = "unfold"
    check(input.rank == 3 || input.rank == 4, "\(op): expected a 3-D or 4-D input, got shape \(input.shape)")
    let x = input.rank == 3 ? input.unsqueeze(axis: 0) : input
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let oh = foldPositions(op, size: h, kernel: kernelSize.h, dilation: dilation.h, padding: padding.h, stride: stride.h, shape: input.shape)
    let ow = foldPositions(op, size: w, kernel: kernelSize.w, dilation: dilation.w, padding: padding.w, stride: stride.w, shape: input.shape)
    let xp = padding.h > 0 || padding.w > 0 ? x.pad([padding.w, padding.w, padding.h, padding.h]) : x
    let (kh, kw) = (kernelSize.h, kernelSize.w)
    let windows = xp.geometricView { st, off in
        ViewGeometry(shape: [n, c, kh, kw, oh, ow],
                     strides: [st[0], st[1], dilation.h * st[2], dilation.w * st[3], stride.h * st[2], stride.w * st[3]],
                     offset: off)
    }
    let cols = windows.reshape([n, c * kh * kw, oh * ow])
    return input.rank == 3 ? cols.squeeze(axis: 0) : cols
}

/// Combines sliding local blocks into a tensor, summing overlaps (col2im), the adjoint of
/// `unfold`: [N, C·kh·kw, L] → [N, C, outputSize.h, outputSize.w], as PyTorch's `F.fold`
/// (a [C·kh·kw, L] input gives [C, H, W]).
///
///     let image = fold(cols, outputSize: [8, 8], kernelSize: 3, padding: 1)
public func fold(_ input: Tensor, outputSize: Size2, kernelSize: Size2, dilation: Size2 = 1, padding: Size2 = 0,
                 stride: Size2 = 1) -> Tensor {
    let op = "fold"
    check(input.rank == 2 || input.rank == 3, "\(op): expected a 2-D or 3-D input, got shape \(input.shape)")
    let x = input.rank == 2 ? input.unsqueeze(axis: 0) : input
    let (kh, kw) = (kernelSize.h, kernelSize.w)
    check(kh > 0 && kw > 0 && x.shape[1] % (kh * kw) == 0,
          "\(op): the size \(x.shape[1]) of axis \(input.rank - 2) must be divisible by the kernel's \(kh)·\(kw) elements (input \(input.shape))")
    check(outputSize.h > 0 && outputSize.w > 0, "\(op): outputSize \(outputSize) must be positive (input \(input.shape))")
    let oh = foldPositions(op, size: outputSize.h, kernel: kh, dilation: dilation.h, padding: padding.h, stride: stride.h, shape: input.shape)
    let ow = foldPositions(op, size: outputSize.w, kernel: kw, dilation: dilation.w, padding: padding.w, stride: stride.w, shape: input.shape)
    check(x.shape[2] == oh * ow,
          "\(op): \(x.shape[2]) blocks do not match the \(oh)·\(ow) = \(oh * ow) window positions of outputSize \(outputSize) (input \(input.shape))")
    let n = x.shape[0], c = x.shape[1] / (kh * kw)
    let hp = outputSize.h + 2 * padding.h, wp = outputSize.w + 2 * padding.w
    let ps = contiguousStrides([n, c, hp, wp])
    let geometry = ViewGeometry(shape: [n, c, kh, kw, oh, ow],
                                strides: [ps[0], ps[1], dilation.h * ps[2], dilation.w * ps[3], stride.h * ps[2], stride.w * ps[3]],
                                offset: 0)
    // The adjoint of the window view: each block element added into zeros of the padded shape.
    var out = x.reshape([n, c, kh, kw, oh, ow]).asStridedBackward(inShape: [n, c, hp, wp], geometry)
    if padding.h > 0 { out = out.narrow(axis: 2, start: padding.h, length: outputSize.h) }
    if padding.w > 0 { out = out.narrow(axis: 3, start: padding.w, length: outputSize.w) }
    return input.rank == 2 ? out.squeeze(axis: 0) : out
}
