// Rearranging elements: roll, rot90, tile, repeatInterleave, flip over several axes, swapaxes,
// the stacks, atleast1d/2d/3d, diagflat, triuIndices/trilIndices, take, takeAlongDim, narrowCopy,
// indexFill, indexCopy and the *Scatter writes. All composed of recorded ops (cat, slices, flip,
// permute, reshape, repeat, indexSelect, indexAdd, gather, where), so their gradients are the chain
// rule through those.

extension Tensor {
    /// Elements shifted by `shifts` along `axes` (wrapping around), as PyTorch's `roll`; without
    /// axes, the flattened tensor is rolled and reshaped back.
    ///
    ///     Tensor([1, 2, 3, 4]).roll(shifts: [1])                 // [4, 1, 2, 3]
    ///     img.roll(shifts: [2, -1], axes: [2, 3])
    public func roll(shifts: [Int], axes: [Int] = []) -> Tensor {
        if axes.isEmpty {
            check(shifts.count == 1, "roll: without axes takes one shift, got \(shifts) (shape \(shape))")
            return reshape([count]).roll(shifts: shifts, axes: [0]).reshape(shape)
        }
        check(shifts.count == axes.count, "roll: \(shifts.count) shifts for \(axes.count) axes (shape \(shape))")
        var x = self
        for (s, a) in zip(shifts, axes) {
            let ax = normalizeAxis(a, rank, op: "roll", shape: shape)
            if rank == 0 { continue }
            let n = shape[ax]
            if n == 0 { continue }
            let k = ((s % n) + n) % n
            if k == 0 { continue }
            x = Tensor.cat([x.narrow(axis: ax, start: n - k, length: k), x.narrow(axis: ax, start: 0, length: n - k)], axis: ax)
        }
        return x
    }

    /// Rotated by 90° `k` times in the plane of `axes`, from the first axis toward the second
    /// (PyTorch's `rot90`).
    ///
    ///     let r = m.rot90()            // [[1, 2], [3, 4]] -> [[2, 4], [1, 3]]
    public func rot90(k: Int = 1, axes: [Int] = [0, 1]) -> Tensor {
        check(axes.count == 2 && rank >= 2, "rot90: needs two axes of a tensor with at least 2 axes, got axes \(axes) (shape \(shape))")
        let a = normalizeAxis(axes[0], rank, op: "rot90", shape: shape), b = normalizeAxis(axes[1], rank, op: "rot90", shape: shape)
        check(a != b, "rot90: the axes must differ, got \(axes) (shape \(shape))")
        switch ((k % 4) + 4) % 4 {
        case 1: return flip(axis: b).transpose(a, b)
        case 2: return flip(axes: [a, b])
        case 3: return flip(axis: a).transpose(a, b)
        default: return copy()
        }
    }

    /// Reversed along every axis of `axes` (PyTorch's `flip(dims)`).
    ///
    ///     let r = img.flip(axes: [2, 3])
    public func flip(axes: [Int]) -> Tensor {
        _ = reductionAxes(axes, op: Op.flip.name)      // in range, no repeats
        var x = self
        for a in axes { x = x.flip(axis: a) }
        return axes.isEmpty ? copy() : x
    }

    /// Axes `a` and `b` exchanged (a view; PyTorch's `swapaxes`/`swapdims`, as `transpose`).
    ///
    ///     let y = x.swapaxes(0, 2)
    public func swapaxes(_ a: Int, _ b: Int) -> Tensor { transpose(a, b) }

    /// The tensor repeated `reps` times along each axis (PyTorch's `tile`: fewer reps than axes
    /// are padded with 1s in front; more reps add leading axes).
    ///
    ///     Tensor([1, 2]).tile([2])          // [1, 2, 1, 2]
    public func tile(_ reps: [Int]) -> Tensor {
        let padded = [Int](repeating: 1, count: Swift.max(0, rank - reps.count)) + reps
        return `repeat`(padded)
    }

    /// Each element (or each slice along `axis`) repeated `repeats` times in place (PyTorch's
    /// `repeat_interleave`); without an axis the tensor is flattened first.
    ///
    ///     Tensor([1, 2]).repeatInterleave(2)            // [1, 1, 2, 2]
    public func repeatInterleave(_ repeats: Int, axis: Int? = nil) -> Tensor {
        check(repeats >= 0, "repeatInterleave: repeats must be non-negative, got \(repeats) (shape \(shape))")
        let n = axis.map { rank == 0 ? 1 : shape[normalizeAxis($0, rank, op: "repeatInterleave", shape: shape)] } ?? count
        return repeatInterleave(Tensor([Int](repeating: repeats, count: n), shape: [n]), axis: axis)
    }

