// Inverses, determinants and linear solves: inv, det, slogdet, solve, solveTriangular,
// choleskySolve, lstsq, pinv. Forward on LAPACK/BLAS kernels; backward written with Tensor ops
// (and with these same functions), so gradients of gradients work.

extension Linalg {
    /// The inverse of each square matrix. Throws `LinalgError.singular` (naming the batch index)
    /// when a matrix is exactly singular.
    ///
    ///     let ainv = try Linalg.inv(a)              // a·ainv ≈ I
    ///     let batch = try Linalg.inv(stack)         // [b, n, n] -> [b, n, n]
    public static func inv(_ a: Tensor) throws(LinalgError) -> Tensor {
        checkSquare(a, "inv")
        return recordedInverse(try Kernels.inverse(a, op: "inv"), of: a)
    }

    static func recordedInverse(_ out: Tensor, of a: Tensor) -> Tensor {
        out.recorded(.linalgInv, a, save: .output) { g, ctx in
            // d(A⁻¹) = -A⁻¹·dA·A⁻¹, so gA = -A⁻ᵀ·g·A⁻ᵀ (transposes as BLAS flags).
            let y = ctx.output
            return [-Tensor.mm(Tensor.mm(y, g, transA: true, transB: false), y, transA: false, transB: true)]
        }
    }

    /// The inverse, with NaN matrices where the input is singular (for backward formulas, which cannot throw).
    static func inverseOrNaN(_ a: Tensor) -> Tensor {
        do { return recordedInverse(try Kernels.inverse(a, op: "inv", nanOnSingular: true), of: a) }
        catch { fatalError("\(error)") }
    }

    /// The determinant of each square matrix (0 for a singular one, which does not throw).
    /// Its gradient is det·A⁻ᵀ, and the cofactor matrix (from the SVD) where A is singular.
    ///
    ///     let d = Linalg.det(a)                     // [..., n, n] -> [...]
    ///     d.sum().backward()
    public static func det(_ a: Tensor) -> Tensor {
        checkSquare(a, "det")
        return Kernels.determinants(a).det.recorded(.linalgDet, a, save: [.input0, .output]) { g, ctx in
            [detBackward(g, ctx.input(0), ctx.output)]
        }
    }

    /// g·∂det/∂A = g·cof(A): det·A⁻ᵀ when every matrix is invertible; otherwise the cofactor matrix
    /// from A = U·diag(s)·Vᵀ: det(U)·det(V)·U·diag(∏_{j≠i} s_j)·Vᵀ, which is defined for singular A too.
    static func detBackward(_ g: Tensor, _ a: Tensor, _ det: Tensor) -> Tensor {
        let scale = g.unsqueeze(axis: -1).unsqueeze(axis: -1)
        let ainv = inverseOrNaN(a)
        let singular = withNoGrad { ainv.doubles.contains { $0.isNaN } }
        if !singular { return scale * det.unsqueeze(axis: -1).unsqueeze(axis: -1) * ainv.mT }
        let parts: (u: Tensor, s: Tensor, vh: Tensor)
        do { parts = try svd(a, fullMatrices: false) } catch { fatalError("backward of linalg_det: \(error)") }
        let n = parts.s.shape[parts.s.rank - 1]
        // det(U)·det(Vᵀ) is ±1 and locally constant: no gradient flows through it.
        let signs = withNoGrad { Kernels.determinants(parts.u).det * Kernels.determinants(parts.vh).det }
        let spread = parts.s.unsqueeze(axis: -2).expand(batchShape(a) + [n, n])
        let others = Tensor.where(Tensor.eye(n, dtype: .int64), Tensor.ones([], dtype: a.dtype), spread).prod(axis: -1)
        let cofactor = (parts.u * others.unsqueeze(axis: -2)).matmul(parts.vh)
        return scale * signs.unsqueeze(axis: -1).unsqueeze(axis: -1) * cofactor
    }

    /// The sign (±1, or 0 if singular) and log|det| of each square matrix, accurate where `det`
    /// would overflow or underflow. Only `logAbsDet` is differentiable (gradient A⁻ᵀ; NaN for a
    /// singular matrix, where log|det| = -∞).
    ///
    ///     let (sign, logAbsDet) = Linalg.slogdet(a)
    ///     logAbsDet.sum().backward()
    public static func slogdet(_ a: Tensor) -> (sign: Tensor, logAbsDet: Tensor) {
        checkSquare(a, "slogdet")
        let (_, sign, logAbs) = Kernels.determinants(a)
        let l = logAbs.recorded(.linalgSlogdet, a, save: .input0) { g, ctx in
            // d log|det A| = tr(A⁻¹·dA), so gA = g·A⁻ᵀ.
            [g.unsqueeze(axis: -1).unsqueeze(axis: -1) * inverseOrNaN(ctx.input(0)).mT]
        }
        return (sign, l)
    }

