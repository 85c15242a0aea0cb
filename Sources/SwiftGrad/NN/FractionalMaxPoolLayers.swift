// Fractional max pooling modules (nn.FractionalMaxPool2d / 3d), over the functions of
// Ops/FractionalMaxPool.swift. PyTorch's `_random_samples` (a buffer of that name when given) fixes
// the windows; without it each call draws new windows from the generator.

/// 2-D fractional max pooling, as `nn.FractionalMaxPool2d`: give `outputSize` or `outputRatio`;
/// `forwardWithIndices` also returns the argmax indices (PyTorch's `return_indices=True`).
///
///     let pool = FractionalMaxPool2d(kernelSize: 3, outputRatio: [0.5, 0.5])
///     let y = pool(images)          // [n, c, 32, 32] -> [n, c, 16, 16]
open class FractionalMaxPool2d: Module {
    public let kernelSize: Size2, outputSize: Size2?, outputRatio: [Double]?
    /// Fixed samples [n, c, 2] (PyTorch's buffer `_random_samples`), or nil to draw them per call.
    public let randomSamples: Buffer?
    public let generator: Generator?

    /// - Parameters:
    ///   - outputRatio: one number or [h, w], each in (0, 1): the output is ⌊input·ratio⌋.
    ///   - randomSamples: [n, c, 2] values in [0, 1) that fix the windows (tests, reproductions).
    public init(kernelSize: Size2, outputSize: Size2? = nil, outputRatio: [Double]? = nil, randomSamples: Tensor? = nil,
                generator: Generator? = nil) {
        check((outputSize == nil) != (outputRatio == nil), "FractionalMaxPool2d: give exactly one of outputSize and outputRatio")
        self.kernelSize = kernelSize; self.outputSize = outputSize; self.outputRatio = outputRatio
        self.randomSamples = randomSamples.map { Buffer($0) }
        self.generator = generator
        super.init()
    }

    open override func memberName(forProperty property: String) -> String {
        property == "randomSamples" ? "_random_samples" : super.memberName(forProperty: property)
    }

    open override func forward(_ input: Tensor) -> Tensor { forwardWithIndices(input).values }

    /// The pooled values and the flat index (h·W + w) of each maximum within its plane.
    ///
    ///     let (y, at) = FractionalMaxPool2d(kernelSize: 2, outputSize: [4, 4]).forwardWithIndices(x)
    public func forwardWithIndices(_ input: Tensor) -> (values: Tensor, indices: Tensor) {
        fractionalMaxPool2dWithIndices(input, kernelSize: kernelSize, outputSize: outputSize, outputRatio: outputRatio,
                                       randomSamples: randomSamples?.value, generator: generator)
    }
}

/// 3-D fractional max pooling, as `nn.FractionalMaxPool3d` (samples [n, c, 3]).
///
///     let pool = FractionalMaxPool3d(kernelSize: 2, outputSize: [4, 4, 4])
///     let y = pool(volumes)         // [n, c, 7, 7, 7] -> [n, c, 4, 4, 4]
open class FractionalMaxPool3d: Module {
    public let kernelSize: Size3, outputSize: Size3?, outputRatio: [Double]?
    /// Fixed samples [n, c, 3] (PyTorch's buffer `_random_samples`), or nil to draw them per call.
    public let randomSamples: Buffer?
    public let generator: Generator?

    /// - Parameters:
    ///   - outputRatio: one number or [d, h, w], each in (0, 1).
    ///   - randomSamples: [n, c, 3] values in [0, 1) that fix the windows.
    public init(kernelSize: Size3, outputSize: Size3? = nil, outputRatio: [Double]? = nil, randomSamples: Tensor? = nil,
                generator: Generator? = nil) {
        check((outputSize == nil) != (outputRatio == nil), "FractionalMaxPool3d: give exactly one of outputSize and outputRatio")
        self.kernelSize = kernelSize; self.outputSize = outputSize; self.outputRatio = outputRatio
        self.randomSamples = randomSamples.map { Buffer($0) }
        self.generator = generator
        super.init()
    }

    open override func memberName(forProperty property: String) -> String {
        property == "randomSamples" ? "_random_samples" : super.memberName(forProperty: property)
    }

    open override func forward(_ input: Tensor) -> Tensor { forwardWithIndices(input).values }

    /// The pooled values and the flat index (t·H·W + h·W + w) of each maximum within its volume.
    ///
    ///     let (y, at) = FractionalMaxPool3d(kernelSize: 2, outputRatio: [0.5]).forwardWithIndices(volumes)
    public func forwardWithIndices(_ input: Tensor) -> (values: Tensor, indices: Tensor) {
        fractionalMaxPool3dWithIndices(input, kernelSize: kernelSize, outputSize: outputSize, outputRatio: outputRatio,
                                       randomSamples: randomSamples?.value, generator: generator)
    }
}
