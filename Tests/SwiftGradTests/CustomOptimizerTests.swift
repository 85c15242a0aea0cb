import Foundation
import Testing
import SwiftGrad

/// A user optimizer written outside the module, as Docs/Optimizers.md shows: sign of a momentum
/// buffer, with a per-parameter scalar (the last step's mean |m|) to exercise `scalarNames`.
final class SignMomentum: Optimizer {
    init(_ params: [(String, Tensor)], lr: Double = 0.01, beta: Double = 0.9) {
        super.init([ParamGroup(named: params)], defaults: ["lr": lr, "beta": beta], kind: "SignMomentum")
        require(lr >= 0, "learning rate", lr)
    }

    override var bufferNames: Set<String> { ["momentum_buffer"] }
    override var scalarNames: Set<String> { ["mean_abs"] }

    override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let beta = group.value("beta")
        let m = state.buffer("momentum_buffer", like: param)
        m *= beta
        m += grad * (1 - beta)
        param -= m.sign() * group.lr
        state.scalars["mean_abs"] = m.abs().mean().item()
    }
}

/// A user schedule: halves the rate every epoch after the first `hold` epochs, counting halvings.
final class HalvingLR: LRScheduler {
    let hold: Int
    var halvings = 0

    init(_ optimizer: Optimizer, hold: Int) {
        self.hold = hold
        super.init(optimizer, lastEpoch: -1)
    }

    override func computeLR() -> [Double] {
        guard lastEpoch > hold else { return groupLRs }
        halvings += 1
        return groupLRs.map { $0 * 0.5 }
    }

    override func saveExtra(into d: inout [String: Tensor]) { d["halvings"] = Tensor(Double(halvings), dtype: .float64) }
    override func loadExtra(from d: [String: Tensor]) throws { halvings = Int(d["halvings"]!.item()) }
}

@Suite struct CustomOptimizerTests {
    static func params(_ seed: Double) -> [(String, Tensor)] {
        [("w", Tensor([0.5, -1.0, 2.0, 0.25].map { $0 * seed }, shape: [2, 2], dtype: .float64, requiresGrad: true)),
         ("b", Tensor([0.1, -0.3], shape: [2], dtype: .float64, requiresGrad: true))]
    }

    static func setGrads(_ ps: [(String, Tensor)], _ k: Int) {
        for (i, (_, p)) in ps.enumerated() {
            p.grad = Tensor((0..<p.count).map { sin(Double($0 + 3 * i + 7 * k)) }, shape: p.shape, dtype: .float64)
        }
    }

    @Test func customOptimizerStepsAndRoundTripsItsStateDict() throws {
        let a = Self.params(1), b = Self.params(1)
        let optA = SignMomentum(a, lr: 0.1, beta: 0.8)
        for k in 0..<2 { Self.setGrads(a, k); optA.step() }
        let saved = optA.stateDict()
        #expect(saved["state.w.step"]!.item() == 2)
        #expect(saved["state.w.momentum_buffer"]!.shape == [2, 2])
        #expect(saved["state.b.mean_abs"] != nil)
        #expect(saved["param_groups.0.beta"]!.item() == 0.8)

        // Bring b's parameters to a's values, load the state, and the next steps agree exactly.
        for ((_, pa), (_, pb)) in zip(a, b) { withNoGrad { pb.copyFrom(pa) } }
        let optB = SignMomentum(b, lr: 0.5, beta: 0.1)
        try optB.loadStateDict(saved)
        #expect(optB.paramGroups[0]["beta"] == 0.8 && optB.lr == 0.1)
        for k in 2..<4 {
            Self.setGrads(a, k); optA.step()
            Self.setGrads(b, k); optB.step()
        }
        for ((_, pa), (_, pb)) in zip(a, b) { #expect(pa.doubles == pb.doubles) }
        #expect(optB.stateDict()["state.w.step"]!.item() == 4)

        // The hand-computed first update: m = 0.2·g, so each element moves by -0.1·sign(g).
        let c = Self.params(1)
        let optC = SignMomentum(c, lr: 0.1, beta: 0.8)
        Self.setGrads(c, 0)
        optC.step()
        let g = (0..<4).map { sin(Double($0)) }
        let expected = zip([0.5, -1.0, 2.0, 0.25], g).map { $0 - 0.1 * ($1 > 0 ? 1 : ($1 < 0 ? -1 : 0)) }
        #expect(c[0].1.doubles == expected)
    }

    @Test func customOptimizerStateDictRejectsUnknownBuffers() {
        let a = Self.params(1)
        let opt = SignMomentum(a)
        Self.setGrads(a, 0); opt.step()
        var saved = opt.stateDict()
        saved["state.w.exp_avg"] = Tensor.zeros([2, 2], dtype: .float64)
        #expect(throws: StateDictError.self) { try opt.loadStateDict(saved) }
    }

    @Test func customSchedulerStepsAndRoundTripsItsStateDict() throws {
        let opt = SignMomentum(Self.params(1), lr: 1)
        let sched = HalvingLR(opt, hold: 2)
        var rates: [Double] = []
        for _ in 0..<5 { sched.step(); rates.append(opt.lr) }
        #expect(rates == [1, 1, 0.5, 0.25, 0.125])
        #expect(sched.lastLR == [0.125])

        let opt2 = SignMomentum(Self.params(1), lr: 1)
        let sched2 = HalvingLR(opt2, hold: 2)
        try sched2.loadStateDict(sched.stateDict())
        #expect(sched2.halvings == 3 && sched2.lastEpoch == 5)
    }
}
