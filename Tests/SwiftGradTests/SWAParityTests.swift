import Foundation
import Testing
import SwiftGrad

/// swa_fixtures.json (Resources/make_swa_fixtures.py): torch.optim.swa_utils in float64.
enum SWAFixtures {
    static let data = FixtureResource.data("swa_fixtures")

    static var root: [String: Any] { try! JSONSerialization.jsonObject(with: data) as! [String: Any] }
}

/// AveragedModel (the SWA average, get_ema_avg_fn, get_ema_multi_avg_fn, with and without
/// buffers), updateBN and SWALR replayed against PyTorch: a Linear-BatchNorm-ReLU-Linear network
/// trained with SGD (momentum) on fixed data, every state dict (model and average) after each
/// epoch or step, the statistics after updateBN and the averaged model's eval output, to 1e-12.
@Suite struct SWAParityTests {
    static func net() -> Sequential {
        Sequential(Linear(3, 4, dtype: .float64), BatchNorm1d(4, momentum: 0.2, dtype: .float64), ReLU(),
                   Linear(4, 2, dtype: .float64))
    }

    /// A fixture state dict (key → flat list) as tensors shaped like `model`'s.
    static func state(_ flat: Any?, like model: ModuleBase) -> [String: Tensor] {
        let reference = model.stateDict()
        var out: [String: Tensor] = [:]
        for (key, values) in flat as! [String: [NSNumber]] {
            let r = reference[key]!
            out[key] = r.dtype.isFloatingPoint ? Tensor(values.map(\.doubleValue), shape: r.shape, dtype: .float64)
                                               : Tensor(values.map(\.intValue), shape: r.shape, dtype: r.dtype)
        }
        return out
    }

    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }
    }

    /// Where a state dict differs from the fixture's (same keys; values to 1e-12, integers exactly).
    static func mismatches(_ got: [String: Tensor], _ want: Any?, _ label: String) -> [String] {
        let want = want as! [String: [NSNumber]]
        var out: [String] = []
        if Set(got.keys) != Set(want.keys) { out.append("\(label): keys \(got.keys.sorted()) vs \(want.keys.sorted())") }
        for (key, values) in want.sorted(by: { $0.key < $1.key }) {
            guard let t = got[key] else { continue }
            let g = t.to(.float64).doubles, w = values.map(\.doubleValue)
            if !close(g, w) { out.append("\(label) \(key): \(g) vs \(w)") }
        }
        return out
    }

    /// The fixture's data (computed on each use: a Tensor is not Sendable, so no static stored one).
    static var x: Tensor { Tensor((SWAFixtures.root["data"] as! [String: [NSNumber]])["x"]!.map(\.doubleValue), shape: [8, 3], dtype: .float64) }
    static var y: Tensor { Tensor((SWAFixtures.root["data"] as! [String: [NSNumber]])["y"]!.map(\.doubleValue), shape: [8, 2], dtype: .float64) }
    static var batches: [(Tensor, Tensor)] {
        let x = Self.x, y = Self.y
        return [0, 4].map { (x.narrow(axis: 0, start: $0, length: 4), y.narrow(axis: 0, start: $0, length: 4)) }
    }

    static func trainStep(_ model: Module, _ opt: Optimizer, _ xb: Tensor, _ yb: Tensor) {
        opt.zeroGrad()
        mseLoss(model(xb), yb).backward()
        opt.step()
    }

    static func cases(_ kind: String) -> [[String: Any]] {
        (SWAFixtures.root["cases"] as! [[String: Any]]).filter { $0["kind"] as? String == kind }
    }

    @Test func swaWithSWALRAndUpdateBNMatchesPyTorch() throws {
        let cases = Self.cases("swa")
        #expect(cases.count == 2)
        for c in cases {
            let name = c["name"] as! String
            let model = Self.net()
            try model.loadStateDict(Self.state(c["init"], like: model))
            let opt = SGD(model.parameters(), lr: 0.1, momentum: 0.5)
            let swa = AveragedModel(model, copy: Self.net(), useBuffers: (c["use_buffers"] as! NSNumber).boolValue)
            let sched = SWALR(opt, swaLR: (c["swa_lr"] as! NSNumber).doubleValue, annealEpochs: (c["anneal_epochs"] as! NSNumber).intValue,
                              annealStrategy: c["anneal_strategy"] as? String == "linear" ? .linear : .cos)
            let swaStart = (c["swa_start"] as! NSNumber).intValue
            let batches = Self.batches
            var failures: [String] = []
            for (epoch, want) in (c["trajectory"] as! [[String: Any]]).enumerated() {
                for (xb, yb) in batches { Self.trainStep(model, opt, xb, yb) }
                if epoch >= swaStart {
                    swa.updateParameters(from: model)
                    sched.step()
                }
                let lr = (want["lr"] as! NSNumber).doubleValue
                if !Self.close([opt.paramGroups[0].lr], [lr]) { failures.append("\(name) epoch \(epoch): lr \(opt.paramGroups[0].lr) vs \(lr)") }
                failures += Self.mismatches(model.stateDict(), want["model"], "\(name) epoch \(epoch) model")
                failures += Self.mismatches(swa.stateDict(), want["averaged"], "\(name) epoch \(epoch) averaged")
            }
            updateBN(batches.map(\.0), swa)
            failures += Self.mismatches(swa.stateDict(), c["after_update_bn"], "\(name) after updateBN")
            swa.eval()
            let x = Self.x
            let out = withNoGrad { swa(x) }.doubles
            let want = (c["eval_output"] as! [NSNumber]).map(\.doubleValue)
            if !Self.close(out, want) { failures.append("\(name) eval output: \(out) vs \(want)") }
            #expect(failures.isEmpty, "\(failures.prefix(4))")
        }
    }

    @Test func emaMatchesPyTorch() throws {
        let cases = Self.cases("ema")
        #expect(cases.count == 3)
        for c in cases {
            let name = c["name"] as! String
            let decay = (c["decay"] as! NSNumber).doubleValue, useBuffers = (c["use_buffers"] as! NSNumber).boolValue
            let model = Self.net()
            try model.loadStateDict(Self.state(c["init"], like: model))
            let opt = SGD(model.parameters(), lr: 0.1, momentum: 0.5)
            let ema = (c["multi"] as! NSNumber).boolValue
                ? AveragedModel(model, copy: Self.net(), multiAvgFn: AveragedModel.emaMulti(decay: decay), useBuffers: useBuffers)
                : AveragedModel(model, copy: Self.net(), avgFn: AveragedModel.ema(decay: decay), useBuffers: useBuffers)
            var failures: [String] = []
            let batches = Self.batches
            for (k, want) in (c["trajectory"] as! [[String: Any]]).enumerated() {
                Self.trainStep(model, opt, batches[k % 2].0, batches[k % 2].1)
                ema.updateParameters(from: model)
                failures += Self.mismatches(model.stateDict(), want["model"], "\(name) step \(k) model")
                failures += Self.mismatches(ema.stateDict(), want["averaged"], "\(name) step \(k) averaged")
            }
            ema.eval()
            let x = Self.x
            let out = withNoGrad { ema(x) }.doubles
            let want = (c["eval_output"] as! [NSNumber]).map(\.doubleValue)
            if !Self.close(out, want) { failures.append("\(name) eval output: \(out) vs \(want)") }
            #expect(failures.isEmpty, "\(failures.prefix(4))")
        }
    }

    @Test func swalrWithOneRatePerGroupMatchesPyTorch() {
        let cases = SWAFixtures.root["swalr_groups"] as! [[String: Any]]
        #expect(cases.count == 2)
        for c in cases {
            let groups = [0.1, 0.3].map { ParamGroup([Tensor.zeros([1], dtype: .float64).requiringGrad()], lr: $0) }
            let opt = SGD(groups)
            let sched = SWALR(opt, swaLRs: (c["swa_lrs"] as! [NSNumber]).map(\.doubleValue), annealEpochs: (c["anneal_epochs"] as! NSNumber).intValue,
                              annealStrategy: c["anneal_strategy"] as? String == "linear" ? .linear : .cos)
            for (k, want) in (c["lrs"] as! [[NSNumber]]).enumerated() {
                if k > 0 { sched.step() }
                let got = opt.paramGroups.map(\.lr), w = want.map(\.doubleValue)
                #expect(Self.close(got, w), "SWALR \(c["swa_lrs"]!) \(c["anneal_strategy"]!) step \(k): \(got) vs \(w)")
            }
        }
    }
}
