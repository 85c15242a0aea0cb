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
        let bits = (SIMD8<Int32>(truncatingIfNeeded: SIMD8<Int32>(n)) &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: V.self)
    }

    @inline(__always)
    static func inRange(_ x: V, _ lo: Float, _ hi: Float) -> Bool {
        // NaN fails both comparisons and so is out of range.
        all(x .>= lo) && all(x .<= hi)
    }

    /// y[i] = e^x[i].
    static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        var i = lo
        while i + 8 <= hi {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            if inRange(v, -87, 88) {
                UnsafeMutableRawPointer(y + i).storeBytes(of: expCore(v), as: V.self)
            } else {
                for j in i..<(i + 8) { y[j] = expf(x[j]) }
            }
            i += 8
        }
        while i < hi { y[i] = expf(x[i]); i += 1 }
    }

    /// y[i] = 1 / (1 + e^-x[i]), without overflow for large |x|.
    static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        var i = lo
        while i + 8 <= hi {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            if inRange(v, -87, 87) {
                UnsafeMutableRawPointer(y + i).storeBytes(of: 1 / (1 + expCore(-v)), as: V.self)
            } else {
                for j in i..<(i + 8) { y[j] = scalarSigmoid(x[j]) }
            }
            i += 8
        }
        while i < hi { y[i] = scalarSigmoid(x[i]); i += 1 }
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
        var i = lo
        while i + 8 <= hi {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            if inRange(v, -9, 9) {
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
                UnsafeMutableRawPointer(y + i).storeBytes(of: small.replacing(with: big, where: a .>= 0.625), as: V.self)
            } else {
                for j in i..<(i + 8) { y[j] = tanhf(x[j]) }
            }
            i += 8
        }
        while i < hi { y[i] = tanhf(x[i]); i += 1 }
    }
}
