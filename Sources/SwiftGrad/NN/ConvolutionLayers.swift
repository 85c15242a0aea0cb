// Convolution modules: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d. Each stores its weight and
// bias in PyTorch's layout and calls the functional op (Ops/Convolution.swift, Ops/ConvTranspose.swift).
//
// Initialisation is PyTorch's `reset_parameters`: weight kaiming-uniform with a = √5, which is
// U(±1/√fanIn), and bias U(±1/√fanIn), where fanIn = weight.shape[1] · kernel elements. For a
// transposed convolution weight.shape[1] is out/groups, exactly as PyTorch computes it.

/// Creates a convolution weight (kaiming-uniform a = √5) and optional bias (U(±1/√fanIn)).
func makeConvParameters(weightShape: [Int], biasCount: Int, bias: Bool, dtype: DType,
                        generator: Generator?) -> (Tensor, Tensor?) {
    let weight = makeParameter(weightShape, dtype: dtype) { Init.kaimingUniform($0, a: 5.0.squareRoot(), generator: generator) }
    let fanIn = Init.fans(weightShape).fanIn
    let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
    let b = bias ? makeParameter([biasCount], dtype: dtype) { Init.uniform($0, low: -bound, high: bound, generator: generator) } : nil
    return (weight, b)
}

/// PyTorch's `extra_repr` of a convolution: sizes as tuples, non-default settings only.
func convDescription(_ inChannels: Int, _ outChannels: Int, kernel: String, stride: String, padding: String?,
                     dilation: String?, outputPadding: String?, groups: Int, bias: Bool) -> String {
    var s = "\(inChannels), \(outChannels), kernel_size=\(kernel), stride=\(stride)"
    if let padding { s += ", padding=\(padding)" }
    if let dilation { s += ", dilation=\(dilation)" }
    if let outputPadding { s += ", output_padding=\(outputPadding)" }
    if groups != 1 { s += ", groups=\(groups)" }
    if !bias { s += ", bias=False" }
    return s
}

/// A pair as PyTorch prints a 2-tuple: `(5, 5)`.
func tuple2(_ s: Size2) -> String { "(\(s.h), \(s.w))" }

/// One number as PyTorch prints a 1-tuple: `(5,)`.
func tuple1(_ n: Int) -> String { "(\(n),)" }

/// Stops unless a batched or unbatched input has the layer's channel count and dtype, naming the
/// layer (`Conv2d(3, 8, kernel_size=(3, 3), ...)`), the input's shape and the weight's.
func checkConvInput(_ layer: ModuleBase, _ input: Tensor, spatialAxes: Int, inChannels: Int, weight: Tensor) {
    // Ranks other than batched/unbatched are left to the op, whose message names the expected rank.
    guard input.rank == spatialAxes + 2 || input.rank == spatialAxes + 1 else { return }
    let c = input.rank == spatialAxes + 2 ? 1 : 0
    check(input.shape[c] == inChannels,
          "\(layer.typeName)(\(layer.extraDescription)): weight of size \(weight.shape) expects input \(input.shape) to have \(inChannels) channels on axis \(c), but got \(input.shape[c]) channels")
    checkInputDType(layer.typeName, input, weight)
}

func checkChannels(_ op: String, _ inChannels: Int, _ outChannels: Int, groups: Int) {
    check(inChannels > 0 && outChannels > 0 && groups > 0,
                 "\(op): channels and groups must be positive, got in \(inChannels), out \(outChannels), groups \(groups)")
    check(inChannels % groups == 0 && outChannels % groups == 0,
                 "\(op): in_channels \(inChannels) and out_channels \(outChannels) must be divisible by groups \(groups)")
}

/// The explicit (before, after) padding of each spatial axis as `pad` takes it (last axis first),
/// for a convolution whose padding is not zeros: PyTorch's `_reversed_padding_repeated_twice`
/// (`.same`: the extra element of an even span after).
func explicitPadding(_ amounts: [Int]?, kernel: [Int], dilation: [Int]) -> [Int] {
    var pads: [Int] = []
    for a in stride(from: kernel.count - 1, through: 0, by: -1) {
        if let amounts {
            pads += [amounts[a], amounts[a]]
        } else {
            let total = dilation[a] * (kernel[a] - 1)
            pads += [total / 2, total - total / 2]
        }
    }
    return pads
}

func explicitPadding(padding2d p: Padding2d, kernel: [Int], dilation: [Int]) -> [Int] {
    switch p {
    case .explicit(let s): return explicitPadding([s.h, s.w], kernel: kernel, dilation: dilation)
    case .same: return explicitPadding(nil, kernel: kernel, dilation: dilation)
    case .valid: return explicitPadding([0, 0], kernel: kernel, dilation: dilation)
    }
}

