import Foundation
import Testing
import SwiftGrad

/// Float64 finite-difference checks of every differentiable core op (Ops/Arithmetic, Math,
/// Reductions, Shape, Indexing, MatMul, Softmax), with random broadcasting shapes, plus double
/// backward. Every registered op also has its own case in OpRegistryTests (Tests/OpRegistryTests.swift).
enum GradCases {
    static let families = ["arithmetic", "broadcasting", "math", "reductions", "shape", "indexing",
                           "matmul", "softmax", "inPlace", "doubleBackward"]

    static func family(_ name: String) -> [GradCase] {
        switch name {
        case "arithmetic": return arithmetic()
        case "broadcasting": return broadcasting()
        case "math": return math()
        case "reductions": return reductions()
        case "shape": return shape()
        case "indexing": return indexing()
        case "matmul": return matmul()
        case "softmax": return softmax()
        case "inPlace": return inPlace()
        case "doubleBackward": return doubleBackward()
        default: fatalError("unknown family \(name)")
        }
    }

    static var all: [GradCase] { families.flatMap(family) }

    static func arithmetic() -> [GradCase] {
        let a = GC.randn([2, 3], seed: 1), b = GC.randn([2, 3], seed: 2), p = GC.positive([2, 3], seed: 3)
        return [
            GradCase("add", [a, b]) { $0[0] + $0[1] },
            GradCase("sub", [a, b]) { $0[0] - $0[1] },
            GradCase("mul", [a, b]) { $0[0] * $0[1] },
            GradCase("div", [a, p]) { $0[0] / $0[1] },
            GradCase("neg", [a]) { -$0[0] },
            GradCase("add scalar", [a]) { $0[0] + 1.5 },
            GradCase("scalar add", [a]) { 1.5 + $0[0] },
            GradCase("sub scalar", [a]) { $0[0] - 0.5 },
            GradCase("rsub", [a]) { 2 - $0[0] },
            GradCase("mul scalar", [a]) { $0[0] * -3 },
            GradCase("scalar mul", [a]) { 0.5 * $0[0] },
            GradCase("div scalar", [a]) { $0[0] / 4 },
            GradCase("rdiv", [p]) { 3 / $0[0] },
            GradCase("pow scalar 2.5", [p]) { $0[0].pow(2.5) },
            GradCase("pow scalar -1.5", [p]) { $0[0].pow(-1.5) },
            GradCase("pow scalar 3 (negative base)", [a]) { $0[0].pow(3) },
            GradCase("pow scalar 0", [a]) { $0[0].pow(0) },
            GradCase("pow tensor", [p, a]) { $0[0].pow($0[1]) },
            GradCase("pow free function", [p]) { pow($0[0], 1.5) + pow($0[0], $0[0]) },
            GradCase("maximum", [a, b]) { Tensor.maximum($0[0], $0[1]) },
            GradCase("minimum", [a, b]) { Tensor.minimum($0[0], $0[1]) },
            GradCase("clamp", [a]) { $0[0].clamp(min: -0.5, max: 0.5) },
            GradCase("clamp min only", [a]) { $0[0].clamp(min: 0.1) },
            GradCase("where", [a, b]) { Tensor.where($0[0] .> $0[1], $0[0] * 2, $0[1].exp()) },
            GradCase("where broadcast", [GC.randn([3], seed: 4), GC.randn([2, 1], seed: 5)]) { xs in
                Tensor.where(Tensor([1, 0, 1]), xs[0], xs[1])
            },
            GradCase("maskedFill", [a]) { $0[0].maskedFill($0[0] .< 0, 7) * $0[0] },
            GradCase("mixed dtypes promote", [a]) { $0[0] * Tensor([1, 2, 3] as [Float]) },
        ]
    }

