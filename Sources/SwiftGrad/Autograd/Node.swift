/// A backward function: given the gradient of the loss with respect to an op's output, returns the
/// gradient with respect to each input (nil where an input needs none). Written with Tensor ops, so
/// with `createGraph: true` it is itself recorded and can be differentiated again.
typealias BackwardFunction = (_ grad: Tensor, _ ctx: BackwardContext) -> [Tensor?]

/// Which values an op keeps for its backward pass. Saved values are version-checked at backward time.
struct Saved: OptionSet {
    let rawValue: UInt8
    static let input0 = Saved(rawValue: 1)
    static let input1 = Saved(rawValue: 2)
    static let input2 = Saved(rawValue: 4)
    static let output = Saved(rawValue: 8)
    static let inputs: Saved = [.input0, .input1, .input2]
}

/// One recorded op in the autograd graph. It holds its inputs (edges to earlier nodes), the version
/// of every saved value and the backward closure. It never holds its output tensor: the output is
/// rebuilt from the saved storage when backward needs it, so there is no retain cycle.
final class Node {
    /// The op this node records (its name prints as the op's registry name or the custom name).
    let op: RecordedOp
    var inputs: [Tensor]
    /// Each input's `nodeHistory.count` at record time (nil when every input had none): the edge
    /// to input i is the node that input had then, even if an in-place op replaced it since.
    var inputGenerations: [Int]?
    var backwardFn: BackwardFunction?
    let saved: Saved
    var inputVersions: (Int, Int, Int) = (0, 0, 0)
    var outputStorage: Storage?
    var outputVersion = 0
    var outputOffset = 0
    var outputStrides: [Int]?
    let outputShape: [Int]
    let outputDType: DType
    /// The gradient flowing into this node during one backward pass.
    var pendingGrad: Tensor?
    /// Set once backward has freed the saved values (unless retainGraph).
    var released = false
    /// DFS bookkeeping for the topological sort.
    var visitMark = 0
    /// What few nodes carry (anomaly origin, gradient capture, scatter backward, output tangent,
    /// checkpoint frame, gradient hooks), allocated on first write: a plain node holds one nil
    /// reference instead of six fields initialised and released with every op, and the engine
    /// tests `extras == nil` once per node instead of each of them.
    var extras: NodeExtras?

    /// Where the op was created (anomaly mode only).
    var origin: OpOrigin? {
        get { extras?.origin }
        set { if extras != nil || newValue != nil { writableExtras.origin = newValue } }
    }
    /// A non-leaf tensor whose gradient `grad(of:wrt:)` wants (weak: the tensor owns this node).
    var captureFor: Tensor? {
        get { extras?.captureFor }
        set { if extras != nil || newValue != nil { writableExtras.captureFor = newValue } }
    }
    /// For ops that read part of a single input (slice, narrow, split, indexSelect): adds the
    /// output's gradient into a full-size gradient buffer of the input in place. Without a graph
    /// to record, the engine uses it instead of `backwardFn`, so k slices of one tensor cost
    /// O(slice) each rather than a full-size zero tensor each.
    var scatterInto: ((_ grad: Tensor, _ target: Tensor) -> Void)? {
        get { extras?.scatterInto }
        set { if extras != nil || newValue != nil { writableExtras.scatterInto = newValue } }
    }
    /// The output's forward-mode tangent, when one was computed and the output is saved, so that
    /// `BackwardContext.output` carries it (reverse mode inside a dual level: hessian).
    var outputDual: Dual? {
        get { extras?.outputDual }
        set { if extras != nil || newValue != nil { writableExtras.outputDual = newValue } }
    }
    /// The checkpointed block this node was recorded in, whose recomputation restores the tensors
    /// it dropped from this node (Autograd/ActivationCheckpoint.swift); nil outside one.
    var checkpoint: CheckpointFrame? {
        get { extras?.checkpoint }
        set { if extras != nil || newValue != nil { writableExtras.checkpoint = newValue } }
    }
    /// Gradient hooks and the retained tensor of this node's output (Autograd/TensorHooks.swift).
    var gradHooks: NodeGradHooks? {
        get { extras?.gradHooks }
        set { if extras != nil || newValue != nil { writableExtras.gradHooks = newValue } }
    }
    /// `extras`, allocated if needed (assigned whole: no in-place access to the stored property).
    private var writableExtras: NodeExtras {
        if let e = extras { return e }
        let e = NodeExtras()
        extras = e
        return e
    }

