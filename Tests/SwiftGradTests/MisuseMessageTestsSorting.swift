import Foundation
import Testing
import SwiftGrad

// Misuse of the sorting, statistics, counting, predicate, manipulation and scatter ops: each case
// stops the child process with a message naming the op and every operand's shape.

@Suite struct MisuseMessageTestsSorting {
    static let cases: [MisuseCase] = [
        MisuseCase(["sort", "axis 2", "[2, 3]"]) { _ = Tensor.ones([2, 3]).sort(axis: 2) },
        MisuseCase(["topk", "k = 4", "[2, 3]"]) { _ = Tensor.ones([2, 3]).topk(4) },
        MisuseCase(["kthvalue", "k = 0", "[3]"]) { _ = Tensor.ones([3]).kthvalue(0) },
        MisuseCase(["median", "empty axis", "[2, 0]"]) { _ = Tensor.ones([2, 0]).median(axis: 1) },
        MisuseCase(["median", "bool", "[2]"]) { _ = Tensor([true, false]).median() },
        MisuseCase(["mode", "empty axis", "[0]"]) { _ = Tensor.ones([0]).mode() },
        MisuseCase(["quantile", "int64", "[3]"]) { _ = Tensor([1, 2, 3]).quantile(0.5) },
        MisuseCase(["quantile", "[0, 1]", "1.5", "[3]"]) { _ = Tensor.ones([3]).quantile(1.5) },
        MisuseCase(["nanquantile", "dtype", "[2]", "[3]"]) { _ = Tensor.ones([3]).nanquantile(Tensor([0.5, 0.2], dtype: .float64)) },
        MisuseCase(["quantile", "non-empty", "[0]"]) { _ = Tensor.ones([0]).quantile(0.5) },
        MisuseCase(["logcumsumexp", "int64", "[2]"]) { _ = Tensor([1, 2]).logcumsumexp(axis: 0) },
        MisuseCase(["amax", "empty axis", "[2, 0]"]) { _ = Tensor.ones([2, 0]).amax(axes: [1]) },
        MisuseCase(["amin", "more than once", "[2, 3]"]) { _ = Tensor.ones([2, 3]).amin(axes: [1, -1]) },
        MisuseCase(["histc", "int64", "[2]"]) { _ = Tensor([1, 2]).histc() },
        MisuseCase(["histc", "min", "[2]"]) { _ = Tensor.ones([2]).histc(bins: 3, min: 2, max: 1) },
        MisuseCase(["bincount", "non-negative", "[2]"]) { _ = Tensor([1, -1]).bincount() },
        MisuseCase(["bincount", "weights", "[2]", "[3]"]) { _ = Tensor([1, 0]).bincount(weights: Tensor.ones([3])) },
        MisuseCase(["searchsorted", "leading axes", "[2, 3]", "[3, 1]"]) { _ = Tensor.searchsorted(Tensor.ones([2, 3]), Tensor.ones([3, 1])) },
        MisuseCase(["searchsorted", "side", "middle"]) { _ = Tensor.searchsorted(Tensor.ones([3]), Tensor.ones([1]), side: "middle") },
        MisuseCase(["bucketize", "1-D", "[2, 2]"]) { _ = Tensor.ones([3]).bucketize(Tensor.ones([2, 2])) },
        MisuseCase(["unique", "axis 2", "[2, 2]"]) { _ = Tensor.ones([2, 2]).unique(axis: 2) },
        MisuseCase(["diff", "prepend", "[3]", "[2, 2]"]) { _ = Tensor.ones([2, 2]).diff(prepend: Tensor.ones([3])) },
        MisuseCase(["isclose", "dtype", "[2]", "[2]"]) { _ = Tensor.ones([2]).isclose(Tensor([1, 1])) },
        MisuseCase(["nanmean", "int64", "[2]"]) { _ = Tensor([1, 2]).nanmean() },
        MisuseCase(["roll", "2 shifts", "1 axes", "[2, 3]"]) { _ = Tensor.ones([2, 3]).roll(shifts: [1, 2], axes: [0]) },
        MisuseCase(["rot90", "[1, 1]", "[2, 3]"]) { _ = Tensor.ones([2, 3]).rot90(axes: [1, 1]) },
        MisuseCase(["repeatInterleave", "[2]", "[3]"]) { _ = Tensor.ones([3]).repeatInterleave(Tensor([1, 2]), axis: 0) },
        MisuseCase(["take", "index 6", "[2, 3]"]) { _ = Tensor.ones([2, 3]).take(Tensor([6])) },
        MisuseCase(["takeAlongDim", "[2, 3]", "[3, 1]"]) { _ = Tensor.ones([2, 3]).takeAlongDim(Tensor([0, 0, 0], shape: [3, 1]), axis: 1) },
        MisuseCase(["movedim", "2 source axes", "[2, 3]"]) { _ = Tensor.ones([2, 3]).movedim([0, 1], [1]) },
        MisuseCase(["searchsorted", "sorter", "[3]", "[2]"]) { _ = Tensor.searchsorted(Tensor([1, 2, 3]), Tensor([1, 2]), sorter: Tensor([0, 3, 1])) },
        MisuseCase(["indexAdd", "alpha", "int64", "[3]"]) { _ = Tensor([1, 2, 3]).indexAdd(axis: 0, indices: Tensor([0]), source: Tensor([1]), alpha: 0.5) },
        MisuseCase(["indexCopy", "index 3", "[3, 2]"]) { _ = Tensor.ones([3, 2]).indexCopy(axis: 0, index: Tensor([3]), source: Tensor.ones([1, 2])) },
        MisuseCase(["takeAlongDim", "index -4", "[2, 3]"]) { _ = Tensor.ones([2, 3]).takeAlongDim(Tensor([-4, 0], shape: [2, 1]), axis: 1) },
        MisuseCase(["indexFill", "index 3", "[3]"]) { _ = Tensor.ones([3]).indexFill(axis: 0, index: Tensor([3]), value: 0) },
        MisuseCase(["selectScatter", "[3]", "[2, 2]"]) { _ = Tensor.ones([2, 2]).selectScatter(Tensor.ones([3]), axis: 0, index: 0) },
        MisuseCase(["sliceScatter", "[2, 1]", "[2, 4]"]) { _ = Tensor.ones([2, 4]).sliceScatter(Tensor.ones([2, 1]), axis: 1, start: 0, end: 4, step: 2) },
        MisuseCase(["diagonalScatter", "[3]", "[2, 2]"]) { _ = Tensor.ones([2, 2]).diagonalScatter(Tensor.ones([3])) },
        MisuseCase(["scatter", "index 5", "[2, 3]", "[1, 1]"]) { _ = Tensor.ones([2, 3]).scatter(axis: 1, index: Tensor([5], shape: [1, 1]), value: 1) },
        MisuseCase(["scatter", "dtype", "[2, 3]", "[1, 1]"]) {
            _ = Tensor.ones([2, 3]).scatter(axis: 1, index: Tensor([0], shape: [1, 1]), source: Tensor.ones([1, 1], dtype: .float64))
        },
        MisuseCase(["scatter", "reduce", "max"]) { _ = Tensor.ones([2]).scatter(axis: 0, index: Tensor([0]), value: 1, reduce: "max") },
        MisuseCase(["scatterReduce", "larger than the source", "[2, 3]", "[1, 2]"]) {
            _ = Tensor.ones([2, 3]).scatterReduce(axis: 1, index: Tensor([0, 1], shape: [1, 2]), source: Tensor.ones([1, 1]), reduce: .sum)
        },
        MisuseCase(["index", "out of bounds", "[2, 3]"]) { _ = Tensor.ones([2, 3]).index([Tensor([2])]) },
        MisuseCase(["index", "mask", "[3]", "[2, 3]"]) { _ = Tensor.ones([2, 3]).index([Tensor([true, false, true])]) },
        MisuseCase(["index", "[2]", "[3]", "[2, 3]"]) { _ = Tensor.ones([2, 3]).index([Tensor([0, 1]), Tensor([0, 1, 2])]) },
        MisuseCase(["indexPut", "[4]", "[2]", "[2, 3]"]) { _ = Tensor.ones([2, 3]).indexPut([Tensor([0, 1]), Tensor([0, 1])], values: Tensor.ones([4])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsSorting.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
