import Foundation
import Testing
import SwiftGrad

/// PyTorch-style printing. Expected strings are PyTorch 2.x's `repr` with SwiftGrad's spelling of
/// the extras (`dtype: float64`, `requiresGrad: true`, `gradFn: mul`).
@Suite struct PrintingTests {
    @Test func smallFloat32Tensors() {
        #expect(Tensor([[1, 2], [3, 4]]).description == "tensor([[1., 2.],\n        [3., 4.]])")
        #expect(Tensor([1.5, 2.25, -3]).description == "tensor([ 1.5000,  2.2500, -3.0000])")
        #expect(Tensor([-1, 100] as [Float]).description == "tensor([ -1., 100.])")
        #expect(Tensor(3.5).description == "tensor(3.5000)")
        #expect(Tensor([.nan, 1, .infinity] as [Float]).description == "tensor([nan, 1., inf])")
    }

    @Test func scientificNotationWhenMagnitudesSpanMuch() {
        #expect(Tensor([1e-5, 1]).description == "tensor([1.0000e-05, 1.0000e+00])")
        #expect(Tensor([0.001, 123.5]).description == "tensor([1.0000e-03, 1.2350e+02])")
        #expect(Tensor([1e10, 1]).description == "tensor([1.0000e+10, 1.0000e+00])")
    }

    @Test func float64AndInt64() {
        #expect(Tensor([1.5, 2], dtype: .float64).description == "tensor([1.5000, 2.0000], dtype: float64)")
        #expect(Tensor([1, -2, 30]).description == "tensor([ 1, -2, 30])")
        #expect(Tensor([7]).dtype == .int64)
    }

    @Test func gradExtras() {
        let x = Tensor([1, 2], requiresGrad: true)
        #expect(x.description == "tensor([1., 2.], requiresGrad: true)")
        #expect((x * 2).description == "tensor([2., 4.], gradFn: mul)")
        let d = Tensor([1], dtype: .float64, requiresGrad: true)
        #expect(d.description == "tensor([1.], dtype: float64, requiresGrad: true)")
        #expect(x.debugDescription.hasPrefix("Tensor(shape: [2], dtype: float32)"))
    }

    @Test func threeDimensionalLayout() {
        let t = Tensor.arange(8, dtype: .float32).reshape([2, 2, 2])
        #expect(t.description == """
            tensor([[[0., 1.],
                     [2., 3.]],

                    [[4., 5.],
                     [6., 7.]]])
            """)
    }

    @Test func emptyTensors() {
        #expect(Tensor.zeros([0]).description == "tensor([])")
        #expect(Tensor.zeros([0, 3]).description == "tensor([], size: [0, 3])")
    }

    @Test func summarisedWithWrapping() {
        #expect(Tensor.arange(2000, dtype: .float32).description == """
            tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,
                    1.9990e+03])
            """)
        #expect(Tensor.arange(2000, dtype: .int64).reshape([40, 50]).description == """
            tensor([[   0,    1,    2,  ...,   47,   48,   49],
                    [  50,   51,   52,  ...,   97,   98,   99],
                    [ 100,  101,  102,  ...,  147,  148,  149],
                    ...,
                    [1850, 1851, 1852,  ..., 1897, 1898, 1899],
                    [1900, 1901, 1902,  ..., 1947, 1948, 1949],
                    [1950, 1951, 1952,  ..., 1997, 1998, 1999]])
            """)
    }

    @Test func longRowsWrapAtEightyColumns() {
        let t = Tensor.linspace(0.5, 1.5, steps: 12)
        let text = t.description
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
        #expect(text == """
            tensor([0.5000, 0.5909, 0.6818, 0.7727, 0.8636, 0.9545, 1.0455, 1.1364, 1.2273,
                    1.3182, 1.4091, 1.5000])
            """)
    }

    /// Ten million elements print quickly and briefly: only the shown elements are formatted.
    @Test func tenMillionElementsPrintShort() {
        let big = Tensor.zeros([10_000_000])
        let text = big.description
        #expect(text.utf8.count < 2048)
        #expect(text == "tensor([0., 0., 0.,  ..., 0., 0., 0.])")
        let grid = Tensor.ones([1000, 10_000])
        let g = grid.description
        #expect(g.utf8.count < 2048 && g.contains("...,"))
    }

    /// Print options are process-wide, so they are changed in a child process.
    @Test func printOptionsChangePrecisionAndThreshold() async {
        await #expect(processExitsWith: .success) {
            PrintOptions.precision = 2
            guard Tensor([1.5, 2.25]).description == "tensor([1.50, 2.25])" else { exit(1) }
            PrintOptions.threshold = 4
            PrintOptions.edgeItems = 1
            guard Tensor.arange(10, dtype: .float32).description == "tensor([0.,  ..., 9.])" else { exit(2) }
            exit(0)
        }
    }
}
