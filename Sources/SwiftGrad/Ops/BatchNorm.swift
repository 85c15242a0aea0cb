// Batch normalisation as one op, `batch_norm` (float32 and float64, no forward-mode or vmap
// tangents: those take the composed form in Ops/Normalization.swift): the statistics and the
// normalisation in one kernel each (Kernels/BatchNormKernels.swift) instead of seven full-size ops,
// and one two-pass backward kernel instead of about a dozen. When the backward itself is recorded
// (createGraph), it is written with Tensor ops instead, so double (and higher) backward works.

/// The `batch_norm` op: y = (x − mean)·rsqrt(var + eps)·weight + bias per channel of x [N, C, ...],
/// with the batch's biased statistics (`batchStatistics`) or the given `mean`/`variance` [C].
/// Returns y and the batch statistics it used (nil for fixed ones), for the running update.
func batchNormOp(_ input: Tensor, weight: Tensor?, bias: Tensor?, batchStatistics: Bool,
                 mean fixedMean: Tensor?, variance fixedVariance: Tensor?, eps: Double) -> (y: Tensor, mean: Tensor?, variance: Tensor?) {
    let x = input.dense, dtype = input.dtype
    let n = input.shape[0], c = input.shape[1], inner = input.shape[2...].reduce(1, *)
    let mean = Tensor(uninitializedShape: [c], dtype: dtype), variance = Tensor(uninitializedShape: [c], dtype: dtype)
    let rstd = Tensor(uninitializedShape: [c], dtype: dtype), scale = Tensor(uninitializedShape: [c], dtype: dtype)
    let y = Tensor(uninitializedShape: input.shape, dtype: dtype)
    // Dense operands, held alive (withExtendedLifetime below) while the kernels read their pointers.
    let w = weight?.dense, b = bias?.dense
    let fm = batchStatistics ? nil : fixedMean!.to(dtype).dense, fv = batchStatistics ? nil : fixedVariance!.to(dtype).dense
    func run<T: FloatElement & AccumulatingElement>(_: T.Type) {
        let mp = mean.ptr(T.self), vp = variance.ptr(T.self), rp = rstd.ptr(T.self), sp = scale.ptr(T.self)
        if let fm, let fv {
            mp.update(from: fm.ptr(T.self), count: c); vp.update(from: fv.ptr(T.self), count: c)
        } else {
            Kernels.batchNormStatistics(x.ptr(T.self), n: n, c: c, inner: inner, mean: mp, variance: vp)
        }
        let e = T(eps), wp = w?.ptr(T.self)
        for ch in 0..<c {
            rp[ch] = 1 / (vp[ch] + e).squareRoot()
            sp[ch] = wp.map { rp[ch] * $0[ch] } ?? rp[ch]
        }
        Kernels.batchNormApply(x.ptr(T.self), y.ptr(T.self), n: n, c: c, inner: inner, mean: mp, scale: sp,
                               shift: b.map { UnsafePointer($0.ptr(T.self)) })
    }
    withExtendedLifetime((x, w, b, fm, fv)) {
        switch dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: checkFailure("batchNorm: input \(input.shape) must be float32 or float64 here, got \(dtype)")
        }
    }
    let hasWeight = weight != nil, hasBias = bias != nil
    let inputs = [input] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
    let out = y.recorded(.batchNorm, inputs: inputs, save: hasWeight ? [.input0, .input1] : [.input0]) { g, ctx in
        let xs = ctx.input(0), w = hasWeight ? ctx.input(1) : nil
        let needX = ctx.needsGrad(0), needW = hasWeight && ctx.needsGrad(1), needB = hasBias && ctx.needsGrad(hasWeight ? 2 : 1)
        let recording = ThreadContext.current.gradEnabled && (g.requiresGrad || xs.requiresGrad || w?.requiresGrad == true)
        let grads: (dx: Tensor?, dw: Tensor?, db: Tensor?)
        if recording {
            grads = batchNormDifferentiableBackward(g, xs, weight: w, batchStatistics: batchStatistics, mean: mean, rstd: rstd,
                                                    eps: eps, needX: needX, needW: needW, needB: needB)
        } else {
            grads = batchNormKernelBackward(g, xs, weight: w, batchStatistics: batchStatistics, mean: mean, rstd: rstd,
                                            needX: needX, needW: needW, needB: needB)
        }
        var result: [Tensor?] = [grads.dx]
        if hasWeight { result.append(grads.dw) }
        if hasBias { result.append(grads.db) }
        return result
    }
    return (out, batchStatistics ? mean : nil, batchStatistics ? variance : nil)
}

