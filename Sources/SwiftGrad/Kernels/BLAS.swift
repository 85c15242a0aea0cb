import CBLAS

/// Thin wrappers over cblas: one call per matrix product, transposes passed as flags (no copies).
extension Kernels {
    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, row-major, for Float or Double.
    ///
    /// OpenBLAS itself always runs on one thread (see `Runtime`); a product of at least
    /// `splitGemmWork` multiply-adds is split here into `Runtime.threadCount` blocks of rows of C (or
    /// of columns, when C is wider than tall), each one single-threaded BLAS call on its own thread.
    /// `serial` keeps the product on the calling thread (callers already inside a parallel loop).
    /// Each element of C is computed by one call over the same K, so the split does not change the
    /// reduction order.
    @inline(__always)
    static func gemm<T: FloatElement>(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                      _ alpha: T, _ a: UnsafePointer<T>, _ lda: Int,
                                      _ b: UnsafePointer<T>, _ ldb: Int,
                                      _ beta: T, _ c: UnsafeMutablePointer<T>, _ ldc: Int, serial: Bool = false) {
        if gemmAsGemv(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, serial: serial) { return }
        let threads = Runtime.threadCount
        let splitRows = m >= n
        let dim = splitRows ? m : n
        let parts = Swift.min(threads, dim / gemmSplitAlignment)
        if serial || parts < 2 || m * n * k < splitGemmWork {
            gemmBLAS(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let per = ((dim + parts - 1) / parts + gemmSplitAlignment - 1) / gemmSplitAlignment * gemmSplitAlignment
        let A = SendablePointer(a), B = SendablePointer(b), C = SendablePointer(c)
        WorkerPool.shared.run(parts, threads: parts) { part in
            let lo = part * per, hi = Swift.min(dim, lo + per)
            if lo >= hi { return }
            if splitRows {
                // Rows lo..<hi of op(A) and of C.
                gemmBLAS(transA, transB, hi - lo, n, k, alpha, transA ? A.p + lo : A.p + lo * lda, lda,
                         B.p, ldb, beta, C.p + lo * ldc, ldc)
            } else {
                // Columns lo..<hi of op(B) and of C.
                gemmBLAS(transA, transB, m, hi - lo, k, alpha, A.p, lda,
                         transB ? B.p + lo * ldb : B.p + lo, ldb, beta, C.p + lo, ldc)
            }
        }
    }

    /// Smallest product (m·n·k multiply-adds) split over threads: below it, one thread is as fast
    /// (thread hand-off costs about as much as it saves). Measured on the LSTM benchmark's per-step
    /// products ([32, 128]·[128, 512], about 2·10⁶).
    static let splitGemmWork = 1 << 20
    /// Blocks of rows or columns are multiples of this (the GEMM micro-kernels' tile sizes divide it).
    static let gemmSplitAlignment = 16

    /// One product on the calling thread: SwiftGrad's blocked AVX-512 kernel for the float32 shapes of
    /// `blockedGemmApplies` (BlockedGemm.swift), else one cblas call.
    @inline(__always)
    static func gemmBLAS<T: FloatElement>(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                          _ alpha: T, _ a: UnsafePointer<T>, _ lda: Int,
                                          _ b: UnsafePointer<T>, _ ldb: Int,
                                          _ beta: T, _ c: UnsafeMutablePointer<T>, _ ldc: Int) {
        let ta = transA ? CblasTrans : CblasNoTrans
        let tb = transB ? CblasTrans : CblasNoTrans
        if T.self == Float.self {
            if blockedGemmApplies(m, n, k),
               blockedGemm(transA, transB, m, n, k, Float(alpha), readFloats(a), lda, readFloats(b), ldb,
                           Float(beta), floats(c), ldc) { return }
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Float(alpha),
                        UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Double(alpha),
                        UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
                        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
        }
    }

    /// y = alpha · op(A) · x + beta · y for a row-major A [rows, cols] with leading dimension `lda`
    /// (op(A) is Aᵀ when `trans`), x and y read with steps `incx`, `incy`. One cblas call.
    @inline(__always)
    static func gemvBLAS<T: FloatElement>(_ trans: Bool, _ rows: Int, _ cols: Int, _ alpha: T,
                                          _ a: UnsafePointer<T>, _ lda: Int, _ x: UnsafePointer<T>, _ incx: Int,
                                          _ beta: T, _ y: UnsafeMutablePointer<T>, _ incy: Int) {
        let t = trans ? CblasTrans : CblasNoTrans
        if T.self == Float.self {
            cblas_sgemv(CblasRowMajor, t, Int32(rows), Int32(cols), Float(alpha),
                        UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
                        UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), Int32(incx), Float(beta),
                        UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self), Int32(incy))
        } else {
            cblas_dgemv(CblasRowMajor, t, Int32(rows), Int32(cols), Double(alpha),
                        UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
                        UnsafeRawPointer(x).assumingMemoryBound(to: Double.self), Int32(incx), Double(beta),
                        UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self), Int32(incy))
        }
    }

    /// A product with one row or one column of C (batch-1 linear layers, their gradients, decode
    /// steps) as a matrix-vector product: OpenBLAS 0.3.21's gemm packs the whole matrix operand
    /// first even when the other has a single row, which for [1, 784]·[784, 512] costs more than the
    /// product itself; gemv reads the matrix once in place. Large ones are split over the pool in
    /// blocks of `gemmSplitAlignment` outputs (each output is still one dot product over the same K,
    /// so the split does not change the result). Returns false when the shape is not a
    /// matrix-vector one (the caller runs gemm).
    @inline(__always)
    static func gemmAsGemv<T: FloatElement>(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                            _ alpha: T, _ a: UnsafePointer<T>, _ lda: Int,
                                            _ b: UnsafePointer<T>, _ ldb: Int,
                                            _ beta: T, _ c: UnsafeMutablePointer<T>, _ ldc: Int, serial: Bool) -> Bool {
        guard (m == 1 || n == 1) && k > 0 else { return false }
        // The matrix operand M (stored row-major, leading dimension ldm), whether gemv reads it
        // transposed, the vector x (step incx) and the output's step.
        let mat: UnsafePointer<T>, ldm: Int, trans: Bool, x: UnsafePointer<T>, incx: Int, outputs: Int, incy: Int
        if m == 1 {
            // C[1, n] = op(A)[1, k] · op(B)[k, n]: y = op(B)ᵀ · a. B stored [n, k] when transB.
            mat = b; ldm = ldb; trans = !transB
            x = a; incx = transA ? lda : 1
            outputs = n; incy = 1
        } else {
            // C[m, 1] = op(A)[m, k] · op(B)[k, 1]: y = op(A) · b. A stored [k, m] when transA.
            mat = a; ldm = lda; trans = transA
            x = b; incx = transB ? 1 : ldb
            outputs = m; incy = ldc
        }
        let threads = Runtime.threadCount
        let parts = Swift.min(threads, outputs / gemmSplitAlignment)
        if serial || parts < 2 || outputs * k < splitGemvWork {
            gemvBLAS(trans, trans ? k : outputs, trans ? outputs : k, alpha, mat, ldm, x, incx, beta, c, incy)
            return true
        }
        let per = ((outputs + parts - 1) / parts + gemmSplitAlignment - 1) / gemmSplitAlignment * gemmSplitAlignment
        let M = SendablePointer(mat), X = SendablePointer(x), Y = SendablePointer(c)
        WorkerPool.shared.run(parts, threads: parts) { part in
            let lo = part * per, hi = Swift.min(outputs, lo + per)
            if lo >= hi { return }
            // Outputs lo..<hi: rows of M (columns when M is read transposed).
            let piece = trans ? M.p + lo : M.p + lo * ldm
            gemvBLAS(trans, trans ? k : hi - lo, trans ? hi - lo : k, alpha, piece, ldm, X.p, incx, beta,
                     Y.p + lo * incy, incy)
        }
        return true
    }

    /// Smallest matrix-vector product (outputs · K multiply-adds) split over threads. A gemv reads
    /// each matrix element once, so it is memory-bound: from 2¹⁶ multiply-adds (256 KiB of float32
    /// matrix) the second core's bandwidth is worth the hand-off to a spinning worker.
    static let splitGemvWork = 1 << 16

    /// Largest m·n·k for which a batch of products is spread over threads one product each,
    /// rather than splitting each product.
    static let smallGemmWork = 4 * 65536

    /// Batched matrix product over contiguous [batch, rows, cols] blocks; a batch stride of 0 reuses
    /// one matrix for every batch entry (a broadcast operand is never copied).
    static func batchedGemm(_ a: Tensor, _ b: Tensor, _ out: Tensor, batch: Int, m: Int, n: Int, k: Int,
                            transA: Bool, transB: Bool, strideA: Int, strideB: Int, lda: Int? = nil, ldb: Int? = nil,
                            offsetsA: [Int]? = nil, offsetsB: [Int]? = nil) {
        func run<T: FloatElement>(_: T.Type) {
            // Operands may be strided views (transposed or with row gaps): their first element and `ld`.
            let ap = a.stridedPtr(T.self), bp = b.stridedPtr(T.self), cp = out.ptr(T.self)
            let lda = lda ?? (transA ? m : k), ldb = ldb ?? (transB ? k : n)
            if m == 0 || n == 0 { return }
            if k == 0 { cp.update(repeating: 0, count: batch * m * n); return }
            // One big GEMM when B is shared and A's batch can be folded into its rows.
            if strideB == 0 && !transA && batch > 1 && strideA == m * k && lda == k && offsetsA == nil {
                gemm(false, transB, batch * m, n, k, 1, ap, lda, bp, ldb, 0, cp, n)
                return
            }
            // Many small products (attention heads) are spread over threads one product each;
            // larger ones are split by `gemm` itself.
            let A = SendablePointer(ap), B = SendablePointer(bp), C = SendablePointer(cp)
            let small = m * n * k <= smallGemmWork
            parallelRanges(batch, threshold: small ? 2 : Int.max) { lo, hi in
                for i in lo..<hi {
                    // A view's batch entries may sit at arbitrary offsets (offsetsA/B), else at one stride.
                    let oa = offsetsA.map { $0[i] } ?? i * strideA, ob = offsetsB.map { $0[i] } ?? i * strideB
                    gemm(transA, transB, m, n, k, 1, A.p + oa, lda, B.p + ob, ldb, 0, C.p + i * m * n, n,
                         serial: small)
                }
            }
        }
        switch out.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: checkFailure("matmul: \(out.dtype) tensors are not supported; convert with .to(.float32)")
        }
    }
}
