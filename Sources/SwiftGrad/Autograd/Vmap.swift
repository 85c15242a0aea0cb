// vmap (PyTorch's torch.func.vmap, JAX's jax.vmap): a function written for one sample runs on a
// batch at once, by batching rules, not by a loop.
//
// How a batched tensor is represented: inside `vmap`, the function sees *logical* tensors. A batched
// logical tensor is a `Tensor` whose shape is the per-sample shape and whose `dual` slot holds a
// `Dual` with a negative level (-vmap level) and, as "tangent", the *physical* tensor: the whole
// batch, with the batch axis moved to the front. Its own storage and layout are those of sample 0
// (a view of the physical tensor without the batch axis), so it is always a valid tensor.
//
// Batching rules: a covered op checks, as its first line, whether an operand carries a `dual`
// (one nil check when none does; the check forward AD already pays). If an operand is batched, the
// op's rule runs it on the physical tensors (elementwise ops directly, after aligning logical ranks;
// axis ops with axes shifted by one; matmul, linear, softmax, reshape, permute, slices, cat...) and
// wraps the physical result again (`Vmap*.swift`). The rules call ordinary ops on physical tensors,
// so those record the autograd graph and carry forward-AD tangents as usual, and a nested vmap's
// physical tensor (itself batched at an outer level) dispatches again: vmap nests.
//
// Ops without a rule: such an op reads its batched operand's storage (sample 0) or records a node
// on it; both are noticed (`recorded` reaches `propagateTangent` through the `dual` check; the
// kernels' element accessors check `dual`). The function still runs to its end (on sample 0 for that
// op), then vmap discards that result and runs the function once per sample (the fallback loop),
// stacking the results. Which ops made vmap fall back is counted (`vmapFallbacks()`).
//
// grad inside vmap (per-sample gradients): `Transforms.gradAndValue` sees batched arguments and
// differentiates the physical function (the sum over the batch of the per-sample outputs, whose
// gradient with respect to each sample's argument is that sample's gradient, samples being
// independent); unbatched differentiated arguments are expanded over the batch first, so their
// gradients come back per sample, as torch.func's.

import Synchronization

/// One active vmap on this thread: its level, batch size, and what made it fall back.
final class VmapFrame {
    let level: Int
    let batchSize: Int
    /// Names of the ops without a batching rule that a batched tensor of this level reached.
    var fallbackOps: [String] = []
    /// A kernel read a batched tensor of this level's values (an op without a rule; its name is
    /// added to `fallbackOps` if it then records a node).
    var kernelRead = false

    init(level: Int, batchSize: Int) {
        self.level = level
        self.batchSize = batchSize
    }
    var needsFallback: Bool { kernelRead || !fallbackOps.isEmpty }
}

enum Vmap {
    /// Levels are numbered process-wide (never reused), so a batched tensor that escaped its vmap
    /// is recognised as such.
    static let levelCounter = Atomic<Int>(0)
    /// Process-wide counts of the ops that made a vmap fall back to its per-sample loop.
    static let fallbackCounts = Locked<[String: Int]>([:])
    /// The name given to a read of batched values by an op that records no node (integer results,
    /// `item()`, printing, comparisons without a rule).
    static let unrecordedRead = "<values read by an op without a rule>"

    // MARK: levels and wrapping

    /// The frame of `level` on this thread; stops when the level is not active (a batched tensor
    /// used after its vmap returned, e.g. through a captured variable).
    static func frame(_ level: Int) -> VmapFrame {
        guard let f = ThreadContext.current.vmapFrames.last(where: { $0.level == level }) else {
            checkFailure("vmap: a batched tensor was used outside the vmap that made it (it escaped through a captured variable or a stored property); return it from the function instead")
        }
        return f
    }

    /// The vmap level a tensor is batched at (0: not batched).
    @inline(__always)
    static func level(_ t: Tensor) -> Int {
        guard let d = t.dual, d.level < 0 else { return 0 }
        return -d.level
    }

    /// The highest (innermost) level among the operands, 0 when none is batched.
    static func level(_ ts: [Tensor?]) -> Int {
        var l = 0
        for case let t? in ts { l = max(l, level(t)) }
        return l
    }

    /// The physical tensor (batch axis first) of a tensor batched at `level`, or nil when the
    /// tensor is not batched at that level.
    static func physical(_ t: Tensor, _ level: Int) -> Tensor? {
        guard let d = t.dual, d.level == -level else { return nil }
        return d.tangent
    }

