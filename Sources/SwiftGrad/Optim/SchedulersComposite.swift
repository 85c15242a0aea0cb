/// Runs schedulers one after another, switching at the milestone epochs (warm-up, then decay).
/// At each milestone the next scheduler restarts from epoch 0 of its own schedule.
///
///     let warmup = LinearLR(opt, startFactor: 0.1, totalIters: 5)
///     let sched = SequentialLR(opt, schedulers: [warmup, CosineAnnealingLR(opt, tMax: 95)], milestones: [5])
public final class SequentialLR: LRScheduler {
    /// The child schedulers, in order.
    ///
    ///     let sched = ChainedScheduler([warmup, decay])
    ///     print(sched.schedulers.count)
    public let schedulers: [LRScheduler]
    /// The epochs at which the next scheduler takes over.
    ///
    ///     let sched = SequentialLR(opt, schedulers: [warmup, decay], milestones: [5])
    ///     print(sched.milestones)             // [5]
    public let milestones: [Int]

    /// PyTorch's `SequentialLR(optimizer, schedulers, milestones)`: build the children first (on the
    /// same optimizer), then this; it resets the rates and replays the first child's epoch 0.
    ///
    ///     let sched = SequentialLR(opt, schedulers: [ConstantLR(opt, factor: 0.1, totalIters: 2), ExponentialLR(opt, gamma: 0.9)], milestones: [2])
    ///     for _ in 0..<10 { train(); sched.step() }
    public init(_ optimizer: Optimizer, schedulers: [LRScheduler], milestones: [Int], lastEpoch: Int = -1) {
        check(!schedulers.isEmpty, "SequentialLR: expects at least one scheduler")
        check(schedulers.allSatisfy { $0.optimizer === optimizer },
                     "SequentialLR: every scheduler must belong to the optimizer passed in")
        check(milestones.count == schedulers.count - 1,
                     "SequentialLR: expected \(schedulers.count - 1) milestones for \(schedulers.count) schedulers, got \(milestones.count)")
        self.schedulers = schedulers
        self.milestones = milestones
        super.init(composite: optimizer, lastEpoch: lastEpoch + 1)
        for g in optimizer.groups.indices {
            optimizer.groups[g].lr = optimizer.groups[g].options["initial_lr"] ?? optimizer.groups[g].lr
        }
        for s in schedulers { s.undoInitialStep() }
        schedulers[0].initialStep()
        lastLR = schedulers[0].lastLR
    }

    public override func step() {
        stepCount += 1
        lastEpoch += 1
        let idx = milestones.filter { $0 <= lastEpoch }.count        // bisect_right
        let s = schedulers[idx]
        if idx > 0 && milestones[idx - 1] == lastEpoch {
            s.step(epoch: 0)
        } else {
            s.step()
        }
        lastLR = s.lastLR
    }

    public override func step(epoch: Int) { step() }

    override func undoInitialStep() { for s in schedulers { s.undoInitialStep() } }

    public override func saveExtra(into d: inout [String: Tensor]) {
        for (i, s) in schedulers.enumerated() {
            for (k, v) in s.stateDict() { d["schedulers.\(i).\(k)"] = v }
        }
    }

    public override func loadExtra(from d: [String: Tensor]) throws {
        try loadChildren(schedulers, from: d)
    }
}

/// Steps several schedulers together every epoch; their effects multiply (PyTorch's recursive
/// forms), e.g. a constant warm-up factor on top of an exponential decay.
///
///     let sched = ChainedScheduler([ConstantLR(opt, factor: 0.1, totalIters: 2), ExponentialLR(opt, gamma: 0.9)])
///     sched.step()
public final class ChainedScheduler: LRScheduler {
    /// The child schedulers, in order.
    ///
    ///     let sched = ChainedScheduler([warmup, decay])
    ///     print(sched.schedulers.count)
    public let schedulers: [LRScheduler]

    /// PyTorch's `ChainedScheduler(schedulers)`; they must share one optimizer.
    ///
    ///     let sched = ChainedScheduler([LinearLR(opt, startFactor: 0.5, totalIters: 3), StepLR(opt, stepSize: 5)])
    ///     for _ in 0..<10 { train(); sched.step() }
    public init(_ schedulers: [LRScheduler]) {
        check(!schedulers.isEmpty, "ChainedScheduler: expects at least one scheduler")
        let optimizer = schedulers[0].optimizer
        check(schedulers.allSatisfy { $0.optimizer === optimizer },
                     "ChainedScheduler: every scheduler must belong to the same optimizer")
        self.schedulers = schedulers
        super.init(composite: optimizer, lastEpoch: schedulers[0].lastEpoch)
    }

