import Foundation
import Testing
import SwiftGrad

/// Algebraic identities on random and ill-conditioned matrices, in float64 and float32.
@Suite struct LinalgIdentityTests {
    static func randn(_ shape: [Int], seed: UInt64, dtype: DType = .float64) -> Tensor {
        Tensor.randn(shape, dtype: dtype, generator: Generator(seed: seed))
    }
    static func eye(_ n: Int, dtype: DType = .float64) -> Tensor { Tensor.eye(n, dtype: dtype) }
    /// Largest |a - b| over all elements.
    static func maxDiff(_ a: Tensor, _ b: Tensor) -> Double {
        (a.to(.float64) - b.to(.float64)).abs().max().item()
    }
    /// A Hilbert-like matrix of condition number about 1e5 (n = 4), plus a random batch mate.
    static func illConditioned() -> Tensor {
        let n = 4
        var h = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { h[i * n + j] = 1 / Double(i + j + 1) } }
        return Tensor.stack([Tensor(h, shape: [n, n], dtype: .float64), randn([n, n], seed: 1)])
    }

    @Test(arguments: [DType.float64, .float32])
    func inverseTimesMatrixIsIdentity(dtype: DType) throws {
        let tol = dtype == .float64 ? 1e-10 : 1e-4
        let a = Self.randn([3, 4, 4], seed: 2, dtype: dtype)
        #expect(Self.maxDiff(a.matmul(try Linalg.inv(a)), Self.eye(4)) < tol)
        let h = Self.illConditioned()
        #expect(Self.maxDiff(h.matmul(try Linalg.inv(h)), Self.eye(4)) < 1e-9)
        // det(A)·det(A⁻¹) = 1 and sign·exp(logAbsDet) = det.
        let d = Linalg.det(a), (sign, logAbs) = Linalg.slogdet(a)
        #expect(Self.maxDiff(d * Linalg.det(try Linalg.inv(a)), Tensor.ones([3], dtype: dtype)) < tol * 10)
        #expect(Self.maxDiff(sign * logAbs.exp(), d) < tol * 10)
    }

    @Test func determinantValues() {
        let a = Tensor([[2.0, 0, 0], [0, 3, 0], [0, 0, -4]], dtype: .float64)
        #expect(Linalg.det(a).item() == -24)
        let swapped = Tensor([[0.0, 1], [1, 0]], dtype: .float64)
        #expect(Linalg.det(swapped).item() == -1)
        let (sign, logAbs) = Linalg.slogdet(Tensor([[1.0, 2], [2, 4]], dtype: .float64))
        #expect(sign.item() == 0 && logAbs.item() == -.infinity)
        // 100 × 100 of 0.1·I: det underflows to 1e-100, log|det| stays exact.
        let small = Linalg.slogdet(Self.eye(100) * 0.1).logAbsDet.item()
        #expect(Swift.abs(small - 100 * log(0.1)) < 1e-9)
    }

    @Test(arguments: [DType.float64, .float32])
    func solveAndTriangularSolve(dtype: DType) throws {
        let tol = dtype == .float64 ? 1e-9 : 1e-3
        let a = Self.randn([2, 4, 4], seed: 3, dtype: dtype) + Self.eye(4, dtype: dtype) * 2
        let b = Self.randn([4, 3], seed: 4, dtype: dtype)
        let x = try Linalg.solve(a, b)
        #expect(x.shape == [2, 4, 3] && Self.maxDiff(a.matmul(x), b.expand([2, 4, 3])) < tol)
        let v = Self.randn([2, 4], seed: 5, dtype: dtype)
        let xv = try Linalg.solve(a, v)
        #expect(xv.shape == [2, 4] && Self.maxDiff(a.matmul(xv.unsqueeze(axis: -1)).squeeze(axis: -1), v) < tol)
        let y = try Linalg.solve(a, b.mT, left: false)
        #expect(Self.maxDiff(y.matmul(a), b.mT.expand([2, 3, 4])) < tol)
        let u = Linalg.triu(a)
        let xt = Linalg.solveTriangular(u, b, upper: true)
        #expect(Self.maxDiff(u.matmul(xt), b.expand([2, 4, 3])) < tol)
        let lUnit = Linalg.tril(a, k: -1) + Self.eye(4, dtype: dtype)
        // unitriangular ignores the stored diagonal.
        let xr = Linalg.solveTriangular(Linalg.tril(a), b.mT, upper: false, left: false, unitriangular: true)
        #expect(Self.maxDiff(xr.matmul(lUnit), b.mT.expand([2, 3, 4])) < tol)
    }

    @Test func choleskyReconstructsAndSolves() throws {
        let x = Self.randn([3, 4, 4], seed: 6)
        let a = x.matmul(x.mT) + Self.eye(4) * 0.01
        let l = try Linalg.cholesky(a)
        #expect(Self.maxDiff(l.matmul(l.mT), a) < 1e-10)
        #expect(Self.maxDiff(Linalg.triu(l, k: 1), Tensor.zeros([3, 4, 4], dtype: .float64)) == 0)
        let u = try Linalg.cholesky(a, upper: true)
        #expect(Self.maxDiff(u.mT.matmul(u), a) < 1e-10 && Self.maxDiff(u, l.mT) < 1e-12)
        let b = Self.randn([4, 2], seed: 7)
        let sol = Linalg.choleskySolve(b, factor: l)
        #expect(Self.maxDiff(a.matmul(sol), b.expand([3, 4, 2])) < 1e-8)
        #expect(Self.maxDiff(Linalg.choleskySolve(b, factor: u, upper: true), sol) < 1e-8)
    }

    @Test(arguments: [[5, 3], [3, 5], [4, 4], [2, 6, 4]])
    func qrIsOrthonormalTimesUpperTriangular(shape: [Int]) throws {
        for mode in [QRMode.reduced, .complete] {
            let a = Self.randn(shape, seed: 8)
            let (q, r) = try Linalg.qr(a, mode: mode)
            let m = shape[shape.count - 2], n = shape[shape.count - 1]
            let k = mode == .complete ? m : min(m, n)
            #expect(q.shape == Array(shape.dropLast(2)) + [m, k] && r.shape == Array(shape.dropLast(2)) + [k, n])
            #expect(Self.maxDiff(q.matmul(r), a) < 1e-12)
            #expect(Self.maxDiff(q.mT.matmul(q), Self.eye(k)) < 1e-12)
            #expect(Self.maxDiff(Linalg.tril(r, k: -1), Tensor.zerosLike(r)) == 0)
        }
        let h = Self.illConditioned()
        let (q, r) = try Linalg.qr(h)
        #expect(Self.maxDiff(q.matmul(r), h) < 1e-12 && Self.maxDiff(q.mT.matmul(q), Self.eye(4)) < 1e-12)
    }

    @Test(arguments: [[5, 3], [3, 5], [4, 4], [2, 6, 4]])
    func svdReconstructs(shape: [Int]) throws {
        let a = Self.randn(shape, seed: 9)
        let m = shape[shape.count - 2], n = shape[shape.count - 1], k = min(m, n)
        let (u, s, vh) = try Linalg.svd(a, fullMatrices: false)
        #expect(Self.maxDiff((u * s.unsqueeze(axis: -2)).matmul(vh), a) < 1e-12)
        #expect(Self.maxDiff(u.mT.matmul(u), Self.eye(k)) < 1e-12 && Self.maxDiff(vh.matmul(vh.mT), Self.eye(k)) < 1e-12)
        let full = try Linalg.svd(a)
        #expect(full.u.shape.suffix(2) == [m, m] && full.vh.shape.suffix(2) == [n, n])
        #expect(Self.maxDiff(full.u.mT.matmul(full.u), Self.eye(m)) < 1e-12 && Self.maxDiff(full.vh.matmul(full.vh.mT), Self.eye(n)) < 1e-12)
        #expect(Self.maxDiff(try Linalg.svdvals(a), s) < 1e-12)
        let values = s.doubles
        #expect(values.indices.allSatisfy { $0 % k == 0 || values[$0 - 1] >= values[$0] }, "descending in each matrix")
    }

    @Test func eighReconstructs() throws {
        let x = Self.randn([2, 5, 5], seed: 10)
        let a = (x + x.mT) * 0.5
        let (w, v) = try Linalg.eigh(a)
        #expect(Self.maxDiff(v.matmul(Linalg.diagEmbed(w)).matmul(v.mT), a) < 1e-12)
        #expect(Self.maxDiff(v.mT.matmul(v), Self.eye(5)) < 1e-12)
        #expect(Self.maxDiff(try Linalg.eigvalsh(a), w) < 1e-12)
        // Only the chosen triangle is read.
        let junk = Linalg.tril(a) + Linalg.triu(Self.randn([2, 5, 5], seed: 11), k: 1)
        #expect(Self.maxDiff(try Linalg.eigvalsh(junk), w) < 1e-12)
        #expect(Self.maxDiff(try Linalg.eigvalsh(Linalg.triu(a), upper: true), w) < 1e-12)
        let h = Self.illConditioned()
        let hs = (h + h.mT) * 0.5
        let e = try Linalg.eigh(hs)
        #expect(Self.maxDiff(e.vectors.matmul(Linalg.diagEmbed(e.values)).matmul(e.vectors.mT), hs) < 1e-12)
    }

    @Test(arguments: [DType.float64, .float32])
    func decompositionsInFloat32AndFloat64(dtype: DType) throws {
        let tol = dtype == .float64 ? 1e-12 : 1e-4
        let a = Self.randn([2, 4, 3], seed: 12, dtype: dtype)
        let (q, r) = try Linalg.qr(a)
        let (u, s, vh) = try Linalg.svd(a, fullMatrices: false)
        #expect(q.dtype == dtype && s.dtype == dtype)
        #expect(Self.maxDiff(q.matmul(r), a) < tol && Self.maxDiff((u * s.unsqueeze(axis: -2)).matmul(vh), a) < tol)
        let spd = a.matmul(a.mT) + Self.eye(4, dtype: dtype)
        let l = try Linalg.cholesky(spd)
        let (w, v) = try Linalg.eigh(spd)
        #expect(Self.maxDiff(l.matmul(l.mT), spd) < tol * 10 && Self.maxDiff(v.matmul(Linalg.diagEmbed(w)).matmul(v.mT), spd) < tol * 10)
        let p = try Linalg.pinv(a)
        #expect(p.dtype == dtype && Self.maxDiff(a.matmul(p).matmul(a), a) < tol * 10)
    }

    @Test func leastSquaresAndPseudoInverse() throws {
        let a = Self.randn([6, 3], seed: 13), b = Self.randn([6, 2], seed: 14)
        let fit = try Linalg.lstsq(a, b)
        // Normal equations: Aᵀ(AX - B) = 0; residuals are the squared column norms of AX - B.
        #expect(Self.maxDiff(a.mT.matmul(a.matmul(fit.solution) - b), Tensor.zeros([3, 2], dtype: .float64)) < 1e-12)
        #expect(Self.maxDiff(fit.residuals, (a.matmul(fit.solution) - b).square().sum(axis: 0)) < 1e-12)
        #expect(fit.rank.ints == [3] || fit.rank.ints == [] || fit.rank.item() == 3)
        // Rank deficient: the minimum-norm solution equals pinv(A)·B.
        let deficient = Tensor.cat([a.narrow(axis: 1, start: 0, length: 2), a.narrow(axis: 1, start: 0, length: 1) * 2], axis: 1)
        let md = try Linalg.lstsq(deficient, b)
        #expect(md.rank.item() == 2 && md.residuals.shape == [0])
        #expect(Self.maxDiff(md.solution, try Linalg.pinv(deficient).matmul(b)) < 1e-10)
        // Penrose conditions on a wide batch.
        let w = Self.randn([2, 3, 5], seed: 15)
        let p = try Linalg.pinv(w)
        #expect(p.shape == [2, 5, 3])
        #expect(Self.maxDiff(w.matmul(p).matmul(w), w) < 1e-12 && Self.maxDiff(p.matmul(w).matmul(p), p) < 1e-12)
        let wp = w.matmul(p)
        #expect(Self.maxDiff(wp, wp.mT) < 1e-12)
    }

    @Test func normsAndRank() throws {
        let a = Tensor([[1.0, -2, 3], [-4, 5, -6]], dtype: .float64)
        #expect(Swift.abs(try Linalg.matrixNorm(a).item() - 91.0.squareRoot()) < 1e-12)
        #expect(try Linalg.matrixNorm(a, ord: 1).item() == 9)
        #expect(try Linalg.matrixNorm(a, ord: -1).item() == 5)
        #expect(try Linalg.matrixNorm(a, ord: .inf).item() == 15)
        #expect(try Linalg.matrixNorm(a, ord: -.inf).item() == 6)
        let s = try Linalg.svdvals(a).doubles
        #expect(Swift.abs(try Linalg.matrixNorm(a, ord: 2).item() - s[0]) < 1e-12)
        #expect(Swift.abs(try Linalg.matrixNorm(a, ord: -2).item() - s[1]) < 1e-12)
        #expect(Swift.abs(try Linalg.matrixNorm(a, ord: .nuclear).item() - s[0] - s[1]) < 1e-12)
        #expect(try Linalg.matrixNorm(Self.randn([2, 3, 4, 5], seed: 16), keepDim: true).shape == [2, 3, 1, 1])
        let v = Tensor([3.0, 0, -4], dtype: .float64)
        #expect(Linalg.vectorNorm(v).item() == 5 && Linalg.vectorNorm(v, ord: 1).item() == 7)
        #expect(Linalg.vectorNorm(v, ord: .infinity).item() == 4 && Linalg.vectorNorm(v, ord: -.infinity).item() == 0)
        #expect(Linalg.vectorNorm(v, ord: 0).item() == 2)
        #expect(try Linalg.matrixRank(a).item() == 2)
        let batch = Tensor.stack([Self.eye(3), Linalg.diag(Tensor([1.0, 1e-20, 0], dtype: .float64))])
        #expect(try Linalg.matrixRank(batch).ints == [3, 1])
        #expect(try Linalg.matrixRank(Self.eye(3) * 1e-3, atol: 1e-2).item() == 0)
    }

    @Test func structuralOps() {
        let m = Tensor([[1.0, 2, 3], [4, 5, 6]], dtype: .float64)
        #expect(Linalg.diagonal(m).doubles == [1, 5] && Linalg.diagonal(m, offset: 1).doubles == [2, 6])
        #expect(Linalg.diagonal(m, offset: -1).doubles == [4] && Linalg.trace(m).item() == 6)
        #expect(Linalg.diag(Tensor([1.0, 2], dtype: .float64), offset: 1).doubles == [0, 1, 0, 0, 0, 2, 0, 0, 0])
        #expect(Linalg.triu(m).doubles == [1, 2, 3, 0, 5, 6] && Linalg.tril(m, k: -1).doubles == [0, 0, 0, 4, 0, 0])
        #expect(Linalg.outer(Tensor([1.0, 2], dtype: .float64), Tensor([3.0, 4, 5], dtype: .float64)).doubles == [3, 4, 5, 6, 8, 10])
        let c = Linalg.cross(Tensor([[1.0, 0, 0], [0, 1, 0]], dtype: .float64), Tensor([0.0, 1, 0], dtype: .float64))
        #expect(c.doubles == [0, 0, 1, 0, 0, 0])
        let c0 = Linalg.cross(Tensor([1.0, 0, 0], dtype: .float64).reshape([3, 1]), Tensor([0.0, 0, 1], dtype: .float64).reshape([3, 1]), axis: 0)
        #expect(c0.doubles == [0, -1, 0])
        let k = Linalg.kron(Tensor([[1.0, 2], [3, 4]], dtype: .float64), Tensor([[0.0, 1], [1, 0]], dtype: .float64))
        #expect(k.shape == [4, 4] && k.doubles == [0, 1, 0, 2, 1, 0, 2, 0, 0, 3, 0, 4, 3, 0, 4, 0])
        #expect(Linalg.kron(Tensor([1.0, 2], dtype: .float64), Tensor([1.0, 10, 100], dtype: .float64)).doubles == [1, 10, 100, 2, 20, 200])
    }

    @Test func matrixFunctions() throws {
        let a = Self.randn([2, 3, 3], seed: 17)
        #expect(Self.maxDiff(try Linalg.matrixPower(a, 3), a.matmul(a).matmul(a)) < 1e-12)
        #expect(Self.maxDiff(try Linalg.matrixPower(a, 0), Self.eye(3).expand([2, 3, 3])) == 0)
        #expect(Self.maxDiff(try Linalg.matrixPower(a, -2).matmul(a).matmul(a), Self.eye(3)) < 1e-9)
        // exp of a rotation generator; of a diagonal; exp(A)·exp(-A) = I (large norm: scaling and squaring).
        let t = 1.3
        let rot = Linalg.matrixExp(Tensor([[0, -t], [t, 0]], dtype: .float64))
        #expect(Self.maxDiff(rot, Tensor([[cos(t), -sin(t)], [sin(t), cos(t)]], dtype: .float64)) < 1e-14)
        let d = Linalg.matrixExp(Linalg.diag(Tensor([-1.0, 0.5, 20], dtype: .float64)))
        #expect(Self.maxDiff(Linalg.diagonal(d) / Tensor([exp(-1.0), exp(0.5), exp(20)], dtype: .float64), Tensor.ones([3], dtype: .float64)) < 1e-13)
        let big = Self.randn([2, 4, 4], seed: 18) * 3
        #expect(Self.maxDiff(Linalg.matrixExp(big).matmul(Linalg.matrixExp(-big)), Self.eye(4)) < 1e-8)
        // Nilpotent: exp(N) = I + N + N²/2.
        let n = Tensor([[0.0, 1, 2], [0, 0, 3], [0, 0, 0]], dtype: .float64)
        #expect(Self.maxDiff(Linalg.matrixExp(n), Self.eye(3) + n + n.matmul(n) * 0.5) < 1e-14)
        #expect(Linalg.matrixExp(n.to(.float32)).dtype == .float32)
    }
}
