import SwiftGrad

/// transformer12_train_step / transformer12_checkpoint: a 12-layer TransformerEncoder (d_model 256,
/// 4 heads, feed-forward 1024, dropout 0.1, batch first), input [8, 512, 256], loss mean(y²), one
/// SGD step; the second workload wraps every layer in `Checkpointed`. What matters is the memory:
/// run each in its own process (peak RSS is per process) and compare `peak_rss_mib` and
/// `peak_tensor_mib` (the largest number of tensor bytes alive at once).
func benchTransformer12(checkpointed: Bool) {
    manualSeed(0)
    let encoder = TransformerEncoder(numLayers: 12) {
        TransformerEncoderLayer(dModel: 256, nhead: 4, dimFeedforward: 1024, dropout: 0.1, batchFirst: true)
    }
    let layers: [Module] = encoder.layers.map { checkpointed ? Checkpointed($0) : $0 }
    let opt = SGD(encoder.parameters(), lr: 1e-3)
    let x = Tensor.randn([8, 512, 256])
    Diagnostics.resetPeak()
    let ms = timeit(warmup: 1, reps: 2) {
        opt.zeroGrad()
        var h = x
        for layer in layers { h = layer(h) }
        let loss = (h * h).mean()
        loss.backward()
        opt.step()
    }
    emit(checkpointed ? "transformer12_checkpoint" : "transformer12_train_step", ms,
         [("peak_tensor_mib", Double(Diagnostics.peakBytes) / 1_048_576)])
}
