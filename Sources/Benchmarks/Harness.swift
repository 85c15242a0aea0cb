import CBLAS
import Foundation
import SwiftGrad

/// Timing rules of ../shared/bench/SPEC.md: warm-up iterations, then the median of timed ones.
/// `SWIFTGRAD_BENCH_REPS=n` runs one warm-up and n timed repetitions instead (for instruction
/// counts under callgrind, where the full counts take too long).
func timeit(warmup: Int = 3, reps: Int = 15, _ body: () -> Void) -> Double {
    let short = ProcessInfo.processInfo.environment["SWIFTGRAD_BENCH_REPS"].flatMap { Int($0) }.map { Swift.max(1, $0) }
    let (warmup, reps) = short.map { (1, $0) } ?? (warmup, reps)
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<reps {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    times.sort()
    return times[times.count / 2]
}

/// Peak resident set size of this process so far, in MiB (VmHWM from /proc/self/status).
func peakRSSMiB() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

/// Prints one JSON line in the form torch_ref.py uses: {"workload": ..., "median_ms": ..., ...}.
func emit(_ name: String, _ ms: Double, _ extra: [(String, Double)] = []) {
    var fields = ["\"workload\": \"\(name)\"", "\"median_ms\": \(round4(ms))"]
    for (k, v) in extra { fields.append("\"\(k)\": \(round4(v))") }
    fields.append("\"peak_rss_mib\": \(round4(peakRSSMiB()))")
    print("{" + fields.joined(separator: ", ") + "}")
    fflush(nil)
}

func round4(_ v: Double) -> Double { (v * 1e4).rounded() / 1e4 }

/// Runs `body` with OpenBLAS threading a product itself over `Runtime.threadCount` threads, as it
/// does when used on its own; SwiftGrad keeps it on one thread and splits products itself.
func withOpenBLASThreads<R>(_ body: () -> R) -> R {
    openblas_set_num_threads(Int32(Runtime.threadCount))
    defer { openblas_set_num_threads(1) }
    return body()
}
