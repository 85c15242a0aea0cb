import Foundation

/// Why a `tokenizer.json` could not be used.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file is not valid JSON or lacks what a BPE tokenizer needs.
    case invalidFile(path: String, reason: String)
    /// A component this library does not implement (a WordPiece model, a Digits pre-tokenizer, a regex lookbehind...).
    case unsupported(path: String, component: String)

    public var description: String {
        switch self {
        case .invalidFile(let p, let r): return "\(p): not a usable tokenizer.json: \(r)"
        case .unsupported(let p, let c): return "\(p): the tokenizer uses \(c), which SwiftGrad does not implement"
        }
    }
}

/// A byte-pair-encoding tokenizer read from a Hugging Face `tokenizer.json`, encoding and decoding
/// as the `tokenizers` library does: GPT-2-style byte-level BPE (the ByteLevel pre-tokenizer's
/// regex and byte-to-unicode map) and Llama-style BPE with byte fallback (`▁` for spaces through
/// the Prepend/Replace normalizers or the Metaspace pre-tokenizer; `<0x0A>` tokens for bytes not
/// in the vocabulary), Split-regex byte-level BPE (Llama-3, Qwen2, GPT-4o style), with added and
/// special tokens and TemplateProcessing (a BOS token).
///
///     let tok = try Tokenizer(contentsOf: "model/tokenizer.json")
///     let ids = tok.encode("Hello world")                  // [1, 15043, 3186] for a Llama vocabulary
///     print(tok.decode(ids))                               // "Hello world"
///
/// Supported components: model BPE (`unk_token`, `fuse_unk`, `byte_fallback`, `ignore_merges`);
/// normalizers Prepend, Replace (string or regex patterns), NFC, NFD, NFKC, NFKD, Sequence;
/// pre-tokenizers ByteLevel, Metaspace, Split (string or regex patterns, every behavior, as
/// Llama-3's, Qwen2's and GPT-4-style files use), Sequence; decoders ByteLevel, Replace,
/// ByteFallback, Fuse, Strip, Metaspace, Sequence;
/// post-processors TemplateProcessing (single sequences), Bert/RobertaProcessing, ByteLevel,
/// Sequence. Anything else is `TokenizerError.unsupported` when the file is read.
public final class Tokenizer {
    /// A token added on top of the model's vocabulary (`added_tokens` in the file).
    public struct AddedToken: Equatable {
        public let id: Int
        public let content: String
        public let special: Bool
        public let singleWord: Bool
        public let lstrip: Bool
        public let rstrip: Bool
        public let normalized: Bool
    }

    let model: BPEModel
    let normalizers: [TokenizerPipeline.Normalizer]
    let preTokenizers: [TokenizerPipeline.PreTokenizer]
    let decoders: [TokenizerPipeline.Decoder]?
    let postProcessor: [TokenizerPipeline.PostStep]
    /// The added tokens, in the file's order.
    public let addedTokens: [AddedToken]
    let addedByID: [Int: AddedToken]

    /// Reads `path` (a `tokenizer.json`). Throws `FileError`, or `TokenizerError` for malformed
    /// files and components this library does not implement.
    ///
    ///     let tok = try Tokenizer(contentsOf: "gpt2/tokenizer.json")
    public convenience init(contentsOf path: String) throws {
        let file = try ReadableFile(path)
        try self.init(json: file.readAll(limit: 1 << 30), path: path)
    }

