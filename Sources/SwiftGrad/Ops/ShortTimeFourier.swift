#if canImport(Glibc)
import Glibc
#endif

// The short-time Fourier transform with real outputs (PyTorch's `stft(..., return_complex=False)`
// layout: real and imaginary parts on a last axis of 2), composed of pad, unfold and two matrix
// products with the DFT's cosine and sine tables, so it is differentiable. We have no complex dtype,
// so `return_complex=True` has no spelling.

/// The short-time Fourier transform of `x` ([length] or [batch, length]): frames of `nFFT` samples
/// every `hopLength` (default nFFT/4), multiplied by `window` (length `winLength` ≤ nFFT, centred;
/// default all ones), each transformed by the DFT Σₙ x[n]·e^(−2πi·f·n/nFFT). Returns
/// [..., frequencies, frames, 2] (real, imaginary), with nFFT/2 + 1 frequencies when `onesided`.
/// `center` pads the signal by nFFT/2 on both sides with `padMode`; `normalized` divides by √nFFT.
///
///     let spec = stft(signal, nFFT: 400, hopLength: 160, window: SignalWindows.hann(400, sym: false))
public func stft(_ x: Tensor, nFFT: Int, hopLength: Int? = nil, winLength: Int? = nil, window: Tensor? = nil,
                 center: Bool = true, padMode: PaddingMode = .reflect, normalized: Bool = false, onesided: Bool = true) -> Tensor {
    let hop = hopLength ?? nFFT / 4, win = winLength ?? nFFT
    check(x.dtype.isFloatingPoint && (x.rank == 1 || x.rank == 2),
          "stft: expects a float signal [length] or [batch, length], got \(x.dtype) \(x.shape)")
    check(nFFT > 0 && hop > 0 && win > 0 && win <= nFFT,
          "stft: needs 0 < winLength (\(win)) <= nFFT (\(nFFT)) and hopLength (\(hop)) > 0 (signal \(x.shape))")
    var signal = x.rank == 1 ? x.unsqueeze(axis: 0) : x
    if center {
        let p = nFFT / 2
        signal = padMode == .constant ? signal.pad([p, p]) : signal.pad([p, p], mode: padMode)
    }
    check(signal.shape[1] >= nFFT, "stft: the signal \(x.shape) is shorter than nFFT = \(nFFT)\(center ? " after padding" : "")")
    var frames = signal.unfold(axis: 1, size: nFFT, step: hop)            // [batch, frames, nFFT]
    if window != nil || win < nFFT {
        let w = window ?? Tensor.ones([win], dtype: x.dtype)
        check(w.rank == 1 && w.count == win, "stft: window of shape \(w.shape) must have winLength = \(win) elements (signal \(x.shape))")
        let left = (nFFT - win) / 2
        frames = frames * w.to(x.dtype).pad([left, nFFT - win - left])
    }
    let freqs = onesided ? nFFT / 2 + 1 : nFFT
    // f·n reduced mod nFFT keeps every angle in [0, 2π): the tables are accurate to the last bit.
    func table(_ f: (Double) -> Double) -> Tensor {
        Tensor((0..<nFFT).flatMap { n in (0..<freqs).map { k in f(2 * Double.pi * Double((k * n) % nFFT) / Double(nFFT)) } },
               shape: [nFFT, freqs], dtype: x.dtype)
    }
    var re = frames.matmul(table { Glibc.cos($0) }), im = frames.matmul(table { -Glibc.sin($0) })
    if normalized {
        let s = Double(nFFT).squareRoot()
        re = re / s; im = im / s
    }
    let out = Tensor.stack([re, im], axis: -1).transpose(1, 2)            // [batch, freqs, frames, 2]
    return x.rank == 1 ? out.squeeze(axis: 0) : out
}
