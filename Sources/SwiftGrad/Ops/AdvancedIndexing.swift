// Advanced indexing with integer and bool tensors (PyTorch's `x[i, j]` with tensors, `index` and
// `index_put`): the indexed axes are moved to the front and folded into one, the index tensors
// become one linear index, and the read is an `indexSelect`, the write an `indexAdd` (so both are
// differentiable through those ops).

extension Tensor {
    /// The axes, index tensors and layout of an advanced index, resolved against this tensor.
    struct AdvancedIndexPlan {
        /// The indexed axes, in order, and the others.
        let indexed: [Int], rest: [Int]
        /// The broadcast shape of the index tensors.
        let broadcast: [Int]
        /// The flat position, in the indexed axes folded together, of each index combination.
        let linear: [Int]
        /// Where the broadcast axes go in the result: at the first indexed axis when the indexed
        /// axes are adjacent, else in front (PyTorch's rule).
        let insertAt: Int
    }

    func advancedIndexPlan(_ indices: [Tensor?], op: String) -> AdvancedIndexPlan {
        // Bool masks become one int64 tensor per axis they cover (their nonzero positions).
        var expanded: [Tensor?] = []
        for t in indices {
            guard let t else { expanded.append(nil); continue }
            if t.dtype == .bool || t.dtype == .uint8 {
                let at = expanded.count
                check(t.rank > 0, "\(op): a 0-d mask is not supported (tensor \(shape))")
                check(at + t.rank <= rank && Array(shape[at..<(at + t.rank)]) == t.shape,
                      "\(op): the mask of shape \(t.shape) does not match the tensor's shape \(shape) at axis \(at)")
                expanded += t.nonzeroPerAxis().map { Optional($0) }
            } else {
                check(t.dtype.isIntegral(), "\(op): indices must be integer or bool tensors, got \(t.dtype) of shape \(t.shape) (tensor \(shape))")
                expanded.append(t)
            }
        }
        check(expanded.count <= rank, "\(op): \(expanded.count) indices for a tensor of shape \(shape)")
        let indexed = expanded.indices.filter { expanded[$0] != nil }
        check(!indexed.isEmpty, "\(op): needs at least one index tensor (tensor \(shape))")
        let rest = (0..<rank).filter { !indexed.contains($0) }
        var b: [Int] = []
        for d in indexed {
            let s = expanded[d]!.shape
            guard let nb = broadcastShapeIfPossible(b, s) else {
                checkFailure("\(op): index shapes \(indexed.map { expanded[$0]!.shape }) do not broadcast (tensor \(shape))")
            }
            b = nb
        }
        let n = b.reduce(1, *)
        var linear = [Int](repeating: 0, count: n)
        var stride = 1
        for d in indexed.reversed() {
            let size = shape[d]
            let values = withNoGrad { expanded[d]!.expand(b) }.ints
            for k in 0..<n {
                let v = values[k]
                check(v >= -size && v < size, "\(op): index \(v) is out of bounds for axis \(d) of size \(size) (tensor \(shape))")
                linear[k] += (v < 0 ? v + size : v) * stride
            }
            stride *= size
        }
        let adjacent = indexed.last! - indexed.first! + 1 == indexed.count
        return AdvancedIndexPlan(indexed: indexed, rest: rest, broadcast: b, linear: linear,
                                 insertAt: adjacent ? indexed.first! : 0)
    }

    /// The tensor with the indexed axes first, folded into one: [Π indexed sizes, rest...].
    func foldedForIndexing(_ plan: AdvancedIndexPlan) -> Tensor {
        let folded = plan.indexed.map { shape[$0] }.reduce(1, *)
        return permute(plan.indexed + plan.rest).reshape([folded] + plan.rest.map { shape[$0] })
    }

