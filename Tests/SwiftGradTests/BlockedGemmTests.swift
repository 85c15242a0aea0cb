import Testing
import CKernels
@testable import SwiftGrad

/// SwiftGrad's blocked AVX-512 GEMM (Sources/CKernels/BlockedGemmAVX512.c): its documented arithmetic
/// bit for bit (per block of at most 384 values of p one FMA chain from zero, blocks added in order),
/// results independent of how rows or columns are split, every transpose, alpha/beta and
/// leading-dimension combination, partial strips and panels, more rows than one 1,536-row block, and
/// the public `matmul` with the kernel on and off. Skipped on CPUs without AVX-512F.
@Suite struct BlockedGemmTests {
    typealias Case = GemmShape

    static let cases: [Case] = [
        Case(m: 1, n: 1, k: 1), Case(m: 12, n: 32, k: 16), Case(m: 13, n: 33, k: 2), Case(m: 25, n: 70, k: 385),
        Case(m: 40, n: 530, k: 20), Case(m: 1550, n: 33, k: 7), Case(m: 5, n: 17, k: 800), Case(m: 3, n: 4, k: 0),
    ]

    struct Operands {
        let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int
        let a: [Float], b: [Float], c: [Float]

        /// Seeded operands with leading dimensions wider than the matrices; C holds NaN every third
        /// element (beta zero must not read it).
        init(_ c: Case, transA: Bool, transB: Bool) {
            self.transA = transA
            self.transB = transB
            (m, n, k) = (c.m, c.n, c.k)
            lda = (transA ? c.m : c.k) + 3
            ldb = (transB ? c.k : c.n) + 5
            ldc = c.n + 2
            a = Tensor.randn([lda * (transA ? c.k : c.m) + 1], generator: Generator(seed: 1)).scalars
            b = Tensor.randn([ldb * (transB ? c.n : c.k) + 1], generator: Generator(seed: 2)).scalars
            self.c = (0..<(ldc * c.m)).map { $0 % 3 == 0 ? .nan : Float($0 % 11) * 0.5 - 2 }
        }

        /// C with every NaN replaced (for beta ≠ 0 runs).
        var finiteC: [Float] { c.map { $0.isNaN ? 1.5 : $0 } }

