import Testing
@testable import SwiftGrad

/// The composed activations (threshold, shrinks, celu, softmin, glu, prelu, rrelu) and their
/// modules: PyTorch values and gradients, Float64 gradchecks, dtypes, randomness and state dicts.
@Suite struct NNActivationTests {
    static var ops: [String: (GoldenCase) -> Tensor] { [
        "threshold": { $0.inputs[0]!.threshold($0.args.double("threshold")!, value: $0.args.double("value")!) },
        "hardshrink": { hardshrink($0.inputs[0]!, lambda: $0.args.double("lambda")!) },
        "softshrink": { softshrink($0.inputs[0]!, lambda: $0.args.double("lambda")!) },
        "tanhshrink": { tanhshrink($0.inputs[0]!) },
        "celu": { celu($0.inputs[0]!, alpha: $0.args.double("alpha")!) },
        "softmin": { softmin($0.inputs[0]!, axis: $0.args.int("axis")!) },
        "glu": { glu($0.inputs[0]!, axis: $0.args.int("axis")!) },
        "prelu": { prelu($0.inputs[0]!, weight: $0.inputs[1]!) },
        "rrelu": { rrelu($0.inputs[0]!, lower: $0.args.double("lower")!, upper: $0.args.double("upper")!, training: false) },
    ] }

    @Test func matchPyTorch() {
        let (failures, ran) = NNFixtures.run(Self.ops)
        #expect(ran == NNFixtures.count(Array(Self.ops.keys)) && ran >= 18)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func gradcheckFloat64() {
        // Away from the kinks at ±0.5, ±0.3 and the threshold 0.2.
        let x = Tensor([-2.1, -0.9, -0.4, -0.1, 0.05, 0.4, 0.7, 1.6], dtype: .float64)
        let x3 = GC.randn([2, 4, 3], seed: 3)
        let cases = [
            GradCase("threshold", [x]) { $0[0].threshold(0.2, value: 5) },
            GradCase("hardshrink", [x]) { $0[0].hardshrink(lambda: 0.5) },
            GradCase("softshrink", [x]) { $0[0].softshrink(lambda: 0.3) },
            GradCase("tanhshrink", [x]) { $0[0].tanhshrink() },
            GradCase("celu", [x]) { $0[0].celu(alpha: 0.6) },
            GradCase("softmin", [x3]) { $0[0].softmin(axis: 1) * GC.weights(like: x3) },
            GradCase("glu", [x3]) { $0[0].glu(axis: 1) },
            GradCase("prelu", [GC.awayFromZero([2, 3, 2], seed: 4), Tensor([0.2, -0.4, 0.9], dtype: .float64)]) {
                $0[0].prelu(weight: $0[1])
            },
            GradCase("prelu_scalar", [GC.awayFromZero([5], seed: 5), Tensor([0.3], dtype: .float64)]) { $0[0].prelu(weight: $0[1]) },
            GradCase("rrelu_train", [GC.awayFromZero([6], seed: 6)]) { $0[0].rrelu(training: true, generator: Generator(seed: 9)) },
        ]
        for c in cases { c.check() }
    }

    @Test func doubleBackwardOfCompositions() {
        let x = Tensor([-1.2, -0.3, 0.4, 1.7], dtype: .float64)
        GradCase("d2 celu", [x], GC.firstDerivative { $0[0].celu(alpha: 0.5) }).check()
        GradCase("d2 tanhshrink", [x], GC.firstDerivative { $0[0].tanhshrink() }).check()
        GradCase("d2 glu", [GC.randn([2, 4], seed: 2)], GC.firstDerivative { $0[0].glu() }).check()
    }

    @Test func rreluSlopesComeFromTheGeneratorAndLieInTheRange() {
        let x = Tensor.full([200], -1, dtype: .float64)
        let a = x.rrelu(lower: 0.1, upper: 0.3, training: true, generator: Generator(seed: 5))
        let b = x.rrelu(lower: 0.1, upper: 0.3, training: true, generator: Generator(seed: 5))
        let c = x.rrelu(lower: 0.1, upper: 0.3, training: true, generator: Generator(seed: 6))
        #expect(a.doubles == b.doubles)
        #expect(a.doubles != c.doubles)
        #expect(a.doubles.allSatisfy { $0 <= -0.1 && $0 >= -0.3 })
        #expect(Set(a.doubles).count > 100)
        // Positive values pass unchanged; eval uses the mean slope.
        #expect(Tensor([2.0, 3.0]).rrelu(training: true).doubles == [2, 3])
        let m = RReLU(lower: 0.1, upper: 0.3, generator: Generator(seed: 1))
        m.eval()
        #expect(abs(m(Tensor([-1.0], dtype: .float64)).item() + 0.2) < 1e-12)
        m.train()
        let y = m(Tensor([-1.0, -1.0, -1.0], dtype: .float64)).doubles
        #expect(y.allSatisfy { $0 <= -0.1 && $0 >= -0.3 } && Set(y).count == 3)
    }

