import Foundation
#if canImport(Runtime)
import Runtime
#endif

/// The first NaN or Inf found inside `withAnomalyDetection`: which op made it, in which pass, and
/// where in the caller's code that op was created.
public struct AnomalyError: Error, CustomStringConvertible {
    /// The op name (`"sqrt"`, `"div"`...).
    public let op: String
    /// "forward" or "backward".
    public let phase: String
    /// The call stack (outside SwiftGrad) where the op was recorded, innermost first: with debug
    /// information each frame reads `function at /path/File.swift:line`, so the first is the line
    /// that created the op.
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
    let r: R
    do { r = try body() } catch {
        ctx.anomaly = oldFound     // the caller's own error wins; leave no stale anomaly behind
        throw error
    }
    let found = ctx.anomaly
    ctx.anomaly = oldFound
    if let found { throw found }
    return r
}

/// Where an op was created in anomaly mode. Capturing return addresses is cheap; turning them into
/// `function at file:line` text (symbolication) happens only for the op that is reported.
struct OpOrigin {
    #if canImport(Runtime)
    let backtrace: Backtrace?
    #endif
    let symbols: [String]

    static func capture() -> OpOrigin {
        #if canImport(Runtime)
        return OpOrigin(backtrace: try? Backtrace.capture(), symbols: [])
        #else
        return OpOrigin(symbols: Thread.callStackSymbols)
        #endif
    }

    /// The frames outside SwiftGrad's own sources, innermost first: the first one is the caller's line.
    func frames() -> [String] {
        #if canImport(Runtime)
        if let bt = backtrace?.symbolicated() {
            var out: [String] = []
            for frame in bt.frames {
                guard let symbol = frame.symbol else { continue }
                if let loc = symbol.sourceLocation {
                    // Library frames and compiler-generated thunks say nothing about the caller.
                    if loc.path.contains("/Sources/SwiftGrad/") || loc.line == 0 { continue }
                    out.append("\(symbol.name) at \(loc.path):\(loc.line)")
                } else {
                    // No debug info (a release build, or a system library): the symbol name only.
                    out.append("\(symbol.name) in \(symbol.imageName)")
                }
            }
            if !out.isEmpty { return out }
        }
        #endif
        let outside = symbols.filter { !$0.contains("SwiftGrad") && !$0.contains("libswiftCore") && !$0.contains("libc.so") }
        return (outside.isEmpty ? symbols : outside).map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

enum Anomaly {
    static func nonFinite(_ t: Tensor) -> Bool {
        t.dtype.isFloatingPoint && !Kernels.allFinite(t)
    }

    static func checkForward(_ out: Tensor, node: Node, ctx: ThreadContext) {
        node.origin = OpOrigin.capture()
        if ctx.anomaly == nil && nonFinite(out) {
            ctx.anomaly = AnomalyError(op: node.op.description, phase: "forward", origin: node.origin?.frames() ?? [])
        }
    }

    static func checkBackward(node: Node, grads: [Tensor?], ctx: ThreadContext) {
        if ctx.anomaly == nil && grads.contains(where: { $0.map(nonFinite) ?? false }) {
            ctx.anomaly = AnomalyError(op: node.op.description, phase: "backward", origin: node.origin?.frames() ?? [])
        }
    }
}
