#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scalar special functions in Double, with PyTorch's values at poles and outside the domain:
/// digamma, trigamma, polygamma (through the Hurwitz zeta function), erfinv, and the modified
/// Bessel functions I₀ and I₁. The element-wise kernels (MathKernels.swift) call these per element.
enum SpecialFunctions {
    /// ψ(x) = d/dx log Γ(x). ψ(±0) = ∓∞, NaN at the negative integers (PyTorch's values).
    static func digamma(_ x0: Double) -> Double {
        var x = x0
        if x == 0 { return copysign(.infinity, -x) }
        if x.isNaN || x == -.infinity { return .nan }
        if x == .infinity { return .infinity }
        if x < 0 {
            if x == x.rounded(.towardZero) { return .nan }
            // Reflection ψ(x) = ψ(1 - x) - π/tan(πx), with πx reduced to its fractional part first
            // (tan has period π), so a large |x| loses no digits in the product.
            let fraction = x - x.rounded(.towardZero)
            return digamma(1 - x) - .pi / tan(.pi * fraction)
        }
        // Recurrence ψ(x) = ψ(x + 1) - 1/x up to x ≥ 10, then the asymptotic series
        // ln x - 1/(2x) - Σ B₂ₖ/(2k x²ᵏ) (7 terms: below an ulp from x = 10 on).
        var result = 0.0
        while x < 10 { result -= 1 / x; x += 1 }
        let z = 1 / (x * x)
        let s6 = 691.0 / 32760 - z / 12
        let s5 = 1.0 / 132 - z * s6
        let s4 = 1.0 / 240 - z * s5
        let s3 = 1.0 / 252 - z * s4
        let s2 = 1.0 / 120 - z * s3
        let series = z * (1.0 / 12 - z * s2)
        return result + log(x) - 0.5 / x - series
    }

    /// ψ₁(x) = d/dx ψ(x). Below ½ through the reflection ψ₁(x) = π²/sin²(πx) - ψ₁(1 - x) with
    /// sin(πx) taken as PyTorch takes it (so a negative integer gives PyTorch's large finite value).
    static func trigamma(_ x0: Double) -> Double {
        var x = x0, sign = 1.0, result = 0.0
        if x.isNaN { return x }
        if x < 0.5 {
            sign = -1
            let s = sin(.pi * x)
            result -= .pi * .pi / (s * s)
            x = 1 - x
        }
        if x == .infinity { return sign * result }
        while x < 10 { result += 1 / (x * x); x += 1 }
        // 1/x + 1/(2x²) + Σ B₂ₖ/x²ᵏ⁺¹ up to B₁₄ (below an ulp from x = 10 on).
        let z = 1 / (x * x)
        let b = 1.0 / 6 - z * (1.0 / 30 - z * (1.0 / 42 - z * (1.0 / 30 - z * (5.0 / 66 - z * (691.0 / 2730 - z * 7 / 6)))))
        result += (1 + 1 / (2 * x) + z * b) / x
        return sign * result
    }

    /// (2k)!/B₂ₖ for k = 1...12: the Euler-Maclaurin coefficients of the Hurwitz zeta tail.
    static let zetaCoefficients: [Double] = [
        12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
        -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
        1.8152105401943546773e17, -7.1661652561756670113e18,
    ]

    /// The Hurwitz zeta function ζ(x, q) = Σₖ (q + k)^-x for x > 1: nine or more terms summed
    /// directly, the rest by Euler-Maclaurin. ∞ at x = 1 and at q a non-positive integer, NaN for
    /// x < 1 (PyTorch's values).
    static func zeta(_ x: Double, _ q: Double) -> Double {
        if x == 1 { return .infinity }
        if x < 1 || x.isNaN || q.isNaN { return .nan }
        if q <= 0 {
            if q == q.rounded(.down) { return .infinity }
            if x != x.rounded(.down) { return .nan }   // q^-x is not real
        }
        let epsilon = Double.ulpOfOne / 2
        var s = pow(q, -x), a = q, b = 0.0, i = 0
        while i < 9 || a <= 9 {
            i += 1; a += 1
            b = pow(a, -x); s += b
            if Swift.abs(b / s) < epsilon { return s }
        }
        let w = a
        s += b * w / (x - 1) - 0.5 * b
        var factor = 1.0, k = 0.0
        for c in zetaCoefficients {
            factor *= x + k; b /= w
            let t = factor * b / c
            s += t
            if Swift.abs(t / s) < epsilon { return s }
            k += 1; factor *= x + k; b /= w; k += 1
        }
        return s
    }

    /// ψ⁽ⁿ⁾(x), the n-th derivative of digamma: n = 0 digamma, n = 1 trigamma, else
    /// (-1)ⁿ⁺¹ n! ζ(n + 1, x).
    static func polygamma(_ n: Int, _ x: Double) -> Double {
        switch n {
        case 0: return digamma(x)
        case 1: return trigamma(x)
        default:
            var s: Int32 = 0
            let factorial = exp(lgamma_r(Double(n) + 1, &s))
            return (n % 2 == 1 ? 1.0 : -1.0) * factorial * zeta(Double(n + 1), x)
        }
    }

