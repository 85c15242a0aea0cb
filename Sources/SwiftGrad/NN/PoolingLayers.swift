// Pooling and resampling modules: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d,
// AdaptiveMaxPool1d/2d and Upsample. No parameters; each calls its function (Ops/Pooling.swift,
// Ops/Upsample.swift) and prints PyTorch's repr.

/// 2-D max pooling, as `nn.MaxPool2d` (stride defaults to the kernel size).
///
///     let pool = MaxPool2d(2)
///     let y = pool(x)               // [n, c, 28, 28] -> [n, c, 14, 14]
open class MaxPool2d: Module {
    /// The settings of `maxPool2d`.
    public let kernelSize: Size2, stride: Size2, padding: Size2, dilation: Size2
    /// Round the output size up instead of down.
    public let ceilMode: Bool

    /// - Parameters:
    ///   - stride: defaults to `kernelSize`.
    ///   - padding: implicit -∞ padding on each side, at most half the kernel.
    ///   - ceilMode: round the output size up (a last, partial window).
    public init(kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0, dilation: Size2 = 1, ceilMode: Bool = false) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize
        self.padding = padding; self.dilation = dilation; self.ceilMode = ceilMode
        super.init()
    }

    /// `MaxPool2d(kernelSize:)` without the label, as `nn.MaxPool2d(2)`.
    ///
    ///     let pool = MaxPool2d(3, stride: 2, padding: 1)
    public convenience init(_ kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0, dilation: Size2 = 1, ceilMode: Bool = false) {
        self.init(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    open override var extraDescription: String {
        "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding), dilation=\(dilation), ceil_mode=\(ceilMode ? "True" : "False")"
    }
}

/// 1-D max pooling along the last axis, as `nn.MaxPool1d`.
///
///     let pool = MaxPool1d(2)
///     let y = pool(signal)          // [n, c, 100] -> [n, c, 50]
open class MaxPool1d: Module {
    /// The settings of `maxPool1d`.
    public let kernelSize: Int, stride: Int, padding: Int, dilation: Int
    /// Round the output size up instead of down.
    public let ceilMode: Bool

    /// The arguments of `nn.MaxPool1d` (stride defaults to the kernel size).
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize
        self.padding = padding; self.dilation = dilation; self.ceilMode = ceilMode
        super.init()
    }

    /// `MaxPool1d(kernelSize:)` without the label.
    ///
    ///     let pool = MaxPool1d(3, stride: 1, padding: 1)
    public convenience init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
        self.init(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        maxPool1d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    open override var extraDescription: String {
        "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding), dilation=\(dilation), ceil_mode=\(ceilMode ? "True" : "False")"
    }
}

/// 2-D average pooling, as `nn.AvgPool2d`.
///
///     let pool = AvgPool2d(2)
///     let y = pool(x)               // [n, c, 8, 8] -> [n, c, 4, 4]
open class AvgPool2d: Module {
    /// The settings of `avgPool2d`.
    public let kernelSize: Size2, stride: Size2, padding: Size2
    /// Output rounding and whether padding counts in the divisor.
    public let ceilMode: Bool, countIncludePad: Bool
    /// A fixed divisor for every window, if set.
    public let divisorOverride: Int?

    /// - Parameters:
    ///   - countIncludePad: divide by the full window (true) or only its real pixels (false).
    ///   - divisorOverride: divide every window by this number instead.
    public init(kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0, ceilMode: Bool = false,
                countIncludePad: Bool = true, divisorOverride: Int? = nil) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
        self.ceilMode = ceilMode; self.countIncludePad = countIncludePad; self.divisorOverride = divisorOverride
        super.init()
    }

    /// `AvgPool2d(kernelSize:)` without the label.
    ///
    ///     let pool = AvgPool2d(3, stride: 1, padding: 1, countIncludePad: false)
    public convenience init(_ kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0, ceilMode: Bool = false,
                            countIncludePad: Bool = true, divisorOverride: Int? = nil) {
        self.init(kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                  countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        avgPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                  countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }

    open override var extraDescription: String { "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding)" }
}

/// 1-D average pooling along the last axis, as `nn.AvgPool1d`.
///
///     let pool = AvgPool1d(4)
///     let y = pool(signal)          // [n, c, 100] -> [n, c, 25]
open class AvgPool1d: Module {
    /// The settings of `avgPool1d`.
    public let kernelSize: Int, stride: Int, padding: Int
    /// Output rounding and whether padding counts in the divisor.
    public let ceilMode: Bool, countIncludePad: Bool

    /// The arguments of `nn.AvgPool1d` (stride defaults to the kernel size).
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = true) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
        self.ceilMode = ceilMode; self.countIncludePad = countIncludePad
        super.init()
    }

    /// `AvgPool1d(kernelSize:)` without the label.
    ///
    ///     let pool = AvgPool1d(3, stride: 1, padding: 1)
    public convenience init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                            countIncludePad: Bool = true) {
        self.init(kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        avgPool1d(input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                  countIncludePad: countIncludePad)
    }

    // PyTorch stores AvgPool1d's sizes as 1-tuples, so its repr prints them that way.
    open override var extraDescription: String {
        "kernel_size=\(tuple1(kernelSize)), stride=\(tuple1(stride)), padding=\(tuple1(padding))"
    }
}

// MARK: - Adaptive pooling

