import Foundation
import Synchronization
import Testing
import SwiftGrad

/// Graphs are freed after backward and when the loss is dropped; deep graphs build, differentiate
/// and release without recursion. Tests run in parallel in one process, so in-process checks use
/// weak references to the tensors they made, and counter checks (`Diagnostics`) run in a child
/// process (an exit test) where nothing else allocates.
@Suite struct MemoryTests {
    @Test func graphIsFreedAfterBackwardAndWhenTheLossIsDropped() {
        let x = Tensor.randn([4, 4], generator: Generator(seed: 1)).requiringGrad()
        weak var hidden: Tensor?
        weak var activation: Tensor?
        weak var weakLoss: Tensor?
        // Builds the graph in its own scope, so only the loss is held here.
        func makeLoss() -> Tensor {
            let h = x * 2
            let a = h.tanh()
            hidden = h; activation = a
            return a.matmul(a).softmax(axis: 1).logSoftmax(axis: 0).sum()
        }
        do {
            let loss = makeLoss()
            weakLoss = loss
            #expect(hidden != nil && activation != nil, "the graph holds its intermediates")
            loss.backward()
            // Backward without retainGraph frees the graph even while the loss is alive.
            withExtendedLifetime(loss) {
                #expect(hidden == nil)
                #expect(activation == nil)
            }
        }
        #expect(weakLoss == nil)
        #expect(x.grad != nil)
    }

    @Test func retainGraphKeepsTheGraphUntilTheLossIsDropped() {
        let x = Tensor([1, 2], requiresGrad: true)
        weak var hidden: Tensor?
        func makeLoss() -> Tensor {
            let h = x.exp()
            hidden = h
            return (h * h).sum()
        }
        do {
            let loss = makeLoss()
            loss.backward(retainGraph: true)
            withExtendedLifetime(loss) { #expect(hidden != nil) }
        }
        #expect(hidden == nil)
    }

    @Test func droppingAnUnusedGraphFreesIt() {
        // Every op family that saves its output or inputs: no closure may capture its own output.
        let x = Tensor.rand([3, 4], generator: Generator(seed: 2)).requiringGrad()
        weak var w1: Tensor?, w2: Tensor?, w3: Tensor?, w4: Tensor?
        do {
            let a = x.exp().sqrt().sigmoid().tanh().relu().rsqrt().reciprocal()
            let b = a.softmax().logSoftmax(axis: 0).pow(x) * x
            let c = Tensor.maximum(b, x).prod(axis: 1).cumsum(axis: 0)
            let d = c.max() + x.norm() + x.max(axis: 1).values.sum() + x.matmul(x.mT).sum()
            w1 = a; w2 = b; w3 = c; w4 = d
        }
        #expect(w1 == nil && w2 == nil && w3 == nil && w4 == nil)
    }

    @Test func createGraphGradientsDoNotLeak() {
        let x = Tensor([0.5, 1.5], dtype: .float64, requiresGrad: true)
        weak var weakGrad: Tensor?
        do {
            let g = grad(of: x.tanh().sum(), wrt: [x], createGraph: true)[0]!
            weakGrad = g
            g.sum().backward()
        }
        #expect(weakGrad == nil)
        #expect(x.grad != nil)
    }

    /// Counts in a fresh process: the live-node and live-tensor counters return to their baseline.
    @Test func liveNodeCounterReturnsToBaseline() async {
        await #expect(processExitsWith: .success) {
            let x = Tensor.randn([8, 8], generator: Generator(seed: 3)).requiringGrad()
            let nodes = Diagnostics.liveNodes, tensors = Diagnostics.liveTensors, bytes = Diagnostics.liveBytes
            for _ in 0..<3 {
                let loss = (x.matmul(x).tanh() * x).softmax(axis: 1).sum()
                guard Diagnostics.liveNodes > nodes else { exit(2) }
                loss.backward()
            }
            x.grad = nil
            guard Diagnostics.liveNodes == nodes else { exit(3) }
            guard Diagnostics.liveTensors == tensors else { exit(4) }
            guard Diagnostics.liveBytes == bytes else { exit(5) }
            // withNoGrad records nothing.
            let y = withNoGrad { (x * x).exp().sum() }
            guard Diagnostics.liveNodes == nodes, y.isLeaf else { exit(6) }
            exit(0)
        }
    }

    /// A 1,000,000-op chain is built, differentiated and released on a thread with a 512 KiB stack
    /// (no recursion anywhere: topological sort, backward or teardown). Also dropped un-differentiated.
    @Test func millionOpChainOnASmallStack() {
        let result = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let n = 1_000_000
            let x = Tensor([1], dtype: .float64, requiresGrad: true)
            var y = x
            for _ in 0..<n { y = y + 1 }
            y.backward()
            let value = y.item()
            y = x                       // release the (already freed) graph
            // A second chain, dropped without backward: teardown must not recurse either.
            var z = x
            for _ in 0..<n { z = z * 1.0 }
            z = x
            result.values.withLock { $0 = [x.grad!.item(), value, z.item()] }
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        let r = result.values.withLock { $0 }
        #expect(r == [1, 1_000_001, 1])
    }

    @Test func gradientAccumulationDoesNotAliasUserTensors() {
        // The engine adds into .grad in place; it must never write into a tensor the user holds.
        let x = Tensor([1, 2], requiresGrad: true)
        let seed = Tensor([1, 1] as [Float])
        (x * 1).backward(gradient: seed)
        (x * 1).backward(gradient: seed)
        (x.reshape([2, 1]) * 1).backward(gradient: seed.reshape([2, 1]))
        #expect(seed.scalars == [1, 1])
        #expect(x.grad!.scalars == [3, 3])
    }
}

/// Results handed back from a worker thread.
final class ResultBox: Sendable {
    let values = Mutex<[Double]>([])
}
