// Trigonometric and hyperbolic functions and their inverses, atan2, hypot, angle conversion and
// sinc. Integer and bool inputs compute in float32, as PyTorch's (`Tensor([1, 2]).tan()` is float32).

extension Tensor {
    /// This tensor, or its float32 conversion when it holds integers or bools: the input of an op
    /// that PyTorch promotes to the default float dtype (tan, log2, erfinv...).
    @inline(__always)
    func mathFloatOperand() -> Tensor { dtype.isFloatingPoint ? self : to(.float32) }

    /// Both operands promoted (PyTorch's result type) and broadcast, then taken to float32 when
    /// integral; `integers: false` stops instead, for the ops PyTorch defines only on floats.
    static func mathBinaryOperands(_ lhs: Tensor, _ rhs: Tensor, op: String, integers: Bool = true) -> (Tensor, Tensor, [Int]) {
        let (a, b, shape) = prepare(lhs, rhs, op: op)
        if a.dtype.isFloatingPoint { return (a, b, shape) }
        check(integers, "\(op): not defined for \(a.dtype) tensors (shapes \(lhs.shape) and \(rhs.shape)); convert with .to(.float32)")
        return (a.to(.float32), b.to(.float32), shape)
    }

    /// `op(x)` by the math kernels on x promoted to float, recorded as `recordedOp`.
    @inline(__always)
    func mathUnary(_ op: MathUnaryOp, _ recordedOp: Op, save: Saved,
                   _ backward: @escaping (Tensor, BackwardContext) -> [Tensor?]) -> Tensor {
        let x = mathFloatOperand()
        return Kernels.mathUnary(op, x, name: recordedOp.rawValue).recorded(recordedOp, x, save: save, backward)
    }

    /// The tangent, element-wise.
    ///
    ///     let t = angle.tan()
    public func tan() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.tan() }) { return r }
        return mathUnary(.tan, .tan, save: .output) { g, ctx in
            let y = ctx.output
            return [g * (y * y + 1)]            // d tan x = 1 + tan²x
        }
    }

    /// The arcsine, element-wise (NaN outside [-1, 1]).
    ///
    ///     let a = Tensor([0.5]).asin()     // π/6
    public func asin() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.asin() }) { return r }
        return mathUnary(.asin, .asin, save: .input0) { g, ctx in
            let x = ctx.input(0)
            return [g * (1 - x * x).rsqrt()]
        }
    }

    /// The arccosine, element-wise (NaN outside [-1, 1]).
    ///
    ///     let a = Tensor([0.5]).acos()     // π/3
    public func acos() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.acos() }) { return r }
        return mathUnary(.acos, .acos, save: .input0) { g, ctx in
            let x = ctx.input(0)
            return [-(g * (1 - x * x).rsqrt())]
        }
    }

    /// The arctangent, element-wise.
    ///
    ///     let angle = ratio.atan()
    public func atan() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.atan() }) { return r }
        return mathUnary(.atan, .atan, save: .input0) { g, ctx in
            let x = ctx.input(0)
            return [g / (x * x + 1)]
        }
    }

    /// The angle of the point (other, self) in radians, in (-π, π] (PyTorch's `atan2(input, other)`;
    /// broadcast, integers compute in float32).
    ///
    ///     let theta = y.atan2(x)
    public func atan2(_ other: Tensor) -> Tensor {
        let (y, x, shape) = Tensor.mathBinaryOperands(self, other, op: Op.atan2.name)
        return Kernels.mathBinary(.atan2, y, x, shape: shape, name: Op.atan2.name)
            .recorded(.atan2, y, x, save: [.input0, .input1]) { g, ctx in
                let y = ctx.input(0), x = ctx.input(1)
                let scaled = g / (x * x + y * y)      // d atan2(y, x) = (x dy - y dx)/(x² + y²)
                return [ctx.needsGrad(0) ? scaled * x : nil, ctx.needsGrad(1) ? -(scaled * y) : nil]
            }
    }

    /// The hyperbolic sine, element-wise.
    ///
    ///     let s = x.sinh()
    public func sinh() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.sinh() }) { return r }
        return mathUnary(.sinh, .sinh, save: .input0) { g, ctx in [g * ctx.input(0).cosh()] }
    }

    /// The hyperbolic cosine, element-wise.
    ///
    ///     let c = x.cosh()
    public func cosh() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.cosh() }) { return r }
        return mathUnary(.cosh, .cosh, save: .input0) { g, ctx in [g * ctx.input(0).sinh()] }
    }

    /// The inverse hyperbolic sine, element-wise.
    ///
    ///     let a = x.asinh()
    public func asinh() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.asinh() }) { return r }
        return mathUnary(.asinh, .asinh, save: .input0) { g, ctx in
            let x = ctx.input(0)
            return [g * (x * x + 1).rsqrt()]
        }
    }

    /// The inverse hyperbolic cosine, element-wise (NaN below 1).
    ///
    ///     let a = x.acosh()
    public func acosh() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.acosh() }) { return r }
        return mathUnary(.acosh, .acosh, save: .input0) { g, ctx in
            let x = ctx.input(0)
            return [g * (x * x - 1).rsqrt()]
        }
    }

    /// The inverse hyperbolic tangent, element-wise (±∞ at ±1, NaN beyond).
    ///
    ///     let a = x.atanh()
    public func atanh() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.atanh() }) { return r }
        return mathUnary(.atanh, .atanh, save: .input0) { g, ctx in
            let x = ctx.input(0)
            return [g / (1 - x * x)]
        }
    }

    /// √(self² + other²) element-wise without overflow (broadcast; float tensors only, as PyTorch).
    ///
    ///     let r = x.hypot(y)
    public func hypot(_ other: Tensor) -> Tensor {
        let (a, b, shape) = Tensor.mathBinaryOperands(self, other, op: Op.hypot.name, integers: false)
        return Kernels.mathBinary(.hypot, a, b, shape: shape, name: Op.hypot.name)
            .recorded(.hypot, a, b, save: [.input0, .input1, .output]) { g, ctx in
                let r = ctx.output
                return [ctx.needsGrad(0) ? g * ctx.input(0) / r : nil, ctx.needsGrad(1) ? g * ctx.input(1) / r : nil]
            }
    }

    /// Degrees to radians, element-wise (integers give float32).
    ///
    ///     let r = Tensor([180.0]).deg2rad()    // π
    public func deg2rad() -> Tensor { mathFloatOperand() * (Double.pi / 180) }

    /// Radians to degrees, element-wise (integers give float32).
    ///
    ///     let d = Tensor([Double.pi]).rad2deg()    // 180
    public func rad2deg() -> Tensor { mathFloatOperand() * (180 / Double.pi) }

    /// The normalized sinc function sin(πx)/(πx), 1 at x = 0 (gradient 0 there), as `torch.sinc`.
    ///
    ///     let s = Tensor([0.0, 0.5]).sinc()     // [1, 2/π]
    public func sinc() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.sinc() }) { return r }
        let x = mathFloatOperand()
        let zero = x.eq(0)
        // The quotient is taken on x with its zeros replaced by 1, so neither the value nor the
        // gradient of the branch `where` discards divides by zero (which would leak NaN into the gradient).
        let safe = Tensor.where(zero, Tensor.onesLike(x), x)
        let product = safe * Double.pi
        return Tensor.where(zero, Tensor.onesLike(x), product.sin() / product)
    }
}
