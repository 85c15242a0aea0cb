import Foundation
import Testing
import SwiftGrad

// Regressions for the op_db samples that stopped the process or failed: each test calls the op on a
// small input that PyTorch accepts and compares with PyTorch's values (torch 2.15, float64 unless
// said otherwise) and, for differentiable ops, its gradients and a Float64 gradcheck.

@Suite struct ConformanceFixesTests {
    /// Elementwise closeness with a clear message.
    func close(_ a: [Double], _ b: [Double], tol: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tol * (1 + Swift.abs($1)) }
    }

    @Test func tanhshrinkOfIntegersIsFloat32() {
        let y = tanhshrink(Tensor([-2, 0, 3]))
        #expect(y.dtype == .float32)
        #expect(close(y.doubles, [-1.0359723567962646, 0, 2.0049452781677246], tol: 1e-7))
        #expect(tanhshrink(Tensor([true, false])).dtype == .float32)
    }

    @Test func thresholdOfIntegersStaysInteger() {
        let y = threshold(Tensor([-8, 6, 9, 0, 1, -5]), 1, -7)
        #expect(y.dtype == .int64)
        #expect(y.ints == [-7, 6, 9, -7, -7, -7])
        let z = threshold(Tensor([-8, 6], dtype: .int32), 6, 9)
        #expect(z.dtype == .int32 && z.ints == [9, 9])
    }

    @Test func hardshrinkWithNegativeLambdaPassesEverything() {
        let x = Tensor([-0.3, 0.2, 1.5, -4], dtype: .float64, requiresGrad: true)
        let y = hardshrink(x, lambda: -0.5)
        #expect(y.doubles == x.doubles)
        let r = gradcheck({ hardshrink($0[0], lambda: -0.5) }, inputs: [x])
        #expect(r.passed, "\(r)")
    }

    @Test func marginLossesTakeA0dInput() {
        let x = Tensor(1.15, dtype: .float64, requiresGrad: true)
        let a = multiMarginLoss(x, Tensor([0], shape: []))
        let b = multilabelMarginLoss(x, Tensor([0], shape: []))
        let c = multilabelMarginLoss(x, Tensor([-1], shape: []), reduction: .none)
        #expect(a.shape == [] && b.shape == [] && c.shape == [])
        #expect(a.item() == 0 && b.item() == 0 && c.item() == 0)
        let g = grad(of: a + b, wrt: [x])[0]
        #expect(g?.doubles == [0])
        let w = multiMarginLoss(Tensor(-4.8, dtype: .float64), Tensor([0], shape: []), margin: 0,
                                weight: Tensor([-8.4], dtype: .float64), reduction: .none)
        #expect(w.shape == [] && w.item() == 0)
    }

    @Test func hingeEmbeddingLossBroadcastsTheTarget() {
        let x = Tensor([0.5, -1.0, 2.0, 1.5, 0.2, -0.3], shape: [2, 3], dtype: .float64, requiresGrad: true)
        let t = Tensor([1, -1, -1], shape: [1, 3], dtype: .float64)
        let none = hingeEmbeddingLoss(x, t, margin: 1, reduction: .none)
        #expect(none.shape == [2, 3])
        #expect(close(none.doubles, [0.5, 2.0, 0.0, 1.5, 0.8, 1.3]))
        let sum = hingeEmbeddingLoss(x, t, margin: 1, reduction: .sum)
        #expect(close([sum.item()], [6.1]))
        let g = grad(of: sum, wrt: [x])[0]!
        #expect(g.doubles == [1, -1, 0, 1, -1, -1])
        let r = gradcheck({ hingeEmbeddingLoss($0[0], t, margin: 1, reduction: .mean) }, inputs: [x])
        #expect(r.passed, "\(r)")
    }

    @Test func maxUnpoolInHalfPrecision() {
        let y = maxUnpool1d(Tensor([-1.766, 3.611], shape: [1, 1, 2], dtype: .float16), indices: Tensor([1, 2], shape: [1, 1, 2]),
                            kernelSize: 3, stride: 2)
        #expect(y.dtype == .float16)
        #expect(y.doubles == [0, -1.765625, 3.611328125, 0, 0])
        let z = maxUnpool2d(Tensor([1.5, -2.25, 0.75, 4], shape: [1, 1, 2, 2], dtype: .bfloat16),
                            indices: Tensor([0, 3, 9, 14], shape: [1, 1, 2, 2]), kernelSize: 2)
        #expect(z.dtype == .bfloat16)
        #expect(z.doubles == [1.5, 0, 0, -2.25, 0, 0, 0, 0, 0, 0.75, 0, 0, 0, 0, 4, 0])
    }

    /// A position named twice takes the last slice; every source slice receives the gradient of the
    /// position it names (PyTorch's index_copy derivative).
    @Test func indexCopyWithRepeatedIndices() {
        let x = Tensor((0..<12).map(Double.init), shape: [3, 4], dtype: .float64, requiresGrad: true)
        let s = Tensor((0..<9).map { Double($0) * 10 + 1 }, shape: [3, 3], dtype: .float64, requiresGrad: true)
        let y = x.indexCopy(axis: 1, index: Tensor([1, 3, 1]), source: s)
        #expect(y.doubles == [0, 21, 2, 11, 4, 51, 6, 41, 8, 81, 10, 71])
        let up = Tensor((0..<12).map { Double($0) - 5 }, shape: [3, 4], dtype: .float64)
        let g = grad(of: (y * up).sum(), wrt: [x, s])
        #expect(g[0]?.doubles == [-5, 0, -3, 0, -1, 0, 1, 0, 3, 0, 5, 0])
        #expect(g[1]?.doubles == [-4, -2, -4, 0, 2, 0, 4, 6, 4])
        // Integer tensors take the same path (no gradient).
        let yi = Tensor([0, 0, 0], shape: [1, 3]).indexCopy(axis: 1, index: Tensor([2, 2]), source: Tensor([5, 7], shape: [1, 2]))
        #expect(yi.ints == [0, 0, 7])
    }

    @Test func scatterTakesAnInt32Index() {
        let x = Tensor.zeros([3, 4], dtype: .float64)
        let i = Tensor([2, 0, 1, 2, 0, 1, 0, 0], shape: [2, 4], dtype: .int32)
        let s = Tensor((1...8).map(Double.init), shape: [2, 4], dtype: .float64)
        let want: [Double] = [5, 2, 7, 8, 0, 6, 3, 0, 1, 0, 0, 4]
        #expect(x.scatter(axis: 0, index: i, source: s).doubles == want)
        #expect(x.scatterAdd(axis: 0, index: i, source: s).doubles == want)
        #expect(x.scatterReduce(axis: 0, index: i, source: s, reduce: .amax, includeSelf: false).doubles == want)
        #expect(x.scatter(axis: 0, index: i, value: 1).sum().item() == 8)
        let src = Tensor((1...8).map(Double.init), shape: [2, 4], dtype: .float64, requiresGrad: true)
        let r = gradcheck({ Tensor.zeros([3, 4], dtype: .float64).scatterAdd(axis: 0, index: i, source: $0[0]) }, inputs: [src])
        #expect(r.passed, "\(r)")
    }

    @Test func takeAlongDimWrapsNegativeIndices() {
        let x = Tensor((0..<6).map(Double.init), shape: [2, 3], dtype: .float64, requiresGrad: true)
        let i = Tensor([-1, 0, -3, 2], shape: [2, 2])
        #expect(x.takeAlongDim(i, axis: 1).doubles == [2, 0, 3, 5])
        let r = gradcheck({ $0[0].takeAlongDim(i, axis: -1) }, inputs: [x])
        #expect(r.passed, "\(r)")
    }

    /// A contracted axis of size 1 pairs with any size: the other side is summed over it.
    @Test func tensordotBroadcastsSize1ContractedAxes() {
        let a = Tensor([0.5], shape: [1, 1, 1], dtype: .float64, requiresGrad: true)
        let b = Tensor([1, 2, 3, -4], shape: [2, 1, 2], dtype: .float64, requiresGrad: true)
        let o = a.tensordot(b, dims: ([0, 1], [2, 0]))
        #expect(o.shape == [1, 1] && o.doubles == [1])
        let g = grad(of: (o * 2).sum(), wrt: [a, b])
        #expect(g[0]?.doubles == [4])
        #expect(g[1]?.doubles == [1, 1, 1, 1])
        let r = gradcheck({ $0[0].tensordot($0[1], dims: ([0, 1], [2, 0])) }, inputs: [a, b])
        #expect(r.passed, "\(r)")
    }
    @Test func embeddingScalesGradientsByFrequency() {
        let w = Tensor([3, 4, 0.3, 0.4, 1, -2, 6, 8], shape: [4, 2], dtype: .float64, requiresGrad: true)
        let idx = Tensor([0, 2, 0, 1], shape: [2, 2])
        let up = Tensor((1...8).map(Double.init), shape: [2, 2, 2], dtype: .float64)
        let y = embedding(idx, weight: w, scaleGradByFreq: true)
        // Not a derivative (PyTorch's heuristic scaling), so no gradcheck: PyTorch's values.
        #expect(grad(of: (y * up).sum(), wrt: [w])[0]?.doubles == [3, 4, 7, 8, 3, 4, 0, 0])
    }

    /// max_norm rescales the looked-up rows of the table in place (row 3 is not looked up).
    @Test func embeddingMaxNormRenormalisesTheTable() {
        let w = Tensor([3, 4, 0.3, 0.4, 1, -2, 6, 8], shape: [4, 2], dtype: .float64)
        let idx = Tensor([0, 2, 0, 1], shape: [2, 2])
        let y = embedding(idx, weight: w, maxNorm: 2)
        let want: [Double] = [1.1999999760000004, 1.5999999680000005, 0.3, 0.4, 0.8944271509999177, -1.7888543019998353, 6, 8]
        #expect(close(w.doubles, want))
        #expect(close(y.doubles, [want[0], want[1], want[4], want[5], want[0], want[1], 0.3, 0.4]))
        let w1 = Tensor([3, 4, 0.3, 0.4, 1, -2, 6, 8], shape: [4, 2], dtype: .float64)
        _ = embedding(idx, weight: w1, maxNorm: 2, normType: 1)
        #expect(close(w1.doubles, [0.8571428448979593, 1.1428571265306124, 0.3, 0.4, 0.6666666444444452, -1.3333332888888905, 6, 8]))
    }

    @Test func diffWithNZeroIsTheInput() {
        let x = Tensor([1, 4, 9], dtype: .float64, requiresGrad: true)
        let y = x.diff(n: 0, prepend: Tensor([0], dtype: .float64), append: Tensor([2, 3], dtype: .float64))
        #expect(y.doubles == [1, 4, 9])
        #expect(grad(of: (y * 2).sum(), wrt: [x])[0]?.doubles == [2, 2, 2])
    }

    @Test func floatMathOfIntegersIsFloat32() {
        let x = Tensor([0, 1, 4])
        #expect(x.sqrt().dtype == .float32 && x.sqrt().doubles == [0, 1, 2])
        #expect(x.exp().dtype == .float32 && close(x.exp().doubles, [1, 2.7182817459106445, 54.598148345947266], tol: 1e-7))
        #expect(Tensor([true, false]).sigmoid().dtype == .float32)
        #expect(close(Tensor([1, 2], dtype: .int32).log().doubles, [0, 0.6931471805599453], tol: 1e-7))
    }

    @Test func anyAndAllOfUInt8AreUInt8() {
        let x = Tensor([0, 5, 1, 0], shape: [2, 2], dtype: .uint8)
        #expect(x.any().dtype == .uint8 && x.any().ints == [1])
        #expect(x.all(axis: 1).dtype == .uint8 && x.all(axis: 1).ints == [0, 0])
        #expect(x.any(axes: [0]).ints == [1, 1])
        #expect(Tensor([1, 0]).all().dtype == .bool)
    }
    /// Circular padding with a negative amount crops first and wraps around what is left.
    @Test func circularPaddingCropsBeforeWrapping() {
        let x = Tensor((0..<16).map(Double.init), shape: [1, 1, 4, 4], dtype: .float64, requiresGrad: true)
        let y = x.pad([-1, 1, -2, 1], mode: .circular)
        #expect(y.shape == [1, 1, 3, 4])
        #expect(y.doubles == [9, 10, 11, 9, 13, 14, 15, 13, 9, 10, 11, 9])
        let z = Tensor((0..<5).map(Double.init), shape: [1, 5], dtype: .float64).pad([2, -1], mode: .circular)
        #expect(z.doubles == [2, 3, 0, 1, 2, 3])
        let r = gradcheck({ $0[0].pad([-1, 1, -2, 1], mode: .circular) }, inputs: [x])
        #expect(r.passed, "\(r)")
    }
    @Test func indexAddScalesBySourceAlpha() {
        let x = Tensor((0..<12).map(Double.init), shape: [3, 4], dtype: .float64)
        let y = x.indexAdd(axis: 0, indices: Tensor([0, 2]), source: Tensor.ones([2, 4], dtype: .float64), alpha: -2)
        #expect(y.doubles == [-2, -1, 0, 1, 4, 5, 6, 7, 6, 7, 8, 9])
        #expect(Tensor([1, 2, 3]).indexAdd(axis: 0, indices: Tensor([1]), source: Tensor([5]), alpha: 3).ints == [1, 17, 3])
        let src = Tensor([1, 2, 3, 4], shape: [1, 4], dtype: .float64, requiresGrad: true)
        let r = gradcheck({ x.indexAdd(axis: 0, indices: Tensor([1]), source: $0[0], alpha: 0.5) }, inputs: [src])
        #expect(r.passed, "\(r)")
    }

    @Test func movedimTakesSeveralAxes() {
        let y = Tensor((0..<24).map(Double.init), shape: [2, 3, 4]).movedim([0, 1], [2, 0])
        #expect(y.shape == [3, 4, 2])
        #expect(Array(y.doubles.prefix(8)) == [0, 12, 1, 13, 2, 14, 3, 15])
        #expect(Tensor.ones([2, 3, 4]).movedim([-1], [0]).shape == [4, 2, 3])
    }

    @Test func searchsortedReadsTheSequenceThroughSorter() {
        #expect(Tensor.searchsorted(Tensor([5, 1, 3]), Tensor([4, 0, 6]), sorter: Tensor([1, 2, 0])).ints == [2, 0, 3])
        let r = Tensor.searchsorted(Tensor([5, 1, 3, 2, 9, 4], shape: [2, 3]), Tensor([4, 3], shape: [2, 1]), right: true,
                                    sorter: Tensor([1, 2, 0, 0, 2, 1], shape: [2, 3]))
        #expect(r.ints == [2, 1])
    }
    @Test func diagEmbedPlacesTheNewAxes() {
        let v = Tensor((1...6).map(Double.init), shape: [2, 3], dtype: .float64, requiresGrad: true)
        let y = Linalg.diagEmbed(v, offset: 1, dim1: 0, dim2: 2)
        #expect(y.shape == [4, 2, 4])
        #expect(y.doubles == [0, 1, 0, 0, 0, 4, 0, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0])
        let r = gradcheck({ Linalg.diagEmbed($0[0], offset: -1, dim1: 2, dim2: 0) }, inputs: [v])
        #expect(r.passed, "\(r)")
    }
}
