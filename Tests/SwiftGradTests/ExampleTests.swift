import Testing
import Foundation
import SwiftGrad
import ExampleKit

/// The examples' core logic (Examples/ExampleKit), run with tiny settings: the digits-cnn loop and its
/// bitwise resume, digits-mlp, xor, mnist on fake IDX files and its help text, and pytorch-weights'
/// LeNet, resizing and bundled files.
@Suite struct ExampleTests {
    static var silent: ProgressOutput { ProgressOutput(isTerminal: false) { _ in } }

    static func temporaryFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("examples-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func digitsCNNTrainsCheckpointsAndResumesBitwise() throws {
        let dir = try ExampleTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = DigitsCNNOptions()
        options.epochs = 2
        options.trainLimit = 256
        options.checkpoint = nil
        options.curves = nil
        let straight = try trainDigitsCNN(options, progress: ExampleTests.silent) { _ in }
        #expect(straight.model.parameterCount == 38_282)
        #expect(straight.history.count == 2 && straight.epochs == 2)
        #expect(straight.testAccuracy > 0.5, "\(straight.testAccuracy)")

        // One epoch with a checkpoint and curves, then --resume up to two.
        options.epochs = 1
        options.checkpoint = dir + "/digits.ckpt"
        options.curves = dir + "/curves.svg"
        var lines: [String] = []
        _ = try trainDigitsCNN(options, progress: ExampleTests.silent) { lines.append($0) }
        #expect(lines.last?.hasPrefix("epoch 1/1") == true)
        options.epochs = 2
        options.resume = true
        lines = []
        let resumed = try trainDigitsCNN(options, progress: ExampleTests.silent) { lines.append($0) }
        #expect(lines.first?.hasPrefix("resumed from") == true && lines.last?.hasPrefix("epoch 2/2") == true)
        #expect(resumed.history.count == 2)
        for ((name, a), (_, b)) in zip(straight.model.namedParameters(), resumed.model.namedParameters()) {
            #expect(a.scalars == b.scalars, "\(name) differs after resume")
        }
        #expect(resumed.testAccuracy == straight.testAccuracy)
        let svg = try String(contentsOfFile: dir + "/curves.svg", encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("test_accuracy"))

        options.checkpoint = dir + "/missing.ckpt"
        #expect(throws: ExampleError.self) { try trainDigitsCNN(options, progress: ExampleTests.silent) { _ in } }
    }

    @Test func digitsCNNWritesATensorBoardLogThatOurReaderReads() throws {
        let dir = try ExampleTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = DigitsCNNOptions()
        options.epochs = 1
        options.trainLimit = 64
        options.checkpoint = nil
        options.curves = nil
        options.logDir = dir + "/runs"
        let result = try trainDigitsCNN(options, progress: ExampleTests.silent) { _ in }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/runs").filter { $0.hasPrefix("events.out.tfevents.") }
        #expect(files.count == 1)
        let values = try TensorBoardEventFile.read(dir + "/runs/" + files[0]).flatMap(\.values)
        let tags = Set(values.map(\.tag))
        for tag in ["loss/train", "loss/test", "accuracy/test", "lr", "test digits", "predictions/text_summary"] {
            #expect(tags.contains(tag), "missing \(tag)")
        }
        let histograms = values.filter { if case .histogram = $0.kind { return true }; return false }
        #expect(histograms.count == result.model.namedParameters().count)
        let accuracy = values.first { $0.tag == "accuracy/test" }
        #expect(accuracy?.kind == .scalar(Double(Float(result.testAccuracy))))
        guard case .image(let width, let height, _, let png)? = values.first(where: { $0.tag == "test digits" })?.kind else {
            Issue.record("no image"); return
        }
        // 16 digits of 8×8, 8 per row, 2 pixels of padding: 82 × 22, RGB.
        let image = try PNGImage(decoding: png)
        #expect(width == 82 && height == 22 && image.width == 82 && image.height == 22 && image.channels == 3)
        let hparams = try FileManager.default.contentsOfDirectory(atPath: dir + "/runs/hparams")
        let hparamTags = try TensorBoardEventFile.read(dir + "/runs/hparams/" + hparams[0]).flatMap(\.values).map(\.tag)
        #expect(hparamTags.contains("_hparams_/experiment") && hparamTags.contains("hparam/test_accuracy"))
    }

