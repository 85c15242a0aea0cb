// Linear algebra (torch.linalg): the namespace, its error type, shared helpers and the structural
// ops (diagonal, trace, triangles, outer, cross, kron). The LAPACK-backed families live in
// LinalgSolve, LinalgDecompositions, LinalgNorms and LinalgMatrixFunctions.

/// Linear algebra on float32 and float64 tensors, mirroring `torch.linalg`. Every function works on
/// the last two axes as matrices and batches over the leading axes; gradients are defined as in PyTorch.
///
///     let a = Tensor.randn([3, 4, 4], dtype: .float64)
///     let x = try Linalg.solve(a, Tensor.randn([3, 4, 2], dtype: .float64))
public enum Linalg {}

/// A numerical failure in a `Linalg` function: the input is valid in shape but the computation is not
/// possible for its values. For a batch, `batchIndex` is the flat (row-major) index of the failing matrix
/// among the leading axes; it is nil when the input is a single matrix.
///
///     do { _ = try Linalg.inv(a) }
///     catch { print(error.batchIndex ?? 0, error) }   // "inv: the matrix at batch index 2 is singular ..."
public enum LinalgError: Error, Equatable, CustomStringConvertible {
    /// The matrix is singular: its LU factorization has an exact zero at pivot `pivot` (1-based).
    case singular(function: String, batchIndex: Int?, pivot: Int)
    /// The matrix is not positive definite: its leading minor of order `minor` is not positive.
    case notPositiveDefinite(function: String, batchIndex: Int?, minor: Int)
    /// A LAPACK routine failed: `info` > 0 means no convergence, < 0 an illegal argument (often a NaN input).
    case lapackFailure(function: String, routine: String, info: Int, batchIndex: Int?)

    /// The `Linalg` function that failed (`"inv"`, `"cholesky"`...).
    public var function: String {
        switch self {
        case .singular(let f, _, _), .notPositiveDefinite(let f, _, _), .lapackFailure(let f, _, _, _): return f
        }
    }

    /// The flat index of the failing matrix in the batch, or nil for a single matrix.
    public var batchIndex: Int? {
        switch self {
        case .singular(_, let i, _), .notPositiveDefinite(_, let i, _), .lapackFailure(_, _, _, let i): return i
        }
    }

    public var description: String {
        let which = batchIndex.map { "the matrix at batch index \($0)" } ?? "the matrix"
        switch self {
        case .singular(let f, _, let p):
            return "\(f): \(which) is singular (U[\(p),\(p)] of its LU factorization is exactly zero)"
        case .notPositiveDefinite(let f, _, let k):
            return "\(f): \(which) is not positive definite (its leading minor of order \(k) is not positive)"
        case .lapackFailure(let f, let r, let info, _):
            let why = info > 0 ? "did not converge (info \(info))" : "rejected argument \(-info) (the input may contain NaN or infinity)"
            return "\(f): LAPACK \(r) failed on \(which): it \(why)"
        }
    }
}

// MARK: - Shared helpers

extension Linalg {
    /// Stops unless `a` is a float tensor with at least two axes. Ops built on LAPACK (every
    /// decomposition, solve and inverse) take float32 and float64 only and refuse float16 and
    /// bfloat16, as PyTorch's CPU does; ops built on products and sums (`lowPrecision: true`:
    /// trace, matrixPower, matrixExp, matrixNorm) also take the half types, computed in float32.
    static func checkMatrix(_ a: Tensor, _ op: String, lowPrecision: Bool = false) {
        check(a.dtype.isFloatingPoint, "\(op): needs a float32 or float64 tensor, got \(a.dtype) of shape \(a.shape)")
        check(lowPrecision || a.dtype.hasKernels,
              "\(op): \(a.dtype) is not supported (LAPACK has no low-precision routines; PyTorch refuses it too), got \(a.dtype) of shape \(a.shape); convert with .to(.float32)")
        check(a.rank >= 2, "\(op): needs a matrix or a batch of matrices (at least 2 axes), got shape \(a.shape)")
    }

    /// Stops unless `a` is a float batch of square matrices; returns n.
    @discardableResult
    static func checkSquare(_ a: Tensor, _ op: String, lowPrecision: Bool = false) -> Int {
        checkMatrix(a, op, lowPrecision: lowPrecision)
        check(a.shape[a.rank - 1] == a.shape[a.rank - 2],
                     "\(op): needs square matrices, got shape \(a.shape)")
        return a.shape[a.rank - 1]
    }

