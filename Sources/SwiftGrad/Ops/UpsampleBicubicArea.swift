// interpolate's "bicubic" and "area" modes: bicubic is a separable window sum with four cubic-
// convolution taps per axis (recorded as upsample_bicubic2d, its adjoint upsample_bicubic2d_backward);
// area is adaptive average pooling, as in PyTorch.

func interpolateCubicOrArea(_ x: Tensor, size: Size2, scale: (Double, Double)?, mode: InterpolationMode, alignCorners: Bool) -> Tensor {
    let oneD = x.rank == 3
    check(size.w >= 1 && (oneD || size.h >= 1),
          "interpolate: output size \(oneD ? "\(size.w)" : "\(size)") must be positive (input \(x.shape))")
    if mode == .area { return oneD ? adaptiveAvgPool1d(x, outputSize: size.w) : adaptiveAvgPool2d(x, outputSize: size) }
    check(!oneD, "interpolate: mode .bicubic needs a 4-D input [n, c, h, w], got shape \(x.shape)")
    check(x.shape[2] >= 1 && x.shape[3] >= 1, "interpolate: input \(x.shape) has an empty spatial axis")
    func axis(_ input: Int, _ output: Int, _ factor: Double?) -> AxisTaps {
        let ratio: Double
        if alignCorners {
            ratio = output > 1 ? Double(input - 1) / Double(output - 1) : 0
        } else {
            ratio = factor.map { 1 / $0 } ?? Double(input) / Double(output)
        }
        return .cubic(input, output, ratio: ratio, alignCorners: alignCorners,
                      weightDType: x.dtype.isReducedPrecision ? x.dtype : nil)
    }
    let rows = axis(x.shape[2], size.h, scale?.0), cols = axis(x.shape[3], size.w, scale?.1)
    return windowSum(.upsampleBicubic2d, x, Windows2d(rows: rows, cols: cols))
}

extension AxisTaps {
    /// Cubic convolution with a = -0.75 (PyTorch's and OpenCV's): output o reads the four source
    /// pixels around src = (o + ½)·ratio - ½ (o·ratio with alignCorners; not clamped at 0, unlike
    /// linear), indices clamped into the input so the edges repeat. For a float16/bfloat16 input
    /// (`weightDType`), the taps are computed in Float and each weight rounded to that dtype, as
    /// PyTorch's CPU kernel stores them (then sums in float32 and rounds once).
    static func cubic(_ input: Int, _ output: Int, ratio: Double, alignCorners: Bool, weightDType: DType? = nil) -> AxisTaps {
        let a = -0.75
        func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }        // |x| ≤ 1
        func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }   // 1 < |x| < 2
        let af: Float = -0.75
        func nearF(_ x: Float) -> Float { ((af + 2) * x - (af + 3)) * x * x + 1 }
        func farF(_ x: Float) -> Float { ((af * x - 5 * af) * x + 8 * af) * x - 4 * af }
        var t = AxisTaps(size: input)
        var rows: [(Int, [Double])] = []
        for o in 0..<output {
            if weightDType != nil {
                let r = Float(ratio)
                let src = alignCorners ? Float(o) * r : (Float(o) + 0.5) * r - 0.5
                let i = Swift.min(Int(src.rounded(.down)), input - 1)
                let f = Swift.min(Swift.max(src - Float(i), 0), 1)
                rows.append((i, [farF(f + 1), nearF(f), nearF(1 - f), farF(1 - f + 1)].map { Double($0) }))
            } else {
                let src = alignCorners ? Double(o) * ratio : (Double(o) + 0.5) * ratio - 0.5
                let i = Int(src.rounded(.down)), f = src - Double(i)
                rows.append((i, [far(f + 1), near(f), near(1 - f), far(2 - f)]))
            }
        }
        if let weightDType {
            // Each weight rounded to the input's dtype (through a tensor of that dtype).
            let rounded = Tensor(rows.flatMap { $0.1 }, shape: [rows.count * 4], dtype: weightDType).to(.float64).doubles
            for r in rows.indices { rows[r].1 = Array(rounded[(4 * r)..<(4 * r + 4)]) }
        }
        for (i, w) in rows {
            var taps: [(Int, Double)] = []
            for k in 0..<4 {
                let idx = Swift.min(Swift.max(i - 1 + k, 0), input - 1)
                // Clamped taps that land on one pixel add their weights.
                if let j = taps.firstIndex(where: { $0.0 == idx }) { taps[j].1 += w[k] } else { taps.append((idx, w[k])) }
            }
            t.append(taps)
        }
        return t
    }
}
