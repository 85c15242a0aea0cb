#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Kernels of the element-wise math family beyond Elementwise.swift's core: trigonometric and
// hyperbolic functions, rounding, base-2/10 logarithms, and the special functions (lgamma,
// digamma, polygamma, erfinv, i0, i1) whose algorithms live in SpecialFunctions.swift.

/// Element-wise maps with one float input (Ops/MathTrig, MathRounding, MathExpLog, MathSpecial).
enum MathUnaryOp {
    case tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh
    case floor, ceil, round, trunc
    /// PyTorch's round(decimals:): nearbyint(x·10^d)/10^d, or nearbyint(x/10^-d)·10^-d for d < 0.
    case roundDecimals(Int)
    case log2, log10, exp2, erfc, erfinv, lgamma, digamma, i0, i1
    /// polygamma(n, x), n ≥ 0.
    case polygamma(Int)
}

/// Element-wise maps with two broadcast float inputs.
enum MathBinaryOp { case atan2, hypot, copysign, logaddexp, logaddexp2, xlogy }

/// The libm functions of the math family, for Float and Double.
protocol MathElement: FloatElement {
    static func tan(_ x: Self) -> Self
    static func asin(_ x: Self) -> Self
    static func acos(_ x: Self) -> Self
    static func atan(_ x: Self) -> Self
    static func sinh(_ x: Self) -> Self
    static func cosh(_ x: Self) -> Self
    static func asinh(_ x: Self) -> Self
    static func acosh(_ x: Self) -> Self
    static func atanh(_ x: Self) -> Self
    static func log2(_ x: Self) -> Self
    static func log10(_ x: Self) -> Self
    static func exp2(_ x: Self) -> Self
    static func erfc(_ x: Self) -> Self
    static func lgamma(_ x: Self) -> Self
    static func atan2(_ y: Self, _ x: Self) -> Self
    static func hypot(_ x: Self, _ y: Self) -> Self
    static func copysign(_ x: Self, _ y: Self) -> Self
    /// Rounds half to even in the current (default) rounding mode, as C's nearbyint.
    static func nearbyint(_ x: Self) -> Self
}

extension Float: MathElement {
    @inline(__always) static func tan(_ x: Float) -> Float { tanf(x) }
    @inline(__always) static func asin(_ x: Float) -> Float { asinf(x) }
    @inline(__always) static func acos(_ x: Float) -> Float { acosf(x) }
    @inline(__always) static func atan(_ x: Float) -> Float { atanf(x) }
    @inline(__always) static func sinh(_ x: Float) -> Float { sinhf(x) }
    @inline(__always) static func cosh(_ x: Float) -> Float { coshf(x) }
    @inline(__always) static func asinh(_ x: Float) -> Float { asinhf(x) }
    @inline(__always) static func acosh(_ x: Float) -> Float { acoshf(x) }
    @inline(__always) static func atanh(_ x: Float) -> Float { atanhf(x) }
    @inline(__always) static func log2(_ x: Float) -> Float { log2f(x) }
    @inline(__always) static func log10(_ x: Float) -> Float { log10f(x) }
    @inline(__always) static func exp2(_ x: Float) -> Float { exp2f(x) }
    @inline(__always) static func erfc(_ x: Float) -> Float { erfcf(x) }
    // lgamma_r: plain lgamma writes the global signgam, a data race across worker threads.
    @inline(__always) static func lgamma(_ x: Float) -> Float { var s: Int32 = 0; return lgammaf_r(x, &s) }
    @inline(__always) static func atan2(_ y: Float, _ x: Float) -> Float { atan2f(y, x) }
    @inline(__always) static func hypot(_ x: Float, _ y: Float) -> Float { hypotf(x, y) }
    @inline(__always) static func copysign(_ x: Float, _ y: Float) -> Float { copysignf(x, y) }
    @inline(__always) static func nearbyint(_ x: Float) -> Float { nearbyintf(x) }
}

