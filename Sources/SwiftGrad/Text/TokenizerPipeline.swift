import Foundation

/// The normalizers, pre-tokenizers, decoders and post-processors of a `tokenizer.json` that this
/// library implements, each as Hugging Face's `tokenizers` defines it. Text is handled as unicode
/// scalars throughout (a `String`'s `Character`s would join a space with a combining mark after it).
/// Regex patterns (Split, Replace) run on `TokenizerRegex`.
enum TokenizerPipeline {
    typealias Scalars = [Unicode.Scalar]

    /// A piece of text between added tokens; `atStart` when it begins the input (Metaspace's
    /// `prepend_scheme: "first"` prepends only there).
    struct Piece {
        var text: Scalars
        var atStart: Bool
    }

    enum Normalizer {
        case prepend(Scalars)
        case replace(TokenizerRegex, with: Scalars)
        /// Unicode normalization forms (Foundation's): NFC, NFD, NFKC, NFKD.
        case unicode(UnicodeForm)
    }

    enum UnicodeForm { case nfc, nfd, nfkc, nfkd }

    enum PreTokenizer {
        case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
        case metaspace(replacement: Unicode.Scalar, prepend: Prepend, split: Bool)
        case split(TokenizerRegex, SplitBehavior, invert: Bool)
    }

    /// What Split does with the matches (tokenizers' SplitDelimiterBehavior).
    enum SplitBehavior: String {
        case removed, isolated, mergedWithPrevious = "merged_with_previous", mergedWithNext = "merged_with_next", contiguous
    }

    enum Prepend { case always, first, never }

    enum Decoder {
        case byteLevel
        case replace(TokenizerRegex, with: Scalars)
        case byteFallback
        case fuse
        case strip(Unicode.Scalar, start: Int, stop: Int)
        case metaspace(replacement: Unicode.Scalar, prepend: Prepend)
    }

    enum PostStep {
        /// TemplateProcessing's single template: ids of special tokens, or nil for the sequence.
        case template([[Int]?])
    }

    // MARK: Reading

    /// The steps of a component, flattening `Sequence`s; `read` turns one object into steps.
    static func steps<T>(_ value: JSONValue?, listKey: String, path: String,
                         _ read: (String, JSONValue) throws -> [T]) throws -> [T] {
        guard let value, !value.isNull else { return [] }
        guard let type = value["type"]?.string else {
            throw TokenizerError.invalidFile(path: path, reason: "a component without a type")
        }
        if type == "Sequence" {
            return try (value[listKey]?.array ?? []).flatMap { try steps($0, listKey: listKey, path: path, read) }
        }
        return try read(type, value)
    }

    /// A `{"String": ...}` (matched literally) or `{"Regex": ...}` pattern.
    static func pattern(_ v: JSONValue?, _ what: String, path: String) throws -> TokenizerRegex {
        if let s = v?["String"]?.string { return TokenizerRegex(literal: Array(s.unicodeScalars)) }
        guard let r = v?["Regex"]?.string else {
            throw TokenizerError.invalidFile(path: path, reason: "\(what) without a String or Regex pattern")
        }
        do { return try TokenizerRegex(r) } catch let e as TokenizerRegex.Unsupported {
            throw TokenizerError.unsupported(path: path, component: "\(what) with \(e)")
        }
    }

    static func scalar(_ v: JSONValue?, _ what: String, path: String) throws -> Unicode.Scalar {
        guard let s = v?.string, s.unicodeScalars.count == 1 else {
            throw TokenizerError.invalidFile(path: path, reason: "\(what) must be one character")
        }
        return s.unicodeScalars.first!
    }

    static func prependScheme(_ v: JSONValue) -> Prepend {
        switch v["prepend_scheme"]?.string {
        case "first": return .first
        case "never": return .never
        case "always": return .always
        default: return v["add_prefix_space"]?.bool == false ? .never : .always  // older files
        }
    }

