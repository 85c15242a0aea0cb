import Foundation
import SwiftGrad

/// Builds the architecture a model directory names and loads its weights, as transformers'
/// `AutoModel...from_pretrained` (and torchvision's constructors for `--arch resnet18`). Every model
/// it returns is in eval mode, and calling it on its input gives the logits.
///
///     let model = try AutoModel.load("models/llama")                 // LlamaForCausalLM
///     let logits = withNoGrad { model(ids) }
///     let resnet = try AutoModel.load("resnet18.safetensors", arch: "resnet18")
public enum AutoModel {
    /// The Hugging Face architectures (`config.json`'s `architectures`) this library builds.
    public static let architectures = ["GPT2LMHeadModel", "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM",
                                       "BertForMaskedLM", "BertForSequenceClassification", "ViTForImageClassification"]

    /// Loads `path`: a Hugging Face directory whose `config.json` names the architecture (the first
    /// of `architectures`, else its `model_type`), or with `arch` a torchvision ResNet
    /// (`resnet18`...`resnet152`, `path` a safetensors state dict or a directory holding
    /// `model.safetensors`) or one of `architectures` to override the config's. `dtype` nil keeps
    /// the checkpoint's dtype.
    ///
    ///     let model = try AutoModel.load(dir)
    public static func load(_ path: String, arch: String? = nil, dtype: DType? = nil) throws -> Module {
        if let arch, ResNetConfig.names.contains(arch) { return try ResNet(arch: arch, weights: path, dtype: dtype) }
        let configPath = (path as NSString).appendingPathComponent("config.json")
        let config = try ModelConfig(contentsOf: configPath)
        let name = try arch ?? architecture(of: config)
        // The config is checked (the model built) before the weights are read.
        let model: Module, load: ([String: Tensor]) throws -> Void
        switch name {
        case "GPT2LMHeadModel":
            let m = GPT2LMHeadModel(try GPT2Config(config)); model = m; load = { try m.loadWeights($0, dtype: dtype) }
        case "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM":
            let m = LlamaForCausalLM(try LlamaConfig(config)); model = m; load = { try m.loadWeights($0, dtype: dtype) }
        case "BertForMaskedLM":
            let m = BertForMaskedLM(try BertConfig(config)); model = m; load = { try m.loadWeights($0, dtype: dtype) }
        case "BertForSequenceClassification":
            let m = BertForSequenceClassification(try BertConfig(config)); model = m; load = { try m.loadWeights($0, dtype: dtype) }
        case "ViTForImageClassification":
            let m = ViTForImageClassification(try ViTConfig(config)); model = m; load = { try m.loadWeights($0, dtype: dtype) }
        default:
            throw ModelLoadError.unsupported(path: configPath, what: "the architecture '\(name)'", supported: architectures + ResNetConfig.names)
        }
        try load(CheckpointFiles.load(path))
        model.eval()
        return model
    }

    /// The architecture a config names: the first supported entry of `architectures`, else the
    /// default head of its `model_type`.
    ///
    ///     let name = try AutoModel.architecture(of: config)      // "GPT2LMHeadModel"
    public static func architecture(of config: ModelConfig) throws -> String {
        if let named = config.architectures.first(where: architectures.contains) { return named }
        if let first = config.architectures.first {
            throw ModelLoadError.unsupported(path: config.path, what: "the architecture '\(first)'", supported: architectures + ResNetConfig.names)
        }
        let type = try config.string("model_type")
        switch type {
        case "gpt2": return "GPT2LMHeadModel"
        case "llama": return "LlamaForCausalLM"
        case "mistral": return "MistralForCausalLM"
        case "qwen2": return "Qwen2ForCausalLM"
        case "bert": return "BertForMaskedLM"
        case "vit": return "ViTForImageClassification"
        default:
            throw ModelLoadError.unsupported(path: config.path, what: "the model_type '\(type)'", supported: ["gpt2", "llama", "mistral", "qwen2", "bert", "vit"])
        }
    }
}

/// The library side of the `model-check` command: load a model, run it in eval mode on the tensor
/// `input` of a safetensors file (token ids int64 [batch, seq] for language models, images
/// [n, 3, h, w] otherwise; language models also read `attention_mask` [batch, seq] and BERT
/// `token_type_ids` when present: the rows of padding queries are then not meaningful),
/// and write the logits (float32) as the tensor `logits`.
///
///     let logits = try ModelCheck.run(model: dir, input: "in.safetensors", output: "out.safetensors")
public enum ModelCheck {
    /// Loads `model` (a directory, or a state dict with `arch`), runs it on `input`'s tensor
    /// `input` under no-grad, writes `logits` to `output` (atomically) and returns them.
    ///
    ///     try ModelCheck.run(model: "resnet18.safetensors", input: "img.safetensors", output: "out.safetensors", arch: "resnet18")
    @discardableResult
    public static func run(model path: String, input: String, output: String, arch: String? = nil, dtype: DType? = nil) throws -> Tensor {
        let model = try AutoModel.load(path, arch: arch, dtype: dtype)
        let inputs = try Safetensors.read(from: input)
        guard let x = inputs.tensors["input"] else {
            throw SafetensorsError.missingTensor(path: input, name: "input", available: Array(inputs.tensors.keys))
        }
        let logits: Tensor = try withNoGrad {
            switch model {
            case let m as BertForMaskedLM:
                return try m.logits(inputIDs: ids(x, input), attentionMask: inputs.tensors["attention_mask"], tokenTypeIDs: inputs.tensors["token_type_ids"])
            case let m as BertForSequenceClassification:
                return try m.logits(inputIDs: ids(x, input), attentionMask: inputs.tensors["attention_mask"], tokenTypeIDs: inputs.tensors["token_type_ids"])
            case let m as CausalLanguageModel:
                return m.logits(inputIDs: try ids(x, input), attentionMask: inputs.tensors["attention_mask"], cache: nil)
            default:
                guard x.rank == 4, x.dtype.isFloatingPoint else {
                    throw ModelLoadError.invalidConfig(path: input, reason: "'input' must be float images [n, 3, h, w] for \(model.typeName), got \(x.dtype) \(x.shape)")
                }
                let weightDType = model.parameters().first?.dtype ?? .float32
                return model(x.to(weightDType))
            }
        }
        try Safetensors.save(["logits": logits.to(.float32)], to: output, metadata: ["format": "pt"])
        return logits
    }

    /// Token ids as int64 (int32 files are widened); float ids are refused.
    static func ids(_ x: Tensor, _ path: String) throws -> Tensor {
        guard !x.dtype.isFloatingPoint, x.rank == 2 else {
            throw ModelLoadError.invalidConfig(path: path, reason: "'input' must be integer token ids [batch, seq] for a language model, got \(x.dtype) \(x.shape)")
        }
        return x.to(.int64)
    }
}
