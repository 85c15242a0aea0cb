// Views: tensors that share their base's storage through (offset, shape, strides), O(1) and
// allocation-free, as in PyTorch. The shape ops in Shape.swift (permute, expand, slice, reshape,
// squeeze, unsqueeze) build on `makeView`; the ones here have no cheaper backward than scattering
// the gradient into the input's layout (`as_strided`), or are spellings of the others.

/// Where a view's elements sit, as (shape, strides, offset) in elements.
struct ViewGeometry: Equatable {
    var shape: [Int]
    var strides: [Int]
    var offset: Int
}

extension Tensor {
    /// A tensor sharing this one's storage with the given layout (storage coordinates), whose base
    /// is this tensor's base (or this tensor). Not recorded: callers record their own backward.
    @inline(__always)
    func makeView(shape: [Int], strides: [Int]?, offset: Int) -> Tensor {
        Tensor(storage: storage, offset: offset, shape: shape, strides: strides, dtype: dtype, base: viewBase ?? self)
    }

    /// The layout of this tensor as a geometry.
    var geometry: ViewGeometry { ViewGeometry(shape: shape, strides: strides, offset: storageOffset) }

    /// A view whose geometry `layout` computes from (strides, offset): called once with this tensor's
    /// own layout for the forward view, and once with a contiguous layout of `shape` at offset 0 for
    /// the backward, which scatters the gradient through that geometry (`as_strided`).
    func geometricView(_ layout: (_ strides: [Int], _ offset: Int) -> ViewGeometry) -> Tensor {
        let g = layout(strides, storageOffset)
        let out = makeView(shape: g.shape, strides: g.strides, offset: g.offset)
        if !(requiresGrad && GradMode.isEnabled) && dual == nil { return out }
        let logical = layout(contiguousStrides(shape), 0)
        let inShape = shape
        return out.recorded(.asStrided, self) { g, _ in [g.asStridedBackward(inShape: inShape, logical)] }
            forward: { f in f.tangent.contiguous().logicalView(logical) }
    }

    /// The gradient of a strided view: zeros of `inShape` (contiguous) with `self` added through
    /// `geometry` (overlapping positions, as in `expand` or `unfold`, accumulate).
    func asStridedBackward(inShape: [Int], _ geometry: ViewGeometry) -> Tensor {
        let out = Tensor.zeros(inShape, dtype: dtype)
        Kernels.copyStrided(self, 0, strides, into: out, geometry.offset, geometry.strides, shape: shape,
                            accumulate: geometryOverlaps(geometry))
        return out.recorded(.asStridedBackward, self) { g, _ in [g.contiguous().logicalView(geometry)] }
            forward: { f in f.tangent.asStridedBackward(inShape: inShape, geometry) }
    }

    /// `as_strided` of a contiguous tensor through `geometry` (relative to its first element),
    /// differentiable (its backward is `asStridedBackward`).
    func logicalView(_ geometry: ViewGeometry) -> Tensor {
        check(isContiguous, "internal: logicalView of a non-contiguous tensor of shape \(shape)")
        let out = makeView(shape: geometry.shape, strides: geometry.strides, offset: storageOffset + geometry.offset)
        let inShape = shape
        return out.recorded(.asStrided, self) { g, _ in [g.asStridedBackward(inShape: inShape, geometry)] }
            forward: { f in f.tangent.contiguous().logicalView(geometry) }
    }

    // MARK: Public views

