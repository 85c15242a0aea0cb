/// Row-wise layer normalisation for inference: one pass computes each row's mean and biased
/// variance and writes the normalised, scaled and shifted row. The arithmetic is the composed
/// `layerNorm`'s, element for element (the same lane sums, `mean = Σ/d`, `(x - mean)·rsqrt(var + eps)`,
/// then `·weight`, `+ bias`), so its values equal the recorded path's; it only skips the eight
/// intermediate tensors.
extension Kernels {
    /// y[r, :] = (x[r, :] - mean)·rsqrt(var + eps)·weight + bias for `rows` rows of `d` elements
    /// (contiguous x and y; weight and bias contiguous [d] or nil).
    static func layerNormRows<T: FloatElement & AccumulatingElement>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                                                    rows: Int, d: Int, eps: T,
                                                                    weight: UnsafePointer<T>?, bias: UnsafePointer<T>?) {
        if rows == 0 || d == 0 { return }
        let X = SendablePointer(x), Y = SendablePointer(y)
        let W = weight.map { SendablePointer($0) }, B = bias.map { SendablePointer($0) }
        let dT = T(d)
        parallelRanges(rows, threshold: Swift.max(1, parallelThreshold / d)) { lo, hi in
            for r in lo..<hi {
                let xr = UnsafePointer(X.p + r * d), yr = Y.p + r * d
                let mean = laneSum(xr, d) / dT
                // y first holds the centred row, then its squares' sum gives the variance.
                for i in 0..<d { yr[i] = xr[i] - mean }
                var sq: T = 0, a0: T = 0, a1: T = 0, a2: T = 0, a3: T = 0, a4: T = 0, a5: T = 0, a6: T = 0, a7: T = 0
                var i = 0
                while i + 8 <= d {
                    a0 += yr[i] * yr[i]; a1 += yr[i + 1] * yr[i + 1]; a2 += yr[i + 2] * yr[i + 2]; a3 += yr[i + 3] * yr[i + 3]
                    a4 += yr[i + 4] * yr[i + 4]; a5 += yr[i + 5] * yr[i + 5]; a6 += yr[i + 6] * yr[i + 6]; a7 += yr[i + 7] * yr[i + 7]
                    i += 8
                }
                while i < d { sq += yr[i] * yr[i]; i += 1 }
                // The same association as `laneSum` over the squares.
                let total = (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))) + sq
                let rstd = 1 / (total / dT + eps).squareRoot()
                for j in 0..<d { yr[j] = yr[j] * rstd }
                if let W { for j in 0..<d { yr[j] = yr[j] * W.p[j] } }
                if let B { for j in 0..<d { yr[j] = yr[j] + B.p[j] } }
            }
        }
    }
}
