import Testing
import Foundation
@testable import SwiftGrad

/// A module whose members are partly registered by name and partly replaced after first use.
private final class Gated: Module {
    var proj = Linear(4, 4, generator: Generator(seed: 0))
    let norm = LayerNorm(4)
    override init() {
        super.init()
        for i in 0..<2 { registerParameter("gate\(i)", Tensor.ones([4], requiresGrad: true)) }
        registerBuffer("mask", Tensor.ones([4]))
        registerBuffer("cache", Tensor.zeros([4]), persistent: false)
    }
    override func forward(_ x: Tensor) -> Tensor {
        norm(proj(x)) * parameter("gate0")! * parameter("gate1")! * buffer("mask")!
    }
}

/// A module with a renamed property and its own extra description.
private final class Renamed: Module {
    let gamma = Tensor.ones([3], requiresGrad: true)
    let shiftBias = Tensor.zeros([3], requiresGrad: true)
    let k = 2.0
    override func memberName(forProperty p: String) -> String { p == "gamma" ? "weight" : super.memberName(forProperty: p) }
    override var extraDescription: String { "k=\(k)" }
    override func forward(_ x: Tensor) -> Tensor { x * gamma + shiftBias }
}

/// A module whose optional and array members are filled in after its first use.
private final class Growing: Module {
    let base = Linear(2, 2, generator: Generator(seed: 3))
    var scale: Tensor?
    var mask: Buffer?
    var heads: [Linear] = []
    override func forward(_ x: Tensor) -> Tensor {
        var y = base(x)
        if let scale { y = y * scale }
        if let mask { y = y * mask.value }
        for h in heads { y = h(y) }
        return y
    }
}

@Suite struct ModuleRegistrationTests {
    @Test func registeredMembersAreParametersBuffersAndStateDictEntries() throws {
        let m = Gated()
        // A module's own parameters come before its children's, as PyTorch's named_parameters.
        #expect(m.namedParameters().map(\.0) == ["gate0", "gate1", "proj.weight", "proj.bias", "norm.weight", "norm.bias"])
        #expect(m.namedBuffers().map(\.0) == ["mask", "cache"])
        #expect(m.stateDict().keys.sorted() == ["gate0", "gate1", "mask", "norm.bias", "norm.weight", "proj.bias", "proj.weight"])
        // Gradients reach registered parameters.
        m(Tensor.randn([2, 4], generator: Generator(seed: 1))).sum().backward()
        #expect(m.parameter("gate1")!.grad != nil)
        // Loading a state dict writes registered buffers too.
        var state = m.stateDict()
        state["mask"] = Tensor.full([4], 3)
        try m.loadStateDict(state)
        #expect(m.buffer("mask")!.toArray(as: Float.self) == [3, 3, 3, 3])
        // Re-registering a name replaces it.
        m.registerParameter("gate0", Tensor.full([4], 2, requiresGrad: true))
        #expect(m.parameter("gate0")!.toArray(as: Float.self) == [2, 2, 2, 2] && m.parameters().count == 6)
    }

    @Test func aMemberReplacedAfterFirstUseIsSeen() {
        let m = Gated()
        #expect(m.parameterCount == 4 * 4 + 4 + 4 + 4 + 8)
        m.proj = Linear(4, 4, bias: false)
        #expect(m.namedParameters().map(\.0)[2] == "proj.weight")
        #expect(!m.namedParameters().map(\.0).contains("proj.bias"))
        #expect(m.parameterCount == 16 + 4 + 4 + 8)
        let outer = Sequential { m; ReLU() }
        outer.registerModule("extra", Linear(4, 2))
        #expect(outer.submodule("0.proj") === m.proj && outer.submodule("extra") is Linear)
        #expect(outer.parameter("0.norm.weight") === m.norm.weight && outer.parameter("0.nothing") == nil)
        #expect(outer.buffer("0.mask") != nil && outer.submodule("1.x") == nil && outer.submodule("") === outer)
        #expect(outer.namedModules().map(\.0) == ["", "0", "0.proj", "0.norm", "1", "extra"])
    }

    @Test func optionalAndArrayMembersAssignedAfterFirstUseAreSeen() throws {
        let m = Growing()
        #expect(m.namedParameters().map(\.0) == ["base.weight", "base.bias"] && m.namedBuffers().isEmpty)
        let before = m(Tensor.ones([1, 2]))
        // Assigned after the first call: every traversal and the state dict see them.
        m.scale = Tensor.full([2], 2, requiresGrad: true)
        m.mask = Buffer(Tensor([1.0, 0.0]))
        m.heads.append(Linear(2, 2, bias: false))
        // The module's own parameters first, then its children's, as PyTorch's named_parameters.
        #expect(m.namedParameters().map(\.0) == ["scale", "base.weight", "base.bias", "heads.0.weight"])
        #expect(m.namedBuffers().map(\.0) == ["mask"])
        #expect(m.stateDict().keys.sorted() == ["base.bias", "base.weight", "heads.0.weight", "mask", "scale"])
        let after = m(Tensor.ones([1, 2]))
        #expect(after.shape == before.shape && after.scalars != before.scalars)
        // A fresh module of the same type without them: a strict load names what it lacks.
        #expect(throws: StateDictError.unexpectedKeys(["heads.0.weight", "mask", "scale"])) {
            try Growing().loadStateDict(m.stateDict())
        }
        // Set back to nil: gone again.
        m.scale = nil
        #expect(!m.namedParameters().map(\.0).contains("scale"))
    }

    @Test func renamedMembersChildrenAndDescriptionAsPyTorch() {
        let outer = Sequential { Renamed(); ReLU() }
        // memberName(forProperty:) renames gamma to weight; camelCase becomes snake_case.
        #expect(outer.namedParameters().map(\.0) == ["0.weight", "0.shift_bias"])
        #expect(outer.namedChildren().map(\.0) == ["0", "1"] && outer.children()[0] is Renamed)
        #expect(outer.description == "Sequential(\n  (0): Renamed(k=2.0)\n  (1): ReLU()\n)")
        // zeroGrad clears every gradient, as PyTorch's zero_grad (set_to_none).
        outer(Tensor.ones([1, 3])).sum().backward()
        #expect(outer.parameters().allSatisfy { $0.grad != nil })
        outer.zeroGrad()
        #expect(outer.parameters().allSatisfy { $0.grad == nil })
    }

    @Test func registrationMisuseStopsWithAMessage() async {
        let r1 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Gated().registerParameter("proj", Tensor.ones([1]))
        }
        expectStderr(r1, contains: ["registerParameter: 'proj' is already a declared member of Gated"])
        let r2 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Gated().registerBuffer("gate0", Tensor.ones([1]))
        }
        expectStderr(r2, contains: ["registerBuffer: 'gate0' is already registered in Gated as another kind of member"])
        let r3 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Gated().registerModule("a.b", Linear(1, 1))
        }
        expectStderr(r3, contains: ["registerModule: the name 'a.b' must be non-empty and contain no '.'"])
        let r4 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Gated().registerParameter("ids", Tensor.zeros([2], dtype: .int64))
        }
        expectStderr(r4, contains: ["registerParameter('ids'): a parameter must be a float tensor, got int64 of shape [2]"])
    }
}
