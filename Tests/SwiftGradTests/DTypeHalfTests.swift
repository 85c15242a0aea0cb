import Testing
@testable import SwiftGrad

/// float16 and bfloat16: math computed in float32 and rounded once, gradients in the tensor's
/// dtype, matrix products with float32 accumulation, `Module.to(_:)`, optimizers on reduced-precision
/// parameters and `withAutocast`. Expected values are PyTorch 2.13's (CPU), printed with `tolist()`.
@Suite struct DTypeHalfTests {
    struct Expected {
        let dtype: DType
        let values, mul3, softmax, exp, sigmoid, tanh, layerNorm: [Double]
        let sum, mean, variance: Double
        let squareGrad, expGrad: [Double]
        let linear: [Double]
        let ulp: Double
    }

    static let expected: [Expected] = [
        Expected(dtype: .bfloat16, values: [0.10009765625, 1.703125, -2.203125], mul3: [0.30078125, 5.125, -6.625],
                 softmax: [0.1650390625, 0.8203125, 0.0164794921875], exp: [1.1015625, 5.5, 0.1103515625],
                 sigmoid: [0.5234375, 0.84765625, 0.099609375], tanh: [0.099609375, 0.9375, -0.9765625],
                 layerNorm: [0.1455078125, 1.1484375, -1.2890625],
                 sum: -0.400390625, mean: -0.1328125, variance: 3.859375,
                 squareGrad: [0.2001953125, 3.40625, -4.40625], expGrad: [1.2109375, 14.875, -0.1328125],
                 linear: [-3.484375, 2.65625], ulp: 0x1p-7),
        Expected(dtype: .float16, values: [0.0999755859375, 1.7001953125, -2.19921875], mul3: [0.2998046875, 5.1015625, -6.59765625],
                 softmax: [0.1651611328125, 0.818359375, 0.016571044921875], exp: [1.10546875, 5.4765625, 0.11090087890625],
                 sigmoid: [0.52490234375, 0.845703125, 0.09979248046875], tanh: [0.09967041015625, 0.935546875, -0.9755859375],
                 layerNorm: [0.1456298828125, 1.1455078125, -1.291015625],
                 sum: -0.39892578125, mean: -0.133056640625, variance: 3.841796875,
                 squareGrad: [0.199951171875, 3.400390625, -4.3984375], expGrad: [1.2158203125, 14.7890625, -0.133056640625],
                 linear: [-3.478515625, 2.6484375], ulp: 0x1p-10),
    ]

