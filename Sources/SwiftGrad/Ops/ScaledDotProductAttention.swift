// scaledDotProductAttention: PyTorch's F.scaled_dot_product_attention as one fused op
// (Kernels/AttentionKernels.swift), forward and backward never holding more than a block of the
// [L, S] scores per head.

/// softmax(q·kᵀ·scale + mask)·v, as PyTorch's `F.scaled_dot_product_attention`.
///
/// Shapes: `query` [..., L, E], `key` [..., S, E], `value` [..., S, Ev], one rank for all three;
/// the leading (batch, head) axes broadcast; the result is [..., L, Ev].
/// - `mask`: bool (true = may attend, PyTorch's convention) or float (added to the scores),
///   broadcastable to [..., L, S]. A float mask that requires grad gets its gradient.
/// - `isCausal`: query i attends to keys j ≤ i (top-left aligned, as PyTorch's); not with `mask`.
/// - `dropout`: probability of dropping an attention weight (applied whenever > 0, as PyTorch's
///   functional form; modules pass 0 in eval mode). With dropout the composed path runs (the
///   weights are materialised), as in PyTorch's math backend.
/// - `scale`: defaults to 1/√E.
/// - `enableGQA`: grouped-query attention; `key`/`value` have Hk heads on axis -3 and `query`
///   Hq = g·Hk: query head h uses key/value head h / g (PyTorch's `repeat_interleave`).
/// The result is laid out in memory like `query` (heads permuted out of [N, L, H, E] give a result
/// that is [N, L, H, Ev] in memory, so `.transpose(1, 2).reshape(...)` back to [N, L, H·Ev] is a
/// view). A row whose keys are all masked gives zeros (PyTorch's safe softmax). float16/bfloat16 compute
/// in float32 and round once. The fused op's backward is a kernel: double backward through it is
/// not supported (as PyTorch's fused kernels; `createGraph: true` through it stops with a message).
///
///     let y = scaledDotProductAttention(q, k, v, isCausal: true)        // q, k, v [N, H, L, E]
///     let z = scaledDotProductAttention(q, k, v, mask: keep, scale: 0.125)
public func scaledDotProductAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, mask: Tensor? = nil,
                                      isCausal: Bool = false, dropout: Double = 0, scale: Double? = nil,
                                      enableGQA: Bool = false, generator: Generator? = nil) -> Tensor {
    sdpa(query, key, value, mask: mask, isCausal: isCausal, dropout: dropout, scale: scale, enableGQA: enableGQA,
         generator: generator, blockRows: 64, blockCols: 64)
}

