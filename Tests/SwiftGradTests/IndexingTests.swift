import Foundation
import Testing
import SwiftGrad

/// Subscripts (ints, ranges, steps, .all, .ellipsis, .newAxis), assignment, and the index ops.
@Suite struct IndexingTests {
    /// [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    func grid() -> Tensor { Tensor.arange(12, dtype: .float32).reshape([3, 4]) }

    @Test func integersRemoveAxes() {
        let x = grid()
        #expect(x[1].shape == [4] && x[1].scalars == [4, 5, 6, 7])
        #expect(x[-1].scalars == [8, 9, 10, 11])
        #expect(x[1, 2].shape == [] && x[1, 2].item() == 6)
        #expect(x[-1, -1].item() == 11)
        #expect(x[.index(0)].scalars == [0, 1, 2, 3])
    }

    @Test func rangesAndSteps() {
        let x = grid()
        #expect(x[.all, 1..<3].scalars == [1, 2, 5, 6, 9, 10])
        #expect(x[0...1].shape == [2, 4])
        #expect(x[..<1, 2...].scalars == [2, 3])
        #expect(x[1..., ...0].scalars == [4, 8])
        #expect(x[.slice(nil, nil, step: 2)].scalars == [0, 1, 2, 3, 8, 9, 10, 11])
        #expect(x[.all, .slice(1, nil, step: 2)].scalars == [1, 3, 5, 7, 9, 11])
        #expect(x[.all, .slice(-3, -1)].scalars == [1, 2, 5, 6, 9, 10])
        #expect(x[.slice(-100, 100)].shape == [3, 4], "out-of-range bounds clamp, as Python")
        #expect(x[2..<2].shape == [0, 4])
        #expect(x[-2...(-1), 0].scalars == [4, 8])
    }

    @Test func ellipsisAndNewAxis() {
        let x = Tensor.arange(24, dtype: .float32).reshape([2, 3, 4])
        #expect(x[.ellipsis, 0].shape == [2, 3])
        #expect(x[.ellipsis, 0].scalars == [0, 4, 8, 12, 16, 20])
        #expect(x[1, .ellipsis].shape == [3, 4])
        #expect(x[.newAxis].shape == [1, 2, 3, 4])
        #expect(x[.all, .newAxis, 1].shape == [2, 1, 4])
        #expect(x[.ellipsis, .newAxis].shape == [2, 3, 4, 1])
        #expect(x[0, .ellipsis, 2].scalars == [2, 6, 10])
    }

    @Test func assignmentWritesInPlace() {
        let x = grid()
        x[0] = Tensor.zeros([4])
        #expect(x[0].scalars == [0, 0, 0, 0])
        x[.all, 1] = Tensor(9.0)                                // broadcast a scalar
        #expect(x[.all, 1].scalars == [9, 9, 9])
        x[1, 2] = Tensor(-1.0)
        #expect(x[1, 2].item() == -1)
        x[.slice(nil, nil, step: 2), .slice(2, nil)] = Tensor([[7, 8]])
        #expect(x.scalars == [0, 9, 7, 8, 4, 9, -1, 7, 8, 9, 7, 8])
        #expect(x.version == 4)
        x[.ellipsis, 0] = Tensor([1, 2, 3], dtype: .int64)      // converted to the tensor's dtype
        #expect(x[.all, 0].scalars == [1, 2, 3])
    }

    /// Subscripts return views, so a chained assignment writes into the tensor, as in PyTorch.
    @Test func chainedSubscriptAssignmentWritesThroughTheView() {
        let x = grid()
        x[0][1] = Tensor(100.0)
        #expect(x[0, 1].item() == 100)
        x[1, 2] = Tensor(50.0)
        #expect(x[1].scalars == [4, 5, 50, 7])
    }

    @Test func assignmentUnderNoGradOnAParameter() {
        let w = Tensor.zeros([2, 2], requiresGrad: true)
        withNoGrad { w[1] = Tensor([5, 6] as [Float]) }
        #expect(w.scalars == [0, 0, 5, 6] && w.requiresGrad && w.isLeaf)
    }

    @Test func indexSelectGatherScatter() {
        let x = grid()
        #expect(x.indexSelect(axis: 0, indices: Tensor([2, 0])).scalars == [8, 9, 10, 11, 0, 1, 2, 3])
        #expect(x.indexSelect(axis: 1, indices: Tensor([3, 0])).scalars == [3, 0, 7, 4, 11, 8])
        let idx = Tensor([3, 0, 1, 1, 0, 2], shape: [3, 2])
        #expect(x.gather(axis: 1, index: idx).scalars == [3, 0, 5, 5, 8, 10])
        let s = Tensor.zeros([2, 3]).scatterAdd(axis: 1, index: Tensor([0, 0, 2, 1], shape: [2, 2]),
                                                source: Tensor([[1, 2], [3, 4]]))
        #expect(s.scalars == [3, 0, 0, 0, 4, 3])
        let a = Tensor.zeros([3]).indexAdd(axis: 0, indices: Tensor([0, 0, 2]), source: Tensor([1, 2, 5] as [Float]))
        #expect(a.scalars == [3, 0, 5])
        let labels = Tensor([2, 0])
        let logp = Tensor([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]])
        #expect(logp.gather(axis: 1, index: labels.unsqueeze(axis: 1)).scalars == [0.7, 0.5])
    }

    @Test func maskedOps() {
        let x = Tensor([-1, 2, -3, 4] as [Float])
        let mask = x .> 0
        #expect(mask.dtype == .bool && mask.ints == [0, 1, 0, 1] && mask.bools == [false, true, false, true])
        #expect(Tensor.where(mask, x, Tensor(0.0)).scalars == [0, 2, 0, 4])
        #expect(x.maskedFill(x .< 0, 9).scalars == [9, 2, 9, 4])
        #expect((x .== 2).ints == [0, 1, 0, 0] && (x .!= 2).ints == [1, 0, 1, 1])
        #expect((x .>= 2).ints == [0, 1, 0, 1] && (x .<= -1).ints == [1, 0, 1, 0])
        #expect(x.clamp(min: -2, max: 3).scalars == [-1, 2, -2, 3])
    }
}
