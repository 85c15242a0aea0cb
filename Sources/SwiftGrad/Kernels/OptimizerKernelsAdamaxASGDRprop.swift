// Fused updates of Adamax, ASGD and Rprop: one pass over the parameter, its gradient and its state
// buffers, in place, following PyTorch's single-tensor implementations operation by operation.

extension Kernels {
    /// Dispatches a fused loop over float32 or float64 operands (all of the parameter's dtype).
    static func optimizerLoop(_ name: String, _ param: Tensor, _ operands: [Tensor],
                              float: (UnsafeMutablePointer<Float>, [UnsafeMutablePointer<Float>]) -> Void,
                              double: (UnsafeMutablePointer<Double>, [UnsafeMutablePointer<Double>]) -> Void) {
        check(param.isContiguous, "\(name): the parameter must be contiguous, got shape \(param.shape) with strides \(param.strides); optimize the base tensor instead of a view")
        for t in operands {
            check(t.isContiguous, "\(name): the gradient and state must be contiguous, got shape \(t.shape) with strides \(t.strides) (parameter \(param.shape))")
            check(t.dtype == param.dtype && t.count == param.count,
                  "\(name): operand \(t.shape) \(t.dtype) does not match the parameter \(param.shape) \(param.dtype)")
        }
        switch param.dtype {
        case .float32: float(param.ptr(Float.self), operands.map { $0.ptr(Float.self) })
        case .float64: double(param.ptr(Double.self), operands.map { $0.ptr(Double.self) })
        default: checkFailure("\(name): parameter dtype \(param.dtype) is not a float type")
        }
        param.bumpVersion()
    }

    // MARK: Adamax

    /// exp_avg.lerp_(g, 1-β1); exp_inf = max(exp_inf·β2, |g|+eps); param.addcdiv_(exp_avg, exp_inf, -clr).
    static func adamaxUpdate(_ param: Tensor, grad: Tensor, expAvg: Tensor, expInf: Tensor, clr: Double, beta1: Double,
                             beta2: Double, eps: Double, weightDecay: Double, maximize: Bool) {
        func loop<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ o: [UnsafeMutablePointer<T>]) {
            let g = o[0], m = o[1], u = o[2]
            let w = T(1 - beta1), b2 = T(beta2), e = T(eps), negCLR = T(-clr), wd = T(weightDecay)
            for i in 0..<param.count {
                let x = p[i]
                let gi = effectiveGrad(g[i], x, maximize: maximize, wd: wd, coupled: weightDecay != 0)
                let mi = lerp(m[i], gi, w)
                m[i] = mi
                let decayed = u[i] * b2, bound = Swift.abs(gi) + e
                let ui = decayed.isNaN || bound.isNaN ? T.nan : Swift.max(decayed, bound)
                u[i] = ui
                p[i] = x + negCLR * (mi / ui)
            }
        }
        optimizerLoop("Adamax", param, [grad, expAvg, expInf], float: loop, double: loop)
    }

    // MARK: ASGD

    /// param·(1 − λ·eta) − eta·g, then the average ax moves toward the parameter by mu (is copied when mu = 1).
    static func asgdUpdate(_ param: Tensor, grad: Tensor, ax: Tensor, eta: Double, mu: Double, lambd: Double,
                           weightDecay: Double, maximize: Bool) {
        func loop<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ o: [UnsafeMutablePointer<T>]) {
            let g = o[0], ax = o[1]
            let decay = T(1 - lambd * eta), negEta = T(-eta), m = T(mu), wd = T(weightDecay)
            for i in 0..<param.count {
                let x = p[i]
                let gi = effectiveGrad(g[i], x, maximize: maximize, wd: wd, coupled: weightDecay != 0)
                let xi = x * decay + negEta * gi
                p[i] = xi
                ax[i] = mu != 1 ? ax[i] + (xi - ax[i]) * m : xi
            }
        }
        optimizerLoop("ASGD", param, [grad, ax], float: loop, double: loop)
    }

    // MARK: Rprop

    /// Per-element step sizes grow by etaplus while the gradient keeps its sign and shrink by
    /// etaminus when it flips (that step then ignores the gradient); param −= sign(g)·step_size.
    static func rpropUpdate(_ param: Tensor, grad: Tensor, prev: Tensor, stepSize: Tensor, etaminus: Double, etaplus: Double,
                            stepSizeMin: Double, stepSizeMax: Double, maximize: Bool) {
        func loop<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ o: [UnsafeMutablePointer<T>]) {
            let g = o[0], prev = o[1], step = o[2]
            let minus = T(etaminus), plus = T(etaplus), lo = T(stepSizeMin), hi = T(stepSizeMax)
            func sign(_ v: T) -> T { v > 0 ? 1 : (v < 0 ? -1 : v) }   // keeps 0 and NaN, as torch.sign
            for i in 0..<param.count {
                var gi = maximize ? -g[i] : g[i]
                let s = sign(gi * prev[i])
                let factor: T = s > 0 ? plus : (s < 0 ? minus : (s == 0 ? 1 : s))
                let scaled = step[i] * factor
                let si = scaled.isNaN ? scaled : Swift.min(Swift.max(scaled, lo), hi)
                step[i] = si
                if factor == minus { gi = 0 }
                p[i] = p[i] + -1 * (sign(gi) * si)
                prev[i] = gi
            }
        }
        optimizerLoop("Rprop", param, [grad, prev, stepSize], float: loop, double: loop)
    }
}
