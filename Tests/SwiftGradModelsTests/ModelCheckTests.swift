import Foundation
import SwiftGrad
@testable import SwiftGradModels
import Testing

/// `model-check`'s library entry: the architecture from config.json (or `--arch` for torchvision
/// names), the tensor `input` in, `logits` out.
@Suite struct ModelCheckTests {
    @Test func writesTheLogitsOfALanguageModelDirectory() throws {
        let out = try Fixture.temporaryDirectory("check") + "/out.safetensors"
        try ModelCheck.run(model: Fixture.directory("qwen2"), input: Fixture.directory("qwen2") + "/io.safetensors", output: out)
        let written = try Safetensors.load(from: out)
        #expect(Array(written.keys) == ["logits"])
        // The fixture's input file holds a left-padding mask: transformers' masked logits at the real tokens.
        let io = try Fixture.io("qwen2")
        let real = io["attention_mask"]!.ne(0).unsqueeze(axis: -1).to(.float32)
        #expect(maxAbsDifference(written["logits"]! * real, io["logits_masked"]! * real) < 1e-4)
    }

    @Test func resnetByArchNameAndBertWithItsMask() throws {
        let tmp = try Fixture.temporaryDirectory("check")
        try ModelCheck.run(model: Fixture.directory("resnet18") + "/model.safetensors", input: Fixture.directory("resnet18") + "/io.safetensors",
                           output: tmp + "/r.safetensors", arch: "resnet18")
        #expect(maxAbsDifference(try Safetensors.load(from: tmp + "/r.safetensors")["logits"]!, try Fixture.io("resnet18")["logits"]!) < 1e-4)
        try ModelCheck.run(model: Fixture.directory("bert_cls"), input: Fixture.directory("bert_cls") + "/io.safetensors", output: tmp + "/b.safetensors")
        #expect(maxAbsDifference(try Safetensors.load(from: tmp + "/b.safetensors")["logits"]!, try Fixture.io("bert_cls")["logits"]!) < 1e-4)
    }

    @Test func wrongInputsThrow() throws {
        let tmp = try Fixture.temporaryDirectory("check")
        try Safetensors.save(["pixels": Tensor.zeros([1, 3, 16, 16])], to: tmp + "/in.safetensors")
        #expect(throws: SafetensorsError.self) {
            try ModelCheck.run(model: Fixture.directory("vit"), input: tmp + "/in.safetensors", output: tmp + "/o.safetensors")
        }
        try Safetensors.save(["input": Tensor.zeros([1, 4])], to: tmp + "/in.safetensors")
        #expect(throws: ModelLoadError.self) {
            try ModelCheck.run(model: Fixture.directory("gpt2"), input: tmp + "/in.safetensors", output: tmp + "/o.safetensors")
        }
        #expect(!FileManager.default.fileExists(atPath: tmp + "/o.safetensors"))
    }

    /// The `model-check` executable built next to the test bundle.
    static var executable: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("model-check").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("model-check").path
    }

    func runCommand(_ args: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = args
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func theCommandLineToolWritesLogitsAndReportsErrors() throws {
        let tmp = try Fixture.temporaryDirectory("cli")
        let dir = Fixture.directory("resnet50")
        let ok = try runCommand(["--model", dir, "--arch", "resnet50", "--input", dir + "/io.safetensors", "--output", tmp + "/out.safetensors"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(maxAbsDifference(try Safetensors.load(from: tmp + "/out.safetensors")["logits"]!, try Fixture.io("resnet50")["logits"]!) < 1e-4)
        let missing = try runCommand(["--model", tmp, "--input", dir + "/io.safetensors", "--output", tmp + "/o.safetensors"])
        #expect(missing.status == 1 && missing.stderr.contains("config.json"))
        let usage = try runCommand(["--model", dir])
        #expect(usage.status == 2 && usage.stderr.contains("usage: model-check"))
    }
}
