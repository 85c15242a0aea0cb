import Foundation
import Testing
import SwiftGrad

// Regressions for op_db samples that failed against PyTorch (issue 16, "ops16fail"): each test
// runs the op on a small input and compares with PyTorch's values (torch 2.15 on CPU: from the
// conformance fixtures, or computed once with Scripts/conformance/failures_reference.py), and
// gradchecks in Float64 where a gradient changed.

@Suite struct ConformanceFailuresTests {
    func close(_ a: [Double], _ b: [Double], tol: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || (Swift.abs($0 - $1) <= tol * (1 + Swift.abs($1))) || ($0.isNaN && $1.isNaN) }
    }

    // MARK: Ties: the indices PyTorch's selection algorithms pick

    /// Lines of 5 from the op_db kthvalue int64 sample: PyTorch's quickselect picks these among ties
    /// (a stable order would give 1, not 0, for [5, 5, 7, 6, 5] and 4, not 1, for [1, -7, -4, -6, -7]).
    @Test func kthvaluePicksTiesAsPyTorch() {
        let x = Tensor([-8, 6, 9, 0, 0, 5, 5, 7, 6, 5, 1, -5, 2, -1, 8, -4, 0, -6, 3, -5, 9, 2, -5, -2, -2, 1, -7, -4, -6, -7],
                       shape: [6, 5])
        let r = x.kthvalue(2, axis: -1)
        #expect(r.values.ints == [0, 5, -1, -5, -2, -7])
        #expect(r.indices.ints == [3, 0, 3, 4, 3, 1])
        // Float lines take the same path (NaN counts as the largest).
        let f = Tensor([2, .nan, 1, 2, 1], dtype: .float64).kthvalue(4)
        #expect(f.values.item() == 2)
    }

    /// Lines of 5 from the op_db topk int64 sample (k = 3): std::nth_element then std::sort of the
    /// first k − 1, replayed.
    @Test func topkPicksTiesAsPyTorch() {
        let x = Tensor([-8, 6, 9, 0, 0, 5, 5, 7, 6, 5, 1, -5, 2, -1, 8, -4, 0, -6, 3, -5, 9, 2, -5, -2, -2], shape: [5, 5])
        let r = x.topk(3, axis: 1)
        #expect(r.values.ints == [9, 6, 0, 7, 6, 5, 8, 2, 1, 3, 0, -4, 9, 2, -2])
        #expect(r.indices.ints == [2, 1, 3, 2, 3, 0, 4, 2, 0, 3, 1, 0, 0, 1, 4])
        // The values are those of a sort, whatever the ties.
        let s = x.sort(axis: 1, descending: true).values.narrow(axis: 1, start: 0, length: 3)
        #expect(r.values.ints == s.ints)
        // Rows of ties, the heap path (k·64 ≤ n: std::partial_sort), a sort of more than 16 (introsort's
        // partition before the insertion sort), NaN first: PyTorch's indices.
        let t = Tensor([3, 1, 3, 2, 3, 1, 2, 3, 5, 5, 5, 5, 5, 5, 5, 5, 2, 2, 1, 1, 3, 3, 2, 1], shape: [3, 8])
        #expect(t.topk(3, axis: 1).indices.ints == [4, 7, 0, 6, 5, 4, 5, 4, 1])
        #expect(t.topk(3, axis: 1, largest: false).indices.ints == [1, 5, 3, 6, 5, 4, 7, 3, 2])
        #expect(t.topk(3, axis: 1, sorted: false).indices.ints == [4, 7, 0, 6, 5, 4, 5, 4, 1])
        #expect(t.kthvalue(2, axis: 1).indices.ints == [5, 5, 7])
        #expect(t.kthvalue(5, axis: 1).indices.ints == [0, 4, 0])
        let z = Tensor((0..<200).map { $0 * 7919 % 13 }, shape: [1, 200])
        #expect(z.topk(3, axis: 1).indices.ints == [32, 19, 6])
        #expect(z.topk(2, axis: 1, largest: false).indices.ints == [13, 0])
        let w = Tensor((0..<40).map { $0 * 31 % 7 }, shape: [1, 40])
        #expect(w.topk(20, axis: 1).indices.ints == [16, 2, 37, 23, 30, 9, 39, 18, 11, 25, 32, 4, 27, 34, 20, 6, 13, 29, 15, 8])
        let y = Tensor([1.0, .nan, 2.0, 2.0, .nan, 0.5, 2.0], dtype: .float32)
        #expect(y.topk(4).indices.ints == [1, 4, 6, 2])
        #expect(y.kthvalue(6).indices.ints == [1])
    }

    // MARK: Inputs PyTorch accepts (these stopped the process)

    /// Bin edges that do not increase: PyTorch counts a value in [first edge, last edge] at
    /// std::upper_bound's position (none when the first edge exceeds the last; op_db histogramdd).
    @Test func histogramddTakesEdgesThatDoNotIncrease() {
        let pts = Tensor([0.5, 2.0, 1.5, 0.1, 2.5, 1.0, 0.2, 0.7], shape: [4, 2], dtype: .float64)
        let e0 = Tensor([0.0, 2.0, 1.0, 3.0], dtype: .float64), e2 = Tensor([0.0, 1.5, 0.5, 2.0], dtype: .float64)
        let h = pts.histogramdd(binEdges: [e0, e2]).hist
        #expect(h.shape == [3, 3] && h.doubles == [0, 0, 2, 0, 0, 0, 1, 0, 1])
        let none = pts.histogramdd(binEdges: [e0, Tensor([2.5, 0.0], dtype: .float64)]).hist
        #expect(none.shape == [3, 1] && none.doubles == [0, 0, 0])
        let d = pts.histogramdd(binEdges: [e0, e2], density: true).hist
        #expect(close(d.doubles, [0, 0, 1.0 / 6, 0, 0, 0, 1.0 / 12, 0, 1.0 / 12]))
    }

    /// tensorsolve needs only equal element counts: a [3, 2, 6] against b [2, 3] (op_db
    /// linalg.tensorsolve samples), with and without `dims`.
    @Test func tensorsolveNeedsOnlyEqualElementCounts() throws {
        let a = Tensor((1...36).map { 2 * cos(Double($0)) }, shape: [3, 2, 6], dtype: .float64)
            + Tensor.eye(6, dtype: .float64).reshape([3, 2, 6]) * 3
        let b = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], dtype: .float64)
        let x = try Linalg.tensorsolve(a, b)
        #expect(x.shape == [6])
        // a reshaped to [6, 6] times x gives b's elements.
        #expect(close(a.reshape([6, 6]).matmul(x).doubles, [1, 2, 3, 4, 5, 6], tol: 1e-12))
        let moved = try Linalg.tensorsolve(a.permute([2, 0, 1]), b, axes: [0])
        #expect(close(moved.doubles, x.doubles, tol: 1e-13))
    }

    /// as_strided of a view counts storage_offset from the storage's start and may read outside the
    /// view; the gradient reaches only the view's own elements (op_db as_strided.partial_views:
    /// the input is base[5:15] of a 20-element base).
    @Test func asStridedOfAPartialView() {
        let base = Tensor((0..<20).map(Double.init), dtype: .float64)
        let x = base.narrow(axis: 0, start: 5, length: 10)
        x.requiresGrad = true
        let up = Tensor([1, 2, 3, 4], shape: [2, 2], dtype: .float64)
        let inside = x.asStrided(shape: [2, 2], strides: [1, 2], offset: 10)
        #expect(inside.doubles == [10, 12, 11, 13])
        #expect(grad(of: (inside * up).sum(), wrt: [x])[0]?.doubles == [0, 0, 0, 0, 0, 1, 3, 2, 4, 0])
        let outside = x.asStrided(shape: [2, 2], strides: [1, 2], offset: 0)
        #expect(outside.doubles == [0, 2, 1, 3])
        #expect(grad(of: (outside * up).sum(), wrt: [x])[0]?.doubles == Array(repeating: 0, count: 10))
        // A transposed (non-contiguous) input whose elements hold the view: gradients of any order.
        let m = Tensor((0..<16).map { Double($0) / 7 }, shape: [4, 4], dtype: .float64, requiresGrad: true)
        let r = gradcheck({ ($0[0].t().asStrided(shape: [3], strides: [5], offset: 0) * $0[0].t().asStrided(shape: [2], strides: [4], offset: 1).sum()) }, inputs: [m])
        #expect(r.passed, "\(r)")
    }

    // MARK: Dtypes PyTorch gives

    /// float32 aweights take part in the result type: the covariance of a float16 input is float32
    /// (op_db cov float16 and bfloat16 samples).
    @Test func covWithFloat32WeightsIsFloat32() {
        let w = Tensor([0.25984418, 0.36664134], dtype: .float32)
        let h = Tensor([-8.48, -1.766], shape: [1, 2], dtype: .float16).cov(correction: 0, aweights: w)
        #expect(h.dtype == .float32)
        #expect(close(h.doubles, [10.931977], tol: 2e-7))
        let b = Tensor([-8.5, -1.765625], shape: [1, 2], dtype: .bfloat16).cov(correction: 0, aweights: w)
        #expect(b.dtype == .float32 && close(b.doubles, [11.00847], tol: 2e-7))
        #expect(Tensor([-8.48, -1.766], shape: [1, 2], dtype: .float16).cov().dtype == .float16)
    }

    /// torch.masked keeps integer dtypes: logsumexp computes in float32 with masked-out elements at
    /// the dtype's lowest value and truncates back (op_db masked.logsumexp int64 sample).
    @Test func maskedIntegerOpsKeepTheDtype() {
        let x = Tensor([-8, 6, 9, 0, 0, 5, 5, 7, 6, 5, 1, -5], shape: [3, 2, 1, 2])
        let mask = Tensor([true, true, false, true, false, false], shape: [3, 2, 1, 1])
        let l = Masked.logsumexp(x, axes: [0], keepDim: true, mask: mask)
        #expect(l.dtype == .int64 && l.shape == [1, 2, 1, 2])
        #expect(l.ints == [-8, 6, 9, 7])
        let c = Masked.cumsum(Tensor([1, 2, 3], dtype: .int32), axis: 0, mask: Tensor([true, false, true]))
        #expect(c.dtype == .int32 && c.ints == [1, 1, 4])
        let p = Masked.cumprod(Tensor([200, 2, 3], dtype: .uint8), axis: 0)
        #expect(p.dtype == .uint8 && p.ints == [200, 144, 176])      // wraps modulo 256, as PyTorch
        #expect(Masked.cumsum(Tensor.zeros([5, 0, 0], dtype: .int32), axis: -1).dtype == .int32)
        let mi = Tensor([-8, 6, 9, 0, 0, 5], shape: [3, 2]), mk = Tensor([true, true, true, false, false, true], shape: [3, 2])
        #expect(Masked.logsumexp(mi, axes: [0], mask: mk).ints == [9, 6])
        #expect(Masked.cumsum(mi.to(.int32), axis: 0, mask: mk).ints == [-8, 6, 1, 6, 1, 11])
    }

    // MARK: Non-finite edges

    /// I₀ and I₁ are NaN at ±∞ in PyTorch (its e^x·P(32/x − 2)/√x is ∞/∞), i0e and i1e are ±0 there
    /// with a zero gradient (op_db i0, special.i1, special.i1e samples).
    @Test func besselIAtInfinityAsPyTorch() {
        let x = Tensor([.infinity, -.infinity, 1, -2], dtype: .float64, requiresGrad: true)
        #expect(x.i0().doubles[0].isNaN && x.i0().doubles[1].isNaN)
        #expect(x.i1().doubles[0].isNaN && x.i1().doubles[1].isNaN)
        let e = x.i1e()
        #expect(Array(e.doubles.prefix(2)) == [0, 0] && e.doubles[1].sign == .minus)
        #expect(close(Array(e.doubles.suffix(2)), [0.2079104153497085, -0.2152692892489377]))
        #expect(close(Array(x.i0e().doubles), [0, 0, 0.46575960759364043, 0.308508322553671]))
        let g = grad(of: e.sum(), wrt: [x])[0]!.doubles
        #expect(close(g, [0, 0, 0.049938776894223436, -0.014395611319735546], tol: 1e-10))
        let finite = Tensor([0.7, -1.3, 2.5], dtype: .float64, requiresGrad: true)
        #expect(gradcheck({ $0[0].i1e() }, inputs: [finite]).passed)
        #expect(gradcheck({ $0[0].i0e() }, inputs: [finite]).passed)
    }

    /// special.entr's gradient is PyTorch's −(1 + log x)·g, NaN below 0 (op_db special.entr samples).
    @Test func entrGradientBelowZeroIsNaN() {
        let x = Tensor([-1.5, 0.5, 2.0], dtype: .float64, requiresGrad: true)
        let y = x.entr()
        #expect(y.doubles[0] == -.infinity && close(Array(y.doubles.suffix(2)), [0.34657359027997264, -1.3862943611198906]))
        let g = grad(of: y.sum(), wrt: [x])[0]!.doubles
        #expect(g[0].isNaN && close(Array(g.suffix(2)), [-0.3068528194400547, -1.6931471805599454]))
        let positive = Tensor([0.3, 1.7], dtype: .float64, requiresGrad: true)
        #expect(gradcheck({ $0[0].entr() }, inputs: [positive]).passed)
    }

    // MARK: Float arithmetic as PyTorch's kernels do it

    /// float32 trigamma follows PyTorch's float algorithm, whose sinf(π·x) loses digits near the
    /// poles (op_db polygamma float32 samples, n = 1).
    @Test func trigammaInFloat32AsPyTorch() {
        let x = Tensor([-7.950587, -0.57349384, -3.0336847, 5.106745, -8.478374], dtype: .float32)
        #expect(close(x.polygamma(1).doubles, [412.7526, 9.537544, 884.3393, 0.2162342, 9.804039], tol: 2e-7))
        // float64 keeps the accurate value.
        #expect(Swift.abs(Tensor([-7.950587], dtype: .float64).polygamma(1).item() - 412.744) < 0.01)
    }

    // MARK: float16/bfloat16 rounded where PyTorch's CPU kernels round

    /// Within the conformance suite's tolerance of PyTorch's values (float16: rtol 1e-3, atol 1e-5;
    /// bfloat16: rtol 1.6e-2).
    func closeReduced(_ t: Tensor, _ want: [Double], rtol: Double = 1e-3) -> Bool {
        let got = t.to(.float64).doubles
        return got.count == want.count && zip(got, want).allSatisfy { Swift.abs($0 - $1) <= 1e-5 + rtol * Swift.abs($1) }
    }

    @Test func pointwiseAndNormsRoundAsPyTorch() {
        let h = Tensor([1.5, -2.25, 3.0, 0.1, 7.9], dtype: .float16)
        let t1 = Tensor([0.3, 1.7, -2.2, 5.5, -0.9], dtype: .float16), t2 = Tensor([2.1, -0.7, 0.33, 1.9, 3.3], dtype: .float16)
        #expect(closeReduced(h.addcmul(t1, t2, value: 3.14), [3.478515625, -5.98828125, 0.720703125, 32.90625, -1.4287109375]))
        let hb = h.to(.bfloat16), b1 = t1.to(.bfloat16), b2 = t2.to(.bfloat16)
        #expect(closeReduced(hb.addcdiv(b1, b2, value: -0.7), [1.3984375, -0.546875, 7.6875, -1.9296875, 8.125], rtol: 1.6e-2))
        let outer = Tensor(-8.48, dtype: .float16).addr(t1, t2, beta: 0.6, alpha: 0.2)
        #expect(outer.dtype == .float16 && closeReduced(outer, [-4.9609375, -5.12890625, -5.06640625, -4.97265625, -4.88671875, -4.37109375, -5.32421875, -4.97265625, -4.44140625, -3.96484375, -6.0078125, -4.77734375, -5.23046875, -5.921875, -6.5390625, -2.77734375, -5.85546875, -4.72265625, -2.99609375, -1.45703125, -5.46484375, -4.9609375, -5.14453125, -5.4296875, -5.6796875]))
        let x = Tensor([3.0, 7.20703125, 7.546875, 3.705078125, -0.7841796875, -1.794921875, 1.6025390625, 6.28515625, 7.9453125, 5.0625, 0.27978515625, -2.0, 0.317138671875, 5.1015625, 7.953125, 6.25, 1.560546875, -1.806640625, -0.7548828125, 3.75, 7.56640625, 7.18359375, 2.955078125, -1.2314453125], shape: [2, 3, 4], dtype: .float16)
        let w = Tensor([0.5, -1.2, 2.0], dtype: .float16), b = Tensor([0.1, 0.2, -0.3], dtype: .float16)
        let train = batchNorm(x, runningMean: nil, runningVar: nil, weight: w, bias: b, training: true, eps: 0.6)
        #expect(train.dtype == .float16 && closeReduced(train, [-0.3115234375, 0.498779296875, 0.564453125, -0.17578125, 0.96630859375, 1.3984375, -0.054901123046875, -2.05859375, 2.0078125, 0.5205078125, -1.9453125, -3.12109375, -0.82861328125, 0.09320068359375, 0.642578125, 0.314453125, -0.03692626953125, 1.4033203125, 0.95361328125, -0.9736328125, 1.8115234375, 1.6142578125, -0.56591796875, -2.724609375]))
        let eval = batchNorm(x, runningMean: Tensor([0.5, 1.0, -2.0], dtype: .float16), runningVar: Tensor([1.5, 0.3, 2.0], dtype: .float16),
                             weight: w, training: false, eps: 0.6)
        #expect(closeReduced(eval, [0.86279296875, 2.314453125, 2.431640625, 1.10546875, 2.2578125, 3.53515625, -0.76220703125, -6.6875, 12.3359375, 8.7578125, 2.828125, 0.0, -0.0631103515625, 1.587890625, 2.572265625, 1.984375, -0.708984375, 3.55078125, 2.220703125, -3.478515625, 11.8671875, 11.390625, 6.14453125, 0.953125]))
        #expect(closeReduced(instanceNorm(x.to(.bfloat16), eps: 0.6), [-1.09375, 0.84765625, 1.0078125, -0.765625, -0.66015625, -0.9765625, 0.08544921875, 1.546875, 1.2890625, 0.56640625, -0.63671875, -1.2109375, -1.5703125, 0.06396484375, 1.0390625, 0.458984375, 0.384765625, -1.09375, -0.6328125, 1.34375, 0.94140625, 0.8359375, -0.3203125, -1.46875], rtol: 1.6e-2))
        #expect(closeReduced(x.renorm(p: 2, axis: 1, maxnorm: 0.5), [0.093017578125, 0.2235107421875, 0.2340087890625, 0.1148681640625, -0.048187255859375, -0.11029052734375, 0.09844970703125, 0.38623046875, 0.272705078125, 0.173828125, 0.00960540771484375, -0.06866455078125, 0.00983428955078125, 0.158203125, 0.24658203125, 0.19384765625, 0.09588623046875, -0.1109619140625, -0.04638671875, 0.2303466796875, 0.259765625, 0.24658203125, 0.1014404296875, -0.042266845703125]))
        let cos = cosineSimilarity(x.narrow(axis: 0, start: 0, length: 1), x.narrow(axis: 0, start: 1, length: 1), axis: -1)
        #expect(closeReduced(cos, [0.92919921875, 0.7978515625, 0.94873046875]))
        let huber = huberLoss(x.select(axis: 0, index: 0), x.select(axis: 0, index: 1), delta: 2.7, reduction: .none)
        #expect(closeReduced(huber, [3.599609375, 2.216796875, 0.08251953125, 3.23828125, 2.748046875, 6.866455078125e-05, 2.779296875, 3.212890625, 0.07177734375, 2.25, 3.578125, 0.29541015625]))
        let spacing = Tensor([1.1, 2, 3.5], dtype: .float16)
        #expect(closeReduced(x.gradient(coordinates: [spacing], axes: [1])[0], [-4.203125, -9.9921875, -6.6015625, 2.865234375, -0.443359375, -4.53125, -4.45703125, -0.28125, 5.81640625, 4.57421875, -0.88134765625, -5.51953125, 1.380859375, -7.671875, -9.671875, -2.77734375, 2.36328125, -2.54296875, -5.1171875, -2.98046875, 4.00390625, 5.99609375, 2.474609375, -3.3203125]))
        #expect(closeReduced(x.gradient(coordinates: [spacing], axes: [1], edgeOrder: 2)[0], [-7.9609375, -15.453125, -8.7421875, 6.015625, -0.443359375, -4.53125, -4.45703125, -0.28125, 12.078125, 13.671875, 2.693359375, -10.765625, 0.3974609375, -12.796875, -14.2265625, -2.56640625, 2.36328125, -2.54296875, -5.1171875, -2.98046875, 5.640625, 14.53125, 10.0625, -3.662109375]))
    }

    /// The formulas changed to PyTorch's order are still the derivatives (Float64 gradchecks).
    @Test func reorderedFormulasKeepTheirGradients() {
        let a = Tensor([0.3, -1.2, 2.0, 0.7, 1.1, -0.4], shape: [2, 3], dtype: .float64, requiresGrad: true)
        let b = Tensor([1.5, 0.2, -0.9, 0.4, -2.0, 0.6], shape: [2, 3], dtype: .float64, requiresGrad: true)
        #expect(gradcheck({ cosineSimilarity($0[0], $0[1], axis: 1) }, inputs: [a, b]).passed)
        let y = Tensor((0..<12).map { sin(Double($0)) }, shape: [3, 4], dtype: .float64, requiresGrad: true)
        let t = Tensor([0.0, 0.5, 1.7], dtype: .float64)
        #expect(gradcheck({ $0[0].gradient(coordinates: [t], axes: [0], edgeOrder: 2)[0] }, inputs: [y]).passed)
        #expect(gradcheck({ $0[0].gradient(spacing: [0.5], axes: [1], edgeOrder: 2)[0] }, inputs: [y]).passed)
        let v1 = Tensor([0.5, -1.0, 2.0], dtype: .float64, requiresGrad: true), v2 = Tensor([1.5, 0.25], dtype: .float64, requiresGrad: true)
        #expect(gradcheck({ Tensor.ones([3, 2], dtype: .float64).addr($0[0], $0[1], beta: 0.6, alpha: 0.2) }, inputs: [v1, v2]).passed)
    }

    /// margin_ranking_loss with NaN and ∞: PyTorch's loss is NaN; the target's gradient is NaN where
    /// x1 − x2 is not finite (0 · ∞), the inputs' gradients 0 there.
    @Test func marginRankingLossWithNonFiniteInputs() {
        let x1 = Tensor([1.0, .nan, -2.0], dtype: .float64, requiresGrad: true)
        let x2 = Tensor([.infinity, 0.5, 1.0], dtype: .float64, requiresGrad: true)
        let t = Tensor([-1.0, 1.0, -1.0], dtype: .float64, requiresGrad: true)
        let l = marginRankingLoss(x1, x2, t, reduction: .sum)
        #expect(l.item().isNaN)
        let g = grad(of: l, wrt: [x1, x2, t]).map { $0!.doubles }
        #expect(g[0] == [0, 0, 0] && g[1] == [0, 0, 0])
        #expect(g[2][0].isNaN && g[2][1].isNaN && g[2][2] == 0)
    }
}
