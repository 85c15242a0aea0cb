// The float32 product of small batched matrices as PyTorch's CPU `bmm` computes it below 400
// multiply-adds per matrix (its `baddbmm_cpu_kernel`): each element one float32 sum over k in
// order, no fused multiply-add. Used where PyTorch's float32 result depends on those roundings
// (matrixExp's Taylor polynomial and squarings, Ops/LinalgMatrixExpTaylor.swift).

extension Kernels {
    /// C[e] = A[e] · B[e] for a contiguous float32 batch A [b, m, k] and B [b, k, n]: a new contiguous
    /// float32 tensor [b, m, n], element (i, j) summed over p = 0..<k in order from 0 in float32.
    static func sequentialProduct(_ a: Tensor, _ b: Tensor) -> Tensor {
        let batch = a.shape[0], m = a.shape[1], k = a.shape[2], n = b.shape[2]
        let out = Tensor.zeros([batch, m, n], dtype: .float32)
        if batch == 0 || m == 0 || n == 0 || k == 0 { return out }
        let A = a.ptr(Float.self), B = b.ptr(Float.self), C = out.ptr(Float.self)
        for e in 0..<batch {
            let aMat = A + e * m * k, bMat = B + e * k * n, cMat = C + e * m * n
            for i in 0..<m {
                for j in 0..<n {
                    var acc: Float = 0
                    for p in 0..<k { acc += aMat[i * k + p] * bMat[p * n + j] }
                    cMat[i * n + j] = acc
                }
            }
        }
        return out
    }
}
