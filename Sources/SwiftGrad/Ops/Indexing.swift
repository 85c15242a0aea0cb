// Indexing: subscripts with integers, ranges and steps; indexSelect, gather and scatterAdd.

/// One entry of a tensor subscript.
///
///     x[0]                         // first row
///     x[.all, 1..<3]               // columns 1 and 2
///     x[.slice(nil, nil, step: 2)] // every other row
///     x[.ellipsis, 0]              // first element of the last axis
public struct TensorIndex {
    enum Kind {
        case index(Int)
        case slice(Int?, Int?, step: Int)
        case all, ellipsis, newAxis
    }
    let kind: Kind
}

/// Anything usable in a tensor subscript: `Int`, Swift ranges, `TensorIndex`.
public protocol TensorIndexConvertible { var tensorIndex: TensorIndex { get } }
extension TensorIndex: TensorIndexConvertible { public var tensorIndex: TensorIndex { self } }
extension Int: TensorIndexConvertible { public var tensorIndex: TensorIndex { TensorIndex(kind: .index(self)) } }
extension Range: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { TensorIndex(kind: .slice(lowerBound, upperBound, step: 1)) }
}
extension ClosedRange: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex {
        TensorIndex(kind: .slice(lowerBound, upperBound == -1 || upperBound == Int.max ? nil : upperBound + 1, step: 1))
    }
}
extension PartialRangeFrom: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { TensorIndex(kind: .slice(lowerBound, nil, step: 1)) }
}
extension PartialRangeUpTo: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { TensorIndex(kind: .slice(nil, upperBound, step: 1)) }
}
extension PartialRangeThrough: TensorIndexConvertible where Bound == Int {
    public var tensorIndex: TensorIndex { TensorIndex(kind: .slice(nil, upperBound == -1 || upperBound == Int.max ? nil : upperBound + 1, step: 1)) }
}

extension Tensor {
    /// Basic indexing as in PyTorch; the result is a view sharing storage (differentiable).
    ///
    ///     let firstColumn = m[.all, 0]       // a view: writing into it changes m
    ///     m[0] = Tensor.zeros([3])           // assignment copies into the tensor in place
    public subscript(_ indices: any TensorIndexConvertible...) -> Tensor {
        get { indexed(indices.map(\.tensorIndex)) }
        set { assign(newValue, at: indices.map(\.tensorIndex)) }
    }

    /// Expands an ellipsis and returns (axis actions) for the tensor's axes.
    func resolveIndices(_ idx: [TensorIndex]) -> [TensorIndex] {
        let explicit = idx.filter { if case .newAxis = $0.kind { return false }; if case .ellipsis = $0.kind { return false }; return true }.count
        check(explicit <= rank, "subscript: \(explicit) indices for a tensor of shape \(shape)")
        var out: [TensorIndex] = []
        var sawEllipsis = false
        for i in idx {
            if case .ellipsis = i.kind {
                check(!sawEllipsis, "subscript: only one ellipsis is allowed")
                sawEllipsis = true
                out += Array(repeating: TensorIndex.all, count: rank - explicit)
            } else { out.append(i) }
        }
        let used = out.filter { if case .newAxis = $0.kind { return false }; return true }.count
        out += Array(repeating: TensorIndex.all, count: rank - used)
        return out
    }

    func indexed(_ idx: [TensorIndex]) -> Tensor {
        var r = self
        var axis = 0
        for i in resolveIndices(idx) {
            switch i.kind {
            case .index(let k):
                let n = r.shape[axis]
                let j = k < 0 ? k + n : k
                check(j >= 0 && j < n, "subscript: index \(k) is out of range for axis \(axis) of size \(n) (shape \(shape))")
                r = r.select(axis: axis, index: j)
            case .slice(let s, let e, let step):
                r = r.slice(axis: axis, start: s, end: e, step: step)
                axis += 1
            case .all, .ellipsis:
                axis += 1
            case .newAxis:
                r = r.unsqueeze(axis: axis)
                axis += 1
            }
        }
        return r
    }

    /// Writes `value` (broadcast) into the indexed region, in place: `copyFrom` on the view the
    /// subscript selects, so autograd records it as PyTorch's `x[i] = v` (see `endInPlace`).
    func assign(_ value: Tensor, at idx: [TensorIndex]) {
        let target = indexed(idx)
        check(broadcastShapeIfPossible(value.shape, target.shape) == target.shape,
              "subscript assignment: value of shape \(value.shape) does not broadcast to the indexed region \(target.shape) of the tensor of shape \(shape)")
        // `x[0] += 1` in Swift reads x[0], updates that view in place, then assigns it back: the
        // value is already there, so the assignment is a no-op.
        if value.storage === target.storage && value.geometry == target.geometry { return }
        target.copyFrom(value)
    }

