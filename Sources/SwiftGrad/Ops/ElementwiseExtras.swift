// Element-wise ops of PyTorch's surface composed of existing ones: clamp with tensor bounds,
// fmax/fmin (NaN-ignoring), division with a rounding mode, float_power, rsub, signbit, sgn,
// ldexp. Their gradients are the chain rule through the ops they use (Docs/Derivatives.md).

/// How `div(_:roundingMode:)` rounds the quotient.
public enum DivisionRounding: String, Sendable {
    /// Toward zero (C's integer division).
    case trunc
    /// Toward −∞ (Python's `//`).
    case floor
}

extension Tensor {
    /// Clamps to tensor bounds (broadcast; either may be nil; bool tensors too, false < true), as `torch.clamp(x, min=t, max=u)`:
    /// min(max(x, lo), hi). The gradient goes to x where lo ≤ x ≤ hi, to lo where x < lo, to hi where
    /// the result is hi (PyTorch's clamp backward).
    ///
    ///     let y = x.clamp(min: lower, max: upper)
    public func clamp(min lo: Tensor?, max hi: Tensor? = nil) -> Tensor {
        check(lo != nil || hi != nil, "clamp: at least one of min and max must be given (input \(shape))")
        var y = self
        if let lo {
            let t = DType.result(y.dtype, lo.dtype)
            let (a, b) = (y.to(t), lo.to(t))
            // Where x < lo (NaN in x stays NaN: the comparison is false).
            y = Tensor.where(a.lt(b), b, a)
        }
        if let hi {
            let t = DType.result(y.dtype, hi.dtype)
            let (a, b) = (y.to(t), hi.to(t))
            y = Tensor.where(a.gt(b), b, a)
        }
        if lo != nil && hi == nil { return y }
        // PyTorch gives the result hi wherever lo > hi.
        if let lo, let hi {
            let t = y.dtype
            return Tensor.where(lo.to(t).gt(hi.to(t)), hi.to(t).expand(y.shape), y)
        }
        return y
    }

    /// `torch.clamp_min(x, t)`: max(x, t) with the gradient to x where x ≥ t.
    ///
    ///     let y = x.clampMin(floor)
    public func clampMin(_ lo: Tensor) -> Tensor { clamp(min: lo, max: nil) }

    /// `torch.clamp_max(x, t)`: min(x, t) with the gradient to x where x ≤ t.
    ///
    ///     let y = x.clampMax(ceiling)
    public func clampMax(_ hi: Tensor) -> Tensor { clamp(min: nil, max: hi) }

    /// The element-wise maximum ignoring NaN (NaN only where both are NaN), as `torch.fmax`; at ties
    /// the gradient goes to self.
    ///
    ///     let y = a.fmax(b)
    public func fmax(_ other: Tensor) -> Tensor { nanIgnoring(other, op: "fmax") { $0.ge($1) } }

    /// The element-wise minimum ignoring NaN, as `torch.fmin`; at ties the gradient goes to self.
    ///
    ///     let y = a.fmin(b)
    public func fmin(_ other: Tensor) -> Tensor { nanIgnoring(other, op: "fmin") { $0.le($1) } }

    private func nanIgnoring(_ other: Tensor, op: String, _ keepSelf: (Tensor, Tensor) -> Tensor) -> Tensor {
        let t = DType.result(dtype, other.dtype)
        let (a, b) = (to(t), other.to(t))
        let mask = keepSelf(a, b).logicalOr(b.isnan())
        return Tensor.where(mask, a, b)
    }

    /// Division with the quotient rounded (`torch.div(a, b, rounding_mode=...)`): `.trunc` toward
    /// zero, `.floor` toward −∞ (`floorDivide`). Integers stay integers; the gradient is zero, as
    /// PyTorch's. Integer division by zero stops, as PyTorch's ZeroDivisionError.
    ///
    ///     Tensor([7, -7]).div(Tensor([2]), roundingMode: .trunc)   // [3, -3]
    public func div(_ other: Tensor, roundingMode: DivisionRounding) -> Tensor {
        switch roundingMode {
        case .floor: return floorDivide(other)
        case .trunc:
            let (a, b, shape) = Tensor.prepare(self, other, op: "div")
            check(a.dtype != .bool, "div: rounding_mode 'trunc' is not defined for bool tensors (shapes \(self.shape) and \(other.shape))")
            if a.dtype.isFloatingPoint { return withNoGrad { (a / b).trunc() } }
            let x = a.expand(shape).ints, y = b.expand(shape).ints
            check(!y.contains(0), "div: integer division by zero (shapes \(self.shape) and \(other.shape))")
            return Tensor(zip(x, y).map { $0 / $1 }, shape: shape).to(a.dtype)
        }
    }

    /// `self ** exponent` computed in float64, as `torch.float_power`.
    ///
    ///     let y = x.floatPower(Tensor([2]))
    public func floatPower(_ exponent: Tensor) -> Tensor { to(.float64).pow(exponent.to(.float64)) }

    /// `other − alpha·self`, as `torch.rsub(self, other, alpha=...)`.
    ///
    ///     let y = x.rsub(Tensor([1]), alpha: 2)
    public func rsub(_ other: Tensor, alpha: Double = 1) -> Tensor {
        alpha == 1 ? other - self : other - self * alpha
    }

    /// Whether the sign bit is set (true for −0.0 and negative values), as `torch.signbit`.
    ///
    ///     Tensor([-0.0, 1]).signbit()   // [true, false]
    public func signbit() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.signbit() }) { return r }
        if dtype == .bool || dtype == .uint8 { return Tensor.zerosLike(self, dtype: .bool) }
        if !dtype.isFloatingPoint { return lt(0) }
        let v = to(.float64).doubles.map { $0.sign == .minus }
        return Tensor(v, shape: shape)
    }

    /// `self · 2^other`, as `torch.ldexp` (float result).
    ///
    ///     let y = mantissa.ldexp(exponent)
    public func ldexp(_ other: Tensor) -> Tensor {
        let x = dtype.isFloatingPoint ? self : to(.float32)
        return x * Tensor.full([], 2, dtype: x.dtype).pow(other.to(x.dtype))
    }
}
