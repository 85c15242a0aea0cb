#if canImport(Glibc)
import Glibc
#endif

// The orthogonal polynomials of `torch.special` at a real x and a degree n given as a float
// (truncated toward zero, as PyTorch casts it; a negative, non-finite or out-of-range n gives 0):
// three-term recurrences, and for the Chebyshev kinds of high degree inside (−1, 1) their
// trigonometric closed forms, with PyTorch's values at x = ±1.

/// Which polynomial family (`torch.special.<name>_polynomial_<kind>`).
enum OrthogonalPolynomial {
    case chebyshevT, chebyshevU, chebyshevV, chebyshevW
    case shiftedChebyshevT, shiftedChebyshevU, shiftedChebyshevV, shiftedChebyshevW
    case hermiteH, hermiteHe, laguerreL, legendreP

    /// The polynomial of degree `n` (a float, truncated) at `x`.
    func callAsFunction(_ x: Double, _ nValue: Double) -> Double {
        // C's cast of NaN, ±∞ or a value beyond Int64 gives Int64.min on x86: PyTorch returns 0 there.
        guard nValue.isFinite, Swift.abs(nValue) < 9.2e18 else { return 0 }
        let n = Int(nValue.rounded(.towardZero))
        if n < 0 { return 0 }
        switch self {
        case .chebyshevT: return Self.chebyshevT(x, n)
        case .chebyshevU: return Self.chebyshevU(x, n)
        case .chebyshevV: return Self.chebyshevV(x, n)
        case .chebyshevW: return Self.chebyshevW(x, n)
        case .shiftedChebyshevT: return Self.chebyshevT(x + x - 1, n)
        case .shiftedChebyshevU: return Self.chebyshevU(x + x - 1, n)
        case .shiftedChebyshevV: return Self.chebyshevV(x + x - 1, n)
        case .shiftedChebyshevW: return Self.chebyshevW(x + x - 1, n)
        case .hermiteH: return Self.hermiteH(x, n)
        case .hermiteHe: return Self.hermiteHe(x, n)
        case .laguerreL: return Self.laguerreL(x, n)
        case .legendreP: return Self.legendreP(x, n)
        }
    }

    /// p₀ = 1, p₁ = `first`, pₖ = 2x·pₖ₋₁ − pₖ₋₂: the Chebyshev recurrence shared by the four kinds.
    private static func chebyshevRecurrence(_ x: Double, _ n: Int, first: Double) -> Double {
        if n == 0 { return 1 }
        var p = 1.0, q = first
        if n >= 2 {
            for _ in 2...n {
                let r = (x + x) * q - p
                p = q; q = r
            }
        }
        return q
    }

    private static func odd(_ n: Int) -> Bool { n % 2 == 1 }

    /// Tₙ(x) = cos(n·acos x) on (−1, 1) for n > 6.
    static func chebyshevT(_ x: Double, _ n: Int) -> Double {
        if Swift.abs(x) == 1 { return x > 0 || !odd(n) ? 1 : -1 }
        if n > 6 && Swift.abs(x) < 1 { return Glibc.cos(Double(n) * Glibc.acos(x)) }
        return chebyshevRecurrence(x, n, first: x)
    }

    /// Uₙ(x) = sin((n+1)θ)/sin θ, θ = acos x, on (−1, 1) for n > 8.
    static func chebyshevU(_ x: Double, _ n: Int) -> Double {
        let m = Double(n + 1)
        if Swift.abs(x) == 1 { return x > 0 || !odd(n) ? m : -m }
        if n > 8 && Swift.abs(x) < 1 {
            let theta = Glibc.acos(x), s = Glibc.sin(theta)
            return s != 0 ? Glibc.sin(m * theta) / s : m * Glibc.cos(m * theta)
        }
        return chebyshevRecurrence(x, n, first: x + x)
    }

    /// Vₙ(x) = cos((n+½)θ)/cos(θ/2) on (−1, 1) for n > 8.
    static func chebyshevV(_ x: Double, _ n: Int) -> Double {
        let m = Double(2 * n + 1)
        if Swift.abs(x) == 1 { return x > 0 ? 1 : odd(n) ? -m : m }
        if n > 8 && Swift.abs(x) < 1 {
            let theta = Glibc.acos(x)
            if Glibc.sin(theta / 2) != 1 { return Glibc.cos((Double(n) + 0.5) * theta) / Glibc.cos(theta / 2) }
            return odd(n) ? -m : m
        }
        return chebyshevRecurrence(x, n, first: x + x - 1)
    }

    /// Wₙ(x) = sin((n+½)θ)/sin(θ/2) on (−1, 1) for n > 8.
    static func chebyshevW(_ x: Double, _ n: Int) -> Double {
        let m = Double(2 * n + 1)
        if Swift.abs(x) == 1 { return x > 0 ? m : odd(n) ? -1 : 1 }
        if n > 8 && Swift.abs(x) < 1 {
            let theta = Glibc.acos(x)
            if Glibc.cos(theta / 2) != 1 { return Glibc.sin((Double(n) + 0.5) * theta) / Glibc.sin(theta / 2) }
            return x > 0 ? m : odd(n) ? -1 : 1
        }
        return chebyshevRecurrence(x, n, first: x + x + 1)
    }

    /// The physicists' Hermite Hₙ: Hₖ₊₁ = 2x·Hₖ − 2k·Hₖ₋₁.
    static func hermiteH(_ x: Double, _ n: Int) -> Double {
        if n == 0 { return 1 }
        var p = 1.0, q = x + x, k = 2
        while k < n + n {
            let r = (x + x) * q - Double(k) * p
            p = q; q = r
            k += 2
        }
        return q
    }

    /// The probabilists' Hermite Heₙ: Heₖ₊₁ = x·Heₖ − k·Heₖ₋₁.
    static func hermiteHe(_ x: Double, _ n: Int) -> Double {
        if n == 0 { return 1 }
        var p = 1.0, q = x
        var k = 1
        while k < n {
            let r = x * q - Double(k) * p
            p = q; q = r
            k += 1
        }
        return q
    }

    /// Laguerre Lₙ: (k+1)Lₖ₊₁ = (2k + 1 − x)Lₖ − k·Lₖ₋₁ (1 at x = 0).
    static func laguerreL(_ x: Double, _ n: Int) -> Double {
        if x == 0 || n == 0 { return 1 }
        var p = 1.0, q = 1 - x
        var k = 1.0
        while k < Double(n) {
            let r = ((k + k + (1 - x)) * q - k * p) / (k + 1)
            p = q; q = r
            k += 1
        }
        return q
    }

    /// Legendre Pₙ: (k+1)Pₖ₊₁ = (2k+1)x·Pₖ − k·Pₖ₋₁ (±1 at x = ±1).
    static func legendreP(_ x: Double, _ n: Int) -> Double {
        if Swift.abs(x) == 1 { return x > 0 || !odd(n) ? 1 : -1 }
        if n == 0 { return 1 }
        var p = 1.0, q = x
        var k = 1.0
        while k < Double(n) {
            let r = ((k + k + 1) * x * q - k * p) / (k + 1)
            p = q; q = r
            k += 1
        }
        return q
    }
}
