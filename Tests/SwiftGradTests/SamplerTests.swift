import Testing
import Foundation
@testable import SwiftGrad

/// Samplers, batch samplers, dictionary collation, MultiTensorDataset and ConcatDataset.
@Suite struct SamplerTests {
    @Test func sequentialAndRandomSamplersYieldPermutationsAndDraws() {
        #expect(SequentialSampler(count: 4).indices() == [0, 1, 2, 3])
        let random = RandomSampler(count: 10, generator: Generator(seed: 3))
        let a = random.indices(), b = random.indices()
        #expect(a.sorted() == Array(0..<10) && b.sorted() == Array(0..<10))
        #expect(a != b)   // a new order each pass
        #expect(RandomSampler(count: 10, generator: Generator(seed: 3)).indices() == a)   // seeded: reproducible
        // More samples than the dataset without replacement: whole permutations, then part of one.
        let long = RandomSampler(count: 4, numSamples: 10, generator: Generator(seed: 0)).indices()
        #expect(long.count == 10 && long[0..<4].sorted() == [0, 1, 2, 3] && long[4..<8].sorted() == [0, 1, 2, 3])
        #expect(Set(long[8...]).count == 2)
        let drawn = RandomSampler(count: 3, replacement: true, numSamples: 3000, generator: Generator(seed: 1)).indices()
        #expect(drawn.count == 3000 && drawn.allSatisfy { (0..<3).contains($0) })
        for k in 0..<3 { #expect(abs(drawn.filter { $0 == k }.count - 1000) < 120) }
    }

    @Test func subsetAndWeightedSamplersFollowTheirDefinitions() {
        let subset = SubsetRandomSampler(indices: [5, 7, 9], generator: Generator(seed: 2))
        #expect(subset.indices().sorted() == [5, 7, 9] && subset.count == 3)
        let weighted = WeightedRandomSampler(weights: [0, 1, 3], numSamples: 4000, generator: Generator(seed: 4)).indices()
        #expect(!weighted.contains(0))
        let threes = Double(weighted.filter { $0 == 2 }.count) / 4000
        #expect(abs(threes - 0.75) < 0.03, "\(threes)")
        let noReplacement = WeightedRandomSampler(weights: [1, 0, 2, 5], numSamples: 3, replacement: false,
                                                  generator: Generator(seed: 0)).indices()
        #expect(noReplacement.sorted() == [0, 2, 3])
    }

    @Test func batchSamplerAndDataLoaderOrders() {
        #expect(BatchSampler(SequentialSampler(count: 10), batchSize: 4, dropLast: false).batches() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(BatchSampler(SequentialSampler(count: 10), batchSize: 4, dropLast: true).count == 2)
        let x = Tensor.arange(0, 6, dtype: .float32).reshape([6, 1]), y = Tensor.arange(0, 6, dtype: .int64)
        let data = TensorDataset(x, y)
        // A sampler sets the order; with batchSampler the loader takes its batches as they are.
        let reversed = ReversedSampler(count: 6)
        let loader = DataLoader(data, batchSize: 4, sampler: reversed)
        #expect(loader.count == 2)
        #expect(loader.map { $0.1.toArray(as: Int64.self) } == [[5, 4, 3, 2], [1, 0]])
        let byBatches = DataLoader(data, batchSampler: BatchSampler(reversed, batchSize: 3, dropLast: false))
        #expect(byBatches.map { $0.1.toArray(as: Int64.self) } == [[5, 4, 3], [2, 1, 0]])
        let weightedLoader = DataLoader(data, batchSize: 2,
                                        sampler: WeightedRandomSampler(weights: [0, 0, 0, 0, 0, 1], numSamples: 4))
        #expect(weightedLoader.map { $0.1.toArray(as: Int64.self) } == [[5, 5], [5, 5]])
    }

    @Test func dictionariesListsAndConcatenatedDatasetsCollate() {
        let records = DictionaryDataset(n: 5)
        let batches = Array(DataLoader(records, batchSize: 2))
        #expect(batches.count == 3)
        #expect(batches[0]["ids"]!.shape == [2, 3] && batches[0]["label"]!.shape == [2])
        #expect(batches[2]["label"]!.toArray(as: Int64.self) == [4])

        let triple = MultiTensorDataset(Tensor.zeros([4, 2]), Tensor.arange(0, 4, dtype: .int64), Tensor.ones([4]))
        #expect(triple.count == 4 && triple[1].map(\.shape) == [[2], [], []])
        let parts = Array(DataLoader(triple, batchSize: 3))
        #expect(parts.map { $0.map(\.shape) } == [[[3, 2], [3], [3]], [[1, 2], [1], [1]]])
        #expect(parts[1][1].toArray(as: Int64.self) == [3])
        #expect(MultiTensorDataset(Tensor.ones([7, 2])).count == 7)

        let a = TensorDataset(Tensor.zeros([2, 1]), Tensor.arange(0, 2, dtype: .int64))
        let empty = TensorDataset(Tensor.zeros([0, 1]), Tensor.zeros([0], dtype: .int64))
        let b = TensorDataset(Tensor.ones([3, 1]), Tensor.arange(10, 13, dtype: .int64))
        let both = ConcatDataset<(Tensor, Tensor)>([a, empty, b])
        #expect(both.count == 5)
        #expect((0..<5).map { both[$0].1.item() } == [0, 1, 10, 11, 12])
        let labels = DataLoader(both, batchSize: 5).map { $0.1.toArray(as: Int64.self) }
        #expect(labels == [[0, 1, 10, 11, 12]])
    }

    @Test func tripleSamplesCollateIntoTriples() {
        let records = TripleDataset(n: 5)
        let batches = Array(DataLoader(records, batchSize: 2, dropLast: true))
        #expect(batches.count == 2)
        let (ids, labels, mask) = batches[1]
        #expect(ids.shape == [2, 3] && labels.shape == [2] && mask.shape == [2, 3])
        #expect(labels.toArray(as: Int64.self) == [2, 3] && ids.dtype == .int64 && mask.dtype == .bool)
        #expect(ids.toArray(as: Int64.self) == [2, 2, 2, 3, 3, 3])
        // Shuffled with a seed: the three parts of a sample stay together.
        for (ids, labels, _) in DataLoader(records, batchSize: 5, shuffle: true, generator: Generator(seed: 3)) {
            #expect(ids[.all, 0].toArray(as: Int64.self) == labels.toArray(as: Int64.self))
        }
    }

    @Test func samplerMisuseStopsWithAMessage() async {
        let r1 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = DataLoader(TensorDataset(Tensor.zeros([4, 1]), Tensor.zeros([4])), batchSize: 2, shuffle: true,
                           sampler: SequentialSampler(count: 4))
        }
        expectStderr(r1, contains: ["DataLoader: sampler is mutually exclusive with shuffle"])
        let r2 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let loader = DataLoader(TensorDataset(Tensor.zeros([4, 1]), Tensor.zeros([4])), batchSize: 2,
                                    sampler: SequentialSampler(count: 6))
            for _ in loader {}
        }
        expectStderr(r2, contains: ["DataLoader: the sampler yielded position 4, outside the dataset's 0..<4"])
        let r3 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = WeightedRandomSampler(weights: [0, 1], numSamples: 2, replacement: false)
        }
        expectStderr(r3, contains: ["WeightedRandomSampler: cannot draw 2 samples without replacement from 1 non-zero weights"])
    }
}

/// Positions in reverse: a user-defined sampler.
private struct ReversedSampler: Sampler {
    let count: Int
    func indices() -> [Int] { Array((0..<count).reversed()) }
}

/// Samples of three tensors: ids, a label and a mask.
private struct TripleDataset: Dataset {
    let n: Int
    var count: Int { n }
    subscript(index: Int) -> (Tensor, Tensor, Tensor) {
        (Tensor.full([3], Double(index), dtype: .int64), Tensor(Double(index), dtype: .int64), Tensor.ones([3]) .> 0)
    }
}

/// Samples that are dictionaries of tensors.
private struct DictionaryDataset: Dataset {
    let n: Int
    var count: Int { n }
    subscript(index: Int) -> [String: Tensor] {
        ["ids": Tensor.full([3], Double(index), dtype: .int64), "label": Tensor(Double(index), dtype: .int64)]
    }
}
