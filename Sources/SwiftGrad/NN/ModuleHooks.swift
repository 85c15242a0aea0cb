// Module hooks, as PyTorch's register_forward_pre_hook, register_forward_hook,
// register_full_backward_pre_hook and register_full_backward_hook.
//
// Every module call goes through `hooked(_:_:)` (`callAsFunction(_:)` of Module, and the
// several-tensor `callAsFunction`s of attention, losses, Bilinear, RNNs...): with no hook it is
// one nil check. Inputs and outputs are lists of the tensors given and returned, in argument
// order (an optional tensor argument left nil is not in the list).
//
// Backward hooks (PyTorch's BackwardHook): the inputs that require grad pass through one identity
// node before the body, and the outputs that require grad through another after it; several
// tensors are packed into one node (flattened and concatenated, then viewed back), so each side
// is one node that receives every gradient at once. The output node's backward records
// grad_output (after the backward pre-hooks); the input node's backward calls the hooks with
// (grad_input, grad_output) and passes on what they return. When no input requires grad, the
// hooks run from the output node with grad_input all nil, as PyTorch does.

/// The hooks of one module; nil on the module while there are none.
final class ModuleHooks {
    typealias ForwardPre = (ModuleBase, [Tensor]) -> [Tensor]?
    typealias Forward = (ModuleBase, [Tensor], [Tensor]) -> [Tensor]?
    typealias BackwardPre = (ModuleBase, [Tensor?]) -> [Tensor?]?
    typealias Backward = (ModuleBase, [Tensor?], [Tensor?]) -> [Tensor?]?

    var forwardPre: [(id: Int, hook: ForwardPre)] = []
    var forward: [(id: Int, hook: Forward)] = []
    var backwardPre: [(id: Int, hook: BackwardPre)] = []
    var backward: [(id: Int, hook: Backward)] = []
    /// Calls of this module running now: a module whose `forward(_:)` calls its own
    /// several-tensor `callAsFunction` runs its hooks once, on the outer call.
    var depth = 0

    var isEmpty: Bool { forwardPre.isEmpty && forward.isEmpty && backwardPre.isEmpty && backward.isEmpty }

    func remove(_ id: Int) {
        forwardPre.removeAll { $0.id == id }
        forward.removeAll { $0.id == id }
        backwardPre.removeAll { $0.id == id }
        backward.removeAll { $0.id == id }
    }

    func run(_ module: ModuleBase, _ inputs: [Tensor], _ body: ([Tensor]) -> [Tensor]) -> [Tensor] {
        if depth > 0 { return body(inputs) }
        depth += 1
        defer { depth -= 1 }
        var xs = inputs
        for h in forwardPre {
            if let r = h.hook(module, xs) {
                check(r.count == xs.count, "\(module.typeName) forward pre-hook: returned \(r.count) inputs for \(xs.count)")
                xs = r
            }
        }
        // The hooks as they are now, as PyTorch takes them at forward time.
        let call = (!backward.isEmpty || !backwardPre.isEmpty) && GradMode.isEnabled
            ? BackwardHookCall(module, backwardPre: backwardPre, backward: backward) : nil
        if let call { xs = call.wrapInputs(xs) }
        var ys = body(xs)
        for h in forward {
            if let r = h.hook(module, xs, ys) {
                check(r.count == ys.count, "\(module.typeName) forward hook: returned \(r.count) outputs for \(ys.count)")
                ys = r
            }
        }
        if let call { ys = call.wrapOutputs(ys) }
        return ys
    }
}

/// One module call's backward hooks: what the identity nodes around it share.
final class BackwardHookCall {
    private weak var module: ModuleBase?
    private let typeName: String
    private let backwardPre: [(id: Int, hook: ModuleHooks.BackwardPre)]
    private let backward: [(id: Int, hook: ModuleHooks.Backward)]
    private var inputCount = 0, outputCount = 0
    private var inputSlots: [Int] = [], outputSlots: [Int] = []
    private var gradOutputs: [Tensor?] = []

    init(_ module: ModuleBase, backwardPre: [(id: Int, hook: ModuleHooks.BackwardPre)], backward: [(id: Int, hook: ModuleHooks.Backward)]) {
        self.module = module
        self.typeName = module.typeName
        self.backwardPre = backwardPre
        self.backward = backward
    }

    func wrapInputs(_ xs: [Tensor]) -> [Tensor] {
        inputCount = xs.count
        inputSlots = xs.indices.filter { xs[$0].requiresGrad }
        guard !inputSlots.isEmpty else { return xs }
        let wrapped = identityGroup(inputSlots.map { xs[$0] }, "BackwardHookFunctionBackward") { [self] in gradInputs($0) }
        var out = xs
        for (k, i) in inputSlots.enumerated() { out[i] = wrapped[k] }
        return out
    }

