// Dropout modules: active in training mode, the identity in eval mode.

/// Zeroes elements with probability `p` in training (survivors scaled by 1/(1-p)); the identity in eval.
///
///     let drop = Dropout(p: 0.1)
///     let y = drop(x)
open class Dropout: Module {
    public let p: Double
    /// The generator for the masks (the default generator when nil).
    public let generator: Generator?

    public init(p: Double = 0.5, generator: Generator? = nil) {
        check(p >= 0 && p <= 1, "Dropout: p must be in [0, 1], got \(p)")
        self.p = p; self.generator = generator
        super.init()
    }
    /// `p` unlabelled, as PyTorch users write it: `Dropout(0.5)`.
    public convenience init(_ p: Double, generator: Generator? = nil) { self.init(p: p, generator: generator) }
    open override func forward(_ input: Tensor) -> Tensor { dropout(input, p: p, training: isTraining, generator: generator) }
    open override var extraDescription: String { "p=\(p), inplace=False" }
}

/// Zeroes whole channels of [N, C, H, W] inputs with probability `p` in training.
///
///     let drop = Dropout2d(p: 0.2)
///     let y = drop(features)
open class Dropout2d: Module {
    public let p: Double
    public let generator: Generator?

    public init(p: Double = 0.5, generator: Generator? = nil) {
        check(p >= 0 && p <= 1, "Dropout2d: p must be in [0, 1], got \(p)")
        self.p = p; self.generator = generator
        super.init()
    }
    /// `p` unlabelled, as PyTorch users write it: `Dropout(0.5)`.
    public convenience init(_ p: Double, generator: Generator? = nil) { self.init(p: p, generator: generator) }
    open override func forward(_ input: Tensor) -> Tensor { dropout2d(input, p: p, training: isTraining, generator: generator) }
    open override var extraDescription: String { "p=\(p), inplace=False" }
}
