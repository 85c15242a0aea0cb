import Testing
import Foundation
@testable import SwiftGrad

/// The 3-D modules (Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d,
/// AdaptiveMaxPool3d, LPPool3d), Softmax2d, LinearCrossEntropyLoss and the BCE losses' `weight`:
/// PyTorch's parameter shapes, counts and reprs; each module computes exactly its functional op;
/// float64 gradient checks. (Their values against PyTorch's: ModuleConformanceTests.)
@Suite struct VolumeLayerTests {
    @Test func parameterCountsNamesAndReprsMatchPyTorch() {
        // Counts and reprs as PyTorch prints them for the same constructor calls.
        let cases: [(Module, Int, String)] = [
            (Conv3d(4, 8, 3, padding: 1), 872, "Conv3d(4, 8, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))"),
            (Conv3d(4, 8, [1, 3, 3], stride: [1, 2, 2], groups: 2, bias: false), 144,
             "Conv3d(4, 8, kernel_size=(1, 3, 3), stride=(1, 2, 2), groups=2, bias=False)"),
            (Conv3d(2, 2, 2, padding: .same), 34, "Conv3d(2, 2, kernel_size=(2, 2, 2), stride=(1, 1, 1), padding=same)"),
            (ConvTranspose3d(8, 4, 2, stride: 2), 260, "ConvTranspose3d(8, 4, kernel_size=(2, 2, 2), stride=(2, 2, 2))"),
            (ConvTranspose3d(4, 2, 3, stride: 2, padding: 1, outputPadding: 1), 218,
             "ConvTranspose3d(4, 2, kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1), output_padding=(1, 1, 1))"),
            (MaxPool3d(2), 0, "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"),
            (AvgPool3d(2), 0, "AvgPool3d(kernel_size=2, stride=2, padding=0)"),
            (AdaptiveAvgPool3d(1), 0, "AdaptiveAvgPool3d(output_size=1)"),
            (AdaptiveMaxPool3d([2, 3, 4]), 0, "AdaptiveMaxPool3d(output_size=(2, 3, 4))"),
            (Softmax2d(), 0, "Softmax2d()"),
        ]
        for (m, count, repr) in cases {
            #expect(m.parameterCount == count, "\(repr)")
            #expect(m.description == repr)
        }
        #expect(Conv3d(4, 8, 3).namedParameters().map(\.0) == ["weight", "bias"])
        #expect(Conv3d(4, 6, [1, 2, 3], groups: 2).weight.shape == [6, 2, 1, 2, 3])
        #expect(ConvTranspose3d(4, 6, 3, groups: 2).weight.shape == [4, 3, 3, 3, 3])
    }

    /// kaiming-uniform with a = √5 is U(±1/√fanIn), as the 2-D layers.
    @Test func initialisationBounds() {
        let conv = Conv3d(2, 4, 3, generator: Generator(seed: 3))
        let bound = 1 / Double(2 * 27).squareRoot()
        #expect(conv.weight.doubles.allSatisfy { Swift.abs($0) <= bound })
        #expect(conv.weight.doubles.map(Swift.abs).max()! > bound * 0.9)
        #expect(conv.bias!.doubles.allSatisfy { Swift.abs($0) <= bound })
        let up = ConvTranspose3d(2, 4, 3, generator: Generator(seed: 4))
        let upBound = 1 / Double(4 * 27).squareRoot()     // fanIn = out/groups · kernel, as PyTorch
        #expect(up.weight.doubles.allSatisfy { Swift.abs($0) <= upBound })
    }

