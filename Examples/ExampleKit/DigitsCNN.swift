// digits-cnn: a small CNN on the bundled 8×8 digit set, with progress bars, curves, a checkpoint
// each epoch and bitwise resume. `swift run -c release digits-cnn` calls `trainDigitsCNN`.
import Foundation
import SwiftGrad

/// The network: two 3×3 convolutions (padding 1), one 2×2 max pool, two dense layers.
/// [n, 1, 8, 8] -> [n, 10] logits; 38,282 parameters.
///
///     let model = makeDigitsCNN(generator: Generator(seed: 0))
///     let logits = model(images)          // [n, 1, 8, 8] -> [n, 10]
public func makeDigitsCNN(generator: Generator) -> Sequential {
    Sequential {
        Conv2d(1, 16, 3, padding: 1, generator: generator)
        ReLU()
        Conv2d(16, 32, 3, padding: 1, generator: generator)
        ReLU()
        MaxPool2d(2)                                   // [n, 32, 4, 4]
        Flatten()
        Dropout(p: 0.25, generator: generator)
        Linear(32 * 4 * 4, 64, generator: generator)
        ReLU()
        Linear(64, 10, generator: generator)
    }
}

/// The settings of a digits-cnn run (the command-line flags).
///
///     var options = DigitsCNNOptions(); options.epochs = 3
///     let result = try trainDigitsCNN(options)
public struct DigitsCNNOptions {
    /// Total epochs; with `resume`, training continues up to this many.
    public var epochs = 15
    /// Mini-batch size.
    public var batchSize = 32
    /// Adam's learning rate; StepLR halves it every 5 epochs.
    public var lr = 2e-3
    /// Seeds initialisation, shuffling and dropout (one generator, saved in the checkpoint).
    public var seed: UInt64 = 0
    /// Written after every epoch (nil: no checkpoint).
    public var checkpoint: String? = "digits-cnn.ckpt"
    /// The SVG of the loss/accuracy/learning-rate curves (nil: none).
    public var curves: String? = "digits-cnn-curves.svg"
    /// Continue from `checkpoint` instead of starting afresh.
    public var resume = false
    /// Use only the first `trainLimit` training images (quick smoke runs); nil uses all 1,437.
    public var trainLimit: Int? = nil
    /// A TensorBoard log directory (nil: none): loss, accuracy and learning rate per epoch, weight
    /// histograms, a grid of test images with the predictions, and the hyperparameters.
    public var logDir: String? = nil
    /// A Trace Event Format file (nil: no profiling): the training epochs are profiled, the trace
    /// is written there and the profiler's table (top ops by self time) is logged.
    public var profile: String? = nil

    public init() {}
}

/// What a run produced.
public struct DigitsCNNResult {
    /// The trained network.
    public let model: Sequential
    /// Accuracy (0...1) on the 360 held-out test digits after the last epoch.
    public let testAccuracy: Double
    /// Per-epoch train loss, test loss, test accuracy and learning rate (also the epochs before a resume).
    public let history: MetricsHistory
    /// Epochs completed in total.
    public let epochs: Int
}