    @Test func modulesMatchTheirFunctions() {
        let x = GC.randn([2, 4, 3], seed: 7)
        #expect(Threshold(0.1, 2)(x).doubles == x.threshold(0.1, value: 2).doubles)
        #expect(Hardshrink(lambda: 0.3)(x).doubles == x.hardshrink(lambda: 0.3).doubles)
        #expect(Softshrink()(x).doubles == x.softshrink().doubles)
        #expect(Tanhshrink()(x).doubles == x.tanhshrink().doubles)
        #expect(CELU(alpha: 2)(x).doubles == x.celu(alpha: 2).doubles)
        #expect(Softmin(axis: 1)(x).doubles == x.softmin(axis: 1).doubles)
        #expect(GLU(axis: 1)(x).shape == [2, 2, 3])
        #expect(GLU(axis: 1)(x).doubles == x.glu(axis: 1).doubles)
    }

    @Test func preluModuleHasPyTorchsParameterAndLearns() throws {
        let m = PReLU(numParameters: 3)
        #expect(m.namedParameters().map(\.0) == ["weight"])
        #expect(m.weight.shape == [3] && m.weight.doubles == [0.25, 0.25, 0.25])
        let x = Tensor([-1, 2, -3, -4, 5, -6], shape: [1, 3, 2]).to(.float32)
        let y = m(x)
        #expect(y.doubles == [-0.25, 2, -0.75, -1, 5, -1.5])
        y.sum().backward()
        #expect(m.weight.grad!.doubles == [-1, -7, -6])
        try m.loadStateDict(["weight": Tensor([0.5, 1, 2])])
        #expect(m(x).doubles == [-0.5, 2, -3, -4, 5, -12])
        #expect(PReLU().weight.shape == [1])
        #expect("\(m)".contains("num_parameters=3"))
    }

    @Test func dtypes() {
        let x = Tensor([-1.5, -0.2, 0.7, 2.0])
        for dt in [DType.float32, .float64, .float16, .bfloat16] {
            let v = x.to(dt)
            for y in [v.hardshrink(), v.softshrink(), v.tanhshrink(), v.celu(alpha: 0.5), v.threshold(0, value: 1),
                      v.softmin(), v.prelu(weight: Tensor([0.1]).to(dt)), v.rrelu(training: true)] {
                #expect(y.dtype == dt && y.shape == [4])
            }
            #expect(v.glu().shape == [2] && v.glu().dtype == dt)
        }
        // Float16 results are the float32 results rounded once (within one half ulp).
        let h = x.to(.float16).softshrink().to(.float32).doubles, f = x.softshrink().doubles
        for (a, b) in zip(h, f) { #expect(abs(a - b) <= 1e-3 * max(1, abs(b))) }
        // Empty and 0-d inputs.
        #expect(Tensor.zeros([0, 3]).hardshrink().shape == [0, 3])
        #expect(Tensor(0.7).softshrink().item() == Double(Float(0.7) - 0.5))
    }
}

@Suite struct MisuseMessageTestsOpsNN {
    static let cases: [MisuseCase] = [
        MisuseCase(["hardshrink", "int64", "[3]"]) { _ = Tensor([1, 2, 3]).hardshrink() },
        MisuseCase(["glu", "even", "[2, 3]"]) { _ = Tensor.ones([2, 3]).glu() },
        MisuseCase(["prelu", "[2]", "[4, 3]"]) { _ = Tensor.ones([4, 3]).prelu(weight: Tensor.ones([2])) },
        MisuseCase(["PReLU", "[2, 5]", "num_parameters"]) { _ = PReLU(numParameters: 3)(Tensor.ones([2, 5])) },
        MisuseCase(["PReLU", "float64", "[2, 3]"]) { _ = PReLU(numParameters: 3)(Tensor.ones([2, 3], dtype: .float64)) },
        MisuseCase(["rrelu", "lower", "[2]"]) { _ = Tensor.ones([2]).rrelu(lower: 0.5, upper: 0.1) },
        MisuseCase(["celu", "alpha", "[2]"]) { _ = Tensor.ones([2]).celu(alpha: 0) },
        MisuseCase(["multiMarginLoss", "[4, 3]", "[3]"]) { _ = multiMarginLoss(Tensor.ones([4, 3]), Tensor([0, 1, 2])) },
        MisuseCase(["multiMarginLoss", "target 5", "[2, 3]"]) { _ = multiMarginLoss(Tensor.ones([2, 3]), Tensor([0, 5])) },
        MisuseCase(["multilabelMarginLoss", "[2, 3]", "[2, 4]"]) { _ = multilabelMarginLoss(Tensor.ones([2, 3]), Tensor.zeros([2, 4], dtype: .int64)) },
        MisuseCase(["hingeEmbeddingLoss", "[3]", "[4]"]) { _ = hingeEmbeddingLoss(Tensor.ones([3]), Tensor.ones([4])) },
        MisuseCase(["tripletMarginLoss", "[2, 3]", "[3]"]) {
            _ = tripletMarginLoss(anchor: Tensor.ones([2, 3]), positive: Tensor.ones([3]), negative: Tensor.ones([2, 3]))
        },
        MisuseCase(["gaussianNLLLoss", "variance", "[2, 3]", "[3]"]) {
            _ = gaussianNLLLoss(Tensor.ones([2, 3]), Tensor.ones([2, 3]), variance: Tensor.ones([3]))
        },
        MisuseCase(["gaussianNLLLoss", "negative", "[2]"]) {
            _ = gaussianNLLLoss(Tensor.ones([2]), Tensor.ones([2]), variance: Tensor([-1.0, 1]))
        },
        MisuseCase(["pairwiseDistance", "[2, 3]", "[4, 3]"]) { _ = pairwiseDistance(Tensor.ones([2, 3]), Tensor.ones([4, 3])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOpsNN.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