    public override func step() {
        stepCount += 1
        for s in schedulers { s.step() }
        lastEpoch = schedulers[0].lastEpoch
        lastLR = groupLRs
    }

    public override func step(epoch: Int) { step() }

    override func undoInitialStep() { for s in schedulers { s.undoInitialStep() } }

    public override func saveExtra(into d: inout [String: Tensor]) {
        for (i, s) in schedulers.enumerated() {
            for (k, v) in s.stateDict() { d["schedulers.\(i).\(k)"] = v }
        }
    }

    public override func loadExtra(from d: [String: Tensor]) throws {
        try loadChildren(schedulers, from: d)
    }
}

/// Restores each child from the keys under `schedulers.<i>.`.
func loadChildren(_ schedulers: [LRScheduler], from d: [String: Tensor]) throws {
    for (i, s) in schedulers.enumerated() {
        let prefix = "schedulers.\(i)."
        var sub: [String: Tensor] = [:]
        for (k, v) in d where k.hasPrefix(prefix) { sub[String(k.dropFirst(prefix.count))] = v }
        try s.loadStateDict(sub)
    }
}

/// Cuts the learning rate by `factor` when a metric has stopped improving for `patience` epochs.
/// Call `step(metric)` once per epoch with the validation loss (or accuracy, with mode `.max`).
///
///     let sched = ReduceLROnPlateau(opt, patience: 5)
///     for _ in 0..<100 { train(); sched.step(validationLoss()) }
public final class ReduceLROnPlateau: StateDictConvertible {
    /// Whether lower (`.min`, losses) or higher (`.max`, accuracies) metrics are better.
    ///
    ///     let sched = ReduceLROnPlateau(opt, mode: .max)
    ///     sched.step(accuracy)
    public enum Mode: Sendable { case min, max }
    /// Whether `threshold` is relative to the best value (`.rel`) or an absolute margin (`.abs`).
    ///
    ///     let sched = ReduceLROnPlateau(opt, threshold: 0.01, thresholdMode: .abs)
    ///     sched.step(loss)
    public enum ThresholdMode: Sendable { case rel, abs }

    /// The optimizer whose learning rates this scheduler sets.
    ///
    ///     let sched = StepLR(opt, stepSize: 10)
    ///     print(sched.optimizer.lr)
    public let optimizer: Optimizer
    /// Whether the metric is minimised or maximised.
    ///
    ///     let sched = ReduceLROnPlateau(opt, mode: .max)
    ///     print(sched.mode)
    public let mode: Mode
    /// The factor each cut multiplies the rate by.
    ///
    ///     let sched = ReduceLROnPlateau(opt, factor: 0.5)
    ///     print(sched.factor)
    public let factor: Double
    /// Epochs without improvement tolerated before a cut.
    ///
    ///     let sched = ReduceLROnPlateau(opt, patience: 5)
    ///     print(sched.patience)
    public let patience: Int
    /// The least change that counts as an improvement.
    ///
    ///     let sched = ReduceLROnPlateau(opt, threshold: 1e-3)
    ///     print(sched.threshold)
    public let threshold: Double
    /// How `threshold` is measured.
    ///
    ///     let sched = ReduceLROnPlateau(opt, thresholdMode: .abs)
    ///     print(sched.thresholdMode)
    public let thresholdMode: ThresholdMode
    /// Epochs to wait after a cut before counting bad epochs again.
    ///
    ///     let sched = ReduceLROnPlateau(opt, cooldown: 2)
    ///     print(sched.cooldown)
    public let cooldown: Int
    /// The lowest rate of each group.
    ///
    ///     let sched = ReduceLROnPlateau(opt, minLR: 1e-6)
    ///     print(sched.minLRs)
    public let minLRs: [Double]
    /// Cuts smaller than this are skipped.
    ///
    ///     let sched = ReduceLROnPlateau(opt, eps: 1e-10)
    ///     print(sched.eps)
    public let eps: Double
    /// The best metric seen so far.
    ///
    ///     sched.step(0.5)
    ///     print(sched.best)
    public private(set) var best: Double
    /// Epochs since the last improvement (reset during cooldown).
    ///
    ///     sched.step(loss)
    ///     print(sched.numBadEpochs)
    public private(set) var numBadEpochs = 0
    /// Epochs of cooldown left after a cut.
    ///
    ///     sched.step(loss)
    ///     print(sched.cooldownCounter)
    public private(set) var cooldownCounter = 0
    /// The number of `step` calls so far.
    ///
    ///     sched.step(loss)
    ///     print(sched.lastEpoch)
    public private(set) var lastEpoch = 0
    /// The groups' rates after the last step.
    ///
    ///     sched.step(loss)
    ///     print(sched.lastLR)
    public private(set) var lastLR: [Double]

