import CKernels
import Synchronization

/// A float32 matrix B [k, n] packed once into panels of 16 columns for `Kernels.PackedB.multiplyAdd`,
/// SwiftGrad's own AVX2/FMA micro-kernel (Sources/CKernels/PackedGemm.c) for products with few rows
/// whose right-hand side is reused many times: the recurrent weight of an LSTM, one product per time
/// step. OpenBLAS 0.3.21 packs B again on every call (a third of the multiply's time at
/// [16, 128]·[128, 512]); here it is packed once per sequence. Measured on the project's AVX2 host,
/// one thread, CPU time: [16, 128]·[128, 512] 29 µs against OpenBLAS's 42 µs, [16, 512]·[512, 128]
/// 25 µs against 42 µs (Docs/Performance.md).
extension Kernels {
    /// Whether the own vector kernels may run: the CPU has AVX2 and FMA, and the environment does not
    /// set `SWIFTGRAD_OWN_KERNELS=0` (which keeps every product on OpenBLAS).
    static let ownKernels = Runtime.environmentAllows("SWIFTGRAD_OWN_KERNELS") && sg_cpu_has_avx2_fma() != 0

    /// Whether the packed-B kernel runs on 16 lanes: the CPU has AVX-512F (and `ownKernels` holds),
    /// and the environment does not set `SWIFTGRAD_AVX512=0`. Same results bit for bit as the AVX2
    /// kernel (Sources/CKernels/PackedGemmAVX512.c), 1.3-1.8x faster from 16 rows on a Sapphire
    /// Rapids core (Docs/Performance.md).
    static let avx512 = ownKernels && Runtime.environmentAllows("SWIFTGRAD_AVX512") && sg_cpu_has_avx512f() != 0

    /// `sg_gemm_packed_b_panels_f32_avx2`, or its AVX-512 twin where `avx512` holds.
    @inline(__always)
    static func packedPanels(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                             _ packed: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                             _ q0: Int, _ q1: Int, _ bias: UnsafePointer<Float>?, accumulate: Bool) {
        if avx512 {
            sg_gemm_packed_b_panels_f32_avx512(m, n, k, a, lda, packed, c, ldc, q0, q1, bias, accumulate ? 1 : 0)
        } else {
            sg_gemm_packed_b_panels_f32_avx2(m, n, k, a, lda, packed, c, ldc, q0, q1, bias, accumulate ? 1 : 0)
        }
    }

    /// A float32 pointer of a generic element pointer whose element is `Float` (checked by the
    /// caller): how `run<T: FloatElement>` bodies hand their pointers to the float32 C kernels.
    @inline(__always)
    static func floats<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    /// The read-only form of `floats(_:)`.
    static func readFloats<T>(_ p: UnsafePointer<T>) -> UnsafePointer<Float> {
        UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    final class PackedB: @unchecked Sendable {
        let k: Int, n: Int
        let buffer: UnsafeMutablePointer<Float>

        /// Packs B [k, n] whose element (p, j) is at `b[p * rowStride + j * columnStride]`. Generic
        /// so that float32-only callers inside `run<T: FloatElement>` bodies pass their pointers as
        /// they are; `T` must be `Float`.
        init<T>(k: Int, n: Int, _ b: UnsafeMutablePointer<T>, rowStride: Int, columnStride: Int) {
            assert(T.self == Float.self, "PackedB holds float32")
            self.k = k
            self.n = n
            buffer = .allocate(capacity: Swift.max(1, sg_packed_b_count_f32(k, n)))
            sg_pack_b_f32(k, n, Kernels.floats(b), rowStride, columnStride, buffer)
            Diagnostics._packedBytes.add(byteCount, ordering: .relaxed)
        }

        /// Bytes of the packed copy: n rounded up to 16, times k, floats.
        var byteCount: Int { Swift.max(1, sg_packed_b_count_f32(k, n)) * MemoryLayout<Float>.stride }

        deinit {
            Diagnostics._packedBytes.subtract(byteCount, ordering: .relaxed)
            buffer.deallocate()
        }

        /// Smallest packed product (m·n·k multiply-adds) split over threads: 2¹⁸, about 10 µs on one
        /// core here, against a hand-off of 1-3 µs to a polling worker. Lower than `splitGemmWork`
        /// because with B packed there is no per-call packing to share and few-row products are
        /// bound by reading B (as gemv, split from 2¹⁶).
        static let packedSplitWork = 1 << 18

        /// C[m, n] += A[m, k] · B (A and C row-major with the given row strides). Each element of C
        /// is one chain of fused multiply-adds over p = 0..<k, so the result of a row does not depend
        /// on which thread computes it or how rows are split.
        func multiplyAdd<T>(m: Int, _ a: UnsafeMutablePointer<T>, lda: Int, _ c: UnsafeMutablePointer<T>, ldc: Int) {
            Kernels.packedPanels(m, n, k, Kernels.floats(a), lda, buffer, Kernels.floats(c), ldc, 0, (n + 15) / 16,
                                 nil, accumulate: true)
        }

        /// C[m, n] = A[m, k] · B (+ bias[j] on every row when `bias` is given), A and C row-major
        /// with the given row strides, C overwritten. The 16-column panels are split over the worker
        /// pool when the product has at least `packedSplitWork` multiply-adds (`serial` keeps it on
        /// the calling thread); each element of C is one FMA chain over p = 0..<k from zero, then the
        /// bias added, so the split never changes a result.
        func product(m: Int, _ a: UnsafePointer<Float>, lda: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int,
                     bias: UnsafePointer<Float>? = nil, serial: Bool = false) {
            let panels = (n + 15) / 16
            let parts = Swift.min(Runtime.threadCount, panels)
            if serial || parts < 2 || m * n * k < Self.packedSplitWork {
                Kernels.packedPanels(m, n, k, a, lda, buffer, c, ldc, 0, panels, bias, accumulate: false)
                return
            }
            let A = SendablePointer(a), C = SendablePointer(c), bp = SendablePointer(buffer)
            let biasP = bias.map { SendablePointer($0) }
            let (m, n, k) = (m, n, k)
            WorkerPool.shared.run(parts, threads: parts) { part in
                let q0 = part * panels / parts, q1 = (part + 1) * panels / parts
                if q0 < q1 {
                    Kernels.packedPanels(m, n, k, A.p, lda, bp.p, C.p, ldc, q0, q1, biasP?.p, accumulate: false)
                }
            }
        }
    }
}