    init(op: RecordedOp, inputs: [Tensor], saved: Saved, output: Tensor, backward: @escaping BackwardFunction) {
        self.op = op
        self.inputs = inputs
        self.saved = saved
        self.backwardFn = backward
        self.outputShape = output.shape
        self.outputDType = output.dtype
        // Built in a local and stored once: an in-place `inputGenerations![i] = g` is an access
        // spanning a call, which makes the optimizer check every later read of the property
        // dynamically (swift_beginAccess in each `edge(i)` of backward).
        var generations: [Int]?
        for i in inputs.indices where inputs[i].extras != nil || inputs[i].viewBase != nil {
            _ = inputs[i].node   // rebuild a stale view node first, so its generation is current
            let g = inputs[i].nodeHistory.count
            if g != 0 {
                if generations == nil { generations = [Int](repeating: 0, count: inputs.count) }
                generations![i] = g
            }
        }
        if generations != nil { inputGenerations = generations }
        if saved.contains(.input0) { inputVersions.0 = inputs[0].storage.version }
        if saved.contains(.input1) { inputVersions.1 = inputs[1].storage.version }
        if saved.contains(.input2) { inputVersions.2 = inputs[2].storage.version }
        if saved.contains(.output) {
            outputStorage = output.storage
            outputVersion = output.storage.version
            outputOffset = output.storageOffset
            outputStrides = output.explicitStrides
        }
        Diagnostics._nodes.wrappingAdd(1, ordering: .relaxed)
    }

    deinit {
        Diagnostics._nodes.wrappingSubtract(1, ordering: .relaxed)
        // Release the inputs through the thread's queue: a chain of a million nodes must not recurse.
        // (Moved out first, not passed as `&inputs`: an inout access to the property spanning a
        // call would put a dynamic exclusivity check on every read of `inputs` in backward.)
        if !inputs.isEmpty {
            var taken = inputs
            inputs = []
            ThreadContext.current.bury(&taken)
        }
    }

    /// Frees what backward needed (after a backward pass without retainGraph).
    func release() {
        backwardFn = nil
        scatterInto = nil
        outputStorage = nil
        released = true
        // Safe to drop directly: during backward the engine's node list keeps every node of the
        // graph alive, so this cannot cascade into a deep chain of deinits.
        inputs = []
    }

    /// The node input `i` had when this op was recorded (nil for a leaf).
    @inline(__always) func edge(_ i: Int) -> Node? {
        let t = inputs[i]
        let current = t.node   // reading it first moves a stale view node into the history
        if t.extras == nil { return current }   // no history: the node it had is the one it has
        let g = inputGenerations?[i] ?? 0
        return g == t.nodeHistory.count ? current : t.nodeHistory[g]
    }

    /// Whether input `i` needed a gradient when this op was recorded.
    @inline(__always) func inputNeedsGrad(_ i: Int) -> Bool { edge(i) != nil || inputs[i].leafRequiresGrad }

    func savedVersion(_ i: Int) -> Int {
        switch i { case 0: return inputVersions.0; case 1: return inputVersions.1; default: return inputVersions.2 }
    }
}

/// The rarely used fields of a node (see `Node.extras`).
final class NodeExtras {
    var origin: OpOrigin?
    weak var captureFor: Tensor?
    var scatterInto: ((_ grad: Tensor, _ target: Tensor) -> Void)?
    var outputDual: Dual?
    var checkpoint: CheckpointFrame?
    var gradHooks: NodeGradHooks?
}

/// What a backward closure may read: its op's inputs and output, checked against in-place changes.
struct BackwardContext {
    let node: Node
    /// Set when forward-mode AD calls the backward (Autograd/ForwardAD.swift): -1 means every
    /// input needs a gradient, i ≥ 0 only input i.
    var forwardInput: Int? = nil
    /// The fallback's local backward reads the output without its graph node.
    var detachedOutput = false

    /// Input `i` as it was at forward time. Stops if it was modified in place since.
    func input(_ i: Int) -> Tensor {
        let t = node.inputs[i]
        let mask = Saved(rawValue: 1 << UInt8(i))
        if i < 3 && node.saved.contains(mask) && t.storage.version != node.savedVersion(i) {
            fatalError("backward of '\(node.op)': input \(i) of shape \(t.shape) was modified by an in-place operation after it was saved (saved at version \(node.savedVersion(i)), now version \(t.storage.version))")
        }
        return t
    }

    /// The op's output, reattached to this node so that a recorded backward (createGraph) stays differentiable.
    var output: Tensor {
        guard let s = node.outputStorage else {
            fatalError("backward of '\(node.op)': the output was not saved")
        }
        if s.version != node.outputVersion {
            fatalError("backward of '\(node.op)': its output of shape \(node.outputShape) was modified by an in-place operation after it was saved (saved at version \(node.outputVersion), now version \(s.version))")
        }
        let t = Tensor(storage: s, offset: node.outputOffset, shape: node.outputShape,
                       strides: node.outputStrides, dtype: node.outputDType, base: nil)
        if !detachedOutput { t.node = node }
        if let d = node.outputDual { t.dual = d }
        return t
    }

    /// Whether input `i` needs a gradient (skip computing the others).
    func needsGrad(_ i: Int) -> Bool {
        if let f = forwardInput { return f < 0 || f == i }
        return node.inputNeedsGrad(i)
    }
}

// MARK: - Recording