    /// Solves A·X = B (or X·A = B when `left` is false) for square A. B is [..., n, k], or a vector
    /// [n] / [..., n] (then X is a vector too); batch axes broadcast. Throws for a singular A.
    ///
    ///     let x = try Linalg.solve(a, b)            // a.matmul(x) ≈ b
    ///     let y = try Linalg.solve(a, b, left: false)   // y.matmul(a) ≈ b
    public static func solve(_ a: Tensor, _ b: Tensor, left: Bool = true) throws(LinalgError) -> Tensor {
        let n = checkSquare(a, "solve")
        check(b.dtype.isFloatingPoint && b.rank >= 1, "solve: B must be a float tensor with at least 1 axis, got \(b.dtype) of shape \(b.shape) (A \(a.shape))")
        let vector = b.rank == 1 || (b.rank == a.rank - 1 && b.shape == Array(a.shape.dropLast()))
        if !left {
            // X·A = B  ⇔  Aᵀ·Xᵀ = Bᵀ.
            let r = try solve(a.mT, vector ? b : b.mT)
            return vector ? r : r.mT
        }
        let t = DType.result(a.dtype, b.dtype)
        let (a, b) = (a.to(t), b.to(t))
        let bm = vector ? b.unsqueeze(axis: -1) : b
        check(bm.rank >= 2 && bm.shape[bm.rank - 2] == n,
                     "solve: A of shape \(a.shape) and B of shape \(b.shape) do not match (B needs \(n) rows)")
        let batch = broadcastShape(batchShape(a), batchShape(bm), op: "solve")
        let ax = withNoGrad { a.expand(batch + [n, n]) }
        let bx = withNoGrad { bm.expand(batch + Array(bm.shape.suffix(2))) }
        let x = try Kernels.solve(ax, bx, op: "solve")
        let out = x.recorded(.linalgSolve, a, bm, save: [.input0, .output]) { g, ctx in
            // X = A⁻¹·B: gB = A⁻ᵀ·g (one more solve), gA = -gB·Xᵀ.
            let gB = solveInBackward(ctx.input(0).mT, g, op: .linalgSolve)
            let gA = ctx.needsGrad(0) ? -Tensor.mm(gB, ctx.output, transA: false, transB: true) : nil
            return [gA, ctx.needsGrad(1) ? gB : nil]
        }
        return vector ? out.squeeze(axis: -1) : out
    }

    /// `solve` for backward formulas: A was invertible in the forward pass, so this cannot fail.
    static func solveInBackward(_ a: Tensor, _ b: Tensor, op: Op) -> Tensor {
        do { return try solve(a, b) } catch { fatalError("backward of \(op): \(error)") }
    }

    /// Solves A·X = B (`left`) or X·A = B for triangular A, reading only its `upper` or lower
    /// triangle (and taking its diagonal as ones if `unitriangular`); batch axes broadcast.
    /// A zero on the diagonal gives inf/NaN, as in PyTorch (no throw).
    ///
    ///     let x = Linalg.solveTriangular(l, b, upper: false)     // l.matmul(x) ≈ b
    ///     let y = Linalg.solveTriangular(u, b, upper: true, left: false)
    public static func solveTriangular(_ a: Tensor, _ b: Tensor, upper: Bool, left: Bool = true, unitriangular: Bool = false) -> Tensor {
        let n = checkSquare(a, "solveTriangular")
        check(b.dtype.isFloatingPoint && b.rank >= 2 && b.shape[b.rank - (left ? 2 : 1)] == n,
                     "solveTriangular: A of shape \(a.shape) and B of shape \(b.shape) do not match (B needs \(n) \(left ? "rows" : "columns"))")
        let t = DType.result(a.dtype, b.dtype)
        return triangularSolve(a.to(t), b.to(t), upper: upper, left: left, unit: unitriangular, transA: false)
    }

    /// The same as `solveTriangular` (the name of PyTorch's older `triangular_solve`).
    ///
    ///     let x = Linalg.triangularSolve(l, b, upper: false)
    ///     x.sum().backward()
    public static func triangularSolve(_ a: Tensor, _ b: Tensor, upper: Bool, left: Bool = true, unitriangular: Bool = false) -> Tensor {
        solveTriangular(a, b, upper: upper, left: left, unitriangular: unitriangular)
    }