    /// The leading (batch) axes of a matrix tensor.
    static func batchShape(_ a: Tensor) -> [Int] { Array(a.shape.dropLast(2)) }

    /// Whether an op on `inputs` will be recorded on the graph.
    static func willRecord(_ inputs: [Tensor]) -> Bool {
        (ThreadContext.current.gradEnabled && inputs.contains { $0.requiresGrad }) || inputs.contains { $0.dual != nil }
    }

    /// The identity matrix of size n with a's dtype.
    static func eye(_ n: Int, like a: Tensor) -> Tensor { Tensor.eye(n, dtype: a.dtype) }

    /// 1/x where x != 0, and 0 where x == 0, with a gradient that is finite everywhere (the masked
    /// entries never divide by zero, so double backward stays NaN-free too).
    static func safeReciprocal(_ x: Tensor) -> Tensor {
        let zero = x.eq(0)
        let denominator = Tensor.where(zero, Tensor.onesLike(x), x)
        return Tensor.where(zero, Tensor.zerosLike(x), 1.0 / denominator)
    }

    /// Records an op with several outputs as one graph node. The outputs are packed into one tensor
    /// (each flattened over its non-batch axes, concatenated on the last axis) that carries the node,
    /// and handed back as slices of it, so gradients from any subset of the outputs meet in one backward
    /// (outputs nobody used contribute zero gradients). Without recording, the outputs are returned as is.
    static func recordedOutputs(_ op: Op, _ outputs: [Tensor], batch: [Int], inputs: [Tensor], save: Saved,
                                _ backward: @escaping (_ grads: [Tensor], _ outputs: [Tensor], _ ctx: BackwardContext) -> [Tensor?]) -> [Tensor] {
        guard willRecord(inputs) else { return outputs }
        let shapes = outputs.map(\.shape)
        // Sizes spelt out, not -1: an empty batch (a 0 among the batch axes) cannot infer them.
        let packed = withNoGrad { Tensor.cat(outputs.map { $0.reshape(batch + [$0.shape.dropFirst(batch.count).reduce(1, *)]) }, axis: -1) }
        let recorded = packed.recorded(op, inputs: inputs, save: save.union(.output)) { g, ctx in
            backward(unpack(g, shapes, batch: batch), unpack(ctx.output, shapes, batch: batch), ctx)
        }
        return unpack(recorded, shapes, batch: batch)
    }

    /// The inverse of the packing in `recordedOutputs`: slices of the last axis, reshaped.
    static func unpack(_ t: Tensor, _ shapes: [[Int]], batch: [Int]) -> [Tensor] {
        var offset = 0
        return shapes.map { shape in
            let size = shape.dropFirst(batch.count).reduce(1, *)
            defer { offset += size }
            return t.slice(axis: -1, start: offset, end: offset + size).reshape(shape)
        }
    }
}

// MARK: - Diagonals, trace, triangles

extension Linalg {
    /// The diagonal at `offset` (0 main, > 0 above, < 0 below) of each matrix in the last two axes:
    /// [..., n, m] -> [..., len] (PyTorch's `diagonal(offset, -2, -1)`).
    ///
    ///     let d = Linalg.diagonal(Tensor.eye(3))       // [1, 1, 1]
    ///     let above = Linalg.diagonal(a, offset: 1)
    public static func diagonal(_ a: Tensor, offset: Int = 0) -> Tensor {
        check(a.rank >= 2, "diagonal: needs at least 2 axes, got shape \(a.shape)")
        let n = a.shape[a.rank - 2], m = a.shape[a.rank - 1]
        let len = max(0, offset >= 0 ? min(n, m - offset) : min(n + offset, m))
        let out = Tensor.zeros(batchShape(a) + [len], dtype: a.dtype)
        Kernels.diagonal(a, offset: offset, into: out)
        return out.recorded(.linalgDiagonal, a) { g, _ in [diagEmbed(g, offset: offset, rows: n, cols: m)] }
            forward: { f in diagonal(f.tangent, offset: offset) }
    }

