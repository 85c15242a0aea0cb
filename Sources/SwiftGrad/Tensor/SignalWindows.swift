#if canImport(Glibc)
import Glibc
#endif

/// Window functions of `torch.signal.windows`: tapers of length `m` for spectral analysis and filter
/// design. `sym: true` (the default) gives a symmetric window, for filter design; `sym: false` a
/// periodic one (the first `m` points of the symmetric window of length `m + 1`), for spectral
/// analysis. Values are computed in Double and rounded once to `dtype` (a float dtype, float32 by
/// default); `m == 0` gives an empty tensor and `m == 1` a single 1 (except `exponential`, whose
/// one point is its value at 0).
///
///     let w = SignalWindows.hann(8)                       // [0, 0.188, 0.611, 0.950, 0.950, ...]
///     let spectrum = (frame * SignalWindows.hann(frame.count, sym: false))
public enum SignalWindows {
    /// The window from its values at n = 0..<m.
    private static func make(_ op: String, _ m: Int, dtype: DType, oneIsOne: Bool = true, _ value: (Int) -> Double) -> Tensor {
        check(m >= 0, "signal.windows.\(op): the window length must be non-negative, got \(m)")
        check(dtype.isFloatingPoint, "signal.windows.\(op): dtype must be a float type, got \(dtype)")
        if m == 1 && oneIsOne { return Tensor.ones([1], dtype: dtype) }
        return Tensor((0..<m).map(value), shape: [m], dtype: dtype)
    }

    /// The sum Σᵢ (−1)ⁱ aᵢ cos(2πi·n/(m − 1)) (m for a periodic window): the generalized cosine
    /// window (PyTorch's `general_cosine(M, a=...)`).
    ///
    ///     let w = SignalWindows.generalCosine(16, a: [0.5, 0.5])     // hann
    public static func generalCosine(_ m: Int, a: [Double], sym: Bool = true, dtype: DType = .float32) -> Tensor {
        generalCosine(m, a: a, sym: sym, dtype: dtype, op: "general_cosine")
    }

    private static func generalCosine(_ m: Int, a: [Double], sym: Bool, dtype: DType, op: String) -> Tensor {
        check(!a.isEmpty, "signal.windows.\(op): the coefficients a must not be empty (window length \(m))")
        let d = Double(sym ? m - 1 : m)
        return make(op, m, dtype: dtype) { n in
            var s = 0.0
            for (i, ai) in a.enumerated() {
                s += (i % 2 == 0 ? ai : -ai) * Glibc.cos(2 * Double.pi * Double(i) * Double(n) / d)
            }
            return s
        }
    }

    /// The generalized Hamming window α − (1 − α)·cos(2πn/(m − 1)) (PyTorch's `general_hamming`).
    ///
    ///     let w = SignalWindows.generalHamming(16, alpha: 0.6)
    public static func generalHamming(_ m: Int, alpha: Double = 0.54, sym: Bool = true, dtype: DType = .float32) -> Tensor {
        generalCosine(m, a: [alpha, 1 - alpha], sym: sym, dtype: dtype, op: "general_hamming")
    }

    /// The Hamming window, 0.54 − 0.46·cos(2πn/(m − 1)).
    ///
    ///     let w = SignalWindows.hamming(64, sym: false)
    public static func hamming(_ m: Int, sym: Bool = true, dtype: DType = .float32) -> Tensor {
        generalCosine(m, a: [0.54, 1 - 0.54], sym: sym, dtype: dtype, op: "hamming")
    }

    /// The Hann window, ½ − ½·cos(2πn/(m − 1)).
    ///
    ///     let w = SignalWindows.hann(64, sym: false)
    public static func hann(_ m: Int, sym: Bool = true, dtype: DType = .float32) -> Tensor {
        generalCosine(m, a: [0.5, 0.5], sym: sym, dtype: dtype, op: "hann")
    }

    /// The Blackman window, 0.42 − 0.5·cos(2πn/(m − 1)) + 0.08·cos(4πn/(m − 1)).
    ///
    ///     let w = SignalWindows.blackman(64)
    public static func blackman(_ m: Int, sym: Bool = true, dtype: DType = .float32) -> Tensor {
        generalCosine(m, a: [0.42, 0.5, 0.08], sym: sym, dtype: dtype, op: "blackman")
    }

