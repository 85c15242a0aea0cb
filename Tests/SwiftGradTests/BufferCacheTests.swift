import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import SwiftGrad

/// The large-buffer cache: reuse, limit and trimming. Each check runs in a child process because
/// the cache and its counters are process-wide and other tests allocate concurrently.
@Suite struct BufferCacheTests {
    @Test func freedLargeBufferIsReusedAndTrimmed() async {
        await #expect(processExitsWith: .success) {
            Memory.emptyCache()
            let hits0 = Memory.cacheHits
            do { _ = Tensor.zeros([1 << 20]) }                 // 4 MiB, freed at once
            precondition(Memory.cachedBytes >= 4 << 20, "the freed buffer is cached")
            let t = Tensor.ones([1 << 20])                     // same size: served from the cache
            precondition(Memory.cacheHits == hits0 + 1, "second allocation hit the cache")
            precondition(t.sum().item() == Double(1 << 20), "reused memory holds the new values")
            Memory.emptyCache()
            precondition(Memory.cachedBytes == 0, "emptyCache frees everything")
        }
    }

    @Test func cacheNeverExceedsItsLimit() async {
        await #expect(processExitsWith: .success) {
            Memory.cacheLimit = 8 << 20
            do { let a = (0..<6).map { _ in Tensor.zeros([1 << 19]) }; _ = a }   // six 2 MiB buffers freed
            precondition(Memory.cachedBytes <= 8 << 20, "cached \(Memory.cachedBytes) > limit")
            Memory.cacheLimit = 0
            precondition(Memory.cachedBytes == 0, "limit 0 trims the cache")
            do { _ = Tensor.zeros([1 << 20]) }
            precondition(Memory.cachedBytes == 0, "limit 0 disables caching")
        }
    }

    /// `SWIFTGRAD_HUGE_PAGES=1` (read once, at the first large allocation, so the child sets it
    /// first): a buffer of at least 2 MiB starts on a 2 MiB boundary and holds what is written.
    @Test func hugePagesOptInAlignsLargeBuffers() async {
        await #expect(processExitsWith: .success) {
            setenv("SWIFTGRAD_HUGE_PAGES", "1", 1)
            let t = Tensor.ones([3 << 20])                     // 12 MiB
            let aligned = Int(bitPattern: t.storage.pointer) % (1 << 21) == 0
            precondition(aligned, "a 12 MiB buffer starts on a 2 MiB boundary")
            precondition((t * 2).sum().item() == Double(6 << 20), "huge-page buffers hold their values")
        }
    }
}
