// Tensor gradient hooks (PyTorch's Tensor.register_hook) and retainGrad() on non-leaf tensors.
//
// A non-leaf tensor's hooks live on its node (`Node.gradHooks`): the engine (Autograd/Backward.swift)
// runs them on the node's whole gradient before the node's backward, so a replacement flows on,
// then stores the result in `.grad` when the tensor retains its gradient. A leaf's hooks live on
// the tensor: the engine sums the pass's contributions to that leaf, runs the hooks once on the
// sum (as PyTorch's AccumulateGrad pre-hooks), and accumulates the result into `.grad`.

/// A registered hook; `remove()` unregisters it (PyTorch's `RemovableHandle`). Dropping the handle
/// does not remove the hook.
///
///     let handle = h.registerHook { g in g * 0.5 }
///     handle.remove()
public final class HookHandle {
    private var onRemove: (() -> Void)?
    /// A number that identifies the hook among its owner's hooks.
    public let id: Int

    init(id: Int, onRemove: @escaping () -> Void) {
        self.id = id
        self.onRemove = onRemove
    }

    /// Unregisters the hook (again: nothing).
    ///
    ///     handle.remove()
    public func remove() {
        onRemove?()
        onRemove = nil
    }
}

/// A gradient hook: receives the gradient, returns a replacement or nil to keep it.
typealias GradientHook = (Tensor) -> Tensor?

/// The gradient hooks of a non-leaf tensor, kept on its node.
final class NodeGradHooks {
    var hooks: [(id: Int, hook: GradientHook)] = []
    /// The tensor whose `.grad` receives the node's gradient (`retainGrad()`); weak: it owns the node.
    weak var retainTarget: Tensor?

    /// Runs the hooks on the node's gradient `g`, then stores it in the retained tensor's `.grad`.
    func apply(_ g: Tensor, shape: [Int], createGraph: Bool) -> Tensor {
        var g = g
        for h in hooks {
            if let r = h.hook(g) {
                check(r.shape == shape, "registerHook: the hook returned a gradient of shape \(r.shape) for a tensor of shape \(shape)")
                g = r.dtype == g.dtype ? r : r.to(g.dtype)
            }
        }
        if let t = retainTarget {
            if let existing = t.grad {
                t.grad = createGraph ? existing + g : withNoGrad { existing + g }
            } else {
                t.grad = createGraph && g.requiresGrad ? g : withNoGrad { g.copy() }
            }
        }
        return g
    }
}

/// Process-wide hook ids, so a handle never removes another hook.
enum HookIDs {
    static let counter = Locked<Int>(0)
    static func next() -> Int { counter.withLock { $0 += 1; return $0 } }
}

extension Tensor {
    /// Registers `hook` to run on the gradient with respect to this tensor each time backward
    /// computes it (PyTorch's `register_hook`): return a tensor of the same shape to replace the
    /// gradient (what flows on to earlier ops and, for a leaf, what accumulates into `.grad`), or
    /// nil to keep it. Hooks run in registration order, each on the previous one's result. On a
    /// leaf, a hook runs once per backward pass on the pass's summed gradient.
    ///
    ///     let h = x.matmul(w)
    ///     let handle = h.registerHook { g in g.clamp(min: -1, max: 1) }   // clip the gradient at h
    @discardableResult
    public func registerHook(_ hook: @escaping (Tensor) -> Tensor?) -> HookHandle {
        check(requiresGrad, "registerHook: cannot register a hook on a tensor of shape \(shape) that does not require grad")
        let id = HookIDs.next()
        if let n = node {
            let store = n.gradHooks ?? NodeGradHooks()
            n.gradHooks = store
            store.hooks.append((id, hook))
            return HookHandle(id: id) { [weak store] in store?.hooks.removeAll { $0.id == id } }
        }
        // Assigned whole, never mutated in place (no dynamic exclusivity checks on Tensor's fields).
        leafGradHooks = leafGradHooks + [(id, hook)]
        return HookHandle(id: id) { [weak self] in
            guard let self else { return }
            self.leafGradHooks = self.leafGradHooks.filter { $0.id != id }
        }
    }

    /// Makes backward store this non-leaf tensor's gradient in `.grad` (accumulating over backward
    /// passes, as PyTorch's `retain_grad`); a leaf keeps its gradient anyway. The stored gradient is
    /// the one after this tensor's hooks.
    ///
    ///     let h = (x * 2).tanh(); h.retainGrad()
    ///     h.sum().backward()      // h.grad == ones
    public func retainGrad() {
        check(requiresGrad, "retainGrad: a tensor of shape \(shape) that does not require grad has no gradient to retain")
        guard let n = node else { return }
        let store = n.gradHooks ?? NodeGradHooks()
        n.gradHooks = store
        store.retainTarget = self
    }

    /// Whether backward stores this non-leaf tensor's gradient in `.grad` (`retainGrad()`).
    ///
    ///     h.retainGrad(); h.retainsGrad   // true
    public var retainsGrad: Bool {
        guard let n = node else { return false }
        return n.gradHooks?.retainTarget === self
    }

    /// Runs the leaf's hooks on `g` (its summed gradient of one pass).
    func runLeafGradHooks(_ g: Tensor) -> Tensor {
        var g = g
        for h in leafGradHooks {
            if let r = h.hook(g) {
                check(r.shape == shape, "registerHook: the hook returned a gradient of shape \(r.shape) for a tensor of shape \(shape)")
                g = r.dtype == dtype ? r : r.to(dtype)
            }
        }
        return g
    }
}
