// Kernels behind sorting and order statistics (Ops/Sorting.swift, Ops/OrderStatistics.swift,
// Ops/Scans.swift): every one works on lines of a tensor viewed as [outer, n, inner] and returns
// int64 positions along the line; the ops then gather the values (so gradients go through `gather`).
// NaN orders after every number (PyTorch's sort, topk, kthvalue and median); NaNs are equal to each
// other for ordering.

extension Kernels {
    /// How equal values (and NaNs) are ordered among themselves: by increasing index (`first`, a
    /// stable sort) or by decreasing index (`last`).
    enum TieOrder { case first, last }

    /// Three-way comparison with NaN after every number and equal to NaN.
    @inline(__always)
    static func order<T: Comparable>(_ a: T, _ b: T, _ isNaN: (T) -> Bool) -> Int {
        let an = isNaN(a), bn = isNaN(b)
        if an || bn { return an == bn ? 0 : (an ? 1 : -1) }
        return a < b ? -1 : (a > b ? 1 : 0)
    }

    /// For each line along the middle axis of [outer, n, inner], the positions that sort it
    /// (ascending, or descending), ties ordered by `ties`. Writes int64 positions into `indices`
    /// (contiguous, the input's shape).
    static func sortPermutation(_ x: Tensor, outer: Int, n: Int, inner: Int, descending: Bool, ties: TieOrder, into indices: Tensor) {
        if outer * n * inner == 0 { return }
        let x = x.dense
        let ip = indices.ptr(Int64.self)
        func run<T: Comparable>(_ p: UnsafePointer<T>, _ isNaN: (T) -> Bool) {
            var line = [T](), perm = [Int](repeating: 0, count: n)
            line.reserveCapacity(n)
            for o in 0..<outer {
                for j in 0..<inner {
                    let base = o * n * inner + j
                    line.removeAll(keepingCapacity: true)
                    for k in 0..<n { line.append(p[base + k * inner]); perm[k] = k }
                    line.withUnsafeBufferPointer { v in
                        perm.sort { a, b in
                            let c = order(v[a], v[b], isNaN)
                            if c != 0 { return descending ? c > 0 : c < 0 }
                            return ties == .first ? a < b : a > b
                        }
                    }
                    for k in 0..<n { ip[base + k * inner] = Int64(perm[k]) }
                }
            }
        }
        switch x.dtype {
        case .float32: run(x.ptr(Float.self)) { $0.isNaN }
        case .float64: run(x.ptr(Double.self)) { $0.isNaN }
        case .int64: run(x.ptr(Int64.self)) { _ in false }
        default:
            // The compute type keeps order and NaN (float16/bfloat16 -> float32, bool/ints -> int64).
            sortPermutation(convert(x, to: x.dtype.computeType), outer: outer, n: n, inner: inner,
                            descending: descending, ties: ties, into: indices)
        }
    }

    /// For each line, the index of its most frequent value (the smallest such value on a tie in
    /// count; NaNs count as one value, after every number), the last index holding it, as PyTorch's
    /// `mode`. `perm` is the line's stable ascending permutation (`sortPermutation`).
    static func modeIndices(_ x: Tensor, perm: Tensor, outer: Int, n: Int, inner: Int, into out: Tensor) {
        if outer * n * inner == 0 { return }
        let x = x.dense
        let pp = perm.ptr(Int64.self), op = out.ptr(Int64.self)
        func run<T: Comparable>(_ p: UnsafePointer<T>, _ isNaN: (T) -> Bool) {
            for o in 0..<outer {
                for j in 0..<inner {
                    let base = o * n * inner + j
                    func at(_ k: Int) -> Int { Int(pp[base + k * inner]) }
                    var best = at(n - 1), bestCount = 0
                    var start = 0
                    while start < n {
                        var end = start + 1
                        while end < n && order(p[base + at(end) * inner], p[base + at(start) * inner], isNaN) == 0 { end += 1 }
                        // Ascending runs: a later run wins only with a strictly larger count.
                        if end - start > bestCount { bestCount = end - start; best = at(end - 1) }
                        start = end
                    }
                    op[o * inner + j] = Int64(best)
                }
            }
        }
        switch x.dtype {
        case .float32: run(x.ptr(Float.self)) { $0.isNaN }
        case .float64: run(x.ptr(Double.self)) { $0.isNaN }
        case .int64: run(x.ptr(Int64.self)) { _ in false }
        default: modeIndices(convert(x, to: x.dtype.computeType), perm: perm, outer: outer, n: n, inner: inner, into: out)
        }
    }

