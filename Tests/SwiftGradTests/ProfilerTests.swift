import Testing
import Foundation
import SwiftGrad
import ExampleKit

/// The profiler: forward and backward events with shapes and bytes, nesting (self vs total time),
/// ranges, the key-averages table, the Chrome trace and its reader, and digits-cnn's trace and
/// TensorBoard directory checked by our readers (also the files .ci/run makes with the CLI).
@Suite struct ProfilerTests {
    /// (x * 2 + 1).tanh().sum() forward and backward on a [3, 4] leaf, profiled.
    static func profiledStep() -> Profiler {
        let x = Tensor.randn([3, 4], generator: Generator(seed: 1)).requiringGrad()
        let profiler = Profiler()
        profiler.profile {
            let y = ((x * 2 + 1).tanh().reshape([12])).sum()
            y.backward()
        }
        return profiler
    }

    @Test func recordsEachOpForwardAndBackwardWithShapesAndBytes() {
        let p = ProfilerTests.profiledStep()
        let forward = p.events.filter { $0.kind == .forward }.map(\.name)
        #expect(forward.prefix(5) == ["mul", "add", "tanh", "reshape", "sum"], "\(forward)")
        let backward = Set(p.events.filter { $0.kind == .backward }.map(\.name))
        for op in ["mul", "add", "tanh", "reshape", "sum"] { #expect(backward.contains("\(op) (backward)"), "\(backward)") }
        #expect(p.events.filter { $0.kind == .range && $0.name == "backward" }.count == 1)
        let mul = p.events.first { $0.name == "mul" }!
        #expect(mul.inputShapes.first == [3, 4])
        #expect(mul.bytes == 12 * 4)
        #expect(p.events.first { $0.name == "reshape" }!.bytes == 0)        // a view shares storage
        #expect(Set(p.events.map(\.threadID)).count == 1)
        #expect(!p.isRunning)
    }

    @Test func nothingIsRecordedOutsideTheScopeOrWithoutShapes() {
        let p = Profiler(recordShapes: false)
        let x = Tensor.ones([2])
        _ = x * 3
        p.start()
        _ = x * 3
        p.stop()
        _ = x * 3
        #expect(p.events.count == 1)
        #expect(p.events[0].inputShapes.isEmpty)
    }

    @Test func backwardEventsContainTheOpsTheyRunAndSelfTimeExcludesThem() {
        let p = ProfilerTests.profiledStep()
        let pass = p.events.first { $0.kind == .range && $0.name == "backward" }!
        for e in p.events where e.kind == .backward {
            #expect(e.start >= pass.start && e.end <= pass.end)
        }
        // tanh's backward runs tanh_backward: a child of "tanh (backward)".
        let node = p.events.first { $0.name == "tanh (backward)" }!
        let child = p.events.first { $0.name == "tanh_backward" }
        #expect(child.map { $0.start >= node.start && $0.end <= node.end } == true)
        let averages = p.keyAverages()
        let row = averages.rows.first { $0.name == "tanh (backward)" }!
        #expect(row.count == 1 && row.selfTime <= row.totalTime && row.memory >= 12 * 4 && row.selfMemory == 0)
        let passRow = averages.rows.first { $0.name == "backward" }!
        #expect(passRow.selfTime < passRow.totalTime)
        let rangeTime: UInt64 = p.events.filter { $0.kind == .range }.map(\.duration).reduce(0, +)
        let forwardTime: UInt64 = p.events.filter { $0.kind == .forward }.map(\.duration).reduce(0, +)
        #expect(averages.totalSelfTime <= rangeTime + forwardTime)
    }

    @Test func rangesNestAndTheTableHasPyTorchsColumns() {
        let p = Profiler()
        let x = Tensor.randn([8, 8], generator: Generator(seed: 2))
        p.profile {
            Profiler.record("step") { for _ in 0..<3 { _ = x.matmul(x) } }
        }
        let step = p.events.first { $0.name == "step" }!
        let mms = p.events.filter { $0.kind == .forward }
        #expect(mms.count == 3 && mms.allSatisfy { $0.start >= step.start && $0.end <= step.end })
        let averages = p.keyAverages()
        let mm = averages.rows.first { $0.kind == .forward }!
        #expect(mm.count == 3 && mm.selfMemory == 3 * 64 * 4)
        let table = averages.table(sortBy: .count, rowLimit: 5)
        for column in ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "CPU Mem", "Self CPU Mem", "# of Calls", "Self CPU time total:"] {
            #expect(table.contains(column), "\(column)")
        }
        #expect(table.contains("768 b"))
        let grouped = p.keyAverages(groupByInputShape: true).table()
        #expect(grouped.contains("Input Shapes") && grouped.contains("[[8, 8], [8, 8]]"))
        // Without a profiler, record only runs its body.
        #expect(Profiler.record("idle") { 7 } == 7)
    }

