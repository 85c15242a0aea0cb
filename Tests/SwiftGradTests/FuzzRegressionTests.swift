import Foundation
import Testing
import SwiftGrad

/// The fuzz seed corpus (Fuzz/Corpus) runs through the readers in every test run: `valid-*` files
/// decode, `bad-*` files throw a typed error (never trap). Inputs that a fuzz run
/// (`.ci/fuzz.sh`) found are added to the corpus and, with what they must do, here.
@Suite struct FuzzRegressionTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Corpus")

    static func files(_ reader: String) -> [(name: String, bytes: [UInt8])] {
        let dir = corpus.appendingPathComponent(reader)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().compactMap { name in
            (try? Data(contentsOf: dir.appendingPathComponent(name))).map { (name, [UInt8]($0)) }
        }
    }

    /// Decodes with `decode`; checks valid files decode and bad ones throw.
    func check(_ reader: String, minimumFiles: Int, _ decode: ([UInt8]) throws -> Void) {
        let all = Self.files(reader)
        #expect(all.count >= minimumFiles, "seed corpus for \(reader) missing at \(Self.corpus.path)")
        for (name, bytes) in all {
            do {
                try decode(bytes)
                #expect(!name.hasPrefix("bad-"), "\(reader)/\(name) should have been rejected")
            } catch {
                #expect(!name.hasPrefix("valid-"), "\(reader)/\(name): \(error)")
            }
        }
    }

    @Test func safetensorsSeeds() {
        check("safetensors", minimumFiles: 10) { _ = try Safetensors.decode($0) }
    }

    @Test func checkpointSeeds() {
        check("checkpoint", minimumFiles: 5) { bytes in
            let ckpt = try Checkpoint.decode(bytes)
            let model = Sequential([Linear(3, 2), ReLU(), Linear(2, 1)])
            try ckpt.restore(model, from: "model")
            let opt = Adam(model.namedParameters())
            if ckpt.components["optimizer"] != nil { try ckpt.restore(opt, from: "optimizer") }
            if ckpt.components["generator"] != nil { try ckpt.restore(Generator(), from: "generator") }
            if ckpt.components["scheduler"] != nil { try ckpt.restore(StepLR(opt, stepSize: 2), from: "scheduler") }
        }
    }

    /// Found by the checkpoint fuzzer: an optimizer state key with no dot after "state." trapped
    /// ("Range requires lowerBound <= upperBound") instead of being reported as unexpected.
    @Test func optimizerStateKeyWithoutADot() {
        let opt = SGD([Tensor.zeros([2]).requiringGrad()], lr: 0.1)
        var state = opt.stateDict()
        state["state.__metadata__vg_sq"] = Tensor.zeros([2])
        #expect(throws: StateDictError.unexpectedKeys(["state.__metadata__vg_sq"])) { try opt.loadStateDict(state) }
    }

    /// Int(_:) traps on NaN, inf and huge values; a corrupted step count or epoch must throw instead.
    @Test func nonIntegerCountsThrow() {
        let p = Tensor.zeros([2]).requiringGrad()
        let opt = Adam([p])
        p.grad = Tensor.ones([2])
        opt.step()
        for bad in [1e300, .nan, .infinity, 2.5] {
            var state = opt.stateDict()
            state["state.0.step"] = Tensor(bad, dtype: .float64)
            #expect(throws: StateDictError.self) { try opt.loadStateDict(state) }
            let sched = StepLR(opt, stepSize: 2)
            var s = sched.stateDict()
            s["last_epoch"] = Tensor(bad, dtype: .float64)
            #expect(throws: StateDictError.self) { try sched.loadStateDict(s) }
            #expect(sched.stateDict()["last_epoch"]?.item() == 0, "nothing changes on failure")
        }
    }

    @Test func idxSeeds() {
        check("idx", minimumFiles: 10) { _ = try IDX.decode($0).tensor() }
    }

    /// The first byte is the fuzz target's control byte (label column, header mode, separator, label dtype).
    @Test func csvSeeds() {
        check("csv", minimumFiles: 10) { bytes in
            guard let control = bytes.first else { throw CSVError.empty(path: "<empty>") }
            let separators: [Character] = [",", ";", "\t", " "]
            let column: CSVColumn = control & 0x80 != 0 ? .name("label") : .index(Int(control & 0x07) - 4)
            let header: Bool? = [nil, true, false][Int(control >> 3 & 0x03) % 3]
            _ = try CSV.parse(String(decoding: bytes.dropFirst(), as: UTF8.self), labelColumn: column, hasHeader: header,
                              separator: separators[Int(control >> 5 & 0x03)],
                              labelDType: control & 0x40 != 0 ? .float64 : .int64)
        }
    }
}
