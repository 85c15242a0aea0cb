import Foundation
import Testing
import SwiftGrad

// Misuse of losses, linear algebra, optimizers and schedulers: each case stops the child process
// with a message naming the op (or the class) and every operand's shape or the bad argument.
// Also run against a release build in CI.

@Suite struct MisuseMessageTestsLosses {
    static let cases: [MisuseCase] = [
        MisuseCase(["huberLoss", "[2]", "[3]"]) { _ = huberLoss(Tensor.ones([2]), Tensor.ones([3])) },
        MisuseCase(["binaryCrossEntropy", "[2]", "[3]"]) { _ = binaryCrossEntropy(Tensor.ones([2]) * 0.5, Tensor.ones([3])) },
        MisuseCase(["binaryCrossEntropy(logits:)", "[2]", "[3]"]) {
            _ = binaryCrossEntropyWithLogits(Tensor.ones([2]), Tensor.ones([3]))
        },
        MisuseCase(["klDiv", "[2]", "[3]"]) { _ = klDiv(Tensor.ones([2]), Tensor.ones([3])) },
        MisuseCase(["cosineEmbeddingLoss", "[2, 3]", "[2, 4]"]) {
            _ = cosineEmbeddingLoss(Tensor.ones([2, 3]), Tensor.ones([2, 4]), Tensor.ones([2]))
        },
        MisuseCase(["marginRankingLoss", "[2]", "[3]"]) { _ = marginRankingLoss(Tensor.ones([2]), Tensor.ones([3]), Tensor.ones([2])) },
        MisuseCase(["crossEntropy", "[4]", "[2, 3]"]) {
            _ = crossEntropy(logits: Tensor.ones([2, 3]), targets: Tensor([0, 1]), weight: Tensor.ones([4]))
        },
        MisuseCase(["crossEntropy", "[2, 3]", "[2, 4]"]) { _ = crossEntropy(logits: Tensor.ones([2, 3]), targets: Tensor.ones([2, 4])) },
        MisuseCase(["nllLoss", "[2, 3]", "[3]"]) { _ = nllLoss(logProbs: Tensor.ones([2, 3]), targets: Tensor([0, 1, 2])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsLosses.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

@Suite struct MisuseMessageTestsLinalg {
    static let cases: [MisuseCase] = [
        MisuseCase(["det", "[2, 3]"]) { _ = Linalg.det(Tensor.ones([2, 3], dtype: .float64)) },
        MisuseCase(["trace", "[3]"]) { _ = Linalg.trace(Tensor.ones([3])) },
        MisuseCase(["cross", "[2, 2]", "[2, 2]"]) { _ = Linalg.cross(Tensor.ones([2, 2]), Tensor.ones([2, 2])) },
        MisuseCase(["diagonal", "[3]"]) { _ = Linalg.diagonal(Tensor.ones([3])) },
        MisuseCase(["triu", "[3]"]) { _ = Linalg.triu(Tensor.ones([3])) },
        MisuseCase(["matrixExp", "[2, 3]"]) { _ = Linalg.matrixExp(Tensor.ones([2, 3])) },
        MisuseCase(["inv", "int64", "[2, 2]"]) { _ = try? Linalg.inv(Tensor.ones([2, 2], dtype: .int64)) },
        MisuseCase(["solve", "[3, 3]", "[2, 1]"]) {
            _ = try? Linalg.solve(Tensor.eye(3, dtype: .float64), Tensor.zeros([2, 1], dtype: .float64))
        },
        MisuseCase(["solveTriangular", "[3, 3]", "[2, 1]"]) {
            _ = Linalg.solveTriangular(Tensor.eye(3, dtype: .float64), Tensor.zeros([2, 1], dtype: .float64), upper: true)
        },
        MisuseCase(["cholesky", "[2, 3]"]) { _ = try? Linalg.cholesky(Tensor.ones([2, 3], dtype: .float64)) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsLinalg.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

@Suite struct MisuseMessageTestsOptimizers {
    static let cases: [MisuseCase] = [
        MisuseCase(["SGD", "learning rate", "-1"]) { _ = SGD([Tensor.ones([2]).requiringGrad()], lr: -1) },
        MisuseCase(["Adam", "beta", "1.5"]) { _ = Adam([Tensor.ones([2]).requiringGrad()], betas: (1.5, 0.9)) },
        MisuseCase(["SGD", "int64"]) { _ = SGD([Tensor([1, 2])], lr: 0.1) },
        MisuseCase(["SGD", "non-leaf", "mul"]) { _ = SGD([Tensor.ones([2]).requiringGrad() * 2], lr: 0.1) },
        MisuseCase(["SGD", "[3]", "[2]"]) {
            let p = Tensor.ones([2]).requiringGrad()
            let opt = SGD([p], lr: 0.1)
            p.grad = Tensor.zeros([3])
            opt.step()
        },
        MisuseCase(["StepLR", "0"]) { _ = StepLR(SGD([Tensor.ones([2]).requiringGrad()], lr: 0.1), stepSize: 0) },
        MisuseCase(["CosineAnnealingLR", "0"]) { _ = CosineAnnealingLR(SGD([Tensor.ones([2]).requiringGrad()], lr: 0.1), tMax: 0) },
        MisuseCase(["CosineAnnealingWarmRestarts", "inf"]) {
            CosineAnnealingWarmRestarts(SGD([Tensor.ones([2]).requiringGrad()], lr: 0.1), t0: 2).step(epoch: .infinity)
        },
        MisuseCase(["OneCycleLR", "0"]) { _ = OneCycleLR(SGD([Tensor.ones([2]).requiringGrad()], lr: 0.1), maxLR: 1, totalSteps: 0) },
        MisuseCase(["clipGradNorm", "-1"]) { _ = clipGradNorm([Tensor.ones([2]).requiringGrad()], maxNorm: 1, normType: -1) },
        MisuseCase(["clipGradValue", "-1"]) { clipGradValue([Tensor.ones([2]).requiringGrad()], clipValue: -1) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingTheClassAndArgument(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOptimizers.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
