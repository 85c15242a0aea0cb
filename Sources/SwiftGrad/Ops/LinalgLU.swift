// The LU family (torch.linalg.lu, lu_factor, lu_solve, torch.lu_unpack): LU factorization with
// partial pivoting (LAPACK getrf) of square and rectangular matrices, A = P·L·U, and the solves
// and unpacking built on it. Differentiable: `lu` records one node for (L, U) whose backward is
// PyTorch's linalg_lu_backward, written with triangular solves so it differentiates again; the
// others are composed of `lu`, triangles and triangular solves.

extension Kernels {
    /// getrf of each [m, n] matrix: the packed factors (L's strict lower part, U's upper part) and
    /// the 1-based row interchanges [batch..., min(m, n)] as LAPACK and PyTorch give them.
    static func luFactor(_ a: Tensor) -> (lu: Tensor, pivots: [Int32]) {
        let a = a.dense
        let (batch, m, n) = matrixDims(a)
        let k = Swift.min(m, n)
        let out = a.detach().copy()
        var pivots = [Int32](repeating: 0, count: batch * k)
        func run<T: LapackElement>(_: T.Type) {
            let p = out.ptr(T.self)
            pivots.withUnsafeMutableBufferPointer { piv in
                for b in 0..<batch where k > 0 {
                    // info > 0 (an exact zero pivot) still leaves a valid factorization, as PyTorch's.
                    _ = T.getrf(Int32(m), Int32(n), p + b * m * n, Int32(n), piv.baseAddress! + b * k)
                }
            }
        }
        if a.dtype == .float32 { run(Float.self) } else { run(Double.self) }
        return (out, pivots)
    }

    /// The permutation matrices P (A = P·L·U) of 1-based row interchanges, [batch..., m, m].
    static func permutationMatrices(_ pivots: [Int32], batch: [Int], m: Int, k: Int, dtype: DType) -> Tensor {
        let count = batch.reduce(1, *)
        var values = [Double](repeating: 0, count: count * m * m)
        for b in 0..<count {
            var perm = Array(0..<m)
            for i in 0..<k {
                let j = Int(pivots[b * k + i]) - 1
                if j >= 0 && j < m { perm.swapAt(i, j) }
            }
            // Row i of Pᵀ·A is row perm[i] of A: P[perm[i], i] = 1.
            for i in 0..<m { values[b * m * m + perm[i] * m + i] = 1 }
        }
        return Tensor(values, shape: batch + [m, m], dtype: dtype)
    }
}

extension Linalg {
    /// LU factorization with partial pivoting of each matrix of `a` ([..., m, n]): A = P·L·U with P a
    /// permutation [m, m], L unit lower triangular [m, k] and U upper triangular [k, n], k = min(m, n),
    /// as `torch.linalg.lu`. Differentiable in L and U (P is piecewise constant). Only `pivot: true`
    /// exists on the CPU, as in PyTorch.
    ///
    ///     let (p, l, u) = Linalg.lu(a)
    public static func lu(_ a: Tensor, pivot: Bool = true) -> (p: Tensor, l: Tensor, u: Tensor) {
        let op = "lu"
        checkMatrix(a, op)
        check(pivot, "\(op): LU without pivoting is not implemented on the CPU (input \(a.shape))")
        let m = a.shape[a.rank - 2], n = a.shape[a.rank - 1], k = Swift.min(m, n)
        let batch = batchShape(a)
        let (packed, pivots) = Kernels.luFactor(a)
        let p = Kernels.permutationMatrices(pivots, batch: batch, m: m, k: k, dtype: a.dtype)
        let (l, u) = withNoGrad { unpackFactors(packed, m: m, n: n) }
        let outs = recordedOutputs(.linalgLu, [l, u], batch: batch, inputs: [a], save: []) { gs, outs, _ in
            [luBackward(gL: gs[0], gU: gs[1], p: p, l: outs[0], u: outs[1])]
        }
        return (p, outs[0], outs[1])
    }

