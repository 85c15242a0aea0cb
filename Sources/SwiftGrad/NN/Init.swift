// Weight initialisers (torch.nn.init). Each fills a tensor in place, without recording, from the
// given generator (the default generator when nil), and returns it.

/// Which fan the Kaiming initialisers preserve.
public enum FanMode: Sendable { case fanIn, fanOut }

/// The nonlinearity whose gain the Kaiming and Xavier initialisers use (PyTorch's `calculate_gain`).
public enum Nonlinearity: Sendable {
    case linear, conv, sigmoid, tanh, relu, selu
    /// Leaky ReLU with the given negative slope (PyTorch's default 0.01).
    case leakyRelu(Double)
}

/// PyTorch's `torch.nn.init`: in-place initialisers taking the seedable generator.
///
///     Init.kaimingNormal(conv.weight, mode: .fanOut, nonlinearity: .relu)
///     Init.zeros(conv.bias!)
public enum Init {
    /// The recommended gain for a nonlinearity (relu √2, tanh 5/3, leaky ReLU √(2/(1+slope²)), ...).
    ///
    ///     let g = Init.gain(.relu)    // 1.414...
    public static func gain(_ nonlinearity: Nonlinearity) -> Double {
        switch nonlinearity {
        case .linear, .conv, .sigmoid: return 1
        case .tanh: return 5.0 / 3
        case .relu: return 2.0.squareRoot()
        case .selu: return 0.75
        case .leakyRelu(let slope): return (2 / (1 + slope * slope)).squareRoot()
        }
    }

