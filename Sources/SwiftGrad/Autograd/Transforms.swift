// Function transforms, as PyTorch's torch.func (JAX's names): functions in, functions out, so they
// compose (`jacfwd(jacrev(f))` is `hessian(f)`). Docs/Transforms.md lists the PyTorch and JAX
// equivalent of each.
//
// Which arguments are differentiated (PyTorch's argnums), in Swift idiom:
//   - a function of one tensor: that tensor;
//   - a function of two tensors: `argnums: 0` (default) or `1` gives one result, `argnums: [0, 1]`
//     a list in that order;
//   - a function of a list of tensors: `argnums: [Int]` (default `[0]`), results in that order.
// hasAux: the `hasAux:` overloads take a function returning (output, aux); the aux (any type) is
// handed back beside the result, not differentiated.
// Every function returns a single tensor (stack or cat several outputs).

// MARK: - grad and gradAndValue

/// The gradient of a scalar function (PyTorch's `torch.func.grad`, JAX's `jax.grad`).
///
///     let df = grad { x in (x * x).sum() }
///     df(Tensor([1.0, 2.0]))      // [2, 4]
public func grad(_ f: @escaping (Tensor) -> Tensor) -> (Tensor) -> Tensor {
    { x in Transforms.gradAndValue({ (f($0[0]), ()) }, [x], argnums: [0], op: "grad").grads[0] }
}

/// The gradient of a scalar function that also returns an auxiliary value (PyTorch's `has_aux=True`).
///
///     let (g, loss) = grad(hasAux: { x in let l = (x * x).sum(); return (l, l.item()) })(x)
public func grad<Aux>(hasAux f: @escaping (Tensor) -> (Tensor, Aux)) -> (Tensor) -> (Tensor, Aux) {
    { x in
        let r = Transforms.gradAndValue({ f($0[0]) }, [x], argnums: [0], op: "grad")
        return (r.grads[0], r.aux)
    }
}

/// The gradient of a scalar function of two tensors with respect to argument `argnums`.
///
///     let dw = grad({ w, x in (w * x).sum() }, argnums: 0)(w, x)     // x
public func grad(_ f: @escaping (Tensor, Tensor) -> Tensor, argnums: Int = 0) -> (Tensor, Tensor) -> Tensor {
    { a, b in Transforms.gradAndValue({ (f($0[0], $0[1]), ()) }, [a, b], argnums: [argnums], op: "grad").grads[0] }
}

/// The gradients of a scalar function of two tensors with respect to the arguments in `argnums`.
///
///     let gs = grad({ w, x in (w * x).sum() }, argnums: [0, 1])(w, x)   // [x, w]
public func grad(_ f: @escaping (Tensor, Tensor) -> Tensor, argnums: [Int]) -> (Tensor, Tensor) -> [Tensor] {
    { a, b in Transforms.gradAndValue({ (f($0[0], $0[1]), ()) }, [a, b], argnums: argnums, op: "grad").grads }
}

/// The gradients of a scalar function of three tensors with respect to the arguments in `argnums`.
///
///     let gs = grad({ w, b, x in (x.matmul(w) + b).square().sum() }, argnums: [0, 1])(w, b, x)
public func grad(_ f: @escaping (Tensor, Tensor, Tensor) -> Tensor, argnums: [Int]) -> (Tensor, Tensor, Tensor) -> [Tensor] {
    { a, b, c in Transforms.gradAndValue({ (f($0[0], $0[1], $0[2]), ()) }, [a, b, c], argnums: argnums, op: "grad").grads }
}

/// The gradients of a scalar function of a list of tensors with respect to `xs[argnums]`.
///
///     let gs = grad({ xs in (xs[0] * xs[1]).sum() }, argnums: [1])([a, b])   // [a]
public func grad(_ f: @escaping ([Tensor]) -> Tensor, argnums: [Int] = [0]) -> ([Tensor]) -> [Tensor] {
    { xs in Transforms.gradAndValue({ (f($0), ()) }, xs, argnums: argnums, op: "grad").grads }
}

/// `grad` of a function of a list of tensors that also returns an auxiliary value.
///
///     let (gs, aux) = grad(hasAux: { xs in ((xs[0] * xs[1]).sum(), xs[0].max()) }, argnums: [0, 1])([a, b])
public func grad<Aux>(hasAux f: @escaping ([Tensor]) -> (Tensor, Aux), argnums: [Int] = [0]) -> ([Tensor]) -> ([Tensor], Aux) {
    { xs in
        let r = Transforms.gradAndValue(f, xs, argnums: argnums, op: "grad")
        return (r.grads, r.aux)
    }
}

