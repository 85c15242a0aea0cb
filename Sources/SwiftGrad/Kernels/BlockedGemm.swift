import CKernels

// SwiftGrad's own cache-blocked float32 GEMM for CPUs with AVX-512F (Sources/CKernels/
// BlockedGemmAVX512.c): packed 12-row strips of A and 32-column panels of B, a 12×32 micro-kernel
// of 24 sixteen-lane accumulators. It replaces OpenBLAS's sgemm for the products of `blockedGemmApplies`.
// Measured on a Sapphire Rapids core against OpenBLAS 0.3.21's SkylakeX kernels: alone, 0.94-1.08 of
// its time on the GPT and MLP steps' shapes and 0.82 on the LSTM's input projection; inside the steps
// (no beta pass over C, transposed operands packed with in-register transposes) gemm_1024,
// mlp_train_step and gpt_train_step 6-10 % faster (Docs/Performance.md). Float64, other CPUs and
// other shapes stay on OpenBLAS.

extension Runtime {
    static let _blockedGemm = environmentSwitch("SWIFTGRAD_BLOCKED_GEMM")

    /// Whether float32 matrix products of at least 32 columns run on SwiftGrad's own blocked AVX-512
    /// GEMM (on CPUs with AVX-512F) rather than OpenBLAS's sgemm. On by default;
    /// `SWIFTGRAD_BLOCKED_GEMM=0` turns it off at start. Results differ from OpenBLAS's by rounding only.
    ///
    ///     Runtime.blockedGemm = false   // every float32 product on OpenBLAS
    public static var blockedGemm: Bool {
        get { _blockedGemm.load(ordering: .relaxed) }
        set { _blockedGemm.store(newValue, ordering: .relaxed) }
    }
}

extension Kernels {
    /// Whether a float32 product of this shape goes to the blocked kernel, on CPUs where `avx512` holds
    /// (each rule measured on one Sapphire Rapids core against OpenBLAS 0.3.21's SkylakeX kernels):
    /// - at least 2²¹ multiply-adds per call (after `gemm`'s split over threads), 16 rows and 16 values
    ///   of p: below, OpenBLAS's small-matrix kernels are faster ([64, 32]·[32, 64] took 1.3-1.7× its
    ///   time, [128, 256]·[256, 10] 1.4-5×);
    /// - at least 32 columns, of which at most an eighth of the last 32-column panel is padding
    ///   ([2048, 128]·[128, 65] and ·[128, 100], a third and a fifth of the panel columns empty,
    ///   took 1.10-1.19×);
    /// - not a narrow product over a long p (n ≤ 128 with k ≥ 1024, the weight gradients of small
    ///   layers: packing A costs 1/n per multiply-add; [512, 2048]·[2048, 128] took 1.06-1.09×).
    @inline(__always)
    static func blockedGemmApplies(_ m: Int, _ n: Int, _ k: Int) -> Bool {
        guard avx512, n >= 32, m >= 16, k >= 16, m * n * k >= 1 << 21 else { return false }
        let padded = (n + 31) / 32 * 32
        return (padded - n) * 8 <= padded && !(n <= 128 && k >= 1024) && Runtime.blockedGemm
    }

    /// C = alpha · op(A) · op(B) + beta · C on the blocked kernel, on the calling thread. False when
    /// its packing buffer could not be allocated (C untouched; the caller runs OpenBLAS).
    @inline(__always)
    static func blockedGemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                            _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                            _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Bool {
        sg_sgemm_blocked_avx512(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) == 0
    }
}
