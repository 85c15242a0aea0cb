// pytorch-weights: loads a LeNet state dict saved by PyTorch (safetensors) into the same model built
// with SwiftGrad, checks it against the logits PyTorch computed, classifies the bundled digits
// (scaled to 28×28), fine-tunes on them and saves the weights back for PyTorch.
// Run: swift run -c release pytorch-weights [--epochs 5] [--output lenet_digits.safetensors]
//
// The bundled lenet_torch.safetensors is PyTorch's *randomly initialised* LeNet (the project's
// interop fixture), so its predictions before fine-tuning are at chance level; the point is that
// SwiftGrad computes exactly what PyTorch computes with the same weights.
import ArgumentParser
import Foundation
import ExampleKit
import SwiftGrad

@main
struct PyTorchWeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pytorch-weights",
        abstract: "Load PyTorch LeNet weights (safetensors), verify them, classify and fine-tune on the bundled digits.")

    @Option(help: "A LeNet state dict saved by PyTorch with safetensors (default: the bundled one).")
    var weights: String?
    @Option(help: "Fine-tuning epochs on the bundled digits (0: only load and classify).") var epochs = 5
    @Option(help: "Adam learning rate for fine-tuning.") var lr = 3e-3
    @Option(help: "Mini-batch size.") var batchSize = 32
    @Option(help: "Seed for shuffling.") var seed: UInt64 = 0
    @Option(help: "Where to save the fine-tuned weights (safetensors, loadable by PyTorch).")
    var output = "lenet_digits.safetensors"

    mutating func run() throws {
        guard epochs >= 0, batchSize >= 1, lr > 0 else { throw ValidationError("epochs >= 0, batch size >= 1 and lr > 0 please") }
        let model = LeNet()
        let path = weights ?? Bundle.module.url(forResource: "lenet_torch", withExtension: "safetensors", subdirectory: "Resources")!.path
        try model.loadWeights(from: path)                  // strict: every PyTorch key must match a parameter
        model.eval()
        print(model)
        print("loaded \(model.parameterCount) parameters from \(path)")

        // 1. Same weights, same input: the logits PyTorch computed (bundled with the default weights).
        if weights == nil {
            let url = Bundle.module.url(forResource: "lenet_reference", withExtension: "json", subdirectory: "Resources")!
            let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
            let input = try tensorFromJSON(reference?["input"]), expected = try tensorFromJSON(reference?["logits"])
            let logits = withNoGrad { model(input) }
            let maxDiff = zip(logits.doubles, expected.doubles).map { abs($0 - $1) }.max() ?? .infinity
            print(String(format: "PyTorch's logits for its reference input reproduced: max |difference| = %.2e", maxDiff))
            guard maxDiff <= 1e-5 else { print("mismatch: expected at most 1e-5"); throw ExitCode.failure }
        }

        // 2. Classify the first test digits, upscaled to 20×20 and padded to 28×28 like MNIST.
        let test = try Digits.load(train: false)
        let shown = 16
        let images = digitsAs28x28(test.images.slice(axis: 0, start: 0, end: shown))
        let labels = test.labels.slice(axis: 0, start: 0, end: shown).doubles.map { Int($0) }
        func report(_ title: String) {
            let predicted = withNoGrad { model(images).argmax(axis: 1) }.doubles.map { Int($0) }
            print(title)
            print("  true:      " + labels.map(String.init).joined(separator: " "))
            print("  predicted: " + predicted.map(String.init).joined(separator: " "))
        }
        report("predictions of the loaded weights on \(shown) test digits (random PyTorch initialisation: chance level):")

        // 3. Fine-tune on the bundled digits and save for PyTorch.
        guard epochs > 0 else { return }
        let accuracy = try fineTuneLeNetOnDigits(model, epochs: epochs, lr: lr, batchSize: batchSize, seed: seed)
        model.eval()
        report("after fine-tuning:")
        try model.saveWeights(to: output)
        print("saved \(output); in PyTorch: model.load_state_dict(safetensors.torch.load_file(\"\(output)\"))")
        print("test accuracy: \(percent(accuracy))")
    }
}