    /// The packed LU factorization of each matrix and its 1-based row interchanges (int32,
    /// [..., min(m, n)]), as `torch.linalg.lu_factor`: L's strict lower part and U in one [m, n]
    /// matrix. Differentiable in the factors.
    ///
    ///     let (lu, pivots) = Linalg.luFactor(a)
    ///     let x = Linalg.luSolve(lu, pivots, b)
    public static func luFactor(_ a: Tensor, pivot: Bool = true) -> (lu: Tensor, pivots: Tensor) {
        let op = "luFactor"
        checkMatrix(a, op)
        check(pivot, "\(op): LU without pivoting is not implemented on the CPU (input \(a.shape))")
        let m = a.shape[a.rank - 2], n = a.shape[a.rank - 1], k = Swift.min(m, n)
        let pivots = Kernels.luFactor(a).pivots
        let (_, l, u) = lu(a)
        // L's strict lower part [m, k] and U [k, n], each padded to [m, n].
        let packed = tril(l, k: -1).pad([0, n - k]) + u.pad([0, 0, 0, m - k])
        return (packed, Tensor(pivots.map { Int($0) }, shape: batchShape(a) + [k]).to(.int32))
    }

    /// P, L and U from a packed factorization and its pivots, as `torch.lu_unpack`. Differentiable
    /// in `lu`.
    ///
    ///     let (p, l, u) = Linalg.luUnpack(lu, pivots)
    public static func luUnpack(_ lu: Tensor, _ pivots: Tensor) -> (p: Tensor, l: Tensor, u: Tensor) {
        let op = "luUnpack"
        checkMatrix(lu, op)
        let m = lu.shape[lu.rank - 2], n = lu.shape[lu.rank - 1], k = Swift.min(m, n)
        check(!pivots.dtype.isFloatingPoint && pivots.dtype != .bool && pivots.shape == batchShape(lu) + [k],
              "\(op): pivots must be an integer tensor of shape \(batchShape(lu) + [k]) for factors \(lu.shape), got \(pivots.dtype) \(pivots.shape)")
        let piv = pivots.ints.map { Int32($0) }
        check(piv.allSatisfy { $0 >= 1 && Int($0) <= m }, "\(op): pivots must lie in 1...\(m) (factors \(lu.shape), pivots \(pivots.shape))")
        let p = Kernels.permutationMatrices(piv, batch: batchShape(lu), m: m, k: k, dtype: lu.dtype)
        let (l, u) = unpackFactors(lu, m: m, n: n)
        return (p, l, u)
    }

    /// Solves A·X = B (or X·A = B with `left: false`; Aᴴ in place of A with `adjoint: true`) for each
    /// square A given by its LU factorization, as `torch.linalg.lu_solve`. Differentiable in `lu` and `b`.
    ///
    ///     let (lu, pivots) = Linalg.luFactor(a)
    ///     let x = Linalg.luSolve(lu, pivots, b)          // a·x = b
    public static func luSolve(_ lu: Tensor, _ pivots: Tensor, _ b: Tensor, left: Bool = true, adjoint: Bool = false) -> Tensor {
        let op = "luSolve"
        checkSquare(lu, op)
        checkMatrix(b, op)
        let n = lu.shape[lu.rank - 1]
        check(b.dtype == lu.dtype, "\(op): the factors \(lu.dtype) \(lu.shape) and B \(b.dtype) \(b.shape) need one dtype")
        check(b.shape[b.rank - (left ? 2 : 1)] == n,
              "\(op): B \(b.shape) does not match the \(n)×\(n) factors \(lu.shape) on the \(left ? "left" : "right")")
        let (p, l, u) = luUnpack(lu, pivots)
        // A = P·L·U.
        switch (left, adjoint) {
        case (true, false):   // X = U⁻¹ L⁻¹ Pᵀ B
            let y = solveTriangular(l, p.mT.matmul(b), upper: false, left: true, unitriangular: true)
            return solveTriangular(u, y, upper: true, left: true)
        case (true, true):    // Aᵀ = Uᵀ Lᵀ Pᵀ: X = P L⁻ᵀ U⁻ᵀ B
            let y = solveTriangular(u.mT, b, upper: false, left: true)
            return p.matmul(solveTriangular(l.mT, y, upper: true, left: true, unitriangular: true))
        case (false, false):  // X·P·L·U = B: X = B U⁻¹ L⁻¹ Pᵀ
            let y = solveTriangular(u, b, upper: true, left: false)
            return solveTriangular(l, y, upper: false, left: false, unitriangular: true).matmul(p.mT)
        case (false, true):   // X·Uᵀ Lᵀ Pᵀ = B: X = B P L⁻ᵀ U⁻ᵀ
            let y = solveTriangular(l.mT, b.matmul(p), upper: true, left: false, unitriangular: true)
            return solveTriangular(u.mT, y, upper: false, left: false)
        }
    }

