// Forward-mode automatic differentiation (PyTorch's torch.autograd.forward_ad): inside a dual
// level, a tensor may carry a tangent, and every recorded op computes its output's tangent as it
// runs, so a Jacobian-vector product costs about one extra forward pass.
//
// Where the tangent is computed: `recorded(...)` (Autograd/Node.swift), the one call every op makes
// after its kernel. An op gives its forward derivative beside its backward:
//   - `forward: .elementwise`: the op is elementwise in each input (its Jacobian with respect to each
//     input is diagonal, after broadcasting), so J·t = Jᵀ·t and its backward closure, called with the
//     tangent in place of the gradient, is its forward derivative (exp, tanh, mul, div, gelu...);
//   - a `forward:` closure after the backward, for everything else (matmul, softmax, reshape, sum...);
//   - neither: the automatic fallback, still exact: the Jacobian-vector product is computed locally
//     from the op's own backward closure by the double-vjp trick, J·t = ∂/∂u ⟨Jᵀu, t⟩. It costs a
//     backward and a double backward of that one op, and is counted (`ForwardAD.fallbackCount`).
// With no level active, an op pays one nil check per input (`dual`); see `recorded`.

import Synchronization

/// A tangent attached to a tensor at one forward-AD level. A tangent left over from a level that
/// has ended is ignored (levels are numbered once per process, never reused).
final class Dual {
    let level: Int
    let tangent: Tensor
    init(level: Int, tangent: Tensor) {
        self.level = level
        self.tangent = tangent
    }
}

/// How an op's forward derivative is given at its `recorded` call (see the top of this file).
enum ForwardRule {
    /// Diagonal Jacobian in every input (after broadcasting): the backward closure is the rule.
    case elementwise
}

/// What a forward-derivative closure reads: the op's inputs, their tangents (nil is a zero tangent)
/// and the output. Inputs and output carry no tangent of the current level here, so a rule's ops
/// never propagate tangents of their own (no perturbation confusion).
struct ForwardContext {
    let inputs: [Tensor]
    let tangents: [Tensor?]
    /// The op's output (same storage and graph node, without its tangent).
    let output: Tensor

    func input(_ i: Int) -> Tensor { inputs[i] }
    /// Input i's tangent, or nil when it is zero.
    func tangent(_ i: Int) -> Tensor? { tangents[i] }
    /// The tangent of input 0 (a single-input op always has one when its rule runs).
    var tangent: Tensor { tangents[0] ?? Tensor.zerosLike(inputs[0]) }
    /// Input i's tangent, zeros of the input's shape when it has none.
    func tangentOrZeros(_ i: Int) -> Tensor { tangents[i] ?? Tensor.zerosLike(inputs[i]) }
    /// The sum of the terms that are present (nil when none is: a zero tangent).
    func sum(_ terms: Tensor?...) -> Tensor? {
        var total: Tensor? = nil
        for case let t? in terms { total = total.map { $0 + t } ?? t }
        return total
    }
}

/// Forward-mode AD: dual levels, dual tensors, and which ops have no forward rule of their own.
/// The function transforms (`jvp`, `jacfwd`, `hessian`, `linearize`) use it; use it directly for
/// PyTorch's `torch.autograd.forward_ad` style:
///
///     let (y, dy) = ForwardAD.withDualLevel {
///         ForwardAD.unpackDual(ForwardAD.makeDual(x, tangent: v).tanh())
///     }   // dy == v * (1 - tanh²x)
public enum ForwardAD {
    /// Levels are numbered process-wide, so a tangent from another thread's or an ended level never matches.
    static let levelCounter = Atomic<Int>(0)
    static let fallbacks = Atomic<Int>(0)

    /// Runs `body` inside a new dual level (PyTorch's `forward_ad.dual_level()`): tangents made with
    /// `makeDual` inside it propagate through every op; they are dropped when the level ends.
    /// Levels do not nest (a nested `jvp`/`jacfwd` stops with a message); reverse mode nests freely
    /// inside and around a level (`hessian` is forward over reverse).
    ///
    ///     let t = ForwardAD.withDualLevel { ForwardAD.unpackDual(f(ForwardAD.makeDual(x, tangent: v))).tangent }
    public static func withDualLevel<R>(_ body: () throws -> R) rethrows -> R {
        let ctx = ThreadContext.current
        check(ctx.forwardLevel == 0, "forward AD: nested dual levels are not supported (jvp or jacfwd inside jvp, jacfwd or linearize); use jacrev for the inner or outer transform (hessian is jacfwd(jacrev(f)))")
        ctx.forwardLevel = levelCounter.wrappingAdd(1, ordering: .relaxed).newValue
        defer { ctx.forwardLevel = 0 }
        return try body()
    }

