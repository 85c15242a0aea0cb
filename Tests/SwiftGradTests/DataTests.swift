import Foundation
import Synchronization
import Testing
@testable import SwiftGrad

/// A dataset that is not tensor-backed, so the loader's generic stacking collate runs.
struct SquaresDataset: Dataset {
    let count: Int
    subscript(index: Int) -> (Tensor, Tensor) {
        (Tensor([Double(index), Double(index * index)], dtype: .float32), Tensor([Int64(index)], shape: []))
    }
}

/// Counts how many batches were made, across threads.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

@Suite struct DataTests {
    static func numbered(_ n: Int) -> TensorDataset {
        TensorDataset(Tensor.arange(Double(n)).reshape([n, 1]), Tensor.arange(Double(n), dtype: .int64))
    }

    @Test func tensorDatasetIndexesRows() {
        let ds = TensorDataset(Tensor.arange(6, dtype: .float32).reshape([3, 2]), Tensor([7, 8, 9]))
        #expect(ds.count == 3)
        let (x, y) = ds[1]
        #expect(x.shape == [2] && x.scalars == [2, 3])
        #expect(y.shape == [] && y.dtype == .int64 && y.item() == 8)
    }

    @Test func sequentialBatchesKeepOrderAndTheShortLastBatch() {
        let loader = DataLoader(DataTests.numbered(10), batchSize: 4)
        #expect(loader.count == 3)
        let batches = Array(loader)
        #expect(batches.map { $0.1.ints } == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(batches[0].0.shape == [4, 1] && batches[2].0.shape == [2, 1])
        #expect(batches[0].1.dtype == .int64)
    }

    @Test func dropLastSkipsTheShortBatch() {
        let loader = DataLoader(DataTests.numbered(10), batchSize: 4, dropLast: true)
        #expect(loader.count == 2)
        #expect(Array(loader).map { $0.1.ints } == [[0, 1, 2, 3], [4, 5, 6, 7]])
        #expect(Array(DataLoader(DataTests.numbered(3), batchSize: 4, dropLast: true)).isEmpty)
    }