extension Double: MathElement {
    @inline(__always) static func tan(_ x: Double) -> Double { Glibc.tan(x) }
    @inline(__always) static func asin(_ x: Double) -> Double { Glibc.asin(x) }
    @inline(__always) static func acos(_ x: Double) -> Double { Glibc.acos(x) }
    @inline(__always) static func atan(_ x: Double) -> Double { Glibc.atan(x) }
    @inline(__always) static func sinh(_ x: Double) -> Double { Glibc.sinh(x) }
    @inline(__always) static func cosh(_ x: Double) -> Double { Glibc.cosh(x) }
    @inline(__always) static func asinh(_ x: Double) -> Double { Glibc.asinh(x) }
    @inline(__always) static func acosh(_ x: Double) -> Double { Glibc.acosh(x) }
    @inline(__always) static func atanh(_ x: Double) -> Double { Glibc.atanh(x) }
    @inline(__always) static func log2(_ x: Double) -> Double { Glibc.log2(x) }
    @inline(__always) static func log10(_ x: Double) -> Double { Glibc.log10(x) }
    @inline(__always) static func exp2(_ x: Double) -> Double { Glibc.exp2(x) }
    @inline(__always) static func erfc(_ x: Double) -> Double { Glibc.erfc(x) }
    @inline(__always) static func lgamma(_ x: Double) -> Double { var s: Int32 = 0; return lgamma_r(x, &s) }
    @inline(__always) static func atan2(_ y: Double, _ x: Double) -> Double { Glibc.atan2(y, x) }
    @inline(__always) static func hypot(_ x: Double, _ y: Double) -> Double { Glibc.hypot(x, y) }
    @inline(__always) static func copysign(_ x: Double, _ y: Double) -> Double { Glibc.copysign(x, y) }
    @inline(__always) static func nearbyint(_ x: Double) -> Double { Glibc.nearbyint(x) }
}

extension Kernels {
    /// `op(x)` for a float tensor (any layout); float16/bfloat16 compute in float32 and round once.
    static func mathUnary(_ op: MathUnaryOp, _ x: Tensor, name: String) -> Tensor {
        let x = x.dense
        switch x.dtype {
        case .float32:
            let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
            inRanges(x.ptr(Float.self), out.ptr(Float.self), x.count) { mathUnaryTyped(op, $0, $1, $2) }
            return out
        case .float64:
            let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
            inRanges(x.ptr(Double.self), out.ptr(Double.self), x.count) { mathUnaryTyped(op, $0, $1, $2) }
            return out
        case .float16, .bfloat16:
            return computed(in: .float32, [x], result: x.dtype) { mathUnary(op, $0[0], name: name) }
        default:
            checkFailure("\(name): no kernel for \(x.dtype) (shape \(x.shape))")
        }
    }