/// The gradient and the value of a scalar function (PyTorch's `grad_and_value`, JAX's `value_and_grad`).
///
///     let (g, loss) = gradAndValue { w in model(w).square().mean() }(w)
public func gradAndValue(_ f: @escaping (Tensor) -> Tensor) -> (Tensor) -> (grad: Tensor, value: Tensor) {
    { x in
        let r = Transforms.gradAndValue({ (f($0[0]), ()) }, [x], argnums: [0], op: "gradAndValue")
        return (r.grads[0], r.value)
    }
}

/// `gradAndValue` of a function that also returns an auxiliary value.
///
///     let (g, loss, acc) = gradAndValue(hasAux: { w in (loss(w), accuracy(w)) })(w)
public func gradAndValue<Aux>(hasAux f: @escaping (Tensor) -> (Tensor, Aux)) -> (Tensor) -> (grad: Tensor, value: Tensor, aux: Aux) {
    { x in
        let r = Transforms.gradAndValue({ f($0[0]) }, [x], argnums: [0], op: "gradAndValue")
        return (r.grads[0], r.value, r.aux)
    }
}

/// `gradAndValue` of a function of two tensors with respect to the arguments in `argnums`.
///
///     let (gs, v) = gradAndValue({ w, x in (w * x).sum() }, argnums: [0, 1])(w, x)
public func gradAndValue(_ f: @escaping (Tensor, Tensor) -> Tensor, argnums: [Int] = [0]) -> (Tensor, Tensor) -> (grads: [Tensor], value: Tensor) {
    { a, b in
        let r = Transforms.gradAndValue({ (f($0[0], $0[1]), ()) }, [a, b], argnums: argnums, op: "gradAndValue")
        return (r.grads, r.value)
    }
}

/// `gradAndValue` of a function of a list of tensors with respect to `xs[argnums]`.
///
///     let (gs, v) = gradAndValue({ xs in (xs[0] * xs[1]).sum() }, argnums: [0, 1])([a, b])
public func gradAndValue(_ f: @escaping ([Tensor]) -> Tensor, argnums: [Int] = [0]) -> ([Tensor]) -> (grads: [Tensor], value: Tensor) {
    { xs in
        let r = Transforms.gradAndValue({ (f($0), ()) }, xs, argnums: argnums, op: "gradAndValue")
        return (r.grads, r.value)
    }
}

/// `gradAndValue` of a function of a list of tensors that also returns an auxiliary value.
///
///     let (gs, v, aux) = gradAndValue(hasAux: { xs in ((xs[0] * xs[1]).sum(), 3) }, argnums: [1])([a, b])
public func gradAndValue<Aux>(hasAux f: @escaping ([Tensor]) -> (Tensor, Aux), argnums: [Int] = [0])
    -> ([Tensor]) -> (grads: [Tensor], value: Tensor, aux: Aux) {
    { xs in
        let r = Transforms.gradAndValue(f, xs, argnums: argnums, op: "gradAndValue")
        return (r.grads, r.value, r.aux)
    }
}

// MARK: - vjp and jvp

/// f(x) and its pullback: the vector-Jacobian product u ↦ uᵀ·∂f/∂x for cotangents u of the output's
/// shape (PyTorch's `torch.func.vjp`, JAX's `jax.vjp`). The pullback can be called many times.
///
///     let (y, pullback) = vjp({ $0.tanh() }, x)
///     let gx = pullback(Tensor.onesLike(y))
public func vjp(_ f: @escaping (Tensor) -> Tensor, _ x: Tensor) -> (output: Tensor, pullback: (Tensor) -> Tensor) {
    let r = Transforms.vjp({ (f($0[0]), ()) }, [x], argnums: [0], op: "vjp")
    let pullback = r.pullback
    return (r.output, { pullback($0)[0] })
}

/// `vjp` of a function that also returns an auxiliary value.
///
///     let (y, pullback, aux) = vjp(hasAux: { x in (x.exp(), x.max()) }, x)
public func vjp<Aux>(hasAux f: @escaping (Tensor) -> (Tensor, Aux), _ x: Tensor) -> (output: Tensor, pullback: (Tensor) -> Tensor, aux: Aux) {
    let r = Transforms.vjp({ f($0[0]) }, [x], argnums: [0], op: "vjp")
    let pullback = r.pullback
    return (r.output, { pullback($0)[0] }, r.aux)
}

