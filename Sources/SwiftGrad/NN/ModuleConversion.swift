// Converting a model's dtype (PyTorch's `model.to(torch.bfloat16)`, `model.double()`).

extension Tensor {
    /// Converts this leaf's elements to `dtype` in place: the same Tensor object (so optimizers and
    /// modules that hold it keep working) gets new storage; its gradient is converted too. Other
    /// tensors that shared the old storage (views, `detach()`ed copies) keep the old values.
    /// Used by `Module.to(_:)`; not recorded by autograd.
    func convertStorageInPlace(to newDType: DType) {
        check(isLeaf, "to: only leaf tensors can change dtype in place (this one was made by '\(node.map { "\($0.op)" } ?? "")')")
        if newDType == dtype { return }
        let converted = Kernels.convert(self, to: newDType)
        storage = converted.storage
        storedDType = newDType
        if let g = grad { grad = Kernels.convert(g, to: newDType) }
        bumpVersion()
    }
}

extension ModuleBase {
    /// Converts every floating-point parameter and buffer to `dtype` in place, as PyTorch's
    /// `module.to(dtype)`: integer buffers (such as `num_batches_tracked`) are left alone, and
    /// parameters stay the same objects (`parameters()` returns the same tensors, now in `dtype`),
    /// so hooks and references survive. Create the optimizer after converting (its state is kept
    /// in the parameters' dtype). Returns self, for chaining.
    ///
    ///     let model = MLP().to(.bfloat16)
    ///     let y = model(x.to(.bfloat16))
    @discardableResult
    public func to(_ dtype: DType) -> Self {
        check(dtype.isFloatingPoint, "Module.to: the dtype must be a float type, got \(dtype)")
        for p in parameters() where p.dtype.isFloatingPoint {
            p.convertStorageInPlace(to: dtype)
        }
        for (_, b) in namedBufferObjects() where b.value.dtype.isFloatingPoint && b.value.dtype != dtype {
            b.value = b.value.to(dtype)
        }
        return self
    }
}