    /// Element (or slice) i repeated `repeats[i]` times (a 1-D int64 tensor with one count per
    /// element along the axis, or a single count).
    ///
    ///     Tensor([1, 2, 3]).repeatInterleave(Tensor([1, 0, 2]))   // [1, 3, 3]
    public func repeatInterleave(_ repeats: Tensor, axis: Int? = nil) -> Tensor {
        let x = axis == nil ? reshape([count]) : (rank == 0 ? reshape([1]) : self)
        let ax = axis.map { normalizeAxis($0, x.rank, op: "repeatInterleave", shape: shape) } ?? 0
        let n = x.shape[ax]
        check(repeats.dtype.isIntegral() && repeats.rank <= 1 && (repeats.count == n || repeats.count == 1),
              "repeatInterleave: repeats must be an integer tensor with one count per element along the axis (\(n)) or one count, got \(repeats.dtype) \(repeats.shape) (input \(shape))")
        let counts = repeats.count == 1 ? [Int](repeating: repeats.ints[0], count: n) : repeats.ints
        check(counts.allSatisfy { $0 >= 0 }, "repeatInterleave: repeats must be non-negative, got \(counts.min() ?? 0) (input \(shape))")
        let idx = Tensor.repeatInterleaveIndices(counts)
        return x.indexSelect(axis: ax, indices: idx)
    }

    /// [0 repeated repeats[0] times, 1 repeated repeats[1] times, ...] (PyTorch's
    /// `repeat_interleave(repeats)` of a 1-D int tensor alone).
    ///
    ///     Tensor.repeatInterleave(counts: Tensor([2, 1]))   // [0, 0, 1]
    public static func repeatInterleave(counts repeats: Tensor) -> Tensor {
        check(repeats.dtype.isIntegral() && repeats.rank <= 1, "repeatInterleave: repeats must be a 1-D integer tensor, got \(repeats.dtype) \(repeats.shape)")
        let counts = repeats.ints
        check(counts.allSatisfy { $0 >= 0 }, "repeatInterleave: repeats must be non-negative, got \(counts.min() ?? 0) (repeats \(repeats.shape))")
        return repeatInterleaveIndices(counts)
    }

    static func repeatInterleaveIndices(_ counts: [Int]) -> Tensor {
        var idx = [Int]()
        for (i, c) in counts.enumerated() { idx += [Int](repeating: i, count: c) }
        return Tensor(idx, shape: [idx.count])
    }

    /// At least one axis: a 0-d tensor becomes [1] (a view); others are returned as they are.
    public func atleast1d() -> Tensor { rank >= 1 ? self : reshape([1]) }
    /// At least two axes: [] -> [1, 1], [n] -> [1, n].
    public func atleast2d() -> Tensor { rank >= 2 ? self : reshape([1] + atleast1d().shape) }
    /// At least three axes: [] -> [1, 1, 1], [n] -> [1, n, 1], [m, n] -> [m, n, 1].
    ///
    ///     let v = Tensor([1.0, 2.0]).atleast3d()     // shape [1, 2, 1]
    public func atleast3d() -> Tensor {
        switch rank {
        case 0: return reshape([1, 1, 1])
        case 1: return reshape([1, shape[0], 1])
        case 2: return reshape(shape + [1])
        default: return self
        }
    }

    /// Concatenated along the second axis (the first for 1-D tensors), as PyTorch's `hstack`.
    ///
    ///     let row = Tensor.hstack([a, b])
    public static func hstack(_ tensors: [Tensor]) -> Tensor {
        check(!tensors.isEmpty, "hstack: needs at least one tensor")
        let xs = tensors.map { $0.atleast1d() }
        return cat(xs, axis: xs[0].rank == 1 ? 0 : 1)
    }

    /// Stacked as rows (each at least 2-D) along the first axis, as PyTorch's `vstack`.
    ///
    ///     let m = Tensor.vstack([row1, row2])
    public static func vstack(_ tensors: [Tensor]) -> Tensor {
        check(!tensors.isEmpty, "vstack: needs at least one tensor")
        return cat(tensors.map { $0.atleast2d() }, axis: 0)
    }

    /// Stacked along the third axis (each at least 3-D), as PyTorch's `dstack`.
    public static func dstack(_ tensors: [Tensor]) -> Tensor {
        check(!tensors.isEmpty, "dstack: needs at least one tensor")
        return cat(tensors.map { $0.atleast3d() }, axis: 2)
    }

