// Matrix decompositions: cholesky, qr, eigh / eigvalsh, svd / svdvals. Forward on LAPACK; each
// backward is PyTorch's formula written with Tensor ops (so double backward works). Decompositions
// with several outputs are recorded as one node (Linalg.recordedOutputs).

/// Which QR factorization `Linalg.qr` computes.
public enum QRMode: Sendable {
    /// Q [m, k], R [k, n] with k = min(m, n) (PyTorch's "reduced", the default).
    case reduced
    /// Q [m, m], R [m, n] (PyTorch's "complete").
    case complete
}

extension Linalg {
    /// The Cholesky factor of each symmetric positive-definite matrix: lower L with A = L·Lᵀ, or
    /// upper U with A = Uᵀ·U. Only that triangle of A is read. Throws
    /// `LinalgError.notPositiveDefinite` (naming the batch index) otherwise. The gradient is
    /// symmetric, as PyTorch defines it.
    ///
    ///     let l = try Linalg.cholesky(a)            // l.matmul(l.mT) ≈ a
    ///     let u = try Linalg.cholesky(a, upper: true)
    public static func cholesky(_ a: Tensor, upper: Bool = false) throws(LinalgError) -> Tensor {
        checkSquare(a, "cholesky")
        let out = try Kernels.cholesky(a, upper: upper, op: "cholesky")
        return out.recorded(.linalgCholesky, a, save: .output) { g, ctx in
            let l = upper ? ctx.output.mT : ctx.output
            let gl = upper ? g.mT : g
            // Φ = tril(Lᵀ·gL), made symmetric with its diagonal counted once: ½(Φ + strictly-lower(Φ)ᵀ).
            let phi = tril(Tensor.mm(l, gl, transA: true, transB: false))
            let sym = (phi + tril(phi, k: -1).mT) * 0.5
            // gA = L⁻ᵀ·sym·L⁻¹, as two triangular solves.
            let x = triangularSolve(l, sym, upper: false, left: true, unit: false, transA: true)
            return [triangularSolve(l, x, upper: false, left: false, unit: false, transA: false)]
        }
    }

    /// The QR decomposition A = Q·R of each [m, n] matrix: Q with orthonormal columns, R upper
    /// triangular (LAPACK geqrf signs, as PyTorch). Differentiable except in `.complete` mode with
    /// m > n (as in PyTorch), where recording a graph stops with a message.
    ///
    ///     let (q, r) = try Linalg.qr(a)               // q.matmul(r) ≈ a, q.mT.matmul(q) ≈ I
    ///     let full = try Linalg.qr(a, mode: .complete)
    public static func qr(_ a: Tensor, mode: QRMode = .reduced) throws(LinalgError) -> (q: Tensor, r: Tensor) {
        checkMatrix(a, "qr")
        let m = a.shape[a.rank - 2], n = a.shape[a.rank - 1]
        check(mode == .reduced || m <= n || !willRecord([a]),
                     "qr: mode .complete with more rows than columns (shape \(a.shape)) is not differentiable (as in PyTorch); use .reduced or withNoGrad")
        let (q, r) = try Kernels.qr(a, complete: mode == .complete, op: "qr")
        let outs = recordedOutputs(.linalgQr, [q, r], batch: batchShape(a), inputs: [a], save: []) { gs, outs, _ in
            [qrBackward(gQ: gs[0], gR: gs[1], q: outs[0], r: outs[1])]
        }
        return (outs[0], outs[1])
    }

