// Instance normalisation and local response normalisation modules, as torch.nn's classes.

/// Instance normalisation over channel axis 1, the shared implementation of InstanceNorm1d/2d/3d.
/// PyTorch's defaults: no affine parameters and no running statistics; with `affine` a `weight` (1)
/// and `bias` (0, left out with `bias: false`), with `trackRunningStats` the buffers `running_mean`, `running_var` and
/// `num_batches_tracked` (used in eval). An input without the batch axis is accepted.
///
///     let norm = InstanceNorm2d(16, affine: true)
///     let y = norm(x)                      // [n, 16, h, w] or [16, h, w]
open class InstanceNorm: Module {
    public let weight: Tensor?
    public let bias: Tensor?
    public let runningMean: Buffer?
    public let runningVar: Buffer?
    public let numBatchesTracked: Buffer?
    public let numFeatures: Int, eps: Double
    /// The running statistics' update factor; nil is PyTorch's None (0 here: no update).
    public var momentum: Double?
    public let affine: Bool, trackRunningStats: Bool
    /// The number of spatial axes (1, 2 or 3).
    public let spatialAxes: Int

    init(numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, bias hasBias: Bool = true, trackRunningStats: Bool, dtype: DType, spatialAxes: Int) {
        check(numFeatures > 0, "InstanceNorm\(spatialAxes)d: numFeatures must be positive, got \(numFeatures)")
        self.numFeatures = numFeatures; self.eps = eps; self.momentum = momentum
        self.affine = affine; self.trackRunningStats = trackRunningStats; self.spatialAxes = spatialAxes
        weight = affine ? makeParameter([numFeatures], dtype: dtype) { Init.ones($0) } : nil
        bias = affine && hasBias ? makeParameter([numFeatures], dtype: dtype) { Init.zeros($0) } : nil
        runningMean = trackRunningStats ? Buffer(Tensor.zeros([numFeatures], dtype: dtype)) : nil
        runningVar = trackRunningStats ? Buffer(Tensor.ones([numFeatures], dtype: dtype)) : nil
        numBatchesTracked = trackRunningStats ? Buffer(Tensor([Int64(0)], shape: [])) : nil
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        let k = spatialAxes
        check(input.rank == k + 1 || input.rank == k + 2,
              "\(typeName): expected a \(k + 1)-D (unbatched) or \(k + 2)-D input, got shape \(input.shape)")
        let channelAxis = input.rank - k - 1
        check(!affine || input.shape[channelAxis] == numFeatures,
              "\(typeName): input \(input.shape) has \(input.shape[channelAxis]) channels on axis \(channelAxis), expected num_features \(numFeatures)")
        checkInputDType(typeName, input, weight ?? runningMean?.value, name: weight != nil ? "weight" : "running_mean")
        let batched = input.rank == k + 2 ? input : input.unsqueeze(axis: 0)
        let y = instanceNorm(batched, runningMean: runningMean?.value, runningVar: runningVar?.value, weight: weight, bias: bias,
                             useInputStats: isTraining || !trackRunningStats, momentum: momentum ?? 0, eps: eps)
        return input.rank == k + 2 ? y : y.squeeze(axis: 0)
    }

    open override var extraDescription: String {
        "\(numFeatures), eps=\(eps), momentum=\(momentum.map { "\($0)" } ?? "None"), affine=\(affine ? "True" : "False"), track_running_stats=\(trackRunningStats ? "True" : "False")"
    }
}

/// Instance normalisation of [N, C, L] (or [C, L]) inputs.
///
///     let norm = InstanceNorm1d(8)
open class InstanceNorm1d: InstanceNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = false,
                trackRunningStats: Bool = false, dtype: DType = .float32, bias: Bool = true) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, bias: bias, trackRunningStats: trackRunningStats,
                   dtype: dtype, spatialAxes: 1)
    }
}

/// Instance normalisation of [N, C, H, W] (or [C, H, W]) inputs.
///
///     let norm = InstanceNorm2d(16, affine: true)
open class InstanceNorm2d: InstanceNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = false,
                trackRunningStats: Bool = false, dtype: DType = .float32, bias: Bool = true) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, bias: bias, trackRunningStats: trackRunningStats,
                   dtype: dtype, spatialAxes: 2)
    }
}

/// Instance normalisation of [N, C, D, H, W] (or [C, D, H, W]) inputs.
///
///     let norm = InstanceNorm3d(4)
open class InstanceNorm3d: InstanceNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = false,
                trackRunningStats: Bool = false, dtype: DType = .float32, bias: Bool = true) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, bias: bias, trackRunningStats: trackRunningStats,
                   dtype: dtype, spatialAxes: 3)
    }
}

/// Local response normalisation across channels.
///
///     let lrn = LocalResponseNorm(size: 5)
///     let y = lrn(x)
open class LocalResponseNorm: Module {
    public let size: Int, alpha: Double, beta: Double, k: Double
    public init(size: Int, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 1) {
        self.size = size; self.alpha = alpha; self.beta = beta; self.k = k
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor {
        check(input.rank >= 3, "LocalResponseNorm: expected a 3-D or higher input [N, C, ...], got \(input.shape)")
        return localResponseNorm(input, size: size, alpha: alpha, beta: beta, k: k)
    }
    open override var extraDescription: String { "\(size), alpha=\(alpha), beta=\(beta), k=\(k)" }
}