/// PyTorch's repr suffix for a padding mode other than zeros.
func paddingModeDescription(_ mode: PaddingMode) -> String {
    mode == .constant ? "" : ", padding_mode=\(mode.rawValue)"
}

// MARK: - Conv2d

/// 2-D convolution over [n, c, h, w] (or unbatched [c, h, w]) inputs, as `nn.Conv2d`: weight
/// [out, in/groups, kh, kw], bias [out], PyTorch's defaults and initialisation.
///
///     let conv = Conv2d(1, 6, 5, padding: 2)
///     let y = conv(images)          // [n, 1, 28, 28] -> [n, 6, 28, 28]
open class Conv2d: Module {
    /// [outChannels, inChannels / groups, kh, kw].
    public let weight: Tensor
    /// [outChannels], or nil with `bias: false`.
    public let bias: Tensor?
    /// Input and output channels.
    public let inChannels: Int, outChannels: Int
    /// Kernel size, step between windows and spacing between kernel taps.
    public let kernelSize: Size2, stride: Size2, dilation: Size2
    /// Padding: explicit amounts, `.same` or `.valid`.
    public let padding: Padding2d
    /// Independent channel groups.
    public let groups: Int
    /// What the padding holds (`.constant`: zeros).
    public let paddingMode: PaddingMode

    /// - Parameters:
    ///   - padding: a number, `[h, w]`, `.same` (stride 1 only) or `.valid`.
    ///   - groups: split the channels into independent groups (`groups: inChannels` is depthwise).
    ///   - paddingMode: what the padding holds: zeros (`.constant`, PyTorch's 'zeros'), `.reflect`,
    ///     `.replicate` or `.circular` (PyTorch's `padding_mode`).
    ///   - dtype: `.float64` for gradient checks.
    ///   - generator: a seeded generator for reproducible initialisation (the default one when nil).
    public init(inChannels: Int, outChannels: Int, kernelSize: Size2, stride: Size2 = 1, padding: Padding2d = 0,
                dilation: Size2 = 1, groups: Int = 1, bias: Bool = true, paddingMode: PaddingMode = .constant,
                dtype: DType = .float32, generator: Generator? = nil) {
        checkChannels("Conv2d", inChannels, outChannels, groups: groups)
        check(kernelSize.h > 0 && kernelSize.w > 0, "Conv2d: kernel size must be positive, got \(kernelSize)")
        if case .same = padding {
            check(stride == 1, "Conv2d: padding .same needs stride 1, got stride \(stride)")
        }
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding
        self.dilation = dilation; self.groups = groups; self.paddingMode = paddingMode
        (weight, self.bias) = makeConvParameters(weightShape: [outChannels, inChannels / groups, kernelSize.h, kernelSize.w],
                                                 biasCount: outChannels, bias: bias, dtype: dtype, generator: generator)
        super.init()
    }

    /// `Conv2d(inChannels:outChannels:kernelSize:)` without labels, as `nn.Conv2d(1, 6, 5)`.
    ///
    ///     let conv = Conv2d(3, 16, 3, stride: 2, padding: 1)
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: Size2, stride: Size2 = 1,
                            padding: Padding2d = 0, dilation: Size2 = 1, groups: Int = 1, bias: Bool = true,
                            paddingMode: PaddingMode = .constant, dtype: DType = .float32, generator: Generator? = nil) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
                  padding: padding, dilation: dilation, groups: groups, bias: bias, paddingMode: paddingMode, dtype: dtype,
                  generator: generator)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        checkConvInput(self, input, spatialAxes: 2, inChannels: inChannels, weight: weight)
        if paddingMode != .constant {
            let pads = explicitPadding(padding2d: padding, kernel: [kernelSize.h, kernelSize.w], dilation: [dilation.h, dilation.w])
            return conv2d(input.pad(pads, mode: paddingMode), weight: weight, bias: bias, stride: stride, padding: 0,
                          dilation: dilation, groups: groups)
        }
        return conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    open override var extraDescription: String {
        let pad: String?
        switch padding {
        case .explicit(let p): pad = p == 0 ? nil : tuple2(p)
        case .same: pad = "same"
        case .valid: pad = "valid"
        }
        return convDescription(inChannels, outChannels, kernel: tuple2(kernelSize), stride: tuple2(stride), padding: pad,
                               dilation: dilation == 1 ? nil : tuple2(dilation), outputPadding: nil,
                               groups: groups, bias: bias != nil) + paddingModeDescription(paddingMode)
    }
}

// MARK: - Conv1d

