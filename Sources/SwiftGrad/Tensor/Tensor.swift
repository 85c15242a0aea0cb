/// An n-dimensional array that records the differentiable operations applied to it.
///
/// `Tensor` has reference semantics, like `torch.Tensor`: assigning it shares the object. Its elements
/// live in a `Storage`, addressed by `storageOffset` and `strides` (PyTorch's strided layout); views
/// (`transpose`, slicing, `expand`, `reshape` when strides allow...) share their base's storage.
///
///     let x = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
///     let y = (x * x).sum()
///     y.backward()
///     print(x.grad!)          // tensor([2.0000, 4.0000, 6.0000])
public final class Tensor {
    /// The memory holding the elements (shared by views).
    var storage: Storage
    /// The size of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// Element offset of the first element in `storage` (0 for tensors that are not views).
    ///
    ///     Tensor.arange(6).reshape([2, 3])[1].storageOffset   // 3
    public let storageOffset: Int
    /// Explicit strides, or nil when the tensor is row-major contiguous (no array kept then).
    let explicitStrides: [Int]?
    /// Whether the elements are row-major contiguous from `storageOffset` (computed once at init).
    ///
    ///     x.t().isContiguous        // false for a [2, 3] x
    public let isContiguous: Bool
    /// The root tensor whose storage this view shares (nil for a tensor that is not a view).
    /// Held strongly: a view keeps its base alive; the base never holds its views.
    let viewBase: Tensor?
    /// For a view: the base's `nodeHistory.count` when this view's node was set. When the base
    /// has since been modified in place (its node replaced), the view's node is rebuilt as a
    /// view of the base's new node the next time it is read (PyTorch's view grad_fn regeneration).
    var viewNodeGeneration = 0
    /// The element type.
    @inline(__always) public var dtype: DType { storedDType }
    /// The stored element type: internal, so that the optimizer can drop the dynamic exclusivity
    /// check it would put on every read of a public stored `var` (one `swift_beginAccess`, about
    /// 75 instructions, on each of the several dtype reads of every op); only
    /// `convertStorageInPlace` (Module.to) writes it.
    var storedDType: DType
    /// The number of elements (the product of `shape`).
    public let count: Int
    /// The autograd node that produced this tensor, or nil for a leaf.
    var node: Node? {
        get {
            if let base = viewBase, base.nodeHistory.count != viewNodeGeneration { regenerateViewNode(base) }
            return storedNode
        }
        set {
            storedNode = newValue
            if let base = viewBase { viewNodeGeneration = base.nodeHistory.count }
        }
    }
    var storedNode: Node?
    var leafRequiresGrad = false
    /// The accumulated gradient (leaves that require grad, after `backward()`).
    public var grad: Tensor?
    /// The autograd state most tensors never use (in-place history, hooks, forward-mode tangent),
    /// allocated on first write. A plain tensor carries this one nil reference instead of four
    /// fields, each initialised and released with every tensor (the recording path creates and
    /// frees one per op), and the recording path tests `extras == nil` once instead of each field.
    var extras: TensorExtras?

    /// The nodes this tensor had before in-place ops replaced them, oldest first (empty unless an
    /// in-place op was recorded on it). A node records each input's generation (this count), so
    /// ops recorded before an in-place change keep flowing into the node they were recorded on.
    /// Kept exclusivity-check free: every access must be instantaneous (append through
    /// `appendNodeHistory`, never `nodeHistory.append`), or the optimizer puts a dynamic
    /// exclusivity check (`swift_beginAccess`) on every read, which the recording path does per op.
    var nodeHistory: [Node?] {
        @inline(__always) get { extras?.nodeHistory ?? [] }
        set { if extras != nil || !newValue.isEmpty { writableExtras.nodeHistory = newValue } }
    }
    /// Called after backward accumulates into this leaf's `grad` (see `registerPostAccumulateGradHook`).
    var postAccumulateHooks: [(Tensor) -> Void] {
        @inline(__always) get { extras?.postAccumulateHooks ?? [] }
        set { if extras != nil || !newValue.isEmpty { writableExtras.postAccumulateHooks = newValue } }
    }
    /// Gradient hooks of a leaf (`registerHook`, Autograd/TensorHooks.swift); a non-leaf's are on its node.
    var leafGradHooks: [(id: Int, hook: (Tensor) -> Tensor?)] {
        @inline(__always) get { extras?.leafGradHooks ?? [] }
        set { if extras != nil || !newValue.isEmpty { writableExtras.leafGradHooks = newValue } }
    }
    /// The forward-mode AD tangent (Autograd/ForwardAD.swift); nil outside a dual level.
    var dual: Dual? {
        @inline(__always) get { extras?.dual }
        set { if extras != nil || newValue != nil { writableExtras.dual = newValue } }
    }
    /// `extras`, allocated if needed (assigned whole: no in-place access to the stored property).
    private var writableExtras: TensorExtras {
        if let e = extras { return e }
        let e = TensorExtras()
        extras = e
        return e
    }

