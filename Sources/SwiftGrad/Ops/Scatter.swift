// Scatter (plain and reducing) and the scatter-like writes: indexFill, indexCopy, selectScatter,
// sliceScatter, diagonalScatter, with take and takeAlongDim. `scatter` and `scatter_reduce` are
// recorded ops (a kernel); the rest are composed of `where`, `indexAdd`, `gather` and views.

/// The reduction of `scatterReduce` (PyTorch's `reduce=`).
public enum ScatterReduction: String, Sendable {
    case sum, prod, mean, amax, amin

    var mode: Kernels.ScatterMode {
        switch self {
        case .sum: return .sum
        case .prod: return .prod
        case .mean: return .mean
        case .amax: return .amax
        case .amin: return .amin
        }
    }
}

extension Tensor {
    /// A copy of self with `source[p]` written at `p` with `axis` replaced by `index[p]`, for every
    /// position p of `index` (PyTorch's `scatter`; with several writes to one place, the last
    /// wins). `reduce: "add"` or `"multiply"` combines instead (as `scatterReduce` sum/prod).
    ///
    ///     let oneHot = Tensor.zeros([4, 10]).scatter(axis: 1, index: labels.unsqueeze(axis: 1), value: 1)
    ///     let y = x.scatter(axis: 0, index: idx, source: src)
    public func scatter(axis: Int, index: Tensor, source: Tensor, reduce: String? = nil) -> Tensor {
        // As PyTorch, an int32 index is taken as int64 (also in scatter_add and scatter_reduce).
        if index.dtype == .int32 { return scatter(axis: axis, index: index.to(.int64), source: source, reduce: reduce) }
        let ax = normalizeAxis(axis, rank, op: Op.scatter.name, shape: shape)
        Tensor.checkScatterShapes(self, index, source, ax, op: Op.scatter.name)
        check(source.dtype == dtype, "scatter: source must have the input's dtype \(dtype), got \(source.dtype) (input \(shape), index \(index.shape), source \(source.shape))")
        if let reduce {
            return scatterReduce(axis: axis, index: index, source: source, reduce: Tensor.legacyReduction(reduce, shape, index.shape))
        }
        if rank == 0 { return reshape([1]).scatter(axis: 0, index: index.reshape([1]), source: source.reshape([1])).reshape([]) }
        let out = copy().detach()
        Kernels.scatter(into: out, index: index, src: source, value: 0, axis: ax, mode: .assign, includeSelf: true, op: Op.scatter.name)
        let saved = SavedTensor(index)
        return out.recorded(.scatter, self, source) { g, ctx in
            let idx = saved.value(ctx, "index")
            return [ctx.needsGrad(0) ? g.scatter(axis: ax, index: idx, value: 0) : nil,
                    ctx.needsGrad(1) ? g.gather(axis: ax, index: idx) : nil]
        }
    }

    /// A copy of self with `value` written at the positions `index` names along `axis`.
    public func scatter(axis: Int, index: Tensor, value: Double, reduce: String? = nil) -> Tensor {
        if index.dtype == .int32 { return scatter(axis: axis, index: index.to(.int64), value: value, reduce: reduce) }
        let ax = normalizeAxis(axis, rank, op: Op.scatter.name, shape: shape)
        Tensor.checkScatterShapes(self, index, nil, ax, op: Op.scatter.name)
        if let reduce {
            let r = Tensor.legacyReduction(reduce, shape, index.shape)
            return scatterReduce(axis: axis, index: index, source: Tensor.full(index.shape, value, dtype: dtype), reduce: r)
        }
        if rank == 0 { return reshape([1]).scatter(axis: 0, index: index.reshape([1]), value: value).reshape([]) }
        let out = copy().detach()
        Kernels.scatter(into: out, index: index, src: nil, value: value, axis: ax, mode: .assign, includeSelf: true, op: Op.scatter.name)
        let saved = SavedTensor(index)
        return out.recorded(.scatter, self) { g, ctx in
            [g.scatter(axis: ax, index: saved.value(ctx, "index"), value: 0)]
        }
    }

    static func legacyReduction(_ reduce: String, _ shape: [Int], _ indexShape: [Int]) -> ScatterReduction {
        check(reduce == "add" || reduce == "multiply", "scatter: reduce must be \"add\" or \"multiply\", got \"\(reduce)\" (input \(shape), index \(indexShape))")
        return reduce == "add" ? .sum : .prod
    }