    /// Running max (or min) positions along each line, as PyTorch's `cummax`/`cummin`: a later equal
    /// value takes over (`>=`), a NaN takes over and stays until the next NaN.
    static func cumulativeExtremumIndices(_ x: Tensor, outer: Int, n: Int, inner: Int, isMax: Bool, into indices: Tensor) {
        if outer * n * inner == 0 { return }
        let x = x.dense
        let ip = indices.ptr(Int64.self)
        func run<T: Comparable>(_ p: UnsafePointer<T>, _ isNaN: (T) -> Bool) {
            for o in 0..<outer {
                for j in 0..<inner {
                    let base = o * n * inner + j
                    var best = p[base], bi = 0
                    ip[base] = 0
                    for k in 1..<Swift.max(n, 1) {
                        let v = p[base + k * inner]
                        if isNaN(v) || (!isNaN(best) && (isMax ? v >= best : v <= best)) { best = v; bi = k }
                        ip[base + k * inner] = Int64(bi)
                    }
                }
            }
        }
        switch x.dtype {
        case .float32: run(x.ptr(Float.self)) { $0.isNaN }
        case .float64: run(x.ptr(Double.self)) { $0.isNaN }
        case .int64: run(x.ptr(Int64.self)) { _ in false }
        default: cumulativeExtremumIndices(convert(x, to: x.dtype.computeType), outer: outer, n: n, inner: inner, isMax: isMax, into: indices)
        }
    }

    /// log(Σ_{k≤i} exp(x_k)) along each line, by a running log-add-exp (never overflows).
    static func logcumsumexp(_ x: Tensor, outer: Int, n: Int, inner: Int, into out: Tensor) {
        if outer * n * inner == 0 { return }
        let x = x.dense
        func run<T: FloatElement>(_ p: UnsafePointer<T>, _ q: UnsafeMutablePointer<T>) {
            for o in 0..<outer {
                for j in 0..<inner {
                    let base = o * n * inner + j
                    var r = p[base]
                    q[base] = r
                    for k in 1..<Swift.max(n, 1) {
                        let v = p[base + k * inner]
                        r = logAddExp(r, v)
                        q[base + k * inner] = r
                    }
                }
            }
        }
        switch x.dtype {
        case .float32: run(x.ptr(Float.self), out.ptr(Float.self))
        case .float64: run(x.ptr(Double.self), out.ptr(Double.self))
        default: checkFailure("logcumsumexp: no kernel for \(x.dtype) (shape \(x.shape))")
        }
    }

    /// log(e^a + e^b) = max + log1p(e^-(|a-b|)); -inf with anything is the other, +inf wins, NaN spreads.
    @inline(__always)
    static func logAddExp<T: FloatElement>(_ a: T, _ b: T) -> T {
        if a.isNaN || b.isNaN { return T.nan }
        let hi = Swift.max(a, b), lo = Swift.min(a, b)
        if lo == -T.infinity || hi == T.infinity { return hi }
        return hi + T.log1p(T.exp(lo - hi))
    }