// Forward-mode AD (Autograd/ForwardAD.swift): the forms here have no forward rule, so a tangent
// goes through the exact fallback; the forms with `forward: .elementwise` or a `forward:` closure
// are in ForwardAD.swift. With no dual level active the forward part costs one nil check per input
// (`dual`, the `_slowPath` line): keep it that way.

extension Tensor {
    /// Attaches a node for `op` with one input if grad mode is on and the input requires grad.
    @inline(__always)
    func recorded(_ op: Op, _ a: Tensor, save: Saved = [], _ backward: @escaping BackwardFunction) -> Tensor {
        if a.requiresGrad && ThreadContext.current.gradEnabled {
            attach(Node(op: .builtin(op), inputs: [a], saved: save, output: self, backward: backward))
        }
        if _slowPath(a.dual != nil) { propagateTangent(.builtin(op), [a], save: save, kind: .fallback, backward) { _ in nil } }
        if _slowPath(Profiler.isOn) { Profiler.opFinished(op, output: self, a) }
        return self
    }

    /// Attaches a node for `op` with two inputs if grad mode is on and either input requires grad.
    @inline(__always)
    func recorded(_ op: Op, _ a: Tensor, _ b: Tensor, save: Saved = [], _ backward: @escaping BackwardFunction) -> Tensor {
        if (a.requiresGrad || b.requiresGrad) && ThreadContext.current.gradEnabled {
            attach(Node(op: .builtin(op), inputs: [a, b], saved: save, output: self, backward: backward))
        }
        if _slowPath(a.dual != nil || b.dual != nil) { propagateTangent(.builtin(op), [a, b], save: save, kind: .fallback, backward) { _ in nil } }
        if _slowPath(Profiler.isOn) { Profiler.opFinished(op, output: self, a, b) }
        return self
    }

    /// Attaches a node for `op` with any number of inputs.
    func recorded(_ op: Op, inputs: [Tensor], save: Saved = [], _ backward: @escaping BackwardFunction) -> Tensor {
        recorded(.builtin(op), inputs: inputs, save: save, backward)
    }

    /// Attaches a node for a registry op or a user's custom op with any number of inputs.
    func recorded(_ op: RecordedOp, inputs: [Tensor], save: Saved = [], _ backward: @escaping BackwardFunction) -> Tensor {
        if inputs.contains(where: { $0.requiresGrad }) && ThreadContext.current.gradEnabled {
            attach(Node(op: op, inputs: inputs, saved: save, output: self, backward: backward))
        }
        if _slowPath(inputs.contains { $0.dual != nil }) { propagateTangent(op, inputs, save: save, kind: .fallback, backward) { _ in nil } }
        if _slowPath(Profiler.isOn) { Profiler.opFinished(op, output: self, inputs: inputs) }
        return self
    }

    /// Gives this tensor's node an in-place scatter backward (see `Node.scatterInto`).
    @inline(__always)
    func withScatterBackward(_ scatter: @escaping (_ grad: Tensor, _ target: Tensor) -> Void) -> Tensor {
        node?.scatterInto = scatter
        return self
    }

    func attach(_ n: Node) {
        check(dtype.isFloatingPoint, "\(n.op): an integer result cannot carry gradients")
        node = n
        let ctx = ThreadContext.current
        if ctx.anomalyEnabled { Anomaly.checkForward(self, node: n, ctx: ctx) }
        if let capture = ctx.checkpointCapture { capture.note(n) }
    }
}

// MARK: - Saved tensors outside the inputs

/// A tensor a backward closure reads that is not one of the op's differentiable inputs (an index
/// tensor, argmax positions), captured with the version of its storage at forward time. Reading
/// it in backward after an in-place change stops with PyTorch's error instead of computing a wrong
/// gradient. Only int64 tensors (which never carry a node) are saved this way, so the closure that
/// captures the box holds no edge back into the graph: no retain cycle. The box is freed with the
/// closure when the graph is released.
///
///     let saved = SavedTensor(index)
///     out.recorded(.gather, self) { g, ctx in [... saved.value(ctx, "index") ...] }
struct SavedTensor {
    private let tensor: Tensor
    private let version: Int

    init(_ tensor: Tensor) {
        self.tensor = tensor
        version = tensor.storage.version
    }

    /// The saved tensor; stops, naming `op`, if it was modified in place since it was saved.
    func value(op: String, _ role: String) -> Tensor {
        let now = tensor.storage.version
        if _slowPath(now != version) {
            checkFailure("backward of '\(op)': one of the variables needed for gradient computation has been modified by an inplace operation: the \(role) of shape \(tensor.shape) (\(tensor.dtype)) is at version \(now); expected version \(version)")
        }
        return tensor
    }

    /// The saved tensor, checked as `value(op:_:)` with the op of the node running backward.
    func value(_ ctx: BackwardContext, _ role: String) -> Tensor { value(op: ctx.node.op.description, role) }
}
