// Matrix products through cblas. Transposed operands (flags, or views such as `x.t()` and
// `x.transpose(-1, -2)`) are passed to BLAS as transpose flags and leading dimensions, never copied.

extension Tensor {
    /// Matrix product with every case of `torch.matmul`: 1-D·1-D (dot), 2-D·2-D, 1-D and 2-D mixed,
    /// and batched operands whose batch axes broadcast.
    ///
    ///     let y = x.matmul(w)              // [n, k] · [k, m] -> [n, m]
    ///     let z = batchA.matmul(batchB)    // [b, n, k] · [k, m] -> [b, n, m]
    public func matmul(_ other: Tensor) -> Tensor {
        if _slowPath(dual != nil || other.dual != nil), let r = Vmap.matmul(self, other) { return r }
        check(rank >= 1 && other.rank >= 1,
                     "matmul: both operands need at least one axis, got shapes \(shape) and \(other.shape)")
        // Integer operands (both) take the exact integer product in `Tensor.mm`; float and integer mixed stop.
        check(dtype.isFloatingPoint == other.dtype.isFloatingPoint,
              "matmul: expected both operands to have one dtype kind, got \(dtype) \(shape) and \(other.dtype) \(other.shape); convert with .to(_:)")
        if Autocast.castsLower(self, other) { return Autocast.lower(self).matmul(Autocast.lower(other)) }
        let t = DType.result(dtype, other.dtype)
        let a0 = self.to(t), b0 = other.to(t)
        let a = rank == 1 ? a0.reshape([1, shape[0]]) : a0
        let b = other.rank == 1 ? b0.reshape([other.shape[0], 1]) : b0
        var r = Tensor.mm(a, b, transA: false, transB: false, shapes: (shape, other.shape))
        if rank == 1 { r = r.squeeze(axis: -2) }
        if other.rank == 1 { r = r.squeeze(axis: -1) }
        return r
    }

