import Testing
@testable import SwiftGrad

/// The LSTM cell forward and backward in C (Sources/CKernels/RecurrentRows.c) give the floats of the
/// Swift loops they replace for float32, on widths with and without a scalar tail, with dc updated in
/// place in the backward.
@Suite struct RecurrentRowsKernelTests {
    @Test(arguments: [1, 7, 8, 13, 128]) func cBackwardRowsMatchTheSwiftLoop(h: Int) {
        guard Kernels.ownKernels else { return }   // no AVX2/FMA here: only the Swift loop exists
        let rows = 3
        func values(_ count: Int, _ seed: UInt64, _ low: Double, _ high: Double) -> [Float] {
            Tensor.uniform([count], low: low, high: high, generator: Generator(seed: seed)).to(.float32).scalars
        }
        let dh = values(rows * h, 1, -1, 1), dcNext = values(rows * h, 2, -1, 1)
        let acts = values(rows * 5 * h, 3, 0.01, 0.99), cPrev = values(rows * h, 4, -2, 2)
        func run(vector: Bool) -> ([Float], [Float]) {
            var dPre = [Float](repeating: 0, count: rows * 4 * h), dc = dcNext   // dc updated in place
            dc.withUnsafeMutableBufferPointer { dcp in
                dPre.withUnsafeMutableBufferPointer { dp in
                    Kernels.lstmBackwardRows(dh: dh, dcNext: UnsafePointer(dcp.baseAddress!), acts: acts, cPrev: cPrev,
                                             dPre: dp.baseAddress!, dC: dcp.baseAddress!, rows: 0..<rows, h: h, vector: vector)
                }
            }
            return (dPre, dc)
        }
        let (vd, vc) = run(vector: true), (sd, sc) = run(vector: false)
        #expect(vd == sd, "h \(h): d(pre) differs")
        #expect(vc == sc, "h \(h): dc differs")
    }

    @Test(arguments: [1, 7, 8, 13, 128]) func cForwardRowsMatchTheSwiftLoop(h: Int) {
        guard VectorMath.useC else { return }   // no AVX2/FMA here: only the Swift loop exists
        let rows = 3
        func values(_ count: Int, _ seed: UInt64, _ low: Double, _ high: Double) -> [Float] {
            Tensor.uniform([count], low: low, high: high, generator: Generator(seed: seed)).to(.float32).scalars
        }
        // Pre-activations past the vector ranges too (|x| up to 100: the scalar fallbacks).
        var pre = values(rows * 4 * h, 5, -6, 6)
        pre[0] = 100; pre[pre.count - 1] = -100
        let cPrev = values(rows * h, 6, -2, 2)
        func run(vector: Bool) -> (acts: [Float], h: [Float], c: [Float]) {
            var acts = [Float](repeating: 0, count: rows * 5 * h)
            var hOut = [Float](repeating: 0, count: rows * h), cOut = hOut
            pre.withUnsafeBufferPointer { p in
                acts.withUnsafeMutableBufferPointer { a in
                    hOut.withUnsafeMutableBufferPointer { hp in
                        cOut.withUnsafeMutableBufferPointer { cp in
                            Kernels.lstmForwardRows(pre: UnsafeMutablePointer(mutating: p.baseAddress!), cPrev: cPrev,
                                                    hOut: hp.baseAddress!, cOut: cp.baseAddress!, acts: a.baseAddress!,
                                                    rows: 0..<rows, h: h, vector: vector)
                        }
                    }
                }
            }
            return (acts, hOut, cOut)
        }
        let v = run(vector: true), s = run(vector: false)
        #expect(v.acts == s.acts, "h \(h): activations differ")
        #expect(v.c == s.c, "h \(h): c' differs")
        #expect(v.h == s.h, "h \(h): h' differs")
    }
}
