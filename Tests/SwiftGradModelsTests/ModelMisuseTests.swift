import Foundation
import SwiftGrad
import SwiftGradModels
import Testing

/// Misuse of a loaded model (programming errors) stops with a message naming the model and the shapes.
@Suite struct ModelMisuseTests {
    @Test func tokenIDOutOfTheVocabulary() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = childSetup("the llama fixture") { try LlamaForCausalLM(directory: Fixture.directory("llama")) }
            _ = model.logits(inputIDs: Tensor([Int64(3), 96], shape: [1, 2]))
        }
        expectStderr(r, ["LlamaModel", "0..<96", "[1, 2]"])
    }

    @Test func floatIDsForALanguageModel() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = childSetup("the gpt2 fixture") { try GPT2LMHeadModel(directory: Fixture.directory("gpt2")) }
            _ = model.logits(inputIDs: Tensor.zeros([1, 3]))
        }
        expectStderr(r, ["GPT2Model", "int64", "[1, 3]"])
    }

    @Test func imagesOfTheWrongSizeForViT() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = childSetup("the vit fixture") { try ViTForImageClassification(directory: Fixture.directory("vit")) }
            _ = model(Tensor.zeros([1, 3, 32, 32]))
        }
        expectStderr(r, ["ViTModel", "[n, 3, 16, 16]", "[1, 3, 32, 32]"])
    }

    @Test func paddingMaskOfTheWrongLength() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = childSetup("the mistral fixture") { try LlamaForCausalLM(directory: Fixture.directory("mistral")) }
            let ids = childSetup("mistral's io.safetensors") { try Fixture.io("mistral")["input"]! }
            _ = model.logits(inputIDs: ids, attentionMask: Tensor.ones([2, 5], dtype: .int64), cache: nil)
        }
        expectStderr(r, ["LlamaModel", "attention_mask", "[2, 7]", "[2, 5]"])
    }

    @Test func sequenceLongerThanGPT2Positions() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = childSetup("the gpt2 fixture") { try GPT2LMHeadModel(directory: Fixture.directory("gpt2")) }
            _ = model.logits(inputIDs: Tensor.zeros([1, 33], dtype: .int64))
        }
        expectStderr(r, ["GPT2Model", "n_positions 32"])
    }
}