    /// A logical tensor batched at `level` over the physical tensor `p` (batch axis first).
    static func wrap(_ p: Tensor, _ level: Int) -> Tensor {
        check(p.rank >= 1, "internal: vmap: a physical tensor needs its batch axis, got shape \(p.shape)")
        let w = Tensor(storage: p.storage, offset: p.storageOffset, shape: Array(p.shape.dropFirst()),
                       strides: Array(p.strides.dropFirst()), dtype: p.dtype, base: nil)
        w.dual = Dual(level: -level, tangent: p)
        return w
    }

    /// The batch size of `level`.
    static func batchSize(_ level: Int) -> Int { frame(level).batchSize }

    /// `t` at `level` as a physical tensor of logical rank `rank` (batch axis first): a batched
    /// operand's physical tensor with size-1 axes inserted after the batch axis; an unbatched
    /// operand as it is (it broadcasts from the right, behind the batch axis).
    static func aligned(_ t: Tensor, _ level: Int, rank: Int) -> Tensor {
        guard let p = physical(t, level) else { return t }
        let missing = rank - t.rank
        if missing <= 0 { return p }
        return p.reshape([p.shape[0]] + [Int](repeating: 1, count: missing) + t.shape)
    }

    /// `t` at `level` with its batch axis materialised (an unbatched tensor expanded over the batch).
    static func batched(_ t: Tensor, _ level: Int) -> Tensor {
        if let p = physical(t, level) { return p }
        return t.unsqueeze(axis: 0).expand([batchSize(level)] + t.shape)
    }

    // MARK: fallback bookkeeping

    /// Notes that an op without a batching rule (`name`) reached batched tensors.
    static func noteFallback(_ name: String, _ inputs: [Tensor]) {
        let ctx = ThreadContext.current
        for t in inputs {
            let l = level(t)
            guard l != 0, let f = ctx.vmapFrames.last(where: { $0.level == l }) else { continue }
            if !f.fallbackOps.contains(name) { f.fallbackOps.append(name) }
            f.kernelRead = false
        }
    }

    /// Notes that a kernel read a batched tensor's values (called from the element accessors).
    /// A read on another thread (a kernel's worker) or of an escaped tensor finds no frame here
    /// and is ignored: the op's caller, on the vmap's thread, reads or records the tensor too.
    @inline(never)
    static func noteKernelRead(_ t: Tensor) {
        let l = level(t)
        guard l != 0, let f = ThreadContext.current.vmapFrames.last(where: { $0.level == l }) else { return }
        f.kernelRead = true
    }

    /// The names a frame that fell back reports.
    static func reasons(_ f: VmapFrame) -> [String] {
        f.fallbackOps + (f.kernelRead ? [unrecordedRead] : [])
    }
}

// MARK: - Public API

/// How vmap treats random operations inside the mapped function (PyTorch's `randomness=`).
/// Only `.error` is supported: a random draw inside vmap stops with a message, as PyTorch's default.
public enum VmapRandomness: Sendable {
    /// Any random draw inside the function stops with a message (PyTorch's default `'error'`).
    case error
}

/// Maps `f` over axis `inDims` of its argument (PyTorch's `torch.func.vmap`, JAX's `jax.vmap`):
/// the result stacks `f` of each sample along `outDims`, computed by batching rules in one pass.
///
///     let norms = vmap({ x in (x * x).sum().sqrt() })(batch)          // [B, n] -> [B]
///     let cols = vmap({ $0.softmax(axis: 0) }, inDims: 1, outDims: 1)(m)
public func vmap(_ f: @escaping (Tensor) -> Tensor, inDims: Int = 0, outDims: Int = 0,
                 randomness: VmapRandomness = .error) -> (Tensor) -> Tensor {
    { x in VmapEngine.run({ [f($0[0])] }, [x], inDims: [inDims], outDims: [outDims], op: "vmap")[0] }
}

/// Maps a function of two tensors; `inDims` gives each argument's batch axis, nil for an argument
/// shared by every sample (not batched).
///
///     let perSample = vmap({ w, x in x.matmul(w) }, inDims: (nil, 0))(w, xs)
public func vmap(_ f: @escaping (Tensor, Tensor) -> Tensor, inDims: (Int?, Int?) = (0, 0), outDims: Int = 0,
                 randomness: VmapRandomness = .error) -> (Tensor, Tensor) -> Tensor {
    { a, b in VmapEngine.run({ [f($0[0], $0[1])] }, [a, b], inDims: [inDims.0, inDims.1], outDims: [outDims], op: "vmap")[0] }
}