    @Test func modulesComputeTheirFunctions() {
        let g = Generator(seed: 5)
        let x = Tensor.randn([2, 4, 5, 6, 7], dtype: .float64, generator: g)
        let conv = Conv3d(4, 3, [2, 3, 3], stride: [1, 2, 1], padding: 1, dilation: [2, 1, 1], dtype: .float64)
        #expect(conv(x).allclose(conv3d(x, weight: conv.weight, bias: conv.bias, stride: [1, 2, 1], padding: 1, dilation: [2, 1, 1])))
        #expect(Conv3d(4, 3, 3, padding: .same, dtype: .float64)(x).shape == [2, 3, 5, 6, 7])
        #expect(conv(x[0]).shape == Array(conv(x).shape.dropFirst()))                   // unbatched
        let up = ConvTranspose3d(4, 2, 3, stride: 2, padding: 1, outputPadding: 1, dtype: .float64)
        #expect(up(x).allclose(convTranspose3d(x, weight: up.weight, bias: up.bias, stride: 2, padding: 1, outputPadding: 1)))
        #expect(up(x).shape == [2, 2, 10, 12, 14])
        #expect(MaxPool3d(2)(x).allclose(maxPool3d(x, kernelSize: 2)))
        let (values, indices) = MaxPool3d(2, stride: 1).forwardWithIndices(x)
        let direct = maxPool3dWithIndices(x, kernelSize: 2, stride: 1)
        #expect(values.allclose(direct.values) && indices.ints == direct.indices.ints)
        #expect(AvgPool3d(3, stride: 2, padding: 1, countIncludePad: false)(x)
            .allclose(avgPool3d(x, kernelSize: 3, stride: 2, padding: 1, countIncludePad: false)))
        #expect(AdaptiveAvgPool3d([1, 2, 3])(x).allclose(adaptiveAvgPool3d(x, outputSize: [1, 2, 3])))
        #expect(AdaptiveMaxPool3d(2)(x).allclose(adaptiveMaxPool3d(x, outputSize: 2)))
        #expect(AdaptiveMaxPool3d(2).forwardWithIndices(x).indices.ints == adaptiveMaxPool3dWithIndices(x, outputSize: 2).indices.ints)
        // p = 1 on non-negative input: the sum of each window.
        let pos = x.abs()
        #expect(LPPool3d(normType: 1, kernelSize: 2)(pos).allclose(avgPool3d(pos, kernelSize: 2) * 8))
        // p = 2: the Euclidean norm of each window.
        let l2 = LPPool3d(normType: 2, kernelSize: [1, 2, 2], stride: 1)(x)
        #expect(l2.allclose((avgPool3d(x * x, kernelSize: [1, 2, 2], stride: 1) * 4).sqrt()))
    }

    /// PyTorch's `padding_mode`: pad the input with `pad(mode:)` (`.same`: the extra element after),
    /// then convolve without padding.
    @Test func convolutionPaddingModes() {
        let g = Generator(seed: 15)
        let x = Tensor.randn([2, 3, 6, 7], dtype: .float64, generator: g)
        let c2 = Conv2d(3, 4, [3, 2], padding: [1, 2], paddingMode: .reflect, dtype: .float64, generator: g)
        #expect(c2(x).allclose(conv2d(x.pad([2, 2, 1, 1], mode: .reflect), weight: c2.weight, bias: c2.bias)))
        #expect(c2.description == "Conv2d(3, 4, kernel_size=(3, 2), stride=(1, 1), padding=(1, 2), padding_mode=reflect)")
        let same = Conv2d(3, 2, 4, padding: .same, dilation: [1, 2], paddingMode: .circular, dtype: .float64, generator: g)
        // span 4 (total 3: 1 before, 2 after) along h, span 7 (total 6: 3 and 3) along w.
        #expect(same(x).allclose(conv2d(x.pad([3, 3, 1, 2], mode: .circular), weight: same.weight, bias: same.bias, dilation: [1, 2])))
        #expect(same(x).shape == [2, 2, 6, 7])
        let s = Tensor.randn([2, 3, 9], dtype: .float64, generator: g)
        let c1 = Conv1d(3, 2, 4, stride: 2, padding: 3, paddingMode: .replicate, dtype: .float64, generator: g)
        #expect(c1(s).allclose(conv1d(s.pad([3, 3], mode: .replicate), weight: c1.weight, bias: c1.bias, stride: 2)))
        #expect(c1(s[0]).allclose(c1(s)[0]))                                            // unbatched
        let v = Tensor.randn([1, 2, 4, 5, 6], dtype: .float64, generator: g)
        let c3 = Conv3d(2, 2, 3, padding: [1, 0, 2], paddingMode: .reflect, dtype: .float64, generator: g)
        #expect(c3(v).allclose(conv3d(v.pad([2, 2, 0, 0, 1, 1], mode: .reflect), weight: c3.weight, bias: c3.bias)))
        let r = gradcheck({ xs in c2(xs[0]) }, inputs: [x])
        #expect(r.passed, "\(r)")
    }

    @Test func softmax2dNormalisesTheChannelsOfEveryPixel() {
        let x = Tensor.randn([2, 3, 4, 5], dtype: .float64, generator: Generator(seed: 6))
        let y = Softmax2d()(x)
        #expect(y.allclose(x.softmax(axis: 1)))
        #expect(y.sum(axis: 1).allclose(Tensor.ones([2, 4, 5], dtype: .float64)))
        #expect(Softmax2d()(x[0]).allclose(x[0].softmax(axis: 0)))                      // unbatched [c, h, w]
    }

    @Test func gradientsOfTheVolumeModulesPassGradcheck() {
        let g = Generator(seed: 7)
        let x = Tensor.randn([1, 2, 3, 4, 4], dtype: .float64, generator: g)
        let conv = Conv3d(2, 2, 2, padding: [0, 1, 1], dtype: .float64, generator: g)
        let up = ConvTranspose3d(2, 1, 2, stride: 2, dtype: .float64, generator: g)
        let modules: [(String, Module)] = [
            ("Conv3d", conv), ("ConvTranspose3d", up), ("MaxPool3d", MaxPool3d(2, stride: 1)),
            ("AvgPool3d", AvgPool3d(2, padding: 1)), ("AdaptiveAvgPool3d", AdaptiveAvgPool3d([2, 3, 3])),
            ("AdaptiveMaxPool3d", AdaptiveMaxPool3d(2)), ("LPPool3d", LPPool3d(normType: 3, kernelSize: 2)),
            ("Softmax2d", Softmax2d()),
        ]
        for (name, m) in modules {
            let input = name == "Softmax2d" ? x[0] : (name == "LPPool3d" ? x.abs() + 0.5 : x)
            let r = gradcheck({ xs in m(xs[0]) }, inputs: [input])
            #expect(r.passed, "\(name): \(r)")
        }
        // The weight gradient of the module is the function's.
        let w = conv.weight
        let r = gradcheck({ xs in conv3d(x, weight: xs[0], bias: conv.bias, padding: [0, 1, 1]) }, inputs: [w])
        #expect(r.passed, "\(r)")
        let y = conv(x)
        let gw = grad(of: (y * y).sum(), wrt: [conv.weight])[0]!
        let yf = conv3d(x, weight: conv.weight, bias: conv.bias, padding: [0, 1, 1])
        #expect(gw.allclose(grad(of: (yf * yf).sum(), wrt: [conv.weight])[0]!))
    }

    /// Fractional max pooling: every value is the input at its index and the maximum of its window;
    /// the window starts follow PyTorch's formula ⌊(i + u)·α⌋ − ⌊u·α⌋, α = (in − k)/(out − 1).
    @Test func fractionalMaxPoolingPicksTheMaximumOfEachWindow() {
        let x = Tensor.randn([2, 3, 7, 9], dtype: .float64, generator: Generator(seed: 10))
        let u = Tensor.rand([2, 3, 2], dtype: .float64, generator: Generator(seed: 11))
        let (y, at) = fractionalMaxPool2dWithIndices(x, kernelSize: [2, 3], outputSize: [4, 3], randomSamples: u)
        #expect(y.shape == [2, 3, 4, 3] && at.shape == [2, 3, 4, 3] && at.dtype == .int64)
        #expect(y.allclose(x.reshape([2, 3, 63]).gather(axis: 2, index: at.reshape([2, 3, 12])).reshape([2, 3, 4, 3])))
        let xs = x.doubles, us = u.doubles, ys = y.doubles
        func starts(_ s: Double, _ input: Int, _ output: Int, _ pool: Int) -> [Int] {
            let alpha = Double(input - pool) / Double(output - 1)
            return (0..<output).map { i in i == output - 1 ? input - pool : Int((Double(i) + s) * alpha) - Int(s * alpha) }
        }
        for plane in 0..<6 {
            let hs = starts(us[plane * 2 + 1], 7, 4, 2), ws = starts(us[plane * 2], 9, 3, 3)   // samples are (w, h)
            for i in 0..<4 {
                for j in 0..<3 {
                    var best = -Double.infinity
                    for dh in 0..<2 { for dw in 0..<3 { best = Swift.max(best, xs[plane * 63 + (hs[i] + dh) * 9 + ws[j] + dw]) } }
                    #expect(ys[plane * 12 + i * 3 + j] == best)
                }
            }
        }
        // A ratio gives ⌊input·ratio⌋; the generator's windows are reproducible; kernel 1 at full size is the identity.
        #expect(FractionalMaxPool2d(kernelSize: 2, outputRatio: [0.5])(x).shape == [2, 3, 3, 4])
        let a = fractionalMaxPool2d(x, kernelSize: 2, outputSize: [3, 3], generator: Generator(seed: 12))
        #expect(a.allclose(fractionalMaxPool2d(x, kernelSize: 2, outputSize: [3, 3], generator: Generator(seed: 12))))
        #expect(fractionalMaxPool2d(x, kernelSize: 1, outputSize: [7, 9]).allclose(x))
        let v = Tensor.randn([2, 4, 5, 6], dtype: .float64, generator: Generator(seed: 13))    // unbatched 3-D: [c, d, h, w]
        let pool3 = FractionalMaxPool3d(kernelSize: 2, outputSize: [3, 3, 4], randomSamples: Tensor.rand([1, 2, 3], dtype: .float64, generator: Generator(seed: 14)))
        #expect(pool3(v).shape == [2, 3, 3, 4])
        #expect(pool3.namedBuffers().map(\.0) == ["_random_samples"])
        let r = gradcheck({ xs in fractionalMaxPool3d(xs[0], kernelSize: [2, 1, 2], outputRatio: [0.6], randomSamples: pool3.randomSamples!.value) },
                          inputs: [v])
        #expect(r.passed, "\(r)")
    }

    @Test func linearCrossEntropyLossIsLinearThenCrossEntropy() throws {
        let g = Generator(seed: 8)
        let x = Tensor.randn([4, 5], dtype: .float64, generator: g)
        let classWeight = Tensor([1.0, 2.0, 0.5], shape: [3], dtype: .float64)
        let m = LinearCrossEntropyLoss(inFeatures: 5, numClasses: 3, bias: true, weight: classWeight, labelSmoothing: 0.1,
                                       dtype: .float64, generator: g)
        #expect(Set(m.stateDict().keys) == ["linear.weight", "linear.bias", "weight"])
        let t = Tensor([0, 2, 1, 2], shape: [4], dtype: .int64)
        let want = crossEntropy(logits: linear(x, weight: m.linear.weight, bias: m.linear.bias), targets: t, weight: classWeight,
                                labelSmoothing: 0.1)
        #expect(m(x, t).allclose(want))
        // K-dimensional: the logits [n, classes, outFeatures...].
        let k = LinearCrossEntropyLoss(inFeatures: 5, numClasses: 3, outFeatures: [2], reduction: .none, dtype: .float64, generator: g)
        #expect(k.linear.weight.shape == [6, 5])
        let tk = Tensor([0, 1, 2, 0, 1, 1, 2, 2], shape: [4, 2], dtype: .int64)
        #expect(k(x, tk).shape == [4, 2])
        #expect(k(x, tk).allclose(crossEntropy(logits: linear(x, weight: k.linear.weight).reshape([4, 3, 2]), targets: tk, reduction: .none)))
        let r = gradcheck({ xs in m(xs[0], t) }, inputs: [x])
        #expect(r.passed, "\(r)")
    }

    @Test func bceLossesTakeAWeight() {
        let g = Generator(seed: 9)
        let p = Tensor.rand([3, 4], dtype: .float64, generator: g) * 0.8 + 0.1
        let y = Tensor.rand([3, 4], dtype: .float64, generator: g)
        let w = Tensor.rand([4], dtype: .float64, generator: g)
        #expect(BCELoss(weight: w)(p, y).allclose(binaryCrossEntropy(p, y, weight: w)))
        #expect(BCELoss(weight: w).stateDict().keys.sorted() == ["weight"])
        #expect(BCEWithLogitsLoss(weight: w, reduction: .sum)(p, y).allclose(binaryCrossEntropy(logits: p, targets: y, weight: w, reduction: .sum)))
        #expect(BCEWithLogitsLoss(weight: w, posWeight: w).stateDict().keys.sorted() == ["pos_weight", "weight"])
    }
}

