// 3-D convolution and transposed convolution (PyTorch's conv3d / conv_transpose3d), composed of the
// 2-D primitives: one conv2d (or conv_transpose2d) per kernel depth tap over every depth slice at
// once (the depth slices folded into the batch), so every gradient, of any order, is the 2-D ops'.

/// A size, stride, padding or dilation for the three spatial axes (depth, height, width).
///
/// Write a single number for all three axes or an array literal `[d, h, w]`.
///
///     let y = conv3d(x, weight: w, stride: [1, 2, 2])
public struct Size3: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// The value for the depth axis.
    public var d: Int
    /// The value for the height axis.
    public var h: Int
    /// The value for the width axis.
    public var w: Int

    /// Different values per axis.
    public init(_ d: Int, _ h: Int, _ w: Int) { self.d = d; self.h = h; self.w = w }
    /// One value for all three axes.
    public init(_ all: Int) { self.init(all, all, all) }
    public init(integerLiteral value: Int) { self.init(value) }
    /// `[d, h, w]`, or `[n]` for all three axes.
    public init(arrayLiteral elements: Int...) {
        check(elements.count == 1 || elements.count == 3, "Size3: expected one or three numbers, got \(elements)")
        self.init(elements[0], elements.count == 3 ? elements[1] : elements[0], elements.count == 3 ? elements[2] : elements[0])
    }

    public var description: String { d == h && h == w ? "\(d)" : "(\(d), \(h), \(w))" }
    var array: [Int] { [d, h, w] }
}

/// Padding of a 3-D convolution: explicit amounts per axis, `.same` (stride 1 only; the extra
/// element of an even kernel goes after, as in PyTorch) or `.valid` (no padding).
///
///     let y = conv3d(x, weight: w, padding: 1)
public enum Padding3d: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    /// The same amount added on both sides of each axis.
    case explicit(Size3)
    /// Pads so that the output has the input's spatial size (stride 1 only).
    case same
    /// No padding.
    case valid

    public init(integerLiteral value: Int) { self = .explicit(Size3(value)) }
    public init(arrayLiteral elements: Int...) {
        check(elements.count == 1 || elements.count == 3, "Padding3d: expected one or three numbers, got \(elements)")
        self = elements.count == 3 ? .explicit(Size3(elements[0], elements[1], elements[2])) : .explicit(Size3(elements[0]))
    }
}

