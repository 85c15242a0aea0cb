// Text generation with the KV cache and the sampling flags: loads a model directory (config.json,
// model.safetensors, tokenizer.json) of a TinyDecoder, such as the one `finetune-lora --save DIR`
// writes, encodes the prompt with the tokenizer, generates, and prints tokens per second.
// (Hugging Face GPT-2/Llama directories load through the SwiftGradModels library.)
// Run: swift run -c release generate --model DIR [--prompt "st"] [--max-tokens 32] [--temperature 0.8]
//      [--top-k 10] [--top-p 0.95] [--repetition-penalty 1.1] [--samples 5] [--seed 0]
import ArgumentParser
import Foundation
import ExampleKit
import SwiftGrad

@main
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a model directory with the KV cache and the sampling flags.")

    @Option(help: "Model directory: config.json, model.safetensors, tokenizer.json.") var model: String
    @Option(help: "Text to continue.") var prompt = ""
    @Option(help: "Most new tokens per sample.") var maxTokens = 32
    @Option(help: "Softmax temperature; 0 is greedy.") var temperature = 0.8
    @Option(help: "Keep the k most likely tokens.") var topK: Int?
    @Option(help: "Keep the most likely tokens up to this probability mass.") var topP: Double?
    @Option(help: "Divide the logits of tokens already present by this.") var repetitionPenalty = 1.0
    @Option(help: "Samples to generate.") var samples = 5
    @Option(help: "Seed of the sampler.") var seed: UInt64 = 0
    @Option(help: "Threads for BLAS and SwiftGrad's kernels.") var threads = 1

    mutating func run() throws {
        Runtime.threadCount = threads
        let tokenizer = try Tokenizer(contentsOf: model + "/tokenizer.json")
        let net = try TinyDecoder.load(from: model)
        let ids = tokenizer.encode(prompt)
        guard !ids.isEmpty else { throw ValidationError("the prompt encodes to no tokens and the tokenizer adds none") }
        let stop = tokenizer.id(of: "</s>") ?? tokenizer.id(of: "<|endoftext|>")
        let sampler = TokenSampler(temperature: temperature, topK: topK, topP: topP, repetitionPenalty: repetitionPenalty,
                                   generator: Generator(seed: seed))
        var tokens = 0, seconds = 0.0
        for _ in 0..<samples {
            let (out, s) = net.generate(prompt: ids, maxNewTokens: maxTokens, sampler: sampler, stop: stop)
            tokens += out.count; seconds += s
            print(prompt + tokenizer.decode(out))
        }
        print(String(format: "%d tokens in %.3f s: %.0f tokens/s", tokens, seconds, Double(tokens) / max(seconds, 1e-9)))
    }
}
