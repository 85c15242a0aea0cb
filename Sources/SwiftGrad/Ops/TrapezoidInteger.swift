// The trapezoid rules of integer samples, with PyTorch's arithmetic: the sums of neighbours and
// the products with the spacings stay in the integer dtype (wrapping around as PyTorch's do), the
// sums along the axis are int64, and only the halving is float (float32, PyTorch's default dtype).
// So uint8 samples give exactly PyTorch's (wrapped) values, not the float integral. Integer inputs
// take no gradient.

extension Tensor {
    /// `y.sum(axis)·dx − (y₀ + yₙ₋₁)·dx/2` for integer y, as PyTorch's `trapezoid(y, dx=)`; an empty
    /// axis gives zeros of y's dtype.
    func integerTrapezoid(dx: Double, axis ax: Int) -> Tensor {
        let n = shape[ax]
        if n == 0 { var s = shape; s.remove(at: ax); return Tensor.zeros(s, dtype: dtype) }
        let ends = (narrow(axis: ax, start: 0, length: 1) + narrow(axis: ax, start: n - 1, length: 1)).squeeze(axis: ax)
        return sum(axes: [ax]) * Tensor.full([], dx, dtype: .float32) - ends * Tensor.full([], dx * 0.5, dtype: .float32)
    }

    /// `Σ (x₁ − x₀)·(y₁ + y₀) / 2` for integer y, as PyTorch's `trapezoid(y, x)`: `spacings` gives
    /// the differences of the sample points, shaped to broadcast against y's pairs (called only
    /// when the axis is not empty). An empty axis gives zeros of y's dtype.
    func integerTrapezoid(spacings: () -> Tensor, axis ax: Int) -> Tensor {
        let n = shape[ax]
        if n == 0 { var s = shape; s.remove(at: ax); return Tensor.zeros(s, dtype: dtype) }
        let pairs = narrow(axis: ax, start: 1, length: n - 1) + narrow(axis: ax, start: 0, length: n - 1)
        return (spacings() * pairs).sum(axes: [ax]) / Tensor.full([], 2, dtype: .float32)
    }

    /// The running rule for integer y: `(dx/2 · (y₁ + y₀)).cumsum`, as PyTorch's
    /// `cumulative_trapezoid(y, dx=)`.
    func integerCumulativeTrapezoid(dx: Double, axis ax: Int) -> Tensor {
        let n = shape[ax]
        if n <= 1 { var s = shape; s[ax] = 0; return Tensor.zeros(s, dtype: .float32) }
        let pairs = narrow(axis: ax, start: 1, length: n - 1) + narrow(axis: ax, start: 0, length: n - 1)
        return (Tensor.full([], dx / 2, dtype: .float32) * pairs).cumsum(axis: ax)
    }

    /// The running rule for integer y: `((x₁ − x₀)·(y₁ + y₀)).cumsum / 2`, as PyTorch's
    /// `cumulative_trapezoid(y, x)` (float sample points give their float dtype).
    func integerCumulativeTrapezoid(spacings: () -> Tensor, pointsDType: DType, axis ax: Int) -> Tensor {
        let n = shape[ax]
        if n <= 1 {
            var s = shape; s[ax] = 0
            return Tensor.zeros(s, dtype: pointsDType.isFloatingPoint ? pointsDType : .float32)
        }
        let pairs = narrow(axis: ax, start: 1, length: n - 1) + narrow(axis: ax, start: 0, length: n - 1)
        return (spacings() * pairs).cumsum(axis: ax) / Tensor.full([], 2, dtype: .float32)
    }
}

extension Tensor {
    /// The differences of the sample points `x` along y's `axis` (a 1-D x is shaped to broadcast
    /// against y's axis), in x's dtype.
    func trapezoidSpacings(_ x: Tensor, axis ax: Int) -> Tensor {
        let xs = x.rank == 1 ? x.reshape([shape[ax]] + [Int](repeating: 1, count: rank - 1 - ax)) : x
        let xa = xs.rank == rank ? ax : xs.rank - (rank - ax)
        return xs.diff(axis: xa)
    }
}
