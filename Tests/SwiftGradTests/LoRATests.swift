import Foundation
import Testing
@testable import SwiftGrad

/// LoRA: adapters on the targeted Linear layers, only they train, PEFT's file names and config,
/// loading back, and merging into the weights.
@Suite struct LoRATests {
    final class Block: Module {
        let qProj: Linear, vProj: Linear, out: Linear
        init(_ g: Generator, dtype: DType) {
            qProj = Linear(6, 6, dtype: dtype, generator: g)
            vProj = Linear(6, 6, dtype: dtype, generator: g)
            out = Linear(6, 6, dtype: dtype, generator: g)
        }
        override func forward(_ x: Tensor) -> Tensor { out(qProj(x).tanh() * vProj(x)) }
    }

    final class Net: Module {
        let layers: [Block]
        let head: Linear
        init(seed: UInt64, dtype: DType = .float32) {
            let g = Generator(seed: seed)
            layers = [Block(g, dtype: dtype), Block(g, dtype: dtype)]
            head = Linear(6, 3, dtype: dtype, generator: g)
        }
        override func forward(_ x: Tensor) -> Tensor {
            head(layers[1](layers[0](x).relu()))
        }
    }

    static var x: Tensor { Tensor.randn([5, 6], generator: Generator(seed: 42)) }

    @Test func targetsSelectLayersByNameOrPath() {
        let net = Net(seed: 1)
        let lora = LoRA(net, rank: 2, alpha: 4, targetModules: ["q_proj", "layers.1.v_proj"])
        #expect(lora.adapters.map(\.path) == ["layers.0.q_proj", "layers.1.q_proj", "layers.1.v_proj"])
        #expect(lora.adapters.allSatisfy { $0.adapter.scaling == 2 && $0.adapter.loraA.shape == [2, 6] && $0.adapter.loraB.shape == [6, 2] })
        // The base model's state dict is unchanged; every base parameter is frozen.
        #expect(Set(net.stateDict().keys) == Set(Net(seed: 1).stateDict().keys))
        #expect(net.parameters().allSatisfy { !$0.requiresGrad })
        #expect(lora.parameters().count == 6 && lora.parameters().allSatisfy { $0.requiresGrad })
    }

    @Test func onlyTheAdaptersTrain() {
        let net = Net(seed: 1), base = Net(seed: 1)
        let before = net.stateDict().mapValues { $0.copy() }
        let lora = LoRA(net, rank: 2, alpha: 4, targetModules: ["q_proj", "v_proj"], generator: Generator(seed: 3))
        // B starts at zero: a new adapter changes nothing.
        #expect(net(LoRATests.x).allClose(base(LoRATests.x), rtol: 0, atol: 0))
        let target = Tensor.randn([5, 3], generator: Generator(seed: 9))
        let opt = Adam(lora.parameters(), lr: 0.01)
        var losses: [Double] = []
        for _ in 0..<30 {
            opt.zeroGrad()
            let loss = mseLoss(net(LoRATests.x), target)
            loss.backward()
            losses.append(loss.item())
            #expect(net.parameters().allSatisfy { $0.grad == nil })
            #expect(lora.parameters().allSatisfy { $0.grad != nil })
            opt.step()
        }
        #expect(losses.last! < losses.first! * 0.9, "\(losses)")
        for (k, v) in net.stateDict() { #expect(v.allClose(before[k]!, rtol: 0, atol: 0), "\(k) changed") }
    }

    /// The adapters' gradients against central finite differences of the loss, in float64.
    @Test func adapterGradientsMatchFiniteDifferences() {
        let net = Net(seed: 5, dtype: .float64)
        let lora = LoRA(net, rank: 3, alpha: 6, targetModules: ["v_proj", "head"], generator: Generator(seed: 2))
        withNoGrad { for p in lora.parameters() { p.copyFrom(Tensor.randn(p.shape, dtype: .float64, generator: Generator(seed: UInt64(p.count)))) } }
        let x = LoRATests.x.to(.float64)
        func loss() -> Tensor { (net(x) * net(x)).sum() }
        let l = loss()
        l.backward()
        for p in lora.parameters() {
            for i in [0, p.count / 2, p.count - 1] {
                let v = p.scalar(at: i), eps = 1e-6
                withNoGrad { p.setScalar(v + eps, at: i) }
                let up = withNoGrad { loss().item() }
                withNoGrad { p.setScalar(v - eps, at: i) }
                let down = withNoGrad { loss().item() }
                withNoGrad { p.setScalar(v, at: i) }
                let numeric = (up - down) / (2 * eps), analytic = p.grad!.scalar(at: i)
                #expect(abs(numeric - analytic) <= 1e-5 + 1e-4 * abs(numeric), "\(p.shape)[\(i)]: \(analytic) vs \(numeric)")
            }
        }
    }

    @Test func mergedAndUnmergedOutputsAgree() {
        let net = Net(seed: 7)
        let lora = LoRA(net, rank: 2, alpha: 8, targetModules: ["q_proj", "v_proj", "out"], generator: Generator(seed: 1))
        withNoGrad { for p in lora.parameters() { p.copyFrom(Tensor.randn(p.shape, generator: Generator(seed: 11)) * 0.3) } }
        let weights = net.stateDict().mapValues { $0.copy() }
        let unmerged = net(LoRATests.x)
        lora.merge()
        #expect(lora.adapters.allSatisfy { $0.adapter.isMerged })
        let merged = net(LoRATests.x)
        #expect(merged.allClose(unmerged, rtol: 1e-5, atol: 1e-5))
        #expect(!net.stateDict()["layers.0.q_proj.weight"]!.allClose(weights["layers.0.q_proj.weight"]!))
        lora.merge()   // merging twice changes nothing
        #expect(net(LoRATests.x).allClose(unmerged, rtol: 1e-5, atol: 1e-5))
        lora.unmerge()
        #expect(net(LoRATests.x).allClose(unmerged, rtol: 1e-5, atol: 1e-5))
        for (k, v) in net.stateDict() { #expect(v.allClose(weights[k]!, rtol: 1e-5, atol: 1e-6), "\(k)") }
        lora.merge()
        lora.detach()
        #expect(net(LoRATests.x).allClose(unmerged, rtol: 1e-5, atol: 1e-5))
    }

    @Test func savesPEFTFilesAndLoadsThemBack() throws {
        let dir = makeTemporaryFolder()
        let net = Net(seed: 3)
        let lora = LoRA(net, rank: 4, alpha: 16, dropout: 0.1, targetModules: ["q_proj", "v_proj"], generator: Generator(seed: 4))
        withNoGrad { for p in lora.parameters() { p.copyFrom(Tensor.randn(p.shape, generator: Generator(seed: 8)) * 0.2) } }
        net.eval()
        let expected = net(LoRATests.x)
        try lora.save(to: dir + "/adapter")
        let file = try Safetensors.read(from: dir + "/adapter/adapter_model.safetensors")
        #expect(Set(file.tensors.keys) == Set(["layers.0.q_proj", "layers.0.v_proj", "layers.1.q_proj", "layers.1.v_proj"].flatMap {
            ["base_model.model.\($0).lora_A.weight", "base_model.model.\($0).lora_B.weight"]
        }))
        #expect(file.tensors["base_model.model.layers.1.v_proj.lora_B.weight"]!.shape == [6, 4])
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/adapter/adapter_config.json"))) as! [String: Any]
        #expect(config["peft_type"] as? String == "LORA" && config["r"] as? Int == 4 && config["lora_alpha"] as? Int == 16)
        #expect(config["lora_dropout"] as? Double == 0.1 && config["target_modules"] as? [String] == ["q_proj", "v_proj"])
        #expect(config["bias"] as? String == "none")

