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

    /// max/min (values and indices), argmax/argmin, amax/amin, softmax and logSoftmax over each
    /// axis of a view read it in place: bitwise the results of a contiguous copy, in every float
    /// dtype (float16/bfloat16 go through float32) and int64 where the op takes it.
    @Test func extremaAndSoftmaxOfViewsAreBitwiseThoseOfContiguousCopies() {
        for dtype in [DType.float32, .float64, .float16, .bfloat16, .int64] {
            let source: DType = dtype == .int64 ? .int64 : .float64
            for (layout, v0) in Self.views(source) {
                let v = dtype == source ? v0 : Self.sameLayout(v0, dtype)
                #expect(!v.isContiguous && v.dtype == dtype, "\(layout) \(dtype)")
                let c = v.contiguous()
                for axis in 0..<v.rank {
                    let (mv, mi) = v.max(axis: axis), (cv, ci) = c.max(axis: axis)
                    #expect(mv.doubles == cv.doubles && mi.ints == ci.ints, "max(axis: \(axis)) of a \(layout) \(dtype) view")
                    let (nv, ni) = v.min(axis: axis, keepDim: true), (dv, di) = c.min(axis: axis, keepDim: true)
                    #expect(nv.doubles == dv.doubles && ni.ints == di.ints, "min(axis: \(axis)) of a \(layout) \(dtype) view")
                    #expect(v.argmax(axis: axis).ints == c.argmax(axis: axis).ints, "argmax of a \(layout) \(dtype) view")
                    #expect(v.argmin(axis: axis).ints == c.argmin(axis: axis).ints, "argmin of a \(layout) \(dtype) view")
                    #expect(v.amax(axis: axis).doubles == c.amax(axis: axis).doubles, "amax of a \(layout) \(dtype) view")
                    #expect(v.amin(axis: axis).doubles == c.amin(axis: axis).doubles, "amin of a \(layout) \(dtype) view")
                    if dtype != .int64 {
                        #expect(v.softmax(axis: axis).doubles == c.softmax(axis: axis).doubles, "softmax(axis: \(axis)) of a \(layout) \(dtype) view")
                        #expect(v.logSoftmax(axis: axis).doubles == c.logSoftmax(axis: axis).doubles, "logSoftmax(axis: \(axis)) of a \(layout) \(dtype) view")
                    }
                }
            }
        }
    }

    /// The view `v` (of a float64 or int64 base) rebuilt with the same strides over a base of `dtype`.
    static func sameLayout(_ v: Tensor, _ dtype: DType) -> Tensor {
        let base = Tensor.randn([v.storageOffset + (zip(v.shape, v.strides).map { ($0 - 1) * $1 }.reduce(0, +)) + 1], dtype: .float64)
        return base.to(dtype).asStrided(shape: v.shape, strides: v.strides, offset: v.storageOffset)
    }

    /// A view whose rows hold NaN and ties: the first NaN wins and ties keep the first index, as in
    /// the contiguous kernel.
    @Test func extremaOfViewsKeepNaNAndTieRules() {
        let x = Tensor([[1, 3, 3, .nan], [2, 2, 0, 1], [5, .nan, 5, 5]] as [[Double]], dtype: .float64).t()
        let (v, i) = x.max(axis: 0)
        let (cv, ci) = x.contiguous().max(axis: 0)
        #expect(i.ints == ci.ints && i.ints == [3, 0, 1])
        #expect(zip(v.doubles, cv.doubles).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(x.argmin(axis: 1).ints == [0, 2, 1, 0])
    }

    /// Softmax and max of views allocate only their results (no contiguous copy of the input).
    @Test func softmaxAndMaxOfViewsAllocateOnlyTheirResult() async {
        await #expect(processExitsWith: .success) {
            let x = Tensor.randn([512, 256])                     // 512 KiB of float32
            let n = x.count * 4
            withNoGrad {
                Diagnostics.resetPeak()
                var before = Diagnostics.liveBytes
                do { _ = x.t().softmax(axis: -1) }
                precondition(Diagnostics.peakBytes - before <= n, "softmax of a view copied it: \(Diagnostics.peakBytes - before) bytes")
                Diagnostics.resetPeak()
                before = Diagnostics.liveBytes
                do { _ = x.t().max(axis: 1) }
                precondition(Diagnostics.peakBytes - before <= 256 * 16, "max of a view copied it: \(Diagnostics.peakBytes - before) bytes")
            }
        }
    }

    @Test func gradientsOfSoftmaxAndMaxOfViews() {
        let x = Tensor.randn([5, 7], dtype: .float64)
        let r1 = gradcheck({ xs in (xs[0].t().softmax(axis: -1) * Tensor.arange(5, dtype: .float64)).sum() }, inputs: [x])
        #expect(r1.passed, "\(r1)")
        let r2 = gradcheck({ xs in xs[0].t().logSoftmax(axis: 0).square().sum() + xs[0].t().max(axis: 1).values.sum() }, inputs: [x])
        #expect(r2.passed, "\(r2)")
    }
}
