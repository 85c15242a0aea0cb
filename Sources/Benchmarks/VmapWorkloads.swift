import SwiftGrad

/// vmap_per_sample_grads / loop_per_sample_grads: per-sample gradients of a 2-layer MLP
/// (32 -> 64 tanh -> 10, cross-entropy) over 256 samples, float32: `vmap(grad(loss))` (one batched
/// forward and backward) against a Swift loop of `grad(loss)` over the samples (Docs/Transforms.md#vmap).
private func perSampleSetup() -> (params: [Tensor], x: Tensor, y: Tensor) {
    manualSeed(0)
    let params = [Tensor.randn([64, 32]) * 0.2, Tensor.zeros([64]), Tensor.randn([10, 64]) * 0.2, Tensor.zeros([10])]
    let x = Tensor.randn([256, 32])
    let y = Tensor.randint(0, 10, [256])
    return (params, x, y)
}

private func mlpSampleLoss(_ t: [Tensor]) -> Tensor {
    let h = linear(t[4], weight: t[0], bias: t[1]).tanh()
    return crossEntropy(logits: linear(h, weight: t[2], bias: t[3]).unsqueeze(axis: 0), targets: t[5].unsqueeze(axis: 0))
}

func benchVmapPerSampleGrads() {
    let (params, x, y) = perSampleSetup()
    let perSample = vmap(grad(mlpSampleLoss, argnums: [0, 1, 2, 3]), inDims: [nil, nil, nil, nil, 0, 0], outDims: [0, 0, 0, 0])
    let ms = timeit(warmup: 1, reps: 5) { _ = perSample(params + [x, y]) }
    emit("vmap_per_sample_grads", ms)
}

func benchLoopPerSampleGrads() {
    let (params, x, y) = perSampleSetup()
    let g = grad(mlpSampleLoss, argnums: [0, 1, 2, 3])
    let ms = timeit(warmup: 1, reps: 5) {
        let gs = (0..<256).map { i in g(params + [x[i], y[i]]) }
        _ = (0..<4).map { k in Tensor.stack(gs.map { $0[k] }) }
    }
    emit("loop_per_sample_grads", ms)
}
