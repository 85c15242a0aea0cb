import Foundation
import Testing
import SwiftGrad

/// Empty tensors work wherever PyTorch accepts them; misuse (empty where invalid, negative sizes,
/// wrong dtypes, mismatched layers) stops in the forward pass with a message naming the op and shapes.
@Suite struct EmptyTensorTests {
    @Test func reductionsOfEmptyTensors() {
        let e = Tensor.zeros([0])
        #expect(e.sum().item() == 0)
        #expect(e.mean().item().isNaN)
        #expect(e.prod().item() == 1)
        let m = Tensor.zeros([0, 3])
        #expect(m.sum(axis: 0).shape == [3] && m.sum(axis: 0).scalars == [0, 0, 0])
        #expect(m.sum(axis: 1).shape == [0])
        #expect(m.mean(axis: 0).scalars.allSatisfy { $0.isNaN })
        #expect(Tensor.zeros([2, 0]).logsumexp(axis: 1).scalars == [-.infinity, -.infinity])
    }

    @Test func matmulWithAZeroDimension() {
        let a = Tensor.ones([2, 0]).requiringGrad(), b = Tensor.ones([0, 3]).requiringGrad()
        let c = a.matmul(b)
        #expect(c.shape == [2, 3] && c.scalars == [Float](repeating: 0, count: 6))
        c.sum().backward()
        #expect(a.grad?.shape == [2, 0] && b.grad?.shape == [0, 3])
        #expect(Tensor.ones([0, 3]).matmul(Tensor.ones([3, 2])).shape == [0, 2])
        #expect(Tensor.ones([2, 0, 3]).matmul(Tensor.ones([2, 3, 4])).shape == [2, 0, 4])
        #expect(Tensor.ones([0]).matmul(Tensor.ones([0])).item() == 0)
        let lin = Linear(3, 2)
        #expect(lin(Tensor.ones([0, 3])).shape == [0, 2])
    }

    @Test func shapeOpsOnEmptyTensors() {
        let a = Tensor.randn([2, 3])
        let piece = Tensor.zeros([0, 3])
        #expect(Tensor.cat([piece, a, piece], axis: 0).scalars == a.scalars)
        #expect(Tensor.cat([Tensor.zeros([2, 0]), a], axis: 1).shape == [2, 3])
        #expect(piece.reshape([3, 0]).shape == [3, 0])
        #expect(piece.reshape([-1, 3]).shape == [0, 3])
        #expect(piece.transpose(0, 1).shape == [3, 0])
        #expect(Tensor.zeros([0, 3]).flatten().shape == [0])
        #expect(Tensor.stack([Tensor.zeros([0]), Tensor.zeros([0])]).shape == [2, 0])
        #expect(a[0..<0].shape == [0, 3])
    }

    @Test func elementwiseAndAutogradOnEmptyTensors() {
        let x = Tensor.zeros([0, 4]).requiringGrad()
        let y = (x.exp() + Tensor.ones([4])).relu().softmax(axis: 1)
        #expect(y.shape == [0, 4])
        y.sum().backward()
        #expect(x.grad?.shape == [0, 4])
        let e = Tensor.zeros([2, 0]).requiringGrad()
        (e.prod(axis: 1).sum() + e.sum() + e.logsumexp(axis: 1).exp().sum()).backward()
        #expect(e.grad?.shape == [2, 0])
    }
}

