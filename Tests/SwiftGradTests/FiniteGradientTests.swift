import Foundation
import Testing
import SwiftGrad

/// Gradients are finite wherever PyTorch's are, with PyTorch's values at the edge points; NaN
/// propagates through relu and the other max-with-zero ops; norms of order 0 and -inf; scalar
/// division is correctly rounded.
@Suite struct FiniteGradientTests {

    func f64(_ values: [Double], _ shape: [Int]? = nil) -> Tensor {
        Tensor(values, shape: shape, dtype: .float64, requiresGrad: true)
    }

    // MARK: binary cross-entropy

    @Test func binaryCrossEntropyAtZeroAndOneHasPyTorchsFiniteGradient() {
        let x = f64([0, 1, 0, 1, 0.25])
        let t = Tensor([0, 1, 1, 0, 1], dtype: .float64)
        let loss = binaryCrossEntropy(x, t, reduction: .sum)
        // Each log is clamped at -100: the two wrong certain predictions cost 100 each.
        #expect(Swift.abs(loss.item() - (200 - Foundation.log(0.25))) < 1e-12)
        loss.backward()
        // PyTorch: (x - t) / max(x(1 - x), ε), ε = 1e-12 rounded to float32 (so ±1000000003995.8029).
        let eps = Double(Float(1e-12))
        #expect(x.grad!.doubles == [0, 0, -1 / eps, 1 / eps, -4])
        #expect(Swift.abs(x.grad!.doubles[2] + 1000000003995.8029) < 1e-3)
        #expect(x.grad!.doubles.allSatisfy { $0.isFinite })
        let r = gradcheck({ xs in binaryCrossEntropy(xs[0], xs[1]) },
                          inputs: [Tensor([0.2, 0.5, 0.9], dtype: .float64), Tensor([0.0, 0.3, 1.0], dtype: .float64)])
        #expect(r.passed, "\(r)")
        let weighted = gradcheck({ xs in binaryCrossEntropy(xs[0], xs[1], weight: Tensor([1, 2, 3], dtype: .float64)) },
                                 inputs: [Tensor([0.2, 0.5, 0.9], dtype: .float64), Tensor([0.0, 0.3, 1.0], dtype: .float64)])
        #expect(weighted.passed, "\(weighted)")
    }

