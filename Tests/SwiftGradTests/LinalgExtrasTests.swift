import Foundation
import Testing
@testable import SwiftGrad

/// logdet, choleskyInverse, cond, householderProduct and matrixNorm over any two axes against
/// PyTorch (Resources/opsmath_fixtures.json): values and float64 gradients.
@Suite struct LinalgExtrasTests {
    static func order(_ s: String) -> MatrixNormOrder? {
        switch s {
        case "none": return nil
        case "fro": return .fro
        case "nuc": return .nuclear
        case "inf": return .inf
        case "-inf": return -.inf
        default: return MatrixNormOrder(Double(s)!)
        }
    }

    static var ops: [String: (OpsFixtureCase, [Tensor]) -> Tensor] { [
        "logdet": { Linalg.logdet($1[0]) },
        "cholesky_inverse": { Linalg.choleskyInverse(Linalg.tril($1[0])) },
        "cholesky_inverse_upper": { Linalg.choleskyInverse(Linalg.triu($1[0]), upper: true) },
        "cond": { try! Linalg.cond($1[0], ord: order($0.args.string("ord")!)) },
        "householder_product": { Linalg.householderProduct($1[0], $1[1]) },
        "matrix_norm_axes": { try! Linalg.matrixNorm($1[0], ord: order($0.args.string("ord")!)!, axes: (2, 0), keepDim: true) },
    ] }

    @Test func matchesPyTorch() {
        let (failures, ran) = OpsFixture.run("opsmath_fixtures", Self.ops, rtol: 1e-9, atol: 1e-12)
        #expect(ran == 28)
        #expect(failures.isEmpty, "\(failures.count) mismatches:\n\(failures.prefix(30).joined(separator: "\n"))")
    }

    @Test func reflectionsGiveOrthonormalColumnsAndLogdetEdges() {
        let a = GC.randn([5, 3], seed: 61)
        // τᵢ = 2/‖vᵢ‖² makes each Hᵢ a true reflection, so the product has orthonormal columns.
        let v = Linalg.tril(a, k: -1) + Tensor.eye(5, dtype: .float64).narrow(axis: 1, start: 0, length: 3)
        let tau = 2 / (v * v).sum(axis: 0)
        let q = Linalg.householderProduct(a, tau)
        #expect(q.mT.matmul(q).allClose(Tensor.eye(3, dtype: .float64), rtol: 1e-12, atol: 1e-12))
        #expect(Swift.abs(Linalg.logdet(Tensor([[2.0, 0], [0, 3]], dtype: .float64)).item() - Foundation.log(6.0)) < 1e-15)
        #expect(Linalg.logdet(Tensor([[0.0, 0], [0, 3]], dtype: .float64)).item() == -.infinity)
    }

    @Test func misuseStopsNamingShapes() async {
        let r1 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Linalg.householderProduct(Tensor.ones([2, 3]), Tensor.ones([1]))
        }
        expectStderr(r1, contains: ["householderProduct", "[2, 3]"])
        let r2 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = try? Linalg.matrixNorm(Tensor.ones([2, 3]), axes: (1, 1))
        }
        expectStderr(r2, contains: ["matrixNorm", "[2, 3]"])
    }
}
