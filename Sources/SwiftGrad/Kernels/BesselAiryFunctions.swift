#if canImport(Glibc)
import Glibc
#endif

// Scalar algorithms of the `torch.special` Bessel, Airy and error-function family (in Double):
// J₀, J₁, Y₀, Y₁ (Cephes' rational approximations, as PyTorch: BesselJY.swift), the modified Bessel functions K₀ and K₁ (power series below 2, Steed's
// continued fraction above), Airy's Ai (Maclaurin series, asymptotic expansions for large |x|),
// erfcx and log Φ. Non-finite inputs give PyTorch's values (NaN where its algorithms give NaN).

extension SpecialFunctions {
    static let eulerGamma = 0.577215664901532860606512090082

    /// J₀ (NaN at ±∞, as PyTorch's).
    static func besselJ0(_ x: Double) -> Double { x.isFinite ? BesselJY.j0(x) : .nan }
    /// J₁ (NaN at ±∞).
    static func besselJ1(_ x: Double) -> Double { x.isFinite ? BesselJY.j1(x) : .nan }
    /// Y₀: −∞ at 0, NaN below 0 and at ±∞.
    static func besselY0(_ x: Double) -> Double {
        if !x.isFinite || x < 0 { return .nan }
        return x == 0 ? -.infinity : BesselJY.y0(x)
    }
    /// Y₁: −∞ at 0, NaN below 0 and at ±∞.
    static func besselY1(_ x: Double) -> Double {
        if !x.isFinite || x < 0 { return .nan }
        return x == 0 ? -.infinity : BesselJY.y1(x)
    }

    /// PyTorch's `modified_bessel_i0`/`i1`: I₀ and I₁, NaN at ±∞ (unlike `i0`, which gives ∞).
    static func modifiedBesselI0(_ x: Double) -> Double { x.isFinite ? i0(x) : .nan }
    static func modifiedBesselI1(_ x: Double) -> Double { x.isFinite ? i1(x) : .nan }

    /// (K₀(x), K₁(x)), times eˣ when `scaled`: ∞ at 0, NaN below 0, 0 at ∞.
    static func besselK(_ x: Double, scaled: Bool) -> (Double, Double) {
        if x.isNaN || x < 0 { return (.nan, .nan) }
        if x == 0 { return (.infinity, .infinity) }
        if x == .infinity { return (0, 0) }
        if x <= 2 {
            let (k0, k1) = besselKSeries(x)
            let s = scaled ? Glibc.exp(x) : 1
            return (k0 * s, k1 * s)
        }
        return besselKContinuedFraction(x, scaled: scaled)
    }

    /// The power series of K₀ and K₁ for 0 < x ≤ 2, with h = x/2:
    /// K₀ = −(log h + γ)·I₀(x) + Σₖ₌₁ Hₖ·h²ᵏ/(k!)² (Hₖ the harmonic numbers), and
    /// K₁ = 1/x + log h·I₁(x) − (x/4)·Σₖ₌₀ (ψ(k+1) + ψ(k+2))·h²ᵏ/(k!(k+1)!).
    private static func besselKSeries(_ x: Double) -> (Double, Double) {
        let h = x / 2, h2 = h * h, logH = Glibc.log(h)
        var term = 1.0, harmonic = 0.0, sum0 = 0.0, k = 0.0
        repeat {
            k += 1
            term *= h2 / (k * k)
            harmonic += 1 / k
            sum0 += harmonic * term
        } while term * harmonic > 1e-17 * Swift.abs(sum0)
        let k0 = -(logH + eulerGamma) * i0(x) + sum0
        var psi1 = -eulerGamma, psi2 = 1 - eulerGamma
        term = 1
        var sum1 = psi1 + psi2, add = sum1
        k = 0
        repeat {
            k += 1
            term *= h2 / (k * (k + 1))
            psi1 += 1 / k
            psi2 += 1 / (k + 1)
            add = (psi1 + psi2) * term
            sum1 += add
        } while Swift.abs(add) > 1e-17 * Swift.abs(sum1)
        let k1 = 1 / x + logH * i1(x) - x / 4 * sum1
        return (k0, k1)
    }

    /// Steed's method on Temme's continued fraction (order 0) for x > 2: K₀ = √(π/2x)·e⁻ˣ/s and
    /// K₁ = K₀·(x + ½ − h)/x, with s and h the fraction's sums (e⁻ˣ left out when `scaled`).
    private static func besselKContinuedFraction(_ x: Double, scaled: Bool) -> (Double, Double) {
        var b = 2 * (1 + x), d = 1 / b, h = d, delh = d
        var q1 = 0.0, q2 = 1.0
        let a1 = 0.25
        var q = a1, c = a1, a = -a1, s = 1 + q * delh
        for i in 2..<10_000 {
            let fi = Double(i)
            a -= 2 * (fi - 1)
            c = -a * c / fi
            let qNew = (q1 - b * q2) / a
            q1 = q2; q2 = qNew
            q += c * qNew
            b += 2
            d = 1 / (b + a * d)
            delh = (b * d - 1) * delh
            h += delh
            let dels = q * delh
            s += dels
            if Swift.abs(dels / s) < 1e-17 { break }
        }
        h *= a1
        let k0 = (Double.pi / (2 * x)).squareRoot() / s * (scaled ? 1 : Glibc.exp(-x))
        return (k0, k0 * (x + 0.5 - h) / x)
    }

