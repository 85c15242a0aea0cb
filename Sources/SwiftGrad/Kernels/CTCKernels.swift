#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The CTC loss's forward-backward recursions (Graves et al. 2006) in log space, in Double:
// α over the blank-extended label sequence for the negative log-likelihood, and β with α for its
// gradient with respect to the log-probabilities. Samples run in parallel.

extension Kernels {
    /// log(e^a + e^b), exact when either is -∞.
    @inline(__always)
    static func logAddExp(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        let m = Swift.max(a, b)
        return m + log1p(exp(-Swift.abs(a - b)))
    }

    /// Per-sample negative log-likelihoods of `targets` under `lp` ([T, N, C] row-major log-probabilities),
    /// and, with `gradient`, d nll / d lp ([T, N, C]; zero at t ≥ inputLengths[n]).
    static func ctcLoss(_ lp: [Double], t tMax: Int, n: Int, c: Int, targets: [[Int]], inputLengths: [Int], blank: Int,
                        gradient: Bool) -> (nll: [Double], grad: [Double]) {
        var nll = [Double](repeating: 0, count: n)
        var grad = [Double](repeating: 0, count: gradient ? lp.count : 0)
        // No frames at all (T = 0): only empty targets are possible.
        if n == 0 || lp.isEmpty { return (targets.map { $0.isEmpty ? 0 : .infinity }, grad) }
        nll.withUnsafeMutableBufferPointer { nb in
            grad.withUnsafeMutableBufferPointer { gb in
                lp.withUnsafeBufferPointer { lb in
                    // An empty array's buffer is a shared singleton: never hand it out for writing.
                    let np = SendablePointer(nb.baseAddress!), gp = gradient ? gb.baseAddress.map { SendablePointer($0) } : nil
                    let lpp = SendablePointer(lb.baseAddress!)
                    parallelRanges(n, threshold: 2) { lo, hi in
                        for b in lo..<hi {
                            ctcSample(lpp.p, b, tMax: tMax, n: n, c: c, labels: targets[b], steps: inputLengths[b], blank: blank,
                                      nll: np.p, grad: gp?.p)
                        }
                    }
                }
            }
        }
        return (nll, grad)
    }

    /// One sample: α (and β, γ for the gradient) over the extended labels l' = (blank, l1, blank, ..., blank).
    private static func ctcSample(_ lp: UnsafeMutablePointer<Double>, _ b: Int, tMax: Int, n: Int, c: Int, labels: [Int], steps: Int,
                                  blank: Int, nll: UnsafeMutablePointer<Double>, grad: UnsafeMutablePointer<Double>?) {
        let s = 2 * labels.count + 1
        @inline(__always) func label(_ i: Int) -> Int { i % 2 == 0 ? blank : labels[i / 2] }
        @inline(__always) func at(_ t: Int, _ k: Int) -> Double { lp[(t * n + b) * c + k] }
        // l'_i may come from l'_{i-2} when it is a label differing from the label two back.
        @inline(__always) func skips(_ i: Int) -> Bool { i >= 2 && label(i) != blank && label(i) != label(i - 2) }
        if steps == 0 {
            // No frames: only an empty target has probability 1.
            nll[b] = labels.isEmpty ? 0 : .infinity
            return
        }
        var alpha = [Double](repeating: -.infinity, count: steps * s)
        alpha[0] = at(0, blank)
        if s > 1 { alpha[1] = at(0, label(1)) }
        for t in 1..<steps {
            for i in 0..<s {
                var a = alpha[(t - 1) * s + i]
                if i >= 1 { a = logAddExp(a, alpha[(t - 1) * s + i - 1]) }
                if skips(i) { a = logAddExp(a, alpha[(t - 1) * s + i - 2]) }
                alpha[t * s + i] = a == -.infinity ? a : a + at(t, label(i))
            }
        }
        let last = (steps - 1) * s
        let logLikelihood = s > 1 ? logAddExp(alpha[last + s - 1], alpha[last + s - 2]) : alpha[last + s - 1]
        nll[b] = -logLikelihood
        guard let grad else { return }
        var beta = [Double](repeating: -.infinity, count: steps * s)
        beta[last + s - 1] = at(steps - 1, blank)
        if s > 1 { beta[last + s - 2] = at(steps - 1, label(s - 2)) }
        for t in stride(from: steps - 2, through: 0, by: -1) {
            for i in 0..<s {
                var v = beta[(t + 1) * s + i]
                if i + 1 < s { v = logAddExp(v, beta[(t + 1) * s + i + 1]) }
                if i + 2 < s && skips(i + 2) { v = logAddExp(v, beta[(t + 1) * s + i + 2]) }
                beta[t * s + i] = v == -.infinity ? v : v + at(t, label(i))
            }
        }
        // d(-log p)/d lp[t, k] = -Σ_{i: l'_i = k} α_t(i)·β_t(i) / (y_t(k)·p), in log space.
        var lcab = [Double](repeating: -.infinity, count: c)
        for t in 0..<steps {
            for k in 0..<c { lcab[k] = -.infinity }
            for i in 0..<s {
                let ab = alpha[t * s + i] + beta[t * s + i]
                if ab != -.infinity { lcab[label(i)] = logAddExp(lcab[label(i)], ab - at(t, label(i))) }
            }
            for k in 0..<c {
                grad[(t * n + b) * c + k] = -exp(lcab[k] - logLikelihood)
            }
        }
    }
}