    /// A view with the given shape, strides and storage offset (in elements, relative to the
    /// storage's start, as `torch.as_strided`). No bounds beyond the storage are allowed.
    ///
    ///     let windows = Tensor.arange(5).asStrided(shape: [3, 3], strides: [1, 1], offset: 0)
    ///     // [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    public func asStrided(shape newShape: [Int], strides newStrides: [Int], offset: Int? = nil) -> Tensor {
        let off = offset ?? storageOffset
        check(newShape.count == newStrides.count && newShape.allSatisfy { $0 >= 0 } && newStrides.allSatisfy { $0 >= 0 } && off >= 0,
              "asStrided: shape \(newShape), strides \(newStrides) and offset \(off) do not describe a view (input shape \(shape))")
        let last = off + zip(newShape, newStrides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
        check(newShape.contains(0) || last < storage.byteCount / dtype.byteSize,
              "asStrided: shape \(newShape), strides \(newStrides) and offset \(off) reach element \(last), beyond the storage of \(storage.byteCount / dtype.byteSize) elements (input shape \(shape))")
        let out = makeView(shape: newShape, strides: newStrides, offset: off)
        if !(requiresGrad && GradMode.isEnabled) && dual == nil { return out }
        if isContiguous && off >= storageOffset && (newShape.contains(0) || last < storageOffset + count) {
            // The view stays among the input's elements: the gradient is laid out as them.
            let logical = ViewGeometry(shape: newShape, strides: newStrides, offset: off - storageOffset)
            let inShape = shape
            return out.recorded(.asStrided, self) { g, _ in [g.asStridedBackward(inShape: inShape, logical)] }
                forward: { f in f.tangent.contiguous().logicalView(logical) }
        }
        return asStridedOverStorage(out, off: off, last: last)
    }

