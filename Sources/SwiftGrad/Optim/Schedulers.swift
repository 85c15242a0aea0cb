import Foundation

/// The base of the epoch-based learning-rate schedulers, with PyTorch's `LRScheduler` semantics:
/// building one records each group's `initial_lr` and applies the epoch-0 rate; every `step()`
/// (called once per epoch, after `optimizer.step()`) advances `lastEpoch` and writes the new rate
/// into the optimizer's groups. Rates follow PyTorch's recursive forms (each multiplies the group's
/// current rate), so schedulers chain exactly as in PyTorch.
///
/// The class is open: a user schedule subclasses it, sets its own properties, calls
/// `super.init(optimizer, lastEpoch:)` and overrides `computeLR()` (and `closedFormLR()` when the
/// schedule has a closed form); extra counters go through `saveExtra`/`loadExtra`.
///
///     let sched = StepLR(opt, stepSize: 30, gamma: 0.1)
///     for _ in 0..<90 { train(); sched.step() }
open class LRScheduler: StateDictConvertible {
    /// The optimizer whose learning rates this scheduler sets.
    ///
    ///     let sched = StepLR(opt, stepSize: 10)
    ///     print(sched.optimizer.lr)
    public let optimizer: Optimizer
    /// Each group's `initial_lr`, the rate the schedule starts from.
    ///
    ///     let sched = ExponentialLR(opt, gamma: 0.9)
    ///     print(sched.baseLRs)
    public internal(set) var baseLRs: [Double]
    /// The epoch the current rates belong to (0 after construction).
    ///
    ///     sched.step()
    ///     print(sched.lastEpoch)             // 1
    public internal(set) var lastEpoch: Int
    /// The rates set by the last step, one per group (PyTorch's `get_last_lr()`).
    ///
    ///     sched.step()
    ///     print(sched.lastLR)
    public internal(set) var lastLR: [Double] = []
    var stepCount = 0

    /// The designated initializer for subclasses: records each group's `initial_lr` (when
    /// `lastEpoch` is -1) and applies the epoch-0 rate through `computeLR()`.
    ///
    ///     super.init(optimizer, lastEpoch: lastEpoch)
    public init(_ optimizer: Optimizer, lastEpoch: Int) {
        self.optimizer = optimizer
        if lastEpoch == -1 {
            for g in optimizer.groups.indices where optimizer.groups[g].options["initial_lr"] == nil {
                optimizer.groups[g].options["initial_lr"] = optimizer.groups[g].lr
            }
        } else {
            for (g, group) in optimizer.groups.enumerated() {
                check(group.options["initial_lr"] != nil,
                             "\(type(of: self)): param 'initial_lr' is not specified in paramGroups[\(g)] when resuming (lastEpoch \(lastEpoch))")
            }
        }
        self.baseLRs = optimizer.groups.map { $0.options["initial_lr"]! }
        self.lastEpoch = lastEpoch
        initialStep()
    }

    /// For composite schedulers, which do not take an initial step of their own.
    init(composite optimizer: Optimizer, lastEpoch: Int) {
        self.optimizer = optimizer
        self.baseLRs = optimizer.groups.map { $0.options["initial_lr"] ?? $0.lr }
        self.lastEpoch = lastEpoch
        self.lastLR = optimizer.groups.map(\.lr)
    }

    func initialStep() {
        stepCount = 0
        step()
    }

    /// Advances one epoch and sets the new learning rates. Call it after `optimizer.step()`.
    ///
    ///     opt.step()
    ///     sched.step()
    open func step() {
        stepCount += 1
        lastEpoch += 1
        apply(computeLR())
    }

    /// Jumps to `epoch` using the closed form where the schedule has one (PyTorch's deprecated
    /// `step(epoch)`; `SequentialLR` uses it at its milestones).
    ///
    ///     sched.step(epoch: 0)
    ///     print(sched.lastLR)
    open func step(epoch: Int) {
        stepCount += 1
        lastEpoch = epoch
        apply(closedFormLR() ?? computeLR())
    }

