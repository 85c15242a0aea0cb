// Batch and instance normalisation of float16/bfloat16 inputs, rounded where PyTorch's CPU kernel
// rounds (ATen's batch_norm_cpu with `param_t`): the statistics are computed in float32 and, when the
// parameters are in the input's dtype (PyTorch's non-"mixed" case), the mean and, in training,
// 1/√(var + eps) are stored in that dtype; bfloat16 also stores the sum of squared deviations and
// the variance (that sum / n), float16 keeps them in float32 (torch 2.15 on the CPU, checked bit for
// bit on random inputs of both dtypes, training and eval). Then y = x·α + β with α = invstd·weight
// and β = bias − mean·α in float32, x·α + β fused (one rounding, as the kernel's compiled
// multiply-add), rounded to the dtype. With float32 parameters (the mixed case) nothing is rounded
// before y. Composed of differentiable ops (the roundings are recorded casts), so gradients follow.

/// `t` rounded to `dtype` and back to float32 (a recorded cast pair); `t` itself when `dtype` is float32.
private func stored(_ t: Tensor, _ dtype: DType) -> Tensor {
    dtype == .float32 ? t : t.to(dtype).to(.float32)
}

/// PyTorch's reduced-precision batch normalisation (see the file's header). `input` is float16 or
/// bfloat16 and not empty; the arguments were checked by `batchNorm`. `paramsDType` is the dtype the
/// statistics are stored in: float32 when any parameter is float32 (mixed), else the input's.
func batchNormReducedPrecision(_ input: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor?, bias: Tensor?,
                               training: Bool, momentum: Double, eps: Double, paramsDType: DType) -> Tensor {
    let c = input.shape[1], n = input.count / Swift.max(c, 1)
    var bshape = [Int](repeating: 1, count: input.rank); bshape[1] = c
    let axes = [0] + Array(2..<input.rank)
    let x = input.to(.float32)
    let mean: Tensor, invstd: Tensor
    if training || runningMean == nil || runningVar == nil {
        let batchMean = x.mean(axes: axes, keepDim: true)
        // The squared deviations from the unrounded mean, summed in float32 (stored by bfloat16 only).
        let statistics: DType = paramsDType == .bfloat16 ? .bfloat16 : .float32
        let varSum = stored((x - batchMean).square().sum(axes: axes, keepDim: true), statistics)
        mean = stored(batchMean, paramsDType)
        let variance = stored(varSum / Double(n), statistics)
        invstd = stored((variance + eps).sqrt().reciprocal(), paramsDType)      // 1/√, as the kernel
        if training, let runningMean, let runningVar {
            withNoGrad {
                let unbiased = varSum.reshape([c]) / Double(Swift.max(n - 1, 1))
                runningMean.copyFrom(mean.reshape([c]).to(runningMean.dtype) * momentum + runningMean * (1 - momentum))
                runningVar.copyFrom(unbiased.to(runningVar.dtype) * momentum + runningVar * (1 - momentum))
            }
        }
    } else {
        mean = runningMean!.to(.float32).reshape(bshape)
        invstd = (runningVar!.to(.float32).reshape(bshape) + eps).sqrt().reciprocal()      // float32 in eval, not stored
    }
    let alpha = weight.map { invstd * $0.to(.float32).reshape(bshape) } ?? invstd     // float32, as PyTorch's opmath
    let shift = mean * alpha
    let beta = bias.map { $0.to(.float32).reshape(bshape) - shift } ?? -shift
    // x·α + β with one rounding to float32 (exact product and sum in float64), then to the dtype.
    let fused = x.to(.float64) * alpha.to(.float64) + beta.to(.float64)
    return fused.to(.float32).to(input.dtype)
}

/// The dtype PyTorch stores a reduced-precision batch norm's statistics in: float32 when a
/// parameter is float32 ("mixed"), else the input's dtype.
func reducedPrecisionParamsDType(_ input: Tensor, _ params: [Tensor?]) -> DType {
    params.contains { $0?.dtype == .float32 } ? .float32 : input.dtype
}
