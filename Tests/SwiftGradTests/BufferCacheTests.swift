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

    /// The starting limit: a sixteenth of physical memory within [256 MiB, 1 GiB], unless
    /// `SWIFTGRAD_CACHE_LIMIT_MIB` holds a whole number of MiB.
    @Test func startingLimitFollowsMemoryAndEnvironment() {
        let gib = 1 << 30, mib = 1 << 20
        #expect(BufferCache.limit(setting: nil, physicalBytes: 24 * gib) == gib)
        #expect(BufferCache.limit(setting: nil, physicalBytes: 8 * gib) == 512 * mib)
        #expect(BufferCache.limit(setting: nil, physicalBytes: 2 * gib) == 256 * mib)
        #expect(BufferCache.limit(setting: "64", physicalBytes: 24 * gib) == 64 * mib)
        #expect(BufferCache.limit(setting: "0", physicalBytes: 24 * gib) == 0)
        #expect(BufferCache.limit(setting: "lots", physicalBytes: 24 * gib) == gib)
        #expect(BufferCache.limit(setting: "-5", physicalBytes: 24 * gib) == gib)
    }

    /// The environment variable is read at the first use of the cache (the child sets it first).
    @Test func cacheLimitEnvironmentVariable() async {
        await #expect(processExitsWith: .success) {
            setenv("SWIFTGRAD_CACHE_LIMIT_MIB", "3", 1)
            precondition(Memory.cacheLimit == 3 << 20, "limit \(Memory.cacheLimit) is not 3 MiB")
            do { _ = Tensor.zeros([1 << 20]) }                 // 4 MiB: over the limit, not kept
            precondition(Memory.cachedBytes == 0, "a buffer over the limit is freed")
        }
    }

    /// Huge pages are on by default (`SWIFTGRAD_HUGE_PAGES` is read once, at the first large
    /// allocation, so the child clears it first): a buffer of at least 2 MiB starts on a 2 MiB
    /// boundary and holds what is written.
    @Test func hugePagesByDefaultAlignLargeBuffers() async {
        await #expect(processExitsWith: .success) {
            unsetenv("SWIFTGRAD_HUGE_PAGES")
            let t = Tensor.ones([3 << 20])                     // 12 MiB
            let aligned = Int(bitPattern: t.storage.pointer) % (1 << 21) == 0
            precondition(aligned, "a 12 MiB buffer starts on a 2 MiB boundary")
            precondition((t * 2).sum().item() == Double(6 << 20), "huge-page buffers hold their values")
        }
    }

    /// `SWIFTGRAD_HUGE_PAGES=0` turns huge pages off; buffers still hold their values.
    @Test func hugePagesOffSwitch() async {
        await #expect(processExitsWith: .success) {
            setenv("SWIFTGRAD_HUGE_PAGES", "0", 1)
            precondition(!BufferCache.hugePages, "SWIFTGRAD_HUGE_PAGES=0 turns huge pages off")
            let t = Tensor.ones([3 << 20])
            precondition((t * 2).sum().item() == Double(6 << 20), "buffers hold their values")
        }
    }
}
