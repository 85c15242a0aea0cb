// Activation functions (PyTorch's torch.nn.functional): a fused forward kernel each, and a
// derivative written with Tensor ops so that double backward works.

/// Which formula `gelu` uses: the exact one with erf, or PyTorch's tanh approximation.
public enum GELUApproximation: String, Sendable {
    case none
    case tanh
}

extension Tensor {
    /// GELU, x·Φ(x), exact (erf) or with the tanh approximation (`approximate: .tanh`).
    ///
    ///     let y = x.gelu()
    ///     let z = x.gelu(approximate: .tanh)
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.gelu(approximate: approximate) }) { return r }
        if approximate == .tanh {
            return Kernels.activation(.geluTanh, self, name: Op.gelu.name).recorded(.geluTanh, self, save: .input0, forward: .elementwise) { g, ctx in
                // One fused pass g·gelu'(x) (recorded as gelu_tanh_backward, Ops/Math.swift).
                [Tensor.activationBackward(.geluTanhBackward, g, ctx.input(0))]
            }
        }
        return Kernels.activation(.gelu, self, name: Op.gelu.name).recorded(.gelu, self, save: .input0, forward: .elementwise) { g, ctx in
            let x = ctx.input(0)
            let cdf = ((x * (1 / 2.0.squareRoot())).erf() + 1) * 0.5
            let pdf = (x * x * -0.5).exp() * (1 / (2 * Double.pi).squareRoot())
            return [g * (cdf + x * pdf)]
        }
    }

    /// SiLU (swish), x·σ(x).
    ///
    ///     let y = x.silu()
    public func silu() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.silu() }) { return r }
        return Kernels.activation(.silu, self, name: Op.silu.name).recorded(.silu, self, save: .input0, forward: .elementwise) { g, ctx in
            let x = ctx.input(0)
            let s = x.sigmoid()
            return [g * s * (x * (1 - s) + 1)]
        }
    }

    /// Mish, x·tanh(softplus(x)).
    ///
    ///     let y = x.mish()
    public func mish() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.mish() }) { return r }
        return Kernels.activation(.mish, self, name: Op.mish.name).recorded(.mish, self, save: .input0, forward: .elementwise) { g, ctx in
            let x = ctx.input(0)
            let t = x.softplus(beta: 1, threshold: .infinity).tanh()
            return [g * (t + x * x.sigmoid() * (1 - t * t))]
        }
    }

    /// log σ(x), computed as -softplus(-x) so it never overflows.
    ///
    ///     let y = x.logSigmoid()
    public func logSigmoid() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.logSigmoid() }) { return r }
        return Kernels.activation(.logSigmoid, self, name: "logSigmoid").recorded(.logSigmoid, self, save: .input0, forward: .elementwise) { g, ctx in
            [g * (-ctx.input(0)).sigmoid()]
        }
    }

    /// x / (1 + |x|).
    ///
    ///     let y = x.softsign()
    public func softsign() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.softsign() }) { return r }
        if _slowPath(!dtype.isFloatingPoint) { return to(.float32).softsign() }   // x / (1 + |x|) of integers is float32, as PyTorch
        return Kernels.activation(.softsign, self, name: Op.softsign.name).recorded(.softsign, self, save: .input0, forward: .elementwise) { g, ctx in
            // PyTorch composes x / (1 + |x|): its gradient g/d − g·((x/d)/d)·sign x, whose second
            // term is ∞/∞ = NaN at ±∞ (the closed form g/d² would give 0 there).
            let x = ctx.input(0), d = x.abs() + 1
            return [g / d - g * ((x / d) / d) * x.sign()]
        }
    }

    /// Softplus, log(1 + e^(βx)) / β, linear where βx > `threshold` (PyTorch defaults β = 1, threshold = 20).
    ///
    ///     let y = x.softplus()
    ///     let z = x.softplus(beta: 2, threshold: 10)
    public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.softplus(beta: beta, threshold: threshold) }) { return r }
        return Kernels.activation(.softplus(beta: beta, threshold: threshold), self, name: Op.softplus.name)
            .recorded(.softplus, self, save: .input0, forward: .elementwise) { g, ctx in
                let x = ctx.input(0)
                let linear = Kernels.mask(x) { beta * $0 > threshold }
                let s = (x * beta).sigmoid()
                return [g * (linear + (1 - linear) * s)]
            }
    }

    /// ELU: x for x > 0, α(e^x - 1) otherwise (α = 1 by default).
    ///
    ///     let y = x.elu()
    public func elu(alpha: Double = 1) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.elu(alpha: alpha) }) { return r }
        return Kernels.activation(.elu(alpha: alpha), self, name: Op.elu.name).recorded(.elu, self, save: .input0, forward: .elementwise) { g, ctx in
            let x = ctx.input(0)
            // The positive branch wherever x <= 0 is false (NaN included), as PyTorch's elu_backward.
            let pos = Kernels.mask(x) { !($0 <= 0) }
            // exp of the clamped input: exp(large x) would be inf, and inf·0 NaN.
            return [g * (pos + (1 - pos) * x.clamp(max: 0).nanToNum(nan: 0).exp() * alpha)]
        }
    }

    /// SELU: scale·elu(x, α) with PyTorch's fixed α ≈ 1.6733 and scale ≈ 1.0507.
    ///
    ///     let y = x.selu()
    public func selu() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.selu() }) { return r }
        return Kernels.activation(.selu, self, name: Op.selu.name).recorded(.selu, self, save: .input0, forward: .elementwise) { g, ctx in
            let x = ctx.input(0)
            let a = 1.6732632423543772848170429916717, s = 1.0507009873554804934193349852946
            let pos = Kernels.mask(x) { !($0 <= 0) }
            return [g * (pos + (1 - pos) * x.clamp(max: 0).nanToNum(nan: 0).exp() * a) * s]
        }
    }

    /// Leaky ReLU: x for x > 0, `negativeSlope`·x otherwise (default 0.01).
    ///
    ///     let y = x.leakyRelu(negativeSlope: 0.1)
    public func leakyRelu(negativeSlope: Double = 0.01) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.leakyRelu(negativeSlope: negativeSlope) }) { return r }
        return Kernels.activation(.leakyRelu(slope: negativeSlope), self, name: "leakyRelu")
            .recorded(.leakyRelu, self, save: .input0, forward: .elementwise) { g, ctx in
                let pos = Kernels.mask(ctx.input(0)) { $0 > 0 }
                return [g * (pos + (1 - pos) * negativeSlope)]
            }
    }

    /// Clamps to [min, max] (default [-1, 1]); the gradient is 1 strictly inside, 0 elsewhere.
    ///
    ///     let y = x.hardtanh()
    public func hardtanh(min lo: Double = -1, max hi: Double = 1) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.hardtanh(min: lo, max: hi) }) { return r }
        check(lo <= hi, "hardtanh: min \(lo) is greater than max \(hi)")
        if _slowPath(!dtype.isFloatingPoint) {
            // PyTorch clamps integers in float32 (the Python-number bounds promote) and truncates
            // back into the input's dtype: hardtanh(-0.5, 0.5) of int64 is 0 everywhere.
            check(dtype != .bool, "hardtanh: bool tensors are not supported, got shape \(shape)")
            return to(.float32).clamp(min: lo, max: hi).to(dtype)
        }
        return Kernels.activation(.hardtanh(min: lo, max: hi), self, name: Op.hardtanh.name)
            .recorded(.hardtanh, self, save: .input0, forward: .elementwise) { g, ctx in
                // 0 only where x <= min or x >= max: a NaN passes g on, as PyTorch's hardtanh_backward.
                [g * Kernels.mask(ctx.input(0)) { !($0 <= lo || $0 >= hi) }]
            }
    }

    /// min(max(x, 0), 6).
    ///
    ///     let y = x.relu6()
    public func relu6() -> Tensor { hardtanh(min: 0, max: 6) }

    /// Piecewise-linear sigmoid: 0 below -3, 1 above 3, x/6 + 1/2 between.
    ///
    ///     let y = x.hardsigmoid()
    public func hardsigmoid() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.hardsigmoid() }) { return r }
        return Kernels.activation(.hardsigmoid, self, name: Op.hardsigmoid.name).recorded(.hardsigmoid, self, save: .input0, forward: .elementwise) { g, ctx in
            [g * Kernels.mask(ctx.input(0)) { $0 > -3 && $0 < 3 } * (1.0 / 6)]
        }
    }

    /// x·hardsigmoid(x).
    ///
    ///     let y = x.hardswish()
    public func hardswish() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.hardswish() }) { return r }
        return Kernels.activation(.hardswish, self, name: Op.hardswish.name).recorded(.hardswish, self, save: .input0, forward: .elementwise) { g, ctx in
            let x = ctx.input(0)
            let mid = Kernels.mask(x) { $0 >= -3 && $0 <= 3 }, high = Kernels.mask(x) { $0 > 3 }
            return [g * (mid * (x / 3 + 0.5) + high)]
        }
    }
}

