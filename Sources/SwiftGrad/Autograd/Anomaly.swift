import Foundation

/// The first NaN or Inf found inside `withAnomalyDetection`: which op made it, in which pass, and
/// where in the caller's code that op was created.
public struct AnomalyError: Error, CustomStringConvertible {
    /// The op name (`"sqrt"`, `"div"`...).
    public let op: String
    /// "forward" or "backward".
    public let phase: String
    /// The call stack (outside SwiftGrad) where the op was recorded, innermost first.
    public let origin: [String]
    public var description: String {
        "anomaly: '\(op)' produced NaN or Inf in its \(phase) pass; the op was created at:\n  " + origin.prefix(5).joined(separator: "\n  ")
    }
}

/// Runs `body` while checking every recorded op's output (forward) and gradients (backward) for
/// NaN and Inf, on this thread, as `torch.autograd.detect_anomaly`. Throws the first anomaly
/// after `body` returns. Slow: for debugging only.
///
///     try withAnomalyDetection {
///         let y = (x - 2).sqrt().sum()
///         y.backward()
///     }   // throws: 'sqrt' produced NaN or Inf in its forward pass ...
public func withAnomalyDetection<R>(_ body: () throws -> R) throws -> R {
    let ctx = ThreadContext.current
    let old = ctx.anomalyEnabled
    let oldFound = ctx.anomaly
    ctx.anomalyEnabled = true
    ctx.anomaly = nil
    defer { ctx.anomalyEnabled = old }
    let r = try body()
    let found = ctx.anomaly
    ctx.anomaly = oldFound
    if let found { throw found }
    return r
}

enum Anomaly {
    static func nonFinite(_ t: Tensor) -> Bool {
        guard t.dtype.isFloatingPoint else { return false }
        for i in 0..<t.count where !t.scalar(at: i).isFinite { return true }
        return false
    }

    /// Call-stack frames outside SwiftGrad's own code, demangled where possible.
    static func callerFrames() -> [String] {
        let frames = Thread.callStackSymbols
        let outside = frames.filter { !$0.contains("SwiftGrad") && !$0.contains("libswiftCore") && !$0.contains("libc.so") }
        return (outside.isEmpty ? frames : outside).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func checkForward(_ out: Tensor, node: Node, ctx: ThreadContext) {
        node.origin = callerFrames()
        if ctx.anomaly == nil && nonFinite(out) {
            ctx.anomaly = AnomalyError(op: node.op, phase: "forward", origin: node.origin ?? [])
        }
    }

    static func checkBackward(node: Node, grads: [Tensor?], ctx: ThreadContext) {
        if ctx.anomaly == nil && grads.contains(where: { $0.map(nonFinite) ?? false }) {
            ctx.anomaly = AnomalyError(op: node.op, phase: "backward", origin: node.origin ?? [])
        }
    }
}
