import Testing
@testable import SwiftGrad

/// The LSTM cell backward in C (Sources/CKernels/RecurrentRows.c) gives the floats of the Swift loop
/// it replaces for float32, on widths with and without a scalar tail, with dc updated in place.
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
}
