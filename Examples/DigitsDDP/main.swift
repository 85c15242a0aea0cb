// digits-ddp: data-parallel training of a small CNN on the bundled 8x8 digit set with
// SwiftGradDistributed. Launch with MPI, one process per rank:
//
//     mpirun -np 2 .build/release/digits-ddp
//     mpirun --allow-run-as-root --oversubscribe -np 2 .build/release/digits-ddp   (containers, few cores)
//
// Flags: --epochs N (default 30), --batch N (global batch, split over the ranks; default 64),
//        --sync-bn (SyncBatchNorm instead of rank-local BatchNorm statistics),
//        --checkpoint PATH (rank 0 saves model + optimizer there after every epoch),
//        --resume PATH (every rank resumes from that checkpoint).
// Ends by printing `test accuracy: NN.N%` (rank 0).

import Foundation
import SwiftGrad
import SwiftGradDistributed

func flag(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

let group = ProcessGroup.world()
Runtime.threadCount = 1                   // one BLAS thread per process: the ranks share the cores
let epochs = Int(flag("--epochs") ?? "") ?? 30
let globalBatch = Int(flag("--batch") ?? "") ?? 64
let syncBN = CommandLine.arguments.contains("--sync-bn")
check(globalBatch % group.worldSize == 0, "digits-ddp: --batch \(globalBatch) must be divisible by the \(group.worldSize) ranks")

let train = try Digits.load(train: true), test = try Digits.load(train: false)

/// A 3x3 convolution with padding 1 (same size), PyTorch's default initialisation.
final class Conv3x3: Module {
    let weight: Tensor, bias: Tensor
    init(_ inChannels: Int, _ outChannels: Int, generator: Generator) {
        weight = Init.kaimingUniform(Tensor.zeros([outChannels, inChannels, 3, 3]), a: 5.0.squareRoot(), generator: generator).requiringGrad()
        let bound = 1 / Double(inChannels * 9).squareRoot()
        bias = Init.uniform(Tensor.zeros([outChannels]), low: -bound, high: bound, generator: generator).requiringGrad()
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { conv2d(x, weight: weight, bias: bias, padding: 1) }
}

/// The digit CNN: [n, 1, 8, 8] -> conv 16 -> norm -> relu -> pool -> conv 32 -> relu -> pool -> linear 10.
final class DigitCNN: Module {
    let conv1: Conv3x3, norm1: Module, conv2: Conv3x3, fc: Linear
    init(syncBatchNorm: Bool, group: ProcessGroup, generator g: Generator) {
        conv1 = Conv3x3(1, 16, generator: g)
        norm1 = syncBatchNorm ? SyncBatchNorm(BatchNorm2d(16), group: group) : BatchNorm2d(16)
        conv2 = Conv3x3(16, 32, generator: g)
        fc = Linear(32 * 2 * 2, 10, generator: g)
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        let h1 = maxPool2d(norm1(conv1(x)).relu(), kernelSize: 2)        // [n, 16, 4, 4]
        let h2 = maxPool2d(conv2(h1).relu(), kernelSize: 2)              // [n, 32, 2, 2]
        return fc(h2.reshape([h2.shape[0], 32 * 2 * 2]))
    }
}

// Every rank builds the model with its own seed; DistributedDataParallel copies rank 0's weights.
let model = DigitCNN(syncBatchNorm: syncBN, group: group, generator: Generator(seed: 100 + UInt64(group.rank)))
let ddp = DistributedDataParallel(model, group: group)
let optimizer = AdamW(model.namedParameters(), lr: 3e-3, weightDecay: 1e-4)
var sampler = DistributedSampler(count: train.count, group: group, seed: 0)

var startEpoch = 0
if let path = flag("--resume") {
    // Every rank reads the same file, so every rank resumes identical.
    let ckpt = try Checkpoint.restore(from: path, into: ["model": model, "optimizer": optimizer])
    startEpoch = ckpt.epoch
    if group.isMain { print("resumed from \(path) at epoch \(startEpoch)") }
}
if group.isMain {
    print("digits-ddp: \(group.worldSize) ranks, global batch \(globalBatch) (\(globalBatch / group.worldSize) per rank), \(ddp.bucketCount) gradient bucket(s), \(syncBN ? "SyncBatchNorm" : "rank-local BatchNorm")")
}

let started = Date()
var step = 0
for epoch in startEpoch..<epochs {
    model.train()
    sampler.setEpoch(epoch)               // a new shuffle each epoch, the same on every rank
    let shard = Subset(train, indices: sampler.indices())
    let loader = DataLoader(shard, batchSize: globalBatch / group.worldSize)
    var lossSum = 0.0, batches = 0.0
    for (x, y) in loader {
        optimizer.zeroGrad()
        let loss = crossEntropy(logits: ddp(x), targets: y)
        loss.backward()                   // gradients are averaged over the ranks when this returns
        optimizer.step()
        lossSum += loss.item(); batches += 1; step += 1
    }
    let meanLoss = Tensor([lossSum / max(batches, 1)], dtype: .float64)
    group.allReduce(meanLoss, .mean, name: "epoch loss")
    if group.isMain && (epoch % 5 == 4 || epoch == epochs - 1) {
        print("epoch \(epoch + 1)/\(epochs): loss \(String(format: "%.4f", meanLoss.item()))")
    }
    if let path = flag("--checkpoint") {
        try group.onMainRank {
            try Checkpoint.save(to: path, epoch: epoch + 1, step: step, ["model": model, "optimizer": optimizer])
        }
    }
}

// Evaluate: running statistics drifted apart on each rank (local BatchNorm): take rank 0's, then
// each rank scores a disjoint part of the test set and the counts are summed.
ddp.broadcastBuffers()
model.eval()
let mine = Array(stride(from: group.rank, to: test.count, by: group.worldSize))
let (images, labels) = (test.images.indexSelect(axis: 0, indices: Tensor(mine)), test.labels.indexSelect(axis: 0, indices: Tensor(mine)))
let predicted = withNoGrad { model(images).argmax(axis: 1) }
let counts = Tensor([predicted.eq(labels).sum().item(), Double(mine.count)], dtype: .float64)
group.allReduce(counts, .sum, name: "test counts")
if group.isMain {
    let seconds = Date().timeIntervalSince(started)
    print("training time: \(String(format: "%.2f", seconds)) s, wait for gradients after backward: \(String(format: "%.2f", ddp.lastSync.waitSeconds * 1000)) ms (last step)")
    print("test accuracy: \(String(format: "%.1f", 100 * counts.doubles[0] / counts.doubles[1]))%")
}
