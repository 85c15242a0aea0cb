import Testing
@testable import SwiftGrad

@Suite struct CustomOpTests {
    @Test func customOpGradientFlowsThroughUserBackward() {
        let x = Tensor([1.0, 2.0, 3.0], dtype: .float64, requiresGrad: true)
        let y = Tensor(x.doubles.map { $0 * 3 }, dtype: .float64)
            .recordedAsCustomOp("triple", inputs: [x]) { g in [g * 3] }
        #expect(y.opName == "triple")
        (y * y).sum().backward()
        #expect(x.grad!.doubles == [18, 36, 54])
    }

    @Test func customOpIsNotRecordedWithoutGrad() {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let y = withNoGrad { Tensor([2.0, 4.0]).recordedAsCustomOp("double", inputs: [x]) { g in [g * 2] } }
        #expect(y.isLeaf)
    }

    @Test func rawBytesAreTheElementsAndMutationBumpsVersion() {
        let x = Tensor([1.0, 2.0, 3.0])
        let sum = x.withUnsafeRawBytes { raw in raw.bindMemory(to: Float.self).reduce(0, +) }
        #expect(sum == 6)
        let v = x.version
        x.withUnsafeMutableRawBytes { raw in raw.bindMemory(to: Float.self)[1] = 7 }
        #expect(x.scalars == [1, 7, 3])
        #expect(x.version == v + 1)
    }
}

@Suite struct BackwardCallbackTests {
    @Test func queuedCallbackRunsOnceAfterEveryGradientIsAccumulated() {
        let w = Tensor([1.0, 2.0], requiresGrad: true)
        let b = Tensor([3.0], requiresGrad: true)
        var log: [String] = []
        var queued = false
        w.registerPostAccumulateGradHook { _ in
            log.append("w")
            if !queued { queued = true; queueBackwardCallback { log.append("done") } }
        }
        b.registerPostAccumulateGradHook { _ in log.append("b") }
        ((w * w).sum() + (w * b).sum()).backward()
        #expect(log.last == "done")
        #expect(log.filter { $0 == "done" }.count == 1)
        #expect(log.filter { $0 == "w" }.count == 3)     // w feeds two edges of one mul and one of another
        #expect(log.contains("b"))
    }
}