    /// The rates for `lastEpoch` from the groups' current rates (PyTorch's `get_lr`). Every
    /// schedule overrides it.
    ///
    ///     override func computeLR() -> [Double] { groupLRs.map { $0 * 0.5 } }
    open func computeLR() -> [Double] { checkFailure("\(type(of: self)) must override computeLR()") }
    /// The rates for `lastEpoch` from `baseLRs` alone, if the schedule has a closed form (used by
    /// `step(epoch:)`); nil otherwise.
    ///
    ///     override func closedFormLR() -> [Double]? { baseLRs.map { $0 * pow(0.5, Double(lastEpoch)) } }
    open func closedFormLR() -> [Double]? { nil }

    /// The groups' current learning rates.
    ///
    ///     let rates = sched.groupLRs
    public var groupLRs: [Double] { optimizer.groups.map(\.lr) }

    func apply(_ lrs: [Double]) {
        for (g, lr) in lrs.enumerated() { optimizer.groups[g].lr = lr }
        lastLR = groupLRs
    }

    /// Undoes the epoch counted by construction (`SequentialLR` restarts its children).
    func undoInitialStep() { lastEpoch -= 1 }

    // MARK: State

    /// The scheduler's progress: `last_epoch`, `step_count` (0-D int64), `base_lrs`, `last_lr`
    /// (float64, one per group), plus schedule-specific counters.
    ///
    ///     let saved = sched.stateDict()
    ///     try rebuilt.loadStateDict(saved)
    public func stateDict() -> [String: Tensor] {
        var d: [String: Tensor] = [
            "last_epoch": Tensor([Int64(lastEpoch)], shape: []),
            "step_count": Tensor([Int64(stepCount)], shape: []),
            "base_lrs": Tensor(baseLRs, shape: [baseLRs.count], dtype: .float64),
            "last_lr": Tensor(lastLR, shape: [lastLR.count], dtype: .float64),
        ]
        saveExtra(into: &d)
        return d
    }

    /// Restores progress saved by `stateDict()` into a scheduler built with the same settings.
    /// The learning rates themselves live in the optimizer's state dict.
    ///
    ///     let sched = CosineAnnealingLR(opt, tMax: 100)
    ///     try sched.loadStateDict(checkpoint.scheduler)
    public func loadStateDict(_ state: [String: Tensor]) throws {
        try validateStateDict(state, against: stateDict())
        let epoch = try stateInteger(state, "last_epoch"), steps = try stateInteger(state, "step_count")
        lastEpoch = epoch
        stepCount = steps
        baseLRs = state["base_lrs"]!.doubles
        lastLR = state["last_lr"]!.doubles
        try loadExtra(from: state)
    }

    /// Adds a schedule's own counters to `stateDict()` (nothing by default).
    ///
    ///     override func saveExtra(into d: inout [String: Tensor]) { d["cycle"] = Tensor(Double(cycle), dtype: .float64) }
    open func saveExtra(into d: inout [String: Tensor]) {}
    /// Restores what `saveExtra` added (the keys were already checked against `stateDict()`).
    ///
    ///     override func loadExtra(from d: [String: Tensor]) throws { cycle = Int(d["cycle"]!.item()) }
    open func loadExtra(from d: [String: Tensor]) throws {}
}

/// The whole number stored under `key`; throws (rather than trapping in `Int(_:)`) for NaN, ±inf,
/// fractions and values beyond ±2^53, which only a corrupted file holds.
func stateInteger(_ state: [String: Tensor], _ key: String) throws -> Int {
    let v = state[key]!.item()
    guard v == v.rounded(), abs(v) <= 0x1p53 else {
        throw StateDictError.invalidValue(key: key, reason: "\(v) is not a whole number")
    }
    return Int(v)
}

/// Throws unless `state` has exactly the keys of `expected`, each with its shape.
func validateStateDict(_ state: [String: Tensor], against expected: [String: Tensor]) throws {
    let missing = expected.keys.filter { state[$0] == nil }
    if !missing.isEmpty { throw StateDictError.missingKeys(missing) }
    let unexpected = state.keys.filter { expected[$0] == nil }
    if !unexpected.isEmpty { throw StateDictError.unexpectedKeys(unexpected) }
    for (k, e) in expected where state[k]!.shape != e.shape {
        throw StateDictError.shapeMismatch(key: k, expected: e.shape, got: state[k]!.shape)
    }
}

