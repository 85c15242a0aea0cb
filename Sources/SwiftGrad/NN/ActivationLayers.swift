// Activation modules, each a thin wrapper over its function (see Ops/Activations.swift).

/// max(x, 0).
///
///     let act = ReLU()
///     let y = act(x)
open class ReLU: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.relu() }
}

/// min(max(x, 0), 6).
///
///     let act = ReLU6()
///     let y = act(x)
open class ReLU6: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.relu6() }
}

/// x for x > 0, `negativeSlope`·x otherwise (default 0.01).
///
///     let act = LeakyReLU(negativeSlope: 0.2)
///     let y = act(x)
open class LeakyReLU: Module {
    public let negativeSlope: Double
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.leakyRelu(negativeSlope: negativeSlope) }
    open override var extraDescription: String { "negative_slope=\(negativeSlope)" }
}

/// x for x > 0, α(e^x - 1) otherwise.
///
///     let act = ELU(alpha: 1)
///     let y = act(x)
open class ELU: Module {
    public let alpha: Double
    public init(alpha: Double = 1) { self.alpha = alpha; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.elu(alpha: alpha) }
    open override var extraDescription: String { "alpha=\(alpha)" }
}

/// Scaled ELU with PyTorch's constants.
///
///     let act = SELU()
///     let y = act(x)
open class SELU: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.selu() }
}

/// GELU, exact or with the tanh approximation.
///
///     let act = GELU(approximate: .tanh)
///     let y = act(x)
open class GELU: Module {
    public let approximate: GELUApproximation
    public init(approximate: GELUApproximation = .none) { self.approximate = approximate; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.gelu(approximate: approximate) }
    open override var extraDescription: String { approximate == .tanh ? "approximate='tanh'" : "approximate='none'" }
}

/// x·σ(x).
///
///     let act = SiLU()
///     let y = act(x)
open class SiLU: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.silu() }
}

/// x·tanh(softplus(x)).
///
///     let act = Mish()
///     let y = act(x)
open class Mish: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.mish() }
}

/// The logistic sigmoid.
///
///     let act = Sigmoid()
///     let y = act(x)
open class Sigmoid: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// log σ(x).
///
///     let act = LogSigmoid()
///     let y = act(x)
open class LogSigmoid: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.logSigmoid() }
}

/// Hyperbolic tangent.
///
///     let act = Tanh()
///     let y = act(x)
open class Tanh: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.tanh() }
}

/// Softmax along `axis` (PyTorch's `dim`; default the last axis).
///
///     let act = Softmax(axis: 1)
///     let p = act(logits)
open class Softmax: Module {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.softmax(axis: axis) }
    open override var extraDescription: String { "dim=\(axis)" }
}

/// Log-softmax along `axis`.
///
///     let act = LogSoftmax(axis: 1)
///     let logp = act(logits)
open class LogSoftmax: Module {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.logSoftmax(axis: axis) }
    open override var extraDescription: String { "dim=\(axis)" }
}

/// log(1 + e^(βx)) / β, linear above `threshold`.
///
///     let act = Softplus(beta: 1, threshold: 20)
///     let y = act(x)
open class Softplus: Module {
    public let beta: Double, threshold: Double
    public init(beta: Double = 1, threshold: Double = 20) { self.beta = beta; self.threshold = threshold; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.softplus(beta: beta, threshold: threshold) }
    open override var extraDescription: String { "beta=\(beta), threshold=\(threshold)" }
}

/// Clamps to [min, max] (default [-1, 1]).
///
///     let act = Hardtanh(min: -2, max: 2)
///     let y = act(x)
open class Hardtanh: Module {
    public let minValue: Double, maxValue: Double
    public init(min: Double = -1, max: Double = 1) { minValue = min; maxValue = max; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.hardtanh(min: minValue, max: maxValue) }
    open override var extraDescription: String { "min_val=\(minValue), max_val=\(maxValue)" }
}

/// Piecewise-linear sigmoid.
///
///     let act = Hardsigmoid()
///     let y = act(x)
open class Hardsigmoid: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.hardsigmoid() }
}

/// x·hardsigmoid(x).
///
///     let act = Hardswish()
///     let y = act(x)
open class Hardswish: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.hardswish() }
}

/// x / (1 + |x|).
///
///     let act = Softsign()
///     let y = act(x)
open class Softsign: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.softsign() }
}
