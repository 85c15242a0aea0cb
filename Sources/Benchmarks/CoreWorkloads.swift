import CBLAS
import SwiftGrad

/// gemm_1024: C = A·B for 1024×1024 float32, plus the same product through cblas_sgemm directly
/// with OpenBLAS's own threads (SwiftGrad keeps OpenBLAS on one thread and splits the product
/// itself; the ratio compares the two).
func benchGemm1024() {
    manualSeed(0)
    let n = 1024
    let a = Tensor.randn([n, n]), b = Tensor.randn([n, n])
    let ms = timeit(reps: 20) { _ = a.matmul(b) }
    let flops = 2.0 * Double(n * n * n)
    // Direct cblas_sgemm on plain arrays, same sizes, same process.
    let av = a.scalars, bv = b.scalars
    var cv = [Float](repeating: 0, count: n * n)
    let direct = withOpenBLASThreads {
        timeit(reps: 20) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                        av, Int32(n), bv, Int32(n), 0, &cv, Int32(n))
        }
    }
    emit("gemm_1024", ms, [("gflops", flops / (ms / 1e3) / 1e9), ("direct_sgemm_ms", direct),
                           ("overhead_ratio", ms / direct)])
}

/// small_ops_300: 100 × (mul, add, tanh) on 16 elements, sum, backward: per-op recording cost.
func benchSmallOps300() {
    manualSeed(0)
    let x = Tensor.randn([16]).requiringGrad()
    let ms = timeit(reps: 30) {
        var y = x
        for _ in 0..<100 { y = (y * 1.01 + 0.01).tanh() }
        y.sum().backward()
        x.grad = nil
    }
    emit("small_ops_300", ms, [("us_per_op", ms * 1e3 / 301)])
}

/// add_4m: c = a + b over 4,000,000 float32 elements, no grad.
func benchAdd4M() {
    manualSeed(0)
    let a = Tensor.randn([4_000_000]), b = Tensor.randn([4_000_000])
    let ms = timeit(reps: 20) { _ = withNoGrad { a + b } }
    emit("add_4m", ms, [("gbytes_per_s", 3 * 4 * 4e6 / (ms / 1e3) / 1e9)])
}
