// PyTorch's type promotion: `torch.promote_types` (DType.result) and `torch.result_type` (which
// dtype an op computes in when tensors of several ranks and Swift scalars meet).

extension DType {
    /// The dtype two dtypes promote to, as `torch.promote_types`: bool < integers < floats; within
    /// integers the wider wins and uint8 with a signed type needs the next signed width (uint8 + int8
    /// is int16); float16 with bfloat16 is float32.
    ///
    ///     DType.result(.uint8, .int8)        // .int16
    ///     DType.result(.int64, .float16)     // .float16
    public static func result(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a == .bool { return b }
        if b == .bool { return a }
        switch (a.isFloatingPoint, b.isFloatingPoint) {
        case (true, false): return a
        case (false, true): return b
        case (true, true):
            if a.isReducedPrecision && b.isReducedPrecision { return .float32 }   // float16 + bfloat16
            if a.isReducedPrecision { return b }
            if b.isReducedPrecision { return a }
            return a.byteSize >= b.byteSize ? a : b
        case (false, false):
            if a == .uint8 || b == .uint8 {
                let signed = a == .uint8 ? b : a
                return signed == .int8 ? .int16 : signed
            }
            return a.byteSize >= b.byteSize ? a : b
        }
    }

    /// 0 for bool, 1 for integers, 2 for floats: a 0-d tensor or a scalar changes the result
    /// dtype only when its category is higher than the dimensioned operands'.
    var category: Int { self == .bool ? 0 : (isFloatingPoint ? 2 : 1) }

    /// The dtype a Swift scalar stands for in promotion: Swift scalars are `Double`s, so an
    /// integral value within int64's range acts as a Python int (int64) and any other value
    /// (fractional, ±inf, NaN, beyond ±2⁶³) as a Python float (the default float dtype, float32).
    static func ofScalar(_ s: Double) -> DType {
        s == s.rounded() && Swift.abs(s) < 9.2e18 ? .int64 : .float32
    }

    /// PyTorch's `combine_categories`: the higher-priority group's dtype wins unless the lower
    /// group is of a higher category.
    static func combine(_ higher: DType?, _ lower: DType?) -> DType? {
        guard let h = higher else { return lower }
        guard let l = lower else { return h }
        if h.isFloatingPoint { return h }
        if h == .bool || l.isFloatingPoint { return result(h, l) }
        return h
    }

    /// `torch.result_type` of tensors (by dtype and rank) and Swift scalars: dimensioned tensors
    /// decide; 0-d tensors, then scalars, count only when of a higher category.
    ///
    ///     DType.resultType(tensors: [(.int32, 1)], scalars: [2.5])   // .float32
    static func resultType(tensors: [(DType, Int)], scalars: [Double] = []) -> DType {
        var dim: DType?, zero: DType?, wrapped: DType?
        for (d, rank) in tensors {
            if rank > 0 { dim = dim.map { result($0, d) } ?? d } else { zero = zero.map { result($0, d) } ?? d }
        }
        for s in scalars { let d = ofScalar(s); wrapped = wrapped.map { result($0, d) } ?? d }
        return combine(dim, combine(zero, wrapped)) ?? .float32
    }
}

extension Tensor {
    /// The dtype `a op b` computes in (PyTorch's `torch.result_type(a, b)`).
    @inline(__always)
    static func resultDType(_ a: Tensor, _ b: Tensor) -> DType {
        if a.dtype == b.dtype { return a.dtype }
        return DType.resultType(tensors: [(a.dtype, a.rank), (b.dtype, b.rank)])
    }

    /// The dtype `x op s` computes in for a Swift scalar `s` (PyTorch's `torch.result_type(x, s)`):
    /// an int tensor with a fractional scalar gives float32, a bool tensor with an integral one int64.
    @inline(__always)
    static func resultDType(_ x: Tensor, scalar s: Double) -> DType {
        if x.dtype.isFloatingPoint { return x.dtype }
        return DType.resultType(tensors: [(x.dtype, x.rank)], scalars: [s])
    }

    /// A 0-d tensor holding the Swift scalar `s` with the dtype it has in promotion against `x`
    /// (so `x.gt(0.5)` for an int tensor compares in float32, as PyTorch).
    static func scalarOperand(_ s: Double, for x: Tensor) -> Tensor {
        Tensor.full([], s, dtype: resultDType(x, scalar: s))
    }
}

extension Tensor {
    /// For float16/bfloat16 tensors: `body` applied to a float32 copy, rounded once back to this
    /// dtype (PyTorch's CPU kernels compute reduced precision in float32 the same way); nil for
    /// other dtypes. Differentiable: the conversions are recorded, so gradients come back in this
    /// tensor's dtype.
    ///
    ///     if let r = viaFloat32({ $0.softmax(axis: axis) }) { return r }
    @inline(__always)
    func viaFloat32(_ body: (Tensor) -> Tensor) -> Tensor? {
        dtype.isReducedPrecision ? body(to(.float32)).to(dtype) : nil
    }

    /// For bool and integer tensors narrower than int64: `body` applied to an int64 copy (sums and
    /// products of integers are int64 in PyTorch); nil for other dtypes.
    @inline(__always)
    func viaInt64(_ body: (Tensor) -> Tensor) -> Tensor? {
        dtype.isIntegral(includingBool: true) && dtype != .int64 ? body(to(.int64)) : nil
    }
}
