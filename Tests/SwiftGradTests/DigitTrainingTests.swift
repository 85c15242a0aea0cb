import Testing
import SwiftGrad

/// A real training run on the bundled digit set: a small MLP with SGD + momentum reaches at least
/// 95% test accuracy (data loading, layers, loss, autograd and the update all take part).
@Suite struct DigitTrainingTests {
    @Test func mlpLearnsDigits() throws {
        let train = try Digits.load(train: true), test = try Digits.load(train: false)
        let g = Generator(seed: 0)
        let model = Sequential(Flatten(), Linear(64, 64, generator: g), ReLU(), Linear(64, 10, generator: g))
        let params = model.parameters()
        var velocity = params.map { Tensor.zerosLike($0) }
        let loader = DataLoader(train, batchSize: 64, shuffle: true, generator: Generator(seed: 1))
        for _ in 0..<30 {
            for (x, y) in loader {
                let loss = crossEntropy(logits: model(x), targets: y)
                model.zeroGrad()
                loss.backward()
                withNoGrad {
                    for (i, p) in params.enumerated() {
                        velocity[i] = velocity[i] * 0.9 + p.grad!
                        p -= velocity[i] * 0.1
                    }
                }
            }
        }
        model.eval()
        let predicted = withNoGrad { model(test.images).argmax(axis: 1) }
        let accuracy = Double(predicted.eq(test.labels).sum().item()) / Double(test.count)
        #expect(accuracy >= 0.95, "test accuracy \(accuracy)")
    }
}
