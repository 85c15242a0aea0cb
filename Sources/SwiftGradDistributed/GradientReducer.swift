// Gradient bucketing for data-parallel training. Parameters are grouped, in reverse order of
// declaration (about the order in which backward produces their gradients), into buckets of about
// `bucketCapBytes` of one dtype (the first one smaller, `firstBucketCapBytes`, so that communication
// starts early in backward). Each time backward accumulates a parameter's gradient a hook counts
// it; when every gradient of a bucket is in, the bucket is packed into its flat buffer and a
// non-blocking all-reduce starts while backward goes on. Buckets are launched strictly in index
// order, so every rank issues the same sequence of collectives. When backward ends (a queued
// backward callback) the remaining buckets are launched, all are awaited, averaged and unpacked.

import SwiftGrad

/// Timing of the last gradient synchronisation, in seconds on MPI's clock (`MPI_Wtime`).
///
///     loss.backward()
///     print(ddp.lastSync.launchedDuringBackward, "of", ddp.lastSync.bucketCount, "buckets overlapped")
public struct GradientSyncReport: Sendable {
    /// Number of gradient buckets.
    public var bucketCount = 0
    /// When each bucket's all-reduce started, by bucket index.
    public var launchTimes: [Double] = []
    /// When backward ended (gradient sync finishing began).
    public var backwardEnd = 0.0
    /// Seconds spent after backward waiting for the remaining communication.
    public var waitSeconds = 0.0
    /// Buckets sent a second time because a gradient changed after they were sent (a shared weight
    /// accumulated more often than the previous backward; DDP learns the count, so 0 after that).
    public var resentBuckets = 0
    /// How many buckets started communicating before backward ended.
    public var launchedDuringBackward: Int { launchTimes.filter { $0 < backwardEnd }.count }
}

final class GradientReducer {
    struct Slot {
        let param: Tensor
        let name: String
        let bucket: Int
        let offset: Int
    }

    final class Bucket {
        let buffer: FlatBuffer
        var slots: [Int] = []          // indices into reducer.slots
        var waiting = 0                 // gradients still expected in this pass
        var launched = false
        init(buffer: FlatBuffer) { self.buffer = buffer }
    }

    let group: ProcessGroup
    private(set) var slots: [Slot] = []
    private(set) var buckets: [Bucket] = []
    private var slotOf: [ObjectIdentifier: Int] = [:]
    /// How many times backward accumulates into each parameter per pass (shared weights: more than 1).
    private var expected: [Int]
    private var fired: [Int]
    /// 1 for each bucket that received a gradient after it was sent, in this pass.
    private var late: [Int64] = []
    private var nextLaunch = 0
    private var passActive = false
    var syncEnabled = true
    private(set) var report = GradientSyncReport()

    init(parameters: [(String, Tensor)], group: ProcessGroup, bucketCapBytes: Int, firstBucketCapBytes: Int) {
        self.group = group
        // On one rank the average is the gradient itself: no buckets, no hooks, no copies.
        let trainable = group.worldSize > 1 ? parameters.filter { $0.1.requiresGrad } : []
        // Reverse declaration order: the last layers' gradients are ready first.
        var current: (dtype: DType, members: [(String, Tensor)], bytes: Int)? = nil
        var groups: [(DType, [(String, Tensor)])] = []
        for (name, p) in trainable.reversed() {
            let cap = groups.isEmpty ? min(firstBucketCapBytes, bucketCapBytes) : bucketCapBytes
            if let c = current, c.dtype == p.dtype, c.bytes < cap {
                current!.members.append((name, p)); current!.bytes += p.count * p.dtype.byteSize
            } else {
                if let c = current { groups.append((c.dtype, c.members)) }
                current = (p.dtype, [(name, p)], p.count * p.dtype.byteSize)
            }
        }
        if let c = current { groups.append((c.dtype, c.members)) }
        for (dtype, members) in groups {
            let total = members.reduce(0) { $0 + $1.1.count }
            let bucket = Bucket(buffer: FlatBuffer(dtype: dtype, count: total, comm: group.comm))
            var offset = 0
            for (name, p) in members {
                bucket.slots.append(slots.count)
                slotOf[ObjectIdentifier(p)] = slots.count
                slots.append(Slot(param: p, name: name, bucket: buckets.count, offset: offset))
                offset += p.count
            }
            buckets.append(bucket)
        }
        expected = Array(repeating: 1, count: slots.count)
        fired = Array(repeating: 0, count: slots.count)
        late = Array(repeating: 0, count: buckets.count)
        report.bucketCount = buckets.count
        for s in slots {
            s.param.registerPostAccumulateGradHook { [weak self] p in self?.gradientReady(p) }
        }
    }