    /// For each value, the number of entries of its sorted line in `boundaries` that are below it
    /// (`right: false`, PyTorch's side="left") or not above it (`right: true`), by PyTorch's binary
    /// search (a comparison with NaN is false, so NaN values and NaN boundaries go to the end). `boundaries` is
    /// [lines, m] and `values` [lines, k] (lines = 1 for one shared boundary vector), both in one dtype.
    static func searchSorted(_ boundaries: Tensor, _ values: Tensor, lines: Int, m: Int, k: Int, right: Bool, into out: Tensor) {
        let b = boundaries.dense, v = values.dense
        let op = out.ptr(Int64.self)
        func run<T: Comparable>(_ bp: UnsafePointer<T>, _ vp: UnsafePointer<T>) {
            for l in 0..<lines {
                let row = bp + l * m
                for i in 0..<k {
                    let x = vp[l * k + i]
                    var lo = 0, hi = m
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        // PyTorch's tests, false for NaN on either side (so a NaN goes to the end).
                        if right ? !(row[mid] > x) : !(row[mid] >= x) { lo = mid + 1 } else { hi = mid }
                    }
                    op[l * k + i] = Int64(lo)
                }
            }
        }
        switch b.dtype {
        case .float32: run(b.ptr(Float.self), v.ptr(Float.self))
        case .float64: run(b.ptr(Double.self), v.ptr(Double.self))
        case .int64: run(b.ptr(Int64.self), v.ptr(Int64.self))
        default:
            let t = b.dtype.computeType
            searchSorted(convert(b, to: t), convert(v, to: t), lines: lines, m: m, k: k, right: right, into: out)
        }
    }

    /// For rows of a [rows, width] tensor, whether each row equals the one before it (row 0: false).
    /// NaN equals nothing (so each NaN is its own value, as PyTorch's unique).
    static func rowEqualsPrevious(_ x: Tensor, rows: Int, width: Int) -> [Bool] {
        var same = [Bool](repeating: false, count: rows)
        if rows <= 1 { return same }
        let x = x.dense
        func run<T: Equatable>(_ p: UnsafePointer<T>) {
            for r in 1..<rows {
                var eq = true
                for c in 0..<width where p[r * width + c] != p[(r - 1) * width + c] { eq = false; break }
                same[r] = eq
            }
        }
        switch x.dtype {
        case .float32: run(x.ptr(Float.self))
        case .float64: run(x.ptr(Double.self))
        case .int64: run(x.ptr(Int64.self))
        default: return rowEqualsPrevious(convert(x, to: x.dtype.computeType), rows: rows, width: width)
        }
        return same
    }

    /// The permutation that sorts the rows of a [rows, width] tensor lexicographically (stable;
    /// NaN after every number).
    static func sortRowsPermutation(_ x: Tensor, rows: Int, width: Int) -> [Int] {
        var perm = Array(0..<rows)
        if rows <= 1 { return perm }
        let x = x.dense
        func run<T: Comparable>(_ p: UnsafePointer<T>, _ isNaN: (T) -> Bool) {
            perm.sort { a, b in
                for c in 0..<width {
                    let o = order(p[a * width + c], p[b * width + c], isNaN)
                    if o != 0 { return o < 0 }
                }
                return a < b
            }
        }
        switch x.dtype {
        case .float32: run(x.ptr(Float.self)) { $0.isNaN }
        case .float64: run(x.ptr(Double.self)) { $0.isNaN }
        case .int64: run(x.ptr(Int64.self)) { _ in false }
        default: return sortRowsPermutation(convert(x, to: x.dtype.computeType), rows: rows, width: width)
        }
        return perm
    }

    /// PyTorch's histc: `bins` equal bins over [lo, hi] (the last one closed); values outside or NaN
    /// are not counted. Counts are written (as doubles) into `counts`.
    static func histogramCounts(_ x: Tensor, bins: Int, lo: Double, hi: Double) -> [Double] {
        var counts = [Double](repeating: 0, count: bins)
        let x = x.dense
        func run<T: BinaryFloatingPoint>(_ p: UnsafePointer<T>) {
            // In the input's precision, as PyTorch computes the bin of each value.
            let l = T(lo), h = T(hi), nb = T(bins)
            for i in 0..<x.count {
                let v = p[i]
                guard v >= l && v <= h else { continue }
                var b = Int((v - l) * nb / (h - l))
                if b == bins { b -= 1 }
                counts[b] += 1
            }
        }
        switch x.dtype {
        case .float32: run(x.ptr(Float.self))
        case .float64: run(x.ptr(Double.self))
        default: return histogramCounts(convert(x, to: .float32), bins: bins, lo: lo, hi: hi)
        }
        return counts
    }
}
