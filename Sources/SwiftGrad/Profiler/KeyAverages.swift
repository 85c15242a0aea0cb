#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The totals of one event name (and, when grouped so, one list of input shapes).
public struct KeyAverage: Equatable, Sendable {
    /// The event name (`mul`, `mm (backward)`, `backward`, a range's name).
    public let name: String
    public let kind: ProfilerEvent.Kind
    /// The input shapes of this row (only when grouped by input shape).
    public let inputShapes: [[Int]]?
    /// Number of events.
    public var count = 0
    /// Nanoseconds, children included.
    public var totalTime: UInt64 = 0
    /// Nanoseconds, minus the time of the events nested directly inside (their children).
    public var selfTime: UInt64 = 0
    /// Bytes allocated, children included.
    public var memory = 0
    /// Bytes allocated by the events themselves.
    public var selfMemory = 0

    /// Mean nanoseconds per call, children included.
    public var averageTime: Double { count == 0 ? 0 : Double(totalTime) / Double(count) }
}

/// Per-name totals of a profile, as PyTorch's `key_averages()`, printable as its table.
///
///     let averages = profiler.keyAverages()
///     print(averages.table(sortBy: .selfTime, rowLimit: 10))
///     let mm = averages.rows.first { $0.name == "mm" }?.count
public struct KeyAverages: Sendable {
    /// One row per key, sorted by self time (largest first).
    public let rows: [KeyAverage]
    /// The sum of every event's self time: the time the profile accounts for (nanoseconds).
    public let totalSelfTime: UInt64

    /// A column to sort the table by (descending).
    public enum SortKey: Sendable {
        case selfTime, totalTime, count, selfMemory, memory
    }

    init(events: [ProfilerEvent], groupByInputShape: Bool) {
        let (selfTimes, totalBytes) = KeyAverages.nesting(events)
        var index: [String: Int] = [:]
        var rows: [KeyAverage] = []
        for (i, e) in events.enumerated() {
            let key = groupByInputShape ? "\(e.kind)|\(e.name)|\(e.inputShapes)" : "\(e.kind)|\(e.name)"
            let r: Int
            if let found = index[key] { r = found } else {
                r = rows.count
                index[key] = r
                rows.append(KeyAverage(name: e.name, kind: e.kind, inputShapes: groupByInputShape ? e.inputShapes : nil))
            }
            rows[r].count += 1
            rows[r].totalTime += e.duration
            rows[r].selfTime += selfTimes[i]
            rows[r].memory += totalBytes[i]
            rows[r].selfMemory += e.bytes
        }
        self.rows = rows.sorted { $0.selfTime != $1.selfTime ? $0.selfTime > $1.selfTime : $0.name < $1.name }
        totalSelfTime = selfTimes.reduce(0, +)
    }

    /// Each event's self time (its duration minus its direct children's) and its bytes with its
    /// descendants', from how the events nest in time on each thread.
    static func nesting(_ events: [ProfilerEvent]) -> (selfTimes: [UInt64], bytes: [Int]) {
        var selfTimes = events.map(\.duration)
        var bytes = events.map(\.bytes)
        let order = events.indices.sorted {
            let a = events[$0], b = events[$1]
            if a.threadID != b.threadID { return a.threadID < b.threadID }
            if a.start != b.start { return a.start < b.start }
            return a.duration > b.duration           // the enclosing event first
        }
        var open: [Int] = []
        var thread = Int.min
        for i in order {
            let e = events[i]
            if e.threadID != thread { open.removeAll(); thread = e.threadID }
            while let top = open.last, events[top].end <= e.start || events[top].end < e.end { open.removeLast() }
            if let parent = open.last {
                selfTimes[parent] -= min(selfTimes[parent], e.duration)
                for a in open { bytes[a] += e.bytes }
            }
            open.append(i)
        }
        return (selfTimes, bytes)
    }

