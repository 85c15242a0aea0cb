import Foundation
import Testing
import SwiftGrad

// Misuse of the 3-D convolution, pooling and interpolation ops and of the LU family: each case
// stops the child process with a message naming the op and every operand's shape.

@Suite struct MisuseMessageTestsOps16 {
    static let cases: [MisuseCase] = [
        MisuseCase(["conv3d", "5-D", "[2, 3, 4]", "[1, 3, 1, 1, 1]"]) { _ = conv3d(Tensor.ones([2, 3, 4]), weight: Tensor.ones([1, 3, 1, 1, 1])) },
        MisuseCase(["conv3d", "channels", "[1, 3, 2, 2, 2]", "[2, 2, 1, 1, 1]"]) {
            _ = conv3d(Tensor.ones([1, 3, 2, 2, 2]), weight: Tensor.ones([2, 2, 1, 1, 1]))
        },
        MisuseCase(["conv3d", "larger than the padded input", "[1, 1, 2, 2, 2]", "[1, 1, 3, 1, 1]"]) {
            _ = conv3d(Tensor.ones([1, 1, 2, 2, 2]), weight: Tensor.ones([1, 1, 3, 1, 1]))
        },
        MisuseCase(["conv_transpose3d", "output padding", "[1, 1, 2, 2, 2]", "[1, 1, 1, 1, 1]"]) {
            _ = convTranspose3d(Tensor.ones([1, 1, 2, 2, 2]), weight: Tensor.ones([1, 1, 1, 1, 1]), outputPadding: 1)
        },
        MisuseCase(["maxPool3d", "5-D", "[2, 2]"]) { _ = maxPool3d(Tensor.ones([2, 2]), kernelSize: 2) },
        MisuseCase(["maxPool3d", "half the kernel", "[1, 1, 4, 4, 4]"]) { _ = maxPool3d(Tensor.ones([1, 1, 4, 4, 4]), kernelSize: 2, padding: 2) },
        MisuseCase(["avgPool3d", "divisorOverride", "[1, 1, 2, 2, 2]"]) {
            _ = avgPool3d(Tensor.ones([1, 1, 2, 2, 2]), kernelSize: 2, divisorOverride: 0)
        },
        MisuseCase(["adaptiveAvgPool3d", "output size", "[1, 1, 2, 2, 2]"]) { _ = adaptiveAvgPool3d(Tensor.ones([1, 1, 2, 2, 2]), outputSize: 0) },
        MisuseCase(["maxUnpool3d", "indices", "[1, 1, 1, 1, 1]", "[1, 1, 2, 1, 1]"]) {
            _ = maxUnpool3d(Tensor.ones([1, 1, 1, 1, 1]), indices: Tensor([0, 1], shape: [1, 1, 2, 1, 1]), kernelSize: 2)
        },
        MisuseCase(["trilinearInterpolate", "5-D", "[1, 1, 4]"]) { _ = trilinearInterpolate(Tensor.ones([1, 1, 4]), size: 2) },
        MisuseCase(["linearInterpolate", "float", "int64", "[1, 1, 2]"]) { _ = linearInterpolate(Tensor([1, 2], shape: [1, 1, 2]), size: 3) },
        MisuseCase(["lu", "without pivoting", "[2, 2]"]) { _ = Linalg.lu(Tensor.ones([2, 2]), pivot: false) },
        MisuseCase(["lu", "at least 2 axes", "[3]"]) { _ = Linalg.lu(Tensor.ones([3])) },
        MisuseCase(["luUnpack", "pivots", "[2]", "[3, 3]"]) { _ = Linalg.luUnpack(Tensor.ones([3, 3]), Tensor([1, 2])) },
        MisuseCase(["luSolve", "square", "[2, 3]"]) { _ = Linalg.luSolve(Tensor.ones([2, 3]), Tensor([1, 2]), Tensor.ones([2, 1])) },
        MisuseCase(["luSolve", "[4, 1]", "[2, 2]"]) {
            _ = Linalg.luSolve(Tensor.ones([2, 2]), Tensor([1, 2]).to(.int32), Tensor.ones([4, 1]))
        },
        MisuseCase(["maskedSelect", "[3]", "[2]"]) { _ = Tensor.ones([2]).maskedSelect(Tensor([true, false, true])) },
        MisuseCase(["marginRankingLoss", "[2]", "[3]"]) { _ = marginRankingLoss(Tensor.ones([2]), Tensor.ones([3]), Tensor.ones([2])) },
        MisuseCase(["pad", "negative", "[3]"]) { _ = Tensor.ones([3]).pad([-2, -2]) },
        MisuseCase(["gather", "float32", "[2]"]) { _ = Tensor.ones([2]).gather(axis: 0, index: Tensor.ones([1])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOps16.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
