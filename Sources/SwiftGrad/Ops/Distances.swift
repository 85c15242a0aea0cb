// Pairwise distances (cdist, pdist) and covariance / correlation (cov, corrcoef), composed of
// broadcast differences, norm, sums and matmul, so their gradients are those ops'.

extension Tensor {
    /// The p-norm distance between each row of x1 [..., P, M] and each row of x2 [..., R, M]:
    /// [..., P, R], batch axes broadcast, as `torch.cdist` (p ≥ 0; 2 by default). Computed directly
    /// from the differences (PyTorch switches to a matmul expansion for p = 2 above 25 rows, which
    /// agrees to rounding); the gradient at a zero distance is 0.
    ///
    ///     let d = Tensor.cdist(queries, keys)          // [P, M], [R, M] -> [P, R]
    public static func cdist(_ x1: Tensor, _ x2: Tensor, p: Double = 2) -> Tensor {
        check(x1.rank >= 2 && x2.rank >= 2 && x1.shape[x1.rank - 1] == x2.shape[x2.rank - 1],
              "cdist: needs [..., P, M] and [..., R, M] with one M, got shapes \(x1.shape) and \(x2.shape)")
        check(x1.dtype.isFloatingPoint && x2.dtype.isFloatingPoint,
              "cdist: needs float tensors, got \(x1.dtype) \(x1.shape) and \(x2.dtype) \(x2.shape)")
        check(p >= 0, "cdist: p must be non-negative, got \(p) (shapes \(x1.shape) and \(x2.shape))")
        _ = broadcastShape(Array(x1.shape.dropLast(2)), Array(x2.shape.dropLast(2)), op: "cdist")
        let difference = x1.unsqueeze(axis: -2) - x2.unsqueeze(axis: -3)      // [..., P, R, M]
        return difference.norm(p: p, axes: [-1])
    }

    /// The p-norm distances between the rows of [N, M], for each pair i < j in row-major order:
    /// [N(N-1)/2], as `torch.pdist` (the upper triangle of `cdist(x, x)` without the diagonal).
    ///
    ///     let d = points.pdist()
    public func pdist(p: Double = 2) -> Tensor {
        check(rank == 2, "pdist: needs a 2-D tensor [N, M], got shape \(shape)")
        check(dtype.isFloatingPoint, "pdist: needs a float tensor, got \(dtype) of shape \(shape)")
        check(p >= 0, "pdist: p must be non-negative, got \(p) (shape \(shape))")
        let n = shape[0]
        var first: [Int] = [], second: [Int] = []
        for i in 0..<n { for j in (i + 1)..<Swift.max(n, i + 1) { first.append(i); second.append(j) } }
        let a = indexSelect(axis: 0, indices: Tensor(first, shape: [first.count]))
        let b = indexSelect(axis: 0, indices: Tensor(second, shape: [second.count]))
        return (a - b).norm(p: p, axes: [1])
    }

    /// The covariance matrix of the variables in the rows of [vars, obs] (a 1-D tensor is one
    /// variable), as `torch.cov`: `correction` 1 is Bessel's (0 the population covariance),
    /// `fweights` integer repeat counts and `aweights` float weights per observation. A single
    /// variable gives a 0-d tensor.
    ///
    ///     let c = x.cov()
    ///     let weighted = x.cov(correction: 0, aweights: w)
    public func cov(correction: Int = 1, fweights: Tensor? = nil, aweights: Tensor? = nil) -> Tensor {
        check(rank <= 2, "cov: needs a 1-D or 2-D tensor [vars, obs], got shape \(shape)")
        // aweights take part in the result type (PyTorch multiplies the input by them): a float16
        // input with float32 weights gives a float32 covariance.
        let x1 = mathFloatOperand()
        let x0 = aweights.map { x1.to(DType.result(x1.dtype, $0.dtype.isFloatingPoint ? $0.dtype : x1.dtype)) } ?? x1
        let x = rank < 2 ? x0.reshape([1, -1]) : x0
        let observations = x.shape[1]
        var w: Tensor? = nil
        if let fweights {
            check(fweights.rank <= 1 && fweights.count == observations && !fweights.dtype.isFloatingPoint,
                  "cov: fweights must be a 1-D integer tensor of \(observations) observations, got \(fweights.dtype) \(fweights.shape) (input \(shape))")
            check(fweights.count == 0 || fweights.min().item() >= 0, "cov: fweights cannot be negative (input \(shape))")
            w = fweights.reshape([observations]).to(x.dtype)
        }
        if let aweights {
            check(aweights.rank <= 1 && aweights.count == observations && aweights.dtype.isFloatingPoint,
                  "cov: aweights must be a 1-D float tensor of \(observations) observations, got \(aweights.dtype) \(aweights.shape) (input \(shape))")
            check(aweights.count == 0 || aweights.min().item() >= 0, "cov: aweights cannot be negative (input \(shape))")
            let a = aweights.reshape([observations]).to(x.dtype)
            w = w.map { $0 * a } ?? a
        }
        let wSum = w?.sum() ?? Tensor.full([], Double(observations), dtype: x.dtype)
        let mean = (w.map { x * $0 } ?? x).sum(axis: 1) / wSum
        var normFactor: Tensor
        if let w, correction != 0, let aweights {
            normFactor = wSum - (w * aweights.reshape([observations]).to(x.dtype)).sum() * Double(correction) / wSum
        } else {
            normFactor = wSum - Double(correction)
        }
        // A non-positive normalisation is taken as 0 (inf or NaN entries), as PyTorch (which warns).
        normFactor = withNoGrad { normFactor.item() <= 0 } ? normFactor * 0 : normFactor
        let centered = x - mean.unsqueeze(axis: 1)
        let c = centered.matmul((w.map { centered * $0 } ?? centered).t())
        let r = c / normFactor
        return r.reshape(r.shape.filter { $0 != 1 })
    }

    /// Pearson correlation coefficients of the variables in the rows of [vars, obs], clipped to
    /// [-1, 1], as `torch.corrcoef` (a single variable gives 1, or NaN for a constant one).
    ///
    ///     let r = x.corrcoef()
    public func corrcoef() -> Tensor {
        let c = cov()
        if c.rank == 0 { return c / c }
        let std = Linalg.diagonal(c).sqrt()
        let scaled = c / std.unsqueeze(axis: 1) / std.unsqueeze(axis: 0)
        return scaled.clamp(min: -1, max: 1)
    }
}