    /// The triangular-solve primitive: op(A)·X = B or X·op(A) = B with op(A) = Aᵀ when `transA`.
    static func triangularSolve(_ a: Tensor, _ b: Tensor, upper: Bool, left: Bool, unit: Bool, transA: Bool) -> Tensor {
        let n = a.shape[a.rank - 1]
        let batch = broadcastShape(batchShape(a), batchShape(b), op: "solveTriangular")
        let bx = withNoGrad { b.expand(batch + Array(b.shape.suffix(2))) }
        let shared = batchShape(a).reduce(1, *) == 1
        let ax = shared ? a : withNoGrad { a.expand(batch + [n, n]) }
        let x = Kernels.triangularSolve(ax, bx, upper: upper, left: left, unit: unit, transA: transA, sharedA: shared)
        return x.recorded(.linalgSolveTriangular, a, b, save: [.input0, .output]) { g, ctx in
            let A = ctx.input(0), X = ctx.output
            // left: op(A)·X = B gives gB = op(A)⁻ᵀ·g, g_op(A) = -gB·Xᵀ; right: gB = g·op(A)⁻ᵀ, g_op(A) = -Xᵀ·gB.
            let gB = triangularSolve(A, g, upper: upper, left: left, unit: unit, transA: !transA)
            var gA: Tensor? = nil
            if ctx.needsGrad(0) {
                let gOp = left ? -Tensor.mm(gB, X, transA: false, transB: true) : -Tensor.mm(X, gB, transA: true, transB: false)
                let full = transA ? gOp.mT : gOp
                // Only the triangle that was read gets a gradient (not the unit diagonal).
                gA = upper ? triu(full, k: unit ? 1 : 0) : tril(full, k: unit ? -1 : 0)
            }
            return [gA, ctx.needsGrad(1) ? gB : nil]
        }
    }

    /// Solves A·X = B given the Cholesky factor of A (lower L with A = L·Lᵀ, or upper U with A = Uᵀ·U),
    /// as `torch.cholesky_solve(B, L)`; differentiable in both B and the factor.
    ///
    ///     let l = try Linalg.cholesky(a)
    ///     let x = Linalg.choleskySolve(b, factor: l)      // a.matmul(x) ≈ b
    public static func choleskySolve(_ b: Tensor, factor: Tensor, upper: Bool = false) -> Tensor {
        let n = checkSquare(factor, "choleskySolve")
        check(b.dtype.isFloatingPoint && b.rank >= 2 && b.shape[b.rank - 2] == n,
                     "choleskySolve: B of shape \(b.shape) does not match the factor of shape \(factor.shape) (B needs \(n) rows)")
        let t = DType.result(b.dtype, factor.dtype)
        let (bt, f) = (b.to(t), factor.to(t))
        // Lower: L·Y = B, then Lᵀ·X = Y. Upper: Uᵀ·Y = B, then U·X = Y.
        let y = triangularSolve(f, bt, upper: upper, left: true, unit: false, transA: upper)
        return triangularSolve(f, y, upper: upper, left: true, unit: false, transA: !upper)
    }

    /// The machine epsilon of a float dtype (for default tolerances, as PyTorch).
    static func epsilon(_ dtype: DType) -> Double {
        dtype == .float32 ? Double(Float.ulpOfOne) : Double.ulpOfOne
    }
}

/// What `Linalg.lstsq` returns (PyTorch's field names).
public struct LstsqResult {
    /// The least-squares solution X, [..., n, k]; the minimum-norm one when A is rank deficient. Differentiable.
    public let solution: Tensor
    /// Squared residual norms of each column, [..., k], when m > n and every A has full rank; else empty.
    public let residuals: Tensor
    /// The effective rank of each A (int64, batch shape).
    public let rank: Tensor
    /// The singular values of each A, [..., min(m, n)], descending.
    public let singularValues: Tensor
}

