// Multi-head attention with PyTorch's packed in-projection (`in_proj_weight` [3E, E]) and masks.

/// Multi-head scaled dot-product attention, as `nn.MultiheadAttention`. Inputs are [L, N, E]
/// (or [N, L, E] with `batchFirst`, or unbatched [L, E]). Parameters: `in_proj_weight` (xavier
/// uniform), `in_proj_bias` (zeros), `out_proj` (a Linear whose bias starts at zero).
///
///     let mha = MultiheadAttention(embedDim: 128, numHeads: 4, batchFirst: true)
///     let (y, weights) = mha(query: x, key: x, value: x, isCausal: true)
open class MultiheadAttention: Module {
    public let inProjWeight: Tensor
    public let inProjBias: Tensor?
    public let outProj: Linear
    public let embedDim: Int, numHeads: Int, headDim: Int
    /// Dropout on the attention weights, in training only.
    public let dropout: Double
    public let batchFirst: Bool
    let generator: Generator?

    public init(embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, batchFirst: Bool = false,
                dtype: DType = .float32, generator: Generator? = nil) {
        check(numHeads > 0 && embedDim % numHeads == 0, "MultiheadAttention: embedDim \(embedDim) must be divisible by numHeads \(numHeads)")
        self.embedDim = embedDim; self.numHeads = numHeads; self.headDim = embedDim / numHeads
        self.dropout = dropout; self.batchFirst = batchFirst; self.generator = generator
        outProj = Linear(inFeatures: embedDim, outFeatures: embedDim, bias: bias, dtype: dtype, generator: generator)
        inProjWeight = makeParameter([3 * embedDim, embedDim], dtype: dtype) { Init.xavierUniform($0, generator: generator) }
        inProjBias = bias ? makeParameter([3 * embedDim], dtype: dtype) { Init.zeros($0) } : nil
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

    /// Attention of `query` [L, N, E] over `key`/`value` [S, N, E] (batch first if `batchFirst`).
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
        check(query.rank == key.rank && key.rank == value.rank && (query.rank == 3 || query.rank == 2),
                     "MultiheadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) must all be 3-D (or all 2-D unbatched)")
        check(query.shape.last == embedDim && key.shape.last == embedDim && value.shape.last == embedDim,
                     "MultiheadAttention: query \(query.shape), key \(key.shape), value \(value.shape) must end with embedDim \(embedDim)")
        for (name, t) in [("query", query), ("key", key), ("value", value)] {
            checkInputDType("MultiheadAttention (\(name))", t, inProjWeight, name: "in_proj_weight")
        }
        let unbatched = query.rank == 2
        func batchMajor(_ t: Tensor) -> Tensor { unbatched ? t.unsqueeze(axis: 0) : (batchFirst ? t : t.transpose(0, 1)) }
        let q0 = batchMajor(query), k0 = batchMajor(key), v0 = batchMajor(value)
        let n = q0.shape[0], l = q0.shape[1], s = k0.shape[1], h = numHeads, d = headDim
        check(k0.shape[0] == n && v0.shape[0] == n && v0.shape[1] == s,
                     "MultiheadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) disagree on batch or length")

        // Packed in-projection: one GEMM for self-attention, three with weight slices otherwise.
        let q: Tensor, k: Tensor, v: Tensor
        if query === key && key === value {
            let qkv = linear(q0, weight: inProjWeight, bias: inProjBias).chunk(3, axis: -1)
            (q, k, v) = (qkv[0], qkv[1], qkv[2])
        } else {
            let w = inProjWeight.chunk(3, axis: 0), b = inProjBias?.chunk(3, axis: 0)
            q = linear(q0, weight: w[0], bias: b?[0]); k = linear(k0, weight: w[1], bias: b?[1]); v = linear(v0, weight: w[2], bias: b?[2])
        }
        func heads(_ t: Tensor, _ len: Int) -> Tensor { t.reshape([n, len, h, d]).permute([0, 2, 1, 3]) }
        let qh = heads(q * (1 / Double(d).squareRoot()), l), kh = heads(k, s), vh = heads(v, s)
        var scores = Tensor.mm(qh, kh, transA: false, transB: true)          // [n, h, l, s]
        scores = applyMask(scores, attnMask ?? (isCausal ? causalMask(l, s) : nil), n: n, l: l, s: s, name: "attnMask")
        if let kpm = keyPaddingMask {
            check(kpm.shape == [n, s] || (unbatched && kpm.shape == [s]),
                         "MultiheadAttention: keyPaddingMask must be [\(n), \(s)], got \(kpm.shape) (key \(key.shape))")
            scores = applyMask(scores, kpm.reshape([n, 1, 1, s]), n: n, l: l, s: s, name: "keyPaddingMask")
        }
        var attn = scores.softmax(axis: -1)
        if dropout > 0 && isTraining { attn = SwiftGrad.dropout(attn, p: dropout, training: true, generator: generator) }
        let context = attn.matmul(vh).permute([0, 2, 1, 3]).reshape([n, l, embedDim])
        var out = outProj(context)
        out = unbatched ? out.squeeze(axis: 0) : (batchFirst ? out : out.transpose(0, 1))
        guard needWeights else { return (out, nil) }
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

    /// bool (and integer) masks set masked scores to -inf; float masks are added.
    func applyMask(_ scores: Tensor, _ mask: Tensor?, n: Int, l: Int, s: Int, name: String) -> Tensor {
        guard var m = mask else { return scores }
        if m.rank == 2 && m.shape == [l, s] { m = m.reshape([1, 1, l, s]) }
        else if m.rank == 3 && m.shape == [n * numHeads, l, s] { m = m.reshape([n, numHeads, l, s]) }
        check(m.rank == 4, "MultiheadAttention: \(name) must be [\(l), \(s)] or [\(n * numHeads), \(l), \(s)], got \(mask!.shape)")
        if m.dtype.isIntegral(includingBool: true) {
            return Tensor.where(m, Tensor.full([], -.infinity, dtype: scores.dtype), scores)
        }
        return scores + m.to(scores.dtype)
    }

    open override var extraDescription: String { "embed_dim=\(embedDim), num_heads=\(numHeads)" }
}
