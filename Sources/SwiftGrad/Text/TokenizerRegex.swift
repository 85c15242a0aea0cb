/// A small backtracking regular-expression matcher over unicode scalars, for the patterns of
/// `tokenizer.json` files (the Split pre-tokenizer of Llama-3, Qwen2, GPT-4-style tokenizers, and
/// regex Replace normalizers), with the semantics of Oniguruma, which `tokenizers` uses:
/// alternatives tried in order (the first that lets the rest match wins), greedy, lazy (`*?`) and
/// possessive (`++`, `?+`) quantifiers, `{n}`, `{n,}`, `{n,m}`, groups `(...)`, `(?:...)`,
/// `(?i:...)` (simple case folding of literals and classes), atomic `(?>...)`, lookahead `(?=...)`
/// and `(?!...)`, classes with ranges and negation, `.` (not `\n`), `^`/`$` (line anchors, as
/// Ruby's syntax), `\A`, `\z`, `\Z`, and the escapes `\s` (White_Space), `\d` (Nd), `\w`
/// (Oniguruma's word: alphabetic, marks, Nd, Pc, join controls), their negations, `\p{L}`, `\p{Lu}`,
/// `\pN`, `\p{^L}`, `\P{..}` (general categories and their one-letter groups), `\r \n \t \f \v \e
/// \a \xHH \x{H...} \uHHHH`. Anything else (lookbehind, backreferences, `\b`, scripts, POSIX
/// brackets, nested classes) is refused when the pattern is parsed, so a file never tokenizes
/// silently wrong.
struct TokenizerRegex {
    typealias Scalars = [Unicode.Scalar]

    struct Unsupported: Error, CustomStringConvertible {
        let pattern: String
        let reason: String
        var description: String { "the regex \(pattern) (\(reason))" }
    }

    enum Quantifier { case greedy, lazy, possessive }

    indirect enum Node {
        case scalar(Unicode.Scalar, caseInsensitive: Bool)
        case set(CharSet)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?, Quantifier)
        case lookahead(Node, negative: Bool)
        case atomic(Node)
        case lineStart, lineEnd, textStart, textEnd, textEndBeforeNewline

