import Foundation
import Testing
import SwiftGrad

/// Misuse stops the program in the forward pass, with a message naming the op and every shape.
/// Each case runs in a child process (an exit test) whose standard error is checked.
@Suite struct ErrorMessageTests {
    @Test func broadcastMismatchNamesOpAndShapes() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]) + Tensor.ones([4])
        }
        expectStderr(r, contains: ["add", "[2, 3]", "[4]", "broadcast"])
        let m = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([5, 1, 3]) * Tensor.ones([2, 2])
        }
        expectStderr(m, contains: ["mul", "[5, 1, 3]", "[2, 2]"])
    }

    @Test func inPlaceResultMustFitTheLeftOperand() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor.ones([3])
            x += Tensor.ones([2, 3])
        }
        expectStderr(r, contains: ["add_", "[3]", "[2, 3]"])
    }

    @Test func matmulMismatchNamesBothShapes() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).matmul(Tensor.ones([4, 5]))
        }
        expectStderr(r, contains: ["matmul", "[2, 3]", "[4, 5]"])
        let v = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([3]).matmul(Tensor.ones([4]))
        }
        expectStderr(v, contains: ["matmul", "[3]", "[4]"])
        let b = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 2, 3]).matmul(Tensor.ones([3, 3, 4]))
        }
        expectStderr(b, contains: ["matmul", "[2, 2, 3]", "[3, 3, 4]"])
        let l = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = linear(Tensor.ones([2, 5]), weight: Tensor.ones([4, 3]))
        }
        expectStderr(l, contains: ["linear", "[2, 5]", "[4, 3]"])
    }

    @Test func reshapeMismatchNamesBothShapes() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).reshape([4])
        }
        expectStderr(r, contains: ["reshape", "[4]", "[2, 3]"])
        let u = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).reshape([-1, 4])
        }
        expectStderr(u, contains: ["reshape", "[-1, 4]", "[2, 3]"])
    }

    @Test func catMismatchNamesEveryShape() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.cat([Tensor.ones([2, 3]), Tensor.ones([2, 4])], axis: 0)
        }
        expectStderr(r, contains: ["cat", "[2, 3]", "[2, 4]"])
        let s = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.stack([Tensor.ones([2]), Tensor.ones([3])])
        }
        expectStderr(s, contains: ["stack", "[2]", "[3]"])
    }

    @Test func permuteMisuse() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3, 4]).permute([0, 1])
        }
        expectStderr(r, contains: ["permute", "[2, 3, 4]"])
        let d = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).permute([1, 1])
        }
        expectStderr(d, contains: ["permute", "[1, 1]", "[2, 3]"])
    }

    @Test func axisOutOfRangeNamesOpAndShape() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).sum(axis: 2)
        }
        expectStderr(r, contains: ["sum", "axis 2", "[2, 3]"])
        let s = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).softmax(axis: -3)
        }
        expectStderr(s, contains: ["softmax", "axis -3", "[2, 3]"])
        let u = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).unsqueeze(axis: 4)
        }
        expectStderr(u, contains: ["unsqueeze", "axis 4", "[2, 3]"])
    }

    @Test func itemOnANonScalar() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 2]).item()
        }
        expectStderr(r, contains: ["item", "[2, 2]"])
    }

    @Test func intTensorWhereFloatIsNeeded() async {
        let e = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1, 2, 3]).mean()   // exp of integers is float32, as PyTorch; mean refuses them, as PyTorch
        }
        expectStderr(e, contains: ["mean", "int64", "[3]"])
        let m = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1, 2, 3, 4], shape: [2, 2]).matmul(Tensor.ones([2, 2]))
        }
        expectStderr(m, contains: ["matmul", "int64", "[2, 2]"])
        let g = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Tensor([1, 2]).requiresGrad = true
        }
        expectStderr(g, contains: ["requiresGrad", "int64"])
        let w = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.where(Tensor.ones([2]), Tensor.ones([2]), Tensor.zeros([2]))
        }
        expectStderr(w, contains: ["where", "bool", "float32", "[2]"])
    }

    @Test func indexOutOfRange() async {
        let s = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3])[.all, 3]
        }
        expectStderr(s, contains: ["subscript", "index 3", "[2, 3]"])
        let i = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).indexSelect(axis: 0, indices: Tensor([0, 5]))
        }
        expectStderr(i, contains: ["indexSelect", "5", "[2, 3]"])
        let g = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).gather(axis: 1, index: Tensor([0, 3], shape: [2, 1]))
        }
        expectStderr(g, contains: ["gather", "3", "[2, 3]", "[2, 1]"])
    }

    @Test func creationMisuse() async {
        let c = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1, 2, 3] as [Float], shape: [2, 2])
        }
        expectStderr(c, contains: ["3 values", "[2, 2]"])
        let n = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, -1])
        }
        expectStderr(n, contains: ["zeros", "[2, -1]"])
        let e = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2]).expand([3, 3])
        }
        expectStderr(e, contains: ["expand", "[2]", "[3, 3]"])
    }

    @Test func requiresGradOnANonLeaf() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2], requiresGrad: true)
            (x * 2).requiresGrad = false
        }
        expectStderr(r, contains: ["requiresGrad", "leaf", "mul"])
    }

    @Test func subscriptAssignmentIntoATensorRequiringGrad() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2], requiresGrad: true)
            x[0] = Tensor(5.0)
        }
        expectStderr(r, contains: ["a view of a leaf Variable that requires grad", "withNoGrad"])
    }
}