    /// The entries at `indices` (a 1-D int64 tensor) along `axis`. Indices must lie in
    /// `0..<shape[axis]` (negative ones are an error, as PyTorch's). A 0-d tensor takes axis 0 or -1
    /// and exactly one index, and gives a 0-d result.
    ///
    ///     let rows = table.indexSelect(axis: 0, indices: Tensor([2, 0]))
    public func indexSelect(axis: Int, indices: Tensor) -> Tensor {
        if _slowPath(dual != nil || indices.dual != nil), let r = Vmap.indexSelect(self, axis, indices) { return r }
        let ax = normalizeAxis(axis, rank, op: "indexSelect", shape: shape)
        check((indices.dtype == .int64 || indices.dtype == .int32) && indices.rank <= 1,
                     "indexSelect: indices must be a 1-D int64 or int32 tensor, got \(indices.dtype) of shape \(indices.shape) (input \(shape))")
        if indices.dtype == .int32 { return indexSelect(axis: axis, indices: indices.to(.int64)) }
        if rank == 0 {
            check(indices.count == 1, "indexSelect: a 0-d input takes exactly one index, got \(indices.count) (indices \(indices.shape))")
            return reshape([1]).indexSelect(axis: 0, indices: indices.reshape([1])).reshape([])
        }
        var outShape = shape; outShape[ax] = indices.count
        let out = Tensor(uninitializedShape: outShape, dtype: dtype)
        Kernels.indexCopy(from: self, to: out, axis: ax, indices: indices, select: true, op: "indexSelect")
        let inShape = shape
        // The indices are read in backward: saved with their version, so changing them in place is an error.
        let saved = SavedTensor(indices)
        return out.recorded(.indexSelect, self) { g, ctx in
            [Tensor.zeros(inShape, dtype: g.dtype).indexAdd(axis: ax, indices: saved.value(ctx, "indices"), source: g)]
        } forward: { f in
            f.tangent.indexSelect(axis: ax, indices: indices)
        }.withScatterBackward { g, target in
            Kernels.indexCopy(from: g, to: target, axis: ax, indices: saved.value(op: Op.indexSelect.rawValue, "indices"),
                              select: false, op: "indexSelect backward")
        }
    }

    /// A copy of self with `source`'s slices added at `indices` along `axis` (PyTorch's `index_add`).
    /// Indices must lie in `0..<shape[axis]`.
    ///
    ///     let y = x.indexAdd(axis: 0, indices: Tensor([0, 0]), source: rows)
    public func indexAdd(axis: Int, indices: Tensor, source: Tensor) -> Tensor {
        indexAdd(axis: axis, indices: indices, source: source, alpha: 1)
    }

    /// `indexAdd` of `alpha · source` (PyTorch's `index_add(..., alpha=)`).
    ///
    ///     let y = x.indexAdd(axis: 0, indices: Tensor([0, 2]), source: rows, alpha: -1)
    public func indexAdd(axis: Int, indices: Tensor, source: Tensor, alpha: Double) -> Tensor {
        if alpha != 1 {
            // An integer tensor takes an integer alpha only, as PyTorch's.
            check(dtype.isFloatingPoint || alpha == alpha.rounded(),
                  "indexAdd: alpha \(alpha) must be an integer for \(dtype) (input \(shape), source \(source.shape))")
            return indexAdd(axis: axis, indices: indices, source: source * Tensor.scalarOperand(alpha, for: source), alpha: 1)
        }
        let ax = normalizeAxis(axis, rank, op: "indexAdd", shape: shape)
        check(indices.dtype == .int64 && indices.rank <= 1,
              "indexAdd: indices must be a 1-D int64 tensor, got \(indices.dtype) of shape \(indices.shape) (input \(shape), source \(source.shape))")
        if rank == 0 {
            check(indices.count == 1 && source.rank == 0,
                  "indexAdd: a 0-d input takes one index and a 0-d source, got indices \(indices.shape) and source \(source.shape)")
            return reshape([1]).indexAdd(axis: 0, indices: indices.reshape([1]), source: source.reshape([1])).reshape([])
        }
        var expected = shape; expected[ax] = indices.count
        check(source.shape == expected,
                     "indexAdd: source \(source.shape) and indices \(indices.shape) do not fit input \(shape) along axis \(axis)")
        let out = copy().detach()
        Kernels.indexCopy(from: source.to(dtype), to: out, axis: ax, indices: indices, select: false, op: "indexAdd")
        let saved = SavedTensor(indices)
        return out.recorded(.indexAdd, self, source) { g, ctx in
            [g, ctx.needsGrad(1) ? g.indexSelect(axis: ax, indices: saved.value(ctx, "indices")) : nil]
        } forward: { f in
            f.tangentOrZeros(0).indexAdd(axis: ax, indices: indices, source: f.tangentOrZeros(1))
        }
    }

