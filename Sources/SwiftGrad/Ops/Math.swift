// Element-wise math. Each op: its kernel, then its derivative written with Tensor ops (so it is
// itself differentiable for double backward).

extension Tensor {
    /// Stops an op that PyTorch defines for floating tensors only (the elementwise math of this
    /// file instead computes an integer or bool input in float32, as PyTorch does).
    @inline(__always)
    func unaryFloatOnly(_ name: String) {
        check(dtype.isFloatingPoint, "\(name): needs a float tensor, got \(dtype) of shape \(shape); convert with .to(.float32)")
    }

    /// e^x.
    public func exp() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.exp() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).exp() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.exp, self, name: Op.exp.name).recorded(.exp, self, save: .output, forward: .elementwise) { g, ctx in [g * ctx.output] }
    }

    /// Natural logarithm.
    public func log() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.log() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).log() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.log, self, name: Op.log.name).recorded(.log, self, save: .input0, forward: .elementwise) { g, ctx in [g / ctx.input(0)] }
    }

    /// log(1 + x), accurate for small x.
    public func log1p() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.log1p() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).log1p() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.log1p, self, name: Op.log1p.name).recorded(.log1p, self, save: .input0, forward: .elementwise) { g, ctx in [g / (ctx.input(0) + 1)] }
    }

    /// e^x - 1, accurate for small x.
    public func expm1() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.expm1() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).expm1() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.expm1, self, name: Op.expm1.name).recorded(.expm1, self, save: .output, forward: .elementwise) { g, ctx in [g * (ctx.output + 1)] }
    }

    /// Square root.
    public func sqrt() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.sqrt() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).sqrt() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.sqrt, self, name: Op.sqrt.name).recorded(.sqrt, self, save: .output, forward: .elementwise) { g, ctx in [g / (ctx.output * 2)] }
    }

    /// 1 / sqrt(x).
    public func rsqrt() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.rsqrt() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).rsqrt() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.rsqrt, self, name: Op.rsqrt.name).recorded(.rsqrt, self, save: .output, forward: .elementwise) { g, ctx in
            let y = ctx.output
            return [g * (y * y * y) * -0.5]   // d/dx x^(-1/2) = -½ x^(-3/2) = -½ y³
        }
    }

    /// 1 / x.
    public func reciprocal() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.reciprocal() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).reciprocal() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.reciprocal, self, name: Op.reciprocal.name).recorded(.reciprocal, self, save: .output, forward: .elementwise) { g, ctx in
            let y = ctx.output
            return [-(g * y * y)]
        }
    }

    /// |x|. The gradient at 0 is 0, as in PyTorch.
    public func abs() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.abs() }) { return r }
        return Kernels.unary(.abs, self, name: Op.abs.name).recorded(.abs, self, save: .input0, forward: .elementwise) { g, ctx in [g * ctx.input(0).sign()] }
    }

    /// -1, 0 or 1. Its gradient is zero everywhere.
    public func sign() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.sign() }) { return r }
        return Kernels.unary(.sign, self, name: Op.sign.name).recorded(.sign, self) { g, _ in [Tensor.zerosLike(g)] } forward: { _ in nil }
    }

    /// x².
    public func square() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.square() }) { return r }
        if _slowPath(dtype == .bool) { return to(.int64).square() }   // pow(x, 2) of bool is int64, as PyTorch
        return Kernels.unary(.square, self, name: Op.square.name).recorded(.square, self, save: .input0, forward: .elementwise) { g, ctx in [g * ctx.input(0) * 2] }
    }

    /// Sine.
    public func sin() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.sin() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).sin() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.sin, self, name: Op.sin.name).recorded(.sin, self, save: .input0, forward: .elementwise) { g, ctx in [g * ctx.input(0).cos()] }
    }

    /// Cosine.
    public func cos() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.cos() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).cos() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.cos, self, name: Op.cos.name).recorded(.cos, self, save: .input0, forward: .elementwise) { g, ctx in [-(g * ctx.input(0).sin())] }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.tanh() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).tanh() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.tanh, self, name: Op.tanh.name).recorded(.tanh, self, save: .output, forward: .elementwise) { g, ctx in
            [Tensor.activationBackward(.tanhBackward, g, ctx.output)]
        }
    }

    /// The logistic function 1 / (1 + e^-x), computed without overflow.
    public func sigmoid() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.sigmoid() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).sigmoid() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.sigmoid, self, name: Op.sigmoid.name).recorded(.sigmoid, self, save: .output, forward: .elementwise) { g, ctx in
            [Tensor.activationBackward(.sigmoidBackward, g, ctx.output)]
        }
    }

    /// max(x, 0). The gradient at exactly 0 is 0, as in PyTorch.
    public func relu() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.relu() }) { return r }
        return Kernels.unary(.relu, self, name: Op.relu.name).recorded(.relu, self, save: .output, forward: .elementwise) { g, ctx in
            [Tensor.activationBackward(.reluBackward, g, ctx.output)]
        }
    }

    /// The Gauss error function.
    public func erf() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.erf() }) { return r }
        if !dtype.isFloatingPoint { return to(.float32).erf() }   // integers and bools: float32, as PyTorch
        return Kernels.unary(.erf, self, name: Op.erf.name).recorded(.erf, self, save: .input0, forward: .elementwise) { g, ctx in
            let x = ctx.input(0)
            return [g * (-(x * x)).exp() * (2 / Double.pi.squareRoot())]
        }
    }
}

