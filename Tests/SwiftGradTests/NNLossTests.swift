import Testing
@testable import SwiftGrad

/// The margin, embedding and likelihood losses and their modules: PyTorch values and gradients for
/// every reduction, Float64 gradchecks, dtypes.
@Suite struct NNLossTests {
    static var ops: [String: (GoldenCase) -> Tensor] { [
        "hingeEmbeddingLoss": { c in hingeEmbeddingLoss(c.inputs[0]!, c.inputs[1]!, margin: c.args.double("margin")!, reduction: c.args.reduction) },
        "softMarginLoss": { c in softMarginLoss(c.inputs[0]!, c.inputs[1]!, reduction: c.args.reduction) },
        "multiMarginLoss": { c in
            multiMarginLoss(c.inputs[0]!, c.inputs[1]!, p: c.args.int("p")!, margin: c.args.double("margin")!,
                            weight: c.inputs.count > 2 ? c.inputs[2]! : nil, reduction: c.args.reduction)
        },
        "multilabelMarginLoss": { c in multilabelMarginLoss(c.inputs[0]!, c.inputs[1]!, reduction: c.args.reduction) },
        "multilabelSoftMarginLoss": { c in
            multilabelSoftMarginLoss(c.inputs[0]!, c.inputs[1]!, weight: c.inputs.count > 2 ? c.inputs[2]! : nil, reduction: c.args.reduction)
        },
        "tripletMarginLoss": { c in
            tripletMarginLoss(anchor: c.inputs[0]!, positive: c.inputs[1]!, negative: c.inputs[2]!, margin: c.args.double("margin")!,
                              p: c.args.double("p")!, swap: c.args.bool("swap")!, reduction: c.args.reduction)
        },
        "tripletMarginWithDistanceLoss": { c in
            tripletMarginWithDistanceLoss(anchor: c.inputs[0]!, positive: c.inputs[1]!, negative: c.inputs[2]!,
                                          distanceFunction: { 1 - cosineSimilarity($0, $1) }, margin: c.args.double("margin")!,
                                          reduction: c.args.reduction)
        },
        "gaussianNLLLoss": { c in
            gaussianNLLLoss(c.inputs[0]!, c.inputs[1]!, variance: c.inputs[2]!, full: c.args.bool("full")!, reduction: c.args.reduction)
        },
        "poissonNLLLoss": { c in
            poissonNLLLoss(c.inputs[0]!, c.inputs[1]!, logInput: c.args.bool("logInput")!, full: c.args.bool("full")!,
                           reduction: c.args.reduction)
        },
        "pairwiseDistance": { c in pairwiseDistance(c.inputs[0]!, c.inputs[1]!, p: c.args.double("p")!) },
    ] }

    @Test func matchPyTorch() {
        let (failures, ran) = NNFixtures.run(Self.ops)
        #expect(ran == NNFixtures.count(Array(Self.ops.keys)) && ran >= 40)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func gradcheckFloat64() {
        let s = GC.randn([3, 4], seed: 1), pm = Tensor([1.0, -1, 1, -1, -1, 1, 1, 1, -1, 1, -1, -1], shape: [3, 4], dtype: .float64)
        let labels = Tensor([2, 0, 3]), lists = Tensor([3, 0, -1, 1, 1, 2, 0, 3, -1, 2, 2, 0], shape: [3, 4])
        let a = GC.randn([3, 5], seed: 2), p = GC.randn([3, 5], seed: 3), n = GC.randn([3, 5], seed: 4)
        let cases = [
            GradCase("hingeEmbeddingLoss", [s]) { hingeEmbeddingLoss($0[0], pm, margin: 0.5, reduction: .sum) },
            GradCase("softMarginLoss", [s]) { softMarginLoss($0[0], pm) },
            GradCase("multiMarginLoss", [s]) { multiMarginLoss($0[0], labels, reduction: .none) },
            GradCase("multiMarginLoss p2 weight", [s]) {
                multiMarginLoss($0[0], labels, p: 2, margin: 0.6, weight: Tensor([1, 0.5, 2, 1.5], dtype: .float64))
            },
            GradCase("multilabelMarginLoss", [s]) { multilabelMarginLoss($0[0], lists, reduction: .sum) },
            GradCase("multilabelSoftMarginLoss", [s]) { multilabelSoftMarginLoss($0[0], pm.clamp(min: 0)) },
            GradCase("tripletMarginLoss", [a, p, n]) { tripletMarginLoss(anchor: $0[0], positive: $0[1], negative: $0[2], margin: 3, reduction: .none) },
            GradCase("tripletMarginLoss swap p3", [a, p, n]) {
                tripletMarginLoss(anchor: $0[0], positive: $0[1], negative: $0[2], margin: 3, p: 3, swap: true)
            },
            GradCase("tripletMarginWithDistanceLoss", [a, p, n]) {
                tripletMarginWithDistanceLoss(anchor: $0[0], positive: $0[1], negative: $0[2], distanceFunction: { ($0 - $1).abs().sum(axis: 1) },
                                              margin: 4)
            },
            GradCase("gaussianNLLLoss", [s, p.narrow(axis: 1, start: 0, length: 4), GC.positive([3, 4], seed: 5)]) {
                gaussianNLLLoss($0[0], $0[1], variance: $0[2], full: true)
            },
            GradCase("gaussianNLLLoss per-sample variance", [s, GC.positive([3], seed: 6)]) {
                gaussianNLLLoss($0[0], pm, variance: $0[1], reduction: .sum)
            },
            GradCase("poissonNLLLoss", [s]) { poissonNLLLoss($0[0], pm.abs() * 3, full: true) },
            GradCase("poissonNLLLoss rate", [GC.positive([3, 4], seed: 7)]) { poissonNLLLoss($0[0], pm.abs() * 2, logInput: false) },
            GradCase("pairwiseDistance", [a, p]) { pairwiseDistance($0[0], $0[1], p: 1.5, keepDim: true) },
            GradCase("cosineEmbeddingLoss", [a, p]) { cosineEmbeddingLoss($0[0], $0[1], Tensor([1.0, -1, 1], dtype: .float64), margin: -0.9) },
            GradCase("marginRankingLoss", [s, p.narrow(axis: 1, start: 0, length: 4)]) { marginRankingLoss($0[0], $0[1], pm, margin: 0.3) },
        ]
        for c in cases { c.check() }
    }

