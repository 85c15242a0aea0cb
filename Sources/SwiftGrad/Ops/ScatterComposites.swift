// Scatters composed of existing differentiable ops: masked_scatter (take + where), as_strided_scatter
// (an in-place copy through an as_strided view of a clone), index_reduce (scatter_reduce with the
// index expanded along its axis), and sum_to_size (a sum over the broadcast axes).

extension Tensor {
    /// A copy of self (broadcast with `mask`) whose positions where `mask` is true take the elements
    /// of `source` in row-major order (`Tensor.masked_scatter`; `source` needs at least as many
    /// elements as the mask has true values). Differentiable in self (g outside the mask) and source
    /// (g at the elements used).
    ///
    ///     let y = x.maskedScatter(x .< 0, Tensor.zeros([x.count]))
    public func maskedScatter(_ mask: Tensor, _ source: Tensor) -> Tensor {
        check(mask.dtype == .bool, "masked_scatter: mask must be bool, got \(mask.dtype) (self \(shape), mask \(mask.shape))")
        check(broadcastShapeIfPossible(shape, mask.shape) != nil,
              "masked_scatter: self \(shape) and mask \(mask.shape) do not broadcast")
        let outShape = broadcastShape(shape, mask.shape, op: "masked_scatter")
        let m = mask.expand(outShape), x = expand(outShape)
        let flatMask = m.reshape([m.count]).to(.int64)
        let k = flatMask.count == 0 ? 0 : Int(flatMask.sum().item())
        check(source.count >= k, "masked_scatter: source of \(source.count) elements (shape \(source.shape)) is smaller than the \(k) true values of the mask \(mask.shape)")
        if k == 0 { return x.contiguous() }
        // The k-th true position takes source element k: the running count of true values, minus 1.
        let running = flatMask.cumsum(axis: 0) - Tensor.ones([], dtype: .int64)
        let position = Tensor.where(running .< 0, Tensor.zeros([], dtype: .int64), running)
        let values = source.reshape([source.count]).to(dtype).take(position).reshape(outShape)
        return Tensor.where(m, values, x)
    }

    /// A copy of self whose elements seen through the view `asStrided(shape:strides:offset:)` of a
    /// contiguous copy are replaced by `source` (`torch.as_strided_scatter`; the view must not
    /// overlap itself). Differentiable in self (g outside the view) and source (g seen through the view).
    ///
    ///     let y = Tensor.zeros([3, 3]).asStridedScatter(Tensor.ones([2, 2]), shape: [2, 2], strides: [1, 2])
    public func asStridedScatter(_ source: Tensor, shape viewShape: [Int], strides viewStrides: [Int], offset: Int = 0) -> Tensor {
        check(source.shape == viewShape,
              "as_strided_scatter: source of shape \(source.shape) must have the view's shape \(viewShape) (self \(shape))")
        let out = contiguous() === self ? clone() : contiguous()
        let view = out.asStrided(shape: viewShape, strides: viewStrides, offset: offset)
        view.copyFrom(source)
        return out
    }

    /// A copy of self with the slices of `source` along `axis` reduced into the slices `index` names
    /// (`Tensor.index_reduce`: prod, mean, amax or amin; `includeSelf: false` leaves self's values out
    /// where a slice is written). `index` is 1-D int64 with one entry per slice of `source`.
    ///
    ///     let y = x.indexReduce(axis: 0, index: Tensor([0, 0, 2]), source: rows, reduce: .amax)
    public func indexReduce(axis: Int, index: Tensor, source: Tensor, reduce: ScatterReduction, includeSelf: Bool = true) -> Tensor {
        check(reduce != .sum, "index_reduce: reduce must be prod, mean, amax or amin, got sum (self \(shape)); use indexAdd")
        if rank == 0 {
            return reshape([1]).indexReduce(axis: 0, index: index, source: source.rank == 0 ? source.reshape([1]) : source,
                                            reduce: reduce, includeSelf: includeSelf).reshape([])
        }
        let ax = normalizeAxis(axis, rank, op: "index_reduce", shape: shape)
        check(index.dtype == .int64 && index.rank <= 1,
              "index_reduce: index must be a 1-D int64 tensor, got \(index.dtype) \(index.shape) (self \(shape), source \(source.shape))")
        check(source.rank == rank && source.shape[ax] == index.count,
              "index_reduce: source \(source.shape) must have self's rank and one slice per index along axis \(axis) (self \(shape), index \(index.shape))")
        var view = Array(repeating: 1, count: rank)
        view[ax] = index.count
        let expanded = index.reshape(view).expand(source.shape)
        return scatterReduce(axis: ax, index: expanded, source: source, reduce: reduce, includeSelf: includeSelf)
    }

    /// The sum of this tensor down to `size`, a shape it broadcasts from (`Tensor.sum_to_size`): the
    /// leading axes and the axes where `size` is 1 are summed. Integers and bools sum in int64.
    ///
    ///     let colSums = x.sumToSize([1, 5])              // x: [4, 5]
    public func sumToSize(_ size: [Int]) -> Tensor {
        check(size.count <= rank && broadcastShapeIfPossible(size, shape) == shape,
              "sum_to_size: size \(size) is not expandable to the tensor's shape \(shape)")
        let lead = rank - size.count
        let axes = (0..<rank).filter { $0 < lead || (size[$0 - lead] == 1 && shape[$0] != 1) }
        if axes.isEmpty { return dtype.isFloatingPoint ? self : to(.int64) }
        return sum(axes: axes, keepDim: true).reshape(size)
    }
}