/// Average pooling to a fixed output size, as `nn.AdaptiveAvgPool2d`.
///
///     let gap = AdaptiveAvgPool2d(1)
///     let y = gap(features)         // [n, c, h, w] -> [n, c, 1, 1]
open class AdaptiveAvgPool2d: Module {
    /// The output size.
    public let outputSize: Size2

    /// Pools to `outputSize` cells.
    public init(outputSize: Size2) { self.outputSize = outputSize; super.init() }

    /// `AdaptiveAvgPool2d(outputSize:)` without the label.
    ///
    ///     let pool = AdaptiveAvgPool2d([7, 7])
    public convenience init(_ outputSize: Size2) { self.init(outputSize: outputSize) }

    open override func forward(_ input: Tensor) -> Tensor { adaptiveAvgPool2d(input, outputSize: outputSize) }
    open override var extraDescription: String { "output_size=\(outputSize)" }
}

/// Max pooling to a fixed output size, as `nn.AdaptiveMaxPool2d`.
///
///     let pool = AdaptiveMaxPool2d([2, 2])
///     let y = pool(features)        // [n, c, h, w] -> [n, c, 2, 2]
open class AdaptiveMaxPool2d: Module {
    /// The output size.
    public let outputSize: Size2

    /// Pools to `outputSize` cells.
    public init(outputSize: Size2) { self.outputSize = outputSize; super.init() }

    /// `AdaptiveMaxPool2d(outputSize:)` without the label.
    ///
    ///     let pool = AdaptiveMaxPool2d(1)
    public convenience init(_ outputSize: Size2) { self.init(outputSize: outputSize) }

    open override func forward(_ input: Tensor) -> Tensor { adaptiveMaxPool2d(input, outputSize: outputSize) }
    open override var extraDescription: String { "output_size=\(outputSize)" }
}

/// Average pooling of the last axis to a fixed length, as `nn.AdaptiveAvgPool1d`.
///
///     let pool = AdaptiveAvgPool1d(1)
///     let y = pool(signal)          // [n, c, l] -> [n, c, 1]
open class AdaptiveAvgPool1d: Module {
    /// The output size.
    public let outputSize: Int

    /// Pools to `outputSize` cells.
    public init(outputSize: Int) { self.outputSize = outputSize; super.init() }

    /// `AdaptiveAvgPool1d(outputSize:)` without the label.
    ///
    ///     let pool = AdaptiveAvgPool1d(16)
    public convenience init(_ outputSize: Int) { self.init(outputSize: outputSize) }

    open override func forward(_ input: Tensor) -> Tensor { adaptiveAvgPool1d(input, outputSize: outputSize) }
    open override var extraDescription: String { "output_size=\(outputSize)" }
}

/// Max pooling of the last axis to a fixed length, as `nn.AdaptiveMaxPool1d`.
///
///     let pool = AdaptiveMaxPool1d(1)
///     let y = pool(signal)          // [n, c, l] -> [n, c, 1]
open class AdaptiveMaxPool1d: Module {
    /// The output size.
    public let outputSize: Int

    /// Pools to `outputSize` cells.
    public init(outputSize: Int) { self.outputSize = outputSize; super.init() }

    /// `AdaptiveMaxPool1d(outputSize:)` without the label.
    ///
    ///     let pool = AdaptiveMaxPool1d(4)
    public convenience init(_ outputSize: Int) { self.init(outputSize: outputSize) }

    open override func forward(_ input: Tensor) -> Tensor { adaptiveMaxPool1d(input, outputSize: outputSize) }
    open override var extraDescription: String { "output_size=\(outputSize)" }
}

// MARK: - Upsample

/// Resizes [n, c, h, w] (or [n, c, l]) inputs by a scale factor or to a size, as `nn.Upsample`.
///
///     let up = Upsample(scaleFactor: 2, mode: .bilinear)
///     let y = up(x)                 // [n, c, 7, 7] -> [n, c, 14, 14]
open class Upsample: Module {
    /// The output size, or nil when a scale factor is used.
    public let size: Size2?
    /// The factor for both spatial axes, or nil when a size is used.
    public let scaleFactor: Double?
    /// Nearest or (bi)linear interpolation.
    public let mode: InterpolationMode
    /// For `.bilinear`: map the corner pixels onto each other (PyTorch's `align_corners`).
    public let alignCorners: Bool

    /// Scales the spatial axes by `scaleFactor` (output ⌊in·scaleFactor⌋).
    ///
    ///     let up = Upsample(scaleFactor: 2)
    public init(scaleFactor: Double, mode: InterpolationMode = .nearest, alignCorners: Bool = false) {
        check(scaleFactor > 0, "Upsample: scale factor must be positive, got \(scaleFactor)")
        self.size = nil; self.scaleFactor = scaleFactor; self.mode = mode; self.alignCorners = alignCorners
        super.init()
    }

    /// Resizes the spatial axes to `size` (for 3-D input only `size.w` is used).
    ///
    ///     let up = Upsample(size: [28, 28], mode: .bilinear)
    public init(size: Size2, mode: InterpolationMode = .nearest, alignCorners: Bool = false) {
        self.size = size; self.scaleFactor = nil; self.mode = mode; self.alignCorners = alignCorners
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        if let size { return interpolate(input, size: size, mode: mode, alignCorners: alignCorners) }
        return interpolate(input, scaleFactor: scaleFactor!, mode: mode, alignCorners: alignCorners)
    }

    open override var extraDescription: String {
        let what = size.map { "size=\(tuple2($0))" } ?? "scale_factor=\(scaleFactor!)"
        return what + ", mode='\(mode.pyTorchName)'"
    }
}
