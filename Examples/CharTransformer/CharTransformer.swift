// A small causal Transformer (GPT-style, pre-norm) over characters of the bundled English word list:
// trains with Adam, reports held-out nats per character against a bigram count model, and invents
// new words.
// Run: swift run -c release char-transformer [--epochs 3] [--hidden 64] [--layers 2] [--lr 0.003] [--seed 0]
import ArgumentParser
import Foundation
import ExampleKit
import SwiftGrad

/// Token + learned position embeddings → causal TransformerEncoder → LayerNorm → Linear:
/// next-character logits [N, T, vocabulary] for token ids [N, T].
final class CharTransformerModel: Module {
    let tokenEmbedding: Embedding
    let positionEmbedding: Embedding
    let encoder: TransformerEncoder
    let norm: LayerNorm
    let head: Linear
    let maxLength: Int

    init(vocabulary: Int, dModel: Int, heads: Int, layers: Int, maxLength: Int, dropout: Double, generator: Generator) {
        tokenEmbedding = Embedding(numEmbeddings: vocabulary, embeddingDim: dModel, generator: generator)
        positionEmbedding = Embedding(numEmbeddings: maxLength, embeddingDim: dModel, generator: generator)
        encoder = TransformerEncoder(numLayers: layers) {
            TransformerEncoderLayer(dModel: dModel, nhead: heads, dimFeedforward: 4 * dModel, dropout: dropout,
                                    activation: .gelu, batchFirst: true, normFirst: true, generator: generator)
        }
        norm = LayerNorm(dModel)
        head = Linear(inFeatures: dModel, outFeatures: vocabulary, generator: generator)
        self.maxLength = maxLength
        super.init()
        // N(0, 1) embeddings are large next to the residual stream's scale; GPT-style models use 0.02.
        withNoGrad {
            tokenEmbedding.weight.copyFrom(tokenEmbedding.weight * 0.1)
            positionEmbedding.weight.copyFrom(positionEmbedding.weight * 0.1)
        }
    }

    override func forward(_ tokens: Tensor) -> Tensor {
        let t = tokens.shape[1]
        check(t <= maxLength, "CharTransformerModel: sequence of \(t) tokens is longer than maxLength \(maxLength)")
        let positions = Tensor(Array(0..<t), shape: [t])
        let x = tokenEmbedding(tokens) + positionEmbedding(positions)       // [N, T, d] + [T, d]
        // isCausal: position t attends to positions ≤ t only, so it never sees the character it predicts.
        return head(norm(encoder(x, mask: nil, isCausal: true)))
    }
}

@main
struct CharTransformer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "char-transformer",
        abstract: "Train a small causal Transformer on the bundled word list, compare it with a bigram model and sample new words.")

    @Option(help: "Passes over the training words.") var epochs = 3
    @Option(help: "Model width (dModel); the feed-forward layer is 4x wider.") var hidden = 64
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Transformer layers.") var layers = 2
    @Option(help: "Dropout in attention and feed-forward blocks.") var dropout = 0.0
    @Option(help: "Words per batch.") var batchSize = 64
    @Option(help: "Adam learning rate (linear warm-up, then cosine-annealed to 5%).") var lr = 0.003
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
        let maxLength = words.map(\.count).max()! + 1

        let model = CharTransformerModel(vocabulary: vocab.count, dModel: hidden, heads: heads, layers: layers,
                                         maxLength: maxLength, dropout: dropout, generator: generator)
        print("model: \(model.parameterCount) parameters")
        let optimizer = AdamW(model.parameters(), lr: lr, weightDecay: 0.01)
        let batches = (train.count + batchSize - 1) / batchSize
        let warmup = max(1, min(100, epochs * batches / 10))
        let scheduler = SequentialLR(optimizer, schedulers: [
            LinearLR(optimizer, startFactor: 0.1, endFactor: 1, totalIters: warmup),
            CosineAnnealingLR(optimizer, tMax: epochs * batches - warmup, etaMin: lr * 0.05),
        ], milestones: [warmup])

        let run = CharModelRun(model: model, vocabulary: vocab, train: train, test: test, optimizer: optimizer,
                               scheduler: scheduler, epochs: epochs, batchSize: batchSize, generator: generator)
        let modelNLL = run.train(bigramNLL: bigramNLL)
        run.report(name: "Transformer", modelNLL: modelNLL, bigramNLL: bigramNLL, known: Set(words), samples: samples,
                   seed: seed, maxLength: maxLength - 1, started: clockStart)
    }
}
