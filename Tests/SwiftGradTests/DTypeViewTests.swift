import Testing
import SwiftGrad

/// The dtype kernels on views: every dtype's ops read transposed, stepped and offset views as the
/// same op on a contiguous copy does.
@Suite struct DTypeViewTests {
    /// A [3, 4] tensor and three views of it: transposed, stepped and offset.
    func views(_ x: Tensor) -> [Tensor] {
        [x.t(), x.slice(axis: 1, start: 0, step: 2), x[1]]
    }

    @Test func conversionsAndComparisonsOfViews() {
        let x = Tensor((0..<12).map { Double($0) - 5.5 }, shape: [3, 4])
        for v in views(x) {
            let c = v.contiguous()
            #expect(!v.isContiguous || v.storageOffset > 0)
            for d: DType in [.bool, .uint8, .int8, .int16, .int32, .int64, .float16, .bfloat16, .float64] {
                #expect(v.to(d).to(.float64).scalars == c.to(d).to(.float64).scalars, "to(\(d)) of a view \(v.shape)")
            }
            #expect((v .> 0).bools == (c .> 0).bools)
            #expect(v.isnan().bools == c.isnan().bools)
        }
    }

    @Test func integerAndHalfOpsOfViews() {
        let x = Tensor((0..<12).map { Double($0 * 3 - 7) }, shape: [3, 4])
        for d: DType in [.int32, .int16, .uint8, .bfloat16, .float16] {
            let xd = x.to(d)
            for (v, c) in zip(views(xd), views(x).map { $0.contiguous().to(d) }) {
                #expect((v + v).to(.float64).scalars == (c + c).to(.float64).scalars, "add of a \(d) view")
                #expect(v.sum().to(.float64).scalars == c.sum().to(.float64).scalars, "sum of a \(d) view")
                if !d.isFloatingPoint {
                    #expect((v & 6).to(.int64).scalars == (c & 6).to(.int64).scalars, "bitwise and of a \(d) view")
                    #expect(v.remainder(5).to(.float64).scalars == c.remainder(5).to(.float64).scalars)
                }
            }
        }
    }

    @Test func writesIntoViewsOfSmallDtypes() {
        let x = Tensor.zeros([3, 4], dtype: .int32)
        x[1].fill(7)
        x.t()[0].fill(2)
        #expect(x.to(.int64).toArray(as: Int64.self) == [2, 0, 0, 0, 2, 7, 7, 7, 2, 0, 0, 0])
        let h = Tensor.zeros([2, 3], dtype: .bfloat16)
        h[.all, 1] = Tensor([1.5, 2.5], dtype: .bfloat16)
        #expect(h.to(.float64).scalars == [0, 1.5, 0, 0, 2.5, 0])
    }
}
