// Dense layers: Linear, Bilinear, Identity, Flatten, Unflatten.

/// y = x·Wᵀ + b, with PyTorch's layout (weight [out, in]) and initialisation: weight
/// kaiming-uniform with a = √5 (bounds ±1/√inFeatures), bias U(±1/√inFeatures).
///
///     let fc = Linear(784, 128)
///     let y = fc(x)                 // [batch, 784] -> [batch, 128]
open class Linear: Module {
    /// [outFeatures, inFeatures].
    public let weight: Tensor
    /// [outFeatures], or nil with `bias: false`.
    public let bias: Tensor?
    public let inFeatures: Int
    public let outFeatures: Int
    /// The LoRA adapter attached by `LoRA` (not a member: the layer's state dict is unchanged).
    public internal(set) var lora: LoRAAdapter?

    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, dtype: DType = .float32, generator: Generator? = nil) {
        check(inFeatures >= 0 && outFeatures >= 0, "Linear: sizes must be non-negative, got \(inFeatures) and \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = makeParameter([outFeatures, inFeatures], dtype: dtype) { Init.kaimingUniform($0, a: 5.0.squareRoot(), generator: generator) }
        let bound = inFeatures > 0 ? 1 / Double(inFeatures).squareRoot() : 0
        self.bias = bias ? makeParameter([outFeatures], dtype: dtype) { Init.uniform($0, low: -bound, high: bound, generator: generator) } : nil
        super.init()
    }

    /// `Linear(inFeatures:outFeatures:)` without labels.
    ///
    ///     let fc = Linear(4, 2, bias: false)
    public convenience init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32, generator: Generator? = nil) {
        self.init(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias, dtype: dtype, generator: generator)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        checkInputSize("Linear(\(inFeatures), \(outFeatures))", input, axis: -1, expected: inFeatures, what: "in_features")
        checkInputDType("Linear(\(inFeatures), \(outFeatures))", input, weight)
        let y = linear(input, weight: weight, bias: bias)
        if let lora, !lora.isMerged { return y + lora.delta(input, training: isTraining) }
        return y
    }

    open override var extraDescription: String {
        "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(bias != nil ? "True" : "False")"
    }
}

/// y = x1ᵀ·A·x2 + b for each output feature: weight [out, in1, in2], bias [out], both U(±1/√in1).
///
///     let bl = Bilinear(in1Features: 4, in2Features: 5, outFeatures: 3)
///     let y = bl(a, b)
open class Bilinear: ModuleBase {
    public let weight: Tensor
    public let bias: Tensor?
    public let in1Features: Int, in2Features: Int, outFeatures: Int

    public init(in1Features: Int, in2Features: Int, outFeatures: Int, bias: Bool = true, dtype: DType = .float32, generator: Generator? = nil) {
        self.in1Features = in1Features; self.in2Features = in2Features; self.outFeatures = outFeatures
        let bound = 1 / Double(max(in1Features, 1)).squareRoot()
        weight = makeParameter([outFeatures, in1Features, in2Features], dtype: dtype) { Init.uniform($0, low: -bound, high: bound, generator: generator) }
        self.bias = bias ? makeParameter([outFeatures], dtype: dtype) { Init.uniform($0, low: -bound, high: bound, generator: generator) } : nil
        super.init()
    }

    /// Applies the bilinear map to x1 [..., in1] and x2 [..., in2].
    public func callAsFunction(_ x1: Tensor, _ x2: Tensor) -> Tensor {
        hooked([x1, x2]) { xs in
            let x1 = xs[0], x2 = xs[1]
            return [{ () -> Tensor in
                check(x1.shape.last == in1Features && x2.shape.last == in2Features && x1.shape.dropLast() == x2.shape.dropLast(),
                             "Bilinear: inputs \(x1.shape) and \(x2.shape) do not fit weight \(weight.shape)")
                checkInputDType("Bilinear", x1, weight)
                checkInputDType("Bilinear", x2, weight)
                let lead = Array(x1.shape.dropLast())
                let a = x1.reshape([-1, in1Features]), b = x2.reshape([-1, in2Features])
                // (x1·W_o)·x2 for every o: [n, in1] · [in1, out·in2] -> [n, out, in2], then a dot with x2.
                let w = weight.permute([1, 0, 2]).reshape([in1Features, outFeatures * in2Features])
                let t = a.matmul(w).reshape([-1, outFeatures, in2Features])
                var y = (t * b.unsqueeze(axis: 1)).sum(axis: 2)
                if let bias { y = y + bias }
                return y.reshape(lead + [outFeatures])
            }()]
        }[0]
    }

    open override var extraDescription: String {
        "in1_features=\(in1Features), in2_features=\(in2Features), out_features=\(outFeatures), bias=\(bias != nil ? "True" : "False")"
    }
}

/// Returns its input.
///
///     let skip = Identity()
///     let y = skip(x)
open class Identity: Module {
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input }
}

/// Flattens axes `startAxis...endAxis` (by default all but the batch axis), as `nn.Flatten`.
///
///     let flat = Flatten()
///     let y = flat(images)          // [n, 16, 5, 5] -> [n, 400]
open class Flatten: Module {
    public let startAxis: Int, endAxis: Int
    public init(startAxis: Int = 1, endAxis: Int = -1) {
        self.startAxis = startAxis; self.endAxis = endAxis
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor {
        let r = Swift.max(input.rank, 1)
        check((-r..<r).contains(startAxis) && (-r..<r).contains(endAxis),
              "Flatten: startAxis \(startAxis) and endAxis \(endAxis) must be axes of the input \(input.shape)")
        return input.flatten(startAxis: startAxis, endAxis: endAxis)
    }
    open override var extraDescription: String { "start_dim=\(startAxis), end_dim=\(endAxis)" }
}

/// Splits one axis into `sizes`, as `nn.Unflatten`.
///
///     let unflat = Unflatten(axis: 1, sizes: [16, 5, 5])
///     let y = unflat(x)             // [n, 400] -> [n, 16, 5, 5]
open class Unflatten: Module {
    public let axis: Int, sizes: [Int]
    public init(axis: Int, sizes: [Int]) {
        self.axis = axis; self.sizes = sizes
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor {
        let ax = normalizeAxis(axis, input.rank, op: "Unflatten")
        var shape = input.shape
        check(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) == shape[ax],
              "Unflatten: sizes \(sizes) do not multiply to \(shape[ax]), the size of axis \(axis) of the input \(input.shape)")
        shape.replaceSubrange(ax...ax, with: sizes)
        return input.reshape(shape)
    }
    open override var extraDescription: String { "dim=\(axis), unflattened_size=\(sizes)" }
}
