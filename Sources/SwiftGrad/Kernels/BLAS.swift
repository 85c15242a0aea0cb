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

    /// One cblas call on the calling thread.
    @inline(__always)
    static func gemmBLAS<T: FloatElement>(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                          _ alpha: T, _ a: UnsafePointer<T>, _ lda: Int,
                                          _ b: UnsafePointer<T>, _ ldb: Int,
                                          _ beta: T, _ c: UnsafeMutablePointer<T>, _ ldc: Int) {
        let ta = transA ? CblasTrans : CblasNoTrans
        let tb = transB ? CblasTrans : CblasNoTrans
        if T.self == Float.self {
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

    /// y[m] = op(A) · x, row-major.
    @inline(__always)
    static func gemv<T: FloatElement>(_ trans: Bool, _ rows: Int, _ cols: Int, _ a: UnsafePointer<T>,
                                      _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>) {
        let t = trans ? CblasTrans : CblasNoTrans
        if T.self == Float.self {
            cblas_sgemv(CblasRowMajor, t, Int32(rows), Int32(cols), 1,
                        UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(cols),
                        UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), 1, 0,
                        UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self), 1)
        } else {
            cblas_dgemv(CblasRowMajor, t, Int32(rows), Int32(cols), 1,
                        UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(cols),
                        UnsafeRawPointer(x).assumingMemoryBound(to: Double.self), 1, 0,
                        UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self), 1)
        }
    }

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