    /// gA for A = Q·R. Tall or square (m ≥ n, Q [m, n]): with M = gR·Rᵀ - Qᵀ·gQ and N its upper
    /// triangle mirrored onto the lower one, gA = (gQ + Q·N)·R⁻ᵀ. Wide (m < n): A = [A₁ A₂] with
    /// A₁ = Q·R₁ square and R₂ = Qᵀ·A₂, so gA₂ = Q·gR₂ and A₁ takes the square formula with gQ + A₂·gR₂ᵀ.
    static func qrBackward(gQ: Tensor, gR: Tensor, q: Tensor, r: Tensor) -> Tensor {
        let m = q.shape[q.rank - 2], n = r.shape[r.rank - 1]
        if m >= n {
            let mm = Tensor.mm(gR, r, transA: false, transB: true) - Tensor.mm(q, gQ, transA: true, transB: false)
            let mirrored = triu(mm) + triu(mm, k: 1).mT
            let y = gQ + q.matmul(mirrored)
            return triangularSolve(r, y, upper: true, left: false, unit: false, transA: true)
        }
        let r1 = r.narrow(axis: -1, start: 0, length: m), r2 = r.narrow(axis: -1, start: m, length: n - m)
        let gR1 = gR.narrow(axis: -1, start: 0, length: m), gR2 = gR.narrow(axis: -1, start: m, length: n - m)
        let a2 = q.matmul(r2)
        let gA1 = qrBackward(gQ: gQ + Tensor.mm(a2, gR2, transA: false, transB: true), gR: gR1, q: q, r: r1)
        return Tensor.cat([gA1, q.matmul(gR2)], axis: -1)
    }

    /// Eigenvalues (ascending) and orthonormal eigenvectors (columns) of each symmetric matrix,
    /// reading only its lower triangle (or the upper one). A = V·diag(λ)·Vᵀ.
    /// Gradients: through λ always; through V the terms 1/(λ_j - λ_i) of repeated eigenvalues
    /// (where eigenvectors are not unique) are dropped, so a loss that depends only on the
    /// eigenvalues, or on whole eigenspaces, gets a finite and correct gradient.
    ///
    ///     let (values, vectors) = try Linalg.eigh(a)
    ///     values.sum().backward()
    public static func eigh(_ a: Tensor, upper: Bool = false) throws(LinalgError) -> (values: Tensor, vectors: Tensor) {
        checkSquare(a, "eigh")
        let (w, v) = try Kernels.eigh(a, upper: upper, vectors: true, op: "eigh")
        let outs = recordedOutputs(.linalgEigh, [w, v!], batch: batchShape(a), inputs: [a], save: []) { gs, outs, _ in
            [eighBackward(gValues: gs[0], gVectors: gs[1], values: outs[0], vectors: outs[1])]
        }
        return (outs[0], outs[1])
    }

    /// gA = V·(diag(gλ) + F∘skew(Vᵀ·gV))·Vᵀ with F_ij = 1/(λ_j - λ_i) (0 where λ_i = λ_j) and
    /// skew(X) = ½(X - Xᵀ): the symmetric gradient, as PyTorch.
    static func eighBackward(gValues: Tensor, gVectors: Tensor, values: Tensor, vectors: Tensor) -> Tensor {
        let vtgv = Tensor.mm(vectors, gVectors, transA: true, transB: false)
        let skew = (vtgv - vtgv.mT) * 0.5
        let gaps = values.unsqueeze(axis: -2) - values.unsqueeze(axis: -1)
        let inner = skew * safeReciprocal(gaps) + diagEmbed(gValues)
        return Tensor.mm(vectors.matmul(inner), vectors, transA: false, transB: true)
    }

    /// The eigenvalues (ascending) of each symmetric matrix (lower triangle read, or upper).
    /// The gradient is V·diag(gλ)·Vᵀ, finite even for repeated eigenvalues.
    ///
    ///     let lambda = try Linalg.eigvalsh(a)       // [..., n, n] -> [..., n]
    ///     lambda.max().backward()
    public static func eigvalsh(_ a: Tensor, upper: Bool = false) throws(LinalgError) -> Tensor {
        checkSquare(a, "eigvalsh")
        if willRecord([a]) { return try eigh(a, upper: upper).values }
        return try Kernels.eigh(a, upper: upper, vectors: false, op: "eigvalsh").values
    }

