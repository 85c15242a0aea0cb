import Foundation
import Testing
import SwiftGrad

/// An SGD optimizer over one dummy parameter at learning rate `lr`.
func scheduleOptimizer(lr: Double = 0.1, momentum: Double = 0) -> SGD {
    SGD([Tensor.zeros([1], dtype: .float64).requiringGrad()], lr: lr, momentum: momentum)
}

/// The learning rate in force during each of `epochs` epochs, `step()` called after each one.
func trace(_ opt: Optimizer, _ sched: LRScheduler, epochs: Int) -> [Double] {
    (0..<epochs).map { _ in
        let lr = opt.lr
        opt.step()
        sched.step()
        return lr
    }
}

func expectClose(_ got: [Double], _ want: [Double], tol: Double = 1e-12, _ what: String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(what): \(got.count) values, expected \(want.count)", sourceLocation: sourceLocation)
    for (k, (a, b)) in zip(got, want).enumerated() where !(abs(a - b) <= tol + tol * abs(b)) {
        Issue.record("\(what) epoch \(k): \(a) != expected \(b)", sourceLocation: sourceLocation)
    }
}

/// Builds the scheduler a golden case names, with PyTorch's argument names.
func makeScheduler(_ a: GoldenArgs, _ opt: Optimizer) -> LRScheduler {
    switch a.string("scheduler")! {
    case "StepLR": return StepLR(opt, stepSize: a.int("step_size")!, gamma: a.double("gamma") ?? 0.1)
    case "MultiStepLR": return MultiStepLR(opt, milestones: a.ints("milestones")!, gamma: a.double("gamma") ?? 0.1)
    case "ExponentialLR": return ExponentialLR(opt, gamma: a.double("gamma")!)
    case "CosineAnnealingLR": return CosineAnnealingLR(opt, tMax: a.int("T_max")!, etaMin: a.double("eta_min") ?? 0)
    case "LinearLR":
        return LinearLR(opt, startFactor: a.double("start_factor") ?? 1.0 / 3, endFactor: a.double("end_factor") ?? 1,
                        totalIters: a.int("total_iters") ?? 5)
    case "OneCycleLR": return OneCycleLR(opt, maxLR: a.double("max_lr")!, totalSteps: a.int("total_steps")!)
    case "CosineAnnealingWarmRestarts":
        return CosineAnnealingWarmRestarts(opt, t0: a.int("T_0")!, tMult: a.int("T_mult") ?? 1, etaMin: a.double("eta_min") ?? 0)
    case let other: fatalError("unknown scheduler \(other)")
    }
}

@Suite struct SchedulerTests {
    @Test func everyGoldenScheduleMatchesPyTorch() {
        var ran = 0
        for c in Golden.cases(op: "lr_schedule") {
            ran += 1
            let expected = c.output!.doubles
            let opt = scheduleOptimizer(lr: c.args.double("base_lr")!)
            let sched = makeScheduler(c.args, opt)
            expectClose(trace(opt, sched, epochs: expected.count), expected, c.name)
        }
        #expect(ran == 7)
    }

    /// The recursive forms (step by step) land on the closed forms (`step(epoch:)`).
    @Test func recursiveAndClosedFormsAgree() {
        let makers: [(String, (Optimizer) -> LRScheduler)] = [
            ("StepLR", { StepLR($0, stepSize: 3, gamma: 0.5) }),
            ("MultiStepLR", { MultiStepLR($0, milestones: [2, 5, 5, 9], gamma: 0.3) }),
            ("ExponentialLR", { ExponentialLR($0, gamma: 0.8) }),
            ("ConstantLR", { ConstantLR($0, factor: 0.25, totalIters: 4) }),
            ("LinearLR", { LinearLR($0, startFactor: 0.2, endFactor: 0.9, totalIters: 6) }),
            ("PolynomialLR", { PolynomialLR($0, totalIters: 8, power: 2) }),
            ("CosineAnnealingLR", { CosineAnnealingLR($0, tMax: 5, etaMin: 0.01) }),
        ]
        for (name, make) in makers {
            let opt = scheduleOptimizer()
            let recursive = trace(opt, make(opt), epochs: 14)
            let closed = (0..<14).map { k -> Double in
                let o = scheduleOptimizer()
                let s = make(o)
                s.step(epoch: k)
                return o.lr
            }
            expectClose(recursive, closed, tol: 1e-13, name)
        }
    }