    /// Whether a dual level is active on this thread (and not suspended while a rule runs).
    public static var isActive: Bool { ThreadContext.current.forwardActive }

    /// A tensor equal to `primal` that carries `tangent` at the current level (PyTorch's
    /// `make_dual`). It is a new tensor (a view of `primal`, differentiable through it in reverse
    /// mode), so `primal` itself gains no tangent.
    ///
    ///     let xd = ForwardAD.makeDual(x, tangent: Tensor.onesLike(x))
    public static func makeDual(_ primal: Tensor, tangent: Tensor) -> Tensor {
        let ctx = ThreadContext.current
        check(ctx.forwardLevel != 0, "makeDual: no dual level is active; call it inside ForwardAD.withDualLevel { }")
        // vmap has no batching rule for forward mode: jvp inside vmap runs per sample (the fallback).
        if Vmap.level(primal) != 0 { Vmap.noteFallback("jvp", [primal]) }
        check(primal.dtype.isFloatingPoint, "makeDual: the primal of shape \(primal.shape) is \(primal.dtype); only float tensors carry tangents")
        check(tangent.shape == primal.shape, "makeDual: tangent of shape \(tangent.shape) does not match the primal's shape \(primal.shape)")
        let alias = primal.makeView(shape: primal.shape, strides: primal.explicitStrides, offset: primal.storageOffset)
        let inShape = primal.shape
        // Recorded as an identity reshape so reverse mode reaches `primal` through the dual.
        let dual = withForwardSuspended { alias.recorded(.reshape, primal) { g, _ in [g.reshape(inShape)] } }
        dual.dual = Dual(level: ctx.forwardLevel, tangent: tangent.dtype == primal.dtype ? tangent : tangent.to(primal.dtype))
        return dual
    }

    /// The tensor's primal (without its tangent) and its tangent at the current level (nil when it
    /// has none: a zero tangent). PyTorch's `unpack_dual`.
    ///
    ///     let (value, tangent) = ForwardAD.unpackDual(y)
    public static func unpackDual(_ t: Tensor) -> (primal: Tensor, tangent: Tensor?) {
        let tangent = t.tangent(at: ThreadContext.current.forwardLevel)
        guard tangent != nil else { return (t, nil) }
        return (t.forwardAlias(), tangent)
    }

    /// The names of the registered ops whose forward derivative is the automatic fallback (the
    /// double-vjp trick on their backward) rather than a rule of their own.
    ///
    ///     print(ForwardAD.opsUsingFallback)   // ["cumprod", "linalg_svd", ...]
    public static var opsUsingFallback: [String] {
        Op.allCases.filter { !opsWithForwardRule.contains($0) }.map(\.rawValue).sorted()
    }

    /// How many times an op's tangent was computed by the fallback, in this process (custom ops
    /// made with `recordedAsCustomOp` always use it).
    public static var fallbackCount: Int { fallbacks.load(ordering: .relaxed) }

    /// Runs `body` with tangent propagation suspended on this thread (rules, fallbacks, makeDual).
    static func withForwardSuspended<R>(_ body: () -> R) -> R {
        let ctx = ThreadContext.current
        let old = ctx.forwardSuspended
        ctx.forwardSuspended = true
        defer { ctx.forwardSuspended = old }
        return body()
    }
}

extension ThreadContext {
    /// A dual level is active and tangents propagate (not while a rule or fallback runs).
    var forwardActive: Bool { forwardLevel != 0 && !forwardSuspended }
}

extension Tensor {
    /// This tensor's tangent at `level` (nil when it has none or it belongs to another level).
    func tangent(at level: Int) -> Tensor? {
        guard level != 0, let d = dual, d.level == level else { return nil }
        return d.tangent
    }