    /// L (unit lower, [m, k]) and U (upper, [k, n]) from the packed [m, n] factors.
    static func unpackFactors(_ packed: Tensor, m: Int, n: Int) -> (l: Tensor, u: Tensor) {
        let k = Swift.min(m, n)
        let l = tril(packed.narrow(axis: -1, start: 0, length: k), k: -1) + Tensor.eye(m, k, dtype: packed.dtype)
        let u = triu(packed.narrow(axis: -2, start: 0, length: k))
        return (l, u)
    }

    /// gA for A = P·L·U (PyTorch's linalg_lu_backward). Square: gA = P·L⁻ᴴ·(tril₋₁(Lᴴ·gL) + triu(gU·Uᴴ))·U⁻ᴴ.
    /// Wide (m < n, U = [U₁ U₂]): U₂ = L⁻¹·Pᵀ·A₂, so gA₂ = P·L⁻ᴴ·gU₂ and A₁ takes the square formula
    /// with gL − L⁻ᴴ·gU₂·U₂ᴴ. Tall (m > n, L = [L₁; L₂]): L₂ = (Pᵀ·A)₂·U⁻¹, so (Pᵀ·gA)₂ = gL₂·U⁻ᴴ and
    /// the square part takes gU − L₂ᴴ·gL₂·U⁻ᴴ.
    static func luBackward(gL: Tensor, gU: Tensor, p: Tensor, l: Tensor, u: Tensor) -> Tensor {
        let m = l.shape[l.rank - 2], n = u.shape[u.rank - 1]
        /// The square formula without P: L⁻ᴴ·(tril₋₁(Lᴴ·gL) + triu(gU·Uᴴ))·U⁻ᴴ.
        func square(_ gL: Tensor, _ gU: Tensor, _ l: Tensor, _ u: Tensor) -> Tensor {
            let phi = tril(l.mT.matmul(gL), k: -1) + triu(gU.matmul(u.mT))
            let x = triangularSolve(l, phi, upper: false, left: true, unit: true, transA: true)
            return triangularSolve(u, x, upper: true, left: false, unit: false, transA: true)
        }
        if m == n { return p.matmul(square(gL, gU, l, u)) }
        if m < n {
            let u1 = u.narrow(axis: -1, start: 0, length: m), u2 = u.narrow(axis: -1, start: m, length: n - m)
            let gU1 = gU.narrow(axis: -1, start: 0, length: m), gU2 = gU.narrow(axis: -1, start: m, length: n - m)
            let lInvHgU2 = triangularSolve(l, gU2, upper: false, left: true, unit: true, transA: true)
            let gA1 = square(gL - lInvHgU2.matmul(u2.mT), gU1, l, u1)
            return p.matmul(Tensor.cat([gA1, lInvHgU2], axis: -1))
        }
        let l1 = l.narrow(axis: -2, start: 0, length: n), l2 = l.narrow(axis: -2, start: n, length: m - n)
        let gL1 = gL.narrow(axis: -2, start: 0, length: n), gL2 = gL.narrow(axis: -2, start: n, length: m - n)
        let gL2UInvH = triangularSolve(u, gL2, upper: true, left: false, unit: false, transA: true)
        let gA1 = square(gL1, gU - l2.mT.matmul(gL2UInvH), l1, u)
        return p.matmul(Tensor.cat([gA1, gL2UInvH], axis: -2))
    }
}
