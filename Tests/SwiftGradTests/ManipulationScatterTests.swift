import Foundation
import Testing
@testable import SwiftGrad

/// Manipulation and scatter ops against PyTorch (Resources/manipulation_fixtures.json, written by
/// make_sorting_fixtures.py): values and float64 gradients.
@Suite struct ManipulationScatterTests {
    static var fixtures: [String: OpFixture] { OpFixture.load("manipulation_fixtures") }

    static var sidx: Tensor { Tensor([0, 2, 0, 1, 1, 3], shape: [2, 3]) }

    static func reduceCases() -> [String: ([Tensor]) -> [Tensor]] {
        var t: [String: ([Tensor]) -> [Tensor]] = [:]
        for red in [ScatterReduction.sum, .prod, .mean, .amax, .amin] {
            for inc in [true, false] {
                let name = "scatter_reduce_\(red.rawValue)_\(inc ? "self" : "noself")"
                t[name] = { [$0[0].scatterReduce(axis: 1, index: $0[1], source: $0[2], reduce: red, includeSelf: inc)] }
                t[name + "_src"] = { [$0[2].scatterReduce(axis: 1, index: $0[1], source: $0[0], reduce: red, includeSelf: inc)] }
            }
        }
        return t
    }

    /// Built by statements (one dictionary literal this size times out the type checker).
    static var table: [String: ([Tensor]) -> [Tensor]] {
        var t = reduceCases()
        t["roll"] = { [$0[0].roll(shifts: [1, -3], axes: [0, 1])] }
        t["roll_flat"] = { [$0[0].roll(shifts: [5])] }
        t["rot90"] = { [$0[0].rot90(k: 1, axes: [1, 2])] }
        t["rot90_k3"] = { [$0[0].rot90(k: -1)] }
        t["rot90_k2"] = { [$0[0].rot90(k: 2, axes: [1, 0])] }
        t["flip_axes"] = { [$0[0].flip(axes: [0, 2])] }
        t["tile"] = { [$0[0].tile([2, 1, 2])] }
        t["repeat_interleave"] = { [$0[0].repeatInterleave(2, axis: 0)] }
        t["repeat_interleave_tensor"] = { [$0[0].repeatInterleave($0[1], axis: 1)] }
        t["repeat_interleave_flat"] = { [$0[0].repeatInterleave(2)] }
        t["repeat_interleave_counts"] = { [Tensor.repeatInterleave(counts: $0[0])] }
        t["hstack"] = { [Tensor.hstack([$0[0], $0[1]])] }
        t["vstack"] = { [Tensor.vstack([$0[0], $0[1]])] }
        t["dstack"] = { [Tensor.dstack([$0[0], $0[1]])] }
        t["column_stack"] = { [Tensor.columnStack([$0[0], $0[1]])] }
        t["diagflat"] = { [$0[0].diagflat(offset: 1)] }
        t["triu_indices"] = { _ in [Tensor.triuIndices(3, 4, offset: 1)] }
        t["tril_indices"] = { _ in [Tensor.trilIndices(4, 3, offset: -1)] }
        t["take"] = { [$0[0].take($0[1])] }
        t["take_along_dim"] = { [$0[0].takeAlongDim($0[1], axis: 1)] }
        t["take_along_dim_broadcast"] = { [$0[0].takeAlongDim($0[1], axis: 0)] }
        t["take_along_dim_flat"] = { [$0[0].takeAlongDim($0[1])] }
        t["narrow_copy"] = { [$0[0].narrowCopy(axis: 1, start: 1, length: 2)] }
        t["index_fill"] = { [$0[0].indexFill(axis: 1, index: $0[1], value: -2)] }
        t["index_copy"] = { [$0[0].indexCopy(axis: 1, index: $0[1], source: $0[2])] }
        t["index_copy_source"] = { [$0[2].indexCopy(axis: 1, index: $0[1], source: $0[0])] }
        t["select_scatter"] = { [$0[0].selectScatter($0[1], axis: 0, index: -1)] }
        t["slice_scatter"] = { [$0[0].sliceScatter($0[1], axis: 1, start: 0, end: 4, step: 2)] }
        t["diagonal_scatter"] = { [$0[0].diagonalScatter($0[1], offset: 1, axis1: 0, axis2: 2)] }
        t["diagonal_scatter_src"] = { [$0[1].diagonalScatter($0[0], offset: 1, axis1: 0, axis2: 2)] }
        t["scatter"] = { [$0[0].scatter(axis: 1, index: $0[1], source: $0[2])] }
        t["scatter_src"] = { [$0[2].scatter(axis: 1, index: $0[1], source: $0[0])] }
        t["scatter_value"] = { [$0[0].scatter(axis: 1, index: $0[1], value: 1.5)] }
        t["scatter_add_reduce"] = { [$0[0].scatter(axis: 1, index: $0[1], source: $0[2], reduce: "add")] }
        t["scatter_multiply_value"] = { [$0[0].scatter(axis: 1, index: $0[1], value: 2, reduce: "multiply")] }
        t["index_int"] = { [$0[0].index([$0[1], $0[2]])] }
        t["index_middle"] = { [$0[0].index([nil, $0[1]])] }
        t["index_nonadjacent"] = { [$0[0].index([$0[1], nil, $0[2]])] }
        t["index_mask"] = { [$0[0].index([$0[0] .> 0])] }
        t["index_mask_rows"] = { [$0[0].index([$0[1]])] }
        t["index_put"] = { [$0[0].indexPut([$0[1], $0[2]], values: $0[3])] }
        t["index_put_values"] = { [$0[3].indexPut([$0[1], $0[2]], values: $0[0])] }
        t["index_put_accumulate"] = { [$0[0].indexPut([$0[1], $0[2]], values: $0[3], accumulate: true)] }
        t["index_put_accumulate_values"] = { [$0[3].indexPut([$0[1], $0[2]], values: $0[0], accumulate: true)] }
        t["index_put_mask"] = { [$0[0].indexPut([$0[0] .< 0], values: Tensor(0.0, dtype: .float64))] }
        t["index_put_rows"] = { [$0[0].indexPut([$0[1]], values: $0[2])] }
        t["scatter_reduce_int_mean"] = { [$0[0].scatterReduce(axis: 1, index: $0[1], source: $0[2], reduce: .mean)] }
        return t
    }