    /// A tensor sharing this one's storage, layout and graph node, without a tangent.
    func forwardAlias() -> Tensor {
        let a = Tensor(storage: storage, offset: storageOffset, shape: shape, strides: explicitStrides, dtype: dtype, base: viewBase)
        a.storedNode = node
        if viewBase != nil { a.viewNodeGeneration = viewNodeGeneration }
        a.leafRequiresGrad = leafRequiresGrad && node == nil
        return a
    }

    /// Computes and attaches this output's tangent (called by `recorded` when an input has a `dual`).
    /// `rule` is used when `kind` is nil; otherwise `kind` says how (elementwise or the fallback).
    @inline(never)
    func propagateTangent(_ op: RecordedOp, _ inputs: [Tensor], save: Saved, kind: ForwardKind,
                          _ backward: @escaping BackwardFunction, _ rule: (ForwardContext) -> Tensor?) {
        // A batched tensor of vmap (a negative level) reached an op without a batching rule: the
        // vmap falls back to its per-sample loop (Autograd/Vmap.swift).
        if inputs.contains(where: { Vmap.level($0) != 0 }) { Vmap.noteFallback(op.description, inputs) }
        let ctx = ThreadContext.current
        guard ctx.forwardActive else { return }
        let level = ctx.forwardLevel
        let tangents = inputs.map { $0.tangent(at: level) }
        guard tangents.contains(where: { $0 != nil }) else { return }
        check(dtype.isFloatingPoint, "\(op): forward-mode AD: an integer result of shape \(shape) cannot carry a tangent")
        ctx.forwardSuspended = true
        defer { ctx.forwardSuspended = false }
        var result: Tensor?
        switch kind {
        case .rule:
            result = rule(ForwardContext(inputs: inputs, tangents: tangents, output: forwardAlias()))
        case .elementwise:
            result = elementwiseTangent(op, inputs, tangents, save: save, backward)
        case .fallback:
            ForwardAD.fallbacks.wrappingAdd(1, ordering: .relaxed)
            if ctx.fallbackLog != nil { ctx.fallbackLog!.append(op.description) }
            result = fallbackTangent(op, inputs, tangents, save: save, gradEnabled: ctx.gradEnabled, backward)
        }
        guard var t = result else { return }     // nil: a zero tangent
        if t.shape != shape { t = t.expand(shape) }
        if t.dtype != dtype { t = t.to(dtype) }
        dual = Dual(level: level, tangent: t)
        // A backward that reads the output (exp, tanh, softmax) sees its tangent too, so reverse
        // mode inside a level (forward over reverse: hessian) differentiates it. Detached: the node
        // must not hold a graph that leads back to itself.
        if save.contains(.output), let n = storedNode { n.outputDual = Dual(level: level, tangent: t.detach()) }
    }

    /// J·t for an op whose Jacobian is diagonal in each input (after broadcasting): the backward
    /// closure applied to each input's tangent, broadcast to the output's shape.
    private func elementwiseTangent(_ op: RecordedOp, _ inputs: [Tensor], _ tangents: [Tensor?], save: Saved,
                                    _ backward: @escaping BackwardFunction) -> Tensor? {
        let node = Node(op: op, inputs: inputs, saved: save, output: self, backward: backward)
        var total: Tensor? = nil
        for i in inputs.indices {
            guard let t = tangents[i] else { continue }
            let g = t.shape == shape ? t : t.expand(shape)
            guard let term = backward(g, BackwardContext(node: node, forwardInput: i))[i] else { continue }
            check(term.shape == shape, "internal: \(op): the elementwise forward rule got a gradient of shape \(term.shape) for output \(shape)")
            total = total.map { $0 + term } ?? term
        }
        return total
    }

