import Synchronization

extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf that requires grad, adding it
    /// into each leaf's `grad`.
    ///
    ///     let loss = (w * x).sum()
    ///     loss.backward()                 // w.grad now holds x
    ///
    /// - Parameters:
    ///   - gradient: d(loss)/d(self). Optional for a single-element tensor (ones); required otherwise.
    ///   - retainGraph: keep saved values so backward can run through this graph again.
    ///   - createGraph: record the backward pass itself, so gradients can be differentiated (double
    ///     backward). Implies `retainGraph`.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false) {
        runBackward(gradient: gradient, retainGraph: retainGraph, createGraph: createGraph, onlyInto: nil)
    }

    /// The engine entry point. `onlyInto`, when given, lists the tensors whose `.grad` may be written
    /// (`grad(of:wrt:)`); every other leaf is left untouched.
    func runBackward(gradient: Tensor?, retainGraph: Bool, createGraph: Bool, onlyInto: Set<ObjectIdentifier>?) {
        check(dtype.isFloatingPoint, "backward: called on a \(dtype) tensor of shape \(shape); only float tensors have gradients")
        check(Vmap.level(self) == 0, "backward: called on a tensor of shape \(shape) batched by vmap; use grad(f) inside vmap for per-sample gradients (torch.func: backward inside vmap is not supported either)")
        let seed: Tensor
        if let g = gradient {
            check(g.shape == shape, "backward: gradient of shape \(g.shape) does not match the tensor's shape \(shape)")
            seed = g.dtype == dtype ? g : g.to(dtype)
        } else {
            check(count == 1, "backward: grad can be implicitly created only for a single-element tensor, but this tensor has shape \(shape); pass backward(gradient:)")
            seed = Tensor.ones(shape, dtype: dtype)
        }
        guard let root = node else {
            check(leafRequiresGrad, "backward: the tensor of shape \(shape) does not require grad and has no graph (was it made inside withNoGrad, or from tensors that do not require grad?)")
            var g = leafGradHooks.isEmpty ? seed : runLeafGradHooks(seed)
            if onlyInto?.contains(ObjectIdentifier(self)) ?? true {
                Engine.pass { Engine.accumulateLeaf(self, &g, createGraph: createGraph) }
            }
            return
        }
        Engine.pass { Engine.run(root: root, seed: seed, retainGraph: retainGraph || createGraph, createGraph: createGraph, onlyInto: onlyInto) }
    }
}

/// Computes gradients of `outputs` with respect to `inputs` and returns them, without touching `.grad`
/// (PyTorch's `torch.autograd.grad`). With `createGraph` the results are differentiable. A root that
/// is not a single element needs `gradient` (`grad_outputs`), of the root's shape: the result is then
/// the vector-Jacobian product. `retainGraph` keeps the graph for another pass.
///
///     let dy = grad(of: y, wrt: [x], createGraph: true)[0]!
///     let vjp = grad(of: z, wrt: [x], gradient: Tensor.ones(z.shape), retainGraph: true)[0]!
public func grad(of output: Tensor, wrt inputs: [Tensor], gradient: Tensor? = nil,
                 retainGraph: Bool = false, createGraph: Bool = false) -> [Tensor?] {
    // Run backward into fresh .grad slots, then restore the user's gradients.
    let saved = inputs.map { $0.grad }
    for x in inputs { x.grad = nil }
    var hooked: [Tensor] = []
    // Non-leaf inputs: capture the gradient that reaches their node.
    for x in inputs where x.node != nil { x.node!.captureFor = x; hooked.append(x) }
    // Only the requested tensors receive gradients: other leaves' .grad stay as they were.
    output.runBackward(gradient: gradient, retainGraph: retainGraph, createGraph: createGraph,
                       onlyInto: Set(inputs.map { ObjectIdentifier($0) }))
    let result = inputs.map { $0.grad }
    for (x, g) in zip(inputs, saved) { x.grad = g }
    for x in hooked { x.node?.captureFor = nil }
    return result
}