    /// The rows sorted by `sortBy`, limited to `rowLimit`.
    ///
    ///     let top = profiler.keyAverages().sorted(by: .totalTime).prefix(3)
    public func sorted(by key: SortKey) -> [KeyAverage] {
        func value(_ r: KeyAverage) -> Double {
            switch key {
            case .selfTime: return Double(r.selfTime)
            case .totalTime: return Double(r.totalTime)
            case .count: return Double(r.count)
            case .selfMemory: return Double(r.selfMemory)
            case .memory: return Double(r.memory)
            }
        }
        return rows.sorted { value($0) != value($1) ? value($0) > value($1) : $0.name < $1.name }
    }

    /// The table PyTorch prints (`key_averages().table(sort_by=...)`): Name, Self CPU %, Self CPU,
    /// CPU total %, CPU total, CPU time avg, CPU Mem, Self CPU Mem, # of Calls (and Input Shapes
    /// when grouped by them), then the total self time.
    ///
    ///     print(profiler.keyAverages().table(sortBy: .selfTime, rowLimit: 15))
    public func table(sortBy key: SortKey = .selfTime, rowLimit: Int? = nil) -> String {
        var selected = sorted(by: key)
        if let rowLimit { selected = Array(selected.prefix(max(0, rowLimit))) }
        let grouped = rows.first?.inputShapes != nil
        var header = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                      "CPU Mem", "Self CPU Mem", "# of Calls"]
        if grouped { header.append("Input Shapes") }
        let total = Double(max(totalSelfTime, 1))
        let body: [[String]] = selected.map { r in
            var cells = [r.name,
                         percentString(Double(r.selfTime) / total), timeString(Double(r.selfTime)),
                         percentString(Double(r.totalTime) / total), timeString(Double(r.totalTime)),
                         timeString(r.averageTime), memoryString(r.memory), memoryString(r.selfMemory), "\(r.count)"]
            if grouped { cells.append("\(r.inputShapes ?? [])") }
            return cells
        }
        var widths = header.map(\.count)
        for row in body { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i == 0 || i == 9 ? c + pad : pad + c     // names and shapes left, numbers right
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        var out = [rule, line(header), rule] + body.map(line) + [rule]
        out.append("Self CPU time total: \(timeString(Double(totalSelfTime)))")
        return out.joined(separator: "\n") + "\n"
    }
}

/// `12.34%`.
func percentString(_ fraction: Double) -> String { formatted(fraction * 100, decimals: 2) + "%" }

/// Nanoseconds as PyTorch prints them: `812.000ns`, `35.250us`, `4.120ms`, `1.203s`.
func timeString(_ ns: Double) -> String {
    if ns >= 1e9 { return formatted(ns / 1e9, decimals: 3) + "s" }
    if ns >= 1e6 { return formatted(ns / 1e6, decimals: 3) + "ms" }
    if ns >= 1e3 { return formatted(ns / 1e3, decimals: 3) + "us" }
    return formatted(ns, decimals: 3) + "ns"
}

/// Bytes as PyTorch prints them: `0 b`, `512 b`, `3.50 Kb`, `1.25 Mb`, `2.00 Gb`.
func memoryString(_ bytes: Int) -> String {
    let b = Double(bytes), k = 1024.0
    if abs(b) >= k * k * k { return formatted(b / (k * k * k), decimals: 2) + " Gb" }
    if abs(b) >= k * k { return formatted(b / (k * k), decimals: 2) + " Mb" }
    if abs(b) >= k { return formatted(b / k, decimals: 2) + " Kb" }
    return "\(bytes) b"
}

/// `value` with a fixed number of decimals (no Foundation).
func formatted(_ value: Double, decimals: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = buffer.withUnsafeMutableBufferPointer { p in
        withVaList([Int32(decimals), value]) { vsnprintf(p.baseAddress, 64, "%.*f", $0) }
    }
    return String(cString: buffer)
}
