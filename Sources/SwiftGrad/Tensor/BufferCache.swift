import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A size-bucketed cache of large tensor buffers. Training loops allocate the same large shapes
/// every step; handing a freed buffer straight to the next request of the same size skips the
/// allocator and the page faults of fresh memory. Buffers below `minimumBytes` go to malloc
/// directly (it is fast for them). The cache never holds more than `Memory.cacheLimit` bytes:
/// a buffer that would exceed it is freed instead.
enum BufferCache {
    /// Smallest buffer worth caching (256 KiB).
    static let minimumBytes = 1 << 18
    /// Buffers below this (1 KiB) are 16-byte aligned; larger ones 64-byte (a cache line).
    static let smallBytes = 1 << 10

    struct State {
        var free: [Int: [UnsafeMutableRawPointer]] = [:]
        var cachedBytes = 0
        var limit = BufferCache.initialLimit
        var hits = 0
        var misses = 0
    }
    // Raw pointers are only handed out under the lock and never shared afterwards.
    struct Box: @unchecked Sendable { var state = State() }
    static let shared = Locked(Box())

    /// The cache's starting limit: `SWIFTGRAD_CACHE_LIMIT_MIB` (a whole number of MiB, 0 disables
    /// caching) when set, else `defaultLimit(physicalBytes:)` of this machine's memory.
    /// `Memory.cacheLimit` changes it at run time.
    static let initialLimit: Int = {
        let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        let setting = getenv("SWIFTGRAD_CACHE_LIMIT_MIB").map { String(cString: $0) }
        return limit(setting: setting, physicalBytes: physical)
    }()

    /// The starting limit for an environment setting (nil when unset; a value that is not a whole
    /// number of MiB is ignored) and the machine's physical memory.
    static func limit(setting: String?, physicalBytes: Int) -> Int {
        if let setting, let mib = Int(setting), mib >= 0, mib <= 1 << 30 {
            return mib << 20
        }
        return defaultLimit(physicalBytes: physicalBytes)
    }

    /// A sixteenth of physical memory, at least 256 MiB and at most 1 GiB (1 GiB on the 24 GiB
    /// benchmark machine). One ResNet-18 training step (batch 32, 224²) frees more than 256 MiB of
    /// activations and gradients; with a 256 MiB cache the next step faulted that memory in afresh,
    /// and zeroing fresh pages took 6-16 % of the step's samples (Docs/Performance.md, "Buffer cache
    /// limit").
    static func defaultLimit(physicalBytes: Int) -> Int {
        Swift.min(1 << 30, Swift.max(256 << 20, physicalBytes / 16))
    }

    /// Bucket size: page-rounded, so nearby sizes share a bucket.
    @inline(__always) static func bucket(_ n: Int) -> Int { (n + 4095) & ~4095 }

    static func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        if byteCount < smallBytes {
            // malloc's own 16-byte alignment: an over-aligned request goes through memalign, which
            // splits chunks and left glibc consolidating free lists on every few small ops.
            return UnsafeMutableRawPointer.allocate(byteCount: Swift.max(byteCount, 1), alignment: 16)
        }
        if byteCount < minimumBytes {
            return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        }
        let size = bucket(byteCount)
        let reused: UnsafeMutableRawPointer? = shared.withLock { box in
            if let p = box.state.free[size]?.popLast() {
                box.state.cachedBytes -= size
                box.state.hits += 1
                return p
            }
            box.state.misses += 1
            return nil
        }
        return reused ?? fresh(size)
    }

    /// Buffers of at least 2 MiB start on a 2 MiB boundary and are offered to the kernel for
    /// transparent huge pages (`madvise(MADV_HUGEPAGE)`, which Debian's default "madvise" THP mode
    /// waits for): a streaming loop over them then crosses no 4 KiB page, where the hardware
    /// prefetcher stops, and takes 512 times fewer TLB misses and first-touch faults. On by default
    /// since the eighteenth session (Docs/Performance.md, "Huge pages by default": on the AMD Zen 4
    /// host, same binary alternating, add_4m faster in 10 of 10 pairs, conv64_fwd_bwd in 9 of 10,
    /// by 4-25 %, peak RSS unchanged); `SWIFTGRAD_HUGE_PAGES=0` turns it off.
    static let hugeBytes = 1 << 21
    static let hugePages: Bool = {
        guard let v = getenv("SWIFTGRAD_HUGE_PAGES") else { return true }
        return String(cString: v) != "0"
    }()

    static func fresh(_ size: Int) -> UnsafeMutableRawPointer {
        guard hugePages, size >= hugeBytes else { return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64) }
        let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: hugeBytes)
        #if os(Linux)
        _ = madvise(p, size & ~(hugeBytes - 1), MADV_HUGEPAGE)   // advice only: a refusal leaves 4 KiB pages
        #endif
        return p
    }

    static func release(_ p: UnsafeMutableRawPointer, _ byteCount: Int) {
        if byteCount < minimumBytes { p.deallocate(); return }
        let size = bucket(byteCount)
        let kept = shared.withLock { box in
            guard box.state.cachedBytes + size <= box.state.limit else { return false }
            box.state.free[size, default: []].append(p)
            box.state.cachedBytes += size
            return true
        }
        if !kept { p.deallocate() }
    }

    /// Frees every cached buffer.
    static func trim() {
        let all: [UnsafeMutableRawPointer] = shared.withLock { box in
            let ps = box.state.free.values.flatMap { $0 }
            box.state.free = [:]
            box.state.cachedBytes = 0
            return ps
        }
        for p in all { p.deallocate() }
    }
}

/// Memory statistics and the buffer cache's settings.
///
///     print(Memory.liveBytes, Memory.cachedBytes, Memory.peakBytes)
///     Memory.emptyCache()        // give cached buffers back to the system
public enum Memory {
    /// Bytes held by live tensors.
    public static var liveBytes: Int { Diagnostics.liveBytes }
    /// The largest `liveBytes` seen (see `Diagnostics.resetPeak()`).
    public static var peakBytes: Int { Diagnostics.peakBytes }
    /// Bytes of freed large buffers kept for reuse.
    public static var cachedBytes: Int { BufferCache.shared.withLock { $0.state.cachedBytes } }
    /// Requests for large buffers served from the cache, and those that were not.
    public static var cacheHits: Int { BufferCache.shared.withLock { $0.state.hits } }
    public static var cacheMisses: Int { BufferCache.shared.withLock { $0.state.misses } }
    /// The most the cache may hold; 0 disables caching. Lowering it trims the cache. It starts at
    /// `SWIFTGRAD_CACHE_LIMIT_MIB` MiB when that is set in the environment, else at a sixteenth of
    /// physical memory, at least 256 MiB and at most 1 GiB.
    public static var cacheLimit: Int {
        get { BufferCache.shared.withLock { $0.state.limit } }
        set {
            BufferCache.shared.withLock { $0.state.limit = Swift.max(0, newValue) }
            if cachedBytes > newValue { BufferCache.trim() }
        }
    }
    /// Frees every cached buffer (PyTorch's `torch.cuda.empty_cache`, for host memory).
    public static func emptyCache() { BufferCache.trim() }
}
