import Foundation
import Testing
@testable import SwiftGrad

/// The Bessel, Airy, error-function and polynomial family of torch.special and the signal windows:
/// values against PyTorch 2.x (printed by `torch.special`/`torch.signal.windows` in float64), and
/// gradchecks beyond the registry's (the K family across the series/continued-fraction switch at 2,
/// erfcx and log Φ deep in their tails).
@Suite struct SpecialBesselPolynomialTests {
    static var x: Tensor { Tensor([0.5, 1.7, 3.2, 9.0], dtype: .float64) }

    static func close(_ t: Tensor, _ want: [Double], rtol: Double = 1e-8, _ what: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let got = t.to(.float64).doubles
        #expect(got.count == want.count, "\(what): \(got.count) values", sourceLocation: sourceLocation)
        for (a, b) in zip(got, want) {
            #expect(Swift.abs(a - b) <= rtol * Swift.abs(b) + 1e-15, "\(what): \(a), PyTorch \(b)", sourceLocation: sourceLocation)
        }
    }

    @Test func besselFunctionsMatchPyTorch() {
        let x = Self.x
        Self.close(x.besselJ0(), [0.938469807240813, 0.39798485944611056, -0.32018816967580843, -0.09033361064231044], "j0")
        Self.close(x.besselJ1(), [0.24226845767487387, 0.5777652315290237, 0.2613432487854982, 0.24531178612114143], "j1")
        Self.close(x.besselY0(), [-0.4445187335067066, 0.45202700018163705, 0.3070532501410844, 0.24993669848887798], "y0")
        Self.close(x.besselY1(), [-1.4714723926702433, -0.28472624506406835, 0.37071133845455384, 0.1043145763957894], rtol: 3e-8, "y1")   // PyTorch's Y1 is within ~1e-9 absolute of libm's
        Self.close(x.modifiedBesselI0(), [1.0634833707413236, 1.8639649620738397, 5.747207187180551, 1093.5883545113745], "i0")
        Self.close(x.modifiedBesselI1(), [0.25789430539089636, 1.1963465656344825, 4.734253894709621, 1030.9147225169565], "i1")
        Self.close(x.modifiedBesselK0(), [0.924419071227666, 0.16549631805699655, 0.02759499767510061, 5.0881312956459246e-05], "k0")
        Self.close(x.modifiedBesselK1(), [1.6564411200033007, 0.20936248820408243, 0.031642895211398764, 5.363701637945195e-05], "k1")
        Self.close(x.scaledModifiedBesselK0(), [1.5241093857739099, 0.9059181385685514, 0.6769751137535681, 0.41229554923141803], "k0e")
        Self.close(x.scaledModifiedBesselK1(), [2.7310097082117855, 1.1460392462302538, 0.7762802822976071, 0.43462524534743463], "k1e")
        Self.close(x.sphericalBesselJ0(), [0.958851077208406, 0.5833322414426286, -0.018241919821118776, 0.04579094280463962], "sph j0")
        Self.close(x.erfcx(), [0.6156903441929258, 0.2916632970753434, 0.16872809681188433, 0.06230772403777468], "erfcx")
        Self.close(x.logNdtr(), [-0.36894641528865635, -0.045589029170068934, -0.0006873741253904892, -1.1285884059538295e-19], "log_ndtr")
        // PyTorch's own rational approximations are good to about 1e-8 to 2e-6 on the negative side
        // (its -0.11232483666 at -2.5; the series gives -0.11232507).
        Self.close(Tensor([-8.0, -2.5, 0, 1.5, 6], dtype: .float64).airyAi(),
                   [-0.05270505035638643, -0.11232483666261353, 0.3550280538878172, 0.07174949700810533, 9.947694360252897e-06],
                   rtol: 3e-6, "airy_ai")
        Self.close(Tensor([-30.0], dtype: .float64).logNdtr(), [-454.32124395634327], "log_ndtr tail")
    }

    @Test func edgeValuesAndDTypes() {
        let special = Tensor([Double.infinity, -.infinity, 0, -1], dtype: .float64)
        #expect(special.besselJ0().doubles.prefix(2).allSatisfy { $0.isNaN })
        #expect(special.modifiedBesselK0().doubles[0] == 0 && special.modifiedBesselK0().doubles[2] == .infinity)
        #expect(special.modifiedBesselK0().doubles[3].isNaN)
        #expect(special.besselY0().doubles[2] == -.infinity)
        #expect(special.erfcx().doubles[0] == 0 && special.erfcx().doubles[1] == .infinity)
        #expect(special.sphericalBesselJ0().doubles == [0, 0, 1, sin(1.0)])
        // Integers compute in float32, as PyTorch's.
        #expect(Tensor([1, 2]).besselJ0().dtype == .float32)
        #expect(Tensor([1, 2]).chebyshevPolynomialT(Tensor([2, 3])).dtype == .float32)
        #expect(Tensor([1.0, 2], dtype: .bfloat16).erfcx().dtype == .bfloat16)
        // The result of the non-differentiable airy_ai is not on the graph.
        #expect(!Tensor([1.0], dtype: .float64, requiresGrad: true).airyAi().requiresGrad)
    }

