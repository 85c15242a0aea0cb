import Testing
import SwiftGrad

/// The engine's in-place scatter path for slices and indexSelect must give exactly the gradients of
/// the recorded (createGraph) path, for leaves and for non-leaf inputs, with overlapping reads.
@Suite struct SliceBackwardTests {
    func loss(_ x: Tensor) -> Tensor {
        let y = x * 2                               // non-leaf input to the slices
        let parts = y.split(size: 2, axis: 1)       // [3, 2] pieces of [3, 7] (last is [3, 1])
        var total = parts[0].sum() * 3
        for (i, p) in parts.enumerated() { total = total + (p * Double(i + 1)).square().sum() }
        let picked = x.indexSelect(axis: 0, indices: Tensor([2, 0, 2]))   // repeated index
        let strided = x[.all, .slice(1, nil, step: 3)]
        return total + picked.exp().sum() + strided.sin().sum()
    }

    @Test func scatterPathMatchesRecordedPath() {
        let x = Tensor.randn([3, 7], dtype: .float64, generator: Generator(seed: 3)).requiringGrad()
        loss(x).backward()
        let fast = x.grad!.doubles
        x.grad = nil
        let slow = grad(of: loss(x), wrt: [x], createGraph: true)[0]!.doubles
        for (a, b) in zip(fast, slow) { #expect(Swift.abs(a - b) <= 1e-12 * Swift.max(1, Swift.abs(b))) }
    }

    @Test func scatterPathPassesGradcheck() {
        let x = Tensor.randn([3, 7], dtype: .float64, generator: Generator(seed: 4))
        let r = gradcheck({ loss($0[0]) }, inputs: [x])
        #expect(r.passed, "\(r)")
    }

    @Test func accumulatesIntoExistingLeafGradient() {
        let x = Tensor.ones([4], dtype: .float64).requiringGrad()
        x[0..<2].sum().backward()
        x[1..<4].sum().backward()
        #expect(x.grad!.doubles == [1, 2, 1, 1])
    }
}
