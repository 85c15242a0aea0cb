// The polar decomposition and the symmetric matrix square root, composed of `svd` and `eigh`
// (differentiable through their backward formulas; the results are gauge-free, so the gradients are
// defined wherever the singular values, or eigenvalues, are distinct).

extension Linalg {
    /// The polar decomposition A = U·H of each [..., m, n] matrix with m ≥ n (`linalg.polar`): U with
    /// orthonormal columns (the closest such matrix to A) and H = (AᵀA)^½ symmetric positive
    /// semidefinite, from the thin SVD A = W·S·Vᵀ: U = W·Vᵀ, H = V·S·Vᵀ.
    ///
    ///     let (u, h) = try Linalg.polar(a)          // u.matmul(h) ≈ a
    public static func polar(_ a: Tensor) throws(LinalgError) -> (u: Tensor, h: Tensor) {
        check(a.rank >= 2 && a.shape[a.rank - 2] >= a.shape[a.rank - 1],
              "linalg.polar: expects [..., m, n] matrices with m >= n, got \(a.shape)")
        let (w, s, vh) = try svd(a, fullMatrices: false)
        return (w.matmul(vh), vh.mT.matmul(vh * s.unsqueeze(axis: -1)))
    }

    /// The symmetric positive-definite square root X (X·X = A) of each symmetric positive-definite
    /// [..., n, n] matrix, from its eigendecomposition: V·√Λ·Vᵀ (`linalg.matrix_sqrth`; only the lower
    /// triangle of A is read, as `eigh`).
    ///
    ///     let root = try Linalg.matrixSqrth(covariance)
    public static func matrixSqrth(_ a: Tensor) throws(LinalgError) -> Tensor {
        let (values, vectors) = try eigh(a)
        return (vectors * values.sqrt().unsqueeze(axis: -2)).matmul(vectors.mT)
    }
}
