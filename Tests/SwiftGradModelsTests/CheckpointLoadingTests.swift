import Foundation
import SwiftGrad
@testable import SwiftGradModels
import Testing

/// Loading: dtypes kept, prefixes, sharded indexes, and a thrown error (never a crash) naming the
/// key and both shapes for every kind of bad checkpoint.
@Suite struct CheckpointLoadingTests {
    @Test func bfloat16WeightsStayBfloat16UnlessAsked() throws {
        let dir = Fixture.directory("llama_bf16")
        let model = try LlamaForCausalLM(directory: dir)
        #expect(model.parameters().allSatisfy { $0.dtype == .bfloat16 })
        #expect(model.makeCache(batch: 1, maxLength: 4).dtype == .bfloat16)
        let io = try Fixture.io("llama_bf16")
        let ours = withNoGrad { model.logits(inputIDs: io["input"]!) }
        #expect(ours.dtype == .bfloat16)
        // PyTorch's bf16 model rounds at other places than ours: agreement to bf16 precision
        // (logits up to 3.3, where bf16 steps by 2^-6; measured 0.039).
        let diff = maxAbsDifference(ours, io["logits"]!)
        #expect(diff < 0.1, "bf16 logits: \(diff)")

        let widened = try LlamaForCausalLM(directory: dir, dtype: .float32)
        #expect(widened.parameters().allSatisfy { $0.dtype == .float32 })
        let raw = try CheckpointFiles.load(dir)
        let name = "model.layers.0.self_attn.q_proj.weight"
        #expect(raw[name]!.dtype == .bfloat16)
        #expect(widened.stateDict()[name]!.doubles == raw[name]!.to(.float32).doubles)
        // Widened exactly: PyTorch's float32 logits of the same bf16 weights, to 1e-4.
        #expect(maxAbsDifference(withNoGrad { widened.logits(inputIDs: io["input"]!) }, io["logits_float32"]!) < 1e-4)
    }

    @Test func shardedIndexLoadsEveryTensorOnce() throws {
        let tensors = try CheckpointFiles.load(Fixture.directory("llama"))
        #expect(tensors.count == 21)
        #expect(tensors["lm_head.weight"]?.shape == [96, 32])
    }

    @Test func baseModelKeysWithoutPrefixAndOldMaskBuffersLoad() throws {
        let dir = try Fixture.copy("gpt2")
        var tensors = try Safetensors.load(from: dir + "/model.safetensors")
        tensors = Dictionary(uniqueKeysWithValues: tensors.map { (String($0.key.dropFirst("transformer.".count)), $0.value) })
        tensors["h.0.attn.bias"] = Tensor.ones([1, 1, 32, 32])          // the Hub's gpt2 still holds these
        try Safetensors.save(tensors, to: dir + "/model.safetensors")
        let model = try GPT2LMHeadModel(directory: dir)
        let io = try Fixture.io("gpt2")
        #expect(maxAbsDifference(withNoGrad { model.logits(inputIDs: io["input"]!) }, io["logits"]!) < 1e-4)
    }

    @Test func pretrainingCheckpointWithGammaBetaNamesLoadsIntoMaskedLM() throws {
        let dir = try Fixture.copy("bert_mlm")
        var tensors = try Safetensors.load(from: dir + "/model.safetensors")
        for key in tensors.keys where key.hasSuffix("LayerNorm.weight") || key.hasSuffix("LayerNorm.bias") {
            let renamed = key.hasSuffix(".weight") ? String(key.dropLast(7)) + ".gamma" : String(key.dropLast(5)) + ".beta"
            tensors[renamed] = tensors.removeValue(forKey: key)
        }
        tensors["cls.seq_relationship.weight"] = Tensor.zeros([2, 32])
        tensors["cls.seq_relationship.bias"] = Tensor.zeros([2])
        tensors["bert.pooler.dense.weight"] = Tensor.zeros([32, 32])
        try Safetensors.save(tensors, to: dir + "/model.safetensors")
        let model = try BertForMaskedLM(directory: dir)
        let io = try Fixture.io("bert_mlm")
        #expect(maxAbsDifference(withNoGrad { model(io["input"]!) }, io["logits_unmasked"]!) < 1e-4)
    }

    /// The fixture's tensors changed by `edit`, then loaded: the error it throws.
    func loadError(_ name: String = "gpt2", edit: (inout [String: Tensor]) -> Void) throws -> Error? {
        let dir = try Fixture.copy(name)
        var tensors = try Safetensors.load(from: dir + "/model.safetensors")
        edit(&tensors)
        try Safetensors.save(tensors, to: dir + "/model.safetensors")
        do { _ = try AutoModel.load(dir); return nil } catch { return error }
    }

    @Test func missingKeyIsNamed() throws {
        let error = try loadError { $0["transformer.ln_f.weight"] = nil }
        #expect(error as? ModelLoadError == .missingKeys(["transformer.ln_f.weight"]))
        #expect("\(error!)".contains("transformer.ln_f.weight"))
    }

    @Test func unexpectedKeyIsNamed() throws {
        let error = try loadError { $0["transformer.h.2.ln_1.weight"] = Tensor.ones([32]) }
        #expect(error as? ModelLoadError == .unexpectedKeys(["transformer.h.2.ln_1.weight"]))
    }

