import Foundation
import Testing
import SwiftGrad

/// muon_fixtures.json (Resources/make_muon_fixtures.py): torch.optim.Muon in float64.
enum MuonFixtures {
    static let data = FixtureResource.data("muon_fixtures")

    static var root: [String: Any] { try! JSONSerialization.jsonObject(with: data) as! [String: Any] }
}

/// Muon against PyTorch. Its Newton–Schulz iteration runs in bfloat16 in PyTorch; ours computes each
/// product in float32 and rounds to bfloat16 where PyTorch's bfloat16 ops round, and on these
/// fixtures every orthogonalised element is bitwise PyTorch's and the float64 trajectories agree to
/// 1e-12. (A float32 sum added in another order than PyTorch's CPU kernel could move a bfloat16
/// result by one step on other sizes; these fixtures show no such case.)
@Suite struct MuonTests {
    @Test func orthogonalizationMatchesPyTorch() {
        let cases = MuonFixtures.root["orthogonalize"] as! [[String: Any]]
        #expect(cases.count == 4)
        var exact = 0, total = 0
        for c in cases {
            let shape = (c["shape"] as! [NSNumber]).map(\.intValue)
            let coefficients = (c["coefficients"] as! [NSNumber]).map(\.doubleValue)
            let g = Tensor((c["input"] as! [NSNumber]).map(\.doubleValue), shape: shape, dtype: .float64)
            let o = Muon.orthogonalize(g, coefficients: (coefficients[0], coefficients[1], coefficients[2]),
                                       steps: (c["steps"] as! NSNumber).intValue, eps: (c["eps"] as! NSNumber).doubleValue)
            #expect(o.dtype == .bfloat16 && o.shape == shape)
            let want = (c["output"] as! [NSNumber]).map(\.doubleValue), got = o.to(.float64).doubles
            for (a, b) in zip(got, want) {
                total += 1
                if a == b { exact += 1 }
            }
        }
        #expect(total == 12 + 10 + 64 + 24)
        #expect(exact == total, "\(exact) of \(total) elements bitwise equal to PyTorch's")
    }

    static func make(_ kw: [String: Any], _ ps: [Tensor]) -> Muon {
        func d(_ k: String, _ def: Double) -> Double { (kw[k] as? NSNumber)?.doubleValue ?? def }
        let adjust: Muon.AdjustLR = switch kw["adjust_lr_fn"] as? String {
        case "match_rms_adamw": .matchRMSAdamW
        case "spectral_unclamped": .spectralUnclamped
        default: .original
        }
        return Muon(ps, lr: d("lr", 1e-3), weightDecay: d("weight_decay", 0.1), momentum: d("momentum", 0.95),
                    nesterov: (kw["nesterov"] as? NSNumber)?.boolValue ?? true, nsSteps: (kw["ns_steps"] as? NSNumber)?.intValue ?? 5,
                    adjustLR: adjust)
    }

    @Test func trajectoriesMatchPyTorch() throws {
        let cases = MuonFixtures.root["trajectories"] as! [[String: Any]]
        #expect(cases.count == 3)
        for c in cases {
            let kw = c["kwargs"] as! [String: Any]
            let shapes = (c["shapes"] as! [[NSNumber]]).map { $0.map(\.intValue) }
            let ps = zip(c["init"] as! [[NSNumber]], shapes).map {
                Tensor($0.map(\.doubleValue), shape: $1, dtype: .float64, requiresGrad: true)
            }
            let opt = Self.make(kw, ps)
            let grads = c["grads"] as! [[[NSNumber]]], traj = c["trajectory"] as! [[[NSNumber]]]
            for (k, (g, want)) in zip(grads, traj).enumerated() {
                for (i, p) in ps.enumerated() { p.grad = Tensor(g[i].map(\.doubleValue), shape: shapes[i], dtype: .float64) }
                opt.step()
                for (i, p) in ps.enumerated() {
                    let err = zip(p.doubles, want[i].map(\.doubleValue)).map { abs($0 - $1) }.max() ?? 0
                    #expect(err <= 1e-12, "Muon \(kw) step \(k) param \(i): max error \(err)")
                }
            }
            // The momentum buffers round-trip through the state dict.
            let copies = ps.map { p in withNoGrad { p.detach().copy() }.requiringGrad() }
            let opt2 = Self.make(kw, copies)
            try opt2.loadStateDict(opt.stateDict())
            #expect(opt.stateDict().keys.contains("state.0.momentum_buffer"))
            for (i, (p, q)) in zip(ps, copies).enumerated() {
                let g = Tensor((0..<p.count).map { sin(Double($0 + i)) }, shape: p.shape, dtype: .float64)
                p.grad = g; q.grad = g
            }
            opt.step(); opt2.step()
            for (p, q) in zip(ps, copies) { #expect(p.doubles == q.doubles, "Muon: state dict round trip") }
        }
    }

    @Test func adjustedRatesFollowTheirFormulas() {
        #expect(Muon.adjustedLR(0.02, .original, rows: 256, columns: 64) == 0.02 * 2)
        #expect(Muon.adjustedLR(0.02, .original, rows: 64, columns: 256) == 0.02)
        #expect(abs(Muon.adjustedLR(0.02, .matchRMSAdamW, rows: 64, columns: 256) - 0.02 * 0.2 * 16) < 1e-15)
        #expect(Muon.adjustedLR(0.02, .spectralUnclamped, rows: 64, columns: 256) == 0.02 * 0.5)
    }

    @Test func aParameterThatIsNotAMatrixStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Muon([Tensor.zeros([4], requiresGrad: true)], lr: 0.02)
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("Muon") && text.contains("2-D") && text.contains("[4]"), "\(text)")
    }
}
