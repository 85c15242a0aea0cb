import CKernels

/// Fused LSTM cell kernels. Forward: from pre-activation gates [N, 4H] (i, f, g, o) and the cell
/// state [N, H], write h' and c' into out [2, N, H] and the activations i, f, g, o, tanh(c') into
/// acts [N, 5H] for backward. Backward: from dh', dc' ([2, N, H]) write d(gates) [N, 4H] and
/// d(c) [N, H]. One pass over memory each way instead of about fifteen elementwise ops.
extension Kernels {
    static func lstmCellForward(pre: Tensor, c: Tensor, out: Tensor, acts: Tensor, n: Int, h: Int) {
        let pre = pre.dense
        let c = c.dense
        func run<T: FloatElement>(_: T.Type) {
            let P = SendablePointer(pre.ptr(T.self)), C = SendablePointer(c.ptr(T.self))
            let O = SendablePointer(out.ptr(T.self)), A = SendablePointer(acts.ptr(T.self))
            parallelRanges(n, threshold: Swift.max(1, parallelThreshold / (5 * h))) { lo, hi in
                lstmForwardRows(pre: P.p, cPrev: C.p, hOut: O.p, cOut: O.p + n * h, acts: A.p, rows: lo..<hi, h: h)
            }
        }
        switch pre.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: checkFailure("lstmCell: needs float32 or float64 tensors")
        }
    }

    /// The forward cell over `rows` of [N, ·] row-major operands: pre [N, 4H] → acts [N, 5H],
    /// h' [N, H], c' [N, H].
    @inline(__always)
    static func lstmForwardRows<T: FloatElement>(pre: UnsafeMutablePointer<T>, cPrev: UnsafePointer<T>,
                                                 hOut: UnsafeMutablePointer<T>, cOut: UnsafeMutablePointer<T>,
                                                 acts: UnsafeMutablePointer<T>, rows: Range<Int>, h: Int,
                                                 vector: Bool = VectorMath.useC) {
        #if arch(x86_64)
        // float32: the same row in C (Sources/CKernels/RecurrentRows.c), its two elementwise loops on
        // eight lanes (this one keeps them scalar: 1.9 % of lstm_train_step's one-thread samples,
        // 0.5 % in C; Docs/Performance.md).
        if vector && T.self == Float.self {
            sg_lstm_forward_rows_f32(readFloats(pre), readFloats(cPrev), floats(hOut), floats(cOut), floats(acts),
                                     rows.lowerBound, rows.upperBound, h, VectorMath.wide ? 1 : 0)
            return
        }
        #endif
        for r in rows {
            let p = pre + r * 4 * h, a = acts + r * 5 * h
            let cp = cPrev + r * h, hp = hOut + r * h, cn = cOut + r * h
            activate(p, a, h)
            for j in 0..<h {   // c' = f·c + i·g
                cn[j] = a[h + j] * cp[j] + a[j] * a[2 * h + j]
            }
            tanhRow(UnsafePointer(cn), a + 4 * h, h)
            for j in 0..<h { hp[j] = a[3 * h + j] * a[4 * h + j] }   // h' = o·tanh(c')
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
        let grad = grad.dense
        let acts = acts.dense
        let c = c.dense
        func run<T: FloatElement>(_: T.Type) {
            let G = SendablePointer(grad.ptr(T.self)), A = SendablePointer(acts.ptr(T.self)), C = SendablePointer(c.ptr(T.self))
            let DP = SendablePointer(dPre.ptr(T.self)), DC = SendablePointer(dC.ptr(T.self))
            parallelRanges(n, threshold: Swift.max(1, parallelThreshold / (5 * h))) { lo, hi in
                lstmBackwardRows(dh: G.p, dcNext: G.p + n * h, acts: A.p, cPrev: C.p, dPre: DP.p, dC: DC.p, rows: lo..<hi, h: h)
            }
        }
        switch grad.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: checkFailure("lstmCell: needs float32 or float64 tensors")
        }
    }

    /// The backward cell over `rows`: from dh' and dc' [N, H] and the forward's acts [N, 5H] and
    /// c [N, H], writes d(pre) [N, 4H] and dc [N, H]. `dC` may be `dcNext` (updated in place).
    @inline(__always)
    static func lstmBackwardRows<T: FloatElement>(dh: UnsafePointer<T>, dcNext: UnsafePointer<T>, acts: UnsafePointer<T>,
                                                  cPrev: UnsafePointer<T>, dPre: UnsafeMutablePointer<T>,
                                                  dC: UnsafeMutablePointer<T>, rows: Range<Int>, h: Int,
                                                  vector: Bool = ownKernels) {
        #if arch(x86_64)
        // float32: the same loop in C on eight lanes (Sources/CKernels/RecurrentRows.c; this one stays
        // scalar: 9 % of lstm_train_step on one thread).
        if vector && T.self == Float.self {
            sg_lstm_backward_rows_f32(readFloats(dh), readFloats(dcNext), readFloats(acts), readFloats(cPrev),
                                      floats(dPre), floats(dC), rows.lowerBound, rows.upperBound, h)
            return
        }
        #endif
        for r in rows {
            let a = acts + r * 5 * h, cp = cPrev + r * h
            let dhr = dh + r * h, dcn = dcNext + r * h
            let dp = dPre + r * 4 * h, dc = dC + r * h
            for j in 0..<h {
                let i = a[j], f = a[h + j], g = a[2 * h + j], o = a[3 * h + j], tc = a[4 * h + j]
                let dcj = dcn[j] + dhr[j] * o * (1 - tc * tc)
                dp[j] = dcj * g * i * (1 - i)
                dp[h + j] = dcj * cp[j] * f * (1 - f)
                dp[2 * h + j] = dcj * i * (1 - g * g)
                dp[3 * h + j] = dhr[j] * tc * o * (1 - o)
                dc[j] = dcj * f
            }
        }
    }
}

