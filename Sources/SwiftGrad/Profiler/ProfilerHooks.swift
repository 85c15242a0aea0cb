#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

// The profiler's hooks in the op recording path and the backward engine. When no profiler is
// running anywhere in the process, each hook costs one relaxed load of a global counter and one
// branch predicted not taken (`Profiler.isOn`); everything else is out of line.

/// How many profilers are running in the process (any thread). The hooks test it first.
let profilersRunning = Atomic<Int>(0)

/// The calling thread's profiler state: the running profiler (innermost), the end of the last
/// event on this thread (the start of the next op's forward time) and the thread's number.
final class ProfilerThread {
    var active: [Profiler] = []
    var lastMark: UInt64 = 0
    /// Input shapes of the nodes whose backward is running (see `BackwardScope`).
    var pendingShapes: [[[Int]]] = []
    let threadID: Int

    init() {
        threadID = ProfilerThread.osThreadID() ?? ProfilerThread.fallbackIDs.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Numbers for threads whose kernel id cannot be read.
    private static let fallbackIDs = Atomic<Int>(1 << 30)

    /// The kernel's id of the calling thread (Linux's gettid, which Glibc's Swift module does not
    /// export), read from the /proc/thread-self link ("<pid>/task/<tid>").
    private static func osThreadID() -> Int? {
        var buffer = [CChar](repeating: 0, count: 64)
        let n = readlink("/proc/thread-self", &buffer, 63)
        guard n > 0 else { return nil }
        buffer[n] = 0
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return text.split(separator: "/").last.flatMap { Int($0) }
    }

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { raw in
            if let raw { Unmanaged<ProfilerThread>.fromOpaque(raw).release() }
        }
        return k
    }()

    /// The calling thread's state.
    static var current: ProfilerThread {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<ProfilerThread>.fromOpaque(raw).takeUnretainedValue()
        }
        let state = ProfilerThread()
        pthread_setspecific(key, Unmanaged.passRetained(state).toOpaque())
        return state
    }

    /// The profiler recording on this thread, if any.
    static var recording: (Profiler, ProfilerThread)? {
        let t = current
        guard let p = t.active.last else { return nil }
        return (p, t)
    }
}

/// Monotonic nanoseconds.
@inline(__always) func profilerNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

extension Profiler {
    /// True while any profiler runs in the process: the one test on the recording path.
    @inline(__always) static var isOn: Bool { profilersRunning.load(ordering: .relaxed) != 0 }

    /// Called by `recorded` after an op computed `output` from `inputs` (when `isOn`). The op's
    /// forward time is the time since the previous event on this thread ended.
    @inline(never)
    static func opFinished(_ op: RecordedOp, output: Tensor, inputs: [Tensor]) {
        guard let (p, thread) = ProfilerThread.recording else { return }
        let end = profilerNow()
        let start = max(thread.lastMark, p.startTime)
        // A view (reshape, slice, transpose) allocates nothing: it shares an input's storage.
        let shared = inputs.contains { $0.storage === output.storage }
        let bytes = shared ? 0 : output.count * output.dtype.byteSize
        let shapes = p.recordShapes ? inputs.map(\.shape) : []
        p.events.append(ProfilerEvent(name: op.description, kind: .forward, start: start, duration: end - start,
                                      threadID: thread.threadID, inputShapes: shapes, bytes: bytes))
        thread.lastMark = profilerNow()
    }

    /// `opFinished` for the one- and two-input forms.
    @inline(never)
    static func opFinished(_ op: Op, output: Tensor, _ a: Tensor, _ b: Tensor? = nil) {
        opFinished(.builtin(op), output: output, inputs: b.map { [a, $0] } ?? [a])
    }

    /// `opFinished` for a registry op with any number of inputs.
    @inline(never)
    static func opFinished(_ op: Op, output: Tensor, inputs: [Tensor]) {
        opFinished(.builtin(op), output: output, inputs: inputs)
    }

    /// The state the backward engine needs for one pass, or nil when this thread is not profiled.
    static func backwardScope() -> BackwardScope? {
        guard isOn, let (p, thread) = ProfilerThread.recording else { return nil }
        return BackwardScope(profiler: p, thread: thread)
    }

    /// Times one backward pass and each node's backward inside it. The engine keeps only a
    /// `UInt64` start per node (trivial to carry when profiling is off); the node's input shapes
    /// are taken at `begin` (backward releases the inputs) and kept on the thread until `end`.
    struct BackwardScope {
        let profiler: Profiler
        let thread: ProfilerThread

        /// Starts the backward of `node`; returns its start time.
        func begin(_ node: Node) -> UInt64 {
            thread.pendingShapes.append(profiler.recordShapes ? node.inputs.map(\.shape) : [])
            let now = profilerNow()
            thread.lastMark = now
            return now
        }

        /// Ends the backward of `node` (its closure and the accumulation of its gradients).
        func end(_ node: Node, started: UInt64) {
            let end = profilerNow()
            let shapes = thread.pendingShapes.popLast() ?? []
            profiler.events.append(ProfilerEvent(name: "\(node.op) (backward)", kind: .backward, start: started,
                                                 duration: end - started, threadID: thread.threadID, inputShapes: shapes, bytes: 0))
            thread.lastMark = profilerNow()
        }

        /// Starts the whole pass.
        func beginPass() -> UInt64 {
            let now = profilerNow()
            thread.lastMark = now
            return now
        }

        /// Ends the pass: a `backward` range.
        func endPass(started: UInt64) {
            let end = profilerNow()
            profiler.events.append(ProfilerEvent(name: "backward", kind: .range, start: started, duration: end - started,
                                                 threadID: thread.threadID, inputShapes: [], bytes: 0))
            thread.lastMark = profilerNow()
        }
    }
}
