// The `_ex` variants of the linear-algebra functions (a result and an int32 `info` per matrix,
// PyTorch's `linalg.cholesky_ex`, `inv_ex`, `solve_ex`), the Vandermonde matrix, and the tensor
// inverse and solve (reshapes around `inv` and `solve`).

extension Linalg {
    /// The batch shape of [..., n, n] matrices: `info`'s shape.
    private static func infoZeros(_ a: Tensor) -> Tensor { Tensor.zeros(Array(a.shape.dropLast(2)), dtype: .int32) }

    /// The Cholesky factor and PyTorch's `info` (`linalg.cholesky_ex`): 0 for every matrix here, since
    /// a matrix that is not positive definite throws `LinalgError.notPositiveDefinite` (naming the
    /// failing minor) instead of returning a partial factor.
    ///
    ///     let (l, info) = try Linalg.choleskyEx(a)
    public static func choleskyEx(_ a: Tensor, upper: Bool = false) throws(LinalgError) -> (l: Tensor, info: Tensor) {
        (try cholesky(a, upper: upper), infoZeros(a))
    }

    /// The inverse and PyTorch's `info` (`linalg.inv_ex`; a singular matrix throws `LinalgError.singular`).
    ///
    ///     let (inverse, info) = try Linalg.invEx(a)
    public static func invEx(_ a: Tensor) throws(LinalgError) -> (inverse: Tensor, info: Tensor) {
        (try inv(a), infoZeros(a))
    }

    /// The solution of A·X = B (X·A = B when `left` is false) and PyTorch's `info` (`linalg.solve_ex`).
    ///
    ///     let (x, info) = try Linalg.solveEx(a, b)
    public static func solveEx(_ a: Tensor, _ b: Tensor, left: Bool = true) throws(LinalgError) -> (result: Tensor, info: Tensor) {
        (try solve(a, b, left: left), infoZeros(a))
    }

    /// The Vandermonde matrix of the last axis of `x`: [..., n, count] with columns x⁰, x¹, …,
    /// x^(count−1) (`linalg.vander`; `count` defaults to n). A running product, so its gradient is exact
    /// at x = 0 too; integer inputs stay integer.
    ///
    ///     let v = Linalg.vander(Tensor([1.0, 2, 3]))       // [[1, 1, 1], [1, 2, 4], [1, 3, 9]]
    public static func vander(_ x: Tensor, count: Int? = nil) -> Tensor {
        let v = x.rank == 0 ? x.reshape([1]) : x
        let n = count ?? v.shape[v.rank - 1]
        check(n >= 0, "linalg.vander: N must be non-negative, got \(n) (x \(x.shape))")
        check(x.dtype != .bool, "linalg.vander: not defined for bool tensors (x \(x.shape))")
        let column = v.unsqueeze(axis: -1)
        if n == 0 { return Tensor.zeros(v.shape + [0], dtype: x.dtype) }
        let ones = Tensor.onesLike(column)
        if n == 1 { return ones }
        let powers = Tensor.cat([ones] + Array(repeating: column.expand(v.shape + [1]), count: n - 1), axis: -1)
        return powers.cumprod(axis: -1)
    }

    /// The tensor X with `tensordot(a, X, ind)` the identity (`linalg.tensorinv`): `a` reshaped to
    /// the square matrix [∏ shape[..<ind], ∏ shape[ind...]], inverted and reshaped to
    /// shape[ind...] + shape[..<ind].
    ///
    ///     let ainv = try Linalg.tensorinv(a, ind: 2)      // a: [4, 6, 8, 3]
    public static func tensorinv(_ a: Tensor, ind: Int = 2) throws(LinalgError) -> Tensor {
        check(ind > 0 && ind <= a.rank, "linalg.tensorinv: ind must be in 1...\(a.rank), got \(ind) (a \(a.shape))")
        let outer = Array(a.shape[..<ind]), inner = Array(a.shape[ind...])
        let rows = outer.reduce(1, *), cols = inner.reduce(1, *)
        check(rows == cols, "linalg.tensorinv: the product of the first \(ind) sizes (\(rows)) must equal the product of the rest (\(cols)) (a \(a.shape))")
        return try inv(a.reshape([rows, cols])).reshape(inner + outer)
    }

    /// The tensor X with `tensordot(a, X, X.rank)` = b (`linalg.tensorsolve`): the axes `axes` of `a`
    /// are moved to the end, and `a` (whose sizes after b.rank are X's shape) is reshaped to the
    /// square [b.count, b.count] matrix solved against b's elements: as PyTorch's, only the element
    /// counts must agree (a's leading sizes need not be b's shape).
    ///
    ///     let x = try Linalg.tensorsolve(a, b)            // a: [2, 3, 6], b: [2, 3] → x: [6]
    public static func tensorsolve(_ a: Tensor, _ b: Tensor, axes: [Int]? = nil) throws(LinalgError) -> Tensor {
        var moved = a
        if let axes {
            let src = axes.map { normalizeAxis($0, a.rank, op: "linalg.tensorsolve", shape: a.shape) }
            check(Set(src).count == src.count, "linalg.tensorsolve: dims \(axes) repeat an axis (a \(a.shape))")
            let rest = (0..<a.rank).filter { !src.contains($0) }
            moved = a.permute(rest + src)
        }
        check(b.rank <= moved.rank, "linalg.tensorsolve: b \(b.shape) has more axes than a \(a.shape)")
        let resultShape = Array(moved.shape[b.rank...])
        let n = resultShape.reduce(1, *)
        check(n == b.count && moved.count == n * n,
              "linalg.tensorsolve: a \(a.shape) must reshape to a square matrix of b's \(b.count) elements (b \(b.shape); a's sizes after the first \(b.rank) hold \(n))")
        return try solve(moved.reshape([n, n]), b.reshape([n])).reshape(resultShape)
    }
}