/// The checks and the dispatch of `scaledDotProductAttention`, with the kernel's block sizes
/// (tests use small blocks to cover the tiling on small inputs).
func sdpa(_ query: Tensor, _ key: Tensor, _ value: Tensor, mask: Tensor?, isCausal: Bool, dropout: Double,
          scale: Double?, enableGQA: Bool, generator: Generator?, blockRows: Int, blockCols: Int) -> Tensor {
    // Built only when a check fails (a message per call cost every decode step a string).
    func shapes() -> String { "query \(query.shape), key \(key.shape), value \(value.shape)\(mask.map { ", mask \($0.shape)" } ?? "")" }
    check(query.rank >= 2 && query.rank == key.rank && key.rank == value.rank,
          "scaledDotProductAttention: query, key and value must have one rank of at least 2 ([..., L, E], [..., S, E], [..., S, Ev]), got \(shapes())")
    check(query.dtype.isFloatingPoint && query.dtype == key.dtype && key.dtype == value.dtype,
          "scaledDotProductAttention: query, key and value must share one float dtype, got \(query.dtype), \(key.dtype), \(value.dtype) (\(shapes()))")
    let r = query.rank, l = query.shape[r - 2], e = query.shape[r - 1], s = key.shape[r - 2], ev = value.shape[r - 1]
    check(key.shape[r - 1] == e && value.shape[r - 2] == s,
          "scaledDotProductAttention: key must be [..., S, E] with query's E and value [..., S, Ev] with key's S, got \(shapes())")
    check(dropout >= 0 && dropout <= 1, "scaledDotProductAttention: dropout must be in [0, 1], got \(dropout) (\(shapes()))")
    check(mask == nil || !isCausal, "scaledDotProductAttention: an explicit mask cannot be combined with isCausal: true (\(shapes()))")
    if let scale { check(scale.isFinite, "scaledDotProductAttention: scale must be finite, got \(scale) (\(shapes()))") }
    if let mask {
        check(mask.dtype == .bool || mask.dtype.isFloatingPoint,
              "scaledDotProductAttention: the mask must be bool (true = attend) or float (added), got \(mask.dtype) (\(shapes()))")
    }
    if query.dtype.isReducedPrecision {
        let m = mask.map { $0.dtype == .bool ? $0 : $0.to(.float32) }
        return sdpa(query.to(.float32), key.to(.float32), value.to(.float32), mask: m, isCausal: isCausal, dropout: dropout,
                    scale: scale, enableGQA: enableGQA, generator: generator, blockRows: blockRows, blockCols: blockCols)
            .to(query.dtype)
    }
    // Batch axes: with GQA the head axis (-3) of key/value has Hk = Hq / g heads.
    var qb = Array(query.shape.dropLast(2)), kb = Array(key.shape.dropLast(2)), vb = Array(value.shape.dropLast(2))
    var group = 1, headAxis: Int? = nil
    if enableGQA && r >= 3 {
        let hq = qb[r - 3], hk = kb[r - 3]
        check(hk > 0 && hq % hk == 0 && vb[r - 3] == hk,
              "scaledDotProductAttention: with enableGQA the query's heads (\(hq)) must be a multiple of the key's (\(hk)), and value must have the key's heads (\(shapes()))")
        group = hq / hk; headAxis = r - 3
        kb[r - 3] = hq; vb[r - 3] = hq
    }
    guard let b1 = broadcastShapeIfPossible(qb, kb), let batch = broadcastShapeIfPossible(b1, vb) else {
        checkFailure("scaledDotProductAttention: the batch axes of query, key and value do not broadcast (\(shapes()))")
    }
    qb = batch
    var kvBatch = batch
    if let h = headAxis { kvBatch[h] = batch[h] / group }
    var additive: Tensor? = nil
    if let mask {
        check(broadcastShapeIfPossible(mask.shape, batch + [l, s]) == batch + [l, s],
              "scaledDotProductAttention: the mask must broadcast to [..., L, S] = \(batch + [l, s]) (\(shapes()))")
        // A bool mask keeps where true: 0 there, -inf elsewhere.
        additive = mask.dtype == .bool
            ? Tensor.where(mask, Tensor.full([], 0, dtype: query.dtype), Tensor.full([], -.infinity, dtype: query.dtype))
            : mask.to(query.dtype)
    }
    let scl = scale ?? 1 / Double(e).squareRoot()
    if dropout > 0 {
        return composedAttention(query, key, value, additive: additive, isCausal: isCausal, dropout: dropout, scale: scl,
                                 group: group, generator: generator)
    }
    let outShape = batch + [l, ev]
    let z = checkedElementCount(batch, dtype: query.dtype, op: "scaledDotProductAttention")
    let geometry = AttentionGeometry(batch: batch, kvBatch: kvBatch, l: l, s: s, e: e, ev: ev, headAxis: headAxis,
                                     group: group, scale: scl, causal: isCausal, blockRows: blockRows, blockCols: blockCols)
    // The output is laid out in memory like the query (as PyTorch's CPU flash attention): heads
    // permuted out of [N, L, H, E] give an output that is [N, L, H, Ev] in memory, so the usual
    // `.transpose(1, 2).reshape([N, L, H·Ev])` that follows is a view, not a copy.
    let out = Tensor.uninitialized(outShape, dtype: query.dtype, layoutOf: query)
    // The per-row logsumexp is a private buffer of this node (never part of a graph), so keeping it
    // in the backward closure cannot form a cycle; it is freed with the node.
    let lse = Tensor(uninitializedShape: [z, l], dtype: query.dtype)
    let (basePlan, qx, kx, vx, mx) = geometry.plan(query, key, value, additive)
    var plan = basePlan
    (plan.ldo, plan.offO) = geometry.layout(out)
    Kernels.attentionForward(plan, q: qx, k: kx, v: vx, mask: mx, out: out, lse: lse)
    return out.recorded(.scaledDotProductAttention, inputs: [query, key, value] + (additive.map { [$0] } ?? []), save: [.inputs, .output]) { g, ctx in
        check(!ThreadContext.current.gradEnabled,
              "scaledDotProductAttention: double backward (createGraph: true) through the fused attention is not supported, as PyTorch's fused kernels; compose softmax(q·kᵀ·scale + mask)·v for higher derivatives")
        let q = ctx.input(0), k = ctx.input(1), v = ctx.input(2), m = ctx.node.inputs.count > 3 ? ctx.node.inputs[3] : nil
        let (basePlan, qx, kx, vx, mx) = geometry.plan(q, k, v, m)
        var plan = basePlan
        // The gradients laid out like their inputs, and g read in place when its rows are (it is
        // out's layout when the output was transposed and reshaped as above).
        let dq = Tensor.uninitialized(batch + [l, e], dtype: q.dtype, layoutOf: q)
        let dkFull = Tensor.uninitialized(batch + [s, e], dtype: q.dtype, layoutOf: k)
        let dvFull = Tensor.uninitialized(batch + [s, ev], dtype: q.dtype, layoutOf: v)
        let dMask = m != nil && ctx.needsGrad(3) ? Tensor(uninitializedShape: batch + [l, s], dtype: q.dtype) : nil
        let out = ctx.output, gx = geometry.readable(g, batch)
        (plan.ldo, plan.offO) = geometry.layout(out)
        (plan.ldg, plan.offG) = geometry.layout(gx)
        (plan.lddq, plan.offDQ) = geometry.layout(dq)
        (plan.lddk, plan.offDK) = geometry.layout(dkFull)
        (plan.lddv, plan.offDV) = geometry.layout(dvFull)
        Kernels.attentionBackward(plan, q: qx, k: kx, v: vx, mask: mx, out: out, lse: lse, dOut: gx,
                                  dq: dq, dk: dkFull, dv: dvFull, dMask: dMask)
        // Grouped heads: query heads h·g ..< (h+1)·g share key head h, so their gradients add up.
        func grouped(_ t: Tensor) -> Tensor {
            guard let h = headAxis, group > 1 else { return t }
            var shape = t.shape
            shape[h] = batch[h] / group
            shape.insert(group, at: h + 1)
            return t.reshape(shape).sum(axis: h + 1)
        }
        return [dq, grouped(dkFull), grouped(dvFull)] + (m != nil ? [dMask] : [])
    }
}

