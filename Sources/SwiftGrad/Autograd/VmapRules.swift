// vmap's batching rules (Autograd/Vmap.swift explains the representation). Each rule takes the
// op's logical operands, returns nil when none is batched (the op then runs as usual), and
// otherwise computes the op on the physical tensors (batch axis first) and wraps the result.
// A rule may also return nil for an operand combination it does not handle: the op then runs on
// the logical tensors, which makes vmap fall back to its per-sample loop (counted).
//
// Ops call them as their first line, behind the `dual` nil check:
//     if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.exp() }) { return r }

extension Vmap {
    /// The batching level of `ts`, checked live (0: none batched).
    static func activeLevel(_ ts: [Tensor?]) -> Int {
        let l = level(ts)
        if l != 0 { _ = frame(l) }
        return l
    }

    /// An op applied to each element, or to the trailing axes only whatever the leading ones are
    /// (detach, to(dtype), clone): the same op on the physical tensor.
    static func elementwise(_ x: Tensor, _ f: (Tensor) -> Tensor) -> Tensor? {
        let l = activeLevel([x])
        guard l != 0 else { return nil }
        return wrap(f(physical(x, l)!), l)
    }

    /// A broadcasting op of two tensors: logical ranks aligned (size-1 axes inserted behind the
    /// batch axis of a batched operand of lower rank), an unbatched operand broadcast from the right.
    static func binary(_ a: Tensor, _ b: Tensor, _ f: (Tensor, Tensor) -> Tensor) -> Tensor? {
        let l = activeLevel([a, b])
        guard l != 0 else { return nil }
        let r = max(a.rank, b.rank)
        return wrap(f(aligned(a, l, rank: r), aligned(b, l, rank: r)), l)
    }

    /// A broadcasting op of three tensors (where, lerp, addcmul...).
    static func ternary(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ f: (Tensor, Tensor, Tensor) -> Tensor) -> Tensor? {
        let l = activeLevel([a, b, c])
        guard l != 0 else { return nil }
        let r = max(a.rank, b.rank, c.rank)
        return wrap(f(aligned(a, l, rank: r), aligned(b, l, rank: r), aligned(c, l, rank: r)), l)
    }

    /// An op along one axis of `x` (softmax, cumsum, select...): the axis normalised against the
    /// logical shape (the message names it), shifted past the batch axis.
    static func axis(_ x: Tensor, _ axis: Int, op: String, _ f: (Tensor, Int) -> Tensor) -> Tensor? {
        let l = activeLevel([x])
        guard l != 0 else { return nil }
        let ax = normalizeAxis(axis, x.rank, op: op, shape: x.shape)
        let p = physical(x, l)!
        guard x.rank == 0 else { return wrap(f(p, ax + 1), l) }
        // A 0-d sample: the op along a size-1 axis, which the result then drops.
        return wrap(f(p.unsqueeze(axis: 1), 1).reshape([p.shape[0]]), l)
    }

    /// unsqueeze: the new axis's position (0...rank) shifted past the batch axis.
    static func unsqueeze(_ x: Tensor, _ axis: Int) -> Tensor? {
        let l = activeLevel([x])
        guard l != 0 else { return nil }
        let a = normalizeAxis(axis, x.rank + 1, op: "unsqueeze", shape: x.shape)
        return wrap(physical(x, l)!.unsqueeze(axis: a + 1), l)
    }

    /// A reduction over `axes` (nil: all) of `x`: the axes normalised against the logical shape
    /// and shifted past the batch axis. A 0-d logical tensor reduces nothing.
    static func reduction(_ x: Tensor, _ axes: [Int]?, op: String, _ f: (Tensor, [Int]) -> Tensor) -> Tensor? {
        let l = activeLevel([x])
        guard l != 0 else { return nil }
        let reduce = x.reductionAxes(axes, op: op)
        let shifted = reduce.indices.filter { reduce[$0] }.map { $0 + 1 }
        return wrap(f(physical(x, l)!, shifted), l)
    }

