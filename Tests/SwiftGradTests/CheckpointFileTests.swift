import Foundation
import Testing
@testable import SwiftGrad

/// Checkpoint files as files: optimizer states missing buffers, the all-zero generator state,
/// permission bits, long names, symbolic links, temporary files of killed saves, the checksum.
@Suite struct CheckpointFileTests {
    static func mode(_ path: String) -> mode_t {
        var st = stat()
        _ = stat(path, &st)
        return st.st_mode & 0o7777
    }

    static func folderContents(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    // MARK: State

    @Test func optimizerStateMissingABufferItNeedsIsAnError() throws {
        let w = Tensor([1, 2, 3], dtype: .float64).requiringGrad()
        func stepped(_ opt: Optimizer) -> [String: Tensor] {
            w.grad = Tensor([0.5, -1, 2], dtype: .float64)
            opt.step()
            return opt.stateDict()
        }
        let cases: [(Optimizer, () -> Optimizer, String)] = [
            (Adam([("w", w)]), { Adam([("w", w)]) }, "exp_avg"),
            (Adam([("w", w)]), { Adam([("w", w)]) }, "exp_avg_sq"),
            (Adam([("w", w)], amsgrad: true), { Adam([("w", w)]) }, "max_exp_avg_sq"),
            (AdamW([("w", w)]), { AdamW([("w", w)]) }, "exp_avg"),
            (SGD([("w", w)], lr: 0.1, momentum: 0.9), { SGD([("w", w)], lr: 0.1, momentum: 0.9) }, "momentum_buffer"),
            (RMSprop([("w", w)], momentum: 0.5, centered: true), { RMSprop([("w", w)]) }, "grad_avg"),
            (RMSprop([("w", w)], momentum: 0.5), { RMSprop([("w", w)]) }, "momentum_buffer"),
            (NAdam([("w", w)]), { NAdam([("w", w)]) }, "mu_product"),
            (RAdam([("w", w)]), { RAdam([("w", w)]) }, "exp_avg_sq"),
            (Adagrad([("w", w)]), { Adagrad([("w", w)]) }, "sum"),
            (Adadelta([("w", w)]), { Adadelta([("w", w)]) }, "acc_delta"),
        ]
        for (source, fresh, buffer) in cases {
            var state = stepped(source)
            try fresh().loadStateDict(state)   // complete: loads (the loaded options decide what is needed)
            state["state.w." + buffer] = nil
            #expect(throws: StateDictError.missingKeys(["state.w." + buffer]), "\(source.kind) without \(buffer)") {
                try fresh().loadStateDict(state)
            }
        }
        // SGD without momentum keeps no buffer, and needs none.
        try SGD([("w", w)], lr: 0.1).loadStateDict(stepped(SGD([("w", w)], lr: 0.1)))
        // Through a checkpoint the error names the component.
        let dir = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var ckpt = Checkpoint()
        var state = stepped(Adam([("w", w)]))
        state["state.w.exp_avg"] = nil
        ckpt.store(state, as: "optimizer")
        try ckpt.save(to: dir + "/a.ckpt")
        #expect(throws: CheckpointError.component(name: "optimizer", error: .missingKeys(["state.w.exp_avg"]))) {
            try Checkpoint.restore(from: dir + "/a.ckpt", into: ["optimizer": Adam([("w", w)])])
        }
    }

    @Test func allZeroGeneratorStateIsRefused() throws {
        let g = Generator(seed: 3)
        let before = g.getState()
        let zero = ["state": Tensor([0, 0, 0, 0] as [Int64], shape: [4]), "seed": Tensor([Int64(0)], shape: [])]
        #expect { try g.loadStateDict(zero) } throws: { e in
            if case .invalidValue(let key, let reason)? = e as? StateDictError { key == "state" && reason.contains("all zero") } else { false }
        }
        #expect(g.getState() == before)
        // From a checkpoint file.
        let dir = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var ckpt = Checkpoint()
        ckpt.store(zero, as: "generator")
        try ckpt.save(to: dir + "/g.ckpt")
        #expect { try Checkpoint.restore(from: dir + "/g.ckpt", into: ["generator": g]) } throws: { e in
            if case .component("generator", .invalidValue)? = e as? CheckpointError { true } else { false }
        }
        #expect(g.getState() == before)
        // Any other state, even a single non-zero bit, is a valid xoshiro state.
        g.setState([0, 0, 0, 1])
        _ = g.nextUniform()
    }

    @Test func setStateOfAllZeroStopsWithAMessage() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Generator(seed: 1).setState([0, 0, 0, 0])
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("Generator.setState") && text.contains("all zero"), "\(text)")
    }

    // MARK: Files

    @Test func savingOverAFileKeepsItsPermissionBits() throws {
        let dir = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/run.ckpt"
        for mode: mode_t in [0o600, 0o640, 0o604] {
            try Checkpoint.save(to: path, epoch: 0, step: 0, ["model": TinyModel(seed: 1)])
            chmod(path, mode)
            try Checkpoint.save(to: path, epoch: 1, step: 1, ["model": TinyModel(seed: 2)])
            #expect(CheckpointFileTests.mode(path) == mode)
            try TinyModel(seed: 3).saveWeights(to: path)
            #expect(CheckpointFileTests.mode(path) == mode)
            try FileManager.default.removeItem(atPath: path)
        }
    }

    @Test func temporaryNamesFitForAnyLegalFileName() throws {
        let dir = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 255 bytes: the longest name Linux allows, in ASCII and in two-byte characters.
        let names = [String(repeating: "a", count: 250) + ".ckpt", String(repeating: "é", count: 125) + ".ckpt"]
        for name in names {
            #expect(name.utf8.count == 255)
            try Checkpoint.save(to: dir + "/" + name, epoch: 1, step: 2, ["model": TinyModel(seed: 1)])
            try Checkpoint.save(to: dir + "/" + name, epoch: 3, step: 4, ["model": TinyModel(seed: 1)])
            #expect(try Checkpoint.load(from: dir + "/" + name).epoch == 3)
            let temporary = "." + AtomicFile.temporaryStem(name) + AtomicFile.temporaryMarker + "\(Int32.max)-\(UInt32.max)"
            #expect(temporary.utf8.count <= 255)
        }
        #expect(CheckpointFileTests.folderContents(dir) == names.sorted())
        // Different long names get different stems.
        #expect(AtomicFile.temporaryStem(names[0]) != AtomicFile.temporaryStem(String(repeating: "a", count: 249) + "b.ckpt"))
    }

    @Test func temporaryFilesOfKilledSavesAreRemovedByTheNextSave() throws {
        let dir = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dead = Int32.max - 1   // above any pid_max: no such process
        let hourAgo = Date(timeIntervalSinceNow: -3600)
        func leftover(_ name: String, modified: Date = hourAgo) {
            writeBytes([1, 2, 3], dir + "/" + name)
            try? FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: dir + "/" + name)
        }
        let long = String(repeating: "z", count: 240) + ".ckpt"
        leftover(".run.ckpt.tmp-\(dead)-12345")                        // a killed save: removed
        leftover(".run.ckpt.tmp-\(dead)-777")                          // another: removed
        leftover("." + AtomicFile.temporaryStem(long) + ".tmp-\(dead)-1")   // of the long name: removed by its save
        leftover(".run.ckpt.tmp-\(getpid())-5")                        // this process's own: kept
        leftover(".run.ckpt.tmp-1-6")                                  // a running process's (pid 1): kept
        leftover(".run.ckpt.tmp-\(dead)-8", modified: Date(timeIntervalSinceNow: 3600))  // newer than the save: kept
        leftover(".other.ckpt.tmp-\(dead)-9")                          // another target's: kept
        leftover(".run.ckpt.tmp-x-10")                                 // not our pattern: kept
        try Checkpoint.save(to: dir + "/run.ckpt", epoch: 0, step: 0, ["model": TinyModel(seed: 1)])
        try Checkpoint.save(to: dir + "/" + long, epoch: 0, step: 0, ["model": TinyModel(seed: 1)])
        #expect(CheckpointFileTests.folderContents(dir) == [
            ".other.ckpt.tmp-\(dead)-9", ".run.ckpt.tmp-\(dead)-8", ".run.ckpt.tmp-1-6", ".run.ckpt.tmp-\(getpid())-5",
            ".run.ckpt.tmp-x-10", long, "run.ckpt",
        ].sorted())
    }

    @Test func savingThroughASymbolicLinkWritesItsTarget() throws {
        let dir = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/runs", withIntermediateDirectories: false)
        try Checkpoint.save(to: dir + "/runs/real.ckpt", epoch: 1, step: 1, ["model": TinyModel(seed: 1)])
        chmod(dir + "/runs/real.ckpt", 0o640)
        // latest.ckpt -> runs/real.ckpt (relative), and a second link to the first.
        try FileManager.default.createSymbolicLink(atPath: dir + "/latest.ckpt", withDestinationPath: "runs/real.ckpt")
        try FileManager.default.createSymbolicLink(atPath: dir + "/current.ckpt", withDestinationPath: dir + "/latest.ckpt")
        try Checkpoint.save(to: dir + "/current.ckpt", epoch: 7, step: 7, ["model": TinyModel(seed: 2)])
        let fm = FileManager.default
        #expect(try fm.destinationOfSymbolicLink(atPath: dir + "/latest.ckpt") == "runs/real.ckpt")
        #expect(try fm.destinationOfSymbolicLink(atPath: dir + "/current.ckpt") == dir + "/latest.ckpt")
        #expect(try Checkpoint.load(from: dir + "/runs/real.ckpt").epoch == 7)
        #expect(CheckpointFileTests.mode(dir + "/runs/real.ckpt") == 0o640)
        #expect(CheckpointFileTests.folderContents(dir + "/runs") == ["real.ckpt"])
        // A dangling link: the save creates the file it points to.
        try fm.createSymbolicLink(atPath: dir + "/next.ckpt", withDestinationPath: "runs/next.ckpt")
        try Checkpoint.save(to: dir + "/next.ckpt", epoch: 8, step: 8, ["model": TinyModel(seed: 2)])
        #expect(try fm.destinationOfSymbolicLink(atPath: dir + "/next.ckpt") == "runs/next.ckpt")
        #expect(try Checkpoint.load(from: dir + "/runs/next.ckpt").epoch == 8)
        // A loop of links is an error, not a hang.
        try fm.createSymbolicLink(atPath: dir + "/loop1", withDestinationPath: "loop2")
        try fm.createSymbolicLink(atPath: dir + "/loop2", withDestinationPath: "loop1")
        #expect(throws: FileError.self) { try Checkpoint.save(to: dir + "/loop1", epoch: 0, step: 0, [:]) }
    }

    @Test func flippedDataByteIsReportedByTheChecksum() throws {
        let dir = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = Linear(3, 2)
        let opt = Adam(model.namedParameters())
        try Checkpoint.save(to: dir + "/c.ckpt", epoch: 1, step: 2, ["model": model, "optimizer": opt, "generator": Generator(seed: 5)])
        let file = try Safetensors.read(from: dir + "/c.ckpt")
        #expect(file.checksum != nil && file.metadata["swiftgrad.crc32"] == nil)
        let good = try AtomicFile.read(dir + "/c.ckpt")
        // Every byte of the data section, flipped one at a time (the data starts after the header).
        var headerLength = 0
        for k in 0..<8 { headerLength |= Int(good[k]) << (8 * k) }
        for at in stride(from: 8 + headerLength, to: good.count, by: 7) {
            var bad = good
            bad[at] ^= 0x10
            writeBytes(bad, dir + "/bad.ckpt")
            #expect { _ = try Checkpoint.load(from: dir + "/bad.ckpt") } throws: { e in
                if case .checksumMismatch? = e as? SafetensorsError { true } else { false }
            }
            #expect { _ = try Checkpoint.decode(bad) } throws: { e in
                if case .checksumMismatch? = e as? SafetensorsError { true } else { false }
            }
        }
        // Weights files carry it too; a file written without one (e.g. by Python) loads as before.
        try model.saveWeights(to: dir + "/w.safetensors")
        var w = try AtomicFile.read(dir + "/w.safetensors")
        w[w.count - 1] ^= 1
        writeBytes(w, dir + "/w.safetensors")
        #expect { try model.loadWeights(from: dir + "/w.safetensors") } throws: { e in
            if case .checksumMismatch? = e as? SafetensorsError { true } else { false }
        }
        try Safetensors.save(model.stateDict(), to: dir + "/plain.safetensors", checksum: false)
        #expect(try Safetensors.read(from: dir + "/plain.safetensors").checksum == nil)
        try model.loadWeights(from: dir + "/plain.safetensors")
        // A malformed checksum field is a header error.
        let header = #"{"__metadata__":{"swiftgrad.crc32":"xyz"},"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        #expect { _ = try Safetensors.decode(SafetensorsTests.file(header, [1])) } throws: { e in
            if case .invalidHeader? = e as? SafetensorsError { true } else { false }
        }
    }
}
