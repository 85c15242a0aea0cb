// Predicates and logical ops: every result is a `.bool` mask. Any dtype is accepted; a value is
// true when it is nonzero (NaN is true), as PyTorch's logical_* ops.

extension Tensor {
    /// True where the element is NaN (never for integer and bool tensors).
    ///
    ///     let bad = loss.isnan().any()
    public func isnan() -> Tensor {
        dtype.isFloatingPoint ? ne(self) : Tensor.zeros(shape, dtype: .bool)
    }

    /// True where the element is +inf or -inf.
    public func isinf() -> Tensor {
        dtype.isFloatingPoint ? withNoGrad { abs() }.eq(.infinity) : Tensor.zeros(shape, dtype: .bool)
    }

    /// True where the element is +inf.
    public func isposinf() -> Tensor { dtype.isFloatingPoint ? eq(.infinity) : Tensor.zeros(shape, dtype: .bool) }
    /// True where the element is -inf.
    public func isneginf() -> Tensor { dtype.isFloatingPoint ? eq(-.infinity) : Tensor.zeros(shape, dtype: .bool) }

    /// True where the element is neither NaN nor infinite (always for integer and bool tensors).
    ///
    ///     let ok = x.isfinite()
    public func isfinite() -> Tensor {
        // x - x is 0 for a finite x and NaN for ±inf and NaN.
        dtype.isFloatingPoint ? withNoGrad { self - self }.eq(0) : Tensor.ones(shape, dtype: .bool)
    }

    /// True where `self` and `other` are both nonzero (broadcast).
    ///
    ///     let inside = x.ge(0).logicalAnd(x.le(1))
    public func logicalAnd(_ other: Tensor) -> Tensor { ne(0).bitwiseAnd(other.ne(0)) }
    /// True where either is nonzero.
    public func logicalOr(_ other: Tensor) -> Tensor { ne(0).bitwiseOr(other.ne(0)) }
    /// True where exactly one is nonzero.
    public func logicalXor(_ other: Tensor) -> Tensor { ne(0).bitwiseXor(other.ne(0)) }
    /// True where the element is zero.
    ///
    ///     let keep = dropped.logicalNot()
    public func logicalNot() -> Tensor { eq(0) }

    /// Whether any element is nonzero (a 0-d bool tensor), or along `axis` (a uint8 input gives
    /// uint8 0/1, as PyTorch's).
    ///
    ///     if (x .< 0).any().item() != 0 { ... }
    public func any(axis: Int? = nil, keepDim: Bool = false) -> Tensor {
        let m = ne(0).to(.int64)
        return (axis.map { m.sum(axis: $0, keepDim: keepDim) } ?? m.sum()).ne(0).predicateResult(for: dtype)
    }

    /// Whether every element is nonzero (a 0-d bool tensor), or along `axis` (uint8 for uint8).
    public func all(axis: Int? = nil, keepDim: Bool = false) -> Tensor {
        let m = eq(0).to(.int64)
        return (axis.map { m.sum(axis: $0, keepDim: keepDim) } ?? m.sum()).eq(0).predicateResult(for: dtype)
    }

    /// A bool result of `any`/`all` as PyTorch returns it for an input of `input`: uint8 for uint8.
    func predicateResult(for input: DType) -> Tensor { input == .uint8 ? to(.uint8) : self }

    /// The number of nonzero elements (PyTorch's `count_nonzero`), as an int64 0-d tensor.
    ///
    ///     let correct = predictions.eq(labels).countNonzero()
    public func countNonzero() -> Tensor { ne(0).sum() }
}

extension Tensor {
    /// The elements where `mask` (bool, broadcast to this shape) is true, as a 1-D tensor in
    /// row-major order: PyTorch's `masked_select` / `x[mask]`. Differentiable (the gradient is
    /// scattered back to the selected positions). Integer masks are read as `!= 0`.
    ///
    ///     let positives = x.maskedSelect(x .> 0)
    public func maskedSelect(_ mask: Tensor) -> Tensor {
        check(mask.dtype.isIntegral(includingBool: true), "maskedSelect: the mask must be bool, got \(mask.dtype) of shape \(mask.shape) (tensor \(shape))")
        // As PyTorch, the tensor and the mask broadcast to their common shape.
        guard let common = broadcastShapeIfPossible(mask.shape, shape) else {
            checkFailure("maskedSelect: mask of shape \(mask.shape) and tensor of shape \(shape) do not broadcast")
        }
        if common != shape { return expand(common).maskedSelect(mask) }
        let flags = (mask.shape == shape ? mask : withNoGrad { mask.expand(shape) }).bools
        let positions = flags.indices.filter { flags[$0] }
        return reshape([count]).indexSelect(axis: 0, indices: Tensor(positions, shape: [positions.count]))
    }
}