/// The shapes of one attention call, and how its operands are read by the kernel.
struct AttentionGeometry {
    let batch: [Int], kvBatch: [Int]
    let l: Int, s: Int, e: Int, ev: Int
    let headAxis: Int?, group: Int
    let scale: Double, causal: Bool
    let blockRows: Int, blockCols: Int

    /// `t` as the kernel reads it: expanded (a view) to `batchShape` + its matrix shape, taken
    /// contiguous only when its feature axis is not unit-stride or its rows overlap.
    func readable(_ t: Tensor, _ batchShape: [Int]) -> Tensor {
        let r = t.rank, rows = t.shape[r - 2], cols = t.shape[r - 1]
        let st = t.strides
        let ok = (cols <= 1 || st[r - 1] == 1) && (rows <= 1 || st[r - 2] >= Swift.max(cols, 1))
        return withNoGrad { (ok ? t : t.contiguous()).expand(batchShape + [rows, cols]) }
    }

    /// The row stride of a readable matrix operand.
    func ld(_ t: Tensor) -> Int { t.shape[t.rank - 2] <= 1 ? Swift.max(t.shape[t.rank - 1], 1) : t.strides[t.rank - 2] }

    /// The row stride and per-problem offsets of a readable operand of the batch shape (the output,
    /// the upstream gradient, the gradients).
    func layout(_ t: Tensor) -> (Int, [Int]) { (ld(t), offsets(t, group: 1)) }

