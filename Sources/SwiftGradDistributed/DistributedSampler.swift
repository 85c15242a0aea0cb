// DistributedSampler: which sample indices each rank visits in one epoch (PyTorch's
// torch.utils.data.distributed.DistributedSampler).

import SwiftGrad

/// Splits `count` samples into `worldSize` disjoint shards of equal length, one per rank. Each epoch
/// the indices are shuffled with a generator seeded by `seed + epoch`, the same on every rank, then
/// rank `r` takes positions `r, r + worldSize, r + 2 worldSize, ...`. When `count` does not divide
/// evenly, the last incomplete round is either padded with the first indices again (`dropLast:
/// false`, so a few samples are seen twice per epoch) or dropped (`dropLast: true`), as in PyTorch.
/// Call `setEpoch(_:)` at the start of each epoch, or every epoch sees the same order.
///
///     var sampler = DistributedSampler(count: dataset.count, group: group, seed: 42)
///     sampler.setEpoch(epoch); let mine = Subset(dataset, indices: sampler.indices())
public struct DistributedSampler: Sequence, Sendable {
    /// Total number of samples in the dataset.
    public let count: Int
    /// This process's shard index.
    public let rank: Int
    /// The number of shards.
    public let worldSize: Int
    /// Whether each epoch visits the samples in a new shared random order.
    public let shuffle: Bool
    /// The seed shared by all ranks; epoch `e` shuffles with `seed + e`.
    public let seed: UInt64
    /// Whether the last incomplete round of samples is dropped instead of padded.
    public let dropLast: Bool
    /// The current epoch (set by `setEpoch`).
    public private(set) var epoch = 0

    /// A sampler for shard `rank` of `worldSize`.
    ///
    ///     let sampler = DistributedSampler(count: 10, rank: 1, worldSize: 3, shuffle: false)
    ///     print(sampler.indices())                  // [1, 4, 7, 0]
    public init(count: Int, rank: Int, worldSize: Int, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false) {
        check(count >= 0, "DistributedSampler: count must be non-negative, got \(count)")
        check(worldSize >= 1 && rank >= 0 && rank < worldSize,
                     "DistributedSampler: rank \(rank) is not in 0..<\(worldSize)")
        self.count = count
        self.rank = rank
        self.worldSize = worldSize
        self.shuffle = shuffle
        self.seed = seed
        self.dropLast = dropLast
    }

    /// A sampler for this process's shard of `group`.
    ///
    ///     var sampler = DistributedSampler(count: 60_000, group: .world(), seed: 7)
    ///     sampler.setEpoch(1)
    public init(count: Int, group: ProcessGroup, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false) {
        self.init(count: count, rank: group.rank, worldSize: group.worldSize, shuffle: shuffle, seed: seed, dropLast: dropLast)
    }

    /// Chooses the epoch, and so the shuffled order (the same on every rank for the same epoch).
    ///
    ///     for epoch in 0..<10 { sampler.setEpoch(epoch); train(sampler.indices()) }
    public mutating func setEpoch(_ epoch: Int) { self.epoch = epoch }

    /// Samples per rank and epoch: `ceil(count / worldSize)`, or `floor` with `dropLast`.
    ///
    ///     let steps = sampler.samplesPerRank / batchSize
    public var samplesPerRank: Int {
        dropLast ? count / worldSize : (count + worldSize - 1) / worldSize
    }

    /// This rank's indices for the current epoch, in visiting order.
    ///
    ///     let batch = sampler.indices().prefix(32)
    ///     let x = images[Array(batch)]
    public func indices() -> [Int] {
        var order = Array(0..<count)
        if shuffle {
            // Fisher-Yates with the shared per-epoch generator: identical on every rank.
            let generator = SwiftGrad.Generator(seed: seed &+ UInt64(epoch))
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, generator.nextInt(in: 0..<(i + 1)))
            }
        }
        let total = samplesPerRank * worldSize
        if total > order.count, !order.isEmpty {
            // Pad by repeating the order from its start (several times if the dataset is tiny).
            let base = order
            while order.count < total { order += base.prefix(total - order.count) }
        } else {
            order = Array(order.prefix(total))
        }
        return stride(from: rank, to: order.count, by: worldSize).map { order[$0] }
    }

    /// Iterates this rank's indices for the current epoch.
    ///
    ///     for i in sampler { use(dataset[i]) }
    public func makeIterator() -> IndexingIterator<[Int]> { indices().makeIterator() }
}
