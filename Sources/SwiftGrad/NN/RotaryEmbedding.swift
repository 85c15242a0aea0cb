import Foundation

// Rotary position embeddings (RoPE), as Hugging Face's Llama: `RotaryEmbedding` gives cos and sin
// for positions, `applyRotaryEmbedding` rotates query and key heads with them.

/// The cos/sin tables of rotary position embeddings, as Hugging Face's `LlamaRotaryEmbedding`:
/// inverse frequencies 1 / base^(2i/dim) for i < dim/2 (divided by `scalingFactor`, the "linear"
/// rope scaling), angles position · invFreq repeated twice along the last axis ([θ₀..θ_{d/2-1},
/// θ₀..θ_{d/2-1}]), and cos/sin multiplied by `attentionScaling`. Not a module: it has no
/// parameters (HF's `inv_freq` is a non-persistent buffer).
///
///     let rope = RotaryEmbedding(dim: 64, base: 10_000)
///     let (cos, sin) = rope(positions: Tensor.arange(0, 16, dtype: .int64).unsqueeze(axis: 0), dtype: .float32)
public struct RotaryEmbedding: Sendable {
    public let dim: Int
    public let base: Double
    public let scalingFactor: Double
    public let attentionScaling: Double
    /// 1 / base^(2i/dim) / scalingFactor, i < dim/2.
    public let inverseFrequencies: [Double]

    public init(dim: Int, base: Double = 10_000, scalingFactor: Double = 1, attentionScaling: Double = 1) {
        check(dim > 0 && dim % 2 == 0, "RotaryEmbedding: dim must be positive and even, got \(dim)")
        check(base > 0 && scalingFactor > 0, "RotaryEmbedding: base (\(base)) and scalingFactor (\(scalingFactor)) must be positive")
        self.dim = dim; self.base = base; self.scalingFactor = scalingFactor; self.attentionScaling = attentionScaling
        // HF computes inv_freq in float32 from an int64 arange: round the same way.
        inverseFrequencies = (0..<(dim / 2)).map { i in
            Double(Float(1 / Foundation.pow(base, Double(2 * i) / Double(dim)))) / scalingFactor
        }
    }

    /// cos and sin for integer `positions` of any shape P (HF passes [batch, seq]): each [P..., dim],
    /// in `dtype` (computed in float64, rounded once).
    ///
    ///     let (cos, sin) = rope(positions: Tensor([0, 1, 2], shape: [1, 3]), dtype: q.dtype)
    public func callAsFunction(positions: Tensor, dtype: DType = .float32) -> (cos: Tensor, sin: Tensor) {
        check(dtype.isFloatingPoint, "RotaryEmbedding: dtype must be a float dtype, got \(dtype) (positions \(positions.shape))")
        let pos = positions.doubles, half = dim / 2
        var c = [Double](repeating: 0, count: pos.count * dim), s = c
        for (p, x) in pos.enumerated() {
            for i in 0..<half {
                // HF: the angle is a float32 product of position and inv_freq.
                let angle = Double(Float(x) * Float(inverseFrequencies[i]))
                let cv = Foundation.cos(angle) * attentionScaling, sv = Foundation.sin(angle) * attentionScaling
                c[p * dim + i] = cv; c[p * dim + half + i] = cv
                s[p * dim + i] = sv; s[p * dim + half + i] = sv
            }
        }
        return (Tensor(c, shape: positions.shape + [dim], dtype: dtype), Tensor(s, shape: positions.shape + [dim], dtype: dtype))
    }
}

/// [-x₂, x₁] for x = [x₁, x₂] split in halves along the last axis (HF's `rotate_half`).
///
///     let r = rotateHalf(q)
public func rotateHalf(_ x: Tensor) -> Tensor {
    let d = x.shape.last ?? 0
    check(x.rank >= 1 && d % 2 == 0, "rotateHalf: the last axis must have an even size, got \(x.shape)")
    let halves = x.chunk(2, axis: -1)
    return Tensor.cat([-halves[1], halves[0]], axis: -1)
}

/// Rotates query and key heads by their positions, as HF's `apply_rotary_pos_emb`:
/// q·cos + rotateHalf(q)·sin (likewise k). `cos`/`sin` are [B, S, D] (or [S, D]) from
/// `RotaryEmbedding`; they get a size-1 axis at `unsqueezeAxis` (1: q, k [B, H, S, D]; 2: q, k
/// [B, S, H, D]) to broadcast over the heads.
///
///     let (q2, k2) = applyRotaryEmbedding(q, k, cos: cos, sin: sin)
public func applyRotaryEmbedding(_ q: Tensor, _ k: Tensor, cos: Tensor, sin: Tensor, unsqueezeAxis: Int = 1) -> (q: Tensor, k: Tensor) {
    check(cos.shape == sin.shape && cos.shape.last == q.shape.last && q.shape.last == k.shape.last,
          "applyRotaryEmbedding: cos \(cos.shape) and sin \(sin.shape) must match the head size of q \(q.shape) and k \(k.shape)")
    let c = cos.rank >= 3 ? cos.unsqueeze(axis: unsqueezeAxis) : cos
    let s = sin.rank >= 3 ? sin.unsqueeze(axis: unsqueezeAxis) : sin
    check(broadcastShapeIfPossible(c.shape, q.shape) == q.shape && broadcastShapeIfPossible(c.shape, k.shape) == k.shape,
          "applyRotaryEmbedding: cos/sin \(cos.shape) (with an axis at \(unsqueezeAxis)) do not broadcast to q \(q.shape) and k \(k.shape)")
    return (q * c + rotateHalf(q) * s, k * c + rotateHalf(k) * s)
}
