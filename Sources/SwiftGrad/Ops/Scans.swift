// Cumulative extrema and log-cumsum-exp along an axis.

extension Tensor {
    /// The running maximum along `axis` and the position it came from (a later equal value takes
    /// over; a NaN takes over and stays, as PyTorch's `cummax`). Any dtype; the gradient goes to
    /// the recorded positions.
    ///
    ///     let (best, at) = x.cummax(axis: 0)
    public func cummax(axis: Int) -> (values: Tensor, indices: Tensor) { cumulativeExtremum(axis, isMax: true) }

    /// The running minimum along `axis` and the position it came from.
    ///
    ///     let (low, at) = x.cummin(axis: 1)
    public func cummin(axis: Int) -> (values: Tensor, indices: Tensor) { cumulativeExtremum(axis, isMax: false) }

    func cumulativeExtremum(_ axis: Int, isMax: Bool) -> (values: Tensor, indices: Tensor) {
        let ax = normalizeAxis(axis, rank, op: isMax ? "cummax" : "cummin", shape: shape)
        let (outer, n, inner) = rank == 0 ? (1, 1, 1) : splitAround(ax)
        let indices = Tensor(uninitializedShape: shape, dtype: .int64)
        Kernels.cumulativeExtremumIndices(self, outer: outer, n: n, inner: inner, isMax: isMax, into: indices)
        return (gather(axis: ax, index: indices), indices)
    }

    /// log(Σ_{k≤i} exp(x_k)) along `axis`, computed by a running log-add-exp, so it neither
    /// overflows nor loses small terms. Float tensors.
    ///
    ///     let lse = logits.logcumsumexp(axis: 1)
    public func logcumsumexp(axis: Int) -> Tensor {
        unaryFloatOnly("logcumsumexp")
        let ax = normalizeAxis(axis, rank, op: Op.logcumsumexp.name, shape: shape)
        if let r = viaFloat32({ $0.logcumsumexp(axis: axis) }) { return r }
        let (outer, n, inner) = rank == 0 ? (1, 1, 1) : splitAround(ax)
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Kernels.logcumsumexp(self, outer: outer, n: n, inner: inner, into: out)
        return out.recorded(.logcumsumexp, self, save: [.input0, .output]) { g, ctx in
            [Tensor.logcumsumexpGradient(g, x: ctx.input(0), out: ctx.output, axis: ax)]
        } forward: { f in
            // d out_i = Σ_{k≤i} exp(x_k - out_i)·t_k, in log space as the backward (t split into its
            // positive and negative parts). The fallback cannot be used: the backward's sign split is
            // not differentiable in g at g = 0, where the double-vjp trick evaluates it.
            let t = f.tangent, x = f.input(0), out = f.output
            if x.rank == 0 || x.count == 0 { return t }
            let minusInf = Tensor.full([], -.infinity, dtype: t.dtype)
            let positive = t .> 0, negative = t .< 0
            let logPos = Tensor.where(positive, Tensor.where(positive, t, Tensor.onesLike(t)).log() + x, minusInf)
            let logNeg = Tensor.where(negative, Tensor.where(negative, -t, Tensor.onesLike(t)).log() + x, minusInf)
            return (logPos.logcumsumexp(axis: ax) - out).exp() - (logNeg.logcumsumexp(axis: ax) - out).exp()
        }
    }

    /// d/dx_j of Σ_i g_i·out_i = Σ_{i≥j} g_i·exp(x_j - out_i), in log space so it never overflows:
    /// g split into its positive and negative parts, each summed by a reversed logcumsumexp
    /// (PyTorch's `logcumsumexp_backward`). Differentiable again (it is made of recorded ops).
    static func logcumsumexpGradient(_ g: Tensor, x: Tensor, out: Tensor, axis ax: Int) -> Tensor {
        if x.rank == 0 { return g }                      // a 0-d logcumsumexp is the identity
        if x.count == 0 { return Tensor.zeros(x.shape, dtype: g.dtype) }
        func reversedLCSE(_ t: Tensor) -> Tensor { t.flip(axis: ax).logcumsumexp(axis: ax).flip(axis: ax) }
        let minusInf = Tensor.full([], -.infinity, dtype: g.dtype)
        let positive = g .> 0, negative = g .< 0
        // log g⁺ - out (-inf where g ≤ 0, so those terms vanish); the same for g⁻.
        let logPos = Tensor.where(positive, Tensor.where(positive, g, Tensor.onesLike(g)).log() - out, minusInf)
        let logNeg = Tensor.where(negative, Tensor.where(negative, -g, Tensor.onesLike(g)).log() - out, minusInf)
        let pos = (reversedLCSE(logPos) + x).exp(), neg = (reversedLCSE(logNeg) + x).exp()
        return pos - neg
    }
}

extension Tensor {
    /// The maximum over `axes` (all when nil), any dtype; NaN propagates. The gradient is shared
    /// equally among the elements equal to the maximum, as PyTorch's `amax`.
    ///
    ///     let peak = x.amax(axes: [1, 2])
    public func amax(axes: [Int]? = nil, keepDim: Bool = false) -> Tensor { extremumOver(axes, keepDim: keepDim, isMax: true) }

