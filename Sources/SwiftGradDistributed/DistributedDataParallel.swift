// DistributedDataParallel: the same model on every rank, each rank a different slice of every
// batch, gradients averaged so every rank takes the same optimizer step (PyTorch's DDP).

import SwiftGrad

/// Wraps a model for data-parallel training on a `ProcessGroup`. At init it broadcasts every
/// parameter and buffer from rank 0 (so all ranks start identical) and hooks every trainable
/// parameter. During `backward()` gradients are averaged over the ranks in buckets of about
/// `bucketCapMB` megabytes, each bucket's non-blocking all-reduce starting as soon as its gradients
/// are ready, while backward continues. When the backward pass ends the remaining communication is
/// awaited automatically and every `.grad` holds the average over all ranks; the optimizer step is
/// unchanged. Call `finishGradientSync()` yourself only if you drive backward in unusual ways (it
/// is idempotent). On a single rank DDP only wraps the model: gradients are left as they are.
///
/// What is synchronised: parameters and buffers once at init; gradients of trainable parameters at
/// every backward (unless inside `withoutSync`). What is not: buffers after init (BatchNorm running
/// statistics stay local to each rank, as in PyTorch, unless the model uses `SyncBatchNorm`), optimizer
/// state (identical anyway, since every rank applies the same averaged gradients), random generators.
///
///     let ddp = DistributedDataParallel(model)            // group: ProcessGroup.world()
///     let loss = crossEntropy(logits: ddp(x), targets: y); loss.backward(); optimizer.step()
public final class DistributedDataParallel: StateDictConvertible {
    /// The wrapped model, shared (not copied): its parameters are the ones trained.
    public let module: Module
    /// The group the model is replicated over.
    public let group: ProcessGroup
    /// A private communicator for gradient buckets, so they never interleave with user collectives.
    let gradientGroup: ProcessGroup
    let reducer: GradientReducer

    /// Wraps `module`: checks that every rank has the same parameter shapes, broadcasts parameters and
    /// buffers from rank 0, and installs the gradient hooks. Collective: every rank must call it.
    ///
    /// Buckets hold about `bucketCapMB` megabytes of gradients, except the first (the last layers,
    /// whose gradients backward produces first), which holds about `firstBucketCapMB`, so that
    /// communication starts early (PyTorch's defaults: 25 and 1).
    ///
    ///     let ddp = DistributedDataParallel(Net(), group: .world(), bucketCapMB: 25)
    ///     let optimizer = SGD(ddp.parameters(), lr: 0.1)
    public init(_ module: Module, group: ProcessGroup = .world(), bucketCapMB: Double = 25, firstBucketCapMB: Double = 1) {
        check(bucketCapMB > 0 && firstBucketCapMB > 0,
                     "DistributedDataParallel: bucketCapMB and firstBucketCapMB must be positive, got \(bucketCapMB) and \(firstBucketCapMB)")
        self.module = module
        self.group = group
        let parameters = module.namedParameters()
        let buffers = module.namedBuffers()
        GradientReducer.validate(parameters + buffers, group: group, what: "DistributedDataParallel(\(module.typeName))")
        withNoGrad {
            for (name, p) in parameters { group.broadcast(p, from: 0, name: name) }
            for (name, b) in buffers { group.broadcast(b, from: 0, name: name) }
        }
        gradientGroup = group.duplicate()
        reducer = GradientReducer(parameters: parameters, group: gradientGroup,
                                  bucketCapBytes: Int(bucketCapMB * 1_048_576),
                                  firstBucketCapBytes: Int(firstBucketCapMB * 1_048_576))
    }

    /// Runs the wrapped model.
    ///
    ///     let logits = ddp(images)
    ///     let loss = crossEntropy(logits: logits, targets: labels)
    public func callAsFunction(_ input: Tensor) -> Tensor { module(input) }

    /// The wrapped model's parameters (give them to the optimizer).
    ///
    ///     let optimizer = Adam(ddp.parameters(), lr: 1e-3)
    public func parameters() -> [Tensor] { module.parameters() }

    /// The wrapped model's state dict, with the same names as the unwrapped model (no "module."
    /// prefix), so a checkpoint loads with or without DDP.
    ///
    ///     let state = ddp.stateDict()
    ///     try model.loadStateDict(state)
    public func stateDict() -> [String: Tensor] { module.stateDict() }

    /// Loads a state dict into the wrapped model (same names as the unwrapped model). Every rank
    /// loading the same checkpoint stays identical; if only rank 0 loads, call `syncFromMain()`.
    ///
    ///     try ddp.loadStateDict(try Checkpoint.load(from: path).state("model"))
    ///     ddp.syncFromMain()
    public func loadStateDict(_ state: [String: Tensor]) throws { try module.loadStateDict(state) }

    /// Waits for the gradient communication of the last backward pass and writes the averaged
    /// gradients. Called automatically when backward ends; calling it again does nothing.
    ///
    ///     loss.backward()
    ///     ddp.finishGradientSync()                         // a no-op here: already done
    public func finishGradientSync() { reducer.finish() }

    /// Runs `body` (typically forward and backward of a micro-batch) without synchronising gradients:
    /// they accumulate locally, and the next synchronised backward averages the accumulated sums
    /// (PyTorch's `no_sync`, for gradient accumulation).
    ///
    ///     ddp.withoutSync { lossFn(ddp(x1), y1).backward() }
    ///     lossFn(ddp(x2), y2).backward()                   // averages both micro-batches' gradients
    public func withoutSync<R>(_ body: () throws -> R) rethrows -> R {
        let old = reducer.syncEnabled
        reducer.syncEnabled = false
        defer { reducer.syncEnabled = old }
        return try body()
    }

    /// Number of gradient buckets (0 on a single rank, where there is nothing to average).
    ///
    ///     print("gradients travel in \(ddp.bucketCount) buckets")
    public var bucketCount: Int { reducer.buckets.count }

    /// When each bucket started communicating during the last backward, and how long the wait after
    /// backward took: shows whether communication overlapped with backward.
    ///
    ///     loss.backward()
    ///     print(ddp.lastSync.launchedDuringBackward)
    public var lastSync: GradientSyncReport { reducer.report }

    /// Re-broadcasts every buffer from rank 0 (for example BatchNorm running statistics before
    /// evaluating or saving, since they drift apart on each rank).
    ///
    ///     ddp.broadcastBuffers()
    ///     model.eval()
    public func broadcastBuffers() {
        for (name, b) in module.namedBuffers() { group.broadcast(b, from: 0, name: name) }
    }
}