/// 3-D convolution of `x` ([n, c, d, h, w], or unbatched [c, d, h, w]) with `weight`
/// ([o, c/groups, kd, kh, kw]) plus an optional `bias` ([o]), as `torch.nn.functional.conv3d`.
/// Returns [n, o, od, oh, ow].
///
///     let w = Tensor.randn([8, 3, 3, 3, 3])
///     let y = conv3d(volumes, weight: w, padding: 1)
public func conv3d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Size3 = 1,
                   padding: Padding3d = 0, dilation: Size3 = 1, groups: Int = 1) -> Tensor {
    if x.rank == 4 && weight.rank == 5 {
        return conv3d(x.unsqueeze(axis: 0), weight: weight, bias: bias, stride: stride, padding: padding,
                      dilation: dilation, groups: groups).squeeze(axis: 0)
    }
    let op = "conv3d"
    let shapes = "input \(x.shape), weight \(weight.shape)" + (bias.map { ", bias \($0.shape)" } ?? "")
    check(x.rank == 5 && weight.rank == 5,
          "\(op): expected a 5-D input [n, c, d, h, w] and a 5-D weight [o, c/groups, kd, kh, kw], got \(shapes)")
    checkConvDTypes(op, x, weight, bias, shapes: shapes)
    check(groups >= 1, "\(op): groups must be positive, got \(groups) (\(shapes))")
    check(stride.array.allSatisfy { $0 >= 1 } && dilation.array.allSatisfy { $0 >= 1 },
          "\(op): stride \(stride) and dilation \(dilation) must be positive (\(shapes))")
    let (c, o, cg) = (x.shape[1], weight.shape[0], weight.shape[1])
    check(c % groups == 0 && o % groups == 0 && cg * groups == c,
          "\(op): weight expects \(cg * groups) input channels (\(cg) per group × \(groups) groups) and \(o) outputs divisible by the groups, but the input has \(c) (\(shapes))")
    check(weight.shape[2...].allSatisfy { $0 >= 1 } && o >= 1, "\(op): empty weight (\(shapes))")
    if let bias { check(bias.shape == [o], "\(op): bias must have shape [\(o)] (\(shapes))") }
    if x.dtype.isReducedPrecision {
        // Computed in float32 and rounded once.
        return conv3d(x.to(.float32), weight: weight.to(.float32), bias: bias?.to(.float32), stride: stride,
                      padding: padding, dilation: dilation, groups: groups).to(x.dtype)
    }
    let k = Array(weight.shape[2...]), dil = dilation.array
    let span = (0..<3).map { dil[$0] * (k[$0] - 1) + 1 }
    // Padding (before, after) per spatial axis.
    var pads: [(Int, Int)]
    switch padding {
    case .explicit(let p):
        check(p.array.allSatisfy { $0 >= 0 }, "\(op): padding \(p) must not be negative (\(shapes))")
        pads = p.array.map { ($0, $0) }
    case .valid:
        pads = [(0, 0), (0, 0), (0, 0)]
    case .same:
        check(stride == 1, "\(op): padding .same needs stride 1, got stride \(stride) (\(shapes))")
        pads = span.map { ((($0 - 1) / 2), $0 - 1 - ($0 - 1) / 2) }
    }
    for a in 0..<3 {
        check(x.shape[2 + a] + pads[a].0 + pads[a].1 >= span[a],
              "\(op): kernel (dilated size \(span)) is larger than the padded input on spatial axis \(a) (\(shapes), padding \(padding), dilation \(dilation))")
    }
    // Depth padding (and any asymmetric padding) is applied to the input; symmetric height/width
    // padding goes to conv2d.
    let hwSymmetric = pads[1].0 == pads[1].1 && pads[2].0 == pads[2].1
    let xp = x.pad([hwSymmetric ? 0 : pads[2].0, hwSymmetric ? 0 : pads[2].1,
                    hwSymmetric ? 0 : pads[1].0, hwSymmetric ? 0 : pads[1].1, pads[0].0, pads[0].1])
    let pad2 = hwSymmetric ? Padding2d.explicit(Size2(pads[1].0, pads[2].0)) : .explicit(Size2(0))
    let n = x.shape[0], dp = xp.shape[2], od = (dp - span[0]) / stride.d + 1
    let (hp, wp) = (xp.shape[3], xp.shape[4])
    var acc: Tensor? = nil
    for t in 0..<k[0] {
        // Depth slices t·dil, t·dil + s, ... of every output position, folded into the batch.
        let start = t * dil[0]
        let xs = xp.slice(axis: 2, start: start, end: start + (od - 1) * stride.d + 1, step: stride.d)
            .permute([0, 2, 1, 3, 4]).reshape([n * od, c, hp, wp])
        let yt = conv2d(xs, weight: weight.select(axis: 2, index: t), stride: Size2(stride.h, stride.w), padding: pad2,
                        dilation: Size2(dil[1], dil[2]), groups: groups)
        acc = acc.map { $0 + yt } ?? yt
    }
    let y2 = acc!
    var y = y2.reshape([n, od, o, y2.shape[2], y2.shape[3]]).permute([0, 2, 1, 3, 4])
    if let bias { y = y + bias.reshape([1, o, 1, 1, 1]) }
    return y.contiguous()
}