    @Test func digitsMLPAndXORLearn() throws {
        var options = DigitsMLPOptions()
        options.epochs = 3
        let accuracy = try trainDigitsMLP(options, progress: ExampleTests.silent) { _ in }
        #expect(accuracy > 0.85, "\(accuracy)")

        let xor = trainXOR(steps: 300, lr: 0.05, hidden: 8, seed: 0)
        let targets = xorData().targets.doubles
        #expect(zip(xor.probabilities, targets).allSatisfy { abs($0 - $1) < 0.2 }, "\(xor.probabilities)")
        #expect(xor.losses.last!.loss < xor.losses.first!.loss)
    }

    @Test func mnistExplainsMissingFilesAndTrainsOnIDXFiles() throws {
        let help = mnistMissingDataMessage(folder: "/nowhere")
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "/nowhere"] {
            #expect(help.contains(name))
        }
        #expect(mnistMissingDataMessage(folder: nil).contains("--data"))
        var options = MNISTOptions()
        #expect(throws: IDXError.self) { try trainMNIST(options, progress: ExampleTests.silent) { _ in } }
        options.data = "/nonexistent/mnist"
        #expect(throws: IDXError.self) { try trainMNIST(options, progress: ExampleTests.silent) { _ in } }

        // A fake MNIST: class k is a bright 6×6 square at one of ten positions.
        let dir = try ExampleTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func split(_ n: Int, _ names: (images: String, labels: String), compressed: Bool) throws {
            var pixels = [Double](repeating: 0, count: n * 28 * 28), labels: [Int] = []
            for i in 0..<n {
                let k = i % 10, top = 2 + (k / 5) * 12, left = 2 + (k % 5) * 5
                for y in top..<(top + 6) { for x in left..<(left + 6) { pixels[i * 784 + y * 28 + x] = 255 } }
                labels.append(k)
            }
            let gz = compressed ? ".gz" : ""
            try IDX.write(Tensor(pixels, shape: [n, 28, 28]), to: dir + "/" + names.images + gz, compressed: compressed)
            try IDX.write(Tensor(labels, shape: [n]), to: dir + "/" + names.labels + gz, compressed: compressed)
        }
        try split(100, MNIST.fileNames(train: true), compressed: true)
        try split(20, MNIST.fileNames(train: false), compressed: false)
        options.data = dir
        options.epochs = 2
        options.batchSize = 10
        options.lr = 3e-3
        let accuracy = try trainMNIST(options, progress: ExampleTests.silent) { _ in }
        #expect(accuracy >= 0.5, "\(accuracy)")
    }

    @Test func pytorchWeightsExampleParts() throws {
        // The example's bundled files are the project's interop fixtures.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bundled = root.appendingPathComponent("Examples/PyTorchWeights/Resources")
        let fixtures = root.appendingPathComponent("Tests/SwiftGradTests/Resources")
        #expect(try Data(contentsOf: bundled.appendingPathComponent("lenet_torch.safetensors"))
                == Data(contentsOf: fixtures.appendingPathComponent("lenet_torch.safetensors")))
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: bundled.appendingPathComponent("lenet_reference.json"))) as? [String: Any]
        let model = LeNet()
        #expect(model.parameterCount == 61_706)
        try model.loadWeights(from: fixtures.appendingPathComponent("lenet_torch.safetensors").path)
        model.eval()
        let logits = model(try tensorFromJSON(reference?["input"]))
        #expect(logits.allClose(try tensorFromJSON(reference?["logits"]), rtol: 0, atol: 1e-5))

        // Digits resized like MNIST: a 20×20 digit in a zero border of 4.
        let digits = try Digits.load(train: false)
        let big = digitsAs28x28(digits.images.slice(axis: 0, start: 0, end: 4))
        #expect(big.shape == [4, 1, 28, 28])
        #expect(big.slice(axis: 2, start: 0, end: 4).abs().max().item() == 0)
        #expect(big.slice(axis: 3, start: 24, end: 28).abs().max().item() == 0)
        #expect(Swift.abs(big.max().item() - digits.images.slice(axis: 0, start: 0, end: 4).max().item()) < 0.05)

        let accuracy = try fineTuneLeNetOnDigits(model, epochs: 1, lr: 1e-3, batchSize: 32, seed: 0, trainLimit: 128,
                                                 progress: ExampleTests.silent) { _ in }
        #expect(accuracy >= 0 && accuracy <= 1)
    }
}
