// The parts of real floating-point values: frexp (mantissa and exponent), nextafter, and the
// complex-number helpers on real tensors, angle and isreal (PyTorch defines them for real inputs too).

extension Tensor {
    /// The mantissa m and the exponent e of x = m·2^e, with ½ ≤ |m| < 1 (m = x and e = 0 for 0, ±∞
    /// and NaN), as `torch.frexp`: m in x's dtype, e int32. The mantissa's gradient is g·2^−e (it is x
    /// times an exact power of two); the exponent has none.
    ///
    ///     let (m, e) = Tensor([8.0, 0.75]).frexp()      // m = [0.5, 0.75], e = [4, 0]
    public func frexp() -> (mantissa: Tensor, exponent: Tensor) {
        check(dtype.isFloatingPoint, "frexp: expects a float tensor, got \(dtype) of shape \(shape)")
        let e = Kernels.frexpExponent(self)
        // 2^−e in two exact halves: 2^1074 (a subnormal's) overflows, its two halves do not.
        let (half, rest) = withNoGrad { () -> (Tensor, Tensor) in
            let ne = -e.to(.float64)
            let h = (ne / 2).floor()
            let two = Tensor.full([], 2, dtype: .float64)
            return (two.pow(h).to(dtype), two.pow(ne - h).to(dtype))
        }
        return (self * half * rest, e)
    }

    /// The next representable value after each element toward `other` (broadcast; `torch.nextafter`,
    /// in the operands' float dtype: float64, float32, float16 or bfloat16). The gradient is g for
    /// self (the step is constant) and none for `other`, as PyTorch's.
    ///
    ///     let up = x.nextafter(Tensor.full([], .infinity, dtype: x.dtype))
    public func nextafter(_ other: Tensor) -> Tensor {
        let (a, b, shape) = Tensor.prepare(self, other, op: "nextafter")
        check(a.dtype.isFloatingPoint,
              "nextafter: expects float operands, got \(a.dtype) (shapes \(shape) and \(other.shape))")
        let next = Kernels.specialBinary(.nextafter, a, b, shape: shape, name: "nextafter")
        // next − a is exact (adjacent floats), so a + (next − a) is next, with a's gradient passed through.
        return a.expand(shape) + withNoGrad { next - a }
    }

    /// The argument of each element as a complex number: 0 for x ≥ 0, π for x < 0, NaN for NaN
    /// (`torch.angle` on a real tensor; integers and bools give float32). Its gradient is zero, as
    /// PyTorch's for real inputs: the result is not on the graph.
    ///
    ///     let phase = Tensor([-2.0, 3]).angle()          // [π, 0]
    public func angle() -> Tensor {
        withNoGrad {
            let x = mathFloatOperand()
            let pi = Tensor.full([], Double.pi, dtype: x.dtype), zero = Tensor.zeros([], dtype: x.dtype)
            return Tensor.where(x.isnan(), x, Tensor.where(x .< 0, pi, zero))
        }
    }

    /// Whether each element is real: all true for a real tensor (`torch.isreal`; we have no complex dtype).
    ///
    ///     let r = x.isreal()
    public func isreal() -> Tensor { Tensor.ones(shape, dtype: .bool) }
}
