// xor: the smallest non-linear problem. A 2-8-1 tanh network learns exclusive-or with
// binary cross-entropy on logits and Adam.
import SwiftGrad

/// The four XOR inputs [4, 2] and targets [4, 1].
///
///     let (x, y) = xorData()
///     print(y.scalars)                    // [0, 1, 1, 0]
public func xorData() -> (inputs: Tensor, targets: Tensor) {
    (Tensor([0, 0, 0, 1, 1, 0, 1, 1] as [Float], shape: [4, 2]), Tensor([0, 1, 1, 0] as [Float], shape: [4, 1]))
}

/// What the XOR network learned.
public struct XORResult {
    /// The network: Linear(2, hidden) → Tanh → Linear(hidden, 1) (a logit).
    public let model: Sequential
    /// Loss after each logged step.
    public let losses: [(step: Int, loss: Double)]
    /// σ(logit) for the four inputs, in `xorData()` order.
    public let probabilities: [Double]
}

/// Trains the XOR network full-batch for `steps` Adam steps and returns it with its predictions.
///
///     let result = trainXOR(steps: 500, lr: 0.05, hidden: 8, seed: 0)
///     print(result.probabilities)         // ≈ [0, 1, 1, 0]
public func trainXOR(steps: Int, lr: Double, hidden: Int, seed: UInt64, logEvery: Int = 100) -> XORResult {
    let generator = Generator(seed: seed)
    let model = Sequential {
        Linear(2, hidden, generator: generator)
        Tanh()
        Linear(hidden, 1, generator: generator)
    }
    let (x, y) = xorData()
    let optimizer = Adam(model.parameters(), lr: lr)
    var losses: [(step: Int, loss: Double)] = []
    for step in 1...max(1, steps) {
        optimizer.zeroGrad()
        let loss = binaryCrossEntropy(logits: model(x), targets: y)
        loss.backward()
        optimizer.step()
        if step % max(1, logEvery) == 0 || step == steps { losses.append((step, loss.item())) }
    }
    let probabilities = withNoGrad { model(x).sigmoid() }.doubles
    return XORResult(model: model, losses: losses, probabilities: probabilities)
}