    /// add/sub/mul/div/pow/maximum/minimum on random broadcast-compatible shape pairs (seeded).
    static func broadcasting() -> [GradCase] {
        let g = Generator(seed: 2024)
        var cases: [GradCase] = []
        let ops: [(String, Bool, ([Tensor]) -> Tensor)] = [
            ("add", false, { $0[0] + $0[1] }),
            ("sub", false, { $0[0] - $0[1] }),
            ("mul", false, { $0[0] * $0[1] }),
            ("div", true, { $0[0] / $0[1] }),
            ("pow", true, { $0[0].pow($0[1]) }),
            ("maximum", false, { Tensor.maximum($0[0], $0[1]) }),
            ("minimum", false, { Tensor.minimum($0[0], $0[1]) }),
        ]
        for (name, positive, f) in ops {
            for k in 0..<6 {
                let (sa, sb) = GC.broadcastPair(g)
                let seed = UInt64(100 * cases.count + k)
                let a = positive ? GC.positive(sa, seed: seed) : GC.randn(sa, seed: seed)
                let b = name == "pow" ? GC.randn(sb, seed: seed + 1) : (positive ? GC.positive(sb, seed: seed + 1) : GC.randn(sb, seed: seed + 1))
                cases.append(GradCase("\(name) \(sa) \(sb)", [a, b], f))
            }
        }
        return cases
    }

    static func math() -> [GradCase] {
        let x = GC.randn([2, 3], seed: 10), p = GC.positive([2, 3], seed: 11), nz = GC.awayFromZero([2, 3], seed: 12)
        return [
            GradCase("exp", [x]) { $0[0].exp() },
            GradCase("log", [p]) { $0[0].log() },
            GradCase("log1p", [p]) { $0[0].log1p() },
            GradCase("expm1", [x]) { $0[0].expm1() },
            GradCase("sqrt", [p]) { $0[0].sqrt() },
            GradCase("rsqrt", [p]) { $0[0].rsqrt() },
            GradCase("reciprocal", [nz]) { $0[0].reciprocal() },
            GradCase("abs", [nz]) { $0[0].abs() },
            GradCase("sign", [nz]) { $0[0].sign() * $0[0] },
            GradCase("square", [x]) { $0[0].square() },
            GradCase("sin", [x]) { $0[0].sin() },
            GradCase("cos", [x]) { $0[0].cos() },
            GradCase("tanh", [x]) { $0[0].tanh() },
            GradCase("sigmoid", [x]) { $0[0].sigmoid() },
            GradCase("relu", [nz]) { $0[0].relu() },
            GradCase("erf", [x]) { $0[0].erf() },
            GradCase("free functions", [p]) { exp($0[0]) + log($0[0]) + sqrt($0[0]) + tanh($0[0]) + sin($0[0]) + cos($0[0]) },
            GradCase("free functions 2", [nz]) { abs($0[0]) + sigmoid($0[0]) + relu($0[0]) },
            GradCase("clone", [x]) { $0[0].copy() * $0[0].clone() },
            GradCase("sigmoid of large values", [Tensor([-30, -5, 0.5, 5, 30], dtype: .float64)]) { $0[0].sigmoid() },
        ]
    }

    static func reductions() -> [GradCase] {
        let x = GC.randn([2, 3, 4], seed: 20), p = GC.positive([2, 3], seed: 21)
        let withZero = Tensor([[1.5, 0, -2], [0.5, 3, 0]], dtype: .float64)
        return [
            GradCase("sum all", [x]) { $0[0].sum() },
            GradCase("sum axes", [x]) { $0[0].sum(axes: [0, 2]) },
            GradCase("sum axis keepDim", [x]) { $0[0].sum(axis: -1, keepDim: true) },
            GradCase("mean all", [x]) { $0[0].mean() },
            GradCase("mean axes", [x]) { $0[0].mean(axes: [1, 2], keepDim: true) },
            GradCase("mean axis", [x]) { $0[0].mean(axis: 1) },
            GradCase("variance all", [x]) { $0[0].variance() },
            GradCase("variance axes correction 0", [x]) { $0[0].variance(axes: [0, 2], correction: 0) },
            GradCase("std axis keepDim", [x]) { $0[0].std(axes: [1], keepDim: true) },
            GradCase("max all", [x]) { $0[0].max() },
            GradCase("min all", [x]) { $0[0].min() },
            GradCase("max axis", [x]) { $0[0].max(axis: 1).values },
            GradCase("min axis keepDim", [x]) { $0[0].min(axis: -1, keepDim: true).values },
            GradCase("prod axis", [p]) { $0[0].prod(axis: 1) },
            GradCase("prod axis with zeros", [withZero]) { $0[0].prod(axis: 1, keepDim: true) },
            GradCase("prod axis 0 with zeros", [withZero]) { $0[0].prod(axis: 0) },
            GradCase("prod all", [p]) { $0[0].prod() },
            GradCase("cumsum", [x]) { $0[0].cumsum(axis: 1) },
            GradCase("cumsum last", [x]) { $0[0].cumsum(axis: -1) },
            GradCase("cumprod", [p]) { $0[0].cumprod(axis: 1) },
            GradCase("logsumexp", [x]) { $0[0].logsumexp(axes: [1, 2]) },
            GradCase("logsumexp axis keepDim", [x]) { $0[0].logsumexp(axis: 0, keepDim: true) },
            GradCase("norm 2", [x]) { $0[0].norm() },
            GradCase("norm 2 axes", [x]) { $0[0].norm(axes: [1], keepDim: true) },
            GradCase("norm 1", [GC.awayFromZero([2, 3], seed: 22)]) { $0[0].norm(p: 1, axes: [1]) },
            GradCase("norm inf", [x]) { $0[0].norm(p: .infinity) },
            GradCase("norm 3", [GC.awayFromZero([2, 3], seed: 23)]) { $0[0].norm(p: 3) },
            GradCase("flip", [x]) { $0[0].flip(axis: 1) },
        ]
    }