    /// The inverse error function: ±∞ at ±1, NaN outside [-1, 1]. Giles' single-precision
    /// approximation (2010) as the start, then Newton steps; for |y| > ½ on log erfc(|x|) = log(1 - |y|)
    /// (1 - |y| is exact by Sterbenz) so the result stays accurate as |y| → 1.
    static func erfinv(_ y: Double) -> Double {
        if y.isNaN || Swift.abs(y) > 1 { return .nan }
        if Swift.abs(y) == 1 { return copysign(.infinity, y) }
        var w = -log((1 - y) * (1 + y))
        var p: Double
        if w < 5 {
            w -= 2.5
            p = 2.81022636e-08
            for c in [3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                      -0.00417768164, 0.246640727, 1.50140941] { p = c + p * w }
        } else {
            w = w.squareRoot() - 3
            p = -0.000200214257
            for c in [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                      0.00943887047, 1.00167406, 2.83297682] { p = c + p * w }
        }
        var x = p * y
        let twoOverRootPi = 2 / Double.pi.squareRoot()
        if Swift.abs(y) <= 0.5 {
            for _ in 0..<3 { x -= (erf(x) - y) / (twoOverRootPi * exp(-x * x)) }
        } else {
            // Newton on log erfc(|x|) = log(1 - |y|): nearly quadratic in x, so it converges from the
            // approximation's tail error (1e-2 near |y| = 1) in a few steps where erfc itself would not.
            let target = log(1 - Swift.abs(y))
            var ax = Swift.abs(x)
            for _ in 0..<5 {
                let e = erfc(ax)
                ax += (log(e) - target) * e / (twoOverRootPi * exp(-ax * ax))
            }
            x = copysign(ax, y)
        }
        return x
    }

    /// ψ′(x) in Float arithmetic, step for step as PyTorch's CPU `trigamma(float)` (ATen Math.h):
    /// reflection through sinf(π·x) with π and the product rounded to Float below ½ (which loses
    /// digits near the poles: 412.7526 where ψ′(−7.950587) is 412.744), six recurrence steps, then
    /// the asymptotic series. Used for float32 (and float16/bfloat16) polygamma(1, x).
    static func trigammaFloat(_ x0: Float) -> Float {
        var x = x0, sign: Float = 1, result: Float = 0
        if x < 0.5 {
            sign = -1
            let piF = Float(Double.pi)       // c10::pi<float>, rounded to nearest (Float.pi rounds down)
            let s = sinf(piF * x)
            result -= (piF * piF) / (s * s)
            x = 1 - x
        }
        for _ in 0..<6 {
            result += 1 / (x * x)
            x += 1
        }
        let ixx = 1 / (x * x)
        let series: Float = 1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42))
        result += (1 + 1 / (2 * x) + ixx * series) / x
        return sign * result
    }

    /// The modified Bessel function of the first kind, order 0 (even).
    static func i0(_ x: Double) -> Double { besselI(0, Swift.abs(x)) }

    /// The modified Bessel function of the first kind, order 1 (odd).
    static func i1(_ x: Double) -> Double {
        let v = besselI(1, Swift.abs(x))
        return x < 0 ? -v : v
    }

    /// Iᵥ(x) for x ≥ 0 and ν ∈ {0, 1}: the power series Σ (x/2)^(2k+ν)/(k!(k+ν)!) up to x = 30
    /// (positive terms: no cancellation), the asymptotic series e^x/√(2πx)·Σ (-1)ᵏ Πⱼ(4ν² - (2j-1)²)/(k!(8x)ᵏ)
    /// above (its terms shrink below 1e-17 long before they would grow again).
    static func besselI(_ nu: Int, _ x: Double) -> Double {
        if x.isNaN { return x }
        if x <= 30 {
            let h = x / 2, h2 = h * h, v = Double(nu)
            var term = nu == 0 ? 1.0 : h, sum = term, k = 1.0
            while true {
                term *= h2 / (k * (k + v))
                sum += term
                if term <= sum * 1e-17 { break }
                k += 1
            }
            return sum
        }
        // PyTorch (Cephes) computes e^x·P(32/x − 2)/√x, which is ∞/∞ = NaN at ±∞: I₀(±∞) and
        // I₁(±∞) are NaN there, and so here, so that results (and gradients) match.
        if x == .infinity { return .nan }
        let mu = Double(4 * nu * nu)
        var term = 1.0, sum = 1.0
        for k in 1...80 {
            let odd = Double(2 * k - 1)
            term *= -(mu - odd * odd) / (Double(k) * 8 * x)
            sum += term
            if Swift.abs(term) <= 1e-17 * Swift.abs(sum) { break }
        }
        // e^x in two halves, so the product overflows only when the result does.
        let half = exp(x / 2)
        return half * (sum / (2 * .pi * x).squareRoot()) * half
    }
}
