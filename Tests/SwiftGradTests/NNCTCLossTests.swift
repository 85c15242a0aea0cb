import Foundation
import Testing
@testable import SwiftGrad

/// The CTC loss: PyTorch's values and (through logSoftmax) gradients for every reduction, padded
/// and concatenated targets, another blank, zeroInfinity, one sample; Float64 gradcheck; brute force.
@Suite struct NNCTCLossTests {
    static var ops: [String: (GoldenCase) -> Tensor] { [
        "ctcLoss": { c in
            let axis = c.args.bool("unbatched") == true ? 1 : 2
            return ctcLoss(logProbs: c.inputs[0]!.logSoftmax(axis: axis), targets: c.inputs[1]!, inputLengths: c.inputs[2]!,
                           targetLengths: c.inputs[3]!, blank: c.args.int("blank")!, reduction: c.args.reduction,
                           zeroInfinity: c.args.bool("zeroInfinity") ?? false)
        },
    ] }

    @Test func matchPyTorch() {
        let (failures, ran) = NNFixtures.run(Self.ops)
        #expect(ran == 6)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func gradcheckFloat64() {
        let x = GC.randn([5, 2, 4], seed: 3)
        GradCase("ctcLoss padded mean", [x]) {
            ctcLoss(logProbs: $0[0], targets: Tensor([1, 1, 0, 3, 2, 1], shape: [2, 3]), inputLengths: [5, 3], targetLengths: [2, 3])
        }.check()
        GradCase("ctcLoss through logSoftmax, blank 2", [x]) {
            ctcLoss(logProbs: $0[0].logSoftmax(axis: 2), targets: Tensor([1, 3, 0]), inputLengths: [4, 5], targetLengths: [2, 1],
                    blank: 2, reduction: .none)
        }.check()
    }

    /// The probability of a label sequence is the sum over every frame labelling that collapses to it.
    @Test func matchesBruteForceOverAllAlignments() {
        let logits = GC.randn([4, 1, 3], seed: 5), lp = logits.logSoftmax(axis: 2)
        let p = lp.exp().doubles
        var total = 0.0
        for path in 0..<81 {
            let frames = (0..<4).map { (path / Int(pow(3.0, Double($0)))) % 3 }
            // Collapse repeats, then drop blanks (0).
            var collapsed: [Int] = []
            for (i, f) in frames.enumerated() where i == 0 || f != frames[i - 1] { collapsed.append(f) }
            if collapsed.filter({ $0 != 0 }) == [1, 1] {
                total += frames.enumerated().map { p[$0.offset * 3 + $0.element] }.reduce(1, *)
            }
        }
        let loss = ctcLoss(logProbs: lp, targets: Tensor([1, 1], shape: [1, 2]), inputLengths: [4], targetLengths: [2], reduction: .sum)
        #expect(abs(loss.item() + log(total)) < 1e-12)
    }

    @Test func edgeCasesDtypesAndModule() {
        let lp = GC.randn([3, 2, 4], seed: 7).logSoftmax(axis: 2)
        // Too few frames for the labels: infinite, or 0 with zeroInfinity (and a zero gradient).
        let impossible = ctcLoss(logProbs: lp, targets: Tensor([1, 2, 1, 2], shape: [2, 2]), inputLengths: [1, 3], targetLengths: [2, 2],
                                 reduction: .none)
        #expect(impossible.doubles[0] == .infinity && impossible.doubles[1].isFinite)
        let x = lp.detach().requiringGrad()
        ctcLoss(logProbs: x, targets: Tensor([1, 2, 1, 2], shape: [2, 2]), inputLengths: [1, 3], targetLengths: [2, 2],
                reduction: .sum, zeroInfinity: true).backward()
        #expect(x.grad!.select(axis: 1, index: 0).doubles.allSatisfy { $0 == 0 })
        // Empty targets: the probability of all blanks.
        let empty = ctcLoss(logProbs: lp, targets: Tensor([Int](), shape: [0]), inputLengths: [3, 2], targetLengths: [0, 0], reduction: .none)
        let blanks = lp.select(axis: 2, index: 0).doubles
        #expect(abs(empty.doubles[0] + blanks[0] + blanks[2] + blanks[4]) < 1e-12)
        #expect(abs(empty.doubles[1] + blanks[1] + blanks[3]) < 1e-12)
        for dt in [DType.float32, .float16, .bfloat16] {
            let l = ctcLoss(logProbs: lp.to(dt), targets: Tensor([1, 2]), inputLengths: [3, 3], targetLengths: [1, 1])
            #expect(l.dtype == dt && abs(l.item() - ctcLoss(logProbs: lp, targets: Tensor([1, 2]), inputLengths: [3, 3], targetLengths: [1, 1]).item()) < 0.05)
        }
        let m = CTCLoss(blank: 0, reduction: .sum)
        #expect(m(lp, Tensor([1, 2]), inputLengths: Tensor([3, 3]), targetLengths: Tensor([1, 1])).item()
                == ctcLoss(logProbs: lp, targets: Tensor([1, 2]), inputLengths: [3, 3], targetLengths: [1, 1], reduction: .sum).item())
    }

    @Test func doubleBackwardStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor.randn([3, 1, 3], dtype: .float64).requiringGrad()
            let l = ctcLoss(logProbs: x, targets: Tensor([1]), inputLengths: [3], targetLengths: [1])
            _ = grad(of: l, wrt: [x], createGraph: true)
        }
    }
}

@Suite struct MisuseMessageTestsOpsNNCTC {
    static let cases: [MisuseCase] = [
        MisuseCase(["ctcLoss", "blank 5", "[3, 2, 4]"]) {
            _ = ctcLoss(logProbs: Tensor.zeros([3, 2, 4]), targets: Tensor([1, 2]), inputLengths: [3, 3], targetLengths: [1, 1], blank: 5)
        },
        MisuseCase(["ctcLoss", "input length 4", "[3, 2, 4]"]) {
            _ = ctcLoss(logProbs: Tensor.zeros([3, 2, 4]), targets: Tensor([1, 2]), inputLengths: [4, 3], targetLengths: [1, 1])
        },
        MisuseCase(["ctcLoss", "target 0", "blank 0"]) {
            _ = ctcLoss(logProbs: Tensor.zeros([3, 2, 4]), targets: Tensor([0, 2]), inputLengths: [3, 3], targetLengths: [1, 1])
        },
        MisuseCase(["ctcLoss", "inputLengths", "[3]"]) {
            _ = ctcLoss(logProbs: Tensor.zeros([3, 2, 4]), targets: Tensor([1, 2]), inputLengths: [3, 3, 3], targetLengths: [1, 1])
        },
        MisuseCase(["ctcLoss", "[2, 2, 2, 2]"]) {
            _ = ctcLoss(logProbs: Tensor.zeros([4, 4]).reshape([2, 2, 2, 2]), targets: Tensor([1]), inputLengths: [1], targetLengths: [1])
        },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOpsNNCTC.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