    /// Wraps existing storage (no copy), contiguous from offset 0.
    init(storage: Storage, shape: [Int], dtype: DType) {
        self.storage = storage
        self.shape = shape
        self.storedDType = dtype
        self.count = elementCount(shape)
        self.storageOffset = 0
        self.explicitStrides = nil
        self.isContiguous = true
        self.viewBase = nil
        Diagnostics._tensors.wrappingAdd(1, ordering: .relaxed)
    }

    /// A view of `storage` (no copy) at `offset`; `strides` nil means row-major contiguous (no
    /// array is allocated then). `base` is the root tensor whose storage it shares.
    init(storage: Storage, offset: Int, shape: [Int], strides: [Int]?, dtype: DType, base: Tensor?) {
        self.storage = storage
        self.shape = shape
        self.storedDType = dtype
        self.count = elementCount(shape)
        self.storageOffset = offset
        if let strides {
            check(strides.count == shape.count, "internal: strides \(strides) for shape \(shape)")
            self.isContiguous = isRowMajor(shape, strides)
            self.explicitStrides = self.isContiguous && strides == contiguousStrides(shape) ? nil : strides
        } else {
            self.isContiguous = true
            self.explicitStrides = nil
        }
        self.viewBase = base
        if let base { viewNodeGeneration = base.nodeHistory.count }
        Diagnostics._tensors.wrappingAdd(1, ordering: .relaxed)
    }

    /// Allocates an uninitialised tensor (kernels fill it).
    convenience init(uninitializedShape shape: [Int], dtype: DType) {
        let (bytes, overflowed) = elementCount(shape).multipliedReportingOverflow(by: dtype.byteSize)
        if _slowPath(overflowed) { checkFailure("Tensor: storage size calculation overflowed for shape \(shape) of \(dtype)") }
        self.init(storage: Storage(byteCount: bytes), shape: shape, dtype: dtype)
    }

    deinit {
        Diagnostics._tensors.wrappingSubtract(1, ordering: .relaxed)
    }

    /// The number of axes.
    public var rank: Int { shape.count }
    /// Alias of `rank`, as in PyTorch.
    public var ndim: Int { shape.count }
    /// Whether this is a graph leaf (created by the user, not by a recorded op).
    public var isLeaf: Bool { node == nil }
    /// The name of the op that produced this tensor (`"mul"`, `"matmul"`...), or nil for a leaf.
    public var opName: String? { node?.op.description }

    /// Whether gradients flow to this tensor. Settable on leaves only (as `requires_grad_` in PyTorch).
    ///
    ///     let w = Tensor.randn([3, 3]); w.requiresGrad = true
    public var requiresGrad: Bool {
        get { node != nil || leafRequiresGrad }
        set {
            check(node == nil, "requiresGrad: can only be set on a leaf tensor (this one was made by '\(node!.op)'); use detach()")
            check(!newValue || dtype.isFloatingPoint, "requiresGrad: only float tensors can require gradients (dtype \(dtype))")
            leafRequiresGrad = newValue
        }
    }

