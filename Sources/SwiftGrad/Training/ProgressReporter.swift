#if canImport(Glibc)
import Glibc
#endif

/// Where a `ProgressReporter` writes: a sink for text and whether it is a terminal (which decides
/// between redrawing one line in place and printing plain lines).
///
///     let out = ProgressOutput(isTerminal: false) { text in log.append(text) }
///     let bar = ProgressReporter(total: 100, output: out)
public struct ProgressOutput {
    /// Whether the sink is an interactive terminal.
    public var isTerminal: Bool
    /// Writes text exactly as given (the reporter adds `\r`, `\n` and escapes itself).
    public var write: (String) -> Void

    /// A custom sink, e.g. for tests or a log file.
    public init(isTerminal: Bool, write: @escaping (String) -> Void) {
        self.isTerminal = isTerminal
        self.write = write
    }

    /// Standard output; a terminal when `isatty(1)` says so (not when piped or in CI logs).
    ///
    ///     let bar = ProgressReporter(total: 10, output: .standardOutput)
    ///     bar.update()
    public static var standardOutput: ProgressOutput {
        ProgressOutput(isTerminal: isatty(1) == 1) { text in
            // Through `print`, so the bar interleaves correctly with the program's own prints;
            // fflush(nil) pushes out a redraw that has no newline.
            print(text, terminator: "")
            fflush(nil)
        }
    }
}

/// A progress bar for training loops: completed/total, rate, ETA and running means of metrics such
/// as the loss. On a terminal it redraws one line in place, at most every `interval` seconds (0.1 by
/// default); when output is not a terminal (a pipe, CI) it prints a plain line at most once per
/// `interval` (1 second by default) and a final line, so logs stay short. The clock can be replaced
/// for tests.
///
///     let bar = ProgressReporter(total: loader.count, label: "epoch 1")
///     for (x, y) in loader { let loss = step(x, y); bar.update(metrics: ["loss": loss]) }
///     bar.finish()
public final class ProgressReporter {
    /// The number of steps expected, if known.
    public let total: Int?
    /// Text shown before the bar.
    public let label: String
    /// The minimum time between two outputs, in seconds.
    public let interval: Double
    /// Steps completed so far.
    public private(set) var completed = 0
    /// How many times output was written (redraws or lines), final line included.
    public private(set) var outputs = 0

    let output: ProgressOutput
    let clock: () -> Double
    let start: Double
    var lastOutput: Double
    var sums: [(name: String, sum: Double, count: Int)] = []
    var finished = false
    let barWidth = 24

    /// A reporter for `total` steps (nil when unknown). `clock` returns seconds (monotonic).
    ///
    ///     var now = 0.0
    ///     let bar = ProgressReporter(total: 10, output: out, clock: { now })
    public init(total: Int?, label: String = "", interval: Double? = nil, output: ProgressOutput = .standardOutput,
                clock: @escaping () -> Double = ProgressReporter.monotonicSeconds) {
        check(total.map { $0 >= 0 } ?? true, "ProgressReporter: total must be non-negative")
        self.total = total
        self.label = label
        self.output = output
        self.interval = interval ?? (output.isTerminal ? 0.1 : 1.0)
        self.clock = clock
        start = clock()
        lastOutput = start
    }

    /// Records `steps` more completed steps and the metrics of this step (averaged into running
    /// means shown after the bar), then redraws if `interval` has passed since the last output.
    ///
    ///     bar.update(metrics: ["loss": loss.item(), "acc": acc])
    ///     bar.update(by: 5)
    public func update(by steps: Int = 1, metrics: KeyValuePairs<String, Double> = [:]) {
        completed += steps
        for (name, value) in metrics {
            if let i = sums.firstIndex(where: { $0.name == name }) {
                sums[i].sum += value
                sums[i].count += 1
            } else {
                sums.append((name, value, 1))
            }
        }
        let now = clock()
        if now - lastOutput >= interval {
            emit(now: now, final: false)
        }
    }

    /// Writes the final state (always) and ends the line. Called again, it does nothing.
    ///
    ///     bar.finish()
    ///     print("epoch done")
    public func finish() {
        guard !finished else { return }
        finished = true
        emit(now: clock(), final: true)
    }

    /// The running mean of a metric since the start, if it was reported.
    ///
    ///     let meanLoss = bar.mean("loss")
    public func mean(_ name: String) -> Double? {
        sums.first { $0.name == name }.map { $0.sum / Double($0.count) }
    }

    /// The line as it would be shown now (without control characters).
    public func line(now: Double? = nil) -> String {
        let elapsed = (now ?? clock()) - start
        let rate = elapsed > 0 ? Double(completed) / elapsed : 0
        var parts: [String] = []
        if !label.isEmpty { parts.append(label) }
        if let total, total > 0 {
            let fraction = Swift.min(1, Double(completed) / Double(total))
            let filled = Int((fraction * Double(barWidth)).rounded(.down))
            let bar = String(repeating: "=", count: filled) + (filled < barWidth ? ">" : "")
                + String(repeating: " ", count: Swift.max(0, barWidth - filled - 1))
            parts.append("\(TextFormat.pad(Int((fraction * 100).rounded(.down)), 3))% [\(bar)] \(completed)/\(total)")
        } else {
            parts.append("\(completed) it")
        }
        parts.append(TextFormat.formatRate(rate))
        if let total, completed < total, rate > 0 {
            parts.append("ETA " + TextFormat.formatDuration(Double(total - completed) / rate))
        } else {
            parts.append(TextFormat.formatDuration(elapsed))
        }
        for s in sums { parts.append("\(s.name) \(TextFormat.formatMetric(s.sum / Double(s.count)))") }
        return parts.joined(separator: "  ")
    }

    func emit(now: Double, final: Bool) {
        lastOutput = now
        outputs += 1
        let text = line(now: now)
        if output.isTerminal {
            // Carriage return, the line, then erase what is left of a longer previous line.
            output.write("\r" + text + "\u{1B}[K" + (final ? "\n" : ""))
        } else {
            output.write(text + "\n")
        }
    }

    /// Seconds from a monotonic clock (not affected by changes of the wall clock).
    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// Small number formatting helpers (no Foundation `String(format:)`), shared by the training utilities.
enum TextFormat {
    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: Swift.max(0, width - s.count)) + s
    }

    /// `h:mm:ss` or `m:ss`.
    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60)
        let mm = m < 10 && h > 0 ? "0\(m)" : "\(m)"
        let ss = sec < 10 ? "0\(sec)" : "\(sec)"
        return h > 0 ? "\(h):\(mm):\(ss)" : "\(mm):\(ss)"
    }

    static func formatRate(_ r: Double) -> String {
        if r >= 1 || r == 0 { return "\(formatFixed(r, 1)) it/s" }
        return "\(formatFixed(1 / r, 1)) s/it"
    }

    /// Four significant-looking digits: 0.2345, 12.35, 1234.6.
    static func formatMetric(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        let a = Swift.abs(v)
        return formatFixed(v, a >= 1000 ? 1 : a >= 10 ? 2 : 4)
    }

    /// `v` with exactly `digits` decimals, without Foundation's `String(format:)`.
    static func formatFixed(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return "\(v)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (Swift.abs(v) * scale).rounded()
        guard scaled < 9e15 else { return "\(v)" }
        let n = Int(scaled)
        let whole = n / Int(scale), frac = n % Int(scale)
        let sign = v < 0 && n != 0 ? "-" : ""
        guard digits > 0 else { return "\(sign)\(whole)" }
        let fracText = String(frac)
        return "\(sign)\(whole)." + String(repeating: "0", count: digits - fracText.count) + fracText
    }
}
