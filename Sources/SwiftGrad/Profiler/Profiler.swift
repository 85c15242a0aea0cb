/// One timed event: an op's forward, a node's backward, a backward pass, or a `record` range.
public struct ProfilerEvent: Equatable, Sendable {
    /// What was timed.
    public enum Kind: String, Equatable, Sendable {
        /// An op's forward computation (its name is the op's registry name: `mul`, `conv2d`).
        case forward
        /// The backward of one graph node (its name is the op's name followed by ` (backward)`).
        case backward
        /// A whole `backward()` call, or a range named by `Profiler.record`.
        case range
    }

    /// `mul`, `conv2d (backward)`, `backward`, or a range's name.
    public let name: String
    public let kind: Kind
    /// Start, in nanoseconds of the monotonic clock.
    public let start: UInt64
    /// Duration in nanoseconds (children included).
    public let duration: UInt64
    /// The operating system's id of the thread that ran it.
    public let threadID: Int
    /// The shapes of the op's inputs (empty when `recordShapes` is off, and for ranges).
    public let inputShapes: [[Int]]
    /// Bytes of tensor storage the op allocated for its result (0 for views and ranges).
    public let bytes: Int

    /// The end, in nanoseconds of the monotonic clock.
    public var end: UInt64 { start + duration }
}

/// Records the time, call count, input shapes and allocated bytes of every op run on this thread
/// while it is active, forward and backward (PyTorch's `torch.profiler.profile`).
///
///     let profiler = Profiler()
///     profiler.profile { trainOneEpoch() }
///     print(profiler.keyAverages().table(sortBy: .selfTime, rowLimit: 10))
///     try profiler.exportChromeTrace(to: "trace.json")   // open in Perfetto or chrome://tracing
///
/// What is measured: an op is seen when it finishes (where it is recorded on the graph, also in
/// no-grad mode), and its forward time is the time since the previous event on this thread ended,
/// so the Swift code between two ops (argument checks, a layer's glue) counts towards the later op.
/// Time outside ops (loading data, printing) therefore lands in the next op unless it is wrapped in
/// `Profiler.record(_:_:)`, whose range ends and starts an interval. Each node's backward is
/// timed around its backward closure and the accumulation of its gradients; the ops that
/// closure runs are its children. Ops with several outputs are seen only while recording a graph.
/// Only the thread that started the profiler is recorded (data-loader workers are not).
/// Profilers nest: an inner one records instead of the outer one until it stops.
public final class Profiler {
    /// Every event recorded so far, in the order they ended.
    public internal(set) var events: [ProfilerEvent] = []
    /// Whether events keep their inputs' shapes (PyTorch's `record_shapes`).
    public let recordShapes: Bool
    /// When `start()` was called (monotonic nanoseconds); 0 before.
    public private(set) var startTime: UInt64 = 0
    private var owner: ProfilerThread?

    /// A profiler that records when started; `recordShapes: false` skips the input shapes.
    ///
    ///     let profiler = Profiler(recordShapes: true)
    public init(recordShapes: Bool = true) {
        self.recordShapes = recordShapes
    }

    /// Whether the profiler is recording.
    public var isRunning: Bool { owner != nil }

    /// Starts recording the calling thread's ops.
    ///
    ///     profiler.start(); defer { profiler.stop() }
    public func start() {
        check(owner == nil, "Profiler.start: the profiler is already running")
        let thread = ProfilerThread.current
        thread.active.append(self)
        owner = thread
        startTime = profilerNow()
        thread.lastMark = startTime
        profilersRunning.wrappingAdd(1, ordering: .relaxed)
    }

    /// Stops recording. Must be called on the thread that started it.
    ///
    ///     profiler.stop()
    public func stop() {
        guard let thread = owner else { checkFailure("Profiler.stop: the profiler is not running") }
        check(thread === ProfilerThread.current, "Profiler.stop: called on another thread than start()")
        if let i = thread.active.lastIndex(where: { $0 === self }) { thread.active.remove(at: i) }
        owner = nil
        profilersRunning.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Runs `body` with the profiler recording, and stops it after (also when `body` throws).
    ///
    ///     let loss = try profiler.profile { try trainStep() }
    public func profile<R>(_ body: () throws -> R) rethrows -> R {
        start()
        defer { stop() }
        return try body()
    }

    /// Times `body` as a named range in the running profiler (PyTorch's `record_function`); the ops
    /// it runs are its children. Without a running profiler it only runs `body`.
    ///
    ///     let batch = Profiler.record("data") { loader.next() }
    public static func record<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        guard isOn, let (profiler, thread) = ProfilerThread.recording else { return try body() }
        let start = profilerNow()
        thread.lastMark = start
        defer {
            let end = profilerNow()
            profiler.events.append(ProfilerEvent(name: name, kind: .range, start: start, duration: end - start,
                                                 threadID: thread.threadID, inputShapes: [], bytes: 0))
            thread.lastMark = profilerNow()
        }
        return try body()
    }

    /// The events' totals per name (PyTorch's `key_averages()`); with `groupByInputShape`, one row
    /// per name and list of input shapes.
    ///
    ///     print(profiler.keyAverages().table(sortBy: .selfTime))
    public func keyAverages(groupByInputShape: Bool = false) -> KeyAverages {
        KeyAverages(events: events, groupByInputShape: groupByInputShape)
    }
}
