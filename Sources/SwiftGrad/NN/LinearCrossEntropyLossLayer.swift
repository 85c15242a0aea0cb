// PyTorch's nn.LinearCrossEntropyLoss: a linear projection (submodule `linear`, weight
// [numClasses·∏outFeatures, inFeatures]) followed by cross-entropy, as one module. The logits are
// materialized (Ops/LinearCrossEntropy.swift); PyTorch's chunked path computes the same values.

/// A linear layer and cross-entropy in one module, as `nn.LinearCrossEntropyLoss`: the logits are
/// `linear(input)` reshaped to [..., numClasses, outFeatures...] (K-dimensional loss when
/// `outFeatures` is not empty). Parameters `linear.weight` (and `linear.bias` with `bias: true`);
/// buffer `weight` for the class weights.
///
///     let criterion = LinearCrossEntropyLoss(inFeatures: 64, numClasses: 1000)
///     let loss = criterion(hidden, nextTokens)
open class LinearCrossEntropyLoss: ModuleBase {
    /// The projection to the logits.
    public let linear: Linear
    /// Per-class weights [numClasses] (PyTorch's `weight`), or nil.
    public let weight: Buffer?
    public let numClasses: Int, outFeatures: [Int]
    /// Targets equal to this index are ignored (class-index targets only).
    public let ignoreIndex: Int
    public let labelSmoothing: Double, reduction: Reduction

    /// - Parameters:
    ///   - outFeatures: extra class-map axes (PyTorch's `out_features`, K-dimensional loss).
    ///   - weight: per-class weights, shape [numClasses].
    ///   - ignoreIndex: PyTorch's `ignore_index` (None there is -100, as here).
    public init(inFeatures: Int, numClasses: Int, outFeatures: [Int] = [], bias: Bool = false, reduction: Reduction = .mean,
                weight: Tensor? = nil, ignoreIndex: Int = -100, labelSmoothing: Double = 0, dtype: DType = .float32,
                generator: Generator? = nil) {
        check(numClasses > 0 && outFeatures.allSatisfy { $0 > 0 },
              "LinearCrossEntropyLoss: numClasses \(numClasses) and outFeatures \(outFeatures) must be positive")
        if let weight {
            check(weight.shape == [numClasses], "LinearCrossEntropyLoss: expected weight shape [\(numClasses)], got \(weight.shape)")
        }
        check(labelSmoothing >= 0 && labelSmoothing <= 1, "LinearCrossEntropyLoss: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
        self.numClasses = numClasses; self.outFeatures = outFeatures; self.ignoreIndex = ignoreIndex
        self.labelSmoothing = labelSmoothing; self.reduction = reduction
        self.weight = weight.map { Buffer($0) }
        linear = Linear(inFeatures: inFeatures, outFeatures: outFeatures.reduce(numClasses, *), bias: bias, dtype: dtype,
                        generator: generator)
        super.init()
    }

    /// The loss of `input` ([..., inFeatures]) against class indices or class probabilities.
    ///
    ///     let loss = criterion(hidden, targets)
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        hooked([input, target]) { xs in
            let input = xs[0], target = xs[1]
            check(input.rank >= 1 && input.shape[input.rank - 1] == linear.inFeatures,
                  "LinearCrossEntropyLoss: expected input [..., \(linear.inFeatures)], got \(input.shape) (target \(target.shape))")
            let logits = self.linear(input).reshape(Array(input.shape.dropLast()) + [numClasses] + outFeatures)
            return [crossEntropy(logits: logits, targets: target, weight: weight?.value, ignoreIndex: ignoreIndex,
                                 labelSmoothing: labelSmoothing, reduction: reduction)]
        }[0]
    }

    open override var extraDescription: String {
        "in_features=\(linear.inFeatures), num_classes=\(numClasses), out_features=\(outFeatures), bias=\(linear.bias != nil ? "True" : "False")"
    }
}
