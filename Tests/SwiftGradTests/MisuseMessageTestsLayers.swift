import Foundation
import Testing
import SwiftGrad

// Misuse of products, convolution and pooling, normalization, recurrent layers, attention,
// embedding and modules: each case stops the child process with a message naming the op (or the
// module) and every operand's shape. Also run against a release build in CI.

@Suite struct MisuseMessageTestsProducts {
    static let cases: [MisuseCase] = [
        MisuseCase(["matmul", "[]", "[2]"]) { _ = Tensor(1.0).matmul(Tensor.ones([2])) },
        MisuseCase(["bmm", "[2, 3]", "[2, 3, 4]"]) { _ = Tensor.ones([2, 3]).bmm(Tensor.ones([2, 3, 4])) },
        MisuseCase(["linear", "[2, 3]", "[4, 3]", "[5]"]) {
            _ = linear(Tensor.ones([2, 3]), weight: Tensor.ones([4, 3]), bias: Tensor.ones([5]))
        },
        MisuseCase(["Linear", "[4, 64]", "100"]) { _ = Linear(100, 10)(Tensor.randn([4, 64])) },
        MisuseCase(["Linear", "-1"]) { _ = Linear(-1, 3) },
        MisuseCase(["Bilinear", "[2, 3]", "[2, 5]"]) { _ = Bilinear(in1Features: 3, in2Features: 4, outFeatures: 2)(Tensor.ones([2, 3]), Tensor.ones([2, 5])) },
        MisuseCase(["outer", "[2, 2]", "[3]"]) { _ = Linalg.outer(Tensor.ones([2, 2]), Tensor.ones([3])) },
        MisuseCase(["dot", "[2, 2]", "[4]"]) { _ = Tensor.ones([2, 2]).dot(Tensor.ones([4])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsProducts.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

@Suite struct MisuseMessageTestsConvolution {
    static let cases: [MisuseCase] = [
        MisuseCase(["Conv2d", "[1, 4, 8, 8]", "3"]) { _ = Conv2d(3, 8, 3)(Tensor.ones([1, 4, 8, 8])) },
        MisuseCase(["Conv1d", "[1, 2, 10]", "4"]) { _ = Conv1d(4, 8, 3)(Tensor.ones([1, 2, 10])) },
        MisuseCase(["ConvTranspose2d", "[1, 3, 5, 5]", "4"]) { _ = ConvTranspose2d(4, 2, 3)(Tensor.ones([1, 3, 5, 5])) },
        MisuseCase(["conv2d", "stride", "[1, 1, 4, 4]", "[1, 1, 3, 3]"]) {
            _ = conv2d(Tensor.ones([1, 1, 4, 4]), weight: Tensor.ones([1, 1, 3, 3]), stride: 0)
        },
        MisuseCase(["conv_transpose2d", "[1, 3, 4, 4]", "[2, 1, 3, 3]"]) {
            _ = convTranspose2d(Tensor.ones([1, 3, 4, 4]), weight: Tensor.ones([2, 1, 3, 3]))
        },
        MisuseCase(["conv1d", "[1, 1, 2]", "[1, 1, 3]"]) { _ = conv1d(Tensor.ones([1, 1, 2]), weight: Tensor.ones([1, 1, 3])) },
        MisuseCase(["max_pool1d", "[2, 2, 2, 2]"]) { _ = maxPool1d(Tensor.ones([2, 2, 2, 2]), kernelSize: 2) },
        MisuseCase(["max_pool2d", "[1, 1, 3, 3]"]) { _ = MaxPool2d(5)(Tensor.ones([1, 1, 3, 3])) },
        MisuseCase(["avg_pool2d", "padding", "[1, 1, 4, 4]"]) { _ = avgPool2d(Tensor.ones([1, 1, 4, 4]), kernelSize: 2, padding: 2) },
        MisuseCase(["adaptive_avg_pool2d", "0", "[1, 1, 4, 4]"]) { _ = adaptiveAvgPool2d(Tensor.ones([1, 1, 4, 4]), outputSize: 0) },
        MisuseCase(["interpolate", "[1, 1, 2, 2]"]) { _ = interpolate(Tensor.ones([1, 1, 2, 2]), scaleFactor: -1) },
        MisuseCase(["Conv2d", "groups"]) { _ = Conv2d(3, 4, 3, groups: 2) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsConvolution.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

@Suite struct MisuseMessageTestsNormalization {
    static let cases: [MisuseCase] = [
        MisuseCase(["BatchNorm2d", "[2, 4, 5, 5]", "3"]) { _ = BatchNorm2d(3)(Tensor.ones([2, 4, 5, 5])) },
        MisuseCase(["BatchNorm1d", "[2, 4]", "3"]) { _ = BatchNorm1d(3)(Tensor.ones([2, 4])) },
        MisuseCase(["LayerNorm", "[2, 3]", "[4]"]) { _ = LayerNorm(4)(Tensor.ones([2, 3])) },
        MisuseCase(["GroupNorm", "[2, 6, 3]", "4"]) { _ = GroupNorm(numGroups: 2, numChannels: 4)(Tensor.ones([2, 6, 3])) },
        MisuseCase(["RMSNorm", "[2, 3]", "[4]"]) { _ = RMSNorm(4)(Tensor.ones([2, 3])) },
        MisuseCase(["layerNorm", "[4]", "[3]"]) { _ = layerNorm(Tensor.ones([2, 3]), normalizedShape: [3], weight: Tensor.ones([4])) },
        MisuseCase(["layerNorm", "[2, 3]", "int64"]) { _ = layerNorm(Tensor.ones([2, 3], dtype: .int64), normalizedShape: [3]) },
        MisuseCase(["normalize", "axis 2", "[2, 3]"]) { _ = normalize(Tensor.ones([2, 3]), axis: 2) },
        MisuseCase(["cosineSimilarity", "[2, 3]", "[2, 4]"]) { _ = cosineSimilarity(Tensor.ones([2, 3]), Tensor.ones([2, 4])) },
        MisuseCase(["batchNorm", "more than 1 value", "[1, 3]"]) {
            _ = batchNorm(Tensor.ones([1, 3]), runningMean: nil, runningVar: nil, training: true)
        },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsNormalization.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

@Suite struct MisuseMessageTestsSequenceModels {
    static let cases: [MisuseCase] = [
        MisuseCase(["LSTM", "[5, 2, 3]", "4"]) { _ = LSTM(4, 8)(Tensor.ones([5, 2, 3])) },
        MisuseCase(["GRU", "[5, 2, 3]", "4"]) { _ = GRU(4, 8)(Tensor.ones([5, 2, 3]), hidden: nil) },
        MisuseCase(["RNN", "[1, 3, 8]", "[1, 2, 8]"]) { _ = RNN(4, 8)(Tensor.ones([5, 2, 4]), hidden: Tensor.ones([1, 3, 8])) },
        MisuseCase(["LSTM", "[5, 2, 2, 4]"]) { _ = LSTM(4, 8)(Tensor.ones([5, 2, 2, 4])) },
        MisuseCase(["lstmCell", "[2, 8]", "[2, 3]"]) { _ = lstmCell(gates: Tensor.ones([2, 8]), cell: Tensor.ones([2, 3])) },
        MisuseCase(["MultiheadAttention", "8", "3"]) { _ = MultiheadAttention(8, 3) },
        MisuseCase(["MultiheadAttention", "[5, 2, 8]", "[5, 2, 6]"]) {
            _ = MultiheadAttention(8, 2)(query: Tensor.ones([5, 2, 8]), key: Tensor.ones([5, 2, 6]), value: Tensor.ones([5, 2, 6]))
        },
        MisuseCase(["TransformerEncoderLayer", "[5, 2, 6]", "8"]) {
            _ = TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16)(Tensor.ones([5, 2, 6]))
        },
        MisuseCase(["Embedding", "7", "5"]) { _ = Embedding(5, 2, paddingIdx: 7) },
        MisuseCase(["Embedding", "-1"]) { _ = Embedding(-1, 2) },
        MisuseCase(["embedding", "9", "[5, 2]", "[2]"]) { _ = Embedding(5, 2)(Tensor([1, 9])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsSequenceModels.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

@Suite struct MisuseMessageTestsModules {
    static let cases: [MisuseCase] = [
        MisuseCase(["Sequential", "index 3", "1 layers"]) { _ = Sequential(Linear(2, 2))[3] },
        MisuseCase(["Sequential", "0..<4", "1 layers"]) { _ = Sequential(Linear(2, 2))[0..<4] },
        MisuseCase(["ModuleList", "index -2", "1 modules"]) { _ = ModuleList([Linear(2, 2)])[-2] },
        MisuseCase(["Dropout", "2"]) { _ = Dropout(p: 2) },
        MisuseCase(["Module", "forward(_:)"]) { _ = Module()(Tensor.ones([2])) },
        MisuseCase(["Linear(3, 2)", "[2, 4]", "in_features 3"]) { _ = Sequential(Linear(3, 2))(Tensor.ones([2, 4])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingTheModule(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsModules.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