/// Queues `body` to run once, in no-grad mode, when the backward pass now running on this thread
/// has finished with every gradient accumulated (PyTorch's `Engine.queue_callback`). Gradient hooks
/// use it to finish work they started, such as data-parallel gradient communication.
///
///     w.registerPostAccumulateGradHook { _ in queueBackwardCallback { print("backward done") } }
public func queueBackwardCallback(_ body: @escaping () -> Void) {
    let ctx = ThreadContext.current
    check(ctx.backwardDepth > 0, "queueBackwardCallback: no backward pass is running on this thread")
    ctx.backwardCallbacks.append(body)
}

enum Engine {
    /// Runs one backward pass; when the outermost pass ends, runs the queued callbacks.
    static func pass(_ body: () -> Void) {
        let ctx = ThreadContext.current
        ctx.backwardDepth += 1
        body()
        ctx.backwardDepth -= 1
        guard ctx.backwardDepth == 0, !ctx.backwardCallbacks.isEmpty else { return }
        let oldMode = ctx.gradEnabled
        ctx.gradEnabled = false
        defer { ctx.gradEnabled = oldMode }
        // A callback may queue another one; run until the queue is empty.
        while !ctx.backwardCallbacks.isEmpty {
            let callbacks = ctx.backwardCallbacks
            ctx.backwardCallbacks = []
            for callback in callbacks { callback() }
        }
    }

    static func run(root: Node, seed: Tensor, retainGraph: Bool, createGraph: Bool, onlyInto: Set<ObjectIdentifier>? = nil) {
        var order = topologicalOrder(root)
        // grad(of:wrt:): only the nodes that lead to a requested tensor run, and gradients go to
        // no other node (as PyTorch's engine). A pass nested in a running one (forward mode's
        // fallback inside a backward, a backward closure calling `grad`) then never touches the
        // outer pass's nodes: their pending gradients, captures and saved values stay its own.
        var members: Set<ObjectIdentifier>? = nil
        if let onlyInto { (order, members) = nodesLeadingTo(onlyInto, order) }
        if order.first === root { root.pendingGrad = seed }
        let ctx = ThreadContext.current
        let oldMode = ctx.gradEnabled
        ctx.gradEnabled = createGraph
        defer { ctx.gradEnabled = oldMode }
        // Inside a forward-AD dual level, gradients may carry tangents (forward over reverse:
        // hessian), so they are combined with out-of-place ops, as under createGraph.
        let functional = createGraph || ctx.forwardActive
        // The profiler (Profiler/ProfilerHooks.swift): nil unless this thread is profiled.
        let profile = Profiler.backwardScope()
        let passStart = profile?.beginPass() ?? 0
        defer { if let profile { profile.endPass(started: passStart) } }
        // Leaves with gradient hooks: their contributions of this pass, summed, then hooked once.
        var hookedLeaves: [(leaf: Tensor, grad: Tensor)] = []
        for node in order {
            guard var g = node.pendingGrad else {
                if !retainGraph { node.release() }
                continue
            }
            let nodeStart = profile?.begin(node) ?? 0
            defer { if let profile { profile.end(node, started: nodeStart) } }
            node.pendingGrad = nil
            // Hooks, checkpoint frames, gradient captures and scatter backwards live in `extras`:
            // a plain node takes this one branch.
            if let extras = node.extras {
                if let hooks = extras.gradHooks { g = hooks.apply(g, shape: node.outputShape, createGraph: functional) }
                // A node of a checkpointed block: run the block again to refill what it dropped.
                if let frame = extras.checkpoint, !frame.materialized { frame.materialize() }
                if let target = extras.captureFor, onlyInto?.contains(ObjectIdentifier(target)) == true {
                    var gc = g
                    accumulateLeaf(target, &gc, createGraph: functional)
                }
            }
            if !functional, node.extras != nil, let scatter = node.scatterInto, node.backwardFn != nil,
               node.inputs[0].leafGradHooks.isEmpty || node.edge(0) != nil {
                let input = node.inputs[0]
                if node.inputNeedsGrad(0) {
                    if let next = node.edge(0) {
                        if members?.contains(ObjectIdentifier(next)) ?? true {
                            scatter(g, withPendingGrad(next) { ownedBuffer(&$0, like: input) })
                        }
                    } else if onlyInto?.contains(ObjectIdentifier(input)) ?? true {
                        scatter(g, ownedBuffer(&input.grad, like: input))
                        for hook in input.postAccumulateHooks { hook(input) }
                    }
                }
                if !retainGraph { node.release() }
                continue
            }
            guard let fn = node.backwardFn else {
                fatalError("backward: trying to backward through the graph a second time (op '\(node.op)'); its saved values were freed by the first backward. Pass retainGraph: true to the first call")
            }
            var grads = fn(g, BackwardContext(node: node))
            check(grads.count == node.inputs.count, "backward of '\(node.op)': returned \(grads.count) gradients for \(node.inputs.count) inputs")
            if ctx.anomalyEnabled { Anomaly.checkBackward(node: node, grads: grads, ctx: ctx) }
            for i in 0..<grads.count {
                guard var gi = grads[i] else { continue }
                grads[i] = nil
                let input = node.inputs[i]
                let next = node.edge(i)
                guard next != nil || input.leafRequiresGrad else { continue }   // needs no gradient
                if let next, let members, !members.contains(ObjectIdentifier(next)) { continue }   // leads to no requested tensor
                // The one place where broadcast gradients are summed back to the input's shape.
                if gi.shape != input.shape { gi = gi.sumToShape(input.shape) }
                if gi.dtype != input.dtype { gi = gi.to(input.dtype) }
                check(gi.shape == input.shape, "backward of '\(node.op)': gradient shape \(gi.shape) does not match input \(i) shape \(input.shape)")
                if let next {
                    withPendingGrad(next) { accumulate(&$0, &gi, createGraph: functional) }
                } else if onlyInto?.contains(ObjectIdentifier(input)) ?? true {
                    if input.leafGradHooks.isEmpty {
                        accumulateLeaf(input, &gi, createGraph: functional)
                    } else if let k = hookedLeaves.firstIndex(where: { $0.leaf === input }) {
                        hookedLeaves[k].grad = hookedLeaves[k].grad + gi
                    } else {
                        hookedLeaves.append((input, gi))
                    }
                }
            }
            if !retainGraph { node.release() }
        }
        for (leaf, sum) in hookedLeaves {
            var g = leaf.runLeafGradHooks(sum)
            accumulateLeaf(leaf, &g, createGraph: functional)
        }
    }

