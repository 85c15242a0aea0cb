import Foundation
import Testing
import SwiftGrad

/// The embedded word list, the character vocabulary, the bigram baseline, held-out NLL and sampling,
/// and a short real training run of a character-level LSTM.
@Suite struct CharLanguageModelTests {
    @Test func theWordListLoadsWithItsLicence() throws {
        let words = try Words.load()
        #expect(words.count == 30_270)
        #expect(words.first == "aardvark")
        #expect(words.allSatisfy { (3...12).contains($0.count) && $0.allSatisfy { ("a"..."z").contains($0) } })
        #expect(Words.licence.contains("Kevin Atkinson") && Words.licence.contains("Permission to use"))
        let (train, test) = Words.split(words, heldOut: 0.1, generator: Generator(seed: 5))
        #expect(train.count == 27_243 && test.count == 3_027)
        #expect(Set(train).isDisjoint(with: test))
        let again = Words.split(words, heldOut: 0.1, generator: Generator(seed: 5))
        #expect(again.test == test, "same seed, same split")
    }

    @Test func vocabularyEncodesDecodesAndBatches() {
        let vocab = CharVocabulary(words: ["cab", "bad"])
        #expect(vocab.count == 6 && vocab.characters == ["a", "b", "c", "d"])
        #expect(vocab.encode("bad") == [3, 2, 5])
        #expect(vocab.decode([0, 4, 2, 3, 1]) == "cab")
        #expect(vocab.canEncode("dab") && !vocab.canEncode("dog"))
        let (x, y) = vocab.batch(["cab", "a"])
        #expect(x.shape == [2, 4] && y.shape == [2, 4] && x.dtype == .int64)
        #expect(x.toArray(as: Int64.self) == [0, 4, 2, 3, 0, 2, 1, 1])
        #expect(y.toArray(as: Int64.self) == [4, 2, 3, 1, 2, 1, -100, -100])
        #expect(vocab.predictedTokens(in: ["cab", "a"]) == 6)
    }

    @Test func bigramCountsWithAddOneSmoothing() {
        let vocab = CharVocabulary(words: ["ab", "b"])             // start, end, a, b: 3 possible next tokens
        let bigram = BigramModel(words: ["ab", "ab", "b"], vocabulary: vocab, smoothing: 1)
        #expect(bigram.counts[CharVocabulary.start] == [0, 0, 2, 1])
        // After start: a seen 2 times, b once, end never: (2 + 1) / (3 + 3).
        #expect(abs(bigram.probability(of: 2, after: CharVocabulary.start) - 0.5) < 1e-12)
        #expect(abs(bigram.probability(of: CharVocabulary.end, after: CharVocabulary.start) - 1.0 / 6) < 1e-12)
        #expect(bigram.probability(of: CharVocabulary.start, after: 2) == 0)
        for previous in [0, 2, 3] {
            let total = (1..<4).reduce(0.0) { $0 + bigram.probability(of: $1, after: previous) }
            #expect(abs(total - 1) < 1e-12)
        }
        // "b": start→b (2/6), b→end (3 + 1)/(3 + 3).
        let expected = -(log(2.0 / 6) + log(4.0 / 6)) / 2
        #expect(abs(bigram.negativeLogLikelihood(["b"]) - expected) < 1e-12)
    }

