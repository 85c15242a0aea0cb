import CKernels
// Fused optimizer updates: each reads a parameter, its gradient and its state buffers once, and
// writes the parameter and the buffers in place, with no temporary tensor. The arithmetic follows
// PyTorch's single-tensor implementations operation by operation (same order, same roundings), so
// float64 results agree with PyTorch to the last few ulps.

/// Settings of one SGD update (PyTorch `_single_tensor_sgd`).
struct SGDKernelSettings {
    var lr, momentum, dampening, weightDecay: Double
    var nesterov, maximize: Bool
    /// The momentum buffer does not exist yet: it starts as a copy of the gradient.
    var firstStep: Bool
}

/// Settings of one Adam / AdamW update (PyTorch `_single_tensor_adam`).
struct AdamKernelSettings {
    var lr, beta1, beta2, eps, weightDecay: Double
    var decoupledWeightDecay, maximize: Bool
    /// lr / (1 - beta1^t)
    var stepSize: Double
    /// sqrt(1 - beta2^t)
    var biasCorrection2Sqrt: Double
}

/// Settings of one RMSprop update.
struct RMSpropKernelSettings {
    var lr, alpha, eps, weightDecay, momentum: Double
    var maximize: Bool
}

/// Settings of one NAdam update; `gradCoef` and `avgCoef` are the two addcdiv values.
struct NAdamKernelSettings {
    var lr, beta1, beta2, eps, weightDecay: Double
    var decoupledWeightDecay, maximize: Bool
    var biasCorrection2, gradCoef, avgCoef: Double
}

/// Settings of one RAdam update; `rect` is nil while the variance is not tractable (rho_t <= 5).
struct RAdamKernelSettings {
    var lr, beta1, beta2, eps, weightDecay: Double
    var decoupledWeightDecay, maximize: Bool
    var biasCorrection1, biasCorrection2Sqrt: Double
    var rect: Double?
}

extension Kernels {
    /// Whether every element of a float tensor is finite. One vectorisable pass: x·0 is 0 for a
    /// finite x and NaN for NaN or ±Inf, so the sum of x·0 is NaN exactly when one element is not finite.
    static func allFinite(_ t: Tensor) -> Bool {
        let t = t.dense
        switch t.dtype {
        case .float32: return finiteSum(t.ptr(Float.self), t.count) == 0
        case .float64: return finiteSum(t.ptr(Double.self), t.count) == 0
        default: return true
        }
    }

