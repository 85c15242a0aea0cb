#if canImport(Glibc)
import Glibc
#endif

/// Vectorised float32 exp, sigmoid and tanh. libm's scalar expf/tanhf cost tens of cycles per
/// element and dominate activation-heavy models (LSTM gates); these evaluate eight lanes at once
/// with SIMD arithmetic that the baseline x86-64 target supports (no special CPU flags).
///
/// exp: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-7 polynomial (truncation error below
/// 6e-9 relative), then scaled by 2^n through the exponent bits. Lanes outside the normal range
/// (overflow, underflow to subnormals or zero, NaN) are recomputed with libm, so results there are
/// exactly libm's.
enum VectorMath {
    typealias V = SIMD8<Float>
    static let log2e: Float = 1.442_695_04
    static let ln2Hi: Float = 0.693_145_751_953_125      // ln 2 split so n·ln2Hi is exact
    static let ln2Lo: Float = 1.428_606_765_330_187e-06
    static let roundMagic: Float = 12_582_912             // 1.5·2^23: adding it rounds to an integer

    /// e^x for eight lanes in the normal range (-87, 88); callers handle the rest.
    @inline(__always)
    static func expCore(_ x: V) -> V {
        let t = x * log2e + roundMagic
        let n = t - roundMagic                              // round(x·log2 e)
        let r = (x - n * ln2Hi) - n * ln2Lo
        var p = V(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // t = n + 1.5·2^23 holds n in its low mantissa bits: no float-to-int conversion needed.
        let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: V.self)
    }

    /// Applies `core` to x[lo..<hi] eight lanes at a time. Each element's result depends on its own
    /// value only, never on where the range starts or ends (parallel kernels split ranges by thread
    /// count, and results must not change with it): the tail runs through the same SIMD code as a
    /// zero-padded vector, and lanes outside [low, high] (or NaN) are recomputed one by one with `scalar`.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    low: Float, high: Float, _ core: (V) -> V, _ scalar: (Float) -> Float) {
        var i = lo
        while i < hi {
            let m = Swift.min(8, hi - i)
            var v = V(repeating: 0)
            if m == 8 {
                v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            } else {
                for j in 0..<m { v[j] = x[i + j] }
            }
            // NaN fails both comparisons and so is out of range.
            let ok = (v .>= low) .& (v .<= high)
            let r = core(v.replacing(with: 0, where: .!ok))
            if m == 8 {
                UnsafeMutableRawPointer(y + i).storeBytes(of: r, as: V.self)
            } else {
                for j in 0..<m { y[i + j] = r[j] }
            }
            if !all(ok) {
                for j in 0..<m where !ok[j] { y[i + j] = scalar(x[i + j]) }
            }
            i += 8
        }
    }

    /// y[i] = e^x[i].
    static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        map(x, y, lo, hi, low: -87, high: 88, { expCore($0) }, { expf($0) })
    }

    /// y[i] = 1 / (1 + e^-x[i]), without overflow for large |x|.
    static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        map(x, y, lo, hi, low: -87, high: 87, { 1 / (1 + expCore(-$0)) }, { scalarSigmoid($0) })
    }

    @inline(__always)
    static func scalarSigmoid(_ v: Float) -> Float {
        if v >= 0 { return 1 / (1 + expf(-v)) }
        let e = expf(v)
        return e / (1 + e)
    }

    /// y[i] = tanh(x[i]). For |x| ≥ 0.625, 1 - 2/(e^{2|x|} + 1) with the sign restored; below
    /// that, where this form would cancel, an odd polynomial (Taylor to x^17, error < 6e-8 relative).
    static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        map(x, y, lo, hi, low: -9, high: 9, { tanhCore($0) }, { tanhf($0) })
    }

    /// tanh(k·(x + c·x³)) for GELU-tanh and its derivative, with the argument's square: beyond
    /// |u| = 9 tanh is ±1 to float precision, and it is set to exactly ±1 there (the polynomial
    /// core would give ±(1 - 2⁻²⁴), which times a huge x is not negligible).
    @inline(__always)
    static func geluTanhInner(_ v: V) -> V {
        let k: Float = (2 / Float.pi).squareRoot(), c: Float = 0.044715
        var u = k * (v + c * v * v * v)
        let high = u .> 9, low = u .< -9
        u.replace(with: 0, where: high .| low)
        var t = tanhCore(u)
        t.replace(with: 1, where: high)
        t.replace(with: -1, where: low)
        return t
    }

    /// y[i] = GELU with the tanh approximation, x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2;
    /// infinities and NaN go through the scalar formula.
    static func geluTanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        let k: Float = (2 / Float.pi).squareRoot(), c: Float = 0.044715
        map(x, y, lo, hi, low: -.greatestFiniteMagnitude, high: .greatestFiniteMagnitude, { v in
            v * (1 + geluTanhInner(v)) / 2
        }, { v in v * (1 + tanhf(k * (v + c * v * v * v))) / 2 })
    }

    /// out[i] = g[i]·gelu'(x[i]) (tanh approximation): the fused backward of `geluTanh`, eight
    /// lanes at a time; lanes whose x is not finite use the scalar formula.
    static func geluTanhBackward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                 _ lo: Int, _ hi: Int) {
        let k: Float = (2 / Float.pi).squareRoot(), c: Float = 0.044715
        @inline(__always) func derivative(_ v: V, _ t: V) -> V {
            let x2 = v * v
            let du = (x2 * (3 * c) + 1) * k
            return (t + 1) * 0.5 + v * (1 - t * t) * du * 0.5
        }
        var i = lo
        while i < hi {
            let m = Swift.min(8, hi - i)
            var v = V(repeating: 0), gv = V(repeating: 0)
            if m == 8 {
                v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
                gv = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
            } else {
                for j in 0..<m { v[j] = x[i + j]; gv[j] = g[i + j] }
            }
            let ok = (v .>= -.greatestFiniteMagnitude) .& (v .<= .greatestFiniteMagnitude)
            let safe = v.replacing(with: 0, where: .!ok)
            let r = gv * derivative(safe, geluTanhInner(safe))
            if m == 8 {
                UnsafeMutableRawPointer(out + i).storeBytes(of: r, as: V.self)
            } else {
                for j in 0..<m { out[i + j] = r[j] }
            }
            if !all(ok) {
                for j in 0..<m where !ok[j] {
                    let xv = x[i + j], x2 = xv * xv
                    let t = tanhf((xv + x2 * xv * c) * k)
                    let du = (x2 * (3 * c) + 1) * k
                    out[i + j] = g[i + j] * ((t + 1) * 0.5 + xv * (1 - t * t) * du * 0.5)
                }
            }
            i += 8
        }
    }

    @inline(__always)
    static func tanhCore(_ v: V) -> V {
        let a = v.replacing(with: -v, where: v .< 0)
        let e = expCore(a + a)
        var big = 1 - 2 / (e + 1)
        big.replace(with: -big, where: v .< 0)
        let z = v * v
        // tanh x = x + x·Σ c_k z^k, z = x², Taylor coefficients c3…c17.
        var p = V(repeating: 6_404_582.0 / 10_854_718_875)
        p = p * z - 929_569.0 / 638_512_875
        p = p * z + 21_844.0 / 6_081_075
        p = p * z - 1_382.0 / 155_925
        p = p * z + 62.0 / 2_835
        p = p * z - 17.0 / 315
        p = p * z + 2.0 / 15
        p = p * z - 1.0 / 3
        let small = v + v * z * p
        return small.replacing(with: big, where: a .>= 0.625)
    }
}
