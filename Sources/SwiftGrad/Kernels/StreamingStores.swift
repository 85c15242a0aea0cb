import CKernels
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Streaming (non-temporal) stores for elementwise results larger than the cache: the C kernels are
// in Sources/CKernels/StreamingStores.c, which has the measurement behind the threshold.

extension Runtime {
    /// The size in bytes of the largest cache Linux reports for CPU 0 (the `size` files under
    /// /sys/devices/system/cpu/cpu0/cache), normally the shared last-level cache; nil where none
    /// can be read.
    ///
    ///     print(Runtime.lastLevelCacheBytes ?? 0)   // 33554432 on a 32 MB L3
    public static let lastLevelCacheBytes: Int? = {
        var largest: Int?
        for index in 0..<8 {
            let path = "/sys/devices/system/cpu/cpu0/cache/index\(index)/size"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            if let bytes = cacheSizeBytes(text) { largest = Swift.max(largest ?? 0, bytes) }
        }
        return largest
    }()

    /// Parses a cache size as Linux writes it ("32768K", "2M", "512").
    static func cacheSizeBytes(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let last = t.last else { return nil }
        let scale = last == "K" ? 1 << 10 : last == "M" ? 1 << 20 : last == "G" ? 1 << 30 : 1
        guard let value = Int(scale == 1 ? t : String(t.dropLast())), value > 0 else { return nil }
        return value * scale
    }

    static let _streamingStoreBytes = Atomic<Int>(
        environmentAllows("SWIFTGRAD_STREAMING_STORES") && Kernels.ownKernels
            ? lastLevelCacheBytes.map { Swift.max(1, $0 / 2) } ?? Int.max
            : Int.max)

    /// Elementwise add, subtract, multiply and divide of contiguous same-shape float tensors whose
    /// operands and result together span at least this many bytes write their result with
    /// streaming stores, which skip reading each result line before writing it (c = a + b over 4M
    /// float32 on one AMD Zen 4 core: 2.1-2.4 ms → 1.2-1.45 ms). The default is half the last-level
    /// cache (`lastLevelCacheBytes`): a smaller result is likely still cached when the next op
    /// reads it. `Int.max` (never) on CPUs without AVX2, where the cache size is unknown, or with
    /// `SWIFTGRAD_STREAMING_STORES=0`. The results are the same floats either way.
    ///
    ///     Runtime.streamingStoreBytes = .max   // ordinary stores only
    public static var streamingStoreBytes: Int {
        get { _streamingStoreBytes.load(ordering: .relaxed) }
        set { _streamingStoreBytes.store(Swift.max(0, newValue), ordering: .relaxed) }
    }
}

extension Kernels {
    /// Tests lower the threshold per task (0: every eligible op streams); nil uses
    /// `Runtime.streamingStoreBytes`.
    @TaskLocal static var streamingStoreBytesOverride: Int? = nil

    /// The C kernel's op code when `binary` writes this result with streaming stores: an add,
    /// subtract, multiply or divide of two whole contiguous operands (no broadcast, no view) whose
    /// bytes reach `Runtime.streamingStoreBytes`, on a CPU with the AVX2 kernels; nil otherwise.
    @inline(__always)
    static func streamingBinaryOp(_ op: BinaryOp, _ layout: ElementwiseLayout, elementBytes: Int) -> Int32? {
        guard ownKernels, layout.plan == nil, layout.strideA == 1, layout.strideB == 1,
              3 * layout.n * elementBytes >= (streamingStoreBytesOverride ?? Runtime.streamingStoreBytes) else { return nil }
        switch op {
        case .add: return 0
        case .sub: return 1
        case .mul: return 2
        case .div: return 3
        default: return nil
        }
    }

    /// out = a op b (float32 or float64, all three contiguous with the same element count) through
    /// the streaming-store kernel, split over threads; `out` may be `a`.
    static func binaryStreaming(_ code: Int32, _ a: Tensor, _ b: Tensor, _ out: Tensor) {
        let n = out.count
        switch out.dtype {
        case .float32:
            let A = SendablePointer(a.ptr(Float.self)), B = SendablePointer(b.ptr(Float.self)), C = SendablePointer(out.ptr(Float.self))
            parallelRanges(n) { lo, hi in sg_binary_stream_f32(code, A.p + lo, B.p + lo, C.p + lo, hi - lo) }
        case .float64:
            let A = SendablePointer(a.ptr(Double.self)), B = SendablePointer(b.ptr(Double.self)), C = SendablePointer(out.ptr(Double.self))
            parallelRanges(n) { lo, hi in sg_binary_stream_f64(code, A.p + lo, B.p + lo, C.p + lo, hi - lo) }
        default: checkFailure("binaryStreaming: needs float32 or float64 tensors")
        }
    }
}