    /// The minimum over `axes` (all when nil), with the gradient shared among ties.
    ///
    ///     let floor = x.amin(axes: [0])
    public func amin(axes: [Int]? = nil, keepDim: Bool = false) -> Tensor { extremumOver(axes, keepDim: keepDim, isMax: false) }

    /// The maximum over one axis, as `amax(axes: [axis])`.
    public func amax(axis: Int, keepDim: Bool = false) -> Tensor { amax(axes: [axis], keepDim: keepDim) }
    /// The minimum over one axis, as `amin(axes: [axis])`.
    public func amin(axis: Int, keepDim: Bool = false) -> Tensor { amin(axes: [axis], keepDim: keepDim) }

    func extremumOver(_ axes: [Int]?, keepDim: Bool, isMax: Bool) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.reduction(self, axes?.isEmpty == true ? nil : axes, op: isMax ? "amax" : "amin", {
            $1.isEmpty ? $0.copy() : $0.extremumOver($1, keepDim: keepDim, isMax: isMax)   // a 0-d sample: nothing to reduce
        }) { return r }
        let op: Op = isMax ? .amax : .amin
        // PyTorch: an empty list of axes reduces over all of them.
        let reduce = reductionAxes(axes?.isEmpty == true ? nil : axes, op: op.rawValue)
        for d in 0..<rank where reduce[d] {
            check(shape[d] > 0, "\(op): cannot reduce over the empty axis \(d) of shape \(shape)")
        }
        let kept = withNoGrad { () -> Tensor in
            var r = self
            for d in (0..<rank).reversed() where reduce[d] {
                r = r.extremum(axis: d, keepDim: true, isMax: isMax).values
            }
            return rank == 0 ? r.copy() : r
        }
        let keptShape = kept.shape, reducedAxes = (0..<rank).filter { reduce[$0] }
        let out = keepDim ? kept : kept.reshape(Tensor.reducedShape(shape, reduce, keepDim: false))
        return out.recorded(op, self, save: [.input0, .output]) { g, ctx in
            let x = ctx.input(0), value = ctx.output.detach().reshape(keptShape)
            let mask = x.eq(value).to(g.dtype)
            let share = reducedAxes.isEmpty ? mask : mask.sum(axes: reducedAxes, keepDim: true)
            return [g.reshape(keptShape) * mask / share]
        }
    }

    /// The minimum and the maximum, over all elements or along `axis` (PyTorch's `aminmax`).
    ///
    ///     let (lo, hi) = x.aminmax()
    public func aminmax(axis: Int? = nil, keepDim: Bool = false) -> (min: Tensor, max: Tensor) {
        let axes = axis.map { [$0] }
        if axes == nil { check(count > 0, "aminmax: the tensor of shape \(shape) is empty") }
        return (amin(axes: axes, keepDim: keepDim), amax(axes: axes, keepDim: keepDim))
    }

    /// The variance and the mean over `axes` (all when nil), as PyTorch's `var_mean`.
    ///
    ///     let (v, m) = x.varMean(axes: [1], correction: 0)
    public func varMean(axes: [Int]? = nil, correction: Int = 1, keepDim: Bool = false) -> (variance: Tensor, mean: Tensor) {
        varMean(axes: axes, correction: Double(correction), keepDim: keepDim)
    }

    /// `varMean` with a fractional `correction`, as PyTorch's `var_mean(correction=0.5)`.
    ///
    ///     let (v, m) = x.varMean(axes: [1], correction: 0.5)
    public func varMean(axes: [Int]? = nil, correction: Double, keepDim: Bool = false) -> (variance: Tensor, mean: Tensor) {
        let m = axes.map { mean(axes: $0, keepDim: keepDim) } ?? (keepDim ? mean(axes: Array(0..<rank), keepDim: true) : mean())
        return (variance(axes: axes, correction: correction, keepDim: keepDim), m)
    }

    /// The standard deviation and the mean over `axes` (all when nil), as PyTorch's `std_mean`.
    ///
    ///     let (s, m) = x.stdMean(axes: [0])
    public func stdMean(axes: [Int]? = nil, correction: Int = 1, keepDim: Bool = false) -> (std: Tensor, mean: Tensor) {
        stdMean(axes: axes, correction: Double(correction), keepDim: keepDim)
    }

    /// `stdMean` with a fractional `correction`, as PyTorch's `std_mean(correction=0.5)`.
    ///
    ///     let (s, m) = x.stdMean(axes: [1], correction: 0.5)
    public func stdMean(axes: [Int]? = nil, correction: Double, keepDim: Bool = false) -> (std: Tensor, mean: Tensor) {
        let m = axes.map { mean(axes: $0, keepDim: keepDim) } ?? (keepDim ? mean(axes: Array(0..<rank), keepDim: true) : mean())
        return (std(axes: axes, correction: correction, keepDim: keepDim), m)
    }
}
