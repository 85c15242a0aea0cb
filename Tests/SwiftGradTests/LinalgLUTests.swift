import Foundation
import Testing
@testable import SwiftGrad

// The LU family: A = P·L·U for square, wide and tall batches; gradchecks of lu (all three shapes),
// luFactor, luUnpack and luSolve in its four forms; PyTorch's op_db samples (values and gradients).

@Suite struct LinalgLUTests {
    @Test(arguments: [[3, 3], [2, 3, 5], [2, 5, 3]])
    func reconstructsAndIsTriangular(_ shape: [Int]) {
        let a = GC.randn(shape, seed: 70)
        let (p, l, u) = Linalg.lu(a)
        let m = shape[shape.count - 2], n = shape[shape.count - 1], k = min(m, n)
        #expect(l.shape == Array(shape.dropLast(2)) + [m, k] && u.shape == Array(shape.dropLast(2)) + [k, n])
        #expect(p.matmul(l).matmul(u).allClose(a, rtol: 1e-12, atol: 1e-12))
        #expect(Linalg.triu(l, k: 1).abs().max().item() == 0 && Linalg.tril(u, k: -1).abs().max().item() == 0)
        #expect(Linalg.diagonal(l).doubles.allSatisfy { $0 == 1 })
        // Partial pivoting: every multiplier is at most 1 in magnitude.
        #expect(l.abs().max().item() <= 1)
        let (lu, pivots) = Linalg.luFactor(a)
        #expect(pivots.dtype == .int32)
        let (p2, l2, u2) = Linalg.luUnpack(lu, pivots)
        #expect(p2.allClose(p, rtol: 0, atol: 0) && l2.allClose(l, rtol: 0, atol: 0) && u2.allClose(u, rtol: 0, atol: 0))
    }

    @Test func luGradcheck() {
        for (i, shape) in [[3, 3], [2, 3, 4], [4, 2]].enumerated() {
            GradCase("lu \(shape)", [GC.randn(shape, seed: 71 + UInt64(i))]) { t in
                let (_, l, u) = Linalg.lu(t[0])
                return Tensor.cat([l.flatten(), u.flatten()])
            }.check()
        }
        GradCase("luFactor", [GC.randn([3, 4], seed: 75)]) { t in Linalg.luFactor(t[0]).lu }.check()
        let (lu, piv) = Linalg.luFactor(GC.randn([3, 3], seed: 76))
        GradCase("luUnpack", [lu]) { t in
            let r = Linalg.luUnpack(t[0], piv)
            return Tensor.cat([r.l.flatten(), r.u.flatten()])
        }.check()
    }

    @Test func luSolveSolvesAndDifferentiates() {
        let a = GC.randn([2, 3, 3], seed: 77) + Tensor.eye(3, dtype: .float64) * 2
        let b = GC.randn([2, 3, 2], seed: 78), bRight = GC.randn([2, 2, 3], seed: 79)
        let (lu, piv) = Linalg.luFactor(a)
        #expect(a.matmul(Linalg.luSolve(lu, piv, b)).allClose(b, rtol: 1e-10, atol: 1e-10))
        #expect(a.mT.matmul(Linalg.luSolve(lu, piv, b, adjoint: true)).allClose(b, rtol: 1e-10, atol: 1e-10))
        #expect(Linalg.luSolve(lu, piv, bRight, left: false).matmul(a).allClose(bRight, rtol: 1e-10, atol: 1e-10))
        #expect(Linalg.luSolve(lu, piv, bRight, left: false, adjoint: true).matmul(a.mT).allClose(bRight, rtol: 1e-10, atol: 1e-10))
        for (left, adjoint) in [(true, false), (true, true), (false, false), (false, true)] {
            GradCase("luSolve left \(left) adjoint \(adjoint)", [lu, left ? b : bRight]) { t in
                Linalg.luSolve(t[0], piv, t[1], left: left, adjoint: adjoint)
            }.check()
        }
    }

    /// Every op_db sample of these entries (PyTorch's values and float64 gradients) passes.
    @Test(arguments: ["linalg.lu", "linalg.lu_factor", "linalg.lu_factor_ex", "lu", "lu_unpack", "lu_solve", "linalg.lu_solve"])
    func matchesPyTorchSamples(_ key: String) throws {
        let entry = try #require(ConformanceFixtures.entries.first { $0.key == key })
        let mapping = try #require(ConformanceTable.mappings[key])
        var passed = 0
        for s in entry.samples {
            switch Conformance.run(mapping, s, random: entry.random) {
            case .passed: passed += 1
            case .unsupported: break
            case .failed(let m): Issue.record("\(key) \(s.id): \(m)")
            }
        }
        #expect(passed > 0)
    }
}