    /// The minimum 4-term Blackman-Harris window of Nuttall.
    ///
    ///     let w = SignalWindows.nuttall(64)
    public static func nuttall(_ m: Int, sym: Bool = true, dtype: DType = .float32) -> Tensor {
        generalCosine(m, a: [0.3635819, 0.4891775, 0.1365995, 0.0106411], sym: sym, dtype: dtype, op: "nuttall")
    }

    /// The triangular Bartlett window, 1 − |2n/(m − 1) − 1|.
    ///
    ///     let w = SignalWindows.bartlett(9)       // 0 at both ends, 1 in the middle
    public static func bartlett(_ m: Int, sym: Bool = true, dtype: DType = .float32) -> Tensor {
        let d = Double(sym ? m - 1 : m)
        return make("bartlett", m, dtype: dtype) { n in 1 - Swift.abs(-1 + 2 * Double(n) / d) }
    }

    /// The cosine (sine) window, sin(π(n + ½)/m) (m + 1 for a periodic window).
    ///
    ///     let w = SignalWindows.cosine(16)
    public static func cosine(_ m: Int, sym: Bool = true, dtype: DType = .float32) -> Tensor {
        let d = Double(sym ? m : m + 1)
        return make("cosine", m, dtype: dtype) { n in Glibc.sin(Double.pi * (Double(n) + 0.5) / d) }
    }

    /// The Gaussian window exp(−(n − c)²/(2·std²)), centred at c = (m − 1)/2 (m/2 periodic).
    ///
    ///     let w = SignalWindows.gaussian(16, std: 3)
    public static func gaussian(_ m: Int, std: Double = 1, sym: Bool = true, dtype: DType = .float32) -> Tensor {
        check(std > 0, "signal.windows.gaussian: std must be positive, got \(std) (window length \(m))")
        let c = Double(sym ? m - 1 : m) / 2
        return make("gaussian", m, dtype: dtype) { n in
            let t = Double(n) - c
            return Glibc.exp(-t * t / (2 * std * std))
        }
    }

    /// The exponential (Poisson) window exp(−|n − center|/tau); `center` defaults to the middle,
    /// (m − 1)/2 (m/2 periodic), and may be given only for a periodic window, as PyTorch's.
    ///
    ///     let w = SignalWindows.exponential(16, center: 4, tau: 2, sym: false)
    public static func exponential(_ m: Int, center: Double? = nil, tau: Double = 1, sym: Bool = true,
                                   dtype: DType = .float32) -> Tensor {
        check(tau > 0, "signal.windows.exponential: tau must be positive, got \(tau) (window length \(m))")
        check(!(sym && center != nil), "signal.windows.exponential: center must be nil for a symmetric window (window length \(m))")
        let c = center ?? Double(sym ? m - 1 : m) / 2
        return make("exponential", m, dtype: dtype, oneIsOne: false) { n in Glibc.exp(-Swift.abs(Double(n) - c) / tau) }
    }

    /// The Kaiser window I₀(β·√(1 − (2n/(m − 1) − 1)²))/I₀(β); larger β narrows the main lobe's
    /// leakage at the cost of its width.
    ///
    ///     let w = SignalWindows.kaiser(32, beta: 8.6)
    public static func kaiser(_ m: Int, beta: Double = 12, sym: Bool = true, dtype: DType = .float32) -> Tensor {
        check(beta >= 0, "signal.windows.kaiser: beta must be non-negative, got \(beta) (window length \(m))")
        let d = Double(sym ? m - 1 : m), norm = SpecialFunctions.i0(beta)
        return make("kaiser", m, dtype: dtype) { n in
            // k runs from −β to β; clamping at β keeps β² − k² from going below 0 by rounding.
            let k = Swift.min(beta, -beta + Double(n) * 2 * beta / d)
            return SpecialFunctions.i0(Swift.max(beta * beta - k * k, 0).squareRoot()) / norm
        }
    }
}