    static func mathUnaryTyped<T: MathElement>(_ op: MathUnaryOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        switch op {
        case .tan: map(x, y, n) { T.tan($0) }
        case .asin: map(x, y, n) { T.asin($0) }
        case .acos: map(x, y, n) { T.acos($0) }
        case .atan: map(x, y, n) { T.atan($0) }
        case .sinh: map(x, y, n) { T.sinh($0) }
        case .cosh: map(x, y, n) { T.cosh($0) }
        case .asinh: map(x, y, n) { T.asinh($0) }
        case .acosh: map(x, y, n) { T.acosh($0) }
        case .atanh: map(x, y, n) { T.atanh($0) }
        case .floor: map(x, y, n) { $0.rounded(.down) }
        case .ceil: map(x, y, n) { $0.rounded(.up) }
        case .round: map(x, y, n) { T.nearbyint($0) }
        case .trunc: map(x, y, n) { $0.rounded(.towardZero) }
        case .roundDecimals(let d):
            // The power of ten is rounded to T once, as PyTorch's kernel does.
            let p = T(powerOfTen(Swift.abs(d)))
            if d >= 0 { map(x, y, n) { T.nearbyint($0 * p) / p } }
            else { map(x, y, n) { T.nearbyint($0 / p) * p } }
        case .log2: map(x, y, n) { T.log2($0) }
        case .log10: map(x, y, n) { T.log10($0) }
        case .exp2: map(x, y, n) { T.exp2($0) }
        case .erfc: map(x, y, n) { T.erfc($0) }
        case .lgamma: map(x, y, n) { T.lgamma($0) }
        // The special functions compute in Double (rounded once to Float).
        case .erfinv: map(x, y, n) { T(SpecialFunctions.erfinv(Double($0))) }
        case .digamma: map(x, y, n) { T(SpecialFunctions.digamma(Double($0))) }
        case .polygamma(let k):
            if k == 1, T.self == Float.self {
                // PyTorch computes float trigamma in float arithmetic (sinf of a rounded π·x), which
                // is off near the poles; its algorithm is followed so that the values agree.
                map(x, y, n) { T(SpecialFunctions.trigammaFloat(Float($0))) }
            } else {
                map(x, y, n) { T(SpecialFunctions.polygamma(k, Double($0))) }
            }
        case .i0: map(x, y, n) { T(SpecialFunctions.i0(Double($0))) }
        case .i1: map(x, y, n) { T(SpecialFunctions.i1(Double($0))) }
        }
    }

    /// 10^k as C's `pow(10, k)` in double.
    @inline(__always)
    static func powerOfTen(_ k: Int) -> Double { Glibc.pow(10, Double(k)) }

    /// `a op b` with broadcasting for float operands of one dtype (any layout).
    static func mathBinary(_ op: MathBinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int], name: String) -> Tensor {
        if a.dtype.isReducedPrecision {
            return computed(in: .float32, [a, b], result: a.dtype) { mathBinary(op, $0[0], $0[1], shape: shape, name: name) }
        }
        let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
        if out.count == 0 { return out }
        let layout = ElementwiseLayout(a, b, out)
        switch a.dtype {
        case .float32:
            inRanges(layout, a.stridedPtr(Float.self), b.stridedPtr(Float.self), out.stridedPtr(Float.self)) { mathBinaryTyped(op, layout, $0, $1, $2, $3) }
        case .float64:
            inRanges(layout, a.stridedPtr(Double.self), b.stridedPtr(Double.self), out.stridedPtr(Double.self)) { mathBinaryTyped(op, layout, $0, $1, $2, $3) }
        default:
            checkFailure("\(name): no kernel for \(a.dtype) (shapes \(a.shape) and \(b.shape))")
        }
        return out
    }

    static func mathBinaryTyped<T: MathElement>(_ op: MathBinaryOp, _ layout: ElementwiseLayout, _ r: Range<Int>,
                                                _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>) {
        switch op {
        case .atan2: zip2(layout, r, a, b, c) { T.atan2($0, $1) }
        case .hypot: zip2(layout, r, a, b, c) { T.hypot($0, $1) }
        case .copysign: zip2(layout, r, a, b, c) { T.copysign($0, $1) }
        // max + log(1 + e^-|a-b|): no overflow; equal infinities return themselves (their difference is NaN).
        case .logaddexp: zip2(layout, r, a, b, c) { x, y in
            if x.isInfinite && x == y { return x }
            let m = x > y || y.isNaN ? x : y
            return m + T.log1p(T.exp(-Swift.abs(x - y)))
        }
        case .logaddexp2: zip2(layout, r, a, b, c) { x, y in
            if x.isInfinite && x == y { return x }
            let m = x > y || y.isNaN ? x : y
            return m + T.log1p(T.exp2(-Swift.abs(x - y))) * T(1 / M_LN2)
        }
        // 0 where x == 0 (even where log y is -inf), NaN where y is NaN, as PyTorch.
        case .xlogy: zip2(layout, r, a, b, c) { x, y in
            if y.isNaN { return y }
            return x == 0 ? 0 : x * T.log(y)
        }
        }
    }
}