// MARK: - Functional spellings, as torch.nn.functional

/// GELU element-wise; `approximate: .tanh` for the tanh approximation.
///
///     let y = gelu(x)
public func gelu(_ x: Tensor, approximate: GELUApproximation = .none) -> Tensor { x.gelu(approximate: approximate) }
/// SiLU (swish) element-wise.
///
///     let y = silu(x)
public func silu(_ x: Tensor) -> Tensor { x.silu() }
/// Mish element-wise.
///
///     let y = mish(x)
public func mish(_ x: Tensor) -> Tensor { x.mish() }
/// Softplus element-wise, log(1 + e^(βx)) / β.
///
///     let y = softplus(x, beta: 1, threshold: 20)
public func softplus(_ x: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor { x.softplus(beta: beta, threshold: threshold) }
/// ELU element-wise.
///
///     let y = elu(x, alpha: 1)
public func elu(_ x: Tensor, alpha: Double = 1) -> Tensor { x.elu(alpha: alpha) }
/// SELU element-wise.
///
///     let y = selu(x)
public func selu(_ x: Tensor) -> Tensor { x.selu() }
/// Leaky ReLU element-wise.
///
///     let y = leakyRelu(x, negativeSlope: 0.2)
public func leakyRelu(_ x: Tensor, negativeSlope: Double = 0.01) -> Tensor { x.leakyRelu(negativeSlope: negativeSlope) }
/// Hardtanh element-wise (clamp to [min, max]).
///
///     let y = hardtanh(x, min: -2, max: 2)
public func hardtanh(_ x: Tensor, min lo: Double = -1, max hi: Double = 1) -> Tensor { x.hardtanh(min: lo, max: hi) }
/// ReLU6 element-wise.
///
///     let y = relu6(x)
public func relu6(_ x: Tensor) -> Tensor { x.relu6() }
/// Hardsigmoid element-wise.
///
///     let y = hardsigmoid(x)
public func hardsigmoid(_ x: Tensor) -> Tensor { x.hardsigmoid() }
/// Hardswish element-wise.
///
///     let y = hardswish(x)
public func hardswish(_ x: Tensor) -> Tensor { x.hardswish() }
/// log σ(x) element-wise, stable.
///
///     let y = logSigmoid(x)
public func logSigmoid(_ x: Tensor) -> Tensor { x.logSigmoid() }
/// Softsign element-wise.
///
///     let y = softsign(x)
public func softsign(_ x: Tensor) -> Tensor { x.softsign() }
/// Softmax along `axis`.
///
///     let p = softmax(logits, axis: 1)
public func softmax(_ x: Tensor, axis: Int = -1) -> Tensor { x.softmax(axis: axis) }
/// Log-softmax along `axis`.
///
///     let logp = logSoftmax(logits, axis: 1)
public func logSoftmax(_ x: Tensor, axis: Int = -1) -> Tensor { x.logSoftmax(axis: axis) }