    /// sin(x)/x (1 at 0, 0 at ±∞).
    static func sphericalBesselJ0(_ x: Double) -> Double {
        if x.isInfinite { return 0 }
        if Swift.abs(x) < 1e-4 { return 1 - x * x / 6 }      // the series: sin(x)/x loses nothing, but 0/0 at 0
        return Glibc.sin(x) / x
    }

    /// Airy's Ai(x): the Maclaurin series Ai = c₁f(x) − c₂g(x) on [−7, 5] (its terms stay below e^15),
    /// the asymptotic expansions outside (their terms decrease until far below 1e-16 there). NaN at
    /// ±∞ and 0 above 103.9 (PyTorch's values).
    static func airyAi(_ x: Double) -> Double {
        if !x.isFinite { return .nan }
        if x > 103.892 { return 0 }
        if x > 5 { return airyAsymptoticPositive(x) }
        if x < -7 { return airyAsymptoticNegative(x) }
        // Ai(0) = 1/(3^(2/3)Γ(2/3)) and −Ai'(0) = 1/(3^(1/3)Γ(1/3)).
        let c1 = 0.355028053887817239260, c2 = 0.258819403792806798405
        let x3 = x * x * x
        var f = 1.0, g = x, tf = 1.0, tg = x, k = 0.0
        while k < 500 {
            k += 1
            tf *= x3 / ((3 * k - 1) * (3 * k))
            tg *= x3 / ((3 * k) * (3 * k + 1))
            f += tf; g += tg
            if Swift.abs(tf) <= 1e-17 * Swift.abs(f) && Swift.abs(tg) <= 1e-17 * Swift.abs(g) { break }
        }
        return c1 * f - c2 * g
    }

    /// uₖ of the Airy expansions: u₀ = 1, uₖ = uₖ₋₁·(6k−5)(6k−3)(6k−1)/((2k−1)·216·k).
    private static func airyU(_ k: Int, _ previous: Double) -> Double {
        let fk = Double(k)
        return previous * (6 * fk - 5) * (6 * fk - 3) * (6 * fk - 1) / ((2 * fk - 1) * 216 * fk)
    }

    /// Ai(x) ~ e^(−ζ)/(2√π·x^¼)·Σ (−1)ᵏuₖ/ζᵏ, ζ = (2/3)x^(3/2), summed while the terms decrease.
    private static func airyAsymptoticPositive(_ x: Double) -> Double {
        let z = 2.0 / 3 * x * x.squareRoot()
        var u = 1.0, s = 1.0, last = Double.infinity, zk = 1.0
        for k in 1..<60 {
            u = airyU(k, u)
            zk *= z
            let t = (k % 2 == 0 ? u : -u) / zk
            if Swift.abs(t) >= last { break }
            s += t
            last = Swift.abs(t)
            if last < 1e-17 * Swift.abs(s) { break }
        }
        return Glibc.exp(-z) / (2 * Double.pi.squareRoot() * Glibc.pow(x, 0.25)) * s
    }

    /// Ai(−a) ~ (sin(ζ + π/4)·P − cos(ζ + π/4)·Q)/(√π·a^¼), P = Σ (−1)ᵏu₂ₖ/ζ²ᵏ,
    /// Q = Σ (−1)ᵏu₂ₖ₊₁/ζ²ᵏ⁺¹, summed while the terms decrease.
    private static func airyAsymptoticNegative(_ x: Double) -> Double {
        let a = -x, z = 2.0 / 3 * a * a.squareRoot()
        var u = [1.0]
        for k in 1..<80 { u.append(airyU(k, u[k - 1])) }
        var p = 0.0, q = 0.0, last = Double.infinity, zk = 1.0
        for k in 0..<39 {
            let sign = k % 2 == 0 ? 1.0 : -1.0
            let t = sign * u[2 * k] / zk
            let t2 = sign * u[2 * k + 1] / (zk * z)
            if Swift.abs(t) > last { break }
            p += t; q += t2
            last = Swift.abs(t2)
            if Swift.abs(t) < 1e-17 && Swift.abs(t2) < 1e-17 { break }
            zk *= z * z
        }
        let theta = z + Double.pi / 4
        return (Glibc.sin(theta) * p - Glibc.cos(theta) * q) / (Double.pi.squareRoot() * Glibc.pow(a, 0.25))
    }

    /// The scaled complementary error function eˣ²·erfc(x): directly below 25 (erfc keeps its
    /// relative accuracy in the tail), by the asymptotic series 1/(x√π)·Σ (−1)ᵏ(2k−1)!!/(2x²)ᵏ
    /// above, and 2eˣ² − erfcx(−x) for x < 0 (∞ below −26.7, where eˣ² overflows).
    static func erfcx(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x < 0 { return x < -26.7 ? .infinity : 2 * Glibc.exp(x * x) - erfcx(-x) }
        if x < 25 { return Glibc.exp(x * x) * Glibc.erfc(x) }
        if x == .infinity { return 0 }
        let x2 = x * x
        var t = 1.0, s = 1.0
        for k in 1..<12 {
            t *= -Double(2 * k - 1) / (2 * x2)
            s += t
        }
        return s / (x * Double.pi.squareRoot())
    }

    /// log Φ(x), the log of the standard normal CDF: log1p(−erfc(x/√2)/2) from −1 up, and
    /// log(erfcx(−x/√2)/2) − x²/2 below, which stays finite far into the tail.
    static func logNdtr(_ x: Double) -> Double {
        let t = x / 2.0.squareRoot()
        if x < -1 { return Glibc.log(erfcx(-t) / 2) - t * t }
        return Glibc.log1p(-Glibc.erfc(t) / 2)
    }
}
