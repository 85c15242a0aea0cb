import Testing
import SwiftGrad

/// The fused LSTM cell against the same step written with ordinary ops, its gradients (kernel path)
/// and its second derivatives (composed path used under createGraph).
@Suite struct RecurrentCellTests {
    func reference(_ pre: Tensor, _ c: Tensor) -> (Tensor, Tensor) {
        let g = pre.chunk(4, axis: 1)
        let c1 = g[1].sigmoid() * c + g[0].sigmoid() * g[2].tanh()
        return (g[3].sigmoid() * c1.tanh(), c1)
    }

    @Test(arguments: [DType.float32, .float64])
    func matchesComposedStep(dtype: DType) {
        let gen = Generator(seed: 7)
        let pre = Tensor.randn([5, 4 * 19], dtype: dtype, generator: gen) * 2   // 19: exercises the SIMD tail
        let c = Tensor.randn([5, 19], dtype: dtype, generator: gen)
        let (h1, c1) = lstmCell(gates: pre, cell: c)
        let (h2, c2) = reference(pre, c)
        let tol = dtype == .float32 ? 1e-6 : 1e-12
        #expect(h1.allClose(h2, rtol: tol, atol: tol))
        #expect(c1.allClose(c2, rtol: tol, atol: tol))
    }

    @Test func gradcheckKernelBackward() {
        let gen = Generator(seed: 8)
        let pre = Tensor.randn([3, 8], dtype: .float64, generator: gen), c = Tensor.randn([3, 2], dtype: .float64, generator: gen)
        let r = gradcheck({ xs in
            let (h, c1) = lstmCell(gates: xs[0], cell: xs[1])
            return h * 1.5 + c1.square()
        }, inputs: [pre, c])
        #expect(r.passed, "\(r)")
    }

    @Test func secondDerivativesMatchComposedStep() {
        let gen = Generator(seed: 9)
        let pre = Tensor.randn([2, 12], dtype: .float64, generator: gen).requiringGrad()
        let c = Tensor.randn([2, 3], dtype: .float64, generator: gen).requiringGrad()
        func objective(_ f: (Tensor, Tensor) -> (Tensor, Tensor)) -> [Double] {
            let (h, c1) = f(pre, c)
            let first = grad(of: (h * h).sum() + c1.sum(), wrt: [pre, c], createGraph: true)
            let second = grad(of: first[0]!.square().sum() + first[1]!.sum(), wrt: [pre, c])
            return second[0]!.doubles + second[1]!.doubles
        }
        let fused = objective { lstmCell(gates: $0, cell: $1) }
        let plain = objective(reference)
        for (a, b) in zip(fused, plain) { #expect(Swift.abs(a - b) <= 1e-10 * Swift.max(1, Swift.abs(b))) }
    }
}