/// 3-D transposed convolution of `x` ([n, cin, d, h, w], or unbatched [cin, d, h, w]) with `weight`
/// ([cin, cout/groups, kd, kh, kw]) plus an optional `bias` ([cout]), as
/// `torch.nn.functional.conv_transpose3d`: the gradient of conv3d with respect to its input.
/// Output size per axis: (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
///
///     let w = Tensor.randn([8, 4, 3, 3, 3])
///     let y = convTranspose3d(x, weight: w, stride: 2, padding: 1, outputPadding: 1)
public func convTranspose3d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Size3 = 1, padding: Size3 = 0,
                            outputPadding: Size3 = 0, dilation: Size3 = 1, groups: Int = 1) -> Tensor {
    if x.rank == 4 && weight.rank == 5 {
        return convTranspose3d(x.unsqueeze(axis: 0), weight: weight, bias: bias, stride: stride, padding: padding,
                               outputPadding: outputPadding, dilation: dilation, groups: groups).squeeze(axis: 0)
    }
    let op = "conv_transpose3d"
    let shapes = "input \(x.shape), weight \(weight.shape)" + (bias.map { ", bias \($0.shape)" } ?? "")
    check(x.rank == 5 && weight.rank == 5,
          "\(op): expected a 5-D input [n, cin, d, h, w] and a 5-D weight [cin, cout/groups, kd, kh, kw], got \(shapes)")
    checkConvDTypes(op, x, weight, bias, shapes: shapes)
    check(groups >= 1 && x.shape[1] == weight.shape[0] && x.shape[1] % groups == 0,
          "\(op): the input's \(x.shape[1]) channels must equal the weight's first axis and divide into \(groups) groups (\(shapes))")
    check(stride.array.allSatisfy { $0 >= 1 } && dilation.array.allSatisfy { $0 >= 1 } && padding.array.allSatisfy { $0 >= 0 },
          "\(op): stride \(stride) and dilation \(dilation) must be positive and padding \(padding) not negative (\(shapes))")
    for a in 0..<3 {
        let op_ = outputPadding.array[a]
        check(op_ >= 0 && (op_ < stride.array[a] || op_ < dilation.array[a]),
              "\(op): output padding \(outputPadding) must be smaller than either the stride \(stride) or the dilation \(dilation) (\(shapes))")
    }
    let cout = weight.shape[1] * groups
    if let bias { check(bias.shape == [cout], "\(op): bias must have shape [\(cout)] (\(shapes))") }
    let (n, cin, d) = (x.shape[0], x.shape[1], x.shape[2])
    let kd = weight.shape[2]
    let full = (d - 1) * stride.d + dilation.d * (kd - 1) + outputPadding.d + 1
    let od = full - 2 * padding.d
    check(od >= 0, "\(op): the output depth \(od) would be negative (\(shapes), padding \(padding))")
    if x.dtype.isReducedPrecision && x.count > 0 {
        // PyTorch's roundings: each column, then each tap's addition (ConvTransposeReducedPrecision.swift).
        for (a, name) in [(3, "height"), (4, "width")] {
            let span: Int = dilation.array[a - 2] * (weight.shape[a] - 1)
            let unpadded: Int = (x.shape[a] - 1) * stride.array[a - 2] + span + outputPadding.array[a - 2] + 1
            let size = unpadded - 2 * padding.array[a - 2]
            check(size >= 0, "\(op): the output \(name) \(size) would be negative (\(shapes), padding \(padding))")
        }
        return convTransposeReducedPrecision(x, weight, bias, stride: stride.array, padding: padding.array,
                                             outputPadding: outputPadding.array, dilation: dilation.array, groups: groups)
    }
    if x.dtype.isReducedPrecision {
        return convTranspose3d(x.to(.float32), weight: weight.to(.float32), bias: bias?.to(.float32), stride: stride,
                               padding: padding, outputPadding: outputPadding, dilation: dilation, groups: groups).to(x.dtype)
    }
    let xs = x.permute([0, 2, 1, 3, 4]).reshape([n * d, cin, x.shape[3], x.shape[4]])
    var acc: Tensor? = nil
    for t in 0..<kd {
        let z = convTranspose2d(xs, weight: weight.select(axis: 2, index: t), stride: Size2(stride.h, stride.w),
                                padding: Size2(padding.h, padding.w), outputPadding: Size2(outputPadding.h, outputPadding.w),
                                dilation: Size2(dilation.h, dilation.w), groups: groups)
        let zt = z.reshape([n, d, cout, z.shape[2], z.shape[3]]).permute([0, 2, 1, 3, 4])
        // Input depth i lands at i·stride + t·dilation of the full (unpadded) output.
        let base = Tensor.zeros([n, cout, full, z.shape[2], z.shape[3]], dtype: x.dtype)
        let start = t * dilation.d
        let placed = d == 0 ? base : base.sliceScatter(zt, axis: 2, start: start, end: start + (d - 1) * stride.d + 1, step: stride.d)
        acc = acc.map { $0 + placed } ?? placed
    }
    var y = acc!.slice(axis: 2, start: padding.d, end: padding.d + od)
    if let bias { y = y + bias.reshape([1, cout, 1, 1, 1]) }
    return y.contiguous()
}
