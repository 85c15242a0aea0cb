import Foundation

// Evaluation and sampling helpers for character-level language models over words (see `Words`,
// `CharVocabulary`): held-out nats per character, a bigram count baseline, seeded sampling.

/// A bigram count model with additive smoothing: P(next | previous) = (count + α) / (total + α·K),
/// where K counts the possible next tokens (the characters and the end token; never the start token).
/// The baseline a character-level neural model has to beat.
///
///     let bigram = BigramModel(words: train, vocabulary: vocab)          // add-one smoothing
///     print(bigram.negativeLogLikelihood(test))                          // nats per character
public struct BigramModel: Sendable {
    /// The tokens.
    ///
    ///     print(bigram.vocabulary.count)               // 28
    public let vocabulary: CharVocabulary
    /// The additive smoothing α (1: add-one, Laplace).
    ///
    ///     let lighter = BigramModel(words: train, vocabulary: vocab, smoothing: 0.1)
    public let smoothing: Double
    /// `counts[previous][next]`: how often `next` follows `previous` in the training words.
    ///
    ///     let firstLetters = bigram.counts[CharVocabulary.start]     // how often each letter starts a word
    public let counts: [[Int]]
    private let logProbabilities: [[Double]]

    /// Counts the bigrams of `words` (each word framed by the start and end tokens).
    ///
    ///     let bigram = BigramModel(words: ["cab", "bad"], vocabulary: vocab, smoothing: 1)
    ///     print(bigram.probability(of: vocab.encode("a")[0], after: CharVocabulary.start))
    public init(words: [String], vocabulary: CharVocabulary, smoothing: Double = 1) {
        check(smoothing > 0, "BigramModel: smoothing must be positive (zero gives log 0 on unseen pairs), got \(smoothing)")
        let v = vocabulary.count
        var counts = [[Int]](repeating: [Int](repeating: 0, count: v), count: v)
        for word in words {
            var previous = CharVocabulary.start
            for id in vocabulary.encode(word) + [CharVocabulary.end] {
                counts[previous][id] += 1
                previous = id
            }
        }
        self.vocabulary = vocabulary
        self.smoothing = smoothing
        self.counts = counts
        let outcomes = Double(v - 1)                        // every token but start can follow
        logProbabilities = counts.map { row in
            let total = Double(row.reduce(0, +)) + smoothing * outcomes
            return row.enumerated().map { next, c in
                next == CharVocabulary.start ? -.infinity : Foundation.log((Double(c) + smoothing) / total)
            }
        }
    }

    /// P(next | previous), smoothed.
    ///
    ///     let p = bigram.probability(of: CharVocabulary.end, after: vocab.encode("s")[0])
    public func probability(of next: Int, after previous: Int) -> Double { Foundation.exp(logProbabilities[previous][next]) }

    /// The mean negative log-likelihood of `words` in nats per predicted character (every character of
    /// every word plus its end token), the same measure as `CharLM.negativeLogLikelihood`.
    ///
    ///     let nats = bigram.negativeLogLikelihood(test)
    ///     print(String(format: "bigram: %.4f nats/char", nats))
    public func negativeLogLikelihood(_ words: [String]) -> Double {
        var total = 0.0
        for word in words {
            var previous = CharVocabulary.start
            for id in vocabulary.encode(word) + [CharVocabulary.end] {
                total -= logProbabilities[previous][id]
                previous = id
            }
        }
        return total / Double(vocabulary.predictedTokens(in: words))
    }

    /// Draws a word, one character at a time, until the end token or `maxLength` characters.
    ///
    ///     let g = Generator(seed: 1)
    ///     print((0..<5).map { _ in bigram.sample(generator: g) })
    public func sample(maxLength: Int = 20, generator: Generator = .default) -> String {
        var ids: [Int] = []
        var previous = CharVocabulary.start
        while ids.count < maxLength {
            let next = CharLM.draw(logProbabilities[previous].map { $0 }, generator: generator)
            if next == CharVocabulary.end { break }
            ids.append(next)
            previous = next
        }
        return vocabulary.decode(ids)
    }
}

/// Helpers for neural character-level language models that map a batch of token ids [N, T] to
/// next-token logits [N, T, vocabulary.count] (causally: position t sees tokens 0...t only).
///
///     let nats = CharLM.negativeLogLikelihood(of: test, vocabulary: vocab) { x in model(x) }
///     let word = CharLM.sample(vocabulary: vocab, generator: g) { x in model(x) }
public enum CharLM {
    /// The mean negative log-likelihood of `words` in nats per predicted character (each word's
    /// characters and its end token), evaluated in batches without recording a graph. Put the model
    /// in evaluation mode first (`model.eval()`: no dropout).
    ///
    ///     model.eval()
    ///     let nats = CharLM.negativeLogLikelihood(of: test, vocabulary: vocab) { model($0) }
    public static func negativeLogLikelihood(of words: [String], vocabulary: CharVocabulary, batchSize: Int = 512,
                                             logits: (Tensor) -> Tensor) -> Double {
        check(!words.isEmpty && batchSize > 0, "CharLM.negativeLogLikelihood: needs words and a positive batch size")
        return withNoGrad {
            var total = 0.0
            for start in stride(from: 0, to: words.count, by: batchSize) {
                let (x, y) = vocabulary.batch(Array(words[start..<min(start + batchSize, words.count)]))
                let out = logits(x)
                check(out.shape == x.shape + [vocabulary.count],
                             "CharLM.negativeLogLikelihood: logits must be [N, T, \(vocabulary.count)] for inputs \(x.shape), got \(out.shape)")
                // Sum, not mean: batches differ in their number of non-padding targets.
                let loss = crossEntropy(logits: out.reshape([-1, vocabulary.count]), targets: y.reshape([-1]), reduction: .sum)
                total += loss.item()
            }
            return total / Double(vocabulary.predictedTokens(in: words))
        }
    }

    /// Generates a word: starts from the start token, samples each next character from
    /// softmax(logits / temperature) of the last position, stops at the end token or after
    /// `maxLength` characters. Same generator state, same word. The start token is never drawn.
    ///
    ///     let g = Generator(seed: 7)
    ///     let words = (0..<10).map { _ in CharLM.sample(vocabulary: vocab, generator: g) { model($0) } }
    public static func sample(vocabulary: CharVocabulary, maxLength: Int = 20, temperature: Double = 1,
                              generator: Generator = .default, logits: (Tensor) -> Tensor) -> String {
        check(temperature > 0, "CharLM.sample: temperature must be positive, got \(temperature)")
        return withNoGrad {
            var ids = [CharVocabulary.start]
            while ids.count <= maxLength {
                let out = logits(Tensor(ids, shape: [1, ids.count]))
                let last = out[0, ids.count - 1].to(.float64).toArray(as: Double.self)
                var scaled = last.map { $0 / temperature }
                scaled[CharVocabulary.start] = -.infinity
                let next = draw(scaled, generator: generator)
                if next == CharVocabulary.end { break }
                ids.append(next)
            }
            return vocabulary.decode(ids)
        }
    }

    /// Draws an index with probability softmax(logits) using one uniform number from `generator`.
    ///
    ///     let i = CharLM.draw([0, 1, -Double.infinity], generator: Generator(seed: 0))   // 0 or 1
    public static func draw(_ logits: [Double], generator: Generator) -> Int {
        let m = logits.max() ?? 0
        // Shift by the maximum so exp never overflows.
        let weights = logits.map { Foundation.exp($0 - m) }
        var u = generator.nextUniform() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return i }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }
}
