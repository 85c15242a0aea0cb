import Foundation
import Testing
import SwiftGrad

// Misuse of the paths added for the conformance suite's unsupported samples (ops16unsup2): tensor
// tolerances, hermitian pinv, int32 triangle indices, integer resampling, K-dimensional
// linearCrossEntropy, integer localResponseNorm. Each case stops the child process with a message
// naming the op and every operand's shape.

@Suite struct MisuseMessageTestsOps16Unsup2 {
    static let cases: [MisuseCase] = [
        MisuseCase(["pinv", "tolerance", "[4]", "[2]", "[2, 3, 3]"]) {
            _ = try? Linalg.pinv(Tensor.ones([2, 3, 3], dtype: .float64), atol: Tensor.ones([4], dtype: .float64), rtol: nil)
        },
        MisuseCase(["matrixRank", "atol", "bool", "[3, 3]"]) {
            _ = try? Linalg.matrixRank(Tensor.ones([3, 3], dtype: .float64), atol: Tensor.ones([], dtype: .bool), rtol: nil)
        },
        MisuseCase(["pinv", "square", "[2, 3]"]) { _ = try? Linalg.pinv(Tensor.ones([2, 3], dtype: .float64), hermitian: true) },
        MisuseCase(["triuIndices", "int64 or int32", "float32", "rows 3", "cols 3"]) { _ = Tensor.triuIndices(3, 3, dtype: .float32) },
        MisuseCase(["interpolate", "bilinear", "int64", "[1, 1, 2, 2]"]) {
            _ = interpolate(Tensor.zeros([1, 1, 2, 2], dtype: .int64), size: Size2(3, 3), mode: .bilinear)
        },
        MisuseCase(["linearCrossEntropy", "bias", "[3]", "[2, 3, 4]", "[5, 4]"]) {
            _ = linearCrossEntropy(Tensor.ones([5, 4], dtype: .float64), weight: Tensor.ones([2, 3, 4], dtype: .float64),
                                   targets: Tensor.zeros([5, 3], dtype: .int64), bias: Tensor.ones([3], dtype: .float64))
        },
        MisuseCase(["localResponseNorm", "bool", "[1, 2, 3]"]) { _ = localResponseNorm(Tensor.zeros([1, 2, 3], dtype: .bool), size: 2) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOps16Unsup2.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
