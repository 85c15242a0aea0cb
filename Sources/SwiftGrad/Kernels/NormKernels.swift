/// Row-wise layer normalisation: the forward of `layer_norm` (one pass per row computes its mean
/// and biased variance and writes the normalised, scaled and shifted row) and the kernel of
/// `layer_norm_backward` (dx row by row; dweight and dbias column by column). Both take each row's
/// statistics from `layerNormRowStatistics`, so the backward sees exactly the forward's mean and
/// 1/√(var + eps). The arithmetic of the forward is that of the composed definition, element for
/// element (the same lane sums, `mean = Σ/d`, `(x - mean)·rstd`, then `·weight`, `+ bias`).
extension Kernels {
    /// Mean and 1/√(var + eps) of one row of `d` elements; leaves x - mean in `centered`.
    @inline(__always)
    static func layerNormRowStatistics<T: FloatElement & AccumulatingElement>(_ xr: UnsafePointer<T>, _ centered: UnsafeMutablePointer<T>,
                                                                             d: Int, eps: T) -> (mean: T, rstd: T) {
        let dT = T(d)
        let mean = laneSum(xr, d) / dT
        for i in 0..<d { centered[i] = xr[i] - mean }
        var sq: T = 0, a0: T = 0, a1: T = 0, a2: T = 0, a3: T = 0, a4: T = 0, a5: T = 0, a6: T = 0, a7: T = 0
        var i = 0
        while i + 8 <= d {
            a0 += centered[i] * centered[i]; a1 += centered[i + 1] * centered[i + 1]
            a2 += centered[i + 2] * centered[i + 2]; a3 += centered[i + 3] * centered[i + 3]
            a4 += centered[i + 4] * centered[i + 4]; a5 += centered[i + 5] * centered[i + 5]
            a6 += centered[i + 6] * centered[i + 6]; a7 += centered[i + 7] * centered[i + 7]
            i += 8
        }
        while i < d { sq += centered[i] * centered[i]; i += 1 }
        // The same association as `laneSum` over the squares.
        let total = (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))) + sq
        return (mean, 1 / (total / dT + eps).squareRoot())
    }

    /// y[r, :] = (x[r, :] - mean)·rsqrt(var + eps)·weight + bias for `rows` rows of `d` elements
    /// (contiguous x and y; weight and bias contiguous [d] or nil).
    static func layerNormRows<T: FloatElement & AccumulatingElement>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                                                    rows: Int, d: Int, eps: T,
                                                                    weight: UnsafePointer<T>?, bias: UnsafePointer<T>?) {
        if rows == 0 || d == 0 { return }
        let X = SendablePointer(x), Y = SendablePointer(y)
        let W = weight.map { SendablePointer($0) }, B = bias.map { SendablePointer($0) }
        parallelRanges(rows, threshold: Swift.max(1, parallelThreshold / d)) { lo, hi in
            for r in lo..<hi {
                let xr = UnsafePointer(X.p + r * d), yr = Y.p + r * d
                // y first holds the centred row, then the normalised one.
                let rstd = layerNormRowStatistics(xr, yr, d: d, eps: eps).rstd
                for j in 0..<d { yr[j] = yr[j] * rstd }
                if let W { for j in 0..<d { yr[j] = yr[j] * W.p[j] } }
                if let B { for j in 0..<d { yr[j] = yr[j] + B.p[j] } }
            }
        }
    }

    /// The gradients of layer normalisation for the upstream gradient `g` (all contiguous; x and g
    /// `rows` × `d`, weight [d] or nil). With x̂ = (x - mean)·rstd and a = g·weight (g without a
    /// weight): dx = rstd·(a - ⟨a⟩ - x̂·⟨a·x̂⟩) per row (⟨·⟩ the row mean), dweight = Σ_rows g·x̂,
    /// dbias = Σ_rows g (each computed when its pointer is given; zeros for no rows). dx goes row
    /// by row over the pool; the column sums go column block by column block, each column summed
    /// over the rows in order, so no result depends on the thread count.
    static func layerNormBackwardRows<T: FloatElement & AccumulatingElement>(
        g: UnsafePointer<T>, x: UnsafePointer<T>, weight: UnsafePointer<T>?, dx: UnsafeMutablePointer<T>,
        dweight: UnsafeMutablePointer<T>?, dbias: UnsafeMutablePointer<T>?, rows: Int, d: Int, eps: T) {
        if d == 0 { return }
        for j in 0..<d { dweight?[j] = 0; dbias?[j] = 0 }
        if rows == 0 { return }
        let stats = UnsafeMutablePointer<T>.allocate(capacity: 2 * rows)
        defer { stats.deallocate() }
        let G = SendablePointer(g), X = SendablePointer(x), DX = SendablePointer(dx), S = SendablePointer(stats)
        let W = weight.map { SendablePointer($0) }
        let dT = T(d)
        parallelRanges(rows, threshold: Swift.max(1, parallelThreshold / d)) { lo, hi in
            for r in lo..<hi {
                let gr = G.p + r * d, dxr = DX.p + r * d
                // dx first holds the centred row, then x̂.
                let (mean, rstd) = layerNormRowStatistics(UnsafePointer(X.p + r * d), dxr, d: d, eps: eps)
                S.p[2 * r] = mean; S.p[2 * r + 1] = rstd
                // Four lanes for Σa and Σa·x̂, so the adds pipeline; the tail goes to sa and sx.
                var sa0: T = 0, sa1: T = 0, sa2: T = 0, sa3: T = 0, sx0: T = 0, sx1: T = 0, sx2: T = 0, sx3: T = 0
                var j = 0
                if let W {
                    while j + 4 <= d {
                        let h0 = dxr[j] * rstd, h1 = dxr[j + 1] * rstd, h2 = dxr[j + 2] * rstd, h3 = dxr[j + 3] * rstd
                        let a0 = gr[j] * W.p[j], a1 = gr[j + 1] * W.p[j + 1], a2 = gr[j + 2] * W.p[j + 2], a3 = gr[j + 3] * W.p[j + 3]
                        dxr[j] = h0; dxr[j + 1] = h1; dxr[j + 2] = h2; dxr[j + 3] = h3
                        sa0 += a0; sa1 += a1; sa2 += a2; sa3 += a3
                        sx0 += a0 * h0; sx1 += a1 * h1; sx2 += a2 * h2; sx3 += a3 * h3
                        j += 4
                    }
                } else {
                    while j + 4 <= d {
                        let h0 = dxr[j] * rstd, h1 = dxr[j + 1] * rstd, h2 = dxr[j + 2] * rstd, h3 = dxr[j + 3] * rstd
                        let a0 = gr[j], a1 = gr[j + 1], a2 = gr[j + 2], a3 = gr[j + 3]
                        dxr[j] = h0; dxr[j + 1] = h1; dxr[j + 2] = h2; dxr[j + 3] = h3
                        sa0 += a0; sa1 += a1; sa2 += a2; sa3 += a3
                        sx0 += a0 * h0; sx1 += a1 * h1; sx2 += a2 * h2; sx3 += a3 * h3
                        j += 4
                    }
                }
                var sa: T = 0, sx: T = 0
                while j < d {
                    let h = dxr[j] * rstd, a = W.map { gr[j] * $0.p[j] } ?? gr[j]
                    dxr[j] = h; sa += a; sx += a * h
                    j += 1
                }
                let meanA = (((sa0 + sa1) + (sa2 + sa3)) + sa) / dT
                let meanAX = (((sx0 + sx1) + (sx2 + sx3)) + sx) / dT
                if let W {
                    for k in 0..<d { dxr[k] = rstd * ((gr[k] * W.p[k] - meanA) - dxr[k] * meanAX) }
                } else {
                    for k in 0..<d { dxr[k] = rstd * ((gr[k] - meanA) - dxr[k] * meanAX) }
                }
            }
        }
        guard dweight != nil || dbias != nil else { return }
        let DW = dweight.map { SendablePointer($0) }, DB = dbias.map { SendablePointer($0) }
        parallelRanges(d, threshold: Swift.max(1, parallelThreshold / rows)) { lo, hi in
            for r in 0..<rows {
                let gr = G.p + r * d, xr = X.p + r * d
                let mean = S.p[2 * r], rstd = S.p[2 * r + 1]
                if let DW { for j in lo..<hi { DW.p[j] += gr[j] * ((xr[j] - mean) * rstd) } }
                if let DB { for j in lo..<hi { DB.p[j] += gr[j] } }
            }
        }
    }
}
