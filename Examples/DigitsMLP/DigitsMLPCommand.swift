// digits-mlp: a two-layer perceptron on the bundled 8×8 digits (offline).
// Run: swift run -c release digits-mlp [--epochs 20] [--hidden 128]
// The model and loop are in Examples/ExampleKit/DigitsMLP.swift.
import ArgumentParser
import ExampleKit
import SwiftGrad

@main
struct DigitsMLPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digits-mlp", abstract: "Train a two-layer perceptron on the bundled 8×8 digits.")

    @Option(help: "Number of epochs.") var epochs = 20
    @Option(help: "Mini-batch size.") var batchSize = 32
    @Option(help: "SGD learning rate (momentum 0.9).") var lr = 0.05
    @Option(help: "Hidden units.") var hidden = 128
    @Option(help: "Seed for initialisation and shuffling.") var seed: UInt64 = 0
    @Option(help: "Profile training: write a Chrome/Perfetto trace (JSON) here and print the top ops.") var profile: String?
    @Option(help: "Train on only the first N images (quick runs).") var trainLimit: Int?

    mutating func run() throws {
        var options = DigitsMLPOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.lr = lr
        options.hidden = hidden
        options.seed = seed
        options.profile = profile
        options.trainLimit = trainLimit
        let accuracy = try trainDigitsMLP(options)
        print("test accuracy: \(percent(accuracy))")
    }
}