/// Trains the digits CNN: Adam + StepLR, cross-entropy, a progress bar per epoch, test loss and
/// accuracy after each epoch, a checkpoint (model, optimizer, scheduler, generator, history) and
/// the curves SVG. With `resume`, restores all of it and continues; the result equals an
/// uninterrupted run bit for bit (same thread count).
///
///     let result = try trainDigitsCNN(DigitsCNNOptions())
///     print("test accuracy: \(percent(result.testAccuracy))")
public func trainDigitsCNN(_ options: DigitsCNNOptions, progress: ProgressOutput = .standardOutput,
                           log: (String) -> Void = { print($0) }) throws -> DigitsCNNResult {
    guard options.epochs >= 1, options.batchSize >= 1, options.lr > 0 else {
        throw ExampleError.invalidOption("epochs and batch size must be at least 1 and the learning rate positive")
    }
    // Data: images in [0, 1], standardised with the training set's mean and standard deviation.
    let train = try Digits.load(train: true), test = try Digits.load(train: false)
    let (trainImages, trainLabels) = firstSamples(train.images, train.labels, limit: options.trainLimit)
    let mean = trainImages.mean().item(), std = trainImages.std().item()
    let trainSet = TensorDataset((trainImages - mean) / std, trainLabels)
    let testImages = (test.images - mean) / std

    let generator = Generator(seed: options.seed)
    let model = makeDigitsCNN(generator: generator)
    let optimizer = Adam(model.parameters(), lr: options.lr)
    let scheduler = StepLR(optimizer, stepSize: 5, gamma: 0.5)
    let loader = DataLoader(trainSet, batchSize: options.batchSize, shuffle: true, generator: generator)
    let state: [String: any StateDictConvertible] =
        ["model": model, "optimizer": optimizer, "scheduler": scheduler, "generator": generator]

    var history = MetricsHistory()
    var startEpoch = 0, step = 0
    let board = try options.logDir.map { try SummaryWriter(logDir: $0) }
    if options.resume {
        guard let path = options.checkpoint, FileManager.default.fileExists(atPath: path) else {
            throw ExampleError.noCheckpoint(options.checkpoint ?? "(no --checkpoint path)")
        }
        let ckpt = try Checkpoint.restore(from: path, into: state)
        startEpoch = ckpt.epoch
        step = ckpt.step
        history = decodeHistory(ckpt.metadata["history"])
        log(startEpoch < options.epochs ? "resumed from \(path) after epoch \(startEpoch)"
            : "\(path) already holds \(startEpoch) epochs: nothing to train (raise --epochs to continue)")
    } else {
        log("digits-cnn: \(model.parameterCount) parameters, \(trainSet.count) training and \(test.count) test images")
    }

    let profiler = options.profile.map { _ in Profiler() }
    profiler?.start()
    for epoch in startEpoch..<options.epochs {
        let lr = optimizer.lr
        let trainLoss = trainOneEpoch(model, loader, optimizer: optimizer,
                                      label: "epoch \(epoch + 1)/\(options.epochs)", progress: progress)
        step += loader.count
        scheduler.step()
        let (testLoss, accuracy) = evaluate(model, images: testImages, labels: test.labels)
        history.append(["train_loss": trainLoss, "test_loss": testLoss, "test_accuracy": accuracy, "lr": lr])
        log(String(format: "epoch %d/%d  train loss %.4f  test loss %.4f  test accuracy %@  lr %.2e",
                   epoch + 1, options.epochs, trainLoss, testLoss, percent(accuracy), lr))
        if let path = options.checkpoint {
            try Checkpoint.save(to: path, epoch: epoch + 1, step: step, state,
                                metadata: ["history": encodeHistory(history), "seed": String(options.seed)])
        }
        if let curves = options.curves { try history.plot(to: curves, title: "digits-cnn") }
        if let board {
            for (tag, value) in [("loss/train", trainLoss), ("loss/test", testLoss), ("accuracy/test", accuracy), ("lr", lr)] {
                try board.addScalar(tag, value, step: epoch + 1)
            }
            for (name, p) in model.namedParameters() { try board.addHistogram(name, p, step: epoch + 1) }
            try board.flush()
        }
    }
    if let profiler, let path = options.profile {
        profiler.stop()
        try profiler.exportChromeTrace(to: path)
        log(profiler.keyAverages().table(sortBy: .selfTime, rowLimit: 12) + "trace: \(path)")
    }
    let (_, accuracy) = evaluate(model, images: testImages, labels: test.labels)
    if let board {
        try logPredictions(board, model: model, images: test.images, normalized: testImages, labels: test.labels,
                           step: max(startEpoch, options.epochs))
        try board.addHParams(["lr": .number(options.lr), "batch_size": .number(Double(options.batchSize)),
                              "epochs": .number(Double(options.epochs)), "seed": .number(Double(options.seed))],
                             metrics: ["hparam/test_accuracy": accuracy], runName: "hparams")
        try board.close()
    }
    return DigitsCNNResult(model: model, testAccuracy: accuracy, history: history, epochs: max(startEpoch, options.epochs))
}

/// The first 16 test digits as an image grid and, as text, what the model predicts for each.
func logPredictions(_ board: SummaryWriter, model: Module, images: Tensor, normalized: Tensor, labels: Tensor, step: Int) throws {
    let n = min(16, images.shape[0])
    let predicted = withNoGrad { () -> [Int64] in
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        return model(normalized.slice(axis: 0, start: 0, end: n)).argmax(axis: 1).toArray(as: Int64.self)
    }
    let truth = labels.slice(axis: 0, start: 0, end: n).toArray(as: Int64.self)
    try board.addImage("test digits", makeGrid(images.slice(axis: 0, start: 0, end: n), nrow: 8), step: step)
    let rows = (0..<n).map { "| \($0) | \(predicted[$0]) | \(truth[$0]) |\(predicted[$0] == truth[$0] ? "" : " ✗")" }
    try board.addText("predictions", (["| image | predicted | label |", "| --- | --- | --- |"] + rows).joined(separator: "\n"), step: step)
}

// MARK: - History in the checkpoint's metadata

/// The history as JSON (one object per epoch), so a resumed run draws the whole curve.
func encodeHistory(_ history: MetricsHistory) -> String {
    let rows = history.epochs.map { $0.mapValues { $0.isFinite ? $0 : 0 } }
    let data = (try? JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])) ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self)
}

func decodeHistory(_ json: String?) -> MetricsHistory {
    var history = MetricsHistory()
    guard let json, let rows = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Double]] else { return history }
    for row in rows { history.append(row) }
    return history
}
