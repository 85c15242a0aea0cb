// Multi-head attention with PyTorch's packed in-projection (`in_proj_weight` [3E, E]) and masks.

/// Multi-head scaled dot-product attention, as `nn.MultiheadAttention`. Inputs are [L, N, E]
/// (or [N, L, E] with `batchFirst`, or unbatched [L, E]). Parameters, with PyTorch's names:
/// `in_proj_weight` [3E, E] (xavier uniform) when keys and values have E features, else
/// `q_proj_weight` [E, E], `k_proj_weight` [E, kdim], `v_proj_weight` [E, vdim]; `in_proj_bias`
/// [3E] (zeros); `bias_k`, `bias_v` [1, 1, E] with `addBiasKV` (xavier normal); `out_proj` (a
/// Linear whose bias starts at zero). Without `needWeights` it runs the fused
/// `scaledDotProductAttention`; with it, the weights are materialised to be returned.
///
///     let mha = MultiheadAttention(embedDim: 128, numHeads: 4, batchFirst: true)
///     let (y, weights) = mha(query: x, key: x, value: x, isCausal: true)
open class MultiheadAttention: Module {
    /// The packed projection [3E, E] (nil when kdim or vdim differ from embedDim).
    public let inProjWeight: Tensor?
    /// Separate projections, used when kdim or vdim differ from embedDim.
    public let qProjWeight: Tensor?, kProjWeight: Tensor?, vProjWeight: Tensor?
    public let inProjBias: Tensor?
    /// Learned key and value appended to the key/value sequence (`addBiasKV`).
    public let biasK: Tensor?, biasV: Tensor?
    public let outProj: Linear
    public let embedDim: Int, numHeads: Int, headDim: Int, kdim: Int, vdim: Int
    /// Dropout on the attention weights, in training only.
    public let dropout: Double
    public let batchFirst: Bool
    /// Appends a zero key and value (after the projections) to every sequence.
    public let addZeroAttn: Bool
    let generator: Generator?

    public init(embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, addBiasKV: Bool = false,
                addZeroAttn: Bool = false, kdim: Int? = nil, vdim: Int? = nil, batchFirst: Bool = false,
                dtype: DType = .float32, generator: Generator? = nil) {
        check(numHeads > 0 && embedDim % numHeads == 0, "MultiheadAttention: embedDim \(embedDim) must be divisible by numHeads \(numHeads)")
        let kd = kdim ?? embedDim, vd = vdim ?? embedDim
        check(kd > 0 && vd > 0, "MultiheadAttention: kdim \(kd) and vdim \(vd) must be positive")
        self.embedDim = embedDim; self.numHeads = numHeads; self.headDim = embedDim / numHeads
        self.kdim = kd; self.vdim = vd
        self.dropout = dropout; self.batchFirst = batchFirst; self.generator = generator; self.addZeroAttn = addZeroAttn
        outProj = Linear(inFeatures: embedDim, outFeatures: embedDim, bias: bias, dtype: dtype, generator: generator)
        func xavier(_ shape: [Int]) -> Tensor { makeParameter(shape, dtype: dtype) { Init.xavierUniform($0, generator: generator) } }
        if kd == embedDim && vd == embedDim {
            inProjWeight = xavier([3 * embedDim, embedDim])
            qProjWeight = nil; kProjWeight = nil; vProjWeight = nil
        } else {
            inProjWeight = nil
            qProjWeight = xavier([embedDim, embedDim]); kProjWeight = xavier([embedDim, kd]); vProjWeight = xavier([embedDim, vd])
        }
        inProjBias = bias ? makeParameter([3 * embedDim], dtype: dtype) { Init.zeros($0) } : nil
        if addBiasKV {
            biasK = makeParameter([1, 1, embedDim], dtype: dtype) { Init.xavierNormal($0, generator: generator) }
            biasV = makeParameter([1, 1, embedDim], dtype: dtype) { Init.xavierNormal($0, generator: generator) }
        } else {
            biasK = nil; biasV = nil
        }
        if let b = outProj.bias { Init.zeros(b) }
        super.init()
    }

    /// `MultiheadAttention(embedDim:numHeads:)` without labels.
    ///
    ///     let mha = MultiheadAttention(128, 4)
    public convenience init(_ embedDim: Int, _ numHeads: Int, dropout: Double = 0, batchFirst: Bool = false) {
        self.init(embedDim: embedDim, numHeads: numHeads, dropout: dropout, batchFirst: batchFirst)
    }

