import Foundation
import Testing
@testable import SwiftGrad

/// The math family (tan ... i0, lerp, addcmul) against PyTorch (Resources/opsmath_fixtures.json,
/// written by make_opsmath_fixtures.py): values in float64 and float32, gradients in float64, edge
/// values (poles, domain ends, infinities, NaN); then dtype promotion, views, empty and 0-d tensors.
@Suite struct MathFamilyTests {
    static var ops: [String: (OpsFixtureCase, [Tensor]) -> Tensor] { [
        "tan": { $1[0].tan() }, "asin": { $1[0].asin() }, "acos": { $1[0].acos() }, "atan": { $1[0].atan() },
        "sinh": { $1[0].sinh() }, "cosh": { $1[0].cosh() }, "asinh": { $1[0].asinh() }, "acosh": { $1[0].acosh() },
        "atanh": { $1[0].atanh() }, "log2": { $1[0].log2() }, "log10": { $1[0].log10() }, "exp2": { $1[0].exp2() },
        "erfc": { $1[0].erfc() }, "erfinv": { $1[0].erfinv() }, "lgamma": { $1[0].lgamma() },
        "digamma": { $1[0].digamma() }, "i0": { $1[0].i0() }, "special_i1": { $1[0].i1() }, "sinc": { $1[0].sinc() },
        "logit": { $1[0].logit() }, "deg2rad": { $1[0].deg2rad() }, "rad2deg": { $1[0].rad2deg() },
        "frac": { $1[0].frac() }, "floor": { $1[0].floor() }, "ceil": { $1[0].ceil() }, "round": { $1[0].round() },
        "trunc": { $1[0].trunc() },
        "round_decimals": { $1[0].round(decimals: $0.args.int("decimals")!) },
        "logit_eps": { $1[0].logit(eps: $0.args.double("eps")!) },
        "polygamma": { $1[0].polygamma($0.args.int("n")!) },
        "atan2": { $1[0].atan2($1[1]) }, "hypot": { $1[0].hypot($1[1]) }, "copysign": { $1[0].copysign($1[1]) },
        "logaddexp": { $1[0].logaddexp($1[1]) }, "logaddexp2": { $1[0].logaddexp2($1[1]) },
        "xlogy": { $1[0].xlogy($1[1]) }, "heaviside": { $1[0].heaviside($1[1]) },
        "lerp_scalar": { $1[0].lerp($1[1], weight: $0.args.double("weight")!) },
        "lerp_tensor": { $1[0].lerp($1[1], weight: $1[2]) },
        "addcmul": { $1[0].addcmul($1[1], $1[2], value: $0.args.double("value")!) },
        "addcdiv": { $1[0].addcdiv($1[1], $1[2], value: $0.args.double("value")!) },
    ] }

    @Test func matchesPyTorch() {
        let (failures, ran) = OpsFixture.run("opsmath_fixtures", Self.ops, rtol: 1e-9, atol: 1e-12)
        #expect(ran == 127)
        #expect(failures.isEmpty, "\(failures.count) mismatches:\n\(failures.prefix(30).joined(separator: "\n"))")
    }

