// Layer normalisation as one op: `layer_norm` (one pass per row, Kernels.layerNormRows) and its one
// backward, the kernel `Kernels.layerNormBackwardRows` (dx row by row, dweight and dbias column by
// column), recorded under a graph as `layer_norm_backward`, whose own derivative is written below
// with Tensor ops, so double (and higher) backward works.

/// Layer normalisation over the last `normalizedShape.count` axes (biased variance, as PyTorch),
/// then `weight`·x̂ + `bias` (both shaped `normalizedShape`). One op forward and one fused kernel
/// backward; float16 and bfloat16 compute in float32 and round once.
///
///     let y = layerNorm(x, normalizedShape: [512], weight: gamma, bias: beta)
public func layerNorm(_ input: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
    let k = normalizedShape.count
    check(k >= 1 && input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
                 "layerNorm: input \(input.shape) does not end with normalizedShape \(normalizedShape)")
    if let weight { check(weight.shape == normalizedShape, "layerNorm: weight \(weight.shape) must have shape \(normalizedShape)") }
    if let bias { check(bias.shape == normalizedShape, "layerNorm: bias \(bias.shape) must have shape \(normalizedShape)") }
    if _slowPath(input.dual != nil || weight?.dual != nil || bias?.dual != nil),
       let r = Vmap.layerNorm(input, normalizedShape, weight, bias, eps: eps) { return r }
    var dtype = input.dtype
    if let weight { dtype = DType.result(dtype, weight.dtype) }
    if let bias { dtype = DType.result(dtype, bias.dtype) }
    check(dtype.isFloatingPoint,
          "layerNorm: input \(input.shape) (\(input.dtype)) must be a float tensor, with float weight and bias (got \(weight.map { "\($0.dtype)" } ?? "none"), \(bias.map { "\($0.dtype)" } ?? "none"))")
    if dtype.isReducedPrecision {
        // As PyTorch's CPU kernel: statistics and the affine map in float32, one rounding at the end.
        return layerNorm(input.to(.float32), normalizedShape: normalizedShape, weight: weight?.to(.float32),
                         bias: bias?.to(.float32), eps: eps).to(dtype)
    }
    if input.dtype != dtype || weight.map({ $0.dtype != dtype }) == true || bias.map({ $0.dtype != dtype }) == true {
        // Mixed float dtypes: the promoted one (the casts are recorded).
        return layerNorm(input.to(dtype), normalizedShape: normalizedShape, weight: weight?.to(dtype), bias: bias?.to(dtype), eps: eps)
    }
    let out = layerNormInference(input, d: normalizedShape.reduce(1, *), weight: weight, bias: bias, eps: eps)
    let hasWeight = weight != nil, hasBias = bias != nil
    let inputs = [input] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
    // Backward reads x and the weight (not the bias: changing it in place after the forward is fine).
    let saved: Saved = hasWeight ? [.input0, .input1] : [.input0]
    return out.recorded(.layerNorm, inputs: inputs, save: saved) { g, ctx in
        let needBias = hasBias && ctx.needsGrad(hasWeight ? 2 : 1)
        let r = Tensor.layerNormBackward(g, ctx.input(0), weight: hasWeight ? ctx.input(1) : nil, normalizedShape: normalizedShape,
                                         eps: eps, needWeight: hasWeight && ctx.needsGrad(1), needBias: needBias)
        var grads: [Tensor?] = [r.dx]
        if hasWeight { grads.append(r.dweight) }
        if hasBias { grads.append(r.dbias) }
        return grads
    } forward: { f in
        // ẏ = σ·P(ẋ)·weight + x̂·ẇ + ḃ (P as in `layerNormSecondDerivative`).
        let d = normalizedShape.reduce(1, *), x = f.input(0), rows = d == 0 ? 0 : x.count / d
        let n = Tensor.layerNormStatistics(x.reshape([rows, d]), eps: eps)
        let tx = f.tangent(0).map { t -> Tensor in
            let p = n.project(t.reshape([rows, d])) * n.rstd
            return hasWeight ? p * f.input(1).reshape([1, d]) : p
        }
        let tw = hasWeight ? f.tangent(1).map { n.xhat * $0.reshape([1, d]) } : nil
        let tb = hasBias ? f.tangent(hasWeight ? 2 : 1).map { $0.reshape([1, d]).expand([rows, d]) } : nil
        return f.sum(tx, tw, tb)?.reshape(x.shape)
    }
}

