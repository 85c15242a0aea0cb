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

    /// 2 epochs, checkpoint model + optimizer + scheduler to a file, rebuild everything, restore,
    /// 2 more epochs: the weights equal 4 straight epochs bit for bit.
    @Test func checkpointResumesExactly() throws {
        let train = try Digits.load(train: true)
        let loader = DataLoader(train, batchSize: 128)
        func setup(seed: UInt64) -> (Sequential, AdamW, CosineAnnealingLR) {
            let g = Generator(seed: seed)
            let model = Sequential(Flatten(), Linear(64, 32, generator: g), ReLU(), Linear(32, 10, generator: g))
            let opt = AdamW(model.namedParameters(), lr: 3e-3)
            return (model, opt, CosineAnnealingLR(opt, tMax: 4 * loader.count))
        }
        func run(_ m: Sequential, _ o: AdamW, _ s: CosineAnnealingLR, epochs: Int) {
            for _ in 0..<epochs {
                for (x, y) in loader {
                    o.zeroGrad()
                    crossEntropy(logits: m(x), targets: y).backward()
                    o.step()
                    s.step()
                }
            }
        }
        let (a, optA, schedA) = setup(seed: 0)
        run(a, optA, schedA, epochs: 4)

        let (b, optB, schedB) = setup(seed: 0)
        run(b, optB, schedB, epochs: 2)
        let path = makeTemporaryFolder() + "/run.ckpt"
        try Checkpoint.save(to: path, epoch: 2, step: 2 * loader.count, ["model": b, "optimizer": optB, "scheduler": schedB])
        let (c, optC, schedC) = setup(seed: 99)
        let ckpt = try Checkpoint.restore(from: path, into: ["model": c, "optimizer": optC, "scheduler": schedC])
        #expect(ckpt.epoch == 2)
        run(c, optC, schedC, epochs: 2)
        for ((name, x), (_, y)) in zip(a.namedParameters(), c.namedParameters()) {
            #expect(x.scalars.map(\.bitPattern) == y.scalars.map(\.bitPattern), "\(name)")
        }
        #expect(optC.lr == optA.lr)
    }
}
