import Foundation
import Testing
import SwiftGrad

/// softplus(x) = log(1 + eˣ) as a custom op: stable forward, hand-written backward σ(x).
private func customSoftplus(_ x: Tensor) -> Tensor {
    // max(x, 0) + log1p(e^-|x|) never overflows.
    let value = withNoGrad { x.relu() + (-x.abs()).exp().log1p() }
    return value.recordedAsCustomOp("customSoftplus", inputs: [x]) { g in [g * x.sigmoid()] }
}

/// a·b as a custom op with two inputs; b may broadcast against a.
private func customMul(_ a: Tensor, _ b: Tensor) -> Tensor {
    withNoGrad { a * b }.recordedAsCustomOp("customMul", inputs: [a, b]) { g in [g * b, g * a] }
}

/// The real cube root of Docs/Autograd.md ("custom functions").
private func cbrt(_ x: Tensor) -> Tensor {
    let y = withNoGrad { x.sign() * x.abs().pow(1.0 / 3) }
    let saved = y.detach()
    return y.recordedAsCustomOp("cbrt", inputs: [x]) { g in [g / (saved * saved * 3)] }
}

/// The public custom-op API: recording, gradients, broadcasting, double backward, misuse.
@Suite struct CustomFunctionTests {
    @Test func forwardAndGradientMatchTheBuiltInOp() {
        let x = Tensor([-30, -2, -0.5, 0.1, 1, 40], dtype: .float64, requiresGrad: true)
        let y = customSoftplus(x)
        #expect(y.opName == "customSoftplus" && !y.isLeaf && y.requiresGrad)
        let reference = x.softplus()
        #expect((y - reference).abs().max().item() < 1e-12)
        y.sum().backward()
        let expected = withNoGrad { x.sigmoid() }
        #expect((x.grad! - expected).abs().max().item() < 1e-12)
    }

    @Test func gradcheckPassesInFloat64() {
        let x = Tensor.randn([3, 4], dtype: .float64, generator: Generator(seed: 7))
        let r = gradcheck({ xs in customSoftplus(xs[0]) }, inputs: [x])
        #expect(r.passed, "\(r)")
        let a = Tensor.randn([2, 3], dtype: .float64, generator: Generator(seed: 8))
        let b = Tensor.randn([3], dtype: .float64, generator: Generator(seed: 9))
        let r2 = gradcheck({ xs in customMul(xs[0], xs[1]) }, inputs: [a, b])
        #expect(r2.passed, "\(r2)")
    }

    @Test func theDocumentedCubeRoot() {
        let x = Tensor([-8, 1, 27], dtype: .float64, requiresGrad: true)
        let y = cbrt(x)
        #expect(y.toArray(as: Double.self).map { ($0 * 1e9).rounded() / 1e9 } == [-2, 1, 3])
        y.sum().backward()
        let g = x.grad!.toArray(as: Double.self)
        #expect(abs(g[0] - 1.0 / 12) < 1e-12 && abs(g[1] - 1.0 / 3) < 1e-12 && abs(g[2] - 1.0 / 27) < 1e-12)
        let r = gradcheck({ xs in cbrt(xs[0]) }, inputs: [x])
        #expect(r.passed, "\(r)")
    }

    @Test func broadcastGradientsAreSummedBackToTheInputShape() {
        let a = Tensor([[1, 2, 3], [4, 5, 6]], requiresGrad: true)
        let b = Tensor([10, 20, 30], requiresGrad: true)
        customMul(a, b).sum().backward()
        #expect(b.grad!.shape == [3])
        #expect(b.grad!.toArray(as: Double.self) == [5, 7, 9])
        #expect(a.grad!.toArray(as: Double.self) == [10, 20, 30, 10, 20, 30])
    }

    @Test func nilGradientsAndInputsThatNeedNone() {
        let x = Tensor([1, 2], requiresGrad: true)
        let scale = Tensor([3.0, 3.0])                        // does not require grad
        let y = withNoGrad { x * scale }.recordedAsCustomOp("scaleBy", inputs: [x, scale]) { g in [g * scale, nil] }
        y.sum().backward()
        #expect(x.grad!.toArray(as: Double.self) == [3, 3])
        #expect(scale.grad == nil)
    }

    @Test func nothingIsRecordedWithoutGrad() {
        let x = Tensor([1.0, 2.0])
        let y = customSoftplus(x)
        #expect(y.isLeaf && !y.requiresGrad)
        let w = Tensor([1, 2], requiresGrad: true)
        let z = withNoGrad { customSoftplus(w) }
        #expect(z.isLeaf && !z.requiresGrad)
    }

    @Test func backwardWrittenWithTensorOpsIsTwiceDifferentiable() {
        // cube(x) = x³ with backward 3x²·g: the second derivative 6x comes from recording that backward.
        let x = Tensor([2], dtype: .float64, requiresGrad: true)
        let y = withNoGrad { x * x * x }.recordedAsCustomOp("cube", inputs: [x]) { g in [g * x * x * 3] }
        let dy = grad(of: y.sum(), wrt: [x], createGraph: true)[0]!
        #expect(dy.item() == 12)
        let d2 = grad(of: dy.sum(), wrt: [x])[0]!
        #expect(d2.item() == 12)
    }

    @Test func theOutputIsFreedWithItsGraph() {
        weak var weakOutput: Tensor?
        let x = Tensor([1, 2, 3], requiresGrad: true)
        do {
            let y = customSoftplus(x)
            weakOutput = y
            y.sum().backward()
        }
        #expect(weakOutput == nil, "the backward closure must not keep the output alive")
        #expect(x.grad != nil)
    }

    @Test func anOutputThatAlreadyHasANodeStops() async {
        let message = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2], requiresGrad: true)
            _ = (x * 2).recordedAsCustomOp("double", inputs: [x]) { g in [g * 2] }
        }.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(message.contains("recordedAsCustomOp('double'): the output of shape [2] already belongs to op 'mul'"), "\(message)")
    }
}
