// grad inside vmap (per-sample gradients, torch.func's `vmap(grad(f))`): one backward pass over
// the whole batch instead of one per sample.
//
// The function's per-sample outputs y_b are computed at once by the batching rules on physical
// tensors; the physical graph is an ordinary autograd graph, and since no rule mixes samples,
// ∂(Σ_b y_b)/∂x_b = ∂y_b/∂x_b: the gradient of the batch sum with respect to the physical argument
// is the stack of the per-sample gradients. A differentiated argument that vmap does not batch
// (a shared weight) is expanded over the batch first (a stride-0 view, so no copy), so its
// gradient comes back per sample too, as torch.func's.

extension Vmap {
    static func gradAndValue<Aux>(_ f: ([Tensor]) -> (Tensor, Aux), _ xs: [Tensor], argnums: [Int], op: String, level l: Int)
        -> (grads: [Tensor], value: Tensor, aux: Aux) {
        let which = Transforms.checkArgnums(argnums, count: xs.count, op: op)
        var phys = xs.map { physical($0, l) ?? $0 }
        var isBatched = xs.map { physical($0, l) != nil }
        for i in which where !isBatched[i] {
            phys[i] = batched(xs[i], l)
            isBatched[i] = true
        }
        let keepGraph = GradMode.isEnabled && phys.contains { $0.requiresGrad }
        let r = Transforms.gradAndValue({ ps -> (Tensor, (Tensor, Aux)) in
            let args = xs.indices.map { isBatched[$0] ? wrap(ps[$0], l) : ps[$0] }
            let (y, aux) = f(args)
            check(y.count == 1, "\(op): the function must return a single-element tensor, got shape \(y.shape); use jacrev or vjp for other outputs")
            check(y.dtype.isFloatingPoint, "\(op): the function returned a \(y.dtype) tensor; only float outputs have gradients")
            let py = batched(y, l)
            return (py.sum(), (py, aux))
        }, phys, argnums: which, op: op)
        let (py, aux) = r.aux
        return (r.grads.map { wrap($0, l) }, wrap(keepGraph ? py : py.detach(), l), aux)
    }
}