    static func normalizers(_ v: JSONValue?, path: String) throws -> [Normalizer] {
        try steps(v, listKey: "normalizers", path: path) { type, n in
            switch type {
            case "Prepend": return [.prepend(Array((n["prepend"]?.string ?? "").unicodeScalars))]
            case "Replace":
                return [.replace(try pattern(n["pattern"], "Replace normalizer", path: path),
                                 with: Array((n["content"]?.string ?? "").unicodeScalars))]
            case "NFC": return [.unicode(.nfc)]
            case "NFD": return [.unicode(.nfd)]
            case "NFKC": return [.unicode(.nfkc)]
            case "NFKD": return [.unicode(.nfkd)]
            default: throw TokenizerError.unsupported(path: path, component: "normalizer \(type)")
            }
        }
    }

    static func preTokenizers(_ v: JSONValue?, path: String) throws -> [PreTokenizer] {
        try steps(v, listKey: "pretokenizers", path: path) { type, p in
            switch type {
            case "ByteLevel":
                return [.byteLevel(addPrefixSpace: p["add_prefix_space"]?.bool ?? true, useRegex: p["use_regex"]?.bool ?? true)]
            case "Metaspace":
                return [.metaspace(replacement: try scalar(p["replacement"], "Metaspace replacement", path: path),
                                   prepend: prependScheme(p), split: p["split"]?.bool ?? true)]
            case "Split":
                let name = p["behavior"]?.string ?? ""
                guard let behavior = SplitBehavior(rawValue: name.lowercased()) ?? SplitBehavior(rawValue: snakeCase(name)) else {
                    throw TokenizerError.invalidFile(path: path, reason: "Split behavior '\(name)' is not one of removed, isolated, merged_with_previous, merged_with_next, contiguous")
                }
                return [.split(try pattern(p["pattern"], "Split pre_tokenizer", path: path), behavior, invert: p["invert"]?.bool ?? false)]
            default: throw TokenizerError.unsupported(path: path, component: "pre_tokenizer \(type)")
            }
        }
    }

    static func decoders(_ v: JSONValue?, path: String) throws -> [Decoder]? {
        guard let v, !v.isNull else { return nil }
        return try steps(v, listKey: "decoders", path: path) { type, d in
            switch type {
            case "ByteLevel": return [.byteLevel]
            case "Replace":
                return [.replace(try pattern(d["pattern"], "Replace decoder", path: path),
                                 with: Array((d["content"]?.string ?? "").unicodeScalars))]
            case "ByteFallback": return [.byteFallback]
            case "Fuse": return [.fuse]
            case "Strip":
                return [.strip(try scalar(d["content"], "Strip content", path: path),
                               start: d["start"]?.int ?? 0, stop: d["stop"]?.int ?? 0)]
            case "Metaspace":
                return [.metaspace(replacement: try scalar(d["replacement"], "Metaspace replacement", path: path),
                                   prepend: prependScheme(d))]
            default: throw TokenizerError.unsupported(path: path, component: "decoder \(type)")
            }
        }
    }

    static func postProcessors(_ v: JSONValue?, path: String) throws -> [PostStep] {
        try steps(v, listKey: "processors", path: path) { type, p in
            switch type {
            case "ByteLevel": return []  // offsets only; the ids are unchanged
            case "TemplateProcessing":
                var specials: [String: [Int]] = [:]
                for (key, value) in p["special_tokens"]?.members ?? [] {
                    specials[key] = (value["ids"]?.array ?? []).compactMap(\.int)
                }
                var template: [[Int]?] = []
                for item in p["single"]?.array ?? [] {
                    if let name = item["SpecialToken"]?["id"]?.string {
                        guard let ids = specials[name] else {
                            throw TokenizerError.invalidFile(path: path, reason: "template token '\(name)' has no ids")
                        }
                        template.append(ids)
                    } else if item["Sequence"] != nil {
                        template.append(nil)
                    }
                }
                return [.template(template)]
            case "BertProcessing", "RobertaProcessing":
                guard let cls = p["cls"]?.array?.last?.int, let sep = p["sep"]?.array?.last?.int else {
                    throw TokenizerError.invalidFile(path: path, reason: "\(type) without cls and sep ids")
                }
                return [.template([[cls], nil, [sep]])]
            default: throw TokenizerError.unsupported(path: path, component: "post_processor \(type)")
            }
        }
    }