    /// 0-d and 1-D tensors as columns [n, 1], then concatenated along the second axis
    /// (PyTorch's `column_stack`).
    ///
    ///     let pairs = Tensor.columnStack([xs, ys])     // [n, 2]
    public static func columnStack(_ tensors: [Tensor]) -> Tensor {
        check(!tensors.isEmpty, "columnStack: needs at least one tensor")
        return cat(tensors.map { $0.rank <= 1 ? $0.reshape([$0.count, 1]) : $0 }, axis: 1)
    }

    /// The flattened tensor on diagonal `offset` of a square matrix (PyTorch's `diagflat`).
    ///
    ///     let d = Tensor([1.0, 2.0]).diagflat()     // [[1, 0], [0, 2]]
    public func diagflat(offset: Int = 0) -> Tensor { Linalg.diagEmbed(reshape([count]), offset: offset) }

    /// The coordinates [2, N] (int64, or `dtype: .int32`, row-major) of the upper triangle (on and
    /// above diagonal `offset`) of a rows × cols matrix, as PyTorch's `triu_indices`.
    ///
    ///     let (r, c) = { let t = Tensor.triuIndices(3, 3); return (t[0], t[1]) }()
    ///     let small = Tensor.triuIndices(4, 4, offset: 1, dtype: .int32)
    public static func triuIndices(_ rows: Int, _ cols: Int, offset: Int = 0, dtype: DType = .int64) -> Tensor {
        triangleIndices(rows, cols, offset, upper: true, dtype: dtype)
    }

    /// The coordinates [2, N] of the lower triangle (on and below diagonal `offset`), int64 or `dtype: .int32`.
    ///
    ///     let t = Tensor.trilIndices(3, 3, offset: -1)      // [[1, 2, 2], [0, 0, 1]]
    public static func trilIndices(_ rows: Int, _ cols: Int, offset: Int = 0, dtype: DType = .int64) -> Tensor {
        triangleIndices(rows, cols, offset, upper: false, dtype: dtype)
    }

    static func triangleIndices(_ rows: Int, _ cols: Int, _ offset: Int, upper: Bool, dtype: DType = .int64) -> Tensor {
        let name = upper ? "triuIndices" : "trilIndices"
        check(rows >= 0 && cols >= 0, "\(name): rows \(rows) and cols \(cols) must be non-negative")
        // PyTorch's CPU kernel takes these two index dtypes only.
        check(dtype == .int64 || dtype == .int32, "\(name): dtype must be int64 or int32, got \(dtype) (rows \(rows), cols \(cols))")
        var r = [Int](), c = [Int]()
        for i in 0..<rows {
            for j in 0..<cols where upper ? j - i >= offset : j - i <= offset { r.append(i); c.append(j) }
        }
        return Tensor(r + c, shape: [2, r.count], dtype: dtype)
    }

    /// The elements at `index` (int64, any shape) of the flattened tensor, in index's shape;
    /// negative indices count from the end (PyTorch's `take`).
    ///
    ///     let picked = x.take(Tensor([0, 5, -1]))
    public func take(_ index: Tensor) -> Tensor {
        check(index.dtype == .int64, "take: index must be int64, got \(index.dtype) (input \(shape), index \(index.shape))")
        let n = count
        let flat = index.ints.map { i -> Int in
            check(i >= -n && i < n, "take: index \(i) is out of range for \(n) elements (input \(shape), index \(index.shape))")
            return i < 0 ? i + n : i
        }
        return reshape([n]).indexSelect(axis: 0, indices: Tensor(flat, shape: [flat.count])).reshape(index.shape)
    }