    @Test func constantPolynomialAndLambdaSchedules() {
        var opt = scheduleOptimizer()
        expectClose(trace(opt, ConstantLR(opt, factor: 0.5, totalIters: 3), epochs: 5), [0.05, 0.05, 0.05, 0.1, 0.1], "ConstantLR")
        opt = scheduleOptimizer()
        expectClose(trace(opt, PolynomialLR(opt, totalIters: 4, power: 2), epochs: 6),
                    [0.1, 0.05625, 0.025, 0.00625, 0, 0], tol: 1e-15, "PolynomialLR")
        opt = scheduleOptimizer()
        expectClose(trace(opt, LambdaLR(opt) { pow(0.5, Double($0)) }, epochs: 4), [0.1, 0.05, 0.025, 0.0125], "LambdaLR")
    }

    @Test func sequentialWarmupThenDecay() {
        let opt = scheduleOptimizer()
        let warmup = LinearLR(opt, startFactor: 0.1, totalIters: 2)
        let decay = ExponentialLR(opt, gamma: 0.9)
        let sched = SequentialLR(opt, schedulers: [warmup, decay], milestones: [2])
        expectClose(trace(opt, sched, epochs: 6), [0.01, 0.055, 0.1, 0.09, 0.081, 0.0729], "SequentialLR")
        #expect(sched.lastEpoch == 6)
    }

    @Test func chainedSchedulersMultiply() {
        let opt = scheduleOptimizer()
        let sched = ChainedScheduler([ConstantLR(opt, factor: 0.1, totalIters: 2), ExponentialLR(opt, gamma: 0.9)])
        expectClose(trace(opt, sched, epochs: 5), [0.01, 0.009, 0.081, 0.0729, 0.06561], "ChainedScheduler")
    }

    @Test func warmRestartsWithFractionalEpochs() {
        let opt = scheduleOptimizer()
        let sched = CosineAnnealingWarmRestarts(opt, t0: 4, tMult: 2, etaMin: 0.001)
        sched.step(epoch: 5.5)      // second period (length 8), 1.5 epochs in
        #expect(sched.tCur == 1.5 && sched.tI == 8 && sched.lastEpoch == 5)
        #expect(abs(opt.lr - (0.001 + 0.099 * (1 + cos(Double.pi * 1.5 / 8)) / 2)) < 1e-15)
        sched.step(epoch: 2)
        #expect(sched.tCur == 2 && sched.tI == 4)
        let flat = CosineAnnealingWarmRestarts(scheduleOptimizer(), t0: 3)
        flat.step(epoch: 7.5)
        #expect(flat.tCur == 1.5 && flat.tI == 3)
    }

    @Test func oneCycleCyclesMomentumAndReachesItsEnds() {
        let sgd = scheduleOptimizer(momentum: 0.9)
        let sched = OneCycleLR(sgd, maxLR: 1.0, totalSteps: 10)
        #expect(abs(sgd.lr - 0.04) < 1e-15)
        #expect(abs(sgd.paramGroups[0]["momentum"]! - 0.95) < 1e-15)
        var momenta: [Double] = []
        for _ in 0..<9 { sgd.step(); sched.step(); momenta.append(sgd.paramGroups[0]["momentum"]!) }
        // The peak is at step pct_start·total − 1 = 2: highest rate, lowest momentum.
        #expect(abs(momenta[1] - 0.85) < 1e-15)
        #expect(abs(sgd.lr - 0.04 / 1e4) < 1e-15, "last step lands on initial_lr / final_div_factor")

        let w = Tensor.zeros([1], dtype: .float64).requiringGrad()
        let adam = Adam([w], lr: 1e-3)
        let three = OneCycleLR(adam, maxLR: 0.1, totalSteps: 20, annealStrategy: .linear, threePhase: true)
        #expect(abs(adam.paramGroups[0]["beta1"]! - 0.95) < 1e-15 && adam.paramGroups[0]["beta2"] == 0.999)
        var lrs = [adam.lr]
        for _ in 0..<19 { three.step(); lrs.append(adam.lr) }
        #expect(abs(lrs[5] - 0.1) < 1e-15)           // end of phase 1: 0.3·20 − 1
        #expect(abs(lrs[10] - 0.004) < 1e-15)        // end of phase 2: back to initial_lr
        #expect(abs(lrs[19] - 0.004 / 1e4) < 1e-15)
    }

