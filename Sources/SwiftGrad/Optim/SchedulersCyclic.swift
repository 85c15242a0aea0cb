import Foundation

/// The cyclical learning-rate policy (Smith): the rate moves between `baseLR` and `maxLR` in
/// triangles of `stepSizeUp` + `stepSizeDown` steps, scaled per cycle or per iteration, while
/// momentum (or Adam's β1) moves the opposite way. Step it after every batch. PyTorch's
/// `CyclicLR`, value for value.
///
///     let sched = CyclicLR(opt, baseLR: 0.001, maxLR: 0.1, stepSizeUp: 200)
///     for batch in batches { train(batch); sched.step() }
public final class CyclicLR: LRScheduler {
    /// The built-in amplitude policies.
    ///
    ///     let sched = CyclicLR(opt, baseLR: 1e-3, maxLR: 1e-1, mode: .triangular2)
    public enum Mode: Sendable {
        /// The same triangle every cycle.
        case triangular
        /// The amplitude halves every cycle.
        case triangular2
        /// The amplitude decays by gamma^iteration.
        case expRange
    }

    /// What the scale function is called with.
    ///
    ///     let sched = CyclicLR(opt, baseLR: 1e-3, maxLR: 1e-1, scaleFn: { 0.5 * (1 + sin($0)) }, scaleMode: .iterations)
    public enum ScaleMode: Sendable { case cycle, iterations }

    /// Each group's peak rate.
    ///
    ///     print(sched.maxLRs)
    public let maxLRs: [Double]
    let totalSize: Double
    let stepRatio: Double
    let scale: (Double) -> Double
    let scaleMode: ScaleMode
    let cycleMomentum: Bool
    let momentumKey: String
    let baseMomentums: [Double], maxMomentums: [Double]

    /// `CyclicLR` with one base and peak rate for every group.
    ///
    ///     let sched = CyclicLR(opt, baseLR: 0.01, maxLR: 0.1, stepSizeUp: 4, mode: .triangular2)
    ///     sched.step()
    public convenience init(_ optimizer: Optimizer, baseLR: Double, maxLR: Double, stepSizeUp: Int = 2000, stepSizeDown: Int? = nil,
                            mode: Mode = .triangular, gamma: Double = 1, scaleFn: ((Double) -> Double)? = nil,
                            scaleMode: ScaleMode = .cycle, cycleMomentum: Bool = true, baseMomentum: Double = 0.8,
                            maxMomentum: Double = 0.9, lastEpoch: Int = -1) {
        let n = optimizer.groups.count
        self.init(optimizer, baseLRs: Array(repeating: baseLR, count: n), maxLRs: Array(repeating: maxLR, count: n),
                  stepSizeUp: stepSizeUp, stepSizeDown: stepSizeDown, mode: mode, gamma: gamma, scaleFn: scaleFn,
                  scaleMode: scaleMode, cycleMomentum: cycleMomentum, baseMomentums: Array(repeating: baseMomentum, count: n),
                  maxMomentums: Array(repeating: maxMomentum, count: n), lastEpoch: lastEpoch)
    }

    /// `CyclicLR` with per-group rates and momenta. A `scaleFn` replaces `mode`'s policy and is
    /// called with the cycle number or the iteration, per `scaleMode`.
    ///
    ///     let sched = CyclicLR(opt, baseLRs: [1e-4, 1e-3], maxLRs: [1e-3, 1e-2], cycleMomentum: false)
    ///     sched.step()
    public init(_ optimizer: Optimizer, baseLRs: [Double], maxLRs: [Double], stepSizeUp: Int = 2000, stepSizeDown: Int? = nil,
                mode: Mode = .triangular, gamma: Double = 1, scaleFn: ((Double) -> Double)? = nil,
                scaleMode: ScaleMode = .cycle, cycleMomentum: Bool = true, baseMomentums: [Double]? = nil,
                maxMomentums: [Double]? = nil, lastEpoch: Int = -1) {
        let groups = optimizer.groups.count
        check(baseLRs.count == groups && maxLRs.count == groups,
              "CyclicLR: expected \(groups) baseLRs and maxLRs (one per group), got \(baseLRs.count) and \(maxLRs.count)")
        check(stepSizeUp > 0 && (stepSizeDown ?? 1) > 0, "CyclicLR: step sizes must be positive, got \(stepSizeUp) and \(stepSizeDown ?? stepSizeUp)")
        if lastEpoch == -1 {
            for g in 0..<groups { optimizer.groups[g].lr = baseLRs[g] }
        }
        self.maxLRs = maxLRs
        let up = Double(stepSizeUp), down = Double(stepSizeDown ?? stepSizeUp)
        totalSize = up + down
        stepRatio = up / totalSize
        if let scaleFn {
            scale = scaleFn
            self.scaleMode = scaleMode
        } else {
            switch mode {
            case .triangular: scale = { _ in 1 }; self.scaleMode = .cycle
            case .triangular2: scale = { 1 / pow(2, $0 - 1) }; self.scaleMode = .cycle
            case .expRange: scale = { pow(gamma, $0) }; self.scaleMode = .iterations
            }
        }
        self.cycleMomentum = cycleMomentum
        momentumKey = optimizer.defaults["beta1"] != nil ? "beta1" : "momentum"
        self.baseMomentums = baseMomentums ?? Array(repeating: 0.8, count: groups)
        self.maxMomentums = maxMomentums ?? Array(repeating: 0.9, count: groups)
        if cycleMomentum {
            check(optimizer.defaults[momentumKey] != nil,
                  "CyclicLR: optimizer \(optimizer.kind) has neither momentum nor betas; pass cycleMomentum: false")
            check(self.baseMomentums.count == groups && self.maxMomentums.count == groups, "CyclicLR: expected one momentum per group")
            if lastEpoch == -1 {
                for g in 0..<groups {
                    optimizer.groups[g].options[momentumKey] = self.maxMomentums[g]
                    optimizer.groups[g].options["max_momentum"] = self.maxMomentums[g]
                    optimizer.groups[g].options["base_momentum"] = self.baseMomentums[g]
                }
            }
        }
        super.init(optimizer, lastEpoch: lastEpoch)
        self.baseLRs = baseLRs
    }

    public override func computeLR() -> [Double] {
        let epoch = Double(lastEpoch)
        let cycle = (1 + epoch / totalSize).rounded(.down)
        let x = 1 + epoch / totalSize - cycle
        let factor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1)
        let s = scale(scaleMode == .cycle ? cycle : epoch)
        if cycleMomentum {
            for g in optimizer.groups.indices {
                let height = (maxMomentums[g] - baseMomentums[g]) * factor
                optimizer.groups[g].options[momentumKey] = maxMomentums[g] - height * s
            }
        }
        return zip(baseLRs, maxLRs).map { base, peak in base + (peak - base) * factor * s }
    }
}
