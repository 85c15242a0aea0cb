// DistributedSampler is pure index arithmetic: tested in process, without MPI.

import Testing
import SwiftGradDistributed

@Suite struct DistributedSamplerTests {
    func shards(count: Int, worldSize: Int, dropLast: Bool, shuffle: Bool = true, epoch: Int = 0) -> [[Int]] {
        (0..<worldSize).map { rank in
            var s = DistributedSampler(count: count, rank: rank, worldSize: worldSize, shuffle: shuffle, seed: 3, dropLast: dropLast)
            s.setEpoch(epoch)
            return s.indices()
        }
    }

    @Test(arguments: [1, 2, 3, 4, 7])
    func shardsAreEqualDisjointAndCovering(worldSize: Int) {
        for count in [0, 1, 5, 12, 13, 100] {
            let padded = shards(count: count, worldSize: worldSize, dropLast: false)
            let size = (count + worldSize - 1) / worldSize
            #expect(padded.allSatisfy { $0.count == size })
            #expect(Set(padded.joined()) == Set(0..<count), "every sample is seen (count \(count), \(worldSize) ranks)")
            let dropped = shards(count: count, worldSize: worldSize, dropLast: true)
            let all = Array(dropped.joined())
            #expect(dropped.allSatisfy { $0.count == count / worldSize })
            #expect(Set(all).count == all.count, "shards are disjoint when the tail is dropped")
        }
    }

    @Test func paddingRepeatsTheFirstIndicesAsPyTorch() {
        // torch: indices 0..<10, padded with [0, 1], rank r takes [r::3].
        #expect(shards(count: 10, worldSize: 3, dropLast: false, shuffle: false) == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]])
        #expect(shards(count: 10, worldSize: 3, dropLast: true, shuffle: false) == [[0, 3, 6], [1, 4, 7], [2, 5, 8]])
        // Fewer samples than ranks: the order repeats as often as needed.
        #expect(shards(count: 2, worldSize: 5, dropLast: false, shuffle: false) == [[0], [1], [0], [1], [0]])
    }

    @Test func everyEpochHasItsOwnSharedOrder() {
        let e0 = shards(count: 40, worldSize: 2, dropLast: false, epoch: 0)
        let e1 = shards(count: 40, worldSize: 2, dropLast: false, epoch: 1)
        #expect(e0 != e1)
        #expect(e0 == shards(count: 40, worldSize: 2, dropLast: false, epoch: 0), "same seed and epoch, same order")
        #expect(Set(e1.joined()) == Set(0..<40))
        let s = DistributedSampler(count: 9, rank: 0, worldSize: 2, shuffle: false)
        #expect(Array(s) == s.indices() && s.samplesPerRank == 5)
    }
}