    /// A new logical shape for `x` (reshape, view): `-1` resolved against the logical shape.
    static func reshape(_ x: Tensor, _ newShape: [Int], op: String, _ f: (Tensor, [Int]) -> Tensor) -> Tensor? {
        let l = activeLevel([x])
        guard l != 0 else { return nil }
        let p = physical(x, l)!
        let resolved = Tensor.resolveShape(newShape, count: x.count, from: x.shape, op: op)
        return wrap(f(p, [p.shape[0]] + resolved), l)
    }

    /// cat and stack of tensors some of which are batched: the unbatched ones expanded over the batch.
    static func list(_ xs: [Tensor], _ axis: Int, op: String, extraRank: Int, _ f: ([Tensor], Int) -> Tensor) -> Tensor? {
        let l = activeLevel(xs)
        guard l != 0, let first = xs.first else { return nil }
        let ax = normalizeAxis(axis, first.rank + extraRank, op: op, shape: first.shape)
        return wrap(f(xs.map { batched($0, l) }, ax + 1), l)
    }

    /// matmul (every case of torch.matmul): a 1-D operand becomes a matrix (a row on the left, a
    /// column on the right) whose extra axis is dropped from the result; logical ranks are then
    /// aligned as for broadcasting, so the batch axis lines up with the physical batch axis.
    static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor? {
        let l = activeLevel([a, b])
        guard l != 0 else { return nil }
        check(a.rank >= 1 && b.rank >= 1, "matmul: both operands need at least one axis, got shapes \(a.shape) and \(b.shape)")
        // Unbatched right operand of rank ≤ 2 against a batched left one: one product with the
        // batch folded into the rows (x·W for a batch of x).
        if let pa = physical(a, l), physical(b, l) == nil, b.rank <= 2, a.rank >= 1 {
            return wrap(pa.matmul(b), l)
        }
        let a2 = a.rank == 1 ? a.unsqueeze(axis: 0) : a
        let b2 = b.rank == 1 ? b.unsqueeze(axis: 1) : b
        let r = max(a2.rank, b2.rank)
        var y = aligned(a2, l, rank: r).matmul(aligned(b2, l, rank: r))
        // The column axis of a vector right operand goes first; the row axis of a vector left
        // operand is then last (dot) or second to last.
        if b.rank == 1 { y = y.squeeze(axis: -1) }
        if a.rank == 1 { y = y.squeeze(axis: b.rank == 1 ? -1 : -2) }
        return wrap(y, l)
    }

    /// linear: with an unbatched weight and bias, one product over the whole batch; otherwise
    /// composed from the matmul and add rules.
    static func linear(_ x: Tensor, _ w: Tensor, _ bias: Tensor?) -> Tensor? {
        let l = activeLevel([x, w, bias])
        guard l != 0 else { return nil }
        check(w.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == w.shape[1],
              "linear: input \(x.shape) does not match weight \(w.shape) (expected input [..., \(w.rank == 2 ? w.shape[1] : -1)])")
        if let px = physical(x, l), physical(w, l) == nil, bias.map({ physical($0, l) == nil }) ?? true {
            return wrap(SwiftGrad.linear(px, weight: w, bias: bias), l)
        }
        let y = x.matmul(w.mT)
        return bias.map { y + $0 } ?? y
    }

    /// Layer norm over trailing axes: the same op on the physical input (the batch axis leads) when
    /// only the input is batched; with a batched weight or bias, each sample normalised without
    /// the affine map, then the map by the elementwise rules (the fused kernel's arithmetic:
    /// x̂·weight, then + bias).
    static func layerNorm(_ x: Tensor, _ normalizedShape: [Int], _ w: Tensor?, _ b: Tensor?, eps: Double) -> Tensor? {
        let l = activeLevel([x, w, b])
        guard l != 0 else { return nil }
        if let px = physical(x, l), w.map({ physical($0, l) == nil }) ?? true, b.map({ physical($0, l) == nil }) ?? true {
            return wrap(SwiftGrad.layerNorm(px, normalizedShape: normalizedShape, weight: w, bias: b, eps: eps), l)
        }
        var y = SwiftGrad.layerNorm(x, normalizedShape: normalizedShape, eps: eps)
        if let w { y = y * w }
        if let b { y = y + b }
        return y
    }

