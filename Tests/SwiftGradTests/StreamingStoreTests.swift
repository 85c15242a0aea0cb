import Testing
@testable import SwiftGrad

/// Elementwise add, subtract, multiply and divide through the streaming-store kernels
/// (Sources/CKernels/StreamingStores.c) give the same bits as the ordinary loop: float32 and float64,
/// lengths with a tail, operands that start off a 32-byte boundary (narrowed views), in place
/// (`x += y`), on one thread (below the split threshold) and on the pool's threads (70,001 elements).
@Suite struct StreamingStoreTests {
    /// `f` with every eligible op streaming (threshold 0) and with none (threshold .max).
    static func bothWays(_ f: () -> Tensor) -> (streamed: Tensor, ordinary: Tensor) {
        let s = Kernels.$streamingStoreBytesOverride.withValue(0) { f() }
        let o = Kernels.$streamingStoreBytesOverride.withValue(.max) { f() }
        return (s, o)
    }

    static func bits(_ t: Tensor) -> [UInt64] {
        t.dtype == .float32 ? t.toArray(as: Float.self).map { UInt64($0.bitPattern) } : t.toArray(as: Double.self).map(\.bitPattern)
    }

    @Test(arguments: [DType.float32, .float64], [1, 7, 1003, 70_001])
    func sameBitsAsTheOrdinaryLoop(dtype: DType, count: Int) {
        guard Kernels.ownKernels else { return }
        let g = Generator(seed: 5)
        // One element more, then narrowed by one: the operands start 4 or 8 bytes past the buffer.
        let aBase = Tensor.randn([count + 1], generator: g).to(dtype)
        let a = aBase.narrow(axis: 0, start: 1, length: count)
        let b = (Tensor.randn([count + 1], generator: g).to(dtype) + 0.5).narrow(axis: 0, start: 1, length: count)
        #expect(a.isContiguous && b.isContiguous)
        Kernels.$streamingStoreBytesOverride.withValue(0) {
            #expect(Kernels.streamingBinaryOp(.add, ElementwiseLayout(a, b, a), elementBytes: 4) != nil)
        }
        for (name, op) in [("add", { (x: Tensor, y: Tensor) in x + y }), ("sub", { $0 - $1 }),
                           ("mul", { $0 * $1 }), ("div", { $0 / $1 })] {
            let r = Self.bothWays { withNoGrad { op(a, b) } }
            #expect(Self.bits(r.streamed) == Self.bits(r.ordinary), "\(name) \(dtype) ×\(count)")
        }
        let inPlace = Self.bothWays {
            let x = aBase.clone().narrow(axis: 0, start: 1, length: count)   // written off the boundary too
            withNoGrad { x += b }
            return x
        }
        #expect(Self.bits(inPlace.streamed) == Self.bits(inPlace.ordinary), "+= \(dtype) ×\(count)")
        #expect(Self.bits(inPlace.streamed) == Self.bits(withNoGrad { a + b }))
    }

    /// Sizes as Linux writes them under /sys/devices/system/cpu/cpu0/cache.
    @Test func cacheSizeParsing() {
        #expect(Runtime.cacheSizeBytes("32768K\n") == 32 << 20)
        #expect(Runtime.cacheSizeBytes("2M") == 2 << 20)
        #expect(Runtime.cacheSizeBytes("512") == 512)
        #expect(Runtime.cacheSizeBytes("") == nil)
        #expect(Runtime.cacheSizeBytes("K") == nil)
    }
}
