import Foundation
import Testing
import SwiftGrad

/// Every public op on non-contiguous inputs (transposed, stepped, offset and expanded views) against
/// the same op on `contiguous()` copies: values and gradients must agree. A kernel entry that reads
/// a view as if it were contiguous fails here (or stops on `ptr`'s contiguity check).
@Suite struct ViewSweepTests {
    /// A way to hold the values of a tensor of some shape in a non-contiguous (or offset) view of a leaf.
    struct Layout {
        let name: String
        /// The leaf's shape for a view of `shape`, or nil when the layout does not apply.
        let leafShape: ([Int]) -> [Int]?
        let view: (Tensor) -> Tensor
    }

    static var layouts: [Layout] { [
        Layout(name: "transposed", leafShape: { s in
            s.count >= 2 ? Array(s.dropLast(2)) + [s[s.count - 1], s[s.count - 2]] : nil
        }, view: { $0.transpose(-1, -2) }),
        Layout(name: "stepped", leafShape: { s in
            s.isEmpty ? nil : Array(s.dropLast()) + [s[s.count - 1] * 2]
        }, view: { $0.slice(axis: -1, start: 0, end: nil, step: 2) }),
        Layout(name: "offset", leafShape: { s in [2] + s }, view: { $0[1] }),
        Layout(name: "expanded", leafShape: { s in
            s.isEmpty || s[0] == 1 ? nil : [1] + Array(s.dropFirst())
        }, view: { $0 }),
    ] }

