import Foundation
import Testing
import SwiftGrad

/// Losses: PyTorch golden values and gradients, stability, shape checks, gradcheck.
@Suite struct LossTests {
    static func reduction(_ c: GoldenCase) -> Reduction {
        switch c.args.string("reduction") ?? "mean" {
        case "sum": return .sum
        case "none": return .none
        case "batchmean": return .batchMean
        default: return .mean
        }
    }

    static var ops: [String: (GoldenCase) -> Tensor] { [
        "mse_loss": { mseLoss($0.inputs[0]!, $0.inputs[1]!, reduction: reduction($0)) },
        "l1_loss": { l1Loss($0.inputs[0]!, $0.inputs[1]!, reduction: reduction($0)) },
        "smooth_l1_loss": { smoothL1Loss($0.inputs[0]!, $0.inputs[1]!, beta: $0.args.double("beta") ?? 1, reduction: reduction($0)) },
        "huber_loss": { huberLoss($0.inputs[0]!, $0.inputs[1]!, delta: $0.args.double("delta") ?? 1, reduction: reduction($0)) },
        "cross_entropy": { c in
            let weighted = c.inputs.count == 3
            let targets = weighted ? c.inputs[2]! : c.inputs[1]!
            return crossEntropy(logits: c.inputs[0]!, targets: targets, weight: weighted ? c.inputs[1]!.to(.float64) : nil,
                                ignoreIndex: c.args.int("ignore_index") ?? -100,
                                labelSmoothing: c.args.double("label_smoothing") ?? 0, reduction: reduction(c))
        },
        "nll_loss": { nllLoss(logProbs: $0.inputs[0]!, targets: $0.inputs[1]!, reduction: reduction($0)) },
        "binary_cross_entropy": { binaryCrossEntropy($0.inputs[0]!, $0.inputs[1]!.to(.float64), reduction: reduction($0)) },
        "binary_cross_entropy_with_logits": { binaryCrossEntropy(logits: $0.inputs[0]!, targets: $0.inputs[1]!.to(.float64), reduction: reduction($0)) },
        "kl_div": { klDiv($0.inputs[0]!, $0.inputs[1]!.to(.float64), reduction: reduction($0)) },
    ] }

    @Test func goldenCasesMatchPyTorch() {
        let (failures, ran) = Golden.run(Self.ops)
        #expect(ran == 13)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func crossEntropyIsStableForHugeLogits() {
        // pytorch#11752: two equal logits scaled by 1e8 must still give log 2.
        let equal = Tensor([1e8, 1e8], shape: [1, 2])
        #expect(Swift.abs(crossEntropy(logits: equal, targets: Tensor([0])).item() - 0.6931472) < 1e-6)
        let x = Tensor([0.3, -1.2, 0.8, 2.0, 0.1, -0.4], shape: [2, 3])
        let y = Tensor([2, 0])
        let base = crossEntropy(logits: x * 1e8, targets: y).item()
        let shifted = crossEntropy(logits: (x * 1e8 - 2e8), targets: y).item()
        #expect(Swift.abs(base - shifted) <= 1e-6 * Swift.max(1, Swift.abs(base)))
        let big = Tensor([1e4, -1e4, 0, -1e4, 1e4, 5], shape: [2, 3], requiresGrad: true)
        let loss = crossEntropy(logits: big, targets: Tensor([1, 1]))
        loss.backward()
        #expect(loss.item().isFinite)
        #expect(big.grad!.scalars.allSatisfy { $0.isFinite })
        let bce = binaryCrossEntropy(logits: Tensor([1e4, -1e4], requiresGrad: true), targets: Tensor([0.0, 1.0]))
        #expect(bce.item() == 1e4)
    }

    @Test func crossEntropyHandlesSpatialAndUnbatchedInputs() {
        let g = Generator(seed: 3)
        let x = Tensor.randn([2, 3, 2, 2], dtype: .float64, generator: g)
        let t = Tensor.randint(0, 3, [2, 2, 2], generator: g)
        let perPixel = crossEntropy(logits: x, targets: t, reduction: .none)
        #expect(perPixel.shape == [2, 2, 2])
        let flat = crossEntropy(logits: x.permute([0, 2, 3, 1]).reshape([-1, 3]), targets: t.reshape([-1]), reduction: .none)
        #expect(perPixel.reshape([-1]).allClose(flat))
        let one = crossEntropy(logits: Tensor([1.0, 2.0, 3.0]), targets: Tensor(shape: [], scalars: [Int64(2)]))
        #expect(Swift.abs(one.item() - 0.40760596) < 1e-6)
        let probs = crossEntropy(logits: x, targets: x.softmax(axis: 1), reduction: .none)
        #expect(probs.shape == [2, 2, 2])
    }

