import Foundation
import Testing
import SwiftGrad

/// Results never depend on the thread count. `Runtime.threadCount` is process-wide (and also sets
/// OpenBLAS's threads), so the comparison runs in a child process, inside a serialized suite.
@Suite(.serialized) struct DeterminismTests {
    @Test func reductionsAreIdenticalForOneTwoAndThreeThreads() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            let x = Tensor.randn([1_000_003], generator: Generator(seed: 9))
            let m = Tensor.randn([1500, 1001], dtype: .float64, generator: Generator(seed: 10))
            func results() -> [UInt64] {
                var out: [UInt64] = []
                out.append(UInt64(Float(x.sum().item()).bitPattern))
                out.append(UInt64(Float(x.max().item()).bitPattern))
                out.append(UInt64(Float(x.min().item()).bitPattern))
                out.append(UInt64(x.argmax().item()))
                out.append(UInt64(x.argmin().item()))
                out.append(UInt64(Float(x.mean().item()).bitPattern))
                out += m.sum(axis: 0).doubles.prefix(50).map(\.bitPattern)
                out += m.sum(axis: 1).doubles.prefix(50).map(\.bitPattern)
                out += m.argmax(axis: 1).ints.prefix(50).map { UInt64($0) }
                out += (x * 1.5 + 2).exp().sum(axes: [0]).doubles.map(\.bitPattern)
                out.append(m.softmax(axis: 1).sum().item().bitPattern)
                return out
            }
            exitReportingThreadCountDifferences(positionsDifferingAcrossThreadCounts(results))
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(!text.contains("differences"), "\(text)")
    }

    @Test func runtimeInfoNamesTheBLASCore() {
        let info = Runtime.info()
        #expect(info.contains("OpenBLAS core"))
        #expect(Runtime.threadCount >= 1)
    }
}
