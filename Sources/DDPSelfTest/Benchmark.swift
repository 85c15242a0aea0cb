// `ddp-selftest bench`: communication time per step for a 10M-parameter model.

import SwiftGrad
import SwiftGradDistributed

@MainActor func runBenchmark() {
    let g = Generator(seed: 1)
    var layers: [Module] = []
    for _ in 0..<10 { layers.append(Linear(1000, 1000, generator: g)); layers.append(Tanh()) }
    let model = Sequential(layers)
    let ddp = DistributedDataParallel(model)
    let x = Tensor.randn([16, 1000], generator: g)
    var waits: [Double] = [], steps: [Double] = []
    for i in 0..<6 {
        model.zeroGrad()
        let start = wallClock()
        model(x).square().mean().backward()
        let end = wallClock()
        if i > 0 { waits.append(ddp.lastSync.waitSeconds); steps.append(end - start) }
    }
    let plain = Tensor.zeros([model.parameterCount])
    let start = wallClock()
    for _ in 0..<5 { group.allReduce(plain, .sum) }
    let allReduceTime = (wallClock() - start) / 5
    let tiny = Tensor.zeros([16])
    let tinyStart = wallClock()
    for _ in 0..<500 { group.allReduce(tiny, .sum) }
    let tinyTime = (wallClock() - tinyStart) / 500
    if group.isMain {
        let ms = { (v: [Double]) in (v.reduce(0, +) / Double(v.count) * 1e4).rounded() / 10 }
        print("bench: \(model.parameterCount) parameters, \(group.worldSize) ranks, \(ddp.bucketCount) buckets")
        print("bench: forward+backward+sync \(ms(steps)) ms/step, of which waiting for gradients after backward \(ms(waits)) ms")
        print("bench: latency of a 16-element allReduce: \((tinyTime * 1e7).rounded() / 10) us")
        print("bench: one blocking allReduce of all \(model.parameterCount * 4 / 1_000_000) MB: \((allReduceTime * 1e4).rounded() / 10) ms")
    }
}

func wallClock() -> Double {
    let t = ContinuousClock.now - startInstant
    return Double(t.components.seconds) + Double(t.components.attoseconds) * 1e-18
}
let startInstant = ContinuousClock.now

/// `ddp-selftest scale`: a compute-bound MLP (784-1024-1024-10, 1.8M parameters) on a fixed global
/// batch of 512 split over the ranks; run with -np 1 and -np 2 to see the data-parallel speed-up.
@MainActor func runScaling() {
    let g = Generator(seed: 2)
    let model = Sequential(Linear(784, 1024, generator: g), ReLU(), Linear(1024, 1024, generator: g), ReLU(), Linear(1024, 10, generator: g))
    let ddp = DistributedDataParallel(model)
    let perRank = 512 / group.worldSize
    let x = Tensor.randn([perRank, 784], generator: Generator(seed: UInt64(group.rank)))
    let y = Tensor.randint(0, 10, [perRank], generator: Generator(seed: 9))
    let opt = SGD(model.parameters(), lr: 0.01)
    var times: [Double] = []
    for i in 0..<12 {
        group.barrier()
        let start = wallClock()
        opt.zeroGrad()
        crossEntropy(logits: ddp(x), targets: y).backward()
        opt.step()
        if i >= 2 { times.append(wallClock() - start) }
    }
    if group.isMain {
        let ms = (times.reduce(0, +) / Double(times.count) * 1e4).rounded() / 10
        print("scale: \(group.worldSize) rank(s), global batch 512, \(model.parameterCount) parameters: \(ms) ms/step, last wait after backward \((ddp.lastSync.waitSeconds * 1e4).rounded() / 10) ms")
    }
}
