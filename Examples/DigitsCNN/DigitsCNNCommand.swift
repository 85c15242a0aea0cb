// digits-cnn: trains a small CNN on the bundled 8×8 digit set (offline) and prints its test accuracy.
// Run: swift run -c release digits-cnn [--epochs 15] [--resume] [--logdir runs/digits] [--profile trace.json]
// The model and the training loop are in Examples/ExampleKit/DigitsCNN.swift (shared with the tests).
import ArgumentParser
import Foundation
import ExampleKit
import SwiftGrad

@main
struct DigitsCNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digits-cnn",
        abstract: "Train a small CNN on the bundled 8×8 digits; write training curves and a checkpoint.")

    @Option(help: "Total number of epochs (with --resume: train up to this many).")
    var epochs = 15

    @Option(help: "Mini-batch size.")
    var batchSize = 32

    @Option(help: "Adam learning rate (halved every 5 epochs).")
    var lr = 2e-3

    @Option(help: "Seed for initialisation, shuffling and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Checkpoint written after every epoch.")
    var checkpoint = "digits-cnn.ckpt"

    @Option(help: "SVG file for the loss, accuracy and learning-rate curves.")
    var curves = "digits-cnn-curves.svg"

    @Option(help: "TensorBoard log directory (scalars, weight histograms, test images with predictions).")
    var logdir: String?

    @Option(help: "Profile training: write a Chrome/Perfetto trace (JSON) here and print the top ops.")
    var profile: String?

    @Option(help: "Train on only the first N images (quick runs).")
    var trainLimit: Int?

    @Flag(help: "Continue from the checkpoint.")
    var resume = false

    @Option(help: "BLAS/kernel threads (default: all cores).")
    var threads: Int?

    mutating func run() throws {
        if let threads { Runtime.threadCount = threads }
        var options = DigitsCNNOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.lr = lr
        options.seed = seed
        options.checkpoint = checkpoint
        options.curves = curves
        options.resume = resume
        options.logDir = logdir
        options.profile = profile
        options.trainLimit = trainLimit
        let start = ContinuousClock.now
        let result = try trainDigitsCNN(options)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("checkpoint: \(checkpoint)  curves: \(curves)  time: \(String(format: "%.1f", seconds)) s")
        print("test accuracy: \(percent(result.testAccuracy))")
    }
}
