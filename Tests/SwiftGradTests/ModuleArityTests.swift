import Testing
import SwiftGrad

/// A two-tensor module of a user's own: a ModuleBase with its own call, through `hooked`.
final class PairScore: ModuleBase {
    let bilinear = Bilinear(in1Features: 3, in2Features: 3, outFeatures: 1, dtype: .float64)
    func callAsFunction(_ a: Tensor, _ b: Tensor) -> Tensor {
        hooked([a, b]) { xs in [bilinear(xs[0], xs[1]).sigmoid()] }[0]
    }
}

/// A Module that forgot to override forward(_:): the one arity error Swift cannot catch.
final class Forgetful: Module {}

/// A one-tensor model holding several-tensor modules in properties, a typed list and a dictionary.
final class SiameseNet: Module {
    let embed = Linear(4, 3, dtype: .float64)
    let score = PairScore()
    let criteria: [ModuleBase] = [MSELoss(), L1Loss()]
    let decoders = ModuleList([TransformerDecoderLayer(dModel: 4, nhead: 2, dimFeedforward: 8, dropout: 0, dtype: .float64)])
    override func forward(_ x: Tensor) -> Tensor {
        let e = embed(x)
        let memory = decoders[0](x.unsqueeze(axis: 0), memory: x.unsqueeze(axis: 0)).squeeze(axis: 0)
        return score(e, embed(memory))
    }
}

/// The arity of a module's call is a compile-time fact: a module whose call takes several tensors
/// is a `ModuleBase` and not a `Module`, so it has no one-tensor call (`MSELoss()(x)` does not
/// compile; Docs/Layers.md has that line as a snippet that `check_doc_snippets.py` checks fails to
/// compile). These tests check the split at the type level and that everything a module has
/// (names, state dicts, hooks, functionalCall, summary, containers) works on both kinds.
@Suite struct ModuleArityTests {
    static func severalTensorModules() -> [ModuleBase] {
        let layer = { TransformerDecoderLayer(dModel: 4, nhead: 2, dimFeedforward: 8) }
        return [MSELoss(), L1Loss(), SmoothL1Loss(), HuberLoss(), CrossEntropyLoss(), NLLLoss(), BCELoss(), BCEWithLogitsLoss(),
                KLDivLoss(), HingeEmbeddingLoss(), SoftMarginLoss(), MultiMarginLoss(), MultiLabelMarginLoss(),
                MultiLabelSoftMarginLoss(), TripletMarginLoss(), TripletMarginWithDistanceLoss(), CosineEmbeddingLoss(),
                MarginRankingLoss(), GaussianNLLLoss(), PoissonNLLLoss(), CTCLoss(),
                Bilinear(in1Features: 2, in2Features: 2, outFeatures: 1), layer(), TransformerDecoder(numLayers: 1, makeLayer: layer),
                Transformer(dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8),
                MaxUnpool2d(2), MaxUnpool1d(2), ModuleList([Linear(2, 2)]), ModuleDict([("a", Linear(2, 2))]), PairScore()]
    }

