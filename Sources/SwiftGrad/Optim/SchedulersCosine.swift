import Foundation

/// Cosine annealing from the base rate to `etaMin` over `tMax` epochs (SGDR without restarts),
/// in PyTorch's recursive form.
///
///     let sched = CosineAnnealingLR(opt, tMax: 100)
///     sched.step()
public final class CosineAnnealingLR: LRScheduler {
    /// Epochs of one half-cosine, from the base rate down to `etaMin`.
    ///
    ///     let sched = CosineAnnealingLR(opt, tMax: 100)
    ///     print(sched.tMax)
    public let tMax: Int
    /// The lowest rate.
    ///
    ///     let sched = CosineAnnealingLR(opt, tMax: 100, etaMin: 1e-5)
    ///     print(sched.etaMin)
    public let etaMin: Double

    /// PyTorch's `CosineAnnealingLR(optimizer, T_max, eta_min=0.0)`.
    ///
    ///     let sched = CosineAnnealingLR(opt, tMax: 10, etaMin: 1e-3)
    ///     for _ in 0..<10 { train(); sched.step() }
    public init(_ optimizer: Optimizer, tMax: Int, etaMin: Double = 0, lastEpoch: Int = -1) {
        check(tMax > 0, "CosineAnnealingLR: tMax must be positive, got \(tMax)")
        self.tMax = tMax
        self.etaMin = etaMin
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    public override func computeLR() -> [Double] {
        let t = Double(lastEpoch), T = Double(tMax)
        if lastEpoch == 0 { return groupLRs }
        if stepCount == 1 && lastEpoch > 0 {
            // Resuming at a later epoch: start from the closed form.
            return baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(t * Double.pi / T)) / 2 }
        }
        let period = 2 * tMax
        if ((lastEpoch - 1 - tMax) % period + period) % period == 0 {
            // The minimum of the cosine: the recursive ratio would divide by zero, so add the rise instead.
            return zip(groupLRs, baseLRs).map { lr, base in lr + (base - etaMin) * (1 - cos(Double.pi / T)) / 2 }
        }
        let ratio = (1 + cos(Double.pi * t / T)) / (1 + cos(Double.pi * (t - 1) / T))
        return groupLRs.map { ratio * ($0 - etaMin) + etaMin }
    }

    public override func closedFormLR() -> [Double]? {
        baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(Double.pi * Double(lastEpoch) / Double(tMax))) / 2 }
    }
}

/// Cosine annealing with warm restarts (SGDR): a cosine period of `t0` epochs, each next period
/// `tMult` times longer. `step(epoch:)` accepts fractional epochs (steps within an epoch).
///
///     let sched = CosineAnnealingWarmRestarts(opt, t0: 10, tMult: 2)
///     sched.step()
public final class CosineAnnealingWarmRestarts: LRScheduler {
    /// The first period's length and the growth factor of each next period.
    ///
    ///     let sched = CosineAnnealingWarmRestarts(opt, t0: 10, tMult: 2)
    ///     print(sched.t0, sched.tMult)
    public let t0: Int, tMult: Int
    /// The lowest rate.
    ///
    ///     let sched = CosineAnnealingLR(opt, tMax: 100, etaMin: 1e-5)
    ///     print(sched.etaMin)
    public let etaMin: Double
    /// Epochs since the last restart (fractional after `step(epoch:)` with a fraction).
    ///
    ///     sched.step(epoch: 5.5)
    ///     print(sched.tCur)
    public private(set) var tCur: Double
    /// The length of the current period.
    ///
    ///     sched.step()
    ///     print(sched.tI)
    public private(set) var tI: Double