    /// `as_strided` of an input that is itself a view (strided, or not holding every element the new
    /// view reads), as PyTorch's as_strided_backward: the gradient is scattered over the storage span
    /// both cover, then read back through the input's own geometry, so elements of the view outside
    /// the input get no gradient. Both steps are recorded ops (double backward works).
    private func asStridedOverStorage(_ out: Tensor, off: Int, last: Int) -> Tensor {
        let inputGeometry = geometry
        check(!geometryOverlaps(inputGeometry),
              "asStrided: gradients need an input whose elements do not overlap (input shape \(shape), strides \(strides)); call contiguous() first")
        let inputLast = shape.contains(0) ? storageOffset : storageOffset + zip(shape, strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
        let viewEmpty = out.shape.contains(0)
        let lo = viewEmpty ? storageOffset : Swift.min(off, storageOffset)
        let span = (viewEmpty ? inputLast : Swift.max(last, inputLast)) - lo + 1
        let view = ViewGeometry(shape: out.shape, strides: out.strides, offset: off - lo)
        let own = ViewGeometry(shape: shape, strides: strides, offset: storageOffset - lo)
        return out.recorded(.asStrided, self) { g, _ in
            [g.asStridedBackward(inShape: [span], view).logicalView(own).contiguous()]
        } forward: { f in
            f.tangent.contiguous().asStridedBackward(inShape: [span], own).logicalView(view).contiguous()
        }
    }

    /// The diagonal of the matrices over axes `axis1` and `axis2` (a view), as `torch.diagonal`:
    /// those axes are removed and the diagonal becomes the last axis. `offset` > 0 is above the
    /// main diagonal, < 0 below.
    ///
    ///     Tensor.eye(3).diagonal()                 // [1, 1, 1]
    ///     x.diagonal().fill(0)                      // zeroes x's diagonal in place
    public func diagonal(offset k: Int = 0, axis1: Int = 0, axis2: Int = 1) -> Tensor {
        check(rank >= 2, "diagonal: needs at least 2 axes, got shape \(shape)")
        let d1 = normalizeAxis(axis1, rank, op: "diagonal", shape: shape), d2 = normalizeAxis(axis2, rank, op: "diagonal", shape: shape)
        check(d1 != d2, "diagonal: axis1 and axis2 are both \(d1) (shape \(shape))")
        let n1 = shape[d1], n2 = shape[d2]
        let length = k >= 0 ? Swift.max(0, Swift.min(n1, n2 - k)) : Swift.max(0, Swift.min(n1 + k, n2))
        let dims = shape
        return geometricView { st, off in
            var sh: [Int] = [], ss: [Int] = []
            for a in 0..<dims.count where a != d1 && a != d2 { sh.append(dims[a]); ss.append(st[a]) }
            sh.append(length); ss.append(st[d1] + st[d2])
            let start = length == 0 ? 0 : (k >= 0 ? k * st[d2] : -k * st[d1])
            return ViewGeometry(shape: sh, strides: ss, offset: off + start)
        }
    }

    /// All windows of `size` elements along `axis`, `step` apart (a view), as `torch.Tensor.unfold`:
    /// `axis` becomes the window count and a new last axis of `size` holds each window.
    ///
    ///     Tensor.arange(5).unfold(axis: 0, size: 2, step: 1)   // [[0, 1], [1, 2], [2, 3], [3, 4]]
    public func unfold(axis: Int, size: Int, step: Int) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "unfold", shape: shape)
        let n = rank == 0 ? 1 : shape[ax]
        check(size >= 0 && size <= n, "unfold: size \(size) does not fit axis \(axis) of size \(n) (shape \(shape))")
        check(step > 0, "unfold: step must be positive, got \(step) (shape \(shape))")
        let dims = shape
        return geometricView { st, off in
            if dims.isEmpty { return ViewGeometry(shape: [size], strides: [1], offset: off) }
            var sh = dims, ss = st
            sh[ax] = (n - size) / step + 1
            ss[ax] = st[ax] * step
            return ViewGeometry(shape: sh + [size], strides: ss + [st[ax]], offset: off)
        }
    }

    /// The sub-tensor at `index` along `axis`, with that axis removed (a view), as `torch.select`.
    ///
    ///     let secondColumn = m.select(axis: 1, index: 1)
    public func select(axis: Int, index: Int) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "select", shape: shape)
        let n = shape[ax], j = index < 0 ? index + n : index
        check(j >= 0 && j < n, "select: index \(index) is out of range for axis \(axis) of size \(n) (shape \(shape))")
        return slice(axis: ax, start: j, end: j + 1).squeeze(axis: ax)
    }

    /// The slices along `axis`, each without that axis (views), as `torch.unbind`.
    ///
    ///     let (q, k, v) = { let p = qkv.unbind(axis: 0); return (p[0], p[1], p[2]) }()
    public func unbind(axis: Int = 0) -> [Tensor] {
        let ax = normalizeAxis(axis, rank, op: "unbind", shape: shape)
        return (0..<shape[ax]).map { select(axis: ax, index: $0) }
    }

    /// The transpose of a matrix (a view); a tensor of fewer than 2 axes is returned as is, as `torch.t`.
    ///
    ///     let wt = w.t()          // [out, in] -> [in, out], no copy
    public func t() -> Tensor {
        check(rank <= 2, "t: expects a tensor of at most 2 axes, got shape \(shape); use transpose or mT")
        return rank < 2 ? self : transpose(0, 1)
    }

    /// All axes reversed (a view), as PyTorch's `x.T` (for matrices, `t()`).
    public var T: Tensor { rank < 2 ? self : permute(Array((0..<rank).reversed())) }

    /// Moves axis `source` to position `destination`, keeping the others in order (a view), as `torch.movedim`.
    ///
    ///     let nhwc = nchw.movedim(1, -1)
    public func movedim(_ source: Int, _ destination: Int) -> Tensor {
        let s = normalizeAxis(source, rank, op: "movedim", shape: shape), d = normalizeAxis(destination, rank, op: "movedim", shape: shape)
        var order = Array(0..<rank).filter { $0 != s }
        order.insert(s, at: d)
        return permute(order)
    }

    /// Moves the axes `source` to the positions `destination` (distinct, same count), keeping the
    /// other axes in order (a view), as `torch.movedim` with sequences.
    ///
    ///     let y = x.movedim([0, 1], [2, 0])
    public func movedim(_ source: [Int], _ destination: [Int]) -> Tensor {
        check(source.count == destination.count,
              "movedim: \(source.count) source axes \(source) and \(destination.count) destinations \(destination) (input \(shape))")
        let s = source.map { normalizeAxis($0, rank, op: "movedim", shape: shape) }
        let d = destination.map { normalizeAxis($0, rank, op: "movedim", shape: shape) }
        check(Set(s).count == s.count && Set(d).count == d.count,
              "movedim: repeated axes in source \(source) or destination \(destination) (input \(shape))")
        var order = [Int](repeating: -1, count: rank)
        for (a, b) in zip(s, d) { order[b] = a }
        var rest = (0..<rank).filter { !s.contains($0) }.makeIterator()
        for i in 0..<rank where order[i] < 0 { order[i] = rest.next()! }
        return permute(order)
    }

    /// Broadcasts to `newShape` (a view with zero strides on broadcast axes), as `torch.broadcast_to`.
    public func broadcastTo(_ newShape: [Int]) -> Tensor { expand(newShape) }

    /// A contiguous tensor with these values: self when already contiguous, else one copy
    /// (differentiable; the gradient passes through unchanged).
    ///
    ///     let c = x.t().contiguous()     // c.isContiguous == true
    public func contiguous() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.contiguous() }) { return r }
        if isContiguous { return self }
        return Kernels.contiguousCopy(self).recorded(.contiguous, self) { g, _ in [g] } forward: { f in f.tangent }
    }

    /// Self when contiguous, else a contiguous copy that is not recorded: kernels' entry.
    @inline(__always)
    var dense: Tensor { isContiguous ? self : Kernels.contiguousCopy(self) }

    /// Whether writing through this layout would hit one memory location from several elements
    /// (an expanded or overlapping view), which PyTorch refuses for in-place ops.
    var hasInternalOverlap: Bool {
        guard let s = explicitStrides else { return false }
        return geometryOverlaps(ViewGeometry(shape: shape, strides: s, offset: 0))
    }
}

