import CBLAS
import SwiftGrad

/// conv64_fwd_bwd: Conv2d 64→64, 3×3, padding 1, with bias, on a 32×64×32×32 input that requires
/// grad; forward, sum, backward. Also prints the forward time alone, the backward/forward ratio and
/// the share of the step spent in the three GEMMs (the same calls timed directly through cblas,
/// threaded by OpenBLAS itself).
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

    // The GEMMs of one step as the library runs them: the batch in chunks of 3 samples (8 MiB of
    // columns), per chunk forward [o, k]·[k, p], weight gradient (transposed) [k, p]·[o, p]ᵀ (accumulated), input
    // gradient [o, k]ᵀ·[o, p]; p = 3·32·32.
    let k = c * 9, chunk = 3, p = chunk * hw * hw
    let wa = [Float](repeating: 0.01, count: o * k), dy = [Float](repeating: 0.01, count: o * p)
    var cols = [Float](repeating: 0.01, count: k * p)
    var y = [Float](repeating: 0, count: o * p), dw = [Float](repeating: 0, count: o * k)
    let gemms = withOpenBLASThreads { timeit(reps: 7) {
        var n0 = 0
        while n0 < n {
            let pc = Int32(min(chunk, n - n0) * hw * hw)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(o), pc, Int32(k), 1, wa, Int32(k),
                        cols, pc, 0, &y, pc)
            n0 += chunk
        }
        n0 = 0
        while n0 < n {
            let pc = Int32(min(chunk, n - n0) * hw * hw)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(k), Int32(o), pc, 1, cols, pc,
                        dy, pc, n0 == 0 ? 0 : 1, &dw, Int32(o))
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), pc, Int32(o), 1, wa, Int32(k),
                        dy, pc, 0, &cols, pc)
            n0 += chunk
        }
    } }
    let flops = 3 * 2.0 * Double(o * k * n * hw * hw)
    emit("conv64_fwd_bwd", ms, [("forward_ms", fwd), ("backward_over_forward", (ms - fwd) / fwd),
                                ("gemm_ms", gemms), ("gemm_share", gemms / ms),
                                ("gemm_gflops", flops / (gemms / 1e3) / 1e9)])
}