    static func shape() -> [GradCase] {
        let x = GC.randn([2, 3, 4], seed: 30), y = GC.randn([2, 2, 4], seed: 31), v = GC.randn([3], seed: 32)
        return [
            GradCase("reshape -1", [x]) { $0[0].reshape([4, -1]) },
            GradCase("view", [x]) { $0[0].view([6, 4]) },
            GradCase("flatten", [x]) { $0[0].flatten(startAxis: 1) },
            GradCase("squeeze", [GC.randn([2, 1, 3], seed: 33)]) { $0[0].squeeze() },
            GradCase("squeeze axis", [GC.randn([2, 1, 3], seed: 33)]) { $0[0].squeeze(axis: 1) },
            GradCase("unsqueeze", [v]) { $0[0].unsqueeze(axis: -1) * $0[0] },
            GradCase("permute", [x]) { $0[0].permute([2, 0, 1]) },
            GradCase("transpose", [x]) { $0[0].transpose(0, 2) },
            GradCase("mT", [x]) { $0[0].mT },
            GradCase("expand", [GC.randn([3, 1], seed: 34)]) { $0[0].expand([2, 3, 4]) },
            GradCase("expand -1", [GC.randn([3, 1], seed: 34)]) { $0[0].expand([-1, 5]) },
            GradCase("expand as", [v]) { $0[0].expand(as: Tensor.zeros([2, 3])) },
            GradCase("sumToShape", [x]) { $0[0].sumToShape([3, 1]) },
            GradCase("repeat", [GC.randn([2, 3], seed: 35)]) { $0[0].repeat([2, 1, 3]) },
            GradCase("cat axis 1", [x, y]) { Tensor.cat([$0[0], $0[1]], axis: 1) },
            GradCase("cat three", [v, GC.randn([2], seed: 36), v]) { Tensor.cat($0) },
            GradCase("stack", [v, GC.randn([3], seed: 37)]) { Tensor.stack($0, axis: 1) },
            GradCase("split sizes", [x]) { xs in
                let parts = xs[0].split(sizes: [1, 2], axis: 1)
                return parts[0] * 2 + parts[1].sum(axis: 1, keepDim: true)
            },
            GradCase("split size", [x]) { $0[0].split(size: 3, axis: 2)[1] },
            GradCase("chunk", [x]) { xs in
                let c = xs[0].chunk(2, axis: 2)
                return c[0] * c[1]
            },
            GradCase("narrow", [x]) { $0[0].narrow(axis: 2, start: 1, length: 2) },
            GradCase("slice step", [x]) { $0[0].slice(axis: 2, start: 0, end: 4, step: 3) },
            GradCase("slice negative", [x]) { $0[0].slice(axis: 1, start: -2) },
            GradCase("pad", [GC.randn([2, 3], seed: 38)]) { $0[0].pad([1, 2, 0, 1], value: 0.5) },
            GradCase("to float64 (identity)", [x]) { $0[0].to(.float64) * 2 },
            GradCase("contiguous", [x]) { $0[0].contiguous() * 3 },
            GradCase("contiguous of a transpose", [x]) { $0[0].transpose(0, 2).contiguous() * 3 },
            GradCase("diagonal unfold asStrided (as_strided)", [GC.randn([3, 4], seed: 39)]) { xs in
                xs[0].diagonal(offset: 1).sum() + xs[0].unfold(axis: 1, size: 2, step: 2).square().sum()
                    + xs[0].asStrided(shape: [2, 2], strides: [4, 1], offset: 5).exp().sum()
            },
        ]
    }

