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
