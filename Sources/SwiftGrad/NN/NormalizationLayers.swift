// Normalisation layers: BatchNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm (see Ops/Normalization.swift).

/// Batch normalisation over the channel axis 1, the shared implementation of BatchNorm1d/2d/3d.
/// Weight 1, bias 0 (`affine: false`: neither; `bias: false`: the weight only, as PyTorch 2's
/// keyword); buffers `running_mean` (0), `running_var` (1) and `num_batches_tracked`.
/// `momentum: nil` uses a cumulative average, as PyTorch.
///
///     let bn = BatchNorm2d(16)
///     let y = bn(x)                       // [n, 16, h, w]
open class BatchNorm: Module {
    public let weight: Tensor?
    public let bias: Tensor?
    public let runningMean: Buffer?
    public let runningVar: Buffer?
    public let numBatchesTracked: Buffer?
    public let numFeatures: Int
    public let eps: Double
    /// The running statistics' update factor; nil for a cumulative average. Settable (as in
    /// PyTorch) so `updateBN` can average over a whole pass.
    ///
    ///     bn.momentum = nil
    public var momentum: Double?
    public let affine: Bool
    public let trackRunningStats: Bool
    let ranks: [Int]

    init(numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, bias hasBias: Bool = true, trackRunningStats: Bool, dtype: DType, ranks: [Int]) {
        self.numFeatures = numFeatures; self.eps = eps; self.momentum = momentum
        self.affine = affine; self.trackRunningStats = trackRunningStats; self.ranks = ranks
        weight = affine ? makeParameter([numFeatures], dtype: dtype) { Init.ones($0) } : nil
        bias = affine && hasBias ? makeParameter([numFeatures], dtype: dtype) { Init.zeros($0) } : nil
        runningMean = trackRunningStats ? Buffer(Tensor.zeros([numFeatures], dtype: dtype)) : nil
        runningVar = trackRunningStats ? Buffer(Tensor.ones([numFeatures], dtype: dtype)) : nil
        numBatchesTracked = trackRunningStats ? Buffer(Tensor([Int64(0)], shape: [])) : nil
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        check(ranks.contains(input.rank) && input.shape[1] == numFeatures,
                     "\(typeName): expected input of rank \(ranks.map(String.init).joined(separator: " or ")) with \(numFeatures) channels on axis 1, got \(input.shape)")
        checkInputDType(typeName, input, weight ?? runningMean?.value, name: weight != nil ? "weight" : "running_mean")
        var factor = momentum ?? 0
        if isTraining, let tracked = numBatchesTracked {
            withNoGrad { tracked.value += 1 }
            // momentum nil: the cumulative moving average 1/n.
            if momentum == nil { factor = 1 / tracked.value.item() }
        }
        return batchNorm(input, runningMean: runningMean?.value, runningVar: runningVar?.value, weight: weight, bias: bias,
                         training: isTraining || !trackRunningStats, momentum: factor, eps: eps)
    }

    /// Resets the running statistics (mean 0, variance 1, count 0).
    ///
    ///     bn.resetRunningStats()
    public func resetRunningStats() {
        withNoGrad { runningMean?.value.fill(0); runningVar?.value.fill(1); numBatchesTracked?.value.fill(0) }
    }

    open override var extraDescription: String {
        "\(numFeatures), eps=\(eps), momentum=\(momentum.map { "\($0)" } ?? "None"), affine=\(affine ? "True" : "False"), track_running_stats=\(trackRunningStats ? "True" : "False")"
    }
}

/// Batch normalisation of [N, C] or [N, C, L] inputs.
///
///     let bn = BatchNorm1d(64)
///     let y = bn(x)
open class BatchNorm1d: BatchNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true, dtype: DType = .float32, bias: Bool = true) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, bias: bias, trackRunningStats: trackRunningStats,
                   dtype: dtype, ranks: [2, 3])
    }
}

/// Batch normalisation of [N, C, H, W] inputs.
///
///     let bn = BatchNorm2d(16)
///     let y = bn(images)
open class BatchNorm2d: BatchNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true, dtype: DType = .float32, bias: Bool = true) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, bias: bias, trackRunningStats: trackRunningStats,
                   dtype: dtype, ranks: [4])
    }
}

/// Batch normalisation of [N, C, D, H, W] inputs.
///
///     let bn = BatchNorm3d(8)
///     let y = bn(volumes)
open class BatchNorm3d: BatchNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true, dtype: DType = .float32, bias: Bool = true) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, bias: bias, trackRunningStats: trackRunningStats,
                   dtype: dtype, ranks: [5])
    }
}