/// `vjp` of a function of a list of tensors: the pullback returns one gradient per argument in
/// `argnums` (default: all, as PyTorch's vjp).
///
///     let (y, pullback) = vjp({ xs in xs[0].matmul(xs[1]) }, [a, b])
///     let (ga, gb) = (pullback(u)[0], pullback(u)[1])
public func vjp(_ f: @escaping ([Tensor]) -> Tensor, _ xs: [Tensor], argnums: [Int]? = nil) -> (output: Tensor, pullback: ([Tensor]) -> [Tensor]) {
    let r = Transforms.vjp({ (f($0), ()) }, xs, argnums: argnums ?? Array(xs.indices), op: "vjp")
    let pullback = r.pullback
    return (r.output, { u in
        check(u.count == 1, "vjp: give one cotangent (for the one output), got \(u.count)")
        return pullback(u[0])
    })
}

/// `vjp` of a function of a list of tensors that also returns an auxiliary value.
///
///     let (y, pullback, aux) = vjp(hasAux: { xs in (xs[0] * xs[1], 1) }, [a, b])
public func vjp<Aux>(hasAux f: @escaping ([Tensor]) -> (Tensor, Aux), _ xs: [Tensor], argnums: [Int]? = nil)
    -> (output: Tensor, pullback: ([Tensor]) -> [Tensor], aux: Aux) {
    let r = Transforms.vjp(f, xs, argnums: argnums ?? Array(xs.indices), op: "vjp")
    let pullback = r.pullback
    return (r.output, { u in
        check(u.count == 1, "vjp: give one cotangent (for the one output), got \(u.count)")
        return pullback(u[0])
    }, r.aux)
}

/// f(x) and the Jacobian-vector product ∂f/∂x · v, by forward-mode AD: one forward pass that carries
/// the tangent v (PyTorch's `torch.func.jvp`, JAX's `jax.jvp`).
///
///     let (y, dy) = jvp({ $0.sin() }, x, Tensor.onesLike(x))    // dy = cos(x)
public func jvp(_ f: @escaping (Tensor) -> Tensor, _ x: Tensor, _ v: Tensor) -> (output: Tensor, tangent: Tensor) {
    let r = Transforms.jvp({ (f($0[0]), ()) }, primals: [x], tangents: [v], argnums: [0], op: "jvp")
    return (r.output, r.tangent)
}

/// `jvp` of a function that also returns an auxiliary value.
///
///     let (y, dy, aux) = jvp(hasAux: { x in (x.exp(), "exp") }, x, v)
public func jvp<Aux>(hasAux f: @escaping (Tensor) -> (Tensor, Aux), _ x: Tensor, _ v: Tensor) -> (output: Tensor, tangent: Tensor, aux: Aux) {
    let r = Transforms.jvp({ f($0[0]) }, primals: [x], tangents: [v], argnums: [0], op: "jvp")
    return (r.output, r.tangent, r.aux)
}

/// `jvp` of a function of a list of tensors: one tangent per primal (or per argument in
/// `argnums`, the others held constant).
///
///     let (y, dy) = jvp({ xs in xs[0] * xs[1] }, [a, b], [da, db])    // dy = da·b + a·db
public func jvp(_ f: @escaping ([Tensor]) -> Tensor, _ primals: [Tensor], _ tangents: [Tensor], argnums: [Int]? = nil)
    -> (output: Tensor, tangent: Tensor) {
    let r = Transforms.jvp({ (f($0), ()) }, primals: primals, tangents: tangents, argnums: argnums ?? Array(primals.indices), op: "jvp")
    return (r.output, r.tangent)
}

/// `jvp` of a function of a list of tensors that also returns an auxiliary value.
///
///     let (y, dy, aux) = jvp(hasAux: { xs in (xs[0] * xs[1], 0) }, [a, b], [da, db])
public func jvp<Aux>(hasAux f: @escaping ([Tensor]) -> (Tensor, Aux), _ primals: [Tensor], _ tangents: [Tensor], argnums: [Int]? = nil)
    -> (output: Tensor, tangent: Tensor, aux: Aux) {
    let r = Transforms.jvp(f, primals: primals, tangents: tangents, argnums: argnums ?? Array(primals.indices), op: "jvp")
    return (r.output, r.tangent, r.aux)
}