    @Test func neuralNLLAgreesWithTheBigramWhenGivenItsLogits() throws {
        let words = try Words.load()
        let (train, test) = Words.split(words, heldOut: 0.1, generator: Generator(seed: 1))
        let vocab = CharVocabulary(words: words)
        let bigram = BigramModel(words: train, vocabulary: vocab)
        let v = vocab.count
        // A "model" whose logits are the bigram's log-probabilities of the current token.
        var table = [Double](repeating: -1e30, count: v * v)
        for p in 0..<v { for n in 1..<v { table[p * v + n] = log(bigram.probability(of: n, after: p)) } }
        let logProbs = Tensor(table, shape: [v, v], dtype: .float64)
        let nll = CharLM.negativeLogLikelihood(of: Array(test.prefix(700)), vocabulary: vocab, batchSize: 128) { x in
            logProbs.indexSelect(axis: 0, indices: x.reshape([-1])).reshape(x.shape + [v])
        }
        let direct = bigram.negativeLogLikelihood(Array(test.prefix(700)))
        #expect(abs(nll - direct) < 1e-9, "CharLM \(nll) vs bigram \(direct)")
        // The bigram is far better than a uniform guess over the 27 possible next tokens.
        #expect(direct < log(27.0) - 0.5)
        #expect(direct > 2 && direct < 3)
    }

    @Test func samplingIsSeededAndStopsAtTheEnd() {
        let vocab = CharVocabulary(words: ["ab"])
        let bigram = BigramModel(words: ["ab", "ab", "ab"], vocabulary: vocab)
        let a = (0..<20).map { _ in bigram.sample(maxLength: 6, generator: Generator(seed: 3)) }
        #expect(Set(a).count == 1, "same seed, same word")
        let g = Generator(seed: 4)
        let many = (0..<200).map { _ in bigram.sample(maxLength: 6, generator: g) }
        #expect(many.allSatisfy { $0.count <= 6 })
        #expect(many.filter { $0 == "ab" }.count > 20)
        // A model that always puts its mass on "a" then the end token.
        let word = CharLM.sample(vocabulary: vocab, generator: Generator(seed: 0)) { x in
            let t = x.shape[1]
            var rows = [Double]()
            for i in 0..<t { rows += i == 0 ? [0, -50, 50, -50] : [0, 50, -50, -50] }
            return Tensor(rows, shape: [1, t, 4])
        }
        #expect(word == "a")
        #expect(CharLM.draw([-Double.infinity, 0, -Double.infinity], generator: Generator(seed: 9)) == 1)
    }

    /// Runs in a child process: its steady allocation would otherwise disturb tests that read the
    /// process-wide `Diagnostics` byte counters while the suites run in parallel.
    @Test func oneShortEpochOfAnLSTMBeatsAUniformModel() async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            let words = try Words.load()
            let (train, test) = Words.split(words, heldOut: 0.1, generator: Generator(seed: 2024))
            let vocab = CharVocabulary(words: words)
            let g = Generator(seed: 0)
            let embedding = Embedding(numEmbeddings: vocab.count, embeddingDim: 12, generator: g)
            let lstm = LSTM(inputSize: 12, hiddenSize: 32, batchFirst: true, generator: g)
            let head = Linear(inFeatures: 32, outFeatures: vocab.count, generator: g)
            let model = Sequential(embedding, lstm, head)
            let optimizer = Adam(model.parameters(), lr: 0.02)
            let subset = Array(train.prefix(1_200)), held = Array(test.prefix(300))
            let uniform = log(Double(vocab.count - 1))
            for start in stride(from: 0, to: subset.count, by: 32) {
                let (x, y) = vocab.batch(Array(subset[start..<min(start + 32, subset.count)]))
                let loss = crossEntropy(logits: model(x).reshape([-1, vocab.count]), targets: y.reshape([-1]))
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
            }
            model.eval()
            let after = CharLM.negativeLogLikelihood(of: held, vocabulary: vocab) { model($0) }
            let sample = CharLM.sample(vocabulary: vocab, generator: Generator(seed: 1)) { model($0) }
            guard after < uniform - 0.5, sample.count <= 20, vocab.canEncode(sample) else {
                FileHandle.standardError.write("after one short epoch: \(after) nats/char, uniform \(uniform), sample '\(sample)'\n".data(using: .utf8)!)
                exit(1)
            }
        }
        if let result, result.exitStatus != .exitCode(0) {
            Issue.record("\(String(decoding: result.standardErrorContent, as: UTF8.self))")
        }
    }
}
