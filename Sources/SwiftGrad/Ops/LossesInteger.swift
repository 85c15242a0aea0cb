// Losses of integer (and bool) tensors, with PyTorch's arithmetic: the formula's integer steps stay
// in the integer dtype (wrapping around, as PyTorch's), sums are int64, and the first float operand
// (the margin, PyTorch's EPSILON) makes the rest float32, PyTorch's default dtype. Integer inputs
// take no gradient.

/// max(0, −y·(x1 − x2) + margin) for integer operands: PyTorch's
/// `(-target * (input1 - input2) + margin).clamp_min_(0)`, so uint8 wraps before the margin.
func integerMarginRankingLoss(_ x1: Tensor, _ x2: Tensor, _ y: Tensor, margin: Double, reduction: Reduction) -> Tensor {
    let loss = (-y * (x1 - x2) + Tensor.full([], margin, dtype: .float32)).relu()
    return reduceLoss(loss, reduction, op: "marginRankingLoss")
}

/// PyTorch's `cosine_embedding_loss` for integer or bool operands: cos = Σx1·x2 / √((Σx1² + ε)(Σx2² + ε))
/// with ε = 1e-12 and the products in the operands' dtype, then 1 − cos where y == 1, max(0, cos −
/// margin) where y == −1 (compared in y's dtype, as PyTorch: −1 is 255 for uint8), 0 elsewhere.
func integerCosineEmbeddingLoss(_ x1: Tensor, _ x2: Tensor, _ y: Tensor, margin: Double, reduction: Reduction) -> Tensor {
    check(x1.rank >= 1 && y.rank == x1.rank - 1,
          "cosineEmbeddingLoss: input1 \(x1.shape), input2 \(x2.shape) and target \(y.shape): the target needs one axis fewer than the inputs")
    let ax = y.rank
    let eps = Tensor.full([], 1e-12, dtype: .float32)
    let dot = (x1 * x2).sum(axes: [ax])
    let norms = ((x1 * x1).sum(axes: [ax]) + eps) * ((x2 * x2).sum(axes: [ax]) + eps)
    let cos = dot / norms.sqrt()
    let zero = Tensor.zerosLike(cos)
    let pos = Tensor.where(y.eq(Tensor.scalarOperand(1, for: y)), 1 - cos, zero)
    let neg = Tensor.where(y.eq(Tensor.scalarOperand(-1, for: y)), (cos - Tensor.full([], margin, dtype: .float32)).relu(), zero)
    return reduceLoss(pos + neg, reduction, op: "cosineEmbeddingLoss")
}

/// PyTorch's `poisson_nll_loss` for integer input and target: e^x − t·x (or x − t·log(x + eps)),
/// with t·x in the integer dtype (wrapping) and the rest float32; `full` adds Stirling's term
/// t·log t − t + ½·log(2π·t) where t > 1.
func integerPoissonNLLLoss(_ input: Tensor, _ target: Tensor, logInput: Bool, full: Bool, eps: Double,
                           reduction: Reduction) -> Tensor {
    check(broadcastShapeIfPossible(input.shape, target.shape) != nil,
          "poissonNLLLoss: input \(input.shape) and target \(target.shape) cannot be broadcast together")
    func f32(_ v: Double) -> Tensor { Tensor.full([], v, dtype: .float32) }
    var loss: Tensor
    if logInput { loss = input.exp() - target * input } else { loss = input - target * (input + f32(eps)).log() }
    if full {
        let tlogt = target * target.log()
        let half = f32(0.5) * (f32(2 * Double.pi) * target).log()
        let stirling = tlogt - target + half
        loss = loss + Tensor.where(target .<= 1, Tensor.zerosLike(stirling), stirling)
    }
    return reduceLoss(loss, reduction, op: "poissonNLLLoss")
}
