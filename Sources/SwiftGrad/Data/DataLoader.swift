import Dispatch
import Foundation
import Synchronization

/// Batches a dataset, like `torch.utils.data.DataLoader`: `batchSize` samples at a time, in order or
/// shuffled by a seedable generator (a fresh permutation each time iteration starts, i.e. each
/// epoch), the last short batch kept or dropped, samples combined by a collate step (by default
/// `Tensor.stack` along a new first axis). It is a Swift `Sequence`, so `for (x, y) in loader`.
///
///     let loader = DataLoader(TensorDataset(x, y), batchSize: 32, shuffle: true, generator: Generator(seed: 0))
///     for (inputs, targets) in loader { ... }
///
/// With `prefetch: n > 0` a background thread prepares up to `n` batches ahead while the loop
/// trains (at most `n` extra batches in memory). The order of batches is the same with or without
/// prefetch. While a prefetching iteration is running the dataset must not be modified.
///
/// The type names the dataset and the batch, so a function that takes a loader spells both, or is
/// generic over the dataset:
///
///     func train(_ loader: DataLoader<TensorDataset, (Tensor, Tensor)>) { ... }
///     func train<D: Dataset>(_ loader: DataLoader<D, (Tensor, Tensor)>) { ... }
public struct DataLoader<D: Dataset, Batch>: Sequence {
    /// The dataset being batched.
    public let dataset: D
    /// Samples per batch.
    public let batchSize: Int
    /// Whether each iteration visits the samples in a new random order.
    public let shuffle: Bool
    /// Whether a last batch shorter than `batchSize` is skipped.
    public let dropLast: Bool
    /// The generator that shuffles (one permutation drawn per iteration).
    public let generator: Generator
    /// How many batches a background thread prepares ahead (0: none, everything on the caller's thread).
    public let prefetch: Int
    /// The order of positions each pass (nil: in order, or a permutation when `shuffle`).
    public let sampler: (any Sampler)?
    /// Batches of positions each pass, replacing `batchSize`, `shuffle`, `sampler` and `dropLast`.
    public let batchSampler: BatchSampler?
    let fetch: ([Int]) -> Batch

    /// A loader with a custom collate step that turns a list of samples into a batch.
    ///
    ///     let loader = DataLoader(words, batchSize: 64) { samples in Tensor.stack(samples.map(\.ids)) }
    ///     for batch in loader { ... }
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
                generator: Generator = .default, prefetch: Int = 0, sampler: (any Sampler)? = nil,
                batchSampler: BatchSampler? = nil, collate: @escaping ([D.Sample]) -> Batch) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, generator: generator,
                  prefetch: prefetch, sampler: sampler, batchSampler: batchSampler,
                  fetch: { indices in collate(indices.map { dataset[$0] }) })
    }

    init(_ dataset: D, batchSize: Int, shuffle: Bool, dropLast: Bool, generator: Generator, prefetch: Int,
         sampler: (any Sampler)?, batchSampler: BatchSampler?, fetch: @escaping ([Int]) -> Batch) {
        check(batchSize >= 1, "DataLoader: batchSize must be at least 1, got \(batchSize)")
        check(prefetch >= 0, "DataLoader: prefetch must be non-negative, got \(prefetch)")
        check(sampler == nil || !shuffle, "DataLoader: sampler is mutually exclusive with shuffle (the sampler sets the order)")
        check(batchSampler == nil || (batchSize == 1 && !shuffle && sampler == nil && !dropLast),
              "DataLoader: batchSampler is mutually exclusive with batchSize, shuffle, sampler and dropLast")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.generator = generator
        self.prefetch = prefetch
        self.sampler = sampler
        self.batchSampler = batchSampler
        self.fetch = fetch
    }

    /// The number of batches per pass (PyTorch's `len(loader)`).
    public var count: Int {
        if let batchSampler { return batchSampler.count }
        let n = sampler?.count ?? dataset.count
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    public var underestimatedCount: Int { count }

    /// Starts a pass: draws the order (a new permutation when shuffling) and, with prefetch, starts the
    /// background thread.
    public func makeIterator() -> Iterator {
        let batches: [[Int]]
        if let batchSampler {
            batches = batchSampler.batches()
        } else {
            let order = sampler?.indices()
                ?? (shuffle ? randomPermutation(dataset.count, generator: generator) : Array(0..<dataset.count))
            batches = stride(from: 0, to: count * batchSize, by: batchSize).map {
                Array(order[$0 ..< Swift.min($0 + batchSize, order.count)])
            }
        }
        let n = dataset.count
        for batch in batches {
            for i in batch {
                check(i >= 0 && i < n, "DataLoader: the sampler yielded position \(i), outside the dataset's 0..<\(n)")
            }
        }
        return Iterator(batches: batches, fetch: fetch, prefetch: prefetch)
    }

    /// One pass over the batches.
    public struct Iterator: IteratorProtocol {
        let batches: [[Int]]
        let fetch: ([Int]) -> Batch
        var position = 0
        let prefetcher: Prefetcher<Batch>?

        init(batches: [[Int]], fetch: @escaping ([Int]) -> Batch, prefetch: Int) {
            self.batches = batches
            self.fetch = fetch
            prefetcher = prefetch > 0 && !batches.isEmpty ? Prefetcher(batches: batches, fetch: fetch, depth: prefetch) : nil
        }

        public mutating func next() -> Batch? {
            guard position < batches.count else { return nil }
            defer { position += 1 }
            if let prefetcher { return prefetcher.take() }
            return fetch(batches[position])
        }
    }
}

