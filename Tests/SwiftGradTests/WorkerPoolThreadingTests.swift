import Foundation
import Testing
@testable import SwiftGrad

/// The worker pool behind `parallelRanges` and split matrix products: every chunk runs exactly once,
/// nested and concurrent callers complete (they run serially when the pool is busy), and a
/// worker that slept is woken. Runs under ThreadSanitizer with the other threading suites.
@Suite struct WorkerPoolThreadingTests {
    /// Runs `count` chunks through the pool and returns how often each ran.
    static func hits(_ count: Int, threads: Int) -> [Int] {
        let counters = Locked([Int](repeating: 0, count: count))
        WorkerPool.shared.run(count, threads: threads) { i in counters.withLock { $0[i] += 1 } }
        return counters.withLock { $0 }
    }

    @Test(arguments: [1, 2, 3, 7, 64, 1000])
    func everyChunkRunsExactlyOnce(count: Int) {
        for threads in [1, 2, 3] {
            #expect(Self.hits(count, threads: threads) == Array(repeating: 1, count: count))
        }
    }

    @Test func nestedCallsRunInline() {
        let inner = Locked(0)
        WorkerPool.shared.run(4, threads: 2) { _ in
            WorkerPool.shared.run(5, threads: 2) { _ in inner.withLock { $0 += 1 } }
            // A split product inside a parallel body must not deadlock either.
            let a = Tensor.ones([64, 256]), b = Tensor.ones([256, 128])
            #expect(a.matmul(b).scalars.allSatisfy { $0 == 256 })
        }
        #expect(inner.withLock { $0 } == 20)
    }

    @Test func concurrentCallersAllComplete() async {
        let totals = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var sum = 0
                    for _ in 0..<200 { sum += Self.hits(8, threads: 2).reduce(0, +) }
                    return sum
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(totals == Array(repeating: 1600, count: 4))
    }

    @Test func sleepingWorkersWakeForTheNextJob() {
        _ = Self.hits(16, threads: 2)
        // Longer than the workers' polling time: they are asleep on the condition variable now.
        usleep(UInt32(WorkerPool.shared.spinMicroseconds + 20_000))
        #expect(Self.hits(16, threads: 2) == Array(repeating: 1, count: 16))
    }

    @Test func splitProductsMatchUnsplitOnes() {
        // m·n·k ≥ 2²⁰ is split into row blocks (tall C) or column blocks (wide C); each block must
        // land where the unsplit product puts it, with either operand transposed.
        let g = Generator(seed: 41)
        for (m, k, n) in [(200, 96, 72), (40, 96, 300)] {
            let a = Tensor.randn([m, k], dtype: .float64, generator: g), b = Tensor.randn([k, n], dtype: .float64, generator: g)
            let expected = a.matmul(b).doubles   // possibly split; compared against a serial reference below
            var reference = [Double](repeating: 0, count: m * n)
            let ad = a.doubles, bd = b.doubles
            for i in 0..<m { for p in 0..<k { let v = ad[i * k + p]; for j in 0..<n { reference[i * n + j] += v * bd[p * n + j] } } }
            #expect(zip(expected, reference).allSatisfy { Swift.abs($0 - $1) <= 1e-10 * Swift.max(1, Swift.abs($1)) })
            let viaTransposes = a.mT.contiguous().mT.matmul(b.mT.contiguous().mT).doubles
            #expect(zip(viaTransposes, reference).allSatisfy { Swift.abs($0 - $1) <= 1e-10 * Swift.max(1, Swift.abs($1)) })
            let lin = linear(a, weight: b.mT, bias: Tensor.zeros([n], dtype: .float64)).doubles
            #expect(zip(lin, reference).allSatisfy { Swift.abs($0 - $1) <= 1e-10 * Swift.max(1, Swift.abs($1)) })
            // The gradients are products with a transposed operand: d/da = 1·bᵀ (row sums of b),
            // d/db = aᵀ·1 (column sums of a).
            let (ga, gb) = (a.requiringGrad(), b.requiringGrad())
            let grads = grad(of: ga.matmul(gb).sum(), wrt: [ga, gb])
            let rowSumsB = (0..<k).map { p in (0..<n).reduce(0.0) { $0 + bd[p * n + $1] } }
            let colSumsA = (0..<k).map { p in (0..<m).reduce(0.0) { $0 + ad[$1 * k + p] } }
            let da = grads[0]!.doubles, db = grads[1]!.doubles
            #expect((0..<m * k).allSatisfy { Swift.abs(da[$0] - rowSumsB[$0 % k]) <= 1e-9 })
            #expect((0..<k * n).allSatisfy { Swift.abs(db[$0] - colSumsA[$0 / n]) <= 1e-9 })
        }
    }
}
