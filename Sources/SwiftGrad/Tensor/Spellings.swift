// Spellings PyTorch users type, as thin forms of existing ops.

extension Tensor {
    /// This tensor viewed with `other`'s shape (PyTorch's `view_as`); shares storage as `view`.
    ///
    ///     let flat = Tensor.zeros([6])
    ///     let m = flat.view(as: Tensor.zeros([2, 3]))      // [2, 3]
    public func view(as other: Tensor) -> Tensor { view(other.shape) }

    /// This tensor reshaped to `other`'s shape (PyTorch's `reshape_as`).
    ///
    ///     let m = flat.reshape(as: grid)
    public func reshape(as other: Tensor) -> Tensor { reshape(other.shape) }

    /// `randn` that requires grad (PyTorch's `torch.randn(..., requires_grad=True)`): a leaf.
    ///
    ///     let w = Tensor.randn([3, 4], requiresGrad: true)
    public static func randn(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
                             generator: Generator = .default, requiresGrad: Bool) -> Tensor {
        let t = randn(shape, mean: mean, std: std, dtype: dtype, generator: generator)
        if requiresGrad { t.requiresGrad = true }
        return t
    }

    /// `rand` that requires grad (PyTorch's `torch.rand(..., requires_grad=True)`): a leaf.
    ///
    ///     let u = Tensor.rand([2], requiresGrad: true)
    public static func rand(_ shape: [Int], dtype: DType = .float32, generator: Generator = .default, requiresGrad: Bool) -> Tensor {
        let t = rand(shape, dtype: dtype, generator: generator)
        if requiresGrad { t.requiresGrad = true }
        return t
    }
}

extension Tensor {
    /// `0, 1, ..., end - 1` as int64 when the bound is an integer, as `torch.arange(5)`; a `Double`
    /// bound (`arange(5.0)`) or `dtype:` gives floats.
    ///
    ///     Tensor.arange(5)                       // int64 [0, 1, 2, 3, 4]
    ///     Tensor.arange(5, dtype: .float32)      // float32
    public static func arange(_ end: Int, dtype: DType = .int64) -> Tensor { arange(0, Double(end), dtype: dtype) }

    /// `start, start + step, ...` below `end`, int64 for integer arguments as `torch.arange(2, 10, 2)`.
    ///
    ///     Tensor.arange(2, 10, step: 2)          // int64 [2, 4, 6, 8]
    ///     Tensor.arange(0, 1, step: 0.25)        // float32 (a Double step)
    public static func arange(_ start: Int, _ end: Int, step: Int = 1, dtype: DType = .int64) -> Tensor {
        arange(Double(start), Double(end), step: Double(step), dtype: dtype)
    }
}
