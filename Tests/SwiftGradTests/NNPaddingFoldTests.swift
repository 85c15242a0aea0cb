import Testing
@testable import SwiftGrad

/// Padding modes (functional and modules), pixel shuffle and unfold/fold: PyTorch values and
/// gradients, Float64 gradchecks (also of the double backward), dtypes and views.
@Suite struct NNPaddingFoldTests {
    static func size2(_ a: GoldenArgs, _ k: String) -> Size2 { let v = a.ints(k)!; return Size2(v[0], v[1]) }

    static var ops: [String: (GoldenCase) -> Tensor] { [
        "pad": { c in
            pad(c.inputs[0]!, c.args.ints("pad")!, mode: PaddingMode(rawValue: c.args.string("mode")!)!, value: c.args.double("value") ?? 0)
        },
        "pixelShuffle": { c in pixelShuffle(c.inputs[0]!, upscaleFactor: c.args.int("r")!) },
        "pixelUnshuffle": { c in pixelUnshuffle(c.inputs[0]!, downscaleFactor: c.args.int("r")!) },
        "unfold": { c in
            unfold(c.inputs[0]!, kernelSize: size2(c.args, "k"), dilation: size2(c.args, "d"), padding: size2(c.args, "p"), stride: size2(c.args, "s"))
        },
        "fold": { c in
            fold(c.inputs[0]!, outputSize: size2(c.args, "o"), kernelSize: size2(c.args, "k"), dilation: size2(c.args, "d"),
                 padding: size2(c.args, "p"), stride: size2(c.args, "s"))
        },
        "interpolate": { c in
            let mode: InterpolationMode = c.args.string("mode") == "area" ? .area : .bicubic
            if let s = c.args.double("scale") { return interpolate(c.inputs[0]!, scaleFactor: s, mode: mode) }
            return interpolate(c.inputs[0]!, size: size2(c.args, "size"), mode: mode, alignCorners: c.args.bool("align") ?? false)
        },
    ] }

    @Test func matchPyTorch() {
        let (failures, ran) = NNFixtures.run(Self.ops)
        #expect(ran == NNFixtures.count(Array(Self.ops.keys)) && ran >= 27)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func gradcheckFloat64() {
        let img = GC.randn([1, 2, 3, 4], seed: 1)
        var cases: [GradCase] = []
        for mode in [PaddingMode.reflect, .replicate, .circular] {
            cases.append(GradCase("pad \(mode)", [img]) { $0[0].pad([2, 1, 1, 2], mode: mode) })
            cases.append(GradCase("d2 pad \(mode)", [img], GC.firstDerivative { $0[0].pad([1, 3, 0, 2], mode: mode).square() }))
        }
        cases += [
            GradCase("pixelShuffle", [GC.randn([1, 8, 2, 2], seed: 2)]) { pixelShuffle($0[0], upscaleFactor: 2) },
            GradCase("pixelUnshuffle", [GC.randn([1, 1, 4, 2], seed: 3)]) { pixelUnshuffle($0[0], downscaleFactor: 2) },
            GradCase("unfold", [img]) { unfold($0[0], kernelSize: [2, 3], dilation: [1, 1], padding: 1, stride: [2, 1]) },
            GradCase("fold", [GC.randn([1, 8, 6], seed: 4)]) { fold($0[0], outputSize: [3, 4], kernelSize: 2, padding: [0, 1], stride: [1, 2]) },
            GradCase("bicubic", [img]) { interpolate($0[0], scaleFactor: 1.7, mode: .bicubic) },
            GradCase("area", [img]) { interpolate($0[0], size: [2, 3], mode: .area) },
            GradCase("d2 unfold", [img], GC.firstDerivative { unfold($0[0], kernelSize: 2, padding: 1).square() }),
            GradCase("d2 fold", [GC.randn([1, 8, 6], seed: 4)], GC.firstDerivative { fold($0[0], outputSize: [3, 4], kernelSize: 2).square() }),
        ]
        for c in cases { c.check() }
    }

    @Test func foldIsTheAdjointOfUnfoldAndConvolutionIsUnfoldThenMatmul() {
        // <unfold(x), y> == <x, fold(y)> for every x, y.
        let x = GC.randn([2, 3, 5, 4], seed: 5)
        let y = GC.randn([2, 3 * 4, 15], seed: 6)
        let ux = unfold(x, kernelSize: 2, padding: 1, stride: [2, 1])
        #expect(ux.shape == [2, 12, 15])
        let lhs = (ux * y).sum().item(), rhs = (x * fold(y, outputSize: [5, 4], kernelSize: 2, padding: 1, stride: [2, 1])).sum().item()
        #expect(abs(lhs - rhs) < 1e-10)
        // conv2d = weight [o, c·k·k] · unfold(x).
        let w = GC.randn([4, 3, 2, 2], seed: 7)
        let viaUnfold = w.reshape([4, 12]).matmul(ux).reshape([2, 4, 3, 5])
        let conv = conv2d(x, weight: w, stride: [2, 1], padding: 1)
        #expect(NNFixtures.mismatch(viaUnfold, conv, atol: 1e-12, rtol: 1e-12) == nil)
    }

