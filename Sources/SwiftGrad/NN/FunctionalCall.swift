// functionalCall: a module run with parameters and buffers given by name instead of its own,
// without changing it (PyTorch's torch.func.functional_call): meta-learning, ensembles, and the
// function transforms over a model's weights.
//
// How: a parameter is a `let` Tensor object that the module's forward reads, so for the duration
// of the call that object stands in for the given tensor: it takes the given tensor's storage, a
// graph node that is an identity of the given tensor, and its forward tangent. The parameter's
// node history gains one entry during the call, so every node recorded meanwhile remembers that
// generation; afterwards those nodes (the graph of the returned output) are re-pointed at a
// stand-in tensor that keeps the given values and node, and the parameter gets its own state back.

/// Runs `module` on `input` with `parameters` (and `buffers`) in place of the ones of the same
/// names, leaving the module unchanged. The output is differentiable with respect to the given
/// tensors (reverse and forward mode). Names the module does not have are an error; parameters
/// and buffers not given keep the module's own.
///
///     let params = model.namedParameters().reduce(into: [:]) { $0[$1.0] = $1.1 * 0.5 }
///     let y = functionalCall(model, parameters: params, x)
public func functionalCall(_ module: Module, parameters: [String: Tensor], buffers: [String: Tensor] = [:], _ input: Tensor) -> Tensor {
    functionalCall(module, parameters: parameters, buffers: buffers) { $0(input) }
}

/// `functionalCall` for a call of any shape: `body` receives the module, typed as given (with the
/// given parameters and buffers in place), and returns the output.
///
///     let y = functionalCall(attention, parameters: p) { m in m(query: q, key: k, value: v).output }
///     let loss = functionalCall(bilinear, parameters: p) { m in m(x1, x2).sum() }
public func functionalCall<M: ModuleBase>(_ module: M, parameters: [String: Tensor], buffers: [String: Tensor] = [:],
                                          _ body: (M) -> Tensor) -> Tensor {
    let ownParameters = Dictionary(module.namedParameters(), uniquingKeysWith: { first, _ in first })
    let ownBuffers = Dictionary(module.namedBufferObjects(), uniquingKeysWith: { first, _ in first })
    for name in parameters.keys.sorted() where ownParameters[name] == nil {
        checkFailure("functionalCall: \(module.typeName) has no parameter '\(name)' (it has \(ownParameters.keys.sorted()))")
    }
    for name in buffers.keys.sorted() where ownBuffers[name] == nil {
        checkFailure("functionalCall: \(module.typeName) has no buffer '\(name)' (it has \(ownBuffers.keys.sorted()))")
    }
    var swaps: [ObjectIdentifier: ParameterSwap] = [:]
    for (name, given) in parameters.sorted(by: { $0.key < $1.key }) {
        let p = ownParameters[name]!
        check(given.shape == p.shape && given.dtype == p.dtype,
              "functionalCall: parameter '\(name)' is \(p.dtype) of shape \(p.shape); the given tensor is \(given.dtype) of shape \(given.shape)")
        check(p.isContiguous && p.storageOffset == 0 && p.viewBase == nil,
              "functionalCall: parameter '\(name)' of shape \(p.shape) is a view; only parameters with their own storage can be replaced")
        guard swaps[ObjectIdentifier(p)] == nil else { continue }   // one tensor under two names (tied weights)
        swaps[ObjectIdentifier(p)] = ParameterSwap(parameter: p, given: given)
    }
    var oldBuffers: [(Buffer, Tensor)] = []
    for (name, given) in buffers.sorted(by: { $0.key < $1.key }) {
        let b = ownBuffers[name]!
        oldBuffers.append((b, b.value))
        b.value = given
    }
    let output = body(module)
    ParameterSwap.repoint(from: output, swaps)
    for s in swaps.values { s.restore() }
    for (b, old) in oldBuffers { b.value = old }
    return output
}

/// One parameter standing in for a given tensor during a `functionalCall`.
final class ParameterSwap {
    let parameter: Tensor
    /// What the parameter is during the call: the given values (contiguous), an identity node of
    /// the given tensor and its tangent. Nodes recorded during the call end up pointing at it.
    let standIn: Tensor
    /// The parameter's generation during the call (its node history count then).
    let generation: Int
    private let oldStorage: Storage, oldNode: Node?, oldHistory: [Node?], oldLeaf: Bool, oldDual: Dual?

    init(parameter p: Tensor, given: Tensor) {
        parameter = p
        let source = given.isContiguous && given.storageOffset == 0 ? given : given.copy()
        let inShape = source.shape
        standIn = Tensor(storage: source.storage, shape: source.shape, dtype: source.dtype)
            .recorded(.reshape, source) { g, _ in [g.reshape(inShape)] } forward: { f in f.tangent }
        oldStorage = p.storage; oldNode = p.storedNode; oldHistory = p.nodeHistory
        oldLeaf = p.leafRequiresGrad; oldDual = p.dual
        p.appendNodeHistory(p.storedNode)   // never an in-place append: see appendNodeHistory
        generation = p.nodeHistory.count
        p.storage = standIn.storage
        p.storedNode = standIn.storedNode
        p.leafRequiresGrad = false
        p.dual = standIn.dual
    }

    func restore() {
        parameter.storage = oldStorage
        parameter.storedNode = oldNode
        parameter.nodeHistory = oldHistory
        parameter.leafRequiresGrad = oldLeaf
        parameter.dual = oldDual
    }

    /// Re-points every node of `output`'s graph that was recorded during the call with a swapped
    /// parameter as input at that parameter's stand-in (iterative walk; it stops at the stand-ins).
    static func repoint(from output: Tensor, _ swaps: [ObjectIdentifier: ParameterSwap]) {
        guard !swaps.isEmpty, let root = output.node else { return }
        let standInNodes = Set(swaps.values.compactMap { $0.standIn.storedNode.map(ObjectIdentifier.init) })
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var stack = [root]
        while let node = stack.popLast() {
            // The node's inputs and generations are changed in locals and assigned back whole:
            // an in-place `node.inputs[i] = ...` would make the optimizer check every access to
            // `Node.inputs` dynamically (swift_beginAccess, on every edge of every backward pass).
            var inputs = node.inputs, generations = node.inputGenerations, changed = false
            for i in inputs.indices {
                let next = node.edge(i)
                if let s = swaps[ObjectIdentifier(inputs[i])], (generations?[i] ?? 0) == s.generation {
                    inputs[i] = s.standIn
                    if generations != nil { generations![i] = 0 }
                    changed = true
                }
                if let next, !standInNodes.contains(ObjectIdentifier(next)), seen.insert(ObjectIdentifier(next)).inserted {
                    stack.append(next)
                }
            }
            if changed {
                node.inputs = inputs
                node.inputGenerations = generations
            }
        }
    }
}
