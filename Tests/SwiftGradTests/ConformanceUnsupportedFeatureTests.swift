import Foundation
import Testing
import SwiftGrad

// The features added for the conformance suite's unsupported samples (ops16unsup2): tensor
// tolerances and `hermitian` in pinv / matrixRank, `bias: false` on the norm layers, `maxNorm`
// in embeddingBag, `recomputeScaleFactor`, integer nearest resampling, K-dimensional
// linearCrossEntropy, integer localResponseNorm, half-precision nextafter, int32 triangle indices.

@Suite struct ConformanceUnsupportedFeatureTests {
    static func maxDiff(_ a: Tensor, _ b: Tensor) -> Double { (a.to(.float64) - b.to(.float64)).abs().max().item() }
    static func randn(_ shape: [Int], seed: UInt64) -> Tensor { Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed)) }

    /// Two copies of diag(3, 1e-3): σ = 1e-3 is dropped by an atol of 1e-2 and kept by 1e-4.
    static func twoDiagonals() -> Tensor { Tensor.stack([Tensor([[3.0, 0], [0, 1e-3]], dtype: .float64), Tensor([[3.0, 0], [0, 1e-3]], dtype: .float64)]) }

    @Test func pinvAndRankTakeOneTensorTolerancePerMatrix() throws {
        let a = Self.twoDiagonals()
        let atol = Tensor([1e-2, 1e-4], dtype: .float64)
        let p = try Linalg.pinv(a, atol: atol, rtol: nil)
        #expect(Self.maxDiff(p[0], Tensor([[1.0 / 3, 0], [0, 0]], dtype: .float64)) < 1e-12)
        #expect(Self.maxDiff(p[1], Tensor([[1.0 / 3, 0], [0, 1000]], dtype: .float64)) < 1e-9)
        #expect(try Linalg.matrixRank(a, atol: atol, rtol: nil).ints == [1, 2])
        // rtol as a tensor: 1e-2·σ_max = 0.03 drops 1e-3, 1e-4·3 keeps it.
        #expect(try Linalg.matrixRank(a, atol: nil, rtol: Tensor([1e-2, 1e-4], dtype: .float64)).ints == [1, 2])
        // A [3, 1] grid of tolerances broadcast with the batch [2]: a [3, 2] batch of results.
        let grid = Tensor([1e-2, 1e-4, 10], shape: [3, 1], dtype: .float64)
        let ranks = try Linalg.matrixRank(a, atol: grid, rtol: nil)
        #expect(ranks.shape == [3, 2])
        #expect(ranks.ints == [1, 1, 2, 2, 0, 0])
        #expect(try Linalg.pinv(a, atol: grid, rtol: nil).shape == [3, 2, 2, 2])
        // The number overload gives the same as a 0-d tensor.
        #expect(Self.maxDiff(try Linalg.pinv(a, atol: 1e-2), try Linalg.pinv(a, atol: Tensor.full([], 1e-2, dtype: .float64), rtol: nil)) == 0)
    }

    @Test func atolOfZeroKeepsTheDefaultRtol() throws {
        // As PyTorch: rtol is 0 only when an atol above 0 is given; atol = 0 keeps eps·max(m, n).
        let a = Tensor([[1.0, 0], [0, 1e-20]], dtype: .float64)
        #expect(try Linalg.matrixRank(a, atol: 0).item() == 1)
        #expect(try Linalg.matrixRank(a, atol: 1e-30).item() == 2)
        #expect(try Linalg.pinv(a, atol: 0).doubles[3] == 0)
    }

    @Test func hermitianReadsTheLowerTriangleAndKeepsEigenvalueSigns() throws {
        let lower = Tensor([[2.0, 0, 0], [1, -3, 0], [0.5, 2, 1]], dtype: .float64)
        let junk = Tensor([[0.0, 7, -9], [0, 0, 4], [0, 0, 0]], dtype: .float64)
        let symmetric = lower + lower.mT - Tensor([[2.0, 0, 0], [0, -3, 0], [0, 0, 1]], dtype: .float64)
        let p = try Linalg.pinv(lower + junk, hermitian: true)
        #expect(Self.maxDiff(p, try Linalg.pinv(symmetric)) < 1e-10)
        #expect(Self.maxDiff(try Linalg.pinv(Tensor([[-2.0, 0], [0, 4]], dtype: .float64), hermitian: true),
                             Tensor([[-0.5, 0], [0, 0.25]], dtype: .float64)) < 1e-14)
        // Eigenvalues -3, 2 and ≈0: rank 2 from |λ|, upper triangle ignored.
        let d = Tensor([[-3.0, 5, 5], [0, 2, 5], [0, 0, 1e-20]], dtype: .float64)
        #expect(try Linalg.matrixRank(d, hermitian: true).item() == 2)
        #expect(try Linalg.matrixRank(Tensor.stack([d, d]), atol: Tensor([2.5, 1], dtype: .float64), rtol: nil, hermitian: true).ints == [1, 2])
    }

    @Test func hermitianPinvGradientIsPinvsFormula() throws {
        let a = Self.randn([3, 3], seed: 3)
        let r = gradcheck({ xs in try! Linalg.pinv(xs[0] + xs[0].mT, hermitian: true) }, inputs: [a])
        #expect(r.passed, "\(r)")
        // On a symmetric input the hermitian path and the general one give the same gradient
        // (PyTorch's: the pseudo-inverse formula on the dense input).
        let g = Self.randn([3, 3], seed: 4)
        let s1 = (a + a.mT).detach(), s2 = (a + a.mT).detach()
        s1.requiresGrad = true; s2.requiresGrad = true
        (try Linalg.pinv(s1, hermitian: true) * g).sum().backward()
        (try Linalg.pinv(s2) * g).sum().backward()
        #expect(Self.maxDiff(s1.grad!, s2.grad!) < 1e-10)
        // With tensor tolerances the general path keeps its gradient.
        let b = Self.randn([2, 3, 2], seed: 5)
        let r2 = gradcheck({ xs in try! Linalg.pinv(xs[0], atol: Tensor([1e-3, 1e-4], dtype: .float64), rtol: nil) }, inputs: [b])
        #expect(r2.passed, "\(r2)")
    }

    @Test func normLayersTakeBiasFalse() {
        let x = Self.randn([4, 3, 2], seed: 6)
        let bn = BatchNorm1d(3, dtype: .float64, bias: false)
        #expect(bn.namedParameters().map(\.0) == ["weight"])
        #expect(bn.bias == nil)
        withNoGrad { bn.weight!.copyFrom(Tensor([1.5, -2, 0.5], dtype: .float64)) }
        let expected = batchNorm(x, runningMean: nil, runningVar: nil, weight: bn.weight, training: true)
        #expect(Self.maxDiff(bn(x), expected) < 1e-12)
        #expect(BatchNorm2d(3, bias: false).bias == nil)
        #expect(BatchNorm3d(3, bias: false).weight != nil)
        let gn = GroupNorm(numGroups: 1, numChannels: 3, bias: false, dtype: .float64)
        #expect(gn.namedParameters().map(\.0) == ["weight"])
        #expect(Self.maxDiff(gn(x), groupNorm(x, numGroups: 1, weight: gn.weight)) < 1e-12)
        let inorm = InstanceNorm1d(3, affine: true, dtype: .float64, bias: false)
        #expect(inorm.namedParameters().map(\.0) == ["weight"])
        #expect(Set(inorm.stateDict().keys) == ["weight"])
        // affine: false has neither parameter, whatever bias says.
        #expect(BatchNorm1d(3, affine: false, bias: true).namedParameters().isEmpty)
    }

    @Test func embeddingBagMaxNormRenormalizesTheNamedRowsInPlace() {
        let table = Tensor([[3.0, 4], [0.3, 0.4], [6, 8], [10, 0]], dtype: .float64)
        let ids = Tensor([0, 1, 2, 2], shape: [2, 2])
        let y = embeddingBag(ids, weight: table, mode: .sum, maxNorm: 1)
        // Rows 0 and 2 (norms 5 and 10) are scaled to norm 1 (by maxNorm / (norm + 1e-7)); row 1 stays; row 3 is not named.
        #expect(Self.maxDiff(table[0], Tensor([0.6, 0.8], dtype: .float64)) < 1e-7)
        #expect(Self.maxDiff(table[2], Tensor([0.6, 0.8], dtype: .float64)) < 1e-7)
        #expect(table[1].doubles == [0.3, 0.4])
        #expect(table[3].doubles == [10, 0])
        #expect(Self.maxDiff(y, Tensor([[0.9, 1.2], [1.2, 1.6]], dtype: .float64)) < 1e-6)
        // The gradient is the plain bag's on the renormalized table.
        let w = table.detach(); w.requiresGrad = true
        embeddingBag(ids, weight: w, mode: .mean, maxNorm: 1).sum().backward()
        let expectedGrad: [Double] = [0.5, 0.5, 0.5, 0.5, 1, 1, 0, 0]
        #expect(w.grad!.doubles == expectedGrad)
        // scaleGradByFreq: row 2 occurs twice, so its summed gradient 2 is divided by 2.
        let v = table.detach(); v.requiresGrad = true
        embeddingBag(ids, weight: v, mode: .sum, scaleGradByFreq: true).sum().backward()
        let scaledGrad: [Double] = [1, 1, 1, 1, 1, 1, 0, 0]
        #expect(v.grad!.doubles == scaledGrad)
    }

    @Test func recomputeScaleFactorMapsPositionsWithTheSizes() {
        let x = Self.randn([1, 2, 4, 5], seed: 7)
        let r = interpolate(x, scaleFactor: 1.7, mode: .bilinear, recomputeScaleFactor: true)
        #expect(r.shape == [1, 2, 6, 8])
        #expect(Self.maxDiff(r, interpolate(x, size: Size2(6, 8), mode: .bilinear)) == 0)
        #expect(Self.maxDiff(r, interpolate(x, scaleFactor: 1.7, mode: .bilinear)) > 1e-3)
        #expect(Self.maxDiff(interpolate(x, scaleFactor: (1.7, 1.3), mode: .nearest, recomputeScaleFactor: true),
                             interpolate(x, size: Size2(6, 6), mode: .nearest)) == 0)
        let s = Self.randn([1, 2, 5], seed: 8)
        #expect(Self.maxDiff(linearInterpolate(s, scaleFactor: 1.7, recomputeScaleFactor: true), linearInterpolate(s, size: 8)) == 0)
        let v = Self.randn([1, 1, 2, 3, 3], seed: 9)
        #expect(Self.maxDiff(trilinearInterpolate(v, scaleFactor: (1.5, 1.7, 1.7), recomputeScaleFactor: true),
                             trilinearInterpolate(v, size: Size3(3, 5, 5))) == 0)
        let g = gradcheck({ xs in interpolate(xs[0], scaleFactor: 1.7, mode: .bicubic, recomputeScaleFactor: true) },
                          inputs: [Self.randn([1, 1, 3, 3], seed: 10)])
        #expect(g.passed, "\(g)")
    }

    @Test func nearestResamplingCopiesIntegersExactly() {
        let img = Tensor([0, 255, 17, 200, 3, 254], shape: [1, 1, 2, 3], dtype: .uint8)
        let up = interpolate(img, scaleFactor: 1.7, mode: .nearest)
        #expect(up.dtype == .uint8)
        #expect(up.shape == [1, 1, 3, 5])
        let reference = interpolate(img.to(.float64), scaleFactor: 1.7, mode: .nearest)
        #expect(up.ints == reference.doubles.map { Int($0) })
        let line = Tensor([9, 8, 7, 6], shape: [1, 1, 4], dtype: .int64)
        #expect(interpolate(line, size: Size2(1, 3)).ints == [9, 8, 7])
    }

    /// PyTorch's values (Scripts/conformance/uint8_resample_reference.py): its uint8 kernel resamples
    /// in fixed point, width first, rounding to uint8 between the passes.
    @Test func uint8BilinearAndBicubicMatchPyTorch() {
        let pixels = [0, 255, 17, 200, 3, 254, 128, 64, 90, 10, 250, 5, 1, 2, 3, 4, 250, 251, 252, 253, 0, 0, 255, 255,
                      77, 78, 200, 10, 9, 99, 199, 255, 128, 127, 126, 125]
        let x = Tensor(pixels, shape: [1, 3, 3, 4], dtype: .uint8)
        let bilinear = [0, 128, 215, 57, 109, 200, 1, 128, 222, 94, 104, 146, 3, 129, 233, 149, 96, 64, 55, 82, 123, 186, 115, 29, 90, 50,
                        50, 210, 128, 5, 1, 2, 2, 3, 4, 4, 101, 102, 102, 103, 104, 104, 250, 251, 251, 252, 253, 253, 100, 100, 126, 228,
                        254, 254, 0, 0, 43, 212, 255, 255, 77, 78, 98, 180, 105, 10, 50, 68, 105, 181, 154, 108, 9, 54, 116, 182, 227, 255,
                        80, 98, 123, 148, 166, 177, 128, 128, 127, 126, 126, 125]
        let bilinearCorners = [0, 153, 207, 65, 90, 200, 2, 154, 218, 109, 96, 132, 3, 154, 229, 153, 102, 64, 47, 98, 144, 178, 127, 35, 90,
                               42, 58, 202, 152, 5, 1, 2, 2, 3, 3, 4, 126, 127, 127, 128, 128, 129, 250, 251, 251, 252, 252, 253, 125, 126,
                               151, 228, 254, 254, 0, 0, 51, 204, 255, 255, 77, 78, 102, 176, 124, 10, 43, 71, 111, 178, 173, 133, 9, 63,
                               119, 179, 221, 255, 69, 95, 123, 153, 174, 190, 128, 127, 127, 126, 126, 125]
        let bicubic = [41, 136, 180, 39, 179, 134, 41, 221, 71, 61, 180, 47, 77, 138, 41, 0, 0, 0, 116, 109, 100, 250, 252, 253, 115, 194,
                       255, 0, 116, 255, 80, 157, 19, 46, 157, 129, 20, 152, 249, 82, 136, 188, 138, 125, 113]
        let bicubicCorners = [0, 150, 255, 143, 17, 86, 200, 90, 28, 10, 145, 250, 150, 5, 1, 1, 2, 3, 3, 4, 4, 0, 0, 0, 128, 255, 255, 255,
                              77, 66, 78, 157, 200, 116, 10, 128, 128, 127, 127, 126, 125, 125]
        let scaled = [0, 97, 247, 122, 44, 152, 1, 98, 247, 146, 73, 125, 3, 99, 247, 182, 117, 83, 52, 77, 116, 162, 172, 75, 90, 59, 12,
                      144, 214, 70, 1, 1, 2, 3, 3, 4, 96, 96, 97, 98, 98, 99, 243, 243, 244, 245, 245, 246, 110, 110, 111, 191, 254, 254,
                      0, 0, 0, 143, 255, 255, 77, 77, 78, 146, 172, 60, 51, 64, 85, 149, 185, 129, 11, 44, 95, 155, 206, 235, 76, 91,
                      113, 139, 162, 176, 128, 128, 127, 126, 126, 125]
        let y = interpolate(x, size: Size2(5, 6), mode: .bilinear)
        #expect(y.dtype == .uint8)
        #expect(y.ints == bilinear)
        #expect(interpolate(x, size: Size2(5, 6), mode: .bilinear, alignCorners: true).ints == bilinearCorners)
        #expect(interpolate(x, size: Size2(5, 3), mode: .bicubic).ints == bicubic)
        #expect(interpolate(x, size: Size2(2, 7), mode: .bicubic, alignCorners: true).ints == bicubicCorners)
        #expect(interpolate(x, scaleFactor: 1.7, mode: .bilinear).ints == scaled)
    }

    @Test func linearCrossEntropyTakesAKDimensionalWeight() {
        let x = Self.randn([4, 3], seed: 11), w = Self.randn([2, 5, 3], seed: 12), b = Self.randn([2, 5], seed: 13)
        let y = Tensor([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0], shape: [4, 5])
        let loss = linearCrossEntropy(x, weight: w, targets: y, bias: b, reduction: .sum)
        let logits = linear(x, weight: w.reshape([10, 3]), bias: b.reshape([10])).reshape([4, 2, 5])
        #expect(Self.maxDiff(loss, crossEntropy(logits: logits, targets: y, reduction: .sum)) < 1e-12)
        let g = gradcheck({ xs in linearCrossEntropy(xs[0], weight: xs[1], targets: y, bias: xs[2]) }, inputs: [x, w, b])
        #expect(g.passed, "\(g)")
    }

    @Test func localResponseNormOfIntegersAveragesWithTruncation() {
        // x = [3, 1, 2] over channels, size 2: squares padded [0, 9, 1, 4], window sums [9, 10, 5],
        // truncated averages [4, 5, 2]; y = x / (avg·1 + 1)¹.
        let x = Tensor([3, 1, 2], shape: [1, 3, 1])
        let y = localResponseNorm(x, size: 2, alpha: 1, beta: 1, k: 1)
        #expect(y.dtype == .float32)
        #expect(Self.maxDiff(y, Tensor([0.6, 1.0 / 6, 2.0 / 3], shape: [1, 3, 1], dtype: .float64)) < 1e-6)
        let empty = Tensor.zeros([0, 2, 3], dtype: .int64)
        #expect(localResponseNorm(empty, size: 1).dtype == .int64)
    }

    @Test func nextafterStepsInHalfPrecision() {
        let up = Tensor([1.0, 0, -1, 1], dtype: .float16).nextafter(Tensor([2.0, 1, -2, 1], dtype: .float16))
        #expect(up.dtype == .float16)
        let expectedUp: [Double] = [1 + 0x1p-10, 0x1p-24, -1 - 0x1p-10, 1]
        #expect(up.doubles == expectedUp)
        let down = Tensor([1.0, 0], dtype: .bfloat16).nextafter(Tensor([0.0, -1], dtype: .bfloat16))
        let expectedDown: [Double] = [1 - 0x1p-8, -0x1p-133]
        #expect(down.dtype == .bfloat16)
        #expect(down.doubles == expectedDown)
        #expect(Tensor([Double.nan], dtype: .float16).nextafter(Tensor([1.0], dtype: .float16)).doubles[0].isNaN)
    }

    @Test func triangleIndicesTakeInt32() {
        let t = Tensor.triuIndices(4, 5, offset: -1, dtype: .int32)
        #expect(t.dtype == .int32)
        #expect(t.ints == Tensor.triuIndices(4, 5, offset: -1).ints)
        let lower: [Int] = [0, 1, 1, 2, 2, 2, 0, 0, 1, 0, 1, 2]
        #expect(Tensor.trilIndices(3, 3, dtype: .int32).ints == lower)
    }

    @Test func unfoldTakesBool() {
        let mask = Tensor([true, false, true, true, false, false, true, true, false], shape: [1, 1, 3, 3])
        let cols = unfold(mask, kernelSize: 2)
        #expect(cols.dtype == .bool)
        #expect(cols.shape == [1, 4, 4])
        #expect(cols.to(.float64).doubles == unfold(mask.to(.float64), kernelSize: 2).doubles)
    }
}