    @Test func integerAndBoolInputsPromoteAsPyTorch() {
        let i = Tensor([1, 2, 0, -3])
        #expect(i.tan().dtype == .float32 && i.lgamma().dtype == .float32 && i.erfinv().dtype == .float32)
        #expect(i.deg2rad().dtype == .float32 && i.sinc().dtype == .float32 && i.logit().dtype == .float32)
        #expect(i.ne(0).exp2().doubles == [2, 2, 1, 2])
        #expect(i.atan2(i).dtype == .float32 && i.xlogy(i).dtype == .float32 && i.copysign(i).dtype == .float32)
        // Rounding keeps integers as they are.
        for r in [i.floor(), i.ceil(), i.round(), i.trunc()] { #expect(r.dtype == .int64 && r.doubles == [1, 2, 0, -3]) }
        #expect(i.heaviside(Tensor([7])).doubles == [1, 1, 7, 0])
        #expect(i.addcmul(i, i, value: 2).dtype == .int64)
        #expect(i.addcmul(i, i, value: 2).doubles == [3, 10, 0, 15])
        #expect(Tensor.xlogy(2, Tensor([1.0, 3.0], dtype: .float64)).allClose(Tensor([0, 2 * Foundation.log(3.0)], dtype: .float64)))
    }

    @Test func halfPrecisionComputesInFloat32AndRoundsOnce() {
        let x = Tensor([0.1, 0.5, -0.7, 0.9] as [Float])
        for (h, f) in [(x.to(.float16).erfinv(), x.to(.float16).to(.float32).erfinv()),
                       (x.to(.bfloat16).digamma(), x.to(.bfloat16).to(.float32).digamma()),
                       (x.to(.float16).atan2(x.to(.float16)), x.to(.float16).to(.float32).atan2(x.to(.float16).to(.float32)))] {
            #expect(h.dtype != .float32)
            #expect(h.doubles == f.to(h.dtype).doubles)
        }
    }

    @Test func viewsEmptyAndZeroDimensional() {
        let base = GC.randn([3, 4], seed: 41)
        let v = base.t()
        #expect(v.tan().doubles == v.contiguous().tan().doubles)
        #expect(v.polygamma(2).doubles.count == 12)
        let stepped = GC.randn([4, 6], seed: 46)[.all, .slice(0, nil, step: 2)]
        #expect(v.atan2(stepped).doubles == v.contiguous().atan2(stepped.contiguous()).doubles)
        let empty = Tensor.zeros([0, 3], dtype: .float64)
        #expect(empty.lgamma().shape == [0, 3] && empty.hypot(empty).shape == [0, 3] && empty.round(decimals: 2).shape == [0, 3])
        let scalar = Tensor.full([], 0.5, dtype: .float64)
        #expect(scalar.erfinv().shape == [] && Swift.abs(scalar.erfinv().item() - 0.4769362762044699) < 1e-15)
        #expect(scalar.logaddexp(Tensor([1.0, 2.0], dtype: .float64)).shape == [2])
    }

    @Test func xlogyGradientIsZeroWhereXAndYAreZero() {
        let x = Tensor([0.0, 0.0, 2.0], dtype: .float64, requiresGrad: true)
        let y = Tensor([0.0, -1.0, 3.0], dtype: .float64, requiresGrad: true)
        x.xlogy(y).sum().backward()
        #expect(x.grad!.doubles[0] == 0 && x.grad!.doubles[1] == 0)
        #expect(Swift.abs(x.grad!.doubles[2] - Foundation.log(3.0)) < 1e-15)
    }

    @Test func specialFunctionIdentities() {
        let x = GC.positive([8], seed: 42) * 3
        // ψ(x + 1) = ψ(x) + 1/x; Γ(x + 1) = xΓ(x); erf(erfinv(y)) = y; I₀' = I₁ (gradcheck covers it).
        #expect((x + 1).digamma().allClose(x.digamma() + 1 / x, rtol: 1e-13, atol: 1e-13))
        #expect((x + 1).lgamma().allClose(x.lgamma() + x.log(), rtol: 1e-13, atol: 1e-13))
        let y = Tensor([-0.999999, -0.5, 0, 0.3, 0.9, 0.9999999999], dtype: .float64)
        #expect(y.erfinv().erf().allClose(y, rtol: 1e-15, atol: 1e-16))
        // ψ⁽ⁿ⁾ with n ≥ 2 through ζ: ψ''(1) = -2ζ(3).
        #expect(Swift.abs(Tensor([1.0], dtype: .float64).polygamma(2).item() + 2 * 1.2020569031595942) < 1e-14)
    }

    @Test func gradcheckOverBroadcastAndSecondDerivatives() {
        let a = GC.randn([2, 3], seed: 43), b = GC.positive([3], seed: 44), w = GC.positive([2, 1], seed: 45) - 0.7
        #expect(gradcheck({ $0[0].lerp($0[1], weight: $0[2]) }, inputs: [a, b, w]).passed)
        #expect(gradcheck({ $0[0].addcdiv($0[1], $0[2], value: 0.5) + $0[0].addcmul($0[1], $0[2]) }, inputs: [a, b, b]).passed)
        #expect(gradcheck({ $0[0].sinc() + ($0[1] * 0.3).logit(eps: 0.1) }, inputs: [a, b]).passed)
        // Second derivatives through the recorded backward formulas.
        for f in [{ (x: Tensor) in x.lgamma() }, { $0.i0() }, { $0.erfinv() }, { $0.logaddexp($0 * 0.5) }, { $0.xlogy($0) }] {
            #expect(gradcheck(GC.firstDerivative { f($0[0] * 0.4 + 0.6) }, inputs: [b]).passed)
        }
    }
}

@Suite struct MisuseMessageTestsOpsMath {
    static let cases: [MisuseCase] = [
        MisuseCase(["floor", "bool", "[2]"]) { _ = Tensor([1, 0]).ne(0).floor() },
        MisuseCase(["frac", "int64", "[2]"]) { _ = Tensor([1, 2]).frac() },
        MisuseCase(["round", "decimals 2", "int64", "[2]"]) { _ = Tensor([1, 2]).round(decimals: 2) },
        MisuseCase(["hypot", "int64", "[2]", "[1]"]) { _ = Tensor([1, 2]).hypot(Tensor([3])) },
        MisuseCase(["logaddexp", "[2]", "[3]"]) { _ = Tensor.ones([2]).logaddexp(Tensor.ones([3])) },
        MisuseCase(["polygamma", "-1", "[2]"]) { _ = Tensor.ones([2]).polygamma(-1) },
        MisuseCase(["lerp", "float32 [2]", "float64 [2]"]) { _ = Tensor.ones([2]).lerp(Tensor.ones([2], dtype: .float64), weight: 0.5) },
        MisuseCase(["heaviside", "int64 [2]", "float32 [1]"]) { _ = Tensor([1, 2]).heaviside(Tensor.ones([1])) },
        MisuseCase(["addcdiv", "int64 [2]", "int64 [1]"]) { _ = Tensor.ones([2]).addcdiv(Tensor([1, 2]), Tensor([1])) },
        MisuseCase(["atan2", "[2, 3]", "[4]"]) { _ = Tensor.ones([2, 3]).atan2(Tensor.ones([4])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOpsMath.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

extension ViewSweepTests {
    @Test func mathFamilyOnViews() {
        sweep("tan acos asinh", [[3, 4]]) { ($0[0] * 0.3).tan() + ($0[0] * 0.2).acos() + $0[0].asinh() }
        sweep("erfinv i0 i1 exp2", [[3, 4]]) { ($0[0] * 0.2).erfinv() + $0[0].i0() + $0[0].i1() + $0[0].exp2() }
        sweep("lgamma digamma polygamma log2", [[3, 4]], positive: true) { $0[0].lgamma() + $0[0].digamma() + $0[0].polygamma(3) + $0[0].log2() }
        sweep("atan2 hypot logaddexp", [[3, 4], [3, 4]]) { $0[0].atan2($0[1]) + $0[0].hypot($0[1]) + $0[0].logaddexp2($0[1]) }
        sweep("xlogy copysign", [[3, 4], [3, 4]], positive: true) { $0[0].xlogy($0[1]) + $0[0].copysign($0[1] - 1) }
        sweep("round floor lerp", [[3, 4], [3, 4]]) { $0[0].round(decimals: 1) + $0[0].floor() + $0[0].lerp($0[1], weight: 0.7) }
    }
}
