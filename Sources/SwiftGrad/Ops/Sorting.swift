// Sorting: sort, argsort, msort, topk, kthvalue. A kernel finds the positions (int64, never
// recorded); the values are `gather`ed at them, so the gradient is PyTorch's: g scattered back to
// the chosen positions (gather's backward). Any dtype; NaN orders after every number.

extension Tensor {
    /// The positions that order each line along `axis` (ascending unless `descending`), ties by
    /// `ties`, and the normalized axis. A 0-d tensor has one line of one element.
    func linePermutation(_ axis: Int, descending: Bool, ties: Kernels.TieOrder, op: String) -> (axis: Int, perm: Tensor) {
        let ax = normalizeAxis(axis, rank, op: op, shape: shape)
        let (outer, n, inner) = rank == 0 ? (1, 1, 1) : splitAround(ax)
        let perm = Tensor(uninitializedShape: shape, dtype: .int64)
        Kernels.sortPermutation(self, outer: outer, n: n, inner: inner, descending: descending, ties: ties, into: perm)
        return (ax, perm)
    }

    /// The values along `axis` in ascending order (descending with `descending: true`) and the
    /// positions they came from. The sort is always stable (equal values keep their order, as
    /// PyTorch's CPU sort; `stable:` is accepted for PyTorch's spelling). NaN sorts after every
    /// number (first when descending). The gradient goes back to each value's position.
    ///
    ///     let (values, indices) = scores.sort(axis: 1, descending: true)
    public func sort(axis: Int = -1, descending: Bool = false, stable: Bool = false) -> (values: Tensor, indices: Tensor) {
        let (ax, perm) = linePermutation(axis, descending: descending, ties: .first, op: "sort")
        return (gather(axis: ax, index: perm), perm)
    }

    /// The positions that sort each line along `axis` (int64), as `sort(...).indices`.
    ///
    ///     let order = x.argsort(descending: true)
    public func argsort(axis: Int = -1, descending: Bool = false, stable: Bool = false) -> Tensor {
        linePermutation(axis, descending: descending, ties: .first, op: "argsort").perm
    }

    /// Sorted along the first axis (PyTorch's `msort`).
    ///
    ///     let columnsSorted = m.msort()
    public func msort() -> Tensor { sort(axis: 0).values }

    /// The `k` largest (or, with `largest: false`, smallest) values along `axis` and their positions,
    /// from the most extreme (with `sorted: false`, in the order PyTorch's selection leaves them).
    /// NaN counts as larger than every number, as PyTorch's. Among equal values the positions are
    /// the ones PyTorch's CPU kernel picks (its std::nth_element / std::partial_sort steps, replayed:
    /// SelectionOrder.swift).
    ///
    ///     let (best, where) = logits.topk(5, axis: 1)
    public func topk(_ k: Int, axis: Int = -1, largest: Bool = true, sorted: Bool = true) -> (values: Tensor, indices: Tensor) {
        let ax = normalizeAxis(axis, rank, op: "topk", shape: shape)
        let n = rank == 0 ? 1 : shape[ax]
        check(k >= 0 && k <= n, "topk: k = \(k) is out of range for axis \(axis) of size \(n) (shape \(shape))")
        if rank == 0 {
            let perm = linePermutation(ax, descending: largest, ties: .first, op: "topk").perm
            return (gather(axis: ax, index: perm), perm)
        }
        let indices = topkIndices(k, axis: ax, largest: largest, sorted: sorted)
        return (gather(axis: ax, index: indices), indices)
    }

    /// The `k`-th smallest value (1-based) along `axis` and its position (among equal values the
    /// one PyTorch's CPU quickselect picks: SelectionOrder.swift). NaN counts as larger than every
    /// number.
    ///
    ///     let (secondSmallest, at) = x.kthvalue(2, axis: 0)
    public func kthvalue(_ k: Int, axis: Int = -1, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
        let ax = normalizeAxis(axis, rank, op: "kthvalue", shape: shape)
        let n = rank == 0 ? 1 : shape[ax]
        check(k >= 1 && k <= n, "kthvalue: k = \(k) is out of range for axis \(axis) of size \(n) (shape \(shape))")
        return pickAlong(ax, kthvalueIndices(k, axis: ax), keepDim: keepDim)
    }

    /// The values at `index` (one position per line, the axis kept as 1) and the index, with the
    /// axis removed unless `keepDim` (a 0-d tensor stays 0-d).
    func pickAlong(_ ax: Int, _ index: Tensor, keepDim: Bool) -> (values: Tensor, indices: Tensor) {
        if rank == 0 { return (gather(axis: 0, index: index.reshape([])), index.reshape([])) }
        let values = gather(axis: ax, index: index)
        if keepDim { return (values, index) }
        return (values.squeeze(axis: ax), index.squeeze(axis: ax))
    }
}
