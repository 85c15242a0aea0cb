// Batch and instance normalisation of float16/bfloat16 inputs, rounded where PyTorch's CPU kernel
// rounds (ATen's batch_norm_cpu with `param_t`): the statistics are computed in float32 and, when the
// parameters are in the input's dtype (PyTorch's non-"mixed" case), stored in that dtype: the mean,
// the sum of squared deviations, the variance (that sum / n) and, in training, 1/√(var + eps) are
// each rounded to it. Then y = x·α + β with α = invstd·weight and β = bias − mean·α in float32,
// rounded once. With float32 parameters (the mixed case) nothing is rounded before y. Composed of
// differentiable ops (the roundings are recorded casts), so gradients follow.

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
        // The squared deviations from the unrounded mean, summed in float32, then stored.
        let varSum = stored((x - batchMean).square().sum(axes: axes, keepDim: true), paramsDType)
        mean = stored(batchMean, paramsDType)
        let variance = stored(varSum / Double(n), paramsDType)
        invstd = stored((variance + eps).rsqrt(), paramsDType)
        if training, let runningMean, let runningVar {
            withNoGrad {
                let unbiased = varSum.reshape([c]) / Double(Swift.max(n - 1, 1))
                runningMean.copyFrom(mean.reshape([c]).to(runningMean.dtype) * momentum + runningMean * (1 - momentum))
                runningVar.copyFrom(unbiased.to(runningVar.dtype) * momentum + runningVar * (1 - momentum))
            }
        }
    } else {
        mean = runningMean!.to(.float32).reshape(bshape)
        invstd = (runningVar!.to(.float32).reshape(bshape) + eps).rsqrt()      // float32 in eval, not stored
    }
    let alpha = weight.map { invstd * $0.to(.float32).reshape(bshape) } ?? invstd     // float32, as PyTorch's opmath
    let shift = mean * alpha
    let beta = bias.map { $0.to(.float32).reshape(bshape) - shift } ?? -shift
    return (x * alpha + beta).to(input.dtype)
}

/// The dtype PyTorch stores a reduced-precision batch norm's statistics in: float32 when a
/// parameter is float32 ("mixed"), else the input's dtype.
func reducedPrecisionParamsDType(_ input: Tensor, _ params: [Tensor?]) -> DType {
    params.contains { $0?.dtype == .float32 } ? .float32 : input.dtype
}
