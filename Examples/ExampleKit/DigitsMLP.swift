// digits-mlp: a two-layer perceptron on the bundled 8×8 digits, trained with SGD + momentum.
import Foundation
import SwiftGrad

/// The settings of a digits-mlp run (the command-line flags).
///
///     var options = DigitsMLPOptions(); options.hidden = 64
///     let accuracy = try trainDigitsMLP(options)
public struct DigitsMLPOptions {
    /// Number of training epochs.
    public var epochs = 20
    /// Mini-batch size.
    public var batchSize = 32
    /// SGD learning rate (momentum 0.9).
    public var lr = 0.05
    /// Hidden units.
    public var hidden = 128
    /// Seeds initialisation and shuffling.
    public var seed: UInt64 = 0
    /// Use only the first `trainLimit` training images (quick smoke runs).
    public var trainLimit: Int? = nil
    /// A Trace Event Format file (nil: no profiling): training is profiled, the trace written
    /// there and the profiler's table (top ops by self time) logged.
    public var profile: String? = nil

    public init() {}
}

/// Flatten → Linear(64, hidden) → ReLU → Linear(hidden, 10).
///
///     let mlp = makeDigitsMLP(hidden: 128, generator: Generator(seed: 0))
///     let logits = mlp(images)            // [n, 1, 8, 8] -> [n, 10]
public func makeDigitsMLP(hidden: Int, generator: Generator) -> Sequential {
    Sequential {
        Flatten()
        Linear(64, hidden, generator: generator)
        ReLU()
        Linear(hidden, 10, generator: generator)
    }
}

/// Trains the MLP and returns its accuracy (0...1) on the 360 test digits, logging one line per epoch.
///
///     let accuracy = try trainDigitsMLP(DigitsMLPOptions())
///     print("test accuracy: \(percent(accuracy))")
public func trainDigitsMLP(_ options: DigitsMLPOptions, progress: ProgressOutput = .standardOutput,
                           log: (String) -> Void = { print($0) }) throws -> Double {
    guard options.epochs >= 1, options.batchSize >= 1, options.hidden >= 1, options.lr > 0 else {
        throw ExampleError.invalidOption("epochs, batch size and hidden size must be at least 1 and the learning rate positive")
    }
    let train = try Digits.load(train: true), test = try Digits.load(train: false)
    let (images, labels) = firstSamples(train.images, train.labels, limit: options.trainLimit)
    let generator = Generator(seed: options.seed)
    let model = makeDigitsMLP(hidden: options.hidden, generator: generator)
    let optimizer = SGD(model.parameters(), lr: options.lr, momentum: 0.9)
    let loader = DataLoader(TensorDataset(images, labels), batchSize: options.batchSize, shuffle: true, generator: generator)
    log("digits-mlp: \(model.parameterCount) parameters")
    let profiler = options.profile.map { _ in Profiler() }
    profiler?.start()
    for epoch in 0..<options.epochs {
        let loss = trainOneEpoch(model, loader, optimizer: optimizer, label: "epoch \(epoch + 1)/\(options.epochs)", progress: progress)
        let (_, accuracy) = evaluate(model, images: test.images, labels: test.labels)
        log(String(format: "epoch %d/%d  train loss %.4f  test accuracy %@", epoch + 1, options.epochs, loss, percent(accuracy)))
    }
    if let profiler, let path = options.profile {
        profiler.stop()
        try profiler.exportChromeTrace(to: path)
        log(profiler.keyAverages().table(sortBy: .selfTime, rowLimit: 12) + "trace: \(path)")
    }
    return evaluate(model, images: test.images, labels: test.labels).accuracy
}
