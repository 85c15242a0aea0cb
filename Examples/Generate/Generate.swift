// Text generation with the KV cache and the sampling flags: loads a model directory, encodes the
// prompt with its tokenizer, generates, and prints tokens per second. The directory is either a
// Hugging Face GPT-2 / Llama / Mistral / Qwen2 directory (config.json, safetensors weights,
// tokenizer.json, generation_config.json; loaded by SwiftGradModels' TextGenerator) or a TinyDecoder
// directory (such as the one `finetune-lora --save DIR` writes).
// Run: swift run -c release generate --model DIR [--prompt "st"] [--max-tokens 32] [--temperature 0.8]
//      [--top-k 10] [--top-p 0.95] [--repetition-penalty 1.1] [--samples 5] [--seed 0]
//      [--dtype float32|bfloat16|float16] [--ignore-eos] [--print-ids]
import ArgumentParser
import Foundation
import ExampleKit
import SwiftGrad
import SwiftGradModels

@main
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a model directory with the KV cache and the sampling flags.")

    @Option(help: "Model directory: config.json, safetensors weights, tokenizer.json.") var model: String
    @Option(help: "Text to continue.") var prompt = ""
    @Option(help: "Most new tokens per sample.") var maxTokens = 32
    @Option(help: "Softmax temperature; 0 is greedy.") var temperature = 0.8
    @Option(help: "Keep the k most likely tokens.") var topK: Int?
    @Option(help: "Keep the most likely tokens up to this probability mass.") var topP: Double?
    @Option(help: "Divide the logits of tokens already present by this.") var repetitionPenalty = 1.0
    @Option(help: "Samples to generate.") var samples = 5
    @Option(help: "Seed of the sampler.") var seed: UInt64 = 0
    @Option(help: "Threads for BLAS and SwiftGrad's kernels.") var threads = 1
    @Option(help: "Weights' dtype for a Hugging Face directory (float32, bfloat16, float16); default: the checkpoint's.")
    var dtype: String?
    @Flag(help: "Do not stop at the eos token (always generate --max-tokens tokens, for timing).") var ignoreEos = false
    @Flag(help: "Also print the new token ids of each sample (Hugging Face directories).") var printIds = false

    mutating func run() throws {
        Runtime.threadCount = threads
        let config = try ModelConfig(contentsOf: model + "/config.json")
        if config.architectures.contains("TinyDecoder") { try runTinyDecoder() } else { try runHuggingFace() }
    }

    var sampler: TokenSampler {
        TokenSampler(temperature: temperature, topK: topK, topP: topP, repetitionPenalty: repetitionPenalty, generator: Generator(seed: seed))
    }

    func report(tokens: Int, seconds: Double) {
        print(String(format: "%d tokens in %.3f s: %.1f tokens/s", tokens, seconds, Double(tokens) / max(seconds, 1e-9)))
    }

    /// A Hugging Face directory through `TextGenerator`; prints each sample, then the prompt pass
    /// and the per-token decoding rate of the last sample (the first warms up caches and the allocator).
    func runHuggingFace() throws {
        var weightDType: DType?
        if let dtype {
            guard let d = DType(rawValue: dtype), d.isFloatingPoint else { throw ValidationError("unknown float dtype \(dtype)") }
            weightDType = d
        }
        let generator = try TextGenerator(directory: model, dtype: weightDType)
        if ignoreEos { generator.stopTokens = [] }
        let sampler = self.sampler
        var tokens = 0, seconds = 0.0
        var last: Generation?
        for _ in 0..<samples {
            let g = generator.generate(prompt, maxNewTokens: maxTokens, sampler: sampler)
            tokens += g.tokens.count; seconds += g.seconds
            print(prompt + (g.text ?? ""))
            if printIds { print("ids: \(g.tokens)") }
            last = g
        }
        report(tokens: tokens, seconds: seconds)
        if let g = last {
            print(String(format: "last sample: prompt %d tokens, %d new; first token after %.4f s; %.1f tokens/s decoding, %.1f tokens/s overall",
                         g.promptIDs.count, g.tokens.count, g.prefillSeconds, g.decodeTokensPerSecond ?? 0, g.tokensPerSecond))
        }
    }

    /// A TinyDecoder directory (ExampleKit's model, the memory-mapped weights).
    func runTinyDecoder() throws {
        let tokenizer = try Tokenizer(contentsOf: model + "/tokenizer.json")
        let net = try TinyDecoder.load(from: model)
        let ids = tokenizer.encode(prompt)
        guard !ids.isEmpty else { throw ValidationError("the prompt encodes to no tokens and the tokenizer adds none") }
        let stop = ignoreEos ? nil : tokenizer.id(of: "</s>") ?? tokenizer.id(of: "<|endoftext|>")
        let sampler = self.sampler
        var tokens = 0, seconds = 0.0
        for _ in 0..<samples {
            let (out, s) = net.generate(prompt: ids, maxNewTokens: maxTokens, sampler: sampler, stop: stop)
            tokens += out.count; seconds += s
            print(prompt + tokenizer.decode(out))
        }
        report(tokens: tokens, seconds: seconds)
    }
}