    @Test func polynomialsMatchPyTorch() {
        let x = Tensor([-0.6, 0.3, 0.9, 1.4], dtype: .float64), n = Tensor([3.0, 4, 10, 2], dtype: .float64)
        Self.close(x.chebyshevPolynomialT(n), [0.9359999999999999, 0.34480000000000005, -0.2007474688000007, 2.9199999999999995], "T")
        Self.close(x.chebyshevPolynomialU(n), [0.6720000000000002, 0.04960000000000005, -2.223457177600001, 6.839999999999999], "U")
        Self.close(x.chebyshevPolynomialV(n), [0.2320000000000001, 1.0336, 0.02399805439999946, 4.039999999999999], rtol: 1e-10, "V")
        Self.close(x.chebyshevPolynomialW(n), [1.1119999999999999, -0.9344, -4.4709124096, 9.639999999999999], "W")
        Self.close(x.shiftedChebyshevPolynomialT(n), [-35.99200000000001, -0.07520000000000006, 0.9884965888000002, 5.479999999999999], "T*")
        Self.close(x.hermitePolynomialH(n), [5.4719999999999995, 7.8096, 26314.366684262404, 5.839999999999999], "H")
        Self.close(x.hermitePolynomialHe(n), [1.5839999999999999, 2.4681, 1131.3204839901, 0.9599999999999997], "He")
        Self.close(x.laguerrePolynomialL(n), [3.376, 0.05233750000000013, 0.28993145554178834, -0.82], "L")
        Self.close(x.legendrePolynomialP(n), [0.36000000000000004, 0.07293749999999997, -0.26314561785585977, 2.4399999999999995], "P")
        // A negative degree gives 0; a fractional one is truncated; n broadcasts.
        #expect(x.chebyshevPolynomialT(Tensor(-2.0, dtype: .float64)).doubles == [0, 0, 0, 0])
        #expect(x.hermitePolynomialHe(Tensor(2.9, dtype: .float64)).doubles == x.hermitePolynomialHe(Tensor(2.0, dtype: .float64)).doubles)
        Self.close(Tensor([2.0, 3.5], dtype: .float64).zeta(Tensor([1.0, 2.5], dtype: .float64)),
                   [1.6449340668482266, 0.06517125158965971], "zeta")
    }

    @Test func gradientsAcrossTheirRanges() {
        // K₀, K₁ and their scaled forms on both sides of the switch at 2.
        let k = Tensor([0.3, 1.2, 1.99, 2.01, 3.5, 12], dtype: .float64)
        let functions: [(Tensor) -> Tensor] = [{ $0.modifiedBesselK0() }, { $0.modifiedBesselK1() }, { $0.scaledModifiedBesselK0() },
                                               { $0.scaledModifiedBesselK1() }, { $0.besselY1() }, { $0.besselJ1() }, { $0.modifiedBesselI1() }]
        for f in functions {
            #expect(gradcheck({ f($0[0]) }, inputs: [k]).passed)
        }
        // erfcx and log Φ far into their tails (where erfc and Φ underflow).
        let tails = Tensor([-2, -1.2, 0.4, 3, 30], dtype: .float64)
        #expect(gradcheck({ $0[0].erfcx() }, inputs: [tails]).passed)
        #expect(gradcheck({ ($0[0] * 8).logNdtr() }, inputs: [tails]).passed)
        // The order-1 derivatives' limits at 0 (½ for J₁ and I₁, 0 for j₀).
        let z = Tensor([0.0], dtype: .float64, requiresGrad: true)
        let g = grad(of: (z.besselJ1() + z.modifiedBesselI1() + z.sphericalBesselJ0()).sum(), wrt: [z])[0]!
        #expect(g.doubles == [1])
        // Double backward through the family.
        #expect(gradcheck(GC.firstDerivative { $0[0].modifiedBesselK1() * $0[0].besselJ0() },
                          inputs: [Tensor([0.7, 2.6], dtype: .float64)]).passed)
    }

    @Test func signalWindowsMatchPyTorch() {
        Self.close(SignalWindows.hann(5, dtype: .float64), [0, 0.49999999999999994, 1, 0.5000000000000001, 0], "hann")
        Self.close(SignalWindows.hamming(4, sym: false, dtype: .float64), [0.08000000000000007, 0.54, 1, 0.5400000000000001], "hamming")
        Self.close(SignalWindows.kaiser(6, beta: 5, dtype: .float64),
                   [0.036710892271286676, 0.4149036392433668, 0.9138124838692001, 0.9138124838692001, 0.4149036392433668, 0.036710892271286676],
                   "kaiser")
        Self.close(SignalWindows.gaussian(5, std: 1.5, dtype: .float64),
                   [0.41111229050718756, 0.8007374029168081, 1, 0.8007374029168081, 0.41111229050718756], "gaussian")
        Self.close(SignalWindows.exponential(6, center: 2, tau: 1.5, sym: false, dtype: .float64),
                   [0.26359713811572677, 0.513417119032592, 1, 0.513417119032592, 0.2635971381157267, 0.1353352832366127], "exponential")
        Self.close(SignalWindows.bartlett(5, dtype: .float64), [0, 0.5, 1, 0.5, 0], "bartlett")
        Self.close(SignalWindows.cosine(4, dtype: .float64), [0.3826834323650898, 0.9238795325112867, 0.9238795325112867, 0.3826834323650899], "cosine")
        Self.close(SignalWindows.nuttall(4, dtype: .float64), [0.0003628000000000381, 0.5292297999999999, 0.5292297999999998, 0.0003628000000000381],
                   rtol: 1e-10, "nuttall")
        #expect(SignalWindows.blackman(5, dtype: .float64).doubles.enumerated().allSatisfy { i, v in
            Swift.abs(v - [0, 0.34, 1, 0.34, 0][i]) < 1e-15 })
        #expect(SignalWindows.hann(0).shape == [0] && SignalWindows.hann(1).doubles == [1] && SignalWindows.hann(3).dtype == .float32)
    }
}
