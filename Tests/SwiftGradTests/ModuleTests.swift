import Testing
@testable import SwiftGrad

/// Finite-difference check (float64) of d(sum(f(module) · w))/d(input and every parameter), on up
/// to `samples` elements of each tensor. Returns the failures.
func moduleGradcheck(_ module: ModuleBase, inputs: [Tensor], samples: Int = 6, eps: Double = 1e-6,
                     _ f: ([Tensor]) -> Tensor) -> [String] {
    for x in inputs where x.dtype.isFloatingPoint { x.requiresGrad = true; x.grad = nil }
    module.zeroGrad()
    let probe = withNoGrad { f(inputs) }
    let w = Tensor.uniform(probe.shape, low: 0.5, high: 1.5, dtype: .float64, generator: Generator(seed: 5))
    func objective() -> Double { withNoGrad { (f(inputs).to(.float64) * w).sum().item() } }
    (f(inputs).to(.float64) * w).sum().backward()
    var failures: [String] = []
    let targets = inputs.enumerated().filter { $0.element.dtype.isFloatingPoint }.map { ("input\($0.offset)", $0.element) }
        + module.namedParameters()
    let g = Generator(seed: 9)
    for (name, t) in targets {
        let analytic = t.grad ?? Tensor.zerosLike(t)
        let picks = t.count <= samples ? Array(0..<t.count) : (0..<samples).map { _ in g.nextInt(in: 0..<t.count) }
        for e in picks {
            let orig = t.scalar(at: e)
            t.setScalar(orig + eps, at: e); let plus = objective()
            t.setScalar(orig - eps, at: e); let minus = objective()
            t.setScalar(orig, at: e)
            let numeric = (plus - minus) / (2 * eps), a = analytic.scalar(at: e)
            if !(Swift.abs(a - numeric) <= 1e-5 + 1e-3 * Swift.abs(numeric)) {
                failures.append("\(name)[\(e)]: analytic \(a), numeric \(numeric)")
            }
        }
    }
    return failures
}

final class TwoLayer: Module {
    let fc1 = Linear(4, 8)
    let hiddenLayers: [Module] = [ReLU(), Linear(8, 8)]
    let headNorm: LayerNorm? = LayerNorm(8)
    let missing: Linear? = nil
    let scale = Tensor([2.0]).requiringGrad()
    let stats = Buffer(Tensor.zeros([3]))
    override func forward(_ x: Tensor) -> Tensor {
        var h = fc1(x)
        for l in hiddenLayers { h = l(h) }
        return headNorm!(h) * scale
    }
}

