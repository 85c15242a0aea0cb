import Foundation
import SwiftGrad
@testable import SwiftGradModels
import Testing

/// Every architecture against the logits transformers / torchvision computed for the same weights
/// and inputs (float32, eval mode), within 1e-4.
@Suite struct LogitsAgreementTests {
    func check(_ name: String, _ model: Module, _ logits: (Tensor, [String: Tensor]) -> Tensor) throws {
        let io = try Fixture.io(name)
        let ours = withNoGrad { logits(io["input"]!, io) }
        let diff = maxAbsDifference(ours, io["logits"]!)
        #expect(diff < 1e-4, "\(name): max |Δlogits| = \(diff)")
        #expect(ours.dtype == .float32)
    }

    @Test func gpt2() throws {
        let model = try GPT2LMHeadModel(directory: Fixture.directory("gpt2"))
        try check("gpt2", model) { x, _ in model.logits(inputIDs: x) }
    }

    @Test func llamaShardedWithLlama3RopeAndGQA() throws {
        let model = try LlamaForCausalLM(directory: Fixture.directory("llama"))
        #expect(model.model.config.rope.type == "llama3" && model.model.config.kvHeads == 2 && !model.model.config.tieWordEmbeddings)
        try check("llama", model) { x, _ in model.logits(inputIDs: x) }
    }

    @Test func llamaWithBiasesExplicitHeadDimDefaultRopeAndTiedEmbeddings() throws {
        let model = try LlamaForCausalLM(directory: Fixture.directory("llama_flags"))
        let c = model.model.config
        #expect(c.qkvBias && c.outputBias && c.mlpBias && c.headDim == 16 && c.rope.type == "default" && c.tieWordEmbeddings)
        try check("llama_flags", model) { x, _ in model.logits(inputIDs: x) }
    }

    @Test func mistralSlidingWindowLinearRopeTiedWithV4ConfigSpelling() throws {
        let model = try LlamaForCausalLM(directory: Fixture.directory("mistral"))
        let c = model.model.config
        #expect(c.slidingWindow == 4 && c.rope.type == "linear" && c.rope.theta == 1000 && c.tieWordEmbeddings && c.kvHeads == 1)
        try check("mistral", model) { x, _ in model.logits(inputIDs: x) }
    }

    @Test func qwen2WithQKVBiasAndYarn() throws {
        let model = try LlamaForCausalLM(directory: Fixture.directory("qwen2"))
        let c = model.model.config
        #expect(c.qkvBias && !c.outputBias && c.rope.type == "yarn" && c.rope.attentionScaling > 1)
        try check("qwen2", model) { x, _ in model.logits(inputIDs: x) }
    }

    @Test func bertMaskedLMWithPaddingAndTokenTypes() throws {
        let model = try BertForMaskedLM(directory: Fixture.directory("bert_mlm"))
        try check("bert_mlm", model) { x, io in
            model.logits(inputIDs: x, attentionMask: io["attention_mask"], tokenTypeIDs: io["token_type_ids"])
        }
        let io = try Fixture.io("bert_mlm")
        let plain = withNoGrad { model(io["input"]!) }
        #expect(maxAbsDifference(plain, io["logits_unmasked"]!) < 1e-4)
    }

    @Test func bertSequenceClassification() throws {
        let model = try BertForSequenceClassification(directory: Fixture.directory("bert_cls"))
        try check("bert_cls", model) { x, io in
            model.logits(inputIDs: x, attentionMask: io["attention_mask"], tokenTypeIDs: io["token_type_ids"])
        }
    }

    @Test func vitImageClassification() throws {
        let model = try ViTForImageClassification(directory: Fixture.directory("vit"))
        try check("vit", model) { x, _ in model(x) }
    }

    @Test func resnet18TorchvisionNames() throws {
        let model = try ResNet(arch: "resnet18", weights: Fixture.directory("resnet18") + "/model.safetensors")
        #expect(model.config.layers == [2, 2, 2, 2] && model.config.baseWidth == 4 && model.config.classes == 10 && !model.isTraining)
        try check("resnet18", model) { x, _ in model(x) }
    }

    @Test func resnet50Bottlenecks() throws {
        let model = try ResNet(arch: "resnet50", weights: Fixture.directory("resnet50"))
        #expect(model.config.block == .bottleneck && model.config.layers == [3, 4, 6, 3])
        try check("resnet50", model) { x, _ in model(x) }
    }

    @Test func autoModelPicksTheArchitectureFromTheConfig() throws {
        for name in ["gpt2", "llama", "mistral", "qwen2", "bert_mlm", "vit"] {
            let model = try AutoModel.load(Fixture.directory(name))
            let io = try Fixture.io(name)
            let diff = maxAbsDifference(withNoGrad { model(io["input"]!) }, io[name == "bert_mlm" ? "logits_unmasked" : "logits"]!)
            #expect(diff < 1e-4, "\(name): \(diff)")
        }
    }
}
