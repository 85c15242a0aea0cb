import Foundation

extension Profiler {
    /// Writes the events in the Trace Event Format (JSON) that Perfetto (ui.perfetto.dev) and
    /// chrome://tracing open: one complete event ("ph": "X") per op forward, node backward and
    /// range, with its category (`forward`, `backward`, `range`), process and thread ids, start and
    /// duration in microseconds from `start()`, and in `args` the input shapes and allocated bytes.
    /// The file is written atomically.
    ///
    ///     try profiler.exportChromeTrace(to: "trace.json")
    public func exportChromeTrace(to path: String) throws {
        try AtomicFile.write(Array(chromeTraceJSON().utf8), to: path)
    }

    /// The trace `exportChromeTrace(to:)` writes, as a string.
    func chromeTraceJSON() -> String {
        let pid = Int(getpid())
        var lines: [String] = []
        lines.append(#"{"ph": "M", "name": "process_name", "pid": \#(pid), "tid": 0, "args": {"name": "SwiftGrad"}}"#)
        for tid in Set(events.map(\.threadID)).sorted() {
            lines.append(#"{"ph": "M", "name": "thread_name", "pid": \#(pid), "tid": \#(tid), "args": {"name": "thread \#(tid)"}}"#)
        }
        for e in events.sorted(by: { $0.start != $1.start ? $0.start < $1.start : $0.duration > $1.duration }) {
            let ts = formatted(Double(e.start &- min(e.start, startTime)) / 1e3, decimals: 3)
            let dur = formatted(Double(e.duration) / 1e3, decimals: 3)
            let shapes = "[" + e.inputShapes.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
            lines.append(#"{"ph": "X", "cat": "\#(e.kind.rawValue)", "name": \#(jsonString(e.name)), "pid": \#(pid), "tid": \#(e.threadID), "ts": \#(ts), "dur": \#(dur), "args": {"Input Dims": \#(shapes), "Bytes": \#(e.bytes)}}"#)
        }
        return "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n" + lines.joined(separator: ",\n") + "\n]}\n"
    }
}

/// `s` as a JSON string literal (the safetensors writer's escaping).
func jsonString(_ s: String) -> String { Safetensors.jsonString(s) }

/// One complete event of a Trace Event Format file.
public struct ChromeTraceEvent: Equatable, Sendable {
    public let name: String
    /// `forward`, `backward` or `range` in the profiler's traces.
    public let category: String
    /// Microseconds.
    public let timestamp: Double
    /// Microseconds.
    public let duration: Double
    public let processID: Int
    public let threadID: Int
    /// `args["Input Dims"]` (empty when absent).
    public let inputShapes: [[Int]]
    /// `args["Bytes"]` (0 when absent).
    public let bytes: Int
}

/// Why a trace file could not be read.
public enum ChromeTraceError: Error, Equatable, CustomStringConvertible {
    case notJSON(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .notJSON(let why): return "trace: not JSON: \(why)"
        case .malformed(let why): return "trace: \(why)"
        }
    }
}

/// Reads Trace Event Format files such as `Profiler.exportChromeTrace(to:)` writes.
///
///     let events = try ChromeTrace.read("trace.json")
///     let backward = events.filter { $0.category == "backward" }
public enum ChromeTrace {
    /// The complete ("X") events of the file at `path`; metadata events are skipped.
    public static func read(_ path: String) throws -> [ChromeTraceEvent] {
        try decode(AtomicFile.read(path))
    }

    /// The complete ("X") events of a trace (an object with `traceEvents`, or a bare array).
    public static func decode(_ bytes: [UInt8]) throws -> [ChromeTraceEvent] {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: Data(bytes)) } catch { throw ChromeTraceError.notJSON("\(error)") }
        let list: [Any]
        if let object = root as? [String: Any] {
            guard let events = object["traceEvents"] as? [Any] else { throw ChromeTraceError.malformed("no traceEvents array") }
            list = events
        } else if let array = root as? [Any] {
            list = array
        } else {
            throw ChromeTraceError.malformed("the top level is neither an object nor an array")
        }
        var out: [ChromeTraceEvent] = []
        for (i, item) in list.enumerated() {
            guard let e = item as? [String: Any] else { throw ChromeTraceError.malformed("event \(i) is not an object") }
            guard let phase = e["ph"] as? String else { throw ChromeTraceError.malformed("event \(i) has no ph") }
            guard phase == "X" else { continue }
            guard let name = e["name"] as? String, let ts = number(e["ts"]), let dur = number(e["dur"]),
                  let pid = number(e["pid"]), let tid = number(e["tid"]),
                  let pidInt = Int(exactly: pid.rounded()), let tidInt = Int(exactly: tid.rounded()) else {
                throw ChromeTraceError.malformed("complete event \(i) lacks a name, ts, dur, pid or tid")
            }
            let args = e["args"] as? [String: Any] ?? [:]
            var shapes: [[Int]] = []
            if let dims = args["Input Dims"] {
                guard let rows = dims as? [Any] else { throw ChromeTraceError.malformed("event \(i): Input Dims is not a list") }
                for row in rows {
                    guard let sizes = row as? [Any] else { throw ChromeTraceError.malformed("event \(i): an input shape is not a list") }
                    shapes.append(try sizes.map {
                        guard let n = number($0), n == n.rounded(), let k = Int(exactly: n) else { throw ChromeTraceError.malformed("event \(i): a size is not an integer") }
                        return k
                    })
                }
            }
            let bytes = number(args["Bytes"]).flatMap { Int(exactly: $0.rounded()) } ?? 0
            out.append(ChromeTraceEvent(name: name, category: e["cat"] as? String ?? "", timestamp: ts, duration: dur,
                                        processID: pidInt, threadID: tidInt, inputShapes: shapes, bytes: bytes))
        }
        return out
    }

    private static func number(_ any: Any?) -> Double? {
        guard let n = any as? NSNumber else { return nil }
        let d = n.doubleValue
        return d.isFinite && abs(d) < 9e15 ? d : nil
    }
}
