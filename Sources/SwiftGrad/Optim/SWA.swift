import Foundation

/// A running average of a model's weights: stochastic weight averaging (the default, an equal
/// average of every update so far) or an exponential moving average (`AveragedModel.ema(decay:)`).
/// PyTorch's `torch.optim.swa_utils.AveragedModel`: a module whose child `module` holds the
/// averages and whose buffer `n_averaged` counts the updates, so its state dict has PyTorch's keys
/// (`module.fc.weight`, `n_averaged`).
///
/// Swift cannot deep-copy a module, so pass a second instance of the same architecture as `copy`;
/// it starts from the model's current state. With `useBuffers: false` (the default) buffers such
/// as BatchNorm's running statistics are copied from the model at each update, not averaged.
///
///     let swa = AveragedModel(model, copy: Net())
///     for epoch in swaStart..<epochs { train(); swa.updateParameters(from: model) }
///     let logits = swa(x)
public final class AveragedModel: Module {
    /// The averaged weights, in a module of the model's architecture.
    ///
    ///     let averaged = swa.module
    public let module: Module
    /// How many updates have been averaged (PyTorch's `n_averaged` buffer, int64).
    let nAveraged: Buffer
    let avgFn: ((Tensor, Tensor, Int) -> Tensor)?
    let multiAvgFn: (([Tensor], [Tensor], Int) -> Void)?
    let useBuffers: Bool

    /// Averages `model` into `copy` (a fresh module of the same architecture; its values are
    /// replaced). `avgFn(averaged, current, numAveraged)` returns a parameter's new average;
    /// `multiAvgFn(averaged, current, numAveraged)` updates every average in place; with neither,
    /// the SWA equal average. `useBuffers` averages the buffers too.
    ///
    ///     let ema = AveragedModel(model, copy: Net(), multiAvgFn: AveragedModel.emaMulti(decay: 0.999))
    ///     ema.updateParameters(from: model)
    public init(_ model: Module, copy: Module, avgFn: ((Tensor, Tensor, Int) -> Tensor)? = nil,
                multiAvgFn: (([Tensor], [Tensor], Int) -> Void)? = nil, useBuffers: Bool = false) {
        let source = model.stateDict()
        let target = copy.stateDict()
        check(Set(source.keys) == Set(target.keys) && source.allSatisfy { target[$0.key]!.shape == $0.value.shape },
              "AveragedModel: the copy must have the model's architecture (same state-dict keys and shapes)")
        do { try copy.loadStateDict(source) } catch {
            checkFailure("AveragedModel: the copy cannot take the model's state: \(error)")
        }
        self.module = copy
        self.nAveraged = Buffer(Tensor([Int64(0)], shape: []))
        self.avgFn = avgFn
        self.multiAvgFn = multiAvgFn
        self.useBuffers = useBuffers
        super.init()
    }

    /// Runs the averaged module.
    ///
    ///     let logits = swa(x)
    public override func forward(_ input: Tensor) -> Tensor { module(input) }

    /// How many updates the average holds.
    ///
    ///     print(swa.updates)
    public var updates: Int { Int(nAveraged.value.item()) }

    func tensors(of m: ModuleBase) -> [Tensor] { m.parameters() + (useBuffers ? m.buffers() : []) }

    /// Folds the model's current weights into the average (the first update copies them).
    ///
    ///     swa.updateParameters(from: model)
    public func updateParameters(from model: ModuleBase) {
        let averaged = tensors(of: module), current = tensors(of: model)
        check(averaged.count == current.count && zip(averaged, current).allSatisfy { $0.shape == $1.shape },
              "AveragedModel.updateParameters: the model does not match the averaged module's parameters")
        let n = updates
        withNoGrad {
            if n == 0 {
                for (a, c) in zip(averaged, current) { a.copyFrom(c) }
            } else if let multiAvgFn {
                multiAvgFn(averaged, current, n)
            } else {
                let fn = avgFn ?? AveragedModel.swa
                for (a, c) in zip(averaged, current) {
                    if a.dtype.isFloatingPoint {
                        a.copyFrom(fn(a, c, n))
                    } else {
                        // Integer buffers (num_batches_tracked) under useBuffers: averaged in Double, truncated as torch's copy_.
                        a.copyFrom(fn(a.to(.float64), c.to(.float64), n).to(a.dtype))
                    }
                }
            }
            if !useBuffers {
                for (a, c) in zip(module.buffers(), model.buffers()) { a.copyFrom(c) }
            }
            nAveraged.value.copyFrom(Tensor([Int64(n + 1)], shape: []))
        }
    }

    /// The SWA equal average: averaged + (current − averaged) / (numAveraged + 1) (PyTorch's
    /// `get_swa_avg_fn()`).
    ///
    ///     let swa = AveragedModel(model, copy: Net(), avgFn: AveragedModel.swa)
    public static func swa(_ averaged: Tensor, _ current: Tensor, _ numAveraged: Int) -> Tensor {
        averaged + (current - averaged) / Double(numAveraged + 1)
    }

    /// The exponential moving average decay·averaged + (1 − decay)·current (PyTorch's
    /// `get_ema_avg_fn(decay)`).
    ///
    ///     let ema = AveragedModel(model, copy: Net(), avgFn: AveragedModel.ema(decay: 0.999))
    public static func ema(decay: Double = 0.999) -> (Tensor, Tensor, Int) -> Tensor {
        { averaged, current, _ in decay * averaged + (1 - decay) * current }
    }

