import Testing
@testable import SwiftGrad

/// The packed-weight float32 micro-kernel (`Kernels.PackedB`, Sources/CKernels) against a float64
/// reference, on every tail of its 6-row × 16-column tile, and the LSTM sequence that uses it
/// against the same sequence in float64.
@Suite struct PackedGemmTests {
    @Test func productMatchesFloat64ReferenceOnEveryTail() {
        guard Kernels.ownKernels else { return }   // a CPU without AVX2/FMA never runs the kernel
        let g = Generator(seed: 7)
        for (m, n, k) in [(1, 1, 1), (5, 17, 3), (6, 16, 8), (7, 33, 13), (13, 31, 40), (12, 48, 1), (2, 5, 64)] {
            // A with a row stride larger than k, B stored transposed (column stride k), C with spare columns.
            let a = Tensor.randn([m, k + 3], generator: g), bt = Tensor.randn([n, k], generator: g)
            let c0 = Tensor.randn([m, n + 2], generator: g)
            var c = c0.toArray(as: Float.self)
            let av = a.toArray(as: Float.self), bv = bt.toArray(as: Float.self)
            let packed = bv.withUnsafeBufferPointer { Kernels.PackedB(k: k, n: n, UnsafeMutablePointer(mutating: $0.baseAddress!), rowStride: 1, columnStride: k) }
            av.withUnsafeBufferPointer { ap in
                c.withUnsafeMutableBufferPointer { cp in
                    packed.multiplyAdd(m: m, UnsafeMutablePointer(mutating: ap.baseAddress!), lda: k + 3, cp.baseAddress!, ldc: n + 2)
                }
            }
            let c0v = c0.toArray(as: Float.self)
            for i in 0..<m {
                for j in 0..<(n + 2) {
                    var want = Double(c0v[i * (n + 2) + j])
                    if j < n { for p in 0..<k { want += Double(av[i * (k + 3) + p]) * Double(bv[j * k + p]) } }
                    let got = Double(c[i * (n + 2) + j])
                    #expect(abs(got - want) <= 1e-5 * Swift.max(1, abs(want)), "m \(m) n \(n) k \(k) at (\(i), \(j)): \(got) vs \(want)")
                }
            }
        }
    }

    @Test func lstmSequenceInFloat32MatchesFloat64() {
        // Hidden 5 (4H = 20 gates: one full panel and a tail), batch 7 (a 6-row tile and a 1-row tail).
        let g = Generator(seed: 11)
        let steps = 4, n = 7, h = 5
        let gates = Tensor.randn([steps, n, 4 * h], generator: g), h0 = Tensor.randn([n, h], generator: g)
        let c0 = Tensor.randn([n, h], generator: g), w = Tensor.randn([4 * h, h], generator: g) * 0.5
        func run(_ dtype: DType) -> [[Double]] {
            let ts = [gates, h0, c0, w].map { $0.to(dtype).detach().requiringGrad() }
            let (out, hT, cT) = lstmSequence(gates: ts[0], h0: ts[1], c0: ts[2], weightHh: ts[3])
            ((out * out).sum() + hT.sum() + cT.sum()).backward()
            return [out, hT, cT].map { $0.to(.float64).toArray(as: Double.self) } + ts.map { $0.grad!.to(.float64).toArray(as: Double.self) }
        }
        let single = run(.float32), double = run(.float64)
        for (s, d) in zip(single, double) {
            for (x, y) in zip(s, d) { #expect(abs(x - y) <= 1e-4 * Swift.max(1, abs(y))) }
        }
    }
}
