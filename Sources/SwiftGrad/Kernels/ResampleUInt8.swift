// Bilinear and bicubic resampling of uint8 images in fixed point, as PyTorch's CPU kernel for
// uint8 (UpSampleKernel's AVX2 path, Pillow's algorithm): per axis, float64 filter weights
// (summing to 1), scaled to int16 with the largest precision that fits, then a horizontal
// pass into a uint8 buffer and a vertical pass, each output Σ pixel·weight + ½ shifted right by
// the precision and clamped to [0, 255]. An axis whose size does not change is not resampled.

extension Kernels {
    /// The taps of one axis: for each output, the first source index and the int16 weights, and
    /// the axis's precision (bits).
    struct FixedPointTaps {
        var first: [Int] = []
        var weights: [[Int32]] = []
        var precision = 0
    }

    /// PyTorch's `_compute_index_ranges_int16_weights` for a non-antialiased linear filter (support
    /// 1, taps outside the input dropped and the rest renormalised) or cubic one (a = -0.75, the
    /// float path's four taps around the source position with indices clamped into the input, so
    /// the edges repeat). `scale` is the source step (area_pixel_compute_scale).
    static func fixedPointTaps(input: Int, output: Int, scale: Double, alignCorners: Bool, cubic: Bool) -> FixedPointTaps {
        if cubic { return quantized(cubicTaps(input: input, output: output, scale: scale, alignCorners: alignCorners)) }
        let support = 1.0
        // PyTorch's align_corners_delta: sources at i·scale instead of (i + ½)·scale - ½.
        let delta = alignCorners ? 0.5 : 0
        func filter(_ x: Double) -> Double { Swift.abs(x) < 1 ? 1 - Swift.abs(x) : 0 }
        var floats: [(first: Int, weights: [Double])] = []
        for i in 0..<output {
            let center = scale * (Double(i) + 0.5 - delta)
            // C's truncating casts, as the kernel's static_cast<int64_t>.
            let lo = Swift.max(Int(center - support + 0.5 + delta), 0)
            let size = Swift.min(Int(center + support + 0.5 + delta), input) - lo
            let count = Swift.min(Swift.max(size, 0), Int(2 * support))
            var w = (0..<count).map { filter(Double($0 + lo) - center + 0.5 - delta) }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            floats.append((lo, w))
        }
        return quantized(floats)
    }

    /// Cubic convolution taps (a = -0.75) at src = o·scale (alignCorners) or (o + ½)·scale - ½, on
    /// indices clamped into the input; weights landing on one index add up.
    static func cubicTaps(input: Int, output: Int, scale: Double, alignCorners: Bool) -> [(first: Int, weights: [Double])] {
        let a = -0.75
        func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return (0..<output).map { o in
            let src = alignCorners ? scale * Double(o) : scale * (Double(o) + 0.5) - 0.5
            let f = Int(src.rounded(.down)), t = src - Double(f)
            let w = [far(t + 1), near(t), near(1 - t), far(2 - t)]
            let idx = (0..<4).map { Swift.min(Swift.max(f - 1 + $0, 0), input - 1) }
            let lo = idx.min()!
            var dense = [Double](repeating: 0, count: idx.max()! - lo + 1)
            for k in 0..<4 { dense[idx[k] - lo] += w[k] }
            return (lo, dense)
        }
    }

    /// Float taps to int16: the largest precision whose rounded largest weight still fits.
    static func quantized(_ floats: [(first: Int, weights: [Double])]) -> FixedPointTaps {
        var taps = FixedPointTaps()
        taps.first = floats.map(\.first)
        let largest = floats.reduce(0.0) { Swift.max($0, $1.weights.max() ?? 0) }
        var precision = 0
        while precision < 22 {
            if Int(0.5 + largest * Double(1 << (precision + 1))) >= 1 << 15 { break }
            precision += 1
        }
        taps.precision = precision
        taps.weights = floats.map { row in
            row.weights.map { w in
                let v = w * Double(1 << precision)
                return Int32(v < 0 ? Int(-0.5 + v) : Int(0.5 + v))
            }
        }
        return taps
    }

    /// Resamples a uint8 [n, c, h, w] image to [n, c, outH, outW] (bilinear or bicubic).
    static func resampleUInt8(_ x: Tensor, outH: Int, outW: Int, rows: FixedPointTaps?, cols: FixedPointTaps?) -> Tensor {
        let x = x.dense
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let src = x.ptr(UInt8.self)
        // Horizontal pass (when the width changes) into a [planes, h, outW] buffer.
        var horizontal = [UInt8](repeating: 0, count: cols == nil ? 0 : planes * h * outW)
        if let cols {
            let half = Int32(1) << Int32(Swift.max(cols.precision - 1, 0))
            for p in 0..<planes * h {
                let row = src + p * w
                for o in 0..<outW {
                    var sum = cols.precision > 0 ? half : 0
                    for (k, weight) in cols.weights[o].enumerated() { sum += Int32(row[cols.first[o] + k]) * weight }
                    horizontal[p * outW + o] = UInt8(clamping: sum >> Int32(cols.precision))
                }
            }
        }
        let out = Tensor(uninitializedShape: [x.shape[0], x.shape[1], outH, outW], dtype: .uint8)
        let dst = out.ptr(UInt8.self)
        horizontal.withUnsafeBufferPointer { hb in
            // The vertical pass reads the horizontal result, or the input when only the height changes.
            func pixel(_ plane: Int, _ y: Int, _ col: Int) -> Int32 {
                cols != nil ? Int32(hb[(plane * h + y) * outW + col]) : Int32(src[(plane * h + y) * w + col])
            }
            for p in 0..<planes {
                for oy in 0..<outH {
                    for o in 0..<outW {
                        guard let rows else { dst[(p * outH + oy) * outW + o] = UInt8(truncatingIfNeeded: pixel(p, oy, o)); continue }
                        var sum = rows.precision > 0 ? Int32(1) << Int32(rows.precision - 1) : 0
                        for (k, weight) in rows.weights[oy].enumerated() { sum += pixel(p, rows.first[oy] + k, o) * weight }
                        dst[(p * outH + oy) * outW + o] = UInt8(clamping: sum >> Int32(rows.precision))
                    }
                }
            }
        }
        return out
    }
}
