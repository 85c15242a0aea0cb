import Testing
import SwiftGrad

/// Activation functions: PyTorch golden values and gradients, gradcheck, stability.
@Suite struct ActivationTests {
    static var ops: [String: (GoldenCase) -> Tensor] { [
        "silu": { $0.inputs[0]!.silu() },
        "softplus": { $0.inputs[0]!.softplus() },
        "gelu": { $0.inputs[0]!.gelu() },
        "gelu_tanh": { $0.inputs[0]!.gelu(approximate: .tanh) },
        "elu": { $0.inputs[0]!.elu() },
        "leaky_relu_0.1": { $0.inputs[0]!.leakyRelu(negativeSlope: 0.1) },
        "hardtanh": { $0.inputs[0]!.hardtanh() },
        "mish": { $0.inputs[0]!.mish() },
    ] }

    @Test func goldenCasesMatchPyTorch() {
        let (failures, ran) = Golden.run(Self.ops)
        #expect(ran == 8)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func softplusDoubleBackwardMatchesPyTorch() {
        let c = Golden.cases(op: "double_backward").first { $0.args.string("fn") == "dd_softplus" }!
        let x = c.inputs[0]!.requiringGrad()
        let dx = grad(of: x.softplus().sum(), wrt: [x], createGraph: true)[0]!
        #expect(Golden.mismatch(dx, c.output!, atol: 1e-9, rtol: 1e-7) == nil)
        dx.sum().backward()
        #expect(Golden.mismatch(x.grad!, c.grads[0]!, atol: 1e-9, rtol: 1e-7) == nil)
    }

    @Test(arguments: ["gelu", "gelu_tanh", "silu", "mish", "softplus", "softplus_beta", "elu", "selu", "leaky_relu",
                      "hardtanh", "hardsigmoid", "hardswish", "log_sigmoid", "softsign"])
    func gradcheckFloat64(_ name: String) {
        let fns: [String: (Tensor) -> Tensor] = [
            "gelu": { $0.gelu() }, "gelu_tanh": { $0.gelu(approximate: .tanh) }, "silu": { $0.silu() },
            "mish": { $0.mish() }, "softplus": { $0.softplus() }, "softplus_beta": { $0.softplus(beta: 2, threshold: 3) },
            "elu": { $0.elu(alpha: 0.7) }, "selu": { $0.selu() }, "leaky_relu": { $0.leakyRelu(negativeSlope: 0.2) },
            "hardtanh": { $0.hardtanh(min: -0.5, max: 0.8) }, "hardsigmoid": { $0.hardsigmoid() },
            "hardswish": { $0.hardswish() }, "log_sigmoid": { $0.logSigmoid() }, "softsign": { $0.softsign() },
        ]
        // Values away from the kinks (0, ±0.5, 0.8, ±3), where finite differences are exact enough.
        let x = Tensor([-4.1, -2.2, -0.9, -0.31, 0.27, 0.66, 1.3, 3.7], shape: [2, 4], dtype: .float64)
        let r = gradcheck({ fns[name]!($0[0]) }, inputs: [x])
        #expect(r.passed, "\(name): \(r)")
        // Second derivatives of the smooth ones.
        if ["gelu", "gelu_tanh", "silu", "mish", "softplus", "elu", "log_sigmoid"].contains(name) {
            let r2 = gradcheck({ xs in
                // grad mode on even inside gradcheck's no-grad finite differences
                withGrad { grad(of: fns[name]!(xs[0]).sum(), wrt: [xs[0]], createGraph: true)[0]! }
            }, inputs: [x])
            #expect(r2.passed, "\(name) second derivative: \(r2)")
        }
    }

    @Test func largeInputsStayFinite() {
        let x = Tensor([-1e4, -100, 100, 1e4], shape: [4], requiresGrad: true)
        for f in [{ (t: Tensor) in t.silu() }, { $0.softplus() }, { $0.mish() }, { $0.logSigmoid() }, { $0.elu() }, { $0.gelu() }] {
            x.grad = nil
            let y = f(x)
            y.sum().backward()
            #expect(y.scalars.allSatisfy { $0.isFinite })
            #expect(x.grad!.scalars.allSatisfy { $0.isFinite })
        }
        #expect(Tensor([1e4]).softplus().item() == 1e4)
        #expect(Tensor([-1e4]).logSigmoid().item() == -1e4)
    }

    @Test func modulesApplyTheirFunction() {
        let x = Tensor([-2.0, -0.5, 0.5, 2.0])
        #expect(ReLU()(x).scalars == [0, 0, 0.5, 2])
        #expect(LeakyReLU(negativeSlope: 0.5)(x).scalars == [-1, -0.25, 0.5, 2])
        #expect(Hardtanh(min: -1, max: 1)(x).scalars == [-1, -0.5, 0.5, 1])
        #expect(Softmax(axis: 0)(x).sum().item() == 1.0 || Swift.abs(Softmax(axis: 0)(x).sum().item() - 1) < 1e-6)
        #expect(GELU(approximate: .tanh).description == "GELU(approximate='tanh')")
        #expect(Identity()(x) === x)
    }
}
