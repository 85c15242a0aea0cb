// Shape ops. reshape (when strides allow), squeeze, unsqueeze, permute, expand and slice are views
// sharing storage (see Views.swift); repeat, cat, pad copy through `stridedCopy`.

extension Tensor {
    /// The same elements with a new shape (one axis may be -1): a view sharing storage when the
    /// strides allow it (always for a contiguous tensor), else a copy, as `torch.reshape`.
    ///
    ///     let m = Tensor.arange(6).reshape([2, -1])    // [2, 3]
    public func reshape(_ newShape: [Int]) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.reshape(self, newShape, op: "reshape", { $0.reshape($1) }) { return r }
        let resolved = Tensor.resolveShape(newShape, count: count, from: shape, op: Op.reshape.name)
        if resolved == shape { return self }
        if isContiguous { return reshapedView(resolved, strides: nil) }
        if let st = viewStrides(shape, strides, resolved) { return reshapedView(resolved, strides: st) }
        return contiguous().reshapedView(resolved, strides: nil)
    }

    /// A view with a new shape (one axis may be -1), as `torch.Tensor.view`: it never copies, and
    /// stops when the strides cannot express the new shape (call `reshape` or `contiguous()`).
    ///
    ///     let flat = x.view([-1])
    public func view(_ newShape: [Int]) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.reshape(self, newShape, op: "view", { $0.view($1) }) { return r }
        let resolved = Tensor.resolveShape(newShape, count: count, from: shape, op: "view")
        if resolved == shape { return self }
        if isContiguous { return reshapedView(resolved, strides: nil) }
        guard let st = viewStrides(shape, strides, resolved) else {
            checkFailure("view: size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces); input shape \(shape), strides \(strides), requested shape \(newShape). Use reshape instead")
        }
        return reshapedView(resolved, strides: st)
    }

    /// The view behind reshape, view, squeeze and unsqueeze.
    @inline(__always)
    func reshapedView(_ resolved: [Int], strides st: [Int]?) -> Tensor {
        let old = shape
        return makeView(shape: resolved, strides: st, offset: storageOffset)
            .recorded(.reshape, self) { g, _ in [g.reshape(old)] } forward: { f in f.tangent.reshape(resolved) }
    }

    static func resolveShape(_ s: [Int], count: Int, from: [Int], op: String) -> [Int] {
        var out = s
        let unknown = s.indices.filter { s[$0] == -1 }
        check(unknown.count <= 1 && s.allSatisfy({ $0 >= -1 }), "\(op): invalid shape \(s) for a tensor of shape \(from)")
        if let u = unknown.first {
            var known = s; known[u] = 1
            let k = checkedElementCount(known, dtype: .int64, op: "\(op) to \(s) of a tensor of shape \(from)")
            check(k > 0 && count % k == 0, "\(op): shape \(s) is invalid for input of shape \(from) (\(count) elements)")
            out[u] = count / k
        }
        let n = checkedElementCount(out, dtype: .int64, op: "\(op) to \(s) of a tensor of shape \(from)")
        check(n == count, "\(op): shape \(s) is invalid for input of shape \(from) (\(count) elements)")
        return out
    }

    /// Merges axes `startAxis...endAxis` into one (shares storage).
    ///
    ///     let flat = images.flatten(startAxis: 1)     // [N, C*H*W]
    public func flatten(startAxis: Int = 0, endAxis: Int = -1) -> Tensor {
        if rank == 0 { return reshape([1]) }
        let s = normalizeAxis(startAxis, rank, op: "flatten", shape: shape), e = normalizeAxis(endAxis, rank, op: "flatten", shape: shape)
        check(s <= e, "flatten: startAxis \(startAxis) comes after endAxis \(endAxis) for shape \(shape)")
        let merged = checkedElementCount(Array(shape[s...e]), dtype: .int64, op: "flatten of shape \(shape)")
        return reshape(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Removes size-1 axes: all of them, or only `axis`.
    public func squeeze(axis: Int? = nil) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.squeeze(self, axis) { return r }
        if let axis {
            let a = normalizeAxis(axis, rank, op: "squeeze", shape: shape)
            if rank == 0 || shape[a] != 1 { return self }
            var s = shape; s.remove(at: a)
            if isContiguous { return reshape(s) }
            var st = strides; st.remove(at: a)
            return reshapedView(s, strides: st)
        }
        if isContiguous { return reshape(shape.filter { $0 != 1 }) }
        let kept = shape.indices.filter { shape[$0] != 1 }
        let st = strides
        return reshapedView(kept.map { shape[$0] }, strides: kept.map { st[$0] })
    }

    /// Inserts a size-1 axis at `axis` (negative counts from the end of the result).
    ///
    ///     let row = v.unsqueeze(axis: 0)   // [n] -> [1, n]
    public func unsqueeze(axis: Int) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.unsqueeze(self, axis) { return r }
        let a = normalizeAxis(axis, rank + 1, op: "unsqueeze", shape: shape)
        var s = shape; s.insert(1, at: a)
        if isContiguous { return reshape(s) }
        var st = strides
        st.insert(a < rank ? shape[a] * st[a] : 1, at: a)
        return reshapedView(s, strides: st)
    }

    /// Reorders the axes (a view: no copy).
    ///
    ///     let nhwc = nchw.permute([0, 2, 3, 1])
    public func permute(_ axes: [Int]) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.permute(self, axes) { return r }
        check(axes.count == rank, "permute: \(axes.count) axes given for a tensor of shape \(shape)")
        let p = axes.map { normalizeAxis($0, rank, op: "permute \(axes)", shape: shape) }
        check(Set(p).count == rank, "permute: axes \(axes) repeat an axis (shape \(shape))")
        if p == Array(0..<rank) { return self }
        let inStrides = strides
        let out = makeView(shape: p.map { shape[$0] }, strides: p.map { inStrides[$0] }, offset: storageOffset)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in p.enumerated() { inverse[a] = i }
        return out.recorded(.permute, self) { g, _ in [g.permute(inverse)] } forward: { f in f.tangent.permute(p) }
    }

    /// Swaps two axes (a view).
    ///
    ///     let kT = k.transpose(-2, -1)
    public func transpose(_ a: Int, _ b: Int) -> Tensor {
        var p = Array(0..<rank)
        p.swapAt(normalizeAxis(a, rank, op: "transpose", shape: shape), normalizeAxis(b, rank, op: "transpose", shape: shape))
        return permute(p)
    }

    /// The transpose of a matrix, or of the last two axes of a batch (PyTorch's `mT`; a view).
    public var mT: Tensor {
        check(rank >= 2, "mT: needs at least 2 axes, got shape \(shape)")
        return transpose(-2, -1)
    }

    /// Broadcasts to `newShape` (a view with stride 0 on broadcast axes: no copy). -1 keeps an axis's size.
    ///
    ///     let b = Tensor.ones([1, 3]).expand([4, 3])
    public func expand(_ newShape: [Int]) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.expand(self, newShape) { return r }
        check(newShape.count >= rank, "expand: cannot expand shape \(shape) to fewer axes \(newShape)")
        let lead = newShape.count - rank
        var target = newShape
        for i in 0..<rank where newShape[i + lead] == -1 { target[i + lead] = shape[i] }
        for i in 0..<rank {
            check(shape[i] == target[i + lead] || shape[i] == 1,
                         "expand: shape \(shape) cannot be expanded to \(newShape)")
        }
        // -1 keeps an existing size only; a new leading axis, or any other negative size, is an error.
        _ = checkedElementCount(target, dtype: dtype, op: "expand of shape \(shape) to \(newShape)")
        if target == shape { return self }
        let own = strides
        var st = [Int](repeating: 0, count: target.count)
        for i in 0..<rank where !(shape[i] == 1 && target[i + lead] != 1) { st[i + lead] = own[i] }
        let out = makeView(shape: target, strides: st, offset: storageOffset)
        let old = shape
        return out.recorded(.expand, self) { g, _ in [g.sumToShape(old)] } forward: { f in f.tangent.expand(target) }
    }

    /// Broadcasts to the shape of `other`.
    public func expand(as other: Tensor) -> Tensor { expand(other.shape) }

    /// Sums a broadcast result back to `target` (the inverse of `expand`); autograd's single place
    /// for reducing broadcast gradients.
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        check(target.count <= rank, "sumToShape: cannot reduce shape \(shape) to \(target)")
        let lead = rank - target.count
        var reduce = [Bool](repeating: false, count: rank)
        for i in 0..<rank {
            if i < lead { reduce[i] = true }
            else if target[i - lead] == 1 && shape[i] != 1 { reduce[i] = true }
            else { check(target[i - lead] == shape[i], "sumToShape: cannot reduce shape \(shape) to \(target)") }
        }
        let kept = Tensor(uninitializedShape: zip(shape, reduce).map { $1 ? 1 : $0 }, dtype: dtype)
        Kernels.sumAxes(self, reduce: reduce, into: kept)
        let out = Tensor(storage: kept.storage, shape: target, dtype: dtype)
        let old = shape
        return out.recorded(.sumToShape, self) { g, _ in [g.expand(old)] } forward: { f in f.tangent.sumToShape(target) }
    }

    /// Tiles the tensor `repeats[i]` times along each axis (PyTorch's `repeat`).
    ///
    ///     Tensor([1, 2] as [Float]).repeat([2, 2])   // [[1, 2, 1, 2], [1, 2, 1, 2]]
    public func `repeat`(_ repeats: [Int]) -> Tensor {
        check(repeats.count >= rank, "repeat: \(repeats.count) repeats given for a tensor of shape \(shape); need at least \(rank)")
        check(repeats.allSatisfy { $0 >= 0 }, "repeat: negative repeat count in \(repeats)")
        let lead = repeats.count - rank
        let base = [Int](repeating: 1, count: lead) + shape
        // View as [r0, s0, r1, s1, ...] and broadcast each source axis against its repeat axis.
        var interleaved: [Int] = [], srcStrides: [Int] = []
        let bs = [Int](repeating: 0, count: lead) + strides
        for i in 0..<base.count {
            interleaved += [repeats[i], base[i]]
            srcStrides += [0, bs[i]]
        }
        let outShape = zip(repeats, base).map { $0.multipliedReportingOverflow(by: $1) }
        check(!outShape.contains { $0.overflow }, "repeat: storage size calculation overflowed repeating shape \(shape) by \(repeats)")
        _ = checkedElementCount(outShape.map(\.partialValue), dtype: dtype, op: "repeat of shape \(shape) by \(repeats)")
        let out = Tensor(uninitializedShape: outShape.map(\.partialValue), dtype: dtype)
        Kernels.copyStrided(self, 0, srcStrides, into: out, 0, contiguousStrides(interleaved), shape: interleaved)
        let old = shape
        return out.recorded(.repeat, self) { g, _ in
            [g.reshape(interleaved).sumToShape(zip(repeats, base).flatMap { [1, $1] }).reshape(old)]
        } forward: { f in f.tangent.repeat(repeats) }
    }

    /// Concatenates tensors along an existing axis.
    ///
    ///     let ab = Tensor.cat([a, b], axis: 0)
    public static func cat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        if _slowPath(tensors.contains { $0.dual != nil }), let r = Vmap.list(tensors, axis, op: "cat", extraRank: 0, { cat($0, axis: $1) }) { return r }
        check(!tensors.isEmpty, "cat: needs at least one tensor")
        let dtype = tensors.map(\.dtype).reduce(tensors[0].dtype) { DType.result($0, $1) }
        // As PyTorch, 1-D empty tensors (shape [0]) are skipped beside tensors of another rank.
        let kept = tensors.filter { $0.shape != [0] }
        if !kept.isEmpty && kept.count < tensors.count && kept.contains(where: { $0.rank != 1 }) {
            return cat(kept.map { $0.to(dtype) }, axis: axis)
        }
        let first = tensors[0]
        let ax = normalizeAxis(axis, first.rank, op: Op.cat.name, shape: first.shape)
        for t in tensors {
            check(t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == ax || t.shape[$0] == first.shape[$0] },
                         "cat: shapes \(tensors.map(\.shape)) do not match except along axis \(axis)")
        }
        let inputs = tensors.map { $0.to(dtype) }
        var outShape = first.shape
        outShape[ax] = inputs.reduce(0) { $0 + $1.shape[ax] }
        let out = Tensor(uninitializedShape: outShape, dtype: dtype)
        let os = contiguousStrides(outShape)
        var offset = 0
        for t in inputs {
            Kernels.copyStrided(t, 0, t.strides, into: out, offset * os[ax], os, shape: t.shape)
            offset += t.shape[ax]
        }
        let sizes = inputs.map { $0.shape[ax] }
        return out.recorded(.cat, inputs: inputs) { g, _ in g.split(sizes: sizes, axis: ax).map { Optional($0) } }
            forward: { f in Tensor.cat(f.inputs.indices.map { f.tangentOrZeros($0) }, axis: ax) }
    }

    /// Stacks same-shaped tensors along a new axis.
    ///
    ///     let batch = Tensor.stack(samples, axis: 0)
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        check(!tensors.isEmpty, "stack: needs at least one tensor")
        check(tensors.allSatisfy { $0.shape == tensors[0].shape }, "stack: all tensors must have one shape, got \(tensors.map(\.shape))")
        let ax = normalizeAxis(axis, tensors[0].rank + 1, op: "stack", shape: tensors[0].shape)
        return cat(tensors.map { $0.unsqueeze(axis: ax) }, axis: ax)
    }

    /// Splits into pieces of the given sizes along `axis` (views).
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        let ax = normalizeAxis(axis, rank, op: "split", shape: shape)
        check(sizes.reduce(0, +) == shape[ax] && sizes.allSatisfy { $0 >= 0 },
                     "split: sizes \(sizes) do not add up to \(shape[ax]), the size of axis \(axis) of shape \(shape)")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return narrow(axis: ax, start: start, length: n)
        }
    }

    /// Splits into pieces of `size` along `axis` (the last may be smaller), as `torch.split(t, size)`.
    public func split(size: Int, axis: Int = 0) -> [Tensor] {
        check(size > 0, "split: size must be positive, got \(size) (shape \(shape))")
        let ax = normalizeAxis(axis, rank, op: "split", shape: shape)
        let n = shape[ax]
        var sizes = Array(repeating: size, count: n / size)
        if n % size != 0 { sizes.append(n % size) }
        return split(sizes: sizes, axis: ax)
    }

    /// Splits into `chunks` nearly equal pieces along `axis`, as `torch.chunk`.
    public func chunk(_ chunks: Int, axis: Int = 0) -> [Tensor] {
        check(chunks > 0, "chunk: chunks must be positive, got \(chunks)")
        let n = shape[normalizeAxis(axis, rank, op: "chunk", shape: shape)]
        return split(size: Swift.max(1, (n + chunks - 1) / chunks), axis: axis)
    }

    /// Elements `start..<start+length` along `axis` (a view).
    public func narrow(axis: Int, start: Int, length: Int) -> Tensor {
        // Unlike slice (which clamps, as Python does), narrow must fit, as torch.narrow.
        let ax = normalizeAxis(axis, rank, op: "narrow", shape: shape)
        let n = shape[ax], s = start < 0 ? start + n : start
        check(s >= 0 && s <= n && length >= 0 && length <= n - s,
                     "narrow: start \(start) and length \(length) do not fit axis \(axis) of size \(n) (shape \(shape))")
        return slice(axis: ax, start: s, end: s + length, step: 1)
    }

    /// Elements `start..<end` by `step` along `axis` (negative indices count from the end; a view),
    /// as Python's `x[:, start:end:step]`.
    ///
    ///     let evens = x.slice(axis: 1, start: 0, end: x.shape[1], step: 2)
    public func slice(axis: Int, start: Int? = nil, end: Int? = nil, step: Int = 1) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.axis(self, axis, op: "slice", { $0.slice(axis: $1, start: start, end: end, step: step) }) { return r }
        let ax = normalizeAxis(axis, rank, op: Op.slice.name, shape: shape)
        check(step > 0, "slice: step must be positive, got \(step) (shape \(shape), axis \(axis))")
        let n = shape[ax]
        func clampIndex(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + n : i, 0), n) }
        let s = clampIndex(start ?? 0), e = Swift.max(clampIndex(end ?? n), clampIndex(start ?? 0))
        let len = e > s ? (e - s - 1) / step + 1 : 0     // not e - s + step - 1: a huge step would overflow
        if s == 0 && len == n && step == 1 { return self }
        var outShape = shape; outShape[ax] = len
        var viewStrides = strides
        let offset = storageOffset + s * viewStrides[ax]
        if len > 1 { viewStrides[ax] *= step }   // len > 1 bounds step by n (a huge step would overflow)
        let out = makeView(shape: outShape, strides: viewStrides, offset: offset)
        let inStrides = contiguousStrides(shape)
        var src = inStrides; src[ax] = len > 1 ? src[ax] * step : src[ax]   // len > 1 bounds step by n
        let inShape = shape
        return out.recorded(.slice, self) { g, _ in
            [g.sliceBackward(inShape: inShape, axis: ax, start: s, step: step)]
        } forward: { f in
            f.tangent.slice(axis: ax, start: s, end: e, step: step)
        }.withScatterBackward { g, target in
            Kernels.copyStrided(g, 0, g.strides, into: target, s * inStrides[ax], src, shape: g.shape, accumulate: true)
        }
    }

    /// Scatters a slice's gradient into zeros of the input's shape; differentiable (its own
    /// backward is the slice again), so slicing supports double backward.
    func sliceBackward(inShape: [Int], axis: Int, start: Int, step: Int) -> Tensor {
        let out = Tensor.zeros(inShape, dtype: dtype)
        let st = contiguousStrides(inShape)
        var dst = st; dst[axis] *= step
        Kernels.copyStrided(self, 0, strides, into: out, start * st[axis], dst, shape: shape)
        let len = shape[axis]
        return out.recorded(.sliceBackward, self) { g, _ in
            [g.slice(axis: axis, start: start, end: start + (len - 1) * step + 1, step: step)]
        } forward: { f in f.tangent.sliceBackward(inShape: inShape, axis: axis, start: start, step: step) }
    }

    /// Pads with a constant. `padding` lists (before, after) pairs starting from the LAST axis, as
    /// `torch.nn.functional.pad`: `[left, right, top, bottom]` pads the last two axes.
    ///
    ///     let p = images.pad([1, 1, 1, 1])   // H and W grow by 2
    public func pad(_ padding: [Int], value: Double = 0) -> Tensor {
        check(padding.count % 2 == 0 && padding.count / 2 <= rank,
                     "pad: padding \(padding) must hold (before, after) pairs for at most \(rank) axes (shape \(shape))")
        var before = [Int](repeating: 0, count: rank), after = before
        for k in 0..<(padding.count / 2) {
            before[rank - 1 - k] = padding[2 * k]
            after[rank - 1 - k] = padding[2 * k + 1]
        }
        if before.contains(where: { $0 < 0 }) || after.contains(where: { $0 < 0 }) {
            // Negative amounts crop, as PyTorch's: slice first, then pad by the positive amounts.
            var cropped = self
            for ax in 0..<rank where before[ax] < 0 || after[ax] < 0 {
                let start = Swift.max(0, -before[ax]), end = shape[ax] - Swift.max(0, -after[ax])
                check(end - start + Swift.max(0, before[ax]) + Swift.max(0, after[ax]) >= 0,
                      "pad: padding \(padding) would make axis \(ax) of shape \(shape) negative in size")
                cropped = cropped.slice(axis: ax, start: start, end: Swift.max(start, end))
            }
            var positive: [Int] = []
            for k in 0..<(padding.count / 2) {
                positive += [Swift.max(0, padding[2 * k]), Swift.max(0, padding[2 * k + 1])]
            }
            return cropped.pad(positive, value: value)
        }
        check(before.allSatisfy { $0 < Int.max / 4 } && after.allSatisfy { $0 < Int.max / 4 },
              "pad: storage size calculation overflowed padding shape \(shape) by \(padding)")
        let outShape = (0..<rank).map { shape[$0] + before[$0] + after[$0] }
        _ = checkedElementCount(outShape, dtype: dtype, op: "pad of shape \(shape) by \(padding)")
        Tensor.checkFill(value, dtype: dtype, op: Op.pad.name, shape: shape)
        let out = Tensor.full(outShape, value, dtype: dtype)
        let os = contiguousStrides(outShape)
        let offset = (0..<rank).reduce(0) { $0 + before[$1] * os[$1] }
        Kernels.copyStrided(self, 0, strides, into: out, offset, os, shape: shape)
        let inShape = shape
        return out.recorded(.pad, self) { g, _ in
            var r = g
            for ax in 0..<inShape.count where before[ax] != 0 || after[ax] != 0 {
                r = r.slice(axis: ax, start: before[ax], end: before[ax] + inShape[ax])
            }
            return [r]
        } forward: { f in f.tangent.pad(padding) }
    }
}

