// Order statistics: median, nanmedian, mode, quantile, nanquantile. Positions come from the sort
// kernel; values are gathered at them (gradient: g back to the chosen position), except the global
// median and nanmedian, whose gradient PyTorch spreads evenly over every element equal to the result
// (the recorded ops `median` and `nanmedian`).

/// How `quantile` reads between two sorted values (PyTorch's `interpolation=`).
public enum QuantileInterpolation: String, Sendable {
    /// below + (above - below)·fraction.
    case linear
    /// The value below (floor of the rank).
    case lower
    /// The value above (ceiling of the rank).
    case higher
    /// The mean of the values below and above.
    case midpoint
    /// The value at the rank rounded half to even.
    case nearest
}

extension Tensor {
    /// The lower median of all elements (for an even count, the smaller of the two middle values);
    /// NaN if any element is NaN, and for an empty tensor. The gradient is shared equally by every
    /// element equal to the median, as PyTorch's.
    ///
    ///     let m = x.median()
    public func median() -> Tensor { globalMedian(ignoringNaN: false) }

    /// The lower median of the elements that are not NaN (NaN when there are none).
    ///
    ///     let m = x.nanmedian()
    public func nanmedian() -> Tensor { globalMedian(ignoringNaN: true) }

    /// The lower median along `axis` and a position holding it (NaN and the first NaN's position
    /// when the line has a NaN). Among equal values the position is the first in a stable sort
    /// (PyTorch does not specify which).
    ///
    ///     let (m, at) = x.median(axis: 1)
    public func median(axis: Int, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
        medianAlong(axis, keepDim: keepDim, ignoringNaN: false)
    }

    /// The lower median along `axis` of the elements that are not NaN, and its position.
    ///
    ///     let (m, at) = x.nanmedian(axis: 0, keepDim: true)
    public func nanmedian(axis: Int, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
        medianAlong(axis, keepDim: keepDim, ignoringNaN: true)
    }

    func globalMedian(ignoringNaN: Bool) -> Tensor {
        let op: Op = ignoringNaN ? .nanmedian : .median
        check(dtype != .bool, "\(op): not defined for bool (shape \(shape))")
        let value: Tensor = withNoGrad {
            if count == 0 { return Tensor.full([], .nan, dtype: dtype) }
            return reshape([count]).medianAlong(0, keepDim: false, ignoringNaN: ignoringNaN).values.copy()
        }
        return value.recorded(op, self, save: [.input0, .output]) { g, ctx in
            [Tensor.evenlyDistributed(g, over: ctx.input(0), equalTo: ctx.output)]
        }
    }

    /// g shared equally by the elements of x equal to `value` (the NaNs when it is NaN): PyTorch's
    /// `evenly_distribute_backward`.
    static func evenlyDistributed(_ g: Tensor, over x: Tensor, equalTo value: Tensor) -> Tensor {
        let isNaN = value.dtype.isFloatingPoint && value.item().isNaN
        let mask = (isNaN ? x.isnan() : x.eq(value.detach())).to(g.dtype)
        return g * mask / mask.sum()
    }

    func medianAlong(_ axis: Int, keepDim: Bool, ignoringNaN: Bool) -> (values: Tensor, indices: Tensor) {
        let name = ignoringNaN ? "nanmedian" : "median"
        check(dtype != .bool, "\(name): not defined for bool (shape \(shape))")
        let ax = normalizeAxis(axis, rank, op: name, shape: shape)
        let n = rank == 0 ? 1 : shape[ax]
        check(n > 0, "\(name): cannot reduce an empty axis \(axis) of shape \(shape)")
        let perm = linePermutation(ax, descending: false, ties: .first, op: name).perm
        // NaNs sort last: a line with v valid values has them at positions 0..<v.
        let nanCounts = rank == 0 ? isnan().to(.int64).reshape([1]) : isnan().to(.int64).sum(axis: ax, keepDim: true)
        let positions = nanCounts.ints.map { nans -> Int in
            let valid = n - nans
            if ignoringNaN { return valid > 0 ? (valid - 1) / 2 : 0 }
            return nans > 0 ? valid : (n - 1) / 2            // the first NaN, else the lower middle
        }
        if rank == 0 { return pickAlong(0, perm, keepDim: keepDim) }
        let at = perm.gather(axis: ax, index: Tensor(positions, shape: nanCounts.shape))
        return pickAlong(ax, at, keepDim: keepDim)
    }

