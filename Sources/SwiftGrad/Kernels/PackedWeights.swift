import CKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// The packed-weight cache: a float32 product with few rows whose right-hand side is a reused matrix
// (a Linear's weight, `x.matmul(w.mT)`, addmm) runs on SwiftGrad's own micro-kernel over a packed
// copy of that matrix kept on its storage, instead of OpenBLAS, which packs the whole matrix again
// on every call (a greedy decoding step of a small GPT spent 20% of its time in that packing).
//
// The copy is keyed by everything that decides its contents: the storage's `version` (bumped by
// every in-place write: optimizer steps, `copyFrom`/`copy_`, `loadStateDict`, in-place ops through
// any view, the raw-bytes writer), the view's offset, and the matrix's shape and strides. A key
// that differs from the stored one means "not this copy": the product goes to BLAS and the key is
// remembered; only a second product with the same key packs (so a weight used once per version,
// as in training, never pays for packing). One slot per storage (at most one packed copy of any
// weight), freed with the storage.

/// What a storage's slot remembers: the geometry and version of the last matrix multiplied from it
/// and, from the second product with that key on, its packed copy. Immutable; replaced whole.
final class PackedWeightSlot: @unchecked Sendable {   // immutable after init; PackedB is read-only
    let key: PackedWeightKey
    let packed: Kernels.PackedB?
    init(key: PackedWeightKey, packed: Kernels.PackedB?) { self.key = key; self.packed = packed }
}

/// op(B)[k, n], element (p, j) at storage element `offset + p·rowStride + j·columnStride`, as it was
/// at storage version `version`.
struct PackedWeightKey: Equatable {
    let version: Int, offset: Int, k: Int, n: Int, rowStride: Int, columnStride: Int
}

extension Runtime {
    static let _packedWeights = environmentSwitch("SWIFTGRAD_PACKED_WEIGHTS")

    /// Whether float32 products with few rows against a reused matrix (a Linear's weight during
    /// decoding or batch-1 inference) keep a packed copy of that matrix for SwiftGrad's own AVX2
    /// kernel instead of OpenBLAS packing it on every call. Costs one copy of each such weight
    /// (about its own size) for as long as the weight lives and is not modified; on by default on
    /// CPUs with AVX2 and FMA; `SWIFTGRAD_PACKED_WEIGHTS=0` turns it off at start. Copies made
    /// before switching off are kept until their weight is freed or modified.
    ///
    ///     Runtime.packedWeights = false   // every product through OpenBLAS, no extra memory
    public static var packedWeights: Bool {
        get { _packedWeights.load(ordering: .relaxed) }
        set { _packedWeights.store(newValue, ordering: .relaxed) }
    }
}

extension Diagnostics {
    static let _packedBytes = Atomic<Int>(0)

    /// Bytes held by packed copies of matrices (the packed-weight cache, `Runtime.packedWeights`,
    /// and LSTM sequences in flight): not tensor storage, so not part of `liveBytes`.
    ///
    ///     print(Diagnostics.packedWeightBytes)   // about the float32 size of the cached weights
    public static var packedWeightBytes: Int { _packedBytes.load(ordering: .relaxed) }
}

extension Kernels {
    /// Whether a product may use the packed-weight cache: chosen by shape and reuse (`automatic`),
    /// forced wherever the kernel can run (`always`: packs on first use, any shape), or never.
    @TaskLocal static var packedWeightChoice: KernelChoice = .automatic

    /// Most rows (M, all batch entries folded) for which the cache is used. Measured on the
    /// project's AVX2 host (one thread, CPU time, k ∈ {256, 512, 784, 1024}, n ∈ {256, 512, 768,
    /// 1024}): the packed kernel alone takes 0.15-0.3× OpenBLAS's time at M = 2..6, 0.5-0.7× at
    /// M = 12..32, 0.85-0.95× at M = 128..256 and about 1.0× at M = 1024; beyond, A no longer
    /// stays in cache between column panels and OpenBLAS is faster (1.2-1.7× at M = 1536..4096).
    static let packedWeightMaxRows = 256

    /// Fewest elements of B for which the cache is used (smaller products cost little to pack).
    static let packedWeightMinElements = 4096

    /// The lock behind every storage's `packedWeight` slot (held for a few loads and stores). Its
    /// guarded value is an unused Int, not `()`: ThreadSanitizer reported the inout access to a
    /// zero-size value as a race (it has no storage of its own to order by the mutex).
    static let packedWeightLock = Locked(0)

    /// The packed copy of op(B) [k, n] of `b` (float32), whose element (p, j) is at
    /// `b.stridedPtr + p·rowStride + j·columnStride`, for a product with `rows` rows; nil when the
    /// product should run on BLAS (not float32, no AVX2, switched off, too many rows, first product
    /// with this key). See the top of this file.
    static func packedWeight(_ b: Tensor, k: Int, n: Int, rowStride: Int, columnStride: Int, rows: Int) -> PackedB? {
        guard b.dtype == .float32 && k > 0 && n > 0 && rows > 0 && ownKernels else { return nil }
        let choice = packedWeightChoice
        switch choice {
        case .never: return nil
        case .always: break
        case .automatic:
            // One row: gemv reads B once in place; the packed kernel only wins with several panels.
            guard Runtime.packedWeights && rows <= packedWeightMaxRows && k * n >= packedWeightMinElements
                    && (rows > 1 || n >= 32) else { return nil }
        }
        let storage = b.storage
        let key = PackedWeightKey(version: storage.version, offset: b.storageOffset, k: k, n: n,
                                  rowStride: rowStride, columnStride: columnStride)
        let slot = packedWeightLock.withLock { _ in storage.packedWeight }
        if let slot, slot.key == key, let packed = slot.packed { return packed }
        if choice == .automatic && slot?.key != key {
            // First product with this key: remember it and let BLAS run; pack on the next one.
            let marker = PackedWeightSlot(key: key, packed: nil)
            packedWeightLock.withLock { _ in storage.packedWeight = marker }
            return nil
        }
        // Packed outside the lock: two threads may pack the same matrix at once; the last store wins.
        let packed = PackedB(k: k, n: n, b.stridedPtr(Float.self), rowStride: rowStride, columnStride: columnStride)
        let filled = PackedWeightSlot(key: key, packed: packed)
        packedWeightLock.withLock { _ in storage.packedWeight = filled }
        return packed
    }

    /// out [rows, n] = A [rows, k] (row stride `lda`, float32) · op(B) (+ bias) through the packed
    /// cache; false (nothing written) when `packedWeight` declines.
    static func packedProduct(_ a: UnsafePointer<Float>, lda: Int, rows: Int, _ b: Tensor, k: Int, n: Int,
                              rowStride: Int, columnStride: Int, bias: UnsafePointer<Float>?,
                              into c: UnsafeMutablePointer<Float>) -> Bool {
        guard let packed = packedWeight(b, k: k, n: n, rowStride: rowStride, columnStride: columnStride, rows: rows)
        else { return false }
        packed.product(m: rows, a, lda: lda, c, ldc: n, bias: bias)
        return true
    }
}
