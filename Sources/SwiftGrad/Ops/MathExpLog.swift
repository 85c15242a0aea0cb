// Base-2 and base-10 logarithms, powers of two, and logaddexp / logaddexp2. Integer and bool
// inputs compute in float32 (log2, log10, exp2), as PyTorch's; logaddexp takes floats only.

/// ln 2 and ln 10 (the derivatives' constants).
private let ln2 = 0.693147180559945309417232121458176568, ln10 = 2.30258509299404568401799145468436421

extension Tensor {
    /// The base-2 logarithm, element-wise.
    ///
    ///     Tensor([8.0]).log2()      // 3
    public func log2() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.log2() }) { return r }
        return mathUnary(.log2, .log2, save: .input0) { g, ctx in [g / (ctx.input(0) * ln2)] }
    }

    /// The base-10 logarithm, element-wise.
    ///
    ///     Tensor([100.0]).log10()   // 2
    public func log10() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.log10() }) { return r }
        return mathUnary(.log10, .log10, save: .input0) { g, ctx in [g / (ctx.input(0) * ln10)] }
    }

    /// 2^x, element-wise.
    ///
    ///     Tensor([3.0]).exp2()      // 8
    public func exp2() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.exp2() }) { return r }
        return mathUnary(.exp2, .exp2, save: .output) { g, ctx in [g * ctx.output * ln2] }
    }

    /// log(e^self + e^other) element-wise without overflow (broadcast; float tensors only).
    ///
    ///     let total = logProbA.logaddexp(logProbB)
    public func logaddexp(_ other: Tensor) -> Tensor {
        let (a, b, shape) = Tensor.mathBinaryOperands(self, other, op: Op.logaddexp.name, integers: false)
        return Kernels.mathBinary(.logaddexp, a, b, shape: shape, name: Op.logaddexp.name)
            .recorded(.logaddexp, a, b, save: [.input0, .input1]) { g, ctx in
                let a = ctx.input(0), b = ctx.input(1)
                // The softmax weights of the two terms, each a logistic of the difference.
                return [ctx.needsGrad(0) ? g / ((b - a).exp() + 1) : nil, ctx.needsGrad(1) ? g / ((a - b).exp() + 1) : nil]
            }
    }

    /// log₂(2^self + 2^other) element-wise without overflow (broadcast; float tensors only).
    ///
    ///     let bits = a.logaddexp2(b)
    public func logaddexp2(_ other: Tensor) -> Tensor {
        let (a, b, shape) = Tensor.mathBinaryOperands(self, other, op: Op.logaddexp2.name, integers: false)
        return Kernels.mathBinary(.logaddexp2, a, b, shape: shape, name: Op.logaddexp2.name)
            .recorded(.logaddexp2, a, b, save: [.input0, .input1]) { g, ctx in
                let a = ctx.input(0), b = ctx.input(1)
                return [ctx.needsGrad(0) ? g / ((b - a).exp2() + 1) : nil, ctx.needsGrad(1) ? g / ((a - b).exp2() + 1) : nil]
            }
    }
}