    /// `out[i][j] = self[i][index[i][j]]` along `axis` (PyTorch's `gather`). Indices must lie in
    /// `0..<shape[axis]`; a 0-d input takes a 0-d index and axis 0 or -1.
    ///
    ///     let picked = logp.gather(axis: 1, index: labels.unsqueeze(axis: 1))
    public func gather(axis: Int, index: Tensor) -> Tensor {
        if _slowPath(dual != nil || index.dual != nil), let r = Vmap.gather(self, axis, index) { return r }
        let ax = normalizeAxis(axis, rank, op: Op.gather.name, shape: shape)
        // As PyTorch: an int32 index is taken as int64, and an index with no elements (of any
        // integer dtype and rank) gathers nothing.
        if index.dtype == .int32 || (index.count == 0 && index.dtype != .int64 && !index.dtype.isFloatingPoint && index.dtype != .bool) {
            return gather(axis: axis, index: index.to(.int64))
        }
        if index.count == 0, index.dtype == .int64 { return Tensor.zeros(index.shape, dtype: dtype) }
        if rank == 0, index.rank == 1, index.dtype == .int64 {
            return reshape([1]).gather(axis: 0, index: index).reshape(index.shape)
        }
        Tensor.checkScatterShapes(self, index, nil, ax, op: Op.gather.name)
        if rank == 0 { return reshape([1]).gather(axis: 0, index: index.reshape([1])).reshape([]) }
        let out = Tensor(uninitializedShape: index.shape, dtype: dtype)
        Kernels.gatherScatter(data: self, index: index, other: out, axis: ax, gather: true, op: Op.gather.name)
        let inShape = shape
        let saved = SavedTensor(index)
        return out.recorded(.gather, self) { g, ctx in
            [Tensor.zeros(inShape, dtype: g.dtype).scatterAdd(axis: ax, index: saved.value(ctx, "index"), source: g)]
        } forward: { f in f.tangent.gather(axis: ax, index: index) }
    }

    /// A copy of self with `source[i][j]` added at `[i][index[i][j]]` along `axis` (PyTorch's
    /// `scatter_add`). Indices must lie in `0..<shape[axis]`.
    ///
    ///     let counts = Tensor.zeros([3]).scatterAdd(axis: 0, index: labels, source: Tensor.onesLike(labels))
    public func scatterAdd(axis: Int, index: Tensor, source: Tensor) -> Tensor {
        if index.dtype == .int32 { return scatterAdd(axis: axis, index: index.to(.int64), source: source) }
        let ax = normalizeAxis(axis, rank, op: "scatterAdd", shape: shape)
        Tensor.checkScatterShapes(self, index, source, ax, op: "scatterAdd")
        if rank == 0 {
            return reshape([1]).scatterAdd(axis: 0, index: index.reshape([1]), source: source.reshape([1])).reshape([])
        }
        let out = copy().detach()
        Kernels.gatherScatter(data: out, index: index, other: source.to(dtype), axis: ax, gather: false, op: "scatterAdd")
        let saved = SavedTensor(index)
        return out.recorded(.scatterAdd, self, source) { g, ctx in
            [g, ctx.needsGrad(1) ? g.gather(axis: ax, index: saved.value(ctx, "index")) : nil]
        } forward: { f in
            f.tangentOrZeros(0).scatterAdd(axis: ax, index: index, source: f.tangentOrZeros(1))
        }
    }

    static func checkScatterShapes(_ x: Tensor, _ index: Tensor, _ source: Tensor?, _ ax: Int, op: String) {
        let desc = "input \(x.shape), index \(index.shape)" + (source.map { ", source \($0.shape)" } ?? "")
        check(index.dtype == .int64, "\(op): index must be int64, got \(index.dtype) (\(desc))")
        check(index.rank == x.rank, "\(op): index must have the input's rank (\(desc))")
        for d in 0..<x.rank where d != ax {
            check(index.shape[d] <= x.shape[d], "\(op): index is larger than the input on axis \(d) (\(desc))")
        }
        if let s = source {
            check(s.rank == x.rank && (0..<x.rank).allSatisfy { index.shape[$0] <= s.shape[$0] },
                         "\(op): index is larger than the source (\(desc))")
        }
    }
}

