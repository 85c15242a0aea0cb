// LoRA fine-tuning of a small Llama-style decoder (TinyDecoder) on the bundled word list: pretrain it on
// the words that do not end in a suffix, attach rank-r adapters to its projections, train only the
// adapters on the words that do, merge them, and generate with the KV cache. Seconds in release.
// Run: swift run -c release finetune-lora [--suffix ing] [--rank 4] [--save tiny-model]
import ArgumentParser
import Foundation
import ExampleKit
import SwiftGrad

@main
struct FinetuneLoRA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune-lora",
        abstract: "Pretrain a small decoder on words, LoRA-fine-tune it on words with a suffix, merge, generate.")

    @Option(help: "Fine-tune on the words ending in this.") var suffix = "ing"
    @Option(help: "Pretraining steps (all parameters).") var pretrainSteps = 300
    @Option(help: "Fine-tuning steps (adapters only).") var finetuneSteps = 200
    @Option(help: "LoRA rank.") var rank = 4
    @Option(help: "LoRA alpha (scaling alpha/rank).") var alpha = 8.0
    @Option(help: "Adapter learning rate.") var lr = 0.01
    @Option(help: "Words per batch.") var batchSize = 64
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Write the merged model (config.json, model.safetensors, tokenizer.json) and the adapter (DIR/adapter) here; `generate --model DIR` loads it.") var save: String?
    @Option(help: "Threads for BLAS and SwiftGrad's kernels.") var threads = 1

    mutating func run() throws {
        let started = Date()
        Runtime.threadCount = threads
        var job = LoRAWordFinetune()
        job.suffix = suffix; job.pretrainSteps = pretrainSteps; job.finetuneSteps = finetuneSteps
        job.rank = rank; job.alpha = alpha; job.finetuneLR = lr; job.batchSize = batchSize; job.seed = seed
        let r = try job.run()
        print("base weights unchanged by fine-tuning: \(r.baseUnchanged)")
        let sampler = TokenSampler(temperature: 0.8, topK: 10, generator: Generator(seed: seed &+ 99))
        var tokens = 0, seconds = 0.0
        var samples: [String] = []
        for _ in 0..<12 {
            let (ids, s) = r.model.generate(prompt: [CharVocabulary.start], maxNewTokens: 14, sampler: sampler, stop: CharVocabulary.end)
            tokens += ids.count; seconds += s
            samples.append(r.vocabulary.decode(ids))
        }
        print("merged model, KV-cache generation: \(samples.joined(separator: " "))")
        print(String(format: "%.0f tokens/s", Double(tokens) / max(seconds, 1e-9)))
        if let dir = save {
            try r.model.save(to: dir)
            try characterTokenizerJSON(r.vocabulary).write(toFile: dir + "/tokenizer.json", atomically: true, encoding: .utf8)
            try r.lora.save(to: dir + "/adapter")
            print("saved the merged model to \(dir) and the adapter to \(dir)/adapter")
        }
        print(String(format: "wall time: %.1f s", Date().timeIntervalSince(started)))
    }
}