    /// `MergedWithPrevious` → `merged_with_previous` (files spell the behavior either way).
    static func snakeCase(_ s: String) -> String {
        var out = ""
        for (k, c) in s.enumerated() {
            if c.isUppercase && k > 0 { out.append("_") }
            out += c.lowercased()
        }
        return out
    }

    // MARK: Running

    /// The matches of `pattern` replaced by `content`, left to right, without overlaps.
    static func replacing(_ s: Scalars, _ pattern: TokenizerRegex, _ content: Scalars) -> Scalars {
        var out: Scalars = []
        out.reserveCapacity(s.count)
        var at = 0
        for m in pattern.matches(in: s) {
            out += s[at..<m.lowerBound]
            out += content
            at = m.upperBound
        }
        out += s[at...]
        return out
    }

    /// `pattern` replaced by `content` everywhere, left to right, without overlaps.
    static func replacing(_ s: Scalars, _ pattern: Scalars, _ content: Scalars) -> Scalars {
        guard !pattern.isEmpty, s.count >= pattern.count else { return s }
        var out: Scalars = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if i + pattern.count <= s.count, s[i ..< i + pattern.count].elementsEqual(pattern) {
                out += content
                i += pattern.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    static func normalize(_ text: Scalars, _ steps: [Normalizer]) -> Scalars {
        var s = text
        for step in steps {
            switch step {
            case .prepend(let p): if !s.isEmpty { s = p + s }
            case .replace(let pattern, let content): s = replacing(s, pattern, content)
            case .unicode(let form): s = normalized(s, form)
            }
        }
        return s
    }

    /// `s` in a Unicode normalization form.
    static func normalized(_ s: Scalars, _ form: UnicodeForm) -> Scalars {
        let text = String(String.UnicodeScalarView(s))
        switch form {
        case .nfc: return Array(text.precomposedStringWithCanonicalMapping.unicodeScalars)
        case .nfd: return Array(text.decomposedStringWithCanonicalMapping.unicodeScalars)
        case .nfkc: return Array(text.precomposedStringWithCompatibilityMapping.unicodeScalars)
        case .nfkd: return Array(text.decomposedStringWithCompatibilityMapping.unicodeScalars)
        }
    }

    /// The pieces of `s` that Split keeps: the matches (or, inverted, the text between them) and the
    /// rest, cut and merged by `behavior`, as tokenizers' `NormalizedString::split`.
    static func split(_ s: Scalars, _ pattern: TokenizerRegex, _ behavior: SplitBehavior, invert: Bool) -> [Scalars] {
        guard !s.isEmpty else { return [] }
        var pieces: [(range: Range<Int>, isMatch: Bool)] = []
        var at = 0
        for m in pattern.matches(in: s) {
            if m.lowerBound > at { pieces.append((at..<m.lowerBound, invert)) }
            pieces.append((m, !invert))
            at = m.upperBound
        }
        if at < s.count { pieces.append((at..<s.count, invert)) }
        var out: [Range<Int>] = []
        var previousMatch = false
        switch behavior {
        case .removed:
            out = pieces.filter { !$0.isMatch }.map(\.range)
        case .isolated:
            out = pieces.map(\.range)
        case .mergedWithPrevious:
            for p in pieces {
                if p.isMatch && !previousMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<p.range.upperBound
                } else {
                    out.append(p.range)
                }
                previousMatch = p.isMatch
            }
        case .mergedWithNext:
            for p in pieces.reversed() {
                if p.isMatch && !previousMatch, let last = out.last {
                    out[out.count - 1] = p.range.lowerBound..<last.upperBound
                } else {
                    out.append(p.range)
                }
                previousMatch = p.isMatch
            }
            out.reverse()
        case .contiguous:
            for p in pieces {
                if p.isMatch == previousMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<p.range.upperBound
                } else {
                    out.append(p.range)
                }
                previousMatch = p.isMatch
            }
        }
        return out.filter { !$0.isEmpty }.map { Array(s[$0]) }
    }