    /// The exact fallback: J·t = ∂/∂u ⟨Jᵀu, t⟩, with Jᵀu from the op's own backward closure.
    private func fallbackTangent(_ op: RecordedOp, _ inputs: [Tensor], _ tangents: [Tensor?], save: Saved,
                                 gradEnabled: Bool, _ backward: @escaping BackwardFunction) -> Tensor? {
        // Reverse over forward needs the tangent differentiable in the inputs (a graph through the
        // real inputs); otherwise the inputs are cut off, so the inner backward stays local.
        let differentiable = gradEnabled && (inputs.contains { $0.requiresGrad } || tangents.contains { $0?.requiresGrad ?? false })
        let xs = differentiable ? inputs : inputs.map { $0.detach() }
        return GradMode.with(enabled: true) { () -> Tensor? in
            let u = Tensor.zeros(shape, dtype: dtype, requiresGrad: true)
            let node = Node(op: op, inputs: xs, saved: save, output: self, backward: backward)
            let grads = backward(u, BackwardContext(node: node, forwardInput: -1, detachedOutput: !differentiable))
            var total: Tensor? = nil
            for i in inputs.indices {
                guard let t = tangents[i], i < grads.count, var g = grads[i] else { continue }
                if g.shape != t.shape { g = g.sumToShape(t.shape) }
                let term = (g * (t.dtype == g.dtype ? t : t.to(g.dtype))).sum()
                total = total.map { $0 + term } ?? term
            }
            guard let total, total.requiresGrad else { return nil }
            return SwiftGrad.grad(of: total, wrt: [u], createGraph: differentiable)[0]
        }
    }
}

// MARK: - Recording with a forward rule (the forms without one are in Node.swift)

extension Tensor {
    /// `recorded` for an op whose backward closure is also its forward derivative (elementwise).
    @inline(__always)
    func recorded(_ op: Op, _ a: Tensor, save: Saved = [], forward: ForwardRule, _ backward: @escaping BackwardFunction) -> Tensor {
        if a.requiresGrad && ThreadContext.current.gradEnabled {
            attach(Node(op: .builtin(op), inputs: [a], saved: save, output: self, backward: backward))
        }
        if _slowPath(a.dual != nil) { propagateTangent(.builtin(op), [a], save: save, kind: .elementwise, backward) { _ in nil } }
        if _slowPath(Profiler.isOn) { Profiler.opFinished(op, output: self, a) }
        return self
    }

    /// `recorded` with a forward-derivative rule: the output's tangent from the inputs' tangents.
    @inline(__always)
    func recorded(_ op: Op, _ a: Tensor, save: Saved = [], _ backward: @escaping BackwardFunction,
                  forward: (ForwardContext) -> Tensor?) -> Tensor {
        if a.requiresGrad && ThreadContext.current.gradEnabled {
            attach(Node(op: .builtin(op), inputs: [a], saved: save, output: self, backward: backward))
        }
        if _slowPath(a.dual != nil) { propagateTangent(.builtin(op), [a], save: save, kind: .rule, backward, forward) }
        if _slowPath(Profiler.isOn) { Profiler.opFinished(op, output: self, a) }
        return self
    }

    /// Two-input `recorded` for an op elementwise in both inputs (the backward is the rule).
    @inline(__always)
    func recorded(_ op: Op, _ a: Tensor, _ b: Tensor, save: Saved = [], forward: ForwardRule, _ backward: @escaping BackwardFunction) -> Tensor {
        if (a.requiresGrad || b.requiresGrad) && ThreadContext.current.gradEnabled {
            attach(Node(op: .builtin(op), inputs: [a, b], saved: save, output: self, backward: backward))
        }
        if _slowPath(a.dual != nil || b.dual != nil) { propagateTangent(.builtin(op), [a, b], save: save, kind: .elementwise, backward) { _ in nil } }
        if _slowPath(Profiler.isOn) { Profiler.opFinished(op, output: self, a, b) }
        return self
    }

    /// Two-input `recorded` with a forward-derivative rule.
    @inline(__always)
    func recorded(_ op: Op, _ a: Tensor, _ b: Tensor, save: Saved = [], _ backward: @escaping BackwardFunction,
                  forward: (ForwardContext) -> Tensor?) -> Tensor {
        if (a.requiresGrad || b.requiresGrad) && ThreadContext.current.gradEnabled {
            attach(Node(op: .builtin(op), inputs: [a, b], saved: save, output: self, backward: backward))
        }
        if _slowPath(a.dual != nil || b.dual != nil) { propagateTangent(.builtin(op), [a, b], save: save, kind: .rule, backward, forward) }
        if _slowPath(Profiler.isOn) { Profiler.opFinished(op, output: self, a, b) }
        return self
    }

