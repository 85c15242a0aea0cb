// logdet, choleskyInverse, cond, householderProduct and matrix norms over any pair of axes, composed
// of the recorded linalg ops (slogdet, solve_triangular, svd, inv) and matmul, so their gradients
// are those ops'.

extension Linalg {
    /// log det A of each square matrix, as `torch.logdet`: NaN where det < 0, -∞ where A is singular.
    /// Differentiable through `slogdet` (gradient A⁻ᵀ where det > 0).
    ///
    ///     let ld = Linalg.logdet(spd)         // log det of a positive definite matrix
    public static func logdet(_ a: Tensor) -> Tensor {
        checkSquare(a, "logdet")
        let (sign, logAbs) = slogdet(a)
        return Tensor.where(sign.lt(0), Tensor.full([], .nan, dtype: logAbs.dtype), logAbs)
    }

    /// The inverse of A = L·Lᵀ (or Uᵀ·U with `upper`) from its Cholesky factor, as
    /// `torch.cholesky_inverse`; differentiable in the factor.
    ///
    ///     let inverse = Linalg.choleskyInverse(try Linalg.cholesky(a))
    public static func choleskyInverse(_ factor: Tensor, upper: Bool = false) -> Tensor {
        let n = checkSquare(factor, "choleskyInverse")
        let identity = Tensor.eye(n, dtype: factor.dtype).expand(factor.shape)
        return choleskySolve(identity, factor: factor, upper: upper)
    }

    /// The condition number of each matrix in norm `ord`, as `torch.linalg.cond`: nil or ±2 from the
    /// singular values (σ_max/σ_min, any shape); `.fro`, `.nuclear`, ±1, ±inf as ‖A‖·‖A⁻¹‖ (square,
    /// throws for a singular matrix).
    ///
    ///     let k = try Linalg.cond(a)
    ///     let k1 = try Linalg.cond(a, ord: 1)
    public static func cond(_ a: Tensor, ord: MatrixNormOrder? = nil) throws(LinalgError) -> Tensor {
        checkMatrix(a, "cond")
        let kind = ord?.kind ?? .p(2)
        if case .p(let p) = kind, Swift.abs(p) == 2 {
            let s = try svdvals(a)
            let largest = s.narrow(axis: -1, start: 0, length: 1), smallest = s.narrow(axis: -1, start: s.shape[s.rank - 1] - 1, length: 1)
            return (p > 0 ? largest / smallest : smallest / largest).squeeze(axis: -1)
        }
        checkSquare(a, "cond")
        let ord = ord ?? .fro
        return try matrixNorm(a, ord: ord) * matrixNorm(inv(a), ord: ord)
    }

    /// The first n columns of the product of Householder reflectors H₁···H_k, Hᵢ = I - τᵢ·vᵢ·vᵢᵀ,
    /// where vᵢ is column i of A [..., m, n] below the diagonal with a 1 on it (the form `geqrf`
    /// returns), as `torch.linalg.householder_product`; m ≥ n ≥ k = tau's last axis.
    ///
    ///     let q = Linalg.householderProduct(reflectors, tau)
    public static func householderProduct(_ a: Tensor, _ tau: Tensor) -> Tensor {
        checkMatrix(a, "householderProduct")
        let m = a.shape[a.rank - 2], n = a.shape[a.rank - 1]
        check(m >= n, "householderProduct: needs m ≥ n, got A of shape \(a.shape)")
        check(tau.rank == a.rank - 1 && Array(tau.shape.dropLast()) == batchShape(a) && tau.shape[tau.rank - 1] <= n,
              "householderProduct: tau of shape \(tau.shape) does not fit A of shape \(a.shape) (needs [..., k], k ≤ \(n))")
        let t = DType.result(a.dtype, tau.dtype)
        let v = tril(a.to(t), k: -1) + Tensor.eye(m, dtype: t).narrow(axis: 1, start: 0, length: n)
        var q = Tensor.eye(m, dtype: t).expand(batchShape(a) + [m, m])
        for i in 0..<tau.shape[tau.rank - 1] {
            let vi = v.narrow(axis: -1, start: i, length: 1)                          // [..., m, 1]
            let ti = tau.to(t).narrow(axis: -1, start: i, length: 1).unsqueeze(axis: -1)   // [..., 1, 1]
            q = q - (q.matmul(vi) * ti).matmul(vi.mT)                                 // Q·(I - τ v vᵀ)
        }
        return q.narrow(axis: -1, start: 0, length: n)
    }

    /// `matrixNorm` over any two axes (`axes.0` the rows, `axes.1` the columns), as
    /// `torch.linalg.matrix_norm(A, ord, dim=(r, c))`; `keepDim` keeps both as size 1.
    ///
    ///     let n = try Linalg.matrixNorm(x, ord: 1, axes: (0, 2))
    public static func matrixNorm(_ a: Tensor, ord: MatrixNormOrder = .fro, axes: (Int, Int), keepDim: Bool = false) throws(LinalgError) -> Tensor {
        check(a.rank >= 2, "matrixNorm: needs at least 2 axes, got shape \(a.shape)")
        let r = normalizeAxis(axes.0, a.rank, op: "matrixNorm", shape: a.shape)
        let c = normalizeAxis(axes.1, a.rank, op: "matrixNorm", shape: a.shape)
        check(r != c, "matrixNorm: axes \(axes) name the same axis of shape \(a.shape)")
        let rest = (0..<a.rank).filter { $0 != r && $0 != c }
        let moved = rest + [r, c] == Array(0..<a.rank) ? a : a.permute(rest + [r, c])
        let n = try matrixNorm(moved, ord: ord)
        guard keepDim else { return n }
        var shape = a.shape
        shape[r] = 1; shape[c] = 1
        return n.reshape(shape)
    }
}
