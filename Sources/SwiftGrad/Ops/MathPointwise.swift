// Fused point-wise combinations: lerp, addcmul, addcdiv. Composed of recorded ops (their gradients
// are the chain rule through them), with PyTorch's formulas so values agree bit for bit.

extension Tensor {
    /// Linear interpolation self + weight·(end - self), computed as PyTorch's lerp: for |weight| ≥ ½
    /// as end - (end - self)·(1 - weight), which is exact at weight 1. Float tensors of one dtype.
    ///
    ///     let ema = average.lerp(value, weight: 0.1)
    public func lerp(_ end: Tensor, weight: Double) -> Tensor {
        check(dtype.isFloatingPoint && end.dtype == dtype,
              "lerp: needs float tensors of one dtype, got \(dtype) \(shape) and \(end.dtype) \(end.shape)")
        _ = broadcastShape(shape, end.shape, op: "lerp")
        if let r = viaFloat32({ $0.lerp(end.to(.float32), weight: weight) }) { return r }
        let difference = end - self
        return Swift.abs(weight) < 0.5 ? self + difference * weight : end - difference * (1 - weight)
    }

    /// `lerp` with a tensor of weights (broadcast with self and end; one float dtype).
    ///
    ///     let mixed = a.lerp(b, weight: alpha)
    public func lerp(_ end: Tensor, weight: Tensor) -> Tensor {
        check(dtype.isFloatingPoint && end.dtype == dtype && weight.dtype == dtype,
              "lerp: needs float tensors of one dtype, got \(dtype) \(shape), \(end.dtype) \(end.shape) and weight \(weight.dtype) \(weight.shape)")
        _ = broadcastShape(broadcastShape(shape, end.shape, op: "lerp"), weight.shape, op: "lerp")
        if let r = viaFloat32({ $0.lerp(end.to(.float32), weight: weight.to(.float32)) }) { return r }
        let difference = end - self
        let small = weight.abs().lt(0.5)
        return Tensor.where(small, self + difference * weight, end - difference * (1 - weight))
    }

    /// self + value·tensor1·tensor2 (broadcast, promoted), as `torch.addcmul`. In float16 and
    /// bfloat16 the whole (self + (value·t1)·t2) is computed in float32 and rounded once, as
    /// PyTorch's CPU kernel does.
    ///
    ///     let y = x.addcmul(a, b, value: 0.5)
    public func addcmul(_ tensor1: Tensor, _ tensor2: Tensor, value: Double = 1) -> Tensor {
        _ = broadcastShape(broadcastShape(shape, tensor1.shape, op: "addcmul"), tensor2.shape, op: "addcmul")
        if let common = Tensor.reducedPrecisionCommon(self, tensor1, tensor2) {
            return to(.float32).addcmul(tensor1.to(.float32), tensor2.to(.float32), value: value).to(common)
        }
        let scaled = value == 1 ? tensor1 : tensor1 * value
        return self + scaled * tensor2
    }

    /// self + value·tensor1/tensor2 (broadcast, promoted), as `torch.addcdiv`; integer tensor1 and
    /// tensor2 are refused, as in PyTorch. In float16 and bfloat16, self + (value·t1)/t2 is computed
    /// in float32 and rounded once, as PyTorch's CPU kernel does.
    ///
    ///     let step = param.addcdiv(m, v.sqrt() + 1e-8, value: -lr)
    public func addcdiv(_ tensor1: Tensor, _ tensor2: Tensor, value: Double = 1) -> Tensor {
        check(tensor1.dtype.isFloatingPoint || tensor2.dtype.isFloatingPoint,
              "addcdiv: integer division is not supported (tensor1 \(tensor1.dtype) \(tensor1.shape), tensor2 \(tensor2.dtype) \(tensor2.shape)); convert one to float")
        _ = broadcastShape(broadcastShape(shape, tensor1.shape, op: "addcdiv"), tensor2.shape, op: "addcdiv")
        if let common = Tensor.reducedPrecisionCommon(self, tensor1, tensor2) {
            return to(.float32).addcdiv(tensor1.to(.float32), tensor2.to(.float32), value: value).to(common)
        }
        let scaled = value == 1 ? tensor1 : tensor1 * value
        return self + scaled / tensor2
    }

    /// The result dtype of the operands (PyTorch's result_type) when it is float16 or bfloat16:
    /// the ops whose CPU kernels compute in float32 and round once take that path.
    static func reducedPrecisionCommon(_ operands: Tensor...) -> DType? {
        let common = DType.resultType(tensors: operands.map { ($0.dtype, $0.rank) })
        return common.isReducedPrecision ? common : nil
    }
}