/// One misuse each: the child process must stop, and its message must name the op and the shapes.
@Suite struct MisuseMessageTests {
    static let cases: [(needles: [String], run: @Sendable () -> Void)] = [
        (["max", "[0]"], { _ = Tensor.zeros([0]).max() }),
        (["argmax", "[0, 3]"], { _ = Tensor.zeros([0, 3]).argmax() }),
        (["max", "[0, 3]"], { _ = Tensor.zeros([0, 3]).max(axis: 0) }),
        (["zeros", "-2"], { _ = Tensor.zeros([3, -2]) }),
        (["randn", "-1"], { _ = Tensor.randn([-1]) }),
        (["reshape", "[-2, 3]"], { _ = Tensor.ones([2, 3]).reshape([-2, 3]) }),
        (["matmul", "int64", "[2, 2]"], { _ = Tensor.ones([2, 2], dtype: .int64).matmul(Tensor.ones([2, 2])) }),
        (["crossEntropy", "[4, 3]", "[4]"], { _ = crossEntropy(logits: Tensor.ones([4, 3]), targets: Tensor.zeros([4])) }),
        (["conv2d", "[1, 3, 8, 8]", "[4, 2, 3, 3]"], { _ = conv2d(Tensor.ones([1, 3, 8, 8]), weight: Tensor.ones([4, 2, 3, 3])) }),
        (["conv2d", "[3, 8, 8, 1, 1]"], { _ = conv2d(Tensor.ones([3, 8, 8, 1, 1]), weight: Tensor.ones([4, 3, 3, 3])) }),
        (["max_pool2d", "[1, 1, 2, 2]"], { _ = maxPool2d(Tensor.ones([1, 1, 2, 2]), kernelSize: 3) }),
        (["crossEntropy", "[4, 3]", "[5]"], { _ = crossEntropy(logits: Tensor.ones([4, 3]), targets: Tensor.zeros([5], dtype: .int64)) }),
        (["softmax", "axis", "[2, 3]"], { _ = Tensor.ones([2, 3]).softmax(axis: 2) }),
        (["cat", "at least one"], { _ = Tensor.cat([]) }),
        (["conv2d", "int64"], { _ = conv2d(Tensor.ones([1, 1, 4, 4], dtype: .int64), weight: Tensor.ones([1, 1, 3, 3])) }),
        (["Linear", "[2, 4]", "in_features 3"], { _ = Linear(3, 2)(Tensor.ones([2, 4])) }),
        (["indexSelect", "5", "[3]"], { _ = Tensor.ones([3]).indexSelect(axis: 0, indices: Tensor([5], dtype: .int64)) }),
        (["embedding", "7"], { _ = Embedding(5, 2)(Tensor([7], dtype: .int64)) }),
        (["stack", "[2]", "[3]"], { _ = Tensor.stack([Tensor.ones([2]), Tensor.ones([3])]) }),
        (["sum", "axis 2", "[0, 3]"], { _ = Tensor.zeros([0, 3]).sum(axis: 2) }),
        (["gather", "[2, 3]", "5"], { _ = Tensor.ones([2, 3]).gather(axis: 1, index: Tensor([Int64(5), 0], shape: [2, 1])) }),
        (["gather", "[2, 3]", "[2]"], { _ = Tensor.ones([2, 3]).gather(axis: 1, index: Tensor([Int64(0), 0], shape: [2])) }),
        (["scatterAdd", "[2, 3]"], { _ = Tensor.ones([2, 3]).scatterAdd(axis: 1, index: Tensor([Int64(0), 9], shape: [2, 1]), source: Tensor.ones([2, 1])) }),
        (["expand", "[2, 3]", "[4, 3]"], { _ = Tensor.ones([2, 3]).expand([4, 3]) }),
        (["narrow", "[4]", "size 4"], { _ = Tensor.ones([4]).narrow(axis: 0, start: 3, length: 2) }),
        (["split", "[4]"], { _ = Tensor.ones([4]).split(sizes: [1, 2]) }),
        (["chunk", "0"], { _ = Tensor.ones([4]).chunk(0) }),
        (["pad", "[2, 2]"], { _ = Tensor.ones([2, 2]).pad([1, 1, 1, 1, 1, 1]) }),
        (["pad", "[2, 2]", "-3"], { _ = Tensor.ones([2, 2]).pad([-3, 0]) }),
        (["mseLoss", "[2, 3]", "[3, 2]"], { _ = mseLoss(Tensor.ones([2, 3]), Tensor.ones([3, 2])) }),
        (["nllLoss", "[2, 3]", "7"], { _ = nllLoss(logProbs: Tensor.ones([2, 3]), targets: Tensor([Int64(0), 7], shape: [2])) }),
        (["crossEntropy", "[2, 3]", "-1"], { _ = crossEntropy(logits: Tensor.ones([2, 3]), targets: Tensor([Int64(0), -1], shape: [2])) }),
        (["layerNorm", "[2, 3]", "[4]"], { _ = layerNorm(Tensor.ones([2, 3]), normalizedShape: [4]) }),
        (["groupNorm", "[2, 6, 4]", "4"], { _ = groupNorm(Tensor.ones([2, 6, 4]), numGroups: 4) }),
        (["batchNorm", "[2, 3, 4]", "[5]"], { _ = batchNorm(Tensor.ones([2, 3, 4]), runningMean: Tensor.zeros([5]), runningVar: Tensor.ones([5]), training: false) }),
        (["cumsum", "axis", "[2, 3]"], { _ = Tensor.ones([2, 3]).cumsum(axis: -3) }),
        (["bmm", "[2, 3, 4]", "[3, 4, 5]"], { _ = Tensor.ones([2, 3, 4]).bmm(Tensor.ones([3, 4, 5])) }),
        (["dot", "[3]", "[4]"], { _ = Tensor.ones([3]).dot(Tensor.ones([4])) }),
        (["embedding", "-1"], { _ = embedding(Tensor([Int64(-1)], shape: [1]), weight: Tensor.ones([4, 2])) }),
        (["oneHot", "5", "3"], { _ = oneHot(Tensor([Int64(5)], shape: [1]), numClasses: 3) }),
        (["dropout", "1.5"], { _ = dropout(Tensor.ones([3]), p: 1.5) }),
        (["maskedFill", "[2, 3]", "[4]"], { _ = Tensor.ones([2, 3]).maskedFill(Tensor.zeros([4], dtype: .int64), 1) }),
        (["maskedFill", "[3]", "[2, 3]"], { _ = Tensor.ones([3]).maskedFill(Tensor.zeros([2, 3], dtype: .int64), 1) }),
        (["avg_pool2d", "[1, 1, 2, 2]"], { _ = avgPool2d(Tensor.ones([1, 1, 2, 2]), kernelSize: 3) }),
        (["adaptive_avg_pool2d", "[2, 2]"], { _ = adaptiveAvgPool2d(Tensor.ones([2, 2]), outputSize: 1) }),
        (["conv1d", "[1, 2, 5]", "[3, 4, 3]"], { _ = conv1d(Tensor.ones([1, 2, 5]), weight: Tensor.ones([3, 4, 3])) }),
        (["interpolate", "[2, 3]"], { _ = interpolate(Tensor.ones([2, 3]), size: 4) }),
        (["linspace", "-1"], { _ = Tensor.linspace(0, 1, steps: -1) }),
        (["arange", "step"], { _ = Tensor.arange(0, 1, step: 0) }),
        (["eye", "-2"], { _ = Tensor.eye(-2) }),
        (["Tensor", "6", "[4]"], { _ = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [4]) }),
        (["squeeze", "axis", "[2, 3]"], { _ = Tensor.ones([2, 3]).squeeze(axis: 4) }),
        (["unsqueeze", "axis", "[2, 3]"], { _ = Tensor.ones([2, 3]).unsqueeze(axis: 4) }),
        (["clamp", "min", "max"], { _ = Tensor.ones([2]).clamp(min: 2, max: 1) }),
    ]

    @Test(arguments: 0..<cases.count)
    func misuseStopsWithAMessageNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTests.cases[index].run()
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        for needle in Self.cases[index].needles {
            #expect(text.contains(needle), "case \(index): stderr lacks \"\(needle)\":\n\(text.suffix(600))")
        }
    }
}
