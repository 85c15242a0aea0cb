import Foundation
import Testing
import SwiftGrad

/// Builds the optimizer a golden case (or a test) names, with PyTorch's argument names.
func makeOptimizer(_ a: GoldenArgs, _ params: [Tensor]) -> Optimizer {
    let betas = (a.raw["betas"] as? [NSNumber]).map { ($0[0].doubleValue, $0[1].doubleValue) } ?? (0.9, 0.999)
    let wd = a.double("weight_decay") ?? 0
    switch a.string("optimizer")! {
    case "SGD":
        return SGD(params, lr: a.double("lr")!, momentum: a.double("momentum") ?? 0, dampening: a.double("dampening") ?? 0,
                   weightDecay: wd, nesterov: a.bool("nesterov") ?? false, maximize: a.bool("maximize") ?? false)
    case "Adam":
        return Adam(params, lr: a.double("lr") ?? 1e-3, betas: betas, eps: a.double("eps") ?? 1e-8, weightDecay: wd,
                    amsgrad: a.bool("amsgrad") ?? false, maximize: a.bool("maximize") ?? false)
    case "AdamW":
        return AdamW(params, lr: a.double("lr") ?? 1e-3, betas: betas, eps: a.double("eps") ?? 1e-8,
                     weightDecay: a.double("weight_decay") ?? 1e-2, amsgrad: a.bool("amsgrad") ?? false)
    case "RMSprop":
        return RMSprop(params, lr: a.double("lr") ?? 1e-2, alpha: a.double("alpha") ?? 0.99, eps: a.double("eps") ?? 1e-8,
                       weightDecay: wd, momentum: a.double("momentum") ?? 0, centered: a.bool("centered") ?? false,
                       maximize: a.bool("maximize") ?? false)
    case "Adagrad":
        return Adagrad(params, lr: a.double("lr") ?? 1e-2, lrDecay: a.double("lr_decay") ?? 0, weightDecay: wd,
                       initialAccumulatorValue: a.double("initial_accumulator_value") ?? 0, eps: a.double("eps") ?? 1e-10,
                       maximize: a.bool("maximize") ?? false)
    case "Adadelta":
        return Adadelta(params, lr: a.double("lr") ?? 1, rho: a.double("rho") ?? 0.9, eps: a.double("eps") ?? 1e-6,
                        weightDecay: wd, maximize: a.bool("maximize") ?? false)
    case "NAdam":
        return NAdam(params, lr: a.double("lr") ?? 2e-3, betas: betas, eps: a.double("eps") ?? 1e-8, weightDecay: wd,
                     momentumDecay: a.double("momentum_decay") ?? 4e-3,
                     decoupledWeightDecay: a.bool("decoupled_weight_decay") ?? false, maximize: a.bool("maximize") ?? false)
    case "RAdam":
        return RAdam(params, lr: a.double("lr") ?? 1e-3, betas: betas, eps: a.double("eps") ?? 1e-8, weightDecay: wd,
                     decoupledWeightDecay: a.bool("decoupled_weight_decay") ?? false, maximize: a.bool("maximize") ?? false)
    case let other:
        fatalError("unknown optimizer \(other)")
    }
}

func args(_ d: [String: Any]) -> GoldenArgs { GoldenArgs(raw: d) }

