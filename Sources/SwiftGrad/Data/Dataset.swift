/// A collection of samples addressed by position, like `torch.utils.data.Dataset`: a `count`
/// (PyTorch's `__len__`) and a subscript (`__getitem__`). A `DataLoader` batches it.
///
///     let ds = TensorDataset(x, y)
///     let (input, label) = ds[0]
public protocol Dataset<Sample> {
    /// One item: usually `(input, label)`.
    associatedtype Sample
    /// The number of samples.
    var count: Int { get }
    /// Sample `index`, for `0 ..< count`.
    subscript(index: Int) -> Sample { get }
}

/// Inputs and targets held as two tensors whose first axis indexes the samples, like
/// `torch.utils.data.TensorDataset(x, y)`.
///
///     let ds = TensorDataset(Tensor.randn([100, 3]), Tensor.randint(0, 2, [100]))
///     let (x0, y0) = ds[0]                 // shapes [3] and []
public struct TensorDataset: Dataset {
    /// All inputs, samples along axis 0.
    public let inputs: Tensor
    /// All targets, samples along axis 0.
    public let targets: Tensor

    /// Pairs `inputs[i]` with `targets[i]`; both must have the same first dimension.
    ///
    ///     let ds = TensorDataset(images, labels)
    ///     print(ds.count)
    public init(_ inputs: Tensor, _ targets: Tensor) {
        check(inputs.rank >= 1 && targets.rank >= 1 && inputs.shape[0] == targets.shape[0],
                     "TensorDataset: inputs \(inputs.shape) and targets \(targets.shape) need the same first dimension")
        self.inputs = inputs.detach().dense
        self.targets = targets.detach().dense
    }

    public var count: Int { inputs.shape[0] }

    /// `(inputs[index], targets[index])`, copies that drop the first axis.
    public subscript(index: Int) -> (Tensor, Tensor) {
        check(index >= 0 && index < count, "TensorDataset: index \(index) out of range 0..<\(count)")
        return (inputs.row(index), targets.row(index))
    }
}

extension Tensor {
    /// Row `i` along axis 0 as its own tensor (one contiguous copy, no graph).
    func row(_ i: Int) -> Tensor {
        let inner = Array(shape.dropFirst())
        let n = inner.reduce(1, *)
        let out = Tensor(uninitializedShape: inner, dtype: dtype)
        let size = dtype.byteSize
        out.rawPointer.copyMemory(from: dense.rawPointer + i * n * size, byteCount: n * size)
        return out
    }

    /// Rows `indices` along axis 0 stacked into one tensor (no graph).
    func rows(_ indices: [Int]) -> Tensor {
        let inner = Array(shape.dropFirst())
        let n = inner.reduce(1, *)
        let out = Tensor(uninitializedShape: [indices.count] + inner, dtype: dtype)
        let size = dtype.byteSize
        let src = dense
        for (k, i) in indices.enumerated() {
            (out.rawPointer + k * n * size).copyMemory(from: src.rawPointer + i * n * size, byteCount: n * size)
        }
        return out
    }
}

/// The samples of `base` at `indices`, in that order (PyTorch's `Subset`).
///
///     let firstHundred = Subset(dataset, indices: Array(0..<100))
///     print(firstHundred.count)            // 100
public struct Subset<Base: Dataset>: Dataset {
    /// The dataset this is a view of.
    public let base: Base
    /// Positions in `base`.
    public let indices: [Int]

    /// A view of `base` at `indices` (each in `0 ..< base.count`).
    public init(_ base: Base, indices: [Int]) {
        check(indices.allSatisfy { $0 >= 0 && $0 < base.count },
                     "Subset: indices must lie in 0..<\(base.count)")
        self.base = base
        self.indices = indices
    }

    public var count: Int { indices.count }
    public subscript(index: Int) -> Base.Sample {
        check(index >= 0 && index < indices.count, "Subset: index \(index) out of range 0..<\(indices.count)")
        return base[indices[index]]
    }
}

/// Splits a dataset into non-overlapping random subsets of the given lengths (PyTorch's
/// `random_split`), reproducibly for a given generator.
///
///     let parts = randomSplit(dataset, lengths: [1200, 237], generator: Generator(seed: 0))
///     let (train, validation) = (parts[0], parts[1])
public func randomSplit<D: Dataset>(_ dataset: D, lengths: [Int], generator: Generator = .default) -> [Subset<D>] {
    check(lengths.allSatisfy { $0 >= 0 } && lengths.reduce(0, +) == dataset.count,
                 "randomSplit: lengths \(lengths) must be non-negative and sum to the dataset's count \(dataset.count)")
    let perm = randomPermutation(dataset.count, generator: generator)
    var start = 0
    return lengths.map { n in
        defer { start += n }
        return Subset(dataset, indices: Array(perm[start ..< start + n]))
    }
}

/// Splits by fractions that sum to 1, as PyTorch does: floor of each share, the remainder dealt one
/// by one to the first subsets.
///
///     let parts = randomSplit(dataset, fractions: [0.8, 0.2])
///     print(parts.map(\.count))
public func randomSplit<D: Dataset>(_ dataset: D, fractions: [Double], generator: Generator = .default) -> [Subset<D>] {
    check(fractions.allSatisfy { $0 >= 0 } && abs(fractions.reduce(0, +) - 1) < 1e-9,
                 "randomSplit: fractions \(fractions) must be non-negative and sum to 1")
    var lengths = fractions.map { Int(($0 * Double(dataset.count)).rounded(.down)) }
    let remainder = dataset.count - lengths.reduce(0, +)
    for i in 0..<remainder { lengths[i % lengths.count] += 1 }
    return randomSplit(dataset, lengths: lengths, generator: generator)
}

/// A uniformly random permutation of `0 ..< n` (Fisher-Yates) drawn from `generator`.
///
///     let order = randomPermutation(10, generator: Generator(seed: 1))
///     print(order.sorted() == Array(0..<10))   // true
public func randomPermutation(_ n: Int, generator: Generator = .default) -> [Int] {
    var p = Array(0..<n)
    generator.withState { state in
        var i = n - 1
        while i > 0 {
            let j = Int(state.below(UInt64(i + 1)))
            p.swapAt(i, j)
            i -= 1
        }
    }
    return p
}