/// `batch_norm`'s gradients by the backward kernel (no graph).
private func batchNormKernelBackward(_ g: Tensor, _ x: Tensor, weight: Tensor?, batchStatistics: Bool, mean: Tensor, rstd: Tensor,
                                     needX: Bool, needW: Bool, needB: Bool) -> (dx: Tensor?, dw: Tensor?, db: Tensor?) {
    let dtype = x.dtype, c = x.shape[1]
    let n = x.shape[0], inner = x.shape[2...].reduce(1, *)
    let gd = g.to(dtype).dense, xd = x.dense, wd = weight?.dense
    let dx = needX ? Tensor(uninitializedShape: x.shape, dtype: dtype) : nil
    let dw = needW ? Tensor(uninitializedShape: [c], dtype: dtype) : nil
    let db = needB ? Tensor(uninitializedShape: [c], dtype: dtype) : nil
    func run<T: FloatElement & AccumulatingElement>(_: T.Type) {
        Kernels.batchNormBackward(g: gd.ptr(T.self), x: xd.ptr(T.self), n: n, c: c, inner: inner,
                                  mean: mean.ptr(T.self), rstd: rstd.ptr(T.self), weight: wd.map { UnsafePointer($0.ptr(T.self)) },
                                  batchStatistics: batchStatistics, dx: dx?.ptr(T.self), dweight: dw?.ptr(T.self), dbias: db?.ptr(T.self))
    }
    withExtendedLifetime((gd, xd, wd)) {
        if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    }
    return (dx, dw, db)
}

/// `batch_norm`'s gradients written with Tensor ops (recorded, so they can be differentiated again):
/// x̂ = (x − mean)·rstd with the statistics recomputed from x when they are the batch's,
/// a = g·weight, dx = rstd·(a − ⟨a⟩ − x̂·⟨a·x̂⟩) (⟨·⟩ the per-channel mean; fixed statistics:
/// dx = rstd·a), dweight = Σ g·x̂, dbias = Σ g.
private func batchNormDifferentiableBackward(_ g: Tensor, _ x: Tensor, weight: Tensor?, batchStatistics: Bool,
                                             mean: Tensor, rstd: Tensor, eps: Double,
                                             needX: Bool, needW: Bool, needB: Bool) -> (dx: Tensor?, dw: Tensor?, db: Tensor?) {
    let c = x.shape[1], axes = [0] + Array(2..<x.rank)
    var bshape = [Int](repeating: 1, count: x.rank); bshape[1] = c
    let r: Tensor, xhat: Tensor
    if batchStatistics {
        let centered = x - x.mean(axes: axes, keepDim: true)
        r = (centered.square().mean(axes: axes, keepDim: true) + eps).rsqrt()
        xhat = centered * r
    } else {
        r = rstd.reshape(bshape)
        xhat = (x - mean.reshape(bshape)) * r
    }
    let a = weight.map { g * $0.reshape(bshape) } ?? g
    var dx: Tensor? = nil
    if needX {
        dx = batchStatistics
            ? (a - a.mean(axes: axes, keepDim: true) - xhat * (a * xhat).mean(axes: axes, keepDim: true)) * r
            : a * r
    }
    let dw = needW ? (g * xhat).sum(axes: axes) : nil
    let db = needB ? g.sum(axes: axes) : nil
    return (dx, dw, db)
}