extension Tensor {
    /// The fused backward of tanh, sigmoid and relu in one pass over memory, given the upstream
    /// gradient `g` and the op's output `y` (for GELU-tanh, `y` is the op's input x). Recorded, with its own derivatives, so double
    /// backward through these activations works.
    static func activationBackward(_ op: BinaryOp, _ g: Tensor, _ y: Tensor) -> Tensor {
        let recordedOp: Op
        switch op {
        case .tanhBackward: recordedOp = .tanhBackward
        case .sigmoidBackward: recordedOp = .sigmoidBackward
        case .geluTanhBackward: recordedOp = .geluTanhBackward
        default: recordedOp = .reluBackward
        }
        let out = Kernels.binary(op, g, y, shape: y.shape, name: recordedOp.rawValue)
        return out.recorded(recordedOp, g, y, save: [.input0, .input1], forward: .elementwise) { gg, ctx in
            let g = ctx.input(0), y = ctx.input(1)
            switch op {
            case .tanhBackward:     // d/dg = 1-y², d/dy = -2gy
                return [activationBackward(op, gg, y), ctx.needsGrad(1) ? gg * g * y * -2 : nil]
            case .sigmoidBackward:  // d/dg = y(1-y), d/dy = g(1-2y)
                return [activationBackward(op, gg, y), ctx.needsGrad(1) ? gg * g * (1 - y * 2) : nil]
            case .geluTanhBackward: // the second input is x: d/dg = gelu'(x), d/dx = g·gelu''(x)
                return [activationBackward(op, gg, y), ctx.needsGrad(1) ? gg * g * geluTanhSecondDerivative(y) : nil]
            default:                // d/dg = [y > 0], d/dy = 0 almost everywhere
                return [activationBackward(op, gg, y), nil]
            }
        }
    }
}

extension Tensor {
    /// gelu''(x) for the tanh approximation, with Tensor ops (double backward of `gelu_tanh_backward`):
    /// (1 - t²)·(u' - x·t·u'² + 3kc·x²), u = k(x + c·x³), t = tanh u, u' = k(1 + 3c·x²).
    static func geluTanhSecondDerivative(_ x: Tensor) -> Tensor {
        let k = (2 / Double.pi).squareRoot(), c = 0.044715
        let x2 = x * x
        let t = ((x + x2 * x * c) * k).tanh()
        let du = (x2 * (3 * c) + 1) * k
        let inner = du - x * t * du * du + x2 * (3 * k * c)
        return (1 - t * t) * inner
    }
}

// MARK: - Free-function spellings, as torch.exp(x)

/// e^x element-wise. ``Tensor/exp()``
public func exp(_ x: Tensor) -> Tensor { x.exp() }
/// Natural log element-wise.
public func log(_ x: Tensor) -> Tensor { x.log() }
/// Square root element-wise.
public func sqrt(_ x: Tensor) -> Tensor { x.sqrt() }
/// Hyperbolic tangent element-wise.
public func tanh(_ x: Tensor) -> Tensor { x.tanh() }
/// Sine element-wise.
public func sin(_ x: Tensor) -> Tensor { x.sin() }
/// Cosine element-wise.
public func cos(_ x: Tensor) -> Tensor { x.cos() }
/// |x| element-wise.
public func abs(_ x: Tensor) -> Tensor { x.abs() }
/// The logistic sigmoid element-wise.
public func sigmoid(_ x: Tensor) -> Tensor { x.sigmoid() }
/// max(x, 0) element-wise.
public func relu(_ x: Tensor) -> Tensor { x.relu() }
/// Element-wise power.
public func pow(_ x: Tensor, _ p: Double) -> Tensor { x.pow(p) }
/// Element-wise power with a tensor exponent.
public func pow(_ x: Tensor, _ p: Tensor) -> Tensor { x.pow(p) }
