// digits-ddp: data-parallel training of a digit classifier on the bundled 8x8 digit set with
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
precondition(globalBatch % group.worldSize == 0, "digits-ddp: --batch \(globalBatch) must be divisible by the \(group.worldSize) ranks")

let train = try Digits.load(train: true), test = try Digits.load(train: false)

// Every rank builds the model with its own seed; DistributedDataParallel copies rank 0's weights.
let g = Generator(seed: 100 + UInt64(group.rank))
let norm: Module = syncBN ? SyncBatchNorm(BatchNorm1d(128), group: group) : BatchNorm1d(128)
let model = Sequential(Flatten(), Linear(64, 128, generator: g), norm, ReLU(),
                       Linear(128, 64, generator: g), ReLU(), Linear(64, 10, generator: g))
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
