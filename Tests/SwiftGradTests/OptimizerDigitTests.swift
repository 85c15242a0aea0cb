import Testing
import SwiftGrad

/// Real training runs with the library's optimizers and schedulers on the bundled digit set: a small
/// MLP must reach at least 95% test accuracy.
@Suite struct OptimizerDigitTests {
    static func mlp() -> Sequential {
        let g = Generator(seed: 0)
        return Sequential(Flatten(), Linear(64, 64, generator: g), ReLU(), Linear(64, 10, generator: g))
    }

    static func accuracy(_ model: Sequential, _ test: MNIST) -> Double {
        model.eval()
        let predicted = withNoGrad { model(test.images).argmax(axis: 1) }
        return Double(predicted.eq(test.labels).sum().item()) / Double(test.count)
    }

    @Test func sgdWithMomentum() throws {
        let train = try Digits.load(train: true), test = try Digits.load(train: false)
        let model = Self.mlp()
        let opt = SGD(model.parameters(), lr: 0.1, momentum: 0.9)
        let loader = DataLoader(train, batchSize: 64, shuffle: true, generator: Generator(seed: 1))
        for _ in 0..<15 {
            for (x, y) in loader {
                opt.zeroGrad()
                crossEntropy(logits: model(x), targets: y).backward()
                opt.step()
            }
        }
        let acc = Self.accuracy(model, test)
        #expect(acc >= 0.95, "SGD test accuracy \(acc)")
    }

    @Test func adamWWithOneCycle() throws {
        let train = try Digits.load(train: true), test = try Digits.load(train: false)
        let model = Self.mlp()
        let loader = DataLoader(train, batchSize: 64, shuffle: true, generator: Generator(seed: 1))
        let epochs = 15
        let opt = AdamW(model.namedParameters(), lr: 1e-3, weightDecay: 0.01)
        let sched = OneCycleLR(opt, maxLR: 0.01, epochs: epochs, stepsPerEpoch: loader.count)
        for _ in 0..<epochs {
            for (x, y) in loader {
                opt.zeroGrad()
                crossEntropy(logits: model(x), targets: y).backward()
                clipGradNorm(model.parameters(), maxNorm: 5)
                opt.step()
                sched.step()
            }
        }
        #expect(sched.lastEpoch == epochs * loader.count)
        let acc = Self.accuracy(model, test)
        #expect(acc >= 0.95, "AdamW + OneCycleLR test accuracy \(acc)")
        // The state is keyed by the module's parameter names.
        #expect(opt.stateDict()["state.1.weight.exp_avg"]?.shape == [64, 64])
    }
}
