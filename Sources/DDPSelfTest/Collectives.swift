// Collectives and sampler checks for ddp-selftest.

import SwiftGrad
import SwiftGradDistributed

/// Values exactly representable and summed without rounding in any order, so results are exact.
func rankValues(_ rank: Int, count: Int, dtype: DType) -> Tensor {
    Tensor((0..<count).map { Double($0) * 0.25 - Double(rank) * 1.5 + Double(rank * rank) }, dtype: dtype)
}

@MainActor func runCollectiveChecks() {
    let w = group.worldSize, r = group.rank
    for dtype in [DType.float32, .float64] {
        let n = 7
        let serial = (0..<w).map { rankValues($0, count: n, dtype: .float64).doubles }
        let sum = (0..<n).map { i in serial.reduce(0) { $0 + $1[i] } }
        let t = rankValues(r, count: n, dtype: dtype)
        group.allReduce(t, .sum)
        check("allReduce sum \(dtype)", t.doubles == sum, "\(t.doubles) vs \(sum)")
        let m = rankValues(r, count: n, dtype: dtype)
        group.allReduce(m, .mean)
        let mean = sum.map { $0 / Double(w) }
        let meanOK = zip(m.doubles, mean).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }
        check("allReduce mean \(dtype)", meanOK, "\(m.doubles) vs \(mean)")
        let x = rankValues(r, count: n, dtype: dtype)
        group.allReduce(x, .max)
        let maxes = (0..<n).map { i in serial.map { $0[i] }.max()! }
        check("allReduce max \(dtype)", x.doubles == maxes, "\(x.doubles) vs \(maxes)")
        let root = w - 1
        let b = rankValues(r, count: n, dtype: dtype).reshape([7, 1])
        group.broadcast(b, from: root)
        check("broadcast \(dtype)", b.doubles == serial[root] && b.shape == [7, 1], "\(b.doubles) vs \(serial[root])")
        let g = group.allGather(rankValues(r, count: n, dtype: dtype).reshape([1, 7]))
        check("allGather \(dtype)", g.shape == [w, 1, 7] && g.doubles == serial.flatMap { $0 } && g.dtype == dtype,
              "\(g.shape) \(g.doubles)")
    }
    let ints = group.allGather([Int64(r), Int64(r * 10)])
    check("allGather int64 lists", ints == (0..<w).map { [Int64($0), Int64($0 * 10)] }, "\(ints)")
    let counts = Tensor([Int64(r + 1)])
    group.allReduce(counts, .sum)
    check("allReduce int64", counts.ints == [w * (w + 1) / 2], "\(counts.ints)")
}

@MainActor func runSamplerChecks() {
    let w = group.worldSize
    for count in [0, 1, 2, 10, 11, 12, 37] {
        for dropLast in [false, true] {
            for epoch in [0, 3] {
                var sampler = DistributedSampler(count: count, group: group, seed: 99, dropLast: dropLast)
                sampler.setEpoch(epoch)
                let mine = sampler.indices().map(Int64.init)
                let all = group.allGather(mine)
                let flat = all.flatMap { $0 }.map(Int.init)
                let label = "sampler count \(count) dropLast \(dropLast) epoch \(epoch)"
                let sizesOK = all.allSatisfy { $0.count == sampler.samplesPerRank }
                // The same shards that every rank would compute for the others.
                let agree = (0..<w).allSatisfy { rk in
                    var s = DistributedSampler(count: count, rank: rk, worldSize: w, seed: 99, dropLast: dropLast)
                    s.setEpoch(epoch)
                    return s.indices().map(Int64.init) == all[rk]
                }
                let inRange = flat.allSatisfy { $0 >= 0 && $0 < count }
                let distinct = Set(flat).count
                let covering = dropLast ? (distinct == flat.count && flat.count == (count / w) * w)
                                        : (distinct == count)
                check(label, sizesOK && agree && inRange && covering,
                      "sizes \(all.map(\.count)) agree \(agree) distinct \(distinct) of \(flat.count)")
            }
        }
    }
    var a = DistributedSampler(count: 50, group: group, seed: 5), b = a
    a.setEpoch(0); b.setEpoch(1)
    check("sampler reshuffles per epoch", a.indices() != b.indices())
    let plain = DistributedSampler(count: 10, rank: 1, worldSize: 3, shuffle: false)
    check("sampler pads as PyTorch", plain.indices() == [1, 4, 7, 0], "\(plain.indices())")
}
