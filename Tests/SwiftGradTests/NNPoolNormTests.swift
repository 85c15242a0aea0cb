import Testing
@testable import SwiftGrad

/// Max pools with indices, unpooling, LP pooling, instance and local response norm, embedding
/// bags: PyTorch values and gradients, Float64 gradchecks, modules and state dicts.
@Suite struct NNPoolNormTests {
    static func size2(_ a: GoldenArgs, _ k: String) -> Size2 { let v = a.ints(k)!; return v.count == 1 ? Size2(v[0]) : Size2(v[0], v[1]) }

    static var ops: [String: (GoldenCase) -> Tensor] { [
        "maxPool2dIndices": { c in
            maxPool2dWithIndices(c.inputs[0]!.to(.float64), kernelSize: size2(c.args, "k"), stride: size2(c.args, "s"), padding: size2(c.args, "p")).indices.to(.float64)
        },
        "maxPool1dIndices": { c in
            maxPool1dWithIndices(c.inputs[0]!.to(.float64), kernelSize: c.args.int("k")!, stride: c.args.int("s")!, padding: c.args.int("p")!).indices.to(.float64)
        },
        "adaptiveMaxPool2dIndices": { c in adaptiveMaxPool2dWithIndices(c.inputs[0]!.to(.float64), outputSize: size2(c.args, "o")).indices.to(.float64) },
        "adaptiveMaxPool1dIndices": { c in adaptiveMaxPool1dWithIndices(c.inputs[0]!.to(.float64), outputSize: c.args.int("o")!).indices.to(.float64) },
        "maxUnpool2d": { c in
            maxUnpool2d(c.inputs[0]!, indices: c.inputs[1]!, kernelSize: size2(c.args, "k"), outputSize: c.args.ints("o").map { Size2($0[0], $0[1]) })
        },
        "maxUnpool1d": { c in maxUnpool1d(c.inputs[0]!, indices: c.inputs[1]!, kernelSize: c.args.int("k")!) },
        "lpPool2d": { c in
            let x = c.args.bool("abs") == true ? c.inputs[0]!.abs() + 0.1 : c.inputs[0]!
            return lpPool2d(x, normType: c.args.double("p")!, kernelSize: size2(c.args, "k"), stride: c.args.int("s").map { Size2($0) })
        },
        "lpPool1d": { c in lpPool1d(c.inputs[0]!, normType: c.args.double("p")!, kernelSize: c.args.int("k")!, stride: c.args.int("s")) },
        "instanceNorm": { c in
            instanceNorm(c.inputs[0]!, weight: c.inputs.count > 1 ? c.inputs[1] : nil, bias: c.inputs.count > 2 ? c.inputs[2] : nil,
                         eps: c.args.double("eps") ?? 1e-5)
        },
        "instanceNormRunning": { c in
            let rm = Tensor.zeros([2], dtype: .float64), rv = Tensor.ones([2], dtype: .float64)
            _ = instanceNorm(c.inputs[0]!, runningMean: rm, runningVar: rv, momentum: c.args.double("momentum")!)
            return Tensor.cat([rm, rv])
        },
        "instanceNormEval": { c in
            instanceNorm(c.inputs[0]!, runningMean: c.inputs[1]!, runningVar: c.inputs[2]!, useInputStats: false)
        },
        "localResponseNorm": { c in
            localResponseNorm(c.inputs[0]!, size: c.args.int("size")!, alpha: c.args.double("alpha")!, beta: c.args.double("beta")!, k: c.args.double("k")!)
        },
        "embeddingBag": { c in
            let mode = EmbeddingBagMode(rawValue: c.args.string("mode")!)!
            let offsets = c.inputs.count > 2 ? c.inputs[2] : nil
            return embeddingBag(c.inputs[1]!, weight: c.inputs[0]!, offsets: offsets, mode: mode,
                                perSampleWeights: c.inputs.count > 3 ? c.inputs[3] : nil,
                                includeLastOffset: c.args.bool("includeLastOffset") ?? false, paddingIdx: c.args.int("paddingIdx"))
        },
    ] }

