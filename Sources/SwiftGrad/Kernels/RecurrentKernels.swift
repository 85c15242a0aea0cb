/// Fused LSTM cell kernels. Forward: from pre-activation gates [N, 4H] (i, f, g, o) and the cell
/// state [N, H], write h' and c' into out [2, N, H] and the activations i, f, g, o, tanh(c') into
/// acts [N, 5H] for backward. Backward: from dh', dc' ([2, N, H]) write d(gates) [N, 4H] and
/// d(c) [N, H]. One pass over memory each way instead of about fifteen elementwise ops.
extension Kernels {
    static func lstmCellForward(pre: Tensor, c: Tensor, out: Tensor, acts: Tensor, n: Int, h: Int) {
        func run<T: FloatElement>(_: T.Type) {
            let P = SendablePointer(pre.ptr(T.self)), C = SendablePointer(c.ptr(T.self))
            let O = SendablePointer(out.ptr(T.self)), A = SendablePointer(acts.ptr(T.self))
            parallelRanges(n, threshold: Swift.max(1, parallelThreshold / (5 * h))) { lo, hi in
                for r in lo..<hi {
                    let p = P.p + r * 4 * h, a = A.p + r * 5 * h
                    let cp = C.p + r * h, hOut = O.p + r * h, cOut = O.p + n * h + r * h
                    activate(p, a, h)
                    for j in 0..<h {   // c' = f·c + i·g
                        cOut[j] = a[h + j] * cp[j] + a[j] * a[2 * h + j]
                    }
                    tanhRow(UnsafePointer(cOut), a + 4 * h, h)
                    for j in 0..<h { hOut[j] = a[3 * h + j] * a[4 * h + j] }   // h' = o·tanh(c')
                }
            }
        }
        switch pre.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int64: fatalError("lstmCell: needs float tensors")
        }
    }

    /// i, f, o = sigmoid and g = tanh of one row of pre-activations (SIMD for float32).
    @inline(__always)
    static func activate<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ a: UnsafeMutablePointer<T>, _ h: Int) {
        if T.self == Float.self {
            let pf = UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
            let af = UnsafeMutableRawPointer(a).assumingMemoryBound(to: Float.self)
            VectorMath.sigmoid(pf, af, 0, 2 * h)
            VectorMath.tanh(pf + 2 * h, af + 2 * h, 0, h)
            VectorMath.sigmoid(pf + 3 * h, af + 3 * h, 0, h)
        } else {
            for j in 0..<(4 * h) {
                let v = p[j]
                if j >= 2 * h && j < 3 * h { a[j] = T.tanh(v) } else { a[j] = 1 / (1 + T.exp(-v)) }
            }
        }
    }

    @inline(__always)
    static func tanhRow<T: FloatElement>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        if T.self == Float.self {
            VectorMath.tanh(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                            UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self), 0, n)
        } else {
            for j in 0..<n { y[j] = T.tanh(x[j]) }
        }
    }

    static func lstmCellBackward(grad: Tensor, acts: Tensor, c: Tensor, dPre: Tensor, dC: Tensor, n: Int, h: Int) {
        func run<T: FloatElement>(_: T.Type) {
            let G = SendablePointer(grad.ptr(T.self)), A = SendablePointer(acts.ptr(T.self)), C = SendablePointer(c.ptr(T.self))
            let DP = SendablePointer(dPre.ptr(T.self)), DC = SendablePointer(dC.ptr(T.self))
            parallelRanges(n, threshold: Swift.max(1, parallelThreshold / (5 * h))) { lo, hi in
                for r in lo..<hi {
                    let a = A.p + r * 5 * h, cp = C.p + r * h
                    let dh = G.p + r * h, dcNext = G.p + n * h + r * h
                    let dp = DP.p + r * 4 * h, dc = DC.p + r * h
                    for j in 0..<h {
                        let i = a[j], f = a[h + j], g = a[2 * h + j], o = a[3 * h + j], tc = a[4 * h + j]
                        let dcj = dcNext[j] + dh[j] * o * (1 - tc * tc)
                        dp[j] = dcj * g * i * (1 - i)
                        dp[h + j] = dcj * cp[j] * f * (1 - f)
                        dp[2 * h + j] = dcj * i * (1 - g * g)
                        dp[3 * h + j] = dh[j] * tc * o * (1 - o)
                        dc[j] = dcj * f
                    }
                }
            }
        }
        switch grad.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int64: fatalError("lstmCell: needs float tensors")
        }
    }
}
