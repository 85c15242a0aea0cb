// Activation checkpointing (PyTorch's torch.utils.checkpoint with use_reentrant=False): a block's
// forward is recorded as usual, then the tensors its nodes keep for backward are dropped; the first
// time backward reaches one of the block's nodes, the block runs again and the dropped tensors get
// the recomputed values back.
//
// How: while the block runs, `attach` (Autograd/Node.swift) logs every node it records into the
// thread's `CheckpointCapture`, and `Generator.withState` logs each generator's state before its
// first draw. When the block returns, each logged node's inputs that the block created (not a
// parameter, not a block input or output) are replaced in the node by a stand-in tensor of the
// same layout and graph edge whose storage is empty, and so is a saved output; the nodes point at
// the block's `CheckpointFrame`. The engine (Autograd/Backward.swift) calls `materialize()` before
// running such a node: the block runs again, with recording on, the generators set back to their
// logged states (and restored afterwards) and the same autocast dtype; its k-th recorded node
// pairs with the original k-th, and each stand-in takes the storage of the recomputed node's
// input. The graph, the engine's order and every kernel are those of the plain run, so the
// gradients are bitwise equal.

/// Nodes and generator states logged while a checkpointed block (or its recomputation) runs.
final class CheckpointCapture {
    let parent: CheckpointCapture?
    let logGenerators: Bool
    var nodes: [Node] = []
    var generators: [(generator: Generator, state: [UInt64])] = []

    init(parent: CheckpointCapture?, logGenerators: Bool) {
        self.parent = parent
        self.logGenerators = logGenerators
    }

    /// Logs a node attached on this thread (in this capture and every enclosing one).
    func note(_ node: Node) {
        var c: CheckpointCapture? = self
        while let level = c { level.nodes.append(node); c = level.parent }
    }

    /// Logs `g`'s state before its first draw inside the block.
    func noteGenerator(_ g: Generator) {
        var c: CheckpointCapture? = self
        while let level = c {
            if level.logGenerators && !level.generators.contains(where: { $0.generator === g }) {
                level.generators.append((g, g.getState()))
            }
            c = level.parent
        }
    }
}

/// What a checkpointed block needs to run again in backward, and which node slots it emptied.
final class CheckpointFrame {
    struct Entry {
        weak var node: Node?
        let op: RecordedOp
        var inputs: [Int] = []
        var output = false
    }

    private let body: () -> [Tensor]
    private let inputs: [Tensor]
    private let inputVersions: [Int]
    private let generators: [(generator: Generator, state: [UInt64])]
    private let autocast: DType?
    private var entries: [Entry] = []
    /// The storage of every stand-in until backward restores it: empty.
    private let empty = Storage(byteCount: 0)
    private(set) var materialized = false

    init(body: @escaping () -> [Tensor], inputs: [Tensor], inputVersions: [Int],
         generators: [(generator: Generator, state: [UInt64])], autocast: DType?) {
        self.body = body
        self.inputs = inputs
        self.inputVersions = inputVersions
        self.generators = generators
        self.autocast = autocast
    }

    /// Empties the slots of `nodes` (the block's nodes, in recording order) that hold tensors the
    /// block created, keeping `outputs`, the block's inputs and leaves that require grad.
    func drop(_ nodes: [Node], outputs: [Tensor]) {
        var keep = Set<ObjectIdentifier>()
        for t in outputs { keep.insert(ObjectIdentifier(t.storage)) }
        for t in inputs { keep.insert(ObjectIdentifier(t.storage)) }
        var standIns: [ObjectIdentifier: Tensor] = [:]
        var originals: [Tensor] = []   // alive until the end, so no ObjectIdentifier is reused meanwhile
        entries.reserveCapacity(nodes.count)
        for n in nodes {
            var e = Entry(node: n, op: n.op)
            // A node of a checkpoint nested inside this block belongs to that block's frame.
            if n.checkpoint == nil {
                var ins = n.inputs
                for i in ins.indices {
                    let t = ins[i]
                    if t.leafRequiresGrad || t.storage.byteCount == 0 || keep.contains(ObjectIdentifier(t.storage)) { continue }
                    let key = ObjectIdentifier(t)
                    let s: Tensor
                    if let known = standIns[key] { s = known } else { s = standIn(for: t); standIns[key] = s; originals.append(t) }
                    ins[i] = s
                    e.inputs.append(i)
                }
                if !e.inputs.isEmpty { n.inputs = []; n.inputs = ins }
                if let s = n.outputStorage, !keep.contains(ObjectIdentifier(s)) {
                    n.outputStorage = empty
                    e.output = true
                }
                n.checkpoint = self
            }
            entries.append(e)
        }
        withExtendedLifetime(originals) {}
    }