    @Test func everyFixtureHasACase() {
        #expect(Set(Self.fixtures.keys) == Set(Self.table.keys), "fixtures without a case or cases without a fixture")
    }

    @Test(arguments: Self.table.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        let fixture = try #require(Self.fixtures[name])
        fixture.check(Self.table[name]!)
    }

    @Test func gradchecksOfScatterAndComposedOps() {
        let x = GC.randn([3, 4], seed: 46), s = GC.randn([2, 3], seed: 47)
        let cases = [
            GradCase("scatterReduce sum", [x, s]) { $0[0].scatterReduce(axis: 1, index: Self.sidx, source: $0[1], reduce: .sum, includeSelf: false) },
            GradCase("scatterReduce mean", [x, s]) { $0[0].scatterReduce(axis: 1, index: Self.sidx, source: $0[1], reduce: .mean) },
            GradCase("scatterReduce amax", [x, s]) { $0[0].scatterReduce(axis: 1, index: Self.sidx, source: $0[1], reduce: .amax, includeSelf: false) },
            GradCase("scatterReduce amin", [x, s]) { $0[0].scatterReduce(axis: 1, index: Self.sidx, source: $0[1], reduce: .amin) },
            GradCase("scatterReduce prod", [x, s]) { $0[0].scatterReduce(axis: 1, index: Self.sidx, source: $0[1], reduce: .prod, includeSelf: false) },
            GradCase("roll", [x]) { $0[0].roll(shifts: [-1, 2], axes: [0, 1]) * GC.weights(like: $0[0]) },
            GradCase("rot90", [x]) { $0[0].rot90(k: 3) * GC.weights(like: $0[0].rot90(k: 3)) },
            GradCase("indexFill tensor value", [x, Tensor(0.5, dtype: .float64)]) { $0[0].indexFill(axis: 0, index: Tensor([1]), value: $0[1]) },
            GradCase("diagonalScatter", [x, GC.randn([3], seed: 48)]) { $0[0].diagonalScatter($0[1]) * GC.weights(like: $0[0]) },
        ]
        for c in cases { c.check() }
        // Second derivatives through the recorded scatter ops.
        GradCase("d2 scatterReduce prod", [x, s], GC.firstDerivative { $0[0].scatterReduce(axis: 1, index: Self.sidx, source: $0[1], reduce: .prod).square() }).check()
    }

    @Test func otherDtypesAndEdges() {
        let b = Tensor([true, false, true])
        #expect(b.roll(shifts: [1]).bools == [true, true, false])
        #expect(Tensor([1, 2, 3], dtype: .int32).scatter(axis: 0, index: Tensor([2]), value: 9).ints == [1, 2, 9])
        #expect(Tensor([1, 2, 3], dtype: .float16).scatterReduce(axis: 0, index: Tensor([0, 0]), source: Tensor([4, 5], dtype: .float16), reduce: .amax).doubles == [5, 2, 3])
        #expect(Tensor(3.0).atleast3d().shape == [1, 1, 1] && Tensor([1.0, 2.0]).atleast2d().shape == [1, 2])
        #expect(Tensor.zeros([2, 3]).tile([2]).shape == [2, 6])
        #expect(Tensor(4.0).scatter(axis: 0, index: Tensor([0], shape: []), value: 1).item() == 1)
        #expect(Tensor.triuIndices(0, 3).shape == [2, 0])
        #expect(Tensor([1.0, 2.0]).flip(axes: []).doubles == [1, 2])
        // Repeated positions without accumulate: the last value is written.
        #expect(Tensor.zeros([3]).indexPut([Tensor([1, 1])], values: Tensor([5.0, 7.0])).doubles == [0, 7, 0])
        #expect(Tensor([1, 2, 3], dtype: .int32).index([Tensor([true, false, true])]).ints == [1, 3])
    }
}
