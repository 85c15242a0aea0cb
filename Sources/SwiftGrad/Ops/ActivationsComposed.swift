// Activations composed of recorded ops (PyTorch's threshold, hardshrink, softshrink, tanhshrink,
// celu, softmin, glu, prelu, rrelu): each is exact as a composition, so its gradient (and double
// backward) comes from the ops it is built of. Rows: Docs/Derivatives.md, "Composed activations".

extension Tensor {
    /// `x` where x > `threshold`, else `value` (PyTorch's `threshold`; an integer input stays
    /// integer, with `value` converted to its dtype).
    ///
    ///     let y = x.threshold(0.1, value: 20)
    public func threshold(_ threshold: Double, value: Double) -> Tensor {
        check(dtype != .bool, "threshold: does not take a bool tensor (shape \(shape))")
        // NaN fails x > threshold; PyTorch's kernel is `x <= threshold ? value : x`, so NaN passes through.
        let replace = self .<= threshold
        return Tensor.where(replace, Tensor.full([], value, dtype: dtype), self)
    }

    /// 0 where |x| ≤ λ, x elsewhere (PyTorch's `hardshrink`, λ = 0.5).
    ///
    ///     let y = x.hardshrink(lambda: 0.5)
    public func hardshrink(lambda: Double = 0.5) -> Tensor {
        unaryFloatOnly("hardshrink")
        // A negative λ is allowed, as PyTorch's: no element lies in [-λ, λ], so x passes unchanged.
        let inside = (self .>= -lambda).logicalAnd(self .<= lambda)
        return Tensor.where(inside, Tensor.zeros([], dtype: dtype), self)
    }

    /// x - λ above λ, x + λ below -λ, 0 between (PyTorch's `softshrink`, λ = 0.5).
    ///
    ///     let y = x.softshrink(lambda: 0.5)
    public func softshrink(lambda: Double = 0.5) -> Tensor {
        unaryFloatOnly("softshrink")
        check(lambda >= 0, "softshrink: lambda must be non-negative, got \(lambda) (input \(shape))")
        let inside = (self .>= -lambda).logicalAnd(self .<= lambda)
        // x - clamp(x, -λ, λ) outside [-λ, λ]; NaN stays NaN (clamp keeps it, the mask is false).
        return Tensor.where(inside, Tensor.zeros([], dtype: dtype), self - clamp(min: -lambda, max: lambda))
    }

    /// x - tanh(x) (PyTorch's `tanhshrink`; an integer or bool input gives float32).
    ///
    ///     let y = x.tanhshrink()
    public func tanhshrink() -> Tensor {
        if !dtype.isFloatingPoint { return to(.float32).tanhshrink() }
        return self - tanh()
    }

    /// CELU: max(0, x) + min(0, α(e^(x/α) - 1)) (α = 1), which is α·elu(x/α).
    ///
    ///     let y = x.celu(alpha: 0.5)
    public func celu(alpha: Double = 1) -> Tensor {
        unaryFloatOnly("celu")
        check(alpha != 0, "celu: alpha must not be 0 (input \(shape))")
        if alpha == 1 { return elu(alpha: 1) }
        return (self / alpha).elu(alpha: 1) * alpha
    }

    /// softmax(-x) along `axis` (PyTorch's `softmin`).
    ///
    ///     let w = distances.softmin(axis: 1)
    public func softmin(axis: Int = -1) -> Tensor {
        unaryFloatOnly("softmin")
        return (-self).softmax(axis: axis)
    }

    /// Gated linear unit: splits `axis` in halves a, b and returns a·σ(b) (PyTorch's `glu`, dim = -1).
    ///
    ///     let y = x.glu()          // last axis halves
    public func glu(axis: Int = -1) -> Tensor {
        unaryFloatOnly("glu")
        check(rank > 0, "glu: does not take a 0-d tensor (shape \(shape))")
        let ax = normalizeAxis(axis, rank, op: "glu", shape: shape)
        check(shape[ax] % 2 == 0, "glu: halving axis \(axis) needs an even size, got \(shape[ax]) (input \(shape))")
        let half = shape[ax] / 2
        return narrow(axis: ax, start: 0, length: half) * narrow(axis: ax, start: half, length: half).sigmoid()
    }