    /// Parses the bytes of a `tokenizer.json` (`path` names it in errors).
    ///
    ///     let tok = try Tokenizer(json: Array(text.utf8))
    public init(json: [UInt8], path: String = "<tokenizer.json>") throws {
        let doc: JSONValue
        do { doc = try JSONValue.parse(json) } catch let e as JSONValue.ParseError {
            throw TokenizerError.invalidFile(path: path, reason: e.description)
        }
        guard let model = doc["model"] else { throw TokenizerError.invalidFile(path: path, reason: "no model") }
        self.model = try BPEModel(model, path: path)
        normalizers = try TokenizerPipeline.normalizers(doc["normalizer"], path: path)
        preTokenizers = try TokenizerPipeline.preTokenizers(doc["pre_tokenizer"], path: path)
        decoders = try TokenizerPipeline.decoders(doc["decoder"], path: path)
        postProcessor = try TokenizerPipeline.postProcessors(doc["post_processor"], path: path)
        var added: [AddedToken] = []
        for t in doc["added_tokens"]?.array ?? [] {
            guard let id = t["id"]?.int, let content = t["content"]?.string, !content.isEmpty else {
                throw TokenizerError.invalidFile(path: path, reason: "an added token without an id or content")
            }
            added.append(AddedToken(id: id, content: content, special: t["special"]?.bool ?? false,
                                    singleWord: t["single_word"]?.bool ?? false, lstrip: t["lstrip"]?.bool ?? false,
                                    rstrip: t["rstrip"]?.bool ?? false, normalized: t["normalized"]?.bool ?? !(t["special"]?.bool ?? false)))
        }
        addedTokens = added
        addedByID = Dictionary(added.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The number of ids: the model's vocabulary and the added tokens.
    ///
    ///     let embedding = Embedding(tok.vocabularySize, 64)
    public var vocabularySize: Int {
        max((model.tokens.keys.max() ?? -1) + 1, (addedByID.keys.max() ?? -1) + 1)
    }

    /// The id of a token's text (an added token or a vocabulary entry), nil if there is none.
    ///
    ///     let eos = tok.id(of: "<|endoftext|>")
    public func id(of token: String) -> Int? {
        let bytes = Array(token.utf8)
        if let a = addedTokens.first(where: { $0.content.utf8.elementsEqual(bytes) }) { return a.id }
        return model.vocab[bytes]
    }

    /// The text of an id as stored in the vocabulary (`Ġworld` for byte-level BPE), nil if unknown.
    ///
    ///     print(tok.token(of: 50256) ?? "?")
    public func token(of id: Int) -> String? {
        addedByID[id]?.content ?? model.tokens[id]
    }

    /// The ids of `text`: added tokens split out first, the rest normalized, pre-tokenized and run
    /// through BPE, then the post-processor's special tokens when `addSpecialTokens` (as
    /// `tokenizer.encode(text).ids`).
    ///
    ///     let ids = tok.encode("Hello world")
    ///     let bare = tok.encode("Hello world", addSpecialTokens: false)
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int] = []
        let raw = addedTokens.filter { !$0.normalized }, normalizedTokens = addedTokens.filter(\.normalized)
        // 1. Tokens matched on the raw text; 2. the rest normalized, then tokens matched on it.
        for first in split(Array(text.unicodeScalars), raw, atStart: true) {
            guard case .text(let piece) = first else { ids += first.ids; continue }
            let normalized = TokenizerPipeline.Piece(text: TokenizerPipeline.normalize(piece.text, normalizers), atStart: piece.atStart)
            for second in split(normalized.text, normalizedTokens, atStart: normalized.atStart) {
                guard case .text(let p) = second else { ids += second.ids; continue }
                for word in TokenizerPipeline.preTokenize(p, preTokenizers) { ids += model.tokenize(word) }
            }
        }
        guard addSpecialTokens else { return ids }
        for step in postProcessor {
            switch step {
            case .template(let items): ids = items.flatMap { $0 ?? ids }
            }
        }
        return ids
    }

    /// The text of `ids` through the decoders, skipping special tokens unless `skipSpecialTokens`
    /// is false (as `tokenizer.decode(ids)`); ids outside the vocabulary are ignored.
    ///
    ///     print(tok.decode(tok.encode("naïve 🙂")))          // "naïve 🙂"
    ///     print(tok.decode([50256], skipSpecialTokens: false))  // "<|endoftext|>"
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            if let a = addedByID[id] {
                if !(skipSpecialTokens && a.special) { tokens.append(a.content) }
            } else if let t = model.tokens[id] {
                tokens.append(t)
            }
        }
        return TokenizerPipeline.decode(tokens, decoders)
    }

    // MARK: Added tokens

    enum Segment {
        case text(TokenizerPipeline.Piece)
        case token(Int)
        var ids: [Int] { if case .token(let id) = self { return [id] }; return [] }
    }

    /// `\w` of Rust's regex: alphabetic, marks, decimal digits, connector punctuation, join controls.
    static func isWordCharacter(_ s: Unicode.Scalar) -> Bool {
        let p = s.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// `text` cut at the leftmost-longest matches of `tokens` (with their single_word, lstrip and
    /// rstrip rules), as the AddedVocabulary of `tokenizers` does.
    func split(_ text: [Unicode.Scalar], _ tokens: [AddedToken], atStart: Bool) -> [Segment] {
        guard !tokens.isEmpty, !text.isEmpty else { return text.isEmpty ? [] : [.text(.init(text: text, atStart: atStart))] }
        let patterns = tokens.map { Array($0.content.unicodeScalars) }
        var matches: [(start: Int, stop: Int, id: Int)] = []
        var i = 0, previousStop = 0
        while i < text.count {
            var best: Int?
            for (k, p) in patterns.enumerated() where i + p.count <= text.count && p.count > (best.map { patterns[$0].count } ?? 0) {
                if text[i ..< i + p.count].elementsEqual(p) { best = k }
            }
            guard let k = best else { i += 1; continue }
            var start = i, stop = i + patterns[k].count
            i = stop
            let t = tokens[k]
            if t.singleWord {
                let before = start > 0 && Tokenizer.isWordCharacter(text[start - 1])
                let after = stop < text.count && Tokenizer.isWordCharacter(text[stop])
                if before || after { continue }
            }
            if t.lstrip {
                var s = start
                while s > previousStop, text[s - 1].properties.isWhitespace { s -= 1 }
                start = s
            }
            if t.rstrip {
                while stop < text.count, text[stop].properties.isWhitespace { stop += 1 }
                i = stop
            }
            matches.append((start, stop, t.id))
            previousStop = stop
        }
        var out: [Segment] = []
        var at = 0
        for m in matches {
            if m.start > at { out.append(.text(.init(text: Array(text[at ..< m.start]), atStart: atStart && at == 0))) }
            out.append(.token(m.id))
            at = m.stop
        }
        if at < text.count { out.append(.text(.init(text: Array(text[at...]), atStart: atStart && at == 0))) }
        return out
    }
}