    static func finiteSum<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ n: Int) -> T {
        var acc: T = 0
        for i in 0..<n { acc += p[i] * 0 }
        return acc
    }

    /// How many elements of a float tensor are NaN and how many are ±Inf.
    static func countNonFinite(_ t: Tensor) -> (nan: Int, inf: Int) {
        let t = t.dense
        var nan = 0, inf = 0
        for i in 0..<t.count {
            let v = t.scalar(at: i)
            if v.isNaN { nan += 1 } else if v.isInfinite { inf += 1 }
        }
        return (nan, inf)
    }

    /// PyTorch's lerp, a + w·(b − a), evaluated from the nearer end so both halves of w are accurate.
    @inline(__always)
    static func lerp<T: FloatElement>(_ a: T, _ b: T, _ w: T) -> T {
        Swift.abs(w) < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w)
    }

    /// √x for an x that is a sum of non-negative terms (second moments plus eps). abs() changes no
    /// reachable value, but it lets LLVM drop libm's errno path for negative inputs, and so vectorise.
    @inline(__always)
    static func sqrtNonNegative<T: FloatElement>(_ x: T) -> T { Swift.abs(x).squareRoot() }

    /// The gradient as the update sees it: negated under `maximize`, plus L2 weight decay
    /// (`grad.add(param, alpha: wd)`) unless the decay is decoupled.
    @inline(__always)
    static func effectiveGrad<T: FloatElement>(_ g: T, _ x: T, maximize: Bool, wd: T, coupled: Bool) -> T {
        let d = maximize ? -g : g
        return coupled ? d + wd * x : d
    }

    /// Stops with a message naming the optimizer when a gradient or buffer does not match its parameter.
    @inline(__always)
    /// Runs an optimizer update on float32 copies of float16/bfloat16 operands (the parameter, its
    /// gradient and its state) and rounds the parameter and state back once. The state is stored
    /// in the parameter's dtype, as PyTorch's optimizers keep it for a bf16 model.
    static func updateInFloat32(_ param: Tensor, _ grad: Tensor, _ state: [Tensor?], _ body: (Tensor, Tensor, [Tensor?]) -> Void) {
        let p = convert(param, to: .float32), g = convert(grad, to: .float32)
        let st = state.map { $0.map { convert($0, to: .float32) } }
        body(p, g, st)
        convert(p, into: param)
        for (wide, t) in zip(st, state) { if let wide, let t { convert(wide, into: t) } }
        param.bumpVersion()
    }

    static func checkUpdateOperands(_ name: String, _ param: Tensor, _ others: Tensor?...) {
        check(param.dtype.isFloatingPoint, "\(name): parameter dtype \(param.dtype) is not a float type")
        check(param.isContiguous, "\(name): the parameter must be contiguous, got shape \(param.shape) with strides \(param.strides); optimize the base tensor instead of a view")
        for case let t? in others {
            check(t.isContiguous, "\(name): the gradient and state must be contiguous, got shape \(t.shape) with strides \(t.strides) (parameter \(param.shape))")
            check(t.dtype == param.dtype && t.count == param.count,
                         "\(name): operand \(t.shape) \(t.dtype) does not match the parameter \(param.shape) \(param.dtype)")
        }
    }

    // MARK: SGD

    static func sgdUpdate(_ param: Tensor, grad: Tensor, buffer: Tensor?, _ s: SGDKernelSettings) {
        checkUpdateOperands("SGD", param, grad, buffer)
        if param.dtype.isReducedPrecision { return updateInFloat32(param, grad, [buffer]) { sgdUpdate($0, grad: $1, buffer: $2[0], s) } }
        switch param.dtype {
        case .float32: sgdLoop(param.ptr(Float.self), grad.ptr(Float.self), buffer?.ptr(Float.self), param.count, s)
        default: sgdLoop(param.ptr(Double.self), grad.ptr(Double.self), buffer?.ptr(Double.self), param.count, s)
        }
        param.bumpVersion()
    }

    static func sgdLoop<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>,
                                         _ buf: UnsafeMutablePointer<T>?, _ n: Int, _ s: SGDKernelSettings) {
        let pp = SendablePointer(p), gp = SendablePointer(g), bp = buf.map { SendablePointer($0) }
        let negLR = T(-s.lr), wd = T(s.weightDecay), mom = T(s.momentum), damp = T(1 - s.dampening)
        let coupled = s.weightDecay != 0, maximize = s.maximize, nesterov = s.nesterov, first = s.firstStep
        parallelRanges(n) { lo, hi in
            let p = pp.p, g = gp.p
            // The common setting (momentum, no decay, no Nesterov, after the first step) as a
            // branch-free loop that vectorises; measured 0.75 -> 0.11 ms per step over
            // the MLP benchmark's 535K parameters (two threads).
            if let b = bp?.p, !coupled, !maximize, !nesterov, !first {
                for i in lo..<hi {
                    let m = b[i] * mom + damp * g[i]
                    b[i] = m
                    p[i] += negLR * m
                }
                return
            }
            if let b = bp?.p {
                for i in lo..<hi {
                    let x = p[i]
                    let d = effectiveGrad(g[i], x, maximize: maximize, wd: wd, coupled: coupled)
                    // buf.mul_(momentum).add_(d, alpha: 1 - dampening); the first step clones d.
                    let m = first ? d : b[i] * mom + damp * d
                    b[i] = m
                    p[i] = x + negLR * (nesterov ? d + mom * m : m)
                }
            } else {
                for i in lo..<hi {
                    let x = p[i]
                    p[i] = x + negLR * effectiveGrad(g[i], x, maximize: maximize, wd: wd, coupled: coupled)
                }
            }
        }
    }

    // MARK: Adam, AdamW

    static func adamUpdate(_ param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor,
                           maxExpAvgSq: Tensor?, _ s: AdamKernelSettings) {
        checkUpdateOperands("Adam", param, grad, expAvg, expAvgSq, maxExpAvgSq)
        if param.dtype.isReducedPrecision {
            return updateInFloat32(param, grad, [expAvg, expAvgSq, maxExpAvgSq]) {
                adamUpdate($0, grad: $1, expAvg: $2[0]!, expAvgSq: $2[1]!, maxExpAvgSq: $2[2], s)
            }
        }
        switch param.dtype {
        case .float32:
            adamLoop(param.ptr(Float.self), grad.ptr(Float.self), expAvg.ptr(Float.self), expAvgSq.ptr(Float.self),
                     maxExpAvgSq?.ptr(Float.self), param.count, s)
        default:
            adamLoop(param.ptr(Double.self), grad.ptr(Double.self), expAvg.ptr(Double.self), expAvgSq.ptr(Double.self),
                     maxExpAvgSq?.ptr(Double.self), param.count, s)
        }
        param.bumpVersion()
    }

    static func adamLoop<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>,
                                          _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
                                          _ vmax: UnsafeMutablePointer<T>?, _ n: Int, _ s: AdamKernelSettings) {
        let pp = SendablePointer(p), gp = SendablePointer(g), mp = SendablePointer(m), vp = SendablePointer(v)
        let xp = vmax.map { SendablePointer($0) }
        let w1 = T(1 - s.beta1), b2 = T(s.beta2), w2 = T(1 - s.beta2), eps = T(s.eps)
        let negStep = T(-s.stepSize), bc2 = T(s.biasCorrection2Sqrt)
        let wd = T(s.weightDecay), decay = T(1 - s.lr * s.weightDecay)
        let coupled = s.weightDecay != 0 && !s.decoupledWeightDecay
        let decoupled = s.weightDecay != 0 && s.decoupledWeightDecay
        let maximize = s.maximize
        if xp == nil && !coupled && !maximize && T.self == Float.self && VectorMath.useC {
            // Adam's and AdamW's common cases on eight lanes (Sources/CKernels/AdamKernel.c): the
            // loops below, operation for operation, so the same bits (AdamKernelTests).
            // The loops' own coefficients (T is Float here), not recomputed, so they round alike.
            func f(_ x: T) -> Float { unsafeBitCast(x, to: Float.self) }
            let (w1, b2, w2, negStep, bc2, eps, decay) = (f(w1), f(b2), f(w2), f(negStep), f(bc2), f(eps), f(decay))
            let P = SendablePointer(floats(p)), G = SendablePointer(floats(g)), M = SendablePointer(floats(m)), V = SendablePointer(floats(v))
            let isDecoupled: Int32 = decoupled ? 1 : 0
            parallelRanges(n) { lo, hi in
                sg_adam_f32_avx2(P.p, G.p, M.p, V.p, lo, hi, w1, b2, w2, negStep, bc2, eps, decay, isDecoupled)
            }
            return
        }
        if xp == nil && !coupled && !decoupled && !maximize {
            // The common case, kept branch-free so it vectorises.
            parallelRanges(n) { lo, hi in
                let p = pp.p, g = gp.p, m = mp.p, v = vp.p
                for i in lo..<hi {
                    let gi = g[i]
                    let mi = lerp(m[i], gi, w1)
                    let vi = v[i] * b2 + w2 * gi * gi
                    m[i] = mi
                    v[i] = vi
                    p[i] = p[i] + negStep * mi / (sqrtNonNegative(vi) / bc2 + eps)
                }
            }
            return
        }
        if xp == nil && decoupled && !maximize {
            // AdamW's common case, branch-free as above: the general loop's arithmetic without its
            // per-element tests (the same values, bit for bit).
            parallelRanges(n) { lo, hi in
                let p = pp.p, g = gp.p, m = mp.p, v = vp.p
                for i in lo..<hi {
                    let x = p[i] * decay
                    let gi = g[i]
                    let mi = lerp(m[i], gi, w1)
                    let vi = v[i] * b2 + w2 * gi * gi
                    m[i] = mi
                    v[i] = vi
                    p[i] = x + negStep * mi / (sqrtNonNegative(vi) / bc2 + eps)
                }
            }
            return
        }
        parallelRanges(n) { lo, hi in
            let p = pp.p, g = gp.p, m = mp.p, v = vp.p
            for i in lo..<hi {
                var x = p[i]
                if decoupled { x = x * decay }     // param.mul_(1 - lr·wd)
                let gi = effectiveGrad(g[i], x, maximize: maximize, wd: wd, coupled: coupled)
                let mi = lerp(m[i], gi, w1)                 // exp_avg.lerp_(grad, 1 - beta1)
                var vi = v[i] * b2 + w2 * gi * gi           // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
                m[i] = mi
                v[i] = vi
                if let mx = xp?.p {
                    // torch.maximum: NaN wins.
                    let old = mx[i]
                    vi = (old > vi || old.isNaN) ? old : vi
                    mx[i] = vi
                }
                // denom = sqrt(v) / sqrt(bc2) + eps; param.addcdiv_(exp_avg, denom, value: -lr / bc1)
                p[i] = x + negStep * mi / (sqrtNonNegative(vi) / bc2 + eps)
            }
        }
    }

    // MARK: RMSprop

    static func rmspropUpdate(_ param: Tensor, grad: Tensor, squareAvg: Tensor, gradAvg: Tensor?,
                              momentumBuffer: Tensor?, _ s: RMSpropKernelSettings) {
        checkUpdateOperands("RMSprop", param, grad, squareAvg, gradAvg, momentumBuffer)
        if param.dtype.isReducedPrecision {
            return updateInFloat32(param, grad, [squareAvg, gradAvg, momentumBuffer]) {
                rmspropUpdate($0, grad: $1, squareAvg: $2[0]!, gradAvg: $2[1], momentumBuffer: $2[2], s)
            }
        }
        switch param.dtype {
        case .float32:
            rmspropLoop(param.ptr(Float.self), grad.ptr(Float.self), squareAvg.ptr(Float.self),
                        gradAvg?.ptr(Float.self), momentumBuffer?.ptr(Float.self), param.count, s)
        default:
            rmspropLoop(param.ptr(Double.self), grad.ptr(Double.self), squareAvg.ptr(Double.self),
                        gradAvg?.ptr(Double.self), momentumBuffer?.ptr(Double.self), param.count, s)
        }
        param.bumpVersion()
    }

    static func rmspropLoop<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>,
                                             _ sq: UnsafeMutablePointer<T>, _ ga: UnsafeMutablePointer<T>?,
                                             _ buf: UnsafeMutablePointer<T>?, _ n: Int, _ s: RMSpropKernelSettings) {
        let pp = SendablePointer(p), gp = SendablePointer(g), sp = SendablePointer(sq)
        let ap = ga.map { SendablePointer($0) }, bp = buf.map { SendablePointer($0) }
        let alpha = T(s.alpha), w = T(1 - s.alpha), eps = T(s.eps), negLR = T(-s.lr), mom = T(s.momentum)
        let wd = T(s.weightDecay), coupled = s.weightDecay != 0, maximize = s.maximize
        parallelRanges(n) { lo, hi in
            let p = pp.p, g = gp.p, sq = sp.p
            for i in lo..<hi {
                let x = p[i]
                let gi = effectiveGrad(g[i], x, maximize: maximize, wd: wd, coupled: coupled)
                let si = sq[i] * alpha + w * gi * gi        // square_avg.mul_(alpha).addcmul_(g, g, 1 - alpha)
                sq[i] = si
                var avg: T
                if let a = ap?.p {
                    let ai = lerp(a[i], gi, w)              // grad_avg.lerp_(g, 1 - alpha)
                    a[i] = ai
                    avg = (si + (-1) * ai * ai).squareRoot()   // square_avg.addcmul(ga, ga, value: -1).sqrt_()
                } else {
                    avg = sqrtNonNegative(si)
                }
                avg = avg + eps
                if let b = bp?.p {
                    let bi = b[i] * mom + gi / avg          // buf.mul_(momentum).addcdiv_(g, avg)
                    b[i] = bi
                    p[i] = x + negLR * bi
                } else {
                    p[i] = x + negLR * gi / avg
                }
            }
        }
    }

    // MARK: Adagrad

    static func adagradUpdate(_ param: Tensor, grad: Tensor, sum: Tensor, clr: Double, eps: Double,
                              weightDecay: Double, maximize: Bool) {
        checkUpdateOperands("Adagrad", param, grad, sum)
        if param.dtype.isReducedPrecision {
            return updateInFloat32(param, grad, [sum]) {
                adagradUpdate($0, grad: $1, sum: $2[0]!, clr: clr, eps: eps, weightDecay: weightDecay, maximize: maximize)
            }
        }
        switch param.dtype {
        case .float32: adagradLoop(param.ptr(Float.self), grad.ptr(Float.self), sum.ptr(Float.self), param.count, clr, eps, weightDecay, maximize)
        default: adagradLoop(param.ptr(Double.self), grad.ptr(Double.self), sum.ptr(Double.self), param.count, clr, eps, weightDecay, maximize)
        }
        param.bumpVersion()
    }

    static func adagradLoop<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ sum: UnsafeMutablePointer<T>,
                                             _ n: Int, _ clr: Double, _ eps: Double, _ weightDecay: Double, _ maximize: Bool) {
        let pp = SendablePointer(p), gp = SendablePointer(g), sp = SendablePointer(sum)
        let negCLR = T(-clr), e = T(eps), wd = T(weightDecay), coupled = weightDecay != 0
        parallelRanges(n) { lo, hi in
            let p = pp.p, g = gp.p, sum = sp.p
            for i in lo..<hi {
                let x = p[i]
                let gi = effectiveGrad(g[i], x, maximize: maximize, wd: wd, coupled: coupled)
                let si = sum[i] + gi * gi                  // state_sum.addcmul_(g, g, value: 1)
                sum[i] = si
                p[i] = x + negCLR * gi / (sqrtNonNegative(si) + e)
            }
        }
    }

    // MARK: Adadelta

    static func adadeltaUpdate(_ param: Tensor, grad: Tensor, squareAvg: Tensor, accDelta: Tensor,
                               lr: Double, rho: Double, eps: Double, weightDecay: Double, maximize: Bool) {
        checkUpdateOperands("Adadelta", param, grad, squareAvg, accDelta)
        if param.dtype.isReducedPrecision {
            return updateInFloat32(param, grad, [squareAvg, accDelta]) {
                adadeltaUpdate($0, grad: $1, squareAvg: $2[0]!, accDelta: $2[1]!, lr: lr, rho: rho, eps: eps,
                               weightDecay: weightDecay, maximize: maximize)
            }
        }
        switch param.dtype {
        case .float32:
            adadeltaLoop(param.ptr(Float.self), grad.ptr(Float.self), squareAvg.ptr(Float.self), accDelta.ptr(Float.self),
                         param.count, lr, rho, eps, weightDecay, maximize)
        default:
            adadeltaLoop(param.ptr(Double.self), grad.ptr(Double.self), squareAvg.ptr(Double.self), accDelta.ptr(Double.self),
                         param.count, lr, rho, eps, weightDecay, maximize)
        }
        param.bumpVersion()
    }

    static func adadeltaLoop<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>,
                                              _ sq: UnsafeMutablePointer<T>, _ acc: UnsafeMutablePointer<T>, _ n: Int,
                                              _ lr: Double, _ rho: Double, _ eps: Double, _ weightDecay: Double, _ maximize: Bool) {
        let pp = SendablePointer(p), gp = SendablePointer(g), sp = SendablePointer(sq), ap = SendablePointer(acc)
        let r = T(rho), w = T(1 - rho), e = T(eps), negLR = T(-lr), wd = T(weightDecay), coupled = weightDecay != 0
        parallelRanges(n) { lo, hi in
            let p = pp.p, g = gp.p, sq = sp.p, acc = ap.p
            for i in lo..<hi {
                let x = p[i]
                let gi = effectiveGrad(g[i], x, maximize: maximize, wd: wd, coupled: coupled)
                let si = sq[i] * r + w * gi * gi
                sq[i] = si
                let std = sqrtNonNegative(si + e)
                let delta = sqrtNonNegative(acc[i] + e) / std * gi   // delta.div_(std).mul_(grad)
                acc[i] = acc[i] * r + w * delta * delta
                p[i] = x + negLR * delta
            }
        }
    }

    // MARK: NAdam

    static func nadamUpdate(_ param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, _ s: NAdamKernelSettings) {
        checkUpdateOperands("NAdam", param, grad, expAvg, expAvgSq)
        if param.dtype.isReducedPrecision {
            return updateInFloat32(param, grad, [expAvg, expAvgSq]) { nadamUpdate($0, grad: $1, expAvg: $2[0]!, expAvgSq: $2[1]!, s) }
        }
        switch param.dtype {
        case .float32: nadamLoop(param.ptr(Float.self), grad.ptr(Float.self), expAvg.ptr(Float.self), expAvgSq.ptr(Float.self), param.count, s)
        default: nadamLoop(param.ptr(Double.self), grad.ptr(Double.self), expAvg.ptr(Double.self), expAvgSq.ptr(Double.self), param.count, s)
        }
        param.bumpVersion()
    }

    static func nadamLoop<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>,
                                           _ v: UnsafeMutablePointer<T>, _ n: Int, _ s: NAdamKernelSettings) {
        let pp = SendablePointer(p), gp = SendablePointer(g), mp = SendablePointer(m), vp = SendablePointer(v)
        let w1 = T(1 - s.beta1), b2 = T(s.beta2), w2 = T(1 - s.beta2), eps = T(s.eps), bc2 = T(s.biasCorrection2)
        let cg = T(s.gradCoef), cm = T(s.avgCoef)
        let wd = T(s.weightDecay), decay = T(1 - s.lr * s.weightDecay), maximize = s.maximize
        let coupled = s.weightDecay != 0 && !s.decoupledWeightDecay
        let decoupled = s.weightDecay != 0 && s.decoupledWeightDecay
        parallelRanges(n) { lo, hi in
            let p = pp.p, g = gp.p, m = mp.p, v = vp.p
            for i in lo..<hi {
                var x = p[i]
                if decoupled { x = x * decay }
                let gi = effectiveGrad(g[i], x, maximize: maximize, wd: wd, coupled: coupled)
                let mi = lerp(m[i], gi, w1)
                let vi = v[i] * b2 + w2 * gi * gi
                m[i] = mi
                v[i] = vi
                let denom = sqrtNonNegative(vi / bc2) + eps
                x = x + cg * gi / denom                     // the gradient's share of the Nesterov step
                p[i] = x + cm * mi / denom                  // and the momentum's
            }
        }
    }

    // MARK: RAdam

    static func radamUpdate(_ param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, _ s: RAdamKernelSettings) {
        checkUpdateOperands("RAdam", param, grad, expAvg, expAvgSq)
        if param.dtype.isReducedPrecision {
            return updateInFloat32(param, grad, [expAvg, expAvgSq]) { radamUpdate($0, grad: $1, expAvg: $2[0]!, expAvgSq: $2[1]!, s) }
        }
        switch param.dtype {
        case .float32: radamLoop(param.ptr(Float.self), grad.ptr(Float.self), expAvg.ptr(Float.self), expAvgSq.ptr(Float.self), param.count, s)
        default: radamLoop(param.ptr(Double.self), grad.ptr(Double.self), expAvg.ptr(Double.self), expAvgSq.ptr(Double.self), param.count, s)
        }
        param.bumpVersion()
    }

    static func radamLoop<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>,
                                           _ v: UnsafeMutablePointer<T>, _ n: Int, _ s: RAdamKernelSettings) {
        let pp = SendablePointer(p), gp = SendablePointer(g), mp = SendablePointer(m), vp = SendablePointer(v)
        let w1 = T(1 - s.beta1), b2 = T(s.beta2), w2 = T(1 - s.beta2), eps = T(s.eps)
        let bc1 = T(s.biasCorrection1), bc2 = T(s.biasCorrection2Sqrt), lr = T(s.lr)
        let rect = s.rect.map { T($0) }
        let wd = T(s.weightDecay), decay = T(1 - s.lr * s.weightDecay), maximize = s.maximize
        let coupled = s.weightDecay != 0 && !s.decoupledWeightDecay
        let decoupled = s.weightDecay != 0 && s.decoupledWeightDecay
        parallelRanges(n) { lo, hi in
            let p = pp.p, g = gp.p, m = mp.p, v = vp.p
            for i in lo..<hi {
                var x = p[i]
                if decoupled { x = x * decay }
                let gi = effectiveGrad(g[i], x, maximize: maximize, wd: wd, coupled: coupled)
                let mi = lerp(m[i], gi, w1)
                let vi = v[i] * b2 + w2 * gi * gi
                m[i] = mi
                v[i] = vi
                let corrected = mi / bc1 * lr
                if let r = rect {
                    // Variance tractable: adaptive step bias_corrected_avg · lr · sqrt(bc2) / (sqrt(v) + eps) · rect.
                    p[i] = x - corrected * (bc2 / (sqrtNonNegative(vi) + eps)) * r
                } else {
                    p[i] = x - corrected                    // early steps: plain momentum SGD
                }
            }
        }
    }

    // MARK: Gradient clipping

    /// Σ|x|^p (p = 2 without pow), accumulated in Double in a fixed order.
    static func sumOfPowers(_ t: Tensor, _ p: Double) -> Double {
        let t = t.dense
        func run<T: FloatElement>(_ x: UnsafeMutablePointer<T>) -> Double {
            var acc = (0.0, 0.0, 0.0, 0.0)
            let n = t.count, n4 = n & ~3
            @inline(__always) func f(_ v: T) -> Double {
                let a = Swift.abs(Double(v))
                return p == 2 ? a * a : (p == 1 ? a : Double.pow(a, p))
            }
            var i = 0
            while i < n4 {
                acc.0 += f(x[i]); acc.1 += f(x[i + 1]); acc.2 += f(x[i + 2]); acc.3 += f(x[i + 3])
                i += 4
            }
            while i < n { acc.0 += f(x[i]); i += 1 }
            return (acc.0 + acc.1) + (acc.2 + acc.3)
        }
        switch t.dtype {
        case .float32: return run(t.ptr(Float.self))
        case .float64: return run(t.ptr(Double.self))
        default:
            check(t.dtype.isReducedPrecision, "clipGradNorm: gradient dtype \(t.dtype) is not a float type")
            return sumOfPowers(convert(t, to: .float32), p)
        }
    }

    /// max |x| (NaN if any element is NaN).
    static func maxAbs(_ t: Tensor) -> Double {
        let t = t.dense
        func run<T: FloatElement>(_ x: UnsafeMutablePointer<T>) -> Double {
            var m: T = 0
            for i in 0..<t.count {
                let a = Swift.abs(x[i])
                if a > m || a.isNaN { m = a; if a.isNaN { break } }
            }
            return Double(m)
        }
        switch t.dtype {
        case .float32: return run(t.ptr(Float.self))
        case .float64: return run(t.ptr(Double.self))
        default:
            check(t.dtype.isReducedPrecision, "clipGradNorm: gradient dtype \(t.dtype) is not a float type")
            return maxAbs(convert(t, to: .float32))
        }
    }

    /// x *= c in place.
    static func scaleInPlace(_ t: Tensor, _ c: Double) {
        func run<T: FloatElement>(_ x: UnsafeMutablePointer<T>) {
            let xp = SendablePointer(x), k = T(c)
            parallelRanges(t.count) { lo, hi in
                let x = xp.p
                for i in lo..<hi { x[i] = x[i] * k }
            }
        }
        switch t.dtype {
        case .float32: run(t.ptr(Float.self))
        case .float64: run(t.ptr(Double.self))
        default:
            check(t.dtype.isReducedPrecision, "clipGradNorm: gradient dtype \(t.dtype) is not a float type")
            let wide = convert(t, to: .float32); scaleInPlace(wide, c); convert(wide, into: t)
        }
        t.bumpVersion()
    }

    /// x = clamp(x, lo, hi) in place; NaN passes through as in PyTorch.
    static func clampInPlace(_ t: Tensor, _ lo: Double, _ hi: Double) {
        func run<T: FloatElement>(_ x: UnsafeMutablePointer<T>) {
            let xp = SendablePointer(x), l = T(lo), h = T(hi)
            parallelRanges(t.count) { a, b in
                let x = xp.p
                for i in a..<b { let v = x[i]; x[i] = v < l ? l : (v > h ? h : v) }
            }
        }
        switch t.dtype {
        case .float32: run(t.ptr(Float.self))
        case .float64: run(t.ptr(Double.self))
        default:
            check(t.dtype.isReducedPrecision, "clipGradValue: gradient dtype \(t.dtype) is not a float type")
            let wide = convert(t, to: .float32); clampInPlace(wide, lo, hi); convert(wide, into: t)
        }
        t.bumpVersion()
    }
}