    @Test func modulesMatchTheirFunctions() {
        let s = GC.randn([3, 4], seed: 1), pm = Tensor([1.0, -1, 1, -1, -1, 1, 1, 1, -1, 1, -1, -1], shape: [3, 4], dtype: .float64)
        let a = GC.randn([3, 5], seed: 2), p = GC.randn([3, 5], seed: 3), n = GC.randn([3, 5], seed: 4)
        let w = Tensor([1, 0.5, 2, 1.5], dtype: .float64)
        #expect(HingeEmbeddingLoss(margin: 0.5)(s, pm).item() == hingeEmbeddingLoss(s, pm, margin: 0.5).item())
        #expect(SoftMarginLoss(reduction: .sum)(s, pm).item() == softMarginLoss(s, pm, reduction: .sum).item())
        let mm = MultiMarginLoss(p: 2, weight: w)
        #expect(mm.namedBuffers().map(\.0) == ["weight"])
        #expect(mm(s, Tensor([1, 0, 3])).item() == multiMarginLoss(s, Tensor([1, 0, 3]), p: 2, weight: w).item())
        #expect(MultiLabelMarginLoss(reduction: .none)(s, Tensor.full([3, 4], -1, dtype: .int64)).doubles == [0, 0, 0])
        #expect(MultiLabelSoftMarginLoss(weight: w)(s, pm.clamp(min: 0)).item() == multilabelSoftMarginLoss(s, pm.clamp(min: 0), weight: w).item())
        #expect(TripletMarginLoss(margin: 2, swap: true)(a, p, n).item() == tripletMarginLoss(anchor: a, positive: p, negative: n, margin: 2, swap: true).item())
        #expect(TripletMarginWithDistanceLoss()(a, p, n).item() == tripletMarginLoss(anchor: a, positive: p, negative: n).item())
        let y = Tensor([1.0, -1, 1], dtype: .float64)
        #expect(CosineEmbeddingLoss(margin: 0.1)(a, p, y).item() == cosineEmbeddingLoss(a, p, y, margin: 0.1).item())
        #expect(MarginRankingLoss(margin: 0.2)(s, pm, pm).item() == marginRankingLoss(s, pm, pm, margin: 0.2).item())
        let v = s.abs() + 0.1
        #expect(GaussianNLLLoss(full: true)(s, pm, v).item() == gaussianNLLLoss(s, pm, variance: v, full: true).item())
        #expect(PoissonNLLLoss(logInput: false)(v, pm.abs()).item() == poissonNLLLoss(v, pm.abs(), logInput: false).item())
    }

    @Test func reductionsAndDtypes() {
        let s = Tensor([[0.3, -1.2, 0.8], [2.0, 0.1, -0.4]]), labels = Tensor([2, 0])
        let none = multiMarginLoss(s, labels, reduction: .none)
        #expect(none.shape == [2] && none.dtype == .float32)
        #expect(abs(multiMarginLoss(s, labels).item() - none.mean().item()) < 1e-6)
        #expect(abs(multiMarginLoss(s, labels, reduction: .sum).item() - none.sum().item()) < 1e-6)
        #expect(multiMarginLoss(Tensor([0.3, -1.2, 0.8]), Tensor(2, dtype: .int64) .reshape([]), reduction: .none).shape == [])
        for dt in [DType.float16, .bfloat16, .float64] {
            let x = s.to(dt)
            #expect(softMarginLoss(x, s.sign()).dtype == dt)
            #expect(hingeEmbeddingLoss(x, s.sign()).dtype == dt)
            #expect(poissonNLLLoss(x, s.abs()).dtype == dt)
            #expect(gaussianNLLLoss(x, s, variance: s.abs().to(dt)).dtype == dt)
        }
        // Empty batches: the mean of nothing is NaN, the sum 0, as PyTorch.
        #expect(softMarginLoss(Tensor.zeros([0]), Tensor.zeros([0]), reduction: .sum).item() == 0)
        #expect(softMarginLoss(Tensor.zeros([0]), Tensor.zeros([0])).item().isNaN)
    }
}
