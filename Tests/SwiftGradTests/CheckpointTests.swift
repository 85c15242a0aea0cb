import Foundation
import Testing
@testable import SwiftGrad

/// A stand-in model: one weight matrix, restored by name with the usual checks.
final class TinyModel: StateDictConvertible {
    var weight: Tensor
    init(seed: UInt64) { weight = Tensor.randn([4, 3], dtype: .float64, generator: Generator(seed: seed)) }
    func stateDict() -> [String: Tensor] { ["fc.weight": weight] }
    func loadStateDict(_ state: [String: Tensor]) throws {
        let extra = Set(state.keys).subtracting(["fc.weight"])
        guard extra.isEmpty else { throw StateDictError.unexpectedKeys(Array(extra)) }
        guard let w = state["fc.weight"] else { throw StateDictError.missingKeys(["fc.weight"]) }
        guard w.shape == weight.shape else { throw StateDictError.shapeMismatch(key: "fc.weight", expected: weight.shape, got: w.shape) }
        weight = w.copy()
    }
}

/// A stand-in optimizer with state: momentum buffer and step count.
final class TinyMomentum: StateDictConvertible {
    var velocity = Tensor.zeros([4, 3], dtype: .float64)
    var steps = 0
    func stateDict() -> [String: Tensor] { ["state.velocity": velocity, "step": Tensor([Int64(steps)], shape: [])] }
    func loadStateDict(_ state: [String: Tensor]) throws {
        guard let v = state["state.velocity"], let s = state["step"] else { throw StateDictError.missingKeys(["state.velocity", "step"]) }
        velocity = v.copy()
        steps = Int(s.item())
    }
    /// One noisy step: the noise comes from `g`, so resuming must restore the generator too.
    func step(_ m: TinyModel, _ g: Generator) {
        let grad = m.weight * 0.1 + Tensor.randn([4, 3], dtype: .float64, generator: g)
        velocity = velocity * 0.9 + grad
        m.weight = m.weight - velocity * 0.01
        steps += 1
    }
}

struct Interrupted: Error {}

@Suite struct CheckpointTests {
    @Test func saveAndLoadEverything() throws {
        let dir = makeTemporaryFolder()
        let model = TinyModel(seed: 1), opt = TinyMomentum(), g = Generator(seed: 9)
        for _ in 0..<3 { opt.step(model, g) }
        try Checkpoint.save(to: dir + "/c.ckpt", epoch: 2, step: 3, ["model": model, "optimizer": opt, "generator": g],
                            metadata: ["run": "test", "swiftgrad.epoch": "ignored"])
        let ckpt = try Checkpoint.load(from: dir + "/c.ckpt")
        #expect(ckpt.epoch == 2 && ckpt.step == 3 && ckpt.metadata == ["run": "test"])
        #expect(Set(ckpt.components.keys) == ["model", "optimizer", "generator"])
        #expect(try ckpt.state("model")["fc.weight"]!.doubles == model.weight.doubles)
        let model2 = TinyModel(seed: 2), opt2 = TinyMomentum(), g2 = Generator(seed: 0)
        try Checkpoint.restore(from: dir + "/c.ckpt", into: ["model": model2, "optimizer": opt2, "generator": g2])
        #expect(model2.weight.doubles == model.weight.doubles && opt2.velocity.doubles == opt.velocity.doubles && opt2.steps == 3)
        #expect(g2.getState() == g.getState())
    }

    @Test func resumingReproducesAnUninterruptedRunBitwise() throws {
        let dir = makeTemporaryFolder()
        // Straight: 10 steps.
        let m = TinyModel(seed: 4), o = TinyMomentum(), g = Generator(seed: 21)
        for _ in 0..<10 { o.step(m, g) }
        // Interrupted: 5 steps, save, fresh objects, restore, 5 more.
        let m1 = TinyModel(seed: 4), o1 = TinyMomentum(), g1 = Generator(seed: 21)
        for _ in 0..<5 { o1.step(m1, g1) }
        try Checkpoint.save(to: dir + "/half.ckpt", epoch: 0, step: 5, ["model": m1, "optimizer": o1, "generator": g1])
        let m2 = TinyModel(seed: 99), o2 = TinyMomentum(), g2 = Generator(seed: 0)
        let ckpt = try Checkpoint.restore(from: dir + "/half.ckpt", into: ["model": m2, "optimizer": o2, "generator": g2])
        for _ in ckpt.step ..< 10 { o2.step(m2, g2) }
        #expect(m2.weight.doubles == m.weight.doubles)
        #expect(o2.velocity.doubles == o.velocity.doubles && o2.steps == 10)
    }

