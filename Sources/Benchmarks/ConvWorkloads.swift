import CBLAS
import SwiftGrad

/// conv64_fwd_bwd: Conv2d 64→64, 3×3, padding 1, with bias, on a 32×64×32×32 input that requires
/// grad; forward, sum, backward. Also prints the forward time alone, the backward/forward ratio and
/// the share of the step spent in the three GEMMs (timed directly through cblas at the same sizes).
func benchConv64FwdBwd() {
    manualSeed(0)
    let (n, c, o, hw) = (32, 64, 64, 32)
    let x = Tensor.randn([n, c, hw, hw]).requiringGrad()
    let w = (Tensor.randn([o, c, 3, 3]) * 0.05).requiringGrad()
    let b = Tensor.zeros([o]).requiringGrad()
    let ms = timeit(reps: 7) {
        x.grad = nil; w.grad = nil; b.grad = nil
        conv2d(x, weight: w, bias: b, padding: 1).sum().backward()
    }
    let fwd = timeit(reps: 7) { _ = conv2d(x, weight: w, bias: b, padding: 1) }

    // The GEMMs of one step: forward [o, k]·[k, p], weight gradient [o, p]·[p, k]ᵀ, input gradient [k, o]ᵀ·[o, p].
    let k = c * 9, p = n * hw * hw
    let wa = [Float](repeating: 0.01, count: o * k), cols = [Float](repeating: 0.01, count: k * p)
    var y = [Float](repeating: 0, count: o * p), dw = [Float](repeating: 0, count: o * k)
    var dcols = [Float](repeating: 0, count: k * p)
    let gemms = timeit(reps: 7) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(o), Int32(p), Int32(k), 1, wa, Int32(k),
                    cols, Int32(p), 0, &y, Int32(p))
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(o), Int32(k), Int32(p), 1, y, Int32(p),
                    cols, Int32(p), 0, &dw, Int32(k))
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(p), Int32(o), 1, wa, Int32(k),
                    y, Int32(p), 0, &dcols, Int32(p))
    }
    let flops = 3 * 2.0 * Double(o * k * p)
    emit("conv64_fwd_bwd", ms, [("forward_ms", fwd), ("backward_over_forward", (ms - fwd) / fwd),
                                ("gemm_ms", gemms), ("gemm_share", gemms / ms),
                                ("gemm_gflops", flops / (gemms / 1e3) / 1e9)])
}
