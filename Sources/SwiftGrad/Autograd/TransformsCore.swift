// The engines behind the function transforms (Autograd/Transforms.swift): each works on a
// function of a list of tensors returning one tensor and an auxiliary value; the public overloads
// (one tensor, two tensors, a list; with or without aux) wrap these.

enum Transforms {
    /// Validated argument positions: in range and without repeats.
    static func checkArgnums(_ argnums: [Int], count: Int, op: String) -> [Int] {
        check(!argnums.isEmpty, "\(op): argnums is empty; name at least one argument to differentiate")
        let norm = argnums.map { $0 < 0 ? $0 + count : $0 }
        check(norm.allSatisfy { $0 >= 0 && $0 < count }, "\(op): argnums \(argnums) out of range for a function of \(count) tensors")
        check(Set(norm).count == norm.count, "\(op): argnums \(argnums) repeats an argument")
        return norm
    }

    /// A fresh input that requires grad and stands for `x`: a recorded identity of `x` when `x`
    /// already requires grad (so an outer transform differentiates through it), else a new leaf
    /// sharing `x`'s storage. Either way it carries `x`'s forward tangent (forward over reverse).
    static func differentiable(_ x: Tensor, op: String) -> Tensor {
        check(x.dtype.isFloatingPoint, "\(op): can only differentiate float tensors, got \(x.dtype) of shape \(x.shape)")
        // A batched tensor of vmap reaching a transform without a batching rule (vjp, jacrev,
        // jacfwd, hessian inside vmap): the vmap falls back to its per-sample loop.
        let batched = Vmap.level(x) != 0
        if batched { Vmap.noteFallback(op, [x]) }
        let alias = x.makeView(shape: x.shape, strides: x.explicitStrides, offset: x.storageOffset)
        if x.requiresGrad && GradMode.isEnabled {
            let inShape = x.shape
            return alias.recorded(.reshape, x) { g, _ in [g.reshape(inShape)] } forward: { f in f.tangent }
        }
        alias.dual = batched ? nil : x.dual
        alias.leafRequiresGrad = true
        return alias
    }

    /// The value handed back to the caller: without its graph unless the gradients keep one, with
    /// its forward tangent (so an enclosing jvp still sees it).
    static func released(_ y: Tensor, keepGraph: Bool) -> Tensor {
        if keepGraph { return y }
        let d = y.detach()
        d.dual = y.dual
        return d
    }

    /// Gradients of the scalar `f(xs).0` with respect to `xs[argnums]`, the value and the aux.
    static func gradAndValue<Aux>(_ f: ([Tensor]) -> (Tensor, Aux), _ xs: [Tensor], argnums: [Int], op: String)
        -> (grads: [Tensor], value: Tensor, aux: Aux) {
        // Inside vmap: per-sample gradients by one batched backward (Autograd/VmapGrad.swift).
        let vmapLevel = Vmap.activeLevel(xs)
        if vmapLevel != 0 { return Vmap.gradAndValue(f, xs, argnums: argnums, op: op, level: vmapLevel) }
        let which = checkArgnums(argnums, count: xs.count, op: op)
        // Differentiable results when an argument takes part in an outer graph (nested transforms).
        let createGraph = GradMode.isEnabled && xs.contains { $0.requiresGrad }
        var inputs = xs
        for i in which { inputs[i] = differentiable(xs[i], op: op) }
        let (y, aux) = withGrad { f(inputs) }
        check(y.count == 1, "\(op): the function must return a single-element tensor, got shape \(y.shape); use jacrev or vjp for other outputs")
        check(y.dtype.isFloatingPoint, "\(op): the function returned a \(y.dtype) tensor; only float outputs have gradients")
        let targets = which.map { inputs[$0] }
        let gs = y.requiresGrad ? withGrad { grad(of: y, wrt: targets, createGraph: createGraph) } : targets.map { _ in nil }
        let grads = zip(gs, targets).map { g, x in g ?? Tensor.zerosLike(x) }
        return (grads, released(y, keepGraph: createGraph), aux)
    }

