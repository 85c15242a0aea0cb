import Foundation
import Testing
import SwiftGrad

/// MultiplicativeLR, CyclicLR and SWALR against PyTorch (optim_fixtures.json "schedulers"): two
/// groups with rates 0.1 and 0.2, every rate (and cycled momentum) after each step, to 1e-12.
@Suite struct SchedulerParityTests {
    static func make(_ c: [String: Any]) -> (Optimizer, LRScheduler) {
        let kw = c["kwargs"] as! [String: Any], optKw = c["opt_kwargs"] as! [String: Any]
        func d(_ k: String) -> Double? { (kw[k] as? NSNumber)?.doubleValue }
        func i(_ k: String) -> Int? { (kw[k] as? NSNumber)?.intValue }
        let groups = (0..<2).map { ParamGroup([Tensor.zeros([1], dtype: .float64).requiringGrad()], lr: 0.1 * Double($0 + 1)) }
        let opt: Optimizer = c["optimizer"] as? String == "Adam"
            ? Adam(groups) : SGD(groups, momentum: (optKw["momentum"] as? NSNumber)?.doubleValue ?? 0)
        let sched: LRScheduler
        switch c["scheduler"] as! String {
        case "MultiplicativeLR":
            sched = MultiplicativeLR(opt) { $0 % 2 == 1 ? 0.9 : 0.8 }
        case "CyclicLR":
            let mode: CyclicLR.Mode = switch kw["mode"] as? String {
            case "triangular2": .triangular2
            case "exp_range": .expRange
            default: .triangular
            }
            sched = CyclicLR(opt, baseLR: d("base_lr")!, maxLR: d("max_lr")!, stepSizeUp: i("step_size_up")!,
                             stepSizeDown: i("step_size_down"), mode: mode, gamma: d("gamma") ?? 1,
                             cycleMomentum: (kw["cycle_momentum"] as? NSNumber)?.boolValue ?? true,
                             baseMomentum: d("base_momentum") ?? 0.8, maxMomentum: d("max_momentum") ?? 0.9)
        case "SWALR":
            sched = SWALR(opt, swaLR: d("swa_lr")!, annealEpochs: i("anneal_epochs") ?? 10,
                          annealStrategy: kw["anneal_strategy"] as? String == "linear" ? .linear : .cos)
        default:
            fatalError("unknown scheduler")
        }
        return (opt, sched)
    }

    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }
    }

    @Test func ratesMatchPyTorch() {
        let cases = OptimFixtures.root["schedulers"] as! [[String: Any]]
        #expect(cases.count == 7)
        for c in cases {
            let (opt, sched) = Self.make(c)
            let lrs = (c["lrs"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
            let moms = (c["momenta"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
            let key = c["optimizer"] as? String == "Adam" ? "beta1" : "momentum"
            for (k, (want, wantM)) in zip(lrs, moms).enumerated() {
                if k > 0 { sched.step() }
                let got = opt.paramGroups.map(\.lr)
                #expect(Self.close(got, want), "\(c["scheduler"]!) \(c["kwargs"]!) step \(k): \(got) vs \(want)")
                if !wantM.isEmpty {
                    let gotM = opt.paramGroups.map { $0[key]! }
                    #expect(Self.close(gotM, wantM), "\(c["scheduler"]!) momentum step \(k): \(gotM) vs \(wantM)")
                }
            }
            #expect(sched.lastLR == opt.paramGroups.map(\.lr))
        }
    }

    @Test func stateDictsRoundTrip() throws {
        for c in OptimFixtures.root["schedulers"] as! [[String: Any]] {
            let (_, a) = Self.make(c), (optB, b) = Self.make(c)
            for _ in 0..<3 { a.step() }
            try b.loadStateDict(a.stateDict())
            #expect(b.lastEpoch == 3 && b.lastLR == a.lastLR)
            _ = optB
        }
    }
}