/// `layerNorm`'s forward kernel (`Kernels.layerNormRows`) over the input's rows of `d` elements,
/// without a graph. float32 or float64, one dtype for all operands.
func layerNormInference(_ input: Tensor, d: Int, weight: Tensor?, bias: Tensor?, eps: Double) -> Tensor {
    let x = input.dense, w = weight?.dense, b = bias?.dense
    let out = Tensor(uninitializedShape: input.shape, dtype: input.dtype)
    let rows = d == 0 ? 0 : input.count / d
    switch input.dtype {
    case .float32:
        Kernels.layerNormRows(x.ptr(Float.self), out.ptr(Float.self), rows: rows, d: d, eps: Float(eps),
                              weight: w?.ptr(Float.self), bias: b?.ptr(Float.self))
    default:
        Kernels.layerNormRows(x.ptr(Double.self), out.ptr(Double.self), rows: rows, d: d, eps: eps,
                              weight: w?.ptr(Double.self), bias: b?.ptr(Double.self))
    }
    return out
}

extension Tensor {
    /// The gradients of `layerNorm` for the upstream `g` (the kernel; see
    /// `Kernels.layerNormBackwardRows`): dx, and dweight = Σ g·x̂ and dbias = Σ g over the rows when
    /// asked for. Under a graph (createGraph, or tangents) all three are computed and recorded as
    /// one `layer_norm_backward` node on (g, x, weight), packed [dx | dweight | dbias] and handed
    /// back as views of it; otherwise they are returned as the kernel wrote them.
    static func layerNormBackward(_ g: Tensor, _ x: Tensor, weight: Tensor?, normalizedShape: [Int], eps: Double,
                                  needWeight: Bool, needBias: Bool) -> (dx: Tensor, dweight: Tensor?, dbias: Tensor?) {
        let recording = (ThreadContext.current.gradEnabled && (g.requiresGrad || x.requiresGrad || weight?.requiresGrad == true))
            || g.dual != nil || x.dual != nil || weight?.dual != nil
        let d = normalizedShape.reduce(1, *), n = x.count
        let dx = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let dw = needWeight || recording ? Tensor(uninitializedShape: normalizedShape, dtype: x.dtype) : nil
        let db = needBias || recording ? Tensor(uninitializedShape: normalizedShape, dtype: x.dtype) : nil
        let gx = g.dense, xx = x.dense, wx = weight?.dense
        let rows = d == 0 ? 0 : n / d
        switch x.dtype {
        case .float32:
            Kernels.layerNormBackwardRows(g: gx.ptr(Float.self), x: xx.ptr(Float.self), weight: wx?.ptr(Float.self),
                                          dx: dx.ptr(Float.self), dweight: dw?.ptr(Float.self), dbias: db?.ptr(Float.self),
                                          rows: rows, d: d, eps: Float(eps))
        default:
            Kernels.layerNormBackwardRows(g: gx.ptr(Double.self), x: xx.ptr(Double.self), weight: wx?.ptr(Double.self),
                                          dx: dx.ptr(Double.self), dweight: dw?.ptr(Double.self), dbias: db?.ptr(Double.self),
                                          rows: rows, d: d, eps: eps)
        }
        guard recording, let dw, let db else { return (dx, dw, db) }
        let xShape = x.shape, hasWeight = weight != nil
        let packed = withNoGrad { Tensor.cat([dx.reshape([n]), dw.reshape([d]), db.reshape([d])], axis: 0) }
            .recorded(.layerNormBackward, inputs: [g, x] + (weight.map { [$0] } ?? []),
                      save: hasWeight ? .inputs : [.input0, .input1]) { gg, ctx in
                let ggx = gg.narrow(axis: 0, start: 0, length: n).reshape(xShape)
                let ggw = gg.narrow(axis: 0, start: n, length: d), ggb = gg.narrow(axis: 0, start: n + d, length: d)
                return layerNormSecondDerivative(ggx, ggw, ggb, g: ctx.input(0), x: ctx.input(1),
                                                 weight: hasWeight ? ctx.input(2) : nil, d: d, eps: eps)
            }
        return (packed.narrow(axis: 0, start: 0, length: n).reshape(xShape),
                packed.narrow(axis: 0, start: n, length: d).reshape(normalizedShape),
                packed.narrow(axis: 0, start: n + d, length: d).reshape(normalizedShape))
    }

