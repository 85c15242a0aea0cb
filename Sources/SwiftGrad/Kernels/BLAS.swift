import CBLAS

/// Thin wrappers over cblas: one call per matrix product, transposes passed as flags (no copies).
extension Kernels {
    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, row-major, for Float or Double.
    @inline(__always)
    static func gemm<T: FloatElement>(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
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

    /// Largest m·n·k that OpenBLAS computes on one thread (65536 · GEMM_MULTITHREAD_THRESHOLD of 4).
    static let smallGemmWork = 4 * 65536

    /// Batched matrix product over contiguous [batch, rows, cols] blocks; a batch stride of 0 reuses
    /// one matrix for every batch entry (a broadcast operand is never copied).
    static func batchedGemm(_ a: Tensor, _ b: Tensor, _ out: Tensor, batch: Int, m: Int, n: Int, k: Int,
                            transA: Bool, transB: Bool, strideA: Int, strideB: Int) {
        func run<T: FloatElement>(_: T.Type) {
            let ap = a.ptr(T.self), bp = b.ptr(T.self), cp = out.ptr(T.self)
            let lda = transA ? m : k, ldb = transB ? k : n
            if m == 0 || n == 0 { return }
            if k == 0 { cp.update(repeating: 0, count: batch * m * n); return }
            // One big GEMM when B is shared and A's batch can be folded into its rows.
            if strideB == 0 && !transA && batch > 1 && strideA == m * k {
                gemm(false, transB, batch * m, n, k, 1, ap, lda, bp, ldb, 0, cp, n)
                return
            }
            // OpenBLAS runs products with m·n·k ≤ 4·65536 on the calling thread only (its
            // GEMM_MULTITHREAD_THRESHOLD), so many such small products (attention heads) can be
            // spread over our threads without nesting BLAS threads; larger ones are threaded by BLAS.
            let A = SendablePointer(ap), B = SendablePointer(bp), C = SendablePointer(cp)
            let small = m * n * k <= smallGemmWork
            parallelRanges(batch, threshold: small ? 2 : Int.max) { lo, hi in
                for i in lo..<hi {
                    gemm(transA, transB, m, n, k, 1, A.p + i * strideA, lda, B.p + i * strideB, ldb, 0, C.p + i * m * n, n)
                }
            }
        }
        switch out.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int64: fatalError("matmul: int64 tensors are not supported; convert with .to(.float32)")
        }
    }
}