    /// PyTorch's `ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
    /// threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)`.
    ///
    ///     let sched = ReduceLROnPlateau(opt, mode: .max, factor: 0.5, patience: 2, minLR: 1e-5)
    ///     sched.step(accuracy)
    public convenience init(_ optimizer: Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
                            threshold: Double = 1e-4, thresholdMode: ThresholdMode = .rel, cooldown: Int = 0,
                            minLR: Double = 0, eps: Double = 1e-8) {
        self.init(optimizer, mode: mode, factor: factor, patience: patience, threshold: threshold, thresholdMode: thresholdMode,
                  cooldown: cooldown, minLRs: Array(repeating: minLR, count: optimizer.groups.count), eps: eps)
    }

    /// `ReduceLROnPlateau` with a floor per parameter group.
    ///
    ///     let sched = ReduceLROnPlateau(opt, minLRs: [1e-5, 1e-6])
    ///     sched.step(loss)
    public init(_ optimizer: Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
                threshold: Double = 1e-4, thresholdMode: ThresholdMode = .rel, cooldown: Int = 0,
                minLRs: [Double], eps: Double = 1e-8) {
        check(factor < 1.0, "ReduceLROnPlateau: factor should be < 1.0, got \(factor)")
        check(minLRs.count == optimizer.groups.count,
                     "ReduceLROnPlateau: expected \(optimizer.groups.count) minLRs (one per group), got \(minLRs.count)")
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLRs = minLRs
        self.eps = eps
        self.best = mode == .min ? .infinity : -.infinity
        self.lastLR = optimizer.groups.map(\.lr)
    }

    /// Records one epoch's metric and reduces the rates if it has plateaued.
    ///
    ///     let loss = validate()
    ///     sched.step(loss)
    public func step(_ metric: Double) {
        lastEpoch += 1
        if isBetter(metric, than: best) {
            best = metric
            numBadEpochs = 0
        } else {
            numBadEpochs += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            numBadEpochs = 0     // bad epochs during cooldown do not count
        }
        if numBadEpochs > patience {
            reduceLR()
            cooldownCounter = cooldown
            numBadEpochs = 0
        }
        lastLR = optimizer.groups.map(\.lr)
    }

    func isBetter(_ a: Double, than best: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .rel): return a < best * (1 - threshold)
        case (.min, .abs): return a < best - threshold
        case (.max, .rel): return a > best * (threshold + 1)
        case (.max, .abs): return a > best + threshold
        }
    }

    func reduceLR() {
        for g in optimizer.groups.indices {
            let old = optimizer.groups[g].lr
            let new = Swift.max(old * factor, minLRs[g])
            // Changes smaller than eps are ignored.
            if old - new > eps { optimizer.groups[g].lr = new }
        }
    }

    /// `best`, `num_bad_epochs`, `cooldown_counter`, `last_epoch` and `last_lr`.
    ///
    ///     let saved = sched.stateDict()
    ///     try rebuilt.loadStateDict(saved)
    public func stateDict() -> [String: Tensor] {
        [
            "best": Tensor(best, dtype: .float64),
            "num_bad_epochs": Tensor([Int64(numBadEpochs)], shape: []),
            "cooldown_counter": Tensor([Int64(cooldownCounter)], shape: []),
            "last_epoch": Tensor([Int64(lastEpoch)], shape: []),
            "last_lr": Tensor(lastLR, shape: [lastLR.count], dtype: .float64),
        ]
    }

    /// Restores counters saved by `stateDict()` into a scheduler built with the same settings.
    ///
    ///     let sched = ReduceLROnPlateau(opt, patience: 3)
    ///     try sched.loadStateDict(saved)
    public func loadStateDict(_ state: [String: Tensor]) throws {
        try validateStateDict(state, against: stateDict())
        let bad = try stateInteger(state, "num_bad_epochs"), cooldown = try stateInteger(state, "cooldown_counter")
        let epoch = try stateInteger(state, "last_epoch")
        best = state["best"]!.item()
        numBadEpochs = bad
        cooldownCounter = cooldown
        lastEpoch = epoch
        lastLR = state["last_lr"]!.doubles
    }
}