    /// Batched `op(a) · op(b)` over the last two axes, where `op` transposes when its flag is set;
    /// the batch axes broadcast. The primitive behind matmul, linear and their gradients.
    static func mm(_ a: Tensor, _ b: Tensor, transA: Bool, transB: Bool, shapes: ([Int], [Int])? = nil) -> Tensor {
        if _slowPath(!a.dtype.isFloatingPoint) { return integerMM(a, b, transA: transA, transB: transB, shapes: shapes) }
        if a.dtype.isReducedPrecision {
            // float16/bfloat16: the operands go up to float32 and sgemm accumulates in float32; the
            // product is rounded once (the installed OpenBLAS has no sbgemm). Recorded through the
            // casts, so gradients come back in the operands' dtype.
            return Autocast.disabled {
                mm(a.to(.float32), b.to(.float32), transA: transA, transB: transB, shapes: shapes).to(a.dtype)
            }
        }
        let (sa, sb) = shapes ?? (a.shape, b.shape)
        check(a.rank >= 2 && b.rank >= 2, "matmul: shapes \(sa) and \(sb) are not matrices")
        let ar = a.shape[a.rank - 2], ac = a.shape[a.rank - 1]
        let br = b.shape[b.rank - 2], bc = b.shape[b.rank - 1]
        let (m, k) = transA ? (ac, ar) : (ar, ac)
        let (k2, n) = transB ? (bc, br) : (br, bc)
        check(k == k2, "matmul: shapes \(sa) and \(sb) cannot be multiplied (inner sizes \(k) and \(k2) differ)")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        guard let batch = broadcastShapeIfPossible(batchA, batchB) else {
            fatalError("matmul: shapes \(sa) and \(sb) cannot be multiplied (batch axes \(batchA) and \(batchB) do not broadcast)")
        }
        let count = batch.reduce(1, *)
        // A batch operand either spans the whole batch (stride one matrix) or is shared (stride 0);
        // a partial broadcast is expanded once.
        // A strided operand BLAS can read (rows or columns unit-stride, one batch stride) is used
        // in place, its transposition folded into the flag; any other layout is copied once.
        func prepared(_ t: Tensor, _ tb: [Int]) -> (Tensor, Int, BLASLayout) {
            var t = t
            let shared = tb.reduce(1, *) == 1
            if !shared && tb != batch && tb.reduce(1, *) != count {
                t = withNoGrad { t.expand(batch + Array(t.shape.suffix(2))) }
            }
            if let l = BLASLayout(t) { return (t, shared ? 0 : l.batchStride, l) }
            let c = Kernels.contiguousCopy(t)
            let l = BLASLayout(c)!
            return (c, shared ? 0 : l.batchStride, l)
        }
        let (pa, strideA, la) = prepared(a, batchA)
        let out = Tensor(uninitializedShape: batch + [m, n], dtype: a.dtype)
        if !mmPacked(pa, la, strideA: strideA, b, batchB: batchB, count: count, m: m, n: n, k: k,
                          transA: transA, transB: transB, into: out) {
            let (pb, strideB, lb) = prepared(b, batchB)
            Kernels.batchedGemm(pa, pb, out, batch: count, m: m, n: n, k: k, transA: transA != la.transposed,
                                transB: transB != lb.transposed, strideA: strideA, strideB: strideB, lda: la.ld, ldb: lb.ld,
                                offsetsA: strideA == 0 ? nil : la.batchOffsets, offsetsB: strideB == 0 ? nil : lb.batchOffsets)
        }
        return out.recorded(.matmul, a, b, save: [.input0, .input1]) { g, ctx in
            let A = ctx.input(0), B = ctx.input(1)
            // C = op(A)·op(B): dA and dB written as products with flags (no transposed copies).
            var ga: Tensor? = nil, gb: Tensor? = nil
            if ctx.needsGrad(0) {
                ga = transA ? mm(B, g, transA: transB, transB: true) : mm(g, B, transA: false, transB: !transB)
            }
            if ctx.needsGrad(1) {
                gb = transB ? mm(g, A, transA: true, transB: transA) : mm(A, g, transA: !transA, transB: false)
            }
            return [ga, gb]
        } forward: { f in
            // Bilinear: d(op(A)·op(B)) = op(dA)·op(B) + op(A)·op(dB).
            f.sum(f.tangent(0).map { mm($0, f.input(1), transA: transA, transB: transB) },
                  f.tangent(1).map { mm(f.input(0), $0, transA: transA, transB: transB) })
        }
    }

    /// `out = op(A) · op(B)` through the packed-weight cache (Kernels/PackedWeights.swift) when B is
    /// one float32 matrix (no batch, or batch axes of size 1) and op(A)'s rows, all batch entries
    /// together, are rows of memory at one stride; false when the cache declines (BLAS runs).
    private static func mmPacked(_ pa: Tensor, _ la: BLASLayout, strideA: Int, _ b: Tensor, batchB: [Int],
                                      count: Int, m: Int, n: Int, k: Int, transA: Bool, transB: Bool,
                                      into out: Tensor) -> Bool {
        guard pa.dtype == .float32 && transA == la.transposed && batchB.allSatisfy({ $0 == 1 }) && m > 0 else { return false }
        // Batch entries of A fold into one [count·m, k] block when they follow each other at m rows.
        guard count == 1 || (strideA == m * la.ld && la.batchOffsets == nil) else { return false }
        let r = b.rank, s0 = b.strides[r - 2], s1 = b.strides[r - 1]
        // op(B)[p, j] is b[j, p] when transposed, else b[p, j].
        let (rowStride, columnStride) = transB ? (s1, s0) : (s0, s1)
        return Kernels.packedProduct(pa.stridedPtr(Float.self), lda: la.ld, rows: count * m, b, k: k, n: n,
                                     rowStride: rowStride, columnStride: columnStride, bias: nil,
                                     into: out.ptr(Float.self))
    }

    /// Matrix product of 2-D tensors (PyTorch's `mm`).
    public func mm(_ other: Tensor) -> Tensor {
        check(rank == 2 && other.rank == 2, "mm: needs 2-D tensors, got shapes \(shape) and \(other.shape)")
        return matmul(other)
    }