/// Every configuration exercised by the round-trip and cross-check tests.
var optimizerConfigs: [[String: Any]] { [
    ["optimizer": "SGD", "lr": 0.1],
    ["optimizer": "SGD", "lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01, "maximize": true],
    ["optimizer": "SGD", "lr": 0.1, "momentum": 0.9, "nesterov": true],
    ["optimizer": "Adam", "lr": 0.01],
    ["optimizer": "Adam", "lr": 0.01, "weight_decay": 0.1, "amsgrad": true, "maximize": true],
    ["optimizer": "AdamW", "lr": 0.01, "weight_decay": 0.05, "amsgrad": true],
    ["optimizer": "AdamW", "lr": 0.01, "weight_decay": 0.05],            // the branch-free AdamW loop
    ["optimizer": "RMSprop", "lr": 0.01, "weight_decay": 0.01],
    ["optimizer": "RMSprop", "lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": true],
    ["optimizer": "Adagrad", "lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.02, "initial_accumulator_value": 0.1],
    ["optimizer": "Adadelta", "lr": 0.5, "rho": 0.8, "weight_decay": 0.01],
    ["optimizer": "NAdam", "lr": 0.01, "weight_decay": 0.01],
    ["optimizer": "NAdam", "lr": 0.01, "weight_decay": 0.01, "decoupled_weight_decay": true, "momentum_decay": 0.01],
    ["optimizer": "RAdam", "lr": 0.01, "weight_decay": 0.01],
    ["optimizer": "RAdam", "lr": 0.01, "betas": [0.9, 0.9], "weight_decay": 0.01, "decoupled_weight_decay": true],
] }

/// A reproducible gradient for step `k` of parameter `i`.
func testGrad(_ shape: [Int], step k: Int, param i: Int, dtype: DType = .float64) -> Tensor {
    Tensor.randn(shape, dtype: dtype, generator: Generator(seed: UInt64(1000 * i + k + 1)))
}

@Suite struct OptimizerTests {
    @Test func everyGoldenOptimizerCaseMatchesPyTorch() {
        var ran = 0
        for c in Golden.cases(op: "optimizer") {
            ran += 1
            let p = c.inputs[0]!.to(.float64).requiringGrad()
            let opt = makeOptimizer(c.args, [p])
            let trajectory = (c.json["trajectory"] as! [Any]).map { Golden.tensor($0, integer: false)! }
            #expect(trajectory.count == c.inputs.count - 1)
            for (k, expected) in trajectory.enumerated() {
                p.grad = c.inputs[k + 1]!.to(.float64)
                opt.step()
                if let m = Golden.mismatch(p, expected, atol: 1e-12, rtol: 1e-12) {
                    Issue.record("\(c.name) step \(k + 1): \(m)")
                }
            }
        }
        #expect(ran == 8)
    }

    /// Each optimizer against a plain scalar transcription of PyTorch's algorithm, 6 steps, float64.
    @Test(arguments: optimizerConfigs.indices)
    func fusedKernelMatchesScalarReference(_ config: Int) {
        let a = args(optimizerConfigs[config])
        let initial = Tensor.randn([7], dtype: .float64, generator: Generator(seed: 7))
        let p = initial.copy().requiringGrad()
        let opt = makeOptimizer(a, [p])
        var ref = ReferenceOptimizer(a, initial.doubles)
        for k in 0..<6 {
            let g = testGrad([7], step: k, param: 0)
            p.grad = g
            opt.step()
            ref.step(g.doubles)
            let got = p.doubles
            for i in got.indices where !(abs(got[i] - ref.x[i]) <= 1e-13 + 1e-12 * abs(ref.x[i])) {
                Issue.record("\(a.raw) step \(k + 1) element \(i): \(got[i]) != reference \(ref.x[i])")
            }
        }
    }

    /// 5 steps, save, rebuild and load, 5 more steps == 10 straight steps, bit for bit.
    @Test(arguments: optimizerConfigs.indices)
    func stateRoundTripIsBitwise(_ config: Int) throws {
        let a = args(optimizerConfigs[config])
        let shapes = [[3, 4], [5]]
        let initial = shapes.enumerated().map { Tensor.randn($1, dtype: .float64, generator: Generator(seed: UInt64($0 + 50))) }

        let straight = initial.map { $0.copy().requiringGrad() }
        let optA = makeOptimizer(a, straight)
        for k in 0..<10 {
            for (i, p) in straight.enumerated() { p.grad = testGrad(p.shape, step: k, param: i) }
            optA.step()
        }

        var first = initial.map { $0.copy().requiringGrad() }
        let optB = makeOptimizer(a, first)
        for k in 0..<5 {
            for (i, p) in first.enumerated() { p.grad = testGrad(p.shape, step: k, param: i) }
            optB.step()
        }
        let saved = optB.stateDict()
        first = first.map { $0.detach().copy().requiringGrad() }
        let optC = makeOptimizer(a, first)
        try optC.loadStateDict(saved)
        for k in 5..<10 {
            for (i, p) in first.enumerated() { p.grad = testGrad(p.shape, step: k, param: i) }
            optC.step()
        }
        for (x, y) in zip(straight, first) {
            #expect(x.doubles.map(\.bitPattern) == y.doubles.map(\.bitPattern), "\(a.raw)")
        }
    }

    @Test func namedParametersKeyTheStateDict() throws {
        let w = Tensor.randn([2, 3], dtype: .float64).requiringGrad(), b = Tensor.zeros([3], dtype: .float64).requiringGrad()
        let opt = Adam([("fc1.weight", w), ("fc1.bias", b)], lr: 0.01)
        w.grad = Tensor.onesLike(w)
        opt.step()
        let d = opt.stateDict()
        #expect(d["state.fc1.weight.step"]?.item() == 1)
        #expect(d["state.fc1.weight.step"]?.dtype == .int64)
        #expect(d["state.fc1.weight.exp_avg"]?.shape == [2, 3])
        #expect(d["state.fc1.bias.step"] == nil, "a parameter without a gradient has no state")
        #expect(d["param_groups.0.lr"]?.item() == 0.01)
        #expect(d["param_groups.0.lr"]?.dtype == .float64)
        #expect(d["param_groups.0.beta2"]?.item() == 0.999)
        #expect(opt.parameterNames == ["fc1.weight", "fc1.bias"])
        // The saved buffers are copies: stepping again does not change them.
        let m = d["state.fc1.weight.exp_avg"]!.doubles
        w.grad = Tensor.onesLike(w)
        opt.step()
        #expect(d["state.fc1.weight.exp_avg"]!.doubles == m)
    }

    @Test func loadStateDictRejectsBadDicts() throws {
        let w = Tensor.randn([4], dtype: .float64).requiringGrad()
        let opt = SGD([("w", w)], lr: 0.1, momentum: 0.9)
        w.grad = Tensor.onesLike(w)
        opt.step()
        let good = opt.stateDict()
        let fresh = { SGD([("w", Tensor.randn([4], dtype: .float64).requiringGrad())], lr: 0.1, momentum: 0.9) }

        var d = good; d["state.v.step"] = Tensor([Int64(1)], shape: [])
        #expect(throws: StateDictError.unexpectedKeys(["state.v.step"])) { try fresh().loadStateDict(d) }
        d = good; d["state.w.exp_avg"] = Tensor.zeros([4], dtype: .float64)
        #expect(throws: StateDictError.unexpectedKeys(["state.w.exp_avg"])) { try fresh().loadStateDict(d) }
        d = good; d["state.w.momentum_buffer"] = Tensor.zeros([5], dtype: .float64)
        #expect(throws: StateDictError.shapeMismatch(key: "state.w.momentum_buffer", expected: [4], got: [5])) { try fresh().loadStateDict(d) }
        d = good; d["state.w.momentum_buffer"] = Tensor.zeros([4])
        #expect(throws: StateDictError.dtypeMismatch(key: "state.w.momentum_buffer", expected: .float64, got: .float32)) { try fresh().loadStateDict(d) }
        d = good; d["param_groups.0.momentum"] = nil
        #expect(throws: StateDictError.missingKeys(["param_groups.0.momentum"])) { try fresh().loadStateDict(d) }
        d = good; d["state.w.step"] = nil
        #expect(throws: StateDictError.missingKeys(["state.w.step"])) { try fresh().loadStateDict(d) }
        d = good; d["param_groups.1.lr"] = Tensor(0.1, dtype: .float64)
        #expect(throws: StateDictError.unexpectedKeys(["param_groups.1.lr"])) { try fresh().loadStateDict(d) }

        // A failed load changes nothing.
        let target = fresh()
        d = good; d["param_groups.0.lr"] = Tensor(0.5, dtype: .float64); d["bogus"] = Tensor(1.0)
        #expect(throws: StateDictError.self) { try target.loadStateDict(d) }
        #expect(target.lr == 0.1 && target.stateDict()["state.w.step"] == nil)
        // The hyper-parameters travel with the state.
        d = good; d["param_groups.0.lr"] = Tensor(0.5, dtype: .float64)
        try target.loadStateDict(d)
        #expect(target.lr == 0.5)
    }

    @Test func frozenAndGradlessParametersNeverChange() {
        let live = Tensor.randn([5]).requiringGrad()
        let frozen = Tensor.randn([5])
        let noGrad = Tensor.randn([5]).requiringGrad()
        let before = (frozen.scalars.map(\.bitPattern), noGrad.scalars.map(\.bitPattern))
        frozen.grad = Tensor.onesLike(frozen)        // a stale gradient on a frozen parameter is ignored
        let opt = AdamW([live, frozen, noGrad], lr: 0.1, weightDecay: 0.5)
        for _ in 0..<3 {
            live.grad = Tensor.onesLike(live)
            opt.step()
        }
        #expect(frozen.scalars.map(\.bitPattern) == before.0)
        #expect(noGrad.scalars.map(\.bitPattern) == before.1)
        let keys = opt.stateDict().keys
        #expect(keys.contains("state.0.step") && !keys.contains { $0.hasPrefix("state.1.") || $0.hasPrefix("state.2.") })
    }

    @Test func parameterGroupsHaveTheirOwnSettings() {
        let a = Tensor([1.0, 2.0], dtype: .float64, requiresGrad: true)
        let b = Tensor([1.0, 2.0], dtype: .float64, requiresGrad: true)
        let opt = SGD([ParamGroup(named: [("a", a)]), ParamGroup(named: [("b", b)], lr: 0.5, weightDecay: 1)], lr: 0.1)
        a.grad = Tensor([1.0, 1.0], dtype: .float64)
        b.grad = Tensor([1.0, 1.0], dtype: .float64)
        opt.step()
        #expect(a.doubles == [0.9, 1.9])
        #expect(b.doubles == [1.0 - 0.5 * 2, 2.0 - 0.5 * 3])
        #expect(opt.paramGroups.map(\.lr) == [0.1, 0.5])
        #expect(opt.paramGroups[1]["momentum"] == 0)
        opt.lr = 0.2
        #expect(opt.paramGroups.map(\.lr) == [0.2, 0.2])
        opt.paramGroups[0].lr = 0.3
        #expect(opt.lr == 0.3)
        let c = Tensor([0.0], dtype: .float64, requiresGrad: true)
        opt.addParamGroup(ParamGroup([c], lr: 1))
        c.grad = Tensor([2.0], dtype: .float64)
        opt.step()
        #expect(c.doubles == [-2])
        #expect(opt.parameterNames == ["a", "b", "2"])
    }

    @Test func stepIsInPlaceBumpsTheVersionAndRecordsNothing() {
        let p = Tensor.randn([4]).requiringGrad()
        let storageBefore = p.doubles
        let opt = SGD([p], lr: 0.1)
        p.grad = Tensor.onesLike(p)
        let v = p.version
        opt.step()
        #expect(p.version == v + 1)
        #expect(p.isLeaf && p.requiresGrad)
        #expect(p.doubles != storageBefore)
        opt.zeroGrad()
        #expect(p.grad == nil)
    }

    @Test func float32UpdatesAgreeWithFloat64() {
        for config in optimizerConfigs {
            let a = args(config)
            let initial = Tensor.randn([64], dtype: .float64, generator: Generator(seed: 3))
            let p64 = initial.copy().requiringGrad(), p32 = initial.to(.float32).requiringGrad()
            let o64 = makeOptimizer(a, [p64]), o32 = makeOptimizer(a, [p32])
            for k in 0..<5 {
                let g = testGrad([64], step: k, param: 0)
                p64.grad = g
                p32.grad = g.to(.float32)
                o64.step()
                o32.step()
            }
            #expect(p32.to(.float64).allClose(p64, rtol: 1e-4, atol: 1e-5), "\(config)")
        }
    }

    /// Above the parallel threshold the kernel runs on several threads; the result must not change.
    /// `Runtime.threadCount` is process-wide (other tests train in parallel), so this runs in a child process.
    @Test func largeTensorsSplitAcrossThreadsGiveTheSameResult() async {
        await #expect(processExitsWith: .success) {
            let n = 100_000
            let initial = Tensor.randn([n], generator: Generator(seed: 9))
            let g = Tensor.randn([n], generator: Generator(seed: 10))
            var results: [[UInt32]] = []
            for threads in [1, 2] {
                Runtime.threadCount = threads
                let p = initial.copy().requiringGrad()
                let opt = Adam([p], lr: 1e-3)
                p.grad = g
                opt.step(); opt.step()
                results.append(p.scalars.map(\.bitPattern))
            }
            if results[0] != results[1] { exit(1) }
        }
    }

    @Test func stepWithClosureReturnsTheLoss() {
        let x = Tensor([3.0], dtype: .float64, requiresGrad: true)
        let opt = SGD([x], lr: 0.25)
        let loss = opt.step { opt.zeroGrad(); let l = (x * x).sum(); l.backward(); return l }
        #expect(loss.item() == 9)
        #expect(x.doubles == [3 - 0.25 * 6])
    }
}

/// Training through the autograd engine, and misuse that must stop the process.
@Suite struct OptimizerTrainingTests {
    /// Least squares y = x·w + b fitted with each optimizer family until the loss is tiny.
    @Test(arguments: ["SGD", "Adam", "AdamW", "RMSprop", "NAdam", "RAdam"])
    func fitsALinearModel(_ name: String) {
        let gen = Generator(seed: 11)
        let x = Tensor.randn([64, 3], dtype: .float64, generator: gen)
        let trueW = Tensor([[1.5], [-2.0], [0.5]], dtype: .float64)
        let y = x.matmul(trueW) + 0.3
        let w = Tensor.zeros([3, 1], dtype: .float64).requiringGrad()
        let b = Tensor.zeros([1], dtype: .float64).requiringGrad()
        let settings: [String: Any] = ["SGD": 0.1, "Adam": 0.05, "AdamW": 0.05, "RMSprop": 0.01, "NAdam": 0.05, "RAdam": 0.05]
        var config: [String: Any] = ["optimizer": name, "lr": settings[name]!]
        if name == "SGD" { config["momentum"] = 0.9 }
        if name == "AdamW" { config["weight_decay"] = 0.0 }
        let opt = makeOptimizer(args(config), [w, b])
        var loss = 0.0
        for _ in 0..<400 {
            opt.zeroGrad()
            let l = (x.matmul(w) + b - y).square().mean()
            l.backward()
            opt.step()
            loss = l.item()
        }
        #expect(loss < 1e-6, "\(name): final loss \(loss)")
    }

    @Test func misuseStops() async {
        await #expect(processExitsWith: .failure) {
            _ = SGD([Tensor.zeros([2]).requiringGrad()], lr: 0.1, nesterov: true)
        }
        await #expect(processExitsWith: .failure) {
            let p = Tensor.zeros([2]).requiringGrad()
            _ = Adam([ParamGroup([p]), ParamGroup([p])])
        }
        await #expect(processExitsWith: .failure) {
            let p = Tensor.zeros([2]).requiringGrad()
            let opt = SGD([p], lr: 0.1)
            p.grad = Tensor.zeros([3])
            opt.step()
        }
    }
}