    @Test func matchPyTorch() {
        let (failures, ran) = NNFixtures.run(Self.ops)
        #expect(ran == NNFixtures.count(Array(Self.ops.keys)) && ran >= 28)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func gradcheckFloat64() {
        let img = GC.randn([1, 2, 4, 4], seed: 1), sig = GC.randn([2, 2, 6], seed: 2)
        let (_, at) = maxPool2dWithIndices(img, kernelSize: 2)
        let (_, at1) = maxPool1dWithIndices(sig, kernelSize: 2)
        let table = GC.randn([6, 3], seed: 3)
        let ids = Tensor([1, 2, 4, 5, 4, 3, 2]), offs = Tensor([0, 3, 3])
        let cases = [
            GradCase("maxUnpool2d", [GC.randn([1, 2, 2, 2], seed: 4)]) { maxUnpool2d($0[0], indices: at, kernelSize: 2) },
            GradCase("maxUnpool1d", [GC.randn([2, 2, 3], seed: 5)]) { maxUnpool1d($0[0], indices: at1, kernelSize: 2) },
            GradCase("lpPool2d", [img]) { lpPool2d($0[0], normType: 2, kernelSize: 2) },
            GradCase("lpPool1d p3", [sig.abs() + 0.2]) { lpPool1d($0[0], normType: 3, kernelSize: 3, stride: 1) },
            GradCase("instanceNorm", [img, GC.randn([2], seed: 6), GC.randn([2], seed: 7)]) {
                instanceNorm($0[0], weight: $0[1], bias: $0[2]) * GC.weights(like: img)
            },
            GradCase("localResponseNorm", [GC.randn([1, 4, 2, 2], seed: 8)]) { localResponseNorm($0[0], size: 3, alpha: 0.3, k: 2) },
            GradCase("embeddingBag sum weighted", [table, GC.randn([7], seed: 9)]) {
                embeddingBag(ids, weight: $0[0], offsets: offs, mode: .sum, perSampleWeights: $0[1])
            },
            GradCase("embeddingBag mean", [table]) { embeddingBag(ids, weight: $0[0], offsets: offs, paddingIdx: 2) },
            GradCase("embeddingBag max", [table]) { embeddingBag(ids.reshape([1, 7]), weight: $0[0], mode: .max) },
            GradCase("d2 instanceNorm", [img], GC.firstDerivative { instanceNorm($0[0]) * GC.weights(like: img) }),
        ]
        for c in cases { c.check() }
    }

    @Test func unpoolRestoresTheMaximaAndModulesReturnIndices() {
        let x = GC.randn([2, 3, 4, 6], seed: 10)
        let pool = MaxPool2d(2), unpool = MaxUnpool2d(2)
        let (y, at) = pool.forwardWithIndices(x)
        #expect(y.doubles == pool(x).doubles)
        let back = unpool(y, indices: at)
        #expect(back.shape == x.shape)
        #expect(maxPool2d(back, kernelSize: 2).doubles == y.doubles)
        #expect(back.ne(0).sum().item() == Double(y.count))
        let (y1, at1) = MaxPool1d(2).forwardWithIndices(GC.randn([2, 5], seed: 11))
        #expect(MaxUnpool1d(2)(y1, indices: at1, outputSize: 5).shape == [2, 5])
        #expect(AdaptiveMaxPool2d(outputSize: 2).forwardWithIndices(x).indices.shape == [2, 3, 2, 2])
        #expect(AdaptiveMaxPool1d(outputSize: 2).forwardWithIndices(GC.randn([1, 5], seed: 12)).indices.shape == [1, 2])
        // Overlapping windows repeat an index: its value is written once, not summed.
        let row = Tensor([0.0, 5, 1, 0], shape: [1, 1, 4])
        let (v, i) = maxPool1dWithIndices(row, kernelSize: 2, stride: 1)
        #expect(i.ints == [1, 1, 2])
        #expect(maxUnpool1d(v, indices: i, kernelSize: 2, stride: 1).doubles == [0, 5, 1, 0])
        #expect(LPPool2d(normType: 1, kernelSize: 2)(x.abs()).shape == [2, 3, 2, 3])
        #expect(abs(LPPool1d(normType: 1, kernelSize: 2)(Tensor([1.0, 2, 3, 4], shape: [1, 4])).doubles[1] - 7) < 1e-6)
    }

    @Test func instanceNormModules() throws {
        let x = GC.randn([2, 3, 5], seed: 13).to(.float32)
        let plain = InstanceNorm1d(3)
        #expect(plain.namedParameters().isEmpty && plain.namedBuffers().isEmpty)
        #expect(NNFixtures.mismatch(plain(x), instanceNorm(x), atol: 0, rtol: 0) == nil)
        #expect(plain(x.select(axis: 0, index: 1)).shape == [3, 5])   // unbatched
        let m = InstanceNorm2d(3, affine: true, trackRunningStats: true)
        #expect(Set(m.stateDict().keys) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        let img = GC.randn([2, 3, 4, 4], seed: 14).to(.float32)
        _ = m(img)
        #expect(m.runningMean!.value.doubles != [0, 0, 0])
        m.eval()
        let evalOut = m(img), expected = instanceNorm(img, runningMean: m.runningMean!.value, runningVar: m.runningVar!.value,
                                                      weight: m.weight, bias: m.bias, useInputStats: false)
        #expect(evalOut.doubles == expected.doubles)
        #expect(InstanceNorm3d(2)(Tensor.randn([1, 2, 2, 2, 2])).shape == [1, 2, 2, 2, 2])
        #expect(LocalResponseNorm(size: 2)(img).shape == img.shape)
    }