    /// A tensor with `t`'s layout, graph edge and tangent, over the empty storage.
    private func standIn(for t: Tensor) -> Tensor {
        let node = t.node   // a stale view node is rebuilt first, so the edge is current
        let s = Tensor(storage: empty, offset: t.storageOffset, shape: t.shape, strides: t.explicitStrides, dtype: t.dtype, base: nil)
        s.storedNode = node
        s.nodeHistory = t.nodeHistory
        s.dual = t.dual
        return s
    }

    /// Runs the block again and gives the emptied slots their values back (once).
    func materialize() {
        if materialized { return }
        materialized = true
        for (t, v) in zip(inputs, inputVersions) where t.version != v {
            checkFailure("checkpoint: an input of shape \(t.shape) was modified by an in-place operation after the checkpointed forward (version \(v), now \(t.version)); the recomputation would differ from the forward")
        }
        let ctx = ThreadContext.current
        let now = generators.map { $0.generator.getState() }
        for g in generators { g.generator.setState(g.state) }
        let oldGrad = ctx.gradEnabled, oldAutocast = ctx.autocastDType, oldCapture = ctx.checkpointCapture
        let capture = CheckpointCapture(parent: nil, logGenerators: false)
        ctx.gradEnabled = true
        ctx.autocastDType = autocast
        ctx.checkpointCapture = capture
        let outputs = body()
        ctx.gradEnabled = oldGrad
        ctx.autocastDType = oldAutocast
        ctx.checkpointCapture = oldCapture
        for (g, s) in zip(generators, now) { g.generator.setState(s) }
        let recomputed = capture.nodes
        check(recomputed.count == entries.count,
              "checkpoint: the recomputation recorded \(recomputed.count) ops where the forward recorded \(entries.count); a checkpointed block must run the same ops each time (no control flow on changing state)")
        for (k, e) in entries.enumerated() {
            let r = recomputed[k]
            check(r.op == e.op, "checkpoint: op \(k) of the recomputation is '\(r.op)' where the forward recorded '\(e.op)'; a checkpointed block must run the same ops each time")
            guard let n = e.node else { continue }
            for i in e.inputs {
                let s = n.inputs[i], src = r.inputs[i]
                check(s.shape == src.shape && s.dtype == src.dtype && s.storageOffset == src.storageOffset && s.strides == src.strides,
                      "checkpoint: input \(i) of '\(e.op)' was recomputed with shape \(src.shape) (\(src.dtype)) where the forward saved \(s.shape) (\(s.dtype))")
                s.storage = src.storage
            }
            if e.output { n.outputStorage = r.outputStorage }
        }
        withExtendedLifetime(outputs) {}
    }
}

/// Runs `body` as a checkpointed block: see the top of this file.
func runCheckpointed(_ inputs: [Tensor], preserveRNGState: Bool, _ body: @escaping () -> [Tensor]) -> [Tensor] {
    let ctx = ThreadContext.current
    guard ctx.gradEnabled else { return body() }
    let versions = inputs.map(\.version)
    let capture = CheckpointCapture(parent: ctx.checkpointCapture, logGenerators: preserveRNGState)
    ctx.checkpointCapture = capture
    let outputs = body()
    ctx.checkpointCapture = capture.parent
    for (i, (t, v)) in zip(inputs, versions).enumerated() where t.version != v {
        checkFailure("checkpoint: the block modified its input \(i) of shape \(t.shape) in place; the recomputation in backward would see the modified value")
    }
    guard !capture.nodes.isEmpty else { return outputs }
    let frame = CheckpointFrame(body: body, inputs: inputs, inputVersions: versions,
                                generators: capture.generators, autocast: ctx.autocastDType)
    frame.drop(capture.nodes, outputs: outputs)
    return outputs
}