    static func indexing() -> [GradCase] {
        let x = GC.randn([3, 4], seed: 40)
        let idx = Tensor([2, 0, 2, 2])   // negative indices are an error, as in PyTorch
        let gidx = Tensor([0, 3, 3, 1, 2, 0], shape: [3, 2])
        return [
            GradCase("subscript int", [x]) { $0[0][1] },
            GradCase("subscript negative int", [x]) { $0[0][-1, 2] },
            GradCase("subscript range", [x]) { $0[0][.all, 1..<3] },
            GradCase("subscript closed and partial ranges", [x]) { xs in xs[0][0...1, 2...] + xs[0][..<2, ...1] },
            GradCase("subscript step", [x]) { $0[0][.slice(nil, nil, step: 2), .slice(1, nil, step: 2)] },
            GradCase("subscript ellipsis newAxis", [x]) { $0[0][.newAxis, .ellipsis, 1] },
            GradCase("indexSelect duplicates", [x]) { $0[0].indexSelect(axis: 0, indices: idx) },
            GradCase("indexSelect axis 1", [x]) { $0[0].indexSelect(axis: 1, indices: Tensor([3, 3, 0])) },
            GradCase("indexAdd", [x, GC.randn([3, 4], seed: 41)]) { xs in
                xs[0].indexAdd(axis: 1, indices: Tensor([1, 1, 3, 0]), source: xs[1].narrow(axis: 1, start: 0, length: 4))
            },
            GradCase("gather", [x]) { $0[0].gather(axis: 1, index: gidx) },
            GradCase("gather axis 0", [x]) { $0[0].gather(axis: 0, index: Tensor([2, 1, 0, 0], shape: [1, 4])) },
            GradCase("scatterAdd", [x, GC.randn([3, 2], seed: 42)]) { xs in
                xs[0].scatterAdd(axis: 1, index: gidx, source: xs[1])
            },
        ]
    }

    static func matmul() -> [GradCase] {
        let g = Generator(seed: 77)
        var cases: [GradCase] = [
            GradCase("dot", [GC.randn([4], seed: 50), GC.randn([4], seed: 51)]) { $0[0].dot($0[1]) },
            GradCase("mm", [GC.randn([2, 3], seed: 52), GC.randn([3, 4], seed: 53)]) { $0[0].mm($0[1]) },
            GradCase("bmm", [GC.randn([2, 2, 3], seed: 54), GC.randn([2, 3, 2], seed: 55)]) { $0[0].bmm($0[1]) },
            GradCase("matmul of transposes", [GC.randn([3, 2], seed: 56), GC.randn([4, 3], seed: 57)]) { $0[0].mT.matmul($0[1].mT) },
            GradCase("matmul shared matrix", [GC.randn([2, 3, 4], seed: 58), GC.randn([4, 2], seed: 59)]) { $0[0].matmul($0[1]) },
            GradCase("matmul same operand", [GC.randn([3, 3], seed: 60)]) { $0[0].matmul($0[0]) },
            GradCase("linear", [GC.randn([2, 3], seed: 61), GC.randn([4, 3], seed: 62), GC.randn([4], seed: 63)]) {
                linear($0[0], weight: $0[1], bias: $0[2])
            },
            GradCase("linear 3-D input, no bias", [GC.randn([2, 2, 3], seed: 64), GC.randn([4, 3], seed: 65)]) {
                linear($0[0], weight: $0[1])
            },
            GradCase("linear 1-D input", [GC.randn([3], seed: 66), GC.randn([2, 3], seed: 67), GC.randn([2], seed: 68)]) {
                linear($0[0], weight: $0[1], bias: $0[2])
            },
        ]
        for k in 0..<14 {
            let (sa, sb) = GC.matmulPair(g)
            cases.append(GradCase("matmul \(sa) \(sb)", [GC.randn(sa, seed: 500 + UInt64(k)), GC.randn(sb, seed: 600 + UInt64(k))]) {
                $0[0].matmul($0[1])
            })
        }
        return cases
    }