/// Multiplies the rate by `gamma` every `stepSize` epochs: lr = base·γ^⌊epoch/stepSize⌋.
///
///     let sched = StepLR(opt, stepSize: 30, gamma: 0.1)
///     sched.step()
public final class StepLR: LRScheduler {
    /// Epochs between two decays.
    ///
    ///     let sched = StepLR(opt, stepSize: 30)
    ///     print(sched.stepSize)
    public let stepSize: Int
    /// The multiplicative decay factor.
    ///
    ///     let sched = ExponentialLR(opt, gamma: 0.9)
    ///     print(sched.gamma)
    public let gamma: Double

    /// PyTorch's `StepLR(optimizer, step_size, gamma=0.1)`.
    ///
    ///     let sched = StepLR(opt, stepSize: 10, gamma: 0.5)
    ///     for _ in 0..<30 { train(); sched.step() }
    public init(_ optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1, lastEpoch: Int = -1) {
        check(stepSize > 0, "StepLR: stepSize must be positive, got \(stepSize)")
        self.stepSize = stepSize
        self.gamma = gamma
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    public override func computeLR() -> [Double] {
        if lastEpoch == 0 || lastEpoch % stepSize != 0 { return groupLRs }
        return groupLRs.map { $0 * gamma }
    }

    public override func closedFormLR() -> [Double]? {
        baseLRs.map { $0 * pow(gamma, Double(lastEpoch / stepSize)) }
    }
}

/// Multiplies the rate by `gamma` at each milestone epoch (repeated milestones count twice).
///
///     let sched = MultiStepLR(opt, milestones: [30, 80], gamma: 0.1)
///     sched.step()
public final class MultiStepLR: LRScheduler {
    /// The epochs at which the rate changes, sorted.
    ///
    ///     let sched = MultiStepLR(opt, milestones: [30, 80])
    ///     print(sched.milestones)
    public let milestones: [Int]
    /// The multiplicative decay factor.
    ///
    ///     let sched = ExponentialLR(opt, gamma: 0.9)
    ///     print(sched.gamma)
    public let gamma: Double

    /// PyTorch's `MultiStepLR(optimizer, milestones, gamma=0.1)`.
    ///
    ///     let sched = MultiStepLR(opt, milestones: [2, 7])
    ///     for _ in 0..<10 { train(); sched.step() }
    public init(_ optimizer: Optimizer, milestones: [Int], gamma: Double = 0.1, lastEpoch: Int = -1) {
        self.milestones = milestones.sorted()
        self.gamma = gamma
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    public override func computeLR() -> [Double] {
        let hits = milestones.filter { $0 == lastEpoch }.count
        if hits == 0 { return groupLRs }
        return groupLRs.map { $0 * pow(gamma, Double(hits)) }
    }

    public override func closedFormLR() -> [Double]? {
        let passed = milestones.filter { $0 <= lastEpoch }.count      // bisect_right
        return baseLRs.map { $0 * pow(gamma, Double(passed)) }
    }
}

/// Multiplies the rate by `gamma` every epoch: lr = base·γ^epoch.
///
///     let sched = ExponentialLR(opt, gamma: 0.9)
///     sched.step()
public final class ExponentialLR: LRScheduler {
    /// The multiplicative decay factor.
    ///
    ///     let sched = ExponentialLR(opt, gamma: 0.9)
    ///     print(sched.gamma)
    public let gamma: Double

    /// PyTorch's `ExponentialLR(optimizer, gamma)`.
    ///
    ///     let sched = ExponentialLR(opt, gamma: 0.95)
    ///     for _ in 0..<10 { train(); sched.step() }
    public init(_ optimizer: Optimizer, gamma: Double, lastEpoch: Int = -1) {
        self.gamma = gamma
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    public override func computeLR() -> [Double] {
        lastEpoch == 0 ? groupLRs : groupLRs.map { $0 * gamma }
    }

    public override func closedFormLR() -> [Double]? { baseLRs.map { $0 * pow(gamma, Double(lastEpoch)) } }
}

/// Scales the rate by a constant `factor` until epoch `totalIters`, then restores it.
///
///     let sched = ConstantLR(opt, factor: 0.5, totalIters: 4)
///     sched.step()
public final class ConstantLR: LRScheduler {
    /// The factor applied to the rate.
    ///
    ///     let sched = ConstantLR(opt, factor: 0.5)
    ///     print(sched.factor)
    public let factor: Double
    /// The epoch at which the schedule reaches its final value.
    ///
    ///     let sched = LinearLR(opt, totalIters: 10)
    ///     print(sched.totalIters)
    public let totalIters: Int

