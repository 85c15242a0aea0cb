// DDP checks for ddp-selftest: equivalence with single-process training on the concatenated batch,
// shared weights, gradient accumulation, overlap of communication with backward, SyncBatchNorm,
// rank-0 checkpoints.

import SwiftGrad
import SwiftGradDistributed
#if canImport(Glibc)
import Glibc
#endif

/// A model that uses one layer twice, so backward accumulates into its weights twice per pass.
final class SharedNet: Module {
    let input: Linear, hidden: Linear, output: Linear
    init(generator: Generator) {
        input = Linear(6, 8, generator: generator)
        hidden = Linear(8, 8, generator: generator)
        output = Linear(8, 3, generator: generator)
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        let h = hidden(input(x).tanh()).tanh()
        return output(hidden(h).tanh())
    }
}

func makeModel(shared: Bool, seed: UInt64, dtype: DType = .float32) -> Module {
    let g = Generator(seed: seed)
    if shared { return SharedNet(generator: g) }
    return Sequential(Linear(6, 8, dtype: dtype, generator: g), Tanh(), Linear(8, 8, dtype: dtype, generator: g), Tanh(),
                      Linear(8, 3, dtype: dtype, generator: g))
}

func sgdStep(_ params: [Tensor], lr: Double) {
    withNoGrad { for p in params { p.copyFrom(p - p.grad! * lr) } }
}

/// Largest relative difference ||a - b|| / ||b|| (Euclidean norm per tensor) over two tensor lists.
func maxRelativeDiff(_ a: [Tensor], _ b: [Tensor]) -> Double {
    var worst = 0.0
    for (x, y) in zip(a, b) {
        var num = 0.0, den = 0.0
        for (u, v) in zip(x.doubles, y.doubles) { num += (u - v) * (u - v); den += v * v }
        worst = max(worst, den == 0 ? num.squareRoot() : (num / den).squareRoot())
    }
    return worst
}

@MainActor func runDDPEquivalence(sharedLayer: Bool, dtype: DType = .float32) {
    let w = group.worldSize, r = group.rank, perRank = 4, steps = 5, lr = 0.1
    let label = sharedLayer ? "DDP shared weights" : dtype == .float64 ? "DDP float64" : "DDP"
    // Different initial weights on every rank: DDP must broadcast rank 0's.
    let model = makeModel(shared: sharedLayer, seed: 100 + UInt64(r), dtype: dtype)
    let reference = makeModel(shared: sharedLayer, seed: 100, dtype: dtype)
    // ~200 bytes: several buckets (none on a single rank).
    let ddp = DistributedDataParallel(model, bucketCapMB: 0.0002, firstBucketCapMB: 0.0001)
    check("\(label) makes several buckets", w == 1 ? ddp.bucketCount == 0 : ddp.bucketCount >= 2, "\(ddp.bucketCount)")
    check("\(label) broadcasts rank 0's parameters", maxRelativeDiff(model.parameters(), reference.parameters()) == 0)
    let data = Generator(seed: 7)
    var resent: [Int] = []
    for _ in 0..<steps {
        let x = Tensor.randn([w * perRank, 6], dtype: dtype, generator: data)
        let y = Tensor.randn([w * perRank, 3], dtype: dtype, generator: data)
        model.zeroGrad()
        mseLoss(ddp(x.narrow(axis: 0, start: r * perRank, length: perRank)),
                y.narrow(axis: 0, start: r * perRank, length: perRank)).backward()
        resent.append(ddp.lastSync.resentBuckets)
        sgdStep(model.parameters(), lr: lr)
        reference.zeroGrad()
        mseLoss(reference(x), y).backward()
        sgdStep(reference.parameters(), lr: lr)
    }
    let diff = maxRelativeDiff(model.parameters(), reference.parameters())
    check("\(label) \(steps) steps on \(w) ranks equal one process on the \(w)x batch (max rel diff \(diff))",
          diff <= (dtype == .float64 ? 1e-13 : 1e-6), "max relative difference \(diff), \(ddp.bucketCount) buckets")
    if sharedLayer && w > 1 {
        check("\(label): a bucket sent before the second accumulation is resent once, then DDP waits for both",
              resent[0] >= 1 && resent.dropFirst().allSatisfy { $0 == 0 }, "\(resent)")
    } else {
        check("\(label): no bucket resent", resent.allSatisfy { $0 == 0 }, "\(resent)")
    }
    let gathered = group.allGather(model.parameters()[0].detach())
    let same = (1..<w).allSatisfy { gathered[$0].doubles == gathered[0].doubles }
    check("\(label) parameters identical on every rank", same)
}