    /// Batched matrix product of 3-D tensors (PyTorch's `bmm`).
    public func bmm(_ other: Tensor) -> Tensor {
        check(rank == 3 && other.rank == 3 && shape[0] == other.shape[0],
                     "bmm: needs 3-D tensors with one batch size, got shapes \(shape) and \(other.shape)")
        return matmul(other)
    }

    /// Dot product of two 1-D tensors.
    public func dot(_ other: Tensor) -> Tensor {
        check(rank == 1 && other.rank == 1 && shape == other.shape,
                     "dot: needs two 1-D tensors of one length, got shapes \(shape) and \(other.shape)")
        return matmul(other)
    }
}

/// `x · wᵀ + b` with PyTorch's layouts: x [..., in], weight [out, in], bias [out].
///
///     let y = linear(x, weight: w, bias: b)
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    if _slowPath(x.dual != nil || weight.dual != nil || bias?.dual != nil), let r = Vmap.linear(x, weight, bias) { return r }
    check(weight.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
                 "linear: input \(x.shape) does not match weight \(weight.shape) (expected input [..., \(weight.rank == 2 ? weight.shape[1] : -1)])")
    if let bias {
        check(bias.shape == [weight.shape[0]], "linear: bias \(bias.shape) does not match weight \(weight.shape) (input \(x.shape))")
    }
    if Autocast.castsLower(x, weight, bias) {
        return linear(Autocast.lower(x), weight: Autocast.lower(weight), bias: bias.map(Autocast.lower))
    }
    if x.dtype.isReducedPrecision && weight.dtype == x.dtype && (bias == nil || bias!.dtype == x.dtype) {
        // One rounding for the whole of x·wᵀ + b, computed in float32.
        return Autocast.disabled { linear(x.to(.float32), weight: weight.to(.float32), bias: bias?.to(.float32)).to(x.dtype) }
    }
    // Mixed float dtypes are an error, as PyTorch's "mat1 and mat2 must have the same dtype".
    check(x.dtype == weight.dtype && (bias == nil || bias!.dtype == weight.dtype),
          "linear: input \(x.shape) (\(x.dtype)), weight \(weight.shape) (\(weight.dtype))\(bias.map { " and bias \($0.shape) (\($0.dtype))" } ?? "") must have the same dtype")
    let lead = Array(x.shape.dropLast())
    let x2 = x.rank == 2 ? x : x.reshape([-1, weight.shape[1]])
    var y: Tensor
    if let bias, bias.dtype == x.dtype && weight.dtype == x.dtype && x.dtype.isFloatingPoint {
        y = Tensor.addmm(bias, x2, weight, shapes: (x.shape, weight.shape))
    } else {
        y = Tensor.mm(x2, weight, transA: false, transB: true, shapes: (x.shape, weight.shape))
        if let bias { y = y + bias }
    }
    return x.rank == 2 ? y : y.reshape(lead + [weight.shape[0]])
}

extension Tensor {
    /// `bias + x · wᵀ` for x [n, in], w [out, in], bias [out] as one op (PyTorch's addmm): the
    /// output starts as rows of the bias and the product accumulates into it (beta = 1), one pass
    /// over the output fewer than a product followed by a broadcast add.
    static func addmm(_ bias: Tensor, _ x: Tensor, _ w: Tensor, shapes: ([Int], [Int])) -> Tensor {
        let n = x.shape[0], k = x.shape[1], m = w.shape[0]
        let out = Tensor(uninitializedShape: [n, m], dtype: x.dtype)
        let xd = x.dense, bd = bias.dense
        // Few rows against a reused float32 weight: the packed-weight cache, bias added by the kernel.
        if x.dtype == .float32 && Kernels.packedProduct(
            xd.ptr(Float.self), lda: k, rows: n, w, k: k, n: m, rowStride: w.strides[1], columnStride: w.strides[0],
            bias: bd.ptr(Float.self), into: out.ptr(Float.self)) {
            return recordAddmm(out, bias, x, w)
        }
        let wd = BLASLayout(w) == nil ? Kernels.contiguousCopy(w) : w
        let lw = BLASLayout(wd)!
        func run<T: FloatElement>(_: T.Type) {
            let b = SendablePointer(bd.ptr(T.self)), o = SendablePointer(out.ptr(T.self))
            parallelRanges(n, threshold: Swift.max(1, parallelThreshold / Swift.max(m, 1))) { lo, hi in
                for r in lo..<hi { (o.p + r * m).update(from: b.p, count: m) }
            }
            if n > 0 && m > 0 && k > 0 {
                Kernels.gemm(false, !lw.transposed, n, m, k, 1, xd.ptr(T.self), k, wd.stridedPtr(T.self), lw.ld, 1, out.ptr(T.self), m)
            }
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: checkFailure("linear: \(x.dtype) tensors are not supported; convert with .to(.float32)")
        }
        return recordAddmm(out, bias, x, w)
    }