    /// PyTorch's `CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0.0)`.
    ///
    ///     let sched = CosineAnnealingWarmRestarts(opt, t0: 4, tMult: 2)
    ///     for _ in 0..<12 { train(); sched.step() }
    public init(_ optimizer: Optimizer, t0: Int, tMult: Int = 1, etaMin: Double = 0, lastEpoch: Int = -1) {
        check(t0 > 0, "CosineAnnealingWarmRestarts: t0 must be a positive integer, got \(t0)")
        check(tMult >= 1, "CosineAnnealingWarmRestarts: tMult must be an integer >= 1, got \(tMult)")
        self.t0 = t0
        self.tMult = tMult
        self.etaMin = etaMin
        self.tI = Double(t0)
        self.tCur = Double(lastEpoch)
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    public override func computeLR() -> [Double] {
        baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(Double.pi * tCur / tI)) / 2 }
    }

    /// Advances one epoch, restarting the cosine at the end of a period.
    public override func step() {
        if lastEpoch < 0 { step(epoch: 0.0); return }
        stepCount += 1
        tCur += 1
        if tCur >= tI {
            tCur -= tI
            tI *= Double(tMult)
        }
        lastEpoch += 1
        apply(computeLR())
    }

    public override func step(epoch: Int) { step(epoch: Double(epoch)) }

    /// Jumps to a (possibly fractional) epoch: `sched.step(epoch: Double(epoch) + Double(i) / Double(iters))`
    /// inside an epoch's loop anneals per batch.
    ///
    ///     for (i, batch) in loader.enumerated() { train(batch); sched.step(epoch: Double(e) + Double(i) / n) }
    ///     print(sched.lastLR)
    public func step(epoch: Double) {
        check(epoch >= 0 && epoch < 0x1p62, "CosineAnnealingWarmRestarts: expected a non-negative finite epoch, got \(epoch)")
        stepCount += 1
        let T0 = Double(t0), m = Double(tMult)
        if epoch >= T0 {
            if tMult == 1 {
                tCur = epoch.truncatingRemainder(dividingBy: T0)
            } else {
                // The index of the period holding `epoch`: T0·(m^n − 1)/(m − 1) <= epoch.
                let n = (log(epoch / T0 * (m - 1) + 1) / log(m)).rounded(.towardZero)
                tCur = epoch - T0 * (pow(m, n) - 1) / (m - 1)
                tI = T0 * pow(m, n)
            }
        } else {
            tI = T0
            tCur = epoch
        }
        lastEpoch = Int(epoch.rounded(.down))
        apply(computeLR())
    }

    public override func saveExtra(into d: inout [String: Tensor]) {
        d["T_cur"] = Tensor(tCur, dtype: .float64)
        d["T_i"] = Tensor(tI, dtype: .float64)
    }

    public override func loadExtra(from d: [String: Tensor]) throws {
        tCur = d["T_cur"]!.item()
        tI = d["T_i"]!.item()
    }
}

/// The 1cycle policy (Smith & Topin): the rate rises from maxLR/divFactor to maxLR over the first
/// `pctStart` of the steps, then anneals to initial/finalDivFactor, while momentum (or Adam's β1)
/// moves the opposite way. Step it after every batch, `totalSteps` times in all.
///
///     let sched = OneCycleLR(opt, maxLR: 0.1, totalSteps: epochs * batches)
///     for batch in batches { train(batch); sched.step() }
public final class OneCycleLR: LRScheduler {
    /// How a phase moves between its two ends: half a cosine (PyTorch's default) or a straight line.
    ///
    ///     let sched = OneCycleLR(opt, maxLR: 0.1, totalSteps: 1000, annealStrategy: .linear)
    ///     sched.step()
    public enum AnnealStrategy: Sendable { case cos, linear }

    struct Phase { let endStep: Double; let startLR, endLR, startMomentum, endMomentum: String }

    /// The number of steps in the cycle.
    ///
    ///     let sched = OneCycleLR(opt, maxLR: 0.1, epochs: 10, stepsPerEpoch: 100)
    ///     print(sched.totalSteps)            // 1000
    public let totalSteps: Int
    /// The shape of each phase.
    ///
    ///     let sched = OneCycleLR(opt, maxLR: 0.1, totalSteps: 100)
    ///     print(sched.annealStrategy)         // cos
    public let annealStrategy: AnnealStrategy
    /// Whether momentum (or Adam's β1) moves opposite to the rate.
    ///
    ///     let sched = OneCycleLR(opt, maxLR: 0.1, totalSteps: 100, cycleMomentum: false)
    ///     print(sched.cycleMomentum)
    public let cycleMomentum: Bool
    let phases: [Phase]
    let momentumKey: String

    /// PyTorch's `OneCycleLR` with its defaults (pct_start 0.3, cosine annealing, momentum cycled
    /// between 0.85 and 0.95, div_factor 25, final_div_factor 1e4, two phases). Give `totalSteps`,
    /// or `epochs` and `stepsPerEpoch`.
    ///
    ///     let sched = OneCycleLR(opt, maxLR: 1.0, totalSteps: 12)
    ///     for _ in 0..<12 { train(); sched.step() }
    public convenience init(_ optimizer: Optimizer, maxLR: Double, totalSteps: Int? = nil, epochs: Int? = nil,
                            stepsPerEpoch: Int? = nil, pctStart: Double = 0.3, annealStrategy: AnnealStrategy = .cos,
                            cycleMomentum: Bool = true, baseMomentum: Double = 0.85, maxMomentum: Double = 0.95,
                            divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false, lastEpoch: Int = -1) {
        let n = optimizer.groups.count
        self.init(optimizer, maxLRs: Array(repeating: maxLR, count: n), totalSteps: totalSteps, epochs: epochs,
                  stepsPerEpoch: stepsPerEpoch, pctStart: pctStart, annealStrategy: annealStrategy, cycleMomentum: cycleMomentum,
                  baseMomentums: Array(repeating: baseMomentum, count: n), maxMomentums: Array(repeating: maxMomentum, count: n),
                  divFactor: divFactor, finalDivFactor: finalDivFactor, threePhase: threePhase, lastEpoch: lastEpoch)
    }