    /// The words of a piece after every pre-tokenizer (byte-level words are already mapped to
    /// GPT-2's byte characters).
    static func preTokenize(_ piece: Piece, _ steps: [PreTokenizer]) -> [Scalars] {
        var words = [piece.text]
        for step in steps {
            switch step {
            case .byteLevel(let addPrefixSpace, let useRegex):
                words = words.flatMap { w -> [Scalars] in
                    var w = w
                    if addPrefixSpace, w.first != " " { w.insert(" ", at: 0) }
                    return (useRegex ? ByteLevel.split(w) : [w]).map(ByteLevel.encode)
                }
            case .metaspace(let r, let prepend, let split):
                words = words.enumerated().flatMap { k, w -> [Scalars] in
                    var w = replacing(w, [" "] as Scalars, [r])
                    let first = k == 0 && piece.atStart
                    if w.first != r, prepend == .always || (prepend == .first && first) { w.insert(r, at: 0) }
                    guard split else { return [w] }
                    // Each replacement character starts a word (MergedWithNext).
                    var out: [Scalars] = []
                    for c in w {
                        if c == r || out.isEmpty { out.append([c]) } else { out[out.count - 1].append(c) }
                    }
                    return out
                }
            case .split(let pattern, let behavior, let invert):
                words = words.flatMap { split($0, pattern, behavior, invert: invert) }
            }
        }
        return words.filter { !$0.isEmpty }
    }

    /// The text of `tokens` after the decoders (joined with spaces when there are none).
    static func decode(_ tokens: [String], _ steps: [Decoder]?) -> String {
        guard let steps else { return tokens.joined(separator: " ") }
        var toks = tokens
        for step in steps {
            switch step {
            case .byteLevel:
                var bytes: [UInt8] = []
                for t in toks {
                    let mapped = t.unicodeScalars.map { ByteLevel.scalarToByte[$0] }
                    if mapped.allSatisfy({ $0 != nil }) { bytes += mapped.map { $0! } } else { bytes += Array(t.utf8) }
                }
                toks = [String(decoding: bytes, as: UTF8.self)]
            case .replace(let pattern, let content):
                toks = toks.map { String(String.UnicodeScalarView(replacing(Array($0.unicodeScalars), pattern, content))) }
            case .byteFallback:
                var out: [String] = []
                var pending: [UInt8] = []
                func flush() {
                    guard !pending.isEmpty else { return }
                    if let s = String(validating: pending, as: UTF8.self) {
                        out.append(s)
                    } else {
                        out += Array(repeating: "\u{FFFD}", count: pending.count)
                    }
                    pending = []
                }
                for t in toks {
                    let u = Array(t.utf8)
                    if u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E,
                       let b = UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16) {
                        pending.append(b)
                    } else {
                        flush()
                        out.append(t)
                    }
                }
                flush()
                toks = out
            case .fuse:
                toks = [toks.joined()]
            case .strip(let c, let start, let stop):
                toks = toks.map { t in
                    var s = Array(t.unicodeScalars)
                    var cut = 0
                    while cut < start, cut < s.count, s[cut] == c { cut += 1 }
                    s.removeFirst(cut)
                    var tail = 0
                    while tail < stop, tail < s.count, s[s.count - 1 - tail] == c { tail += 1 }
                    s.removeLast(tail)
                    return String(String.UnicodeScalarView(s))
                }
            case .metaspace(let r, let prepend):
                toks = toks.enumerated().map { k, t in
                    var out = String.UnicodeScalarView()
                    for c in t.unicodeScalars {
                        if c == r {
                            // The first token's replacement characters are dropped (the prepended one
                            // and any other, as tokenizers does), the others become spaces.
                            if !(k == 0 && prepend != .never) { out.append(" ") }
                        } else {
                            out.append(c)
                        }
                    }
                    return String(out)
                }
            }
        }
        return toks.joined()
    }
}
