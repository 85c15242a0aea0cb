import Foundation
import SwiftGrad

/// What one `generate` call produced: the new token ids (the stop token included when one ended
/// it, as transformers' output), and how long the prompt's pass and the whole call took.
///
///     let g = model.generate(inputIDs: prompt, maxNewTokens: 20)
///     print(g.tokens, g.tokensPerSecond)
public struct Generation: Sendable, Equatable {
    /// The prompt's ids.
    public var promptIDs: [Int]
    /// The new ids, in order (a stop token that ended generation is the last).
    public var tokens: [Int]
    /// The stop token that ended generation, nil when `maxNewTokens` did.
    public var stopToken: Int?
    /// The decoded text of `tokens` when a tokenizer was given (special tokens skipped), else nil.
    public var text: String?
    /// Seconds from the start to the first new token (the prompt's pass and one sampling step).
    public var prefillSeconds: Double
    /// Seconds of the whole call (prompt pass and every step).
    public var seconds: Double

    /// New tokens per second over the whole call.
    ///
    ///     print(String(format: "%.1f tokens/s", g.tokensPerSecond))
    public var tokensPerSecond: Double { Double(tokens.count) / max(seconds, 1e-9) }

    /// New tokens after the first per second of the steps after the prompt's pass (one cached
    /// step per token); nil with fewer than two tokens.
    ///
    ///     if let r = g.decodeTokensPerSecond { print(r) }
    public var decodeTokensPerSecond: Double? {
        tokens.count > 1 ? Double(tokens.count - 1) / max(seconds - prefillSeconds, 1e-9) : nil
    }
}

extension CausalLanguageModel {
    /// Generates up to `maxNewTokens` tokens after `inputIDs` with the KV cache (one pass over the
    /// prompt, then one cached step per token) and `sampler` (greedy by default; its repetition
    /// penalty sees the prompt and the new tokens, as transformers'), stopping after a token of
    /// `stopTokens`. Runs under no-grad; the model should be in eval mode (AutoModel's are).
    /// With the greedy sampler this is transformers' `generate(do_sample=False)` for one sequence.
    ///
    ///     let g = model.generate(inputIDs: [1, 15043], maxNewTokens: 32, stopTokens: [2])
    ///     let s = model.generate(inputIDs: ids, maxNewTokens: 32, sampler: TokenSampler(temperature: 0.8, topP: 0.95, generator: Generator(seed: 0)))
    public func generate(inputIDs: [Int], maxNewTokens: Int, sampler: TokenSampler = .greedy, stopTokens: Set<Int> = []) -> Generation {
        check(!inputIDs.isEmpty, "generate: the prompt has no token ids (a model needs at least one position to continue)")
        check(maxNewTokens >= 0, "generate: maxNewTokens must be >= 0, got \(maxNewTokens)")
        check(inputIDs.allSatisfy { $0 >= 0 && $0 < vocabSize },
              "generate: prompt ids must lie in 0..<\(vocabSize), got \(inputIDs.min()!)...\(inputIDs.max()!) in \(inputIDs.count) ids")
        let start = Date()
        var out = Generation(promptIDs: inputIDs, tokens: [], stopToken: nil, text: nil, prefillSeconds: 0, seconds: 0)
        guard maxNewTokens > 0 else { return out }
        withNoGrad {
            let cache = makeCache(batch: 1, maxLength: inputIDs.count + maxNewTokens)
            var history = inputIDs
            var logits = lastLogits(inputIDs: Tensor(inputIDs, shape: [1, inputIDs.count]), cache: cache)
            while true {
                let last = logits.reshape([1, vocabSize])
                let next = Int(sampler(logits: last, previousTokens: [history]).item())
                if out.tokens.isEmpty { out.prefillSeconds = Date().timeIntervalSince(start) }
                out.tokens.append(next)
                history.append(next)
                if stopTokens.contains(next) { out.stopToken = next; break }
                if out.tokens.count == maxNewTokens { break }
                logits = lastLogits(inputIDs: Tensor([next], shape: [1, 1]), cache: cache)
            }
        }
        out.seconds = Date().timeIntervalSince(start)
        return out
    }
}

