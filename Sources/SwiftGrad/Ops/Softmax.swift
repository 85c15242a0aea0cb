// softmax and logSoftmax along one axis, max-shifted so large logits never overflow.

extension Tensor {
    /// exp(x) / Σ exp(x) along `axis`.
    ///
    ///     let probs = logits.softmax(axis: -1)
    public func softmax(axis: Int = -1) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.axis(self, axis, op: "softmax", { $0.softmax(axis: $1) }) { return r }
        unaryFloatOnly("softmax")
        if let r = viaFloat32({ $0.softmax(axis: axis) }) { return r }
        let ax = normalizeAxis(axis, rank, op: Op.softmax.name, shape: shape)
        let (outer, n, inner) = rank == 0 ? (1, 1, 1) : splitAround(ax)
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Kernels.softmax(self, out, axis: rank == 0 ? 0 : ax, outer: outer, n: n, inner: inner, log: false)
        return out.recorded(.softmax, self, save: .output) { g, ctx in
            let y = ctx.output
            // dx = y · (g - Σ g·y)
            return [y * (g - (g * y).sum(axis: ax, keepDim: true))]
        } forward: { f in
            let y = f.output, t = f.tangent
            return y * (t - (t * y).sum(axis: ax, keepDim: true))   // dy = y · (t - Σ t·y)
        }
    }

    /// log(softmax(x)) along `axis`, computed as x - max - log Σ exp(x - max).
    ///
    ///     let logp = logits.logSoftmax(axis: 1)
    public func logSoftmax(axis: Int = -1) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.axis(self, axis, op: "logSoftmax", { $0.logSoftmax(axis: $1) }) { return r }
        unaryFloatOnly("logSoftmax")
        if let r = viaFloat32({ $0.logSoftmax(axis: axis) }) { return r }
        let ax = normalizeAxis(axis, rank, op: "logSoftmax", shape: shape)
        let (outer, n, inner) = rank == 0 ? (1, 1, 1) : splitAround(ax)
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        Kernels.softmax(self, out, axis: rank == 0 ? 0 : ax, outer: outer, n: n, inner: inner, log: true)
        return out.recorded(.logSoftmax, self, save: .output) { g, ctx in
            // dx = g - softmax · Σ g
            [g - ctx.output.exp() * g.sum(axis: ax, keepDim: true)]
        } forward: { f in
            f.tangent - (f.output.exp() * f.tangent).sum(axis: ax, keepDim: true)   // dy = t - Σ softmax·t
        }
    }
}

extension Kernels {
    /// Softmax (or log-softmax) of `x` along `axis`, viewed as [outer, n, inner], into the contiguous
    /// `y`. A view is read in place through its strides (`AxisRows`) with the same arithmetic as a
    /// contiguous input, so the results are bitwise those of `x.contiguous()`.
    static func softmax(_ x: Tensor, _ y: Tensor, axis: Int, outer: Int, n: Int, inner: Int, log: Bool) {
        func run<T: FloatElement>(_: T.Type) {
            let X = SendablePointer(x.stridedPtr(T.self)), Y = SendablePointer(y.ptr(T.self))
            let rows = AxisRows(x, axis: axis, outer: outer, n: n, inner: inner)
            let xs = rows.step
            parallelRanges(outer * inner, threshold: Swift.max(1, parallelThreshold / Swift.max(n, 1))) { lo, hi in
                for r in lo..<hi {
                    let o = r / inner, j = r % inner
                    let xp = X.p + rows.start(r), yp = Y.p + o * n * inner + j
                    var m = -T.infinity
                    for k in 0..<n { let v = xp[k * xs]; if v > m || v.isNaN { m = v } }
                    if m == -T.infinity { m = 0 }   // all -inf: avoid -inf - -inf
                    var s: T = 0
                    if T.self == Float.self && inner == 1 {
                        // Rows along the last axis in float32: the SIMD exp (≤ 1.1 ulp) over x - max.
                        let xf = UnsafeRawPointer(xp).assumingMemoryBound(to: Float.self)
                        let yf = UnsafeMutableRawPointer(yp).assumingMemoryBound(to: Float.self)
                        let mf = Float(m)
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { shifted in
                            let sp = shifted.baseAddress!
                            if xs == 1 { for k in 0..<n { sp[k] = xf[k] - mf } } else { for k in 0..<n { sp[k] = xf[k * xs] - mf } }
                            VectorMath.exp(sp, yf, 0, n)
                        }
                        var sf: Float = 0
                        for k in 0..<n { sf += yf[k] }
                        s = T(sf)
                    } else {
                        for k in 0..<n { let e = T.exp(xp[k * xs] - m); yp[k * inner] = e; s += e }
                    }
                    if log {
                        // (x - max) - log Σ: adding max back first would lose log Σ next to a huge max (1e8·x).
                        let ls = T.log(s)
                        for k in 0..<n { yp[k * inner] = (xp[k * xs] - m) - ls }
                    } else {
                        let inv = 1 / s
                        for k in 0..<n { yp[k * inner] *= inv }
                    }
                }
            }
        }
        if outer * inner * n == 0 { return }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: checkFailure("softmax: needs a float32 or float64 tensor, got \(x.dtype)")
        }
    }
}
