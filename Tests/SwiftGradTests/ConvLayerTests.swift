import Testing
import Foundation
@testable import SwiftGrad

/// Convolution, pooling and upsampling modules: PyTorch's shapes, parameter counts, reprs and
/// initialisation; each module computes exactly its functional op; float64 gradient checks.
@Suite struct ConvLayerTests {
    @Test func parameterCountsNamesAndReprsMatchPyTorch() {
        // Counts and reprs printed by PyTorch 2.13 for the same constructor calls.
        let cases: [(Module, Int, String)] = [
            (Conv2d(1, 6, 5), 156, "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"),
            (Conv2d(3, 16, 3, stride: 2, padding: 1, bias: false), 432,
             "Conv2d(3, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)"),
            (Conv2d(4, 8, 3, padding: .same, dilation: 2, groups: 2), 152,
             "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2), groups=2)"),
            (Conv1d(4, 8, 3, padding: 1), 104, "Conv1d(4, 8, kernel_size=(3,), stride=(1,), padding=(1,))"),
            (ConvTranspose2d(16, 8, 4, stride: 2, padding: 1), 2056,
             "ConvTranspose2d(16, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))"),
            (ConvTranspose1d(8, 4, 3, stride: 2, padding: 1, outputPadding: 1), 100,
             "ConvTranspose1d(8, 4, kernel_size=(3,), stride=(2,), padding=(1,), output_padding=(1,))"),
            (MaxPool2d(2), 0, "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"),
            (MaxPool2d([2, 3], stride: 1), 0, "MaxPool2d(kernel_size=(2, 3), stride=1, padding=0, dilation=1, ceil_mode=False)"),
            (MaxPool1d(2), 0, "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"),
            (AvgPool2d(2), 0, "AvgPool2d(kernel_size=2, stride=2, padding=0)"),
            (AvgPool1d(4), 0, "AvgPool1d(kernel_size=(4,), stride=(4,), padding=(0,))"),
            (AdaptiveAvgPool2d(1), 0, "AdaptiveAvgPool2d(output_size=1)"),
            (AdaptiveAvgPool2d([7, 5]), 0, "AdaptiveAvgPool2d(output_size=(7, 5))"),
            (AdaptiveMaxPool2d(2), 0, "AdaptiveMaxPool2d(output_size=2)"),
            (Upsample(scaleFactor: 2), 0, "Upsample(scale_factor=2.0, mode='nearest')"),
            (Upsample(size: [8, 8], mode: .bilinear), 0, "Upsample(size=(8, 8), mode='bilinear')"),
        ]
        for (m, count, repr) in cases {
            #expect(m.parameterCount == count, "\(repr)")
            #expect(m.description == repr)
        }
        #expect(Conv2d(1, 6, 5).namedParameters().map(\.0) == ["weight", "bias"])
        #expect(Conv2d(1, 6, 5, bias: false).namedParameters().map(\.0) == ["weight"])
        #expect(ConvTranspose2d(16, 8, 4, groups: 2).weight.shape == [16, 4, 4, 4])
        #expect(Conv2d(inChannels: 4, outChannels: 6, kernelSize: [3, 1], groups: 2).weight.shape == [6, 2, 3, 1])
        #expect(Conv1d(inChannels: 4, outChannels: 8, kernelSize: 5).weight.shape == [8, 4, 5])
    }

    @Test func outputShapes() {
        let x = Tensor.randn([2, 3, 28, 28], generator: Generator(seed: 1))
        #expect(Conv2d(3, 6, 5)(x).shape == [2, 6, 24, 24])
        #expect(Conv2d(3, 6, 5, padding: 2)(x).shape == [2, 6, 28, 28])
        #expect(Conv2d(3, 8, 3, stride: 2, padding: 1)(x).shape == [2, 8, 14, 14])
        #expect(Conv2d(3, 6, 4, padding: .same)(x).shape == [2, 6, 28, 28])
        #expect(Conv2d(3, 6, 3)(x[0]).shape == [6, 26, 26])                       // unbatched
        #expect(ConvTranspose2d(3, 5, 4, stride: 2, padding: 1)(x).shape == [2, 5, 56, 56])
        #expect(ConvTranspose2d(3, 5, 3, stride: 2, padding: 1, outputPadding: 1)(x).shape == [2, 5, 56, 56])
        #expect(MaxPool2d(2)(x).shape == [2, 3, 14, 14])
        #expect(MaxPool2d(3, stride: 2, padding: 1)(x).shape == [2, 3, 14, 14])
        #expect(MaxPool2d(3, stride: 2, ceilMode: true)(x).shape == [2, 3, 14, 14])
        #expect(AvgPool2d(4)(x).shape == [2, 3, 7, 7])
        #expect(AdaptiveAvgPool2d([5, 3])(x).shape == [2, 3, 5, 3])
        #expect(AdaptiveMaxPool2d(1)(x).shape == [2, 3, 1, 1])
        #expect(Upsample(scaleFactor: 2)(x).shape == [2, 3, 56, 56])
        #expect(Upsample(size: [10, 12], mode: .bilinear)(x).shape == [2, 3, 10, 12])
        let s = Tensor.randn([2, 4, 50], generator: Generator(seed: 2))
        #expect(Conv1d(4, 8, 5)(s).shape == [2, 8, 46])
        #expect(Conv1d(4, 8, 5, stride: 2, padding: 2)(s).shape == [2, 8, 25])
        #expect(ConvTranspose1d(4, 2, 3, stride: 2, padding: 1, outputPadding: 1)(s).shape == [2, 2, 100])
        #expect(MaxPool1d(2)(s).shape == [2, 4, 25])
        #expect(AvgPool1d(5)(s).shape == [2, 4, 10])
        #expect(AdaptiveAvgPool1d(7)(s).shape == [2, 4, 7])
        #expect(AdaptiveMaxPool1d(1)(s).shape == [2, 4, 1])
        #expect(Upsample(scaleFactor: 2)(s).shape == [2, 4, 100])
    }

