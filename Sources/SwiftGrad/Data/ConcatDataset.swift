// Datasets built from others: any number of tensors sharing a first axis, and datasets end to end.

/// Any number of tensors whose first axis indexes the samples (PyTorch's `TensorDataset(*tensors)`
/// for one tensor or more than two; `TensorDataset(x, y)` is the pair). A sample is the list of
/// each tensor's row; a `DataLoader` stacks them back into a list of batches.
///
///     let ds = MultiTensorDataset(images, labels, weights)
///     for parts in DataLoader(ds, batchSize: 32) { print(parts.map(\.shape)) }
public struct MultiTensorDataset: Dataset {
    /// The tensors, each with the samples along axis 0.
    public let tensors: [Tensor]

    /// Stops with a message if there are no tensors or their first dimensions differ.
    public init(_ tensors: [Tensor]) {
        check(!tensors.isEmpty, "MultiTensorDataset: needs at least one tensor")
        check(tensors.allSatisfy { $0.rank >= 1 && $0.shape[0] == tensors[0].shape[0] },
              "MultiTensorDataset: tensors of shapes \(tensors.map(\.shape)) need the same first dimension")
        self.tensors = tensors.map { $0.detach().dense }
    }

    /// `MultiTensorDataset(x)`, `MultiTensorDataset(x, y, z)`.
    public init(_ tensors: Tensor...) { self.init(tensors) }

    public var count: Int { tensors[0].shape[0] }

    /// Row `index` of every tensor.
    public subscript(index: Int) -> [Tensor] {
        check(index >= 0 && index < count, "MultiTensorDataset: index \(index) out of range 0..<\(count)")
        return tensors.map { $0.row(index) }
    }
}

/// Several datasets with the same sample type, one after the other (PyTorch's `ConcatDataset`):
/// positions 0..<a.count are `a`'s, the next `b.count` are `b`'s, and so on.
///
///     let all = ConcatDataset([trainSet, extraSet])
///     print(all.count)                 // trainSet.count + extraSet.count
public struct ConcatDataset<Sample>: Dataset {
    private let counts: [Int]
    private let starts: [Int]
    private let items: [(Int) -> Sample]

    /// The datasets, in order (they may be of different types with the same `Sample`).
    public init(_ datasets: [any Dataset<Sample>]) {
        counts = datasets.map(\.count)
        var start = 0, starts: [Int] = []
        for c in counts { starts.append(start); start += c }
        self.starts = starts
        items = datasets.map { d in { i in d[i] } }
    }

    public var count: Int { counts.reduce(0, +) }

    /// Sample `index` of the whole sequence; negative positions are not accepted.
    public subscript(index: Int) -> Sample {
        check(index >= 0 && index < count, "ConcatDataset: index \(index) out of range 0..<\(count)")
        // The last dataset that starts at or before `index` and is not empty.
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        while counts[lo] == 0 || index - starts[lo] >= counts[lo] { lo += 1 }
        return items[lo](index - starts[lo])
    }
}