    /// `gather` along `axis` with `indices` broadcast against self on the other axes (PyTorch's
    /// `take_along_dim`; along an axis, a negative index counts from the end); without an axis,
    /// both are flattened.
    ///
    ///     let best = x.takeAlongDim(x.argmax(axis: 1, keepDim: true), axis: 1)
    public func takeAlongDim(_ indices: Tensor, axis: Int? = nil) -> Tensor {
        check(indices.dtype == .int64, "takeAlongDim: indices must be int64, got \(indices.dtype) (input \(shape), indices \(indices.shape))")
        guard let axis else { return reshape([count]).gather(axis: 0, index: indices.reshape([indices.count])) }
        check(indices.rank == rank, "takeAlongDim: indices \(indices.shape) must have the input's rank (input \(shape))")
        let ax = normalizeAxis(axis, rank, op: "takeAlongDim", shape: shape)
        let n = rank == 0 ? 1 : shape[ax]
        var indices = indices
        let raw = indices.ints
        if raw.contains(where: { $0 < 0 }) {
            let wrapped = raw.map { i -> Int in
                check(i >= -n && i < n, "takeAlongDim: index \(i) is out of range for axis \(axis) of size \(n) (input \(shape), indices \(indices.shape))")
                return i < 0 ? i + n : i
            }
            indices = Tensor(wrapped, shape: indices.shape)
        }
        var xs = shape, ix = indices.shape
        for d in 0..<rank where d != ax {
            guard let b = broadcastShapeIfPossible([shape[d]], [indices.shape[d]]) else {
                checkFailure("takeAlongDim: input \(shape) and indices \(indices.shape) do not broadcast on axis \(d)")
            }
            xs[d] = b[0]; ix[d] = b[0]
        }
        return expand(xs).gather(axis: ax, index: indices.expand(ix))
    }

    /// A copy (not a view) of `narrow(axis:start:length:)`, as PyTorch's `narrow_copy`.
    ///
    ///     let part = x.narrowCopy(axis: 0, start: 1, length: 2)
    public func narrowCopy(axis: Int, start: Int, length: Int) -> Tensor { narrow(axis: axis, start: start, length: length).copy() }

    /// A bool mask, the input's shape, that is true at positions `positions` along `axis`.
    func axisMask(_ ax: Int, _ positions: [Int]) -> Tensor {
        var flags = [Bool](repeating: false, count: rank == 0 ? 1 : shape[ax])
        for p in positions { flags[p] = true }
        var maskShape = [Int](repeating: 1, count: rank)
        if rank > 0 { maskShape[ax] = flags.count }
        return Tensor(flags, shape: maskShape)
    }

    func checkedPositions(_ index: Tensor, _ ax: Int, op: String) -> [Int] {
        check(index.dtype == .int64 && index.rank <= 1, "\(op): index must be a 1-D int64 tensor, got \(index.dtype) of shape \(index.shape) (input \(shape))")
        let n = rank == 0 ? 1 : shape[ax]
        return index.ints.map { i in
            check(i >= -n && i < n, "\(op): index \(i) is out of range for axis \(ax) of size \(n) (input \(shape))")
            return i < 0 ? i + n : i
        }
    }

    /// A copy with every slice along `axis` named by `index` set to `value` (PyTorch's
    /// `index_fill`; negative indices count from the end). The gradient skips the filled slices.
    ///
    ///     let y = x.indexFill(axis: 1, index: Tensor([0, 2]), value: -1)
    public func indexFill(axis: Int, index: Tensor, value: Double) -> Tensor {
        indexFill(axis: axis, index: index, value: Tensor.full([], value, dtype: dtype))
    }

