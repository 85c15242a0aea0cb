// A user-defined differentiable function with its own backward: the real cube root. `x.pow(1/3)` is
// NaN for negative x (as in PyTorch); `cbrt` below is defined on the whole line, and its derivative
// 1/(3·∛x²) is written by hand. The example checks it with gradcheck in float64, then fits
// y = ∛(w·x + c) to noisy data, so that gradients flow through the custom op into w and c.
// Run: swift run -c release custom-op [--steps 300] [--lr 0.05] [--seed 0]
import ArgumentParser
import Foundation
import SwiftGrad

/// The real cube root, ∛x = sign(x)·|x|^(1/3), as a custom op.
func cbrt(_ x: Tensor) -> Tensor {
    // 1. The forward value, computed without recording a graph.
    let y = withNoGrad { x.sign() * x.abs().pow(1.0 / 3) }
    // 2. What the backward reads: a detached view of the value (capturing the output `y` itself
    //    would be a retain cycle: y → its node → the closure → y).
    let saved = y.detach()
    // 3. The backward: d∛x/dx = 1 / (3·∛x²), written with Tensor ops so it is differentiable again.
    return y.recordedAsCustomOp("cbrt", inputs: [x]) { grad in
        [grad / (saved * saved * 3)]
    }
}

@main
struct CustomOpExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custom-op",
        abstract: "A custom differentiable op (real cube root) checked with gradcheck and used in a small fit.")

    @Option(help: "Adam steps of the fit.") var steps = 300
    @Option(help: "Adam learning rate.") var lr = 0.05
    @Option(help: "Seed for the data and the initial parameters.") var seed: UInt64 = 0

    mutating func run() throws {
        // Gradient check in float64, away from 0 where the derivative is infinite.
        let g = Generator(seed: seed)
        let magnitude = Tensor.uniform([4, 5], low: 0.2, high: 3, dtype: .float64, generator: g)
        let signs = Tensor.uniform([4, 5], low: -1, high: 1, dtype: .float64, generator: g).sign()
        let x = magnitude * signs
        let check = gradcheck({ xs in cbrt(xs[0]) }, inputs: [x])
        print("cbrt: \(check)")
        guard check.passed else { throw ExitCode.failure }

        // The custom backward agrees with autograd through the composed ops where both are defined.
        let xs = Tensor([-8, -1, 0.5, 27], dtype: .float64, requiresGrad: true)
        cbrt(xs).sum().backward()
        print("cbrt([-8, -1, 0.5, 27]) gradient: \(xs.grad!.toArray(as: Double.self).map { String(format: "%.5f", $0) })")
        let viaPow = Tensor([-8], dtype: .float64).pow(1.0 / 3).item()
        print("x.pow(1/3) of -8 is \(viaPow.isNaN ? "NaN" : "\(viaPow)"), cbrt gives \(cbrt(Tensor([-8], dtype: .float64)).item()): why the custom op exists")

        // A tiny fit: y = ∛(3x - 1) + noise; learn w and c in ∛(w·x + c).
        let inputs = Tensor.linspace(-2, 2, steps: 200, dtype: .float64).unsqueeze(axis: 1)
        let noise = Tensor.randn([200, 1], std: 0.02, dtype: .float64, generator: g)
        let targets = cbrt(inputs * 3 - 1) + noise
        let w = Tensor([0.5], dtype: .float64, requiresGrad: true)
        let c = Tensor([0.0], dtype: .float64, requiresGrad: true)
        let optimizer = Adam([w, c], lr: lr)
        var loss = Double.nan
        for step in 0...steps {
            let prediction = cbrt(inputs * w + c)
            let l = mseLoss(prediction, targets)
            optimizer.zeroGrad()
            l.backward()
            // ∛ has an infinite slope at 0: a point landing next to it can spike the gradient.
            clipGradNorm([w, c], maxNorm: 1)
            optimizer.step()
            loss = l.item()
            if step % 50 == 0 { print(String(format: "step %3d: loss %.6f  w %.4f  c %.4f", step, loss, w.item(), c.item())) }
        }
        print(String(format: "learned w = %.3f, c = %.3f (true: 3, -1); final loss %.6f", w.item(), c.item(), loss))
        let ok = abs(w.item() - 3) < 0.15 && abs(c.item() + 1) < 0.1
        print(ok ? "fit: recovered the parameters" : "fit: did NOT recover the parameters")
        if !ok { throw ExitCode.failure }
    }
}
