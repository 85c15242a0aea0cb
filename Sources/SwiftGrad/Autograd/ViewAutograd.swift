// Autograd through in-place writes into views (PyTorch's CopySlices and view grad_fn regeneration).
//
// A view shares its base's storage, so an in-place op on the view changes the base. The graph
// follows the values: the base takes a new node (`copy_slices`) whose backward passes the gradient
// to the base's old history outside the view's region, and routes the region's gradient through
// the in-place op (recorded out of place on the view's old value). Every view of the base, the
// written one included, becomes an `as_strided` view of the base's new node the next time its
// node is read (`Tensor.node`), because the base's node generation moved on.

/// What `beginInPlace` hands to `endInPlace`: the old value, holding the old history.
struct InPlaceRecord {
    let old: Tensor
    /// For a write into a view: the base's storage and layout carrying the base's old node.
    let oldBase: Tensor?
}

extension Tensor {
    /// Gives this tensor a new node, keeping the old one reachable for ops recorded before.
    func replaceNode(_ n: Node?) {
        appendNodeHistory(node)
        node = n
    }

    /// `nodeHistory.append(n)` written as instantaneous accesses (read, clear, write back): an
    /// in-place `append` on the property is an access spanning a call, after which the optimizer
    /// keeps a dynamic exclusivity check on every read of `nodeHistory`, and the recording path
    /// reads it for each input of each op. Clearing the property first keeps the local array
    /// uniquely referenced, so the append does not copy.
    @inline(__always) func appendNodeHistory(_ n: Node?) {
        var history = nodeHistory
        nodeHistory = []
        history.append(n)
        nodeHistory = history
    }

    /// The node of a view whose base has had its node replaced: an `as_strided` view of the base's
    /// current node (nil when the base needs no gradient). The old node stays in `nodeHistory`.
    func regenerateViewNode(_ base: Tensor) {
        appendNodeHistory(storedNode)
        viewNodeGeneration = base.nodeHistory.count
        storedNode = nil
        guard base.storedNode != nil || base.leafRequiresGrad, dtype.isFloatingPoint, base.isContiguous else { return }
        let geometry = ViewGeometry(shape: shape, strides: strides, offset: storageOffset - base.storageOffset)
        let inShape = base.shape
        storedNode = Node(op: .builtin(.asStrided), inputs: [base], saved: [], output: self) { g, _ in
            [g.asStridedBackward(inShape: inShape, geometry)]
        }
    }

    /// Before a recorded write into `view`: the view's old value (a copy) whose node is an
    /// `as_strided` view of the base's old history, held on an alias of the base (`oldBase`). The
    /// graph the base's new node reaches then never holds the base object itself (no retain cycle
    /// base -> node -> ... -> base).
    static func viewInPlaceRecord(base: Tensor, view: Tensor) -> InPlaceRecord {
        let oldBase = Tensor(storage: base.storage, offset: base.storageOffset, shape: base.shape,
                             strides: base.explicitStrides, dtype: base.dtype, base: nil)
        oldBase.node = base.node
        let old = Kernels.contiguousCopy(view)
        if oldBase.node != nil {
            let geometry = ViewGeometry(shape: view.shape, strides: view.strides, offset: view.storageOffset - base.storageOffset)
            let inShape = base.shape
            old.node = Node(op: .builtin(.asStrided), inputs: [oldBase], saved: [], output: old) { g, _ in
                [g.asStridedBackward(inShape: inShape, geometry)]
            }
        }
        return InPlaceRecord(old: old, oldBase: oldBase)
    }

    /// The base's node after `view` was overwritten in place with `value`'s values: gradient
    /// outside the view's region goes to the base's old history (`oldBase`), inside it to `value`
    /// (whose node is the in-place op recorded on the view's old value).
    static func copySlices(oldBase: Tensor, view: Tensor, value: Tensor) -> Node? {
        let geometry = ViewGeometry(shape: view.shape, strides: view.strides, offset: view.storageOffset - oldBase.storageOffset)
        let out = Tensor(storage: oldBase.storage, offset: oldBase.storageOffset, shape: oldBase.shape,
                         strides: oldBase.explicitStrides, dtype: oldBase.dtype, base: nil)
        return out.recorded(.copySlices, oldBase, value) { g, ctx in
            [ctx.needsGrad(0) ? g.regionZeroed(geometry) : nil,
             ctx.needsGrad(1) ? g.contiguous().logicalView(geometry) : nil]
        }.node
    }

    /// A copy with the elements at `geometry` (relative to a contiguous layout of `shape`) set
    /// to zero; differentiable (its own adjoint).
    func regionZeroed(_ geometry: ViewGeometry) -> Tensor {
        let marks = Tensor.zeros(shape, dtype: .float32)
        withNoGrad { marks.contiguous().logicalView(geometry).fill(1) }
        return Tensor.where(marks.gt(0.5), Tensor.zeros([], dtype: dtype), self)
    }
}
