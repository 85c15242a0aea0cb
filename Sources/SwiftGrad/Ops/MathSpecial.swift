// Special functions: erfc, erfinv, lgamma, digamma, polygamma, the modified Bessel functions i0 and
// i1, xlogy and logit. Integer and bool inputs compute in float32, as PyTorch's. The kernels and
// their algorithms are in Kernels/MathKernels.swift and Kernels/SpecialFunctions.swift.

extension Tensor {
    /// The complementary error function 1 - erf(x), accurate where erf(x) is close to 1.
    ///
    ///     let tail = x.erfc()
    public func erfc() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.erfc() }) { return r }
        return mathUnary(.erfc, .erfc, save: .input0) { g, ctx in
            let x = ctx.input(0)
            return [g * (-(x * x)).exp() * (-2 / Double.pi.squareRoot())]
        }
    }

    /// The inverse error function on [-1, 1] (±∞ at ±1, NaN outside).
    ///
    ///     let z = (p * 2 - 1).erfinv() * 2.0.squareRoot()     // the normal quantile of p
    public func erfinv() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.erfinv() }) { return r }
        return mathUnary(.erfinv, .erfinv, save: .output) { g, ctx in
            let y = ctx.output
            return [g * (y * y).exp() * (Double.pi.squareRoot() / 2)]    // 1 / erf'(y)
        }
    }

    /// log |Γ(x)|, element-wise (∞ at 0 and the negative integers).
    ///
    ///     Tensor([5.0]).lgamma()     // log 24
    public func lgamma() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.lgamma() }) { return r }
        return mathUnary(.lgamma, .lgamma, save: .input0) { g, ctx in [g * ctx.input(0).digamma()] }
    }

    /// The digamma function ψ(x) = d/dx log Γ(x) (∓∞ at ±0, NaN at the negative integers).
    ///
    ///     Tensor([1.0]).digamma()    // -γ = -0.5772...
    public func digamma() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.digamma() }) { return r }
        return mathUnary(.digamma, .digamma, save: .input0) { g, ctx in [g * ctx.input(0).polygamma(1)] }
    }

    /// The n-th derivative of digamma, ψ⁽ⁿ⁾(x) (PyTorch's `polygamma(n, x)`; n ≥ 0).
    ///
    ///     let trigamma = x.polygamma(1)
    public func polygamma(_ n: Int) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.polygamma(n) }) { return r }
        check(n >= 0, "polygamma: n must be non-negative, got \(n) (shape \(shape))")
        return mathUnary(.polygamma(n), .polygamma, save: .input0) { g, ctx in [g * ctx.input(0).polygamma(n + 1)] }
    }

    /// The modified Bessel function of the first kind of order 0, I₀(x).
    ///
    ///     let window = x.i0()
    public func i0() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.i0() }) { return r }
        return mathUnary(.i0, .i0, save: .input0) { g, ctx in [g * ctx.input(0).i1()] }
    }

    /// The modified Bessel function of the first kind of order 1, I₁(x) (PyTorch's `special.i1`).
    ///
    ///     let y = x.i1()
    public func i1() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.i1() }) { return r }
        return mathUnary(.i1, .specialI1, save: [.input0, .output]) { g, ctx in
            let x = ctx.input(0)
            let zero = x.eq(0)
            // I₁' = I₀ - I₁/x, whose limit at 0 is ½; x is replaced by 1 there so nothing divides by 0.
            let safe = Tensor.where(zero, Tensor.onesLike(x), x)
            let slope = x.i0() - ctx.output / safe
            return [g * Tensor.where(zero, Tensor.full([], 0.5, dtype: x.dtype), slope)]
        }
    }

    /// self·log(other), and 0 where self is 0 (unless other is NaN), as `torch.xlogy`; broadcast,
    /// integers compute in float32.
    ///
    ///     let entropyTerms = p.xlogy(p)      // 0·log 0 = 0
    public func xlogy(_ other: Tensor) -> Tensor {
        let (x, y, shape) = Tensor.mathBinaryOperands(self, other, op: Op.xlogy.name)
        return Kernels.mathBinary(.xlogy, x, y, shape: shape, name: Op.xlogy.name)
            .recorded(.xlogy, x, y, save: [.input0, .input1]) { g, ctx in
                let x = ctx.input(0), y = ctx.input(1)
                var gx: Tensor? = nil
                if ctx.needsGrad(0) {
                    // g·log y, but 0 where x == 0 and y ≤ 0 (PyTorch's choice at the boundary).
                    let boundary = x.eq(0).logicalAnd(y.le(0))
                    gx = Tensor.where(boundary, Tensor.zeros([], dtype: g.dtype), g.xlogy(y))
                }
                return [gx, ctx.needsGrad(1) ? g * x / y : nil]
            }
    }

    /// `xlogy` with a scalar `other`.
    ///
    ///     let t = x.xlogy(2)       // x·log 2
    public func xlogy(_ other: Double) -> Tensor { xlogy(Tensor.scalarOperand(other, for: self)) }

    /// `xlogy` with a scalar `self`: s·log(other).
    ///
    ///     let t = Tensor.xlogy(2, y)
    public static func xlogy(_ s: Double, _ other: Tensor) -> Tensor { Tensor.scalarOperand(s, for: other).xlogy(other) }

    /// The log-odds log(x/(1 - x)); with `eps`, x is first clamped to [eps, 1 - eps] (gradient 0
    /// outside), as `torch.logit`.
    ///
    ///     let z = p.logit(eps: 1e-6)
    public func logit(eps: Double? = nil) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.logit(eps: eps) }) { return r }
        if let r = viaFloat32({ $0.logit(eps: eps) }) { return r }
        var x = mathFloatOperand()
        if let eps { x = x.clamp(min: eps, max: 1 - eps) }
        return (x / (1 - x)).log()
    }
}