    @Test func embeddingBagModule() {
        let bag = EmbeddingBag(numEmbeddings: 10, embeddingDim: 4, mode: .sum, paddingIdx: 0, generator: Generator(seed: 1))
        #expect(bag.namedParameters().map(\.0) == ["weight"] && bag.weight.shape == [10, 4])
        #expect(bag.weight.select(axis: 0, index: 0).doubles == [0, 0, 0, 0])
        let y = bag(Tensor([1, 2, 0, 3]), offsets: Tensor([0, 2]))
        #expect(y.shape == [2, 4])
        let w = bag.weight
        let expected = (w.select(axis: 0, index: 1) + w.select(axis: 0, index: 2)).doubles
        #expect(zip(y.select(axis: 0, index: 0).doubles, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        y.sum().backward()
        #expect(bag.weight.grad!.select(axis: 0, index: 0).doubles == [0, 0, 0, 0])
        #expect(bag.weight.grad!.select(axis: 0, index: 3).doubles == [1, 1, 1, 1])
        // Empty bags are zero in every mode.
        for mode in [EmbeddingBagMode.sum, .mean, .max] {
            #expect(embeddingBag(Tensor([1]), weight: w, offsets: Tensor([0, 1]), mode: mode).select(axis: 0, index: 1).doubles == [0, 0, 0, 0])
        }
    }
}

@Suite struct MisuseMessageTestsOpsNNPool {
    static let cases: [MisuseCase] = [
        MisuseCase(["maxUnpool2d", "index 9", "[2, 2]", "[1, 1, 1, 1]"]) {
            _ = maxUnpool2d(Tensor.ones([1, 1, 1, 1]), indices: Tensor([9], shape: [1, 1, 1, 1]), kernelSize: 2, outputSize: [2, 2])
        },
        MisuseCase(["maxUnpool1d", "[1, 2]", "[1, 3]"]) { _ = maxUnpool1d(Tensor.ones([1, 3]), indices: Tensor([0, 1], shape: [1, 2]), kernelSize: 2) },
        MisuseCase(["instanceNorm", "[3]", "[2, 2, 4]"]) { _ = instanceNorm(Tensor.ones([2, 2, 4]), weight: Tensor.ones([3])) },
        MisuseCase(["InstanceNorm2d", "[2, 3]"]) { _ = InstanceNorm2d(3)(Tensor.ones([2, 3])) },
        MisuseCase(["InstanceNorm1d", "num_features", "[2, 4, 5]"]) { _ = InstanceNorm1d(3, affine: true)(Tensor.ones([2, 4, 5])) },
        MisuseCase(["localResponseNorm", "[2, 3]"]) { _ = localResponseNorm(Tensor.ones([2, 3]), size: 2) },
        MisuseCase(["embeddingBag", "index 12", "[10, 3]"]) { _ = embeddingBag(Tensor([1, 12]), weight: Tensor.ones([10, 3]), offsets: Tensor([0])) },
        MisuseCase(["embeddingBag", "offsets", "[3]"]) { _ = embeddingBag(Tensor([1, 2, 3]), weight: Tensor.ones([10, 3])) },
        MisuseCase(["embeddingBag", "perSampleWeights", "mean"]) {
            _ = embeddingBag(Tensor([1, 2]), weight: Tensor.ones([10, 3]), offsets: Tensor([0]), perSampleWeights: Tensor.ones([2]))
        },
        MisuseCase(["bernoulli", "[0, 1]", "[2]"]) { _ = Tensor([0.5, 1.5]).bernoulli() },
        MisuseCase(["normal", "std", "[2]"]) { _ = normal(mean: Tensor.zeros([2]), std: Tensor([1.0, -1])) },
        MisuseCase(["dropout1d", "[2, 3, 4, 5]"]) { _ = dropout1d(Tensor.ones([2, 3, 4, 5]), p: 0.5) },
        MisuseCase(["alphaDropout", "p", "[2]"]) { _ = alphaDropout(Tensor.ones([2]), p: 1.5, training: true) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOpsNNPool.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
