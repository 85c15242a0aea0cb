import Foundation
import Testing
import SwiftGrad

// Regressions for op_db samples that failed against PyTorch (issue 16, "ops16fail2"): the values
// are torch 2.15's on the CPU, printed by Scripts/conformance/failures_reference.py (its
// "ops16fail2" block). Reduced-precision and float32 kernels that replay PyTorch's roundings are
// compared bit for bit.

@Suite struct ConformanceFailuresTests2 {
    /// Equal, or within `rtol` of `b` relative to |b| itself (so values near a zero are compared
    /// to their own size, not to 1).
    func relativeClose(_ a: [Double], _ b: [Double], rtol: Double) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || Swift.abs($0 - $1) <= rtol * Swift.abs($1) }
    }

    // MARK: Bessel J and Y: Cephes' approximations, as PyTorch

    /// Near the zeros of J₀, J₁, Y₀ and Y₁ (where libm's j0/y1 differ from PyTorch's by up to 1e-9
    /// relative: op_db special.bessel_j0 and special.bessel_y1), at the ends of the |x| ≤ 5
    /// branch, and below 1e-5 (J₀'s two-term series).
    @Test func besselJYAgreeWithPyTorchNearZeros() {
        let x = Tensor([2.404825557695773, 2.4048255576957724, 5.520078110286311, 3.8317059702075125, 0.8935769662791675,
                        2.197141326031017, 5.429681040794135, 1e-6, 4.999, 5.001, 12.5, -7.582430495695129], dtype: .float64)
        #expect(relativeClose(x.besselJ0().doubles, [-9.5868825549231e-17, 9.586882554923103e-17, -1.5721025015468994e-07, -0.40275939608868144, 0.8101238593535642, 0.11195216419050913, -0.030971544799993873, 0.99999999999975, -0.17792430424066327, -0.17726951399779242, 0.14688405469441415, 0.25436337525325325], rtol: 1e-13))
        #expect(relativeClose(x.besselJ1().doubles, [0.5191474972895775, 0.5191474972895777, -0.34026479857983616, -9.335846917510438e-17, 0.40365374069558047, 0.556368438421918, -0.34452509629574074, 4.999999999999375e-07, -0.3274668943322775, -0.3276915196320695, -0.16548380460322024, -0.1551326727141777], rtol: 1e-13))
        let p = x.abs()
        #expect(relativeClose(p.besselY0().doubles, [0.5099243834488885, 0.5099243834488884, -0.33893613426197167, 0.051397672962064114, -1.2738713407300502e-17, 0.5207864124023831, -0.3403180328237711, -8.869031481659443, -0.30836960543120556, -0.30866511451225315, -0.17121430684992747, 0.13813590924132574], rtol: 1e-13))
        #expect(relativeClose(p.besselY1().doubles, [0.1027466824383435, 0.10274668243834341, -0.030470679776223135, 0.4125173954024421, -0.8794208024971949, 1.499169341741158e-14, -4.242937534608569e-07, -636619.772372175, 0.14820120527372926, 0.14752414991869353, -0.15383825655068392, -0.24583123651604585], rtol: 1e-13))
        // PyTorch's special values are kept: NaN at ±∞, −∞ at 0 for Y, NaN below 0 for Y.
        let edge = Tensor([.infinity, 0, -1], dtype: .float64)
        #expect(edge.besselJ0().doubles[0].isNaN && edge.besselJ0().doubles[1] == 1)
        #expect(edge.besselY1().doubles[1] == -.infinity && edge.besselY1().doubles[2].isNaN)
    }

    /// The derivatives (J₀' = −J₁, J₁' = J₀ − J₁/x, Y₀' = −Y₁, Y₁' = Y₀ − Y₁/x) still hold on both
    /// branches of the approximations.
    @Test func besselJYGradients() {
        let x = Tensor([0.3, 2.4048, 4.9, 5.2, 9.7], dtype: .float64, requiresGrad: true)
        #expect(gradcheck({ $0[0].besselJ0() }, inputs: [x]).passed)
        #expect(gradcheck({ $0[0].besselJ1() }, inputs: [x]).passed)
        #expect(gradcheck({ $0[0].besselY0() }, inputs: [x]).passed)
        #expect(gradcheck({ $0[0].besselY1() }, inputs: [x]).passed)
        let negative = Tensor([-0.7, -6.1], dtype: .float64, requiresGrad: true)
        #expect(gradcheck({ $0[0].besselJ1() }, inputs: [negative]).passed)
    }

    // MARK: Transposed convolutions in float16/bfloat16: PyTorch's col2im roundings

    static var ctX: [Double] { [0.0, 5.046875, 5.45703125, 0.8466796875, -4.5390625, -5.75390625, -1.6767578125, 3.94140625, 5.9375, 2.47265625, -3.263671875, -6.0, -3.21875, 2.521484375, 5.9453125, 3.90234375] }
    static var ctW: [Double] { [5.0, 2.701171875, -2.080078125, -4.94921875, -3.267578125, 1.41796875, 4.80078125, 3.76953125, -0.7275390625, -4.5546875, -4.1953125, 0.022125244140625] }

    /// Each column rounded to float16, each tap's addition rounded, the bias added last (op_db
    /// nn.functional.conv_transpose1d float16): bit for bit.
    @Test func convTranspose1dHalfRoundsAsPyTorch() {
        let x = Tensor(Self.ctX, shape: [2, 2, 4], dtype: .float16), w = Tensor(Self.ctW, shape: [2, 2, 3], dtype: .float16)
        let b = Tensor([0.7, -1.3, 2.1, 0.4], dtype: .float16)
        let y = convTranspose1d(x, weight: w, bias: b, stride: 2, padding: 1, outputPadding: 1, dilation: 2, groups: 2)
        #expect(y.dtype == .float16 && y.shape == [2, 4, 10])
        #expect(y.to(.float64).doubles == [0.7001953125, 25.9375, 0.7001953125, 41.59375, 0.7001953125, 9.171875, 0.7001953125, -8.359375, 0.7001953125, -1.060546875, -1.2998046875, -26.28125, -1.2998046875, -44.8125, -1.2998046875, -16.15625, -1.2998046875, 3.671875, -1.2998046875, -0.099609375, 2.099609375, -42.65625, 2.099609375, -24.34375, 2.099609375, 18.875, 2.099609375, 18.171875, 2.099609375, -0.767578125, 0.39990234375, 45.65625, 0.39990234375, 32.09375, 0.39990234375, -10.6484375, 0.39990234375, -16.15625, 0.39990234375, 0.487060546875, 0.7001953125, 29.09375, 0.7001953125, -21.28125, 0.7001953125, -43.28125, 0.7001953125, -8.7109375, 0.7001953125, 13.1875, -1.2998046875, -32.9375, -1.2998046875, 15.203125, -1.2998046875, 42.53125, -1.2998046875, 13.6875, -1.2998046875, -9.8046875, 2.099609375, 2.068359375, 2.099609375, 42.5, 2.099609375, 41.375, 2.099609375, 12.4921875, 2.099609375, -0.740234375, 0.39990234375, 2.416015625, 0.39990234375, -37.3125, 0.39990234375, -42.25, 0.39990234375, -15.8515625, 0.39990234375, 0.486328125])
    }

    /// The same in 3-D and bfloat16, with a stride, padding and dilation per axis (op_db
    /// nn.functional.conv_transpose3d bfloat16).
    @Test func convTranspose3dBFloat16RoundsAsPyTorch() {
        let x = Tensor([7.0, 3.78125, -2.90625, -6.9375, -4.5625, 1.984375, 6.71875, 5.28125, -1.015625, -6.375, -5.875, 0.031005859375],
                       shape: [1, 1, 2, 3, 2], dtype: .bfloat16)
        let w = Tensor([0.0, 3.359375, 3.640625, 0.56640625, -3.03125, -3.828125, -1.1171875, 2.625], shape: [1, 2, 2, 2, 1], dtype: .bfloat16)
        let y = convTranspose3d(x, weight: w, bias: Tensor([1.5, -0.25], dtype: .bfloat16), stride: Size3(1, 2, 1),
                                padding: Size3(0, 1, 0), dilation: Size3(1, 1, 2))
        #expect(y.dtype == .bfloat16 && y.shape == [1, 2, 3, 4, 2])
        #expect(y.to(.float64).doubles == [25.0, 14.1875, 1.5, 1.5, -8.25, -21.75, 1.5, 1.5, 28.125, 21.375, -9.0625, -23.75, -3.5625, -23.75, -15.125, 8.75, 5.3125, 4.5, -2.203125, -21.75, 0.92578125, -2.109375, -19.875, 1.609375, -27.0, -14.75, 8.5625, 20.75, 10.875, 26.25, 13.5625, -6.25, -7.625, -10.5625, 6.0625, 26.875, -3.984375, 5.875, 22.625, -2.5625, 17.375, 13.625, 0.8828125, 6.875, -2.921875, -17.0, 6.3125, -0.28515625])
    }

    /// The roundings are recorded casts, so the gradients are the float32 convolution's up to the
    /// dtype's rounding; 2-D goes the same way.
    @Test func convTransposeHalfGradientsFollowFloat32() {
        let xh = Tensor(Self.ctX, shape: [1, 4, 2, 2], dtype: .float16, requiresGrad: true)
        let wh = Tensor(Self.ctW, shape: [4, 1, 3, 1], dtype: .float16, requiresGrad: true)
        let up = Tensor((0..<24).map { Double($0 % 7) - 3 }, shape: [1, 2, 3, 4], dtype: .float16)
        let yh = convTranspose2d(xh, weight: wh, stride: Size2(2, 3), padding: Size2(1, 0), groups: 2)
        let gh = grad(of: (yh * up).sum(), wrt: [xh, wh]).map { $0!.to(.float64).doubles }
        let x32 = Tensor(Self.ctX, shape: [1, 4, 2, 2], dtype: .float32, requiresGrad: true)
        let w32 = Tensor(Self.ctW, shape: [4, 1, 3, 1], dtype: .float32, requiresGrad: true)
        let y32 = convTranspose2d(x32, weight: w32, stride: Size2(2, 3), padding: Size2(1, 0), groups: 2)
        #expect(yh.shape == y32.shape)
        let g32 = grad(of: (y32 * up.to(.float32)).sum(), wrt: [x32, w32]).map { $0!.doubles }
        for (h, f) in zip(gh, g32) {
            #expect(h.count == f.count && zip(h, f).allSatisfy { Swift.abs($0 - $1) <= 1e-3 + 2e-3 * Swift.abs($1) })
        }
        // Values agree with float32 to the dtype's precision.
        let values = zip(yh.to(.float64).doubles, y32.doubles)
        #expect(values.allSatisfy { Swift.abs($0 - $1) <= 0.05 + 2e-3 * Swift.abs($1) })
    }

    // MARK: matrixExp in float32: PyTorch's Taylor algorithm, in float32

    static var mexpInput: [Double] { [0.0, 3.9666593074798584, -1.0221648216247559, -3.7032582759857178, 1.9764540195465088, 3.19394850730896, -2.7995009422302246, -2.4725465774536133, 3.43664813041687, 1.5869616270065308, -3.8455898761749268, -0.5959931015968323, 3.999171733856201, -0.43454790115356445, -3.887192726135254, 1.436233401298523, 3.5170907974243164, -2.3425543308258057] }

    /// A batch (every matrix by degree 18 with squarings: op_db matrix_exp float32) and one matrix
    /// scaled into each degree's range (4, 8, 12, 18 without and with squarings): bit for bit.
    @Test func matrixExpFloat32AsPyTorch() {
        let a = Tensor(Self.mexpInput, shape: [2, 3, 3], dtype: .float32)
        #expect(Linalg.matrixExp(a).doubles == [2.2822818756103516, -11.619136810302734, 1.7118382453918457, 11.561135292053223, -2.2042598724365234, -10.735437393188477, 7.457425117492676, 9.196857452392578, -8.827356338500977, 0.4665880799293518, 0.028505414724349976, 0.5260628461837769, -0.2764005661010742, 0.1092260330915451, 0.5059432983398438, 0.3244621455669403, -0.701888382434845, 0.8564048409461975])
        let m = a.select(axis: 0, index: 0)
        let want: [(Double, [Double])] = [
            (1.0 / 256, [0.9999091029167175, 0.015573366545140743, -0.003922209609299898, -0.014589807018637657, 1.0075764656066895, 0.012637435458600521, -0.010938377119600773, -0.009845882654190063, 1.0134755373001099]),
            (1.0 / 32, [0.9938980340957642, 0.1287488043308258, -0.027075188234448433, -0.12359496206045151, 1.051849365234375, 0.11023400723934174, -0.0873304083943367, -0.08955302834510803, 1.1104072332382202]),
            (1.0 / 8, [0.886851966381073, 0.5549792647361755, -0.029864050447940826, -0.5810900926589966, 1.048413634300232, 0.5686144232749939, -0.32613059878349304, -0.5183804631233215, 1.4597113132476807]),
            (0.5, [-1.316750407218933, 0.677607536315918, 2.1421384811401367, -1.92181396484375, -3.333089828491211, 3.038403272628784, 0.8639430999755859, -3.9532315731048584, 1.1547596454620361]),
            (4.0, [18894.208984375, -26468.24609375, -12072.6455078125, 35224.1640625, 24902.705078125, -41641.0703125, 7734.70458984375, 45292.83203125, -19405.166015625])]
        for (scale, values) in want {
            #expect(Linalg.matrixExp(m * scale).doubles == values, "scale \(scale)")
        }
        // A NaN entry gives NaN; 1×1 and empty matrices as before.
        #expect(Linalg.matrixExp(Tensor([1, .nan, 0, 1], shape: [2, 2], dtype: .float32)).doubles.allSatisfy { $0.isNaN })
        #expect(Linalg.matrixExp(Tensor([0.5], shape: [1, 1], dtype: .float32)).item() == Double(Float(exp(0.5))))
        #expect(Linalg.matrixExp(Tensor.zeros([0, 3, 3], dtype: .float32)).shape == [0, 3, 3])
    }

    /// The float32 value is recorded as before: its gradient is the float32 adjoint Fréchet
    /// derivative, close to the float64 one; float64 keeps its Padé algorithm (gradcheck).
    @Test func matrixExpFloat32Gradient() {
        let a = Tensor(Self.mexpInput.prefix(9).map { $0 / 8 }, shape: [3, 3], dtype: .float32, requiresGrad: true)
        let g32 = grad(of: Linalg.matrixExp(a).sum(), wrt: [a])[0]!.doubles
        let a64 = a.detach().to(.float64)
        a64.requiresGrad = true
        let g64 = grad(of: Linalg.matrixExp(a64).sum(), wrt: [a64])[0]!.doubles
        #expect(zip(g32, g64).allSatisfy { Swift.abs($0 - $1) <= 1e-5 * (1 + Swift.abs($1)) })
        let b = Tensor([0.3, -0.8, 1.1, 0.2], shape: [2, 2], dtype: .float64, requiresGrad: true)
        #expect(gradcheck({ Linalg.matrixExp($0[0]) }, inputs: [b]).passed)
    }

    // MARK: addr and the norms in float16/bfloat16

    /// PyTorch's addr kernel holds beta and alpha in the dtype (op_db addr bfloat16).
    @Test func addrRoundsBetaAndAlphaToTheDtype() {
        let v1 = Tensor([0.69921875, -1.296875, 2.09375, 0.400390625], dtype: .bfloat16)
        let v2 = Tensor([2.09375, -3.890625, 6.28125], dtype: .bfloat16)
        let y = Tensor(-8.5, dtype: .bfloat16).addr(v1, v2, beta: 0.6, alpha: 0.2)
        #expect(y.dtype == .bfloat16 && y.shape == [4, 3])
        #expect(y.to(.float64).doubles == [-4.84375, -5.65625, -4.25, -5.65625, -4.125, -6.75, -4.25, -6.75, -2.484375, -4.96875, -5.4375, -4.625])
    }

    /// float16 batch and instance norm keep the variance in float32 (bfloat16 stores it), and
    /// x·α + β is one fused rounding (op_db nn.functional.instance_norm float16): bit for bit.
    @Test func instanceNormFloat16AsPyTorch() {
        let x = Tensor([7.0, 4.2421875, -1.4970703125, -4.94140625, -2.921875, 2.701171875, 6.76171875, 5.5234375, 0.126953125, -4.46484375, -4.03515625, 1.0263671875, 6.0625, 6.4453125, 1.8203125, -3.55859375, -4.74609375, -0.65087890625, 4.9609375, 6.93359375, 3.44921875, -2.287109375, -5.0, -2.197265625, 3.544921875, 6.9453125, 4.8828125, -0.7529296875, -4.77734375, -3.48828125],
                       shape: [2, 3, 5], dtype: .float16)
        let y = instanceNorm(x, weight: Tensor([-8.48, -1.766, 2.5], dtype: .float16), bias: Tensor([3.611, -8.07, 0.25], dtype: .float16), eps: 0.6)
        #expect(y.dtype == .float16)
        #expect(y.to(.float64).doubles == [-8.671875, -3.556640625, 7.0859375, 13.46875, 9.7265625, -8.3203125, -10.0703125, -9.53125, -7.20703125, -5.2265625, -3.779296875, -0.54150390625, 2.6796875, 2.923828125, -0.033599853515625, 11.1171875, 13.2734375, 5.85546875, -4.30859375, -7.87890625, -10.0625, -7.16796875, -5.80078125, -7.21484375, -10.109375, 3.666015625, 2.5625, -0.453857421875, -2.607421875, -1.91796875])
    }
}