/// f(x) and a function computing ∂f/∂x · v for any v at this x (PyTorch's `torch.func.linearize`,
/// JAX's `jax.linearize`). Each call of the returned function is one forward-mode pass (the primal
/// forward is recomputed with the tangent: there is no trace to replay).
///
///     let (y, jvpAt) = linearize({ $0.tanh() }, x)
///     let d1 = jvpAt(v1), d2 = jvpAt(v2)
public func linearize(_ f: @escaping (Tensor) -> Tensor, _ x: Tensor) -> (output: Tensor, jvp: (Tensor) -> Tensor) {
    let y = withNoGrad { f(x) }
    return (y, { v in Transforms.jvp({ (f($0[0]), ()) }, primals: [x], tangents: [v], argnums: [0], op: "linearize").tangent })
}

/// `linearize` of a function of a list of tensors: the returned function takes one tangent per primal.
///
///     let (y, jvpAt) = linearize({ xs in xs[0].matmul(xs[1]) }, [a, b])
///     let dy = jvpAt([da, db])
public func linearize(_ f: @escaping ([Tensor]) -> Tensor, _ primals: [Tensor]) -> (output: Tensor, jvp: ([Tensor]) -> Tensor) {
    let y = withNoGrad { f(primals) }
    return (y, { vs in
        Transforms.jvp({ (f($0), ()) }, primals: primals, tangents: vs, argnums: Array(primals.indices), op: "linearize").tangent
    })
}

// MARK: - Jacobians and the Hessian

/// The Jacobian ∂f/∂x by reverse mode, of shape f(x).shape + x.shape (PyTorch's `torch.func.jacrev`,
/// JAX's `jax.jacrev`): one backward pass per output element. Best when outputs are fewer than inputs.
///
///     let j = jacrev { x in x.softmax(axis: 0) }(x)      // [n, n]
public func jacrev(_ f: @escaping (Tensor) -> Tensor) -> (Tensor) -> Tensor {
    { x in Transforms.jacrev({ (f($0[0]), ()) }, [x], argnums: [0], op: "jacrev").0[0] }
}

/// `jacrev` of a function that also returns an auxiliary value.
///
///     let (j, aux) = jacrev(hasAux: { x in (x.exp(), x.sum()) })(x)
public func jacrev<Aux>(hasAux f: @escaping (Tensor) -> (Tensor, Aux)) -> (Tensor) -> (Tensor, Aux) {
    { x in
        let (j, aux) = Transforms.jacrev({ f($0[0]) }, [x], argnums: [0], op: "jacrev")
        return (j[0], aux)
    }
}

/// `jacrev` of a function of two tensors with respect to argument `argnums`.
///
///     let jw = jacrev({ w, x in x.matmul(w) }, argnums: 0)(w, x)
public func jacrev(_ f: @escaping (Tensor, Tensor) -> Tensor, argnums: Int = 0) -> (Tensor, Tensor) -> Tensor {
    { a, b in Transforms.jacrev({ (f($0[0], $0[1]), ()) }, [a, b], argnums: [argnums], op: "jacrev").0[0] }
}

/// `jacrev` of a function of two tensors with respect to the arguments in `argnums`.
///
///     let js = jacrev({ w, x in x.matmul(w) }, argnums: [0, 1])(w, x)
public func jacrev(_ f: @escaping (Tensor, Tensor) -> Tensor, argnums: [Int]) -> (Tensor, Tensor) -> [Tensor] {
    { a, b in Transforms.jacrev({ (f($0[0], $0[1]), ()) }, [a, b], argnums: argnums, op: "jacrev").0 }
}

/// `jacrev` of a function of a list of tensors with respect to `xs[argnums]`.
///
///     let js = jacrev({ xs in xs[0] * xs[1] }, argnums: [0, 1])([a, b])
public func jacrev(_ f: @escaping ([Tensor]) -> Tensor, argnums: [Int] = [0]) -> ([Tensor]) -> [Tensor] {
    { xs in Transforms.jacrev({ (f($0), ()) }, xs, argnums: argnums, op: "jacrev").0 }
}

/// `jacrev` of a function of a list of tensors that also returns an auxiliary value.
///
///     let (js, aux) = jacrev(hasAux: { xs in (xs[0] * xs[1], 0) }, argnums: [0])([a, b])
public func jacrev<Aux>(hasAux f: @escaping ([Tensor]) -> (Tensor, Aux), argnums: [Int] = [0]) -> ([Tensor]) -> ([Tensor], Aux) {
    { xs in Transforms.jacrev(f, xs, argnums: argnums, op: "jacrev") }
}

