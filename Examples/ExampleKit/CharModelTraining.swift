import Foundation
import SwiftGrad

/// The training loop, evaluation and report shared by `char-lstm` and `char-transformer`: batches of
/// words, cross-entropy over every position (padding ignored), clipped gradients, one scheduler step
/// per batch, held-out nats per character after each epoch, then samples and the comparison with
/// the bigram baseline.
public struct CharModelRun {
    public let model: Module
    public let vocabulary: CharVocabulary
    public let train: [String], test: [String]
    public let optimizer: Optimizer
    public let scheduler: LRScheduler
    public let epochs: Int, batchSize: Int
    public let generator: Generator

    public init(model: Module, vocabulary: CharVocabulary, train: [String], test: [String], optimizer: Optimizer,
                scheduler: LRScheduler, epochs: Int, batchSize: Int, generator: Generator) {
        self.model = model; self.vocabulary = vocabulary; self.train = train; self.test = test
        self.optimizer = optimizer; self.scheduler = scheduler; self.epochs = epochs
        self.batchSize = batchSize; self.generator = generator
    }

    /// Trains for `epochs`, printing progress and held-out NLL; returns the final held-out nats/char.
    ///
    ///     let nll = CharModelRun(model: m, ...).train(bigramNLL: bigram.negativeLogLikelihood(test))
    public func train(bigramNLL: Double) -> Double {
        let batches = (train.count + batchSize - 1) / batchSize
        var modelNLL = Double.nan
        for epoch in 1...epochs {
            model.train()
            let order = randomPermutation(train.count, generator: generator)
            let bar = ProgressReporter(total: batches, label: "epoch \(epoch)/\(epochs)")
            for b in 0..<batches {
                let batchWords = order[(b * batchSize)..<min((b + 1) * batchSize, train.count)].map { train[$0] }
                let (x, y) = vocabulary.batch(batchWords)
                let logits = model(x)                                   // [N, T, V]
                // Padding targets are -100, which crossEntropy ignores.
                let loss = crossEntropy(logits: logits.reshape([-1, vocabulary.count]), targets: y.reshape([-1]))
                optimizer.zeroGrad()
                loss.backward()
                clipGradNorm(model.parameters(), maxNorm: 1)
                optimizer.step()
                scheduler.step()
                bar.update(metrics: ["loss": loss.item()])
            }
            bar.finish()
            model.eval()
            modelNLL = CharLM.negativeLogLikelihood(of: test, vocabulary: vocabulary) { model($0) }
            print(String(format: "epoch %d: held-out %.4f nats/char (bigram %.4f)", epoch, modelNLL, bigramNLL))
        }
        return modelNLL
    }

    /// Prints `count` sampled words (marking those already in the list) and the final comparison.
    public func report(name: String, modelNLL: Double, bigramNLL: Double, known: Set<String>, samples count: Int,
                       seed: UInt64, maxLength: Int? = nil, started: Date) {
        print("samples (seed \(seed)):")
        let sampler = Generator(seed: seed &+ 1)
        for _ in 0..<count {
            let word = maxLength.map { CharLM.sample(vocabulary: vocabulary, maxLength: $0, generator: sampler) { model($0) } }
                ?? CharLM.sample(vocabulary: vocabulary, generator: sampler) { model($0) }
            print("  \(word)\(known.contains(word) ? "  (in the word list)" : "")")
        }
        print(String(format: "uniform model:        %.4f nats/char", log(Double(vocabulary.count - 1))))
        print(String(format: "bigram (add-one):     %.4f nats/char", bigramNLL))
        print(String(format: "%@ (held out): %.4f nats/char", name, modelNLL))
        print(modelNLL < bigramNLL
              ? String(format: "verdict: the %@ beats the bigram model by %.4f nats/char", name, bigramNLL - modelNLL)
              : "verdict: the \(name) does NOT beat the bigram model")
        print(String(format: "wall time: %.1f s", Date().timeIntervalSince(started)))
    }
}

/// The word-list data both character models train on: one fixed held-out split (independent of the
/// run's seed, so runs with different seeds and the two examples compare on the same words), an
/// optional limit on the training words, the vocabulary and the bigram baseline's held-out NLL.
public struct CharModelData {
    public let words: [String]
    public let train: [String], test: [String]
    public let vocabulary: CharVocabulary
    public let bigramNLL: Double

    /// Loads the bundled word list and prints its sizes.
    ///
    ///     let data = try CharModelData.load(limit: 0)
    public static func load(limit: Int) throws -> CharModelData {
        let words = try Words.load()
        var (train, test) = Words.split(words, heldOut: 0.1, generator: Generator(seed: 2024))
        if limit > 0 { train = Array(train.prefix(limit)) }
        let vocab = CharVocabulary(words: words)
        print("words: \(train.count) train, \(test.count) held out; vocabulary \(vocab.count) tokens (start, end, \(vocab.characters.count) letters)")
        let bigram = BigramModel(words: train, vocabulary: vocab, smoothing: 1)
        return CharModelData(words: words, train: train, test: test, vocabulary: vocab,
                             bigramNLL: bigram.negativeLogLikelihood(test))
    }
}