    static func softmax() -> [GradCase] {
        let x = GC.randn([2, 3, 4], seed: 70)
        return [
            GradCase("softmax last", [x]) { $0[0].softmax() },
            GradCase("softmax axis 1", [x]) { $0[0].softmax(axis: 1) },
            GradCase("logSoftmax last", [x]) { $0[0].logSoftmax() },
            GradCase("logSoftmax axis 0", [x]) { $0[0].logSoftmax(axis: 0) },
            GradCase("logSoftmax large logits", [withNoGrad { x * 300 }]) { $0[0].logSoftmax(axis: 2) },
        ]
    }

    /// In-place ops on non-leaf tensors are rebased onto the graph: their gradients must match.
    static func inPlace() -> [GradCase] {
        let a = GC.randn([2, 3], seed: 80), b = GC.positive([2, 3], seed: 81), r = GC.randn([3], seed: 82)
        return [
            GradCase("add_ sub_", [a, r]) { xs in
                let y = xs[0] * 1.5
                y += xs[1]
                y -= xs[1] * xs[1]
                return y
            },
            GradCase("mul_ uses the old value", [a, b]) { xs in
                let y = xs[0] * 2
                y *= xs[1]
                return y
            },
            GradCase("div_ uses the old value", [a, b]) { xs in
                let y = xs[0].exp()
                y /= xs[1]
                return y * xs[0]
            },
            GradCase("scalar in-place", [a]) { xs in
                let y = xs[0].tanh()
                y *= 3; y += 1; y -= 0.5; y /= 2
                return y
            },
            GradCase("fill", [a, r]) { xs in
                let y = xs[0] * xs[0]
                y.fill(2)
                return y * xs[1]
            },
            GradCase("copyFrom", [a, r]) { xs in
                let y = xs[0] * 1
                y.copyFrom(xs[1].sin())
                return y * xs[0]
            },
        ]
    }

