// Modules of the margin, embedding and likelihood losses (Ops/LossesMargin.swift,
// Ops/LossesLikelihood.swift, Ops/Losses.swift), as torch.nn's *Loss classes.

/// Hinge embedding loss as a module.
///
///     let criterion = HingeEmbeddingLoss(margin: 1)
///     let loss = criterion(distances, labels)
open class HingeEmbeddingLoss: ModuleBase {
    public let margin: Double, reduction: Reduction
    public init(margin: Double = 1, reduction: Reduction = .mean) { self.margin = margin; self.reduction = reduction; super.init() }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [hingeEmbeddingLoss(input, target, margin: margin, reduction: reduction)]
        }[0]
    }
}

/// Soft margin loss as a module.
///
///     let criterion = SoftMarginLoss()
///     let loss = criterion(scores, labels)
open class SoftMarginLoss: ModuleBase {
    public let reduction: Reduction
    public init(reduction: Reduction = .mean) { self.reduction = reduction; super.init() }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [softMarginLoss(input, target, reduction: reduction)]
        }[0]
    }
}

/// Multi-class hinge loss as a module; `weight` [C] is a buffer.
///
///     let criterion = MultiMarginLoss(p: 2, margin: 0.5)
///     let loss = criterion(scores, labels)
open class MultiMarginLoss: ModuleBase {
    public let p: Int, margin: Double, reduction: Reduction
    public let weight: Buffer?
    public init(p: Int = 1, margin: Double = 1, weight: Tensor? = nil, reduction: Reduction = .mean) {
        check(p == 1 || p == 2, "MultiMarginLoss: only p == 1 and p == 2 are supported, got \(p)")
        self.p = p; self.margin = margin; self.reduction = reduction
        self.weight = weight.map { Buffer($0) }
        super.init()
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [multiMarginLoss(input, target, p: p, margin: margin, weight: weight?.value, reduction: reduction)]
        }[0]
    }
}

/// Multi-label hinge loss as a module.
///
///     let criterion = MultiLabelMarginLoss()
///     let loss = criterion(scores, classLists)
open class MultiLabelMarginLoss: ModuleBase {
    public let reduction: Reduction
    public init(reduction: Reduction = .mean) { self.reduction = reduction; super.init() }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [multilabelMarginLoss(input, target, reduction: reduction)]
        }[0]
    }
}

/// Multi-label soft margin loss as a module; `weight` [C] is a buffer.
///
///     let criterion = MultiLabelSoftMarginLoss()
///     let loss = criterion(scores, labels)
open class MultiLabelSoftMarginLoss: ModuleBase {
    public let reduction: Reduction
    public let weight: Buffer?
    public init(weight: Tensor? = nil, reduction: Reduction = .mean) {
        self.weight = weight.map { Buffer($0) }; self.reduction = reduction
        super.init()
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [multilabelSoftMarginLoss(input, target, weight: weight?.value, reduction: reduction)]
        }[0]
    }
}

/// Triplet margin loss as a module.
///
///     let criterion = TripletMarginLoss(margin: 1, p: 2)
///     let loss = criterion(anchor, positive, negative)
open class TripletMarginLoss: ModuleBase {
    public let margin: Double, p: Double, eps: Double, swap: Bool, reduction: Reduction
    public init(margin: Double = 1, p: Double = 2, eps: Double = 1e-6, swap: Bool = false, reduction: Reduction = .mean) {
        self.margin = margin; self.p = p; self.eps = eps; self.swap = swap; self.reduction = reduction
        super.init()
    }
    public func callAsFunction(_ anchor: Tensor, _ positive: Tensor, _ negative: Tensor) -> Tensor {
        hooked([anchor, positive, negative]) { xs in
            let anchor = xs[0], positive = xs[1], negative = xs[2]
            return [{ () -> Tensor in
                tripletMarginLoss(anchor: anchor, positive: positive, negative: negative, margin: margin, p: p, eps: eps,
                                  swap: swap, reduction: reduction)
            }()]
        }[0]
    }
}