    /// PReLU: x for x > 0, w·x otherwise, with `weight` of 1 element or one per channel (axis 1 of
    /// the input; an input of rank < 2 has one channel), as PyTorch's `prelu`.
    ///
    ///     let y = x.prelu(weight: Tensor([0.25]))
    public func prelu(weight: Tensor) -> Tensor {
        unaryFloatOnly("prelu")
        check(weight.rank <= 1, "prelu: weight must be 0-d or 1-D, got \(weight.shape) (input \(shape))")
        let channels = rank >= 2 ? shape[1] : 1
        check(weight.count == 1 || weight.count == channels,
              "prelu: weight \(weight.shape) must have 1 element or one per channel (\(channels)) of the input \(shape)")
        var w = weight
        if weight.count > 1 && rank >= 2 {
            var ws = [Int](repeating: 1, count: rank); ws[1] = channels
            w = weight.reshape(ws)
        } else if weight.count == 1 {
            w = weight.reshape([])
        }
        return Tensor.where(self .> 0, self, self * w)
    }

    /// RReLU: in training, each negative element is scaled by a slope drawn uniformly from
    /// [lower, upper] with `generator`; in evaluation by (lower + upper) / 2 (PyTorch's `rrelu`).
    ///
    ///     let y = x.rrelu(training: true)
    ///     let z = x.rrelu(lower: 0.1, upper: 0.3, training: false)
    public func rrelu(lower: Double = 1.0 / 8, upper: Double = 1.0 / 3, training: Bool = false,
                      generator: Generator? = nil) -> Tensor {
        unaryFloatOnly("rrelu")
        check(lower <= upper, "rrelu: lower \(lower) is greater than upper \(upper) (input \(shape))")
        if !training { return leakyRelu(negativeSlope: (lower + upper) / 2) }
        let slope = Tensor.uniform(shape, low: lower, high: upper, dtype: .float64, generator: generator ?? .default).to(dtype)
        return Tensor.where(self .>= 0, self, self * slope)
    }
}

// MARK: - Functional spellings, as torch.nn.functional

/// `x` where x > `threshold`, else `value`.
///
///     let y = threshold(x, 0.1, 20)
public func threshold(_ x: Tensor, _ threshold: Double, _ value: Double) -> Tensor { x.threshold(threshold, value: value) }
/// Hard shrinkage element-wise.
///
///     let y = hardshrink(x, lambda: 0.5)
public func hardshrink(_ x: Tensor, lambda: Double = 0.5) -> Tensor { x.hardshrink(lambda: lambda) }
/// Soft shrinkage element-wise.
///
///     let y = softshrink(x, lambda: 0.5)
public func softshrink(_ x: Tensor, lambda: Double = 0.5) -> Tensor { x.softshrink(lambda: lambda) }
/// x - tanh(x) element-wise.
///
///     let y = tanhshrink(x)
public func tanhshrink(_ x: Tensor) -> Tensor { x.tanhshrink() }
/// CELU element-wise.
///
///     let y = celu(x, alpha: 1)
public func celu(_ x: Tensor, alpha: Double = 1) -> Tensor { x.celu(alpha: alpha) }
/// softmax(-x) along `axis`.
///
///     let w = softmin(d, axis: 1)
public func softmin(_ x: Tensor, axis: Int = -1) -> Tensor { x.softmin(axis: axis) }
/// Gated linear unit along `axis`.
///
///     let y = glu(x, axis: 1)
public func glu(_ x: Tensor, axis: Int = -1) -> Tensor { x.glu(axis: axis) }
/// PReLU with a learnable slope tensor.
///
///     let y = prelu(x, weight: Tensor([0.25]))
public func prelu(_ x: Tensor, weight: Tensor) -> Tensor { x.prelu(weight: weight) }
/// Randomized leaky ReLU.
///
///     let y = rrelu(x, training: true, generator: Generator(seed: 1))
public func rrelu(_ x: Tensor, lower: Double = 1.0 / 8, upper: Double = 1.0 / 3, training: Bool = false,
                  generator: Generator? = nil) -> Tensor {
    x.rrelu(lower: lower, upper: upper, training: training, generator: generator)
}