    /// The singular value decomposition A = U·diag(S)·Vᵀ of each [m, n] matrix, S descending
    /// (LAPACK gesdd). `fullMatrices` (PyTorch's default) gives U [m, m] and Vᵀ [n, n]; otherwise
    /// U [m, k] and Vᵀ [k, n], k = min(m, n).
    /// Gradients: through S always; through U and Vᵀ the terms of repeated singular values (and, for
    /// m ≠ n, of zero singular values) are dropped instead of being infinite, and with `fullMatrices`
    /// the columns beyond k (an arbitrary basis of the complement) get no gradient.
    ///
    ///     let (u, s, vh) = try Linalg.svd(a, fullMatrices: false)
    ///     s.sum().backward()                         // nuclear norm gradient U·Vᵀ
    public static func svd(_ a: Tensor, fullMatrices: Bool = true) throws(LinalgError) -> (u: Tensor, s: Tensor, vh: Tensor) {
        checkMatrix(a, "svd")
        let (u, s, vh) = try Kernels.svd(a, vectors: true, full: fullMatrices, op: "svd")
        let outs = recordedOutputs(.linalgSvd, [u!, s, vh!], batch: batchShape(a), inputs: [a], save: []) { gs, outs, _ in
            [svdBackward(gU: gs[0], gS: gs[1], gVh: gs[2], u: outs[0], s: outs[1], vh: outs[2])]
        }
        return (outs[0], outs[1], outs[2])
    }

    /// gA = U·[(skew(Uᵀ·gU)∘F)·S + S·(skew(Vᵀ·gV)∘F) + diag(gS)]·Vᵀ
    ///    + (I - U·Uᵀ)·gU·S⁻¹·Vᵀ (m > k) + U·S⁻¹·gVᵀ·(I - V·Vᵀ) (n > k),
    /// with skew(X) = X - Xᵀ and F_ij = 1/(s_j² - s_i²), both 1/0 terms taken as 0 (see `svd`).
    static func svdBackward(gU: Tensor, gS: Tensor, gVh: Tensor, u: Tensor, s: Tensor, vh: Tensor) -> Tensor {
        let m = u.shape[u.rank - 2], n = vh.shape[vh.rank - 1], k = s.shape[s.rank - 1]
        // Full matrices: only the first k columns of U (rows of Vᵀ) are determined by A.
        let (u, gU) = u.shape[u.rank - 1] > k ? (u.narrow(axis: -1, start: 0, length: k), gU.narrow(axis: -1, start: 0, length: k)) : (u, gU)
        let (vh, gVh) = vh.shape[vh.rank - 2] > k ? (vh.narrow(axis: -2, start: 0, length: k), gVh.narrow(axis: -2, start: 0, length: k)) : (vh, gVh)
        let utgu = Tensor.mm(u, gU, transA: true, transB: false)
        let vtgv = Tensor.mm(vh, gVh, transA: false, transB: true)
        let s2 = s * s
        let f = safeReciprocal(s2.unsqueeze(axis: -2) - s2.unsqueeze(axis: -1))
        let left = (utgu - utgu.mT) * f * s.unsqueeze(axis: -2)
        let right = s.unsqueeze(axis: -1) * ((vtgv - vtgv.mT) * f)
        var ga = Tensor.mm(u.matmul(left + right + diagEmbed(gS)), vh, transA: false, transB: false)
        let sInv = safeReciprocal(s)
        if m > k {
            let outside = gU - u.matmul(utgu)
            ga = ga + (outside * sInv.unsqueeze(axis: -2)).matmul(vh)
        }
        if n > k {
            let outside = gVh - Tensor.mm(gVh, vh, transA: false, transB: true).matmul(vh)
            ga = ga + u.matmul(sInv.unsqueeze(axis: -1) * outside)
        }
        return ga
    }

    /// The singular values of each [m, n] matrix, descending: [..., min(m, n)]. The gradient is
    /// U·diag(gS)·Vᵀ, finite even for repeated singular values (e.g. at the identity).
    ///
    ///     let s = try Linalg.svdvals(a)
    ///     s.sum().backward()
    public static func svdvals(_ a: Tensor) throws(LinalgError) -> Tensor {
        checkMatrix(a, "svdvals")
        if willRecord([a]) { return try svd(a, fullMatrices: false).s }
        return try Kernels.svd(a, vectors: false, full: false, op: "svdvals").s
    }
}
