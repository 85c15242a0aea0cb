// Rounding (floor, ceil, round, trunc, frac) and sign manipulation (copysign, heaviside). The
// rounding ops keep integer tensors as they are (a copy), as PyTorch's; their gradient is zero.

extension Tensor {
    /// A rounding op: integers are returned as a copy, bools are refused (as PyTorch), floats go
    /// through the kernel and record a zero gradient.
    private func rounding(_ kernel: MathUnaryOp, _ op: Op) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.rounding(kernel, op) }) { return r }
        check(dtype != .bool, "\(op): not defined for bool tensors (shape \(shape))")
        if !dtype.isFloatingPoint { return copy() }
        return Kernels.mathUnary(kernel, self, name: op.rawValue).recorded(op, self) { g, _ in [Tensor.zerosLike(g)] }
    }

    /// The largest integer not above x, element-wise (integer tensors unchanged). Gradient 0.
    ///
    ///     Tensor([1.5, -1.5]).floor()      // [1, -2]
    public func floor() -> Tensor { rounding(.floor, .floor) }

    /// The smallest integer not below x, element-wise (integer tensors unchanged). Gradient 0.
    ///
    ///     Tensor([1.5, -1.5]).ceil()       // [2, -1]
    public func ceil() -> Tensor { rounding(.ceil, .ceil) }

    /// x rounded to the nearest integer, halves to even (PyTorch's round), element-wise. Gradient 0.
    ///
    ///     Tensor([0.5, 1.5, 2.5]).round()   // [0, 2, 2]
    public func round() -> Tensor { rounding(.round, .round) }

    /// x rounded to `decimals` decimal places, halves to even (negative: to tens, hundreds...), as
    /// PyTorch's `round(decimals=)`: nearbyint(x·10^d)/10^d. Float tensors only. Gradient 0.
    ///
    ///     Tensor([1.25, 1234.5]).round(decimals: 1)     // [1.2, 1234.5]
    ///     Tensor([1234.5]).round(decimals: -2)          // [1200]
    public func round(decimals: Int) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.round(decimals: decimals) }) { return r }
        if decimals == 0 { return round() }
        check(dtype.isFloatingPoint, "round: decimals \(decimals) needs a float tensor, got \(dtype) of shape \(shape)")
        check(Swift.abs(decimals) <= 400, "round: decimals \(decimals) is out of range (shape \(shape))")
        return Kernels.mathUnary(.roundDecimals(decimals), self, name: Op.round.name).recorded(.round, self) { g, _ in [Tensor.zerosLike(g)] }
    }

    /// x rounded toward zero, element-wise (integer tensors unchanged). Gradient 0.
    ///
    ///     Tensor([1.7, -1.7]).trunc()      // [1, -1]
    public func trunc() -> Tensor { rounding(.trunc, .trunc) }

    /// The fractional part x - trunc(x), with x's sign (float tensors only, as PyTorch). Gradient 1.
    ///
    ///     Tensor([1.25, -1.25]).frac()     // [0.25, -0.25]
    public func frac() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.frac() }) { return r }
        check(dtype.isFloatingPoint, "frac: needs a float tensor, got \(dtype) of shape \(shape)")
        return self - trunc()
    }

    /// |self| with the sign of `other` (including the sign of zero), element-wise; broadcast,
    /// integers compute in float32. Gradient: sign(out/self)·g for self (0 where self is 0), 0 for other.
    ///
    ///     Tensor([1.0, 2.0]).copysign(Tensor([-1.0, 0.0]))     // [-1, 2]
    public func copysign(_ other: Tensor) -> Tensor {
        let (a, b, shape) = Tensor.mathBinaryOperands(self, other, op: Op.copysign.name)
        return Kernels.mathBinary(.copysign, a, b, shape: shape, name: Op.copysign.name)
            .recorded(.copysign, a, b, save: [.input0, .output]) { g, ctx in
                guard ctx.needsGrad(0) else { return [nil, ctx.needsGrad(1) ? Tensor.zerosLike(g) : nil] }
                let a = ctx.input(0)
                let zero = a.eq(0)
                // out/a is ±1: the sign flip; where a is 0 the gradient is 0, as PyTorch.
                let ratio = ctx.output / Tensor.where(zero, Tensor.onesLike(a), a)
                return [g * Tensor.where(zero, Tensor.zerosLike(ratio), ratio), ctx.needsGrad(1) ? Tensor.zerosLike(g) : nil]
            }
    }

    /// `copysign` with a scalar sign source.
    ///
    ///     let negative = x.copysign(-1)
    public func copysign(_ s: Double) -> Tensor { copysign(Tensor.scalarOperand(s, for: self)) }

    /// The Heaviside step: 0 where x < 0, `values` where x == 0, 1 where x > 0 (and 0 where x is
    /// NaN, as PyTorch's kernel). Both tensors must have one dtype, as in PyTorch. Not differentiable.
    ///
    ///     Tensor([-1.0, 0, 2]).heaviside(Tensor([0.5]))     // [0, 0.5, 1]
    public func heaviside(_ values: Tensor) -> Tensor {
        check(dtype == values.dtype, "heaviside: needs tensors of one dtype, got \(dtype) \(shape) and \(values.dtype) \(values.shape)")
        _ = broadcastShape(shape, values.shape, op: "heaviside")
        return withNoGrad {
            let zero = Tensor.zeros([], dtype: dtype)
            return Tensor.where(self.eq(zero), values, self.gt(zero).to(dtype))
        }
    }
}
