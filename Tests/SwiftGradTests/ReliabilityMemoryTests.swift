import Foundation
import Testing
import SwiftGrad

/// Long training runs do not leak: after every step of a small digit CNN the live counters are back
/// at their baseline, and a 10,000-step recurrent unroll differentiates and frees on a 512 KiB stack.
/// Counters are process-wide, so each check runs in a child process (an exit test).
@Suite struct ReliabilityMemoryTests {
    /// conv2d → relu → maxPool2d → Linear on the bundled 8×8 digits, SGD with momentum. The baseline
    /// is taken after the first step (momentum buffers are created there); every later step must
    /// end with exactly as many tensors, nodes and bytes alive, and no graph node left.
    @Test func digitCNNCountersReturnToBaselineAfterEveryStep() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            func fail(_ message: String) -> Never {
                FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
                exit(1)
            }
            let data = try! Digits.load(train: true)
            let g = Generator(seed: 4)
            let kernels = (Tensor.randn([6, 1, 3, 3], generator: g) * 0.3).requiringGrad()
            let fc = Linear(6 * 3 * 3, 10, generator: g)
            let params = [kernels] + fc.parameters()
            let opt = SGD(params, lr: 0.05, momentum: 0.9)
            let batches = (0..<8).map { b in
                (data.images[(b * 32)..<(b * 32 + 32)], data.labels[(b * 32)..<(b * 32 + 32)])
            }
            func step(_ x: Tensor, _ y: Tensor) -> Double {
                let h = maxPool2d(conv2d(x, weight: kernels).relu(), kernelSize: 2)   // [32, 6, 3, 3]
                let loss = crossEntropy(logits: fc(h.flatten(startAxis: 1)), targets: y)
                opt.zeroGrad()
                loss.backward()
                opt.step()
                return loss.item()
            }
            let nodesBefore = Diagnostics.liveNodes
            var first = step(batches[0].0, batches[0].1)
            let tensors = Diagnostics.liveTensors, nodes = Diagnostics.liveNodes, bytes = Diagnostics.liveBytes
            guard nodes == nodesBefore else { fail("after step 1: \(nodes) nodes alive, \(nodesBefore) before") }
            var last = first
            for s in 1..<200 {
                let (x, y) = batches[s % batches.count]
                last = step(x, y)
                let t = Diagnostics.liveTensors, n = Diagnostics.liveNodes, b = Diagnostics.liveBytes
                guard t == tensors, n == nodes, b == bytes else {
                    fail("after step \(s + 1): tensors \(t) (baseline \(tensors)), nodes \(n) (\(nodes)), bytes \(b) (\(bytes))")
                }
            }
            // The run really trained (so the loop did the work it claims).
            guard last < first * 0.7 else { fail("loss went from \(first) to \(last)") }
            first = 0   // returning (not exit(0)) ends the child: exit(0) adds bytes to its stderr
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.isEmpty, "\(text)")
    }

    /// A 10,000-step Elman RNN (hand-written cell) and an LSTM module over 10,000 time steps are
    /// built, differentiated and freed on a thread with a 512 KiB stack; afterwards no graph node is
    /// alive and no tensor is left over.
    @Test func tenThousandStepRecurrentUnrollOnASmallStack() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            let failure = ResultBox()
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                func fail(_ m: String) { failure.values.withLock { $0 = [1] }; FileHandle.standardError.write((m + "\n").data(using: .utf8)!) }
                let steps = 10_000
                let g = Generator(seed: 5)
                let wx = (Tensor.randn([3, 4], dtype: .float64, generator: g) * 0.5).requiringGrad()
                let wh = (Tensor.randn([4, 4], dtype: .float64, generator: g) * 0.5).requiringGrad()
                let b = Tensor.zeros([4], dtype: .float64).requiringGrad()
                let xs = Tensor.randn([steps, 2, 3], dtype: .float64, generator: g)
                let nodes = Diagnostics.liveNodes, tensors = Diagnostics.liveTensors
                do {
                    var h = Tensor.zeros([2, 4], dtype: .float64)
                    var total = Tensor.zeros([], dtype: .float64)
                    for t in 0..<steps {
                        h = (xs[t].matmul(wx) + h.matmul(wh) + b).tanh()
                        total = total + h.square().mean()
                    }
                    total.backward()
                    if !(wx.grad!.doubles + wh.grad!.doubles + b.grad!.doubles).allSatisfy(\.isFinite) { fail("RNN gradients are not finite") }
                }
                wx.grad = nil; wh.grad = nil; b.grad = nil
                if Diagnostics.liveNodes != nodes { fail("RNN: \(Diagnostics.liveNodes - nodes) nodes left") }
                if Diagnostics.liveTensors != tensors { fail("RNN: \(Diagnostics.liveTensors - tensors) tensors left") }
                // The library's LSTM over the same length, dropped without backward too.
                let lstm = LSTM(3, 4)
                let seq = Tensor.randn([steps, 1, 3], generator: g)
                do {
                    let (out, _) = lstm(seq, state: nil)
                    out.sum().backward()
                    if !lstm.parameters().allSatisfy({ $0.grad.map { $0.doubles.allSatisfy(\.isFinite) } ?? false }) {
                        fail("LSTM gradients missing or not finite")
                    }
                    let (unused, _) = lstm(seq, state: nil)
                    _ = unused.count
                }
                if Diagnostics.liveNodes != nodes { fail("LSTM: \(Diagnostics.liveNodes - nodes) nodes left") }
                done.signal()
            }
            thread.stackSize = 512 * 1024
            thread.start()
            done.wait()
            if !failure.values.withLock({ $0.isEmpty }) { exit(1) }
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.isEmpty, "\(text)")
    }
}
