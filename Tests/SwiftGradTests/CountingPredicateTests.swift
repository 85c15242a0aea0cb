import Foundation
import Testing
@testable import SwiftGrad

/// Counting, searching, unique, diff and the NaN helpers against PyTorch
/// (Resources/counting_fixtures.json, written by make_sorting_fixtures.py).
@Suite struct CountingPredicateTests {
    static var fixtures: [String: OpFixture] { OpFixture.load("counting_fixtures") }

    static func triple(_ r: (values: Tensor, inverse: Tensor?, counts: Tensor?)) -> [Tensor] {
        [r.values, r.inverse, r.counts].compactMap { $0 }
    }

    static var table: [String: ([Tensor]) -> [Tensor]] { [
        "histc": { [$0[0].histc(bins: 4, min: 0, max: 3)] },
        "histc_data_range": { [$0[0].to(.float32).histc(bins: 3).to(.float64)] },
        "histc_constant": { [$0[0].to(.float32).histc(bins: 2).to(.float64)] },
        "bincount": { [$0[0].bincount(minlength: 6)] },
        "bincount_weights": { [$0[0].bincount(weights: $0[1])] },
        "searchsorted_left": { [Tensor.searchsorted($0[0], $0[1])] },
        "searchsorted_right": { [Tensor.searchsorted($0[0], $0[1], right: true)] },
        "searchsorted_side": { [Tensor.searchsorted($0[0], $0[1], side: "right")] },
        "searchsorted_batched": { [Tensor.searchsorted($0[0], $0[1])] },
        "searchsorted_float": { [Tensor.searchsorted($0[0], $0[1])] },
        "bucketize": { [$0[0].bucketize($0[1])] },
        "bucketize_right": { [$0[0].bucketize($0[1], right: true)] },
        "unique": { triple($0[0].unique(returnInverse: true, returnCounts: true)) },
        "unique_2d": { triple($0[0].unique(returnInverse: true, returnCounts: true)) },
        "unique_nan": { triple($0[0].unique(returnCounts: true)) },
        "unique_axis0": { triple($0[0].unique(returnInverse: true, returnCounts: true, axis: 0)) },
        "unique_axis1": { triple($0[0].unique(returnInverse: true, returnCounts: true, axis: 1)) },
        "unique_consecutive": { triple($0[0].uniqueConsecutive(returnInverse: true, returnCounts: true)) },
        "unique_consecutive_axis": { triple($0[0].uniqueConsecutive(returnInverse: true, returnCounts: true, axis: 0)) },
        "diff": { [$0[0].diff()] },
        "diff_n2_axis0": { [$0[0].diff(n: 2, axis: 0)] },
        "diff_prepend_append": { [$0[0].diff(axis: 1, prepend: $0[1], append: $0[2])] },
        "diff_bool": { [$0[0].diff()] },
        "diff_int": { [$0[0].diff(n: 2)] },
        "isclose": { [$0[0].isclose($0[1])] },
        "isclose_equal_nan": { [$0[0].isclose($0[1], rtol: 0.1, atol: 0, equalNan: true)] },
        "isclose_int": { [$0[0].isclose($0[1], rtol: 0.01, atol: 0)] },
        "nan_to_num": { [$0[0].nanToNum()] },
        "nan_to_num_values": { [$0[0].nanToNum(nan: -1, posinf: 9, neginf: -9)] },
        "nansum": { [$0[0].nansum()] },
        "nansum_axis": { [$0[0].nansum(axes: [1])] },
        "nanmean": { [$0[0].nanmean(axes: [1])] },
        "nanmean_all": { [$0[0].nanmean()] },
        "nanmean_no_numbers": { [$0[0].nanmean(axes: [1])] },
        "nonzero": { [$0[0].nonzero()] },
        "nonzero_tuple": { $0[0].nonzeroPerAxis() },
        "argwhere": { [$0[0].argwhere()] },
        "count_nonzero": { [$0[0].countNonzero(axes: [0])] },
        "any_axes": { [$0[0].any(axes: [1, 2])] },
        "all_axes": { [$0[0].all(axes: [0, 2], keepDim: true)] },
    ] }

    @Test func everyFixtureHasACase() {
        #expect(Set(Self.fixtures.keys) == Set(Self.table.keys), "fixtures without a case or cases without a fixture")
    }

    @Test(arguments: Self.table.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        let fixture = try #require(Self.fixtures[name])
        fixture.check(Self.table[name]!)
    }

    @Test func dtypesOfResults() {
        #expect(Tensor([1, 1], dtype: .uint8).bincount().dtype == .int64)
        #expect(Tensor([1, 1]).bincount(weights: Tensor([1, 2], dtype: .float16)).dtype == .float64)
        #expect(Tensor([1.5, 2.5], dtype: .float16).histc(bins: 2).dtype == .float16)
        #expect(Tensor.searchsorted(Tensor([1, 3]), Tensor([2]), outInt32: true).dtype == .int32)
        #expect(Tensor.searchsorted(Tensor([1.0, 3.0], dtype: .float64), 2.5).shape == [] )
        #expect(Tensor([1, 2]).nanToNum().dtype == .int64)
        #expect(Tensor([Float.nan, .infinity].map(Double.init), dtype: .float16).nanToNum().doubles == [0, 65504])
        #expect(Tensor([1.0, .nan], dtype: .bfloat16).nansum().dtype == .bfloat16)
        #expect(Tensor([3, 4], dtype: .int32).nansum().dtype == .int64)
        #expect(Tensor(2.0).nonzero().shape == [1, 0] && Tensor(0.0).nonzero().shape == [0, 0])
        #expect(Tensor([1.0, 2.0]).allclose(Tensor([1.0, 2.000001])))
        #expect(!Tensor([1.0, 2.0]).allclose(Tensor([1.0, 2.1])))
        #expect(Tensor.zeros([0]).unique().values.shape == [0])
    }

    @Test func gradchecksOfComposedHelpers() {
        let x = GC.randn([3, 4], seed: 44)
        let cases = [
            GradCase("diff", [x]) { $0[0].diff(n: 2, axis: 1) * GC.weights(like: $0[0].diff(n: 2, axis: 1)) },
            GradCase("diff prepend", [x, GC.randn([1, 4], seed: 45)]) { $0[0].diff(axis: 0, prepend: $0[1]) },
            GradCase("nanToNum", [x]) { $0[0].nanToNum() * 2 },
            GradCase("nansum", [x]) { $0[0].nansum(axes: [0]) },
            GradCase("nanmean", [x]) { $0[0].nanmean(axes: [1], keepDim: true) },
        ]
        for c in cases { c.check() }
    }
}