    /// The backward of `layer_norm_backward`: for its outputs (dx, dweight, dbias) as functions of
    /// (g, x, weight) and incoming gradients (ggx, ggw [d], ggb [d]), the gradients for g, x and
    /// weight, with Tensor ops. Per row of d elements, ⟨·⟩ the row mean, σ = rstd, x̂ = (x - mean)·σ,
    /// a = g·w and P(u) = u - ⟨u⟩ - x̂⟨u·x̂⟩ (dx = σ·P(a); σ·P is also the adjoint of x ↦ x̂):
    ///   for g: w·σ·P(ggx) + ggw·x̂ + ggb;  for w: Σ_rows g·σ·P(ggx);
    ///   for x: σ·P(ggw·g) - (σ²/d)·((A - B·C)·x̂ + C·P(a)) - σ²·B·P(ggx),
    /// with A = Σ ggx·(a - ⟨a⟩), B = ⟨a·x̂⟩, C = Σ ggx·x̂ per row: a row's ⟨ggx, dx⟩ is σ·(A - B·C),
    /// and ∂σ/∂x = -σ²x̂/d, ∂B/∂x = σP(a)/d, ∂C/∂x = σP(ggx).
    static func layerNormSecondDerivative(_ ggx: Tensor, _ ggw: Tensor, _ ggb: Tensor, g: Tensor, x: Tensor,
                                          weight: Tensor?, d: Int, eps: Double) -> [Tensor?] {
        let rows = d == 0 ? 0 : x.count / d
        let gs = g.reshape([rows, d]), ggxs = ggx.reshape([rows, d])
        let gw = ggw.reshape([1, d]), gb = ggb.reshape([1, d]), w = weight?.reshape([1, d])
        func rowMean(_ t: Tensor) -> Tensor { t.mean(axis: 1, keepDim: true) }
        let n = layerNormStatistics(x.reshape([rows, d]), eps: eps)
        let rstd = n.rstd, xhat = n.xhat
        let project = n.project
        let a = w.map { gs * $0 } ?? gs
        let pgg = project(ggxs) * rstd
        let dg = (w.map { pgg * $0 } ?? pgg) + gw * xhat + gb
        let dw = weight.map { (gs * pgg).sum(axis: 0).reshape($0.shape) }
        let sumA = (ggxs * (a - rowMean(a))).sum(axis: 1, keepDim: true)
        let meanAX = rowMean(a * xhat)
        let sumC = (ggxs * xhat).sum(axis: 1, keepDim: true)
        let r2 = rstd * rstd
        let fromStatistics = ((sumA - meanAX * sumC) * xhat + sumC * project(a)) * (r2 / Double(Swift.max(d, 1)))
        let dx = project(gw * gs) * rstd - fromStatistics - meanAX * rstd * pgg
        var grads: [Tensor?] = [dg.reshape(g.shape), dx.reshape(x.shape)]
        if weight != nil { grads.append(dw) }
        return grads
    }
}

/// A layer norm's row statistics as differentiable Tensor ops (the derivatives' building blocks):
/// for x [rows, d], rstd [rows, 1] = 1/√(⟨(x - ⟨x⟩)²⟩ + eps) and x̂ = (x - ⟨x⟩)·rstd.
struct LayerNormStatistics {
    let rstd: Tensor, xhat: Tensor

    /// P(u) = u - ⟨u⟩ - x̂·⟨u·x̂⟩ row by row: rstd·P is the Jacobian of x ↦ x̂ (and its own adjoint).
    func project(_ u: Tensor) -> Tensor {
        u - u.mean(axis: 1, keepDim: true) - xhat * (u * xhat).mean(axis: 1, keepDim: true)
    }
}

extension Tensor {
    /// `LayerNormStatistics` of the rows of `x` [rows, d].
    static func layerNormStatistics(_ x: Tensor, eps: Double) -> LayerNormStatistics {
        let centered = x - x.mean(axis: 1, keepDim: true)
        let rstd = ((centered * centered).mean(axis: 1, keepDim: true) + eps).rsqrt()
        return LayerNormStatistics(rstd: rstd, xhat: centered * rstd)
    }
}
