import Foundation
import Testing
@testable import SwiftGrad

/// Every registered op on every float dtype: the Float64 gradcheck case of each `Op`
/// (OpGradchecks) is run with its float inputs cast to float32, float16 and bfloat16, forward and
/// backward (inputs require grad). An op that refuses a dtype stops the process, so each dtype
/// family runs in a child process that names each op on stderr before running it; the failure
/// message then names the op that stopped and its message. The ops skipped below refuse
/// float16/bfloat16 exactly where PyTorch's CPU refuses them (LAPACK-backed linear algebra).
@Suite struct DTypeSweepTests {
    /// Ops that refuse float16 and bfloat16, as PyTorch's CPU does ("not implemented for 'Half'",
    /// "Low precision dtypes not supported"): every op built on a LAPACK routine.
    static let refusedInHalf: Set<Op> = [
        .linalgInv, .linalgDet, .linalgSlogdet, .linalgSolve, .linalgSolveTriangular, .linalgLstsq,
        .linalgPinv, .linalgCholesky, .linalgQr, .linalgEigh, .linalgSvd, .linalgLu,
    ]

    static func sweep(_ dtype: DType) {
        for op in Op.allCases where !(dtype.isReducedPrecision && refusedInHalf.contains(op)) {
            FileHandle.standardError.write(Data("sweep \(dtype): \(op)\n".utf8))
            let c = OpGradchecks.gradcheck(for: op)
            let xs = c.inputs.map { t -> Tensor in
                let x = t.dtype == .float64 ? t.to(dtype) : t.copy()
                if x.dtype.isFloatingPoint { x.requiresGrad = true }
                return x
            }
            let y = c.f(xs)
            if y.requiresGrad && y.dtype.isFloatingPoint { y.to(.float32).sum().backward() }
        }
        FileHandle.standardError.write(Data("sweep \(dtype): done\n".utf8))
    }

    static func check(_ result: ExitTest.Result?, _ dtype: DType) {
        guard let result else { return }
        let err = String(decoding: result.standardErrorContent, as: UTF8.self)
        let tail = err.split(separator: "\n").suffix(4).joined(separator: "\n")
        #expect(err.contains("sweep \(dtype): done"), "the sweep stopped: \(tail)")
    }

    @Test func everyOpRunsInFloat32() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) { DTypeSweepTests.sweep(.float32) }
        Self.check(r, .float32)
    }

    @Test func everyOpRunsInFloat16() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) { DTypeSweepTests.sweep(.float16) }
        Self.check(r, .float16)
    }

    @Test func everyOpRunsInBFloat16() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) { DTypeSweepTests.sweep(.bfloat16) }
        Self.check(r, .bfloat16)
    }

    /// The LAPACK-backed ops refuse float16/bfloat16 with a message naming the op, the dtype and
    /// the shape; the ops PyTorch runs in half (matrix_exp, matrix_norm, matrix_power, trace) do.
    @Test func linalgRefusesHalfWhereTorchDoes() async {
        let observed = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = try? Linalg.inv(Tensor.eye(3, dtype: .bfloat16))
        }
        if let observed {
            let err = String(decoding: observed.standardErrorContent, as: UTF8.self)
            #expect(err.contains("inv: bfloat16 is not supported") && err.contains("[3, 3]"), "\(err)")
        }
        await #expect(processExitsWith: .failure) { _ = Linalg.det(Tensor.eye(3, dtype: .float16)) }
        await #expect(processExitsWith: .failure) { _ = try? Linalg.svd(Tensor.eye(3, dtype: .float16)) }
        let a = (Tensor.eye(3) * 0.5 + Tensor.ones([3, 3]) * 0.1)
        for dtype in [DType.float16, .bfloat16] {
            let h = a.to(dtype)
            let e = Linalg.matrixExp(h), e32 = Linalg.matrixExp(h.to(.float32))
            #expect(e.dtype == dtype && e.doubles == e32.to(dtype).doubles)
            let p = try! Linalg.matrixPower(h, 3)
            #expect(p.dtype == dtype && p.to(.float64).allClose(try! Linalg.matrixPower(a.to(.float64), 3), rtol: 0.02, atol: 0.02))
            #expect(try! Linalg.matrixNorm(h).dtype == dtype)
            #expect(Linalg.trace(h).dtype == dtype)
        }
    }
}