/// Hands a value from one thread to another. Safe only as used by `Prefetcher`: the worker thread is
/// the only one that calls `fetch` during a pass, and it never touches a batch again once queued, so
/// each value is owned by exactly one thread at a time (the `sending` discipline, which the compiler
/// cannot see through a background thread).
struct Handoff<T>: @unchecked Sendable {
    let value: T
}

/// The background side of a prefetching pass: a worker thread fills a queue of at most `depth`
/// batches; `slots` counts free places, `ready` counts queued batches.
final class Prefetcher<Batch> {
    /// `queue` is only touched under `lock`. An NSLock (a pthread mutex) rather than `Mutex`: the
    /// Synchronization module's futex-based lock is invisible to ThreadSanitizer, which then reports
    /// the queue's guarded accesses as races.
    final class Channel: @unchecked Sendable {
        private let lock = NSLock()
        private var queue: [Handoff<Batch>] = []
        let cancelled = Atomic<Bool>(false)
        let slots = DispatchSemaphore(value: 0)
        let ready = DispatchSemaphore(value: 0)
        // Both start at 0 and `slots` is raised by signals: libdispatch traps when a semaphore is freed
        // with a value below its initial one, which a cancelled pass would otherwise do.
        init(depth: Int) { for _ in 0..<depth { slots.signal() } }

        func push(_ batch: Handoff<Batch>) {
            lock.lock(); defer { lock.unlock() }
            queue.append(batch)
        }

        func pop() -> Handoff<Batch> {
            lock.lock(); defer { lock.unlock() }
            return queue.removeFirst()
        }
    }

    let channel: Channel

    init(batches: [[Int]], fetch: @escaping ([Int]) -> Batch, depth: Int) {
        let channel = Channel(depth: depth)
        self.channel = channel
        let work = Handoff(value: fetch)
        let thread = Thread {
            for indices in batches {
                channel.slots.wait()
                if channel.cancelled.load(ordering: .acquiring) { return }
                // Data preparation never records a graph.
                let batch = withNoGrad { work.value(indices) }
                channel.push(Handoff(value: batch))
                channel.ready.signal()
            }
        }
        thread.name = "SwiftGrad.DataLoader.prefetch"
        thread.start()
    }

    /// The next batch, waiting for the worker if it is not ready yet.
    func take() -> Batch {
        channel.ready.wait()
        let batch = channel.pop()
        channel.slots.signal()
        return batch.value
    }

    /// Stops the worker when the loop ends early (a `break`): it wakes, sees the flag and exits.
    deinit {
        channel.cancelled.store(true, ordering: .releasing)
        channel.slots.signal()
    }
}

// MARK: - Default collate: stacking

extension DataLoader where D.Sample == (Tensor, Tensor), Batch == (Tensor, Tensor) {
    /// A loader of `(input, target)` pairs; each batch stacks the inputs and the targets along a new
    /// first axis (0-D int64 labels become a `[batchSize]` int64 tensor), as PyTorch's default collate.
    ///
    ///     let loader = DataLoader(try Digits.load(train: true), batchSize: 64, shuffle: true)
    ///     for (images, labels) in loader { print(images.shape, labels.shape) }   // [64, 1, 8, 8] [64]
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
                generator: Generator = .default, prefetch: Int = 0, sampler: (any Sampler)? = nil,
                batchSampler: BatchSampler? = nil) {
        let fetch: ([Int]) -> (Tensor, Tensor)
        if let rows = dataset as? any RowBatching {
            // Tensor-backed datasets copy the rows straight into the batch, without per-sample tensors.
            fetch = { rows.batch($0) }
        } else {
            fetch = { indices in
                let samples = indices.map { dataset[$0] }
                return (Tensor.stack(samples.map(\.0)), Tensor.stack(samples.map(\.1)))
            }
        }
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, generator: generator,
                  prefetch: prefetch, sampler: sampler, batchSampler: batchSampler, fetch: fetch)
    }
}

