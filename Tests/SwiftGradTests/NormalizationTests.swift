import Testing
@testable import SwiftGrad

/// Normalisation functions and layers: PyTorch golden cases, BatchNorm train/eval, gradchecks.
@Suite struct NormalizationTests {
    static var ops: [String: (GoldenCase) -> Tensor] { [
        "batch_norm": { c in
            batchNorm(c.inputs[0]!, runningMean: nil, runningVar: nil, weight: c.inputs[1], bias: c.inputs[2],
                      training: c.args.bool("training") ?? false, eps: c.args.double("eps") ?? 1e-5)
        },
        "layer_norm": { c in
            layerNorm(c.inputs[0]!, normalizedShape: c.args.ints("normalized_shape")!, weight: c.inputs[1], bias: c.inputs[2],
                      eps: c.args.double("eps") ?? 1e-5)
        },
        "group_norm": { c in
            groupNorm(c.inputs[0]!, numGroups: c.args.int("num_groups")!, weight: c.inputs[1], bias: c.inputs[2], eps: c.args.double("eps") ?? 1e-5)
        },
        "rms_norm": { c in rmsNorm(c.inputs[0]!, normalizedShape: c.args.ints("normalized_shape")!, weight: c.inputs[1], eps: c.args.double("eps")) },
        "normalize": { c in normalize(c.inputs[0]!, p: c.args.double("p") ?? 2, axis: c.args.int("dim") ?? 1, eps: c.args.double("eps") ?? 1e-12) },
        "cosine_similarity": { c in cosineSimilarity(c.inputs[0]!, c.inputs[1]!, axis: c.args.int("dim") ?? 1, eps: c.args.double("eps") ?? 1e-8) },
        "embedding": { c in embedding(c.inputs[0]!, weight: c.inputs[1]!) },
    ] }

    @Test func goldenCasesMatchPyTorch() {
        let (failures, ran) = Golden.run(Self.ops)
        #expect(ran == 7)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func batchNormTrainUpdatesRunningStatsAndEvalUsesThem() {
        let bn = BatchNorm2d(3, dtype: .float64)
        #expect(bn.parameterCount == 6)
        let g = Generator(seed: 2)
        let x = Tensor.randn([4, 3, 2, 2], mean: 2, std: 3, dtype: .float64, generator: g)
        let y = bn(x)
        // Train: per-channel mean 0 and biased variance 1.
        #expect(y.mean(axes: [0, 2, 3]).doubles.allSatisfy { Swift.abs($0) < 1e-9 })
        let mean = x.mean(axes: [0, 2, 3]), unbiased = x.variance(axes: [0, 2, 3], correction: 1)
        #expect(bn.runningMean!.value.allClose(mean * 0.1, atol: 1e-12))
        #expect(bn.runningVar!.value.allClose(unbiased * 0.1 + 0.9, atol: 1e-12))
        #expect(bn.numBatchesTracked!.value.item() == 1)
        bn.eval()
        let z = bn(x)
        let shape = [1, 3, 1, 1]
        let expected = (x - bn.runningMean!.value.reshape(shape)) / (bn.runningVar!.value.reshape(shape) + 1e-5).sqrt()
        #expect(z.allClose(expected, atol: 1e-12))
        #expect(bn.runningMean!.value.allClose(mean * 0.1, atol: 1e-12))     // eval leaves the statistics alone
        // momentum nil: cumulative average.
        let cma = BatchNorm1d(3, momentum: nil, dtype: .float64)
        _ = cma(Tensor.randn([5, 3], dtype: .float64, generator: g)); let x2 = Tensor.randn([5, 3], dtype: .float64, generator: g)
        let m1 = cma.runningMean!.value.copy()
        _ = cma(x2)
        #expect(cma.runningMean!.value.allClose((m1 + x2.mean(axis: 0)) / 2, atol: 1e-12))
        #expect(Set(bn.stateDict().keys) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
    }

    @Test func layerGradchecks() {
        let g = Generator(seed: 4)
        let bn = BatchNorm2d(3, dtype: .float64)
        Init.uniform(bn.weight!, low: 0.5, high: 1.5, generator: g); Init.uniform(bn.bias!, low: -1, high: 1, generator: g)
        let x = Tensor.randn([3, 3, 2, 2], dtype: .float64, generator: g)
        #expect(moduleGradcheck(bn, inputs: [x]) { bn($0[0]) }.isEmpty)
        bn.eval()
        #expect(moduleGradcheck(bn, inputs: [x]) { bn($0[0]) }.isEmpty)
        let ln = LayerNorm(normalizedShape: [2, 2], dtype: .float64)
        Init.uniform(ln.weight!, low: 0.5, high: 1.5, generator: g)
        #expect(moduleGradcheck(ln, inputs: [x]) { ln($0[0]) }.isEmpty)
        let gn = GroupNorm(numGroups: 3, numChannels: 3, dtype: .float64)
        #expect(moduleGradcheck(gn, inputs: [x]) { gn($0[0]) }.isEmpty)
        let rms = RMSNorm(2, dtype: .float64)
        Init.uniform(rms.weight!, low: 0.5, high: 1.5, generator: g)
        #expect(moduleGradcheck(rms, inputs: [x]) { rms($0[0]) }.isEmpty)
        let r1 = gradcheck({ normalize($0[0], axis: 1) }, inputs: [x])
        let r2 = gradcheck({ cosineSimilarity($0[0], $0[1], axis: 1) }, inputs: [x, Tensor.randn([3, 3, 2, 2], dtype: .float64, generator: g)])
        #expect(r1.passed && r2.passed, "\(r1) \(r2)")
    }

    @Test func layerNormModuleMatchesFunction() {
        let ln = LayerNorm(4)
        #expect(ln.namedParameters().map(\.0) == ["weight", "bias"])
        #expect(ln.description == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)")
        let x = Tensor.randn([2, 3, 4])
        #expect(ln(x).allClose(layerNorm(x, normalizedShape: [4])))
        #expect(GroupNorm(numGroups: 2, numChannels: 4).parameterCount == 8)
        #expect(RMSNorm(8).namedParameters().map(\.0) == ["weight"])
    }
}
