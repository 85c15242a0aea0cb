// The fused products of PyTorch (addmv, addr, baddbmm, addbmm), multiDot, vecdot, blockDiag and
// cartesianProd: composed of matmul, broadcast arithmetic, reshapes and pads, so their gradients
// are those ops'.

extension Tensor {
    /// beta·self + alpha·(mat · vec) for mat [n, m] and vec [m] (self broadcasts to [n]), as `torch.addmv`.
    ///
    ///     let y = bias.addmv(w, x)                  // w·x + bias
    public func addmv(_ mat: Tensor, _ vec: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        check(mat.rank == 2 && vec.rank == 1 && mat.shape[1] == vec.shape[0],
              "addmv: needs a matrix [n, m] and a vector [m], got shapes \(mat.shape) and \(vec.shape) (self \(shape))")
        return scaledSum(mat.matmul(vec), beta: beta, alpha: alpha, op: "addmv", factors: [mat.shape, vec.shape])
    }

    /// beta·self + alpha·(v1 ⊗ v2) for vectors v1 [n] and v2 [m], as `torch.addr`. Computed in
    /// PyTorch's order, beta·self + (alpha·v1)·v2, each step in the dtype (so float16 and bfloat16
    /// round each product, and beta and alpha themselves, as PyTorch's CPU kernel does).
    ///
    ///     let m2 = m.addr(u, v, alpha: -1)          // a rank-one downdate
    public func addr(_ vec1: Tensor, _ vec2: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        check(vec1.rank == 1 && vec2.rank == 1, "addr: needs two vectors, got shapes \(vec1.shape) and \(vec2.shape) (self \(shape))")
        if _slowPath(!vec1.dtype.isFloatingPoint && !vec2.dtype.isFloatingPoint) {
            // Integers and bools: alpha applies to the product (bool addr is logical, as PyTorch's).
            return scaledSum(vec1.unsqueeze(axis: 1) * vec2.unsqueeze(axis: 0), beta: beta, alpha: alpha, op: "addr", factors: [vec1.shape, vec2.shape])
        }
        // float16/bfloat16: PyTorch's kernel holds beta and alpha in the dtype, rounded.
        let d = DType.result(DType.result(dtype, vec1.dtype), vec2.dtype)
        let (b, a) = d.isReducedPrecision ? (Tensor.full([], beta, dtype: d).item(), Tensor.full([], alpha, dtype: d).item()) : (beta, alpha)
        let scaled = a == 1 ? vec1 : vec1 * a
        return scaledSum(scaled.unsqueeze(axis: 1) * vec2.unsqueeze(axis: 0), beta: b, alpha: 1, op: "addr", factors: [vec1.shape, vec2.shape])
    }

    /// beta·self + alpha·(batch1 · batch2) for [b, n, k] and [b, k, m], as `torch.baddbmm`.
    ///
    ///     let scores = mask.baddbmm(q, k.transpose(1, 2), alpha: 0.125)
    public func baddbmm(_ batch1: Tensor, _ batch2: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        check(batch1.rank == 3 && batch2.rank == 3 && batch1.shape[0] == batch2.shape[0] && batch1.shape[2] == batch2.shape[1],
              "baddbmm: needs [b, n, k] and [b, k, m], got shapes \(batch1.shape) and \(batch2.shape) (self \(shape))")
        return scaledSum(batch1.matmul(batch2), beta: beta, alpha: alpha, op: "baddbmm", factors: [batch1.shape, batch2.shape])
    }

    /// beta·self + alpha·Σᵢ batch1[i] · batch2[i] for [b, n, k] and [b, k, m], as `torch.addbmm`
    /// (one [n, b·k] · [b·k, m] product).
    ///
    ///     let acc = c.addbmm(xs, ys)
    public func addbmm(_ batch1: Tensor, _ batch2: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        check(batch1.rank == 3 && batch2.rank == 3 && batch1.shape[0] == batch2.shape[0] && batch1.shape[2] == batch2.shape[1],
              "addbmm: needs [b, n, k] and [b, k, m], got shapes \(batch1.shape) and \(batch2.shape) (self \(shape))")
        let b = batch1.shape[0], n = batch1.shape[1], k = batch1.shape[2], m = batch2.shape[2]
        let left = batch1.permute([1, 0, 2]).reshape([n, b * k]), right = batch2.reshape([b * k, m])
        return scaledSum(left.matmul(right), beta: beta, alpha: alpha, op: "addbmm", factors: [batch1.shape, batch2.shape])
    }
}