    /// Matrices with `v`'s last axis on the diagonal at `offset` and zeros elsewhere: [..., k] ->
    /// [..., rows, cols] (PyTorch's `diag_embed`; square of size k + |offset| by default).
    ///
    ///     let d = Linalg.diagEmbed(Tensor([1.0, 2.0, 3.0]))    // 3×3 diagonal matrix
    ///     let batch = Linalg.diagEmbed(s)                       // [b, k] -> [b, k, k]
    public static func diagEmbed(_ v: Tensor, offset: Int = 0, rows: Int? = nil, cols: Int? = nil) -> Tensor {
        check(v.rank >= 1, "diagEmbed: needs at least 1 axis, got a scalar")
        let k = v.shape[v.rank - 1]
        let n = rows ?? k + Swift.abs(offset), m = cols ?? k + Swift.abs(offset)
        let len = max(0, offset >= 0 ? min(n, m - offset) : min(n + offset, m))
        check(len == k, "diagEmbed: a diagonal of length \(k) (shape \(v.shape)) does not fit offset \(offset) of a \(n)×\(m) matrix")
        let out = Tensor.zeros(Array(v.shape.dropLast()) + [n, m], dtype: v.dtype)
        Kernels.diagEmbed(v, offset: offset, into: out)
        return out.recorded(.linalgDiagEmbed, v) { g, _ in [diagonal(g, offset: offset)] }
            forward: { f in diagEmbed(f.tangent, offset: offset, rows: n, cols: m) }
    }

    /// `diagEmbed` with the two new axes at `dim1` (rows) and `dim2` (columns) of the result instead
    /// of last, as `torch.diag_embed(v, offset, dim1, dim2)`.
    ///
    ///     let m = Linalg.diagEmbed(v, offset: 1, dim1: 0, dim2: 2)    // v [3, 4] -> [5, 3, 5]
    public static func diagEmbed(_ v: Tensor, offset: Int = 0, dim1: Int, dim2: Int) -> Tensor {
        let r = v.rank + 1
        let d1 = normalizeAxis(dim1, r, op: "diagEmbed", shape: v.shape), d2 = normalizeAxis(dim2, r, op: "diagEmbed", shape: v.shape)
        check(d1 != d2, "diagEmbed: dim1 \(dim1) and dim2 \(dim2) name the same axis of the result (input \(v.shape))")
        return diagEmbed(v, offset: offset).movedim([r - 2, r - 1], [d1, d2])
    }

    /// PyTorch's `diag`: a 1-D tensor becomes a square matrix with it on diagonal `offset`; a matrix
    /// gives its diagonal at `offset`.
    ///
    ///     let m = Linalg.diag(Tensor([1.0, 2.0]))     // [[1, 0], [0, 2]]
    ///     let d = Linalg.diag(m)                       // [1, 2]
    public static func diag(_ x: Tensor, offset: Int = 0) -> Tensor {
        check(x.rank == 1 || x.rank == 2, "diag: needs a 1-D or 2-D tensor, got shape \(x.shape)")
        return x.rank == 1 ? diagEmbed(x, offset: offset) : diagonal(x, offset: offset)
    }

    /// The sum of the main diagonal of each matrix: [..., n, m] -> [...].
    ///
    ///     let t = Linalg.trace(Tensor.eye(4))      // 4
    ///     t.backward()                              // gradient: the identity
    public static func trace(_ a: Tensor) -> Tensor {
        // Integer matrices sum their diagonal as `sum` does (int64, wrapping), as PyTorch's trace;
        // bool is refused, as PyTorch does.
        if a.dtype.isFloatingPoint { checkMatrix(a, "trace", lowPrecision: true) } else {
            check(a.dtype != .bool, "trace: bool tensors are not supported, got shape \(a.shape)")
            check(a.rank >= 2, "trace: needs a matrix or a batch of matrices (at least 2 axes), got shape \(a.shape)")
        }
        return diagonal(a).sum(axis: -1)
    }

    /// A 0/1 int64 mask [n, m] of the entries on or above (`upper`) or on or below diagonal `k`.
    static func triangleMask(_ n: Int, _ m: Int, _ k: Int, upper: Bool) -> Tensor {
        var mask = [Int](repeating: 0, count: n * m)
        for i in 0..<n {
            for j in 0..<m where upper ? j - i >= k : j - i <= k { mask[i * m + j] = 1 }
        }
        return Tensor(mask, shape: [n, m])
    }