/// Layer normalisation over the trailing `normalizedShape` axes; weight 1 and bias 0.
///
///     let norm = LayerNorm(512)
///     let y = norm(x)                     // [..., 512]
open class LayerNorm: Module {
    public let weight: Tensor?
    public let bias: Tensor?
    public let normalizedShape: [Int]
    public let eps: Double

    public init(normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true, dtype: DType = .float32) {
        self.normalizedShape = normalizedShape; self.eps = eps
        weight = elementwiseAffine ? makeParameter(normalizedShape, dtype: dtype) { Init.ones($0) } : nil
        self.bias = elementwiseAffine && bias ? makeParameter(normalizedShape, dtype: dtype) { Init.zeros($0) } : nil
        super.init()
    }

    /// LayerNorm over one trailing axis of size `size`.
    ///
    ///     let norm = LayerNorm(128, eps: 1e-6)
    public convenience init(_ size: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true, dtype: DType = .float32) {
        self.init(normalizedShape: [size], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias, dtype: dtype)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        check(input.rank >= normalizedShape.count && Array(input.shape.suffix(normalizedShape.count)) == normalizedShape,
              "LayerNorm: input \(input.shape) does not end with normalized_shape \(normalizedShape)")
        checkInputDType("LayerNorm", input, weight)
        return layerNorm(input, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }

    open override var extraDescription: String {
        "(\(normalizedShape.map(String.init).joined(separator: ", "))\(normalizedShape.count == 1 ? "," : "")), eps=\(eps), elementwise_affine=\(weight != nil ? "True" : "False")"
    }
}

/// Group normalisation of [N, C, ...] with `numGroups` groups; per-channel weight 1 and bias 0
/// (`bias: false`: the weight only; `affine: false`: neither).
///
///     let norm = GroupNorm(numGroups: 8, numChannels: 64)
///     let y = norm(x)
open class GroupNorm: Module {
    public let weight: Tensor?
    public let bias: Tensor?
    public let numGroups: Int, numChannels: Int
    public let eps: Double

    public init(numGroups: Int, numChannels: Int, eps: Double = 1e-5, affine: Bool = true, bias: Bool = true, dtype: DType = .float32) {
        check(numGroups > 0 && numChannels % numGroups == 0, "GroupNorm: \(numChannels) channels do not split into \(numGroups) groups")
        self.numGroups = numGroups; self.numChannels = numChannels; self.eps = eps
        weight = affine ? makeParameter([numChannels], dtype: dtype) { Init.ones($0) } : nil
        self.bias = affine && bias ? makeParameter([numChannels], dtype: dtype) { Init.zeros($0) } : nil
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        check(input.rank >= 2 && input.shape[1] == numChannels, "GroupNorm: expected [N, \(numChannels), ...], got \(input.shape)")
        checkInputDType("GroupNorm", input, weight)
        return groupNorm(input, numGroups: numGroups, weight: weight, bias: bias, eps: eps)
    }

    open override var extraDescription: String { "\(numGroups), \(numChannels), eps=\(eps), affine=\(weight != nil ? "True" : "False")" }
}

/// RMS normalisation over the trailing `normalizedShape` axes; weight 1. `eps: nil` uses the
/// dtype's machine epsilon, as PyTorch.
///
///     let norm = RMSNorm(512)
///     let y = norm(x)
open class RMSNorm: Module {
    public let weight: Tensor?
    public let normalizedShape: [Int]
    public let eps: Double?

    public init(normalizedShape: [Int], eps: Double? = nil, elementwiseAffine: Bool = true, dtype: DType = .float32) {
        self.normalizedShape = normalizedShape; self.eps = eps
        weight = elementwiseAffine ? makeParameter(normalizedShape, dtype: dtype) { Init.ones($0) } : nil
        super.init()
    }

    /// RMSNorm over one trailing axis.
    ///
    ///     let norm = RMSNorm(64, eps: 1e-6)
    public convenience init(_ size: Int, eps: Double? = nil, elementwiseAffine: Bool = true, dtype: DType = .float32) {
        self.init(normalizedShape: [size], eps: eps, elementwiseAffine: elementwiseAffine, dtype: dtype)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        check(input.rank >= normalizedShape.count && Array(input.shape.suffix(normalizedShape.count)) == normalizedShape,
              "RMSNorm: input \(input.shape) does not end with normalized_shape \(normalizedShape)")
        checkInputDType("RMSNorm", input, weight)
        return rmsNorm(input, normalizedShape: normalizedShape, weight: weight, eps: eps)
    }

    open override var extraDescription: String {
        "(\(normalizedShape.map(String.init).joined(separator: ", "))\(normalizedShape.count == 1 ? "," : "")), eps=\(eps.map { "\($0)" } ?? "None"), elementwise_affine=\(weight != nil ? "True" : "False")"
    }
}
