/// Reduction kernels. Float sums are accumulated in fixed-size blocks whose partial sums are added
/// in a fixed order, so results never depend on the thread count.
extension Kernels {
    static let sumBlock = 4096

    /// Sum of `n` contiguous elements: four-lane block sums combined in Double.
    @inline(__always)
    static func blockSum<T: FloatElement>(_ p: UnsafePointer<T>, _ n: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < n {
            let end = Swift.min(n, start + sumBlock)
            var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0
            var i = start
            while i + 4 <= end { s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3]; i += 4 }
            while i < end { s0 += p[i]; i += 1 }
            total += Double((s0 + s1) + (s2 + s3))
            start = end
        }
        return total
    }

    /// Sum of all elements (float dtypes), parallel over fixed blocks.
    static func sumAll<T: FloatElement>(_ p: UnsafePointer<T>, _ n: Int) -> T {
        let blocks = (n + sumBlock - 1) / sumBlock
        if blocks <= 8 { return T(blockSum(p, n)) }
        var partial = [Double](repeating: 0, count: blocks)
        let P = SendablePointer(p)
        partial.withUnsafeMutableBufferPointer { buf in
            let out = SendablePointer(buf.baseAddress!)
            parallelRanges(blocks, threshold: 16) { lo, hi in
                for b in lo..<hi {
                    let s = b * sumBlock
                    out.p[b] = blockSum(P.p + s, Swift.min(sumBlock, n - s))
                }
            }
        }
        return T(partial.reduce(0, +))
    }

    /// Sums `x` over the axes where `reduce[axis]` is true, into `out` laid out with those axes kept as 1.
    /// `x` may be a view: it is read in place through its strides (no contiguous copy first).
    static func sumAxes(_ x: Tensor, reduce: [Bool], into out: Tensor) {
        switch x.dtype {
        case .float32: sumAxesTyped(x.stridedPtr(Float.self), x.shape, x.strides, reduce, out.ptr(Float.self))
        case .float64: sumAxesTyped(x.stridedPtr(Double.self), x.shape, x.strides, reduce, out.ptr(Double.self))
        case .int64: sumAxesTyped(x.stridedPtr(Int64.self), x.shape, x.strides, reduce, out.ptr(Int64.self))
        default:
            let x = x.dense
            // Reduced precision accumulates in float32 (small ints in int64) and rounds once.
            let t = x.dtype.computeType
            _ = computed(in: t, [x], result: out.dtype, into: out) { xs in
                let acc = Tensor(uninitializedShape: out.shape, dtype: t)
                sumAxes(xs[0], reduce: reduce, into: acc)
                return acc
            }
        }
    }

    static func sumAxesTyped<T: AccumulatingElement>(_ x: UnsafePointer<T>, _ shape: [Int], _ strides: [Int],
                                                     _ reduce: [Bool], _ out: UnsafeMutablePointer<T>) {
        let outShape = zip(shape, reduce).map { $1 ? 1 : $0 }
        let outCount = outShape.reduce(1, *)
        out.update(repeating: 0, count: outCount)
        if shape.contains(0) { return }
        var os = contiguousStrides(outShape)
        for i in 0..<shape.count where reduce[i] { os[i] = 0 }
        let plan = StridedPlan(shape: shape, strides: [strides, os])
        let inner = plan.inner
        let xs = plan.strides[0][plan.rank - 1], ostr = plan.strides[1][plan.rank - 1]
        let X = SendablePointer(x), O = SendablePointer(out)
        // Rows that write distinct outputs can run in parallel only if no outer axis is reduced.
        let outerReduced = (0..<(plan.rank - 1)).contains { plan.strides[1][$0] == 0 }
        let threshold = outerReduced ? Int.max : Swift.max(1, parallelThreshold / inner)
        parallelRanges(plan.rows, threshold: threshold) { rlo, rhi in
            plan.forEachRow(rlo, rhi) { off in
                let xp = X.p + off[0], op = O.p + off[1]
                if ostr == 0 {
                    var s: T = 0
                    if xs == 1 { s = laneSum(xp, inner) } else { for i in 0..<inner { s = T.sum(s, xp[i * xs]) } }
                    op[0] = T.sum(op[0], s)
                } else if xs == 1 && ostr == 1 {
                    for i in 0..<inner { op[i] = T.sum(op[i], xp[i]) }
                } else {
                    for i in 0..<inner { op[i * ostr] = T.sum(op[i * ostr], xp[i * xs]) }
                }
            }
        }
    }

    /// Sum of `n` contiguous elements with eight independent accumulators, so the adds pipeline
    /// and vectorise instead of forming one dependent chain.
    @inline(__always)
    static func laneSum<T: AccumulatingElement>(_ p: UnsafePointer<T>, _ n: Int) -> T {
        var a0: T = 0, a1: T = 0, a2: T = 0, a3: T = 0, a4: T = 0, a5: T = 0, a6: T = 0, a7: T = 0
        var i = 0
        while i + 8 <= n {
            a0 = T.sum(a0, p[i]); a1 = T.sum(a1, p[i + 1]); a2 = T.sum(a2, p[i + 2]); a3 = T.sum(a3, p[i + 3])
            a4 = T.sum(a4, p[i + 4]); a5 = T.sum(a5, p[i + 5]); a6 = T.sum(a6, p[i + 6]); a7 = T.sum(a7, p[i + 7])
            i += 8
        }
        var tail: T = 0
        while i < n { tail = T.sum(tail, p[i]); i += 1 }
        return T.sum(T.sum(T.sum(T.sum(a0, a1), T.sum(a2, a3)), T.sum(T.sum(a4, a5), T.sum(a6, a7))), tail)
    }

    /// Max or min along `axis` of a tensor viewed as [outer, n, inner]; returns values and int64
    /// indices. NaN wins (as PyTorch); ties keep the first index. A view is read in place through
    /// its strides (`AxisRows`), with the same comparisons in the same order as a contiguous input.
    static func extremum(_ x: Tensor, axis: Int, outer: Int, n: Int, inner: Int, isMax: Bool, values: Tensor?, indices: Tensor) {
        func run<T: Comparable>(_ p: UnsafePointer<T>, _ v: UnsafeMutablePointer<T>?, _ isNaN: (T) -> Bool) {
            let ip = indices.ptr(Int64.self)
            let rows = AxisRows(x, axis: axis, outer: outer, n: n, inner: inner)
            let step = rows.step
            for r in 0..<(outer * inner) {
                let base = rows.start(r)
                var best = p[base], bi = 0
                if !isNaN(best) {
                    for k in 1..<Swift.max(n, 1) {
                        let val = p[base + k * step]
                        if isNaN(val) { best = val; bi = k; break }
                        if isMax ? val > best : val < best { best = val; bi = k }
                    }
                }
                v?[r] = best
                ip[r] = Int64(bi)
            }
        }
        switch x.dtype {
        case .float32: run(x.stridedPtr(Float.self), values?.ptr(Float.self)) { $0.isNaN }
        case .float64: run(x.stridedPtr(Double.self), values?.ptr(Double.self)) { $0.isNaN }
        case .int64: run(x.stridedPtr(Int64.self), values?.ptr(Int64.self)) { _ in false }
        default:
            // Conversion to the compute type keeps order and NaN, so the winners are the same.
            let t = x.dtype.computeType, wide = convert(x.dense, to: t)
            let v = values.map { Tensor(uninitializedShape: $0.shape, dtype: t) }
            extremum(wide, axis: axis, outer: outer, n: n, inner: inner, isMax: isMax, values: v, indices: indices)
            if let v, let values { convert(v, into: values) }
        }
    }

    /// Inclusive scan (cumulative sum or product) along the middle axis of [outer, n, inner].
    static func scan(_ x: Tensor, outer: Int, n: Int, inner: Int, product: Bool, into out: Tensor) {
        if n == 0 { return }   // an empty axis: nothing to write (the first row would be out of bounds)
        let x = x.dense
        func run<T: AccumulatingElement>(_ p: UnsafePointer<T>, _ q: UnsafeMutablePointer<T>) {
            for o in 0..<outer {
                let base = o * n * inner
                for j in 0..<inner { q[base + j] = p[base + j] }
                for k in 1..<Swift.max(n, 1) {
                    let cur = base + k * inner, prev = cur - inner
                    if product { for j in 0..<inner { q[cur + j] = T.product(q[prev + j], p[cur + j]) } }
                    else { for j in 0..<inner { q[cur + j] = T.sum(q[prev + j], p[cur + j]) } }
                }
            }
        }
        switch x.dtype {
        case .float32: run(x.ptr(Float.self), out.ptr(Float.self))
        case .float64: run(x.ptr(Double.self), out.ptr(Double.self))
        case .int64: run(x.ptr(Int64.self), out.ptr(Int64.self))
        default:
            let t = x.dtype.computeType
            _ = computed(in: t, [x], result: out.dtype, into: out) { xs in
                let acc = Tensor(uninitializedShape: out.shape, dtype: t)
                scan(xs[0], outer: outer, n: n, inner: inner, product: product, into: acc)
                return acc
            }
        }
    }

    /// Whether every element lies in [lo, hi] (NaN does not). The first offender is returned for messages.
    static func firstOutside(_ x: Tensor, _ lo: Double, _ hi: Double) -> Double? {
        let x = x.dense
        func run<T: FloatElement>(_ p: UnsafePointer<T>) -> Double? {
            let l = T(lo), h = T(hi)
            for i in 0..<x.count where !(p[i] >= l && p[i] <= h) { return Double(p[i]) }
            return nil
        }
        switch x.dtype {
        case .float32: return run(x.ptr(Float.self))
        case .float64: return run(x.ptr(Double.self))
        case .int64:
            let p = x.ptr(Int64.self)
            for i in 0..<x.count where !(Double(p[i]) >= lo && Double(p[i]) <= hi) { return Double(p[i]) }
            return nil
        default:
            // Exact in the compute type (float32 holds every float16/bfloat16; int64 every small int).
            return firstOutside(convert(x, to: x.dtype.computeType), lo, hi)
        }
    }
}

