import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// Vectorised float32 exp, sigmoid, tanh and GELU-tanh (with its backward). libm's scalar
/// expf/tanhf cost tens of cycles per element and dominate activation-heavy models (LSTM gates, a
/// transformer's MLP); these evaluate eight lanes at once.
///
/// Two implementations of the same algorithms: SwiftGrad's C kernels (Sources/CKernels/VectorMath.c,
/// AVX2 + FMA, one 256-bit register per eight lanes; VectorMathAVX512.c, the same on sixteen lanes
/// where the CPU has AVX-512, see `wide`), run when `Kernels.ownKernels` (the CPU has
/// AVX2 and FMA, `SWIFTGRAD_OWN_KERNELS` is not 0) and the task-local `cKernels` is on; otherwise
/// the Swift `SIMD8<Float>` code below, which the baseline x86-64 target compiles to two SSE halves
/// without fused multiply-add. They differ by rounding only (VectorMathKernelTests).
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
    /// zero-padded vector, and lanes outside [low, high] (or NaN) are recomputed one by one with `scalar`,
    /// except lanes below `zeroBelow`, set to +0 (where `scalar` is +0 too: exp of a masked score, -∞).
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    low: Float, high: Float, zeroBelow: Float = -.infinity, _ core: (V) -> V, _ scalar: (Float) -> Float) {
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
            let inRange = (v .>= low) .& (v .<= high), zero = v .< zeroBelow
            let ok = inRange .| zero
            let r = core(v.replacing(with: 0, where: .!inRange)).replacing(with: 0, where: zero)
            if m == 8 {
                UnsafeMutableRawPointer(y + i).storeBytes(of: r, as: V.self)
            } else {
                for j in 0..<m { y[i + j] = r[j] }
            }
            if !all(ok) {
                // From the loaded lanes: with x == y, x[i + j] has just been overwritten.
                for j in 0..<m where !ok[j] { y[i + j] = scalar(v[j]) }
            }
            i += 8
        }
    }

    /// Tests switch the C kernels off per task to compare them with the Swift code:
    /// `VectorMath.$cKernels.withValue(false) { ... }`. Read by the thread that calls an entry point:
    /// the worker pool's threads do not inherit it, so it only holds for work below the parallel
    /// threshold (or with `Runtime.threadCount` 1).
    @TaskLocal static var cKernels = true

    /// Whether the C kernels run on sixteen lanes (Sources/CKernels/VectorMathAVX512.c, bit for bit
    /// the eight-lane results, 1.7-2× their speed on rows of 128 floats): where `Kernels.avx512`
    /// holds and the environment does not set `SWIFTGRAD_AVX512_MATH=0`.
    static let wide = Kernels.avx512 && Runtime.environmentAllows("SWIFTGRAD_AVX512_MATH")

    /// Whether the entry points below run the C kernels.
    @inline(__always)
    static var useC: Bool {
        #if arch(x86_64)
        return Kernels.ownKernels && cKernels
        #else
        return false
        #endif
    }

    /// y[i] = e^x[i] for i in lo..<hi.
    static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        if useC { wide ? sg_exp_f32_avx512(x, y, lo, hi) : sg_exp_f32(x, y, lo, hi) } else { swiftExp(x, y, lo, hi) }
    }

    /// row[c] = e^(row[c] - base) for c in 0..<n, in place (`scratch`: n floats, used by the Swift path
    /// for the differences). The same floats as `exp` of the differences.
    static func expShifted(_ row: UnsafeMutablePointer<Float>, _ n: Int, minus base: Float, scratch: UnsafeMutablePointer<Float>) {
        if useC { wide ? sg_exp_shifted_f32_avx512(row, n, base) : sg_exp_shifted_f32(row, n, base); return }
        for c in 0..<n { scratch[c] = row[c] - base }
        swiftExp(scratch, row, 0, n)
    }

    /// y[i] = 1 / (1 + e^-x[i]), without overflow for large |x|.
    static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        if useC { wide ? sg_sigmoid_f32_avx512(x, y, lo, hi) : sg_sigmoid_f32(x, y, lo, hi) } else { swiftSigmoid(x, y, lo, hi) }
    }

    /// y[i] = tanh(x[i]).
    static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        if useC { wide ? sg_tanh_f32_avx512(x, y, lo, hi) : sg_tanh_f32(x, y, lo, hi) } else { swiftTanh(x, y, lo, hi) }
    }

    /// y[i] = GELU with the tanh approximation, x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2.
    static func geluTanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        if useC { wide ? sg_gelu_tanh_f32_avx512(x, y, lo, hi) : sg_gelu_tanh_f32(x, y, lo, hi) } else { swiftGeluTanh(x, y, lo, hi) }
    }

    /// out[i] = g[i]·gelu'(x[i]) (tanh approximation), the fused backward of `geluTanh`.
    static func geluTanhBackward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                 _ lo: Int, _ hi: Int) {
        if useC { wide ? sg_gelu_tanh_backward_f32_avx512(g, x, out, lo, hi) : sg_gelu_tanh_backward_f32(g, x, out, lo, hi) } else { swiftGeluTanhBackward(g, x, out, lo, hi) }
    }

    // MARK: - The Swift fallback

    /// y[i] = e^x[i].
    static func swiftExp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        // expf is +0 below -104 (e^-104 is under half the least subnormal): causal masks' -∞ scores
        // stay on the vector path.
        map(x, y, lo, hi, low: -87, high: 88, zeroBelow: -104, { expCore($0) }, { expf($0) })
    }

    /// y[i] = 1 / (1 + e^-x[i]), without overflow for large |x|: with e = e^-|x|, 1/(1 + e) for
    /// x ≥ 0 and e/(1 + e) for x < 0, as the scalar formula (1/(1 + e^-x) for x < 0 rounds e^-x
    /// where it is large, 2 ulp against 1.6).
    static func swiftSigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        map(x, y, lo, hi, low: -87, high: 87, { v in
            let negative = v .< 0
            let e = expCore(v.replacing(with: -v, where: .!negative))
            return V(repeating: 1).replacing(with: e, where: negative) / (1 + e)
        }, { scalarSigmoid($0) })
    }

    @inline(__always)
    static func scalarSigmoid(_ v: Float) -> Float {
        if v >= 0 { return 1 / (1 + expf(-v)) }
        let e = expf(v)
        return e / (1 + e)
    }

    /// y[i] = tanh(x[i]). For |x| ≥ 0.625, 1 - 2/(e^{2|x|} + 1) with the sign restored; below
    /// that, where this form would cancel, an odd polynomial (Taylor to x^17, error < 6e-8 relative).
    static func swiftTanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        map(x, y, lo, hi, low: -9, high: 9, { tanhCore($0) }, { tanhf($0) })
    }

    /// GELU-tanh through the sigmoid: (1 + tanh u)/2 = s(2u) with s(z) = 1/(1 + e^-z), for
    /// u = k·(x + c·x³). From e = e^{-2|u|}: s = 1/(1 + e) for u ≥ 0, e/(1 + e) for u < 0, and
    /// s·(1 - s) = e/(1 + e)² (for the derivative, where 1 - tanh²u would be 1 - t² of a rounded t).
    /// Neither cancels: 1 + tanh u for u near -9 loses all its digits (the derivative's error was
    /// 5.6e-7 absolute there). Where 2|u| > 87, e is set to 0 (s is 0 or 1 to float precision).
    @inline(__always)
    static func geluSigmoid(_ v: V) -> (s: V, sTimesOneMinusS: V) {
        let k: Float = (2 / Float.pi).squareRoot(), c: Float = 0.044715
        let u = k * (v + c * v * v * v)
        let negative = u .< 0
        let twoA = u.replacing(with: -u, where: negative) * 2
        let far = twoA .> 87
        let e = expCore(-twoA.replacing(with: 0, where: far)).replacing(with: 0, where: far)
        let inv = 1 / (1 + e)
        let ei = e * inv
        return (inv.replacing(with: ei, where: negative), ei * inv)
    }

    /// y[i] = GELU with the tanh approximation, x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2, computed
    /// as x·s(2u) (`geluSigmoid`); infinities and NaN go through the scalar tanh formula.
    static func swiftGeluTanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        let k: Float = (2 / Float.pi).squareRoot(), c: Float = 0.044715
        map(x, y, lo, hi, low: -.greatestFiniteMagnitude, high: .greatestFiniteMagnitude, { v in
            v * geluSigmoid(v).s
        }, { v in v * (1 + tanhf(k * (v + c * v * v * v))) / 2 })
    }

    /// out[i] = g[i]·gelu'(x[i]) (tanh approximation): the fused backward of `geluTanh`, eight
    /// lanes at a time, gelu'(x) = s + 2·x·du·s(1 - s) with du = k·(1 + 3c·x²) (`geluSigmoid`);
    /// the second term is 0 where s(1 - s) is 0 (for a huge x it would be ∞·0 = NaN). Lanes whose x
    /// is not finite use the scalar tanh formula.
    static func swiftGeluTanhBackward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                 _ lo: Int, _ hi: Int) {
        let k: Float = (2 / Float.pi).squareRoot(), c: Float = 0.044715
        @inline(__always) func derivative(_ v: V) -> V {
            let (s, s1s) = geluSigmoid(v)
            let du = (v * v * (3 * c) + 1) * k
            let term = (v * du * s1s * 2).replacing(with: 0, where: s1s .== 0)
            return s + term
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
            let r = gv * derivative(safe)
            if m == 8 {
                UnsafeMutableRawPointer(out + i).storeBytes(of: r, as: V.self)
            } else {
                for j in 0..<m { out[i + j] = r[j] }
            }
            if !all(ok) {
                for j in 0..<m where !ok[j] {
                    let xv = v[j], x2 = xv * xv
                    let t = tanhf((xv + x2 * xv * c) * k)
                    let du = (x2 * (3 * c) + 1) * k
                    out[i + j] = gv[j] * ((t + 1) * 0.5 + xv * (1 - t * t) * du * 0.5)
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
        // z = 0 (x = ±0 or tiny): x itself, so that tanh(-0) = -0 (-0 + (+0) would be +0).
        let small = (v + v * z * p).replacing(with: v, where: z .== 0)
        return small.replacing(with: big, where: a .>= 0.625)
    }
}