    /// Sets `requiresGrad` and returns self, for chaining: `Tensor.randn([3]).requiringGrad()`.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// A new leaf sharing this tensor's storage (and its layout), cut off from the graph.
    ///
    ///     let lossValue = loss.detach()
    public func detach() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.detach() }) { return r }
        if storageOffset == 0 && explicitStrides == nil { return Tensor(storage: storage, shape: shape, dtype: dtype) }
        return Tensor(storage: storage, offset: storageOffset, shape: shape, strides: explicitStrides, dtype: dtype, base: nil)
    }

    /// The step in elements between neighbours along each axis (PyTorch's `stride()`).
    ///
    ///     Tensor.zeros([2, 3]).strides        // [3, 1]
    ///     Tensor.zeros([2, 3]).t().strides    // [1, 3]
    public var strides: [Int] { explicitStrides ?? contiguousStrides(shape) }

    /// Whether this tensor and `other` view the same memory (PyTorch's
    /// `x.untyped_storage().data_ptr() == y.untyped_storage().data_ptr()`).
    ///
    ///     let v = x.t(); v.sharesStorage(with: x)   // true
    public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }

    /// Sets the gradient to nil (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() { grad = nil }

    /// Registers `hook` to run each time backward has accumulated a gradient into this leaf's
    /// `grad` (PyTorch's `register_post_accumulate_grad_hook`); data-parallel training uses it to
    /// start communicating a gradient while backward continues. The hook receives the tensor:
    /// do not capture the tensor itself strongly in the closure (that would be a retain cycle).
    ///
    ///     w.registerPostAccumulateGradHook { t in print("grad ready for", t.shape) }
    public func registerPostAccumulateGradHook(_ hook: @escaping (Tensor) -> Void) {
        check(isLeaf, "registerPostAccumulateGradHook: only leaf tensors accumulate gradients (this one was made by '\(node!.op)')")
        postAccumulateHooks.append(hook)
    }

    /// Removes every hook registered with `registerPostAccumulateGradHook`.
    public func removePostAccumulateGradHooks() { postAccumulateHooks = [] }

    /// The size of one axis (negative axes count from the end).
    public func size(_ axis: Int) -> Int { shape[normalizeAxis(axis, rank, op: "size", shape: shape)] }
}

// MARK: - Typed element access for kernels (internal)

extension Tensor {
    /// The first element, for kernels that read memory as row-major contiguous: only valid for a
    /// contiguous tensor (kernel entries call `contiguous()` first or use `stridedPtr`).
    @inline(__always) func ptr<T>(_: T.Type) -> UnsafeMutablePointer<T> {
        check(isContiguous, "internal: a kernel read a non-contiguous tensor of shape \(shape), strides \(strides) as contiguous")
        if _slowPath(dual != nil) { Vmap.noteKernelRead(self) }   // vmap: an op without a batching rule
        return storage.typed(T.self) + storageOffset
    }
    /// The first element's bytes, for byte copies of a contiguous tensor.
    var rawPointer: UnsafeMutableRawPointer {
        check(isContiguous, "internal: raw bytes of a non-contiguous tensor of shape \(shape), strides \(strides)")
        if _slowPath(dual != nil) { Vmap.noteKernelRead(self) }
        return storage.pointer + storageOffset * dtype.byteSize
    }
    /// The first element of a possibly strided tensor; index with `strides`.
    @inline(__always) func stridedPtr<T>(_: T.Type) -> UnsafeMutablePointer<T> {
        if _slowPath(dual != nil) { Vmap.noteKernelRead(self) }
        return storage.typed(T.self) + storageOffset
    }
    /// Marks an in-place write to the storage.
    @inline(__always) func bumpVersion() { storage.version &+= 1 }
    /// The in-place write counter of the underlying storage.
    public var version: Int { storage.version }
}

/// Whether `strides` walk `shape` in row-major order without gaps (size-1 axes may have any stride,
/// as in PyTorch's `is_contiguous`).
func isRowMajor(_ shape: [Int], _ strides: [Int]) -> Bool {
    var expected = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        let d = shape[i]
        if d == 0 { return true }
        if d != 1 {
            if strides[i] != expected { return false }
            expected *= d
        }
    }
    return true
}

/// Normalises a possibly negative axis, stopping with a message naming the op (and the operand's
/// shape, when given) if it is out of range.
@inline(__always)
func normalizeAxis(_ axis: Int, _ rank: Int, op: String, shape: [Int]? = nil) -> Int {
    let r = max(rank, 1)
    let a = axis < 0 ? axis + r : axis
    if a < 0 || a >= r {
        let operand = shape.map { "shape \($0)" } ?? "rank \(rank)"
        fatalError("\(op): axis \(axis) is out of range for a tensor of \(operand) (valid axes \(-r)...\(r - 1))")
    }
    return a
}

/// The rarely used autograd state of a tensor (see `Tensor.extras`).
final class TensorExtras {
    var nodeHistory: [Node?] = []
    var postAccumulateHooks: [(Tensor) -> Void] = []
    var leafGradHooks: [(id: Int, hook: (Tensor) -> Tensor?)] = []
    var dual: Dual?
}
