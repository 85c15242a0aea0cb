// Samplers: the order in which a DataLoader visits a dataset, as torch.utils.data's samplers. Each
// pass (`indices()`) draws a fresh order from its generator, so successive epochs differ and a seeded
// generator makes every run the same.

/// Chooses the dataset positions of one pass, like `torch.utils.data.Sampler`.
///
///     let loader = DataLoader(dataset, batchSize: 32, sampler: RandomSampler(count: dataset.count))
///     for (x, y) in loader { ... }
public protocol Sampler {
    /// The number of positions one pass yields (PyTorch's `len(sampler)`).
    var count: Int { get }
    /// The positions of one pass, in order (each call is a new pass: random samplers draw anew).
    func indices() -> [Int]
}

/// Positions 0, 1, ..., count - 1 in order (PyTorch's `SequentialSampler`).
///
///     print(SequentialSampler(count: 3).indices())   // [0, 1, 2]
public struct SequentialSampler: Sampler {
    public let count: Int
    /// A sampler over `count` positions (at least 0).
    public init(count: Int) {
        check(count >= 0, "SequentialSampler: count must be non-negative, got \(count)")
        self.count = count
    }
    public func indices() -> [Int] { Array(0..<count) }
}

/// Random positions in `0 ..< datasetCount` (PyTorch's `RandomSampler`): a permutation without
/// replacement (several concatenated when `numSamples` exceeds the dataset, as PyTorch), or
/// `numSamples` independent uniform draws with replacement.
///
///     let sampler = RandomSampler(count: 100, replacement: true, numSamples: 500, generator: Generator(seed: 0))
///     print(sampler.indices().count)   // 500
public struct RandomSampler: Sampler {
    /// The dataset's size.
    public let datasetCount: Int
    /// Whether positions are drawn independently (and may repeat).
    public let replacement: Bool
    public let count: Int
    public let generator: Generator

    /// `numSamples` defaults to the dataset's size.
    public init(count datasetCount: Int, replacement: Bool = false, numSamples: Int? = nil, generator: Generator = .default) {
        check(datasetCount >= 0, "RandomSampler: count must be non-negative, got \(datasetCount)")
        check(numSamples.map { $0 > 0 } ?? true, "RandomSampler: numSamples must be positive, got \(numSamples ?? 0)")
        check(datasetCount > 0 || (numSamples ?? 0) == 0, "RandomSampler: cannot draw \(numSamples ?? 0) samples from an empty dataset")
        self.datasetCount = datasetCount
        self.replacement = replacement
        self.count = numSamples ?? datasetCount
        self.generator = generator
    }

    public func indices() -> [Int] {
        if replacement {
            return generator.withState { state in (0..<count).map { _ in Int(state.below(UInt64(datasetCount))) } }
        }
        var out: [Int] = []
        out.reserveCapacity(count)
        while out.count < count {
            out += randomPermutation(datasetCount, generator: generator).prefix(count - out.count)
        }
        return out
    }
}

/// The given positions in a random order each pass, without replacement (PyTorch's
/// `SubsetRandomSampler`): e.g. a validation split of one dataset.
///
///     let train = SubsetRandomSampler(indices: Array(0..<800), generator: Generator(seed: 1))
///     let loader = DataLoader(dataset, batchSize: 32, sampler: train)
public struct SubsetRandomSampler: Sampler {
    /// The positions sampled from.
    public let subset: [Int]
    public let generator: Generator
    public var count: Int { subset.count }

    public init(indices: [Int], generator: Generator = .default) {
        check(indices.allSatisfy { $0 >= 0 }, "SubsetRandomSampler: indices must be non-negative")
        subset = indices
        self.generator = generator
    }

    public func indices() -> [Int] { randomPermutation(subset.count, generator: generator).map { subset[$0] } }
}

/// Positions drawn with probability proportional to `weights` (PyTorch's `WeightedRandomSampler`),
/// with replacement (default) or without (then at most as many draws as non-zero weights); e.g. to
/// balance classes.
///
///     let weights = labels.map { 1 / classFrequency[$0] }
///     let sampler = WeightedRandomSampler(weights: weights, numSamples: labels.count)
public struct WeightedRandomSampler: Sampler {
    public let weights: [Double]
    public let count: Int
    public let replacement: Bool
    public let generator: Generator

    public init(weights: [Double], numSamples: Int, replacement: Bool = true, generator: Generator = .default) {
        check(numSamples > 0, "WeightedRandomSampler: numSamples must be positive, got \(numSamples)")
        check(!weights.isEmpty && weights.allSatisfy { $0 >= 0 && $0.isFinite } && weights.contains { $0 > 0 },
              "WeightedRandomSampler: weights (\(weights.count) of them) must be finite, non-negative and not all zero")
        check(replacement || numSamples <= weights.filter { $0 > 0 }.count,
              "WeightedRandomSampler: cannot draw \(numSamples) samples without replacement from \(weights.filter { $0 > 0 }.count) non-zero weights")
        self.weights = weights
        self.count = numSamples
        self.replacement = replacement
        self.generator = generator
    }

    public func indices() -> [Int] {
        var w = weights
        var out: [Int] = []
        out.reserveCapacity(count)
        generator.withState { state in
            // Inverse-CDF draws (the first cumulative sum above u, so a zero weight is never chosen);
            // without replacement each drawn weight is zeroed and the CDF rebuilt.
            var cdf = prefixSums(w)
            for _ in 0..<count {
                let u = state.uniform() * cdf.last!
                var lo = 0, hi = cdf.count - 1
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if cdf[mid] > u { hi = mid } else { lo = mid + 1 }
                }
                out.append(lo)
                if !replacement {
                    w[lo] = 0
                    cdf = prefixSums(w)
                }
            }
        }
        return out
    }

    private func prefixSums(_ w: [Double]) -> [Double] {
        var s = 0.0
        return w.map { s += $0; return s }
    }
}

/// Groups another sampler's positions into batches (PyTorch's `BatchSampler`); pass it to
/// `DataLoader(dataset, batchSampler:)` in place of `batchSize`/`shuffle`/`sampler`/`dropLast`.
///
///     let batches = BatchSampler(SequentialSampler(count: 10), batchSize: 4, dropLast: false)
///     print(batches.batches())   // [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
public struct BatchSampler {
    public let sampler: any Sampler
    public let batchSize: Int
    public let dropLast: Bool

    public init(_ sampler: any Sampler, batchSize: Int, dropLast: Bool) {
        check(batchSize >= 1, "BatchSampler: batchSize must be at least 1, got \(batchSize)")
        self.sampler = sampler
        self.batchSize = batchSize
        self.dropLast = dropLast
    }

    /// Batches per pass.
    public var count: Int { dropLast ? sampler.count / batchSize : (sampler.count + batchSize - 1) / batchSize }

    /// The batches of one pass.
    public func batches() -> [[Int]] {
        let order = sampler.indices()
        return stride(from: 0, to: count * batchSize, by: batchSize).map {
            Array(order[$0 ..< Swift.min($0 + batchSize, order.count)])
        }
    }
}
