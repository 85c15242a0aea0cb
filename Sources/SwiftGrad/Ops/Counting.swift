// Counting and searching: histc, bincount, bucketize, searchsorted, unique, uniqueConsecutive,
// and the finite difference diff. Only diff is differentiable (composed of slices and sub).

extension Tensor {
    /// A histogram with `bins` equal bins over [min, max] (the last bin closed); values outside, and
    /// NaN, are not counted. When min == max the data's own range is used (widened by 1 on each
    /// side if the data is constant), as PyTorch's `histc`. Float tensors; the counts have the
    /// input's dtype.
    ///
    ///     let h = x.histc(bins: 10, min: 0, max: 1)
    public func histc(bins: Int = 100, min: Double = 0, max: Double = 0) -> Tensor {
        check(dtype.isFloatingPoint, "histc: needs a float tensor, got \(dtype) of shape \(shape)")
        check(bins > 0, "histc: bins must be positive, got \(bins) (input \(shape))")
        check(min.isFinite && max.isFinite, "histc: range [\(min), \(max)] is not finite (input \(shape))")
        check(min <= max, "histc: max \(max) must be at least min \(min) (input \(shape))")
        var lo = min, hi = max
        if lo == hi && count > 0 {
            let finite = withNoGrad { self.detach().to(.float64) }
            let data = finite.doubles.filter { !$0.isNaN }
            lo = data.min() ?? 0; hi = data.max() ?? 0
            check(lo.isFinite && hi.isFinite, "histc: range of the data [\(lo), \(hi)] is not finite (input \(shape))")
        }
        if lo == hi { lo -= 1; hi += 1 }
        let counts = Kernels.histogramCounts(detach(), bins: bins, lo: lo, hi: hi)
        return Tensor(counts, shape: [bins], dtype: dtype)
    }

    /// How often each value 0, 1, 2, ... occurs in a 1-D tensor of non-negative integers (at least
    /// `minlength` bins); with `weights` (one per element), the sum of the weights per value, as
    /// float64 (PyTorch's `bincount`).
    ///
    ///     let perClass = labels.bincount(minlength: 10)
    public func bincount(weights: Tensor? = nil, minlength: Int = 0) -> Tensor {
        let desc = "input \(shape)" + (weights.map { ", weights \($0.shape)" } ?? "")
        check(dtype.isIntegral(includingBool: true) && rank == 1, "bincount: needs a 1-D tensor of non-negative integers, got \(dtype) (\(desc))")
        check(minlength >= 0, "bincount: minlength must be non-negative, got \(minlength) (\(desc))")
        let values = ints
        check(values.allSatisfy { $0 >= 0 }, "bincount: needs non-negative values, got \(values.min() ?? 0) (\(desc))")
        let n = Swift.max(minlength, (values.max() ?? -1) + 1)
        guard let weights else {
            var counts = [Int](repeating: 0, count: n)
            for v in values { counts[v] += 1 }
            return Tensor(counts, shape: [n])
        }
        check(weights.rank == 1 && weights.count == count, "bincount: weights must be 1-D with one weight per element (\(desc))")
        var sums = [Double](repeating: 0, count: n)
        for (v, w) in zip(values, weights.doubles) { sums[v] += w }
        return Tensor(sums, shape: [n], dtype: .float64)
    }

    /// For each element, the index of the bucket it falls in among sorted 1-D `boundaries`: the
    /// number of boundaries below it (`right: false`) or not above it (`right: true`), as PyTorch's
    /// `bucketize`. int64 results (int32 with `outInt32`).
    ///
    ///     let bucket = ages.bucketize(Tensor([18, 65]))
    public func bucketize(_ boundaries: Tensor, right: Bool = false, outInt32: Bool = false) -> Tensor {
        check(boundaries.rank == 1, "bucketize: boundaries must be 1-D, got shape \(boundaries.shape) (input \(shape))")
        return Tensor.searchsorted(boundaries, self, right: right, outInt32: outInt32, op: "bucketize")
    }

