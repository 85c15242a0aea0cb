// Automatic mixed precision on the CPU, as `torch.autocast("cpu", dtype=torch.bfloat16)`: inside
// `withAutocast`, matrix products and convolutions run in the lower precision (float32
// accumulation) and losses in float32, while the weights stay float32 ("master weights") and
// gradients flow back to them in float32 through the recorded casts.

/// Runs `body` with autocast on for this thread: `matmul`, `mm`, `bmm`, `linear`, `conv1d`, `conv2d`
/// and the transposed convolutions (PyTorch's CPU lower-precision list) cast float32 and float16
/// operands to `dtype`; the losses (PyTorch's float32 list: cross entropy, NLL, MSE, L1, smooth L1,
/// Huber, KL divergence, BCE) cast reduced-precision inputs to float32. float64 is never cast.
/// Other ops run in their inputs' dtype, promoting mixed operands as usual. Nested calls restore
/// the outer setting.
///
///     let loss = withAutocast(.bfloat16) { crossEntropy(logits: model(x), targets: y) }
///     loss.backward()          // float32 gradients on the float32 parameters
public func withAutocast<R>(_ dtype: DType = .bfloat16, enabled: Bool = true, _ body: () throws -> R) rethrows -> R {
    check(dtype.isReducedPrecision, "withAutocast: the dtype must be .bfloat16 or .float16, got \(dtype)")
    let ctx = ThreadContext.current
    let saved = ctx.autocastDType
    ctx.autocastDType = enabled ? dtype : nil
    defer { ctx.autocastDType = saved }
    return try body()
}

/// The casts autocast applies at the entry of the ops on its lists.
enum Autocast {
    /// The autocast dtype on this thread, or nil.
    @inline(__always) static var dtype: DType? { ThreadContext.current.autocastDType }

    /// Whether autocast would cast any of `tensors` for an op of the lower-precision list.
    @inline(__always) static func castsLower(_ tensors: Tensor?...) -> Bool {
        guard let d = dtype else { return false }
        return tensors.contains { t in t.map { $0.dtype != d && ($0.dtype == .float32 || $0.dtype.isReducedPrecision) } ?? false }
    }

    /// `t` cast to the autocast dtype when it is float32 or float16 (float64 and integers pass).
    static func lower(_ t: Tensor) -> Tensor {
        guard let d = dtype, t.dtype == .float32 || t.dtype.isReducedPrecision else { return t }
        return t.to(d)
    }

    /// `t` cast to float32 when autocast is on and it is float16/bfloat16 (the float32 op list).
    @inline(__always) static func float32(_ t: Tensor) -> Tensor {
        dtype != nil && t.dtype.isReducedPrecision ? t.to(.float32) : t
    }

    /// Runs `body` with autocast off (the float32 computation inside a reduced-precision op).
    static func disabled<R>(_ body: () -> R) -> R {
        let ctx = ThreadContext.current
        guard let saved = ctx.autocastDType else { return body() }
        ctx.autocastDType = nil
        defer { ctx.autocastDType = saved }
        return body()
    }
}
