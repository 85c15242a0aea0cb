import Foundation
import Testing
import SwiftGrad

// Misuse of the ops16new additions (random fills, signal windows, torch.masked, frexp/nextafter,
// put/unravelIndex, scatters, the linalg variants): each case stops the child process with a
// message naming the op and every operand's shape.

@Suite struct MisuseMessageTestsOps16New {
    static let cases: [MisuseCase] = [
        MisuseCase(["cauchy_", "sigma", "[2]"]) { _ = Tensor.zeros([2]).fillCauchy(sigma: 0) },
        MisuseCase(["exponential_", "float", "int64", "[2]"]) { _ = Tensor.zeros([2], dtype: .int64).fillExponential() },
        MisuseCase(["geometric_", "(0, 1)", "[3]"]) { _ = Tensor.zeros([3]).fillGeometric(p: 1.5) },
        MisuseCase(["signal.windows.hann", "non-negative", "-1"]) { _ = SignalWindows.hann(-1) },
        MisuseCase(["signal.windows.exponential", "center", "symmetric"]) { _ = SignalWindows.exponential(4, center: 1) },
        MisuseCase(["masked.sum", "bool", "[2]", "[2]"]) { _ = Masked.sum(Tensor.ones([2]), mask: Tensor.ones([2])) },
        MisuseCase(["masked.amax", "[3]", "[2]"]) { _ = Masked.amax(Tensor.ones([2]), mask: Tensor([true, false, true])) },
        MisuseCase(["frexp", "float", "int64", "[2]"]) { _ = Tensor([1, 2]).frexp() },
        MisuseCase(["nextafter", "float operands", "int64", "[2]"]) { _ = Tensor([1, 2]).nextafter(Tensor([3, 4])) },
        MisuseCase(["put", "out of range", "[2, 2]"]) { _ = Tensor.zeros([2, 2]).put(Tensor([4]), Tensor([1.0])) },
        MisuseCase(["put", "[2]", "[1]"]) { _ = Tensor.zeros([2, 2]).put(Tensor([0, 1]), Tensor([1.0])) },
        MisuseCase(["unravel_index", "out of range", "[2, 3]"]) { _ = Tensor.unravelIndex(Tensor([6]), shape: [2, 3]) },
        MisuseCase(["masked_scatter", "[2]", "[3]"]) { _ = Tensor.zeros([3]).maskedScatter(Tensor([true, true, true]), Tensor.ones([2])) },
        MisuseCase(["as_strided_scatter", "[3]", "[2, 2]"]) {
            _ = Tensor.zeros([3, 3]).asStridedScatter(Tensor.ones([3]), shape: [2, 2], strides: [1, 2])
        },
        MisuseCase(["index_reduce", "sum", "[2]"]) {
            _ = Tensor.zeros([2]).indexReduce(axis: 0, index: Tensor([0]), source: Tensor.ones([1]), reduce: .sum)
        },
        MisuseCase(["sum_to_size", "[3]", "[2, 2]"]) { _ = Tensor.zeros([2, 2]).sumToSize([3]) },
        MisuseCase(["nonzero_static", "non-negative", "[2]"]) { _ = Tensor.zeros([2]).nonzeroStatic(size: -1) },
        MisuseCase(["linalg.tensorinv", "product", "[2, 3]"]) { _ = try? Linalg.tensorinv(Tensor.ones([2, 3]), ind: 1) },
        MisuseCase(["linalg.tensorsolve", "[2, 3, 5]", "[2, 3]"]) { _ = try? Linalg.tensorsolve(Tensor.ones([2, 3, 5]), Tensor.ones([2, 3])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOps16New.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
