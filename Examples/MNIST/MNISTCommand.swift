// mnist: LeNet on the real MNIST (or Fashion-MNIST) files, which you download yourself.
// Run: swift run -c release mnist --data ~/data/mnist [--epochs 3]
// The loop is in Examples/ExampleKit/MNISTTraining.swift.
import ArgumentParser
import Foundation
import ExampleKit
import SwiftGrad

@main
struct MNISTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist", abstract: "Train LeNet on the MNIST files in --data (nothing is downloaded).")

    @Option(help: "Folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or .gz).")
    var data: String?
    @Option(help: "Number of epochs.") var epochs = 3
    @Option(help: "Mini-batch size.") var batchSize = 64
    @Option(help: "Adam learning rate.") var lr = 1e-3
    @Option(help: "Seed for initialisation and shuffling.") var seed: UInt64 = 0
    @Option(help: "Use only the first N training images.") var limit: Int?
    @Flag(help: "Fashion-MNIST instead of the digits.") var fashion = false

    mutating func run() throws {
        var options = MNISTOptions()
        options.data = data
        options.epochs = epochs
        options.batchSize = batchSize
        options.lr = lr
        options.seed = seed
        options.trainLimit = limit
        options.fashion = fashion
        do {
            let accuracy = try trainMNIST(options)
            print("test accuracy: \(percent(accuracy))")
        } catch let error as IDXError {
            let message = if case .missingFile = error { mnistMissingDataMessage(folder: data, fashion: fashion) } else { "mnist: \(error)" }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            throw ExitCode.failure
        }
    }
}