    /// For each of `values`, the position in `sortedSequence` (sorted along its last axis) where it
    /// would be inserted to keep the order: before equal entries (`side: "left"`, `right: false`)
    /// or after them (`"right"`). The sequence is 1-D, or has the values' leading axes. As in
    /// PyTorch, a comparison with NaN is false, so NaN values go to the end. int64 results (int32
    /// with `outInt32`).
    ///
    /// With `sorter` (int64 positions that sort each line of an unsorted sequence, as from
    /// `argsort`), the sequence is read in that order, as PyTorch's `sorter=`.
    ///
    ///     let at = Tensor.searchsorted(Tensor([1, 3, 5, 7]), Tensor([3, 6]))   // [1, 3]
    ///     let bySorter = Tensor.searchsorted(Tensor([5, 1, 3]), Tensor([4]), sorter: Tensor([1, 2, 0]))   // [2]
    public static func searchsorted(_ sortedSequence: Tensor, _ values: Tensor, right: Bool = false, side: String? = nil,
                                    outInt32: Bool = false, sorter: Tensor? = nil) -> Tensor {
        if let sorter {
            check(sorter.dtype == .int64 && sorter.shape == sortedSequence.shape,
                  "searchsorted: sorter must be int64 of the sequence's shape \(sortedSequence.shape), got \(sorter.dtype) \(sorter.shape) (values \(values.shape))")
            let n = sortedSequence.rank == 0 ? 1 : sortedSequence.shape[sortedSequence.rank - 1]
            check(sorter.ints.allSatisfy { $0 >= 0 && $0 < n },
                  "searchsorted: sorter \(sorter.shape) holds a position outside 0..<\(n) (sequence \(sortedSequence.shape), values \(values.shape))")
            let ordered = sortedSequence.rank == 0 ? sortedSequence : sortedSequence.gather(axis: -1, index: sorter)
            return searchsorted(ordered, values, right: right, side: side, outInt32: outInt32)
        }
        if let side {
            check(side == "left" || side == "right", "searchsorted: side must be \"left\" or \"right\", got \"\(side)\" (sequence \(sortedSequence.shape), values \(values.shape))")
            check(!right || side == "right", "searchsorted: side \"left\" contradicts right: true (sequence \(sortedSequence.shape), values \(values.shape))")
        }
        return searchsorted(sortedSequence, values, right: right || side == "right", outInt32: outInt32, op: "searchsorted")
    }

    /// `searchsorted` for one scalar value (a 0-d result).
    public static func searchsorted(_ sortedSequence: Tensor, _ value: Double, right: Bool = false, side: String? = nil,
                                    outInt32: Bool = false, sorter: Tensor? = nil) -> Tensor {
        searchsorted(sortedSequence, Tensor.scalarOperand(value, for: sortedSequence), right: right, side: side, outInt32: outInt32,
                     sorter: sorter)
    }

    static func searchsorted(_ seq: Tensor, _ values: Tensor, right: Bool, outInt32: Bool, op: String) -> Tensor {
        let desc = "sequence \(seq.shape), values \(values.shape)"
        check(seq.rank >= 1, "\(op): the sorted sequence must have at least one axis (\(desc))")
        check(seq.dtype != .bool && values.dtype != .bool, "\(op): not defined for bool (\(desc))")
        let lines: Int, k: Int
        if seq.rank == 1 {
            lines = 1; k = values.count
        } else {
            check(values.rank == seq.rank && Array(values.shape.dropLast()) == Array(seq.shape.dropLast()),
                  "\(op): the sequence's leading axes must match the values' (\(desc))")
            lines = Array(seq.shape.dropLast()).reduce(1, *); k = values.shape.last!
        }
        let m = seq.shape.last!
        let common = DType.result(seq.dtype, values.dtype)
        let out = Tensor(uninitializedShape: values.shape, dtype: .int64)
        if lines * k > 0 {
            Kernels.searchSorted(seq.detach().to(common), values.detach().to(common), lines: lines, m: m, k: k, right: right, into: out)
        }
        return outInt32 ? out.to(.int32) : out
    }

    /// The distinct values (sorted), with optionally for each element the index of its value
    /// (`inverse`, the input's shape) and how often each value occurs (`counts`); with `axis`, the
    /// distinct slices along that axis, sorted lexicographically. NaNs are all distinct, as in
    /// PyTorch. Not differentiable. (PyTorch's CPU kernel sorts even with `sorted: false`; so do we.)
    ///
    ///     let (values, inverse, counts) = labels.unique(returnInverse: true, returnCounts: true)
    public func unique(sorted: Bool = true, returnInverse: Bool = false, returnCounts: Bool = false,
                       axis: Int? = nil) -> (values: Tensor, inverse: Tensor?, counts: Tensor?) {
        let (rows, ax) = uniqueRows(axis, op: "unique")
        let n = rows.shape[0], width = rows.shape[1]
        let perm = Kernels.sortRowsPermutation(rows, rows: n, width: width)
        let sortedRows = rows.indexSelect(axis: 0, indices: Tensor(perm, shape: [n]))
        let same = Kernels.rowEqualsPrevious(sortedRows, rows: n, width: width)
        var keep = [Int](), counts = [Int](), inverse = [Int](repeating: 0, count: n)
        for i in 0..<n {
            if !same[i] { keep.append(i); counts.append(0) }
            counts[counts.count - 1] += 1
            inverse[perm[i]] = keep.count - 1
        }
        return uniqueResult(sortedRows, keep: keep, inverse: inverse, counts: counts, axis: ax,
                            returnInverse: returnInverse, returnCounts: returnCounts)
    }

