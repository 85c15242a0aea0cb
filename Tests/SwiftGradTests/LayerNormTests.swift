import Foundation
import Testing
@testable import SwiftGrad

/// The fused `layer_norm` op and its backward `layer_norm_backward`: values and gradients against
/// the composed definition, second derivatives in every input including the upstream gradient,
/// forward-mode tangents, the graph it records, mixed dtypes, and results independent of the
/// thread count (misuse: MisuseMessageTestsLayers).
@Suite struct LayerNormTests {
    /// The composed definition (the ops the library recorded before the fused op).
    static func composed(_ x: Tensor, _ normalizedShape: [Int], _ w: Tensor?, _ b: Tensor?, eps: Double = 1e-5) -> Tensor {
        let axes = Array((x.rank - normalizedShape.count)..<x.rank)
        let centered = x - x.mean(axes: axes, keepDim: true)
        var y = centered * (centered.square().mean(axes: axes, keepDim: true) + eps).rsqrt()
        if let w { y = y * w }
        if let b { y = y + b }
        return y
    }

    static func maxError(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.to(.float64).doubles, b.to(.float64).doubles).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1)) }.max() ?? 0
    }

    /// Values and the gradients of x, weight and bias equal the composed definition's, for row
    /// lengths that are and are not multiples of four, one and two normalised axes, and each
    /// combination of weight and bias.
    @Test(arguments: [DType.float32, .float64])
    func valuesAndGradientsMatchTheComposedDefinition(dtype: DType) {
        let tol = dtype == .float32 ? 2e-5 : 1e-12
        let gen = Generator(seed: 41)
        for (shape, normalized) in [([3, 5, 16], [16]), ([4, 13], [13]), ([2, 3, 4, 5], [4, 5]), ([2, 3], [3])] {
            for (hasW, hasB) in [(false, false), (true, false), (false, true), (true, true)] {
                let x0 = Tensor.randn(shape, dtype: dtype, generator: gen) * 3 + 1
                let w0 = Tensor.randn(normalized, dtype: dtype, generator: gen), b0 = Tensor.randn(normalized, dtype: dtype, generator: gen)
                let up = Tensor.randn(shape, dtype: dtype, generator: gen)
                func run(_ f: (Tensor, Tensor?, Tensor?) -> Tensor) -> [Tensor] {
                    let x = x0.detach().requiringGrad(), w = hasW ? w0.detach().requiringGrad() : nil
                    let b = hasB ? b0.detach().requiringGrad() : nil
                    let y = f(x, w, b)
                    (y * up).sum().backward()
                    return [y, x.grad ?? Tensor.zerosLike(x)] + (w.map { [$0.grad!] } ?? []) + (b.map { [$0.grad!] } ?? [])
                }
                let fused = run { layerNorm($0, normalizedShape: normalized, weight: $1, bias: $2) }
                let reference = run { Self.composed($0, normalized, $1, $2) }
                #expect(fused[0].opName == "layer_norm")
                for (i, (f, r)) in zip(fused, reference).enumerated() {
                    #expect(f.shape == r.shape && f.dtype == dtype)
                    let err = Self.maxError(f, r)
                    #expect(err <= tol, "shape \(shape) normalized \(normalized) weight \(hasW) bias \(hasB), result \(i): error \(err)")
                }
            }
        }
    }

    /// Second derivatives through `layer_norm_backward` in all of its inputs: the upstream gradient
    /// g (which OpRegistryTests' case cannot vary), x and the weight; with and without a weight.
    @Test func secondDerivativesInGXAndWeight() {
        let x = GC.randn([3, 2, 5], seed: 51), w = GC.randn([5], seed: 52), b = GC.randn([5], seed: 53)
        let g = GC.randn([3, 2, 5], seed: 54)
        // withGrad: gradcheck evaluates the function under no-grad for its finite differences.
        let withWeight = gradcheck({ xs in withGrad {
            let gs = grad(of: (layerNorm(xs[1], normalizedShape: [5], weight: xs[2], bias: xs[3]) * xs[0]).sum(),
                          wrt: [xs[1], xs[2], xs[3]], createGraph: true)
            return Tensor.cat([gs[0]!.flatten() * 1.3, gs[1]!.square(), gs[2]! * gs[1]!])
        } }, inputs: [g, x, w, b])
        #expect(withWeight.passed, "\(withWeight)")
        let twoAxes = gradcheck({ xs in withGrad {
            let gx = grad(of: (layerNorm(xs[1], normalizedShape: [2, 5]) * xs[0]).sum(), wrt: [xs[1]], createGraph: true)[0]!
            return gx.square() + gx * xs[1]
        } }, inputs: [g, x])
        #expect(twoAxes.passed, "\(twoAxes)")
        // A third derivative: the second derivative's Tensor ops are recorded too.
        let third = gradcheck({ xs in withGrad {
            let gx = grad(of: (layerNorm(xs[0], normalizedShape: [5], weight: xs[1]) * g).sum(), wrt: [xs[0]], createGraph: true)[0]!
            return grad(of: gx.square().sum(), wrt: [xs[0], xs[1]], createGraph: true).map { $0!.flatten() }.reduce(Tensor.zeros([0], dtype: .float64)) { Tensor.cat([$0, $1]) }
        } }, inputs: [x, w])
        #expect(third.passed, "\(third)")
    }

    /// The graph: one `layer_norm` node on (x, weight, bias); under createGraph the gradients come
    /// from one `layer_norm_backward` node; without, no node.
    @Test func recordsOneNodeForwardAndOneForBackward() {
        let x = GC.randn([4, 6], seed: 61).requiringGrad(), w = GC.randn([6], seed: 62).requiringGrad()
        let b = GC.randn([6], seed: 63).requiringGrad()
        let y = layerNorm(x, normalizedShape: [6], weight: w, bias: b)
        #expect(y.opName == "layer_norm" && y.node!.inputs.count == 3)
        let gs = grad(of: y.square().sum(), wrt: [x, w, b], createGraph: true)
        func reaches(_ t: Tensor, _ op: Op) -> Bool {
            var stack = [t.node].compactMap { $0 }, seen = Set<ObjectIdentifier>()
            while let n = stack.popLast() {
                guard seen.insert(ObjectIdentifier(n)).inserted else { continue }
                if n.op.builtin == op { return true }
                stack.append(contentsOf: n.inputs.compactMap(\.node))
            }
            return false
        }
        #expect(gs.allSatisfy { reaches($0!, .layerNormBackward) })
        let plain = grad(of: layerNorm(x, normalizedShape: [6], weight: w, bias: b).square().sum(), wrt: [x, w, b])
        #expect(plain.allSatisfy { $0!.node == nil })
        for (p, q) in zip(plain, gs) { #expect(Self.maxError(p!, q!) <= 1e-14) }
    }

    /// Forward mode: the tangent rule (σ·P(ẋ)·weight + x̂·ẇ + ḃ) against the composed definition's
    /// tangent, with every input moving and with only x moving.
    @Test func tangentsMatchTheComposedDefinition() {
        let x = GC.randn([3, 7], seed: 71), w = GC.randn([7], seed: 72), b = GC.randn([7], seed: 73)
        let dirs = [GC.randn([3, 7], seed: 74), GC.randn([7], seed: 75), GC.randn([7], seed: 76)]
        let (_, fused) = jvp({ xs in layerNorm(xs[0], normalizedShape: [7], weight: xs[1], bias: xs[2]) }, [x, w, b], dirs)
        let (_, reference) = jvp({ xs in Self.composed(xs[0], [7], xs[1], xs[2]) }, [x, w, b], dirs)
        #expect(Self.maxError(fused, reference) <= 1e-12)
        let (_, onlyX) = jvp({ xs in layerNorm(xs[0], normalizedShape: [7], weight: w, bias: b) }, [x], [dirs[0]])
        let (_, onlyXRef) = jvp({ xs in Self.composed(xs[0], [7], w, b) }, [x], [dirs[0]])
        #expect(Self.maxError(onlyX, onlyXRef) <= 1e-12)
    }

    /// Forward over reverse through `layer_norm_backward`: the tangent of its outputs (dx, and
    /// dweight and dbias when the op has them) as functions of (g, x, weight) against central
    /// finite differences in float64, with and without weight and bias, over one and two trailing
    /// axes, for tangents on g, x and weight one at a time and all together.
    @Test func backwardsTangentsMatchFiniteDifferences() {
        var seed: UInt64 = 100
        func next() -> UInt64 { seed += 1; return seed }
        for (shape, normalized) in [([3, 5], [5]), ([2, 3, 4], [3, 4])] {
            for (hasW, hasB) in [(false, false), (true, false), (false, true), (true, true)] {
                let g = GC.randn(shape, seed: next()), x = GC.randn(shape, seed: next()) * 2 + 0.5
                let w = GC.randn(normalized, seed: next()), b = GC.randn(normalized, seed: next())
                let primals = [g, x] + (hasW ? [w] : [])
                // The gradients of ⟨layerNorm(x, w, b), g⟩: layer_norm_backward's outputs.
                let f: ([Tensor]) -> Tensor = { xs in withGrad {
                    let xr = xs[1], wr = hasW ? xs[2] : nil, br = hasB ? b.detach().requiringGrad() : nil
                    let wrt = [xr] + (wr.map { [$0] } ?? []) + (br.map { [$0] } ?? [])
                    let gs = grad(of: (layerNorm(xr, normalizedShape: normalized, weight: wr, bias: br) * xs[0]).sum(),
                                  wrt: wrt, createGraph: true)
                    return Tensor.cat(gs.map { $0!.flatten() })
                } }
                let directions = primals.map { GC.randn($0.shape, seed: next()) }
                let eps = 1e-6
                for argnums in primals.indices.map({ [$0] }) + [Array(primals.indices)] {
                    let inputs = primals.map { $0.detach().requiringGrad() }
                    let (_, tangent) = jvp(f, inputs, argnums.map { directions[$0] }, argnums: argnums)
                    func shifted(_ sign: Double) -> Tensor {
                        var ys = primals
                        for i in argnums { ys[i] = primals[i] + directions[i] * (sign * eps) }
                        return f(ys.map { $0.detach().requiringGrad() }).detach()
                    }
                    let numeric = (shifted(1) - shifted(-1)) / (2 * eps)
                    let err = Self.maxError(tangent, numeric)
                    #expect(tangent.shape == numeric.shape && err <= 1e-7,
                            "normalized \(normalized) weight \(hasW) bias \(hasB) tangents on \(argnums) (g, x, weight): error \(err)")
                }
            }
        }
    }

    /// Mixed float dtypes compute in the promoted one (the casts recorded, gradients in each
    /// input's dtype); float16 and bfloat16 in float32, rounded once.
    @Test func mixedAndReducedDTypes() {
        let x = Tensor.randn([2, 4], generator: Generator(seed: 81)).requiringGrad()
        let w = GC.randn([4], seed: 82).requiringGrad()
        let y = layerNorm(x, normalizedShape: [4], weight: w)
        #expect(y.dtype == .float64)
        y.sum().backward()
        #expect(x.grad?.dtype == .float32 && w.grad?.dtype == .float64)
        for dt in [DType.float16, .bfloat16] {
            let xh = x.detach().to(dt).requiringGrad()
            let yh = layerNorm(xh, normalizedShape: [4])
            #expect(yh.dtype == dt)
            let expected = layerNorm(xh.detach().to(.float32), normalizedShape: [4]).to(dt)
            #expect(yh.detach().to(.float64).doubles == expected.to(.float64).doubles)
            (yh * Tensor.randn([2, 4], generator: Generator(seed: 83)).to(dt)).sum().backward()
            #expect(xh.grad?.dtype == dt)
        }
    }

    /// dx goes row by row and dweight/dbias column by column over the pool: the same bits at 1,
    /// 2 and 3 threads, forward and backward (rows × d above the parallel threshold).
    @Test func resultsDoNotDependOnTheThreadCount() async {
        await #expect(processExitsWith: .success) {
            let x = Tensor.randn([300, 130], generator: Generator(seed: 91)) * 2 + 0.5
            let w = Tensor.randn([130], generator: Generator(seed: 92)), b = Tensor.randn([130], generator: Generator(seed: 93))
            let up = Tensor.randn([300, 130], generator: Generator(seed: 94))
            func run() -> [[UInt32]] {
                let xr = x.detach().requiringGrad(), wr = w.detach().requiringGrad(), br = b.detach().requiringGrad()
                let y = layerNorm(xr, normalizedShape: [130], weight: wr, bias: br)
                (y * up).sum().backward()
                return [y, xr.grad!, wr.grad!, br.grad!].map { $0.scalars.map(\.bitPattern) }
            }
            Runtime.threadCount = 1
            let one = run()
            Runtime.threadCount = 2
            let two = run()
            Runtime.threadCount = 3
            let three = run()
            if one != two || one != three { exit(1) }
        }
    }
}