    /// Nodes reachable from `root` whose outputs need gradients, outputs before inputs.
    /// Iterative depth-first search: deep graphs (long RNN unrolls, million-op chains) never recurse.
    static func topologicalOrder(_ root: Node) -> [Node] {
        let mark = visitEpoch.wrappingAdd(1, ordering: .relaxed).newValue
        var post: [Node] = []
        var stack: [(Node, Int)] = [(root, 0)]
        root.visitMark = mark
        while let (node, next) = stack.last {
            if node.released && node.backwardFn == nil {
                fatalError("backward: trying to backward through the graph a second time (op '\(node.op)'); its saved values were freed by the first backward. Pass retainGraph: true to the first call")
            }
            var i = next
            var pushed = false
            while i < node.inputs.count {
                let child = node.edge(i)
                i += 1
                if let child, child.visitMark != mark {
                    child.visitMark = mark
                    stack[stack.count - 1].1 = i
                    stack.append((child, 0))
                    pushed = true
                    break
                }
            }
            if !pushed {
                stack.removeLast()
                post.append(node)
            }
        }
        post.reverse()
        return post
    }

    /// `body(&node.pendingGrad)`, with the gradient moved out of the node and back: accesses to
    /// the property stay instantaneous (an inout access spanning a call would make the optimizer
    /// check every access to `pendingGrad` dynamically), and the moved-out tensor is still
    /// uniquely referenced, so `accumulate` and `ownedBuffer` can still update it in place.
    @inline(__always)
    static func withPendingGrad<R>(_ node: Node, _ body: (inout Tensor?) -> R) -> R {
        var slot = node.pendingGrad
        node.pendingGrad = nil
        defer { node.pendingGrad = slot }
        return body(&slot)
    }