    /// kaiming-uniform with a = √5 is U(±1/√fanIn); bias U(±1/√fanIn). For a transposed convolution
    /// PyTorch's fanIn is weight.shape[1]·kernel = out/groups·kh·kw.
    @Test func initialisationBounds() {
        func check(_ w: Tensor, _ b: Tensor?, fanIn: Int) {
            let bound = 1 / Double(fanIn).squareRoot()
            let values = w.doubles, maxAbs = values.map(Swift.abs).max()!
            #expect(maxAbs <= bound && maxAbs > bound * 0.98, "weight max \(maxAbs), bound \(bound)")
            let variance = values.reduce(0) { $0 + $1 * $1 } / Double(values.count)
            #expect(Swift.abs(variance - bound * bound / 3) < 0.06 * bound * bound / 3)
            if let b { #expect(b.doubles.allSatisfy { Swift.abs($0) <= bound }) }
        }
        let c = Conv2d(16, 32, 3, generator: Generator(seed: 3))
        check(c.weight, c.bias, fanIn: 16 * 9)
        let g = Conv2d(16, 32, 3, groups: 4, generator: Generator(seed: 4))
        check(g.weight, g.bias, fanIn: 4 * 9)
        let t = ConvTranspose2d(16, 32, 4, generator: Generator(seed: 5))
        check(t.weight, t.bias, fanIn: 32 * 16)
        let one = Conv1d(8, 64, 7, generator: Generator(seed: 6))
        check(one.weight, one.bias, fanIn: 8 * 7)
        // Same seed, same weights; float64 on request.
        #expect(Conv2d(3, 4, 3, generator: Generator(seed: 9)).weight.scalars == Conv2d(3, 4, 3, generator: Generator(seed: 9)).weight.scalars)
        #expect(Conv2d(3, 4, 3, dtype: .float64).weight.dtype == .float64)
    }

    @Test func modulesComputeTheirFunctionalOps() {
        let gen = Generator(seed: 11)
        let x = Tensor.randn([2, 4, 9, 9], generator: gen)
        let c = Conv2d(4, 6, 3, stride: 2, padding: 1, dilation: 1, groups: 2, generator: gen)
        #expect(c(x).scalars == conv2d(x, weight: c.weight, bias: c.bias, stride: 2, padding: 1, groups: 2).scalars)
        let d = Conv2d(4, 4, [3, 2], padding: .same, dilation: [2, 1], bias: false, generator: gen)
        #expect(d(x).scalars == conv2d(x, weight: d.weight, padding: .same, dilation: [2, 1]).scalars)
        let t = ConvTranspose2d(4, 3, 3, stride: 2, padding: 1, outputPadding: 1, generator: gen)
        #expect(t(x).scalars == convTranspose2d(x, weight: t.weight, bias: t.bias, stride: 2, padding: 1, outputPadding: 1).scalars)
        let s = Tensor.randn([3, 4, 20], generator: gen)
        let c1 = Conv1d(4, 5, 3, stride: 2, padding: 1, generator: gen)
        #expect(c1(s).scalars == conv1d(s, weight: c1.weight, bias: c1.bias, stride: 2, padding: 1).scalars)
        let t1 = ConvTranspose1d(4, 2, 5, stride: 3, generator: gen)
        #expect(t1(s).scalars == convTranspose1d(s, weight: t1.weight, bias: t1.bias, stride: 3).scalars)
        #expect(MaxPool2d(3, stride: 2, padding: 1)(x).scalars == maxPool2d(x, kernelSize: 3, stride: 2, padding: 1).scalars)
        #expect(AvgPool2d(3, stride: 1, padding: 1, countIncludePad: false)(x).scalars
                == avgPool2d(x, kernelSize: 3, stride: 1, padding: 1, countIncludePad: false).scalars)
        #expect(AdaptiveAvgPool2d([4, 2])(x).scalars == adaptiveAvgPool2d(x, outputSize: [4, 2]).scalars)
        #expect(AdaptiveMaxPool2d(3)(x).scalars == adaptiveMaxPool2d(x, outputSize: 3).scalars)
        #expect(MaxPool1d(3, stride: 2)(s).scalars == maxPool1d(s, kernelSize: 3, stride: 2).scalars)
        #expect(AvgPool1d(2)(s).scalars == avgPool1d(s, kernelSize: 2).scalars)
        #expect(Upsample(scaleFactor: 2, mode: .bilinear, alignCorners: true)(x).scalars
                == interpolate(x, scaleFactor: 2, mode: .bilinear, alignCorners: true).scalars)
        #expect(Upsample(size: [5, 7])(x).scalars == interpolate(x, size: [5, 7]).scalars)
    }

    @Test func float64GradientChecks() {
        let gen = Generator(seed: 21)
        let conv = Conv2d(2, 3, 3, stride: 2, padding: 1, dtype: .float64, generator: gen)
        let x = Tensor.randn([2, 2, 5, 5], dtype: .float64, generator: gen)
        #expect(moduleGradcheck(conv, inputs: [x], samples: 12) { conv($0[0]) }.isEmpty)
        let grouped = Conv2d(4, 4, [2, 3], dilation: [1, 2], groups: 2, dtype: .float64, generator: gen)
        let x4 = Tensor.randn([1, 4, 5, 6], dtype: .float64, generator: gen)
        #expect(moduleGradcheck(grouped, inputs: [x4]) { grouped($0[0]) }.isEmpty)
        let up = ConvTranspose2d(2, 3, 3, stride: 2, padding: 1, outputPadding: 1, dtype: .float64, generator: gen)
        #expect(moduleGradcheck(up, inputs: [x]) { up($0[0]) }.isEmpty)
        let c1 = Conv1d(2, 3, 3, padding: 1, dtype: .float64, generator: gen)
        let s = Tensor.randn([2, 2, 7], dtype: .float64, generator: gen)
        #expect(moduleGradcheck(c1, inputs: [s]) { c1($0[0]) }.isEmpty)
        // A small CNN: conv, pool, upsample and a head, all in float64.
        let net = Sequential {
            Conv2d(1, 2, 3, padding: 1, dtype: .float64, generator: gen)
            Tanh()
            AvgPool2d(2)
            Upsample(scaleFactor: 2, mode: .bilinear)
            MaxPool2d(2)
            Flatten()
            Linear(8, 3, dtype: .float64, generator: gen)
        }
        let img = Tensor.randn([2, 1, 4, 4], dtype: .float64, generator: gen)
        #expect(moduleGradcheck(net, inputs: [img]) { net($0[0]) }.isEmpty)
    }

    @Test func summaryAndTraining() {
        let model = Sequential {
            Conv2d(1, 4, 3, padding: 1)
            ReLU()
            MaxPool2d(2)
            Conv2d(4, 8, 3)
            ReLU()
            AdaptiveAvgPool2d(1)
            Flatten()
            Linear(8, 10)
        }
        let table = model.summary(inputShape: [1, 1, 8, 8])
        #expect(table.contains("0 (Conv2d)") && table.contains("[1, 4, 8, 8]"))
        #expect(table.contains("2 (MaxPool2d)") && table.contains("[1, 4, 4, 4]"))
        #expect(table.contains("5 (AdaptiveAvgPool2d)") && table.contains("[1, 8, 1, 1]"))
        #expect(table.contains("Total params: \(40 + 296 + 90)"))
        #expect(model.namedParameters().map(\.0) == ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"])
        // A few Adam steps on one learnable batch (class 1 images are brighter) lower the loss.
        let gen = Generator(seed: 5)
        let y = Tensor((0..<16).map { $0 % 2 }, shape: [16])
        let x = Tensor.randn([16, 1, 8, 8], generator: gen) + y.to(.float32).reshape([16, 1, 1, 1]) * 2
        let opt = Adam(model.parameters(), lr: 0.01)
        var losses: [Double] = []
        for _ in 0..<30 {
            opt.zeroGrad()
            let loss = crossEntropy(logits: model(x), targets: y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        }
        #expect(losses.last! < losses.first! * 0.5, "\(losses)")
    }
}