    @Test(arguments: ["mse", "l1", "smooth_l1", "huber", "ce", "ce_weight_ls", "ce_probs", "nll", "bce", "bce_logits_pos", "kl", "kl_log",
                      "cosine_embedding", "margin_ranking"])
    func gradcheckFloat64(_ name: String) {
        let g = Generator(seed: 11)
        let a = Tensor.randn([3, 4], dtype: .float64, generator: g)
        let b = Tensor.randn([3, 4], dtype: .float64, generator: g)
        let p = Tensor.uniform([3, 4], low: 0.1, high: 0.9, dtype: .float64, generator: g)
        let labels = Tensor([0, 3, 3])
        let w = Tensor([0.5, 1.0, 2.0, 1.5], dtype: .float64)
        let q = b.softmax(axis: 1)
        let fns: [String: ([Tensor]) -> Tensor] = [
            "mse": { mseLoss($0[0], $0[1]) },
            "l1": { l1Loss($0[0], $0[1], reduction: .sum) },
            "smooth_l1": { smoothL1Loss($0[0], $0[1], beta: 0.5) },
            "huber": { huberLoss($0[0], $0[1], delta: 0.7) },
            "ce": { crossEntropy(logits: $0[0], targets: labels) },
            "ce_weight_ls": { crossEntropy(logits: $0[0], targets: Tensor([0, -100, 2]), weight: w, labelSmoothing: 0.2) },
            "ce_probs": { crossEntropy(logits: $0[0], targets: q, labelSmoothing: 0.1) },
            "nll": { nllLoss(logProbs: $0[0].logSoftmax(axis: 1), targets: labels, weight: w, reduction: .sum) },
            "bce": { binaryCrossEntropy($0[0].sigmoid(), p) },
            "bce_logits_pos": { binaryCrossEntropy(logits: $0[0], targets: p, posWeight: Tensor([1.0, 2.0, 0.5, 3.0], dtype: .float64)) },
            "kl": { klDiv($0[0].logSoftmax(axis: 1), q, reduction: .batchMean) },
            "kl_log": { klDiv($0[0].logSoftmax(axis: 1), q.log(), logTarget: true) },
            "cosine_embedding": { cosineEmbeddingLoss($0[0], $0[1], Tensor([1.0, -1.0, 1.0], dtype: .float64), margin: -0.9) },
            "margin_ranking": { marginRankingLoss($0[0], $0[1], Tensor.ones([3, 4], dtype: .float64), margin: 0.1) },
        ]
        let r = gradcheck(fns[name]!, inputs: [a, b])
        #expect(r.passed, "\(name): \(r)")
    }

    @Test func reductionsAndIgnoreIndex() {
        let x = Tensor([1.0, 2.0, 3.0, 4.0], shape: [2, 2]), y = Tensor([0.0, 0.0, 0.0, 0.0], shape: [2, 2])
        #expect(mseLoss(x, y, reduction: .none).scalars == [1, 4, 9, 16])
        #expect(mseLoss(x, y, reduction: .sum).item() == 30)
        #expect(mseLoss(x, y).item() == 7.5)
        let logits = Tensor([0.0, 0.0, 5.0, -5.0], shape: [2, 2])
        let ignoredAll = crossEntropy(logits: logits, targets: Tensor([-100, -100]))
        #expect(ignoredAll.item().isNaN)
        let half = crossEntropy(logits: logits, targets: Tensor([0, -100]))
        #expect(Swift.abs(half.item() - 0.6931472) < 1e-6)
        #expect(oneHot(Tensor([2, 0]), numClasses: 3).ints == [0, 0, 1, 1, 0, 0])
    }

    @Test func shapeMismatchStops() async {
        await #expect(processExitsWith: .failure) {
            _ = mseLoss(Tensor.zeros([4, 1]), Tensor.zeros([4]))
        }
        await #expect(processExitsWith: .failure) {
            _ = crossEntropy(logits: Tensor.zeros([4, 3]), targets: Tensor([0, 1, 2]))
        }
    }

    @Test func lossModulesMatchFunctions() {
        let x = Tensor([0.2, -1.0, 2.0, 0.5, 0.1, -0.3], shape: [2, 3]), t = Tensor([1, 0])
        #expect(CrossEntropyLoss(labelSmoothing: 0.1)(x, t).item() == crossEntropy(logits: x, targets: t, labelSmoothing: 0.1).item())
        #expect(MSELoss(reduction: .sum)(x, x * 2).item() == mseLoss(x, x * 2, reduction: .sum).item())
        let w = CrossEntropyLoss(weight: Tensor([1.0, 2.0, 3.0]))
        #expect(w.parameters().isEmpty && w.namedBuffers().map(\.0) == ["weight"])
        #expect(BCEWithLogitsLoss()(x, x.sigmoid()).item() == binaryCrossEntropy(logits: x, targets: x.sigmoid()).item())
    }
    /// klDiv is PyTorch's xlogy(t, t) − t·x: value 0 at t = 0, target gradient log t + 1 − x for
    /// t > 0 and NaN at t = 0 or NaN (as torch.nn.functional.kl_div); the input gradient is −t.
    @Test func klDivTargetGradientAtZeroAndNaN() {
        let x = Tensor([0.5, -1.0, 2.0, 0.25], shape: [4], dtype: .float64)
        let t = Tensor([0.0, 0.5, .nan, 2.0], shape: [4], dtype: .float64).requiringGrad()
        let xg = x.requiringGrad()
        let loss = klDiv(xg, t, reduction: .none)
        let v = loss.doubles
        #expect(v[0] == 0 && Swift.abs(v[1] - (0.5 * Foundation.log(0.5) + 0.5)) < 1e-12 && v[2].isNaN)
        let (gx, gt) = { let g = grad(of: loss.sum(), wrt: [xg, t]); return (g[0]!.doubles, g[1]!.doubles) }()
        #expect(gx[0] == 0 && gx[1] == -0.5 && gx[2].isNaN && gx[3] == -2)
        #expect(gt[0].isNaN && gt[2].isNaN)
        #expect(Swift.abs(gt[1] - (Foundation.log(0.5) + 1 + 1)) < 1e-12)
        #expect(Swift.abs(gt[3] - (Foundation.log(2.0) + 1 - 0.25)) < 1e-12)
    }
}
