// Predicates over several axes, closeness tests, NaN-aware reductions and the positions of nonzero
// elements. Masks are `.bool`; positions int64. nanToNum, nansum and nanmean are differentiable
// (composed of `where` and `sum`: g where the element is finite / not NaN, 0 elsewhere, as PyTorch's).

extension Tensor {
    /// Whether any element is nonzero over `axes` (a bool tensor; PyTorch's `any(dim=(...))`).
    ///
    ///     let rowHasNaN = x.isnan().any(axes: [1, 2])
    public func any(axes: [Int], keepDim: Bool = false) -> Tensor {
        let m = ne(0).to(.int64)
        return (axes.isEmpty ? (keepDim ? m.sum(axes: Array(0..<rank), keepDim: true) : m.sum()) : m.sum(axes: axes, keepDim: keepDim)).ne(0)
            .predicateResult(for: dtype)
    }

    /// Whether every element is nonzero over `axes` (a bool tensor).
    ///
    ///     let allPositive = (x .> 0).all(axes: [0, 1])
    public func all(axes: [Int], keepDim: Bool = false) -> Tensor {
        let m = eq(0).to(.int64)
        return (axes.isEmpty ? (keepDim ? m.sum(axes: Array(0..<rank), keepDim: true) : m.sum()) : m.sum(axes: axes, keepDim: keepDim)).eq(0)
            .predicateResult(for: dtype)
    }

    /// The number of nonzero elements over `axes`, as int64 (PyTorch's `count_nonzero(dim=...)`).
    ///
    ///     let perRow = mask.countNonzero(axes: [1])
    public func countNonzero(axes: [Int], keepDim: Bool = false) -> Tensor {
        let m = ne(0).to(.int64)
        return axes.isEmpty ? m.sum() : m.sum(axes: axes, keepDim: keepDim)
    }

    /// Where `self` and `other` are close: |self - other| ≤ atol + rtol·|other|, or equal (so equal
    /// infinities are close), or both NaN when `equalNan` (PyTorch's `isclose`; both tensors of one
    /// dtype, broadcast). Integers are compared through float32, as PyTorch's default dtype.
    ///
    ///     let ok = y.isclose(expected, rtol: 1e-4)
    public func isclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) -> Tensor {
        check(dtype == other.dtype, "isclose: the tensors must have one dtype, got \(dtype) \(shape) and \(other.dtype) \(other.shape)")
        check(rtol >= 0 && atol >= 0, "isclose: rtol \(rtol) and atol \(atol) must be non-negative (shapes \(shape) and \(other.shape))")
        check(broadcastShapeIfPossible(shape, other.shape) != nil, "isclose: shapes \(shape) and \(other.shape) do not broadcast")
        return withNoGrad {
            var close = eq(other)
            if equalNan { close = close.bitwiseOr(isnan().bitwiseAnd(other.isnan())) }
            if dtype == .bool { return close }
            let a = dtype.isFloatingPoint ? self : to(.float32), b = dtype.isFloatingPoint ? other : other.to(.float32)
            let error = (a - b).abs(), allowed = (b * rtol).abs() + atol
            return close.bitwiseOr(error.isfinite().bitwiseAnd(error.le(allowed)))
        }
    }

    /// Whether every element is close to `other`'s (see `isclose`), as a Swift Bool.
    ///
    ///     #expect(y.allclose(expected, atol: 1e-6))
    public func allclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) -> Bool {
        isclose(other, rtol: rtol, atol: atol, equalNan: equalNan).all().item() != 0
    }

    /// NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (by default the dtype's largest
    /// and lowest finite values), as PyTorch's `nan_to_num`. Integer and bool tensors are returned
    /// as a copy. The gradient is g where the element is finite, 0 elsewhere.
    ///
    ///     let safe = x.nanToNum(nan: 0, posinf: 1e6)
    public func nanToNum(nan: Double = 0, posinf: Double? = nil, neginf: Double? = nil) -> Tensor {
        guard dtype.isFloatingPoint else { return copy() }
        let big: Double
        switch dtype {
        case .float16: big = 65504
        case .bfloat16: big = 3.3895313892515355e38
        case .float32: big = Double(Float.greatestFiniteMagnitude)
        default: big = Double.greatestFiniteMagnitude
        }
        func constant(_ v: Double) -> Tensor { Tensor.full([], v, dtype: dtype) }
        let notNaN = Tensor.where(isposinf(), constant(posinf ?? big), Tensor.where(isneginf(), constant(neginf ?? -big), self))
        return Tensor.where(isnan(), constant(nan), notNaN)
    }

    /// The sum treating NaN as 0, over all elements or `axes` (integers: the plain sum).
    ///
    ///     let total = x.nansum()
    public func nansum(axes: [Int]? = nil, keepDim: Bool = false) -> Tensor {
        let x = dtype.isFloatingPoint ? Tensor.where(isnan(), Tensor.zeros([], dtype: dtype), self) : self
        guard let axes, !axes.isEmpty else { return keepDim ? x.sum(axes: Array(0..<rank), keepDim: true) : x.sum() }
        return x.sum(axes: axes, keepDim: keepDim)
    }

    /// The mean of the elements that are not NaN, over all elements or `axes` (NaN where there are
    /// none). Float tensors, as PyTorch's `nanmean`.
    ///
    ///     let m = x.nanmean(axes: [0])
    public func nanmean(axes: [Int]? = nil, keepDim: Bool = false) -> Tensor {
        unaryFloatOnly("nanmean")
        if let r = viaFloat32({ $0.nanmean(axes: axes, keepDim: keepDim) }) { return r }
        let valid = isnan().logicalNot().to(dtype)
        return nansum(axes: axes, keepDim: keepDim) / valid.nansum(axes: axes, keepDim: keepDim)
    }

    /// The positions of the nonzero elements, one row [count, rank] (int64) per element in row-major
    /// order (PyTorch's `nonzero()`; `argwhere` is the same).
    ///
    ///     let where = mask.nonzero()      // [[0, 1], [2, 0], ...]
    public func nonzero() -> Tensor {
        let flags = ne(0).bools, st = contiguousStrides(shape)
        var coords = [Int]()
        for (i, f) in flags.enumerated() where f {
            var r = i
            for s in st { coords.append(r / s); r %= s }
        }
        return Tensor(coords, shape: [flags.filter { $0 }.count, rank])
    }

    /// The positions of the nonzero elements, one 1-D int64 tensor per axis (PyTorch's
    /// `nonzero(as_tuple=True)`, usable to index: `x[mask.nonzeroPerAxis()]`).
    ///
    ///     let (rows, cols) = { let p = mask.nonzeroPerAxis(); return (p[0], p[1]) }()
    public func nonzeroPerAxis() -> [Tensor] {
        let p = nonzero()
        if rank == 0 { return [Tensor(Array(repeating: 0, count: p.shape[0]), shape: [p.shape[0]])] }
        return (0..<rank).map { p.select(axis: 1, index: $0).contiguous() }
    }

    /// The positions of the nonzero elements, [count, rank] (PyTorch's `argwhere`).
    ///
    ///     let at = x.argwhere()
    public func argwhere() -> Tensor { nonzero() }
}