        /// Whether the node matches exactly one scalar (repetitions of it run as a loop).
        var isSingleScalar: Bool {
            switch self {
            case .scalar, .set: return true
            default: return false
            }
        }
    }

    /// A class: items (ranges and category tests), optionally negated, optionally case-insensitive.
    struct CharSet {
        enum Item {
            case range(UInt32, UInt32)
            case test((Unicode.Scalar) -> Bool)
        }
        var items: [Item] = []
        var negated = false
        var caseInsensitive = false

        func rawContains(_ c: Unicode.Scalar) -> Bool {
            for item in items {
                switch item {
                case .range(let lo, let hi): if c.value >= lo && c.value <= hi { return true }
                case .test(let f): if f(c) { return true }
                }
            }
            return false
        }

        func contains(_ c: Unicode.Scalar) -> Bool {
            var hit = rawContains(c)
            if !hit && caseInsensitive { hit = TokenizerRegex.caseVariants(c).contains(where: rawContains) }
            return hit != negated
        }
    }

    let root: Node
    let pattern: String

    // MARK: Parsing

    /// Parses `pattern`; throws `Unsupported` naming the construct it does not implement.
    init(_ pattern: String) throws {
        self.pattern = pattern
        var p = Parser(s: Array(pattern.unicodeScalars), pattern: pattern)
        let node = try p.alternation(caseInsensitive: false)
        guard p.i == p.s.count else { throw Unsupported(pattern: pattern, reason: "unbalanced ')' at \(p.i)") }
        root = node
    }

    /// A pattern that matches `literal` exactly (Split and Replace with a `String` pattern).
    init(literal: Scalars) {
        pattern = String(String.UnicodeScalarView(literal))
        root = .sequence(literal.map { .scalar($0, caseInsensitive: false) })
    }

    struct Parser {
        let s: Scalars
        let pattern: String
        var i = 0

        func fail(_ reason: String) -> Unsupported { Unsupported(pattern: pattern, reason: reason) }
        var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }

        mutating func alternation(caseInsensitive ci: Bool) throws -> Node {
            var alternatives = [try sequence(caseInsensitive: ci)]
            while peek == "|" {
                i += 1
                alternatives.append(try sequence(caseInsensitive: ci))
            }
            return alternatives.count == 1 ? alternatives[0] : .alternation(alternatives)
        }

        mutating func sequence(caseInsensitive ci: Bool) throws -> Node {
            var items: [Node] = []
            while let c = peek, c != "|", c != ")" {
                let atom = try self.atom(caseInsensitive: ci)
                items.append(try quantified(atom))
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        mutating func quantified(_ atom: Node) throws -> Node {
            var node = atom
            while let c = peek {
                var bounds: (Int, Int?)
                switch c {
                case "*": bounds = (0, nil); i += 1
                case "+": bounds = (1, nil); i += 1
                case "?": bounds = (0, 1); i += 1
                case "{":
                    guard let b = braces() else { return node }   // not a quantifier: a literal '{' next
                    bounds = b
                default: return node
                }
                var kind = Quantifier.greedy
                if peek == "?" { kind = .lazy; i += 1 } else if peek == "+" { kind = .possessive; i += 1 }
                node = .repetition(node, min: bounds.0, max: bounds.1, kind)
            }
            return node
        }

        /// `{n}`, `{n,}`, `{n,m}` (also `{,m}` as Oniguruma); nil (nothing consumed) otherwise.
        mutating func braces() -> (Int, Int?)? {
            var j = i + 1
            func number() -> Int? {
                var v: Int?
                while j < s.count, let d = Int(String(s[j])), s[j].isASCII { v = (v ?? 0) * 10 + d; j += 1 }
                return v
            }
            let lo = number()
            var hi: Int?
            if j < s.count, s[j] == "," {
                j += 1
                hi = number()
                guard lo != nil || hi != nil else { return nil }
            } else {
                guard lo != nil else { return nil }
                hi = lo
            }
            guard j < s.count, s[j] == "}" else { return nil }
            if let lo, let hi, hi < lo { return nil }
            i = j + 1
            return (lo ?? 0, hi)
        }

        mutating func atom(caseInsensitive ci: Bool) throws -> Node {
            let c = s[i]
            i += 1
            switch c {
            case "(": return try group(caseInsensitive: ci)
            case "[": return .set(try charClass(caseInsensitive: ci))
            case ".": return .set(CharSet(items: [.range(0x0A, 0x0A)], negated: true))
            case "^": return .lineStart
            case "$": return .lineEnd
            case "\\": return try escape(caseInsensitive: ci)
            case "*", "+", "?": throw fail("a quantifier with nothing before it at \(i - 1)")
            default: return .scalar(c, caseInsensitive: ci)
            }
        }

        mutating func group(caseInsensitive ci: Bool) throws -> Node {
            var inner = ci
            var wrap: (Node) -> Node = { $0 }
            if peek == "?" {
                i += 1
                guard let k = peek else { throw fail("an unfinished group") }
                switch k {
                case ":": i += 1
                case "=": i += 1; wrap = { .lookahead($0, negative: false) }
                case "!": i += 1; wrap = { .lookahead($0, negative: true) }
                case ">": i += 1; wrap = { .atomic($0) }
                default:
                    // Flags: (?i:...), (?-i:...); only i is meaningful here, m/s/x are refused.
                    var on = true
                    while let f = peek, f != ":" {
                        switch f {
                        case "i": inner = on
                        case "-": on = false
                        default: throw fail("the group flag or kind '(?\(f)' (lookbehind, named groups, m/s/x flags)")
                        }
                        i += 1
                    }
                    guard peek == ":" else { throw fail("flags without ':'") }
                    i += 1
                }
            }
            let node = try alternation(caseInsensitive: inner)
            guard peek == ")" else { throw fail("a group without ')'") }
            i += 1
            return wrap(node)
        }

        mutating func hex(count: Int?) throws -> Unicode.Scalar {
            var digits = ""
            if count == nil {
                guard peek == "{" else { throw fail("\\x without digits") }
                i += 1
                while let d = peek, d != "}" { digits.unicodeScalars.append(d); i += 1 }
                guard peek == "}" else { throw fail("\\x{ without '}'") }
                i += 1
            } else {
                for _ in 0..<count! {
                    guard let d = peek else { break }
                    digits.unicodeScalars.append(d); i += 1
                }
            }
            guard let v = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(v) else { throw fail("a bad hex escape \(digits)") }
            return scalar
        }

        /// The set or scalar of an escape after `\` (shared by classes and the top level).
        mutating func escapeItem() throws -> Either {
            guard let e = peek else { throw fail("a trailing backslash") }
            i += 1
            switch e {
            case "s": return .set(CharSet(items: [.test(TokenizerRegex.isSpace)]))
            case "S": return .set(CharSet(items: [.test(TokenizerRegex.isSpace)], negated: true))
            case "d": return .set(CharSet(items: [.test(TokenizerRegex.isDigit)]))
            case "D": return .set(CharSet(items: [.test(TokenizerRegex.isDigit)], negated: true))
            case "w": return .set(CharSet(items: [.test(Tokenizer.isWordCharacter)]))
            case "W": return .set(CharSet(items: [.test(Tokenizer.isWordCharacter)], negated: true))
            case "h": return .set(CharSet(items: [.range(0x30, 0x39), .range(0x41, 0x46), .range(0x61, 0x66)]))
            case "p", "P": return .set(try property(negated: e == "P"))
            case "r": return .scalar("\r")
            case "n": return .scalar("\n")
            case "t": return .scalar("\t")
            case "f": return .scalar("\u{0C}")
            case "v": return .scalar("\u{0B}")
            case "a": return .scalar("\u{07}")
            case "e": return .scalar("\u{1B}")
            case "x": return .scalar(try hex(count: peek == "{" ? nil : 2))
            case "u": return .scalar(try hex(count: 4))
            case "0": return .scalar("\0")
            default:
                if e.properties.isAlphabetic || ("1"..."9").contains(e) {
                    throw fail("the escape \\\(e) (word boundaries, backreferences and other escapes are not implemented)")
                }
                return .scalar(e)   // an escaped punctuation character is itself
            }
        }

        enum Either { case scalar(Unicode.Scalar), set(CharSet) }

        mutating func escape(caseInsensitive ci: Bool) throws -> Node {
            switch peek {
            case "A": i += 1; return .textStart
            case "z": i += 1; return .textEnd
            case "Z": i += 1; return .textEndBeforeNewline
            default: break
            }
            switch try escapeItem() {
            case .scalar(let c): return .scalar(c, caseInsensitive: ci)
            case .set(let set): return .set(set)
            }
        }

        /// `\p{L}`, `\p{Lu}`, `\pL`, `\p{^L}`: general categories (two letters) and their groups (one letter).
        mutating func property(negated: Bool) throws -> CharSet {
            var name = ""
            if peek == "{" {
                i += 1
                while let c = peek, c != "}" { name.unicodeScalars.append(c); i += 1 }
                guard peek == "}" else { throw fail("\\p{ without '}'") }
                i += 1
            } else if let c = peek {
                name = String(c); i += 1
            }
            var negate = negated
            if name.hasPrefix("^") { negate.toggle(); name.removeFirst() }
            let long = ["Letter": "L", "Mark": "M", "Number": "N", "Punctuation": "P", "Symbol": "S", "Separator": "Z", "Other": "C"]
            let code = long[name] ?? name
            guard (code.count == 1 && "LMNPSZC".contains(code)) || TokenizerRegex.categoryCodes.contains(code) else {
                throw fail("the property \\p{\(name)} (only general categories are implemented)")
            }
            return CharSet(items: [.test({ TokenizerRegex.category($0).hasPrefix(code) })], negated: negate)
        }

        mutating func charClass(caseInsensitive ci: Bool) throws -> CharSet {
            var set = CharSet(caseInsensitive: ci)
            if peek == "^" { set.negated = true; i += 1 }
            var first = true
            while true {
                guard let c = peek else { throw fail("a class without ']'") }
                if c == "]" && !first { i += 1; break }
                first = false
                if c == "[" { throw fail("nested classes and POSIX brackets") }
                if c == "&", i + 1 < s.count, s[i + 1] == "&" { throw fail("class intersection") }
                i += 1
                var lo: Unicode.Scalar
                if c == "\\" {
                    switch try escapeItem() {
                    case .set(let inner):
                        let innerSet = inner
                        set.items.append(.test({ innerSet.contains($0) }))
                        continue
                    case .scalar(let e): lo = e
                    }
                } else {
                    lo = c
                }
                // A range a-z (a '-' before ']' is a literal).
                if peek == "-", i + 1 < s.count, s[i + 1] != "]" {
                    i += 1
                    var hi = s[i]
                    i += 1
                    if hi == "\\" {
                        guard case .scalar(let e) = try escapeItem() else { throw fail("a class range ending in a class escape") }
                        hi = e
                    }
                    guard hi.value >= lo.value else { throw fail("an empty class range") }
                    set.items.append(.range(lo.value, hi.value))
                } else {
                    set.items.append(.range(lo.value, lo.value))
                }
            }
            return set
        }
    }

    // MARK: Character properties

    /// `\s`: the Unicode White_Space property (Oniguruma's, and Rust's).
    static func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }
    /// `\d`: decimal digits of any script (Nd).
    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.properties.generalCategory == .decimalNumber }

    static let categoryCodes: Set<String> = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe",
                                             "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"]

    /// The two-letter general category of a scalar.
    static func category(_ c: Unicode.Scalar) -> String {
        switch c.properties.generalCategory {
        case .uppercaseLetter: return "Lu"
        case .lowercaseLetter: return "Ll"
        case .titlecaseLetter: return "Lt"
        case .modifierLetter: return "Lm"
        case .otherLetter: return "Lo"
        case .nonspacingMark: return "Mn"
        case .spacingMark: return "Mc"
        case .enclosingMark: return "Me"
        case .decimalNumber: return "Nd"
        case .letterNumber: return "Nl"
        case .otherNumber: return "No"
        case .connectorPunctuation: return "Pc"
        case .dashPunctuation: return "Pd"
        case .openPunctuation: return "Ps"
        case .closePunctuation: return "Pe"
        case .initialPunctuation: return "Pi"
        case .finalPunctuation: return "Pf"
        case .otherPunctuation: return "Po"
        case .mathSymbol: return "Sm"
        case .currencySymbol: return "Sc"
        case .modifierSymbol: return "Sk"
        case .otherSymbol: return "So"
        case .spaceSeparator: return "Zs"
        case .lineSeparator: return "Zl"
        case .paragraphSeparator: return "Zp"
        case .control: return "Cc"
        case .format: return "Cf"
        case .surrogate: return "Cs"
        case .privateUse: return "Co"
        case .unassigned: return "Cn"
        @unknown default: return "Cn"
        }
    }

    /// The other scalars a scalar equals under simple case folding: its one-scalar lower and upper
    /// case mappings and the lower case of its upper case (so `ſ` matches `s`, `K` (Kelvin) `k`).
    static func caseVariants(_ c: Unicode.Scalar) -> [Unicode.Scalar] {
        func single(_ s: String) -> Unicode.Scalar? { s.unicodeScalars.count == 1 ? s.unicodeScalars.first : nil }
        var out: [Unicode.Scalar] = []
        let p = c.properties
        if let l = single(p.lowercaseMapping), l != c { out.append(l) }
        if let u = single(p.uppercaseMapping) {
            if u != c { out.append(u) }
            if let ul = single(u.properties.lowercaseMapping), ul != c, !out.contains(ul) { out.append(ul) }
        }
        return out
    }

    static func sameIgnoringCase(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        a == b || caseVariants(a).contains(b) || caseVariants(b).contains(a)
            || !Set(caseVariants(a)).isDisjoint(with: caseVariants(b))
    }

    // MARK: Matching

    /// The end of the match starting exactly at `start`, nil if the pattern does not match there.
    func match(_ s: Scalars, at start: Int) -> Int? {
        var end: Int?
        _ = Matcher(s: s).match(root, start) { end = $0; return true }
        return end
    }

    /// The leftmost non-overlapping matches, as Oniguruma's search loop: after an empty match the
    /// search moves on one scalar, and an empty match right where the previous match ended is skipped.
    func matches(in s: Scalars) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var from = 0
        while from <= s.count {
            var found: Range<Int>?
            for start in from...s.count {
                if let end = match(s, at: start) { found = start..<end; break }
            }
            guard let m = found else { break }
            if m.isEmpty {
                if out.last?.upperBound != m.lowerBound || out.isEmpty { out.append(m) }
                from = m.upperBound + 1
            } else {
                out.append(m)
                from = m.upperBound
            }
        }
        return out
    }

    struct Matcher {
        let s: Scalars

        func single(_ n: Node, _ c: Unicode.Scalar) -> Bool {
            switch n {
            case .scalar(let x, let ci): return x == c || (ci && TokenizerRegex.sameIgnoringCase(x, c))
            case .set(let set): return set.contains(c)
            default: return false
            }
        }

        /// Matches `n` at `i` and calls `k` with each end position it can reach, in preference order,
        /// until `k` accepts one (returns true).
        func match(_ n: Node, _ i: Int, _ k: (Int) -> Bool) -> Bool {
            switch n {
            case .scalar, .set:
                return i < s.count && single(n, s[i]) && k(i + 1)
            case .sequence(let items):
                return sequence(items[...], i, k)
            case .alternation(let alternatives):
                for a in alternatives where match(a, i, k) { return true }
                return false
            case .repetition(let child, let lo, let hi, let kind):
                if child.isSingleScalar {
                    // A run of single scalars: count the longest run once, then try the lengths in order.
                    var n = 0
                    while i + n < s.count, hi.map({ n < $0 }) ?? true, single(child, s[i + n]) { n += 1 }
                    guard n >= lo else { return false }
                    switch kind {
                    case .greedy:
                        for c in stride(from: n, through: lo, by: -1) where k(i + c) { return true }
                        return false
                    case .lazy:
                        for c in lo...n where k(i + c) { return true }
                        return false
                    case .possessive:
                        return k(i + n)
                    }
                }
                if kind == .possessive {
                    var end: Int?
                    _ = repeated(child, lo, hi, .greedy, 0, i) { end = $0; return true }
                    return end.map(k) ?? false
                }
                return repeated(child, lo, hi, kind, 0, i, k)
            case .lookahead(let child, let negative):
                let found = match(child, i) { _ in true }
                return found != negative && k(i)
            case .atomic(let child):
                var end: Int?
                _ = match(child, i) { end = $0; return true }
                return end.map(k) ?? false
            case .lineStart: return (i == 0 || s[i - 1] == "\n") && k(i)
            case .lineEnd: return (i == s.count || s[i] == "\n") && k(i)
            case .textStart: return i == 0 && k(i)
            case .textEnd: return i == s.count && k(i)
            case .textEndBeforeNewline: return (i == s.count || (i == s.count - 1 && s[i] == "\n")) && k(i)
            }
        }

        func sequence(_ items: ArraySlice<Node>, _ i: Int, _ k: (Int) -> Bool) -> Bool {
            guard let first = items.first else { return k(i) }
            return match(first, i) { j in sequence(items.dropFirst(), j, k) }
        }

        /// A repetition of a general node, `count` iterations done; an iteration that matches
        /// nothing ends the loop (it would repeat forever).
        func repeated(_ child: Node, _ lo: Int, _ hi: Int?, _ kind: Quantifier, _ count: Int, _ i: Int, _ k: (Int) -> Bool) -> Bool {
            let more = hi.map { count < $0 } ?? true
            func again() -> Bool {
                more && match(child, i) { j in
                    j == i && count >= lo ? false : repeated(child, lo, hi, kind, count + 1, j, k)
                }
            }
            if kind == .lazy {
                return (count >= lo && k(i)) || again()
            }
            return again() || (count >= lo && k(i))
        }
    }
}