    /// The most frequent value along `axis` (the smallest one when several are as frequent) and
    /// the last position holding it, as PyTorch's `mode`. NaNs count as one value larger than
    /// every number (PyTorch's own result for NaN is not consistent).
    ///
    ///     let (common, at) = labels.mode(axis: 0)
    public func mode(axis: Int = -1, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
        let ax = normalizeAxis(axis, rank, op: "mode", shape: shape)
        let n = rank == 0 ? 1 : shape[ax]
        check(n > 0, "mode: cannot reduce an empty axis \(axis) of shape \(shape)")
        let (outer, _, inner) = rank == 0 ? (1, 1, 1) : splitAround(ax)
        let perm = linePermutation(ax, descending: false, ties: .first, op: "mode").perm
        var kept = shape
        if rank > 0 { kept[ax] = 1 }
        let at = Tensor(uninitializedShape: kept, dtype: .int64)
        Kernels.modeIndices(self, perm: perm, outer: outer, n: n, inner: inner, into: at)
        return pickAlong(ax, at, keepDim: keepDim)
    }

    /// The `q`-quantile (0 ≤ q ≤ 1) of all elements, or along `axis`, reading between sorted values
    /// by `interpolation`; NaN where a line has a NaN. Float tensors only, as PyTorch's.
    /// Differentiable (through the sort and the interpolation).
    ///
    ///     let p90 = latencies.quantile(0.9)
    ///     let quartiles = x.quantile(Tensor([0.25, 0.5, 0.75]), axis: 1)   // [3, rows]
    public func quantile(_ q: Double, axis: Int? = nil, keepDim: Bool = false, interpolation: QuantileInterpolation = .linear) -> Tensor {
        quantiles([q], qShape: [], axis: axis, keepDim: keepDim, interpolation: interpolation, ignoringNaN: false)
    }

    /// Quantiles for each entry of `q` (0-d or 1-D, the input's dtype); the result has q's axis first.
    public func quantile(_ q: Tensor, axis: Int? = nil, keepDim: Bool = false, interpolation: QuantileInterpolation = .linear) -> Tensor {
        quantiles(checkedQ(q, "quantile"), qShape: q.shape, axis: axis, keepDim: keepDim, interpolation: interpolation, ignoringNaN: false)
    }

    /// `quantile` of the elements that are not NaN (NaN for a line of NaNs only).
    ///
    ///     let med = x.nanquantile(0.5, axis: 0)
    public func nanquantile(_ q: Double, axis: Int? = nil, keepDim: Bool = false, interpolation: QuantileInterpolation = .linear) -> Tensor {
        quantiles([q], qShape: [], axis: axis, keepDim: keepDim, interpolation: interpolation, ignoringNaN: true)
    }

    /// `nanquantile` for each entry of `q` (0-d or 1-D); the result has q's axis first.
    public func nanquantile(_ q: Tensor, axis: Int? = nil, keepDim: Bool = false, interpolation: QuantileInterpolation = .linear) -> Tensor {
        quantiles(checkedQ(q, "nanquantile"), qShape: q.shape, axis: axis, keepDim: keepDim, interpolation: interpolation, ignoringNaN: true)
    }

    func checkedQ(_ q: Tensor, _ name: String) -> [Double] {
        check(q.rank <= 1, "\(name): q must be a scalar or 1-D tensor, got shape \(q.shape) (input \(shape))")
        check(q.dtype == dtype, "\(name): q must have the input's dtype \(dtype), got \(q.dtype) (q \(q.shape), input \(shape))")
        return q.doubles
    }

