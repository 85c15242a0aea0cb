// Scatter with a reduction (Ops/Scatter.swift): `out[p with axis -> index[p]] (op)= src[p]` over
// every position p of `index`, into `out`, which starts as a contiguous copy of self.

extension Kernels {
    /// How scattered values combine with the destination.
    enum ScatterMode { case assign, sum, prod, mean, amax, amin }

    /// Scatters `src` (or the constant `value` when src is nil) into `out` at `index` along `axis`.
    /// With `includeSelf: false` each destination that receives a value starts from that value
    /// instead of out's old one; `mean` divides by the number of values received (plus one for self).
    /// NaN wins in amax/amin, as PyTorch's.
    static func scatter(into out: Tensor, index: Tensor, src: Tensor?, value: Double, axis: Int,
                        mode: ScatterMode, includeSelf: Bool, op: String) {
        if index.count == 0 { return }
        let index = index.dense, src = src?.dense
        let rank = index.rank
        let ds = contiguousStrides(out.shape), ss = src.map { contiguousStrides($0.shape) } ?? []
        let n = out.shape[axis]
        let ip = index.ptr(Int64.self)
        func run<T: Comparable & AccumulatingElement>(_ dp: UnsafeMutablePointer<T>, _ sp: UnsafePointer<T>?, _ constant: T,
                                                      _ isNaN: (T) -> Bool, _ divide: (T, Int) -> T) {
            var touched = [Int32](repeating: 0, count: mode == .assign || (includeSelf && mode != .mean) ? 0 : out.count)
            var pos = [Int](repeating: 0, count: rank)
            for flat in 0..<index.count {
                let j = Int(ip[flat])
                // No wrap-around: a negative index is an error, as PyTorch's scatter.
                check(j >= 0 && j < n, "\(op): index \(j) is out of bounds for dimension \(axis) with size \(n) (input \(out.shape), index \(index.shape))")
                var d = 0, s = 0
                for a in 0..<rank { d += (a == axis ? j : pos[a]) * ds[a]; if sp != nil { s += pos[a] * ss[a] } }
                let v = sp.map { $0[s] } ?? constant
                if mode == .assign {
                    dp[d] = v
                } else {
                    let first = !touched.isEmpty && touched[d] == 0
                    if !touched.isEmpty { touched[d] += 1 }
                    if first && !includeSelf {
                        dp[d] = v
                    } else {
                        switch mode {
                        case .sum, .mean: dp[d] = T.sum(dp[d], v)
                        case .prod: dp[d] = T.product(dp[d], v)
                        case .amax: if isNaN(v) || (!isNaN(dp[d]) && v > dp[d]) { dp[d] = v }
                        case .amin: if isNaN(v) || (!isNaN(dp[d]) && v < dp[d]) { dp[d] = v }
                        case .assign: break
                        }
                    }
                }
                var a = rank - 1
                while a >= 0 { pos[a] += 1; if pos[a] < index.shape[a] { break }; pos[a] = 0; a -= 1 }
            }
            if mode == .mean {
                for d in 0..<out.count where touched[d] > 0 {
                    dp[d] = divide(dp[d], Int(touched[d]) + (includeSelf ? 1 : 0))
                }
            }
        }
        switch out.dtype {
        case .float32: run(out.ptr(Float.self), src?.ptr(Float.self), Float(value), { $0.isNaN }, { $0 / Float($1) })
        case .float64: run(out.ptr(Double.self), src?.ptr(Double.self), value, { $0.isNaN }, { $0 / Double($1) })
        // Integer mean rounds toward negative infinity, as PyTorch's floor division.
        case .int64: run(out.ptr(Int64.self), src?.ptr(Int64.self), Int64(truncatingIfNeeded: Int(exactly: value.rounded(.towardZero)) ?? 0), { _ in false },
                         { q, c in let r = q / Int64(c); return (q % Int64(c) != 0 && (q < 0) != (c < 0)) ? r - 1 : r })
        default:
            let t = out.dtype.computeType, wide = convert(out, to: t)
            scatter(into: wide, index: index, src: src.map { convert($0, to: t) }, value: value, axis: axis,
                    mode: mode, includeSelf: includeSelf, op: op)
            convert(wide, into: out)
        }
    }
}