    @Test(arguments: SaveStage.allCases)
    func interruptedSaveKeepsThePreviousCheckpoint(at stage: SaveStage) throws {
        let dir = makeTemporaryFolder(), path = dir + "/run.ckpt"
        let model = TinyModel(seed: 1)
        try Checkpoint.save(to: path, epoch: 1, step: 100, ["model": model])
        let first = model.weight.doubles
        model.weight = model.weight + 1
        #expect(throws: Interrupted.self) {
            try AtomicFile.$interruption.withValue({ if $0 == stage { throw Interrupted() } }) {
                try Checkpoint.save(to: path, epoch: 2, step: 200, ["model": model])
            }
        }
        // Whatever the point of interruption, the file at `path` is one complete checkpoint.
        let loaded = try Checkpoint.load(from: path)
        let weights = try loaded.state("model")["fc.weight"]!.doubles
        if stage == .renamed {
            #expect(loaded.epoch == 2 && weights == model.weight.doubles)
        } else {
            #expect(loaded.epoch == 1 && weights == first)
        }
        // A later save works even with the abandoned temporary file next to it.
        try Checkpoint.save(to: path, epoch: 3, step: 300, ["model": model])
        #expect(try Checkpoint.load(from: path).epoch == 3)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(names.filter { !$0.hasPrefix(".run.ckpt.tmp-") } == ["run.ckpt"])
    }

    @Test func failedSaveLeavesNoTemporaryFile() throws {
        let dir = makeTemporaryFolder()
        #expect(throws: FileError.self) { try Checkpoint.save(to: dir + "/missing-folder/x.ckpt", epoch: 0, step: 0, [:]) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func errorsNameWhatIsWrong() throws {
        let dir = makeTemporaryFolder()
        try Checkpoint.save(to: dir + "/c.ckpt", epoch: 0, step: 0, ["model": TinyModel(seed: 1)])
        #expect(throws: CheckpointError.missingComponent(name: "optimizer", available: ["model"])) {
            try Checkpoint.restore(from: dir + "/c.ckpt", into: ["model": TinyModel(seed: 2), "optimizer": TinyMomentum()])
        }
        // A component whose keys do not fit the object.
        var wrong = Checkpoint()
        wrong.store(["fc.weight": Tensor.zeros([2, 2], dtype: .float64)], as: "model")
        try wrong.save(to: dir + "/wrong.ckpt")
        #expect(throws: CheckpointError.component(name: "model", error: .shapeMismatch(key: "fc.weight", expected: [4, 3], got: [2, 2]))) {
            try Checkpoint.restore(from: dir + "/wrong.ckpt", into: ["model": TinyModel(seed: 1)])
        }
        // A plain safetensors file is not a checkpoint; a cut-off checkpoint is a format error.
        try Safetensors.save(["w": Tensor.zeros([2])], to: dir + "/plain.safetensors")
        #expect(throws: CheckpointError.notACheckpoint(path: dir + "/plain.safetensors")) { try Checkpoint.load(from: dir + "/plain.safetensors") }
        let bytes = try AtomicFile.read(dir + "/c.ckpt")
        writeBytes(Array(bytes.prefix(bytes.count - 5)), dir + "/cut.ckpt")
        #expect(throws: SafetensorsError.self) { try Checkpoint.load(from: dir + "/cut.ckpt") }
    }

    @Test func inMemorySnapshotIsACopyAndEmptyComponentsSurvive() throws {
        let dir = makeTemporaryFolder()
        let model = TinyModel(seed: 1)
        var best = Checkpoint(epoch: 4)
        best.store(model, as: "model")
        best.store([:], as: "empty")
        model.weight += 1   // training goes on in place
        #expect(try best.state("model")["fc.weight"]!.doubles != model.weight.doubles)
        try best.save(to: dir + "/best.ckpt")
        let back = try Checkpoint.load(from: dir + "/best.ckpt")
        let empty = try back.state("empty")
        #expect(back.epoch == 4 && empty.isEmpty)
    }
}
