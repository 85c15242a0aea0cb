import Foundation
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

/// Winograd tile sizes side by side on the 3×3 stride-1 layers of resnet18_train_step (batch 32):
/// forward + input and weight gradients with `Runtime.winogradLargeTiles` off (F(2×2, 3×3)) and on,
/// and through im2col, alternating in one process so that the host's drift hits all three alike.
/// Prints the median of each per layer.
func benchWinogradTilesAB() {
    let layers = [(64, 32), (128, 16), (256, 8), (512, 4)]
    let reps = Int(ProcessInfo.processInfo.environment["SWIFTGRAD_BENCH_REPS"] ?? "") ?? 9
    for (c, hw) in layers {
        let x = Tensor.randn([32, c, hw, hw]).requiringGrad()
        let w = (Tensor.randn([c, c, 3, 3]) * 0.05).requiringGrad()
        let configs: [(String, Bool, Bool)] = [("f2", true, false), ("f4", true, true), ("im2col", false, false)]
        var times = [[Double]](repeating: [], count: configs.count)
        for rep in 0..<(reps + 1) {
            for (i, cfg) in configs.enumerated() {
                Runtime.winogradConvolution = cfg.1
                Runtime.winogradLargeTiles = cfg.2
                x.grad = nil; w.grad = nil
                let t0 = DispatchTime.now().uptimeNanoseconds
                conv2d(x, weight: w, padding: 1).sum().backward()
                if rep > 0 { times[i].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6) }
            }
        }
        Runtime.winogradConvolution = true
        Runtime.winogradLargeTiles = true
        let medians = times.map { $0.sorted()[$0.count / 2] }
        print("{\"workload\": \"winograd_tiles_ab\", \"channels\": \(c), \"size\": \(hw), "
              + zip(configs, medians).map { "\"\($0.0)_ms\": \(String(format: "%.3f", $1))" }.joined(separator: ", ") + "}")
    }
}

/// The other parts of resnet18_train_step one at a time (batch 32, forward + backward), for the
/// per-part comparison with PyTorch in Docs/Performance.md: BatchNorm + ReLU per stage, the stride-2
/// 3×3 and 1×1 convolutions, the first 3 → 64 convolution. Medians of 9.
func benchResNet18Parts() {
    func bench(_ name: String, _ body: () -> Void) {
        print("{\"workload\": \"resnet18_parts\", \"part\": \"\(name)\", \"median_ms\": \(String(format: "%.3f", timeit(warmup: 1, reps: 9, body)))}")
    }
    for (c, hw) in [(64, 32), (128, 16), (256, 8), (512, 4)] {
        let x = Tensor.randn([32, c, hw, hw]).requiringGrad()
        let bn = BatchNorm2d(c)
        bench("bn_relu \(c) \(hw)") { x.grad = nil; relu(bn(x)).sum().backward() }
    }
    for (ci, co, hw) in [(64, 128, 32), (128, 256, 16), (256, 512, 8)] {
        let x = Tensor.randn([32, ci, hw, hw]).requiringGrad()
        let w = (Tensor.randn([co, ci, 3, 3]) * 0.05).requiringGrad()
        let w1 = (Tensor.randn([co, ci, 1, 1]) * 0.05).requiringGrad()
        bench("conv3s2 \(ci) \(co) \(hw)") { x.grad = nil; w.grad = nil; conv2d(x, weight: w, stride: 2, padding: 1).sum().backward() }
        bench("conv1s2 \(ci) \(co) \(hw)") { x.grad = nil; w1.grad = nil; conv2d(x, weight: w1, stride: 2).sum().backward() }
    }
    let x = Tensor.randn([32, 3, 32, 32])
    let w = (Tensor.randn([64, 3, 3, 3]) * 0.05).requiringGrad()
    bench("conv first") { w.grad = nil; conv2d(x, weight: w, padding: 1).sum().backward() }
}