    /// Self-attention without masks; the output only.
    open override func forward(_ input: Tensor) -> Tensor {
        self(query: input, key: input, value: input, needWeights: false).output
    }

    /// Attention of `query` [L, N, E] over `key` [S, N, kdim] and `value` [S, N, vdim] (batch
    /// first if `batchFirst`).
    /// - `keyPaddingMask` [N, S]: bool with true at keys to ignore (integer masks: nonzero), or a
    ///   float mask added to the scores.
    /// - `attnMask` [L, S] or [N·heads, L, S]: bool with true where attention is not allowed
    ///   (integer masks: nonzero), or float added.
    /// - `isCausal`: position i attends to positions ≤ i only (used when `attnMask` is nil).
    /// Returns the output and, if `needWeights`, the attention weights [N, L, S] (averaged over the
    /// heads unless `averageAttnWeights: false`, then [N, heads, L, S]).
    ///
    ///     let (y, _) = mha(query: q, key: k, value: v, keyPaddingMask: padding, needWeights: false)
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil, needWeights: Bool = true,
                               attnMask: Tensor? = nil, averageAttnWeights: Bool = true, isCausal: Bool = false) -> (output: Tensor, weights: Tensor?) {
        let r = hooked(optional: [query, key, value, keyPaddingMask, attnMask]) { xs in
            let (o, w) = attend(query: xs[0]!, key: xs[1]!, value: xs[2]!, keyPaddingMask: xs[3], needWeights: needWeights,
                                attnMask: xs[4], averageAttnWeights: averageAttnWeights, isCausal: isCausal)
            return [o] + (w.map { [$0] } ?? [])
        }
        return (r[0], r.count > 1 ? r[1] : nil)
    }

    /// The call without hooks.
    private func attend(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil, needWeights: Bool = true,
                               attnMask: Tensor? = nil, averageAttnWeights: Bool = true, isCausal: Bool = false) -> (output: Tensor, weights: Tensor?) {
        check(query.rank == key.rank && key.rank == value.rank && (query.rank == 3 || query.rank == 2),
                     "MultiheadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) must all be 3-D (or all 2-D unbatched)")
        check(query.shape.last == embedDim && key.shape.last == kdim && value.shape.last == vdim,
                     "MultiheadAttention: query \(query.shape), key \(key.shape), value \(value.shape) must end with embedDim \(embedDim), kdim \(kdim) and vdim \(vdim)")
        for (name, t) in [("query", query), ("key", key), ("value", value)] {
            checkInputDType("MultiheadAttention (\(name))", t, outProj.weight, name: "out_proj.weight")
        }
        let unbatched = query.rank == 2
        func batchMajor(_ t: Tensor) -> Tensor { unbatched ? t.unsqueeze(axis: 0) : (batchFirst ? t : t.transpose(0, 1)) }
        let q0 = batchMajor(query), k0 = batchMajor(key), v0 = batchMajor(value)
        let n = q0.shape[0], l = q0.shape[1], h = numHeads, d = headDim
        var s = k0.shape[1]
        check(k0.shape[0] == n && v0.shape[0] == n && v0.shape[1] == s,
                     "MultiheadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) disagree on batch or length")

        // In-projection: one GEMM for packed self-attention, three with weight slices otherwise.
        var q: Tensor, k: Tensor, v: Tensor
        let b = inProjBias?.chunk(3, axis: 0)
        if let w = inProjWeight, query === key && key === value {
            let qkv = linear(q0, weight: w, bias: inProjBias).chunk(3, axis: -1)
            (q, k, v) = (qkv[0], qkv[1], qkv[2])
        } else {
            let w = inProjWeight?.chunk(3, axis: 0) ?? [qProjWeight!, kProjWeight!, vProjWeight!]
            q = linear(q0, weight: w[0], bias: b?[0]); k = linear(k0, weight: w[1], bias: b?[1]); v = linear(v0, weight: w[2], bias: b?[2])
        }
        var attnMask = attnMask, keyPaddingMask = keyPaddingMask
        if let kpm = keyPaddingMask {
            check(kpm.shape == [n, s] || (unbatched && kpm.shape == [s]),
                         "MultiheadAttention: keyPaddingMask must be [\(n), \(s)], got \(kpm.shape) (key \(key.shape))")
        }
        func padKey(_ m: Tensor?) -> Tensor? {
            guard let m else { return nil }
            var shape = m.shape
            shape[shape.count - 1] = 1
            return Tensor.cat([m, Tensor.zeros(shape, dtype: m.dtype)], axis: -1)
        }
        if attnMask == nil && isCausal && (biasK != nil || addZeroAttn) { attnMask = causalMask(l, s) }
        if let bk = biasK, let bv = biasV {
            // One more key and value, learned (PyTorch's add_bias_kv); the masks let every query see it.
            k = Tensor.cat([k, bk.expand([n, 1, embedDim])], axis: 1)
            v = Tensor.cat([v, bv.expand([n, 1, embedDim])], axis: 1)
            attnMask = padKey(attnMask); keyPaddingMask = padKey(keyPaddingMask)
            s += 1
        }
        func heads(_ t: Tensor, _ len: Int) -> Tensor { t.reshape([n, len, h, d]).permute([0, 2, 1, 3]) }
        var qh = heads(q, l), kh = heads(k, s), vh = heads(v, s)
        if addZeroAttn {
            let zero = Tensor.zeros([n, h, 1, d], dtype: kh.dtype)
            kh = Tensor.cat([kh, zero], axis: 2); vh = Tensor.cat([vh, zero], axis: 2)
            attnMask = padKey(attnMask); keyPaddingMask = padKey(keyPaddingMask)
            s += 1
        }
        // Both masks merged into one additive mask [n or 1, heads or 1, l, s].
        var merged = additiveMask(attnMask ?? (isCausal && keyPaddingMask != nil ? causalMask(l, s) : nil),
                                  n: n, l: l, s: s, dtype: q.dtype, name: "attnMask")
        if let kpm = keyPaddingMask {
            let m = additiveMask(kpm.reshape([n, 1, 1, s]), n: n, l: l, s: s, dtype: q.dtype, name: "keyPaddingMask")!
            merged = merged.map { $0 + m } ?? m
        }
        let causalOnly = isCausal && merged == nil
        let p = isTraining ? dropout : 0
        let context: Tensor, attn: Tensor?
        if needWeights {
            qh = qh * (1 / Double(d).squareRoot())
            var scores = Tensor.mm(qh, kh, transA: false, transB: true)          // [n, h, l, s]
            if let merged { scores = scores + merged }
            if causalOnly { scores = scores + additiveMask(causalMask(l, s), n: n, l: l, s: s, dtype: q.dtype, name: "isCausal")! }
            let w = scores.softmax(axis: -1)
            attn = w
            context = (p > 0 ? SwiftGrad.dropout(w, p: p, training: true, generator: generator) : w).matmul(vh)
        } else {
            attn = nil
            context = scaledDotProductAttention(qh, kh, vh, mask: merged, isCausal: causalOnly, dropout: p, generator: generator)
        }
        var out = outProj(context.permute([0, 2, 1, 3]).reshape([n, l, embedDim]))
        out = unbatched ? out.squeeze(axis: 0) : (batchFirst ? out : out.transpose(0, 1))
        guard let attn else { return (out, nil) }
        var weights = averageAttnWeights ? attn.mean(axis: 1) : attn
        if unbatched { weights = weights.squeeze(axis: 0) }
        return (out, weights)
    }

    /// A bool [l, s] mask, true above the diagonal (future positions).
    func causalMask(_ l: Int, _ s: Int) -> Tensor {
        var m = [Bool](repeating: false, count: l * s)
        for i in 0..<l { for j in 0..<s where j > i { m[i * s + j] = true } }
        return Tensor(m, shape: [l, s])
    }

    /// The mask as a float tensor to add to the scores, [1 or n, 1 or heads, l, s]: bool (and
    /// integer) masks give -inf where true (nonzero), float masks are taken as they are.
    func additiveMask(_ mask: Tensor?, n: Int, l: Int, s: Int, dtype: DType, name: String) -> Tensor? {
        guard var m = mask else { return nil }
        if m.rank == 2 && m.shape == [l, s] { m = m.reshape([1, 1, l, s]) }
        else if m.rank == 3 && m.shape == [n * numHeads, l, s] { m = m.reshape([n, numHeads, l, s]) }
        check(m.rank == 4, "MultiheadAttention: \(name) must be [\(l), \(s)] or [\(n * numHeads), \(l), \(s)], got \(mask!.shape)")
        if m.dtype.isIntegral(includingBool: true) {
            return Tensor.where(m, Tensor.full([], -.infinity, dtype: dtype), Tensor.full([], 0, dtype: dtype))
        }
        return m.to(dtype)
    }

    open override var extraDescription: String { "embed_dim=\(embedDim), num_heads=\(numHeads)" }
}
