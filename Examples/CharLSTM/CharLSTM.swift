// A character-level LSTM language model on the bundled English word list: trains with Adam, reports
// the held-out negative log-likelihood in nats per character against a bigram count model, and
// invents new words.
// Run: swift run -c release char-lstm [--epochs 3] [--hidden 128] [--lr 0.005] [--seed 0] [--samples 12]
import ArgumentParser
import Foundation
import ExampleKit
import SwiftGrad

/// Embedding → LSTM → Linear: next-character logits [N, T, vocabulary] for token ids [N, T].
final class CharLSTMModel: Module {
    let embedding: Embedding
    let lstm: LSTM
    let head: Linear

    init(vocabulary: Int, embedding dim: Int, hidden: Int, generator: Generator) {
        embedding = Embedding(numEmbeddings: vocabulary, embeddingDim: dim, generator: generator)
        lstm = LSTM(inputSize: dim, hiddenSize: hidden, batchFirst: true, generator: generator)
        head = Linear(inFeatures: hidden, outFeatures: vocabulary, generator: generator)
        super.init()
    }

    override func forward(_ tokens: Tensor) -> Tensor {
        head(lstm(embedding(tokens)))
    }
}

@main
struct CharLSTM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "char-lstm",
        abstract: "Train a character-level LSTM on the bundled word list, compare it with a bigram model and sample new words.")

    @Option(help: "Passes over the training words.") var epochs = 3
    @Option(help: "LSTM hidden size.") var hidden = 128
    @Option(help: "Character embedding size.") var embedding = 32
    @Option(help: "Words per batch.") var batchSize = 64
    @Option(help: "Adam learning rate (cosine-annealed to 5% over the run).") var lr = 0.005
    @Option(help: "Seed for initialisation, shuffling and sampling.") var seed: UInt64 = 0
    @Option(help: "Words to generate at the end.") var samples = 12
    @Option(help: "Use only the first N training words (0: all), for quick trials.") var limit = 0
    @Option(help: "Threads for BLAS and SwiftGrad's kernels. The per-step tensors are small, so one thread is usually fastest.") var threads = 1

    mutating func run() throws {
        let clockStart = Date()
        Runtime.threadCount = threads
        manualSeed(seed)
        let generator = Generator(seed: seed)
        let data = try CharModelData.load(limit: limit)
        let (words, train, test, vocab, bigramNLL) = (data.words, data.train, data.test, data.vocabulary, data.bigramNLL)

        let model = CharLSTMModel(vocabulary: vocab.count, embedding: embedding, hidden: hidden, generator: generator)
        print("model: \(model.parameterCount) parameters")
        let optimizer = Adam(model.parameters(), lr: lr)
        let batches = (train.count + batchSize - 1) / batchSize
        let scheduler = CosineAnnealingLR(optimizer, tMax: epochs * batches, etaMin: lr * 0.05)

        let run = CharModelRun(model: model, vocabulary: vocab, train: train, test: test, optimizer: optimizer,
                               scheduler: scheduler, epochs: epochs, batchSize: batchSize, generator: generator)
        let modelNLL = run.train(bigramNLL: bigramNLL)
        run.report(name: "LSTM", modelNLL: modelNLL, bigramNLL: bigramNLL, known: Set(words), samples: samples,
                   seed: seed, started: clockStart)
    }
}