    /// Checks `f` with each operand in turn laid out by each layout. `positive` makes float leaves > 0.
    func sweep(_ name: String, _ shapes: [[Int]], positive: Bool = false, layouts only: [String]? = nil,
               sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor) {
        for i in shapes.indices {
            for layout in Self.layouts where only?.contains(layout.name) ?? true {
                guard let ls = layout.leafShape(shapes[i]) else { continue }
                let gen = Generator(seed: UInt64(17 + i))
                let leaves: [Tensor] = shapes.enumerated().map { j, s in
                    var t = Tensor.randn(j == i ? ls : s, dtype: .float64, generator: gen)
                    if positive { t = t.abs() + 0.5 }
                    return t.requiringGrad()
                }
                func make(_ contiguous: Bool) -> [Tensor] {
                    leaves.enumerated().map { j, l in
                        guard j == i else { return l }
                        let v = layout.name == "expanded" ? l.expand(shapes[i]) : layout.view(l)
                        return contiguous ? v.contiguous() : v
                    }
                }
                let strided = make(false)
                let label = "\(name), operand \(i) \(layout.name)"
                #expect(strided[i].shape == shapes[i], "\(label): layout", sourceLocation: sourceLocation)
                // A transposed [n, 1] is still contiguous: nothing new to check.
                if layout.name != "offset" && strided[i].isContiguous { continue }
                let a = f(strided), b = f(make(true))
                #expect(a.shape == b.shape && a.allClose(b, rtol: 1e-9, atol: 1e-12),
                        "\(label): values \(a) vs \(b)", sourceLocation: sourceLocation)
                guard a.dtype.isFloatingPoint, a.requiresGrad, a.shape == b.shape else { continue }
                let w = Tensor.uniform(a.shape, low: 0.5, high: 1.5, dtype: a.dtype, generator: Generator(seed: 9))
                let ga = grad(of: (a * w).sum(), wrt: leaves), gb = grad(of: (b * w).sum(), wrt: leaves)
                for (k, (x, y)) in zip(ga, gb).enumerated() {
                    if let x, let y {
                        // NaN gradients (where the op's derivative is undefined) must be NaN on both sides.
                        let same = x.allClose(y, rtol: 1e-9, atol: 1e-12)
                            || (x.shape == y.shape && zip(x.doubles, y.doubles).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) || Swift.abs($0 - $1) <= 1e-12 + 1e-9 * Swift.abs($1) })
                        #expect(same, "\(label): gradient of input \(k) \(x) vs \(y)",
                                sourceLocation: sourceLocation)
                    } else {
                        #expect(x == nil && y == nil, "\(label): gradient of input \(k) missing on one side",
                                sourceLocation: sourceLocation)
                    }
                }
            }
        }
    }

    @Test func unaryOps() {
        let s = [[3, 4]]
        sweep("neg", s) { -$0[0] }
        sweep("exp", s) { $0[0].exp() }
        sweep("log", s, positive: true) { $0[0].log() }
        sweep("sqrt", s, positive: true) { $0[0].sqrt() }
        sweep("rsqrt", s, positive: true) { $0[0].rsqrt() }
        sweep("reciprocal", s, positive: true) { $0[0].reciprocal() }
        sweep("abs", s) { $0[0].abs() }
        sweep("square", s) { $0[0].square() }
        sweep("sin", s) { $0[0].sin() }
        sweep("cos", s) { $0[0].cos() }
        sweep("tanh", s) { $0[0].tanh() }
        sweep("sigmoid", s) { $0[0].sigmoid() }
        sweep("relu", s) { $0[0].relu() }
        sweep("erf", s) { $0[0].erf() }
        sweep("gelu", s) { $0[0].gelu() }
        sweep("softplus", s) { $0[0].softplus() }
        sweep("silu", s) { $0[0].silu() }
        sweep("elu", s) { $0[0].elu() }
        sweep("leakyRelu", s) { $0[0].leakyRelu() }
        sweep("clamp", s) { $0[0].clamp(min: -0.5, max: 0.5) }
        sweep("pow", s, positive: true) { $0[0].pow(2.5) }
        sweep("scalars", s) { 1 - ($0[0] + 1) * 2 }
        sweep("rdiv", s, positive: true) { 2 / $0[0] }
        sweep("to", s) { $0[0].to(.float32).to(.float64) }
        sweep("sign", s) { $0[0].sign() }
        sweep("gt", s) { $0[0].gt(0) }
        sweep("clone", s) { $0[0].clone() }
    }

    @Test func binaryOps() {
        let s = [[3, 4], [3, 4]]
        sweep("add", s) { $0[0] + $0[1] }
        sweep("sub", s) { $0[0] - $0[1] }
        sweep("mul", s) { $0[0] * $0[1] }
        sweep("div", s, positive: true) { $0[0] / $0[1] }
        sweep("pow", s, positive: true) { $0[0].pow($0[1]) }
        sweep("maximum", s) { Tensor.maximum($0[0], $0[1]) }
        sweep("minimum", s) { Tensor.minimum($0[0], $0[1]) }
        sweep("where", s) { Tensor.where($0[0].gt(0), $0[0], $0[1]) }
        sweep("lt", s) { $0[0].lt($0[1]) }
        sweep("broadcastRow", [[3, 4], [4]]) { $0[0] + $0[1] }
        sweep("broadcastColumn", [[3, 4], [3, 1]]) { $0[0] * $0[1] }
        sweep("maskedFill", [[3, 4]]) { $0[0].maskedFill($0[0].gt(0.3), -1) }
    }

    @Test func reductionsAndScans() {
        let s = [[3, 4]]
        sweep("sum", s) { $0[0].sum() }
        sweep("sumAxes", s) { $0[0].sum(axes: [0]) }
        sweep("sumKeep", s) { $0[0].sum(axes: [1], keepDim: true) }
        sweep("mean", s) { $0[0].mean() }
        sweep("meanAxis", s) { $0[0].mean(axis: 1) }
        sweep("variance", s) { $0[0].variance(axes: [1]) }
        sweep("std", s) { $0[0].std() }
        sweep("max", s) { $0[0].max() }
        sweep("maxAxis", s) { $0[0].max(axis: 1).values }
        sweep("argmax", s) { $0[0].argmax(axis: 0) }
        sweep("min", s) { $0[0].min(axis: 0).values }
        sweep("logsumexp", s) { $0[0].logsumexp(axis: 1) }
        sweep("norm", s) { $0[0].norm() }
        sweep("prod", s) { $0[0].prod(axis: 1) }
        sweep("cumsum", s) { $0[0].cumsum(axis: 1) }
        sweep("cumprod", s) { $0[0].cumprod(axis: 0) }
        sweep("softmax", s) { $0[0].softmax(axis: 0) }
        sweep("logSoftmax", s) { $0[0].logSoftmax(axis: -1) }
    }

    @Test func matrixProducts() {
        sweep("matmul", [[3, 4], [4, 5]]) { $0[0].matmul($0[1]) }
        sweep("batchedMatmul", [[2, 3, 4], [2, 4, 5]]) { $0[0].matmul($0[1]) }
        sweep("broadcastMatmul", [[2, 3, 4], [4, 5]]) { $0[0].matmul($0[1]) }
        sweep("matvec", [[3, 4], [4]]) { $0[0].matmul($0[1]) }
        sweep("dot", [[4], [4]]) { $0[0].dot($0[1]) }
        sweep("linear", [[3, 4], [5, 4], [5]]) { linear($0[0], weight: $0[1], bias: $0[2]) }
        sweep("linearNoBias", [[2, 3, 4], [5, 4]]) { linear($0[0], weight: $0[1]) }
        sweep("outer", [[3], [4]]) { Linalg.outer($0[0], $0[1]) }
        sweep("scaledDotProductAttention", [[2, 3, 4], [2, 5, 4], [2, 5, 4]]) {
            scaledDotProductAttention($0[0], $0[1], $0[2], isCausal: true)
        }
        // Attention heads: [n, l, h, d] permuted to [n, h, l, d] (batch axes that do not collapse to one
        // stride), multiplied with a transposed view; BLAS reads both in place.
        let gen = Generator(seed: 31)
        let q = Tensor.randn([2, 4, 3, 5], dtype: .float64, generator: gen).requiringGrad()
        let k = Tensor.randn([2, 6, 3, 5], dtype: .float64, generator: gen).requiringGrad()
        let qh = q.permute([0, 2, 1, 3]), kh = k.permute([0, 2, 1, 3])
        let a = qh.matmul(kh.transpose(-2, -1))
        let b = q.permute([0, 2, 1, 3]).contiguous().matmul(k.permute([0, 2, 1, 3]).contiguous().transpose(-2, -1).contiguous())
        #expect(a.shape == [2, 3, 4, 6] && a.allClose(b, rtol: 1e-12, atol: 1e-12))
        let ga = grad(of: (a * a).sum(), wrt: [q, k]), gb = grad(of: (b * b).sum(), wrt: [q, k])
        #expect(ga[0]!.allClose(gb[0]!, rtol: 1e-12, atol: 1e-12) && ga[1]!.allClose(gb[1]!, rtol: 1e-12, atol: 1e-12))
    }

    @Test func shapeAndIndexOps() {
        let s = [[3, 4]]
        sweep("reshape", s) { $0[0].reshape([12]) * Tensor.arange(12, dtype: .float64) }
        sweep("flatten", s) { $0[0].flatten().cumsum(axis: 0) }
        sweep("permute", s) { $0[0].permute([1, 0]).cumsum(axis: 1) }
        sweep("cat", [[3, 4], [2, 4]]) { Tensor.cat([$0[0], $0[1]], axis: 0).cumsum(axis: 0) }
        sweep("stack", [[3, 4], [3, 4]]) { Tensor.stack([$0[0], $0[1]], axis: 1).cumsum(axis: 1) }
        sweep("repeat", s) { $0[0].repeat([2, 1]).cumsum(axis: 0) }
        sweep("pad", s) { $0[0].pad([1, 2]).cumsum(axis: 1) }
        sweep("flip", s) { $0[0].flip(axis: 1).cumsum(axis: 1) }
        sweep("tril", [[4, 4]]) { Linalg.tril($0[0]) }
        sweep("slice", s) { $0[0][.all, 1...].cumsum(axis: 1) }
        sweep("select", s) { $0[0][1] * 3 }
        sweep("split", s) { $0[0].split(sizes: [1, 3], axis: 1)[1].cumsum(axis: 1) }
        sweep("gather", s) { $0[0].gather(axis: 1, index: Tensor([0, 3, 1, 1, 2, 0], shape: [3, 2])) }
        sweep("indexSelect", s) { $0[0].indexSelect(axis: 0, indices: Tensor([2, 0, 2])) }
        sweep("indexAdd", [[3, 4], [2, 4]]) { $0[0].indexAdd(axis: 0, indices: Tensor([2, 0]), source: $0[1]) }
        sweep("scatterAdd", [[3, 4], [3, 2]]) { $0[0].scatterAdd(axis: 1, index: Tensor([0, 3, 1, 1, 2, 0], shape: [3, 2]), source: $0[1]) }
        sweep("contiguousOfView", s) { $0[0].t().contiguous().cumsum(axis: 1) }
    }

    @Test func layersAndLosses() {
        sweep("layerNorm", [[3, 4], [4], [4]]) { layerNorm($0[0], normalizedShape: [4], weight: $0[1], bias: $0[2]) }
        sweep("crossEntropy", [[3, 4]]) { crossEntropy(logits: $0[0], targets: Tensor([1, 0, 3])) }
        sweep("mseLoss", [[3, 4], [3, 4]]) { mseLoss($0[0], $0[1]) }
        sweep("embedding", [[5, 4]]) { embedding(Tensor([1, 4, 0, 1], shape: [2, 2]), weight: $0[0]) }
        sweep("conv2d", [[1, 2, 5, 5], [3, 2, 3, 3], [3]]) { conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1) }
        sweep("maxPool2d", [[1, 2, 4, 4]]) { maxPool2d($0[0], kernelSize: 2) }
        sweep("avgPool2d", [[1, 2, 4, 4]]) { avgPool2d($0[0], kernelSize: 2) }
        sweep("batchNorm", [[4, 3]]) { batchNorm($0[0], runningMean: nil, runningVar: nil, training: true) }
        sweep("groupNorm", [[2, 4, 3]]) { groupNorm($0[0], numGroups: 2) }
    }

    @Test func linalgOps() {
        let spd: (Tensor) -> Tensor = { a in a.matmul(a.mT) + Tensor.eye(3, dtype: .float64) * 3 }
        sweep("det", [[3, 3]]) { Linalg.det(spd($0[0]) + $0[0]) }
        sweep("inv", [[3, 3]]) { try! Linalg.inv(spd($0[0]) + $0[0] * 0.1) }
        sweep("solve", [[3, 3], [3, 2]]) { try! Linalg.solve(spd($0[0]), $0[1]) }
        sweep("cholesky", [[3, 3]]) { try! Linalg.cholesky(spd($0[0])) }
        sweep("qr", [[4, 3]]) { try! Linalg.qr($0[0]).r.abs() }
        sweep("svdvals", [[4, 3]]) { try! Linalg.svdvals($0[0]) }
        sweep("trace", [[3, 3]]) { Linalg.trace($0[0]) }
        sweep("diagonal", [[3, 4]]) { $0[0].diagonal(offset: 1) * 2 }
    }

    /// Integer index tensors may be views too.
    @Test func indexTensorsMayBeViews() {
        let x = Tensor.arange(12, dtype: .float32).reshape([3, 4])
        let idx = Tensor([2, 9, 0, 9, 1, 9]).slice(axis: 0, start: 0, end: nil, step: 2)   // [2, 0, 1]
        #expect(!idx.isContiguous && x.indexSelect(axis: 0, indices: idx).scalars == [8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7])
        #expect(x.gather(axis: 1, index: Tensor([0, 3, 1, 1, 2, 1], shape: [2, 3]).t()).scalars == [0, 1, 7, 6, 9, 9])
        #expect(embedding(Tensor([3, 0, 1, 0]).slice(axis: 0, start: 0, end: nil, step: 2),
                          weight: Tensor.arange(8, dtype: .float32).reshape([4, 2])).scalars == [6, 7, 2, 3])
    }
}
