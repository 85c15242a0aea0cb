// 3-D (volumetric) modules: Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d,
// AdaptiveMaxPool3d, LPPool3d, and Softmax2d (softmax over the channels of every pixel). Each stores
// PyTorch's settings (and its weights in PyTorch's layout) and calls the functional op
// (Ops/Convolution3d.swift, Ops/Pooling3d.swift); inputs are [n, c, d, h, w] or unbatched [c, d, h, w].

/// A triple as PyTorch prints a 3-tuple: `(3, 3, 3)`.
func tuple3(_ s: Size3) -> String { "(\(s.d), \(s.h), \(s.w))" }

// MARK: - Conv3d

/// 3-D convolution over [n, c, d, h, w] (or unbatched [c, d, h, w]) inputs, as `nn.Conv3d`: weight
/// [out, in/groups, kd, kh, kw], bias [out], PyTorch's defaults and initialisation.
///
///     let conv = Conv3d(4, 8, 3, padding: 1)
///     let y = conv(volumes)         // [n, 4, 16, 32, 32] -> [n, 8, 16, 32, 32]
open class Conv3d: Module {
    /// [outChannels, inChannels / groups, kd, kh, kw].
    public let weight: Tensor
    /// [outChannels], or nil with `bias: false`.
    public let bias: Tensor?
    /// Input and output channels.
    public let inChannels: Int, outChannels: Int
    /// Kernel size, step between windows and spacing between kernel taps.
    public let kernelSize: Size3, stride: Size3, dilation: Size3
    /// Padding: explicit amounts, `.same` or `.valid`.
    public let padding: Padding3d
    /// Independent channel groups.
    public let groups: Int
    /// What the padding holds (`.constant`: zeros).
    public let paddingMode: PaddingMode

    /// - Parameters:
    ///   - padding: a number, `[d, h, w]`, `.same` (stride 1 only) or `.valid`.
    ///   - groups: split the channels into independent groups (`groups: inChannels` is depthwise).
    ///   - paddingMode: zeros (`.constant`), `.reflect`, `.replicate` or `.circular` (PyTorch's `padding_mode`).
    ///   - generator: a seeded generator for reproducible initialisation (the default one when nil).
    public init(inChannels: Int, outChannels: Int, kernelSize: Size3, stride: Size3 = 1, padding: Padding3d = 0,
                dilation: Size3 = 1, groups: Int = 1, bias: Bool = true, paddingMode: PaddingMode = .constant,
                dtype: DType = .float32, generator: Generator? = nil) {
        checkChannels("Conv3d", inChannels, outChannels, groups: groups)
        check(kernelSize.array.allSatisfy { $0 > 0 }, "Conv3d: kernel size must be positive, got \(kernelSize)")
        if case .same = padding {
            check(stride == 1, "Conv3d: padding .same needs stride 1, got stride \(stride)")
        }
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding
        self.dilation = dilation; self.groups = groups; self.paddingMode = paddingMode
        (weight, self.bias) = makeConvParameters(weightShape: [outChannels, inChannels / groups] + kernelSize.array,
                                                 biasCount: outChannels, bias: bias, dtype: dtype, generator: generator)
        super.init()
    }