    /// Each pass takes a fresh mark, so nodes never need their marks reset.
    static let visitEpoch = Atomic<Int>(0)

    /// The nodes of `order` (outputs before inputs) from which a tensor in `onlyInto` is reached:
    /// a leaf input in it, or a node capturing one (`grad(of:wrt:)` of a non-leaf), in that order,
    /// and the same nodes as a set.
    static func nodesLeadingTo(_ onlyInto: Set<ObjectIdentifier>, _ order: [Node]) -> ([Node], Set<ObjectIdentifier>) {
        var members = Set<ObjectIdentifier>()
        // Inputs before outputs, so each node's inputs are decided before it.
        for node in order.reversed() {
            var leads = node.captureFor.map { onlyInto.contains(ObjectIdentifier($0)) } ?? false
            var i = 0
            while !leads && i < node.inputs.count {
                if let child = node.edge(i) {
                    leads = members.contains(ObjectIdentifier(child))
                } else {
                    let input = node.inputs[i]
                    leads = input.leafRequiresGrad && onlyInto.contains(ObjectIdentifier(input))
                }
                i += 1
            }
            if leads { members.insert(ObjectIdentifier(node)) }
        }
        return (order.filter { members.contains(ObjectIdentifier($0)) }, members)
    }

    /// The gradient buffer in `slot`, made exclusively ours (zeros if empty, a detached copy if it is
    /// shared or part of a graph) so it can be written in place.
    static func ownedBuffer(_ slot: inout Tensor?, like input: Tensor) -> Tensor {
        if var t = slot {
            slot = nil
            // Scatters write through contiguous strides: a view (say, a permuted gradient) is copied.
            if t.node == nil && t.isContiguous && isKnownUniquelyReferenced(&t) && isKnownUniquelyReferenced(&t.storage) {
                t.bumpVersion()   // about to be written in place: anything keyed by version (packed weights) is stale
                slot = t
                return t
            }
            let c = withNoGrad { t.copy() }
            slot = c
            return c
        }
        let z = Tensor.zeros(input.shape, dtype: input.dtype)
        slot = z
        return z
    }

    /// `slot += g`, in place when `slot` is owned by nobody else and no graph is being recorded.
    @inline(__always)
    static func accumulate(_ slot: inout Tensor?, _ g: inout Tensor, createGraph: Bool) {
        guard var existing = slot else { slot = g; return }
        slot = nil
        if !createGraph && existing.isContiguous && isKnownUniquelyReferenced(&existing) && isKnownUniquelyReferenced(&existing.storage) {
            existing.addInPlaceUnchecked(g)
            slot = existing
        } else {
            slot = existing + g
        }
    }

    /// Adds `g` into `leaf.grad`. A gradient tensor that may be shared is copied first, so later
    /// in-place updates (accumulation, clipping, optimizers) never write into another tensor.
    static func accumulateLeaf(_ leaf: Tensor, _ g: inout Tensor, createGraph: Bool) {
        defer { for hook in leaf.postAccumulateHooks { hook(leaf) } }
        if let existing = leaf.grad {
            if createGraph || existing.requiresGrad || !existing.isContiguous {
                leaf.grad = existing + g
            } else {
                existing.addInPlaceUnchecked(g)
            }
        } else {
            if createGraph && (g.requiresGrad || g.dual != nil) {
                leaf.grad = g     // differentiable gradient (or one with a tangent): keep it
            } else if g.node == nil && g.isContiguous && isKnownUniquelyReferenced(&g) && isKnownUniquelyReferenced(&g.storage) {
                leaf.grad = g     // nobody else holds it: take it without a copy
            } else {
                leaf.grad = g.copy()
            }
        }
    }
}
