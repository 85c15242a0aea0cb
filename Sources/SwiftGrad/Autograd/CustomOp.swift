// Public hooks for code outside the module that computes a tensor with a C library (MPI, a custom
// kernel) and still needs it differentiable or needs its bytes: PyTorch's torch.autograd.Function
// and Tensor.data_ptr(), in a form that keeps pointers inside a closure.

extension Tensor {
    /// Records this tensor, computed outside autograd from `inputs`, as the output of a differentiable
    /// op named `name` whose backward is `backward` (PyTorch's `torch.autograd.Function`). Does
    /// nothing when grad mode is off or no input requires grad. `backward` receives the gradient of the
    /// output and returns one gradient per input (nil where none); write it with Tensor ops so double
    /// backward works. Do not capture this output tensor in `backward` (a retain cycle).
    ///
    ///     let y = Tensor(x.doubles.map { $0 * 2 }, shape: x.shape, dtype: x.dtype)
    ///         .recordedAsCustomOp("double", inputs: [x]) { g in [g * 2] }
    @discardableResult
    public func recordedAsCustomOp(_ name: String, inputs: [Tensor],
                                   backward: @escaping (_ grad: Tensor) -> [Tensor?]) -> Tensor {
        check(node == nil, "recordedAsCustomOp('\(name)'): the output of shape \(shape) already belongs to op '\(node!.op)'")
        check(!inputs.contains { $0 === self }, "recordedAsCustomOp('\(name)'): the output of shape \(shape) cannot be one of its own inputs")
        return recorded(.custom(name), inputs: inputs) { g, _ in backward(g) }
    }

    /// Calls `body` with the tensor's elements as contiguous raw bytes (row-major, `count *
    /// dtype.byteSize` bytes), for handing them to a C library without a copy. The pointer is only
    /// valid inside `body`.
    ///
    ///     let sum = x.withUnsafeRawBytes { raw in raw.bindMemory(to: Float.self).reduce(0, +) }
    public func withUnsafeRawBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let t = dense   // a view is read through one contiguous copy
        return try withExtendedLifetime(t) { try body(UnsafeRawBufferPointer(start: t.rawPointer, count: count * dtype.byteSize)) }
    }

    /// Calls `body` with the tensor's elements as contiguous mutable raw bytes, to be written in place
    /// by a C library (MPI receives into gradients this way). Counts as an in-place write: the
    /// version counter is bumped, so autograd notices a saved value that changed.
    ///
    ///     x.withUnsafeMutableRawBytes { raw in raw.bindMemory(to: Float.self)[0] = 1 }
    public func withUnsafeMutableRawBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        bumpVersion()
        if isContiguous { return try body(UnsafeMutableRawBufferPointer(start: rawPointer, count: count * dtype.byteSize)) }
        // A view: the caller writes a contiguous copy, which goes back through the view's strides.
        let t = Kernels.contiguousCopy(self)
        let r = try body(UnsafeMutableRawBufferPointer(start: t.rawPointer, count: count * dtype.byteSize))
        Kernels.copyStrided(t, 0, t.strides, into: self, 0, strides, shape: shape)
        return r
    }
}
