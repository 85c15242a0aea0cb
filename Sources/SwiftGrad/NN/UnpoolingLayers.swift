// Max pooling with indices on the max-pool modules (PyTorch's `return_indices=True`), max
// unpooling and LP pooling modules.

extension MaxPool2d {
    /// The pooled values and the flat index of each maximum within its plane (PyTorch's
    /// `MaxPool2d(..., return_indices=True)`), for `MaxUnpool2d`.
    ///
    ///     let (y, at) = MaxPool2d(2).forwardWithIndices(x)
    public func forwardWithIndices(_ input: Tensor) -> (values: Tensor, indices: Tensor) {
        maxPool2dWithIndices(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

extension MaxPool1d {
    /// The pooled values and the position of each maximum along the last axis.
    ///
    ///     let (y, at) = MaxPool1d(2).forwardWithIndices(signal)
    public func forwardWithIndices(_ input: Tensor) -> (values: Tensor, indices: Tensor) {
        maxPool1dWithIndices(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

extension AdaptiveMaxPool2d {
    /// The pooled values and the flat index of each maximum within its plane.
    ///
    ///     let (y, at) = AdaptiveMaxPool2d(outputSize: 2).forwardWithIndices(x)
    public func forwardWithIndices(_ input: Tensor) -> (values: Tensor, indices: Tensor) {
        adaptiveMaxPool2dWithIndices(input, outputSize: outputSize)
    }
}

extension AdaptiveMaxPool1d {
    /// The pooled values and the position of each maximum along the last axis.
    ///
    ///     let (y, at) = AdaptiveMaxPool1d(outputSize: 4).forwardWithIndices(signal)
    public func forwardWithIndices(_ input: Tensor) -> (values: Tensor, indices: Tensor) {
        adaptiveMaxPool1dWithIndices(input, outputSize: outputSize)
    }
}

/// The partial inverse of `MaxPool2d`: values back at their indices, zeros elsewhere.
///
///     let pool = MaxPool2d(2), unpool = MaxUnpool2d(2)
///     let (y, at) = pool.forwardWithIndices(x)
///     let back = unpool(y, indices: at)
open class MaxUnpool2d: ModuleBase {
    public let kernelSize: Size2, stride: Size2, padding: Size2
    public init(_ kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
        super.init()
    }
    /// Unpools `input` with the `indices` of its max pool; `outputSize` overrides the default size.
    public func callAsFunction(_ input: Tensor, indices: Tensor, outputSize: Size2? = nil) -> Tensor {
        hooked([input, indices]) { xs in [unpool(xs[0], indices: xs[1], outputSize: outputSize)] }[0]
    }

    /// The call without hooks.
    private func unpool(_ input: Tensor, indices: Tensor, outputSize: Size2? = nil) -> Tensor {
        check(input.rank == 3 || input.rank == 4, "MaxUnpool2d: expected a 3-D or 4-D input, got shape \(input.shape)")
        return maxUnpool2d(input, indices: indices, kernelSize: kernelSize, stride: stride, padding: padding, outputSize: outputSize)
    }
    open override var extraDescription: String { "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding)" }
}

/// The partial inverse of `MaxPool1d`.
///
///     let (y, at) = MaxPool1d(2).forwardWithIndices(signal)
///     let back = MaxUnpool1d(2)(y, indices: at)
open class MaxUnpool1d: ModuleBase {
    public let kernelSize: Int, stride: Int, padding: Int
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
        super.init()
    }
    /// Unpools `input` with the `indices` of its max pool; `outputSize` overrides the default length.
    public func callAsFunction(_ input: Tensor, indices: Tensor, outputSize: Int? = nil) -> Tensor {
        hooked([input, indices]) { xs in [unpool(xs[0], indices: xs[1], outputSize: outputSize)] }[0]
    }

    /// The call without hooks.
    private func unpool(_ input: Tensor, indices: Tensor, outputSize: Int? = nil) -> Tensor {
        check(input.rank == 2 || input.rank == 3, "MaxUnpool1d: expected a 2-D or 3-D input, got shape \(input.shape)")
        return maxUnpool1d(input, indices: indices, kernelSize: kernelSize, stride: stride, padding: padding, outputSize: outputSize)
    }
    open override var extraDescription: String { "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding)" }
}

/// Power-average pooling over 2-D windows.
///
///     let pool = LPPool2d(normType: 2, kernelSize: 2)
///     let y = pool(x)
open class LPPool2d: Module {
    public let normType: Double, kernelSize: Size2, stride: Size2?, ceilMode: Bool
    public init(normType: Double, kernelSize: Size2, stride: Size2? = nil, ceilMode: Bool = false) {
        self.normType = normType; self.kernelSize = kernelSize; self.stride = stride; self.ceilMode = ceilMode
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor {
        check(input.rank == 3 || input.rank == 4, "LPPool2d: expected a 3-D or 4-D input, got shape \(input.shape)")
        return lpPool2d(input, normType: normType, kernelSize: kernelSize, stride: stride, ceilMode: ceilMode)
    }
    open override var extraDescription: String { "norm_type=\(normType), kernel_size=\(kernelSize), stride=\(stride ?? kernelSize), ceil_mode=\(ceilMode ? "True" : "False")" }
}

/// Power-average pooling along the last axis.
///
///     let pool = LPPool1d(normType: 2, kernelSize: 3)
///     let y = pool(signal)
open class LPPool1d: Module {
    public let normType: Double, kernelSize: Int, stride: Int?, ceilMode: Bool
    public init(normType: Double, kernelSize: Int, stride: Int? = nil, ceilMode: Bool = false) {
        self.normType = normType; self.kernelSize = kernelSize; self.stride = stride; self.ceilMode = ceilMode
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor {
        check(input.rank == 2 || input.rank == 3, "LPPool1d: expected a 2-D or 3-D input, got shape \(input.shape)")
        return lpPool1d(input, normType: normType, kernelSize: kernelSize, stride: stride, ceilMode: ceilMode)
    }
    open override var extraDescription: String { "norm_type=\(normType), kernel_size=\(kernelSize), stride=\(stride ?? kernelSize), ceil_mode=\(ceilMode ? "True" : "False")" }
}