extension Linalg {
    /// The least-squares solution of A·X ≈ B for A [..., m, n] and B [..., m, k] (LAPACK gelsd,
    /// SVD based: minimum norm when A is rank deficient); singular values below `rcond`·σ_max count
    /// as zero (default: machine epsilon · max(m, n)). Batch axes broadcast.
    ///
    ///     let fit = try Linalg.lstsq(a, b)
    ///     fit.solution.square().sum().backward()
    public static func lstsq(_ a: Tensor, _ b: Tensor, rcond: Double? = nil) throws(LinalgError) -> LstsqResult {
        checkMatrix(a, "lstsq")
        let m = a.shape[a.rank - 2], n = a.shape[a.rank - 1]
        check(b.dtype.isFloatingPoint && b.rank >= 2 && b.shape[b.rank - 2] == m,
                     "lstsq: A of shape \(a.shape) and B of shape \(b.shape) do not match (B needs \(m) rows)")
        let t = DType.result(a.dtype, b.dtype)
        let (a, b) = (a.to(t), b.to(t))
        let batch = broadcastShape(batchShape(a), batchShape(b), op: "lstsq")
        let ax = withNoGrad { a.expand(batch + [m, n]) }
        let bx = withNoGrad { b.expand(batch + Array(b.shape.suffix(2))) }
        let (x, ranks, s) = try Kernels.lstsq(ax, bx, rcond: rcond ?? epsilon(t) * Double(max(m, n)), op: "lstsq")
        let solution = x.recorded(.linalgLstsq, a, b, save: [.input0, .input1]) { g, ctx in
            // X = A⁺·B: gB = A⁺ᵀ·g, and gA is the pseudo-inverse gradient for g_{A⁺} = g·Bᵀ.
            let A = ctx.input(0), B = ctx.input(1)
            let p = pinvInBackward(A, op: .linalgLstsq)
            let gB = ctx.needsGrad(1) ? Tensor.mm(p, g, transA: true, transB: false) : nil
            let gA = ctx.needsGrad(0) ? pinvBackward(Tensor.mm(g, B, transA: false, transB: true), a: A, pinv: p) : nil
            return [gA, gB]
        }
        let residuals = m > n && ranks.allSatisfy({ $0 == n })
            ? (a.matmul(solution) - b).square().sum(axis: -2)
            : Tensor.zeros([0], dtype: t)
        return LstsqResult(solution: solution, residuals: residuals, rank: Tensor(ranks, shape: batch), singularValues: s)
    }

    /// The Moore-Penrose pseudo-inverse of each [m, n] matrix, [..., n, m], from the SVD: singular
    /// values at most max(atol, rtol·σ_max) are treated as zero. Defaults as PyTorch: rtol =
    /// machine epsilon · max(m, n) unless an atol above 0 is given (then 0); atol = 0.
    /// `hermitian`: the matrices are symmetric and only their lower triangle is read (PyTorch's
    /// eigh path: |λ| against the tolerance, 1/λ kept with its sign); the gradient is the same
    /// formula on the dense input, as PyTorch's. Tensor tolerances: `pinv(_:atol:rtol:hermitian:)`
    /// with tensors.
    /// The gradient assumes the rank is locally constant (it is not differentiable where it jumps).
    ///
    ///     let p = try Linalg.pinv(a)               // a.matmul(p).matmul(a) ≈ a
    ///     p.sum().backward()
    public static func pinv(_ a: Tensor, atol: Double? = nil, rtol: Double? = nil, hermitian: Bool = false) throws(LinalgError) -> Tensor {
        try pinv(a, SpectralTolerance(atol: atol, rtol: rtol), hermitian: hermitian)
    }

    /// `pinv` for backward formulas (the SVD succeeded in the forward pass).
    static func pinvInBackward(_ a: Tensor, op: Op) -> Tensor {
        do { return try pinv(a) } catch { fatalError("backward of \(op): \(error)") }
    }

    /// The gradient of A⁺ = pinv(A) for an upstream gradient G = g_{A⁺} (Golub & Pereyra, constant rank):
    /// gA = -Pᵀ·G·Pᵀ + (I - A·P)·Gᵀ·P·Pᵀ + Pᵀ·P·Gᵀ·(I - P·A), with P = A⁺.
    static func pinvBackward(_ g: Tensor, a: Tensor, pinv p: Tensor) -> Tensor {
        let t1 = Tensor.mm(Tensor.mm(p, g, transA: true, transB: false), p, transA: false, transB: true)
        let gtPPt = Tensor.mm(g, Tensor.mm(p, p, transA: false, transB: true), transA: true, transB: false)
        let t2 = gtPPt - a.matmul(p.matmul(gtPPt))
        let ptPGt = Tensor.mm(Tensor.mm(p, p, transA: true, transB: false), g, transA: false, transB: true)
        let t3 = ptPGt - ptPGt.matmul(p).matmul(a)
        return t2 + t3 - t1
    }
}