/// 1-D convolution over [n, c, l] (or unbatched [c, l]) inputs, as `nn.Conv1d`: weight
/// [out, in/groups, k], bias [out].
///
///     let conv = Conv1d(4, 8, 3, padding: 1)
///     let y = conv(signal)          // [n, 4, 100] -> [n, 8, 100]
open class Conv1d: Module {
    /// [outChannels, inChannels / groups, kernelSize].
    public let weight: Tensor
    /// [outChannels], or nil with `bias: false`.
    public let bias: Tensor?
    /// Input and output channels.
    public let inChannels: Int, outChannels: Int
    /// Kernel length, step between windows and spacing between kernel taps.
    public let kernelSize: Int, stride: Int, dilation: Int
    /// Padding: an amount, `.same` or `.valid`.
    public let padding: Padding1d
    /// Independent channel groups.
    public let groups: Int
    /// What the padding holds (`.constant`: zeros).
    public let paddingMode: PaddingMode

    /// - Parameters:
    ///   - padding: a number, `.same` (stride 1 only) or `.valid`.
    ///   - groups: split the channels into independent groups.
    ///   - paddingMode: zeros (`.constant`), `.reflect`, `.replicate` or `.circular` (PyTorch's `padding_mode`).
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Padding1d = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, paddingMode: PaddingMode = .constant,
                dtype: DType = .float32, generator: Generator? = nil) {
        checkChannels("Conv1d", inChannels, outChannels, groups: groups)
        check(kernelSize > 0, "Conv1d: kernel size must be positive, got \(kernelSize)")
        if case .same = padding {
            check(stride == 1, "Conv1d: padding .same needs stride 1, got stride \(stride)")
        }
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding
        self.dilation = dilation; self.groups = groups; self.paddingMode = paddingMode
        (weight, self.bias) = makeConvParameters(weightShape: [outChannels, inChannels / groups, kernelSize],
                                                 biasCount: outChannels, bias: bias, dtype: dtype, generator: generator)
        super.init()
    }

    /// `Conv1d(inChannels:outChannels:kernelSize:)` without labels.
    ///
    ///     let conv = Conv1d(16, 32, 5, stride: 2)
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: Int, stride: Int = 1,
                            padding: Padding1d = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true,
                            paddingMode: PaddingMode = .constant, dtype: DType = .float32, generator: Generator? = nil) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
                  padding: padding, dilation: dilation, groups: groups, bias: bias, paddingMode: paddingMode, dtype: dtype,
                  generator: generator)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        checkConvInput(self, input, spatialAxes: 1, inChannels: inChannels, weight: weight)
        if paddingMode != .constant {
            let p: Padding2d
            switch padding {
            case .explicit(let n): p = .explicit(Size2(0, n))
            case .same: p = .same
            case .valid: p = .valid
            }
            let pads = explicitPadding(padding2d: p, kernel: [1, kernelSize], dilation: [1, dilation]).prefix(2)
            return conv1d(input.pad(Array(pads), mode: paddingMode), weight: weight, bias: bias, stride: stride, padding: 0,
                          dilation: dilation, groups: groups)
        }
        return conv1d(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    open override var extraDescription: String {
        let pad: String?
        switch padding {
        case .explicit(let p): pad = p == 0 ? nil : tuple1(p)
        case .same: pad = "same"
        case .valid: pad = "valid"
        }
        return convDescription(inChannels, outChannels, kernel: tuple1(kernelSize), stride: tuple1(stride), padding: pad,
                               dilation: dilation == 1 ? nil : tuple1(dilation), outputPadding: nil,
                               groups: groups, bias: bias != nil) + paddingModeDescription(paddingMode)
    }
}

// MARK: - Transposed convolutions

/// 2-D transposed convolution ("deconvolution"), as `nn.ConvTranspose2d`: weight
/// [in, out/groups, kh, kw], bias [out]. Output size (h-1)·stride - 2·padding + dilation·(kh-1) + outputPadding + 1.
///
///     let up = ConvTranspose2d(16, 8, 4, stride: 2, padding: 1)
///     let y = up(features)          // [n, 16, 7, 7] -> [n, 8, 14, 14]
open class ConvTranspose2d: Module {
    /// [inChannels, outChannels / groups, kh, kw].
    public let weight: Tensor
    /// [outChannels], or nil with `bias: false`.
    public let bias: Tensor?
    /// Input and output channels.
    public let inChannels: Int, outChannels: Int
    /// The settings of `convTranspose2d`.
    public let kernelSize: Size2, stride: Size2, padding: Size2, outputPadding: Size2, dilation: Size2
    /// Independent channel groups.
    public let groups: Int