/// The Jacobian ∂f/∂x by forward mode, of shape f(x).shape + x.shape (PyTorch's
/// `torch.func.jacfwd`, JAX's `jax.jacfwd`): one forward pass with a tangent per input element.
/// Best when inputs are fewer than outputs.
///
///     let j = jacfwd { x in x.exp() }(x)      // diag(exp x)
public func jacfwd(_ f: @escaping (Tensor) -> Tensor) -> (Tensor) -> Tensor {
    { x in Transforms.jacfwd({ (f($0[0]), ()) }, [x], argnums: [0], op: "jacfwd").0[0] }
}

/// `jacfwd` of a function that also returns an auxiliary value.
///
///     let (j, aux) = jacfwd(hasAux: { x in (x.exp(), 1) })(x)
public func jacfwd<Aux>(hasAux f: @escaping (Tensor) -> (Tensor, Aux)) -> (Tensor) -> (Tensor, Aux) {
    { x in
        let (j, aux) = Transforms.jacfwd({ f($0[0]) }, [x], argnums: [0], op: "jacfwd")
        return (j[0], aux)
    }
}

/// `jacfwd` of a function of two tensors with respect to argument `argnums`.
///
///     let jx = jacfwd({ w, x in x.matmul(w) }, argnums: 1)(w, x)
public func jacfwd(_ f: @escaping (Tensor, Tensor) -> Tensor, argnums: Int = 0) -> (Tensor, Tensor) -> Tensor {
    { a, b in Transforms.jacfwd({ (f($0[0], $0[1]), ()) }, [a, b], argnums: [argnums], op: "jacfwd").0[0] }
}

/// `jacfwd` of a function of two tensors with respect to the arguments in `argnums`.
///
///     let js = jacfwd({ w, x in x.matmul(w) }, argnums: [0, 1])(w, x)
public func jacfwd(_ f: @escaping (Tensor, Tensor) -> Tensor, argnums: [Int]) -> (Tensor, Tensor) -> [Tensor] {
    { a, b in Transforms.jacfwd({ (f($0[0], $0[1]), ()) }, [a, b], argnums: argnums, op: "jacfwd").0 }
}

/// `jacfwd` of a function of a list of tensors with respect to `xs[argnums]`.
///
///     let js = jacfwd({ xs in xs[0] * xs[1] }, argnums: [1])([a, b])
public func jacfwd(_ f: @escaping ([Tensor]) -> Tensor, argnums: [Int] = [0]) -> ([Tensor]) -> [Tensor] {
    { xs in Transforms.jacfwd({ (f($0), ()) }, xs, argnums: argnums, op: "jacfwd").0 }
}

/// `jacfwd` of a function of a list of tensors that also returns an auxiliary value.
///
///     let (js, aux) = jacfwd(hasAux: { xs in (xs[0] * xs[1], 0) }, argnums: [0])([a, b])
public func jacfwd<Aux>(hasAux f: @escaping ([Tensor]) -> (Tensor, Aux), argnums: [Int] = [0]) -> ([Tensor]) -> ([Tensor], Aux) {
    { xs in Transforms.jacfwd(f, xs, argnums: argnums, op: "jacfwd") }
}

/// The Hessian of f, of shape f(x).shape + x.shape + x.shape, computed forward over reverse
/// (`jacfwd(jacrev(f))`, as PyTorch's `torch.func.hessian` and JAX's `jax.hessian`).
///
///     let h = hessian { x in (x * x * x).sum() }(x)     // diag(6x)
public func hessian(_ f: @escaping (Tensor) -> Tensor) -> (Tensor) -> Tensor {
    jacfwd(jacrev(f))
}

/// The Hessian of a function of two tensors with respect to argument `argnums`.
///
///     let hw = hessian({ w, x in x.matmul(w).tanh().sum() }, argnums: 0)(w, x)
public func hessian(_ f: @escaping (Tensor, Tensor) -> Tensor, argnums: Int = 0) -> (Tensor, Tensor) -> Tensor {
    jacfwd(jacrev(f, argnums: argnums), argnums: argnums)
}

/// The Hessian of a function of a list of tensors with respect to `xs[argnums]`.
///
///     let h = hessian({ xs in (xs[0] * xs[1]).square().sum() }, argnums: 1)([a, b])
public func hessian(_ f: @escaping ([Tensor]) -> Tensor, argnums: Int = 0) -> ([Tensor]) -> Tensor {
    let inner: ([Tensor]) -> Tensor = { xs in Transforms.jacrev({ (f($0), ()) }, xs, argnums: [argnums], op: "hessian").0[0] }
    return { xs in Transforms.jacfwd({ (inner($0), ()) }, xs, argnums: [argnums], op: "hessian").0[0] }
}