extension Linalg {
    /// The product of a chain of matrices in the cheapest order (dynamic programming on the
    /// multiply-add count), as `torch.linalg.multi_dot`; the first may be a row vector [n] and the
    /// last a column vector [n], which then drop from the result.
    ///
    ///     let y = Linalg.multiDot([a, b, c, v])     // a·b·c·v
    public static func multiDot(_ tensors: [Tensor]) -> Tensor {
        check(tensors.count >= 2, "multiDot: needs at least 2 tensors, got \(tensors.count)")
        let n = tensors.count
        for (i, t) in tensors.enumerated() {
            let vectorAllowed = i == 0 || i == n - 1
            check(t.rank == 2 || (vectorAllowed && t.rank == 1),
                  "multiDot: tensor \(i) must be 2-D\(vectorAllowed ? " or 1-D" : ""), got shapes \(tensors.map(\.shape))")
        }
        var ms = tensors
        if ms[0].rank == 1 { ms[0] = ms[0].unsqueeze(axis: 0) }
        if ms[n - 1].rank == 1 { ms[n - 1] = ms[n - 1].unsqueeze(axis: 1) }
        for i in 1..<n {
            check(ms[i - 1].shape[1] == ms[i].shape[0], "multiDot: shapes \(tensors.map(\.shape)) cannot be chained (tensor \(i - 1) and \(i))")
        }
        let dims = [ms[0].shape[0]] + ms.map { $0.shape[1] }
        // cost[i][j]: cheapest multiply-adds for ms[i...j]; split[i][j]: where it splits.
        var cost = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        var split = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        if n > 2 {
            for length in 1..<n {
                for i in 0..<(n - length) {
                    let j = i + length
                    cost[i][j] = Int.max
                    for s in i..<j {
                        let c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                        if c < cost[i][j] { cost[i][j] = c; split[i][j] = s }
                    }
                }
            }
        }
        func chain(_ i: Int, _ j: Int) -> Tensor {
            if i == j { return ms[i] }
            let s = n > 2 ? split[i][j] : i
            return chain(i, s).matmul(chain(s + 1, j))
        }
        var r = chain(0, n - 1)
        if tensors[n - 1].rank == 1 { r = r.squeeze(axis: 1) }
        if tensors[0].rank == 1 { r = r.squeeze(axis: 0) }
        return r
    }

    /// The dot product of vectors along `axis` (broadcasting the other axes), as `torch.linalg.vecdot`.
    ///
    ///     let d = Linalg.vecdot(a, b)        // [..., n] · [..., n] -> [...]
    public static func vecdot(_ x: Tensor, _ y: Tensor, axis: Int = -1) -> Tensor {
        check(x.rank >= 1 && y.rank >= 1, "vecdot: needs tensors with at least 1 axis, got shapes \(x.shape) and \(y.shape)")
        let shape = broadcastShape(x.shape, y.shape, op: "vecdot")
        let ax = normalizeAxis(axis, shape.count, op: "vecdot", shape: shape)
        return (x * y).sum(axis: ax)
    }
}

extension Tensor {
    /// The block-diagonal matrix of the given tensors (0-D as 1×1, 1-D as one row, 2-D as is), zeros
    /// elsewhere; the dtype is their promoted dtype, as `torch.block_diag`.
    ///
    ///     let m = Tensor.blockDiag([a, b])        // [[a, 0], [0, b]]
    public static func blockDiag(_ tensors: [Tensor]) -> Tensor {
        for t in tensors {
            check(t.rank <= 2, "blockDiag: inputs must have at most 2 axes, got shapes \(tensors.map(\.shape))")
        }
        if tensors.isEmpty { return Tensor.zeros([1, 0]) }
        let dtype = tensors.dropFirst().reduce(tensors[0].dtype) { DType.result($0, $1.dtype) }
        let blocks = tensors.map { t -> Tensor in
            let m = t.rank == 2 ? t : t.reshape([1, t.count])
            return m.dtype == dtype ? m : m.to(dtype)
        }
        let width = blocks.reduce(0) { $0 + $1.shape[1] }
        var offset = 0
        let rows = blocks.map { b -> Tensor in
            defer { offset += b.shape[1] }
            return b.pad([offset, width - offset - b.shape[1]])
        }
        return Tensor.cat(rows, axis: 0)
    }

    /// Every combination of one element from each 1-D tensor, as rows [N₁·N₂·…, k] in row-major order
    /// (one tensor: itself), as `torch.cartesian_prod`.
    ///
    ///     Tensor.cartesianProd([Tensor([1, 2]), Tensor([3, 4])])   // [[1, 3], [1, 4], [2, 3], [2, 4]]
    public static func cartesianProd(_ tensors: [Tensor]) -> Tensor {
        check(!tensors.isEmpty, "cartesianProd: needs at least one tensor")
        for t in tensors {
            check(t.rank == 1, "cartesianProd: needs 1-D tensors, got shapes \(tensors.map(\.shape))")
        }
        if tensors.count == 1 { return tensors[0] }
        let dtype = tensors.dropFirst().reduce(tensors[0].dtype) { DType.result($0, $1.dtype) }
        let sizes = tensors.map { $0.shape[0] }
        let columns = tensors.enumerated().map { i, t -> Tensor in
            var shape = [Int](repeating: 1, count: sizes.count)
            shape[i] = sizes[i]
            let c = t.dtype == dtype ? t : t.to(dtype)
            return c.reshape(shape).expand(sizes).reshape([-1])
        }
        return Tensor.stack(columns, axis: 1)
    }
}
