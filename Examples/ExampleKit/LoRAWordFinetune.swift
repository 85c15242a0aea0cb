import Foundation
import SwiftGrad

/// `finetune-lora`'s steps, shared with the tests: pretrain a `TinyDecoder` on the words of the
/// bundled list that do not end in a suffix, then LoRA-fine-tune only its adapters on the words
/// that do, so that the words it invents end in the suffix far more often.
public struct LoRAWordFinetune {
    public var suffix = "ing"
    public var pretrainSteps = 300, finetuneSteps = 200, batchSize = 64
    public var rank = 4, alpha = 8.0
    public var pretrainLR = 0.003, finetuneLR = 0.01
    public var targetModules = ["q_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    public var seed: UInt64 = 0
    public var verbose = true

    public init() {}

    /// What a run produced.
    public struct Result {
        public let model: TinyDecoder
        public let lora: LoRA
        public let vocabulary: CharVocabulary
        /// Mean loss on suffix words over the first and the last 10% of the fine-tuning steps.
        public let finetuneLossStart: Double, finetuneLossEnd: Double
        /// Largest |logit| difference between the unmerged and the merged model.
        public let mergeDifference: Double
        /// Whether every base weight was bit-identical after fine-tuning (before merging).
        public let baseUnchanged: Bool
    }

    func log(_ s: String) { if verbose { print(s) } }

    /// Average loss of `steps` AdamW steps on random batches of `words` (per step, for the caller).
    func train(_ model: TinyDecoder, _ params: [Tensor], _ words: [String], steps: Int, lr: Double,
               vocab: CharVocabulary, generator: Generator, label: String) -> [Double] {
        let opt = AdamW(params, lr: lr, weightDecay: 0)
        model.train()
        var losses: [Double] = []
        for step in 1...max(steps, 1) where steps > 0 {
            let batch = (0..<batchSize).map { _ in words[generator.nextInt(in: 0..<words.count)] }
            let (x, y) = vocab.batch(batch)
            let loss = crossEntropy(logits: model(x).reshape([-1, vocab.count]), targets: y.reshape([-1]))
            opt.zeroGrad()
            loss.backward()
            clipGradNorm(params, maxNorm: 1)
            opt.step()
            losses.append(loss.item())
            if step % max(1, steps / 5) == 0 { log(String(format: "%@ step %d/%d: loss %.4f", label, step, steps, loss.item())) }
        }
        return losses
    }

    /// Words sampled with the KV cache (temperature 0.8, top-k 10).
    public static func sample(_ model: TinyDecoder, count: Int, seed: UInt64, vocab: CharVocabulary) -> [String] {
        let sampler = TokenSampler(temperature: 0.8, topK: 10, generator: Generator(seed: seed))
        return (0..<count).map { _ in
            vocab.decode(model.generate(prompt: [CharVocabulary.start], maxNewTokens: 14, sampler: sampler, stop: CharVocabulary.end).tokens)
        }
    }

    /// Pretrains, samples, fine-tunes the adapters, samples again, merges.
    ///
    ///     let r = try LoRAWordFinetune().run()
    public func run() throws -> Result {
        let words = try Words.load()
        let vocab = CharVocabulary(words: words)
        let target = words.filter { $0.hasSuffix(suffix) }, others = words.filter { !$0.hasSuffix(suffix) }
        log("words: \(others.count) for pretraining, \(target.count) ending in '\(suffix)' for fine-tuning")
        let generator = Generator(seed: seed)
        var config = TinyDecoderConfig(vocabSize: vocab.count)
        config.maxLength = 16
        let model = TinyDecoder(config, generator: generator)
        log("model: \(model.parameterCount) parameters")
        _ = train(model, model.parameters(), others, steps: pretrainSteps, lr: pretrainLR, vocab: vocab, generator: generator, label: "pretrain")
        let before = LoRAWordFinetune.sample(model, count: 40, seed: seed &+ 7, vocab: vocab)
        log("before fine-tuning, \(before.filter { $0.hasSuffix(suffix) }.count)/40 sampled words end in '\(suffix)': \(before.prefix(8).joined(separator: " "))")

        let base = model.stateDict().mapValues { $0.copy() }
        let lora = LoRA(model, rank: rank, alpha: alpha, targetModules: targetModules, generator: generator)
        let trainable = lora.parameters().reduce(0) { $0 + $1.count }
        log("LoRA: rank \(rank) on \(lora.adapters.count) layers, \(trainable) trainable parameters (\(String(format: "%.1f", 100 * Double(trainable) / Double(model.parameterCount)))% of the model)")
        let losses = train(model, lora.parameters(), target, steps: finetuneSteps, lr: finetuneLR, vocab: vocab, generator: generator, label: "LoRA")
        let tenth = max(1, losses.count / 10)
        let start = losses.prefix(tenth).reduce(0, +) / Double(tenth), end = losses.suffix(tenth).reduce(0, +) / Double(tenth)
        let unchanged = model.stateDict().allSatisfy { $0.value.allClose(base[$0.key]!, rtol: 0, atol: 0) }
        let after = LoRAWordFinetune.sample(model, count: 40, seed: seed &+ 7, vocab: vocab)
        log("after fine-tuning, \(after.filter { $0.hasSuffix(suffix) }.count)/40 sampled words end in '\(suffix)': \(after.prefix(8).joined(separator: " "))")

        model.eval()
        let (x, _) = vocab.batch(Array(target.prefix(8)))
        let unmerged = withNoGrad { model(x) }
        lora.merge()
        let merged = withNoGrad { model(x) }
        let difference = withNoGrad { (merged - unmerged).abs().max().item() }
        log(String(format: "merged into the weights: largest logit change %.2e", difference))
        return Result(model: model, lora: lora, vocabulary: vocab, finetuneLossStart: start, finetuneLossEnd: end,
                      mergeDifference: difference, baseUnchanged: unchanged)
    }
}