    /// `OneCycleLR` with per-group peak rates and momenta.
    ///
    ///     let sched = OneCycleLR(opt, maxLRs: [0.01, 0.1], totalSteps: 1000)
    ///     sched.step()
    public init(_ optimizer: Optimizer, maxLRs: [Double], totalSteps: Int? = nil, epochs: Int? = nil,
                stepsPerEpoch: Int? = nil, pctStart: Double = 0.3, annealStrategy: AnnealStrategy = .cos,
                cycleMomentum: Bool = true, baseMomentums: [Double]? = nil, maxMomentums: [Double]? = nil,
                divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false, lastEpoch: Int = -1) {
        let groups = optimizer.groups.count
        if let totalSteps {
            check(totalSteps > 0, "OneCycleLR: totalSteps must be positive, got \(totalSteps)")
            self.totalSteps = totalSteps
        } else {
            guard let epochs, let stepsPerEpoch, epochs > 0, stepsPerEpoch > 0 else {
                checkFailure("OneCycleLR: give totalSteps, or positive epochs and stepsPerEpoch")
            }
            self.totalSteps = epochs * stepsPerEpoch
        }
        check(pctStart >= 0 && pctStart <= 1, "OneCycleLR: pctStart must be in [0, 1], got \(pctStart)")
        check(maxLRs.count == groups, "OneCycleLR: expected \(groups) maxLRs (one per group), got \(maxLRs.count)")
        let total = Double(self.totalSteps)
        if threePhase {
            phases = [Phase(endStep: pctStart * total - 1, startLR: "initial_lr", endLR: "max_lr", startMomentum: "max_momentum", endMomentum: "base_momentum"),
                      Phase(endStep: 2 * pctStart * total - 2, startLR: "max_lr", endLR: "initial_lr", startMomentum: "base_momentum", endMomentum: "max_momentum"),
                      Phase(endStep: total - 1, startLR: "initial_lr", endLR: "min_lr", startMomentum: "max_momentum", endMomentum: "max_momentum")]
        } else {
            phases = [Phase(endStep: pctStart * total - 1, startLR: "initial_lr", endLR: "max_lr", startMomentum: "max_momentum", endMomentum: "base_momentum"),
                      Phase(endStep: total - 1, startLR: "max_lr", endLR: "min_lr", startMomentum: "base_momentum", endMomentum: "max_momentum")]
        }
        self.annealStrategy = annealStrategy
        self.cycleMomentum = cycleMomentum
        // Adam-like optimizers cycle β1; SGD-like ones their momentum.
        momentumKey = optimizer.defaults["beta1"] != nil ? "beta1" : "momentum"
        if lastEpoch == -1 {
            for g in 0..<groups {
                let initial = maxLRs[g] / divFactor
                optimizer.groups[g].options["initial_lr"] = initial
                optimizer.groups[g].options["max_lr"] = maxLRs[g]
                optimizer.groups[g].options["min_lr"] = initial / finalDivFactor
            }
        }
        if cycleMomentum {
            check(optimizer.defaults[momentumKey] != nil,
                         "OneCycleLR: optimizer \(optimizer.kind) has neither momentum nor betas; pass cycleMomentum: false")
            let maxM = maxMomentums ?? Array(repeating: 0.95, count: groups)
            let baseM = baseMomentums ?? Array(repeating: 0.85, count: groups)
            check(maxM.count == groups && baseM.count == groups, "OneCycleLR: expected one momentum per group")
            if lastEpoch == -1 {
                for g in 0..<groups {
                    optimizer.groups[g].options[momentumKey] = maxM[g]
                    optimizer.groups[g].options["max_momentum"] = maxM[g]
                    optimizer.groups[g].options["base_momentum"] = baseM[g]
                }
            }
        }
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        switch annealStrategy {
        case .cos: return end + (start - end) / 2.0 * (cos(Double.pi * pct) + 1)
        case .linear: return (end - start) * pct + start
        }
    }

    public override func computeLR() -> [Double] {
        let stepNum = Double(lastEpoch)
        check(lastEpoch <= totalSteps,
                     "OneCycleLR: tried to step \(lastEpoch) times; the total number of steps is \(totalSteps)")
        var lrs: [Double] = []
        for g in optimizer.groups.indices {
            let group = optimizer.groups[g]
            var start = 0.0
            for (i, phase) in phases.enumerated() {
                if stepNum <= phase.endStep || i == phases.count - 1 {
                    let pct = (stepNum - start) / (phase.endStep - start)
                    lrs.append(anneal(group.value(phase.startLR), group.value(phase.endLR), pct))
                    if cycleMomentum {
                        optimizer.groups[g].options[momentumKey] =
                            anneal(group.value(phase.startMomentum), group.value(phase.endMomentum), pct)
                    }
                    break
                }
                start = phase.endStep
            }
        }
        return lrs
    }
}
