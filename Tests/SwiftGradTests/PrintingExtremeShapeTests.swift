import Foundation
import Synchronization
import Testing
import SwiftGrad

/// Printing is instant and non-recursive for any shape: empty tensors with huge other axes print
/// without walking them, and rank 100,000 prints on a thread with a 512 KiB stack.
@Suite struct PrintingExtremeShapeTests {
    final class TextBox: Sendable {
        let texts = Mutex<[String]>([])
    }

    @Test func emptyTensorsWithHugeAxesPrintAtOnce() {
        #expect(Tensor.zeros([0, 1_000_000_000]).description == "tensor([], size: [0, 1000000000])")
        #expect(Tensor.zeros([1_000_000_000, 0]).description == "tensor([], size: [1000000000, 0])")
        #expect(Tensor.zeros([1_000_000, 1_000_000, 0], dtype: .int64).description == "tensor([], size: [1000000, 1000000, 0], dtype: int64)")
        #expect(Tensor.zeros([0]).description == "tensor([])")
        #expect(Tensor.zeros([0], dtype: .int64).description == "tensor([], dtype: int64)")
        #expect(Tensor.zeros([3, 0]).description == "tensor([], size: [3, 0])")
    }

    /// Rank 100,000 on a 512 KiB stack: a recursion per axis would overflow it (and a quadratic walk
    /// over the axes would take minutes).
    @Test func rank100000PrintsOnASmallStack() {
        let box = TextBox()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let rank = 100_000
            let one = Tensor.ones(Array(repeating: 1, count: rank))
            let empty = Tensor.zeros(Array(repeating: 1, count: rank - 1) + [0])
            // Summarised (2,000 elements > threshold) with a long tail of size-1 axes.
            let wide = Tensor.arange(0, 2_000, dtype: .float64).reshape([2_000] + Array(repeating: 1, count: 1_000))
            box.texts.withLock { $0 = [one.description, empty.description, wide.description] }
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        let texts = box.texts.withLock { $0 }
        #expect(texts.count == 3)
        guard texts.count == 3 else { return }
        let rank = 100_000
        #expect(texts[0] == "tensor(" + String(repeating: "[", count: rank) + "1." + String(repeating: "]", count: rank) + ")")
        #expect(texts[1].hasPrefix("tensor([], size: [1, 1, "))
        let bracketOpen = String(repeating: "[", count: 1_001)
        // 0 ... 1999 spans more than 1000×: scientific notation, as PyTorch.
        #expect(texts[2].hasPrefix("tensor(" + bracketOpen + "0.0000e+00]"), "\(texts[2].prefix(1_100).suffix(80))")
        #expect(texts[2].contains("..."))
        #expect(texts[2].contains("[1.9990e+03]"))
        #expect(texts[2].hasSuffix(String(repeating: "]", count: 1_001) + ", dtype: float64)"))
    }
}