extension Kernels {
    /// indexSelect (select: true, `to[.., k, ..] = from[.., idx[k], ..]`) or indexAdd
    /// (`to[.., idx[k], ..] += from[.., k, ..]`).
    static func indexCopy(from: Tensor, to: Tensor, axis: Int, indices: Tensor, select: Bool, op: String) {
        let from = from.dense
        let indices = indices.dense
        let big = select ? from : to
        let outer = big.shape[..<axis].reduce(1, *), inner = big.shape[(axis + 1)...].reduce(1, *)
        let n = big.shape[axis], m = indices.count
        let ip = indices.ptr(Int64.self)
        for k in 0..<m {
            let j = Int(ip[k])
            // No wrap-around: a negative index is an error, as PyTorch's index_select and index_add.
            check(j >= 0 && j < n, "\(op): index \(j) is out of bounds for dimension \(axis) with size \(n) (input \(big.shape), indices \(indices.shape))")
        }
        func run<T: Numeric>(_ src: UnsafeMutablePointer<T>, _ dst: UnsafeMutablePointer<T>) {
            for o in 0..<outer {
                for k in 0..<m {
                    let j = Int(ip[k])
                    if select {
                        (dst + (o * m + k) * inner).update(from: src + (o * n + j) * inner, count: inner)
                    } else {
                        let d = dst + (o * n + j) * inner, s = src + (o * m + k) * inner
                        for i in 0..<inner { d[i] += s[i] }
                    }
                }
            }
        }
        switch from.dtype {
        case .float32: run(from.ptr(Float.self), to.ptr(Float.self))
        case .float64: run(from.ptr(Double.self), to.ptr(Double.self))
        case .int64: run(from.ptr(Int64.self), to.ptr(Int64.self))
        default:
            // Other dtypes: through the compute type (exact for selection; indexAdd accumulates there).
            let t = from.dtype.computeType, wideTo = convert(to, to: t)
            indexCopy(from: convert(from, to: t), to: wideTo, axis: axis, indices: indices, select: select, op: op)
            convert(wideTo, into: to)
        }
    }

    /// gather (`other[p] = data[p with axis -> index[p]]`) or scatter-add (`data[...] += other[p]`),
    /// iterating over every position p of `index`.
    static func gatherScatter(data: Tensor, index: Tensor, other: Tensor, axis: Int, gather: Bool, op: String) {
        let index = index.dense
        let data = gather ? data.dense : data, other = gather ? other : other.dense
        let rank = index.rank
        let ds = contiguousStrides(data.shape), os = contiguousStrides(other.shape)
        let n = data.shape[axis]
        let ip = index.ptr(Int64.self)
        func run<T: Numeric>(_ dp: UnsafeMutablePointer<T>, _ op2: UnsafeMutablePointer<T>) {
            var pos = [Int](repeating: 0, count: rank)
            for flat in 0..<index.count {
                let j = Int(ip[flat])
                // No wrap-around: a negative index is an error, as PyTorch's gather and scatter_add.
                check(j >= 0 && j < n, "\(op): index \(j) is out of bounds for dimension \(axis) with size \(n) (input \(data.shape), index \(index.shape))")
                var d = 0, o = 0
                for a in 0..<rank { d += (a == axis ? j : pos[a]) * ds[a]; o += pos[a] * os[a] }
                if gather { op2[o] = dp[d] } else { dp[d] += op2[o] }
                var a = rank - 1
                while a >= 0 { pos[a] += 1; if pos[a] < index.shape[a] { break }; pos[a] = 0; a -= 1 }
            }
        }
        if index.count == 0 { return }
        switch data.dtype {
        case .float32: run(data.ptr(Float.self), other.ptr(Float.self))
        case .float64: run(data.ptr(Double.self), other.ptr(Double.self))
        case .int64: run(data.ptr(Int64.self), other.ptr(Int64.self))
        default:
            let t = data.dtype.computeType, d = convert(data, to: t), o = convert(other, to: t)
            gatherScatter(data: d, index: index, other: o, axis: axis, gather: gather, op: op)
            convert(gather ? o : d, into: gather ? other : data)
        }
    }
}

// Leading-dot spellings inside subscripts: `x[.all, 1..<3]`, `x[.slice(nil, nil, step: 2)]`.
extension TensorIndexConvertible where Self == TensorIndex {
    /// The whole axis (Python's `:`).
    public static var all: TensorIndex { TensorIndex(kind: .all) }
    /// As many `.all` as needed (Python's `...`).
    public static var ellipsis: TensorIndex { TensorIndex(kind: .ellipsis) }
    /// A new size-1 axis (Python's `None`).
    public static var newAxis: TensorIndex { TensorIndex(kind: .newAxis) }
    /// `start..<end` by `step` (negative counts from the end); nil means from the start / to the end.
    public static func slice(_ start: Int?, _ end: Int?, step: Int = 1) -> TensorIndex { TensorIndex(kind: .slice(start, end, step: step)) }
    /// One position; removes the axis. Negative counts from the end.
    public static func index(_ i: Int) -> TensorIndex { TensorIndex(kind: .index(i)) }
}
