import Testing
import CKernels
@testable import SwiftGrad

/// Adam's and AdamW's float32 update on eight lanes (Sources/CKernels/AdamKernel.c) against the
/// Swift loop it stands in for: the same bits after several steps (both paths perform the same IEEE
/// operations in the same order), for lerp weights below and above one half, with and without
/// decoupled decay, at a length with a tail; and independent of how the range is cut.
@Suite struct AdamKernelTests {
    /// The parameter after five steps of `Adam`/`AdamW` on sin-shaped gradients, with the C kernel on
    /// or off (off: the Swift loop).
    static func trajectory(useC: Bool, decoupled: Bool, betas: (Double, Double), weightDecay: Double) -> [UInt32] {
        VectorMath.$cKernels.withValue(useC) {
            let w = Tensor.randn([1003], generator: Generator(seed: 11)).requiringGrad()
            let opt: Optimizer = decoupled
                ? AdamW([w], lr: 0.01, betas: betas, eps: 1e-6, weightDecay: weightDecay)
                : Adam([w], lr: 0.01, betas: betas, eps: 1e-6)
            for _ in 0..<5 {
                opt.zeroGrad()
                (w.sin() * w).sum().backward()
                opt.step()
            }
            return w.scalars.map(\.bitPattern)
        }
    }

    /// beta1 0.9 takes lerp's a + w·(b − a) branch (w = 0.1), beta1 0.3 its b − (b − a)·(1 − w) one.
    @Test(arguments: [false, true], [0.9, 0.3])
    func sameBitsAsTheSwiftLoop(decoupled: Bool, beta1: Double) {
        guard Kernels.ownKernels else { return }
        let c = Self.trajectory(useC: true, decoupled: decoupled, betas: (beta1, 0.999), weightDecay: 0.05)
        let swift = Self.trajectory(useC: false, decoupled: decoupled, betas: (beta1, 0.999), weightDecay: 0.05)
        #expect(c == swift)
        #expect(c != Tensor.randn([1003], generator: Generator(seed: 11)).scalars.map(\.bitPattern), "the parameter moved")
    }

    @Test func rangesCutAnywhereGiveTheSameBits() {
        guard Kernels.ownKernels else { return }
        let n = 37
        let g0 = Tensor.randn([n], generator: Generator(seed: 3)).scalars
        let m0 = Tensor.randn([n], generator: Generator(seed: 4)).scalars
        let v0 = Tensor.rand([n], generator: Generator(seed: 5)).scalars
        let p0 = Tensor.randn([n], generator: Generator(seed: 6)).scalars
        func run(_ cuts: [Int]) -> [Float] {
            var p = p0, m = m0, v = v0
            let bounds = [0] + cuts + [n]
            for (lo, hi) in zip(bounds, bounds.dropFirst()) {
                sg_adam_f32_avx2(&p, g0, &m, &v, lo, hi, 0.1, 0.999, 0.001, -0.01, 0.3, 1e-8, 0.999, 1)
            }
            return p + m + v
        }
        let whole = run([]).map(\.bitPattern)
        #expect(run([3, 11, 20]).map(\.bitPattern) == whole)
        #expect(run([1, 2, 35]).map(\.bitPattern) == whole)
    }
}
