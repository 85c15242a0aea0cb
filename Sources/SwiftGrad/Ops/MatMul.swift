// Matrix products through cblas. Transposed operands are passed to BLAS as flags, never copied.

extension Tensor {
    /// Matrix product with every case of `torch.matmul`: 1-D·1-D (dot), 2-D·2-D, 1-D and 2-D mixed,
    /// and batched operands whose batch axes broadcast.
    ///
    ///     let y = x.matmul(w)              // [n, k] · [k, m] -> [n, m]
    ///     let z = batchA.matmul(batchB)    // [b, n, k] · [k, m] -> [b, n, m]
    public func matmul(_ other: Tensor) -> Tensor {
        check(rank >= 1 && other.rank >= 1,
                     "matmul: both operands need at least one axis, got shapes \(shape) and \(other.shape)")
        check(dtype.isFloatingPoint && other.dtype.isFloatingPoint,
                     "matmul: needs float tensors, got \(dtype) \(shape) and \(other.dtype) \(other.shape)")
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
        func prepared(_ t: Tensor, _ tb: [Int]) -> (Tensor, Int) {
            let mat = t.shape[t.rank - 2] * t.shape[t.rank - 1]
            if tb.reduce(1, *) == 1 { return (t, 0) }
            if tb.count == batch.count && tb == batch { return (t, mat) }
            if tb.reduce(1, *) == count { return (t, mat) }
            return (withNoGrad { t.expand(batch + Array(t.shape.suffix(2))) }, mat)
        }
        let (pa, strideA) = prepared(a, batchA)
        let (pb, strideB) = prepared(b, batchB)
        let out = Tensor(uninitializedShape: batch + [m, n], dtype: a.dtype)
        Kernels.batchedGemm(pa, pb, out, batch: count, m: m, n: n, k: k, transA: transA, transB: transB,
                            strideA: strideA, strideB: strideB)
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
        }
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
    check(weight.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
                 "linear: input \(x.shape) does not match weight \(weight.shape) (expected input [..., \(weight.rank == 2 ? weight.shape[1] : -1)])")
    if let bias {
        check(bias.shape == [weight.shape[0]], "linear: bias \(bias.shape) does not match weight \(weight.shape)")
    }
    if Autocast.castsLower(x, weight, bias) {
        return linear(Autocast.lower(x), weight: Autocast.lower(weight), bias: bias.map(Autocast.lower))
    }
    if x.dtype.isReducedPrecision && weight.dtype == x.dtype && (bias == nil || bias!.dtype == x.dtype) {
        // One rounding for the whole of x·wᵀ + b, computed in float32.
        return Autocast.disabled { linear(x.to(.float32), weight: weight.to(.float32), bias: bias?.to(.float32)).to(x.dtype) }
    }
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
        func run<T: FloatElement>(_: T.Type) {
            let b = SendablePointer(bias.ptr(T.self)), o = SendablePointer(out.ptr(T.self))
            parallelRanges(n, threshold: Swift.max(1, parallelThreshold / Swift.max(m, 1))) { lo, hi in
                for r in lo..<hi { (o.p + r * m).update(from: b.p, count: m) }
            }
            if n > 0 && m > 0 && k > 0 {
                Kernels.gemm(false, true, n, m, k, 1, x.ptr(T.self), k, w.ptr(T.self), k, 1, out.ptr(T.self), m)
            }
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: checkFailure("linear: \(x.dtype) tensors are not supported; convert with .to(.float32)")
        }
        return out.recorded(.addmm, inputs: [x, w, bias], save: [.input0, .input1]) { g, ctx in
            let X = ctx.input(0), W = ctx.input(1)
            return [ctx.needsGrad(0) ? mm(g, W, transA: false, transB: false) : nil,
                    ctx.needsGrad(1) ? mm(g, X, transA: true, transB: false) : nil,
                    ctx.needsGrad(2) ? g.sum(axis: 0) : nil]
        }
    }
}