    func wrapOutputs(_ ys: [Tensor]) -> [Tensor] {
        outputCount = ys.count
        outputSlots = ys.indices.filter { ys[$0].requiresGrad }
        guard !outputSlots.isEmpty else { return ys }
        let wrapped = identityGroup(outputSlots.map { ys[$0] }, "BackwardHookFunctionBackward") { [self] in gradOutputs($0) }
        var out = ys
        for (k, i) in outputSlots.enumerated() { out[i] = wrapped[k] }
        return out
    }

    /// The output side: the backward pre-hooks may replace grad_output.
    private func gradOutputs(_ gs: [Tensor]) -> [Tensor?] {
        var full = [Tensor?](repeating: nil, count: outputCount)
        for (k, i) in outputSlots.enumerated() { full[i] = gs[k] }
        if let module {
            for h in backwardPre {
                if let r = h.hook(module, full) { full = checked(r, like: full, "full backward pre-hook", "grad_output") }
            }
        }
        gradOutputs = full
        if inputSlots.isEmpty, let module {
            let none = [Tensor?](repeating: nil, count: inputCount)
            for h in backward { _ = h.hook(module, none, full) }
        }
        return outputSlots.map { full[$0] }
    }

    /// The input side: the backward hooks see (grad_input, grad_output) and may replace grad_input.
    private func gradInputs(_ gs: [Tensor]) -> [Tensor?] {
        var full = [Tensor?](repeating: nil, count: inputCount)
        for (k, i) in inputSlots.enumerated() { full[i] = gs[k] }
        if let module {
            for h in backward {
                if let r = h.hook(module, full, gradOutputs) { full = checked(r, like: full, "full backward hook", "grad_input") }
            }
        }
        return inputSlots.map { full[$0] }
    }

    private func checked(_ r: [Tensor?], like old: [Tensor?], _ what: String, _ name: String) -> [Tensor?] {
        check(r.count == old.count, "\(typeName) \(what): returned \(r.count) tensors for a \(name) of \(old.count)")
        for (a, b) in zip(r, old) {
            if let a, let b { check(a.shape == b.shape, "\(typeName) \(what): returned a \(name) entry of shape \(a.shape) for \(b.shape)") }
        }
        return r
    }
}

/// The tensors `xs` unchanged, through one node whose backward maps the list of their gradients
/// with `backward` (nil: no gradient for that one). Several tensors are flattened into one.
private func identityGroup(_ xs: [Tensor], _ name: String, _ backward: @escaping ([Tensor]) -> [Tensor?]) -> [Tensor] {
    if xs.count == 1 {
        let x = xs[0]
        return [x.detach().recorded(.custom(name), inputs: [x]) { g, _ in [backward([g])[0]] }]
    }
    let dtype = xs[0].dtype
    check(xs.allSatisfy { $0.dtype == dtype }, "module backward hooks: the tensors that require grad must share a dtype, got \(xs.map(\.dtype))")
    let shapes = xs.map(\.shape), counts = xs.map(\.count)
    let flat = Tensor.cat(xs.map { $0.reshape([-1]) }, axis: 0)
    let packed = flat.detach().recorded(.custom(name), inputs: [flat]) { g, _ in
        var parts: [Tensor] = []
        var start = 0
        for (s, n) in zip(shapes, counts) { parts.append(g.narrow(axis: 0, start: start, length: n).reshape(s)); start += n }
        let out = backward(parts)
        let pieces = zip(out, parts).map { ($0 ?? Tensor.zerosLike($1)).reshape([-1]) }
        return [Tensor.cat(pieces, axis: 0)]
    }
    var out: [Tensor] = []
    var start = 0
    for (s, n) in zip(shapes, counts) { out.append(packed.narrow(axis: 0, start: start, length: n).reshape(s)); start += n }
    return out
}

extension ModuleBase {
    private func hookStore() -> ModuleHooks {
        if let h = hooks { return h }
        let h = ModuleHooks()
        hooks = h
        return h
    }

    private func handle(_ id: Int) -> HookHandle {
        HookHandle(id: id) { [weak self] in self?.removeHook(id) }
    }

    private func removeHook(_ id: Int) {
        guard let h = hooks else { return }
        h.remove(id)
        if h.isEmpty && h.depth == 0 { hooks = nil }
    }

    /// Runs `body` on `inputs` with this module's hooks (none: just `body`). A module whose forward
    /// takes several tensors calls it from its `callAsFunction`, so hooks see every tensor.
    ///
    ///     public func callAsFunction(_ a: Tensor, _ b: Tensor) -> Tensor { hooked([a, b]) { xs in [f(xs[0], xs[1])] }[0] }
    public final func hooked(_ inputs: [Tensor], _ body: ([Tensor]) -> [Tensor]) -> [Tensor] {
        guard let hooks else { return body(inputs) }
        return hooks.run(self, inputs, body)
    }