    func quantiles(_ qs: [Double], qShape: [Int], axis: Int?, keepDim: Bool, interpolation: QuantileInterpolation, ignoringNaN: Bool) -> Tensor {
        let name = ignoringNaN ? "nanquantile" : "quantile"
        check(dtype == .float32 || dtype == .float64, "\(name): the input must be float32 or float64, got \(dtype) (shape \(shape))")
        check(count > 0, "\(name): the input must be non-empty (shape \(shape))")
        for q in qs { check(q >= 0 && q <= 1, "\(name): q must be in [0, 1], got \(q) (input \(shape))") }
        // Lines along the last axis: [lines, n].
        let ax = axis.map { normalizeAxis($0, rank, op: name, shape: shape) }
        let moved = ax.map { rank == 0 ? reshape([1]) : movedim($0, -1) } ?? reshape([count])
        let n = moved.shape.last!, lineShape = Array(moved.shape.dropLast())
        let lines = lineShape.reduce(1, *), nq = qs.count
        let sorted = moved.reshape([lines, n]).sort(axis: 1).values
        let nanCounts = moved.isnan().to(.int64).reshape([lines, n]).sum(axis: 1).ints
        var below = [Int](), above = [Int](), weights = [Double]()
        for l in 0..<lines {
            let valid = n - nanCounts[l]
            for q in qs {
                let (b, a, w) = Tensor.quantileRank(q, valid: valid, n: n, ignoringNaN: ignoringNaN, interpolation: interpolation, float32: dtype == .float32)
                below.append(b); above.append(a); weights.append(w)
            }
        }
        let lo = sorted.gather(axis: 1, index: Tensor(below, shape: [lines, nq]))
        let hi = sorted.gather(axis: 1, index: Tensor(above, shape: [lines, nq]))
        let w = Tensor(weights, shape: [lines, nq], dtype: dtype)
        // torch.lerp: from the nearer end, so the weights 0 and 1 give exactly lo and hi.
        let fromLow = lo + w * (hi - lo), fromHigh = hi - (hi - lo) * (1 - w)
        var r = Tensor.where(w .< 0.5, fromLow, fromHigh).reshape(lineShape + [nq])   // [..., nq]
        r = r.movedim(-1, 0)                                                         // [nq, ...]
        if keepDim {
            var kept = shape.map { _ in 1 }
            if let ax, rank > 0 { kept = shape; kept[ax] = 1 }
            r = r.reshape([nq] + kept)
        }
        return qShape.isEmpty ? r.squeeze(axis: 0) : r
    }

    /// The sorted positions below and above quantile q of a line with `valid` numbers (NaNs last),
    /// and the interpolation weight, computed in the input's precision as PyTorch does.
    static func quantileRank(_ q: Double, valid: Int, n: Int, ignoringNaN: Bool, interpolation: QuantileInterpolation, float32: Bool) -> (Int, Int, Double) {
        // A NaN in the line (quantile), or no numbers at all (nanquantile): the last position, a NaN.
        if (!ignoringNaN && valid < n) || valid == 0 { return (n - 1, n - 1, 0) }
        let rank = float32 ? Double(Float(q) * Float(valid - 1)) : q * Double(valid - 1)
        let b = rank.rounded(.down), a = rank.rounded(.up)
        switch interpolation {
        case .linear: return (Int(b), Int(a), float32 ? Double(Float(rank) - Float(b)) : rank - b)
        case .midpoint: return (Int(b), Int(a), 0.5)
        case .lower: return (Int(b), Int(b), 0)
        case .higher: return (Int(a), Int(a), 0)
        case .nearest:
            let r = Int(rank.rounded(.toNearestOrEven))
            return (r, r, 0)
        }
    }
}
