// Modules of the dropout variants (Ops/DropoutVariants.swift): active in training, the identity in eval.

/// Channel dropout of [N, C, L] inputs.
///
///     let drop = Dropout1d(p: 0.2)
///     let y = drop(sequence)
open class Dropout1d: Module {
    public let p: Double
    public let generator: Generator?
    public init(p: Double = 0.5, generator: Generator? = nil) {
        check(p >= 0 && p <= 1, "Dropout1d: p must be in [0, 1], got \(p)")
        self.p = p; self.generator = generator
        super.init()
    }
    /// `p` unlabelled, as PyTorch users write it: `Dropout(0.5)`.
    public convenience init(_ p: Double, generator: Generator? = nil) { self.init(p: p, generator: generator) }
    open override func forward(_ input: Tensor) -> Tensor { dropout1d(input, p: p, training: isTraining, generator: generator) }
    open override var extraDescription: String { "p=\(p), inplace=False" }
}

/// Channel dropout of [N, C, D, H, W] inputs.
///
///     let drop = Dropout3d(p: 0.2)
///     let y = drop(volumes)
open class Dropout3d: Module {
    public let p: Double
    public let generator: Generator?
    public init(p: Double = 0.5, generator: Generator? = nil) {
        check(p >= 0 && p <= 1, "Dropout3d: p must be in [0, 1], got \(p)")
        self.p = p; self.generator = generator
        super.init()
    }
    /// `p` unlabelled, as PyTorch users write it: `Dropout(0.5)`.
    public convenience init(_ p: Double, generator: Generator? = nil) { self.init(p: p, generator: generator) }
    open override func forward(_ input: Tensor) -> Tensor { dropout3d(input, p: p, training: isTraining, generator: generator) }
    open override var extraDescription: String { "p=\(p), inplace=False" }
}

/// Alpha dropout (for SELU networks).
///
///     let drop = AlphaDropout(p: 0.1)
///     let y = drop(x)
open class AlphaDropout: Module {
    public let p: Double
    public let generator: Generator?
    public init(p: Double = 0.5, generator: Generator? = nil) {
        check(p >= 0 && p <= 1, "AlphaDropout: p must be in [0, 1], got \(p)")
        self.p = p; self.generator = generator
        super.init()
    }
    /// `p` unlabelled, as PyTorch users write it: `Dropout(0.5)`.
    public convenience init(_ p: Double, generator: Generator? = nil) { self.init(p: p, generator: generator) }
    open override func forward(_ input: Tensor) -> Tensor { alphaDropout(input, p: p, training: isTraining, generator: generator) }
    open override var extraDescription: String { "p=\(p), inplace=False" }
}

/// Alpha dropout of whole channels.
///
///     let drop = FeatureAlphaDropout(p: 0.1)
///     let y = drop(features)
open class FeatureAlphaDropout: Module {
    public let p: Double
    public let generator: Generator?
    public init(p: Double = 0.5, generator: Generator? = nil) {
        check(p >= 0 && p <= 1, "FeatureAlphaDropout: p must be in [0, 1], got \(p)")
        self.p = p; self.generator = generator
        super.init()
    }
    /// `p` unlabelled, as PyTorch users write it: `Dropout(0.5)`.
    public convenience init(_ p: Double, generator: Generator? = nil) { self.init(p: p, generator: generator) }
    open override func forward(_ input: Tensor) -> Tensor { featureAlphaDropout(input, p: p, training: isTraining, generator: generator) }
    open override var extraDescription: String { "p=\(p), inplace=False" }
}
