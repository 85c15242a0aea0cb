// mnist: LeNet on the real MNIST files (not bundled: the user points --data at them).
import Foundation
import SwiftGrad

/// The settings of an mnist run (the command-line flags).
///
///     var options = MNISTOptions(); options.data = "~/data/mnist"
///     let accuracy = try trainMNIST(options)
public struct MNISTOptions {
    /// The folder holding the four IDX files (plain or .gz; torchvision's `MNIST/raw` layout works too).
    public var data: String? = nil
    /// Number of training epochs.
    public var epochs = 3
    /// Mini-batch size.
    public var batchSize = 64
    /// Adam's learning rate.
    public var lr = 1e-3
    /// Seeds initialisation and shuffling.
    public var seed: UInt64 = 0
    /// Fashion-MNIST instead of the digits (same file names).
    public var fashion = false
    /// Use only the first `trainLimit` training images (quick runs).
    public var trainLimit: Int? = nil

    public init() {}
}

/// What to tell the user when the MNIST files are not where `--data` points (or `--data` is missing).
///
///     print(mnistMissingDataMessage(folder: nil))
public func mnistMissingDataMessage(folder: String?, fashion: Bool = false) -> String {
    let names = [MNIST.fileNames(train: true), MNIST.fileNames(train: false)].flatMap { [$0.images, $0.labels] }
    let source = fashion
        ? "https://github.com/zalandoresearch/fashion-mnist (data/fashion)"
        : "http://yann.lecun.com/exdb/mnist/ or the mirror https://ossci-datasets.s3.amazonaws.com/mnist/"
    var lines: [String] = []
    if let folder {
        lines.append("mnist: the \(fashion ? "Fashion-MNIST" : "MNIST") files were not found in \(folder).")
    } else {
        lines.append("mnist: no data folder given. Pass --data <folder> with the \(fashion ? "Fashion-MNIST" : "MNIST") files.")
    }
    lines.append("This example does not download anything. Get the four files from")
    lines.append("  \(source)")
    lines.append("and put them in one folder (gzip'd .gz files are read as they are):")
    for name in names { lines.append("  \(name)  (or \(name).gz)") }
    lines.append("torchvision's layout <folder>/\(fashion ? "FashionMNIST" : "MNIST")/raw/ works too. Then run:")
    lines.append("  swift run -c release mnist --data <folder>")
    return lines.joined(separator: "\n")
}

/// Trains LeNet on MNIST (images standardised with mean 0.1307 and std 0.3081, as in PyTorch's
/// example) and returns the accuracy (0...1) on the 10,000 test images. Throws `IDXError.missingFile`
/// when the files are absent.
///
///     let accuracy = try trainMNIST(options)
///     print("test accuracy: \(percent(accuracy))")
public func trainMNIST(_ options: MNISTOptions, progress: ProgressOutput = .standardOutput,
                       log: (String) -> Void = { print($0) }) throws -> Double {
    guard let folder = options.data else { throw IDXError.missingFile(expected: [MNIST.fileNames(train: true).images], searched: []) }
    guard options.epochs >= 1, options.batchSize >= 1, options.lr > 0 else {
        throw ExampleError.invalidOption("epochs and batch size must be at least 1 and the learning rate positive")
    }
    let variant: MNIST.Variant = options.fashion ? .fashion : .mnist
    let train = try MNIST(root: folder, train: true, variant: variant)
    let test = try MNIST(root: folder, train: false, variant: variant)
    let (mean, std) = options.fashion ? (0.2860, 0.3530) : (0.1307, 0.3081)
    let (images, labels) = firstSamples(train.images, train.labels, limit: options.trainLimit)
    log("mnist: \(images.shape[0]) training and \(test.count) test images of \(Array(images.shape.dropFirst()))")
    let generator = Generator(seed: options.seed)
    let model = LeNet(generator: generator)
    let optimizer = Adam(model.parameters(), lr: options.lr)
    let loader = DataLoader(TensorDataset((images - mean) / std, labels), batchSize: options.batchSize,
                            shuffle: true, generator: generator)
    let testImages = (test.images - mean) / std
    for epoch in 0..<options.epochs {
        let loss = trainOneEpoch(model, loader, optimizer: optimizer, label: "epoch \(epoch + 1)/\(options.epochs)", progress: progress)
        let (testLoss, accuracy) = evaluate(model, images: testImages, labels: test.labels)
        log(String(format: "epoch %d/%d  train loss %.4f  test loss %.4f  test accuracy %@",
                   epoch + 1, options.epochs, loss, testLoss, percent(accuracy)))
    }
    return evaluate(model, images: testImages, labels: test.labels).accuracy
}