    /// The values (or slices along `axis`) with consecutive repeats collapsed, as PyTorch's
    /// `unique_consecutive`; `inverse` maps each element to its run, `counts` gives each run's length.
    ///
    ///     let runs = Tensor([1, 1, 2, 2, 3, 1]).uniqueConsecutive().values   // [1, 2, 3, 1]
    public func uniqueConsecutive(returnInverse: Bool = false, returnCounts: Bool = false,
                                  axis: Int? = nil) -> (values: Tensor, inverse: Tensor?, counts: Tensor?) {
        let (rows, ax) = uniqueRows(axis, op: "uniqueConsecutive")
        let n = rows.shape[0], width = rows.shape[1]
        let same = Kernels.rowEqualsPrevious(rows, rows: n, width: width)
        var keep = [Int](), counts = [Int](), inverse = [Int](repeating: 0, count: n)
        for i in 0..<n {
            if !same[i] { keep.append(i); counts.append(0) }
            counts[counts.count - 1] += 1
            inverse[i] = keep.count - 1
        }
        return uniqueResult(rows, keep: keep, inverse: inverse, counts: counts, axis: ax,
                            returnInverse: returnInverse, returnCounts: returnCounts)
    }

    /// The tensor as [n, width] rows to compare: the elements (axis nil) or the slices along `axis`.
    func uniqueRows(_ axis: Int?, op: String) -> (Tensor, Int?) {
        let x = detach()
        guard let axis else { return (x.reshape([count, 1]), nil) }
        check(rank > 0, "\(op): a 0-d tensor has no axis \(axis) (shape \(shape))")
        let ax = normalizeAxis(axis, rank, op: op, shape: shape)
        let moved = x.movedim(ax, 0).contiguous()
        return (moved.reshape([shape[ax], shape[ax] == 0 ? 0 : count / shape[ax]]), ax)
    }

    func uniqueResult(_ rows: Tensor, keep: [Int], inverse: [Int], counts: [Int], axis: Int?,
                      returnInverse: Bool, returnCounts: Bool) -> (values: Tensor, inverse: Tensor?, counts: Tensor?) {
        var values = rows.indexSelect(axis: 0, indices: Tensor(keep, shape: [keep.count]))
        if let axis {
            var moved = shape
            moved.remove(at: axis)
            values = values.reshape([keep.count] + moved).movedim(0, axis).contiguous()
        } else {
            values = values.reshape([keep.count])
        }
        let inv = returnInverse ? Tensor(inverse, shape: axis == nil ? shape : [inverse.count]) : nil
        return (values, inv, returnCounts ? Tensor(counts, shape: [counts.count]) : nil)
    }

    /// The n-th forward difference along `axis` (x[i+1] - x[i], n times), after concatenating
    /// `prepend` and `append` along that axis; for bool tensors the difference is `!=` (xor), as
    /// PyTorch's `diff`; n = 0 gives a copy of the input, without prepend or append, as PyTorch's.
    /// Differentiable.
    ///
    ///     let steps = positions.diff()
    ///     let second = x.diff(n: 2, axis: 0, prepend: Tensor.zeros([1, 3]))
    public func diff(n: Int = 1, axis: Int = -1, prepend: Tensor? = nil, append: Tensor? = nil) -> Tensor {
        check(rank > 0, "diff: needs at least one axis, got a 0-d tensor")
        check(n >= 0, "diff: n must be non-negative, got \(n) (input \(shape))")
        let ax = normalizeAxis(axis, rank, op: "diff", shape: shape)
        for (label, t) in [("prepend", prepend), ("append", append)] {
            guard let t else { continue }
            var ok = t.rank == rank
            for d in 0..<rank where d != ax && ok { ok = t.shape[d] == shape[d] }
            check(ok, "diff: \(label) of shape \(t.shape) must match the input \(shape) except along axis \(axis)")
        }
        if n == 0 { return clone() }
        var x = self
        if prepend != nil || append != nil { x = Tensor.cat([prepend, self, append].compactMap { $0 }, axis: ax) }
        for _ in 0..<n {
            let len = x.shape[ax]
            if len == 0 { break }
            let hi = x.narrow(axis: ax, start: 1, length: len - 1), lo = x.narrow(axis: ax, start: 0, length: len - 1)
            x = x.dtype == .bool ? hi.ne(lo) : hi - lo
        }
        return x
    }
}