    /// Second derivatives: `gradcheck` of a gradient computed with `createGraph: true`.
    static func doubleBackward() -> [GradCase] {
        let x = GC.randn([2, 3], seed: 90), y = GC.randn([2, 3], seed: 91), p = GC.positive([2, 3], seed: 92)
        func dd(_ name: String, _ inputs: [Tensor], _ f: @escaping ([Tensor]) -> Tensor) -> GradCase {
            GradCase("d2 " + name, inputs, GC.firstDerivative(f))
        }
        return [
            dd("tanh", [x]) { $0[0].tanh() },
            dd("sigmoid", [x]) { $0[0].sigmoid() },
            dd("mul", [x, y]) { $0[0] * $0[1] * $0[0] },
            dd("div", [x, p]) { $0[0] / $0[1] },
            dd("exp log sqrt", [p]) { $0[0].exp() + $0[0].log() * $0[0].sqrt() },
            dd("pow", [p, y]) { $0[0].pow($0[1]) + $0[0].pow(3.5) },
            dd("rsqrt reciprocal", [p]) { $0[0].rsqrt() * $0[0].reciprocal() },
            dd("sin cos square", [x]) { $0[0].sin() * $0[0].cos() + $0[0].square() * $0[0] },
            dd("matmul", [GC.randn([2, 3], seed: 93), GC.randn([3, 2], seed: 94)]) { $0[0].matmul($0[1]).square() },
            dd("linear with bias", [GC.randn([2, 3], seed: 97), GC.randn([4, 3], seed: 98), GC.randn([4], seed: 99)]) {
                linear($0[0], weight: $0[1], bias: $0[2]).square()
            },
            dd("batched matmul broadcast", [GC.randn([2, 2, 3], seed: 95), GC.randn([3, 2], seed: 96)]) { $0[0].matmul($0[1]).tanh() },
            dd("softmax", [x]) { $0[0].softmax(axis: 1) },
            dd("logSoftmax", [x]) { $0[0].logSoftmax(axis: 0) },
            dd("broadcast mul (sum_to_shape)", [x, GC.randn([3], seed: 97)]) { ($0[0] * $0[1]).square() },
            dd("slice (slice_backward)", [x]) { $0[0][.all, 1...].square() },
            dd("diagonal (as_strided_backward)", [GC.randn([3, 3], seed: 92)]) { $0[0].diagonal().square() },
            dd("pad", [x]) { $0[0].pad([1, 1]).square() },
            dd("expand repeat", [GC.randn([3, 1], seed: 98)]) { $0[0].expand([3, 2]).repeat([2, 1]).cube() },
            dd("permute cat", [x, y]) { Tensor.cat([$0[0], $0[1]], axis: 0).permute([1, 0]).square() },
            dd("sum mean", [x]) { $0[0].sum(axis: 1).square() + $0[0].mean().square() },
            dd("variance std", [x]) { $0[0].variance(axes: [1]) + $0[0].std() },
            dd("logsumexp", [x]) { $0[0].logsumexp(axis: 1) },
            dd("max axis, gather, indexSelect", [x]) { xs in
                xs[0].max(axis: 1).values.square() + xs[0].gather(axis: 1, index: Tensor([1, 0], shape: [2, 1])).cube().sum()
                    + xs[0].indexSelect(axis: 1, indices: Tensor([2, 2])).square().sum()
            },
            dd("prod cumsum", [p]) { $0[0].prod(axis: 1) + $0[0].cumsum(axis: 0).square().sum() },
            dd("norm", [x]) { $0[0].norm() },
            dd("where clamp maximum", [x, y]) { xs in
                Tensor.where(xs[0] .> 0, xs[0].square(), xs[1].cube()) + Tensor.maximum(xs[0], xs[1]).square() + xs[0].clamp(min: -0.5, max: 0.5).square()
            },
            dd("erf expm1 log1p", [p]) { $0[0].erf() + $0[0].expm1() + $0[0].log1p() },
            dd("scatterAdd indexAdd", [x, GC.randn([2, 2], seed: 99)]) { xs in
                (xs[0].scatterAdd(axis: 1, index: Tensor([0, 2, 1, 1], shape: [2, 2]), source: xs[1]) * xs[0]).square()
                    + xs[0].indexAdd(axis: 1, indices: Tensor([0, 2]), source: xs[1]).cube()
            },
        ]
    }
}

extension Tensor {
    /// x³, written as a product so double-backward cases exercise `mul`.
    func cube() -> Tensor { self * self * self }
}

@Suite struct GradcheckTests {
    @Test(arguments: GradCases.families)
    func gradientsMatchFiniteDifferences(family: String) {
        let cases = GradCases.family(family)
        #expect(cases.count >= 5, "\(family) has only \(cases.count) cases")
        for c in cases { c.check() }
    }

    /// d²/dx² x⁴ = 12x², through `grad(of:wrt:createGraph:)` twice.
    @Test func secondDerivativeOfFourthPower() {
        let x = Tensor([-1.5, 0.5, 2], dtype: .float64, requiresGrad: true)
        let dy = grad(of: x.pow(4).sum(), wrt: [x], createGraph: true)[0]!
        #expect(dy.doubles == [-13.5, 0.5, 32])
        #expect(dy.requiresGrad)
        let d2 = grad(of: dy.sum(), wrt: [x])[0]!
        #expect(d2.doubles == [27, 3, 48])
        // Third derivative 24x, from a graph of the second.
        let dy2 = grad(of: x.pow(4).sum(), wrt: [x], createGraph: true)[0]!
        let d2g = grad(of: dy2.sum(), wrt: [x], createGraph: true)[0]!
        let d3 = grad(of: d2g.sum(), wrt: [x])[0]!
        #expect(d3.doubles == [-36, 12, 48])
        #expect(x.grad == nil, "grad(of:wrt:) must not touch .grad")
    }

    /// Hessian-vector product through backward(createGraph:): for f = Σ x²·y, d/dx (∇ₓf · v) = 2y·v.
    @Test func backwardWithCreateGraphGivesDifferentiableGrad() {
        let x = Tensor([1, 2, 3], dtype: .float64, requiresGrad: true)
        let y = Tensor([0.5, -1, 2], dtype: .float64, requiresGrad: true)
        (x * x * y).sum().backward(createGraph: true)
        let gx = x.grad!
        #expect(gx.doubles == [1, -4, 12])
        #expect(gx.requiresGrad)
        let v = Tensor([1, 1, 2], dtype: .float64)
        let hv = grad(of: (gx * v).sum(), wrt: [x, y])
        #expect(hv[0]!.doubles == [1, -2, 8])
        #expect(hv[1]!.doubles == [2, 4, 12])
    }

