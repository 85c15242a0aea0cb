// Runs ddp-selftest under mpirun (2 and 3 processes) and checks what it reports. Skips, with a
// message, when Open MPI's mpirun is not installed.

import Foundation
import Testing

/// Where mpirun is, if installed.
let mpirunPath: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// An executable of this package built next to this test bundle (`ddp-selftest`, `digits-ddp`).
func executablePath(_ name: String) -> String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = bundle.deletingLastPathComponent()
    // The test binary lives in `<build dir>/SwiftGradPackageTests.xctest` (or inside it on some layouts).
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path) && dir.path != "/" {
        dir = dir.deletingLastPathComponent()
    }
    return dir.appendingPathComponent(name).path
}

struct Run {
    var status: Int32
    var output: String
    var timedOut: Bool
}

/// Runs `program args` (default ddp-selftest) on `ranks` processes, killing the job after `timeout` seconds.
func mpirun(_ ranks: Int, _ args: [String] = [], program: String = "ddp-selftest", timeout: Double = 120) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: mpirunPath!)
    process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", executablePath(program)] + args
    var env = ProcessInfo.processInfo.environment
    env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"   // containers forbid cross-process memory access
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["SWIFTGRAD_MPI_EXIT_TIMEOUT"] = "3"                     // a rank that leaves early aborts after 3 s
    process.environment = env
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-selftest-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    let timedOut = process.isRunning
    if timedOut { process.terminate(); process.waitUntilExit() }
    try handle.close()
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(at: log)
    return Run(status: timedOut ? -1 : process.terminationStatus, output: output, timedOut: timedOut)
}

@Suite(.serialized) struct DistributedTests {
    @Test(.enabled(if: mpirunPath != nil, "mpirun is not installed (apt-get install -y libopenmpi-dev openmpi-bin): MPI tests skipped"),
          arguments: [1, 2, 3])
    func selftestPassesOnRanks(_ ranks: Int) throws {
        let run = try mpirun(ranks)
        #expect(!run.timedOut, "ddp-selftest on \(ranks) ranks hung:\n\(run.output)")
        #expect(run.status == 0, "ddp-selftest on \(ranks) ranks failed:\n\(run.output)")
        #expect(!run.output.contains(" FAIL "), "\(run.output)")
        #expect(run.output.contains("selftest: \(ranks) ranks done"), "\(run.output)")
        // Every check ran on every rank.
        let passes = run.output.split(separator: "\n").filter { $0.contains(" PASS ") }
        #expect(passes.count >= ranks * 68, "only \(passes.count) checks passed:\n\(run.output)")
        for check in ["allReduce sum float32", "allReduce mean float64", "allReduce max float32", "broadcast float64",
                      "allGather float32", "DDP 5 steps", "DDP shared weights 5 steps", "DDP float64 5 steps", "bucket all-reduces start while backward runs",
                      "SyncBatchNorm input gradient", "sampler count 11 dropLast true", "onMainRank"] {
            #expect(run.output.contains("rank \(ranks - 1) PASS \(check)"), "missing check '\(check)':\n\(run.output)")
        }
    }

    @Test(.enabled(if: mpirunPath != nil, "mpirun is not installed: MPI tests skipped"))
    func mismatchedShapesStopTheJobNamingRanksAndTensor() throws {
        let run = try mpirun(2, ["mismatch"], timeout: 60)
        #expect(!run.timedOut, "a shape mismatch hung the job:\n\(run.output)")
        #expect(run.status != 0)
        #expect(run.output.contains("'fc.weight'"), "\(run.output)")
        #expect(run.output.contains("rank 0 has [3, 4] float32, rank 1 has [3, 5] float32"), "\(run.output)")
        #expect(!run.output.contains("UNREACHABLE"))
    }

    @Test(.enabled(if: mpirunPath != nil, "mpirun is not installed: MPI tests skipped"))
    func mismatchedModelsStopTheJobNamingTheParameter() throws {
        let run = try mpirun(2, ["mismatch-ddp"], timeout: 60)
        #expect(!run.timedOut, "a model mismatch hung the job:\n\(run.output)")
        #expect(run.status != 0)
        #expect(run.output.contains("'0.weight'") && run.output.contains("rank 1 has [6, 4] float32"), "\(run.output)")
        #expect(!run.output.contains("UNREACHABLE"))
    }

    @Test(.enabled(if: mpirunPath != nil, "mpirun is not installed: MPI tests skipped"))
    func aRankThatDiesEndsTheJob() throws {
        let run = try mpirun(2, ["die"], timeout: 60)
        #expect(!run.timedOut, "a dead rank hung the job:\n\(run.output)")
        #expect(run.status != 0)
        #expect(run.output.contains("rank 1 exiting on purpose"), "\(run.output)")
        #expect(run.output.contains("rank 1: this process is exiting but other ranks have not finished"), "\(run.output)")
        #expect(!run.output.contains("UNREACHABLE"))
    }

    /// The example end to end, shortened: 2 ranks, checkpoint by rank 0, resume on both ranks.
    @Test(.enabled(if: mpirunPath != nil, "mpirun is not installed: MPI tests skipped"))
    func digitsExampleTrainsCheckpointsAndResumes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("digits-ddp-\(UUID().uuidString).ckpt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try mpirun(2, ["--epochs", "2", "--checkpoint", path], program: "digits-ddp", timeout: 300)
        #expect(first.status == 0, "\(first.output)")
        #expect(FileManager.default.fileExists(atPath: path))
        let resumed = try mpirun(2, ["--epochs", "3", "--resume", path, "--sync-bn"], program: "digits-ddp", timeout: 300)
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resumed from \(path) at epoch 2"), "\(resumed.output)")
        let line = resumed.output.split(separator: "\n").first { $0.hasPrefix("test accuracy: ") }
        let accuracy = line.flatMap { Double($0.dropFirst("test accuracy: ".count).dropLast()) } ?? 0
        #expect(accuracy >= 90, "\(resumed.output)")
    }
}
