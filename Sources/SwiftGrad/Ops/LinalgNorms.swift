// Norms and rank: vectorNorm, matrixNorm, matrixRank. Composed from differentiable Tensor ops and
// svdvals, so their gradients (and double backward) come from those ops.

/// The order of a matrix norm: `.fro`, `.nuclear`, or a number among 1, -1, 2, -2, `.inf`, `-.inf`
/// (an integer or float literal works: `ord: 2`).
///
///     let n = try Linalg.matrixNorm(a, ord: .nuclear)
///     let m = try Linalg.matrixNorm(a, ord: -.inf)
public struct MatrixNormOrder: Equatable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    enum Kind: Equatable, Sendable { case fro, nuclear, p(Double) }
    let kind: Kind

    /// The Frobenius norm √(Σ a²) (the default).
    public static let fro = MatrixNormOrder(kind: .fro)
    /// The nuclear norm: the sum of the singular values.
    public static let nuclear = MatrixNormOrder(kind: .nuclear)
    /// The infinity norm: the largest absolute row sum.
    public static let inf = MatrixNormOrder(kind: .p(.infinity))

    init(kind: Kind) { self.kind = kind }
    /// A numeric order: ±1 (column sums), ±2 (singular values), ±infinity (row sums).
    public init(_ p: Double) {
        check([1, -1, 2, -2, .infinity, -.infinity].contains(p),
                     "MatrixNormOrder: order \(p) is not one of 1, -1, 2, -2, inf, -inf, .fro, .nuclear")
        kind = .p(p)
    }
    /// `ord: 2` (an integer literal).
    public init(integerLiteral value: Int) { self.init(Double(value)) }
    /// `ord: 2.0` (a float literal).
    public init(floatLiteral value: Double) { self.init(value) }
    /// The negated numeric order (`-.inf`, `-2`).
    public static prefix func - (o: MatrixNormOrder) -> MatrixNormOrder {
        guard case .p(let p) = o.kind else { checkFailure("MatrixNormOrder: \(o) cannot be negated") }
        return MatrixNormOrder(-p)
    }

    public var description: String {
        switch kind {
        case .fro: return "fro"
        case .nuclear: return "nuclear"
        case .p(let p): return p.isInfinite ? (p > 0 ? "inf" : "-inf") : "\(Int(p))"
        }
    }
}

extension Linalg {
    /// The vector norm over `axes` (all axes by default): ord 2 (Euclidean), 1, `.infinity` (max |x|),
    /// `-.infinity` (min |x|), 0 (number of nonzeros, gradient 0), or any other p: (Σ|x|^p)^(1/p).
    /// The gradient of the 2-norm at 0 is 0.
    ///
    ///     let n = Linalg.vectorNorm(x)                           // √(Σ x²)
    ///     let rows = Linalg.vectorNorm(x, ord: 1, axes: [-1], keepDim: true)
    public static func vectorNorm(_ x: Tensor, ord: Double = 2, axes: [Int]? = nil, keepDim: Bool = false) -> Tensor {
        check(x.dtype.isFloatingPoint, "vectorNorm: needs a float tensor, got \(x.dtype) of shape \(x.shape)")
        let ax = (axes ?? Array(0..<x.rank)).map { normalizeAxis($0, x.rank, op: "vectorNorm") }
        return x.norm(p: ord, axes: ax, keepDim: keepDim)
    }

    /// The matrix norm of each matrix in the last two axes: `.fro` (default), `.nuclear`, 1 / -1
    /// (max / min absolute column sum), `.inf` / `-.inf` (row sums), 2 / -2 (largest / smallest
    /// singular value). Throws only if an SVD (nuclear, ±2) fails to converge.
    ///
    ///     let f = try Linalg.matrixNorm(a)                     // [..., m, n] -> [...]
    ///     let spectral = try Linalg.matrixNorm(a, ord: 2)
    public static func matrixNorm(_ a: Tensor, ord: MatrixNormOrder = .fro, keepDim: Bool = false) throws(LinalgError) -> Tensor {
        checkMatrix(a, "matrixNorm", lowPrecision: true)
        let r: Tensor
        switch ord.kind {
        case .fro:
            r = a.norm(p: 2, axes: [-2, -1], keepDim: true)
        case .nuclear:
            r = try svdvals(a).sum(axis: -1, keepDim: true).unsqueeze(axis: -1)
        case .p(let p) where Swift.abs(p) == 2:
            let s = try svdvals(a)
            let extreme = p > 0 ? s.amaxDifferentiable([-1], keepDim: true) : -((-s).amaxDifferentiable([-1], keepDim: true))
            r = extreme.unsqueeze(axis: -1)
        case .p(let p):
            // 1: sums down the columns, then max over columns; inf: sums along the rows, max over rows.
            let sums = a.abs().sum(axis: Swift.abs(p) == 1 ? -2 : -1, keepDim: true)
            let axis = Swift.abs(p) == 1 ? -1 : -2
            r = p > 0 ? sums.amaxDifferentiable([axis], keepDim: true) : -((-sums).amaxDifferentiable([axis], keepDim: true))
        }
        return keepDim ? r : r.squeeze(axis: -1).squeeze(axis: -1)
    }

    /// The numerical rank of each matrix: the number of singular values above max(atol, rtol·σ_max)
    /// (int64, batch shape). Defaults as PyTorch: rtol = machine epsilon · max(m, n) unless an atol
    /// above 0 is given (then 0); atol = 0. `hermitian`: symmetric matrices, lower triangle read,
    /// counting |λ| (eigenvalues) instead of σ. Tensor tolerances: `matrixRank(_:atol:rtol:hermitian:)`.
    ///
    ///     let r = try Linalg.matrixRank(a)          // e.g. tensor(3)
    ///     let loose = try Linalg.matrixRank(a, atol: 1e-6)
    public static func matrixRank(_ a: Tensor, atol: Double? = nil, rtol: Double? = nil, hermitian: Bool = false) throws(LinalgError) -> Tensor {
        try matrixRank(a, SpectralTolerance(atol: atol, rtol: rtol), hermitian: hermitian)
    }
}