    @Test func shapeMismatchNamesTheKeyAndBothShapes() throws {
        let error = try loadError { $0["transformer.wpe.weight"] = Tensor.zeros([31, 32]) }
        #expect(error as? ModelLoadError == .shapeMismatch(key: "transformer.wpe.weight", model: [32, 32], checkpoint: [31, 32]))
        let text = "\(error!)"
        #expect(text.contains("transformer.wpe.weight") && text.contains("[32, 32]") && text.contains("[31, 32]"))
    }

    @Test func integerTensorForAFloatWeightIsRefused() throws {
        let error = try loadError { $0["transformer.ln_f.bias"] = Tensor([Int64](repeating: 0, count: 32), shape: [32]) }
        #expect(error as? ModelLoadError == .dtypeMismatch(key: "transformer.ln_f.bias", model: "float32", checkpoint: "int64"))
    }

    @Test func resnetStateDictMissingABatchNormBuffer() throws {
        let dir = try Fixture.copy("resnet18")
        var tensors = try Safetensors.load(from: dir + "/model.safetensors")
        tensors["layer3.1.bn2.running_var"] = nil
        try Safetensors.save(tensors, to: dir + "/model.safetensors")
        #expect(throws: ModelLoadError.missingKeys(["layer3.1.bn2.running_var"])) { try AutoModel.load(dir, arch: "resnet18") }
        // A resnet50 state dict is not a resnet18: the first mismatch is named.
        #expect(throws: ModelLoadError.self) { try AutoModel.load(Fixture.directory("resnet50"), arch: "resnet18") }
    }

    @Test func badFilesThrow() throws {
        // A truncated safetensors file.
        let dir = try Fixture.copy("gpt2")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/model.safetensors"))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
        #expect(throws: SafetensorsError.self) { try GPT2LMHeadModel(directory: dir) }
        // No checkpoint at all, no config, a config that is not JSON, an unknown architecture.
        try FileManager.default.removeItem(atPath: dir + "/model.safetensors")
        #expect(throws: ModelLoadError.self) { try CheckpointFiles.load(dir) }
        let empty = try Fixture.temporaryDirectory("empty")
        #expect(throws: ModelLoadError.missingFile(path: empty + "/config.json", reason: "no such file")) { try AutoModel.load(empty) }
        try Data("{\"model_type\": ".utf8).write(to: URL(fileURLWithPath: empty + "/config.json"))
        #expect(throws: ModelLoadError.self) { try AutoModel.load(empty) }
        try Data("{\"architectures\": [\"T5ForConditionalGeneration\"]}".utf8).write(to: URL(fileURLWithPath: empty + "/config.json"))
        do { _ = try AutoModel.load(empty); Issue.record("an unknown architecture loaded") } catch let e as ModelLoadError {
            #expect("\(e)".contains("T5ForConditionalGeneration") && "\(e)".contains("LlamaForCausalLM"))
        }
        // A config field of the wrong type.
        try Data("{\"model_type\": \"gpt2\", \"vocab_size\": \"many\"}".utf8).write(to: URL(fileURLWithPath: empty + "/config.json"))
        do { _ = try AutoModel.load(empty); Issue.record("a bad config loaded") } catch let e as ModelLoadError {
            #expect("\(e)".contains("vocab_size"))
        }
        // An unsupported rope type.
        let llama = try Fixture.copy("llama")
        var config = try String(contentsOfFile: llama + "/config.json", encoding: .utf8)
        config = config.replacingOccurrences(of: "\"llama3\"", with: "\"longrope\"")
        try config.write(toFile: llama + "/config.json", atomically: true, encoding: .utf8)
        do { _ = try AutoModel.load(llama); Issue.record("longrope loaded") } catch let e as ModelLoadError {
            #expect("\(e)".contains("longrope"))
        }
    }

    @Test func shardedIndexErrors() throws {
        let dir = try Fixture.copy("llama")
        try FileManager.default.removeItem(atPath: dir + "/model-00003-of-00007.safetensors")
        do { _ = try CheckpointFiles.load(dir); Issue.record("a missing shard loaded") } catch let e as ModelLoadError {
            #expect("\(e)".contains("model-00003-of-00007.safetensors"))
        }
        let index = dir + "/model.safetensors.index.json"
        try Data("{\"weight_map\": {\"lm_head.weight\": \"model-00001-of-00007.safetensors\", \"x\": \"../etc\"}}".utf8)
            .write(to: URL(fileURLWithPath: index))
        #expect(throws: ModelLoadError.self) { try CheckpointFiles.load(dir) }
        try Data("{\"metadata\": {}}".utf8).write(to: URL(fileURLWithPath: index))
        #expect(throws: ModelLoadError.invalidIndex(path: index, reason: "no 'weight_map' object")) { try CheckpointFiles.load(dir) }
    }
}

/// float16 checkpoints load as float16 too, and run end to end in float16.
@Suite struct Float16LoadingTests {
    @Test func float16GPT2() throws {
        let dir = try Fixture.copy("gpt2")
        let tensors = try Safetensors.load(from: dir + "/model.safetensors").mapValues { $0.to(.float16) }
        try Safetensors.save(tensors, to: dir + "/model.safetensors")
        let model = try GPT2LMHeadModel(directory: dir)
        #expect(model.parameters().allSatisfy { $0.dtype == .float16 })
        let io = try Fixture.io("gpt2")
        let logits = withNoGrad { model.logits(inputIDs: io["input"]!) }
        #expect(logits.dtype == .float16)
        // float16 weights (11 significant bits) against float32 logits up to 2.7.
        let diff = maxAbsDifference(logits, io["logits"]!)
        #expect(diff < 0.02, "float16 logits: \(diff)")
    }
}