    /// Cross-entropy with class-index targets and no class weights: the per-sample losses of the
    /// physical batch (reduction none), then each sample's reduction.
    static func crossEntropy(_ logits: Tensor, _ targets: Tensor, weight: Tensor?, ignoreIndex: Int,
                             labelSmoothing: Double, reduction: Reduction) -> Tensor? {
        let l = activeLevel([logits, targets, weight])
        guard l != 0 else { return nil }
        guard weight == nil, !targets.dtype.isFloatingPoint, logits.rank >= 1,
              reduction == .none || reduction == .sum || reduction == .mean else { return nil }
        // Logical logits [C] with a 0-d target, or [N, C, ...] with targets [N, ...].
        let pl = batched(logits, l), pt = batched(targets, l)
        let b = pl.shape[0]
        let flatLogits: Tensor, flatTargets: Tensor
        if logits.rank == 1 {
            flatLogits = pl
            flatTargets = pt.reshape([b])
        } else {
            // [B, N, C, d...] -> [B*N, C, d...]
            flatLogits = pl.reshape([b * logits.shape[0]] + Array(logits.shape.dropFirst()))
            flatTargets = pt.reshape([b * targets.shape[0]] + Array(targets.shape.dropFirst()))
        }
        let losses = SwiftGrad.crossEntropy(logits: flatLogits, targets: flatTargets, ignoreIndex: ignoreIndex,
                                            labelSmoothing: labelSmoothing, reduction: .none).reshape([b] + Array(targets.shape))
        switch reduction {
        case .none: return wrap(losses, l)
        case .sum: return wrap(losses.reshape([b, -1]).sum(axes: [1]), l)
        default:
            // The mean over the targets that are not ignored, per sample (PyTorch's mean).
            let kept = pt.reshape([b, -1]).ne(Double(ignoreIndex)).to(losses.dtype).sum(axes: [1])
            return wrap(losses.reshape([b, -1]).sum(axes: [1]) / kept, l)
        }
    }

    /// conv2d with an unbatched weight: the batch folded into the convolution's batch axis.
    static func conv2d(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ f: (Tensor) -> Tensor) -> Tensor? {
        let l = activeLevel([x, w, bias])
        guard l != 0 else { return nil }
        guard let px = physical(x, l), physical(w, l) == nil, bias.map({ physical($0, l) == nil }) ?? true,
              x.rank == 3 || x.rank == 4 else { return nil }
        if x.rank == 3 { return wrap(f(px), l) }
        let b = px.shape[0]
        let y = f(px.reshape([b * x.shape[0]] + Array(x.shape.dropFirst())))
        return wrap(y.reshape([b, x.shape[0]] + Array(y.shape.dropFirst())), l)
    }

    /// squeeze: the logical shape without its size-1 axes (or without `axis` when it has size 1).
    static func squeeze(_ x: Tensor, _ axis: Int?) -> Tensor? {
        guard level(x) != 0 else { return nil }
        var s = x.shape
        if let axis {
            let a = normalizeAxis(axis, x.rank, op: "squeeze", shape: x.shape)
            if x.rank > 0 && s[a] == 1 { s.remove(at: a) }
        } else {
            s = s.filter { $0 != 1 }
        }
        return reshape(x, s, op: "squeeze") { $0.reshape($1) }
    }

    /// permute: the logical axes shifted past the batch axis, which stays first.
    static func permute(_ x: Tensor, _ axes: [Int]) -> Tensor? {
        let l = activeLevel([x])
        guard l != 0 else { return nil }
        check(axes.count == x.rank, "permute: \(axes.count) axes given for a tensor of shape \(x.shape)")
        let p = axes.map { normalizeAxis($0, x.rank, op: "permute \(axes)", shape: x.shape) }
        check(Set(p).count == x.rank, "permute: axes \(axes) repeat an axis (shape \(x.shape))")
        return wrap(physical(x, l)!.permute([0] + p.map { $0 + 1 }), l)
    }