@Suite struct MisuseMessageTestsVolumeLayers {
    static let cases: [MisuseCase] = [
        MisuseCase(["Conv3d", "[1, 2, 4, 4, 4]", "3"]) { _ = Conv3d(3, 8, 3)(Tensor.ones([1, 2, 4, 4, 4])) },
        MisuseCase(["Conv3d", "kernel size"]) { _ = Conv3d(3, 8, [3, 0, 3]) },
        MisuseCase(["Conv3d", ".same", "stride"]) { _ = Conv3d(3, 8, 3, stride: 2, padding: .same) },
        MisuseCase(["ConvTranspose3d", "[1, 3, 2, 2, 2]", "4"]) { _ = ConvTranspose3d(4, 2, 3)(Tensor.ones([1, 3, 2, 2, 2])) },
        MisuseCase(["LPPool3d", "[2, 3]"]) { _ = LPPool3d(normType: 2, kernelSize: 2)(Tensor.ones([2, 3])) },
        MisuseCase(["Softmax2d", "[2, 3]"]) { _ = Softmax2d()(Tensor.ones([2, 3])) },
        MisuseCase(["fractionalMaxPool2d", "[1, 1, 4, 4]", "[3, 3]"]) {
            _ = fractionalMaxPool2d(Tensor.ones([1, 1, 4, 4]), kernelSize: 3, outputSize: [3, 3])
        },
        MisuseCase(["fractionalMaxPool3d", "[1, 1, 4, 4, 4]", "outputSize"]) { _ = fractionalMaxPool3d(Tensor.ones([1, 1, 4, 4, 4]), kernelSize: 2) },
        MisuseCase(["fractionalMaxPool2d", "random samples", "[2, 1, 2]", "[1, 1, 2]"]) {   // fewer rows than the batch
            _ = fractionalMaxPool2d(Tensor.ones([2, 1, 4, 4]), kernelSize: 2, outputSize: [2, 2], randomSamples: Tensor.zeros([1, 1, 2]))
        },
        MisuseCase(["LinearCrossEntropyLoss", "[4, 6]", "5"]) {
            _ = LinearCrossEntropyLoss(inFeatures: 5, numClasses: 3)(Tensor.ones([4, 6]), Tensor.zeros([4], dtype: .int64))
        },
        MisuseCase(["LinearCrossEntropyLoss", "weight", "[4]"]) { _ = LinearCrossEntropyLoss(inFeatures: 5, numClasses: 3, weight: Tensor.ones([4])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingModuleAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsVolumeLayers.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