/// Maps a function of three tensors (per-sample gradients: `vmap(grad(loss, argnums: [0]), inDims: (nil, 0, 0))`).
///
///     let g = vmap({ w, x, y in grad({ w in loss(w, x, y) })(w) }, inDims: (nil, 0, 0))(w, xs, ys)
public func vmap(_ f: @escaping (Tensor, Tensor, Tensor) -> Tensor, inDims: (Int?, Int?, Int?) = (0, 0, 0),
                 outDims: Int = 0, randomness: VmapRandomness = .error) -> (Tensor, Tensor, Tensor) -> Tensor {
    { a, b, c in
        VmapEngine.run({ [f($0[0], $0[1], $0[2])] }, [a, b, c], inDims: [inDims.0, inDims.1, inDims.2],
                       outDims: [outDims], op: "vmap")[0]
    }
}

/// Maps a function of a list of tensors (one `inDims` entry per tensor, nil: not batched).
///
///     let ys = vmap({ xs in xs[0] * xs[1] }, inDims: [0, nil])([batch, scale])
public func vmap(_ f: @escaping ([Tensor]) -> Tensor, inDims: [Int?], outDims: Int = 0,
                 randomness: VmapRandomness = .error) -> ([Tensor]) -> Tensor {
    { xs in VmapEngine.run({ [f($0)] }, xs, inDims: inDims, outDims: [outDims], op: "vmap")[0] }
}

/// Maps a function of a list of tensors that returns several tensors (one `outDims` entry each).
///
///     let outs = vmap({ xs in [xs[0].sum(), xs[0].exp()] }, inDims: [0], outDims: [0, 0])([batch])
public func vmap(_ f: @escaping ([Tensor]) -> [Tensor], inDims: [Int?], outDims: [Int],
                 randomness: VmapRandomness = .error) -> ([Tensor]) -> [Tensor] {
    { xs in VmapEngine.run(f, xs, inDims: inDims, outDims: outDims, op: "vmap") }
}

/// The ops that made a vmap fall back to its per-sample loop in this process, with how many times
/// (an op without a batching rule; `"<values read by an op without a rule>"` for reads of a batched
/// tensor's values by an op that records no node: integer results, `item()`).
///
///     _ = vmap({ $0.cumprod(axis: 0) })(x)
///     print(vmapFallbacks())          // ["cumprod": 1]
public func vmapFallbacks() -> [String: Int] { Vmap.fallbackCounts.withLock { $0 } }

/// Which registered ops vmap computes by a batching rule and which make it fall back to its
/// per-sample loop (`VmapTests` checks every op's case against this list).
///
///     print(VmapCoverage.opsUsingFallback)     // ["cumprod", "linalg_svd", ...]
public enum VmapCoverage {
    /// The registered ops whose functions dispatch a batching rule.
    public static var opsWithBatchingRule: [String] { Vmap.opsWithRule.map(\.rawValue).sorted() }
    /// The registered ops without a batching rule: a batched tensor reaching one makes vmap run
    /// its function once per sample.
    public static var opsUsingFallback: [String] {
        Op.allCases.filter { !Vmap.opsWithRule.contains($0) }.map(\.rawValue).sorted()
    }
}

extension Vmap {
    /// The registered ops with a batching rule for every operand combination of their gradcheck
    /// case (checked by VmapTests). conv2d has a rule for a shared weight only, so it is not listed.
    static let opsWithRule: Set<Op> = [
        .add, .sub, .rsub, .mul, .div, .rdiv, .neg, .pow, .maximum, .minimum, .clamp, .where,
        .exp, .log, .log1p, .expm1, .sqrt, .rsqrt, .reciprocal, .abs, .sign, .square,
        .sin, .cos, .tanh, .sigmoid, .relu, .erf, .to, .clone, .sum, .max, .min,
        .reshape, .permute, .expand, .cat, .slice, .contiguous, .indexSelect, .gather,
        .matmul, .addmm, .softmax, .logSoftmax, .layerNorm, .gelu, .geluTanh, .silu, .mish, .logSigmoid,
        .softsign, .softplus, .elu, .selu, .leakyRelu, .hardtanh, .hardsigmoid, .hardswish,
        .tan, .asin, .acos, .atan, .sinh, .cosh, .asinh, .acosh, .atanh, .floor, .ceil, .round, .trunc,
        .log2, .log10, .exp2, .erfc, .erfinv, .lgamma, .digamma, .polygamma, .i0, .specialI1, .amax, .amin,
        // batch_norm: under vmap, batchNorm takes its composed form (ops with rules)
        .batchNorm,
    ]
}

