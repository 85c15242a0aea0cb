import Foundation
import Testing
import SwiftGrad

// Misuse checks added or reworded by ops16fail (as_strided of an overlapping view with gradients,
// tensorsolve's element-count rule): each case stops the child process with a message naming the
// op and every operand's shape.

@Suite struct MisuseMessageTestsOps16Fail {
    static let cases: [MisuseCase] = [
        MisuseCase(["asStrided", "overlap", "[2, 3]"]) {
            let x = Tensor([1, 1, 1], shape: [1, 3], dtype: .float64, requiresGrad: true).expand([2, 3])
            _ = x.asStrided(shape: [2], strides: [1], offset: 0)
        },
        MisuseCase(["linalg.tensorsolve", "dims", "[2, 3, 6]"]) { _ = try? Linalg.tensorsolve(Tensor.ones([2, 3, 6]), Tensor.ones([6]), axes: [0, 0]) },
        MisuseCase(["linalg.tensorsolve", "[3, 2, 5]", "[2, 3]"]) { _ = try? Linalg.tensorsolve(Tensor.ones([3, 2, 5]), Tensor.ones([2, 3])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOps16Fail.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
