import SwiftGrad

/// adam_step_1m: one Adam step (lr 1e-3) over 1,000,000 float32 parameters in 10 tensors of
/// 100,000, gradients already set (PyTorch: `torch.optim.Adam(ps, lr=1e-3, foreach=True)`).
func benchAdamStep1M() {
    manualSeed(0)
    let ps = (0..<10).map { _ in Tensor.randn([100_000]).requiringGrad() }
    for p in ps { p.grad = Tensor.randnLike(p) }
    let opt = Adam(ps, lr: 1e-3)
    let ms = timeit(reps: 20) { opt.step() }
    // Bytes moved per step: read param, grad, exp_avg, exp_avg_sq; write param, exp_avg, exp_avg_sq.
    emit("adam_step_1m", ms, [("gbytes_per_s", 7 * 4 * 1e6 / (ms / 1e3) / 1e9)])
}