    /// The output of `f(xs)`, a pullback from a cotangent of the output's shape to one gradient per
    /// argument in `argnums`, and the aux.
    static func vjp<Aux>(_ f: ([Tensor]) -> (Tensor, Aux), _ xs: [Tensor], argnums: [Int], op: String)
        -> (output: Tensor, pullback: (Tensor) -> [Tensor], aux: Aux) {
        let which = checkArgnums(argnums, count: xs.count, op: op)
        let createGraph = GradMode.isEnabled && xs.contains { $0.requiresGrad }
        var inputs = xs
        for i in which { inputs[i] = differentiable(xs[i], op: op) }
        let (y, aux) = withGrad { f(inputs) }
        let targets = which.map { inputs[$0] }
        let pullback: (Tensor) -> [Tensor] = { cotangent in
            check(cotangent.shape == y.shape, "\(op): the cotangent has shape \(cotangent.shape); the output has shape \(y.shape)")
            guard y.requiresGrad else { return targets.map { Tensor.zerosLike($0) } }
            let gs = grad(of: y, wrt: targets, gradient: cotangent, retainGraph: true, createGraph: createGraph)
            return zip(gs, targets).map { g, x in g ?? Tensor.zerosLike(x) }
        }
        return (released(y, keepGraph: true), pullback, aux)
    }

    /// f(primals) and its directional derivative along `tangents` (one per argument in `argnums`),
    /// by forward-mode AD: one forward pass that carries the tangents.
    static func jvp<Aux>(_ f: ([Tensor]) -> (Tensor, Aux), primals: [Tensor], tangents: [Tensor], argnums: [Int], op: String)
        -> (output: Tensor, tangent: Tensor, aux: Aux) {
        let which = checkArgnums(argnums, count: primals.count, op: op)
        check(tangents.count == which.count, "\(op): \(tangents.count) tangents for \(which.count) differentiated arguments")
        for (i, t) in zip(which, tangents) {
            check(t.shape == primals[i].shape, "\(op): tangent of shape \(t.shape) for argument \(i) of shape \(primals[i].shape)")
        }
        return ForwardAD.withDualLevel {
            var inputs = primals
            for (i, t) in zip(which, tangents) { inputs[i] = ForwardAD.makeDual(primals[i], tangent: t) }
            let (y, aux) = f(inputs)
            check(y.dtype.isFloatingPoint, "\(op): the function returned a \(y.dtype) tensor; only float outputs have tangents")
            let (primal, tangent) = ForwardAD.unpackDual(y)
            return (primal, tangent ?? Tensor.zerosLike(y), aux)
        }
    }

    /// The Jacobian of `f` with respect to each argument in `argnums` (shape output + argument),
    /// by reverse mode: one backward pass per output element through one recorded graph.
    static func jacrev<Aux>(_ f: ([Tensor]) -> (Tensor, Aux), _ xs: [Tensor], argnums: [Int], op: String) -> ([Tensor], Aux) {
        let (y, pullback, aux) = vjp(f, xs, argnums: argnums, op: op)
        let which = checkArgnums(argnums, count: xs.count, op: op)
        var rows: [[Tensor]] = which.map { _ in [] }
        for k in 0..<y.count {
            let onehot = Tensor.zeros([y.count], dtype: y.dtype)
            onehot.setScalar(1, at: k)
            for (j, g) in pullback(onehot.reshape(y.shape)).enumerated() { rows[j].append(g) }
        }
        let jacobians = which.enumerated().map { j, i -> Tensor in
            let x = xs[i]
            if y.count == 0 { return Tensor.zeros(y.shape + x.shape, dtype: y.dtype) }
            return Tensor.stack(rows[j], axis: 0).reshape(y.shape + x.shape)
        }
        return (jacobians, aux)
    }

    /// The Jacobian of `f` with respect to each argument in `argnums` (shape output + argument),
    /// by forward mode: one forward pass with a tangent per input element.
    static func jacfwd<Aux>(_ f: ([Tensor]) -> (Tensor, Aux), _ xs: [Tensor], argnums: [Int], op: String) -> ([Tensor], Aux) {
        let which = checkArgnums(argnums, count: xs.count, op: op)
        var aux: Aux? = nil
        var outShape: [Int]? = nil
        var jacobians: [Tensor] = []
        for i in which {
            let x = xs[i]
            var columns: [Tensor] = []
            for e in 0..<x.count {
                let basis = Tensor.zeros([x.count], dtype: x.dtype)
                basis.setScalar(1, at: e)
                let (y, t, a) = jvp(f, primals: xs, tangents: [basis.reshape(x.shape)], argnums: [i], op: op)
                if aux == nil { aux = a }
                outShape = y.shape
                columns.append(t)
            }
            if columns.isEmpty {
                // No input elements: the function still runs once for its output's shape (and aux).
                let (y, a) = withNoGrad { f(xs) }
                if aux == nil { aux = a }
                jacobians.append(Tensor.zeros(y.shape + x.shape, dtype: y.dtype))
            } else {
                jacobians.append(Tensor.stack(columns, axis: -1).reshape(outShape! + x.shape))
            }
        }
        return (jacobians, aux!)
    }
}
