import Foundation
import Testing
import SwiftGrad

/// A process killed (SIGKILL, no clean-up) at a random moment while it writes checkpoints over and
/// over always leaves the last completed checkpoint loadable and consistent, and the next save
/// removes the temporary file it left.
@Suite struct InterruptedSaveTests {
    /// Writes a checkpoint whose every value encodes `step`, so a torn file would be visible.
    static func save(step: Int, to path: String) throws {
        let model = Sequential(Linear(256, 256), Tanh(), Linear(256, 8))
        withNoGrad { for p in model.parameters() { p.fill(Double(step)) } }
        let g = Generator(seed: UInt64(step))
        try Checkpoint.save(to: path, epoch: step, step: step, ["model": model, "generator": g],
                            metadata: ["note": String(repeating: "x", count: step % 97)])
    }

    @Test(arguments: 0..<10)
    func killedWhileSavingLeavesTheLastGoodCheckpoint(_ round: Int) async throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("swiftgrad-kill-\(getpid())-\(round)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/run.ckpt"
        try Self.save(step: 0, to: path)
        let delayMicroseconds = UInt32(2_000 + round * 61_000)   // 2 ms ... 0.55 s: before, during and between saves

        await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String, delayMicroseconds = delayMicroseconds as UInt32] in
            // The killer: SIGKILL from another thread after the delay, wherever the saver is.
            let killer = Thread {
                usleep(delayMicroseconds)
                kill(getpid(), SIGKILL)
            }
            killer.start()
            var step = 1
            while true {
                try? InterruptedSaveTests.save(step: step, to: path)
                step += 1
            }
        }

        let ckpt = try Checkpoint.load(from: path)
        #expect(ckpt.step == ckpt.epoch)
        let model = Sequential(Linear(256, 256), Tanh(), Linear(256, 8))
        try ckpt.restore(model, from: "model")
        let expected = Double(ckpt.step)
        #expect(model.parameters().allSatisfy { p in p.doubles.allSatisfy { $0 == expected } },
                "round \(round): checkpoint of step \(ckpt.step) holds other values")
        #expect(ckpt.metadata["note"]?.count == ckpt.step % 97)
        let g = Generator(seed: 99)
        try ckpt.restore(g, from: "generator")
        #expect(g.getState() == Generator(seed: UInt64(ckpt.step)).getState())
        // The next save removes the temporary file the killed process may have left.
        try Self.save(step: 0, to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["run.ckpt"])
    }
}