    /// Registers `hook(module, inputs)`, run before each forward (PyTorch's
    /// `register_forward_pre_hook`); it may return replacement inputs (same count) or nil.
    ///
    ///     let handle = layer.registerForwardPreHook { _, xs in [xs[0] * 2] }
    @discardableResult
    public func registerForwardPreHook(_ hook: @escaping (ModuleBase, [Tensor]) -> [Tensor]?) -> HookHandle {
        let id = HookIDs.next()
        hookStore().forwardPre.append((id, hook))
        return handle(id)
    }

    /// Registers `hook(module, inputs, outputs)`, run after each forward (PyTorch's
    /// `register_forward_hook`); it may return replacement outputs (same count) or nil.
    ///
    ///     let handle = layer.registerForwardHook { _, _, ys in print(ys[0].shape); return nil }
    @discardableResult
    public func registerForwardHook(_ hook: @escaping (ModuleBase, [Tensor], [Tensor]) -> [Tensor]?) -> HookHandle {
        let id = HookIDs.next()
        hookStore().forward.append((id, hook))
        return handle(id)
    }

    /// Registers `hook(module, gradOutput)`, run when the gradients with respect to the module's
    /// outputs are known (PyTorch's `register_full_backward_pre_hook`); it may return a
    /// replacement gradOutput (same count and shapes) or nil. Entries are nil for outputs that
    /// do not require grad.
    ///
    ///     layer.registerFullBackwardPreHook { _, gy in gy.map { $0.map { $0 * 0.5 } } }
    @discardableResult
    public func registerFullBackwardPreHook(_ hook: @escaping (ModuleBase, [Tensor?]) -> [Tensor?]?) -> HookHandle {
        let id = HookIDs.next()
        hookStore().backwardPre.append((id, hook))
        return handle(id)
    }

    /// Registers `hook(module, gradInput, gradOutput)`, run when the gradients with respect to the
    /// module's inputs are computed (PyTorch's `register_full_backward_hook`): gradInput has one
    /// entry per input (nil for one that does not require grad), gradOutput one per output. It
    /// may return a replacement gradInput (same count and shapes), which flows on, or nil. Inputs
    /// and outputs that require grad pass through an identity node each way (several are packed
    /// into one, a copy), so register backward hooks for inspection, not on hot paths.
    ///
    ///     layer.registerFullBackwardHook { m, gx, gy in print(m.typeName, gy[0]!.norm()); return nil }
    @discardableResult
    public func registerFullBackwardHook(_ hook: @escaping (ModuleBase, [Tensor?], [Tensor?]) -> [Tensor?]?) -> HookHandle {
        let id = HookIDs.next()
        hookStore().backward.append((id, hook))
        return handle(id)
    }

    /// Removes a hook by the id `registerForwardHook(_:)` returned (or any handle's `id`).
    ///
    ///     layer.removeForwardHook(id)
    public func removeForwardHook(_ id: Int) { removeHook(id) }
}

extension ModuleBase {
    /// `hooked(_:_:)` for a call with optional tensor arguments: the nil ones are left out of the
    /// hooks' lists and come back to `body` as nil in their places.
    ///
    ///     func callAsFunction(_ x: Tensor, mask: Tensor?) -> Tensor { hooked(optional: [x, mask]) { xs in [f(xs[0]!, xs[1])] }[0] }
    public final func hooked(optional inputs: [Tensor?], _ body: ([Tensor?]) -> [Tensor]) -> [Tensor] {
        guard hooks != nil else { return body(inputs) }
        let present = inputs.indices.filter { inputs[$0] != nil }
        return hooked(present.map { inputs[$0]! }) { xs in
            var full = inputs
            for (k, i) in present.enumerated() { full[i] = xs[k] }
            return body(full)
        }
    }
}

extension Module {
    /// Registers `hook(module, input, output)` on a one-tensor module, run after each forward;
    /// returns an id for `removeForwardHook(_:)` (the older form of `registerForwardHook`).
    ///
    ///     let id = layer.registerForwardHook { _, _, out in print(out.shape) }
    @discardableResult
    public func registerForwardHook(_ hook: @escaping (Module, Tensor, Tensor) -> Void) -> Int {
        registerForwardHook { (m: ModuleBase, xs: [Tensor], ys: [Tensor]) -> [Tensor]? in
            // Called with the module it is registered on, which is a Module.
            if let m = m as? Module { hook(m, xs[0], ys[0]) }
            return nil
        }.id
    }

}