    /// The exponential moving average applied in place to every average as a lerp toward the
    /// current weights with weight 1 − decay (PyTorch's `get_ema_multi_avg_fn(decay)`).
    ///
    ///     let ema = AveragedModel(model, copy: Net(), multiAvgFn: AveragedModel.emaMulti(decay: 0.99))
    public static func emaMulti(decay: Double = 0.999) -> ([Tensor], [Tensor], Int) -> Void {
        { averaged, current, _ in
            withNoGrad {
                for (a, c) in zip(averaged, current) {
                    let w = 1 - decay
                    if a.dtype.isFloatingPoint {
                        // lerp as torch: a + w·(c − a) for w < 0.5, else c − (c − a)·(1 − w).
                        a.copyFrom(abs(w) < 0.5 ? a + w * (c - a) : c - (c - a) * (1 - w))
                    } else {
                        // Integer buffers (num_batches_tracked under useBuffers): torch's non-float branch,
                        // decay·a + (1 − decay)·c in Double, truncated by the copy.
                        let mixed = decay * a.to(.float64) + w * c.to(.float64)
                        a.copyFrom(mixed.to(a.dtype))
                    }
                }
            }
        }
    }
}

/// Anneals each group's rate to `swaLR` over `annealEpochs` epochs (cosine or linear), then holds
/// it: PyTorch's `torch.optim.swa_utils.SWALR`, used with `AveragedModel`.
///
///     let swaSched = SWALR(opt, swaLR: 0.05, annealEpochs: 5)
///     for _ in swaStart..<epochs { train(); swa.updateParameters(from: model); swaSched.step() }
public final class SWALR: LRScheduler {
    /// How the rate moves toward `swaLR`.
    ///
    ///     let s = SWALR(opt, swaLR: 0.05, annealStrategy: .linear)
    public enum AnnealStrategy: Sendable { case cos, linear }

    let annealEpochs: Int
    let annealStrategy: AnnealStrategy

    /// SWALR with one SWA rate for every group.
    ///
    ///     let s = SWALR(opt, swaLR: 0.05, annealEpochs: 3, annealStrategy: .linear)
    ///     s.step()
    public convenience init(_ optimizer: Optimizer, swaLR: Double, annealEpochs: Int = 10, annealStrategy: AnnealStrategy = .cos,
                            lastEpoch: Int = -1) {
        self.init(optimizer, swaLRs: Array(repeating: swaLR, count: optimizer.groups.count), annealEpochs: annealEpochs,
                  annealStrategy: annealStrategy, lastEpoch: lastEpoch)
    }

    /// SWALR with one SWA rate per group.
    ///
    ///     let s = SWALR(opt, swaLRs: [0.01, 0.05])
    ///     s.step()
    public init(_ optimizer: Optimizer, swaLRs: [Double], annealEpochs: Int = 10, annealStrategy: AnnealStrategy = .cos,
                lastEpoch: Int = -1) {
        check(swaLRs.count == optimizer.groups.count,
              "SWALR: expected \(optimizer.groups.count) swaLRs (one per group), got \(swaLRs.count)")
        check(annealEpochs >= 0, "SWALR: annealEpochs must be >= 0, got \(annealEpochs)")
        for g in optimizer.groups.indices { optimizer.groups[g].options["swa_lr"] = swaLRs[g] }
        self.annealEpochs = annealEpochs
        self.annealStrategy = annealStrategy
        super.init(optimizer, lastEpoch: lastEpoch)
    }

    func anneal(_ t: Double) -> Double {
        annealStrategy == .cos ? (1 - cos(Double.pi * t)) / 2 : t
    }

    public override func computeLR() -> [Double] {
        var step = stepCount - 1
        if annealEpochs == 0 { step = max(1, step) }
        let span = Double(max(1, annealEpochs))
        let prevAlpha = anneal(max(0, min(1, Double(step - 1) / span)))
        let alpha = anneal(max(0, min(1, Double(step) / span)))
        return optimizer.groups.map { group in
            let swaLR = group.value("swa_lr")
            let prev = prevAlpha == 1 ? swaLR : (group.lr - prevAlpha * swaLR) / (1 - prevAlpha)
            return swaLR * alpha + prev * (1 - alpha)
        }
    }
}

/// Recomputes every BatchNorm's running statistics of `model` as the cumulative average over one
/// pass of `inputs` (PyTorch's `torch.optim.swa_utils.update_bn`): resets them, runs the model in
/// training mode with each BatchNorm's momentum set to nil, then restores momenta and mode. Use
/// it on an `AveragedModel` after training, whose averaged weights never produced statistics.
///
///     updateBN(trainBatches.map(\.input), swa)
///     swa.eval()
public func updateBN<Inputs: Sequence>(_ inputs: Inputs, _ model: Module) where Inputs.Element == Tensor {
    let norms = model.modules().compactMap { $0 as? BatchNorm }
    guard !norms.isEmpty else { return }
    let momenta = norms.map(\.momentum)
    let wasTraining = model.isTraining
    for bn in norms { bn.resetRunningStats(); bn.momentum = nil }
    model.train()
    withNoGrad {
        for x in inputs { _ = model(x) }
    }
    for (bn, m) in zip(norms, momenta) { bn.momentum = m }
    model.train(wasTraining)
}