    @Test func reduceOnPlateau() {
        let opt = scheduleOptimizer()
        let sched = ReduceLROnPlateau(opt, factor: 0.5, patience: 2, cooldown: 1, minLR: 0.02)
        var lrs: [Double] = []
        for m in [1.0, 0.9, 0.95, 0.95, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 1.1, 1.2, 1.3, 1.4] {
            sched.step(m)
            lrs.append(opt.lr)
        }
        // Reduce after the third bad epoch (index 4), one epoch of cooldown, three more bad: index 8;
        // then the floor of 0.02 stops further cuts.
        #expect(lrs == [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02])
        #expect(sched.best == 0.9)

        let maxOpt = scheduleOptimizer()
        let up = ReduceLROnPlateau(maxOpt, mode: .max, patience: 0, threshold: 0.1, thresholdMode: .abs)
        up.step(0.5); up.step(0.55)      // not better by 0.1: cut
        #expect(abs(maxOpt.lr - 0.01) < 1e-15)
        up.step(0.7)
        #expect(abs(maxOpt.lr - 0.01) < 1e-15 && up.best == 0.7)
    }

    /// 4 epochs, save optimizer and scheduler, rebuild both, load, 4 more == 8 straight epochs.
    @Test func schedulerStateRoundTrip() throws {
        let makers: [(String, (Optimizer) -> LRScheduler)] = [
            ("CosineAnnealingLR", { CosineAnnealingLR($0, tMax: 5, etaMin: 0.01) }),
            ("CosineAnnealingWarmRestarts", { CosineAnnealingWarmRestarts($0, t0: 2, tMult: 2) }),
            ("OneCycleLR", { OneCycleLR($0, maxLR: 0.5, totalSteps: 9) }),
            ("SequentialLR", { SequentialLR($0, schedulers: [LinearLR($0, startFactor: 0.1, totalIters: 3), StepLR($0, stepSize: 2)], milestones: [3]) }),
            ("ChainedScheduler", { ChainedScheduler([LinearLR($0, startFactor: 0.5, totalIters: 3), ExponentialLR($0, gamma: 0.7)]) }),
        ]
        for (name, make) in makers {
            let opt = scheduleOptimizer(momentum: 0.9)
            let straight = trace(opt, make(opt), epochs: 8)

            let optA = scheduleOptimizer(momentum: 0.9)
            let schedA = make(optA)
            var resumed = trace(optA, schedA, epochs: 4)
            let savedOpt = optA.stateDict(), savedSched = schedA.stateDict()
            let optB = scheduleOptimizer(momentum: 0.9)
            let schedB = make(optB)
            try optB.loadStateDict(savedOpt)
            try schedB.loadStateDict(savedSched)
            resumed += trace(optB, schedB, epochs: 4)
            #expect(resumed == straight, "\(name)")
        }

        let opt = scheduleOptimizer()
        let plateau = ReduceLROnPlateau(opt, patience: 1)
        for m in [1.0, 1.0, 1.0] { plateau.step(m) }
        let copy = ReduceLROnPlateau(scheduleOptimizer(), patience: 1)
        try copy.loadStateDict(plateau.stateDict())
        #expect(copy.best == 1 && copy.numBadEpochs == plateau.numBadEpochs && copy.lastEpoch == 3)
    }

    @Test func schedulerLoadRejectsWrongKeys() {
        let opt = scheduleOptimizer()
        let sched = StepLR(opt, stepSize: 2)
        var d = sched.stateDict()
        d["T_cur"] = Tensor(1.0, dtype: .float64)
        #expect(throws: StateDictError.unexpectedKeys(["T_cur"])) { try sched.loadStateDict(d) }
        d = sched.stateDict(); d["last_epoch"] = nil
        #expect(throws: StateDictError.missingKeys(["last_epoch"])) { try sched.loadStateDict(d) }
        d = sched.stateDict(); d["base_lrs"] = Tensor([0.1, 0.2], dtype: .float64)
        #expect(throws: StateDictError.shapeMismatch(key: "base_lrs", expected: [1], got: [2])) { try sched.loadStateDict(d) }
    }
}