/// Runs vmap: wraps the arguments, runs `f` once with batching rules and, when an op without a
/// rule was reached, once per sample instead.
enum VmapEngine {
    static func run(_ f: ([Tensor]) -> [Tensor], _ xs: [Tensor], inDims: [Int?], outDims: [Int], op: String) -> [Tensor] {
        check(inDims.count == xs.count, "\(op): inDims has \(inDims.count) entries for \(xs.count) arguments (shapes \(xs.map(\.shape)))")
        check(inDims.contains { $0 != nil }, "\(op): every inDims entry is nil (shapes \(xs.map(\.shape))); at least one argument must be batched")
        var sizes: [Int] = []
        var moved: [Tensor?] = []
        for (x, d) in zip(xs, inDims) {
            guard let d else { moved.append(nil); continue }
            check(x.rank >= 1, "\(op): inDims \(d) for an argument of shape \(x.shape): a 0-d tensor has no axis to map over")
            let ax = normalizeAxis(d, x.rank, op: op, shape: x.shape)
            sizes.append(x.shape[ax])
            moved.append(ax == 0 ? x : x.movedim(ax, 0))
        }
        let b = sizes[0]
        check(sizes.allSatisfy { $0 == b }, "\(op): expected all batched arguments to have the same size along their inDims, got sizes \(sizes) for inDims \(inDims.map { $0.map(String.init) ?? "nil" }) and shapes \(xs.map(\.shape))")
        check(b > 0, "\(op): the batch size is 0 (shapes \(xs.map(\.shape)), inDims \(inDims.map { $0.map(String.init) ?? "nil" })); map over a non-empty axis")
        let level = Vmap.levelCounter.wrappingAdd(1, ordering: .relaxed).newValue
        let frame = VmapFrame(level: level, batchSize: b)
        let ctx = ThreadContext.current
        ctx.vmapFrames.append(frame)
        let outs: [Tensor] = {
            defer { ctx.vmapFrames.removeAll { $0 === frame } }
            let args = zip(xs, moved).map { x, p in p.map { Vmap.wrap($0, level) } ?? x }
            return f(args).map { y in Vmap.batched(y, level) }
        }()
        check(outs.count == outDims.count, "\(op): the function returned \(outs.count) tensors for \(outDims.count) outDims")
        guard frame.needsFallback else { return zip(outs, outDims).map { place($0, $1, op: op) } }
        let reasons = Vmap.reasons(frame)
        Vmap.fallbackCounts.withLock { counts in for r in reasons { counts[r, default: 0] += 1 } }
        if let log = ctx.vmapFallbackLog { ctx.vmapFallbackLog = log + reasons }
        // The fallback: f once per sample; arguments are the samples (views), results stacked.
        var perSample: [[Tensor]] = []
        for i in 0..<b {
            let args = zip(xs, moved).map { x, p in p.map { $0.select(axis: 0, index: i) } ?? x }
            let ys = f(args)
            check(ys.count == outDims.count, "\(op): the function returned \(ys.count) tensors for \(outDims.count) outDims")
            perSample.append(ys)
        }
        return outDims.indices.map { k in
            let ys = perSample.map { $0[k] }
            check(ys.allSatisfy { $0.shape == ys[0].shape }, "\(op): the per-sample results have different shapes \(ys.map(\.shape)); vmap needs one shape")
            return place(Tensor.stack(ys, axis: 0), outDims[k], op: op)
        }
    }

    /// Moves the batch axis (first) of `y` to `outDim`.
    static func place(_ y: Tensor, _ outDim: Int, op: String) -> Tensor {
        let d = outDim < 0 ? outDim + y.rank : outDim
        check(d >= 0 && d < y.rank, "\(op): outDims \(outDim) is out of range for a result of per-sample shape \(Array(y.shape.dropFirst())) (batched: \(y.rank) axes)")
        return d == 0 ? y : y.movedim(0, d)
    }
}