/// Module discovery, names, modes, freezing, state dicts, summary and containers.
@Suite struct ModuleTests {
    @Test func namesFollowPyTorch() {
        #expect(Module.snakeCase("inProjWeight") == "in_proj_weight")
        #expect(Module.snakeCase("selfAttn") == "self_attn")
        #expect(Module.snakeCase("weightIhL0") == "weight_ih_l0")
        #expect(Module.snakeCase("_runningMean") == "running_mean")
        #expect(Module.snakeCase("linear1") == "linear1")
        let m = TwoLayer()
        #expect(m.namedParameters().map(\.0) == ["scale", "fc1.weight", "fc1.bias", "hidden_layers.1.weight", "hidden_layers.1.bias",
                                                  "head_norm.weight", "head_norm.bias"])
        #expect(m.namedBuffers().map(\.0) == ["stats"])
        #expect(m.children().count == 4)
        #expect(m.modules().count == 5)
        #expect(m.parameterCount == 1 + 40 + 72 + 16)
        #expect(Set(m.stateDict().keys) == Set(m.namedParameters().map(\.0) + ["stats"]))
    }

    @Test func sequentialNamesAndBuilder() {
        let deep = true
        let model = Sequential {
            Linear(784, 128)
            ReLU()
            if deep { Linear(128, 128); ReLU() }
            for _ in 0..<1 { Dropout(p: 0.1) }
            Linear(128, 10)
        }
        #expect(model.count == 6)
        #expect(model.namedParameters().map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias", "5.weight", "5.bias"])
        #expect(model.parameterCount == 784 * 128 + 128 + 128 * 128 + 128 + 1290)
        #expect(model[0] is Linear && model[-1] is Linear)
        let y = model(Tensor.randn([3, 784]))
        #expect(y.shape == [3, 10])
        let outer = Sequential(Sequential(Linear(2, 2)), ReLU())
        #expect(outer.namedParameters().map(\.0) == ["0.0.weight", "0.0.bias"])
        #expect(outer.description == "Sequential(\n  (0): Sequential(\n    (0): Linear(in_features=2, out_features=2, bias=True)\n  )\n  (1): ReLU()\n)")
        let list = ModuleList([Linear(2, 3), Linear(3, 1)])
        #expect(list.namedParameters().map(\.0) == ["0.weight", "0.bias", "1.weight", "1.bias"])
        let dict = ModuleDict([("cls", Linear(2, 3)), ("box", Linear(2, 4))])
        #expect(dict.namedParameters().map(\.0) == ["cls.weight", "cls.bias", "box.weight", "box.bias"])
        #expect(dict["box"] is Linear)
    }

    @Test func trainEvalPropagatesAndDropoutIsIdentityInEval() {
        let model = Sequential(Linear(10, 10), Dropout(p: 0.5), Sequential(Dropout(p: 0.3)))
        model.eval()
        #expect(model.modules().allSatisfy { !$0.isTraining })
        let x = Tensor.randn([4, 10])
        #expect(model(x).allClose(model[0](x)))
        model.train()
        #expect(model.modules().allSatisfy { $0.isTraining })
        let ones = Tensor.ones([200, 100])
        let y = Dropout(p: 0.3, generator: Generator(seed: 1))(ones)
        let kept = Double(y.gt(0).sum().item()) / Double(ones.count)
        #expect(Swift.abs(kept - 0.7) < 0.01)
        #expect(Swift.abs(y.mean().item() - 1) < 0.02)         // survivors scaled by 1/(1-p)
        #expect(y.scalars.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / 0.7) < 1e-6 })
    }

    @Test func freezingKeepsParametersWithoutGradients() {
        let model = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
        model[0].requiresGrad(false)
        let frozen = (model[0] as! Linear).weight.scalars
        model(Tensor.randn([5, 3])).sum().backward()
        #expect((model[0] as! Linear).weight.grad == nil)
        #expect((model[2] as! Linear).weight.grad != nil)
        #expect(model.trainableParameterCount == 10)
        // A plain SGD step over the parameters that have gradients leaves the frozen ones bit-identical.
        withNoGrad { for p in model.parameters() { if let g = p.grad { p -= g * 0.1 } } }
        #expect((model[0] as! Linear).weight.scalars == frozen)
        model.zeroGrad()
        #expect(model.parameters().allSatisfy { $0.grad == nil })
    }

    @Test func stateDictRoundTrip() throws {
        let a = Sequential(Linear(3, 4, generator: Generator(seed: 1)), BatchNorm1d(4), Linear(4, 2, generator: Generator(seed: 1)))
        a(Tensor.randn([8, 3]))   // updates the running statistics
        let b = Sequential(Linear(3, 4, generator: Generator(seed: 2)), BatchNorm1d(4), Linear(4, 2, generator: Generator(seed: 2)))
        let bWeight = (b[0] as! Linear).weight
        try b.loadStateDict(a.stateDict())
        #expect((b[0] as! Linear).weight === bWeight)      // loaded in place
        for (k, v) in a.stateDict() { #expect(b.stateDict()[k]!.doubles == v.doubles, "\(k)") }
        #expect(a.stateDict()["1.num_batches_tracked"]!.item() == 1)
        a.eval(); b.eval()
        let x = Tensor.randn([2, 3])
        #expect(a(x).allClose(b(x)))

        var bad = a.stateDict(); bad.removeValue(forKey: "0.bias"); bad["extra"] = Tensor([1.0])
        // Strict: every missing and every unexpected key in one error, as PyTorch's message lists both.
        #expect(throws: StateDictError.incompatibleKeys(missing: ["0.bias"], unexpected: ["extra"])) { try b.loadStateDict(bad) }
        #expect(throws: StateDictError.incompatibleKeys(missing: ["0.bias"], unexpected: ["extra"])) { try b.loadWeights(bad) }
        #expect("\(StateDictError.incompatibleKeys(missing: ["0.bias"], unexpected: ["extra"]))"
                == "state dict is missing keys: 0.bias; and has unexpected keys: extra")
        var onlyExtra = a.stateDict(); onlyExtra["extra"] = Tensor([1.0])
        #expect(throws: StateDictError.unexpectedKeys(["extra"])) { try b.loadStateDict(onlyExtra) }
        let (missing, unexpected) = try b.loadStateDict(bad, strict: false)
        #expect(missing == ["0.bias"] && unexpected == ["extra"])
        var wrong = a.stateDict(); wrong["0.weight"] = Tensor.zeros([4, 4])
        #expect(throws: StateDictError.shapeMismatch(key: "0.weight", expected: [4, 3], got: [4, 4])) { try b.loadStateDict(wrong) }
    }

    @Test func summaryTotalsMatchParameterCount() {
        let model = Sequential(Linear(784, 128), ReLU(), Linear(128, 10))
        let s = model.summary(inputShape: [1, 784])
        #expect(s.contains("Total params: 101,770"))
        #expect(s.contains("0 (Linear)") && s.contains("[1, 128]") && s.contains("100,480"))
        #expect(s.contains("Trainable params: 101,770"))
        #expect(model.isTraining)
    }

    @Test func applyAndHooks() {
        let model = Sequential(Linear(2, 2), Sequential(Linear(2, 2)))
        var visited: [String] = []
        model.apply { visited.append($0.typeName) }
        #expect(visited == ["Linear", "Sequential", "Linear", "Sequential"])
        model.apply { m in if let l = m as? Linear { Init.constant(l.weight, 0.5) } }
        #expect((model[0] as! Linear).weight.scalars == [0.5, 0.5, 0.5, 0.5])
        var shapes: [[Int]] = []
        let id = model[0].registerForwardHook { _, _, out in shapes.append(out.shape) }
        _ = model(Tensor.zeros([3, 2]))
        model[0].removeForwardHook(id)
        _ = model(Tensor.zeros([3, 2]))
        #expect(shapes == [[3, 2]])
    }
}
