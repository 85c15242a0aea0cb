#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-thread autograd state: grad mode, anomaly mode and the queue that tears graphs down
/// iteratively. One pthread-specific object per thread, so threads never share it.
final class ThreadContext {
    var gradEnabled = true
    var anomalyEnabled = false
    /// The dtype of `withAutocast`, or nil outside it.
    var autocastDType: DType?
    /// The first NaN/Inf found in anomaly mode.
    var anomaly: AnomalyError?
    /// Input lists of dying nodes, released one at a time so that freeing a long chain never recurses.
    var graveyard: [[Tensor]] = []
    var draining = false
    /// How many backward passes are running on this thread (nested when a hook calls backward).
    var backwardDepth = 0
    /// Run once when the outermost backward pass on this thread ends (`queueBackwardCallback`).
    var backwardCallbacks: [() -> Void] = []
    /// The active forward-AD dual level (0: none), and whether tangent propagation is suspended
    /// while a forward rule or fallback runs (Autograd/ForwardAD.swift).
    var forwardLevel = 0
    var forwardSuspended = false
    /// When non-nil, the ops whose tangent used the fallback on this thread are appended (tests).
    var fallbackLog: [String]?
    /// The active vmaps on this thread, outermost first (Autograd/Vmap.swift).
    var vmapFrames: [VmapFrame] = []
    /// When non-nil, the reasons of every vmap that fell back to its loop are appended (tests).
    var vmapFallbackLog: [String]?
    /// The innermost checkpointed block running on this thread (Autograd/ActivationCheckpoint.swift).
    var checkpointCapture: CheckpointCapture?

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { raw in
            if let raw { Unmanaged<ThreadContext>.fromOpaque(raw).release() }
        }
        return k
    }()

    /// The calling thread's context.
    @inline(__always) static var current: ThreadContext {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<ThreadContext>.fromOpaque(raw).takeUnretainedValue()
        }
        let ctx = ThreadContext()
        pthread_setspecific(key, Unmanaged.passRetained(ctx).toOpaque())
        return ctx
    }

    /// Takes a dying node's inputs; frees them in a loop rather than by recursion.
    func bury(_ inputs: inout [Tensor]) {
        graveyard.append(inputs)
        inputs = []
        if draining { return }
        draining = true
        while var batch = graveyard.popLast() {
            batch.removeAll()   // may run more Node.deinit, which only appends
        }
        draining = false
    }
}

/// Whether ops record the graph on this thread (PyTorch's grad mode). Per thread.
public enum GradMode {
    /// True unless inside `withNoGrad`.
    public static var isEnabled: Bool { ThreadContext.current.gradEnabled }

    /// Runs `body` with recording set to `enabled` on this thread, restoring the old mode after.
    public static func with<R>(enabled: Bool, _ body: () throws -> R) rethrows -> R {
        let ctx = ThreadContext.current
        let old = ctx.gradEnabled
        ctx.gradEnabled = enabled
        defer { ctx.gradEnabled = old }
        return try body()
    }
}

/// Runs `body` without recording any graph (PyTorch's `torch.no_grad()`), on this thread only.
///
///     let logits = withNoGrad { model(x) }   // inference: no graph, no saved activations
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.with(enabled: false, body)
}

/// Runs `body` with recording on, even inside `withNoGrad` (PyTorch's `torch.enable_grad()`).
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.with(enabled: true, body)
}