    /// The upper triangle of each matrix: entries on and above diagonal `k`, zeros elsewhere.
    ///
    ///     let u = Linalg.triu(a)                // keeps the main diagonal
    ///     let strict = Linalg.triu(a, k: 1)     // drops it
    public static func triu(_ a: Tensor, k: Int = 0) -> Tensor {
        check(a.rank >= 2, "triu: needs at least 2 axes, got shape \(a.shape)")
        let mask = triangleMask(a.shape[a.rank - 2], a.shape[a.rank - 1], k, upper: true)
        return Tensor.where(mask, a, Tensor.zeros([], dtype: a.dtype))
    }

    /// The lower triangle of each matrix: entries on and below diagonal `k`, zeros elsewhere.
    ///
    ///     let l = Linalg.tril(a)                // keeps the main diagonal
    ///     let strict = Linalg.tril(a, k: -1)    // drops it
    public static func tril(_ a: Tensor, k: Int = 0) -> Tensor {
        check(a.rank >= 2, "tril: needs at least 2 axes, got shape \(a.shape)")
        let mask = triangleMask(a.shape[a.rank - 2], a.shape[a.rank - 1], k, upper: false)
        return Tensor.where(mask, a, Tensor.zeros([], dtype: a.dtype))
    }
}

// MARK: - Products

extension Linalg {
    /// The outer product of two vectors: [n] and [m] -> [n, m].
    ///
    ///     let o = Linalg.outer(Tensor([1.0, 2.0]), Tensor([3.0, 4.0, 5.0]))   // [2, 3]
    ///     o.sum().backward()
    public static func outer(_ a: Tensor, _ b: Tensor) -> Tensor {
        check(a.rank == 1 && b.rank == 1, "outer: needs two 1-D tensors, got shapes \(a.shape) and \(b.shape)")
        return a.unsqueeze(axis: 1) * b.unsqueeze(axis: 0)
    }

    /// The cross product of 3-vectors along `axis` (size 3 in both), broadcasting the other axes.
    ///
    ///     let z = Linalg.cross(Tensor([1.0, 0, 0]), Tensor([0.0, 1, 0]))   // [0, 0, 1]
    ///     let many = Linalg.cross(a, b)     // [..., 3] × [..., 3]
    public static func cross(_ a: Tensor, _ b: Tensor, axis: Int = -1) -> Tensor {
        check(a.rank >= 1 && b.rank >= 1, "cross: needs tensors with at least 1 axis, got shapes \(a.shape) and \(b.shape)")
        let shape = broadcastShape(a.shape, b.shape, op: "cross")
        let ax = normalizeAxis(axis, shape.count, op: "cross")
        check(shape[ax] == 3, "cross: axis \(axis) must have size 3 in both, got shapes \(a.shape) and \(b.shape)")
        let x = a.expand(shape), y = b.expand(shape)
        func c(_ t: Tensor, _ i: Int) -> Tensor { t.narrow(axis: ax, start: i, length: 1) }
        let c0 = c(x, 1) * c(y, 2) - c(x, 2) * c(y, 1)
        let c1 = c(x, 2) * c(y, 0) - c(x, 0) * c(y, 2)
        let c2 = c(x, 0) * c(y, 1) - c(x, 1) * c(y, 0)
        return Tensor.cat([c0, c1, c2], axis: ax)
    }

    /// The Kronecker product: for shapes [a₀, a₁, ...] and [b₀, b₁, ...] the result has shape
    /// [a₀·b₀, a₁·b₁, ...] (the shorter shape is padded with leading 1s), as `torch.kron`.
    ///
    ///     let k = Linalg.kron(Tensor.eye(2), b)    // block-diagonal [b, 0; 0, b]
    ///     k.sum().backward()
    public static func kron(_ a: Tensor, _ b: Tensor) -> Tensor {
        let r = max(a.rank, b.rank)
        let sa = [Int](repeating: 1, count: r - a.rank) + a.shape
        let sb = [Int](repeating: 1, count: r - b.rank) + b.shape
        // a reshaped to [a₀, 1, a₁, 1, ...] times b reshaped to [1, b₀, 1, b₁, ...], then merged pairwise.
        let xa = a.reshape(sa.flatMap { [$0, 1] })
        let xb = b.reshape(sb.flatMap { [1, $0] })
        return (xa * xb).reshape(zip(sa, sb).map { $0 * $1 })
    }
}
