// The public custom-op API: a user-defined differentiable function with its own backward, the
// counterpart of subclassing `torch.autograd.Function`.

extension Tensor {
    /// Records `self` as the output of a user-defined op `name` whose inputs are `inputs`, with a
    /// hand-written `backward`: given the gradient of the loss with respect to this output, it returns
    /// one gradient per input (nil where an input needs none), each of the input's shape or
    /// broadcastable to it (the engine sums broadcast gradients back to each input's shape).
    ///
    /// Compute the forward value without recording, e.g. inside `withNoGrad` or from `detach()`ed
    /// inputs: `self` must not already carry a graph node. Nothing is recorded (and `self` is returned
    /// as is) when grad mode is off or no input requires grad.
    ///
    /// Write `backward` with Tensor ops: under `backward(createGraph: true)` they are recorded, so the
    /// custom op is differentiable twice if its backward is. The closure may capture the inputs or
    /// values computed from them, but never the output tensor itself (that would be a retain cycle
    /// that keeps the whole graph alive).
    ///
    ///     let e = withNoGrad { x.exp() }      // the forward value; the closure keeps `e`, not the output
    ///     let y = e.detach().recordedAsCustomOp("myExp", inputs: [x]) { g in [g * e] }
    @discardableResult
    public func recordedAsCustomOp(_ name: String, inputs: [Tensor], backward: @escaping (_ grad: Tensor) -> [Tensor?]) -> Tensor {
        precondition(node == nil, "recordedAsCustomOp('\(name)'): the output already has a graph node (op '\(node?.op ?? "")'); compute the forward value inside withNoGrad { } or from detached inputs")
        return recorded(name, inputs: inputs) { g, _ in backward(g) }
    }
}