/// A causal language model with its tokenizer and stop tokens, read from a Hugging Face model
/// directory (`config.json`, the safetensors weights, `tokenizer.json`, and `generation_config.json`
/// when present), as transformers' text-generation pipeline.
///
///     let generator = try TextGenerator(directory: "models/TinyLlama")
///     let g = generator.generate("Once upon a time", maxNewTokens: 32)
///     print(g.text!, g.tokensPerSecond)
public final class TextGenerator {
    /// The model (GPT-2 or the Llama family), in eval mode.
    public let model: any CausalLanguageModel
    /// The tokenizer of the directory.
    public let tokenizer: Tokenizer
    /// Generation stops after any of these (the eos ids of `generation_config.json`, else of `config.json`).
    public var stopTokens: Set<Int>

    /// Loads the directory: the model through `AutoModel` (`dtype` nil keeps the checkpoint's),
    /// `tokenizer.json`, and the eos ids. Throws `ModelLoadError` (also when the architecture is
    /// not a causal language model), `TokenizerError`, `SafetensorsError`.
    ///
    ///     let generator = try TextGenerator(directory: dir, dtype: .float32)
    public convenience init(directory: String, dtype: DType? = nil) throws {
        let module = try AutoModel.load(directory, dtype: dtype)
        guard let model = module as? any CausalLanguageModel else {
            throw ModelLoadError.unsupported(path: directory + "/config.json", what: "generation with \(module.typeName), not a causal language model",
                                             supported: ["GPT2LMHeadModel", "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"])
        }
        let tokenizer = try Tokenizer(contentsOf: directory + "/tokenizer.json")
        self.init(model: model, tokenizer: tokenizer, stopTokens: try TextGenerator.eosTokenIDs(directory: directory))
    }

    /// A generator of a model and tokenizer already loaded.
    ///
    ///     let generator = TextGenerator(model: gpt2, tokenizer: tok, stopTokens: [tok.id(of: "<|endoftext|>")!])
    public init(model: any CausalLanguageModel, tokenizer: Tokenizer, stopTokens: Set<Int> = []) {
        self.model = model; self.tokenizer = tokenizer; self.stopTokens = stopTokens
    }

    /// The eos ids of a model directory: `eos_token_id` (an id or a list) of `generation_config.json`
    /// when the file has one, else of `config.json`; empty when neither has.
    ///
    ///     let stops = try TextGenerator.eosTokenIDs(directory: dir)
    public static func eosTokenIDs(directory: String) throws -> Set<Int> {
        for file in ["generation_config.json", "config.json"] {
            let path = directory + "/" + file
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let c = try ModelConfig(contentsOf: path)
            guard let v = c.values["eos_token_id"] else { continue }
            if let list = v as? [Any] {
                return Set(try list.map { try ModelConfig(values: ["eos_token_id": $0], path: path).int("eos_token_id") })
            }
            return [try c.int("eos_token_id")]
        }
        return []
    }

    /// Encodes `prompt` (with the tokenizer's special tokens, such as Llama's BOS), generates, and
    /// decodes the new tokens into `text` (special tokens skipped). `stopTokens` nil uses the
    /// generator's.
    ///
    ///     let g = generator.generate("Hello", maxNewTokens: 20, sampler: TokenSampler(temperature: 0.7, topK: 40, generator: Generator(seed: 1)))
    public func generate(_ prompt: String, maxNewTokens: Int, sampler: TokenSampler = .greedy, stopTokens: Set<Int>? = nil) -> Generation {
        let ids = tokenizer.encode(prompt)
        check(!ids.isEmpty, "TextGenerator.generate: the prompt \"\(prompt)\" encodes to no tokens and the tokenizer adds none")
        var g = model.generate(inputIDs: ids, maxNewTokens: maxNewTokens, sampler: sampler, stopTokens: stopTokens ?? self.stopTokens)
        g.text = tokenizer.decode(g.tokens)
        return g
    }
}