    /// Any-input `recorded` for an op elementwise in every input (the backward is the rule).
    func recorded(_ op: Op, inputs: [Tensor], save: Saved = [], forward: ForwardRule, _ backward: @escaping BackwardFunction) -> Tensor {
        if inputs.contains(where: { $0.requiresGrad }) && ThreadContext.current.gradEnabled {
            attach(Node(op: .builtin(op), inputs: inputs, saved: save, output: self, backward: backward))
        }
        if _slowPath(inputs.contains { $0.dual != nil }) { propagateTangent(.builtin(op), inputs, save: save, kind: .elementwise, backward) { _ in nil } }
        if _slowPath(Profiler.isOn) { Profiler.opFinished(op, output: self, inputs: inputs) }
        return self
    }

    /// Any-input `recorded` with a forward-derivative rule.
    func recorded(_ op: Op, inputs: [Tensor], save: Saved = [], _ backward: @escaping BackwardFunction,
                  forward: (ForwardContext) -> Tensor?) -> Tensor {
        if inputs.contains(where: { $0.requiresGrad }) && ThreadContext.current.gradEnabled {
            attach(Node(op: .builtin(op), inputs: inputs, saved: save, output: self, backward: backward))
        }
        if _slowPath(inputs.contains { $0.dual != nil }) { propagateTangent(.builtin(op), inputs, save: save, kind: .rule, backward, forward) }
        if _slowPath(Profiler.isOn) { Profiler.opFinished(op, output: self, inputs: inputs) }
        return self
    }
}

/// Which path `propagateTangent` takes.
enum ForwardKind { case rule, elementwise, fallback }

extension ForwardAD {
    /// The registered ops whose `recorded` call gives a forward rule (`.elementwise` or a closure).
    /// Every other op uses the exact fallback. `ForwardADTests` runs every op's gradcheck case
    /// inside a dual level and checks that this set says which path each op took: add an op here
    /// when you give it a rule.
    static let opsWithForwardRule: Set<Op> = [
        // Arithmetic and elementwise math (elementwise: the backward closure is the rule)
        .add, .sub, .rsub, .mul, .div, .rdiv, .neg, .pow, .maximum, .minimum, .clamp, .where, .remainder, .fmod,
        .exp, .log, .log1p, .expm1, .sqrt, .rsqrt, .reciprocal, .abs, .sign, .square,
        .sin, .cos, .tanh, .sigmoid, .relu, .erf, .tanhBackward, .sigmoidBackward, .reluBackward,
        .geluTanhBackward,
        .to, .clone, .binaryCrossEntropy,
        // Activations
        .gelu, .geluTanh, .silu, .mish, .logSigmoid, .softsign, .softplus, .elu, .selu,
        .leakyRelu, .hardtanh, .hardsigmoid, .hardswish,
        // Reductions, shape and views (linear: the op applied to the tangent)
        .sum, .sumToShape, .max, .min, .cumsum, .flip, .normSqrt,
        .reshape, .permute, .expand, .repeat, .cat, .slice, .sliceBackward, .pad,
        .asStrided, .asStridedBackward, .contiguous,
        // Indexing
        .indexSelect, .indexAdd, .gather, .scatterAdd, .embedding,
        // Products, softmax, convolution, diagonals
        .matmul, .addmm, .softmax, .logSoftmax, .layerNorm, .conv2d, .convTranspose2d, .conv2dWeight,
        .linalgDiagonal, .linalgDiagEmbed,
        // batch_norm: with a tangent, batchNorm takes its composed form (ops with rules)
        .batchNorm,
        // Pooling and resampling (linear: the op on the tangent; max pools gather it at the argmax)
        .maxPool2d, .maxPool1d, .adaptiveMaxPool2d, .adaptiveMaxPool1d, .maxPoolBackward,
        .avgPool2d, .avgPool1d, .adaptiveAvgPool2d, .adaptiveAvgPool1d,
        .upsampleNearest2d, .upsampleNearest1d, .upsampleBilinear2d, .upsampleLinear1d,
        .avgPool2dBackward, .avgPool1dBackward, .adaptiveAvgPool2dBackward, .adaptiveAvgPool1dBackward,
        .upsampleNearest2dBackward, .upsampleNearest1dBackward, .upsampleBilinear2dBackward, .upsampleLinear1dBackward,
        .upsampleBicubic2d, .upsampleBicubic2dBackward,
        // Scans of the op surface
        .logcumsumexp,
    ]
}
