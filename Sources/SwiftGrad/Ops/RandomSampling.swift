// Sampling from tensors of parameters (PyTorch's bernoulli and normal with tensor arguments), from
// our seedable generator. As in PyTorch the samples stay on the graph with a zero gradient.

extension Tensor {
    /// A 0/1 sample of this tensor's probabilities (in [0, 1]), in its dtype (PyTorch's `bernoulli`).
    ///
    ///     let coin = Tensor.full([4], 0.5).bernoulli(generator: Generator(seed: 1))
    public func bernoulli(generator: Generator? = nil) -> Tensor {
        check(dtype.isFloatingPoint, "bernoulli: probabilities must be float, got \(dtype) of shape \(shape)")
        check(count == 0 || (withNoGrad { self.ge(0).logicalAnd(self.le(1)).all() }.item() != 0),
              "bernoulli: expects all probabilities in [0, 1] (tensor \(shape))")
        let u = Tensor.rand(shape, dtype: .float64, generator: generator ?? .default)
        let sample = (u .< withNoGrad { to(.float64) }).to(dtype)
        return requiresGrad ? sample + self * 0 : sample
    }

    /// A 0/1 sample with probability `p` for every element, shaped and typed like this tensor
    /// (PyTorch's `x.bernoulli(p)`).
    ///
    ///     let mask = Tensor.zeros([3, 3]).bernoulli(p: 0.2)
    public func bernoulli(p: Double, generator: Generator? = nil) -> Tensor {
        check(p >= 0 && p <= 1, "bernoulli: p must be in [0, 1], got \(p) (tensor \(shape))")
        let u = Tensor.rand(shape, dtype: .float64, generator: generator ?? .default)
        return (u .< p).to(dtype)
    }
}

/// A 0/1 sample of `probabilities` (PyTorch's `torch.bernoulli`).
///
///     let mask = bernoulli(Tensor.full([2, 3], 0.9))
public func bernoulli(_ probabilities: Tensor, generator: Generator? = nil) -> Tensor { probabilities.bernoulli(generator: generator) }

/// Normal samples with element-wise `mean` and `std` (broadcast together), PyTorch's
/// `torch.normal(mean, std)`. The gradient with respect to both is zero, as PyTorch's.
///
///     let noise = normal(mean: Tensor.zeros([3]), std: Tensor([0.1, 1, 10]))
public func normal(mean: Tensor, std: Tensor, generator: Generator? = nil) -> Tensor {
    check(mean.dtype.isFloatingPoint && std.dtype.isFloatingPoint,
          "normal: mean and std must be float, got \(mean.dtype) \(mean.shape) and \(std.dtype) \(std.shape)")
    check(broadcastShapeIfPossible(mean.shape, std.shape) != nil,
          "normal: mean \(mean.shape) and std \(std.shape) cannot be broadcast together")
    check(std.count == 0 || withNoGrad { std.ge(0).all() }.item() != 0, "normal: expects all elements of std >= 0 (std \(std.shape))")
    let dtype = DType.result(mean.dtype, std.dtype)
    let shape = broadcastShape(mean.shape, std.shape, op: "normal")
    let z = Tensor.randn(shape, dtype: .float64, generator: generator ?? .default)
    var sample = withNoGrad { (z * std.to(.float64) + mean.to(.float64)).to(dtype) }
    if mean.requiresGrad { sample = sample + mean.to(dtype) * 0 }
    if std.requiresGrad { sample = sample + std.to(dtype) * 0 }
    return sample
}

/// Normal samples with element-wise `mean` and one `std`.
///
///     let y = normal(mean: centers, std: 0.5)
public func normal(mean: Tensor, std: Double, generator: Generator? = nil) -> Tensor {
    check(std >= 0, "normal: std must be >= 0, got \(std) (mean \(mean.shape))")
    return normal(mean: mean, std: Tensor.full([], std, dtype: mean.dtype.isFloatingPoint ? mean.dtype : .float32), generator: generator)
}

/// Normal samples with one `mean` and element-wise `std`.
///
///     let y = normal(mean: 0, std: scales)
public func normal(mean: Double, std: Tensor, generator: Generator? = nil) -> Tensor {
    normal(mean: Tensor.full([], mean, dtype: std.dtype.isFloatingPoint ? std.dtype : .float32), std: std, generator: generator)
}