    /// `Conv3d(inChannels:outChannels:kernelSize:)` without labels, as `nn.Conv3d(4, 8, 3)`.
    ///
    ///     let conv = Conv3d(1, 16, [3, 5, 5], stride: [1, 2, 2])
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: Size3, stride: Size3 = 1,
                            padding: Padding3d = 0, dilation: Size3 = 1, groups: Int = 1, bias: Bool = true,
                            paddingMode: PaddingMode = .constant, dtype: DType = .float32, generator: Generator? = nil) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
                  padding: padding, dilation: dilation, groups: groups, bias: bias, paddingMode: paddingMode, dtype: dtype,
                  generator: generator)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        checkConvInput(self, input, spatialAxes: 3, inChannels: inChannels, weight: weight)
        if paddingMode != .constant {
            let amounts: [Int]?
            switch padding {
            case .explicit(let p): amounts = p.array
            case .same: amounts = nil
            case .valid: amounts = [0, 0, 0]
            }
            let pads = explicitPadding(amounts, kernel: kernelSize.array, dilation: dilation.array)
            return conv3d(input.pad(pads, mode: paddingMode), weight: weight, bias: bias, stride: stride, padding: 0,
                          dilation: dilation, groups: groups)
        }
        return conv3d(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    open override var extraDescription: String {
        let pad: String?
        switch padding {
        case .explicit(let p): pad = p == 0 ? nil : tuple3(p)
        case .same: pad = "same"
        case .valid: pad = "valid"
        }
        return convDescription(inChannels, outChannels, kernel: tuple3(kernelSize), stride: tuple3(stride), padding: pad,
                               dilation: dilation == 1 ? nil : tuple3(dilation), outputPadding: nil,
                               groups: groups, bias: bias != nil) + paddingModeDescription(paddingMode)
    }
}

// MARK: - ConvTranspose3d

/// 3-D transposed convolution, as `nn.ConvTranspose3d`: weight [in, out/groups, kd, kh, kw], bias
/// [out]. Output size per axis (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
///
///     let up = ConvTranspose3d(8, 4, 2, stride: 2)
///     let y = up(volumes)           // [n, 8, 4, 8, 8] -> [n, 4, 8, 16, 16]
open class ConvTranspose3d: Module {
    /// [inChannels, outChannels / groups, kd, kh, kw].
    public let weight: Tensor
    /// [outChannels], or nil with `bias: false`.
    public let bias: Tensor?
    /// Input and output channels.
    public let inChannels: Int, outChannels: Int
    /// The settings of `convTranspose3d`.
    public let kernelSize: Size3, stride: Size3, padding: Size3, outputPadding: Size3, dilation: Size3
    /// Independent channel groups.
    public let groups: Int

    /// - Parameters:
    ///   - padding: removes `dilation·(k-1) - padding` zeros of implicit padding from each side.
    ///   - outputPadding: extra planes on one side of the output (smaller than stride or dilation).
    public init(inChannels: Int, outChannels: Int, kernelSize: Size3, stride: Size3 = 1, padding: Size3 = 0,
                outputPadding: Size3 = 0, groups: Int = 1, bias: Bool = true, dilation: Size3 = 1,
                dtype: DType = .float32, generator: Generator? = nil) {
        checkChannels("ConvTranspose3d", inChannels, outChannels, groups: groups)
        check(kernelSize.array.allSatisfy { $0 > 0 }, "ConvTranspose3d: kernel size must be positive, got \(kernelSize)")
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding
        self.outputPadding = outputPadding; self.dilation = dilation; self.groups = groups
        (weight, self.bias) = makeConvParameters(weightShape: [inChannels, outChannels / groups] + kernelSize.array,
                                                 biasCount: outChannels, bias: bias, dtype: dtype, generator: generator)
        super.init()
    }

    /// `ConvTranspose3d(inChannels:outChannels:kernelSize:)` without labels.
    ///
    ///     let up = ConvTranspose3d(16, 8, 3, stride: 2, padding: 1, outputPadding: 1)
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: Size3, stride: Size3 = 1,
                            padding: Size3 = 0, outputPadding: Size3 = 0, groups: Int = 1, bias: Bool = true,
                            dilation: Size3 = 1, dtype: DType = .float32, generator: Generator? = nil) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
                  padding: padding, outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation,
                  dtype: dtype, generator: generator)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        checkConvInput(self, input, spatialAxes: 3, inChannels: inChannels, weight: weight)
        return convTranspose3d(input, weight: weight, bias: bias, stride: stride, padding: padding,
                               outputPadding: outputPadding, dilation: dilation, groups: groups)
    }

    open override var extraDescription: String {
        convDescription(inChannels, outChannels, kernel: tuple3(kernelSize), stride: tuple3(stride),
                        padding: padding == 0 ? nil : tuple3(padding), dilation: dilation == 1 ? nil : tuple3(dilation),
                        outputPadding: outputPadding == 0 ? nil : tuple3(outputPadding), groups: groups, bias: bias != nil)
    }
}