extension Kernels {
    /// Typed dispatch of `stridedCopy` between two tensors of one dtype. Offsets and strides are
    /// in elements from each tensor's first element (`stridedPtr`), whatever its layout.
    static func copyStrided(_ src: Tensor, _ srcOffset: Int, _ srcStrides: [Int], into dst: Tensor,
                            _ dstOffset: Int, _ dstStrides: [Int], shape: [Int], accumulate: Bool = false) {
        check(src.dtype == dst.dtype, "copy: source dtype \(src.dtype) differs from destination dtype \(dst.dtype)")
        switch src.dtype {
        case .float32: stridedCopy(src.stridedPtr(Float.self), srcOffset, srcStrides, dst.stridedPtr(Float.self), dstOffset, dstStrides, shape, accumulate: accumulate)
        case .float64: stridedCopy(src.stridedPtr(Double.self), srcOffset, srcStrides, dst.stridedPtr(Double.self), dstOffset, dstStrides, shape, accumulate: accumulate)
        case .int64: stridedCopy(src.stridedPtr(Int64.self), srcOffset, srcStrides, dst.stridedPtr(Int64.self), dstOffset, dstStrides, shape, accumulate: accumulate)
        default:
            if accumulate {
                // Sums need arithmetic: through the compute type (float32 for halves, int64 for small ints).
                let t = src.dtype.computeType, wide = convert(dst, to: t)
                copyStrided(convert(src, to: t), srcOffset, srcStrides, into: wide, dstOffset, dstStrides, shape: shape, accumulate: true)
                convert(wide, into: dst)
            } else {
                // A copy moves bits: one loop per element size serves every dtype.
                switch src.dtype.byteSize {
                case 1: stridedCopy(src.stridedPtr(UInt8.self), srcOffset, srcStrides, dst.stridedPtr(UInt8.self), dstOffset, dstStrides, shape, accumulate: false)
                case 2: stridedCopy(src.stridedPtr(UInt16.self), srcOffset, srcStrides, dst.stridedPtr(UInt16.self), dstOffset, dstStrides, shape, accumulate: false)
                default: stridedCopy(src.stridedPtr(UInt32.self), srcOffset, srcStrides, dst.stridedPtr(UInt32.self), dstOffset, dstStrides, shape, accumulate: false)
                }
            }
        }
    }
}