    @Test func chromeTraceRoundTripsThroughOurReaderAndJSONSerialization() throws {
        let p = ProfilerTests.profiledStep()
        let path = NSTemporaryDirectory() + "swiftgrad-trace-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try p.exportChromeTrace(to: path)
        let events = try ChromeTrace.read(path)
        #expect(events.count == p.events.count)
        #expect(Set(events.map(\.category)) == ["forward", "backward", "range"])
        #expect(events.allSatisfy { $0.timestamp >= 0 && $0.duration >= 0 && $0.threadID == p.events[0].threadID })
        #expect(events.first { $0.name == "mul" }?.inputShapes.first == [3, 4])
        #expect(events.first { $0.name == "mul" }?.bytes == 48)
        // The file is plain Trace Event Format: an object with traceEvents, metadata naming the threads.
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        let raw = object?["traceEvents"] as? [[String: Any]] ?? []
        #expect(raw.contains { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" })
        #expect(raw.filter { $0["ph"] as? String == "X" }.count == p.events.count)
    }

    @Test func traceReaderThrowsOnBadFiles() {
        for bad in ["", "{", "[1]", #"{"events": []}"#, #"{"traceEvents": [{"ph": "X", "name": "a"}]}"#,
                    #"{"traceEvents": [{"ph": "X", "name": "a", "ts": 0, "dur": 1, "pid": 1, "tid": 1, "args": {"Input Dims": [[1.5]]}}]}"#] {
            #expect(throws: ChromeTraceError.self, "\(bad)") { try ChromeTrace.decode(Array(bad.utf8)) }
        }
        #expect(throws: FileError.self) { try ChromeTrace.read("/nonexistent/trace.json") }
    }

    @Test func digitsCNNTraceAndEventDirectoryPassOurReaders() throws {
        // .ci/run runs the digits-cnn executable with --profile and --logdir and points this test at
        // its files; otherwise the test makes them with the same training function.
        var dir = ProcessInfo.processInfo.environment["SWIFTGRAD_CI_DIGITS_DIR"] ?? ""
        var made = false
        if dir.isEmpty {
            dir = try ExampleTests.temporaryFolder()
            made = true
            var options = DigitsCNNOptions()
            options.epochs = 1
            options.trainLimit = 64
            options.checkpoint = nil
            options.curves = nil
            options.logDir = dir + "/runs"
            options.profile = dir + "/trace.json"
            _ = try trainDigitsCNN(options, progress: ExampleTests.silent) { _ in }
        }
        defer { if made { try? FileManager.default.removeItem(atPath: dir) } }
        let events = try ChromeTrace.read(dir + "/trace.json")
        let names = Set(events.map(\.name))
        for name in ["conv2d", "conv2d (backward)", "max_pool2d", "addmm", "backward", "Optimizer.step", "DataLoader.next"] {
            #expect(names.contains(name) || names.contains { $0.hasPrefix(name) }, "no \(name) in \(names.sorted())")
        }
        #expect(events.contains { $0.category == "backward" } && events.contains { $0.category == "forward" })
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/runs").filter { $0.hasPrefix("events.out.tfevents.") }
        #expect(files.count == 1)
        let tags = Set(try TensorBoardEventFile.read(dir + "/runs/" + (files.first ?? "")).flatMap(\.values).map(\.tag))
        #expect(tags.isSuperset(of: ["loss/train", "accuracy/test", "lr", "test digits"]))
    }
}