    @Test func modulesWithSeveralTensorsHaveNoOneTensorCall() {
        for m in Self.severalTensorModules() {
            #expect(!(m is Module), "\(m.typeName) is a Module: it would have a one-tensor call")
        }
        let oneTensor: [ModuleBase] = [Linear(2, 2), ReLU(), Sequential(Linear(2, 2)), LSTM(2, 3), GRUCell(inputSize: 2, hiddenSize: 2),
                                       MultiheadAttention(4, 2), TransformerEncoderLayer(dModel: 4, nhead: 2, dimFeedforward: 8),
                                       EmbeddingBag(numEmbeddings: 5, embeddingDim: 2), Checkpointed(Linear(2, 2)), SiameseNet()]
        for m in oneTensor { #expect(m is Module, "\(m.typeName) should be a Module") }
    }

    @Test func containersAreTypedByTheirElements() {
        let linears = ModuleList([Linear(2, 3), Linear(3, 1)])
        #expect(type(of: linears) == ModuleList<Linear>.self)
        var x = Tensor.ones([4, 2])
        for layer in linears { x = layer(x) }          // each element is a Linear: a one-tensor call
        #expect(x.shape == [4, 1])
        let mixed = ModuleList<Module>([Linear(2, 2), ReLU()])
        #expect(mixed.count == 2 && mixed[1] is ReLU)
        let losses = ModuleDict<ModuleBase>([("mse", MSELoss()), ("l1", L1Loss())])
        #expect(losses.keys == ["mse", "l1"] && losses["mse"] is MSELoss)
        // Names print without generic arguments, as PyTorch's.
        #expect(linears.typeName == "ModuleList" && losses.typeName == "ModuleDict")
        #expect(linears.description.hasPrefix("ModuleList(\n  (0): Linear("))
    }

    @Test func severalTensorModulesAreMembersWithPyTorchNames() throws {
        let net = SiameseNet()
        let names = net.namedModules().map(\.0)
        #expect(names.contains("score.bilinear") && names.contains("criteria.0") && names.contains("decoders.0.self_attn"))
        #expect(net.submodule("criteria.1") is L1Loss && net.submodule("score") is PairScore)
        let keys = Set(net.stateDict().keys)
        #expect(keys.contains("score.bilinear.weight") && keys.contains("decoders.0.linear1.weight"))
        let copy = SiameseNet()
        try copy.loadStateDict(net.stateDict())
        let x = Tensor.randn([2, 4], dtype: .float64, generator: Generator(seed: 1))
        #expect(withNoGrad { copy(x) }.doubles == withNoGrad { net(x) }.doubles)
        net.eval()
        #expect(net.modules().allSatisfy { !$0.isTraining })
        let converted = PairScore().to(.float32)
        #expect(converted.bilinear.weight.dtype == .float32)
    }

    @Test func hooksSeeEveryTensorOfASeveralTensorCall() {
        let score = PairScore()
        var seen: [[Int]] = []
        let handle = score.registerForwardHook { (m: ModuleBase, xs: [Tensor], ys: [Tensor]) -> [Tensor]? in
            seen.append(xs.map(\.count) + ys.map(\.count))
            return [ys[0] * 2]
        }
        var gradShapes: [[Int]] = []
        score.registerFullBackwardHook { _, gx, _ in gradShapes = gx.map { $0?.shape ?? [] }; return nil }
        let a = Tensor.randn([5, 3], dtype: .float64, generator: Generator(seed: 2)).requiringGrad()
        let b = Tensor.randn([5, 3], dtype: .float64, generator: Generator(seed: 3)).requiringGrad()
        let plain = withNoGrad { score.bilinear(a, b).sigmoid() }
        let y = score(a, b)
        #expect(seen == [[15, 15, 5]])
        #expect(y.doubles == (plain * 2).doubles)
        y.sum().backward()
        #expect(gradShapes == [[5, 3], [5, 3]])
        handle.remove()
        #expect(score(a, b).doubles == plain.doubles)
    }

    @Test func functionalCallHandsBackTheModuleWithItsType() {
        let score = PairScore()
        let a = Tensor.randn([4, 3], dtype: .float64, generator: Generator(seed: 4))
        let b = Tensor.randn([4, 3], dtype: .float64, generator: Generator(seed: 5))
        let w = (score.bilinear.weight * 0.5).detach()
        let before = score.bilinear.weight.doubles
        let out = functionalCall(score, parameters: ["bilinear.weight": w]) { m in m(a, b) }
        let expected = ((a.matmul(w.select(axis: 0, index: 0)) * b).sum(axis: 1, keepDim: true) + score.bilinear.bias!).sigmoid()
        #expect(zip(out.doubles, expected.doubles).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(score.bilinear.weight.doubles == before)
    }

    @Test func summaryListsSeveralTensorSubmodules() {
        let table = SiameseNet().summary(input: Tensor.randn([2, 4], dtype: .float64, generator: Generator(seed: 6)))
        #expect(table.contains("score (PairScore)") && table.contains("score.bilinear (Bilinear)"))
        #expect(table.contains("decoders.0 (TransformerDecoderLayer)"))
    }

    @Test func aModuleWithoutForwardStopsNamingTheRule() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Forgetful()(Tensor.ones([2]))
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("Forgetful: a Module subclass must override forward(_:)") && text.contains("subclasses ModuleBase"), "\(text)")
    }
}