    /// - Parameters:
    ///   - padding: removes `dilation·(k-1) - padding` zeros of implicit padding from each side.
    ///   - outputPadding: extra rows/columns on one side of the output (smaller than stride or dilation).
    public init(inChannels: Int, outChannels: Int, kernelSize: Size2, stride: Size2 = 1, padding: Size2 = 0,
                outputPadding: Size2 = 0, groups: Int = 1, bias: Bool = true, dilation: Size2 = 1,
                dtype: DType = .float32, generator: Generator? = nil) {
        checkChannels("ConvTranspose2d", inChannels, outChannels, groups: groups)
        check(kernelSize.h > 0 && kernelSize.w > 0, "ConvTranspose2d: kernel size must be positive, got \(kernelSize)")
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding
        self.outputPadding = outputPadding; self.dilation = dilation; self.groups = groups
        (weight, self.bias) = makeConvParameters(weightShape: [inChannels, outChannels / groups, kernelSize.h, kernelSize.w],
                                                 biasCount: outChannels, bias: bias, dtype: dtype, generator: generator)
        super.init()
    }

    /// `ConvTranspose2d(inChannels:outChannels:kernelSize:)` without labels.
    ///
    ///     let up = ConvTranspose2d(64, 32, 2, stride: 2)
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: Size2, stride: Size2 = 1,
                            padding: Size2 = 0, outputPadding: Size2 = 0, groups: Int = 1, bias: Bool = true,
                            dilation: Size2 = 1, dtype: DType = .float32, generator: Generator? = nil) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
                  padding: padding, outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation,
                  dtype: dtype, generator: generator)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        checkConvInput(self, input, spatialAxes: 2, inChannels: inChannels, weight: weight)
        return convTranspose2d(input, weight: weight, bias: bias, stride: stride, padding: padding,
                        outputPadding: outputPadding, dilation: dilation, groups: groups)
    }

    open override var extraDescription: String {
        convDescription(inChannels, outChannels, kernel: tuple2(kernelSize), stride: tuple2(stride),
                        padding: padding == 0 ? nil : tuple2(padding), dilation: dilation == 1 ? nil : tuple2(dilation),
                        outputPadding: outputPadding == 0 ? nil : tuple2(outputPadding), groups: groups, bias: bias != nil)
    }
}

/// 1-D transposed convolution, as `nn.ConvTranspose1d`: weight [in, out/groups, k], bias [out].
///
///     let up = ConvTranspose1d(8, 4, 3, stride: 2, padding: 1, outputPadding: 1)
///     let y = up(signal)            // [n, 8, 50] -> [n, 4, 100]
open class ConvTranspose1d: Module {
    /// [inChannels, outChannels / groups, kernelSize].
    public let weight: Tensor
    /// [outChannels], or nil with `bias: false`.
    public let bias: Tensor?
    /// Input and output channels.
    public let inChannels: Int, outChannels: Int
    /// The settings of `convTranspose1d`.
    public let kernelSize: Int, stride: Int, padding: Int, outputPadding: Int, dilation: Int
    /// Independent channel groups.
    public let groups: Int

    /// The arguments of `nn.ConvTranspose1d`, in its order.
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, groups: Int = 1, bias: Bool = true, dilation: Int = 1,
                dtype: DType = .float32, generator: Generator? = nil) {
        checkChannels("ConvTranspose1d", inChannels, outChannels, groups: groups)
        check(kernelSize > 0, "ConvTranspose1d: kernel size must be positive, got \(kernelSize)")
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding
        self.outputPadding = outputPadding; self.dilation = dilation; self.groups = groups
        (weight, self.bias) = makeConvParameters(weightShape: [inChannels, outChannels / groups, kernelSize],
                                                 biasCount: outChannels, bias: bias, dtype: dtype, generator: generator)
        super.init()
    }

    /// `ConvTranspose1d(inChannels:outChannels:kernelSize:)` without labels.
    ///
    ///     let up = ConvTranspose1d(32, 16, 4, stride: 2, padding: 1)
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: Int, stride: Int = 1,
                            padding: Int = 0, outputPadding: Int = 0, groups: Int = 1, bias: Bool = true,
                            dilation: Int = 1, dtype: DType = .float32, generator: Generator? = nil) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
                  padding: padding, outputPadding: outputPadding, groups: groups, bias: bias, dilation: dilation,
                  dtype: dtype, generator: generator)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        checkConvInput(self, input, spatialAxes: 1, inChannels: inChannels, weight: weight)
        return convTranspose1d(input, weight: weight, bias: bias, stride: stride, padding: padding,
                        outputPadding: outputPadding, dilation: dilation, groups: groups)
    }

    open override var extraDescription: String {
        convDescription(inChannels, outChannels, kernel: tuple1(kernelSize), stride: tuple1(stride),
                        padding: padding == 0 ? nil : tuple1(padding), dilation: dilation == 1 ? nil : tuple1(dilation),
                        outputPadding: outputPadding == 0 ? nil : tuple1(outputPadding), groups: groups, bias: bias != nil)
    }
}
