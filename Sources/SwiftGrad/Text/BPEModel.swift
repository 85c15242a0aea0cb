/// The BPE model of a `tokenizer.json`: the vocabulary, the ranked merges, and the unknown-token
/// and byte-fallback rules, applied to one pre-tokenized word at a time as Hugging Face's
/// `tokenizers` does. Tokens are keyed by their UTF-8 bytes (not `String`, whose equality is
/// canonical equivalence and would merge "é" with "e\u{301}").
struct BPEModel {
    /// Token bytes → id.
    let vocab: [[UInt8]: Int]
    /// Id → token text.
    let tokens: [Int: String]
    /// (left id, right id) → (rank, merged id).
    let merges: [Pair: (rank: Int, id: Int)]
    let unknownID: Int?
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool
    /// The ids of `<0x00>` ... `<0xFF>` when byte fallback is on (nil where the vocabulary lacks one).
    let byteIDs: [Int?]

    struct Pair: Hashable {
        let left: Int
        let right: Int
    }

    /// Reads the `"model"` object; throws `TokenizerError` for another model type or bad contents.
    init(_ model: JSONValue, path: String) throws {
        func bad(_ reason: String) -> TokenizerError { .invalidFile(path: path, reason: reason) }
        let type = model["type"]?.string ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupported(path: path, component: "model type \(type)") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = model[key], !v.isNull, v.string != "" {
                throw TokenizerError.unsupported(path: path, component: "BPE \(key)")
            }
        }
        guard case .object(let entries)? = model["vocab"] else { throw bad("model.vocab is not an object") }
        var vocab: [[UInt8]: Int] = [:]
        var tokens: [Int: String] = [:]
        vocab.reserveCapacity(entries.count)
        for (token, value) in entries {
            guard let id = value.int, id >= 0 else { throw bad("vocab entry '\(token)' has no valid id") }
            vocab[Array(token.utf8)] = id
            tokens[id] = token
        }
        var merges: [Pair: (rank: Int, id: Int)] = [:]
        for (rank, m) in (model["merges"]?.array ?? []).enumerated() {
            let parts: [String]
            if let s = m.string {
                parts = s.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else {
                parts = (m.array ?? []).compactMap(\.string)
            }
            guard parts.count == 2, let a = vocab[Array(parts[0].utf8)], let b = vocab[Array(parts[1].utf8)],
                  let merged = vocab[Array((parts[0] + parts[1]).utf8)] else {
                throw bad("merge \(rank) (\(parts)) names tokens missing from the vocabulary")
            }
            let pair = Pair(left: a, right: b)
            if merges[pair] == nil { merges[pair] = (rank, merged) }
        }
        self.vocab = vocab
        self.tokens = tokens
        self.merges = merges
        if let unk = model["unk_token"]?.string {
            guard let id = vocab[Array(unk.utf8)] else { throw bad("unk_token '\(unk)' is not in the vocabulary") }
            unknownID = id
        } else {
            unknownID = nil
        }
        fuseUnknown = model["fuse_unk"]?.bool ?? false
        byteFallback = model["byte_fallback"]?.bool ?? false
        ignoreMerges = model["ignore_merges"]?.bool ?? false
        byteIDs = (0..<256).map { b in vocab[Array(BPEModel.byteToken(UInt8(b)).utf8)] }
    }

    /// `<0x0A>`: the byte-fallback token of a byte (uppercase hex, as sentencepiece).
    static func byteToken(_ b: UInt8) -> String {
        let hex = String(b, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }

    /// The ids of one word: its characters (byte-fallback tokens or the unknown token for those
    /// not in the vocabulary), then merges applied lowest rank first, leftmost among equals.
    func tokenize(_ word: [Unicode.Scalar]) -> [Int] {
        if word.isEmpty { return [] }
        if ignoreMerges, let id = vocab[Array(String(String.UnicodeScalarView(word)).utf8)] { return [id] }
        var symbols: [Int] = []
        symbols.reserveCapacity(word.count)
        var pendingUnknown = false
        for s in word {
            let bytes = Array(String(s).utf8)
            if let id = vocab[bytes] {
                if pendingUnknown, let unk = unknownID { symbols.append(unk); pendingUnknown = false }
                symbols.append(id)
                continue
            }
            if byteFallback {
                let ids = bytes.map { byteIDs[Int($0)] }
                if ids.allSatisfy({ $0 != nil }) {
                    symbols += ids.map { $0! }
                    continue
                }
            }
            if let unk = unknownID {
                // A run of unknown characters is one unknown token with fuse_unk, else one each.
                if pendingUnknown && !fuseUnknown { symbols.append(unk) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unk = unknownID { symbols.append(unk) }
        while symbols.count > 1 {
            var best: (rank: Int, at: Int, id: Int)?
            for k in 0 ..< symbols.count - 1 {
                if let m = merges[Pair(left: symbols[k], right: symbols[k + 1])], m.rank < (best?.rank ?? Int.max) {
                    best = (m.rank, k, m.id)
                }
            }
            guard let best else { break }
            symbols[best.at] = best.id
            symbols.remove(at: best.at + 1)
        }
        return symbols
    }
}