    @Test func binaryCrossEntropyOutsideZeroOneIsAnError() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = binaryCrossEntropy(Tensor([0.5, 1.5] as [Float]), Tensor([0, 1] as [Float]))
        }
        expectStderr(r, contains: ["binaryCrossEntropy", "all elements of input should be between 0 and 1", "1.5"])
        let n = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = binaryCrossEntropy(Tensor([-0.0001] as [Float]), Tensor([0] as [Float]))
        }
        expectStderr(n, contains: ["between 0 and 1"])
        let nan = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = binaryCrossEntropy(Tensor([0.5, .nan], dtype: .float64), Tensor([0, 1], dtype: .float64))
        }
        expectStderr(nan, contains: ["between 0 and 1", "nan"])   // PyTorch rejects NaN too
    }

    // MARK: cross-entropy with every target ignored

    @Test func crossEntropyWithEveryTargetIgnoredIsNaNWithZeroGradient() {
        let logits = f64([1, 2, 3, 4, 5, 6], [2, 3])
        let targets = Tensor([-100, -100])
        let loss = crossEntropy(logits: logits, targets: targets)
        #expect(loss.item().isNaN)           // PyTorch: nan (0 / 0 weight)
        loss.backward()
        #expect(logits.grad!.doubles == [0, 0, 0, 0, 0, 0])
        let smoothed = f64([1, 2, 3, 4, 5, 6], [2, 3])
        let l2 = crossEntropy(logits: smoothed, targets: Tensor([7, 7]), ignoreIndex: 7, labelSmoothing: 0.1)
        #expect(l2.item().isNaN)
        l2.backward()
        #expect(smoothed.grad!.doubles == [0, 0, 0, 0, 0, 0])
        // The sum over no rows is 0, with a zero gradient.
        let s = f64([1, 2, 3], [1, 3])
        let l3 = crossEntropy(logits: s, targets: Tensor([-100]), reduction: .sum)
        #expect(l3.item() == 0)
    }

    // MARK: std / var of a constant row

    @Test func stdOfAConstantRowHasZeroGradient() {
        let x = f64([2, 2, 2, 1, 2, 4], [2, 3])
        x.std(axes: [1]).sum().backward()
        let g = x.grad!.doubles
        #expect(Array(g[0..<3]) == [0, 0, 0])
        #expect(g.allSatisfy { $0.isFinite })
        let v = f64([5, 5, 5])
        v.variance().backward()
        #expect(v.grad!.doubles == [0, 0, 0])
        let all = f64([3, 3])
        all.std(correction: 0).backward()
        #expect(all.grad!.doubles == [0, 0])
        let r = gradcheck({ xs in xs[0].std(axes: [1]) }, inputs: [Tensor([1, 2, 4, -1, 0, 3], shape: [2, 3], dtype: .float64)])
        #expect(r.passed, "\(r)")
    }

    // MARK: cumprod with zeros

    @Test func cumprodGradientIsExactWithZeros() {
        let x = f64([2, 0, 3, 0, 5])
        x.cumprod(axis: 0).sum().backward()
        // d/dx_j Σ_i Π_{k≤i} x_k: x0 → 1, x1 → 2 + 2·3 = 8 (the first zero), x2 → 0, x3 → 0, x4 → 0.
        #expect(x.grad!.doubles == [1, 8, 0, 0, 0])
        let cases: [Tensor] = [
            Tensor([2, 0, 3, 0, 5], dtype: .float64),
            Tensor([0, 1.5, -2, 0.5, 0, 3], shape: [2, 3], dtype: .float64),
            Tensor([1, 2, 3, 4], shape: [2, 2], dtype: .float64),
            Tensor([0, 0, 0], dtype: .float64),
        ]
        for (i, c) in cases.enumerated() {
            let axis = c.rank - 1
            let r = gradcheck({ xs in xs[0].cumprod(axis: axis) * Tensor.linspace(0.5, 1.5, steps: c.count, dtype: .float64).reshape(c.shape) },
                              inputs: [c])
            #expect(r.passed, "case \(i): \(r)")
        }
        let axis0 = gradcheck({ xs in xs[0].cumprod(axis: 0).square() }, inputs: [Tensor([0, 1.5, -2, 0.5, 0, 3], shape: [3, 2], dtype: .float64)])
        #expect(axis0.passed, "\(axis0)")
        // prod uses cumprod inside its gradient: zeros there are exact too.
        let p = gradcheck({ xs in xs[0].prod(axis: 1) }, inputs: [Tensor([0, 2, 3, 0, 0, 4], shape: [2, 3], dtype: .float64)])
        #expect(p.passed, "\(p)")
    }

    // MARK: pow at 0^0

    @Test func powWithATensorExponentAtZeroToTheZero() {
        let x = f64([0, 2, 0, 0])
        let e = f64([0, 3, 2, -1])
        (x.pow(e)).sum().backward()
        let gx = x.grad!.doubles, ge = e.grad!.doubles
        // PyTorch: d/dx = 0 where e == 0; d/de = 0 where x == 0 and e >= 0.
        #expect(gx[0] == 0 && gx[1] == 12 && gx[2] == 0)
        #expect(ge[0] == 0 && Swift.abs(ge[1] - 8 * Foundation.log(2.0)) < 1e-12 && ge[2] == 0)
        #expect(ge[3] == -.infinity)         // 0^-1 = inf, times log 0: PyTorch's -inf
        let r = gradcheck({ xs in xs[0].pow(xs[1]) }, inputs: [Tensor([0.5, 2, 1.5], dtype: .float64), Tensor([0.3, -1, 2], dtype: .float64)])
        #expect(r.passed, "\(r)")
    }

    // MARK: p-norms

    @Test func pNormsAtTheZeroVectorHaveZeroGradient() {
        for p in [0.5, 1, 1.5, 2, 3, Double.infinity, -Double.infinity, 0] {
            let x = f64([0, 0, 0])
            let n = x.norm(p: p)
            #expect(n.item() == 0, "p \(p)")
            n.backward()
            #expect(x.grad!.doubles == [0, 0, 0], "p \(p): \(x.grad!.doubles)")
        }
        let rows = f64([0, 0, 3, 4], [2, 2])
        rows.norm(p: 3, axes: [1]).sum().backward()
        #expect(Array(rows.grad!.doubles[0..<2]) == [0, 0])
        #expect(rows.grad!.doubles.allSatisfy { $0.isFinite })
    }

    @Test func normOfOrderZeroCountsAndMinusInfinityIsTheSmallestMagnitude() {
        let x = Tensor([0, -2, 3, 0, 0.5], dtype: .float64)
        #expect(x.norm(p: 0).item() == 3)
        #expect(x.norm(p: -.infinity).item() == 0)
        #expect(Tensor([-4, 2, -3] as [Double], dtype: .float64).norm(p: -.infinity).item() == 2)
        #expect(Tensor([[0, 1], [2, 3]], dtype: .float64).norm(p: 0, axes: [1]).doubles == [1, 2])
        let cube = Tensor([1, -2, 2], dtype: .float64).norm(p: 3).item()
        #expect(Swift.abs(cube - Foundation.pow(17.0, 1.0 / 3)) < 1e-12)
        for p in [3.0, 1.5, 0.5, -Double.infinity] {
            let r = gradcheck({ xs in xs[0].norm(p: p, axes: [1]) },
                              inputs: [Tensor([0.5, -2, 1.5, 3, -1, 0.7], shape: [2, 3], dtype: .float64)])
            #expect(r.passed, "p \(p): \(r)")
        }
        let zeroGrad = Tensor([1, 0, 2], dtype: .float64).requiringGrad()
        zeroGrad.norm(p: 0).backward()
        #expect(zeroGrad.grad!.doubles == [0, 0, 0])
    }

    // MARK: NaN through relu and friends

    @Test func reluAndMaxWithZeroOpsPropagateNaN() {
        for dtype in [DType.float32, .float64] {
            let x = Tensor([.nan, -1, 2], dtype: dtype)
            let outputs: [(String, Tensor)] = [
                ("relu", x.relu()), ("relu6", x.relu6()), ("hardtanh", x.hardtanh()),
                ("clamp", x.clamp(min: 0)), ("clamp max", x.clamp(max: 0)), ("leakyRelu", x.leakyRelu()),
                ("elu", x.elu()), ("hardsigmoid", x.hardsigmoid()), ("hardswish", x.hardswish()),
                ("maximum", Tensor.maximum(x, Tensor.zeros([], dtype: dtype))),
            ]
            for (name, y) in outputs {
                #expect(y.doubles[0].isNaN, "\(name) \(dtype): \(y.doubles)")
            }
            #expect(x.relu().doubles[1...] == [0, 2])
            // Gradients at NaN as PyTorch's: relu and hardtanh pass g, clamp gives 0, leakyRelu the slope.
            func gradient(_ f: (Tensor) -> Tensor) -> [Double] {
                let v = Tensor([.nan, -1, 2], dtype: dtype, requiresGrad: true)
                f(v).sum().backward()
                return v.grad!.doubles
            }
            #expect(gradient { $0.relu() } == [1, 0, 1])
            #expect(gradient { $0.hardtanh() } == [1, 0, 0])
            #expect(gradient { $0.clamp(min: 0) } == [0, 0, 1])
            #expect(gradient { $0.leakyRelu(negativeSlope: 0.5) } == [0.5, 0.5, 1])
            #expect(ReLU()(x).doubles[0].isNaN)
        }
        // A NaN reaching relu surfaces in the loss instead of silently vanishing.
        let w = Tensor([Double.nan, 1], dtype: .float64).requiringGrad()
        #expect(w.relu().sum().item().isNaN)
    }

    // MARK: scalar division

    @Test func divisionByAScalarIsCorrectlyRounded() {
        // x·(1/s) differs from x/s in the last bit for many x (7·0.1 = 0.7000000000000001).
        let values = (1...200).map { Double($0) * 0.37 - 11 }
        for s in [10.0, 3.0, 0.1, 7.0, 1e-3, -6.5] {
            let x64 = Tensor(values, dtype: .float64)
            let q64 = (x64 / s).doubles
            #expect(q64 == values.map { $0 / s }, "float64 / \(s)")
            #expect(q64 == (x64 / Tensor(s, dtype: .float64)).doubles)
            let x32 = Tensor(values.map { Float($0) })
            let q32 = (x32 / s).scalars
            #expect(q32 == values.map { Float($0) / Float(s) }, "float32 / \(s)")
            #expect(q32 == (x32 / Tensor(s)).scalars)
        }
        #expect((Tensor([7], dtype: .float64) / 10).item() == 0.7)
        // The gradient is g / s.
        let r = gradcheck({ xs in xs[0] / 3 }, inputs: [Tensor([1, 2], dtype: .float64)])
        #expect(r.passed, "\(r)")
        // Integers divide as floats.
        #expect((Tensor([7, 1]) / 2).scalars == [3.5, 0.5])
    }

    // MARK: double backward of the new formulas

    @Test func newBackwardFormulasAreTwiceDifferentiable() {
        let cases: [(String, [Tensor], ([Tensor]) -> Tensor)] = [
            ("binaryCrossEntropy", [Tensor([0.2, 0.5, 0.9], dtype: .float64), Tensor([0.1, 0.3, 1.0], dtype: .float64)],
             { xs in binaryCrossEntropy(xs[0], xs[1], reduction: .none) }),
            ("norm 3", [Tensor([0.5, -2, 1.5, 3, -1, 0.7], shape: [2, 3], dtype: .float64)], { xs in xs[0].norm(p: 3, axes: [1]) }),
            ("norm 0.5", [Tensor([0.5, -2, 1.5], dtype: .float64)], { xs in xs[0].norm(p: 0.5) }),
            ("cumprod with a zero", [Tensor([2, 0, 3, -1.5], dtype: .float64)], { xs in xs[0].cumprod(axis: 0) }),
            ("cumprod", [Tensor([2, 0.5, 3, -1.5], dtype: .float64)], { xs in xs[0].cumprod(axis: 0) }),
            ("std", [Tensor([1, 2, 4, -1, 0, 3], shape: [2, 3], dtype: .float64)], { xs in xs[0].std(axes: [1]) }),
            ("div scalar", [Tensor([1, -2], dtype: .float64)], { xs in (xs[0] / 3).square() }),
            ("pow tensor", [Tensor([0.5, 2, 1.5], dtype: .float64), Tensor([0.3, -1, 2], dtype: .float64)], { xs in xs[0].pow(xs[1]) }),
        ]
        for (name, inputs, f) in cases {
            let r = gradcheck(GC.firstDerivative(f), inputs: inputs)
            #expect(r.passed, "d2 \(name): \(r)")
        }
    }
}