extension DataLoader where D.Sample == (Tensor, Tensor, Tensor), Batch == (Tensor, Tensor, Tensor) {
    /// A loader of samples that are three tensors (an input, a target and a mask or weight, say);
    /// each batch stacks each of the three along a new first axis, as PyTorch's default collate of tuples.
    ///
    ///     let loader = DataLoader(records, batchSize: 8)
    ///     for (ids, labels, mask) in loader { print(ids.shape, labels.shape, mask.shape) }
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
                generator: Generator = .default, prefetch: Int = 0, sampler: (any Sampler)? = nil,
                batchSampler: BatchSampler? = nil) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, generator: generator,
                  prefetch: prefetch, sampler: sampler, batchSampler: batchSampler, fetch: { indices in
                      let samples = indices.map { dataset[$0] }
                      return (Tensor.stack(samples.map(\.0)), Tensor.stack(samples.map(\.1)), Tensor.stack(samples.map(\.2)))
                  })
    }
}

extension DataLoader where D.Sample == Tensor, Batch == Tensor {
    /// A loader of single tensors (no labels); each batch stacks them along a new first axis.
    ///
    ///     let loader = DataLoader(unlabelled, batchSize: 16)
    ///     for x in loader { print(x.shape) }
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
                generator: Generator = .default, prefetch: Int = 0, sampler: (any Sampler)? = nil,
                batchSampler: BatchSampler? = nil) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, generator: generator,
                  prefetch: prefetch, sampler: sampler, batchSampler: batchSampler, fetch: { indices in Tensor.stack(indices.map { dataset[$0] }) })
    }
}

extension DataLoader where D.Sample == [Tensor], Batch == [Tensor] {
    /// A loader of samples made of several tensors; batch element `k` stacks every sample's tensor `k`.
    ///
    ///     let loader = DataLoader(triples, batchSize: 8)
    ///     for parts in loader { print(parts.map(\.shape)) }
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
                generator: Generator = .default, prefetch: Int = 0, sampler: (any Sampler)? = nil,
                batchSampler: BatchSampler? = nil) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, generator: generator,
                  prefetch: prefetch, sampler: sampler, batchSampler: batchSampler, fetch: { indices in
                      // Tensor-backed datasets copy rows straight into the batch.
                      if let tensors = dataset as? MultiTensorDataset { return tensors.tensors.map { $0.rows(indices) } }
                      let samples = indices.map { dataset[$0] }
                      return (0 ..< (samples.first?.count ?? 0)).map { k in Tensor.stack(samples.map { $0[k] }) }
                  })
    }
}

extension DataLoader where D.Sample == [String: Tensor], Batch == [String: Tensor] {
    /// A loader of samples that are dictionaries of tensors (PyTorch's default collate of dicts):
    /// each batch stacks every key's tensors along a new first axis. Every sample must have the same keys.
    ///
    ///     let loader = DataLoader(records, batchSize: 8)
    ///     for batch in loader { print(batch["input_ids"]!.shape) }
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
                generator: Generator = .default, prefetch: Int = 0, sampler: (any Sampler)? = nil,
                batchSampler: BatchSampler? = nil) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, generator: generator,
                  prefetch: prefetch, sampler: sampler, batchSampler: batchSampler, fetch: { indices in
                      let samples = indices.map { dataset[$0] }
                      guard let keys = samples.first?.keys.sorted() else { return [:] }
                      for sample in samples {
                          check(sample.keys.sorted() == keys,
                                "DataLoader: samples with different keys cannot be collated: \(keys) and \(sample.keys.sorted())")
                      }
                      return Dictionary(uniqueKeysWithValues: keys.map { k in (k, Tensor.stack(samples.map { $0[k]! })) })
                  })
    }
}

/// Datasets backed by one input tensor and one target tensor, which batch by copying rows.
protocol RowBatching {
    func batch(_ indices: [Int]) -> (Tensor, Tensor)
}

extension TensorDataset: RowBatching {
    func batch(_ indices: [Int]) -> (Tensor, Tensor) { (inputs.rows(indices), targets.rows(indices)) }
}

extension Subset: RowBatching where Base: RowBatching {
    func batch(_ indices: [Int]) -> (Tensor, Tensor) { base.batch(indices.map { self.indices[$0] }) }
}