    /// The kernel's plan and its operands: each expanded (a view) to the batch shape, taken
    /// contiguous only when its feature axis is not unit-stride or its rows overlap. The output's
    /// and the gradients' layouts are the caller's to set (`layout`).
    func plan(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ mask: Tensor?) -> (AttentionPlan, Tensor, Tensor, Tensor, Tensor?) {
        let qx = readable(q, batch), kx = readable(k, kvBatch), vx = readable(v, kvBatch)
        let mx = mask.map { m in withNoGrad { m.expand(batch + [l, s]) } }
        var plan = AttentionPlan(z: batch.reduce(1, *), l: l, s: s, e: e, ev: ev, ldq: ld(qx), ldk: ld(kx), ldv: ld(vx),
                                 offQ: offsets(qx, group: 1), offK: offsets(kx, group: group), offV: offsets(vx, group: group),
                                 offM: mx.map { offsets($0, group: 1) }, scale: scale, causal: causal,
                                 blockRows: blockRows, blockCols: blockCols)
        if let mx {
            plan.maskRowStride = mx.strides[mx.rank - 2]
            plan.maskColStride = mx.strides[mx.rank - 1]
        }
        return (plan, qx, kx, vx, mx)
    }

    /// The offset (in elements, from the view's first element) of each problem's matrix, for
    /// problems numbered row-major over `batch`; grouped operands read head h at h / group.
    func offsets(_ t: Tensor, group: Int) -> [Int] {
        let st = t.strides, nb = batch.count
        var index = [Int](repeating: 0, count: nb)
        var result = [Int](repeating: 0, count: batch.reduce(1, *))
        for zi in result.indices {
            var o = 0
            for a in 0..<nb { o += (a == headAxis ? index[a] / group : index[a]) * st[a] }
            result[zi] = o
            var a = nb - 1
            while a >= 0 {
                index[a] += 1
                if index[a] < batch[a] { break }
                index[a] = 0; a -= 1
            }
        }
        return result
    }
}

extension Tensor {
    /// An uninitialised tensor of `shape` laid out in memory in the order of `like`'s strides: a
    /// permuted view of one contiguous buffer (its base), so a kernel's result keeps its input's
    /// layout (attention heads permuted out of [N, L, H, E] give a result that is [N, L, H, ·] in
    /// memory). Contiguous when `like` is, has another rank, or when its last axis is not its
    /// innermost.
    static func uninitialized(_ shape: [Int], dtype: DType, layoutOf like: Tensor) -> Tensor {
        let r = shape.count
        guard like.rank == r, r >= 2, !like.isContiguous else { return Tensor(uninitializedShape: shape, dtype: dtype) }
        let st = like.strides
        // Axes from outermost to innermost in memory; equal strides keep their order.
        let order = (0..<r).sorted { st[$0] > st[$1] || (st[$0] == st[$1] && $0 < $1) }
        guard order.last == r - 1 else { return Tensor(uninitializedShape: shape, dtype: dtype) }
        let physical = Tensor(uninitializedShape: order.map { shape[$0] }, dtype: dtype)
        let physicalStrides = contiguousStrides(physical.shape)
        var strides = [Int](repeating: 0, count: r)
        for (position, axis) in order.enumerated() { strides[axis] = physicalStrides[position] }
        return physical.makeView(shape: shape, strides: strides, offset: 0)
    }
}

/// The attention written with recorded ops (the path with dropout): the weights are materialised.
func composedAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, additive: Tensor?, isCausal: Bool, dropout: Double,
                       scale: Double, group: Int, generator: Generator?) -> Tensor {
    func repeated(_ t: Tensor) -> Tensor {
        guard group > 1 else { return t }
        var shape = t.shape
        let h = t.rank - 3
        let expanded = t.unsqueeze(axis: h + 1)
        var big = expanded.shape
        big[h + 1] = group
        shape[h] *= group
        return expanded.expand(big).reshape(shape)
    }
    let l = q.shape[q.rank - 2], s = k.shape[k.rank - 2]
    var scores = q.matmul(repeated(k).transpose(-2, -1)) * scale
    if let additive { scores = scores + additive }
    if isCausal {
        var keep = [Bool](repeating: false, count: l * s)
        for i in 0..<l { for j in 0..<s where j <= i { keep[i * s + j] = true } }
        scores = Tensor.where(Tensor(keep, shape: [l, s]), scores, Tensor.full([], -.infinity, dtype: scores.dtype))
    }
    var weights = scores.softmax(axis: -1)
    // PyTorch's safe softmax: a row with every key masked is 0, not NaN.
    weights = Tensor.where(weights.isnan(), Tensor.full([], 0, dtype: weights.dtype), weights)
    weights = SwiftGrad.dropout(weights, p: dropout, training: true, generator: generator)
    return weights.matmul(repeated(v))
}
