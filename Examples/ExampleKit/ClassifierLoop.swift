// The pieces every classifier example shares: one training epoch, evaluation on held-out data,
// normalisation, and a percentage formatter. The examples' own files show what differs.
import Foundation
import SwiftGrad

/// Trains `model` for one pass over `loader` (a PyTorch-style loop) and returns the mean loss.
/// A `ProgressReporter` shows the batches, rate, ETA and running loss.
///
///     let loss = trainOneEpoch(model, loader, optimizer: opt, label: "epoch 1/10")
///     print(loss)
public func trainOneEpoch<D: Dataset>(_ model: Module, _ loader: DataLoader<D, (Tensor, Tensor)>, optimizer: Optimizer,
                                      label: String, progress: ProgressOutput = .standardOutput) -> Double {
    model.train()
    let bar = ProgressReporter(total: loader.count, label: label, output: progress)
    // The named ranges show up in a profile (`--profile`); without a running profiler they only run their body.
    var batches = loader.makeIterator()
    while let (images, labels) = Profiler.record("DataLoader.next", { batches.next() }) {
        Profiler.record("Optimizer.zeroGrad") { optimizer.zeroGrad() }
        let loss = crossEntropy(logits: model(images), targets: labels)
        loss.backward()
        Profiler.record("Optimizer.step") { optimizer.step() }
        bar.update(metrics: ["loss": loss.item()])
    }
    bar.finish()
    return bar.mean("loss") ?? .nan
}

/// Mean cross-entropy and accuracy (0...1) of `model` on `images`/`labels`, in eval mode without
/// gradients, `batchSize` samples at a time. Restores training mode afterwards if it was on.
///
///     let (loss, accuracy) = evaluate(model, images: testX, labels: testY)
///     print(accuracy)
public func evaluate(_ model: Module, images: Tensor, labels: Tensor, batchSize: Int = 1000) -> (loss: Double, accuracy: Double) {
    let wasTraining = model.isTraining
    model.eval()
    defer { if wasTraining { model.train() } }
    let n = images.shape[0]
    var lossSum = 0.0, correct = 0.0
    withNoGrad {
        for start in stride(from: 0, to: n, by: batchSize) {
            let end = min(n, start + batchSize)
            let x = images.slice(axis: 0, start: start, end: end), y = labels.slice(axis: 0, start: start, end: end)
            let logits = model(x)
            lossSum += crossEntropy(logits: logits, targets: y, reduction: .sum).item()
            correct += Metrics.accuracy(logits: logits, targets: y) * Double(end - start)
        }
    }
    return (lossSum / Double(n), correct / Double(n))
}

/// "97.5%": an accuracy in 0...1 as a percentage with one decimal.
///
///     print("test accuracy: \(percent(0.975))")   // test accuracy: 97.5%
public func percent(_ fraction: Double) -> String { String(format: "%.1f%%", fraction * 100) }

/// The first `limit` samples of a split (all of them when `limit` is nil), for quick runs.
///
///     let (x, y) = firstSamples(train.images, train.labels, limit: 200)
///     print(x.shape)
public func firstSamples(_ images: Tensor, _ labels: Tensor, limit: Int?) -> (Tensor, Tensor) {
    guard let limit, limit < images.shape[0] else { return (images, labels) }
    return (images.slice(axis: 0, start: 0, end: limit), labels.slice(axis: 0, start: 0, end: limit))
}

/// Errors the examples report to the user.
public enum ExampleError: Error, CustomStringConvertible {
    /// `--resume` without a checkpoint file.
    case noCheckpoint(String)
    /// Bad flag values.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .noCheckpoint(let p): return "no checkpoint at \(p) to resume from (run once without --resume first)"
        case .invalidOption(let m): return m
        }
    }
}