    @Test func shuffleIsSeededAndNewEachEpoch() {
        let ds = DataTests.numbered(50)
        let a = DataLoader(ds, batchSize: 8, shuffle: true, generator: Generator(seed: 3))
        let b = DataLoader(ds, batchSize: 8, shuffle: true, generator: Generator(seed: 3))
        let epoch1 = a.flatMap { $0.1.ints }, epoch2 = a.flatMap { $0.1.ints }
        #expect(epoch1 == b.flatMap { $0.1.ints })           // same seed, same order
        #expect(epoch1 != epoch2)                             // each pass draws a new permutation
        #expect(epoch1.sorted() == Array(0..<50) && epoch2.sorted() == Array(0..<50))
        #expect(epoch1 != Array(0..<50))
        // Inputs stay paired with their targets.
        for (x, y) in a { #expect(x.flatten().ints == y.ints) }
    }

    @Test func genericCollateStacksTuplesOfTensors() {
        let loader = DataLoader(SquaresDataset(count: 5), batchSize: 2)
        let batches = Array(loader)
        #expect(batches.count == 3)
        #expect(batches[1].0.shape == [2, 2] && batches[1].0.scalars == [2, 4, 3, 9])
        #expect(batches[1].1.shape == [2] && batches[1].1.ints == [2, 3])
    }

    @Test func customCollateAndOtherSampleTypes() {
        let sums = DataLoader(SquaresDataset(count: 4), batchSize: 2) { samples in samples.map { $0.1.item() }.reduce(0, +) }
        #expect(Array(sums) == [1, 5])
        struct Plain: Dataset { var count: Int { 3 }; subscript(i: Int) -> Tensor { Tensor([Double(i)]) } }
        #expect(Array(DataLoader(Plain(), batchSize: 3)).map(\.shape) == [[3, 1]])
        struct Triples: Dataset {
            var count: Int { 2 }
            subscript(i: Int) -> [Tensor] { [Tensor(Double(i)), Tensor([1, 2]), Tensor([i])] }
        }
        let parts = Array(DataLoader(Triples(), batchSize: 2))[0]
        #expect(parts.map(\.shape) == [[2], [2, 2], [2, 1]])
    }

    @Test func prefetchGivesTheSameBatches() {
        let ds = DataTests.numbered(37)
        let plain = DataLoader(ds, batchSize: 5, shuffle: true, generator: Generator(seed: 11))
        let ahead = DataLoader(ds, batchSize: 5, shuffle: true, generator: Generator(seed: 11), prefetch: 2)
        for _ in 0..<3 {
            let p = plain.map { $0.1.ints }, q = ahead.map { $0.1.ints }
            #expect(p == q)
        }
    }

    @Test func prefetchStaysAtMostDepthAheadAndStopsOnBreak() {
        let made = Counter()
        let loader = DataLoader(SquaresDataset(count: 40), batchSize: 2, prefetch: 2) { samples -> Int in
            made.value.add(1, ordering: .relaxed)
            return samples.count
        }
        var consumed = 0
        for _ in loader {
            consumed += 1
            usleep(2000)  // gives the worker time to run ahead as far as it may
            #expect(made.value.load(ordering: .relaxed) <= consumed + 2)
            if consumed == 5 { break }
        }
        usleep(20000)
        // The worker stopped after the break: at most the queue's depth beyond what was consumed.
        #expect(made.value.load(ordering: .relaxed) <= 5 + 2)
    }

    @Test func randomSplitIsDisjointAndSeeded() {
        let ds = DataTests.numbered(100)
        let parts = randomSplit(ds, lengths: [70, 20, 10], generator: Generator(seed: 5))
        #expect(parts.map(\.count) == [70, 20, 10])
        let all = parts.flatMap { p in (0..<p.count).map { p[$0].1.ints[0] } }
        #expect(all.sorted() == Array(0..<100))
        let again = randomSplit(ds, lengths: [70, 20, 10], generator: Generator(seed: 5))
        #expect(again.map(\.indices) == parts.map(\.indices))
        let byFraction = randomSplit(ds, fractions: [0.333, 0.667])
        #expect(byFraction.map(\.count).reduce(0, +) == 100)
        // A loader over a subset batches the right rows.
        let batch = Array(DataLoader(parts[1], batchSize: 20))[0]
        #expect(batch.1.ints == parts[1].indices && batch.0.flatten().ints == parts[1].indices)
    }

    @Test func embeddedDigits() throws {
        let train = try Digits.load(train: true), test = try Digits.load(train: false)
        #expect(train.count == 1437 && test.count == 360)
        #expect(train.images.shape == [1437, 1, 8, 8] && train.images.dtype == .float32)
        #expect(train.labels.shape == [1437] && train.labels.dtype == .int64)
        #expect(Set(train.labels.ints) == Set(0...9))
        #expect(train.images.min().item() == 0 && train.images.max().item() == 1)
        let (x, y) = test[0]
        #expect(x.shape == [1, 8, 8] && y.shape == [])
        let (xb, yb) = Array(DataLoader(train, batchSize: 64))[0]
        #expect(xb.shape == [64, 1, 8, 8] && yb.shape == [64])
        #expect(Digits.licence.contains("CC BY 4.0"))
    }

    @Test func mnistFolderLayouts() throws {
        let dir = makeTemporaryFolder()
        let images = Tensor((0..<(3 * 28 * 28)).map { Double($0 % 256) }, shape: [3, 28, 28], dtype: .float64)
        let labels = Tensor([4, 0, 9], dtype: .float64)
        // Training files gzip'd in the root; test files plain in torchvision's MNIST/raw folder.
        try IDX.write(images, to: dir + "/train-images-idx3-ubyte.gz", compressed: true)
        try IDX.write(labels, to: dir + "/train-labels-idx1-ubyte.gz", compressed: true)
        try FileManager.default.createDirectory(atPath: dir + "/MNIST/raw", withIntermediateDirectories: true)
        try IDX.write(images, to: dir + "/MNIST/raw/t10k-images-idx3-ubyte")
        try IDX.write(labels, to: dir + "/MNIST/raw/t10k-labels-idx1-ubyte")
        let train = try MNIST(root: dir, train: true), test = try MNIST(root: dir, train: false)
        #expect(train.count == 3 && test.count == 3)
        #expect(train.images.shape == [3, 1, 28, 28] && train.labels.ints == [4, 0, 9])
        #expect(abs(train.images.max().item() - 1) < 1e-6 && train.images.allClose(test.images))
        // Fashion-MNIST uses the same names; here the files are absent and the error says what to get.
        do { _ = try MNIST.fashion(root: dir + "/empty", train: true); Issue.record("expected an error") } catch let e as IDXError {
            #expect(e.description.contains("train-images-idx3-ubyte"))
            #expect(e.description.contains("FashionMNIST/raw"))
        }
    }

    @Test func mnistRejectsMismatchedFiles() throws {
        let dir = makeTemporaryFolder()
        try IDX.write(Tensor.zeros([3, 2, 2]), to: dir + "/train-images-idx3-ubyte")
        try IDX.write(Tensor.zeros([4]), to: dir + "/train-labels-idx1-ubyte")
        #expect(throws: IDXError.countMismatch(images: 3, labels: 4)) { try MNIST(root: dir, train: true) }
    }

    @Test func csvWithHeaderAndLabelByName() throws {
        let text = "# iris-like\r\nsepal, petal ,species\r\n1.5,2,0\r\n\r\n\"3.25\",4e-1,2\r\n"
        let t = try CSV.parse(text, labelColumn: "species")
        #expect(t.featureNames == ["sepal", "petal"] && t.labelName == "species")
        #expect(t.features.shape == [2, 2] && t.features.scalars == [1.5, 2, 3.25, 0.4])
        #expect(t.labels.dtype == .int64 && t.labels.ints == [0, 2])
        #expect(t.dataset.count == 2)
    }

    @Test func csvWithoutHeaderLabelFirst() throws {
        let dir = makeTemporaryFolder()
        try "1,0.5,0.25\n0,1.5,2.5\n".write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
        let t = try CSV.read(dir + "/t.csv", labelColumn: 0, labelDType: .float32)
        #expect(t.featureNames == ["column2", "column3"])
        #expect(t.labels.dtype == .float32 && t.labels.scalars == [1, 0])
        let semi = try CSV.parse("a;b\n1;2\n", labelColumn: -1, separator: ";")
        #expect(semi.features.scalars == [1] && semi.labels.ints == [2])
    }

    @Test func csvErrors() {
        #expect(throws: CSVError.missingFile(path: "/nonexistent.csv")) { try CSV.read("/nonexistent.csv") }
        #expect(throws: CSVError.empty(path: "<text>")) { try CSV.parse("\n# only a comment\n") }
        #expect(throws: CSVError.empty(path: "<text>")) { try CSV.parse("a,b\n") }
        #expect(throws: CSVError.raggedRow(path: "<text>", line: 3, expected: 2, got: 3)) { try CSV.parse("x,y\n1,2\n3,4,5\n") }
        #expect(throws: CSVError.notANumber(path: "<text>", line: 2, column: 0, text: "abc")) {
            try CSV.parse("1,2\nabc,4\n", hasHeader: false)
        }
        #expect(throws: CSVError.unknownLabelColumn(path: "<text>", column: "z", header: ["x", "y"])) {
            try CSV.parse("x,y\n1,2\n", labelColumn: "z")
        }
        #expect(throws: CSVError.nonIntegerLabel(path: "<text>", line: 2, text: "0.5")) { try CSV.parse("x,y\n1,0.5\n") }
    }
}
