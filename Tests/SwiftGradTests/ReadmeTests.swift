import Testing
import SwiftGrad

/// The README's example, kept compiling and checked against hand-computed gradients.
@Suite struct ReadmeTests {
    @Test func readmeExampleRunsAndGradientsHaveInputShapes() {
        let x = Tensor([[1, 2, 3], [4, 5, 6]], requiresGrad: true)
        let b = Tensor([10, 20, 30] as [Float], requiresGrad: true)
        let y = ((x * b).tanh() + x.pow(2)).sum()
        y.backward()
        #expect(x.grad!.shape == [2, 3])
        #expect(b.grad!.shape == [3])
        // d/dx (tanh(xb) + x²) = b(1 - tanh²(xb)) + 2x; tanh saturates here, so ≈ 2x.
        let gx = x.grad!.scalars
        for (i, v) in [1, 2, 3, 4, 5, 6].enumerated() { #expect(Swift.abs(Double(gx[i]) - 2 * Double(v)) < 1e-3) }
    }
}

/// The README's training-loop snippet compiles and runs (one batch).
@Suite struct ReadmeLoopTests {
    @Test func readmeTrainingLoopRuns() throws {
        let model = Sequential {
            Conv2d(1, 16, 3, padding: 1); ReLU(); MaxPool2d(2)
            Flatten(); Linear(16 * 4 * 4, 10)
        }
        let optimizer = Adam(model.parameters(), lr: 1e-3)
        var steps = 0
        for (images, labels) in DataLoader(try Digits.load(train: true), batchSize: 64, shuffle: true) {
            optimizer.zeroGrad()
            let loss = crossEntropy(logits: model(images), targets: labels)
            loss.backward()
            optimizer.step()
            steps += 1
            if steps == 2 { break }
        }
        #expect(steps == 2)
    }
}