    /// A copy of self with each `source[p]` combined into the place `index[p]` names along `axis`
    /// by `reduce` (PyTorch's `scatter_reduce`): sum, prod, mean, amax or amin, starting from
    /// self's value (`includeSelf: true`) or only from the scattered values. Places that receive
    /// nothing keep self's value. Differentiable in self and source (PyTorch's gradients: amax/amin
    /// share g among the tied winners; prod is exact with zeros).
    ///
    ///     let perGroupMax = Tensor.full([3], -.infinity).scatterReduce(axis: 0, index: group, source: x, reduce: .amax)
    public func scatterReduce(axis: Int, index: Tensor, source: Tensor, reduce: ScatterReduction, includeSelf: Bool = true) -> Tensor {
        if index.dtype == .int32 {
            return scatterReduce(axis: axis, index: index.to(.int64), source: source, reduce: reduce, includeSelf: includeSelf)
        }
        let ax = normalizeAxis(axis, rank, op: "scatterReduce", shape: shape)
        Tensor.checkScatterShapes(self, index, source, ax, op: "scatterReduce")
        check(source.dtype == dtype, "scatterReduce: source must have the input's dtype \(dtype), got \(source.dtype) (input \(shape), index \(index.shape), source \(source.shape))")
        if rank == 0 {
            return reshape([1]).scatterReduce(axis: 0, index: index.reshape([1]), source: source.reshape([1]),
                                              reduce: reduce, includeSelf: includeSelf).reshape([])
        }
        let out = copy().detach()
        Kernels.scatter(into: out, index: index, src: source, value: 0, axis: ax, mode: reduce.mode, includeSelf: includeSelf, op: "scatterReduce")
        let saved = SavedTensor(index)
        return out.recorded(.scatterReduce, self, source, save: [.input0, .input1, .output]) { g, ctx in
            Tensor.scatterReduceGradient(g, x: ctx.input(0), src: ctx.input(1), out: ctx.output, index: saved.value(ctx, "index"),
                                         axis: ax, reduce: reduce, includeSelf: includeSelf)
        }
    }

    /// PyTorch's `scatter_reduce_backward`, written with Tensor ops.
    static func scatterReduceGradient(_ g: Tensor, x: Tensor, src: Tensor, out: Tensor, index: Tensor, axis ax: Int,
                                      reduce: ScatterReduction, includeSelf: Bool) -> [Tensor?] {
        var gx: Tensor, gs: Tensor
        switch reduce {
        case .sum:
            gx = g; gs = g.gather(axis: ax, index: index)
        case .mean:
            var count = includeSelf ? Tensor.onesLike(g) : Tensor.zerosLike(g)
            count = count.scatterAdd(axis: ax, index: index, source: Tensor.ones(index.shape, dtype: g.dtype))
            count = Tensor.where(count.eq(0), Tensor.onesLike(count), count)
            gx = g / count; gs = g.gather(axis: ax, index: index) / count.gather(axis: ax, index: index)
        case .prod:
            // Exact with zeros: self's gradient is the product of everything else at its place.
            let one = Tensor.ones([], dtype: x.dtype)
            let maskedX = Tensor.where(x.eq(0), one, x)
            let maskedXResult = maskedX.scatterReduce(axis: ax, index: index, source: src, reduce: .prod, includeSelf: includeSelf)
            gx = g * maskedXResult / maskedX
            let srcZero = src.eq(0)
            let zerosAt = Tensor.zerosLike(x).scatterAdd(axis: ax, index: index, source: srcZero.to(x.dtype)).gather(axis: ax, index: index)
            let singleZero = srcZero.bitwiseAnd(zerosAt.eq(1))
            let maskedSrcResult = x.scatterReduce(axis: ax, index: index, source: Tensor.where(singleZero, one, src), reduce: .prod, includeSelf: includeSelf)
            gs = Tensor.where(singleZero, (g * maskedSrcResult).gather(axis: ax, index: index),
                              (g * out).gather(axis: ax, index: index) / Tensor.where(srcZero, one, src))
        case .amax, .amin:
            // Shared equally among the values (self's and the scattered ones) equal to the result.
            let value = out.gather(axis: ax, index: index)
            let xIs = x.eq(out).to(g.dtype), srcIs = src.eq(value).to(g.dtype)
            let share = xIs.scatterAdd(axis: ax, index: index, source: srcIs)
            let distributed = g / share
            gx = xIs * distributed; gs = srcIs * distributed.gather(axis: ax, index: index)
        }
        if !includeSelf { gx = gx.scatter(axis: ax, index: index, value: 0) }
        return [gx, gs]
    }

}