    /// PyTorch's `ConstantLR(optimizer, factor=1/3, total_iters=5)`.
    ///
    ///     let warmup = ConstantLR(opt, factor: 0.1, totalIters: 3)
    ///     for _ in 0..<5 { train(); warmup.step() }
    public init(_ optimizer: Optimizer, factor: Double = 1.0 / 3, totalIters: Int = 5, lastEpoch: Int = -1) {
        check(factor >= 0 && factor <= 1, "ConstantLR: factor must be between 0 and 1, got \(factor)")
        self.factor = factor
        self.totalIters = totalIters
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    public override func computeLR() -> [Double] {
        if lastEpoch == 0 { return groupLRs.map { $0 * factor } }
        if lastEpoch != totalIters { return groupLRs }
        return groupLRs.map { $0 * (1.0 / factor) }
    }

    public override func closedFormLR() -> [Double]? {
        baseLRs.map { $0 * (factor + (lastEpoch >= totalIters ? 1 : 0) * (1 - factor)) }
    }
}

/// Moves the rate's factor linearly from `startFactor` to `endFactor` over `totalIters` epochs.
///
///     let warmup = LinearLR(opt, startFactor: 0.1, totalIters: 5)
///     warmup.step()
public final class LinearLR: LRScheduler {
    /// The factors at epoch 0 and at `totalIters`.
    ///
    ///     let sched = LinearLR(opt, startFactor: 0.1, endFactor: 1)
    ///     print(sched.startFactor, sched.endFactor)
    public let startFactor: Double, endFactor: Double
    /// The epoch at which the schedule reaches its final value.
    ///
    ///     let sched = LinearLR(opt, totalIters: 10)
    ///     print(sched.totalIters)
    public let totalIters: Int

    /// PyTorch's `LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5)`.
    ///
    ///     let warmup = LinearLR(opt, startFactor: 0.25, endFactor: 1, totalIters: 4)
    ///     for _ in 0..<10 { train(); warmup.step() }
    public init(_ optimizer: Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1.0, totalIters: Int = 5, lastEpoch: Int = -1) {
        check(startFactor > 0 && startFactor <= 1, "LinearLR: startFactor must be in (0, 1], got \(startFactor)")
        check(endFactor >= 0 && endFactor <= 1, "LinearLR: endFactor must be in [0, 1], got \(endFactor)")
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalIters = totalIters
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    public override func computeLR() -> [Double] {
        if lastEpoch == 0 { return groupLRs.map { $0 * startFactor } }
        if lastEpoch > totalIters { return groupLRs }
        // The ratio of consecutive factors, so the recursion lands on the linear closed form.
        let span = endFactor - startFactor
        let ratio = 1.0 + span / (Double(totalIters) * startFactor + Double(lastEpoch - 1) * span)
        return groupLRs.map { $0 * ratio }
    }

    public override func closedFormLR() -> [Double]? {
        let f = startFactor + (endFactor - startFactor) * Double(min(totalIters, lastEpoch)) / Double(totalIters)
        return baseLRs.map { $0 * f }
    }
}

/// Decays the rate polynomially to 0 over `totalIters` epochs: lr = base·(1 − t/T)^power.
///
///     let sched = PolynomialLR(opt, totalIters: 10, power: 2)
///     sched.step()
public final class PolynomialLR: LRScheduler {
    /// The epoch at which the schedule reaches its final value.
    ///
    ///     let sched = LinearLR(opt, totalIters: 10)
    ///     print(sched.totalIters)
    public let totalIters: Int
    /// The exponent of the polynomial decay.
    ///
    ///     let sched = PolynomialLR(opt, totalIters: 10, power: 2)
    ///     print(sched.power)
    public let power: Double

