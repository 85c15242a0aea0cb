import Foundation
import Synchronization
import Testing
import SwiftGrad

/// Independent models on independent threads: the same bits as training them one after another.
/// These are the tests `.ci/sanitizers.sh` runs under ThreadSanitizer (`--filter ThreadingTests`).
@Suite struct ThreadingTests {
    /// Trains a small conv + MLP model from `seed` and returns its final parameters' bit patterns.
    /// Sizes are above the kernels' parallel threshold (32K elements), so SwiftGrad's own worker
    /// threads and BLAS both run inside each training thread.
    static func train(seed: UInt64, steps: Int = 6) -> [UInt64] {
        let g = Generator(seed: seed)
        let kernels = (Tensor.randn([8, 1, 3, 3], generator: g) * 0.3).requiringGrad()
        let head = Sequential(Linear(8 * 7 * 7, 32, generator: g), Tanh(), Linear(32, 4, generator: g))
        let params = [kernels] + head.parameters()
        let opt = Adam(params, lr: 0.01)
        let x = Tensor.randn([48, 1, 16, 16], generator: g)
        let y = Tensor.randint(0, 4, [48], generator: g)
        for _ in 0..<steps {
            // A few ops record in no-grad mode on purpose: grad mode is per thread.
            let scale = withNoGrad { x.abs().mean() + 1 }
            let h = maxPool2d(conv2d(x / scale, weight: kernels, padding: 1).relu(), kernelSize: 2)   // [48, 8, 8, 8]
            let logits = head(h[.all, .all, 0..<7, 0..<7].flatten(startAxis: 1))
            let loss = crossEntropy(logits: logits, targets: y) + kernels.square().sum() * 1e-3
            opt.zeroGrad()
            loss.backward()
            opt.step()
        }
        return params.flatMap { p in p.doubles.map(\.bitPattern) }
    }

    @Test func fourModelsOnFourThreadsMatchSequentialTraining() {
        let seeds: [UInt64] = [11, 12, 13, 14]
        let sequential = seeds.map { Self.train(seed: $0) }
        let results = Mutex<[UInt64: [UInt64]]>([:])
        let group = DispatchGroup()
        for seed in seeds {
            group.enter()
            let t = Thread {
                let r = Self.train(seed: seed)
                results.withLock { $0[seed] = r }
                group.leave()
            }
            t.start()
        }
        group.wait()
        let parallel = results.withLock { d in seeds.map { d[$0] ?? [] } }
        for (i, seed) in seeds.enumerated() {
            let same = parallel[i] == sequential[i]
            #expect(same, "seed \(seed): parallel training differs from sequential")
        }
        #expect(sequential[0] != sequential[1])
    }

    /// The SIMD float32 exp/sigmoid/tanh give each element the same bits however the parallel
    /// kernels split the range (the split follows the thread count). Thread count is process-wide,
    /// so this runs in a child process.
    @Test func activationsDoNotDependOnTheThreadCount() async {
        await #expect(processExitsWith: .success) {
            let x = Tensor.randn([100_003], generator: Generator(seed: 5)) * 4
            x[17] = Tensor(100.0)        // out-of-range lanes take the libm path
            x[50_001] = Tensor(Double.nan)
            func run() -> [[UInt32]] {
                [x.exp(), x.sigmoid(), x.tanh(), x.softmax(axis: 0)].map { $0.scalars.map(\.bitPattern) }
            }
            Runtime.threadCount = 1
            let one = run()
            Runtime.threadCount = 2
            let two = run()
            Runtime.threadCount = 3
            let three = run()
            if one != two || one != three { exit(1) }
        }
    }

    @Test func concurrentTasksTrainIndependently() async {
        let expected = Self.train(seed: 21, steps: 3)
        let results = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<4 { group.addTask { Self.train(seed: 21, steps: 3) } }
            var all: [[UInt64]] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 4)
        let same = results.allSatisfy { $0 == expected }
        #expect(same)
    }

    /// A generator shared by threads is locked: every draw is whole, and the draws of all threads
    /// together are exactly the sequence one thread would have drawn (in some interleaving).
    @Test func sharedGeneratorHandsOutEachDrawOnce() {
        let shared = Generator(seed: 31)
        let draws = Mutex<[[Double]]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            var mine: [[Double]] = []
            for _ in 0..<50 { mine.append(Tensor.rand([16], dtype: .float64, generator: shared).doubles) }
            draws.withLock { $0 += mine }
        }
        let reference = Generator(seed: 31)
        let expected = (0..<200).map { _ in Tensor.rand([16], dtype: .float64, generator: reference).doubles }
        let got = draws.withLock { $0 }
        #expect(Set(got.map { $0.map(\.bitPattern) }) == Set(expected.map { $0.map(\.bitPattern) }))
    }

    /// Grad mode and anomaly mode are per thread: one thread inside `withNoGrad` and
    /// `withAnomalyDetection` does not change what another thread records or reports.
    @Test func gradAndAnomalyModesArePerThread() {
        let inside = DispatchSemaphore(value: 0), checked = DispatchSemaphore(value: 0)
        let other = Thread {
            withNoGrad {
                _ = try? withAnomalyDetection {
                    inside.signal()
                    checked.wait()
                }
            }
        }
        other.start()
        inside.wait()
        let x = Tensor([4], requiresGrad: true)
        let y = (x - 5).sqrt()          // NaN, but anomaly mode is off on this thread
        #expect(GradMode.isEnabled)
        #expect(y.opName == "sqrt")
        checked.signal()
    }

    /// The prefetching DataLoader hands batches from its worker thread to the training thread.
    @Test func prefetchingLoaderMatchesThePlainOne() {
        let g = Generator(seed: 41)
        let ds = TensorDataset(Tensor.randn([300, 5], generator: g), Tensor.randint(0, 3, [300], generator: g))
        func batches(prefetch: Int) -> [[Float]] {
            let loader = DataLoader(ds, batchSize: 32, shuffle: true, generator: Generator(seed: 42), prefetch: prefetch)
            return loader.map { $0.0.scalars }
        }
        #expect(batches(prefetch: 3) == batches(prefetch: 0))
    }
}