/// Whether two elements of `g` can share a location: a zero stride on an axis longer than 1, or
/// strides that (sorted) do not each step past everything the smaller ones cover.
func geometryOverlaps(_ g: ViewGeometry) -> Bool {
    if g.shape.contains(0) { return false }
    var axes = Array(g.shape.indices).filter { g.shape[$0] > 1 }
    axes.sort { g.strides[$0] < g.strides[$1] }
    var reach = 0
    for a in axes {
        if g.strides[a] <= reach { return true }
        reach += (g.shape[a] - 1) * g.strides[a]
    }
    return false
}

/// The strides that let a tensor of `oldShape`/`oldStrides` be seen as `newShape` without a copy,
/// or nil when none do (PyTorch's `computeStride`, used by `view` and `reshape`).
func viewStrides(_ oldShape: [Int], _ oldStrides: [Int], _ newShape: [Int]) -> [Int]? {
    let oldShape = oldShape.isEmpty ? [1] : oldShape, oldStrides = oldStrides.isEmpty ? [1] : oldStrides
    if oldShape.contains(0) { return contiguousStrides(newShape) }
    var newStrides = [Int](repeating: 0, count: newShape.count)
    var viewD = newShape.count - 1
    var chunkBase = oldStrides[oldStrides.count - 1]
    var tensorNumel = 1, viewNumel = 1
    for d in stride(from: oldShape.count - 1, through: 0, by: -1) {
        tensorNumel *= oldShape[d]
        if d == 0 || (oldShape[d - 1] != 1 && oldStrides[d - 1] != tensorNumel * chunkBase) {
            while viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
                newStrides[viewD] = viewNumel * chunkBase
                viewNumel *= newShape[viewD]
                viewD -= 1
            }
            if viewNumel != tensorNumel { return nil }
            if d > 0 {
                chunkBase = oldStrides[d - 1]
                tensorNumel = 1
                viewNumel = 1
            }
        }
    }
    return viewD == -1 ? newStrides : nil
}

extension Kernels {
    /// A contiguous copy of `x` (no recording).
    static func contiguousCopy(_ x: Tensor) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        if x.isContiguous {
            out.rawPointer.copyMemory(from: x.rawPointer, byteCount: x.count * x.dtype.byteSize)
            return out
        }
        copyStrided(x, 0, x.strides, into: out, 0, contiguousStrides(x.shape), shape: x.shape)
        return out
    }
}
