import Testing
@testable import SwiftGrad

/// bernoulli, normal with tensor arguments and the dropout variants: seeded by our generator,
/// statistics within bounds, PyTorch's zero gradients for the samplers, gradients of the dropouts.
@Suite struct NNRandomTests {
    @Test func bernoulliIsSeededAndHasTheRightMean() {
        let p = Tensor.linspace(0, 1, steps: 5, dtype: .float64).reshape([5, 1]).expand([5, 2000]).contiguous()
        let a = p.bernoulli(generator: Generator(seed: 3)), b = bernoulli(p, generator: Generator(seed: 3))
        #expect(a.doubles == b.doubles && a.dtype == .float64)
        #expect(Set(a.doubles).isSubset(of: [0, 1]))
        let means = a.mean(axis: 1).doubles
        for (m, e) in zip(means, [0, 0.25, 0.5, 0.75, 1.0]) { #expect(abs(m - e) < 0.04) }
        #expect(Tensor.zeros([4000]).bernoulli(p: 0.3, generator: Generator(seed: 1)).mean().item() > 0.27)
        #expect(Tensor.zeros([3], dtype: .int64).bernoulli(p: 1).ints == [1, 1, 1])
        // On the graph with a zero gradient, as PyTorch.
        let q = Tensor([0.2, 0.7], dtype: .float64).requiringGrad()
        q.bernoulli().sum().backward()
        #expect(q.grad!.doubles == [0, 0])
    }

    @Test func normalWithTensorArguments() {
        let mean = Tensor([0.0, 10, -5], dtype: .float64).reshape([3, 1]).expand([3, 4000]).contiguous()
        let std = Tensor([1.0, 0.5, 2], dtype: .float64).reshape([3, 1])
        let x = normal(mean: mean, std: std, generator: Generator(seed: 4))
        #expect(x.shape == [3, 4000] && x.dtype == .float64)
        #expect(x.doubles == normal(mean: mean, std: std, generator: Generator(seed: 4)).doubles)
        let m = x.mean(axis: 1).doubles, s = x.std(axes: [1]).doubles
        for (a, e) in zip(m, [0.0, 10, -5]) { #expect(abs(a - e) < 0.1) }
        for (a, e) in zip(s, [1.0, 0.5, 2]) { #expect(abs(a - e) < 0.1) }
        #expect(normal(mean: Tensor.zeros([2]), std: 0).doubles == [0, 0])
        #expect(normal(mean: 3, std: Tensor.zeros([2], dtype: .float64)).doubles == [3, 3])
        #expect(normal(mean: Tensor.zeros([2], dtype: .float16), std: 1).dtype == .float16)
        let mu = Tensor([1.0, 2], dtype: .float64).requiringGrad(), sd = Tensor([1.0, 1], dtype: .float64).requiringGrad()
        normal(mean: mu, std: sd).sum().backward()
        #expect(mu.grad!.doubles == [0, 0] && sd.grad!.doubles == [0, 0])
    }

    @Test func channelDropoutsZeroWholeChannels() {
        let x = Tensor.ones([4, 6, 5], dtype: .float64)
        let y = dropout1d(x, p: 0.5, generator: Generator(seed: 2))
        for n in 0..<4 {
            for c in 0..<6 {
                let v = Set(y.select(axis: 0, index: n).select(axis: 0, index: c).doubles)
                #expect(v == [0] || v == [2])
            }
        }
        #expect(dropout1d(x, p: 0.5, training: false).doubles == x.doubles)
        #expect(dropout1d(Tensor.ones([3, 5]), p: 0.5).shape == [3, 5])
        let v = dropout3d(Tensor.ones([2, 3, 2, 2, 2], dtype: .float64), p: 0.3, generator: Generator(seed: 1))
        #expect(Set(v.doubles).isSubset(of: [0, 1 / 0.7]))
        #expect(dropout3d(Tensor.ones([3, 2, 2, 2]), p: 1).sum().item() == 0)
        let m = Dropout1d(p: 0.5, generator: Generator(seed: 2))
        #expect(m(x).doubles == y.doubles)
        m.eval()
        #expect(m(x).doubles == x.doubles)
        #expect(Dropout3d(p: 0.2).extraDescription == "p=0.2, inplace=False")
        GradCase("dropout1d", [GC.randn([2, 3, 4], seed: 5)]) { dropout1d($0[0], p: 0.4, generator: Generator(seed: 7)) }.check()
    }

    @Test func alphaDropoutKeepsMeanAndVariance() {
        let x = Tensor.randn([40000], dtype: .float64, generator: Generator(seed: 8))
        let y = alphaDropout(x, p: 0.2, training: true, generator: Generator(seed: 9))
        #expect(abs(y.mean().item()) < 0.03)
        #expect(abs(y.std().item() - 1) < 0.03)
        // Dropped elements all take one value, a·(-α) + b.
        let alpha = 1.7580993408473766, p = 0.2, a = 1 / ((alpha * alpha * p + 1) * (1 - p)).squareRoot()
        let dropped = -alpha * a + alpha * a * p
        let share = Double(y.doubles.filter { abs($0 - dropped) < 1e-12 }.count) / 40000
        #expect(abs(share - 0.2) < 0.02)
        #expect(alphaDropout(x, p: 0.2).doubles == x.doubles)    // training: false by default, as PyTorch
        let f = featureAlphaDropout(Tensor.zeros([3, 4, 10], dtype: .float64), p: 0.5, training: true, generator: Generator(seed: 1))
        for n in 0..<3 { for c in 0..<4 { #expect(Set(f.select(axis: 0, index: n).select(axis: 0, index: c).doubles).count == 1) } }
        let am = AlphaDropout(p: 0.2, generator: Generator(seed: 9))
        #expect(am(x).doubles == y.doubles)
        am.eval()
        #expect(am(x).doubles == x.doubles)
        #expect(FeatureAlphaDropout(p: 0.1).extraDescription == "p=0.1, inplace=False")
        GradCase("alphaDropout", [GC.randn([8], seed: 3)]) { alphaDropout($0[0], p: 0.3, training: true, generator: Generator(seed: 2)) }.check()
        GradCase("featureAlphaDropout", [GC.randn([2, 3, 2], seed: 4)]) {
            featureAlphaDropout($0[0], p: 0.3, training: true, generator: Generator(seed: 2))
        }.check()
        #expect(alphaDropout(Tensor.ones([2]).to(.bfloat16), p: 0.5, training: true).dtype == .bfloat16)
    }
}
