import Foundation
import Testing
import SwiftGrad

/// Index tensors read by backward are version-checked (changing one in place between forward and
/// backward is PyTorch's "modified by an inplace operation" error naming the op, never a wrong
/// gradient), and negative indices are out of bounds in gather, indexSelect, indexAdd, scatterAdd
/// and embedding, as in PyTorch (no wrap-around).
@Suite struct SavedIndexTests {

    static let modified = "modified by an inplace operation"

    @Test func indexModifiedInPlaceBeforeBackwardIsAnError() async {
        let g = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor.randn([2, 3], dtype: .float64).requiringGrad()
            let index = Tensor([0, 2], shape: [2, 1])
            let y = x.gather(axis: 1, index: index)
            index.fill(1)
            y.sum().backward()
        }
        expectStderr(g, contains: ["gather", Self.modified, "index", "[2, 1]"])
        let s = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor.randn([3], dtype: .float64).requiringGrad()
            let indices = Tensor([2, 0])
            let y = x.indexSelect(axis: 0, indices: indices)
            indices[0] = Tensor(1, dtype: .int64)
            y.sum().backward()
        }
        expectStderr(s, contains: ["index_select", Self.modified, "indices", "[2]"])
        let a = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let src = Tensor.randn([2], dtype: .float64).requiringGrad()
            let indices = Tensor([1, 1])
            let y = Tensor.zeros([3], dtype: .float64).indexAdd(axis: 0, indices: indices, source: src)
            indices += 1
            y.square().sum().backward()
        }
        expectStderr(a, contains: ["index_add", Self.modified])
        let sc = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let src = Tensor.randn([2], dtype: .float64).requiringGrad()
            let index = Tensor([0, 2])
            let y = Tensor.zeros([3], dtype: .float64).scatterAdd(axis: 0, index: index, source: src)
            index.copyFrom(Tensor([1, 1]))
            y.sum().backward()
        }
        expectStderr(sc, contains: ["scatter_add", Self.modified])
        let e = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let table = Embedding(4, 2)
            let tokens = Tensor([1, 3, 3], shape: [3])
            let y = table(tokens)
            tokens.fill(0)
            y.sum().backward()
        }
        expectStderr(e, contains: ["embedding", Self.modified, "indices"])
        let m = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            // max(axis:) returns its indices; PyTorch saves them too.
            let x = Tensor.randn([2, 3], dtype: .float64).requiringGrad()
            let (values, indices) = x.max(axis: 1)
            indices.fill(0)
            values.sum().backward()
        }
        expectStderr(m, contains: ["max", Self.modified, "indices"])
        let p = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor.randn([1, 1, 4, 4], dtype: .float64).requiringGrad()
            let (values, indices) = maxPool2dWithIndices(x, kernelSize: 2)
            indices.fill(0)
            values.sum().backward()
        }
        expectStderr(p, contains: [Self.modified, "indices"])
    }

    @Test func unmodifiedIndicesStillDifferentiateAndAreReleased() {
        // The saved index is only read, never copied: gradients are unchanged, and after backward the
        // graph (and so the saved index) is freed.
        let x = Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3], dtype: .float64, requiresGrad: true)
        let index = Tensor([0, 2, 2, 1], shape: [2, 2])
        let y = x.gather(axis: 1, index: index) + x.indexSelect(axis: 1, indices: Tensor([2, 2]))
        y.sum().backward()
        #expect(x.grad!.scalars == [1, 0, 3, 0, 1, 3])
        weak var weakIndex: Tensor?
        do {
            let idx = Tensor([1, 0])
            weakIndex = idx
            let z = x.indexSelect(axis: 0, indices: idx)
            z.sum().backward()
        }
        #expect(weakIndex == nil, "the saved index outlived its graph")
    }

    @Test func negativeIndicesAreOutOfBounds() async {
        let g = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).gather(axis: 1, index: Tensor([0, -1], shape: [2, 1]))
        }
        expectStderr(g, contains: ["gather", "index -1 is out of bounds for dimension 1 with size 3", "[2, 3]"])
        let s = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).indexSelect(axis: 1, indices: Tensor([-1, 0]))
        }
        expectStderr(s, contains: ["indexSelect", "index -1 is out of bounds", "[2, 3]"])
        let a = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3]).indexAdd(axis: 0, indices: Tensor([-3]), source: Tensor.ones([1]))
        }
        expectStderr(a, contains: ["indexAdd", "index -3 is out of bounds"])
        let sc = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3]).scatterAdd(axis: 0, index: Tensor([-1]), source: Tensor.ones([1]))
        }
        expectStderr(sc, contains: ["scatterAdd", "index -1 is out of bounds"])
        let e = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = embedding(Tensor([-1]), weight: Tensor.ones([4, 2]))
        }
        expectStderr(e, contains: ["embedding", "index -1"])
    }
}