    @Test func paddingModesOnViewsDtypesAndModules() {
        let row = Tensor([1.0, 2, 3, 4], shape: [1, 1, 4])
        #expect(row.pad([2, 2], mode: .reflect).doubles == [3, 2, 1, 2, 3, 4, 3, 2])
        #expect(row.pad([2, 1], mode: .replicate).doubles == [1, 1, 1, 2, 3, 4, 4])
        #expect(row.pad([1, 2], mode: .circular).doubles == [4, 1, 2, 3, 4, 1, 2])
        // A transposed view pads as its contiguous copy.
        let base = GC.randn([1, 2, 4, 3], seed: 8), view = base.transpose(2, 3)
        for mode in [PaddingMode.reflect, .replicate, .circular] {
            #expect(view.pad([1, 1, 2, 1], mode: mode).doubles == view.contiguous().pad([1, 1, 2, 1], mode: mode).doubles)
            for dt in [DType.float32, .float16, .bfloat16, .int64] {
                let r = Tensor([1, 2, 3], shape: [1, 3]).to(dt).pad([1, 1], mode: mode)
                #expect(r.dtype == dt && r.shape == [1, 5])
            }
        }
        #expect(ReflectionPad2d(1)(Tensor.ones([1, 2, 3, 3])).shape == [1, 2, 5, 5])
        #expect(ReflectionPad1d([1, 2])(row).doubles == [2, 1, 2, 3, 4, 3, 2])
        #expect(ReplicationPad2d([1, 0, 0, 1])(Tensor.ones([2, 2, 2])).shape == [2, 3, 3])
        #expect(ReplicationPad1d(1)(row).doubles == [1, 1, 2, 3, 4, 4])
        #expect(CircularPad2d(1)(Tensor.ones([1, 1, 2, 2])).shape == [1, 1, 4, 4])
        #expect(CircularPad1d([0, 1])(row).doubles == [1, 2, 3, 4, 1])
        #expect(ZeroPad2d([1, 0, 0, 0])(Tensor.ones([1, 1, 1, 1])).doubles == [0, 1])
        #expect(ConstantPad1d(1, value: 7)(row).doubles == [7, 1, 2, 3, 4, 7])
        #expect(ConstantPad2d([0, 1, 0, 0], value: -1)(Tensor.ones([1, 1, 1])).doubles == [1, -1])
        #expect(ReplicationPad3d(1)(Tensor.ones([1, 1, 1, 1, 1])).shape == [1, 1, 3, 3, 3])
        #expect(ZeroPad1d(1)(row).shape == [1, 1, 6] && ZeroPad3d(1)(Tensor.ones([1, 1, 1, 1])).shape == [1, 3, 3, 3])
        #expect(ReflectionPad3d(1)(Tensor.ones([1, 2, 2, 2])).shape == [1, 4, 4, 4] && CircularPad3d(1)(Tensor.ones([1, 2, 2, 2])).shape == [1, 4, 4, 4])
        #expect(ConstantPad3d(1, value: 2)(Tensor.ones([1, 1, 1, 1])).sum().item() == 53)
        #expect("\(ReflectionPad2d(2))".contains("padding=[2, 2, 2, 2]"))
    }

    @Test func shuffleAndFoldModules() {
        let x = GC.randn([2, 8, 3, 2], seed: 9)
        let up = PixelShuffle(upscaleFactor: 2)(x)
        #expect(up.shape == [2, 2, 6, 4])
        #expect(PixelUnshuffle(downscaleFactor: 2)(up).doubles == x.doubles)
        let cols = Unfold(kernelSize: 2, padding: 1)(x)
        #expect(cols.shape == [2, 32, 12])
        #expect(Fold(outputSize: [3, 2], kernelSize: 2, padding: 1)(cols).shape == [2, 8, 3, 2])
        // fold(unfold(x)) multiplies each pixel by the number of windows covering it.
        let ones = Tensor.ones([1, 1, 3, 3], dtype: .float64)
        #expect(fold(unfold(ones, kernelSize: 2), outputSize: 3, kernelSize: 2).doubles == [1, 2, 1, 2, 4, 2, 1, 2, 1])
        #expect(unfold(Tensor.ones([1, 1, 2, 2]).to(.float16), kernelSize: 1).dtype == .float16)
    }
}

@Suite struct MisuseMessageTestsOpsNNLayout {
    static let cases: [MisuseCase] = [
        MisuseCase(["reflect", "less than", "[1, 1, 3]"]) { _ = Tensor.ones([1, 1, 3]).pad([3, 0], mode: .reflect) },
        MisuseCase(["circular", "[1, 1, 2]"]) { _ = Tensor.ones([1, 1, 2]).pad([3, 0], mode: .circular) },
        MisuseCase(["replicate", "[2]"]) { _ = Tensor.ones([2]).pad([1, 1, 1, 1], mode: .replicate) },
        MisuseCase(["ReflectionPad2d", "[4, 4]"]) { _ = ReflectionPad2d(1)(Tensor.ones([4, 4])) },
        MisuseCase(["pixelShuffle", "[1, 3, 2, 2]"]) { _ = pixelShuffle(Tensor.ones([1, 3, 2, 2]), upscaleFactor: 2) },
        MisuseCase(["pixelUnshuffle", "[1, 1, 3, 4]"]) { _ = pixelUnshuffle(Tensor.ones([1, 1, 3, 4]), downscaleFactor: 2) },
        MisuseCase(["unfold", "[1, 1, 2, 2]"]) { _ = unfold(Tensor.ones([1, 1, 2, 2]), kernelSize: 3) },
        MisuseCase(["Unfold", "[2, 2]"]) { _ = Unfold(kernelSize: 1)(Tensor.ones([2, 2])) },
        MisuseCase(["fold", "[1, 5, 4]"]) { _ = fold(Tensor.ones([1, 5, 4]), outputSize: 3, kernelSize: 2) },
        MisuseCase(["fold", "blocks", "[1, 4, 5]"]) { _ = fold(Tensor.ones([1, 4, 5]), outputSize: 3, kernelSize: 2) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOpsNNLayout.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
