/// Row-major strides of a contiguous tensor of `shape`.
@inline(__always)
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        s[i] = acc
        acc *= shape[i]
    }
    return s
}

/// The broadcast shape of `a` and `b` (NumPy/PyTorch rules), or a stop naming the op and both shapes.
func broadcastShape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
    if a == b { return a }
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let da = i < n - a.count ? 1 : a[i - (n - a.count)]
        let db = i < n - b.count ? 1 : b[i - (n - b.count)]
        if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
            fatalError("\(op): shapes \(a) and \(b) cannot be broadcast together (axis \(i - n) has sizes \(da) and \(db))")
        }
    }
    return out
}

/// The broadcast shape of `a` and `b`, or nil when they do not broadcast (callers word the error).
func broadcastShapeIfPossible(_ a: [Int], _ b: [Int]) -> [Int]? {
    if a == b { return a }
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let da = i < n - a.count ? 1 : a[i - (n - a.count)]
        let db = i < n - b.count ? 1 : b[i - (n - b.count)]
        if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
    }
    return out
}

/// Strides for reading a contiguous tensor of `shape` as if broadcast to `outShape` (0 on broadcast axes).
func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int] {
    let own = contiguousStrides(shape)
    let lead = outShape.count - shape.count
    var s = [Int](repeating: 0, count: outShape.count)
    for i in 0..<shape.count where shape[i] != 1 { s[i + lead] = own[i] }
    return s
}

/// Strides for reading tensor `t` (any layout) as if broadcast to `outShape` (0 on broadcast axes).
func broadcastStrides(of t: Tensor, to outShape: [Int]) -> [Int] {
    if t.isContiguous { return broadcastStrides(t.shape, to: outShape) }
    let own = t.strides
    let lead = outShape.count - t.rank
    var s = [Int](repeating: 0, count: outShape.count)
    for i in 0..<t.rank where t.shape[i] != 1 { s[i + lead] = own[i] }
    return s
}

/// An iteration space with up to three operands' strides, with adjacent axes merged whenever every
/// operand walks them contiguously. Most elementwise work collapses to one or two axes.
struct StridedPlan {
    var shape: [Int]
    var strides: [[Int]]   // strides[operand][axis]

    init(shape: [Int], strides: [[Int]]) {
        // Drop size-1 axes, then merge axis i into i+1 where stride[i] == stride[i+1] * shape[i+1].
        var sh: [Int] = []
        var st: [[Int]] = Array(repeating: [], count: strides.count)
        for (i, d) in shape.enumerated() where d != 1 {
            sh.append(d)
            for k in 0..<strides.count { st[k].append(strides[k][i]) }
        }
        var j = sh.count - 2
        while j >= 0 {
            var mergeable = true
            for k in 0..<st.count where st[k][j] != st[k][j + 1] * sh[j + 1] { mergeable = false; break }
            if mergeable {
                sh[j] *= sh[j + 1]
                sh.remove(at: j + 1)
                for k in 0..<st.count { st[k][j] = st[k][j + 1]; st[k].remove(at: j + 1) }
            }
            j -= 1
        }
        if sh.isEmpty { sh = [1]; for k in 0..<st.count { st[k] = [0] } }
        self.shape = sh
        self.strides = st
    }

    var rank: Int { shape.count }
    var inner: Int { shape[shape.count - 1] }
    var rows: Int { shape.dropLast().reduce(1, *) }

    /// Calls `body(offsets, innerCount)` once per row (all axes but the last) in `rowLo..<rowHi`,
    /// with each operand's element offset at the row's start.
    @inline(__always)
    func forEachRow(_ rowLo: Int, _ rowHi: Int, _ body: (UnsafeBufferPointer<Int>) -> Void) {
        let nOps = strides.count
        let outerRank = shape.count - 1
        withUnsafeTemporaryAllocation(of: Int.self, capacity: nOps + outerRank) { buf in
            let offs = buf.baseAddress!
            let idx = offs + nOps
            // Decompose rowLo into a multi-index once; then step like an odometer.
            var r = rowLo
            for a in stride(from: outerRank - 1, through: 0, by: -1) {
                idx[a] = r % shape[a]; r /= shape[a]
            }
            for k in 0..<nOps {
                var o = 0
                for a in 0..<outerRank { o += idx[a] * strides[k][a] }
                offs[k] = o
            }
            let view = UnsafeBufferPointer(start: offs, count: nOps)
            var row = rowLo
            while row < rowHi {
                body(view)
                row += 1
                var a = outerRank - 1
                while a >= 0 {
                    idx[a] += 1
                    for k in 0..<nOps { offs[k] += strides[k][a] }
                    if idx[a] < shape[a] { break }
                    for k in 0..<nOps { offs[k] -= strides[k][a] * shape[a] }
                    idx[a] = 0
                    a -= 1
                }
            }
        }
    }
}

/// How out = f(a, b) walks its operands: flat (each operand full size or a single element, so no
/// index arithmetic and no allocation), or a general broadcasting plan.
struct ElementwiseLayout {
    let n: Int
    let strideA: Int
    let strideB: Int
    let plan: StridedPlan?

    @inline(__always)
    init(_ a: Tensor, _ b: Tensor, _ out: Tensor) {
        n = out.count
        if !(a.isContiguous && b.isContiguous && out.isContiguous) {
            // Views: each operand walks its own strides.
            strideA = 0; strideB = 0
            plan = StridedPlan(shape: out.shape, strides: [broadcastStrides(of: a, to: out.shape),
                                                           broadcastStrides(of: b, to: out.shape),
                                                           out.strides])
        } else if (a.count == n || a.count == 1) && (b.count == n || b.count == 1) {
            strideA = a.count == n ? 1 : 0
            strideB = b.count == n ? 1 : 0
            plan = nil
        } else {
            strideA = 0; strideB = 0
            plan = StridedPlan(shape: out.shape, strides: [broadcastStrides(a.shape, to: out.shape),
                                                           broadcastStrides(b.shape, to: out.shape),
                                                           contiguousStrides(out.shape)])
        }
    }
}

/// dst[dstOffset + Σ i·dstStrides] = src[srcOffset + Σ i·srcStrides] over `shape`: permute, slice,
/// expand, pad and their backward passes are all this one gather/scatter.
func stridedCopy<T>(_ src: UnsafePointer<T>, _ srcOffset: Int, _ srcStrides: [Int],
                    _ dst: UnsafeMutablePointer<T>, _ dstOffset: Int, _ dstStrides: [Int],
                    _ shape: [Int], accumulate: Bool = false) where T: AdditiveArithmetic {
    if shape.contains(0) { return }
    let plan = StridedPlan(shape: shape, strides: [srcStrides, dstStrides])
    let inner = plan.inner
    let ss = plan.strides[0][plan.rank - 1]
    let ds = plan.strides[1][plan.rank - 1]
    let s = SendablePointer(src + srcOffset)
    let d = SendablePointer(dst + dstOffset)
    // Accumulating scatters may hit one destination from several rows: keep them on one thread.
    let threshold = accumulate ? Int.max : max(1, parallelThreshold / inner)
    parallelRanges(plan.rows, threshold: threshold) { rlo, rhi in
        plan.forEachRow(rlo, rhi) { off in
            let sp = s.p + off[0], dp = d.p + off[1]
            if accumulate {
                for i in 0..<inner { dp[i * ds] += sp[i * ss] }
            } else if ss == 1 && ds == 1 {
                dp.update(from: sp, count: inner)
            } else {
                for i in 0..<inner { dp[i * ds] = sp[i * ss] }
            }
        }
    }
}
