/// An n-dimensional array that records the differentiable operations applied to it.
///
/// `Tensor` has reference semantics, like `torch.Tensor`: assigning it shares the object. Its elements
/// live in a contiguous, row-major `Storage`; reshape-like views share that storage.
///
///     let x = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
///     let y = (x * x).sum()
///     y.backward()
///     print(x.grad!)          // tensor([2.0000, 4.0000, 6.0000])
public final class Tensor {
    /// The elements, contiguous and row-major.
    var storage: Storage
    /// The size of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// The element type.
    public internal(set) var dtype: DType
    /// The number of elements (the product of `shape`).
    public let count: Int
    /// The autograd node that produced this tensor, or nil for a leaf.
    var node: Node?
    var leafRequiresGrad = false
    /// The accumulated gradient (leaves that require grad, after `backward()`).
    public var grad: Tensor?
    /// Called after backward accumulates into this leaf's `grad` (see `registerPostAccumulateGradHook`).
    var postAccumulateHooks: [(Tensor) -> Void] = []

    /// Wraps existing storage (no copy).
    init(storage: Storage, shape: [Int], dtype: DType) {
        self.storage = storage
        self.shape = shape
        self.dtype = dtype
        self.count = shape.reduce(1, *)
        Diagnostics._tensors.wrappingAdd(1, ordering: .relaxed)
    }

    /// Allocates an uninitialised tensor (kernels fill it).
    convenience init(uninitializedShape shape: [Int], dtype: DType) {
        let n = shape.reduce(1, *)
        self.init(storage: Storage(byteCount: n * dtype.byteSize), shape: shape, dtype: dtype)
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

    /// A new leaf sharing this tensor's storage, cut off from the graph.
    ///
    ///     let lossValue = loss.detach()
    public func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, dtype: dtype)
    }

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
    @inline(__always) func ptr<T>(_: T.Type) -> UnsafeMutablePointer<T> { storage.typed(T.self) }
    /// Marks an in-place write to the storage.
    @inline(__always) func bumpVersion() { storage.version &+= 1 }
    /// The in-place write counter of the underlying storage.
    public var version: Int { storage.version }
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
