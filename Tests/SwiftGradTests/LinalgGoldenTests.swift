import Testing
import SwiftGrad

/// The PyTorch golden cases for torch.linalg: forward values and gradients (float64, about 1e-9).
@Suite struct LinalgGoldenTests {
    static func ops() -> [String: (GoldenCase) -> Tensor] {
        func x(_ c: GoldenCase, _ i: Int = 0) -> Tensor { c.inputs[i]! }
        return [
            "inv": { try! Linalg.inv(x($0)) },
            "det": { Linalg.det(x($0)) },
            // The golden case differentiates log|det| (its output is the logabsdet part).
            "slogdet": { Linalg.slogdet(x($0)).logAbsDet },
            "solve": { try! Linalg.solve(x($0), x($0, 1)) },
            "cholesky": { try! Linalg.cholesky(x($0)) },
            "eigvalsh": { try! Linalg.eigvalsh(x($0)) },
            "svdvals": { try! Linalg.svdvals(x($0)) },
            // The golden case's output is R of the reduced QR.
            "qr": { try! Linalg.qr(x($0)).r },
            "lstsq": { try! Linalg.lstsq(x($0), x($0, 1)).solution },
        ]
    }

    @Test func everyLinalgGoldenCaseMatchesPyTorch() {
        let (failures, ran) = Golden.run(Self.ops())
        #expect(ran == 9, "ran \(ran) golden cases, expected 9")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
