import Foundation
import Synchronization
import Testing
import SwiftGrad

/// Grad mode: nothing is recorded inside withNoGrad, and the mode is per thread.
@Suite struct GradModeTests {
    @Test func nothingIsRecordedInsideWithNoGrad() {
        let x = Tensor([1, 2], requiresGrad: true)
        #expect(GradMode.isEnabled)
        let y = withNoGrad { () -> Tensor in
            #expect(!GradMode.isEnabled)
            return ((x * x).exp() + x).matmul(x).sqrt()
        }
        #expect(!y.requiresGrad && y.isLeaf && y.opName == nil)
        #expect(y.graphviz().contains("leaf"))
        #expect(GradMode.isEnabled, "the mode is restored")
        #expect((x * x).requiresGrad)
    }

    @Test func withGradReenablesRecordingInsideNoGrad() {
        let x = Tensor([3], requiresGrad: true)
        let (inner, outer) = withNoGrad { () -> (Tensor, Tensor) in
            let a = withGrad { x * x }
            return (a, x * x)
        }
        #expect(inner.requiresGrad && inner.opName == "mul")
        #expect(!outer.requiresGrad)
        inner.backward()
        #expect(x.grad!.item() == 6)
        #expect(GradMode.with(enabled: false) { !GradMode.isEnabled })
    }

    @Test func modeIsRestoredWhenTheBodyThrows() {
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try withNoGrad { throw Boom() }
        }
        #expect(GradMode.isEnabled)
    }

    @Test func backwardWithoutCreateGraphRecordsNoGradientGraph() {
        let x = Tensor([1, 2], requiresGrad: true)
        (x * x).sum().backward()
        #expect(!x.grad!.requiresGrad && x.grad!.isLeaf)
    }

    /// Another thread keeps recording while this one is inside withNoGrad, and the reverse.
    @Test func aSecondThreadsGradModeIsIndependent() {
        let seen = ModeBox()
        let started = DispatchSemaphore(value: 0), proceed = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        // Case 1: this thread is in no-grad while the other thread records.
        withNoGrad {
            let t = Thread {
                let x = Tensor([1, 2], requiresGrad: true)
                let y = (x * 3).sum()
                seen.flags.withLock { $0.append(GradMode.isEnabled); $0.append(y.requiresGrad) }
                done.signal()
            }
            t.start()
            done.wait()
            #expect(!GradMode.isEnabled)
        }
        // Case 2: the other thread sits inside withNoGrad while this thread records.
        let t2 = Thread {
            withNoGrad {
                started.signal()
                proceed.wait()
                let x = Tensor([1], requiresGrad: true)
                seen.flags.withLock { $0.append(GradMode.isEnabled); $0.append((x * 2).requiresGrad) }
            }
            done.signal()
        }
        t2.start()
        started.wait()
        let x = Tensor([1], requiresGrad: true)
        #expect(GradMode.isEnabled)
        #expect((x * 2).requiresGrad)
        proceed.signal()
        done.wait()
        #expect(seen.flags.withLock { $0 } == [true, true, false, false])
    }

    @Test func aTaskStartedInsideNoGradRecordsOnItsOwnThread() async {
        let x = Tensor([2], requiresGrad: true)
        let mode = await withNoGrad {
            Task.detached { GradMode.isEnabled }
        }.value
        #expect(mode, "a detached task runs on another thread with its own (default) grad mode")
        #expect((x * x).requiresGrad)
    }
}

/// Flags handed back from worker threads.
final class ModeBox: Sendable {
    let flags = Mutex<[Bool]>([])
}