@MainActor func runAccumulationCheck() {
    let w = group.worldSize, r = group.rank, perRank = 3
    let model = makeModel(shared: false, seed: 300)
    let reference = makeModel(shared: false, seed: 300)
    let ddp = DistributedDataParallel(model)
    let data = Generator(seed: 11)
    let x1 = Tensor.randn([w * perRank, 6], generator: data), y1 = Tensor.randn([w * perRank, 3], generator: data)
    let x2 = Tensor.randn([w * perRank, 6], generator: data), y2 = Tensor.randn([w * perRank, 3], generator: data)
    func mine(_ t: Tensor) -> Tensor { t.narrow(axis: 0, start: r * perRank, length: perRank) }
    ddp.withoutSync { mseLoss(ddp(mine(x1)), mine(y1)).backward() }
    let localOnly = model.parameters()[0].grad!.copy()
    mseLoss(ddp(mine(x2)), mine(y2)).backward()
    (mseLoss(reference(x1), y1) + mseLoss(reference(x2), y2)).backward()
    let diff = maxRelativeDiff(model.parameters().map { $0.grad! }, reference.parameters().map { $0.grad! })
    check("withoutSync accumulates locally, next backward averages the sum (max rel diff \(diff))", diff <= 1e-5, "\(diff)")
    let expectLocal = w == 1 || localOnly.doubles != reference.parameters()[0].grad!.doubles
    check("withoutSync leaves gradients local", expectLocal)
}

@MainActor func runOverlapCheck() {
    let g = Generator(seed: 5)
    var layers: [Module] = []
    for _ in 0..<6 { layers.append(Linear(256, 256, generator: g)); layers.append(Tanh()) }
    let model = Sequential(layers)
    let ddp = DistributedDataParallel(model, bucketCapMB: 0.25, firstBucketCapMB: 0.25)
    let x = Tensor.randn([64, 256], generator: Generator(seed: UInt64(group.rank)))
    for _ in 0..<3 {
        model.zeroGrad()
        model(x).square().mean().backward()
    }
    let report = ddp.lastSync
    let rel = report.launchTimes.map { String(format3(($0 - report.backwardEnd) * 1e3)) }
    print("rank \(group.rank) overlap: \(report.bucketCount) buckets, launched (ms before end of backward, negative = during) \(rel), wait after backward \(format3(report.waitSeconds * 1e3)) ms")
    check("bucket all-reduces start while backward runs", group.worldSize == 1 ? report.bucketCount == 0
          : report.bucketCount >= 4 && report.launchedDuringBackward >= report.bucketCount - 1,
          "\(report.launchedDuringBackward) of \(report.bucketCount) launched during backward")
}

func format3(_ v: Double) -> String {
    let scaled = (v * 1000).rounded() / 1000
    return "\(scaled)"
}