    /// (fanIn, fanOut) of a weight: [out, in] for Linear, [out, in/groups, k...] for convolutions.
    ///
    ///     let (fanIn, fanOut) = Init.fans([128, 64, 3, 3])    // (576, 1152)
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        check(shape.count >= 2, "Init.fans: needs a tensor with at least 2 axes, got shape \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    @discardableResult
    static func fill(_ t: Tensor, with values: Tensor) -> Tensor {
        withNoGrad { t.copyFrom(values) }
        return t
    }

    /// U(low, high).
    ///
    ///     Init.uniform(w, low: -0.1, high: 0.1)
    @discardableResult
    public static func uniform(_ t: Tensor, low: Double = 0, high: Double = 1, generator: Generator? = nil) -> Tensor {
        fill(t, with: Tensor.uniform(t.shape, low: low, high: high, dtype: t.dtype, generator: generator ?? .default))
    }

    /// N(mean, std²).
    ///
    ///     Init.normal(embedding.weight, std: 0.02)
    @discardableResult
    public static func normal(_ t: Tensor, mean: Double = 0, std: Double = 1, generator: Generator? = nil) -> Tensor {
        fill(t, with: Tensor.randn(t.shape, mean: mean, std: std, dtype: t.dtype, generator: generator ?? .default))
    }

    /// Every element `value`.
    ///
    ///     Init.constant(bias, 0.1)
    @discardableResult
    public static func constant(_ t: Tensor, _ value: Double) -> Tensor {
        withNoGrad { t.fill(value) }
        return t
    }

    /// Every element 0.
    ///
    ///     Init.zeros(layer.bias!)
    @discardableResult
    public static func zeros(_ t: Tensor) -> Tensor { constant(t, 0) }

    /// Every element 1.
    ///
    ///     Init.ones(norm.weight!)
    @discardableResult
    public static func ones(_ t: Tensor) -> Tensor { constant(t, 1) }

    /// Glorot uniform: U(±gain·√(6 / (fanIn + fanOut))).
    ///
    ///     Init.xavierUniform(attention.inProjWeight)
    @discardableResult
    public static func xavierUniform(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        let (fi, fo) = fans(t.shape)
        let bound = gain * (6 / Double(fi + fo)).squareRoot()
        return uniform(t, low: -bound, high: bound, generator: generator)
    }

    /// Glorot normal: N(0, gain²·2 / (fanIn + fanOut)).
    ///
    ///     Init.xavierNormal(w)
    @discardableResult
    public static func xavierNormal(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        let (fi, fo) = fans(t.shape)
        return normal(t, std: gain * (2 / Double(fi + fo)).squareRoot(), generator: generator)
    }

    /// He uniform: U(±gain·√(3 / fan)), PyTorch's defaults (a = 0, fanIn, leaky ReLU gain). Linear
    /// and Conv use `a: 5.squareRoot()`, which gives the bound 1/√fanIn.
    ///
    ///     Init.kaimingUniform(w, a: 5.0.squareRoot())
    @discardableResult
    public static func kaimingUniform(_ t: Tensor, a: Double = 0, mode: FanMode = .fanIn,
                                      nonlinearity: Nonlinearity = .leakyRelu(0), generator: Generator? = nil) -> Tensor {
        let std = kaimingStd(t.shape, a: a, mode: mode, nonlinearity: nonlinearity)
        let bound = 3.0.squareRoot() * std
        return uniform(t, low: -bound, high: bound, generator: generator)
    }

    /// He normal: N(0, (gain / √fan)²).
    ///
    ///     Init.kaimingNormal(conv.weight, mode: .fanOut, nonlinearity: .relu)
    @discardableResult
    public static func kaimingNormal(_ t: Tensor, a: Double = 0, mode: FanMode = .fanIn,
                                     nonlinearity: Nonlinearity = .leakyRelu(0), generator: Generator? = nil) -> Tensor {
        normal(t, std: kaimingStd(t.shape, a: a, mode: mode, nonlinearity: nonlinearity), generator: generator)
    }

    static func kaimingStd(_ shape: [Int], a: Double, mode: FanMode, nonlinearity: Nonlinearity) -> Double {
        let (fi, fo) = fans(shape)
        let fan = mode == .fanIn ? fi : fo
        // PyTorch passes `a` as the leaky ReLU slope when the nonlinearity is leaky ReLU.
        let g: Double
        if case .leakyRelu = nonlinearity { g = gain(.leakyRelu(a)) } else { g = gain(nonlinearity) }
        return g / Double(max(fan, 1)).squareRoot()
    }

    /// N(mean, std²) truncated to [a, b] by resampling (PyTorch's `trunc_normal_`, bounds absolute).
    ///
    ///     Init.truncatedNormal(w, std: 0.02, a: -0.04, b: 0.04)
    @discardableResult
    public static func truncatedNormal(_ t: Tensor, mean: Double = 0, std: Double = 1, a: Double = -2, b: Double = 2,
                                       generator: Generator? = nil) -> Tensor {
        check(a < b, "Init.truncatedNormal: a (\(a)) must be less than b (\(b))")
        let g = generator ?? .default
        var values: [Double] = []
        values.reserveCapacity(t.count)
        while values.count < t.count {
            let batch = Tensor.randn([max(16, (t.count - values.count) * 2)], mean: mean, std: std, dtype: .float64, generator: g)
            for v in batch.doubles where v >= a && v <= b && values.count < t.count { values.append(v) }
        }
        return fill(t, with: Tensor(values, shape: t.shape, dtype: t.dtype))
    }

    /// A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, times `gain`; the
    /// axes after the first are flattened, as PyTorch.
    ///
    ///     Init.orthogonal(rnn.weightHh[0])
    @discardableResult
    public static func orthogonal(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        check(t.rank >= 2, "Init.orthogonal: needs at least 2 axes, got shape \(t.shape)")
        let rows = t.shape[0], cols = t.count / max(rows, 1)
        // Orthonormalise the columns of a tall Gaussian matrix (modified Gram-Schmidt), transposing if wide.
        let tall = rows >= cols
        let (m, n) = tall ? (rows, cols) : (cols, rows)
        var a = Tensor.randn([m, n], dtype: .float64, generator: generator ?? .default).doubles
        for j in 0..<n {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<m { dot += a[i * n + j] * a[i * n + k] }
                for i in 0..<m { a[i * n + j] -= dot * a[i * n + k] }
            }
            var norm = 0.0
            for i in 0..<m { norm += a[i * n + j] * a[i * n + j] }
            norm = norm.squareRoot()
            for i in 0..<m { a[i * n + j] /= max(norm, 1e-300) }
        }
        var q = [Double](repeating: 0, count: rows * cols)
        for i in 0..<rows {
            for j in 0..<cols { q[i * cols + j] = gain * (tall ? a[i * n + j] : a[j * n + i]) }
        }
        return fill(t, with: Tensor(q, shape: t.shape, dtype: t.dtype))
    }
}

/// A parameter tensor (a leaf that requires grad) of the given shape, filled by `initialise`.
func makeParameter(_ shape: [Int], dtype: DType, _ initialise: (Tensor) -> Void) -> Tensor {
    let t = Tensor.zeros(shape, dtype: dtype)
    initialise(t)
    t.requiresGrad = true
    return t
}
