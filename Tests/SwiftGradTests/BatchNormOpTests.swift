import Testing
@testable import SwiftGrad

/// The fused `batch_norm` op (Ops/BatchNorm.swift, Kernels/BatchNormKernels.swift): values and
/// gradients against the formula written with Tensor ops, batch and fixed statistics, with and
/// without the affine map, [N, C], [N, C, L] and [N, C, H, W]; double backward through its
/// createGraph form; the running statistics; float32 at a ResNet layer's size.
@Suite struct BatchNormOpTests {
    /// The composed formula: (x − mean)·rsqrt(var + eps)·weight + bias with the batch's biased
    /// statistics, or the given ones.
    static func reference(_ x: Tensor, _ w: Tensor?, _ b: Tensor?, mean: Tensor? = nil, variance: Tensor? = nil,
                          eps: Double = 1e-5) -> Tensor {
        let c = x.shape[1], axes = [0] + Array(2..<x.rank)
        var bshape = [Int](repeating: 1, count: x.rank); bshape[1] = c
        let m = mean?.reshape(bshape) ?? x.mean(axes: axes, keepDim: true)
        let v = variance?.reshape(bshape) ?? (x - m).square().mean(axes: axes, keepDim: true)
        var y = (x - m) * (v + eps).rsqrt()
        if let w { y = y * w.reshape(bshape) }
        if let b { y = y + b.reshape(bshape) }
        return y
    }

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.to(.float64).doubles, b.to(.float64).doubles).map { abs($0 - $1) }.max() ?? 0
    }

    struct Case: CustomStringConvertible {
        var shape: [Int]
        var affine = true
        var fixed = false
        var description: String { "\(shape) affine \(affine) fixed \(fixed)" }
    }

    static let cases = [
        Case(shape: [4, 3]), Case(shape: [2, 3, 5]), Case(shape: [3, 4, 5, 6]), Case(shape: [2, 3, 4, 4], affine: false),
        Case(shape: [3, 4, 5, 6], fixed: true), Case(shape: [2, 3, 7], affine: false, fixed: true),
        Case(shape: [1, 2, 9, 3]), Case(shape: [5, 4], affine: false, fixed: true), Case(shape: [6, 70]),
    ]

    /// Forward and every gradient agree with the formula's to 1e-12 (float64) and the op is recorded.
    @Test(arguments: cases) func matchesTheFormula(_ s: Case) {
        let c = s.shape[1]
        let x = GC.randn(s.shape, seed: 1) * 3 + 1
        let w = s.affine ? GC.randn([c], seed: 2) : nil, b = s.affine ? GC.randn([c], seed: 3) : nil
        let mean = s.fixed ? GC.randn([c], seed: 4) : nil, variance = s.fixed ? GC.randn([c], seed: 5).square() + 0.3 : nil
        let r = GC.randn(s.shape, seed: 6)
        func run(_ fused: Bool) -> [Tensor] {
            let xs = x.copy().requiringGrad(), ws = w?.copy().requiringGrad(), bs = b?.copy().requiringGrad()
            let y = fused
                ? batchNorm(xs, runningMean: mean, runningVar: variance, weight: ws, bias: bs, training: !s.fixed)
                : Self.reference(xs, ws, bs, mean: mean, variance: variance)
            if fused { #expect(y.opName == "batch_norm", "\(s)") }
            (y * r).sum().backward()
            return [y, xs.grad!] + (ws.map { [$0.grad!] } ?? []) + (bs.map { [$0.grad!] } ?? [])
        }
        let fused = run(true), expected = run(false)
        for i in expected.indices {
            #expect(fused[i].shape == expected[i].shape)
            #expect(Self.maxDifference(fused[i], expected[i]) <= 1e-12, "\(s) result \(i): \(Self.maxDifference(fused[i], expected[i]))")
        }
    }

    /// Float64 finite differences of the op and of its gradient (double backward through the
    /// createGraph form), batch and fixed statistics.
    @Test(arguments: [false, true]) func gradcheckAndDoubleBackward(_ fixed: Bool) {
        let x = GC.randn([3, 2, 4], seed: 7), w = GC.randn([2], seed: 8), b = GC.randn([2], seed: 9)
        let mean = fixed ? GC.randn([2], seed: 10) : nil, variance = fixed ? GC.randn([2], seed: 11).square() + 0.5 : nil
        let r = GC.randn([3, 2, 4], seed: 12)
        func bn(_ t: [Tensor]) -> Tensor {
            batchNorm(t[0], runningMean: mean, runningVar: variance, weight: t[1], bias: t[2], training: !fixed)
        }
        let first = gradcheck({ t in (bn(t) * r).sum() }, inputs: [x, w, b])
        #expect(first.passed, "\(first)")
        let second = gradcheck({ t in withGrad {
            let y = (bn(t) * r).square().sum()
            let gs = grad(of: y, wrt: [t[0], t[1], t[2]], createGraph: true)
            return (gs[0]! * gs[0]!).sum() + (gs[1]! * gs[1]!).sum() + gs[2]!.square().sum()
        } }, inputs: [x, w, b])
        #expect(second.passed, "double backward: \(second)")
    }

    /// Non-contiguous input and weight (a transposed input, every second element of a weight) give
    /// their contiguous copies' values and gradients; float64 running statistics with a float32
    /// input in eval mode are used as float32.
    @Test func viewsAndRunningStatisticsOfAnotherDType() {
        let base = GC.randn([3, 5, 4, 6], seed: 18), wBase = GC.randn([6, 2], seed: 19)
        let r = GC.randn([3, 6, 4, 5], seed: 20)
        func run(views: Bool) -> [Tensor] {
            let b = base.copy().requiringGrad(), wb = wBase.copy().requiringGrad()
            let x = views ? b.transpose(1, 3) : b.transpose(1, 3).contiguous()
            let w = views ? wb.select(axis: 1, index: 0) : wb.select(axis: 1, index: 0).contiguous()
            #expect(x.isContiguous != views && w.isContiguous != views)
            let y = batchNorm(x, runningMean: nil, runningVar: nil, weight: w, training: true)
            (y * r).sum().backward()
            return [y, b.grad!, wb.grad!]
        }
        let viewed = run(views: true), dense = run(views: false)
        for i in dense.indices { #expect(Self.maxDifference(viewed[i], dense[i]) <= 1e-12, "result \(i)") }
        let x = base.transpose(1, 3)
        let mean = GC.randn([6], seed: 21), variance = GC.randn([6], seed: 22).square() + 0.5
        let y = batchNorm(x.to(.float32), runningMean: mean, runningVar: variance, training: false)
        #expect(y.dtype == .float32)
        #expect(Self.maxDifference(y, Self.reference(x, nil, nil, mean: mean, variance: variance)) <= 1e-5)
    }

    /// Training updates the running statistics in place: momentum-weighted, unbiased variance.
    @Test func runningStatistics() {
        let x = GC.randn([4, 3, 5], seed: 13)
        let mean = Tensor.zeros([3], dtype: .float64), variance = Tensor.ones([3], dtype: .float64)
        _ = batchNorm(x, runningMean: mean, runningVar: variance, training: true, momentum: 0.25)
        let m = x.mean(axes: [0, 2]), v = (x - x.mean(axes: [0, 2], keepDim: true)).square().sum(axes: [0, 2]) / 19
        #expect(Self.maxDifference(mean, m * 0.25) <= 1e-14)
        #expect(Self.maxDifference(variance, v * 0.25 + 0.75) <= 1e-14)
    }

    /// float32 with a ResNet layer's per-channel count (16 × 32 × 32 values a channel): within 1e-5 of the float64 result.
    @Test func float32AtLayerSize() {
        let x = GC.randn([16, 8, 32, 32], seed: 14) * 2 + 0.5, w = GC.randn([8], seed: 15), b = GC.randn([8], seed: 16)
        let r = GC.randn([16, 8, 32, 32], seed: 17)
        func run(_ dtype: DType) -> [Tensor] {
            let xs = x.to(dtype).requiringGrad(), ws = w.to(dtype).requiringGrad(), bs = b.to(dtype).requiringGrad()
            let y = batchNorm(xs, runningMean: nil, runningVar: nil, weight: ws, bias: bs, training: true)
            (y * r.to(dtype)).sum().backward()
            return [y, xs.grad!, ws.grad!, bs.grad!]
        }
        let single = run(.float32), double = run(.float64)
        for i in double.indices {
            let scale = double[i].abs().max().item()
            #expect(Self.maxDifference(single[i], double[i]) <= 1e-5 * scale, "result \(i)")
        }
    }
}
