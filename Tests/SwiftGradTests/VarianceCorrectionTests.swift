import Foundation
import Testing
@testable import SwiftGrad

// Fractional `correction` of variance, std, varMean and stdMean (PyTorch's `correction=0.5`):
// the denominator is N − correction.

@Suite struct VarianceCorrectionTests {
    @Test func fractionalCorrectionDividesByNMinusCorrection() {
        let x = Tensor([1.0, 4, 2, 8, 5, 7], shape: [2, 3], dtype: .float64)
        let v = x.variance(axes: [1], correction: 0.5)
        // Row 0: mean 7/3, squared deviations sum 14/3 + ... computed by hand below.
        let rows: [[Double]] = [[1, 4, 2], [8, 5, 7]]
        let expected = rows.map { r -> Double in
            let m = r.reduce(0, +) / 3
            return r.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 2.5
        }
        #expect(zip(v.doubles, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        #expect(zip(x.std(axes: [1], correction: 0.5).doubles, expected.map { $0.squareRoot() }).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        let (vm, m) = x.varMean(axes: [1], correction: 0.5, keepDim: true)
        #expect(vm.shape == [2, 1] && vm.doubles == v.doubles && m.doubles == x.mean(axes: [1]).doubles)
        #expect(x.stdMean(axes: [1], correction: 0.5).std.doubles == x.std(axes: [1], correction: 0.5).doubles)
        // Integral corrections agree with the Int spelling.
        #expect(x.variance(axes: [0], correction: 1.0).doubles == x.variance(axes: [0], correction: 1).doubles)
    }

    @Test func fractionalCorrectionGradcheck() {
        let x = Tensor([0.3, -1.2, 2.5, 0.7, 1.1, -0.4], shape: [2, 3], dtype: .float64)
        #expect(gradcheck({ $0[0].variance(axes: [1], correction: 0.5) }, inputs: [x]).passed)
        #expect(gradcheck({ $0[0].std(axes: nil, correction: 1.5) }, inputs: [x]).passed)
    }
}