        let fresh = Net(seed: 3)
        let loaded = try LoRA.load(from: dir + "/adapter", into: fresh)
        fresh.eval()
        #expect(loaded.rank == 4 && loaded.alpha == 16 && loaded.dropout == 0.1)
        #expect(fresh(LoRATests.x).allClose(expected, rtol: 0, atol: 0))
        #expect(fresh.parameters().allSatisfy { !$0.requiresGrad })
    }

    @Test func badAdapterFilesThrow() throws {
        let dir = makeTemporaryFolder()
        let lora = LoRA(Net(seed: 3), rank: 2, targetModules: ["q_proj"])
        try lora.save(to: dir + "/a")
        // Targets the model lacks.
        #expect { _ = try LoRA.load(from: dir + "/a", into: Sequential([Linear(2, 2)])) } throws: { e in
            if case .invalidConfig(_, let r)? = e as? LoRAError { r.contains("no module matches") } else { false }
        }
        // A rank that does not fit the tensors.
        let text = try String(contentsOfFile: dir + "/a/adapter_config.json", encoding: .utf8)
        try text.replacingOccurrences(of: "\"r\": 2", with: "\"r\": 3").write(toFile: dir + "/a/adapter_config.json", atomically: true, encoding: .utf8)
        #expect { _ = try LoRA.load(from: dir + "/a", into: Net(seed: 3)) } throws: { e in
            if case .shapeMismatch? = e as? StateDictError { true } else { false }
        }
        try "{\"r\": 0}".write(toFile: dir + "/a/adapter_config.json", atomically: true, encoding: .utf8)
        #expect(throws: LoRAError.self) { _ = try LoRA.load(from: dir + "/a", into: Net(seed: 3)) }
        try "{\"r\": ".write(toFile: dir + "/a/adapter_config.json", atomically: true, encoding: .utf8)
        #expect(throws: LoRAError.self) { _ = try LoRA.load(from: dir + "/a", into: Net(seed: 3)) }
        #expect(throws: FileError.self) { _ = try LoRA.load(from: dir + "/missing", into: Net(seed: 3)) }
    }

    @Test func targetingNothingOrANonLinearStops() async {
        let none = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = LoRA(Net(seed: 1), targetModules: ["k_proj"])
        }
        expectStderr(none, contains: ["LoRA", "no module matches", "layers.0.q_proj"])
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = LoRA(Net(seed: 1), targetModules: ["layers.0"])
        }
        expectStderr(r, contains: ["LoRA", "'layers.0' is a Block", "Linear layers only"])
    }
}