@MainActor func runSyncBatchNormCheck() {
    let w = group.worldSize, r = group.rank, perRank = 4
    let data = Generator(seed: 21)
    let x = Tensor.randn([w * perRank, 3, 5], mean: 2, std: 3, dtype: .float64, generator: data)
    let upstream = Tensor.randn([w * perRank, 3, 5], dtype: .float64, generator: data)
    let gamma = Tensor([1.5, -0.5, 2.0], dtype: .float64), beta = Tensor([0.1, 0.2, -0.3], dtype: .float64)

    let reference = BatchNorm1d(3, dtype: .float64)
    withNoGrad { reference.weight!.copyFrom(gamma); reference.bias!.copyFrom(beta) }
    let xRef = x.detach().requiringGrad()
    (reference(xRef) * upstream).sum().backward()
    let yRef = withNoGrad { reference(x) }   // second pass: running stats moved twice on the reference

    let sync = SyncBatchNorm(BatchNorm1d(3, dtype: .float64), group: group)
    withNoGrad { sync.base.weight!.copyFrom(gamma); sync.base.bias!.copyFrom(beta) }
    let xMine = x.narrow(axis: 0, start: r * perRank, length: perRank).detach().requiringGrad()
    let y = sync(xMine)
    (y * upstream.narrow(axis: 0, start: r * perRank, length: perRank)).sum().backward()
    let y2 = withNoGrad { sync(xMine) }
    let ySlice = yRef.narrow(axis: 0, start: r * perRank, length: perRank)
    check("SyncBatchNorm output equals BatchNorm on the global batch", y2.allClose(ySlice, rtol: 1e-10, atol: 1e-10))
    let gx = xRef.grad!.narrow(axis: 0, start: r * perRank, length: perRank)
    check("SyncBatchNorm input gradient equals the global one", xMine.grad!.allClose(gx, rtol: 1e-9, atol: 1e-10))
    let gw = sync.base.weight!.grad!.copy()
    group.allReduce(gw, .sum)
    check("SyncBatchNorm weight gradients sum to the global one", gw.allClose(reference.weight!.grad!, rtol: 1e-9, atol: 1e-10))
    check("SyncBatchNorm running statistics equal the global ones",
          sync.base.runningMean!.value.allClose(reference.runningMean!.value, rtol: 1e-10, atol: 1e-12)
          && sync.base.runningVar!.value.allClose(reference.runningVar!.value, rtol: 1e-10, atol: 1e-12))
    check("SyncBatchNorm keeps BatchNorm's state dict names", Set(sync.stateDict().keys) == Set(reference.stateDict().keys),
          "\(sync.stateDict().keys.sorted())")
}

struct ExpectedFailure: Error, CustomStringConvertible { var description: String { "disk full (simulated)" } }

@MainActor func runMainRankChecks() {
    let token = group.allGather([Int64(getpid())])[0][0]
    let path = "/tmp/ddp-selftest-\(token).txt"
    do {
        try group.onMainRank {
            guard let f = fopen(path, "w") else { throw ExpectedFailure() }
            fputs("written by rank 0", f)
            fclose(f)
        }
        var buffer = [CChar](repeating: 0, count: 64)
        let f = fopen(path, "r")
        if let f { _ = fgets(&buffer, 64, f); fclose(f) }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        check("onMainRank: rank 0 writes, every rank reads after it", text == "written by rank 0", text)
    } catch {
        check("onMainRank: rank 0 writes, every rank reads after it", false, "\(error)")
    }
    group.barrier()
    if group.isMain { unlink(path) }
    do {
        try group.onMainRank { throw ExpectedFailure() }
        check("onMainRank: a failure on rank 0 throws on every rank", false, "nothing thrown")
    } catch let e as DistributedError {
        check("onMainRank: a failure on rank 0 throws on every rank", !group.isMain && e == .mainRankFailed("disk full (simulated)"), "\(e)")
    } catch {
        check("onMainRank: a failure on rank 0 throws on every rank", group.isMain && error is ExpectedFailure, "\(error)")
    }
    // Resume without a shared file system: only rank 0 has the weights, syncFromMain spreads them.
    let model = makeModel(shared: false, seed: 500 + UInt64(group.rank))
    let ddp = DistributedDataParallel(model)
    if !group.isMain { withNoGrad { for p in model.parameters() { p.fill(0.5) } } }
    if group.isMain { withNoGrad { for p in model.parameters() { p.fill(0.25) } } }
    ddp.syncFromMain()
    check("syncFromMain copies rank 0's weights", model.parameters().allSatisfy { $0.doubles.allSatisfy { $0 == 0.25 } })
}
