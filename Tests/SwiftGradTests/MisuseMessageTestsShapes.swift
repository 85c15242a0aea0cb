import Foundation
import Testing
import SwiftGrad

// Misuse of shape ops and of indexing, gathering and slicing: each case stops the child process
// with a message naming the op and every operand's shape. Also run against a release build in CI.

@Suite struct MisuseMessageTestsShapeOps {
    static let cases: [MisuseCase] = [
        MisuseCase(["view", "[5]", "[2, 3]"]) { _ = Tensor.ones([2, 3]).view([5]) },
        MisuseCase(["reshape", "[-1, -1]", "[2, 3]"]) { _ = Tensor.ones([2, 3]).reshape([-1, -1]) },
        MisuseCase(["flatten", "[2, 3]"]) { _ = Tensor.ones([2, 3]).flatten(startAxis: 1, endAxis: 0) },
        MisuseCase(["transpose", "axis 2", "[2, 3]"]) { _ = Tensor.ones([2, 3]).transpose(0, 2) },
        MisuseCase(["permute", "[0, 5]", "[2, 3]"]) { _ = Tensor.ones([2, 3]).permute([0, 5]) },
        MisuseCase(["expand", "[2, 3]", "[3]"]) { _ = Tensor.ones([2, 3]).expand([3]) },
        MisuseCase(["expand", "[2, 3]", "[2, -2]"]) { _ = Tensor.ones([2, 3]).expand([2, -2]) },
        MisuseCase(["sumToShape", "[2, 3]", "[4]"]) { _ = Tensor.ones([2, 3]).sumToShape([4]) },
        MisuseCase(["cat", "axis 1", "[2]"]) { _ = Tensor.cat([Tensor.ones([2]), Tensor.ones([2])], axis: 1) },
        MisuseCase(["cat", "[2, 3]", "[3]"]) { _ = Tensor.cat([Tensor.ones([2, 3]), Tensor.ones([3])]) },
        MisuseCase(["stack", "axis 3", "[2]"]) { _ = Tensor.stack([Tensor.ones([2]), Tensor.ones([2])], axis: 3) },
        MisuseCase(["split", "0", "[4]"]) { _ = Tensor.ones([4]).split(size: 0) },
        MisuseCase(["narrow", "start 5", "[4]"]) { _ = Tensor.ones([4]).narrow(axis: 0, start: 5, length: 1) },
        MisuseCase(["slice", "step", "[4]"]) { _ = Tensor.ones([4]).slice(axis: 0, step: 0) },
        MisuseCase(["slice", "axis 1", "[4]"]) { _ = Tensor.ones([4]).slice(axis: 1, start: 0) },
        MisuseCase(["pad", "[2, 2]"]) { _ = Tensor.ones([2, 2]).pad([1]) },
        MisuseCase(["Unflatten", "[2, 6]", "[4, 2]"]) { _ = Unflatten(axis: 1, sizes: [4, 2])(Tensor.ones([2, 6])) },
        MisuseCase(["Flatten", "[2, 3]"]) { _ = Flatten(startAxis: 3)(Tensor.ones([2, 3])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsShapeOps.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

@Suite struct MisuseMessageTestsIndexing {
    static let cases: [MisuseCase] = [
        MisuseCase(["subscript", "index 5", "[2, 3]"]) { _ = Tensor.ones([2, 3])[5] },
        MisuseCase(["subscript", "index -3", "[2, 3]"]) { _ = Tensor.ones([2, 3])[-3] },
        MisuseCase(["subscript", "[2]"]) { _ = Tensor.ones([2])[0, 0] },
        MisuseCase(["slice", "step", "[4]"]) { _ = Tensor.ones([4])[.slice(0, 4, step: 0)] },
        MisuseCase(["subscript assignment", "[4]", "[3]"]) {
            let x = Tensor.ones([2, 3])
            x[0] = Tensor.ones([4])
        },
        MisuseCase(["indexSelect", "axis 2", "[2, 3]"]) { _ = Tensor.ones([2, 3]).indexSelect(axis: 2, indices: Tensor([0])) },
        MisuseCase(["indexSelect", "[2, 3]", "[1, 1]"]) {
            _ = Tensor.ones([2, 3]).indexSelect(axis: 0, indices: Tensor([Int64(0)], shape: [1, 1]))
        },
        MisuseCase(["indexAdd", "[3, 2]", "[2]", "[3, 2]"]) {
            _ = Tensor.ones([3, 2]).indexAdd(axis: 0, indices: Tensor([0, 1]), source: Tensor.ones([3, 2]))
        },
        MisuseCase(["indexAdd", "7", "[3, 2]"]) {
            _ = Tensor.ones([3, 2]).indexAdd(axis: 0, indices: Tensor([0, 7]), source: Tensor.ones([2, 2]))
        },
        MisuseCase(["gather", "axis 2", "[2, 3]"]) { _ = Tensor.ones([2, 3]).gather(axis: 2, index: Tensor([Int64(0), 0], shape: [2, 1])) },
        MisuseCase(["scatterAdd", "[2, 3]", "[2, 1]", "[1, 1]"]) {
            _ = Tensor.ones([2, 3]).scatterAdd(axis: 1, index: Tensor([Int64(0), 0], shape: [2, 1]), source: Tensor.ones([1, 1]))
        },
        MisuseCase(["maskedFill", "float32", "[3]"]) { _ = Tensor.ones([3]).maskedFill(Tensor.ones([3]), 1) },
        MisuseCase(["oneHot", "-1"]) { _ = oneHot(Tensor([Int64(-1)], shape: [1]), numClasses: 3) },
        MisuseCase(["embedding", "[4, 2]", "9"]) { _ = embedding(Tensor([9]), weight: Tensor.ones([4, 2])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsIndexing.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
