#if canImport(Glibc)
import Glibc
#endif

// In-place random fills from the distributions of PyTorch's `Tensor.cauchy_`, `exponential_`,
// `geometric_`, `log_normal_` and `normal_`, drawn from our seedable generator. Each draws its
// samples in Double by inverting the distribution's CDF (or Box-Muller for the normal) and writes
// them once into the tensor, rounded to its dtype. As PyTorch's, they are not differentiable: a
// fill is a `copyFrom` of the samples under no-grad.

extension Tensor {
    /// Draws `count` doubles from `sample` (called with the generator's state) and copies them into
    /// this tensor, rounded to its dtype (a view is written through its strides).
    private func fillRandom(_ op: String, generator: Generator?, floatOnly: Bool = true,
                            _ sample: (inout Generator.State) -> Double) -> Tensor {
        check(!floatOnly || dtype.isFloatingPoint, "\(op): expects a float tensor, got \(dtype) of shape \(shape)")
        check(dtype != .bool, "\(op): not defined for bool tensors (shape \(shape))")
        let n = count
        var values = [Double](repeating: 0, count: n)
        (generator ?? .default).withState { st in
            for i in 0..<n { values[i] = sample(&st) }
        }
        let samples = Tensor(values, shape: shape, dtype: dtype)
        withNoGrad { copyFrom(samples) }
        return self
    }

    /// Fills this tensor in place with Cauchy samples, median + sigma·tan(π(u − ½)) (PyTorch's
    /// `cauchy_`). Returns the tensor.
    ///
    ///     let heavy = Tensor.zeros([1000]).fillCauchy(median: 0, sigma: 0.5)
    @discardableResult
    public func fillCauchy(median: Double = 0, sigma: Double = 1, generator: Generator? = nil) -> Tensor {
        check(sigma > 0, "cauchy_: sigma must be positive, got \(sigma) (tensor \(shape))")
        return fillRandom("cauchy_", generator: generator) { st in median + sigma * Glibc.tan(Double.pi * (st.uniform() - 0.5)) }
    }

    /// Fills this tensor in place with exponential samples of rate `lambda`, −log(1 − u)/λ (PyTorch's
    /// `exponential_`). Returns the tensor.
    ///
    ///     let waits = Tensor.zeros([100]).fillExponential(lambda: 2)
    @discardableResult
    public func fillExponential(lambda: Double = 1, generator: Generator? = nil) -> Tensor {
        check(lambda > 0, "exponential_: lambda must be positive, got \(lambda) (tensor \(shape))")
        // 1 − u is in (0, 1]: the log never sees 0.
        return fillRandom("exponential_", generator: generator) { st in -Glibc.log(1 - st.uniform()) / lambda }
    }

    /// Fills this tensor in place with geometric samples: the number of Bernoulli(p) trials up to
    /// and including the first success, k ≥ 1 (PyTorch's `geometric_`; integer tensors too). Returns
    /// the tensor.
    ///
    ///     let trials = Tensor.zeros([10], dtype: .int64).fillGeometric(p: 0.2)
    @discardableResult
    public func fillGeometric(p: Double, generator: Generator? = nil) -> Tensor {
        check(p > 0 && p < 1, "geometric_: p must be in (0, 1), got \(p) (tensor \(shape))")
        let logQ = Glibc.log1p(-p)
        // ⌈log(1 − u)/log(1 − p)⌉ inverts the CDF 1 − (1 − p)^k; u = 0 would give 0, so at least 1.
        return fillRandom("geometric_", generator: generator, floatOnly: false) { st in
            Swift.max(1, (Glibc.log(1 - st.uniform()) / logQ).rounded(.up))
        }
    }

    /// Fills this tensor in place with log-normal samples exp(mean + std·z), z standard normal
    /// (PyTorch's `log_normal_`: `mean` and `std` are the underlying normal's). Returns the tensor.
    ///
    ///     let sizes = Tensor.zeros([100]).fillLogNormal(mean: 0, std: 0.25)
    @discardableResult
    public func fillLogNormal(mean: Double = 1, std: Double = 2, generator: Generator? = nil) -> Tensor {
        check(std > 0, "log_normal_: std must be positive, got \(std) (tensor \(shape))")
        return fillRandom("log_normal_", generator: generator) { st in Glibc.exp(mean + std * st.normalPair().0) }
    }

    /// Fills this tensor in place with normal samples mean + std·z (PyTorch's `normal_`). Returns the
    /// tensor.
    ///
    ///     let w = Tensor.zeros([4, 4]).fillNormal(mean: 0, std: 0.02)
    @discardableResult
    public func fillNormal(mean: Double = 0, std: Double = 1, generator: Generator? = nil) -> Tensor {
        check(std >= 0, "normal_: std must be non-negative, got \(std) (tensor \(shape))")
        return fillRandom("normal_", generator: generator) { st in mean + std * st.normalPair().0 }
    }
}

/// Normal samples of one `mean` and `std` in a new tensor of `shape` (PyTorch's
/// `torch.normal(mean, std, size)`).
///
///     let noise = normal(mean: 0, std: 0.1, shape: [2, 3])
public func normal(mean: Double, std: Double, shape: [Int], dtype: DType = .float32, generator: Generator? = nil) -> Tensor {
    check(std >= 0, "normal: std must be non-negative, got \(std) (shape \(shape))")
    return Tensor.randn(shape, mean: mean, std: std, dtype: dtype, generator: generator ?? .default)
}