// MARK: - Pooling

/// 3-D max pooling, as `nn.MaxPool3d` (stride defaults to the kernel size); `forwardWithIndices`
/// also returns the argmax indices (PyTorch's `return_indices=True`).
///
///     let pool = MaxPool3d(2)
///     let y = pool(volumes)         // [n, c, 16, 32, 32] -> [n, c, 8, 16, 16]
open class MaxPool3d: Module {
    /// The settings of `maxPool3d`.
    public let kernelSize: Size3, stride: Size3, padding: Size3, dilation: Size3
    /// Round the output size up instead of down.
    public let ceilMode: Bool

    /// - Parameters:
    ///   - stride: defaults to `kernelSize`.
    ///   - padding: implicit -∞ padding on each side, at most half the kernel.
    public init(kernelSize: Size3, stride: Size3? = nil, padding: Size3 = 0, dilation: Size3 = 1, ceilMode: Bool = false) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize
        self.padding = padding; self.dilation = dilation; self.ceilMode = ceilMode
        super.init()
    }

    /// `MaxPool3d(kernelSize:)` without the label, as `nn.MaxPool3d(2)`.
    ///
    ///     let pool = MaxPool3d(3, stride: 2, padding: 1)
    public convenience init(_ kernelSize: Size3, stride: Size3? = nil, padding: Size3 = 0, dilation: Size3 = 1, ceilMode: Bool = false) {
        self.init(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        maxPool3d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// The pooled values and the flat index of each maximum within its volume (PyTorch's
    /// `MaxPool3d(..., return_indices=True)`), for `maxUnpool3d`.
    ///
    ///     let (y, at) = MaxPool3d(2).forwardWithIndices(volumes)
    public func forwardWithIndices(_ input: Tensor) -> (values: Tensor, indices: Tensor) {
        maxPool3dWithIndices(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    open override var extraDescription: String {
        "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding), dilation=\(dilation), ceil_mode=\(ceilMode ? "True" : "False")"
    }
}

/// 3-D average pooling, as `nn.AvgPool3d` (stride defaults to the kernel size).
///
///     let pool = AvgPool3d(2)
///     let y = pool(volumes)         // [n, c, 16, 32, 32] -> [n, c, 8, 16, 16]
open class AvgPool3d: Module {
    /// The settings of `avgPool3d`.
    public let kernelSize: Size3, stride: Size3, padding: Size3
    /// Round the output size up; count the zero padding in the divisor; a fixed divisor.
    public let ceilMode: Bool, countIncludePad: Bool, divisorOverride: Int?

    /// - Parameters:
    ///   - stride: defaults to `kernelSize`.
    ///   - countIncludePad: divide by the whole window, padding included (PyTorch's default).
    ///   - divisorOverride: divide every window's sum by this number instead.
    public init(kernelSize: Size3, stride: Size3? = nil, padding: Size3 = 0, ceilMode: Bool = false,
                countIncludePad: Bool = true, divisorOverride: Int? = nil) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
        self.ceilMode = ceilMode; self.countIncludePad = countIncludePad; self.divisorOverride = divisorOverride
        super.init()
    }

    /// `AvgPool3d(kernelSize:)` without the label, as `nn.AvgPool3d(2)`.
    ///
    ///     let pool = AvgPool3d(3, stride: 2, padding: 1, countIncludePad: false)
    public convenience init(_ kernelSize: Size3, stride: Size3? = nil, padding: Size3 = 0, ceilMode: Bool = false,
                            countIncludePad: Bool = true, divisorOverride: Int? = nil) {
        self.init(kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                  countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        avgPool3d(input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                  countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }

    open override var extraDescription: String { "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding)" }
}

/// 3-D adaptive average pooling to a fixed output size, as `nn.AdaptiveAvgPool3d`.
///
///     let pool = AdaptiveAvgPool3d(1)
///     let y = pool(volumes)         // [n, c, d, h, w] -> [n, c, 1, 1, 1]
open class AdaptiveAvgPool3d: Module {
    /// The output's depth, height and width.
    public let outputSize: Size3

    /// - Parameter outputSize: one number for all three axes or `[d, h, w]`.
    public init(outputSize: Size3) { self.outputSize = outputSize; super.init() }

    /// `AdaptiveAvgPool3d(outputSize:)` without the label.
    ///
    ///     let pool = AdaptiveAvgPool3d([2, 4, 4])
    public convenience init(_ outputSize: Size3) { self.init(outputSize: outputSize) }

    open override func forward(_ input: Tensor) -> Tensor { adaptiveAvgPool3d(input, outputSize: outputSize) }
    open override var extraDescription: String { "output_size=\(outputSize)" }
}

/// 3-D adaptive max pooling to a fixed output size, as `nn.AdaptiveMaxPool3d`; `forwardWithIndices`
/// also returns the argmax indices (PyTorch's `return_indices=True`).
///
///     let pool = AdaptiveMaxPool3d(1)
///     let y = pool(volumes)         // [n, c, d, h, w] -> [n, c, 1, 1, 1]
open class AdaptiveMaxPool3d: Module {
    /// The output's depth, height and width.
    public let outputSize: Size3

    /// - Parameter outputSize: one number for all three axes or `[d, h, w]`.
    public init(outputSize: Size3) { self.outputSize = outputSize; super.init() }

    /// `AdaptiveMaxPool3d(outputSize:)` without the label.
    ///
    ///     let pool = AdaptiveMaxPool3d([2, 4, 4])
    public convenience init(_ outputSize: Size3) { self.init(outputSize: outputSize) }

    open override func forward(_ input: Tensor) -> Tensor { adaptiveMaxPool3d(input, outputSize: outputSize) }

    /// The pooled values and the flat index of each maximum within its volume.
    ///
    ///     let (y, at) = AdaptiveMaxPool3d(2).forwardWithIndices(volumes)
    public func forwardWithIndices(_ input: Tensor) -> (values: Tensor, indices: Tensor) {
        adaptiveMaxPool3dWithIndices(input, outputSize: outputSize)
    }
    open override var extraDescription: String { "output_size=\(outputSize)" }
}

/// Power-average pooling over 3-D windows, as `nn.LPPool3d`: (Σ_window x^p)^(1/p).
///
///     let pool = LPPool3d(normType: 2, kernelSize: 2)
///     let y = pool(volumes)
open class LPPool3d: Module {
    /// The power p, the window, the step (the window when nil), and rounding of the output size.
    public let normType: Double, kernelSize: Size3, stride: Size3?, ceilMode: Bool

    /// - Parameters:
    ///   - normType: the power p (1: sum pooling; large p approaches max pooling).
    ///   - stride: defaults to `kernelSize`.
    public init(normType: Double, kernelSize: Size3, stride: Size3? = nil, ceilMode: Bool = false) {
        self.normType = normType; self.kernelSize = kernelSize; self.stride = stride; self.ceilMode = ceilMode
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        check(input.rank == 4 || input.rank == 5, "LPPool3d: expected a 4-D or 5-D input, got shape \(input.shape)")
        return lpPool3d(input, normType: normType, kernelSize: kernelSize, stride: stride, ceilMode: ceilMode)
    }

    open override var extraDescription: String {
        "norm_type=\(normType), kernel_size=\(kernelSize), stride=\(stride ?? kernelSize), ceil_mode=\(ceilMode ? "True" : "False")"
    }
}

// MARK: - Softmax2d

/// Softmax over the channels at every spatial position, as `nn.Softmax2d`: axis −3 of a
/// [n, c, h, w] or unbatched [c, h, w] input.
///
///     let act = Softmax2d()
///     let p = act(scores)           // each [:, :, i, j] sums to 1
open class Softmax2d: Module {
    open override func forward(_ input: Tensor) -> Tensor {
        check(input.rank == 3 || input.rank == 4, "Softmax2d: expected a 3-D [c, h, w] or 4-D [n, c, h, w] input, got shape \(input.shape)")
        return input.softmax(axis: -3)
    }
}
