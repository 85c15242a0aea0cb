// Loss modules, as torch.nn's *Loss classes: settings at init, `loss(input, target)` to call.

/// Mean squared error as a module.
///
///     let criterion = MSELoss()
///     let loss = criterion(prediction, target)
open class MSELoss: ModuleBase {
    public let reduction: Reduction
    public init(reduction: Reduction = .mean) { self.reduction = reduction; super.init() }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [mseLoss(input, target, reduction: reduction)]
        }[0]
    }
}

/// Mean absolute error as a module.
///
///     let criterion = L1Loss()
///     let loss = criterion(prediction, target)
open class L1Loss: ModuleBase {
    public let reduction: Reduction
    public init(reduction: Reduction = .mean) { self.reduction = reduction; super.init() }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [l1Loss(input, target, reduction: reduction)]
        }[0]
    }
}

/// Smooth L1 loss as a module.
///
///     let criterion = SmoothL1Loss(beta: 0.5)
///     let loss = criterion(prediction, target)
open class SmoothL1Loss: ModuleBase {
    public let reduction: Reduction, beta: Double
    public init(reduction: Reduction = .mean, beta: Double = 1) { self.reduction = reduction; self.beta = beta; super.init() }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [smoothL1Loss(input, target, beta: beta, reduction: reduction)]
        }[0]
    }
}

/// Huber loss as a module.
///
///     let criterion = HuberLoss(delta: 1.5)
///     let loss = criterion(prediction, target)
open class HuberLoss: ModuleBase {
    public let reduction: Reduction, delta: Double
    public init(reduction: Reduction = .mean, delta: Double = 1) { self.reduction = reduction; self.delta = delta; super.init() }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [huberLoss(input, target, delta: delta, reduction: reduction)]
        }[0]
    }
}

/// Cross-entropy on logits as a module; `weight` is a non-trained buffer-like setting.
///
///     let criterion = CrossEntropyLoss(labelSmoothing: 0.1)
///     let loss = criterion(logits, labels)
open class CrossEntropyLoss: ModuleBase {
    public let weight: Buffer?
    public let ignoreIndex: Int, labelSmoothing: Double, reduction: Reduction
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean, labelSmoothing: Double = 0) {
        self.weight = weight.map { Buffer($0) }
        self.ignoreIndex = ignoreIndex; self.reduction = reduction; self.labelSmoothing = labelSmoothing
        super.init()
    }
    public func callAsFunction(_ logits: Tensor, _ targets: Tensor) -> Tensor {
        hooked([logits, targets]) { xs in
            let logits = xs[0], targets = xs[1]
            return [{ () -> Tensor in
                crossEntropy(logits: logits, targets: targets, weight: weight?.value, ignoreIndex: ignoreIndex,
                             labelSmoothing: labelSmoothing, reduction: reduction)
            }()]
        }[0]
    }
}

/// Negative log-likelihood as a module.
///
///     let criterion = NLLLoss()
///     let loss = criterion(logProbs, labels)
open class NLLLoss: ModuleBase {
    public let weight: Buffer?
    public let ignoreIndex: Int, reduction: Reduction
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean) {
        self.weight = weight.map { Buffer($0) }
        self.ignoreIndex = ignoreIndex; self.reduction = reduction
        super.init()
    }
    public func callAsFunction(_ logProbs: Tensor, _ targets: Tensor) -> Tensor {
        hooked([logProbs, targets]) { xs in
            let logProbs = xs[0], targets = xs[1]
            return [nllLoss(logProbs: logProbs, targets: targets, weight: weight?.value, ignoreIndex: ignoreIndex, reduction: reduction)]
        }[0]
    }
}

/// Binary cross-entropy on probabilities as a module, with optional per-element `weight`
/// (broadcast to the input; PyTorch's buffer `weight`).
///
///     let criterion = BCELoss()
///     let loss = criterion(probabilities, labels)
open class BCELoss: ModuleBase {
    public let weight: Buffer?
    public let reduction: Reduction
    public init(weight: Tensor? = nil, reduction: Reduction = .mean) {
        self.weight = weight.map { Buffer($0) }
        self.reduction = reduction
        super.init()
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [binaryCrossEntropy(input, target, weight: weight?.value, reduction: reduction)]
        }[0]
    }
}

/// Binary cross-entropy on logits as a module, with an optional per-element `weight` and a
/// per-class `posWeight` (PyTorch's buffers `weight` and `pos_weight`).
///
///     let criterion = BCEWithLogitsLoss(posWeight: Tensor([3.0]))
///     let loss = criterion(scores, labels)
open class BCEWithLogitsLoss: ModuleBase {
    public let weight: Buffer?
    public let posWeight: Buffer?
    public let reduction: Reduction
    public init(weight: Tensor? = nil, reduction: Reduction = .mean, posWeight: Tensor? = nil) {
        self.weight = weight.map { Buffer($0) }
        self.posWeight = posWeight.map { Buffer($0) }
        self.reduction = reduction
        super.init()
    }
    public func callAsFunction(_ logits: Tensor, _ targets: Tensor) -> Tensor {
        hooked([logits, targets]) { xs in
            let logits = xs[0], targets = xs[1]
            return [binaryCrossEntropy(logits: logits, targets: targets, weight: weight?.value, posWeight: posWeight?.value,
                                       reduction: reduction)]
        }[0]
    }
}

/// KL divergence as a module (input: log-probabilities).
///
///     let criterion = KLDivLoss(reduction: .batchMean)
///     let loss = criterion(logp, q)
open class KLDivLoss: ModuleBase {
    public let reduction: Reduction, logTarget: Bool
    public init(reduction: Reduction = .mean, logTarget: Bool = false) { self.reduction = reduction; self.logTarget = logTarget; super.init() }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            return [klDiv(input, target, reduction: reduction, logTarget: logTarget)]
        }[0]
    }
}
