import Foundation
import Testing
@testable import SwiftGrad

/// Sorting and statistics against PyTorch (Resources/sorting_fixtures.json, written by
/// make_sorting_fixtures.py): values, indices (ties and NaN ordering) and float64 gradients.
@Suite struct SortingStatisticsTests {
    static var fixtures: [String: OpFixture] { OpFixture.load("sorting_fixtures") }

    static var table: [String: ([Tensor]) -> [Tensor]] { [
        "sort": { let r = $0[0].sort(axis: 1); return [r.values, r.indices] },
        "sort_desc": { let r = $0[0].sort(axis: 1, descending: true); return [r.values, r.indices] },
        "sort_grad": { let r = $0[0].sort(axis: 0); return [r.values, r.indices] },
        "sort_int": { let r = $0[0].sort(descending: true); return [r.values, r.indices] },
        "argsort": { [$0[0].argsort(axis: -1, stable: true)] },
        "topk": { let r = $0[0].topk(3, axis: 1); return [r.values, $0[0].gather(axis: 1, index: r.indices)] },
        "topk_smallest": { let r = $0[0].topk(4, axis: 1, largest: false); return [r.values, $0[0].gather(axis: 1, index: r.indices)] },
        "topk_grad": { let r = $0[0].topk(2, axis: 1); return [r.values, r.indices] },
        "kthvalue": { let r = $0[0].kthvalue(2, axis: 0); return [r.values, r.indices] },
        "kthvalue_keepdim": { let r = $0[0].kthvalue(3, axis: 1, keepDim: true); return [r.values, $0[0].gather(axis: 1, index: r.indices)] },
        "median_all": { [$0[0].median()] },
        "median_axis": { let r = $0[0].median(axis: 1); return [r.values, r.indices] },
        "median_nan": { let r = $0[0].median(axis: 1); return [r.values, r.indices] },
        "nanmedian_axis": { let r = $0[0].nanmedian(axis: 1); return [r.values, r.indices] },
        "nanmedian_all": { [$0[0].nanmedian()] },
        "median_int": { let r = $0[0].median(axis: 1); return [r.values, r.indices] },
        "mode": { let r = $0[0].mode(axis: 1); return [r.values, r.indices] },
        "mode_int": { let r = $0[0].mode(axis: 1, keepDim: true); return [r.values, r.indices] },
        "quantile_linear": { [$0[0].quantile($0[1], axis: 1, interpolation: .linear)] },
        "quantile_lower": { [$0[0].quantile($0[1], axis: 1, interpolation: .lower)] },
        "quantile_higher": { [$0[0].quantile($0[1], axis: 1, interpolation: .higher)] },
        "quantile_midpoint": { [$0[0].quantile($0[1], axis: 1, interpolation: .midpoint)] },
        "quantile_nearest": { [$0[0].quantile($0[1], axis: 1, interpolation: .nearest)] },
        "quantile_all": { [$0[0].quantile(0.4)] },
        "quantile_keepdim": { [$0[0].quantile(0.25, axis: 0, keepDim: true)] },
        "quantile_nan": { [$0[0].quantile(0.5, axis: 1)] },
        "nanquantile": { [$0[0].nanquantile(Tensor([0.25, 0.6], dtype: .float64), axis: 1)] },
        "cummax": { let r = $0[0].cummax(axis: 1); return [r.values, r.indices] },
        "cummin": { let r = $0[0].cummin(axis: 1); return [r.values, r.indices] },
        "cummax_grad": { let r = $0[0].cummax(axis: 1); return [r.values, r.indices] },
        "cummin_grad": { let r = $0[0].cummin(axis: 0); return [r.values, r.indices] },
        "cummax_int": { let r = $0[0].cummax(axis: 0); return [r.values, r.indices] },
        "logcumsumexp": { [$0[0].logcumsumexp(axis: 1)] },
        "logcumsumexp_grad": { [$0[0].logcumsumexp(axis: 1)] },
        "amax": { [$0[0].amax(axes: [0, 2])] },
        "amin": { [$0[0].amin(axes: [1, 2], keepDim: true)] },
        "amax_all": { [$0[0].amax()] },
        "aminmax": { let r = $0[0].aminmax(axis: 1); return [r.min, r.max] },
        "var_mean": { let r = $0[0].varMean(axes: [1], correction: 0); return [r.variance, r.mean] },
        "std_mean": { let r = $0[0].stdMean(axes: [0, 1]); return [r.std, r.mean] },
    ] }

    @Test func everyFixtureHasACase() {
        #expect(Set(Self.fixtures.keys) == Set(Self.table.keys), "fixtures without a case or cases without a fixture")
    }

    @Test(arguments: Self.table.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        let fixture = try #require(Self.fixtures[name])
        fixture.check(Self.table[name]!)
    }

