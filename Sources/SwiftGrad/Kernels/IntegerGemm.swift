// The integer matrix product (PyTorch's `mm`/`bmm` of int8...int64 and uint8 tensors): exact int64
// arithmetic with two's complement wrap-around. BLAS has no integer GEMM, and PyTorch's own CPU
// kernel for integers is a plain loop too.

extension Kernels {
    /// C[e] = A[e] · B[e] for `batch` pairs of row-major int64 matrices A [m, k] and B [k, n], where
    /// entry e of A starts at `e · strideA` and of B at `e · strideB` (0: one matrix shared by the
    /// whole batch); returns C as a new contiguous int64 tensor [batch, m, n].
    ///
    /// Sums and products wrap around (`&+`, `&*`), as PyTorch's int64 arithmetic does; since the
    /// wrap-around is a ring homomorphism onto any narrower integer type, narrowing the result
    /// afterwards gives exactly what a product computed in that type gives. Each output row is
    /// computed by one thread in a fixed order, so results never depend on the thread count.
    static func integerGemm(_ a: Tensor, _ b: Tensor, batch: Int, m: Int, n: Int, k: Int,
                            strideA: Int, strideB: Int) -> Tensor {
        let out = Tensor.zeros([batch, m, n], dtype: .int64)
        if batch == 0 || m == 0 || n == 0 || k == 0 { return out }
        let A = SendablePointer(a.ptr(Int64.self)), B = SendablePointer(b.ptr(Int64.self))
        let C = SendablePointer(out.ptr(Int64.self))
        // One row of C costs n·k multiply-adds: go parallel from about `parallelThreshold` of them.
        parallelRanges(batch * m, threshold: Swift.max(2, parallelThreshold / Swift.max(n * k, 1))) { lo, hi in
            for row in lo..<hi {
                let e = row / m, i = row % m
                let aRow = A.p + e * strideA + i * k, bMat = B.p + e * strideB, cRow = C.p + row * n
                for p in 0..<k {
                    let av = aRow[p]
                    if av == 0 { continue }
                    let bRow = bMat + p * n
                    for j in 0..<n { cRow[j] = cRow[j] &+ av &* bRow[j] }
                }
            }
        }
        return out
    }
}
