// Modules of the composed activations (Ops/ActivationsComposed.swift), as torch.nn's classes.

/// `x` where x > `threshold`, else `value`.
///
///     let act = Threshold(0.1, 20)
///     let y = act(x)
open class Threshold: Module {
    public let threshold: Double, value: Double
    public init(_ threshold: Double, _ value: Double) { self.threshold = threshold; self.value = value; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.threshold(threshold, value: value) }
    open override var extraDescription: String { "threshold=\(threshold), value=\(value)" }
}

/// 0 where |x| ≤ λ, x elsewhere.
///
///     let act = Hardshrink(lambda: 0.5)
///     let y = act(x)
open class Hardshrink: Module {
    public let lambda: Double
    public init(lambda: Double = 0.5) { self.lambda = lambda; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.hardshrink(lambda: lambda) }
    open override var extraDescription: String { "\(lambda)" }
}

/// x ∓ λ outside [-λ, λ], 0 inside.
///
///     let act = Softshrink(lambda: 0.5)
///     let y = act(x)
open class Softshrink: Module {
    public let lambda: Double
    public init(lambda: Double = 0.5) { self.lambda = lambda; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.softshrink(lambda: lambda) }
    open override var extraDescription: String { "\(lambda)" }
}

/// x - tanh(x).
///
///     let act = Tanhshrink()
///     let y = act(x)
open class Tanhshrink: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.tanhshrink() }
}

/// CELU: max(0, x) + min(0, α(e^(x/α) - 1)).
///
///     let act = CELU(alpha: 0.5)
///     let y = act(x)
open class CELU: Module {
    public let alpha: Double
    public init(alpha: Double = 1) { self.alpha = alpha; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.celu(alpha: alpha) }
    open override var extraDescription: String { "alpha=\(alpha)" }
}

/// softmax(-x) along `axis` (PyTorch's `dim`).
///
///     let act = Softmin(axis: 1)
///     let w = act(distances)
open class Softmin: Module {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.softmin(axis: axis) }
    open override var extraDescription: String { "dim=\(axis)" }
}

/// Gated linear unit: a·σ(b) for the two halves of `axis`.
///
///     let act = GLU(axis: -1)
///     let y = act(x)             // last axis halves
open class GLU: Module {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.glu(axis: axis) }
    open override var extraDescription: String { "dim=\(axis)" }
}

/// PReLU with a learned slope: `weight` [numParameters], filled with `initialValue` (PyTorch's
/// `init=0.25`); one slope for all channels (1) or one per channel (axis 1 of the input).
///
///     let act = PReLU(numParameters: 16)
///     let y = act(features)      // [n, 16, h, w]
open class PReLU: Module {
    /// [numParameters], PyTorch's `weight`.
    public let weight: Tensor
    public let numParameters: Int

    public init(numParameters: Int = 1, initialValue: Double = 0.25, dtype: DType = .float32) {
        check(numParameters >= 1, "PReLU: numParameters must be positive, got \(numParameters)")
        self.numParameters = numParameters
        weight = makeParameter([numParameters], dtype: dtype) { Init.constant($0, initialValue) }
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        if numParameters > 1 {
            checkInputSize("PReLU(num_parameters=\(numParameters))", input, axis: 1, expected: numParameters, what: "num_parameters")
        }
        checkInputDType("PReLU(num_parameters=\(numParameters))", input, weight)
        return input.prelu(weight: weight)
    }
    open override var extraDescription: String { "num_parameters=\(numParameters)" }
}

/// Randomized leaky ReLU: random slopes in [lower, upper] in training (from `generator`), their mean in eval.
///
///     let act = RReLU(lower: 0.1, upper: 0.3)
///     let y = act(x)
open class RReLU: Module {
    public let lower: Double, upper: Double
    /// The generator for the slopes (the default generator when nil).
    public let generator: Generator?
    public init(lower: Double = 1.0 / 8, upper: Double = 1.0 / 3, generator: Generator? = nil) {
        check(lower <= upper, "RReLU: lower \(lower) is greater than upper \(upper)")
        self.lower = lower; self.upper = upper; self.generator = generator
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor {
        input.rrelu(lower: lower, upper: upper, training: isTraining, generator: generator)
    }
    open override var extraDescription: String { "lower=\(lower), upper=\(upper)" }
}
