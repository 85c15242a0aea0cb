import Foundation
import Testing
import SwiftGrad

// Misuse of the tensor-level op families (arithmetic and broadcasting, reductions and axes,
// creation and element-count overflow, dtypes): each case stops the child process with a message
// naming the op and every operand's shape. Also run against a release build in CI.

@Suite struct MisuseMessageTestsArithmetic {
    static let cases: [MisuseCase] = [
        MisuseCase(["sub", "[2, 3]", "[3, 2]"]) { _ = Tensor.ones([2, 3]) - Tensor.ones([3, 2]) },
        MisuseCase(["div", "[4]", "[5]"]) { _ = Tensor.ones([4]) / Tensor.ones([5]) },
        MisuseCase(["maximum", "[2]", "[3]"]) { _ = Tensor.maximum(Tensor.ones([2]), Tensor.ones([3])) },
        MisuseCase(["minimum", "[2, 2]", "[3]"]) { _ = Tensor.minimum(Tensor.ones([2, 2]), Tensor.ones([3])) },
        MisuseCase(["pow", "[2]", "[3]"]) { _ = Tensor.ones([2]).pow(Tensor.ones([3])) },
        MisuseCase(["lt", "[2]", "[3]"]) { _ = Tensor.ones([2]).lt(Tensor.ones([3])) },
        MisuseCase(["where", "[2]", "[3]", "[4]"]) {
            _ = Tensor.where(Tensor.zeros([2], dtype: .int64), Tensor.ones([3]), Tensor.ones([4]))
        },
        MisuseCase(["mul_", "[3]", "[2, 3]"]) { let x = Tensor.ones([3]); x *= Tensor.ones([2, 3]) },
        MisuseCase(["copyFrom", "[2]", "[3]"]) { Tensor.ones([2]).copyFrom(Tensor.ones([3])) },
        // PyTorch computes sqrt/sigmoid of integers in float32 (we do too), but refuses these.
        MisuseCase(["mean", "int64", "[2]"]) { _ = Tensor([1, 2]).mean() },
        MisuseCase(["softmax", "int64", "[2]"]) { _ = Tensor([1, 2]).softmax() },
        MisuseCase(["clamp", "nan"]) { _ = Tensor([1, 2]).clamp(min: .nan) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsArithmetic.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

@Suite struct MisuseMessageTestsReductions {
    static let cases: [MisuseCase] = [
        MisuseCase(["mean", "axis 3", "[2, 3]"]) { _ = Tensor.ones([2, 3]).mean(axis: 3) },
        MisuseCase(["sum", "[0, 0]", "[2, 3]"]) { _ = Tensor.ones([2, 3]).sum(axes: [0, 0]) },
        MisuseCase(["max", "axis 2", "[2, 3]"]) { _ = Tensor.ones([2, 3]).max(axis: 2) },
        MisuseCase(["argmax", "axis -3", "[2, 3]"]) { _ = Tensor.ones([2, 3]).argmax(axis: -3) },
        MisuseCase(["logsumexp", "axis 5", "[2, 3]"]) { _ = Tensor.ones([2, 3]).logsumexp(axis: 5) },
        MisuseCase(["prod", "axis 2", "[2, 3]"]) { _ = Tensor.ones([2, 3]).prod(axis: 2) },
        MisuseCase(["cumprod", "axis 2", "[2, 3]"]) { _ = Tensor.ones([2, 3]).cumprod(axis: 2) },
        MisuseCase(["flip", "axis 2", "[2, 3]"]) { _ = Tensor.ones([2, 3]).flip(axis: 2) },
        MisuseCase(["var", "axis 3", "[2, 3]"]) { _ = Tensor.ones([2, 3]).variance(axes: [3]) },
        MisuseCase(["std", "axis 3", "[2, 3]"]) { _ = Tensor.ones([2, 3]).std(axes: [3]) },
        MisuseCase(["norm", "axis 4", "[2, 3]"]) { _ = Tensor.ones([2, 3]).norm(axes: [4]) },
        MisuseCase(["min", "[0]"]) { _ = Tensor.zeros([0]).min() },
        MisuseCase(["softmax", "int64", "[2]"]) { _ = Tensor([1, 2]).softmax() },
        MisuseCase(["logSoftmax", "axis 2", "[2, 3]"]) { _ = Tensor.ones([2, 3]).logSoftmax(axis: 2) },
        MisuseCase(["size", "axis 5", "[2, 3]"]) { _ = Tensor.ones([2, 3]).size(5) },
        MisuseCase(["mean", "int64", "[2]"]) { _ = Tensor([1, 2]).mean() },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsReductions.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

/// Creation, and element counts that overflow Int: PyTorch's "Storage size calculation overflowed".
@Suite struct MisuseMessageTestsCreation {
    static let huge = 1 << 32
    static let cases: [MisuseCase] = [
        MisuseCase(["full", "[-1]"]) { _ = Tensor.full([-1], 1) },
        MisuseCase(["rand", "[2, -3]"]) { _ = Tensor.rand([2, -3]) },
        MisuseCase(["randint", "high (5)", "low (5)"]) { _ = Tensor.randint(5, 5, [2]) },
        MisuseCase(["uniform", "int64"]) { _ = Tensor.uniform([2], low: 0, high: 1, dtype: .int64) },
        MisuseCase(["arange", "nan", "int64"]) { _ = Tensor.arange(0, .nan, dtype: .int64) },
        MisuseCase(["arange", "inf"]) { _ = Tensor.arange(0, .infinity) },
        MisuseCase(["arange", "-inf", "int64"]) { _ = Tensor.arange(-.infinity, 3, dtype: .int64) },
        MisuseCase(["full", "nan", "int64", "[2]"]) { _ = Tensor.full([2], .nan, dtype: .int64) },
        MisuseCase(["full", "inf", "int64", "[2]"]) { _ = Tensor.full([2], .infinity, dtype: .int64) },
        MisuseCase(["full", "1e+30", "int64", "[2]"]) { _ = Tensor.full([2], 1e30, dtype: .int64) },
        MisuseCase(["Tensor", "nan", "int64"]) { _ = Tensor([1, .nan], dtype: .int64) },
        MisuseCase(["zeros", "[4294967296, 4294967296]", "overflow"]) { _ = Tensor.zeros([huge, huge]) },
        MisuseCase(["full", "[4294967296, 4294967296]", "overflow"]) { _ = Tensor.ones([huge, huge]) },
        MisuseCase(["randn", "[4294967296, 4294967296]", "overflow"]) { _ = Tensor.randn([huge, huge]) },
        MisuseCase(["rand", "[4294967296, 4294967296]", "overflow"]) { _ = Tensor.rand([huge, huge]) },
        MisuseCase(["randint", "[4294967296, 4294967296]", "overflow"]) { _ = Tensor.randint(0, 2, [huge, huge]) },
        MisuseCase(["zeros", "[1152921504606846976, 2]", "overflow", "int64"]) {
            _ = Tensor.zeros([1 << 60, 2], dtype: .int64)   // the element count fits; the byte count does not
        },
        MisuseCase(["eye", "4294967296", "overflow"]) { _ = Tensor.eye(huge) },
        MisuseCase(["Tensor(shape:scalars:)", "[4294967296, 4294967296]", "overflow"]) {
            _ = Tensor(shape: [huge, huge], scalars: [Float(1)])
        },
        MisuseCase(["reshape", "[4294967296, 4294967296]", "[4]", "overflow"]) {
            _ = Tensor.ones([4]).reshape([huge, huge])
        },
        MisuseCase(["expand", "[1, 1]", "[4294967296, 4294967296]", "overflow"]) {
            _ = Tensor.ones([1, 1]).expand([huge, huge])
        },
        MisuseCase(["linspace", "-1"]) { _ = Tensor.linspace(0, 1, steps: -1) },
        MisuseCase(["eye", "-2"]) { _ = Tensor.eye(-2) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsCreation.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

/// A float64 input to a float32 layer is an error naming the module and both dtypes, as PyTorch's
/// "expected scalar type Float but found Double"; other dtype misuse names the op and the dtype.
@Suite struct MisuseMessageTestsDType {
    static let cases: [MisuseCase] = [
        MisuseCase(["Linear", "float64", "float32", "[2, 3]"]) { _ = Linear(3, 2)(Tensor.ones([2, 3], dtype: .float64)) },
        MisuseCase(["linear", "float64", "float32", "[2, 3]", "[2, 3]"]) {
            _ = linear(Tensor.ones([2, 3], dtype: .float64), weight: Tensor.ones([2, 3]))
        },
        MisuseCase(["Conv1d", "float64", "float32", "[1, 2, 5]"]) { _ = Conv1d(2, 3, 3)(Tensor.ones([1, 2, 5], dtype: .float64)) },
        MisuseCase(["Conv2d", "float64", "float32", "[1, 2, 5, 5]"]) { _ = Conv2d(2, 3, 3)(Tensor.ones([1, 2, 5, 5], dtype: .float64)) },
        MisuseCase(["ConvTranspose2d", "float64", "float32", "[1, 2, 5, 5]"]) {
            _ = ConvTranspose2d(2, 3, 3)(Tensor.ones([1, 2, 5, 5], dtype: .float64))
        },
        MisuseCase(["ConvTranspose1d", "float64", "float32", "[1, 2, 5]"]) {
            _ = ConvTranspose1d(2, 3, 3)(Tensor.ones([1, 2, 5], dtype: .float64))
        },
        MisuseCase(["BatchNorm1d", "float64", "float32", "[4, 3]"]) { _ = BatchNorm1d(3)(Tensor.ones([4, 3], dtype: .float64)) },
        MisuseCase(["BatchNorm2d", "float64", "float32", "[2, 3, 2, 2]"]) {
            _ = BatchNorm2d(3)(Tensor.ones([2, 3, 2, 2], dtype: .float64))
        },
        MisuseCase(["LayerNorm", "float64", "float32", "[2, 4]"]) { _ = LayerNorm(4)(Tensor.ones([2, 4], dtype: .float64)) },
        MisuseCase(["GroupNorm", "float64", "float32", "[2, 4, 3]"]) {
            _ = GroupNorm(numGroups: 2, numChannels: 4)(Tensor.ones([2, 4, 3], dtype: .float64))
        },
        MisuseCase(["RMSNorm", "float64", "float32", "[2, 4]"]) { _ = RMSNorm(4)(Tensor.ones([2, 4], dtype: .float64)) },
        MisuseCase(["RNN", "float64", "float32", "[5, 2, 4]"]) { _ = RNN(4, 8)(Tensor.ones([5, 2, 4], dtype: .float64)) },
        MisuseCase(["LSTM", "float64", "float32", "[5, 2, 4]"]) { _ = LSTM(4, 8)(Tensor.ones([5, 2, 4], dtype: .float64)) },
        MisuseCase(["GRU", "float64", "float32", "[5, 2, 4]"]) { _ = GRU(4, 8)(Tensor.ones([5, 2, 4], dtype: .float64)) },
        MisuseCase(["MultiheadAttention", "float64", "float32", "[5, 2, 8]"]) {
            _ = MultiheadAttention(8, 2)(Tensor.ones([5, 2, 8], dtype: .float64))
        },
        MisuseCase(["TransformerEncoderLayer", "float64", "float32", "[5, 2, 8]"]) {
            _ = TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16)(Tensor.ones([5, 2, 8], dtype: .float64))
        },
        MisuseCase(["Embedding", "float32", "[3]"]) { _ = Embedding(5, 2)(Tensor.ones([3])) },
        MisuseCase(["gather", "float32", "[2, 1]"]) { _ = Tensor.ones([2, 3]).gather(axis: 1, index: Tensor.zeros([2, 1])) },
        MisuseCase(["oneHot", "float32", "[2]"]) { _ = oneHot(Tensor.zeros([2]), numClasses: 3) },
        MisuseCase(["nllLoss", "float32", "[2]"]) { _ = nllLoss(logProbs: Tensor.ones([2, 3]), targets: Tensor.zeros([2])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingModuleAndDTypes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsDType.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
