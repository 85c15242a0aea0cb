import Testing
import SwiftGrad

/// Thrown errors (singular, not positive definite, LAPACK failure) with the batch index, finite
/// gradients where only eigenvalues or singular values matter, and shape preconditions.
@Suite struct LinalgErrorTests {
    static var singular: Tensor { Tensor([[1.0, 2], [2, 4]], dtype: .float64) }
    static var regular: Tensor { Tensor([[2.0, 1], [1, 3]], dtype: .float64) }

    @Test func singularMatrixInInverseThrows() {
        #expect(throws: LinalgError.self) { try Linalg.inv(Self.singular) }
        do {
            _ = try Linalg.inv(Self.singular)
        } catch {
            guard case .singular(let f, let index, let pivot) = error else { Issue.record("wrong case \(error)"); return }
            #expect(f == "inv" && index == nil && pivot == 2)
            #expect(error.description == "inv: the matrix is singular (U[2,2] of its LU factorization is exactly zero)")
        }
    }

    @Test func batchIndexNamesTheFailingMatrix() {
        let batch = Tensor.stack([Self.regular, Self.regular, Self.singular]).reshape([1, 3, 2, 2])
        do {
            _ = try Linalg.inv(batch)
            Issue.record("inv did not throw")
        } catch {
            #expect(error.batchIndex == 2 && error.function == "inv")
            #expect(error.description.contains("the matrix at batch index 2 is singular"))
        }
        do {
            _ = try Linalg.solve(Tensor.stack([Self.singular, Self.regular]), Tensor.ones([2, 1], dtype: .float64))
            Issue.record("solve did not throw")
        } catch {
            #expect(error == .singular(function: "solve", batchIndex: 0, pivot: 2))
        }
        #expect(throws: LinalgError.singular(function: "matrixPower", batchIndex: nil, pivot: 2)) {
            try Linalg.matrixPower(Self.singular, -1)
        }
    }

    @Test func notPositiveDefiniteInCholeskyThrows() {
        let indefinite = Tensor([[1.0, 2], [2, 1]], dtype: .float64)
        let batch = Tensor.stack([Self.regular, Self.regular, indefinite])
        do {
            _ = try Linalg.cholesky(batch)
            Issue.record("cholesky did not throw")
        } catch {
            #expect(error == .notPositiveDefinite(function: "cholesky", batchIndex: 2, minor: 2))
            #expect(error.description == "cholesky: the matrix at batch index 2 is not positive definite (its leading minor of order 2 is not positive)")
        }
        // The caller can recover: the next call works.
        #expect((try? Linalg.cholesky(Self.regular)) != nil)
    }

    @Test func nonFiniteInputIsALapackFailure() {
        let bad = Tensor([[1.0, .nan], [0, 1]], dtype: .float64)
        do {
            _ = try Linalg.svdvals(bad)
            Issue.record("svdvals of NaN did not throw")
        } catch {
            guard case .lapackFailure(let f, let routine, _, let index) = error else { Issue.record("wrong case \(error)"); return }
            #expect(f == "svdvals" && routine == "gesdd" && index == nil)
            #expect(error.description.hasPrefix("svdvals: LAPACK gesdd failed on the matrix"))
        }
    }

    @Test func singularValueAndEigenvalueGradientsAreFiniteAtTheIdentity() throws {
        let eye = Tensor.eye(3, dtype: .float64)
        let a = eye.copy().requiringGrad()
        try Linalg.svdvals(a).sum().backward()
        #expect(a.grad!.allClose(eye), "svdvals gradient at I: \(a.grad!)")
        let b = eye.copy().requiringGrad()
        try Linalg.eigvalsh(b).square().sum().backward()
        #expect(b.grad!.allClose(eye * 2), "eigvalsh gradient at I: \(b.grad!)")
        // Through the full decompositions, with the vectors computed but unused by the loss.
        let c = eye.copy().requiringGrad()
        let (u, s, vh) = try Linalg.svd(c)
        s.sum().backward()
        _ = (u, vh)
        #expect(c.grad!.allClose(eye), "svd S gradient at I: \(c.grad!)")
        let d = eye.copy().requiringGrad()
        try Linalg.eigh(d).values.sum().backward()
        #expect(d.grad!.allClose(eye), "eigh values gradient at I: \(d.grad!)")
        // Rank deficient and rectangular: zero singular values do not poison the gradient.
        let e = Tensor([[1.0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]], dtype: .float64, requiresGrad: true)
        try Linalg.matrixNorm(e, ord: .nuclear).backward()
        #expect(e.grad!.doubles.allSatisfy { $0.isFinite })
        // A loss that depends on a whole eigenspace (the projector onto it) is finite too.
        let f = Linalg.diag(Tensor([1.0, 1, 2], dtype: .float64)).requiringGrad()
        let (_, v) = try Linalg.eigh(f)
        let p = v.narrow(axis: -1, start: 0, length: 2)
        p.matmul(p.mT).sum().backward()
        #expect(f.grad!.doubles.allSatisfy { $0.isFinite })
        // ... and correct: the projector is smooth there even though its eigenvectors are not unique.
        let r = gradcheck({ xs in
            let (_, v) = try! Linalg.eigh((xs[0] + xs[0].mT) * 0.5)
            let p = v.narrow(axis: -1, start: 0, length: 2)
            return p.matmul(p.mT)
        }, inputs: [Linalg.diag(Tensor([1.0, 1, 2], dtype: .float64))])
        #expect(r.passed, "\(r)")
    }

    @Test func shapeMisuseStopsWithAMessage() async {
        await #expect(processExitsWith: .failure) {
            _ = try? Linalg.inv(Tensor.zeros([2, 3], dtype: .float64))
        }
        await #expect(processExitsWith: .failure) {
            _ = try? Linalg.solve(Tensor.eye(3, dtype: .float64), Tensor.zeros([2, 1], dtype: .float64))
        }
        await #expect(processExitsWith: .failure) {
            _ = Linalg.det(Tensor.zeros([4], dtype: .float64))
        }
    }

    @Test func nonFiniteAndEmptyInputsDoNotCrash() throws {
        let nan = Linalg.matrixExp(Tensor([[1.0, .nan], [0, 1]], dtype: .float64))
        #expect(nan.shape == [2, 2] && nan.doubles.allSatisfy { $0.isNaN })
        #expect(Linalg.det(Tensor([[1.0, .nan], [0, 1]], dtype: .float64)).item().isNaN)
        let empty = Tensor.zeros([2, 0, 0], dtype: .float64)
        #expect(Linalg.det(empty).doubles == [1, 1])
        #expect(try Linalg.inv(empty).shape == [2, 0, 0])
        #expect(try Linalg.svdvals(Tensor.zeros([0, 3], dtype: .float64)).shape == [0])
    }

    @Test func completeQRWithMoreRowsIsNotDifferentiable() async throws {
        // Without a graph it is fine...
        let (q, r) = try Linalg.qr(Tensor.ones([3, 2], dtype: .float64), mode: .complete)
        #expect(q.shape == [3, 3] && r.shape == [3, 2])
        // ...recording it stops with a message, as PyTorch refuses its backward.
        await #expect(processExitsWith: .failure) {
            _ = try? Linalg.qr(Tensor.ones([3, 2], dtype: .float64, requiresGrad: true), mode: .complete)
        }
    }
}