    /// The gradient conventions at non-differentiable points, as PyTorch.
    @Test func subgradientConventions() {
        let z = Tensor([0, -1, 2], dtype: .float64, requiresGrad: true)
        #expect(grad(of: z.relu().sum(), wrt: [z])[0]!.doubles == [0, 0, 1])
        #expect(grad(of: z.abs().sum(), wrt: [z])[0]!.doubles == [0, -1, 1])
        #expect(grad(of: z.clamp(min: 0, max: 2).sum(), wrt: [z])[0]!.doubles == [1, 0, 1])
        let t = Tensor([1, 3, 3], dtype: .float64, requiresGrad: true)
        #expect(grad(of: t.max(), wrt: [t])[0]!.doubles == [0, 0.5, 0.5])
        #expect(grad(of: t.max(axis: 0).values, wrt: [t])[0]!.doubles == [0, 1, 0])
        let u = Tensor([3, 1, 3], dtype: .float64, requiresGrad: true)
        #expect(grad(of: Tensor.maximum(t, u).sum(), wrt: [t])[0]!.doubles == [0, 1, 0.5])
        #expect(grad(of: Tensor.minimum(t, u).sum(), wrt: [u])[0]!.doubles == [0, 1, 0.5])
        let zero = Tensor([0, 0], dtype: .float64, requiresGrad: true)
        #expect(grad(of: zero.norm(), wrt: [zero])[0]!.doubles == [0, 0])
        let base = Tensor([0, 2], dtype: .float64, requiresGrad: true), e = Tensor([2, 3], dtype: .float64, requiresGrad: true)
        let pg = grad(of: base.pow(e).sum(), wrt: [base, e])
        #expect(pg[0]!.doubles == [0, 12])
        #expect(pg[1]!.doubles[0] == 0)
    }

    /// `to` is differentiable between float types; its gradient comes back in the input's dtype.
    /// (Not finite-differenced: a float32 round trip loses the precision the check needs.)
    @Test func dtypeConversionGradient() {
        let x = Tensor([1, 2, 3] as [Float], requiresGrad: true)
        let y = x.to(.float64)
        #expect(y.opName == "to")
        (y * y).sum().backward()
        #expect(x.grad!.dtype == .float32)
        #expect(x.grad!.scalars == [2, 4, 6])
        let w = Tensor([1, 2], dtype: .float64, requiresGrad: true)
        (w.to(.float32) * 3).sum().backward()
        #expect(w.grad!.dtype == .float64 && w.grad!.doubles == [3, 3])
    }

    /// float32 ops give the same gradients as float64 to float32 precision.
    @Test func float32GradientsAgreeWithFloat64() {
        let x64 = GC.randn([3, 4], seed: 5)
        let x32 = x64.to(.float32).requiringGrad()
        let x = x64.copy().requiringGrad()
        func f(_ t: Tensor) -> Tensor { (t.tanh() * t.sigmoid()).softmax(axis: 1).matmul(t.mT).logsumexp(axis: 0).sum() }
        f(x32).backward()
        f(x).backward()
        #expect(x32.grad!.dtype == .float32)
        #expect(x32.grad!.to(.float64).allClose(x.grad!, rtol: 1e-4, atol: 1e-5))
    }

    /// gradcheck itself reports a wrong gradient (here: a deliberately broken op).
    @Test func gradcheckCatchesAWrongGradient() {
        let x = GC.randn([3], seed: 6)
        // detach() hides the dependence of the second factor on x, so autograd misses half the gradient.
        let r = gradcheck({ xs in xs[0] * xs[0].detach() }, inputs: [x])
        #expect(!r.passed)
        #expect(r.maxError > 0.01)
        #expect(r.description.contains("FAILED"))
        let ok = gradcheck({ xs in xs[0] * xs[0] }, inputs: [x])
        #expect(ok.passed, "\(ok)")
        #expect(ok.description.contains("passed"))
    }
}
