// Rounding divisions with PyTorch's semantics: floorDivide (Python's //), remainder (Python's %,
// the sign of the divisor) and fmod (C's fmod, the sign of the dividend). `/` is true division
// (Arithmetic.swift). Integer division by zero stops, as PyTorch's ZeroDivisionError.

extension Tensor {
    /// Python's floor division `a // b` element-wise (broadcast, promoted). Not differentiable
    /// (its derivative is zero almost everywhere, and PyTorch defines none).
    ///
    ///     Tensor([7, -7]).floorDivide(Tensor([2]))     // [3, -4]
    public func floorDivide(_ other: Tensor) -> Tensor {
        let (a, b, shape) = Tensor.prepare(self, other, op: "floor_divide")
        check(a.dtype != .bool, "floor_divide: not defined for bool tensors (shapes \(shape) from \(self.shape) and \(other.shape))")
        return Kernels.integerBinary(.floorDivide, a, b, shape: shape, name: "floor_divide")
    }
    /// `a // s` with a scalar.
    public func floorDivide(_ s: Double) -> Tensor { floorDivide(Tensor.scalarOperand(s, for: self)) }

    /// Python's `a % b`: the remainder with the divisor's sign (broadcast, promoted).
    /// Differentiable for floats: d/da = 1, d/db = -floorDivide(a, b).
    ///
    ///     Tensor([7, -7]).remainder(Tensor([3]))       // [1, 2]
    public func remainder(_ other: Tensor) -> Tensor {
        let (a, b, shape) = Tensor.prepare(self, other, op: Op.remainder.name)
        check(a.dtype != .bool, "remainder: not defined for bool tensors (shapes \(self.shape) and \(other.shape))")
        return Kernels.integerBinary(.remainder, a, b, shape: shape, name: Op.remainder.name)
            .recorded(.remainder, a, b, save: [.input0, .input1], forward: .elementwise) { g, ctx in
                [g, ctx.needsGrad(1) ? -(g * ctx.input(0).floorDivide(ctx.input(1))) : nil]
            }
    }
    /// `a % s` with a scalar.
    public func remainder(_ s: Double) -> Tensor { remainder(Tensor.scalarOperand(s, for: self)) }

    /// C's `fmod(a, b)`: the remainder with the dividend's sign (broadcast, promoted).
    /// Differentiable for floats: d/da = 1, d/db = -trunc(a / b).
    ///
    ///     Tensor([7, -7]).fmod(Tensor([3]))            // [1, -1]
    public func fmod(_ other: Tensor) -> Tensor {
        let (a, b, shape) = Tensor.prepare(self, other, op: Op.fmod.name)
        check(a.dtype != .bool, "fmod: not defined for bool tensors (shapes \(self.shape) and \(other.shape))")
        return Kernels.integerBinary(.fmod, a, b, shape: shape, name: Op.fmod.name)
            .recorded(.fmod, a, b, save: [.input0, .input1], forward: .elementwise) { g, ctx in
                guard ctx.needsGrad(1) else { return [g, nil] }
                let x = ctx.input(0), y = ctx.input(1)
                // trunc(x / y) = (x - fmod(x, y)) / y
                let quotient = (x - x.fmod(y)) / y
                return [g, -(g * quotient)]
            }
    }
    /// `fmod(a, s)` with a scalar.
    public func fmod(_ s: Double) -> Tensor { fmod(Tensor.scalarOperand(s, for: self)) }
}
