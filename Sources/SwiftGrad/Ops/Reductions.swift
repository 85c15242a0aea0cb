// Reductions. Axes may be negative; `keepDim` keeps reduced axes as size 1, as PyTorch's keepdim.

extension Tensor {
    func reductionAxes(_ axes: [Int]?, op: String) -> [Bool] {
        var r = [Bool](repeating: axes == nil, count: rank)
        for a in axes ?? [] {
            let ax = normalizeAxis(a, rank, op: op, shape: shape)
            check(rank == 0 || !r[ax], "\(op): axis \(a) appears more than once in the axes \(axes!) (shape \(shape))")
            // A 0-d tensor takes axis 0 or -1 as PyTorch does: it has no axis to reduce.
            if rank > 0 { r[ax] = true }
        }
        return r
    }

    static func reducedShape(_ shape: [Int], _ reduce: [Bool], keepDim: Bool) -> [Int] {
        keepDim ? zip(shape, reduce).map { $1 ? 1 : $0 } : zip(shape, reduce).filter { !$1 }.map(\.0)
    }

    /// Sum of all elements (a 0-D tensor).
    ///
    ///     let total = x.sum()
    public func sum() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.reduction(self, nil, op: "sum", { $0.sum(axes: $1) }) { return r }
        if let r = viaInt64({ $0.sum() }) ?? viaFloat32({ $0.sum() }) { return r }
        let out = Tensor(uninitializedShape: [], dtype: dtype)
        let x = dense
        switch dtype {
        case .float32: out.ptr(Float.self)[0] = Kernels.sumAll(x.ptr(Float.self), count)
        case .float64: out.ptr(Double.self)[0] = Kernels.sumAll(x.ptr(Double.self), count)
        default: Kernels.sumAxes(self, reduce: [Bool](repeating: true, count: rank), into: out)
        }
        let inShape = shape
        return out.recorded(.sum, self) { g, _ in [g.expand(inShape)] } forward: { f in f.tangent.sum() }
    }

    /// Sum over the given axes.
    ///
    ///     let colSums = m.sum(axes: [0])             // [rows, cols] -> [cols]
    public func sum(axes: [Int], keepDim: Bool = false) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.reduction(self, axes, op: "sum", { $0.sum(axes: $1, keepDim: keepDim) }) { return r }
        if let r = viaInt64({ $0.sum(axes: axes, keepDim: keepDim) }) { return r }
        let reduce = reductionAxes(axes, op: Op.sum.name)
        let kept = Tensor(uninitializedShape: Tensor.reducedShape(shape, reduce, keepDim: true), dtype: dtype)
        Kernels.sumAxes(self, reduce: reduce, into: kept)
        let outShape = Tensor.reducedShape(shape, reduce, keepDim: keepDim)
        let out = Tensor(storage: kept.storage, shape: outShape, dtype: dtype)
        let inShape = shape, keptShape = kept.shape
        return out.recorded(.sum, self) { g, _ in [g.reshape(keptShape).expand(inShape)] }
            forward: { f in f.tangent.sum(axes: axes, keepDim: keepDim) }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDim: Bool = false) -> Tensor { sum(axes: [axis], keepDim: keepDim) }

    /// Mean of all elements.
    public func mean() -> Tensor {
        unaryFloatOnly("mean")
        if let r = viaFloat32({ $0.mean() }) { return r }
        return sum() / Double(count)   // empty: 0/0 = NaN, as PyTorch
    }

    /// Mean over the given axes.
    ///
    ///     let perChannel = images.mean(axes: [0, 2, 3])
    public func mean(axes: [Int], keepDim: Bool = false) -> Tensor {
        unaryFloatOnly("mean")
        if let r = viaFloat32({ $0.mean(axes: axes, keepDim: keepDim) }) { return r }
        let reduce = reductionAxes(axes, op: "mean")
        let n = zip(shape, reduce).filter { $1 }.map(\.0).reduce(1, *)
        return sum(axes: axes, keepDim: keepDim) / Double(n)
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDim: Bool = false) -> Tensor { mean(axes: [axis], keepDim: keepDim) }

    /// Variance with Bessel's `correction` (1 = unbiased, PyTorch's default), over all elements or `axes`.
    ///
    ///     let v = x.variance(axes: [1], correction: 0)
    public func variance(axes: [Int]? = nil, correction: Int = 1, keepDim: Bool = false) -> Tensor {
        variance(axes: axes, correction: Double(correction), keepDim: keepDim)
    }

    /// Variance with a fractional `correction` (N − correction in the denominator), as PyTorch's
    /// `var(correction=0.5)`.
    ///
    ///     let v = x.variance(axes: [1], correction: 0.5)
    public func variance(axes: [Int]? = nil, correction: Double, keepDim: Bool = false) -> Tensor {
        unaryFloatOnly("var")
        if let r = viaFloat32({ $0.variance(axes: axes, correction: correction, keepDim: keepDim) }) { return r }
        let reduce = reductionAxes(axes, op: "var")
        let all = Array(0..<rank)
        let ax = axes ?? all
        let n = zip(shape, reduce).filter { $1 }.map(\.0).reduce(1, *)
        let mu = sum(axes: ax, keepDim: true) / Double(n)
        let d = self - mu
        // Divide by N - correction; PyTorch gives inf/NaN when that is <= 0, and so do we.
        return (d * d).sum(axes: ax, keepDim: keepDim) / (Double(n) - correction)
    }

    /// Standard deviation (square root of `variance`).
    /// Its gradient where the deviation is 0 (a constant row) is 0, not NaN, as PyTorch's.
    ///
    ///     let s = x.std(axes: [1])
    public func std(axes: [Int]? = nil, correction: Int = 1, keepDim: Bool = false) -> Tensor {
        std(axes: axes, correction: Double(correction), keepDim: keepDim)
    }

    /// Standard deviation with a fractional `correction`, as PyTorch's `std(correction=0.5)`.
    ///
    ///     let s = x.std(axes: [1], correction: 0.5)
    public func std(axes: [Int]? = nil, correction: Double, keepDim: Bool = false) -> Tensor {
        unaryFloatOnly("std")
        _ = reductionAxes(axes, op: "std")   // so that misuse names std, not var
        return variance(axes: axes, correction: correction, keepDim: keepDim).safeSqrt()
    }

    /// Views the tensor as [outer, n, inner] around `axis`.
    func splitAround(_ axis: Int) -> (Int, Int, Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    func extremum(axis: Int, keepDim: Bool, isMax: Bool) -> (values: Tensor, indices: Tensor) {
        if _slowPath(dual != nil), let r = Vmap.extremum(self, axis, keepDim: keepDim, { $0.extremum(axis: $1, keepDim: keepDim, isMax: isMax) }) { return r }
        let op: Op = isMax ? .max : .min
        let name = op.rawValue
        let ax = normalizeAxis(axis, rank, op: name, shape: shape)
        let scalarLike = rank == 0
        check(scalarLike || shape[ax] > 0, "\(name): cannot reduce an empty axis \(axis) of shape \(shape)")
        let (outer, n, inner) = scalarLike ? (1, 1, 1) : splitAround(ax)
        var keptShape = shape
        if !scalarLike { keptShape[ax] = 1 }
        let outShape = keepDim || scalarLike ? keptShape : Tensor.reducedShape(shape, reductionAxes([ax], op: name), keepDim: false)
        let values = Tensor(uninitializedShape: outShape, dtype: dtype)
        let indices = Tensor(uninitializedShape: outShape, dtype: .int64)
        Kernels.extremum(self, axis: scalarLike ? 0 : ax, outer: outer, n: n, inner: inner, isMax: isMax, values: values, indices: indices)
        let inShape = shape
        // The indices are returned to the caller: saved with their version, as PyTorch saves them.
        let savedIndices = SavedTensor(indices)
        let v = values.recorded(op, self) { g, ctx in
            // The gradient goes to the chosen element only.
            let idx = savedIndices.value(ctx, "indices").reshape(keptShape)
            return [Tensor.zeros(inShape, dtype: g.dtype).scatterAdd(axis: ax, index: idx, source: g.reshape(keptShape))]
        } forward: { f in
            scalarLike ? f.tangent : f.tangent.gather(axis: ax, index: indices.reshape(keptShape)).reshape(outShape)
        }
        return (v, indices)
    }

    /// Largest values along `axis` and their indices (ties: the first).
    ///
    ///     let (best, where) = scores.max(axis: 1)
    public func max(axis: Int, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
        extremum(axis: axis, keepDim: keepDim, isMax: true)
    }

    /// Smallest values along `axis` and their indices.
    public func min(axis: Int, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
        extremum(axis: axis, keepDim: keepDim, isMax: false)
    }

    /// The largest element; the gradient is shared equally among tied maxima, as in PyTorch.
    public func max() -> Tensor { extremumAll(isMax: true) }
    /// The smallest element.
    public func min() -> Tensor { extremumAll(isMax: false) }

    func extremumAll(isMax: Bool) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.extremumAll(self, isMax: isMax) { return r }
        let op: Op = isMax ? .max : .min
        check(count > 0, "\(op): the tensor of shape \(shape) is empty")
        let v = withNoGrad { reshape([count]).extremum(axis: 0, keepDim: false, isMax: isMax).values }
        return v.recorded(op, self, save: [.input0, .output]) { g, ctx in
            let x = ctx.input(0)
            let mask = x.eq(ctx.output.detach()).to(g.dtype)
            return [g * mask / mask.sum()]
        } forward: { f in
            let mask = f.input(0).eq(f.output.detach()).to(f.tangent.dtype)
            return (f.tangent * mask).sum() / mask.sum()    // the mean of the tangent over the ties
        }
    }

    /// Index of the largest element along `axis` (int64), or of the flattened tensor.
    ///
    ///     let predicted = logits.argmax(axis: 1)
    public func argmax(axis: Int? = nil, keepDim: Bool = false) -> Tensor {
        requireNonEmpty("argmax", axis: axis)
        guard let axis else { return withNoGrad { reshape([count]).max(axis: 0).indices } }
        return withNoGrad { max(axis: axis, keepDim: keepDim).indices }
    }

    /// Index of the smallest element along `axis` (int64), or of the flattened tensor.
    public func argmin(axis: Int? = nil, keepDim: Bool = false) -> Tensor {
        requireNonEmpty("argmin", axis: axis)
        guard let axis else { return withNoGrad { reshape([count]).min(axis: 0).indices } }
        return withNoGrad { min(axis: axis, keepDim: keepDim).indices }
    }

    /// Stops, naming `op` and the original shape, when the reduced part of the tensor is empty.
    func requireNonEmpty(_ op: String, axis: Int?) {
        guard let axis else {
            check(count > 0, "\(op): the tensor of shape \(shape) is empty")
            return
        }
        let ax = normalizeAxis(axis, rank, op: op, shape: shape)
        check(rank == 0 || shape[ax] > 0, "\(op): cannot reduce an empty axis \(axis) of shape \(shape)")
    }

    /// Maximum over several axes, without gradient (used for numerical shifts).
    func amaxNoGrad(_ axes: [Int], keepDim: Bool) -> Tensor {
        withNoGrad {
            var r = self
            for a in axes.map({ normalizeAxis($0, rank, op: Op.amax.name, shape: shape) }).sorted(by: >) {
                r = r.max(axis: a, keepDim: true).values
            }
            return keepDim ? r : r.reshape(Tensor.reducedShape(shape, reductionAxes(axes, op: Op.amax.name), keepDim: false))
        }
    }

    /// log(Σ exp(x)) over `axes`, shifted by the maximum so it never overflows.
    ///
    ///     let lse = logits.logsumexp(axes: [1])
    public func logsumexp(axes: [Int], keepDim: Bool = false) -> Tensor {
        // Integer and bool tensors are reduced as float32 (PyTorch's default dtype), as PyTorch's.
        if _slowPath(!dtype.isFloatingPoint) { return to(.float32).logsumexp(axes: axes, keepDim: keepDim) }
        if let r = viaFloat32({ $0.logsumexp(axes: axes, keepDim: keepDim) }) { return r }
        // An empty sum is 0 and log 0 = -inf, as in PyTorch; the max-shift below needs an element.
        if axes.contains(where: { rank > 0 && shape[normalizeAxis($0, rank, op: "logsumexp", shape: shape)] == 0 }) {
            return sum(axes: axes, keepDim: keepDim) - Double.infinity
        }
        let m = amaxNoGrad(axes, keepDim: true)
        // A row of -inf would give inf - inf = NaN; shift by 0 there instead.
        let shift = Tensor.where(m.abs().eq(.infinity), Tensor.zerosLike(m), m)
        let s = (self - shift).exp().sum(axes: axes, keepDim: true).log() + shift
        return keepDim ? s : s.reshape(Tensor.reducedShape(shape, reductionAxes(axes, op: "logsumexp"), keepDim: false))
    }

    /// log(Σ exp(x)) over one axis.
    public func logsumexp(axis: Int, keepDim: Bool = false) -> Tensor { logsumexp(axes: [axis], keepDim: keepDim) }

    /// Product over `axis`. The gradient is exact also when elements are zero.
    public func prod(axis: Int, keepDim: Bool = false) -> Tensor {
        if let r = viaInt64({ $0.prod(axis: axis, keepDim: keepDim) }) { return r }
        let ax = normalizeAxis(axis, rank, op: Op.prod.name, shape: shape)
        if rank == 0 { return reshape([1]).prod(axis: 0).reshape([]) }   // axis 0 or -1 of a 0-d tensor
        let (outer, n, inner) = splitAround(ax)
        let scanned = Tensor(uninitializedShape: shape, dtype: dtype)
        Kernels.scan(self, outer: outer, n: n, inner: inner, product: true, into: scanned)
        let last = scanned.narrow(axis: ax, start: Swift.max(n - 1, 0), length: n > 0 ? 1 : 0)
        let kept = n > 0 ? last : Tensor.ones(Tensor.reducedShape(shape, reductionAxes([ax], op: Op.prod.name), keepDim: true), dtype: dtype)
        let out = keepDim ? kept.detach() : kept.detach().reshape(Tensor.reducedShape(shape, reductionAxes([ax], op: Op.prod.name), keepDim: false))
        let keptShape = kept.shape
        return out.recorded(.prod, self, save: .input0) { g, ctx in
            let x = ctx.input(0)
            if n == 0 { return [Tensor.zeros(x.shape, dtype: g.dtype)] }   // an empty axis has no elements to differentiate
            // d(prod)/dx_i = product of the others = exclusive prefix · exclusive suffix products.
            let ones = Tensor.ones(keptShape, dtype: x.dtype)
            let prefix = Tensor.cat([ones, x.narrow(axis: ax, start: 0, length: n - 1)], axis: ax).cumprod(axis: ax)
            let rev = x.flip(axis: ax)
            let suffix = Tensor.cat([ones, rev.narrow(axis: ax, start: 0, length: n - 1)], axis: ax).cumprod(axis: ax).flip(axis: ax)
            return [g.reshape(keptShape) * prefix * suffix]
        }
    }

    /// Product of all elements.
    public func prod() -> Tensor { reshape([count]).prod(axis: 0) }

    /// Running sum along `axis`.
    ///
    ///     Tensor([1, 2, 3] as [Float]).cumsum(axis: 0)   // [1, 3, 6]
    public func cumsum(axis: Int) -> Tensor {
        if let r = viaInt64({ $0.cumsum(axis: axis) }) { return r }
        let ax = normalizeAxis(axis, rank, op: Op.cumsum.name, shape: shape)
        let (outer, n, inner) = rank == 0 ? (1, 1, 1) : splitAround(ax)
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Kernels.scan(self, outer: outer, n: n, inner: inner, product: false, into: out)
        return out.recorded(.cumsum, self) { g, _ in
            // Reverse cumulative sum: total - prefix + own term.
            [g.sum(axis: ax, keepDim: true) - g.cumsum(axis: ax) + g]
        } forward: { f in f.tangent.cumsum(axis: ax) }
    }

    /// Running product along `axis`. Its gradient is exact also where elements are zero (PyTorch's
    /// formula: no division by a zero element).
    ///
    ///     Tensor([2, 0, 3] as [Float]).cumprod(axis: 0)   // [2, 0, 0]
    public func cumprod(axis: Int) -> Tensor {
        if let r = viaInt64({ $0.cumprod(axis: axis) }) { return r }
        let ax = normalizeAxis(axis, rank, op: Op.cumprod.name, shape: shape)
        let (outer, n, inner) = rank == 0 ? (1, 1, 1) : splitAround(ax)
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Kernels.scan(self, outer: outer, n: n, inner: inner, product: true, into: out)
        return out.recorded(.cumprod, self, save: [.input0, .output]) { g, ctx in
            [Tensor.cumprodGradient(g, x: ctx.input(0), y: ctx.output, axis: ax)]
        }
    }

    /// d/dx_j of Σ_i g_i·y_i with y = cumprod(x): Σ_{i≥j} g_i·Π_{k≤i, k≠j} x_k, without dividing by zero.
    /// Before the first zero of a line, (Σ_{i≥j} g_i y_i) / x_j (x_j ≠ 0 there). At the first zero z,
    /// Σ_{i≥z} g_i·y'_i where y' is the cumprod with x_z replaced by 1. After it, 0 (every product
    /// that contains x_j also contains x_z = 0).
    static func cumprodGradient(_ g: Tensor, x: Tensor, y: Tensor, axis ax: Int) -> Tensor {
        if x.rank == 0 { return g }                        // a 0-d cumprod is the identity
        func reverseCumsum(_ t: Tensor) -> Tensor { t.sum(axis: ax, keepDim: true) - t.cumsum(axis: ax) + t }
        let isZero = x.eq(0)
        let zerosSoFar = isZero.cumsum(axis: ax)
        let before = zerosSoFar.eq(0)                      // strictly before the first zero
        if before.count == 0 || before.sum().item() == Double(before.count) {
            return reverseCumsum(g * y) / x                // no zeros: the plain formula
        }
        if ThreadContext.current.gradEnabled { return cumprodGradientQuadratic(g, x: x, axis: ax) }
        let first = (isZero * zerosSoFar.eq(1))            // the first zero of each line
        let one = Tensor.ones([], dtype: x.dtype)
        let head = reverseCumsum(g * y) / Tensor.where(before, x, one)
        let yAtFirst = Tensor.where(first, one, x).cumprod(axis: ax)
        let zero = Tensor.zeros([], dtype: x.dtype)
        return Tensor.where(before, head, zero) + Tensor.where(first, reverseCumsum(g * yAtFirst), zero)
    }

    /// The same gradient as a polynomial in x, for double backward through zeros (where the O(n)
    /// form above is piecewise): for each j, Σ_{i≥j} g_i·cumprod(x with x_j replaced by 1)_i.
    /// O(n²) along the axis, as PyTorch's double-backward formula; used only when a graph is recorded.
    static func cumprodGradientQuadratic(_ g: Tensor, x: Tensor, axis ax: Int) -> Tensor {
        let n = x.shape[ax]
        var pairShape = [Int](repeating: 1, count: x.rank + 1)
        pairShape[ax] = n; pairShape[ax + 1] = n               // [.., j, i, ..]
        var diagonal = [Int](repeating: 0, count: n * n), upper = diagonal
        for j in 0..<n { for i in j..<n { upper[j * n + i] = 1 }; diagonal[j * n + j] = 1 }
        let one = Tensor.ones([], dtype: x.dtype), zero = Tensor.zeros([], dtype: x.dtype)
        let rows = Tensor.where(Tensor(diagonal, shape: pairShape), one, x.unsqueeze(axis: ax))   // row j: x with x_j = 1
        let terms = rows.cumprod(axis: ax + 1) * g.unsqueeze(axis: ax)
        return Tensor.where(Tensor(upper, shape: pairShape), terms, zero).sum(axis: ax + 1)
    }

    /// Reverses the order of elements along `axis`.
    public func flip(axis: Int) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: Op.flip.name, shape: shape)
        if rank == 0 { return self }
        let n = shape[ax]
        if n <= 1 { return self }
        let st = contiguousStrides(shape), own = strides
        var src = own; src[ax] = -own[ax]
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Kernels.copyStrided(self, (n - 1) * own[ax], src, into: out, 0, st, shape: shape)
        return out.recorded(.flip, self) { g, _ in [g.flip(axis: ax)] } forward: { f in f.tangent.flip(axis: ax) }
    }

    /// The p-norm of all elements (p = 2 by default), or over `axes`: (Σ |x|^p)^(1/p) for any p,
    /// `.infinity` the largest magnitude, `-.infinity` the smallest, 0 the number of non-zeros (as
    /// PyTorch's `vector_norm`). At the zero vector the gradient is 0 (PyTorch's subgradient), not NaN.
    ///
    ///     let n = x.norm()
    ///     let nonZeros = x.norm(p: 0)
    public func norm(p: Double = 2, axes: [Int]? = nil, keepDim: Bool = false) -> Tensor {
        unaryFloatOnly("norm")
        check(!p.isNaN, "norm: p must be a number, got nan (input \(shape))")
        _ = reductionAxes(axes, op: Op.norm.name)
        if let r = viaFloat32({ $0.norm(p: p, axes: axes, keepDim: keepDim) }) { return r }
        let ax = axes ?? Array(0..<rank)
        if p == 1 { return abs().sum(axes: ax, keepDim: keepDim) }
        if p == .infinity { return abs().amaxDifferentiable(ax, keepDim: keepDim) }
        if p == -.infinity { return -((-abs()).amaxDifferentiable(ax, keepDim: keepDim)) }
        if p == 0 {
            // A count: its gradient is 0 everywhere (sign()·0 keeps it on the graph, as PyTorch's).
            return (ne(0).to(dtype) + sign() * 0).sum(axes: ax, keepDim: keepDim)
        }
        if p == 2 {
            let s = (self * self).sum(axes: ax, keepDim: keepDim)
            return s.safeSqrt()
        }
        let kept = withNoGrad { abs().pow(p).sum(axes: ax, keepDim: true).pow(1 / p) }
        let out = kept.recorded(.norm, self, save: [.input0, .output]) { g, ctx in
            [Tensor.pNormGradient(g, x: ctx.input(0), norm: ctx.output, p: p)]
        }
        return keepDim ? out : out.reshape(Tensor.reducedShape(shape, reductionAxes(ax, op: Op.norm.name), keepDim: false))
    }

    /// The gradient of (Σ |x|^p)^(1/p) for p ∉ {0, 1, 2, ±∞}, as PyTorch's `norm_backward`:
    /// x·|x|^(p-2)·g / ‖x‖^(p-1), taken as 0 where the norm is 0 (and, for p < 1, where x is 0).
    static func pNormGradient(_ g: Tensor, x: Tensor, norm: Tensor, p: Double) -> Tensor {
        let zero = Tensor.zeros([], dtype: x.dtype)
        if p < 1 {
            let scaled = Tensor.where(x.eq(0), zero, x.sign() * x.abs().pow(p - 1))
            return scaled * g * norm.pow(1 - p)
        }
        let scaled = p < 2 ? x.sign() * x.abs().pow(p - 1) : x * x.abs().pow(p - 2)
        return scaled * Tensor.where(norm.eq(0), zero, g / norm.pow(p - 1))
    }

    /// sqrt whose gradient at 0 is 0 (for norms).
    func safeSqrt() -> Tensor {
        Kernels.unary(.sqrt, self, name: Op.sqrt.name).recorded(.normSqrt, self, save: .output, forward: .elementwise) { g, ctx in
            let y = ctx.output
            let zero = y.eq(0)
            return [Tensor.where(zero, Tensor.zerosLike(g), g / (Tensor.where(zero, Tensor.onesLike(y), y) * 2))]
        }
    }

    /// Max over axes with the gradient shared among ties.
    func amaxDifferentiable(_ axes: [Int], keepDim: Bool) -> Tensor {
        let m = amaxNoGrad(axes, keepDim: true)
        let mask = eq(m).to(dtype)
        let weights = mask / mask.sum(axes: axes, keepDim: true)
        let r = (self * weights.detach()).sum(axes: axes, keepDim: true)
        return keepDim ? r : r.reshape(Tensor.reducedShape(shape, reductionAxes(axes, op: Op.norm.name), keepDim: false))
    }
}
