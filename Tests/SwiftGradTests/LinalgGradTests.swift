import Testing
import SwiftGrad

/// Float64 gradient checks for every differentiable Linalg function, batched inputs included.
@Suite struct LinalgGradTests {
    static func randn(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed))
    }
    /// A well-conditioned square batch: random plus a multiple of the identity.
    static func wellConditioned(_ shape: [Int], seed: UInt64) -> Tensor {
        randn(shape, seed: seed) + Tensor.eye(shape.last!, dtype: .float64) * 3
    }
    /// The symmetric part, so that a check through eigh/cholesky sees a symmetric input.
    static func sym(_ x: Tensor) -> Tensor { (x + x.mT) * 0.5 }
    /// A symmetric positive-definite matrix built from any square x.
    static func spd(_ x: Tensor) -> Tensor { x.matmul(x.mT) + Tensor.eye(x.shape.last!, dtype: .float64) * Double(x.shape.last!) }

    func check(_ name: String, _ inputs: [Tensor], _ f: @escaping ([Tensor]) -> Tensor) {
        let r = gradcheck(f, inputs: inputs)
        #expect(r.passed, "\(name): \(r)")
    }

    @Test func inverseAndDeterminants() {
        let a = Self.wellConditioned([2, 3, 3], seed: 1)
        check("inv", [a]) { try! Linalg.inv($0[0]) }
        check("det", [a]) { Linalg.det($0[0]) }
        check("slogdet", [a]) { Linalg.slogdet($0[0]).logAbsDet }
        check("det 2-D", [Self.randn([4, 4], seed: 2)]) { Linalg.det($0[0]) }
    }

    @Test func detGradientAtASingularMatrixIsTheCofactorMatrix() {
        // Rank 2 of 3: det = 0, but its gradient (the cofactor matrix) is defined and nonzero.
        let a = Tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]], dtype: .float64, requiresGrad: true)
        Linalg.det(a).backward()
        let expected = Tensor([[-3.0, 6, -3], [6, -12, 6], [-3, 6, -3]], dtype: .float64)
        #expect(a.grad!.allClose(expected, rtol: 1e-9, atol: 1e-9), "\(a.grad!)")
        check("det singular", [Tensor([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]], dtype: .float64)]) { Linalg.det($0[0]) }
    }

    @Test func solves() {
        let a = Self.wellConditioned([2, 3, 3], seed: 3)
        check("solve", [a, Self.randn([2, 3, 2], seed: 4)]) { try! Linalg.solve($0[0], $0[1]) }
        check("solve broadcast", [a, Self.randn([3, 2], seed: 5)]) { try! Linalg.solve($0[0], $0[1]) }
        check("solve vector", [a, Self.randn([2, 3], seed: 6)]) { try! Linalg.solve($0[0], $0[1]) }
        check("solve right", [a, Self.randn([2, 4, 3], seed: 7)]) { try! Linalg.solve($0[0], $0[1], left: false) }
        let t = Self.wellConditioned([2, 3, 3], seed: 8)
        for upper in [false, true] {
            for left in [true, false] {
                for unit in [false, true] {
                    let b = left ? Self.randn([2, 3, 2], seed: 9) : Self.randn([2, 2, 3], seed: 9)
                    check("solveTriangular upper \(upper) left \(left) unit \(unit)", [t, b]) {
                        Linalg.solveTriangular($0[0], $0[1], upper: upper, left: left, unitriangular: unit)
                    }
                }
            }
        }
        check("solveTriangular shared A", [Self.wellConditioned([3, 3], seed: 10), Self.randn([2, 3, 2], seed: 11)]) {
            Linalg.solveTriangular($0[0], $0[1], upper: true)
        }
        for upper in [false, true] {
            let f = try! Linalg.cholesky(Self.spd(Self.randn([2, 3, 3], seed: 12)), upper: upper)
            check("choleskySolve upper \(upper)", [Self.randn([2, 3, 2], seed: 13), f]) {
                Linalg.choleskySolve($0[0], factor: $0[1], upper: upper)
            }
        }
    }

    @Test func leastSquaresAndPseudoInverse() {
        check("lstsq tall", [Self.randn([2, 5, 3], seed: 14), Self.randn([2, 5, 2], seed: 15)]) { try! Linalg.lstsq($0[0], $0[1]).solution }
        check("lstsq wide", [Self.randn([3, 5], seed: 16), Self.randn([3, 2], seed: 17)]) { try! Linalg.lstsq($0[0], $0[1]).solution }
        check("lstsq residuals", [Self.randn([5, 3], seed: 18), Self.randn([5, 2], seed: 19)]) { try! Linalg.lstsq($0[0], $0[1]).residuals }
        for shape in [[2, 4, 3], [3, 5], [3, 3]] {
            check("pinv \(shape)", [Self.randn(shape, seed: 20)]) { try! Linalg.pinv($0[0]) }
        }
    }

    @Test func decompositions() {
        for upper in [false, true] {
            check("cholesky upper \(upper)", [Self.randn([2, 3, 3], seed: 21)]) { try! Linalg.cholesky(Self.spd($0[0]), upper: upper) }
        }
        for shape in [[2, 4, 3], [3, 3], [2, 3, 5]] {
            check("qr Q \(shape)", [Self.randn(shape, seed: 22)]) { try! Linalg.qr($0[0]).q }
            check("qr R \(shape)", [Self.randn(shape, seed: 23)]) { try! Linalg.qr($0[0]).r }
            check("qr Q and R \(shape)", [Self.randn(shape, seed: 24)]) {
                let (q, r) = try! Linalg.qr($0[0])
                return Tensor.cat([q.flatten(startAxis: -2), r.flatten(startAxis: -2)], axis: -1)
            }
        }
        check("qr complete square", [Self.randn([3, 3], seed: 25)]) { try! Linalg.qr($0[0], mode: .complete).q }
        let s = Self.randn([2, 4, 4], seed: 26)
        check("eigvalsh", [s]) { try! Linalg.eigvalsh(Self.sym($0[0])) }
        check("eigh values", [s]) { try! Linalg.eigh(Self.sym($0[0])).values }
        // Eigenvectors are defined up to sign: check sign-invariant functions of them.
        check("eigh vectors", [s]) { let v = try! Linalg.eigh(Self.sym($0[0])).vectors; return v * v }
        check("eigh upper", [s]) { let e = try! Linalg.eigh(Self.sym($0[0]), upper: true); return e.vectors.matmul(Linalg.diagEmbed(e.values.exp())).matmul(e.vectors.mT) }
        for shape in [[2, 4, 3], [3, 3], [2, 3, 5]] {
            check("svdvals \(shape)", [Self.randn(shape, seed: 27)]) { try! Linalg.svdvals($0[0]) }
            check("svd \(shape)", [Self.randn(shape, seed: 28)]) {
                let (u, s, vh) = try! Linalg.svd($0[0], fullMatrices: false)
                return Tensor.cat([(u * u).flatten(startAxis: -2), s, (vh * vh).flatten(startAxis: -2)], axis: -1)
            }
            check("svd full \(shape)", [Self.randn(shape, seed: 29)]) {
                let (u, s, vh) = try! Linalg.svd($0[0])
                let k = s.shape.last!
                return u.narrow(axis: -1, start: 0, length: k).matmul(Linalg.diagEmbed(s.sqrt())).matmul(vh.narrow(axis: -2, start: 0, length: k))
            }
        }
    }

    @Test func norms() {
        let a = Self.randn([2, 3, 4], seed: 30)
        let orders: [MatrixNormOrder] = [.fro, .nuclear, 1, -1, 2, -2, .inf, -.inf]
        for ord in orders {
            check("matrixNorm \(ord)", [a]) { try! Linalg.matrixNorm($0[0], ord: ord) }
        }
        check("matrixNorm keepDim", [a]) { try! Linalg.matrixNorm($0[0], ord: .nuclear, keepDim: true) }
        for ord in [2.0, 1, 3, .infinity, -.infinity] {
            check("vectorNorm \(ord)", [a]) { Linalg.vectorNorm($0[0], ord: ord, axes: [-1]) }
        }
    }

    @Test func structuralOps() {
        let a = Self.randn([2, 3, 4], seed: 31)
        check("trace", [a]) { Linalg.trace($0[0]) }
        for k in [-1, 0, 2] {
            check("diagonal \(k)", [a]) { Linalg.diagonal($0[0], offset: k) }
            check("triu \(k)", [a]) { Linalg.triu($0[0], k: k) }
            check("tril \(k)", [a]) { Linalg.tril($0[0], k: k) }
        }
        check("diagEmbed", [Self.randn([2, 3], seed: 32)]) { Linalg.diagEmbed($0[0], offset: 1) }
        check("diag", [Self.randn([3], seed: 33)]) { Linalg.diag($0[0], offset: -1) }
        check("outer", [Self.randn([3], seed: 34), Self.randn([4], seed: 35)]) { Linalg.outer($0[0], $0[1]) }
        check("cross", [Self.randn([2, 3], seed: 36), Self.randn([3], seed: 37)]) { Linalg.cross($0[0], $0[1]) }
        check("kron", [Self.randn([2, 3], seed: 38), Self.randn([3, 2], seed: 39)]) { Linalg.kron($0[0], $0[1]) }
    }

    @Test func matrixFunctions() {
        let a = Self.wellConditioned([2, 3, 3], seed: 40)
        for n in [1, 3, -2] {
            check("matrixPower \(n)", [a]) { try! Linalg.matrixPower($0[0], n) }
        }
        check("matrixExp small", [Self.randn([2, 3, 3], seed: 41) * 0.3]) { Linalg.matrixExp($0[0]) }
        // A large norm exercises scaling and squaring (different per batch entry).
        let big = Tensor.cat([Self.randn([1, 3, 3], seed: 42) * 4, Self.randn([1, 3, 3], seed: 43) * 0.1], axis: 0)
        check("matrixExp scaled", [big]) { Linalg.matrixExp($0[0]) }
    }

    @Test func doubleBackward() {
        func gradOf(_ f: @escaping (Tensor) -> Tensor) -> ([Tensor]) -> Tensor {
            { xs in withGrad { grad(of: f(xs[0]).sum(), wrt: [xs[0]], createGraph: true)[0]! } }
        }
        let a = Self.wellConditioned([3, 3], seed: 44)
        check("inv second order", [a], gradOf { try! Linalg.inv($0) })
        check("det second order", [a], gradOf { Linalg.det($0) })
        check("solve second order", [a], gradOf { try! Linalg.solve($0, Tensor.ones([3, 2], dtype: .float64)) })
        check("cholesky second order", [Self.randn([3, 3], seed: 45)], gradOf { try! Linalg.cholesky(Self.spd($0)) })
        check("matrixExp second order", [Self.randn([3, 3], seed: 46) * 0.5], gradOf { Linalg.matrixExp($0) })
        check("eigvalsh second order", [Self.randn([3, 3], seed: 47)], gradOf { try! Linalg.eigvalsh(Self.sym($0)).square() })
        check("svdvals second order", [Self.randn([4, 3], seed: 49)], gradOf { try! Linalg.svdvals($0).square() })
        check("qr second order", [Self.randn([4, 3], seed: 50)], gradOf { let (q, r) = try! Linalg.qr($0); return r.square().sum() + q.sum() })
        check("eigh vectors second order", [Self.randn([3, 3], seed: 51)], gradOf { let v = try! Linalg.eigh(Self.sym($0)).vectors; return v * v })
        check("pinv second order", [Self.randn([4, 3], seed: 52)], gradOf { try! Linalg.pinv($0) })
        check("solveTriangular second order", [Self.wellConditioned([3, 3], seed: 53)], gradOf { Linalg.solveTriangular($0, $0.square(), upper: true) })
    }

    /// Float32 gradients agree with float64 ones (to float32 precision).
    @Test func float32GradientsMatchFloat64() {
        let x64 = Self.wellConditioned([2, 3, 3], seed: 48)
        let fs: [(String, (Tensor) -> Tensor)] = [
            ("inv", { try! Linalg.inv($0) }),
            ("det", { Linalg.det($0) }),
            ("solve", { try! Linalg.solve($0, Tensor.ones([3, 1], dtype: $0.dtype)) }),
            ("cholesky", { try! Linalg.cholesky(Self.spd($0)) }),
            ("qr", { try! Linalg.qr($0).r }),
            ("eigh", { let e = try! Linalg.eigh(Self.sym($0)); return e.values.exp().sum() + (e.vectors * e.vectors).sum() }),
            ("svd", { let r = try! Linalg.svd($0, fullMatrices: false); return r.s.sum() + (r.u * r.u).sum(axis: -1).sum() }),
            ("matrixExp", { Linalg.matrixExp($0 * 0.3) }),
            ("pinv", { try! Linalg.pinv($0) }),
        ]
        for (name, f) in fs {
            let a = x64.copy().requiringGrad(), b = x64.to(.float32).requiringGrad()
            f(a).sum().backward()
            f(b).sum().backward()
            #expect(b.grad!.dtype == .float32, "\(name)")
            let err = (b.grad!.to(.float64) - a.grad!).abs().max().item()
            let scale = a.grad!.abs().max().item()
            #expect(err <= 1e-4 * Swift.max(scale, 1), "\(name): float32 gradient differs by \(err)")
        }
    }
}
