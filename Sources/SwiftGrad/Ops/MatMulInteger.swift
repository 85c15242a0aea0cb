// Matrix products of integer tensors (int8, int16, int32, int64, uint8), as PyTorch's CPU `mm`:
// exact, in the operands' dtype, wrapping around on overflow. Everything built on `matmul` (mm, bmm,
// dot, mv, multiDot, linear, the add*-products, tensordot and einsum) takes integers through here.
// Integer results take no gradient, so nothing is recorded.

extension Tensor {
    /// `op(a) · op(b)` over the last two axes for integer operands (the batch axes broadcast), where
    /// `op` transposes when its flag is set. `Tensor.mm` sends every non-float product here.
    ///
    ///     let c = Tensor([1, 2, 3, 4], shape: [2, 2]).matmul(Tensor([5, 6], shape: [2, 1]))  // int64 [[17], [39]]
    static func integerMM(_ a: Tensor, _ b: Tensor, transA: Bool, transB: Bool, shapes: ([Int], [Int])?) -> Tensor {
        let (sa, sb) = shapes ?? (a.shape, b.shape)
        check(!a.dtype.isFloatingPoint && !b.dtype.isFloatingPoint,
              "matmul: expected both operands to have one dtype kind, got \(a.dtype) \(sa) and \(b.dtype) \(sb); convert with .to(_:)")
        // PyTorch's CPU addmm has no bool kernel ("addmm_impl_cpu_" not implemented for 'Bool').
        check(a.dtype != .bool && b.dtype != .bool,
              "matmul: bool tensors are not supported, got \(a.dtype) \(sa) and \(b.dtype) \(sb); convert with .to(.int64)")
        check(a.rank >= 2 && b.rank >= 2, "matmul: shapes \(sa) and \(sb) are not matrices")
        let x = transA ? a.mT : a, y = transB ? b.mT : b
        let m = x.shape[x.rank - 2], k = x.shape[x.rank - 1]
        let k2 = y.shape[y.rank - 2], n = y.shape[y.rank - 1]
        check(k == k2, "matmul: shapes \(sa) and \(sb) cannot be multiplied (inner sizes \(k) and \(k2) differ)")
        let batchA = Array(x.shape.dropLast(2)), batchB = Array(y.shape.dropLast(2))
        guard let batch = broadcastShapeIfPossible(batchA, batchB) else {
            checkFailure("matmul: shapes \(sa) and \(sb) cannot be multiplied (batch axes \(batchA) and \(batchB) do not broadcast)")
        }
        let count = batch.reduce(1, *)
        // A batch operand of one matrix is shared (stride 0); any other is expanded to the whole batch.
        func prepared(_ t: Tensor, _ tb: [Int]) -> (Tensor, Int) {
            let rows = t.shape[t.rank - 2], cols = t.shape[t.rank - 1]
            let full = tb.reduce(1, *) == 1 ? t.reshape([rows, cols]) : t.expand(batch + [rows, cols])
            return (full.dense.to(.int64), tb.reduce(1, *) == 1 ? 0 : rows * cols)
        }
        let (pa, strideA) = prepared(x, batchA), (pb, strideB) = prepared(y, batchB)
        let product = Kernels.integerGemm(pa, pb, batch: count, m: m, n: n, k: k, strideA: strideA, strideB: strideB)
        // Narrowing wraps, so a product computed in int64 and narrowed is the product in that dtype.
        return product.reshape(batch + [m, n]).to(DType.result(a.dtype, b.dtype))
    }

    /// beta·self + alpha·product, where beta = 0 ignores self (NaN in it does not propagate), as
    /// PyTorch's add*-products (addmm, addmv, addr, baddbmm, addbmm). For an integer product beta and
    /// alpha must be integers and the result keeps the integer dtype; for a bool product (addr) they
    /// act as booleans: (beta ∧ self) ∨ (alpha ∧ product).
    func scaledSum(_ product: Tensor, beta: Double, alpha: Double, op: String, factors: [[Int]]) -> Tensor {
        check(broadcastShapeIfPossible(shape, product.shape) == product.shape,
              "\(op): self of shape \(shape) does not broadcast to the shape \(product.shape) of the product of \(factors[0]) and \(factors[1])")
        if _slowPath(!product.dtype.isFloatingPoint) { return integerScaledSum(product, beta: beta, alpha: alpha, op: op, factors: factors) }
        let p = alpha == 1 ? product : product * alpha
        if beta == 0 { return p }
        return (beta == 1 ? self : self * beta) + p
    }

    private func integerScaledSum(_ product: Tensor, beta: Double, alpha: Double, op: String, factors: [[Int]]) -> Tensor {
        if product.dtype == .bool {
            let p = alpha != 0 ? product : Tensor.zerosLike(product)
            return beta != 0 ? to(.bool).logicalOr(p) : p
        }
        check(beta.rounded() == beta && alpha.rounded() == alpha && fitsInt64(beta) && fitsInt64(alpha),
              "\(op): for integer tensors beta and alpha must be integers, got beta \(beta) and alpha \(alpha) (self \(shape), factors \(factors[0]) and \(factors[1]), \(product.dtype))")
        let d = DType.result(dtype, product.dtype)
        let p = alpha == 1 ? product.to(d) : product.to(d) * Tensor.full([], alpha, dtype: d)
        if beta == 0 { return p }
        return (beta == 1 ? to(d) : to(d) * Tensor.full([], beta, dtype: d)) + p
    }
}
