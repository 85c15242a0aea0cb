// Convolution as im2col + GEMM, forward and backward, for Float and Double.
//
// The batch is processed in chunks of samples whose column matrix fits `Kernels.convColumnBudget`
// bytes; each group is ONE GEMM per chunk with N = chunk·oh·ow (thousands of columns even for small
// images). The parallel loops (im2col, col2im, transposes) never contain a BLAS call: OpenBLAS
// threads the GEMMs itself.

/// What a convolution's forward pass keeps for its weight gradient: im2col's column matrix, or a
/// Winograd forward's transformed input V (every chunk's, cut as `winograd` says).
struct SavedColumns {
    let tensor: Tensor
    let winograd: WinogradLayout?
}

/// The column buffer of a convolution forward pass, kept for its backward (weight gradient), and
/// handed over exactly once: backward takes it (and reuses its memory for the input gradient's
/// columns), so it never outlives the step. A second backward (retainGraph) recomputes the columns.
final class ConvColumns {
    var columns: SavedColumns?
    init(_ columns: SavedColumns?) { self.columns = columns }
    func take() -> SavedColumns? { defer { columns = nil }; return columns }
}

extension Kernels {
    /// Largest column matrix (bytes) built at once; bigger batches are processed in chunks of samples,
    /// and their columns are recomputed in backward instead of kept. 8 MiB measured best on
    /// conv64_fwd_bwd: the chunk stays in cache and costs no page faults (Docs/Convolution.md).
    @TaskLocal static var convColumnBudget: Int = 8 << 20

    /// Samples per chunk so that one chunk's columns fit the budget.
    static func convChunk(_ g: ConvGeometry, dtype: DType) -> Int {
        let perSample = Swift.max(1, g.k * g.l * dtype.byteSize)
        return Swift.max(1, Swift.min(g.n, convColumnBudget / perSample))
    }

