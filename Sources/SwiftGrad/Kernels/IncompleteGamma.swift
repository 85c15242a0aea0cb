#if canImport(Glibc)
import Glibc
#endif

// The regularized incomplete gamma functions P(a, x) = γ(a, x)/Γ(a) (PyTorch's `igamma`) and
// Q(a, x) = 1 − P (`igammac`): the power series of γ below x = a + 1, the Legendre continued fraction
// of Γ(a, x) (modified Lentz) above, each giving the other by 1 − itself where it is not small.

extension SpecialFunctions {
    /// (P(a, x), Q(a, x)), with PyTorch's values at the edges: NaN for a or x negative or NaN, for
    /// a = x = 0 and for a = x = ∞; P = 1 for a = 0 < x or x = ∞ > a; P = 0 for x = 0 < a or a = ∞ > x.
    static func incompleteGamma(_ a: Double, _ x: Double) -> (p: Double, q: Double) {
        if a.isNaN || x.isNaN || a < 0 || x < 0 { return (.nan, .nan) }
        if a == 0 { return x > 0 ? (1, 0) : (.nan, .nan) }
        if x == 0 { return (0, 1) }
        if a == .infinity { return x == .infinity ? (.nan, .nan) : (0, 1) }
        if x == .infinity { return (1, 0) }
        var sign: Int32 = 0
        // x^a·e^(−x)/Γ(a), in logs: each factor alone may overflow.
        let logPrefactor = a * Glibc.log(x) - x - Glibc.lgamma_r(a, &sign)
        if x < a + 1 {
            var term = 1 / a, sum = term, n = 1.0
            while n < 100_000 {
                term *= x / (a + n)
                sum += term
                if Swift.abs(term) < Swift.abs(sum) * 1e-17 { break }
                n += 1
            }
            let p = Glibc.exp(logPrefactor) * sum
            return (p, 1 - p)
        }
        // Γ(a, x)·e^x·x^(−a) = 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − 2·(2 − a)/(x + 5 − a − ...))).
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d, i = 1.0
        while i < 100_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if Swift.abs(d) < tiny { d = tiny }
            c = b + an / c
            if Swift.abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if Swift.abs(delta - 1) < 1e-16 { break }
            i += 1
        }
        let q = Glibc.exp(logPrefactor) * h
        return (1 - q, q)
    }
}