        /// The kernel on rows [r0, r1) and columns [c0, c1) of C (sub-matrices by pointer offsets, as
        /// `Kernels.gemm` splits a product over threads).
        func run(_ start: [Float], alpha: Float, beta: Float, rows: Range<Int>? = nil, columns: Range<Int>? = nil)
            -> [Float] {
            var out = start
            let rows = rows ?? 0..<m, columns = columns ?? 0..<n
            let status = a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    out.withUnsafeMutableBufferPointer { cp in
                        let aOffset = transA ? rows.lowerBound : rows.lowerBound * lda
                        let bOffset = transB ? columns.lowerBound * ldb : columns.lowerBound
                        return sg_sgemm_blocked_avx512(
                            transA ? 1 : 0, transB ? 1 : 0, rows.count, columns.count, k, alpha,
                            ap.baseAddress! + aOffset, lda, bp.baseAddress! + bOffset, ldb, beta,
                            cp.baseAddress! + rows.lowerBound * ldc + columns.lowerBound, ldc)
                    }
                }
            }
            #expect(status == 0)
            return out
        }

        /// The kernel's arithmetic written out one element at a time: per block of p (equal blocks
        /// of at most 384) an FMA chain from zero, times alpha; the first block combined with C as
        /// beta says (zero: C not read; one: added; else beta·C + that, fused), later blocks added.
        func reference(_ start: [Float], alpha: Float, beta: Float) -> [Float] {
            var out = start
            let blocks = (k + 383) / 384, kb = blocks == 0 ? 1 : (k + blocks - 1) / blocks
            for i in 0..<m {
                for j in 0..<n {
                    var value = out[i * ldc + j]
                    if k == 0 { out[i * ldc + j] = beta == 0 ? 0 : beta * value; continue }
                    var p0 = 0
                    while p0 < k {
                        var acc: Float = 0
                        for p in p0..<min(k, p0 + kb) {
                            let x = transA ? a[p * lda + i] : a[i * lda + p]
                            let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                            acc = acc.addingProduct(x, y)
                        }
                        let scaled = alpha * acc
                        if p0 > 0 || beta == 1 { value = value + scaled }
                        else if beta == 0 { value = scaled }
                        else { value = scaled.addingProduct(beta, value) }
                        p0 += kb
                    }
                    out[i * ldc + j] = value
                }
            }
            return out
        }
    }

    static func bits(_ v: [Float]) -> [UInt32] { v.map { $0.isNaN ? 0x7FC0_0000 : $0.bitPattern } }

    @Test(arguments: cases)
    func documentedArithmeticBitForBit(_ c: Case) {
        guard Kernels.avx512 else { return }
        for transA in [false, true] {
            for transB in [false, true] {
                let ops = Operands(c, transA: transA, transB: transB)
                for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (0.5, -2), (2, 0.25)] {
                    let start = beta == 0 ? ops.c : ops.finiteC
                    let got = ops.run(start, alpha: alpha, beta: beta)
                    let want = ops.reference(start, alpha: alpha, beta: beta)
                    #expect(Self.bits(got) == Self.bits(want),
                            "\(c) transA \(transA) transB \(transB) alpha \(alpha) beta \(beta)")
                }
            }
        }
    }

    /// Splitting C by rows or columns (as `Kernels.gemm` does over threads) gives the same bits.
    @Test func splitsDoNotChangeResults() {
        guard Kernels.avx512 else { return }
        for transA in [false, true] {
            for transB in [false, true] {
                let ops = Operands(Case(m: 50, n: 100, k: 400), transA: transA, transB: transB)
                let whole = ops.run(ops.c, alpha: 1, beta: 0)
                var byRows = ops.run(ops.c, alpha: 1, beta: 0, rows: 0..<16)
                byRows = ops.run(byRows, alpha: 1, beta: 0, rows: 16..<50)
                var byColumns = ops.run(ops.c, alpha: 1, beta: 0, columns: 0..<48)
                byColumns = ops.run(byColumns, alpha: 1, beta: 0, columns: 48..<100)
                #expect(Self.bits(byRows) == Self.bits(whole), "rows, transA \(transA) transB \(transB)")
                #expect(Self.bits(byColumns) == Self.bits(whole), "columns, transA \(transA) transB \(transB)")
            }
        }
    }

    /// The shapes that go to the kernel: large enough, little column padding, not narrow over a long p.
    @Test func dispatchRule() {
        guard Kernels.avx512, Runtime.blockedGemm else { return }
        #expect(Kernels.blockedGemmApplies(512, 1024, 1024))
        #expect(Kernels.blockedGemmApplies(1024, 512, 64))
        #expect(!Kernels.blockedGemmApplies(64, 32, 64))        // below 2²¹ multiply-adds
        #expect(!Kernels.blockedGemmApplies(2048, 65, 128))     // a third of the last panel's columns padding
        #expect(!Kernels.blockedGemmApplies(2048, 100, 128))
        #expect(!Kernels.blockedGemmApplies(512, 128, 2048))    // narrow over a long p
        #expect(!Kernels.blockedGemmApplies(4096, 10, 256))     // fewer than 32 columns
    }

    /// `matmul` and its gradients agree with the OpenBLAS path to float32 rounding, forward and
    /// backward (the backward's products have transposed operands). A child process: the switch is
    /// process-wide, and other tests compare results bit for bit while this one flips it.
    @Test func matmulAgreesWithOpenBLAS() async {
        guard Kernels.avx512 else { return }
        await #expect(processExitsWith: .success) {
            // [200, 200]·[200, 160] on two threads: halves of 100 × 160 × 200 multiply-adds, above the
            // kernel's threshold (as are the backward's two products).
            Runtime.threadCount = 2
            func run(_ blocked: Bool) -> [[Float]] {
                Runtime.blockedGemm = blocked
                precondition(Kernels.blockedGemmApplies(100, 160, 200) == blocked, "the switch is ignored")
                let x = Tensor.randn([200, 200], generator: Generator(seed: 3)).requiringGrad()
                let w = Tensor.randn([200, 160], generator: Generator(seed: 4)).requiringGrad()
                let y = x.matmul(w)
                (y * y).sum().backward()
                return [y.scalars, x.grad!.scalars, w.grad!.scalars]
            }
            let own = run(true), blas = run(false)
            for (p, q) in zip(own, blas) {
                let scale = q.map { abs($0) }.max()!
                let err = zip(p, q).map { abs($0 - $1) }.max()!
                precondition(err <= 1e-5 * scale, "max error \(err) of \(scale)")
            }
        }
    }
}
