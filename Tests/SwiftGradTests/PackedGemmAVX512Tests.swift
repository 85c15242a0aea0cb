import Testing
import CKernels
@testable import SwiftGrad

/// The packed-B GEMM on 16 lanes (Sources/CKernels/PackedGemmAVX512.c) against its AVX2 twin and a
/// plain FMA loop: the same bits for every row count (the 6-row blocks and each remainder), panel
/// count (tiles of 1-4 and 8 panels, a partial last panel), panel range, and each of the three
/// ways of writing C (accumulate, bias, overwrite). Skipped on CPUs without AVX-512F.
@Suite struct PackedGemmAVX512Tests {
    typealias Case = GemmShape

    static let cases: [Case] = [
        Case(m: 1, n: 200, k: 37), Case(m: 2, n: 129, k: 16), Case(m: 3, n: 64, k: 5), Case(m: 5, n: 33, k: 9),
        Case(m: 6, n: 16, k: 1), Case(m: 7, n: 150, k: 31), Case(m: 13, n: 70, k: 64), Case(m: 32, n: 512, k: 128),
    ]

    /// C after one call of the kernel over panels q0..<q1 (C starts from a known pattern).
    static func run(_ avx512: Bool, _ c: Case, q0: Int, q1: Int, bias: Bool, accumulate: Bool) -> [UInt32] {
        let a = Tensor.randn([c.m, c.k], generator: Generator(seed: 1)).scalars
        let b = Tensor.randn([c.k, c.n], generator: Generator(seed: 2)).scalars
        let biasValues = (0..<c.n).map { Float($0) * 0.25 - 3 }
        var out = (0..<(c.m * c.n)).map { Float($0 % 17) * 0.5 }
        var packed = [Float](repeating: .nan, count: sg_packed_b_count_f32(c.k, c.n))
        b.withUnsafeBufferPointer { bp in
            packed.withUnsafeMutableBufferPointer { sg_pack_b_f32(c.k, c.n, bp.baseAddress, c.n, 1, $0.baseAddress) }
        }
        a.withUnsafeBufferPointer { ap in
            packed.withUnsafeBufferPointer { pp in
                biasValues.withUnsafeBufferPointer { bv in
                    out.withUnsafeMutableBufferPointer { cp in
                        let f = avx512 ? sg_gemm_packed_b_panels_f32_avx512 : sg_gemm_packed_b_panels_f32_avx2
                        f(c.m, c.n, c.k, ap.baseAddress, c.k, pp.baseAddress, cp.baseAddress, c.n, q0, q1,
                          bias ? bv.baseAddress : nil, accumulate ? 1 : 0)
                    }
                }
            }
        }
        return out.map(\.bitPattern)
    }

    @Test(arguments: cases)
    func sameBitsAsTheAVX2Kernel(_ c: Case) {
        guard Kernels.avx512 else { return }
        let panels = (c.n + 15) / 16
        for (bias, accumulate) in [(false, true), (true, false), (false, false)] {
            for (q0, q1) in [(0, panels), (panels / 2, panels)] {
                let wide = Self.run(true, c, q0: q0, q1: q1, bias: bias, accumulate: accumulate)
                let narrow = Self.run(false, c, q0: q0, q1: q1, bias: bias, accumulate: accumulate)
                #expect(wide == narrow, "\(c) panels \(q0)..<\(q1) bias \(bias) accumulate \(accumulate)")
            }
        }
    }

    /// Against a scalar FMA chain per element (the kernels' documented arithmetic), so the two
    /// kernels cannot agree on a wrong answer.
    @Test func matchesAScalarFMAChain() {
        guard Kernels.avx512 else { return }
        let c = Case(m: 7, n: 150, k: 31)
        let a = Tensor.randn([c.m, c.k], generator: Generator(seed: 1)).scalars
        let b = Tensor.randn([c.k, c.n], generator: Generator(seed: 2)).scalars
        let got = Self.run(true, c, q0: 0, q1: (c.n + 15) / 16, bias: false, accumulate: false)
        for i in 0..<c.m {
            for j in 0..<c.n {
                var s: Float = 0
                for p in 0..<c.k { s = s.addingProduct(a[i * c.k + p], b[p * c.n + j]) }   // fused
                #expect(got[i * c.n + j] == s.bitPattern, "C[\(i), \(j)]")
            }
        }
    }
}