    /// y = conv(x, w) + bias. Returns the output and, when `keepColumns`, what the weight gradient
    /// will read: im2col's column matrix when the batch fits in one chunk, or a Winograd layer's
    /// transformed input when it fits `winogradKeepBudget`.
    static func convForward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvGeometry,
                            keepColumns: Bool) -> (Tensor, SavedColumns?) {
        if useWinograd(g) { return winogradForward(x, w, bias, g, keep: keepColumns) }
        let x = x.dense
        let w = w.dense
        let bias = bias?.dense
        let out = Tensor(uninitializedShape: [g.n, g.o, g.oh, g.ow], dtype: x.dtype)
        let nb = convChunk(g, dtype: x.dtype)
        let cols = Tensor(uninitializedShape: [g.k, nb * g.l], dtype: x.dtype)
        let y = Tensor(uninitializedShape: [g.o, nb * g.l], dtype: x.dtype)
        func run<T: FloatElement>(_: T.Type) {
            let xp = x.ptr(T.self), wp = w.ptr(T.self), cp = cols.ptr(T.self), yp = y.ptr(T.self)
            let bp = bias.map { UnsafePointer($0.ptr(T.self)) }
            var n0 = 0
            while n0 < g.n {
                let m = Swift.min(nb, g.n - n0), p = m * g.l
                im2col(xp, cp, g, n0: n0, nb: m)
                for grp in 0..<g.groups {
                    gemm(false, false, g.og, p, g.kg, 1, wp + grp * g.og * g.kg, g.kg,
                         cp + grp * g.kg * p, p, 0, yp + grp * g.og * p, p)
                }
                fromChannelMajor(yp, out.ptr(T.self), bias: bp, channels: g.o, l: g.l, n0: n0, nb: m)
                n0 += m
            }
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: fatalError("conv2d: needs a float tensor, got \(x.dtype)")
        }
        return (out, keepColumns && nb == g.n ? SavedColumns(tensor: cols, winograd: nil) : nil)
    }

    /// Gradients of a convolution: input gradient (GEMM then col2im) and weight gradient (GEMM against
    /// the columns), sharing one channel-major copy of `dy` per chunk. `columns` are the forward
    /// pass's columns if they were kept; otherwise they are recomputed from `x` once, here.
    static func convBackward(x: Tensor?, w: Tensor?, dy: Tensor, _ g: ConvGeometry, columns saved: SavedColumns?,
                             needInput: Bool, needWeight: Bool, needBias: Bool = false) -> (Tensor?, Tensor?, Tensor?) {
        // Columns kept by an im2col forward are used; otherwise a 3×3 stride-1 layer goes to Winograd
        // (with the transformed input its forward kept, if any).
        if (saved == nil || saved?.winograd != nil) && useWinograd(g) {
            return winogradBackward(x: x, w: w, dy: dy, g, needInput: needInput, needWeight: needWeight, needBias: needBias,
                                    kept: saved)
        }
        let columns = saved?.winograd == nil ? saved?.tensor : nil   // a Winograd V is no use to im2col
        let dy = dy.dense
        let x = x?.dense
        let w = w?.dense
        let dtype = dy.dtype
        let nb = columns != nil ? g.n : convChunk(g, dtype: dtype)
        let dx = needInput ? Tensor(uninitializedShape: [g.n, g.c, g.h, g.w], dtype: dtype) : nil
        let dw = needWeight ? Tensor(uninitializedShape: [g.o, g.cg, g.kh, g.kw], dtype: dtype) : nil
        // An empty batch runs no chunk: its weight gradient is zero.
        let dwt = !needWeight ? nil : g.n == 0 ? Tensor.zeros([g.groups, g.kg, g.og], dtype: dtype)
                                               : Tensor(uninitializedShape: [g.groups, g.kg, g.og], dtype: dtype)
        let db = needBias ? Tensor.zeros([g.o], dtype: dtype) : nil
        let cols = columns ?? Tensor(uninitializedShape: [g.k, nb * g.l], dtype: dtype)
        let dyt = Tensor(uninitializedShape: [g.o, nb * g.l], dtype: dtype)
        func run<T: FloatElement>(_: T.Type) {
            let cp = cols.ptr(T.self), tp = dyt.ptr(T.self)
            var n0 = 0
            while n0 < g.n {
                let m = Swift.min(nb, g.n - n0), p = m * g.l
                toChannelMajor(dy.ptr(T.self), tp, channels: g.o, l: g.l, n0: n0, nb: m)
                if let db { addRowSums(tp, rows: g.o, cols: p, into: db.ptr(T.self)) }
                if let dwt {
                    if columns == nil { im2col(x!.ptr(T.self), cp, g, n0: n0, nb: m) }
                    // dwᵀ = columns · dyᵀ per group ([kg, og], transposed once at the end): measured ~25%
                    // faster in OpenBLAS than dw = dy · columnsᵀ at conv64_fwd_bwd's sizes.
                    let beta: T = n0 == 0 ? 0 : 1   // chunks after the first accumulate
                    for grp in 0..<g.groups {
                        gemm(false, true, g.kg, g.og, p, 1, cp + grp * g.kg * p, p,
                             tp + grp * g.og * p, p, beta, dwt.ptr(T.self) + grp * g.kg * g.og, g.og)
                    }
                }
                if let dx, let wp = w?.ptr(T.self) {
                    // The columns are no longer needed: their buffer receives the input gradient's columns.
                    for grp in 0..<g.groups {
                        gemm(true, false, g.kg, p, g.og, 1, wp + grp * g.og * g.kg, g.kg,
                             tp + grp * g.og * p, p, 0, cp + grp * g.kg * p, p)
                    }
                    col2im(cp, dx.ptr(T.self), g, n0: n0, nb: m)
                }
                n0 += m
            }
            if let dw, let dwt {
                // [groups, kg, og] → [groups·og, kg]
                let src = dwt.ptr(T.self), dst = dw.ptr(T.self)
                for grp in 0..<g.groups {
                    for kk in 0..<g.kg {
                        for oc in 0..<g.og { dst[(grp * g.og + oc) * g.kg + kk] = src[(grp * g.kg + kk) * g.og + oc] }
                    }
                }
            }
        }
        switch dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: fatalError("conv2d backward: needs a float tensor, got \(dtype)")
        }
        return (dx, dw, db)
    }

    /// sums[r] += Σ a[r, 0..<cols] (the bias gradient from channel-major dy), in parallel over rows.
    static func addRowSums<T: FloatElement>(_ a: UnsafePointer<T>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<T>) {
        let (ap, sp) = (SendablePointer(a), SendablePointer(sums))
        parallelRanges(rows, threshold: Swift.max(2, parallelThreshold / Swift.max(cols, 1))) { lo, hi in
            for r in lo..<hi {
                let row = ap.p + r * cols
                // Four independent partial sums: one chain of dependent adds runs at a quarter speed.
                var (a0, a1, a2, a3): (T, T, T, T) = (0, 0, 0, 0)
                var i = 0
                while i + 4 <= cols {
                    a0 += row[i]; a1 += row[i + 1]; a2 += row[i + 2]; a3 += row[i + 3]
                    i += 4
                }
                while i < cols { a0 += row[i]; i += 1 }
                sp.p[r] += (a0 + a1) + (a2 + a3)
            }
        }
    }

    /// Adds `bias[c]` to channel c of `x` ([n, c, ...]) in place (x is a fresh result, not yet recorded).
    static func addChannelBias(_ x: Tensor, _ bias: Tensor) {
        let bias = bias.dense
        let n = x.shape[0], ch = x.shape[1], l = x.count / Swift.max(1, n * ch)
        switch x.dtype {
        case .float32: addChannelBias(x.ptr(Float.self), bias.ptr(Float.self), n: n, channels: ch, l: l)
        case .float64: addChannelBias(x.ptr(Double.self), bias.ptr(Double.self), n: n, channels: ch, l: l)
        default: fatalError("bias: needs a float tensor, got \(x.dtype)")
        }
    }
}
