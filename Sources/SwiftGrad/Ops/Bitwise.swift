// Bitwise and shift ops on integer and bool tensors (PyTorch's bitwise_and/or/xor/not, <<, >>).
// Not differentiable. Operands promote as arithmetic does; integers narrower than int64 compute
// in int64 and keep their low bits (two's complement), so results wrap as PyTorch's.

extension Tensor {
    static func bitwise(_ op: IntegerOp, _ lhs: Tensor, _ rhs: Tensor, name: String) -> Tensor {
        let (a, b, shape) = prepare(lhs, rhs, op: name)
        check(a.dtype.isIntegral(includingBool: true),
              "\(name): needs integer or bool tensors, got \(lhs.dtype) \(lhs.shape) and \(rhs.dtype) \(rhs.shape)")
        check(a.dtype != .bool || !(op == .shiftLeft || op == .shiftRight),
              "\(name): shifts need integer tensors, got bool \(lhs.shape) and \(rhs.shape)")
        return Kernels.integerBinary(op, a, b, shape: shape, name: name)
    }

    /// Element-wise AND (logical AND for bool tensors).
    ///
    ///     let both = (x .> 0).bitwiseAnd(x .< 1)     // or: (x .> 0) & (x .< 1)
    public func bitwiseAnd(_ other: Tensor) -> Tensor { Tensor.bitwise(.bitAnd, self, other, name: "bitwise_and") }
    /// Element-wise OR (logical OR for bool tensors).
    public func bitwiseOr(_ other: Tensor) -> Tensor { Tensor.bitwise(.bitOr, self, other, name: "bitwise_or") }
    /// Element-wise XOR (logical XOR for bool tensors).
    public func bitwiseXor(_ other: Tensor) -> Tensor { Tensor.bitwise(.bitXor, self, other, name: "bitwise_xor") }
    /// Element-wise NOT: `~x` (`-x - 1` for integers, logical not for bool).
    ///
    ///     let flipped = Tensor([0, 5], dtype: .uint8).bitwiseNot()   // [255, 250]
    public func bitwiseNot() -> Tensor {
        check(dtype.isIntegral(includingBool: true), "bitwise_not: needs an integer or bool tensor, got \(dtype) of shape \(shape)")
        return Kernels.bitwiseNot(self)
    }
    /// Shifts left by `other` bits (element-wise, broadcast); bits shifted out are lost.
    ///
    ///     let y = x.bitwiseLeftShift(Tensor(2, dtype: .int64))     // or: x << 2
    public func bitwiseLeftShift(_ other: Tensor) -> Tensor { Tensor.bitwise(.shiftLeft, self, other, name: "bitwise_left_shift") }
    /// Arithmetic right shift by `other` bits (sign-extending for signed types).
    public func bitwiseRightShift(_ other: Tensor) -> Tensor { Tensor.bitwise(.shiftRight, self, other, name: "bitwise_right_shift") }

    /// A 0-d operand for an integer scalar in a bitwise op (int64, or bool for a bool tensor and 0/1).
    static func bitwiseScalar(_ s: Int, for x: Tensor) -> Tensor {
        x.dtype == .bool && (s == 0 || s == 1) ? Tensor([s == 1], shape: []) : Tensor([s], shape: [])
    }

    /// `a & b`: `bitwiseAnd`.
    public static func & (a: Tensor, b: Tensor) -> Tensor { a.bitwiseAnd(b) }
    /// `a | b`: `bitwiseOr`.
    public static func | (a: Tensor, b: Tensor) -> Tensor { a.bitwiseOr(b) }
    /// `a ^ b`: `bitwiseXor`.
    public static func ^ (a: Tensor, b: Tensor) -> Tensor { a.bitwiseXor(b) }
    /// `~a`: `bitwiseNot`.
    public static prefix func ~ (a: Tensor) -> Tensor { a.bitwiseNot() }
    /// `a << b`: `bitwiseLeftShift`.
    public static func << (a: Tensor, b: Tensor) -> Tensor { a.bitwiseLeftShift(b) }
    /// `a >> b`: `bitwiseRightShift`.
    public static func >> (a: Tensor, b: Tensor) -> Tensor { a.bitwiseRightShift(b) }
    /// `x & s` with an integer scalar (it does not widen the tensor's dtype).
    ///
    ///     let low = x & 0xF
    public static func & (a: Tensor, s: Int) -> Tensor { a.bitwiseAnd(bitwiseScalar(s, for: a)) }
    /// `x | s`.
    public static func | (a: Tensor, s: Int) -> Tensor { a.bitwiseOr(bitwiseScalar(s, for: a)) }
    /// `x ^ s`.
    public static func ^ (a: Tensor, s: Int) -> Tensor { a.bitwiseXor(bitwiseScalar(s, for: a)) }
    /// `x << s`.
    public static func << (a: Tensor, s: Int) -> Tensor { a.bitwiseLeftShift(Tensor([s], shape: [])) }
    /// `x >> s`.
    public static func >> (a: Tensor, s: Int) -> Tensor { a.bitwiseRightShift(Tensor([s], shape: [])) }
}