/// Triplet margin loss with a distance function (pairwise Euclidean when nil) as a module.
///
///     let criterion = TripletMarginWithDistanceLoss(distanceFunction: { 1 - cosineSimilarity($0, $1) })
///     let loss = criterion(anchor, positive, negative)
open class TripletMarginWithDistanceLoss: ModuleBase {
    public let distanceFunction: ((Tensor, Tensor) -> Tensor)?
    public let margin: Double, swap: Bool, reduction: Reduction
    public init(distanceFunction: ((Tensor, Tensor) -> Tensor)? = nil, margin: Double = 1, swap: Bool = false,
                reduction: Reduction = .mean) {
        self.distanceFunction = distanceFunction; self.margin = margin; self.swap = swap; self.reduction = reduction
        super.init()
    }
    public func callAsFunction(_ anchor: Tensor, _ positive: Tensor, _ negative: Tensor) -> Tensor {
        hooked([anchor, positive, negative]) { xs in
            let anchor = xs[0], positive = xs[1], negative = xs[2]
            return [{ () -> Tensor in
                tripletMarginWithDistanceLoss(anchor: anchor, positive: positive, negative: negative, distanceFunction: distanceFunction,
                                              margin: margin, swap: swap, reduction: reduction)
            }()]
        }[0]
    }
}

/// Cosine embedding loss as a module.
///
///     let criterion = CosineEmbeddingLoss(margin: 0.2)
///     let loss = criterion(a, b, labels)
open class CosineEmbeddingLoss: ModuleBase {
    public let margin: Double, reduction: Reduction
    public init(margin: Double = 0, reduction: Reduction = .mean) { self.margin = margin; self.reduction = reduction; super.init() }
    public func callAsFunction(_ x1: Tensor, _ x2: Tensor, _ target: Tensor) -> Tensor {
        hooked([x1, x2, target]) { xs in
            let x1 = xs[0], x2 = xs[1], target = xs[2]
            return [cosineEmbeddingLoss(x1, x2, target, margin: margin, reduction: reduction)]
        }[0]
    }
}

/// Margin ranking loss as a module.
///
///     let criterion = MarginRankingLoss(margin: 0.1)
///     let loss = criterion(s1, s2, labels)
open class MarginRankingLoss: ModuleBase {
    public let margin: Double, reduction: Reduction
    public init(margin: Double = 0, reduction: Reduction = .mean) { self.margin = margin; self.reduction = reduction; super.init() }
    public func callAsFunction(_ x1: Tensor, _ x2: Tensor, _ target: Tensor) -> Tensor {
        hooked([x1, x2, target]) { xs in
            let x1 = xs[0], x2 = xs[1], target = xs[2]
            return [marginRankingLoss(x1, x2, target, margin: margin, reduction: reduction)]
        }[0]
    }
}

/// Gaussian negative log-likelihood as a module.
///
///     let criterion = GaussianNLLLoss(full: true)
///     let loss = criterion(mean, target, variance)
open class GaussianNLLLoss: ModuleBase {
    public let full: Bool, eps: Double, reduction: Reduction
    public init(full: Bool = false, eps: Double = 1e-6, reduction: Reduction = .mean) {
        self.full = full; self.eps = eps; self.reduction = reduction
        super.init()
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor, _ variance: Tensor) -> Tensor {
        hooked([input, target, variance]) { xs in
            let input = xs[0], target = xs[1], variance = xs[2]
            return [gaussianNLLLoss(input, target, variance: variance, full: full, eps: eps, reduction: reduction)]
        }[0]
    }
}

/// Poisson negative log-likelihood as a module.
///
///     let criterion = PoissonNLLLoss(logInput: true)
///     let loss = criterion(logRate, counts)
open class PoissonNLLLoss: ModuleBase {
    public let logInput: Bool, full: Bool, eps: Double, reduction: Reduction
    public init(logInput: Bool = true, full: Bool = false, eps: Double = 1e-8, reduction: Reduction = .mean) {
        self.logInput = logInput; self.full = full; self.eps = eps; self.reduction = reduction
        super.init()
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [poissonNLLLoss(input, target, logInput: logInput, full: full, eps: eps, reduction: reduction)]
        }[0]
    }
}
