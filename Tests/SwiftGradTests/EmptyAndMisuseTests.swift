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
        (["linear", "[2, 4]"], { _ = Linear(3, 2)(Tensor.ones([2, 4])) }),
        (["indexSelect", "5", "[3]"], { _ = Tensor.ones([3]).indexSelect(axis: 0, indices: Tensor([5], dtype: .int64)) }),
        (["embedding", "7"], { _ = Embedding(5, 2)(Tensor([7], dtype: .int64)) }),
        (["stack", "[2]", "[3]"], { _ = Tensor.stack([Tensor.ones([2]), Tensor.ones([3])]) }),
        (["sum", "axis 2", "[0, 3]"], { _ = Tensor.zeros([0, 3]).sum(axis: 2) }),
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
