import Foundation
import SwiftGrad

/// Runs `results` with one, two and three threads and returns the positions where the bit patterns
/// differ between the runs (empty when every thread count gave the same bits), restoring the
/// thread count afterwards. `Runtime.threadCount` is process-wide (it also sets OpenBLAS's
/// threads), so call this inside an exit test (a child process) of a serialized suite.
///
///     let diff = positionsDifferingAcrossThreadCounts { x.sum().doubles.map(\.bitPattern) }
func positionsDifferingAcrossThreadCounts(_ results: () -> [UInt64]) -> [Int] {
    let original = Runtime.threadCount
    defer { Runtime.threadCount = original }
    Runtime.threadCount = 1
    let one = results()
    Runtime.threadCount = 2
    let two = results()
    Runtime.threadCount = 3
    let three = results()
    guard one.count == two.count, one.count == three.count else { return [-1] }
    return one.indices.filter { one[$0] != two[$0] || one[$0] != three[$0] }
}

/// Exits the (child) process: 0 when `differences` is empty, otherwise 1 after writing
/// "differences at [...]" to standard error.
func exitReportingThreadCountDifferences(_ differences: [Int]) -> Never {
    if differences.isEmpty { exit(0) }
    FileHandle.standardError.write("differences at \(differences.prefix(10))\n".data(using: .utf8)!)
    exit(1)
}
