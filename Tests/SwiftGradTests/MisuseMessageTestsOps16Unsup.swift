import Foundation
import Testing
import SwiftGrad

// Misuse of the integer paths added for the conformance suite's unsupported samples (integer
// products, trace of integers): each case stops the child process with a message naming the op
// and every operand's shape.

@Suite struct MisuseMessageTestsOps16Unsup {
    static let cases: [MisuseCase] = [
        MisuseCase(["matmul", "bool", "[2, 3]", "[3, 2]"]) {
            _ = Tensor.ones([2, 3], dtype: .bool).matmul(Tensor.ones([3, 2], dtype: .bool))
        },
        MisuseCase(["matmul", "int32", "[2, 3]", "float64", "[3]"]) {
            _ = Tensor.ones([2, 3], dtype: .int32).matmul(Tensor.ones([3], dtype: .float64))
        },
        MisuseCase(["matmul", "[2, 3]", "[2, 3]", "inner sizes"]) {
            _ = Tensor.ones([2, 3], dtype: .int64).matmul(Tensor.ones([2, 3], dtype: .int64))
        },
        MisuseCase(["matmul", "[2, 2, 3]", "[3, 3, 4]", "batch axes"]) {
            _ = Tensor.ones([2, 2, 3], dtype: .int64).matmul(Tensor.ones([3, 3, 4], dtype: .int64))
        },
        MisuseCase(["addmm", "integers", "alpha 0.5", "[2, 3]", "[3, 2]"]) {
            _ = Tensor.ones([2, 2], dtype: .int64).addmm(Tensor.ones([2, 3], dtype: .int64), Tensor.ones([3, 2], dtype: .int64), alpha: 0.5)
        },
        MisuseCase(["baddbmm", "integers", "beta 1.5", "[1, 2, 3]", "[1, 3, 2]"]) {
            _ = Tensor.ones([1, 2, 2], dtype: .int32).baddbmm(Tensor.ones([1, 2, 3], dtype: .int32), Tensor.ones([1, 3, 2], dtype: .int32), beta: 1.5)
        },
        MisuseCase(["trace", "[3]"]) { _ = Linalg.trace(Tensor.ones([3], dtype: .int64)) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOps16Unsup.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