/// Addition and multiplication for sums, scans and in-place accumulation: the ordinary operators
/// for floats, and wrapping ones (`&+`, `&*`) for integers, so an int64 sum, cumsum or prod that
/// overflows wraps around as PyTorch's does instead of trapping.
protocol AccumulatingElement: Numeric {
    static func sum(_ a: Self, _ b: Self) -> Self
    static func product(_ a: Self, _ b: Self) -> Self
}

extension Float: AccumulatingElement {
    @inline(__always) static func sum(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func product(_ a: Float, _ b: Float) -> Float { a * b }
}

extension Double: AccumulatingElement {
    @inline(__always) static func sum(_ a: Double, _ b: Double) -> Double { a + b }
    @inline(__always) static func product(_ a: Double, _ b: Double) -> Double { a * b }
}

extension Int64: AccumulatingElement {
    @inline(__always) static func sum(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    @inline(__always) static func product(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
}

/// The rows of a tensor around one axis, viewed as [outer, n, inner] and read in place: row
/// r = o·inner + j starts at element `start(r)` (relative to `stridedPtr`) and steps `step` along
/// the axis. A contiguous tensor takes the plain o·n·inner + j.
struct AxisRows {
    let contiguous: Bool
    let n: Int, inner: Int, step: Int
    let outerShape: [Int], outerStrides: [Int], innerShape: [Int], innerStrides: [Int]

    init(_ x: Tensor, axis: Int, outer: Int, n: Int, inner: Int) {
        self.n = n
        self.inner = inner
        contiguous = x.isContiguous || x.rank == 0
        if contiguous {
            step = inner
            outerShape = []; outerStrides = []; innerShape = []; innerStrides = []
        } else {
            let st = x.strides
            step = st[axis]
            outerShape = Array(x.shape[..<axis]); outerStrides = Array(st[..<axis])
            innerShape = Array(x.shape[(axis + 1)...]); innerStrides = Array(st[(axis + 1)...])
        }
    }

    @inline(__always)
    func start(_ r: Int) -> Int {
        var o = r / inner, j = r - o * inner
        if contiguous { return o * n * inner + j }
        var off = 0
        for a in stride(from: innerShape.count - 1, through: 0, by: -1) {
            let q = j / innerShape[a]
            off += (j - q * innerShape[a]) * innerStrides[a]
            j = q
        }
        for a in stride(from: outerShape.count - 1, through: 0, by: -1) {
            let q = o / outerShape[a]
            off += (o - q * outerShape[a]) * outerStrides[a]
            o = q
        }
        return off
    }
}
