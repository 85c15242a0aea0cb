import Foundation
import Testing
@testable import SwiftGrad

/// torch.gradient, the incomplete gamma functions, torch.histogram/histogramdd, nearest-exact
/// resampling and linear_cross_entropy (values from PyTorch 2.x in float64).
@Suite struct NumericalHistogramTests {
    @Test func finiteDifferenceGradients() {
        // f = x² sampled at uneven coordinates: the inner formula is exact for quadratics, and so are
        // the second-order edges.
        let t = Tensor([0.0, 0.5, 1.5, 3, 3.5], dtype: .float64)
        let f = t * t
        let d = f.gradient(coordinates: [t], edgeOrder: 2)[0].doubles
        for (a, b) in zip(d, t.doubles.map { 2 * $0 }) { #expect(Swift.abs(a - b) < 1e-12) }
        // Uniform spacing 2 on the second axis of a 2-D grid; first-order edges.
        let g = Tensor([[1.0, 3, 7, 13], [0, 0, 0, 0]], dtype: .float64).gradient(spacing: [2], axes: [1])[0]
        #expect(g.doubles == [1, 1.5, 2.5, 3, 0, 0, 0, 0])
        #expect(Tensor([1, 4, 9]).gradient()[0].dtype == .float32)
        #expect(gradcheck({ $0[0].gradient(coordinates: [Tensor([0.0, 1, 3], dtype: .float64), Tensor([0.0, 0.5, 2, 2.5], dtype: .float64)],
                                           edgeOrder: 2)[1] }, inputs: [GC.randn([3, 4], seed: 21)]).passed)
        #expect(gradcheck({ $0[0].gradient(spacing: [0.5, 2], edgeOrder: 2)[0] }, inputs: [GC.randn([3, 4], seed: 22)]).passed)
    }

    @Test func incompleteGammaMatchesPyTorch() {
        let a = Tensor([0.5, 30, 100, 5], dtype: .float64), x = Tensor([1e-3, 25, 120, 0.2], dtype: .float64)
        let p = a.igamma(x).doubles, q = a.igammac(x).doubles
        let wantP = [0.035670591729679894, 0.18210391575658647, 0.9721362600793289, 2.2581905529578234e-06]
        let wantQ = [0.9643294082703201, 0.8178960842434135, 0.027863739920671086, 0.999997741809447]
        for i in 0..<4 {
            #expect(Swift.abs(p[i] - wantP[i]) <= 1e-8 * wantP[i])
            #expect(Swift.abs(q[i] - wantQ[i]) <= 1e-8 * wantQ[i])
        }
        let edge = Tensor([0.0, 0, 1, -1], dtype: .float64).igamma(Tensor([0.0, 1, 0, 1], dtype: .float64)).doubles
        #expect(edge[0].isNaN && edge[1] == 1 && edge[2] == 0 && edge[3].isNaN)
    }

    @Test func histogramsMatchPyTorch() {
        let (h, e) = Tensor([1.0, 1, 1]).histogram(bins: 2)
        #expect(h.doubles == [0, 3] && e.doubles == [0.5, 1, 1.5] && h.dtype == .float32)
        let x = Tensor([0.0, 1, 2, 3, 10], dtype: .float64)
        let (d, _) = x.histogram(binEdges: Tensor([0.0, 2, 10], dtype: .float64), weight: Tensor([1.0, 2, 3, 4, 5], dtype: .float64),
                                 density: true)
        #expect(d.doubles == [0.1, 0.1])
        // Values outside the range are left out; the last bin holds its right edge.
        #expect(x.histogram(bins: 3, range: (0, 3)).hist.doubles == [1, 1, 2])
        let points = Tensor([[0.0, 0], [1, 1], [1, 0], [0.2, 0.9]], dtype: .float64)
        let (hist, edges) = points.histogramdd(bins: [2, 2])
        #expect(hist.shape == [2, 2] && hist.doubles == [1, 1, 1, 1] && edges.count == 2)
    }

    @Test func nearestExactAndLinearCrossEntropy() {
        let x = Tensor([0.0, 1, 2, 3], shape: [1, 1, 4]).to(.float64)
        #expect(nearestExactInterpolate(x, size: [3]).doubles == [0, 2, 3])
        #expect(nearestExactInterpolate(x, scaleFactors: [1.7]).doubles == [0, 0, 1, 2, 2, 3])
        #expect(gradcheck({ nearestExactInterpolate($0[0], size: [3, 5]) }, inputs: [GC.randn([1, 2, 4, 3], seed: 23)]).passed)
        let h = GC.randn([5, 3], seed: 24), w = GC.randn([4, 3], seed: 25), y = Tensor([0, 3, 1, 1, 2])
        let fused = linearCrossEntropy(h, weight: w, targets: y, reduction: .sum)
        #expect(Swift.abs(fused.item() - crossEntropy(logits: h.matmul(w.mT), targets: y, reduction: .sum).item()) < 1e-12)
        #expect(gradcheck({ linearCrossEntropy($0[0], weight: $0[1], targets: y) }, inputs: [h, w]).passed)
    }

    @Test func polarSquareRootAndSTFT() throws {
        let a = Tensor([[2.0, 1], [0, 3], [1, 1]], dtype: .float64)
        let (u, h) = try Linalg.polar(a)
        #expect(u.allclose(Tensor([[0.8830416489078259, 0.15679691445020194], [-0.24404906571746682, 0.958488874785539],
                                   [0.4008459801676686, 0.2381466030226908]], dtype: .float64), rtol: 1e-12, atol: 1e-14))
        #expect(h.allclose(Tensor([[2.1669292779833205, 0.5517404319230945], [0.5517404319230945, 3.2704101418295095]], dtype: .float64),
                           rtol: 1e-12, atol: 1e-14))
        #expect(gradcheck({ xs in let r = try! Linalg.polar(xs[0]); return r.u + r.h.sum() }, inputs: [a]).passed)
        let s = Tensor([[4.0, 1], [1, 3]], dtype: .float64)
        #expect(try Linalg.matrixSqrth(s).allclose(Tensor([[1.9815776331353152, 0.27083220609417935], [0.27083220609417935, 1.710745427041136]],
                                                         dtype: .float64), rtol: 1e-12, atol: 1e-14))
        let x = Tensor([0.0, 1, 3, 2, 5, 4, 6, 7], dtype: .float64)
        let spec = stft(x, nFFT: 4, hopLength: 2, window: SignalWindows.hann(4, sym: false, dtype: .float64))
        let want: [Double] = [1, 0, 4.5, 0, 8, 0, 11.5, 0, 11.5, 0, 0, 0, -3, 0.5, -5, 1, -6, 1.5, -6, -1.5, -1, 0, 1.5, 0, 2, 0, 0.5, 0, 0.5, 0]
        #expect(spec.shape == [3, 5, 2] && zip(spec.doubles, want).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        #expect(gradcheck({ stft($0[0], nFFT: 4, hopLength: 3, winLength: 3) }, inputs: [GC.randn([2, 9], seed: 26)]).passed)
    }
}