// MARK: - Public API

/// Runs `body` on `inputs` without keeping its intermediate activations for backward: backward
/// recomputes them (PyTorch's `torch.utils.checkpoint.checkpoint(f, *inputs, use_reentrant=False)`).
/// Gradients are bitwise those of running `body` directly. With `preserveRNGState` (the default)
/// every generator the block draws from is set back for the recomputation, so dropout masks repeat.
/// Tensors the block captures (a module's weights, other activations) are handled like inputs.
/// The block must run the same ops each time, and must not change state that changes its result
/// (BatchNorm's running statistics are updated twice in training, as in PyTorch).
///
///     let outs = checkpoint([x, mask]) { xs in [layer(xs[0], mask: xs[1])] }
public func checkpoint(_ inputs: [Tensor], preserveRNGState: Bool = true,
                       _ body: @escaping ([Tensor]) -> [Tensor]) -> [Tensor] {
    runCheckpointed(inputs, preserveRNGState: preserveRNGState) { body(inputs) }
}

/// A checkpointed block of one tensor (see `checkpoint(_:preserveRNGState:_:)` for lists).
///
///     let h = checkpoint(x) { block($0) }
public func checkpoint(_ input: Tensor, preserveRNGState: Bool = true, _ body: @escaping (Tensor) -> Tensor) -> Tensor {
    runCheckpointed([input], preserveRNGState: preserveRNGState) { [body(input)] }[0]
}

/// A checkpointed block of two tensors.
///
///     let y = checkpoint(x, memory) { a, b in decoderLayer(a, memory: b) }
public func checkpoint(_ a: Tensor, _ b: Tensor, preserveRNGState: Bool = true,
                       _ body: @escaping (Tensor, Tensor) -> Tensor) -> Tensor {
    runCheckpointed([a, b], preserveRNGState: preserveRNGState) { [body(a, b)] }[0]
}

/// A checkpointed block whose tensors are all captured by the closure.
///
///     let y = checkpoint { block(x) }
public func checkpoint(preserveRNGState: Bool = true, _ body: @escaping () -> Tensor) -> Tensor {
    runCheckpointed([], preserveRNGState: preserveRNGState) { [body()] }[0]
}

extension Diagnostics {
    /// The bytes of the distinct storages that `tensor`'s autograd graph keeps alive for backward:
    /// its nodes' inputs and saved outputs, without leaves that require grad (parameters) and
    /// without `tensor` itself. Shows what activation checkpointing saves; deterministic, unlike
    /// process-wide counters.
    ///
    ///     let bytes = Diagnostics.graphSavedBytes(of: loss)
    public static func graphSavedBytes(of tensor: Tensor) -> Int {
        guard let root = tensor.node else { return 0 }
        var seenNodes = Set<ObjectIdentifier>([ObjectIdentifier(root)])
        var seenStorages = Set<ObjectIdentifier>([ObjectIdentifier(tensor.storage)])
        var stack = [root]
        var bytes = 0
        func count(_ s: Storage) {
            if seenStorages.insert(ObjectIdentifier(s)).inserted { bytes += s.byteCount }
        }
        while let n = stack.popLast() {
            if let s = n.outputStorage { count(s) }
            for i in n.inputs.indices {
                let t = n.inputs[i]
                if !t.leafRequiresGrad { count(t.storage) }
                if let next = n.edge(i), seenNodes.insert(ObjectIdentifier(next)).inserted { stack.append(next) }
            }
        }
        return bytes
    }
}