    /// PyTorch's `PolynomialLR(optimizer, total_iters=5, power=1.0)`.
    ///
    ///     let sched = PolynomialLR(opt, totalIters: 100)
    ///     for _ in 0..<100 { train(); sched.step() }
    public init(_ optimizer: Optimizer, totalIters: Int = 5, power: Double = 1.0, lastEpoch: Int = -1) {
        self.totalIters = totalIters
        self.power = power
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    public override func computeLR() -> [Double] {
        if lastEpoch == 0 || lastEpoch > totalIters { return groupLRs }
        let t = Double(lastEpoch), total = Double(totalIters)
        let decay = pow((1.0 - t / total) / (1.0 - (t - 1) / total), power)
        return groupLRs.map { $0 * decay }
    }

    public override func closedFormLR() -> [Double]? {
        let f = pow(1.0 - Double(min(totalIters, lastEpoch)) / Double(totalIters), power)
        return baseLRs.map { $0 * f }
    }
}

/// Sets the rate to `base · lambda(epoch)` with a closure per group (or one for all).
///
///     let sched = LambdaLR(opt) { epoch in pow(0.95, Double(epoch)) }
///     sched.step()
public final class LambdaLR: LRScheduler {
    let lambdas: [(Int) -> Double]

    /// PyTorch's `LambdaLR(optimizer, lr_lambda)` with one function for every group.
    ///
    ///     let warmup = LambdaLR(opt) { min(1, Double($0 + 1) / 10) }
    ///     for _ in 0..<20 { train(); warmup.step() }
    public convenience init(_ optimizer: Optimizer, lastEpoch: Int = -1, lrLambda: @escaping (Int) -> Double) {
        self.init(optimizer, lrLambdas: Array(repeating: lrLambda, count: optimizer.groups.count), lastEpoch: lastEpoch)
    }

    /// `LambdaLR` with one function per parameter group.
    ///
    ///     let sched = LambdaLR(opt, lrLambdas: [{ _ in 1 }, { 0.9 * Double($0) }])
    ///     sched.step()
    public init(_ optimizer: Optimizer, lrLambdas: [(Int) -> Double], lastEpoch: Int = -1) {
        check(lrLambdas.count == optimizer.groups.count,
                     "LambdaLR: expected \(optimizer.groups.count) lambdas (one per group), got \(lrLambdas.count)")
        self.lambdas = lrLambdas
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    public override func computeLR() -> [Double] {
        zip(baseLRs, lambdas).map { $0 * $1(lastEpoch) }
    }
}

/// Multiplies each group's current rate by `lambda(epoch)` at every step (the rate itself is left
/// alone by the construction step): PyTorch's `MultiplicativeLR`.
///
///     let sched = MultiplicativeLR(opt) { _ in 0.95 }
///     sched.step()
public final class MultiplicativeLR: LRScheduler {
    let lambdas: [(Int) -> Double]
    var initializing = true

    /// `MultiplicativeLR` with one factor function for every group.
    ///
    ///     let sched = MultiplicativeLR(opt) { epoch in epoch < 10 ? 1 : 0.9 }
    ///     for _ in 0..<20 { train(); sched.step() }
    public convenience init(_ optimizer: Optimizer, lastEpoch: Int = -1, lrLambda: @escaping (Int) -> Double) {
        self.init(optimizer, lrLambdas: Array(repeating: lrLambda, count: optimizer.groups.count), lastEpoch: lastEpoch)
    }

    /// `MultiplicativeLR` with one factor function per parameter group.
    ///
    ///     let sched = MultiplicativeLR(opt, lrLambdas: [{ _ in 1 }, { _ in 0.9 }])
    ///     sched.step()
    public init(_ optimizer: Optimizer, lrLambdas: [(Int) -> Double], lastEpoch: Int = -1) {
        check(lrLambdas.count == optimizer.groups.count,
              "MultiplicativeLR: expected \(optimizer.groups.count) lambdas (one per group), got \(lrLambdas.count)")
        self.lambdas = lrLambdas
        super.init(optimizer, lastEpoch: lastEpoch)
        initializing = false
    }

    public override func computeLR() -> [Double] {
        initializing ? groupLRs : zip(groupLRs, lambdas).map { $0 * $1(lastEpoch) }
    }
}