/// The whole-sequence LSTM kernels behind `lstmSequence`.
extension Kernels {
    /// Batch rows below which a sequence step stays on one thread: a step is about 4·H² multiply-adds
    /// per row, and the product is worth splitting from `splitGemmWork` on.
    static func sequenceRowThreshold(_ h: Int) -> Int { Swift.max(2, splitGemmWork / Swift.max(1, 4 * h * h)) }

    /// Columns of gates per product in a forward step. OpenBLAS's SkylakeX/Cooperlake builds have
    /// small-matrix sgemm kernels that skip packing, and they take products of up to about 2¹⁷
    /// multiply-adds: one thread's step [16, 128]·[128, 512] took 31.6 µs as one product and 22.7 µs
    /// as eight of 64 columns. Other kernel sets (Haswell: 28.6 vs 30.0 µs) get one product.
    static func recurrentForwardColumns(rows: Int, h: Int) -> Int {
        guard Runtime.blasHasSmallMatrixKernels else { return 4 * h }
        let cols = (1 << 17) / Swift.max(1, rows * h) / 16 * 16
        return Swift.max(16, Swift.min(4 * h, cols))
    }

    /// Forward over T steps. Per step: pre = gates[t] + h·Whhᵀ (one GEMM accumulating into a copy
    /// of the step's gates), then the fused cell. Writes h_1...h_T and c_T into packed [T+1, N, H],
    /// each step's activations into acts [T, N, 5H] and c_1...c_T into cells [T, N, H].
    static func lstmSequenceForward(gates: Tensor, h0: Tensor, c0: Tensor, whh: Tensor,
                                    packed: Tensor, acts: Tensor, cells: Tensor) {
        let gates = gates.dense
        let h0 = h0.dense
        let c0 = c0.dense
        let whh = whh.dense
        let steps = gates.shape[0], n = h0.shape[0], h = h0.shape[1]
        func run<T: FloatElement>(_: T.Type) {
            let pre = UnsafeMutablePointer<T>.allocate(capacity: n * 4 * h)
            defer { pre.deallocate() }
            let gp = gates.ptr(T.self), wp = whh.ptr(T.self), yp = packed.ptr(T.self)
            let ap = acts.ptr(T.self), cp = cells.ptr(T.self)
            let P = SendablePointer(pre), W = SendablePointer(wp), Y = SendablePointer(yp), A = SendablePointer(ap)
            let C = SendablePointer(cp), G = SendablePointer(gp)
            let H0 = SendablePointer(h0.ptr(T.self)), C0 = SendablePointer(c0.ptr(T.self))
            // float32 on an AVX2 CPU: Whhᵀ [H, 4H] packed once for every step's product.
            let packedW = T.self == Float.self && ownKernels
                ? PackedB(k: h, n: 4 * h, wp, rowStride: 1, columnStride: h)
                : nil
            for t in 0..<steps {
                // Each thread takes a block of batch rows through the whole step (product and cell):
                // one parallel job per step, no barrier between the product and the cell.
                parallelRanges(n, threshold: sequenceRowThreshold(h)) { lo, hi in
                    let hPrev = t == 0 ? H0.p : Y.p + (t - 1) * n * h
                    let cPrev = t == 0 ? C0.p : C.p + (t - 1) * n * h
                    let rows = hi - lo
                    (P.p + lo * 4 * h).update(from: G.p + (t * n + lo) * 4 * h, count: rows * 4 * h)
                    if let packedW {
                        packedW.multiplyAdd(m: rows, hPrev + lo * h, lda: h, P.p + lo * 4 * h, ldc: 4 * h)
                    } else {
                        let cols = T.self == Float.self ? recurrentForwardColumns(rows: rows, h: h) : 4 * h
                        var j = 0
                        while j < 4 * h {
                            let w = Swift.min(cols, 4 * h - j)
                            gemm(false, true, rows, w, h, 1, hPrev + lo * h, h, W.p + j * h, h, 1, P.p + lo * 4 * h + j, 4 * h, serial: true)
                            j += w
                        }
                    }
                    lstmForwardRows(pre: P.p, cPrev: cPrev, hOut: Y.p + t * n * h, cOut: C.p + t * n * h,
                                    acts: A.p + t * n * 5 * h, rows: lo..<hi, h: h)
                }
            }
            (yp + steps * n * h).update(from: cp + (steps - 1) * n * h, count: n * h)
        }
        switch gates.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: checkFailure("lstmSequence: needs float32 or float64 tensors")
        }
    }

    /// Backward over T steps in reverse, from the gradient of packed [T+1, N, H]. Per step: the
    /// fused cell backward into dGates[t], then dh = g[t-1] + dGates[t]·Whh (one GEMM). After the
    /// loop, dWhh = Σ_t dGates[t]ᵀ·h_t as two GEMMs over all steps (h_0 alone, then h_1...h_{T-1}
    /// straight out of `packed`).
    static func lstmSequenceBackward(grad: Tensor, packed: Tensor, acts: Tensor, cells: Tensor, h0: Tensor, c0: Tensor,
                                     whh: Tensor, needWeight: Bool, needH0: Bool)
        -> (dGates: Tensor, dH0: Tensor?, dC0: Tensor, dWhh: Tensor?) {
        let grad = grad.dense
        let packed = packed.dense
        let acts = acts.dense
        let cells = cells.dense
        let h0 = h0.dense
        let c0 = c0.dense
        let whh = whh.dense
        let steps = acts.shape[0], n = h0.shape[0], h = h0.shape[1]
        let dGates = Tensor(uninitializedShape: [steps, n, 4 * h], dtype: grad.dtype)
        let dh = Tensor(uninitializedShape: [n, h], dtype: grad.dtype)
        let dc = Tensor(uninitializedShape: [n, h], dtype: grad.dtype)
        let dW = needWeight ? Tensor(uninitializedShape: [4 * h, h], dtype: grad.dtype) : nil
        func run<T: FloatElement>(_: T.Type) {
            let gp = grad.ptr(T.self), dgp = dGates.ptr(T.self), dhp = dh.ptr(T.self), dcp = dc.ptr(T.self)
            let ap = acts.ptr(T.self), cp = cells.ptr(T.self), wp = whh.ptr(T.self)
            dcp.update(from: gp + steps * n * h, count: n * h)
            dhp.update(from: gp + (steps - 1) * n * h, count: n * h)
            let G = SendablePointer(gp), DG = SendablePointer(dgp), DH = SendablePointer(dhp), DC = SendablePointer(dcp)
            let A = SendablePointer(ap), C = SendablePointer(cp), W = SendablePointer(wp), C0 = SendablePointer(c0.ptr(T.self))
            // float32 on an AVX2 CPU: Whh [4H, H] packed once for every step's dh product.
            let packedW = T.self == Float.self && ownKernels && (steps > 1 || needH0)
                ? PackedB(k: 4 * h, n: h, wp, rowStride: h, columnStride: 1)
                : nil
            for t in stride(from: steps - 1, through: 0, by: -1) {
                // Rows are independent through the cell backward and dh = dPre·Whh: one job per step.
                parallelRanges(n, threshold: sequenceRowThreshold(h)) { lo, hi in
                    let cPrev = t == 0 ? C0.p : C.p + (t - 1) * n * h
                    let dPre = DG.p + t * n * 4 * h
                    lstmBackwardRows(dh: DH.p, dcNext: DC.p, acts: A.p + t * n * 5 * h, cPrev: cPrev,
                                     dPre: dPre, dC: DC.p, rows: lo..<hi, h: h)
                    let rows = hi - lo
                    if t > 0 || needH0 {
                        if t > 0 {
                            (DH.p + lo * h).update(from: G.p + ((t - 1) * n + lo) * h, count: rows * h)
                        } else {
                            (DH.p + lo * h).update(repeating: 0, count: rows * h)
                        }
                        if let packedW {
                            packedW.multiplyAdd(m: rows, dPre + lo * 4 * h, lda: 4 * h, DH.p + lo * h, ldc: h)
                        } else {
                            // dh += dPre·Whh as two products over halves of the 4H gates: measured 1.5×
                            // faster than one on OpenBLAS's Cooperlake kernels at [16, 512]·[512, 128]
                            // (27 → 18 µs), the same on its Haswell kernels.
                            let half = 2 * h
                            for k0 in stride(from: 0, to: 4 * h, by: half) {
                                gemm(false, false, rows, h, half, 1, dPre + lo * 4 * h + k0, 4 * h, W.p + k0 * h, h, 1,
                                     DH.p + lo * h, h, serial: true)
                            }
                        }
                    }
                }
            }
            if let dW {
                let dwp = dW.ptr(T.self)
                gemm(true, false, 4 * h, h, n, 1, dgp, 4 * h, h0.ptr(T.self), h, 0, dwp, h)
                if steps > 1 {
                    gemm(true, false, 4 * h, h, (steps - 1) * n, 1, dgp + n * 4 * h, 4 * h, packed.ptr(T.self), h, 1, dwp, h)
                }
            }
        }
        switch grad.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: checkFailure("lstmSequence: needs float32 or float64 tensors")
        }
        return (dGates, needH0 ? dh : nil, dc, dW)
    }
}
