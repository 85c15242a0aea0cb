// Batch normalisation's kernels (the `batch_norm` op, Ops/BatchNorm.swift): per-channel statistics,
// the normalisation with its affine map in one pass, and the backward in two passes. The input is
// contiguous [n, c, inner] (inner = the product of the spatial axes, 1 for [n, c]); each channel is
// n runs of `inner` elements, `inner · c` apart. Channels go over the pool; each channel's sums run
// in a fixed order, so no result depends on the thread count.

extension Kernels {
    /// Σ (p[i] − mean)² over a run, eight lanes summed as `laneSum` sums.
    @inline(__always)
    static func laneSumOfSquaredDeviations<T: FloatElement & AccumulatingElement>(_ p: UnsafePointer<T>, _ n: Int, _ mean: T) -> T {
        var a0: T = 0, a1: T = 0, a2: T = 0, a3: T = 0, a4: T = 0, a5: T = 0, a6: T = 0, a7: T = 0
        var i = 0
        while i + 8 <= n {
            let d0 = p[i] - mean, d1 = p[i + 1] - mean, d2 = p[i + 2] - mean, d3 = p[i + 3] - mean
            let d4 = p[i + 4] - mean, d5 = p[i + 5] - mean, d6 = p[i + 6] - mean, d7 = p[i + 7] - mean
            a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3
            a4 += d4 * d4; a5 += d5 * d5; a6 += d6 * d6; a7 += d7 * d7
            i += 8
        }
        var tail: T = 0
        while i < n { let d = p[i] - mean; tail += d * d; i += 1 }
        return (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))) + tail
    }

    /// (Σ g, Σ g·(x − mean)) over a run, eight lanes each.
    @inline(__always)
    static func laneSumsOfGradient<T: FloatElement & AccumulatingElement>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, _ n: Int,
                                                                          _ mean: T) -> (T, T) {
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, t0: T = 0, t1: T = 0, t2: T = 0, t3: T = 0
        var i = 0
        while i + 4 <= n {
            s0 += g[i]; s1 += g[i + 1]; s2 += g[i + 2]; s3 += g[i + 3]
            t0 += g[i] * (x[i] - mean); t1 += g[i + 1] * (x[i + 1] - mean)
            t2 += g[i + 2] * (x[i + 2] - mean); t3 += g[i + 3] * (x[i + 3] - mean)
            i += 4
        }
        var st: T = 0, tt: T = 0
        while i < n { st += g[i]; tt += g[i] * (x[i] - mean); i += 1 }
        return (((s0 + s1) + (s2 + s3)) + st, ((t0 + t1) + (t2 + t3)) + tt)
    }

    /// One channel's backward from its sums sg = Σ g and sgx = Σ g·(x − mean) over `count` values:
    /// dweight = sgx·rstd, and dx = k1·g + k2·(x − mean) + k3 (k2 = k3 = 0 with fixed statistics).
    @inline(__always)
    static func batchNormChannelGradient<T: FloatElement>(sg: T, sgx: T, rstd r: T, weight: T, count: T, batchStatistics: Bool)
        -> (dweight: T, k1: T, k2: T, k3: T) {
        let k1 = weight * r
        return (sgx * r, k1, batchStatistics ? -k1 * r * (sgx * r / count) : 0, batchStatistics ? -k1 * (sg / count) : 0)
    }

    /// Channels per parallel range: a channel is n·inner elements.
    static func batchNormThreshold(n: Int, inner: Int) -> Int { Swift.max(1, parallelThreshold / Swift.max(n * inner, 1)) }

    /// The batch statistics of x [n, c, inner]: mean[ch] and the biased variance var[ch] (two passes:
    /// the mean, then the squared deviations from it, as `x - mean` then `square().mean()` do).
    static func batchNormStatistics<T: FloatElement & AccumulatingElement>(_ x: UnsafePointer<T>, n: Int, c: Int, inner: Int,
                                                                           mean: UnsafeMutablePointer<T>, variance: UnsafeMutablePointer<T>) {
        let X = SendablePointer(x), M = SendablePointer(mean), V = SendablePointer(variance)
        let count = T(n * inner)
        parallelRanges(c, threshold: batchNormThreshold(n: n, inner: inner)) { lo, hi in
            if inner == 1 {
                // [n, c]: a channel is a column; sum a block of columns row by row (contiguous reads).
                let m = M.p + lo, v = V.p + lo, width = hi - lo
                m.update(repeating: 0, count: width); v.update(repeating: 0, count: width)
                for s0 in 0..<n { let row = UnsafePointer(X.p) + s0 * c + lo; for j in 0..<width { m[j] += row[j] } }
                for j in 0..<width { m[j] = m[j] / count }
                for s0 in 0..<n {
                    let row = UnsafePointer(X.p) + s0 * c + lo
                    for j in 0..<width { let d = row[j] - m[j]; v[j] += d * d }
                }
                for j in 0..<width { v[j] = v[j] / count }
                return
            }
            for ch in lo..<hi {
                var s: T = 0
                for s0 in 0..<n { s += laneSum(UnsafePointer(X.p) + (s0 * c + ch) * inner, inner) }
                let m = s / count
                var q: T = 0
                for s0 in 0..<n { q += laneSumOfSquaredDeviations(UnsafePointer(X.p) + (s0 * c + ch) * inner, inner, m) }
                M.p[ch] = m; V.p[ch] = q / count
            }
        }
    }

    /// y = (x − mean[ch])·scale[ch] + shift[ch] (shift nil: no addition) over x [n, c, inner].
    static func batchNormApply<T: FloatElement>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, n: Int, c: Int, inner: Int,
                                                mean: UnsafePointer<T>, scale: UnsafePointer<T>, shift: UnsafePointer<T>?) {
        let X = SendablePointer(x), Y = SendablePointer(y), M = SendablePointer(mean), S = SendablePointer(scale)
        let B = shift.map { SendablePointer($0) }
        if inner == 1 {
            // [n, c]: row by row, the per-channel factors along each row.
            parallelRanges(n, threshold: Swift.max(1, parallelThreshold / Swift.max(c, 1))) { lo, hi in
                for s0 in lo..<hi {
                    let xr = UnsafePointer(X.p) + s0 * c, yr = Y.p + s0 * c
                    if let B {
                        for j in 0..<c { yr[j] = (xr[j] - M.p[j]) * S.p[j] + B.p[j] }
                    } else {
                        for j in 0..<c { yr[j] = (xr[j] - M.p[j]) * S.p[j] }
                    }
                }
            }
            return
        }
        parallelRanges(c, threshold: batchNormThreshold(n: n, inner: inner)) { lo, hi in
            for ch in lo..<hi {
                let m = M.p[ch], k = S.p[ch]
                for s0 in 0..<n {
                    let xr = UnsafePointer(X.p) + (s0 * c + ch) * inner, yr = Y.p + (s0 * c + ch) * inner
                    if let B {
                        let b = B.p[ch]
                        for i in 0..<inner { yr[i] = (xr[i] - m) * k + b }
                    } else {
                        for i in 0..<inner { yr[i] = (xr[i] - m) * k }
                    }
                }
            }
        }
    }

    /// Batch norm's gradients for the upstream g, both [n, c, inner], with the forward's mean and
    /// rstd per channel and x̂ = (x − mean)·rstd: dbias = Σ g, dweight = Σ g·x̂, and (w = weight or 1,
    /// M = n·inner)
    ///   with batch statistics:   dx = w·rstd·(g − Σg/M − x̂·Σ(g·x̂)/M)
    ///   with fixed statistics:   dx = w·rstd·g.
    /// Each output is written when its pointer is given.
    static func batchNormBackward<T: FloatElement & AccumulatingElement>(
        g: UnsafePointer<T>, x: UnsafePointer<T>, n: Int, c: Int, inner: Int, mean: UnsafePointer<T>, rstd: UnsafePointer<T>,
        weight: UnsafePointer<T>?, batchStatistics: Bool,
        dx: UnsafeMutablePointer<T>?, dweight: UnsafeMutablePointer<T>?, dbias: UnsafeMutablePointer<T>?) {
        let G = SendablePointer(g), X = SendablePointer(x), M = SendablePointer(mean), R = SendablePointer(rstd)
        let W = weight.map { SendablePointer($0) }, DX = dx.map { SendablePointer($0) }
        let DW = dweight.map { SendablePointer($0) }, DB = dbias.map { SendablePointer($0) }
        if inner == 1 {
            batchNormBackwardColumns(G, X, n: n, c: c, M, R, W, batchStatistics: batchStatistics, DX, DW, DB)
            return
        }
        let count = T(Swift.max(n * inner, 1))
        parallelRanges(c, threshold: batchNormThreshold(n: n, inner: inner)) { lo, hi in
            for ch in lo..<hi {
                let m = M.p[ch], r = R.p[ch]
                var sg: T = 0, sgx: T = 0
                if batchStatistics || DW != nil || DB != nil {
                    for s0 in 0..<n {
                        let o = (s0 * c + ch) * inner
                        let (a, b) = laneSumsOfGradient(UnsafePointer(G.p) + o, UnsafePointer(X.p) + o, inner, m)
                        sg += a; sgx += b
                    }
                }
                let (dweight, k1, k2, k3) = batchNormChannelGradient(sg: sg, sgx: sgx, rstd: r, weight: W?.p[ch] ?? 1,
                                                                     count: count, batchStatistics: batchStatistics)
                DB?.p[ch] = sg
                DW?.p[ch] = dweight
                guard let DX else { continue }
                for s0 in 0..<n {
                    let o = (s0 * c + ch) * inner
                    let gr = UnsafePointer(G.p) + o, xr = UnsafePointer(X.p) + o, dr = DX.p + o
                    if batchStatistics {
                        for i in 0..<inner { dr[i] = k1 * gr[i] + k2 * (xr[i] - m) + k3 }
                    } else {
                        for i in 0..<inner { dr[i] = k1 * gr[i] }
                    }
                }
            }
        }
    }

    /// `batchNormBackward` for x [n, c] (inner = 1): a channel is a column, so the sums run over
    /// blocks of columns row by row and dx row by row (contiguous reads either way); the same
    /// formulas, the k1·g + k2·(x − mean) + k3 form of dx.
    private static func batchNormBackwardColumns<T: FloatElement & AccumulatingElement>(
        _ G: SendablePointer<T>, _ X: SendablePointer<T>, n: Int, c: Int, _ M: SendablePointer<T>, _ R: SendablePointer<T>,
        _ W: SendablePointer<T>?, batchStatistics: Bool, _ DX: SendablePointer<T>?, _ DW: SendablePointer<T>?, _ DB: SendablePointer<T>?) {
        let count = T(Swift.max(n, 1))
        // Per channel: sg = Σ g, sgx = Σ g·(x − mean), then the three dx factors (F's five rows).
        let factors = UnsafeMutablePointer<T>.allocate(capacity: 5 * Swift.max(c, 1))
        defer { factors.deallocate() }
        let F = SendablePointer(factors)
        parallelRanges(c, threshold: batchNormThreshold(n: n, inner: 1)) { lo, hi in
            let sg = F.p + lo, sgx = F.p + c + lo, width = hi - lo
            sg.update(repeating: 0, count: width); sgx.update(repeating: 0, count: width)
            for s0 in 0..<n {
                let gr = UnsafePointer(G.p) + s0 * c + lo, xr = UnsafePointer(X.p) + s0 * c + lo
                for j in 0..<width { sg[j] += gr[j]; sgx[j] += gr[j] * (xr[j] - M.p[lo + j]) }
            }
            for ch in lo..<hi {
                let f = batchNormChannelGradient(sg: F.p[ch], sgx: F.p[c + ch], rstd: R.p[ch], weight: W?.p[ch] ?? 1,
                                                 count: count, batchStatistics: batchStatistics)
                DB?.p[ch] = F.p[ch]
                DW?.p[ch] = f.dweight
                F.p[2 * c + ch] = f.k1; F.p[3 * c + ch] = f.k2; F.p[4 * c + ch] = f.k3
            }
        }
        guard let DX else { return }
        parallelRanges(n, threshold: Swift.max(1, parallelThreshold / Swift.max(c, 1))) { lo, hi in
            let k1 = UnsafePointer(F.p) + 2 * c, k2 = k1 + c, k3 = k2 + c
            for s0 in lo..<hi {
                let gr = UnsafePointer(G.p) + s0 * c, xr = UnsafePointer(X.p) + s0 * c, dr = DX.p + s0 * c
                if batchStatistics {
                    for j in 0..<c { dr[j] = k1[j] * gr[j] + k2[j] * (xr[j] - M.p[j]) + k3[j] }
                } else {
                    for j in 0..<c { dr[j] = k1[j] * gr[j] }
                }
            }
        }
    }
}
