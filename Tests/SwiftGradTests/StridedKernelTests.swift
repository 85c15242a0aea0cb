import Testing
import SwiftGrad

/// Unary maps and axis sums read views in place (row by row through the view's strides, long rows
/// in chunks) instead of copying them first: the results must be bitwise those of the same op on a
/// `contiguous()` copy (maps) or equal within rounding (sums, whose order of additions may differ),
/// for float32 (the SIMD kernels), float64 and int64, on transposed, stepped and expanded views
/// with rows longer than one gather chunk (256 elements).
@Suite struct StridedKernelTests {
    /// Views of [rows, 300] whose inner rows are not unit-stride (or have stride 0).
    static func views(_ dtype: DType) -> [(String, Tensor)] {
        let base = dtype == .int64 ? Tensor.randint(-50, 50, [300, 7]) : Tensor.randn([300, 7], dtype: dtype) * 4
        let stepped = dtype == .int64 ? Tensor.randint(-50, 50, [7, 600]) : Tensor.randn([7, 600], dtype: dtype) * 4
        let row = dtype == .int64 ? Tensor.randint(-50, 50, [1, 300]) : Tensor.randn([1, 300], dtype: dtype) * 4
        return [
            ("transposed", base.t()),
            ("stepped", stepped.slice(axis: 1, start: 0, end: nil, step: 2)),
            ("expanded", row.expand([5, 300])),
            ("permuted3d", base.reshape([30, 10, 7]).permute([2, 0, 1])),
        ]
    }

    @Test func floatMapsOfViewsAreBitwiseThoseOfContiguousCopies() {
        let maps: [(String, (Tensor) -> Tensor)] = [
            ("exp", { $0.exp() }), ("tanh", { $0.tanh() }), ("sigmoid", { $0.sigmoid() }),
            ("neg", { -$0 }), ("abs", { $0.abs() }), ("sin", { $0.sin() }), ("mulScalar", { $0 * 1.5 }),
        ]
        for dtype in [DType.float32, .float64] {
            for (layout, v) in Self.views(dtype) {
                #expect(!v.isContiguous)
                for (name, f) in maps {
                    let a = f(v), b = f(v.contiguous())
                    #expect(a.isContiguous && a.shape == v.shape && a.dtype == dtype)
                    #expect(a.doubles == b.doubles, "\(name) of a \(layout) \(dtype) view")
                }
            }
        }
    }

    @Test func integerMapsOfViewsMatchContiguousCopies() {
        for (layout, v) in Self.views(.int64) {
            for (name, f) in [("neg", { (t: Tensor) in -t }), ("abs", { $0.abs() }), ("addScalar", { $0 + 3 })] as [(String, (Tensor) -> Tensor)] {
                let a = f(v), b = f(v.contiguous())
                #expect(a.dtype == .int64 && a.ints == b.ints, "\(name) of a \(layout) int64 view")
            }
        }
    }

    @Test func axisSumsOfViewsMatchContiguousCopies() {
        for dtype in [DType.float32, .float64, .int64] {
            for (layout, v) in Self.views(dtype) {
                for axes in [[0], [1], [0, 1], [v.rank - 1]] {
                    let a = v.sum(axes: axes), b = v.contiguous().sum(axes: axes)
                    #expect(a.shape == b.shape, "sum\(axes) of a \(layout) \(dtype) view")
                    if dtype == .int64 {
                        #expect(a.ints == b.ints, "sum\(axes) of a \(layout) int64 view")
                    } else {
                        let tol = dtype == .float32 ? 1e-4 : 1e-10
                        #expect(a.allClose(b, rtol: tol, atol: tol), "sum\(axes) of a \(layout) \(dtype) view")
                    }
                }
                if dtype != .int64 {
                    let m = v.mean(axis: 0), mc = v.contiguous().mean(axis: 0)
                    #expect(m.allClose(mc, rtol: 1e-5, atol: 1e-6), "mean of a \(layout) \(dtype) view")
                }
            }
        }
    }

    /// The point of reading views in place: no contiguous copy of the input is allocated, so the
    /// peak of tensor storage grows by the result alone. A child process, since the counters are
    /// process-wide and other tests allocate concurrently.
    @Test func mapsAndSumsOfViewsAllocateOnlyTheirResult() async {
        await #expect(processExitsWith: .success) {
            let x = Tensor.randn([512, 256])                     // 512 KiB of float32
            let n = x.count * 4
            withNoGrad {
                Diagnostics.resetPeak()
                var before = Diagnostics.liveBytes
                do { _ = x.t().exp() }
                precondition(Diagnostics.peakBytes - before <= n, "exp of a view copied it: \(Diagnostics.peakBytes - before) bytes")
                Diagnostics.resetPeak()
                before = Diagnostics.liveBytes
                do { _ = x.t().sum(axes: [1]) }
                precondition(Diagnostics.peakBytes - before <= 512 * 4, "sum of a view copied it: \(Diagnostics.peakBytes - before) bytes")
            }
        }
    }

    @Test func gradientsThroughMapsAndSumsOfViews() {
        let x = Tensor.randn([6, 300], dtype: .float64).requiringGrad()
        let y = (x.t().tanh().sum(axes: [1]) * 2).sum()
        y.backward()
        let expected = (1 - x.tanh() * x.tanh()) * 2
        #expect(x.grad!.allClose(expected, rtol: 1e-12, atol: 1e-12))
    }
}
