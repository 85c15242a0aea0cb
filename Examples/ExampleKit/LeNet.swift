// LeNet-5 as PyTorch's tutorials build it, with the same submodule names (`features`,
// `classifier`), so PyTorch's state dict loads by name. Used by pytorch-weights and mnist.
import Foundation
import SwiftGrad

/// LeNet for [n, 1, 28, 28] images: `features` = Conv2d(1, 6, 5, padding 2), ReLU, MaxPool2d(2),
/// Conv2d(6, 16, 5), ReLU, MaxPool2d(2); `classifier` = Flatten, Linear(400, 120), ReLU,
/// Linear(120, 84), ReLU, Linear(84, 10). 61,706 parameters, named `features.0.weight`, ...
///
///     let net = LeNet()
///     try net.loadWeights(from: "lenet_torch.safetensors")
public final class LeNet: Module {
    /// The convolutional part: [n, 1, 28, 28] -> [n, 16, 5, 5].
    public let features: Sequential
    /// The dense part: [n, 16, 5, 5] -> [n, 10] logits.
    public let classifier: Sequential

    /// A freshly initialised LeNet (PyTorch's default initialisation).
    ///
    ///     let net = LeNet(generator: Generator(seed: 0))
    public init(generator: Generator? = nil) {
        features = Sequential {
            Conv2d(1, 6, 5, padding: 2, generator: generator)
            ReLU()
            MaxPool2d(2)
            Conv2d(6, 16, 5, generator: generator)
            ReLU()
            MaxPool2d(2)
        }
        classifier = Sequential {
            Flatten()
            Linear(400, 120, generator: generator)
            ReLU()
            Linear(120, 84, generator: generator)
            ReLU()
            Linear(84, 10, generator: generator)
        }
        super.init()
    }

    public override func forward(_ input: Tensor) -> Tensor { classifier(features(input)) }
}

/// The 8×8 digits as MNIST-like 28×28 images: bilinear upsampling to 20×20 (MNIST's digit box),
/// then 4 pixels of zero padding on every side. [n, 1, 8, 8] -> [n, 1, 28, 28].
///
///     let big = digitsAs28x28(try Digits.load(train: false).images)
///     print(big.shape)                    // [360, 1, 28, 28]
public func digitsAs28x28(_ images: Tensor) -> Tensor {
    interpolate(images, size: [20, 20], mode: .bilinear).pad([4, 4, 4, 4])
}

/// A tensor stored in JSON as `{"shape": [...], "data": [...]}` (the format of PyTorch's reference files).
///
///     let t = try tensorFromJSON(["shape": [2], "data": [1.5, 2.5]])
///     print(t.shape)                      // [2]
public func tensorFromJSON(_ object: Any?) throws -> Tensor {
    guard let d = object as? [String: Any], let shape = d["shape"] as? [Int], let data = d["data"] as? [NSNumber],
          shape.reduce(1, *) == data.count else {
        throw ExampleError.invalidOption("expected {\"shape\": [...], \"data\": [...]} with matching sizes")
    }
    return Tensor(data.map(\.doubleValue), shape: shape)
}

/// Fine-tunes `model` on the bundled digits at 28×28 with Adam and returns the test accuracy (0...1).
///
///     let accuracy = fineTuneLeNetOnDigits(net, epochs: 3, lr: 1e-3, batchSize: 32, seed: 0)
///     print(percent(accuracy))
public func fineTuneLeNetOnDigits(_ model: LeNet, epochs: Int, lr: Double, batchSize: Int, seed: UInt64,
                                  trainLimit: Int? = nil, progress: ProgressOutput = .standardOutput,
                                  log: (String) -> Void = { print($0) }) throws -> Double {
    let train = try Digits.load(train: true), test = try Digits.load(train: false)
    let (images, labels) = firstSamples(train.images, train.labels, limit: trainLimit)
    let loader = DataLoader(TensorDataset(digitsAs28x28(images), labels), batchSize: batchSize, shuffle: true,
                            generator: Generator(seed: seed))
    let testImages = digitsAs28x28(test.images)
    let optimizer = Adam(model.parameters().filter(\.requiresGrad), lr: lr)
    for epoch in 0..<epochs {
        let loss = trainOneEpoch(model, loader, optimizer: optimizer, label: "fine-tune \(epoch + 1)/\(epochs)", progress: progress)
        let (_, accuracy) = evaluate(model, images: testImages, labels: test.labels)
        log(String(format: "epoch %d/%d  train loss %.4f  test accuracy %@", epoch + 1, epochs, loss, percent(accuracy)))
    }
    return evaluate(model, images: testImages, labels: test.labels).accuracy
}
