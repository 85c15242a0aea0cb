import Foundation

/// Errors of the embedded word list (only when the library's resource bundle is incomplete).
///
///     do { _ = try Words.load() } catch let e as WordsError { print(e) }
public enum WordsError: Error, CustomStringConvertible {
    /// The resource file was not found in the library's bundle.
    case missingResource(name: String, searched: String)

    /// The message, naming the resource and the bundle searched.
    ///
    ///     print(WordsError.missingResource(name: "words/words.txt", searched: "/tmp"))
    public var description: String {
        switch self {
        case let .missingResource(name, searched): return "Words: resource \(name) not found in \(searched)"
        }
    }
}

/// The embedded English word list for character-level language models: 30,270 lowercase words of
/// 3 to 12 letters a-z from SCOWL (see `Words.licence`). It works offline.
///
///     let words = try Words.load()                      // ["aardvark", "abaci", ...]
///     let (train, test) = Words.split(words, heldOut: 0.1, generator: Generator(seed: 0))
public enum Words {
    /// All words, in file order.
    ///
    ///     let words = try Words.load()
    ///     print(words.count)                            // 30270
    public static func load() throws -> [String] {
        guard let url = Bundle.module.url(forResource: "words", withExtension: "txt", subdirectory: "words") else {
            throw WordsError.missingResource(name: "words/words.txt", searched: Bundle.module.bundlePath)
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
    }

    /// Shuffles `words` with `generator` and splits off the last `heldOut` fraction as a test set.
    /// Same generator seed, same split.
    ///
    ///     let (train, test) = Words.split(try Words.load(), heldOut: 0.1, generator: Generator(seed: 42))
    ///     print(train.count, test.count)                // 27243 3027
    public static func split(_ words: [String], heldOut: Double = 0.1, generator: Generator = .default) -> (train: [String], test: [String]) {
        check(heldOut >= 0 && heldOut < 1, "Words.split: heldOut must be in [0, 1), got \(heldOut)")
        let order = randomPermutation(words.count, generator: generator)
        let nTest = Int((Double(words.count) * heldOut).rounded())
        let shuffled = order.map { words[$0] }
        return (Array(shuffled[..<(words.count - nTest)]), Array(shuffled[(words.count - nTest)...]))
    }

    /// The licence and provenance note shipped with the word list.
    ///
    ///     print(Words.licence)
    public static var licence: String {
        guard let url = Bundle.module.url(forResource: "LICENSE", withExtension: "md", subdirectory: "words"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            return "SCOWL word list, Copyright 2000-2011 Kevin Atkinson (see Sources/SwiftGrad/Resources/words/LICENSE.md)"
        }
        return text
    }
}

/// The tokens of a character-level language model: a start token (id 0), an end token (id 1) and one
/// id per character seen in the training words (from 2, sorted). A word is modelled as
/// `start c₁ … cₙ` predicting `c₁ … cₙ end`.
///
///     let vocab = CharVocabulary(words: ["cab", "bad"])  // start, end, a, b, c, d
///     print(vocab.encode("bad"))                       // [3, 2, 5]
public struct CharVocabulary: Sendable {
    /// The id of the start token, the first input of every word.
    ///
    ///     var ids = [CharVocabulary.start]
    public static let start = 0
    /// The id of the end token, the last target of every word.
    ///
    ///     if next == CharVocabulary.end { break }
    public static let end = 1
    /// The characters, in id order (`characters[0]` has id 2).
    ///
    ///     print(String(vocab.characters))              // abcdefghijklmnopqrstuvwxyz
    public let characters: [Character]
    private let ids: [Character: Int]

    /// The vocabulary of every character in `words`.
    ///
    ///     let vocab = CharVocabulary(words: try Words.load())
    ///     print(vocab.count)                           // 28: start, end, a-z
    public init(words: [String]) {
        characters = Set(words.flatMap { $0 }).sorted()
        ids = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0 + 2) })
    }

    /// The number of tokens: start, end and the characters.
    ///
    ///     let logits = Linear(128, vocab.count)
    public var count: Int { characters.count + 2 }

    /// The ids of `word`'s characters, without start and end. A character outside the vocabulary stops.
    ///
    ///     let ids = vocab.encode("cab")
    ///     print(vocab.decode(ids))                     // cab
    public func encode(_ word: String) -> [Int] {
        word.map { c in
            guard let id = ids[c] else { checkFailure("CharVocabulary.encode: '\(c)' in '\(word)' is not in the vocabulary") }
            return id
        }
    }

    /// The characters of `ids`; start and end tokens are skipped.
    ///
    ///     print(vocab.decode([0, 4, 2, 3, 1]))         // cab
    public func decode(_ ids: [Int]) -> String {
        String(ids.compactMap { $0 >= 2 && $0 < count ? characters[$0 - 2] : nil })
    }

    /// Whether every character of `word` is in the vocabulary.
    ///
    ///     let clean = words.filter(vocab.canEncode)
    public func canEncode(_ word: String) -> Bool { word.allSatisfy { ids[$0] != nil } }

    /// A padded batch of words for next-token prediction: `inputs` [N, T] int64 (`start c₁ … cₙ`,
    /// padded with the end token) and `targets` [N, T] int64 (`c₁ … cₙ end`, padded with `ignoreIndex`
    /// so that `crossEntropy` skips the padding). T is the longest word of the batch plus one.
    ///
    ///     let (x, y) = vocab.batch(["cab", "bad"])     // x [2, 4], y [2, 4]
    ///     let loss = crossEntropy(logits: model(x).reshape([-1, vocab.count]), targets: y.reshape([-1]))
    public func batch(_ words: [String], ignoreIndex: Int = -100) -> (inputs: Tensor, targets: Tensor) {
        check(!words.isEmpty, "CharVocabulary.batch: no words")
        let t = words.map(\.count).max()! + 1
        var inputs = [Int](repeating: Self.end, count: words.count * t)
        var targets = [Int](repeating: ignoreIndex, count: words.count * t)
        for (row, word) in words.enumerated() {
            let ids = encode(word)
            inputs[row * t] = Self.start
            for (j, id) in ids.enumerated() {
                inputs[row * t + j + 1] = id
                targets[row * t + j] = id
            }
            targets[row * t + ids.count] = Self.end
        }
        return (Tensor(inputs, shape: [words.count, t]), Tensor(targets, shape: [words.count, t]))
    }

    /// The number of predicted tokens in `words` (each word's characters plus its end token): the
    /// denominator of "nats per character".
    ///
    ///     let n = vocab.predictedTokens(in: ["cab"])   // 4
    public func predictedTokens(in words: [String]) -> Int { words.reduce(0) { $0 + $1.count + 1 } }
}
