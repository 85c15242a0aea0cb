import Foundation
import Testing
import SwiftGrad

@Suite struct ClippingTests {
    func params(_ grads: [[Double]?], dtype: DType = .float64) -> [Tensor] {
        grads.map { g in
            let p = Tensor.zeros([g?.count ?? 2], dtype: dtype).requiringGrad()
            p.grad = g.map { Tensor($0, dtype: dtype) }
            return p
        }
    }

    @Test func l2NormIsReturnedAndGradientsScaled() {
        let ps = params([[3, 0], [0, 4], nil])
        let norm = clipGradNorm(ps, maxNorm: 1)
        #expect(norm == 5)
        let c = 1 / (5 + 1e-6)
        #expect(ps[0].grad!.doubles == [3 * c, 0])
        #expect(ps[1].grad!.doubles == [0, 4 * c])
        #expect(ps[2].grad == nil)
    }

    @Test func gradientsUnderTheLimitAreUntouched() {
        let ps = params([[0.3, -0.4]])
        let before = ps[0].grad!.doubles
        #expect(clipGradNorm(ps, maxNorm: 1) == 0.5)
        #expect(ps[0].grad!.doubles == before)
    }

    @Test func infinityAndOtherNorms() {
        var ps = params([[1, -7], [2, 3]])
        #expect(clipGradNorm(ps, maxNorm: 3.5, normType: .infinity) == 7)
        #expect(abs(ps[0].grad!.doubles[1] - (-7 * 3.5 / (7 + 1e-6))) < 1e-15)
        ps = params([[1, -2], [2]])
        let n1 = clipGradNorm(ps, maxNorm: 100, normType: 1)
        #expect(abs(n1 - 5) < 1e-12)
        ps = params([[1, -2], [2]])
        let n3 = clipGradNorm(ps, maxNorm: 100, normType: 3)
        #expect(abs(n3 - pow(17.0, 1.0 / 3)) < 1e-12)
    }

    @Test func float32AndLargeGradients() {
        let g = Tensor.randn([50_000], generator: Generator(seed: 4))
        let p = Tensor.zeros([50_000]).requiringGrad()
        p.grad = g.copy()
        let expected = g.to(.float64).square().sum().item().squareRoot()
        let norm = clipGradNorm([p], maxNorm: 1)
        #expect(abs(norm - expected) < 1e-9 * expected)
        let after = p.grad!.to(.float64).square().sum().item().squareRoot()
        #expect(abs(after - 1) < 1e-5)
    }

    @Test func noGradientsGiveZero() {
        #expect(clipGradNorm(params([nil, nil]), maxNorm: 1) == 0)
    }

    @Test func nonFiniteNormPropagates() {
        let ps = params([[.infinity, 1]])
        let n = clipGradNorm(ps, maxNorm: 1)
        #expect(n == .infinity)
        #expect(ps[0].grad!.doubles[1] == 0)      // scale max / (inf + 1e-6) = 0, as in PyTorch
    }

    @Test func clipByValue() {
        let ps = params([[-3, 0.2, 5, .nan], nil], dtype: .float32)
        clipGradValue(ps, clipValue: 1)
        let g = ps[0].grad!.scalars
        #expect(Array(g[0..<3]) == [-1, 0.2, 1])
        #expect(g[3].isNaN)
        #expect(ps[1].grad == nil)
    }
}