    /// Within one unit in the last place of the dtype (transcendental functions may round the
    /// other way from PyTorch's vectorised implementations).
    static func close(_ a: [Double], _ b: [Double], ulp: Double) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= ulp * Swift.max(Swift.abs($1), 1e-3) }
    }

    @Test(arguments: expected) func elementwiseAndReductionsRoundOnce(_ e: Expected) {
        let x = Tensor([0.1, 1.7, -2.2], dtype: e.dtype)
        #expect(x.dtype == e.dtype && x.doubles == e.values)
        #expect((x * 3).dtype == e.dtype && (x * 3).doubles == e.mul3)
        #expect(x.sum().dtype == e.dtype && x.sum().item() == e.sum)
        #expect(x.mean().item() == e.mean && x.variance().item() == e.variance)
        #expect(Self.close(x.softmax(axis: 0).doubles, e.softmax, ulp: e.ulp))
        #expect(Self.close(x.exp().doubles, e.exp, ulp: e.ulp))
        #expect(Self.close(x.sigmoid().doubles, e.sigmoid, ulp: e.ulp) && Self.close(x.tanh().doubles, e.tanh, ulp: e.ulp))
        #expect(Self.close(layerNorm(x, normalizedShape: [3]).doubles, e.layerNorm, ulp: e.ulp))
        #expect(x.softmax(axis: 0).dtype == e.dtype && layerNorm(x, normalizedShape: [3]).dtype == e.dtype)
        // torch.arange(1000, dtype).sum(), .mean(): accumulated in float32, rounded once.
        let big = Tensor.arange(1000, dtype: e.dtype)
        #expect(big.sum().item() == (e.dtype == .bfloat16 ? 499_712 : .infinity))
        #expect(big.mean().item() == (e.dtype == .bfloat16 ? 500 : 499.5))
    }

    @Test(arguments: expected) func gradientsFlowInTheSameDType(_ e: Expected) {
        let x = Tensor([0.1, 1.7, -2.2], dtype: e.dtype).requiringGrad()
        let y = (x * x).sum()
        y.backward()
        #expect(y.dtype == e.dtype && x.grad?.dtype == e.dtype && x.grad?.doubles == e.squareGrad)
        let z = Tensor([0.1, 1.7, -2.2], dtype: e.dtype).requiringGrad()
        (z.exp() * z).sum().backward()
        #expect(Self.close(z.grad!.doubles, e.expGrad, ulp: 2 * e.ulp))
        // Conversions between float dtypes are differentiable both ways.
        let w = Tensor([1.5, -2], dtype: .float32, requiresGrad: true)
        (w.to(e.dtype) * 2).sum().backward()
        #expect(w.grad?.dtype == .float32 && w.grad?.scalars == [2, 2])
    }

    @Test(arguments: expected) func matrixProductsAccumulateInFloat32(_ e: Expected) {
        let a = Tensor([[1.5, 2.25], [3, -1]], dtype: e.dtype)
        #expect(a.matmul(a).dtype == e.dtype && a.matmul(a).doubles == [9, 1.125, 1.5, 7.75])
        let x = Tensor([[0.1, 1.7, -2.2]], dtype: e.dtype)
        let w = Tensor([[0.3, -0.7, 1.1], [0.2, 0.5, -0.9]], dtype: e.dtype), b = Tensor([0.1, -0.2], dtype: e.dtype)
        #expect(linear(x, weight: w, bias: b).doubles == e.linear)
        // 4096 products of 1·1: a float16 accumulator would stop at 2048; float32 counts them all.
        let ones = Tensor.ones([1, 4096], dtype: e.dtype)
        #expect(ones.matmul(ones.transpose(0, 1)).item() == 4096)
        let img = Tensor.ones([1, 1, 4, 4], dtype: e.dtype), k = Tensor.ones([1, 1, 3, 3], dtype: e.dtype)
        let c = conv2d(img, weight: k)
        #expect(c.dtype == e.dtype && c.doubles == [9, 9, 9, 9])
        #expect(maxPool2d(img, kernelSize: 2).dtype == e.dtype && avgPool2d(img, kernelSize: 2).doubles == [1, 1, 1, 1])
    }

    @Test func moduleToConvertsParametersInPlace() {
        manualSeed(3)
        let model = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
        let before = model.parameters()
        model.to(.bfloat16)
        let after = model.parameters()
        #expect(zip(before, after).allSatisfy { $0 === $1 } && after.allSatisfy { $0.dtype == .bfloat16 && $0.requiresGrad })
        let x = Tensor.randn([5, 3], dtype: .bfloat16)
        let loss = model(x).square().mean()
        #expect(loss.dtype == .bfloat16)
        loss.backward()
        #expect(after.allSatisfy { $0.grad?.dtype == .bfloat16 })
        let old = after[0].doubles
        let opt = Adam(model.parameters(), lr: 0.1)
        opt.step()
        #expect(after[0].dtype == .bfloat16 && after[0].doubles != old)
        // Back to float64: values kept (every bfloat16 is a float64).
        let values = after[0].doubles
        model.to(.float64)
        #expect(after[0].dtype == .float64 && after[0].doubles == values)
        // Integer buffers stay; float buffers convert.
        let bn = BatchNorm1d(3)
        bn.to(.float16)
        #expect(bn.namedBuffers().allSatisfy { name, t in name.hasSuffix("num_batches_tracked") ? t.dtype == .int64 : t.dtype == .float16 })
        #expect(bn(Tensor.randn([4, 3], dtype: .float16)).dtype == .float16)
    }

    @Test func sgdUpdatesABFloat16ParameterInFloat32() {
        let p = Tensor([1, 2], dtype: .bfloat16).requiringGrad()
        p.grad = Tensor([0.5, 0.5], dtype: .bfloat16)
        SGD([p], lr: 0.5, momentum: 0.9).step()
        #expect(p.doubles == [0.75, 1.75])
    }

    @Test func autocastRunsProductsInLowerPrecisionWithFloat32MasterWeights() {
        manualSeed(7)
        let layer = Linear(8, 3)
        let x = Tensor.randn([4, 8]), targets = Tensor([0, 2, 1, 0])
        let (logits, loss) = withAutocast(.bfloat16) {
            let logits = layer(x)
            return (logits, crossEntropy(logits: logits, targets: targets))
        }
        #expect(logits.dtype == .bfloat16 && loss.dtype == .float32)
        loss.backward()
        #expect(layer.weight.dtype == .float32 && layer.weight.grad?.dtype == .float32)
        // The gradient agrees with the float32 one to bfloat16 accuracy.
        let autocastGrad = layer.weight.grad!.doubles
        layer.zeroGrad()
        crossEntropy(logits: layer(x), targets: targets).backward()
        let reference = layer.weight.grad!.doubles
        let scale = reference.map(Swift.abs).max()!
        #expect(zip(autocastGrad, reference).allSatisfy { Swift.abs($0 - $1) <= 0.03 * scale })
        // Outside autocast nothing is cast; float64 is never cast.
        #expect(layer(x).dtype == .float32)
        let d = Linear(2, 2); d.to(.float64)
        #expect(withAutocast(.bfloat16) { d(Tensor.randn([1, 2], dtype: .float64)) }.dtype == .float64)
        #expect(withAutocast(.float16) { Tensor.randn([2, 2]).matmul(Tensor.randn([2, 2])) }.dtype == .float16)
    }
}
