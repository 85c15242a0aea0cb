import Foundation
import Testing
import SwiftGrad

/// Adamax, ASGD, Rprop, Adafactor and SparseAdam against PyTorch trajectories (optim_fixtures.json):
/// the same initial parameters and the same gradient at every step, float64, to 1e-10.
@Suite struct OptimizerParityTests {
    static func pair(_ kw: [String: Any], _ key: String) -> (Double, Double)? {
        (kw[key] as? [NSNumber]).map { ($0[0].doubleValue, $0[1].doubleValue) }
    }

    static func make(_ name: String, _ kw: [String: Any], _ ps: [Tensor]) -> Optimizer {
        func d(_ k: String, _ def: Double) -> Double { (kw[k] as? NSNumber)?.doubleValue ?? def }
        let maximize = (kw["maximize"] as? NSNumber)?.boolValue ?? false
        switch name {
        case "Adamax":
            return Adamax(ps, lr: d("lr", 2e-3), betas: pair(kw, "betas") ?? (0.9, 0.999), eps: d("eps", 1e-8),
                          weightDecay: d("weight_decay", 0), maximize: maximize)
        case "ASGD":
            return ASGD(ps, lr: d("lr", 1e-2), lambd: d("lambd", 1e-4), alpha: d("alpha", 0.75), t0: d("t0", 1e6),
                        weightDecay: d("weight_decay", 0), maximize: maximize)
        case "Rprop":
            return Rprop(ps, lr: d("lr", 1e-2), etas: pair(kw, "etas") ?? (0.5, 1.2), stepSizes: pair(kw, "step_sizes") ?? (1e-6, 50),
                         maximize: maximize)
        case "Adafactor":
            let eps = pair(kw, "eps").map { (Optional($0.0), $0.1) } ?? (nil, 1e-3)
            return Adafactor(ps, lr: d("lr", 1e-2), beta2Decay: d("beta2_decay", -0.8), eps: eps, d: d("d", 1),
                             weightDecay: d("weight_decay", 0), maximize: maximize)
        case "SparseAdam":
            return SparseAdam(ps, lr: d("lr", 1e-3), betas: pair(kw, "betas") ?? (0.9, 0.999), eps: d("eps", 1e-8), maximize: maximize)
        default:
            fatalError("unknown optimizer \(name)")
        }
    }

    @Test(arguments: ["Adamax", "ASGD", "Rprop", "Adafactor", "SparseAdam"])
    func trajectoryMatchesPyTorch(_ name: String) throws {
        let cases = OptimFixtures.cases(name)
        #expect(cases.count == 2)
        for c in cases {
            let kw = c["kwargs"] as! [String: Any]
            let shapes = (c["shapes"] as! [[NSNumber]]).map { $0.map(\.intValue) }
            let ps = zip(c["init"] as! [[NSNumber]], shapes).map {
                Tensor($0.map(\.doubleValue), shape: $1, dtype: .float64, requiresGrad: true)
            }
            let opt = Self.make(name, kw, ps)
            let grads = c["grads"] as! [[[NSNumber]]], traj = c["trajectory"] as! [[[NSNumber]]]
            for (k, (g, want)) in zip(grads, traj).enumerated() {
                for (i, p) in ps.enumerated() { p.grad = Tensor(g[i].map(\.doubleValue), shape: shapes[i], dtype: .float64) }
                opt.step()
                for (i, p) in ps.enumerated() {
                    let err = zip(p.doubles, want[i].map(\.doubleValue)).map { abs($0 - $1) }.max() ?? 0
                    #expect(err <= 1e-10, "\(name) \(kw) step \(k) param \(i): max error \(err)")
                }
            }
            // The state round-trips: a second optimizer loaded from the first continues identically.
            let copies = ps.map { p in withNoGrad { p.detach().copy() }.requiringGrad() }
            let opt2 = Self.make(name, kw, copies)
            try opt2.loadStateDict(opt.stateDict())
            for (i, (p, q)) in zip(ps, copies).enumerated() {
                let g = Tensor((0..<p.count).map { sin(Double($0 + i)) }, shape: p.shape, dtype: .float64)
                p.grad = g; q.grad = g
            }
            opt.step(); opt2.step()
            for (p, q) in zip(ps, copies) { #expect(p.doubles == q.doubles, "\(name): state dict round trip") }
        }
    }

    @Test func adafactorKeepsFactoredStateShapes() throws {
        let w = Tensor.zeros([2, 3, 4], dtype: .float64).requiringGrad(), b = Tensor.zeros([4], dtype: .float64).requiringGrad()
        let opt = Adafactor([w, b], lr: 0.01)
        w.grad = Tensor.ones([2, 3, 4], dtype: .float64); b.grad = Tensor.ones([4], dtype: .float64)
        opt.step()
        let s = opt.stateDict()
        #expect(s["state.0.row_var"]!.shape == [2, 3, 1])
        #expect(s["state.0.col_var"]!.shape == [2, 1, 4])
        #expect(s["state.1.variance"]!.shape == [4])
        var bad = s
        bad["state.0.row_var"] = Tensor.zeros([2, 3, 4], dtype: .float64)
        #expect(throws: StateDictError.self) { try opt.loadStateDict(bad) }
    }

    @Test func invalidHyperParametersStop() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Rprop([Tensor.zeros([2]).requiringGrad()], etas: (1.2, 0.5))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Adafactor([Tensor.zeros([2]).requiringGrad()], d: 0.5)
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Adamax([Tensor.zeros([2]).requiringGrad()], betas: (1.0, 0.999))
        }
    }

    @Test func sparseAdamLeavesRowsWithoutGradientAlone() {
        let w = Tensor([1.0, 2, 3, 4, 5, 6], shape: [3, 2], dtype: .float64, requiresGrad: true)
        let opt = SparseAdam([w], lr: 0.1)
        w.grad = Tensor([0.5, -1, 0, 0, 2, 0], shape: [3, 2], dtype: .float64)
        opt.step()
        let v = w.doubles
        #expect(v[2] == 3 && v[3] == 4)                 // row 1 had no gradient
        #expect(v[5] == 6)                              // a zero inside a present row: moments decay, m = 0, no move
        #expect(abs(v[0] - 0.9) < 1e-6 && abs(v[1] - 2.1) < 1e-6)   // Adam's first step moves by about lr
    }
}