    /// The post-accumulate hook: count the gradient, launch every bucket that is ready in order.
    private func gradientReady(_ p: Tensor) {
        guard syncEnabled, let i = slotOf[ObjectIdentifier(p)] else { return }
        if !passActive {
            passActive = true
            for b in buckets { b.waiting = b.slots.count; b.launched = false }
            for j in fired.indices { fired[j] = 0 }
            for j in late.indices { late[j] = 0 }
            nextLaunch = 0
            report.launchTimes = Array(repeating: .infinity, count: buckets.count)
            queueBackwardCallback { [weak self] in self?.finish() }
        }
        fired[i] += 1
        let b = slots[i].bucket
        // Accumulated again after its bucket was sent (a shared weight used more often than expected).
        if buckets[b].launched { late[b] = 1 }
        if fired[i] == expected[i] { buckets[b].waiting -= 1 }
        while nextLaunch < buckets.count && buckets[nextLaunch].waiting <= 0 { launch(nextLaunch) }
        // Give MPI a chance to move the messages already in flight.
        for b in buckets where b.launched { b.buffer.test(what: "gradient all-reduce progress") }
    }

    private func launch(_ index: Int) {
        let bucket = buckets[index]
        for s in bucket.slots { bucket.buffer.pack(slots[s].param.grad, at: slots[s].offset, count: slots[s].param.count) }
        bucket.buffer.startAllReduce(what: "gradient all-reduce of bucket \(index) (\(bucketNames(index)))")
        bucket.launched = true
        report.launchTimes[index] = MPIRuntime.now()
        nextLaunch = index + 1
    }

    /// Launches what is left, waits for every bucket, averages and writes the gradients back.
    /// Does nothing when no gradient has arrived since the last call.
    func finish() {
        guard passActive else { return }
        passActive = false
        report.backwardEnd = MPIRuntime.now()
        while nextLaunch < buckets.count { launch(nextLaunch) }
        for (i, b) in buckets.enumerated() { b.buffer.wait(what: "gradient all-reduce of bucket \(i) (\(bucketNames(i)))") }
        // A gradient that changed after its bucket was packed (a shared weight accumulated more often
        // than expected): all ranks agree on which buckets to reduce again, then learn the new count.
        let stale = MPIKernels.allReduceMax(late, group.comm, "gradient bucket agreement")
        report.resentBuckets = stale.filter { $0 != 0 }.count
        for (i, b) in buckets.enumerated() where stale[i] != 0 {
            for s in b.slots { b.buffer.pack(slots[s].param.grad, at: slots[s].offset, count: slots[s].param.count) }
            b.buffer.allReduceNow(what: "gradient all-reduce of bucket \(i) (\(bucketNames(i)))")
        }
        for i in slots.indices where fired[i] > 0 { expected[i] = fired[i] }
        let scale = 1 / Double(group.worldSize)
        for b in buckets {
            b.buffer.scale(by: scale)
            for s in b.slots {
                let p = slots[s].param
                if p.grad == nil { p.grad = Tensor.zeros(p.shape, dtype: p.dtype) }
                b.buffer.unpack(into: p.grad!, at: slots[s].offset)
            }
        }
        report.waitSeconds = MPIRuntime.now() - report.backwardEnd
    }

    private func bucketNames(_ index: Int) -> String {
        let names = buckets[index].slots.map { slots[$0].name }
        return names.count <= 3 ? names.joined(separator: ", ") : "\(names[0]) ... \(names[names.count - 1]), \(names.count) tensors"
    }

    /// Parameters whose shapes differ between ranks are found before any bucket is built upon them.
    static func validate(_ named: [(String, Tensor)], group: ProcessGroup, what: String) {
        guard group.worldSize > 1 else { return }
        let counts = group.allGather([Int64(named.count)]).map { $0[0] }
        if let bad = counts.firstIndex(where: { $0 != counts[0] }) {
            group.failMismatch("\(what): rank 0 has \(counts[0]) tensors but rank \(bad) has \(counts[bad])")
        }
        // One hash of every shape and dtype; only on a mismatch are the tensors compared one by one.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ v: Int) { hash = (hash ^ UInt64(bitPattern: Int64(v))) &* 0x100_0000_01b3 }
        for (_, t) in named { mix(DTypeCode.of(t.dtype)); mix(t.rank); t.shape.forEach(mix) }
        let hashes = group.allGather([Int64(bitPattern: hash)]).map { $0[0] }
        guard hashes.contains(where: { $0 != hashes[0] }) else { return }
        let saved = group.validatesShapes
        group.validatesShapes = true
        for (name, t) in named { group.validate(t, op: what, name: name) }
        group.validatesShapes = saved
        group.failMismatch("\(what): tensors differ between ranks")
    }
}