    /// Records `out = bias + x · wᵀ` (computed by `addmm`) and its derivatives.
    private static func recordAddmm(_ out: Tensor, _ bias: Tensor, _ x: Tensor, _ w: Tensor) -> Tensor {
        out.recorded(.addmm, inputs: [x, w, bias], save: [.input0, .input1]) { g, ctx in
            let X = ctx.input(0), W = ctx.input(1)
            return [ctx.needsGrad(0) ? mm(g, W, transA: false, transB: false) : nil,
                    ctx.needsGrad(1) ? mm(g, X, transA: true, transB: false) : nil,
                    ctx.needsGrad(2) ? g.sum(axis: 0) : nil]
        } forward: { f in
            f.sum(f.tangent(0).map { mm($0, f.input(1), transA: false, transB: true) },
                  f.tangent(1).map { mm(f.input(0), $0, transA: false, transB: true) }, f.tangent(2))
        }
    }
}

/// How BLAS reads a (batch of) matrices in place: row-major with leading dimension `ld`, or
/// transposed (column-major, `ld` between columns), and the step between batch entries (one
/// stride, or each entry's offset when the batch axes do not collapse, as in attention's heads
/// permuted out of [n, l, h, d]). Nil when the layout has neither unit-stride rows nor unit-stride
/// columns.
struct BLASLayout {
    let transposed: Bool
    let ld: Int
    let batchStride: Int
    var batchOffsets: [Int]? = nil

    init?(_ t: Tensor) {
        let r = t.rank, rows = t.shape[r - 2], cols = t.shape[r - 1]
        if t.isContiguous {
            transposed = false; ld = Swift.max(cols, 1); batchStride = rows * cols
            return
        }
        let st = t.strides
        let sr = st[r - 2], sc = st[r - 1]
        if (sc == 1 || cols == 1) && sr >= Swift.max(cols, 1) {
            transposed = false; ld = Swift.max(sr, cols, 1)
        } else if (sr == 1 || rows == 1) && sc >= Swift.max(rows, 1) {
            transposed = true; ld = Swift.max(sc, rows, 1)
        } else {
            return nil
        }
        // Batch axes (size > 1) must step uniformly: stride[j] == step · (entries after j).
        var step = 0, after = 1, uniform = true
        for j in stride(from: r - 3, through: 0, by: -1) where t.shape[j] != 1 {
            if step == 0 { step = st[j] }
            if st[j] != step * after { uniform = false; break }
            after *= t.shape[j]
        }
        batchStride = step
        if !uniform {
            // Each batch entry's offset, in row-major order of the batch axes.
            let batch = Array(t.shape.prefix(r - 2))
            var offsets = [Int](repeating: 0, count: batch.reduce(1, *))
            var idx = [Int](repeating: 0, count: batch.count), o = 0
            for e in offsets.indices {
                offsets[e] = o
                var j = batch.count - 1
                while j >= 0 {
                    idx[j] += 1; o += st[j]
                    if idx[j] < batch[j] { break }
                    o -= st[j] * batch[j]; idx[j] = 0; j -= 1
                }
            }
            batchOffsets = offsets
        }
    }
}