    /// Advanced indexing with integer and bool tensors, as PyTorch's `x[i, j]` with tensor
    /// indices: `indices[k]` indexes axis k (nil keeps the axis whole; a bool mask covers as many
    /// axes as it has, by its true positions; negative integers count from the end). The index
    /// tensors broadcast together; their shape replaces the indexed axes (in place when those axes
    /// are adjacent, else in front). Differentiable (through indexSelect).
    ///
    ///     let picked = x.index([Tensor([0, 2]), Tensor([1, 1])])        // x[[0, 2], [1, 1]]
    ///     let positives = x.index([x .> 0])                              // x[x > 0]
    ///     let columns = m.index([nil, Tensor([2, 0])])                   // m[:, [2, 0]]
    public func index(_ indices: [Tensor?]) -> Tensor {
        let plan = advancedIndexPlan(indices, op: "index")
        let picked = foldedForIndexing(plan).indexSelect(axis: 0, indices: Tensor(plan.linear, shape: [plan.linear.count]))
        let restShape = plan.rest.map { shape[$0] }
        let out = picked.reshape(plan.broadcast + restShape)             // [B..., rest...]
        return Tensor.moveBroadcastAxes(out, count: plan.broadcast.count, restCount: restShape.count, to: plan.insertAt)
    }

    /// [B..., rest...] with the B axes moved to position `at` among the rest (or the inverse).
    static func moveBroadcastAxes(_ t: Tensor, count nb: Int, restCount nr: Int, to at: Int, inverse: Bool = false) -> Tensor {
        if at == 0 { return t }
        let bAxes = Array(0..<nb), restAxes = Array(nb..<(nb + nr))
        let order = Array(restAxes[..<at]) + bAxes + Array(restAxes[at...])
        if !inverse { return t.permute(order) }
        var inv = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { inv[o] = i }
        return t.permute(inv)
    }

    /// A copy with `values` (broadcast to the shape `index(indices)` would have) written at the
    /// positions `indices` name, or added there with `accumulate: true` (PyTorch's `index_put`).
    /// Without accumulate, where a position is named several times the last value is written (as
    /// PyTorch's CPU kernel; PyTorch leaves it unspecified). Differentiable in self and values.
    ///
    ///     let y = x.indexPut([x .< 0], values: Tensor(0.0))              // x[x < 0] = 0
    ///     let h = Tensor.zeros([5]).indexPut([bins], values: Tensor.ones([n]), accumulate: true)
    public func indexPut(_ indices: [Tensor?], values: Tensor, accumulate: Bool = false) -> Tensor {
        let plan = advancedIndexPlan(indices, op: "indexPut")
        let restShape = plan.rest.map { shape[$0] }
        var target = plan.broadcast + restShape
        target = Tensor.moveBroadcastAxes(Tensor.zeros(target, dtype: .bool), count: plan.broadcast.count,
                                          restCount: restShape.count, to: plan.insertAt).shape
        check(broadcastShapeIfPossible(values.shape, target) == target,
              "indexPut: values of shape \(values.shape) do not broadcast to the indexed shape \(target) (tensor \(shape))")
        // The values as [B..., rest...], then [N, rest...].
        let v = Tensor.moveBroadcastAxes(values.to(dtype).expand(target), count: plan.broadcast.count, restCount: restShape.count,
                                         to: plan.insertAt, inverse: true).reshape([plan.linear.count] + restShape)
        let folded = foldedForIndexing(plan)
        let result: Tensor
        if accumulate {
            result = folded.indexAdd(axis: 0, indices: Tensor(plan.linear, shape: [plan.linear.count]), source: v)
        } else {
            // The last write to each position wins: keep, per position, its last occurrence.
            var last: [Int: Int] = [:]
            for (k, p) in plan.linear.enumerated() { last[p] = k }
            let positions = last.keys.sorted(), from = positions.map { last[$0]! }
            let placed = Tensor.zerosLike(folded).indexAdd(axis: 0, indices: Tensor(positions, shape: [positions.count]),
                                                           source: v.indexSelect(axis: 0, indices: Tensor(from, shape: [from.count])))
            var flags = [Bool](repeating: false, count: folded.shape[0])
            for p in positions { flags[p] = true }
            let mask = Tensor(flags, shape: [flags.count] + restShape.map { _ in 1 })
            result = Tensor.where(mask, placed, folded)
        }
        // Unfold and move the axes back.
        let unfolded = result.reshape(plan.indexed.map { shape[$0] } + restShape)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, d) in (plan.indexed + plan.rest).enumerated() { inverse[d] = i }
        return unfolded.permute(inverse)
    }
}