    @Test func sortAcceptsEveryDtypeAndViews() {
        let x = Tensor([3, 1, 2, 1], dtype: .float64)
        for dtype in [DType.float16, .bfloat16, .float32, .int8, .uint8, .int16, .int32, .int64] {
            let r = x.to(dtype).sort()
            #expect(r.values.dtype == dtype && r.values.doubles == [1, 1, 2, 3] && r.indices.ints == [1, 3, 2, 0])
        }
        let b = Tensor([true, false, true, false]).sort(descending: true)
        #expect(b.values.bools == [true, true, false, false] && b.indices.ints == [0, 2, 1, 3])
        // A transposed view sorts as its contiguous copy.
        let m = Tensor([[4, 1], [2, 3], [0, 5]], dtype: .float64).t()
        #expect(m.sort(axis: 1).values.doubles == m.contiguous().sort(axis: 1).values.doubles)
        #expect(m.sort(axis: 1).values.doubles == [0, 2, 4, 1, 3, 5])
    }

    @Test func zeroDimAndEmptyInputs() {
        let s = Tensor(2.5, dtype: .float64)
        #expect(s.sort().values.item() == 2.5 && s.sort().indices.shape == [])
        #expect(s.topk(1).values.item() == 2.5 && s.kthvalue(1).indices.item() == 0)
        #expect(s.median(axis: 0).values.item() == 2.5 && s.mode().values.item() == 2.5)
        #expect(s.cummax(axis: 0).values.item() == 2.5 && s.logcumsumexp(axis: 0).item() == 2.5)
        let e = Tensor.zeros([2, 0], dtype: .float64)
        #expect(e.sort(axis: 1).values.shape == [2, 0] && e.topk(0, axis: 1).indices.shape == [2, 0])
        #expect(e.cummin(axis: 1).values.shape == [2, 0] && e.logcumsumexp(axis: 1).shape == [2, 0])
        #expect(Tensor.zeros([0]).median().item().isNaN)
        #expect(Tensor.ones([3, 4]).topk(0).values.shape == [3, 0])
    }

    @Test func gradchecksOfComposedSortingOps() {
        let x = GC.randn([3, 4], seed: 41), y = GC.randn([2, 3, 4], seed: 42)
        let cases = [
            GradCase("sort", [x]) { $0[0].sort(axis: 0, descending: true).values * GC.weights(like: $0[0]) },
            GradCase("topk", [y]) { $0[0].topk(2, axis: 1, largest: false).values.square() },
            GradCase("kthvalue", [y]) { $0[0].kthvalue(3, axis: -1, keepDim: true).values },
            GradCase("median axis", [y]) { $0[0].median(axis: 2).values.exp() },
            GradCase("nanmedian axis", [y]) { $0[0].nanmedian(axis: 0, keepDim: true).values },
            GradCase("mode", [Tensor([0.3, -1.2, 2.5, 0.9], dtype: .float64)]) { $0[0].mode().values * 2 },
            GradCase("quantile", [x]) { $0[0].quantile(Tensor([0.1, 0.5, 0.9], dtype: .float64), axis: 1) },
            GradCase("nanquantile midpoint", [y]) { $0[0].nanquantile(0.3, axis: 1, interpolation: .midpoint) },
            GradCase("cummax", [y]) { $0[0].cummax(axis: 2).values },
            GradCase("cummin", [y]) { $0[0].cummin(axis: 0).values },
            GradCase("logcumsumexp", [y]) { $0[0].logcumsumexp(axis: 0) * GC.weights(like: $0[0]) },
            GradCase("amax", [y]) { $0[0].amax(axes: [0, 1], keepDim: true) },
            GradCase("aminmax", [x]) { let r = $0[0].aminmax(axis: 0); return r.min * 2 + r.max },
            GradCase("varMean", [x]) { let r = $0[0].varMean(axes: [1]); return r.variance + r.mean.square() },
            GradCase("stdMean", [y]) { let r = $0[0].stdMean(axes: [0, 2], keepDim: true); return r.std * r.mean },
        ]
        for c in cases { c.check() }
    }

    @Test func logcumsumexpDoubleBackward() {
        let x = GC.randn([2, 4], seed: 43)
        GradCase("d2 logcumsumexp", [x], GC.firstDerivative { $0[0].logcumsumexp(axis: 1).square() }).check()
    }

    @Test func reducedPrecisionRoundsOnce() {
        let x = Tensor([0.1, 2.5, -3, 7.25], dtype: .float64)
        let h = x.to(.bfloat16)
        #expect(h.logcumsumexp(axis: 0).dtype == .bfloat16)
        #expect(h.logcumsumexp(axis: 0).doubles == h.to(.float32).logcumsumexp(axis: 0).to(.bfloat16).doubles)
        #expect(h.amax().dtype == .bfloat16 && h.amax().item() == 7.25)
        #expect(Tensor([3, 9, 2], dtype: .int32).amax().dtype == .int32)
    }
}
