// SyncBatchNorm: batch normalisation whose batch statistics are computed over the whole global batch
// (every rank's slice), as torch.nn.SyncBatchNorm.

import SwiftGrad

/// Batch normalisation with statistics over the samples of all ranks: in training, per-channel
/// sums and sums of squares are all-reduced (one small message per call and one more in backward),
/// so every rank normalises with the global batch mean and variance and updates identical running
/// statistics. In eval it uses the running statistics, like `BatchNorm`. It holds a `BatchNorm`
/// (any of 1d/2d/3d) and exposes its parameters and buffers under the same names, so state dicts
/// are interchangeable with the unsynchronised layer. Inputs are [N, C, ...] of any rank >= 2.
/// Use it in place of BatchNorm2d when the per-rank batch is small; plain BatchNorm keeps
/// statistics local to each rank (PyTorch's default under DDP).
///
///     let bn = SyncBatchNorm(BatchNorm2d(16), group: group)
///     let y = bn(x)                                   // [n, 16, h, w], global batch statistics
public final class SyncBatchNorm: Module {
    /// The layer whose parameters and running statistics are used.
    public let base: BatchNorm
    /// The ranks whose batches are normalised together.
    public let group: ProcessGroup

    /// Synchronises `base` over `group`.
    ///
    ///     let bn = SyncBatchNorm(BatchNorm1d(64), group: .world())
    ///     let y = bn(x)
    public init(_ base: BatchNorm, group: ProcessGroup) {
        self.base = base
        self.group = group
        super.init()
    }

    /// The wrapped layer's parameters and buffers, under its own names (`weight`, `running_mean`...).
    ///
    ///     print(syncBN.namedParameters().map(\.0))      // ["weight", "bias"]
    public override func declaredMembers() -> ModuleMembers { base.members }

    /// Normalises `input` [N, C, ...] with the statistics of the global batch (training) or the
    /// running statistics (eval). Every rank must call it the same number of times.
    ///
    ///     let y = syncBN(x)
    public override func forward(_ input: Tensor) -> Tensor {
        let c = base.numFeatures
        check(input.rank >= 2 && input.shape[1] == c,
                     "SyncBatchNorm: expected input [N, \(c), ...], got \(input.shape)")
        if !isTraining && base.trackRunningStats {
            return batchNorm(input, runningMean: base.runningMean?.value, runningVar: base.runningVar?.value,
                             weight: base.weight, bias: base.bias, training: false, eps: base.eps)
        }
        let axes = [0] + Array(2..<input.rank)
        let localCount = Double(input.count / max(c, 1))
        // One message: per-channel sums, per-channel sums of squares, and this rank's count.
        let local = Tensor.cat([input.sum(axes: axes), input.square().sum(axes: axes),
                                Tensor.full([1], localCount, dtype: input.dtype)])
        let global = group.allReduced(local, name: "SyncBatchNorm statistics")
        let n = global.narrow(axis: 0, start: 2 * c, length: 1).detach().item()
        check(n > 1, "SyncBatchNorm: expected more than 1 value per channel over all ranks, got input \(input.shape)")
        let mean = global.narrow(axis: 0, start: 0, length: c) / n
        // E[x^2] - E[x]^2 can round below zero for near-constant channels: clamp before the rsqrt.
        let variance = (global.narrow(axis: 0, start: c, length: c) / n - mean.square()).relu()
        if isTraining { updateRunningStats(mean: mean, variance: variance, count: n) }
        var bshape = [Int](repeating: 1, count: input.rank); bshape[1] = c
        let invStd = (variance + base.eps).rsqrt().reshape(bshape)
        var y = (input - mean.reshape(bshape)) * invStd
        if let w = base.weight { y = y * w.reshape(bshape) }
        if let b = base.bias { y = y + b.reshape(bshape) }
        return y
    }

    private func updateRunningStats(mean: Tensor, variance: Tensor, count n: Double) {
        guard let runningMean = base.runningMean?.value, let runningVar = base.runningVar?.value else { return }
        withNoGrad {
            var factor = base.momentum ?? 0
            if let tracked = base.numBatchesTracked?.value {
                tracked += 1
                // momentum nil: the cumulative moving average 1/n, as BatchNorm.
                if base.momentum == nil { factor = 1 / tracked.item() }
            }
            // The running variance is unbiased, as PyTorch.
            let unbiased = variance.detach() * (n / (n - 1))
            runningMean.copyFrom(runningMean * (1 - factor) + mean.detach().to(runningMean.dtype) * factor)
            runningVar.copyFrom(runningVar * (1 - factor) + unbiased.to(runningVar.dtype) * factor)
        }
    }
}