    /// expand: to a logical shape of at least the logical rank (-1 keeps a size).
    static func expand(_ x: Tensor, _ newShape: [Int]) -> Tensor? {
        let l = activeLevel([x])
        guard l != 0 else { return nil }
        check(newShape.count >= x.rank, "expand: cannot expand shape \(x.shape) to fewer axes \(newShape)")
        let p = aligned(x, l, rank: newShape.count)
        return wrap(p.expand([p.shape[0]] + newShape), l)
    }

    /// max/min along an axis: values and indices, both batched.
    static func extremum(_ x: Tensor, _ axis: Int, keepDim: Bool, _ f: (Tensor, Int) -> (values: Tensor, indices: Tensor))
        -> (values: Tensor, indices: Tensor)? {
        let l = activeLevel([x])
        guard l != 0 else { return nil }
        let ax = normalizeAxis(axis, x.rank, op: "max", shape: x.shape)
        let p = physical(x, l)!
        guard x.rank == 0 else {
            let (v, i) = f(p, ax + 1)
            return (wrap(v, l), wrap(i, l))
        }
        let (v, i) = f(p.unsqueeze(axis: 1), 1)
        return (wrap(v.reshape([p.shape[0]]), l), wrap(i.reshape([p.shape[0]]), l))
    }

    /// max()/min() of every element: per sample, over the flattened logical tensor.
    static func extremumAll(_ x: Tensor, isMax: Bool) -> Tensor? {
        let l = activeLevel([x])
        guard l != 0 else { return nil }
        check(x.count > 0, "\(isMax ? "max" : "min"): the tensor of shape \(x.shape) is empty")
        let p = physical(x, l)!
        if x.rank == 0 { return wrap(p.copy(), l) }
        let flat = p.reshape([p.shape[0], x.count])
        return wrap(isMax ? flat.amax(axes: [1]) : flat.amin(axes: [1]), l)
    }

    /// indexSelect: an unbatched index selects along the shifted axis; a batched index (and an
    /// unbatched source) is a gather of the source expanded over the batch.
    static func indexSelect(_ x: Tensor, _ axis: Int, _ indices: Tensor) -> Tensor? {
        let l = activeLevel([x, indices])
        guard l != 0 else { return nil }
        let ax = normalizeAxis(axis, x.rank, op: "indexSelect", shape: x.shape)
        let shifted = x.rank == 0 ? 1 : ax + 1
        guard let pi = physical(indices, l) else { return wrap(physical(x, l)!.indexSelect(axis: shifted, indices: indices), l) }
        guard x.rank >= 1, indices.rank <= 1 else { return nil }
        // out[b, ..., k, ...] = x[b, ..., idx[b, k], ...]: a gather with the index broadcast over the other axes.
        let px = batched(x, l)
        let k = indices.rank == 0 ? 1 : indices.shape[0]
        var idxShape = [Int](repeating: 1, count: px.rank)
        idxShape[0] = px.shape[0]; idxShape[shifted] = k
        var target = px.shape; target[shifted] = k
        let y = px.gather(axis: shifted, index: pi.reshape(idxShape).expand(target))
        return wrap(indices.rank == 0 ? y.squeeze(axis: shifted) : y, l)
    }

    /// gather: source and index both batched (an unbatched one expanded over the batch), along
    /// the shifted axis.
    static func gather(_ x: Tensor, _ axis: Int, _ index: Tensor) -> Tensor? {
        let l = activeLevel([x, index])
        guard l != 0 else { return nil }
        let ax = normalizeAxis(axis, x.rank, op: "gather", shape: x.shape)
        guard x.rank == index.rank, x.rank >= 1 else { return nil }
        let px = batched(x, l), pi = batched(index, l)
        return wrap(px.gather(axis: x.rank == 0 ? 1 : ax + 1, index: pi), l)
    }
}
