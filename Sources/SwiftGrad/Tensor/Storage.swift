import Synchronization

/// A reference-counted block of memory holding a tensor's elements (64-byte aligned from 1 KiB).
///
/// Views that share data (reshape, flatten, squeeze, unsqueeze, detach) share one `Storage`; its
/// `version` counts in-place writes so autograd can detect a saved value that was modified.
final class Storage {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    /// Bumped by every in-place write; autograd compares it with the version seen when saving.
    var version: Int = 0
    /// What owns memory this storage did not allocate (a memory-mapped file's region, kept alive
    /// while any tensor uses it); nil for memory from `BufferCache`.
    let owner: AnyObject?
    /// The packed-weight cache's slot (Kernels/PackedWeights.swift): the last matrix multiplied
    /// from this storage as a reused right-hand side, and its packed copy. Read and written only
    /// under `Kernels.packedWeightLock`; freed with the storage.
    var packedWeight: PackedWeightSlot? = nil

    /// Allocates uninitialised memory (callers fill it).
    init(byteCount: Int) {
        self.byteCount = byteCount
        self.pointer = BufferCache.allocate(byteCount)
        self.owner = nil
        Diagnostics.storageAllocated(byteCount)
    }

    /// Wraps `byteCount` bytes at `pointer` that `owner` keeps valid (a mapped file's pages): no
    /// copy, not counted in `Diagnostics.liveBytes`, never returned to the `BufferCache`.
    init(borrowing pointer: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.byteCount = byteCount
        self.pointer = pointer
        self.owner = owner
    }

    /// Allocates zero-filled memory.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
    }

    deinit {
        guard owner == nil else { return }  // the owner releases borrowed memory when its last user goes
        BufferCache.release(pointer, byteCount)
        Diagnostics.storageFreed(byteCount)
    }

    @inline(__always) func typed<T>(_: T.Type) -> UnsafeMutablePointer<T> {
        pointer.assumingMemoryBound(to: T.self)
    }
}

/// Live-object counters for diagnosing leaks: tensors, graph nodes and bytes of tensor storage.
///
///     let before = Diagnostics.liveNodes
///     do { let y = (x * 2).sum(); y.backward() }
///     assert(Diagnostics.liveNodes == before)
public enum Diagnostics {
    static let _tensors = Atomic<Int>(0)
    static let _nodes = Atomic<Int>(0)
    static let _bytes = Atomic<Int>(0)
    static let _peakBytes = Atomic<Int>(0)

    /// Tensor objects currently alive.
    public static var liveTensors: Int { _tensors.load(ordering: .relaxed) }
    /// Autograd graph nodes currently alive.
    public static var liveNodes: Int { _nodes.load(ordering: .relaxed) }
    /// Bytes of tensor storage currently allocated.
    public static var liveBytes: Int { _bytes.load(ordering: .relaxed) }
    /// The largest `liveBytes` seen since start or since `resetPeak()`.
    public static var peakBytes: Int { _peakBytes.load(ordering: .relaxed) }
    /// Sets `peakBytes` to the current `liveBytes`.
    public static func resetPeak() { _peakBytes.store(liveBytes, ordering: .relaxed) }

    @inline(__always) static func storageAllocated(_ n: Int) {
        let now = _bytes.wrappingAdd(n, ordering: .relaxed).newValue
        var peak = _peakBytes.load(ordering: .relaxed)
        while now > peak {
            let (exchanged, original) = _peakBytes.compareExchange(
                expected: peak, desired: now, ordering: .relaxed)
            if exchanged { break }
            peak = original
        }
    }
    @inline(__always) static func storageFreed(_ n: Int) { _bytes.wrappingSubtract(n, ordering: .relaxed) }
}