    /// `indexFill` with a 0-d tensor value (which receives the filled slices' gradient).
    public func indexFill(axis: Int, index: Tensor, value: Tensor) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "indexFill", shape: shape)
        check(value.rank == 0, "indexFill: value must be 0-d, got shape \(value.shape) (input \(shape))")
        let mask = axisMask(ax, checkedPositions(index, ax, op: "indexFill"))
        return Tensor.where(mask, value.to(dtype), self)
    }

    /// A copy with the slices of `source` written along `axis` at the positions `index` names
    /// (PyTorch's `index_copy`). A position named several times takes the last slice written there,
    /// as PyTorch's CPU kernel; as PyTorch's derivative, every slice of `source` receives the gradient
    /// of the position it names (`g.indexSelect(axis, index)`), also a slice that a later one overwrote.
    ///
    ///     let y = x.indexCopy(axis: 0, index: Tensor([2, 0]), source: rows)
    public func indexCopy(axis: Int, index: Tensor, source: Tensor) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "indexCopy", shape: shape)
        let positions = checkedPositions(index, ax, op: "indexCopy")
        check(source.dtype == dtype, "indexCopy: source must have the input's dtype \(dtype), got \(source.dtype) (input \(shape), source \(source.shape))")
        let idx = Tensor(positions, shape: [positions.count])
        var src = source
        if source.rank > 0 && Set(positions).count < positions.count {
            // The last write to a position wins: earlier slices for it add a zero that still carries
            // the gradient (s - s.detach()), so the values are the winner's and the gradient PyTorch's.
            var last = [Int: Int]()
            for (k, p) in positions.enumerated() { last[p] = k }
            var wins = [Bool](repeating: false, count: positions.count)
            for k in last.values { wins[k] = true }
            var maskShape = [Int](repeating: 1, count: source.rank)
            maskShape[ax] = positions.count
            let loser = source.requiresGrad ? source - source.detach() : Tensor.zeros([], dtype: dtype)
            src = Tensor.where(Tensor(wins, shape: maskShape), source, loser)
        }
        let placed = Tensor.zerosLike(self).indexAdd(axis: ax, indices: idx, source: src)
        return Tensor.where(axisMask(ax, positions), placed, self)
    }

    /// A copy with `source` (self's shape without `axis`) written at `index` along `axis`
    /// (PyTorch's `select_scatter`).
    ///
    ///     let y = x.selectScatter(row, axis: 0, index: 1)
    public func selectScatter(_ source: Tensor, axis: Int, index: Int) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "selectScatter", shape: shape)
        check(rank > 0, "selectScatter: needs at least one axis (input \(shape), source \(source.shape))")
        var expected = shape; expected.remove(at: ax)
        check(source.shape == expected, "selectScatter: source \(source.shape) must be \(expected), the input \(shape) without axis \(axis)")
        let n = shape[ax]
        check(index >= -n && index < n, "selectScatter: index \(index) is out of range for axis \(axis) of size \(n) (input \(shape))")
        return Tensor.where(axisMask(ax, [index < 0 ? index + n : index]), source.unsqueeze(axis: ax).to(dtype), self)
    }

    /// A copy with `source` written into the slice `start..<end` by `step` along `axis`
    /// (PyTorch's `slice_scatter`; nil bounds are the axis ends).
    ///
    ///     let y = x.sliceScatter(block, axis: 1, start: 0, end: 4, step: 2)
    public func sliceScatter(_ source: Tensor, axis: Int = 0, start: Int? = nil, end: Int? = nil, step: Int = 1) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "sliceScatter", shape: shape)
        check(rank > 0 && step > 0, "sliceScatter: needs at least one axis and a positive step, got step \(step) (input \(shape), source \(source.shape))")
        let n = shape[ax]
        func clamp(_ v: Int?, _ dflt: Int) -> Int { guard let v else { return dflt }; return Swift.min(Swift.max(v < 0 ? v + n : v, 0), n) }
        let positions = Array(stride(from: clamp(start, 0), to: clamp(end, n), by: step))
        var expected = shape; expected[ax] = positions.count
        check(source.shape == expected, "sliceScatter: source \(source.shape) must be \(expected), the slice of the input \(shape)")
        let placed = Tensor.zerosLike(self).indexAdd(axis: ax, indices: Tensor(positions, shape: [positions.count]), source: source.to(dtype))
        return Tensor.where(axisMask(ax, positions), placed, self)
    }

    /// A copy with `source` written on the diagonal `offset` of the matrices over `axis1` and
    /// `axis2` (PyTorch's `diagonal_scatter`; source has `diagonal(...)`'s shape).
    ///
    ///     let y = m.diagonalScatter(Tensor.ones([3]))
    public func diagonalScatter(_ source: Tensor, offset: Int = 0, axis1: Int = 0, axis2: Int = 1) -> Tensor {
        let expected = withNoGrad { diagonal(offset: offset, axis1: axis1, axis2: axis2).shape }
        check(source.shape == expected, "diagonalScatter: source \(source.shape) must be the diagonal's shape \(expected) (input \(shape))")
        let a = normalizeAxis(axis1, rank, op: "diagonalScatter", shape: shape), b = normalizeAxis(axis2, rank, op: "diagonalScatter", shape: shape)
        let n1 = shape[a], n2 = shape[b]
        // The diagonal embedded in [..., n1, n2], then its last two axes moved to a and b.
        let embedded = Linalg.diagEmbed(source.to(dtype), offset: offset, rows: n1, cols: n2)
        var mask = [Bool](repeating: false, count: n1 * n2)
        for i in 0..<n1 where i + offset >= 0 && i + offset < n2 { mask[i * n2 + i + offset] = true }
        let rest = (0..<rank).filter { $0 != a && $0 != b }
        var order = [Int](repeating: 0, count: rank)          // position in the embedded layout of each axis
        for (k, d) in rest.enumerated() { order[d] = k }
        order[a] = rank - 2; order[b] = rank - 1
        let placed = embedded.permute(order)
        let maskShape = [Int](repeating: 1, count: rank - 2) + [n1, n2]
        let maskT = Tensor(mask, shape: [n1, n2]).reshape(maskShape).permute(order)
        return Tensor.where(maskT, placed, self)
    }
}
