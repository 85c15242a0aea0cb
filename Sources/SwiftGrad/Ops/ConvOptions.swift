// Argument types shared by convolution, pooling and upsampling: one number or an (h, w) pair, and
// padding given as numbers or as "same"/"valid". PyTorch accepts `3` or `(3, 5)` for these; in Swift
// an integer literal or an array literal of two numbers does the same.

/// A size, stride, padding or dilation for the two spatial axes (height, width).
///
/// Write a single number for both axes or an array literal `[h, w]`; from variables use `Size2(k)`
/// or `Size2(h, w)`.
///
///     let y = conv2d(x, weight: w, stride: 2, dilation: [1, 2])
///     let z = maxPool2d(x, kernelSize: Size2(k))
public struct Size2: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// The value for the height axis.
    public var h: Int
    /// The value for the width axis.
    public var w: Int

    /// Different values for height and width.
    public init(_ h: Int, _ w: Int) { self.h = h; self.w = w }
    /// One value for both axes.
    public init(_ both: Int) { self.init(both, both) }
    public init(integerLiteral value: Int) { self.init(value) }
    /// `[h, w]`, or `[n]` for both axes.
    public init(arrayLiteral elements: Int...) {
        check(elements.count == 1 || elements.count == 2,
                     "Size2: expected one or two numbers, got \(elements)")
        self.init(elements[0], elements.count == 2 ? elements[1] : elements[0])
    }

    public var description: String { h == w ? "\(h)" : "(\(h), \(w))" }
}

/// Padding of a 2-D convolution: explicit amounts per axis (a number or `[h, w]`), `.same` (output
/// as large as the input; stride 1 only, the extra pixel of an even kernel goes to the bottom/right,
/// as in PyTorch) or `.valid` (no padding).
///
///     let y = conv2d(x, weight: w, padding: 1)
///     let z = conv2d(x, weight: w, padding: .same)
public enum Padding2d: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    /// The same amount added on both sides of each axis.
    case explicit(Size2)
    /// Pads so that the output has the input's spatial size (stride 1 only).
    case same
    /// No padding.
    case valid

    public init(integerLiteral value: Int) { self = .explicit(Size2(value)) }
    public init(arrayLiteral elements: Int...) {
        check(elements.count == 1 || elements.count == 2,
                     "Padding2d: expected one or two numbers, got \(elements)")
        self = .explicit(Size2(elements[0], elements.count == 2 ? elements[1] : elements[0]))
    }
}

/// Padding of a 1-D convolution: a number, `.same` or `.valid` (see `Padding2d`).
///
///     let y = conv1d(x, weight: w, padding: 2)
///     let z = conv1d(x, weight: w, padding: .same)
public enum Padding1d: Hashable, Sendable, ExpressibleByIntegerLiteral {
    /// The same amount added at both ends.
    case explicit(Int)
    /// Pads so that the output has the input's length (stride 1 only).
    case same
    /// No padding.
    case valid

    public init(integerLiteral value: Int) { self = .explicit(value) }

    var as2d: Padding2d {
        switch self {
        case .explicit(let p): return .explicit(Size2(0, p))
        case .same: return .same
        case .valid: return .valid
        }
    }
}

/// How `interpolate` computes new pixels.
///
///     let sharp = interpolate(x, scaleFactor: 2, mode: .nearest)
///     let smooth = interpolate(x, scaleFactor: 2, mode: .bilinear)
public enum InterpolationMode: Sendable {
    /// Copy the nearest source pixel (PyTorch's `"nearest"`: source index ⌊dst · in/out⌋).
    case nearest
    /// Linear interpolation along each spatial axis (PyTorch's `"bilinear"`, or `"linear"` for 3-D input).
    case bilinear
    /// Cubic convolution (a = -0.75) over 4×4 source pixels, edges replicated (PyTorch's `"bicubic"`; 4-D input).
    case bicubic
    /// The mean over each output cell's source area, adaptive average pooling (PyTorch's `"area"`).
    case area

    /// PyTorch's name of the mode (`"linear"` for `.bilinear` on 3-D input is not distinguished).
    public var pyTorchName: String {
        switch self {
        case .nearest: return "nearest"
        case .bilinear: return "bilinear"
        case .bicubic: return "bicubic"
        case .area: return "area"
        }
    }
}
