/// A parsed JSON document for configuration files (`tokenizer.json`, `adapter_config.json`).
///
/// Objects keep their members in file order with their keys exactly as written: Swift's `String`
/// equality is canonical equivalence, so a `[String: ...]` dictionary would merge keys such as
/// "é" (U+00E9) and "e\u{301}", which a tokenizer's vocabulary may hold as two tokens.
///
///     let doc = try JSONValue.parse(Array(text.utf8))
///     let vocab = doc["model"]?["vocab"]?.members ?? []
public enum JSONValue {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The value of the first member named `key` (compared by UTF-8 bytes), nil if absent or not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        let bytes = Array(key.utf8)
        return members.first { $0.key.utf8.elementsEqual(bytes) }?.value
    }

    /// The members of an object (empty for other values).
    public var members: [(key: String, value: JSONValue)] {
        if case .object(let m) = self { return m }
        return []
    }
    /// The elements of an array, nil for other values.
    public var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    /// The string, nil for other values.
    public var string: String? { if case .string(let s) = self { return s }; return nil }
    /// The number, nil for other values.
    public var number: Double? { if case .number(let n) = self { return n }; return nil }
    /// The number if it is a whole number that fits in an `Int`.
    public var int: Int? {
        guard case .number(let n) = self, n == n.rounded(), abs(n) < 0x1p62 else { return nil }
        return Int(n)
    }
    /// The Boolean, nil for other values.
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    /// Whether this is `null`.
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// The deepest nesting accepted: the parser recurses once per level.
    static let maxDepth = 128

    /// Parses UTF-8 JSON text; throws `JSONValue.ParseError` naming the byte offset.
    ///
    ///     let config = try JSONValue.parse(Array(#"{"r": 8}"#.utf8))
    ///     print(config["r"]?.int ?? 0)
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.i == bytes.count else { throw ParseError(offset: parser.i, reason: "text after the value") }
        return value
    }

    /// Why JSON text could not be parsed.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let offset: Int
        public let reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        func fail(_ reason: String) -> ParseError { ParseError(offset: i, reason: reason) }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < JSONValue.maxDepth else { throw fail("nested deeper than \(JSONValue.maxDepth) levels") }
            guard i < bytes.count else { throw fail("unexpected end") }
            switch bytes[i] {
            case 0x7B:  // {
                i += 1
                var members: [(key: String, value: JSONValue)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == 0x7D { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == 0x3A else { throw fail("expected ':'") }
                    i += 1
                    skipSpace()
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unterminated object") }
                    if bytes[i] == 0x2C { i += 1; continue }
                    if bytes[i] == 0x7D { i += 1; return .object(members) }
                    throw fail("expected ',' or '}'")
                }
            case 0x5B:  // [
                i += 1
                var elements: [JSONValue] = []
                skipSpace()
                if i < bytes.count, bytes[i] == 0x5D { i += 1; return .array(elements) }
                while true {
                    skipSpace()
                    elements.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unterminated array") }
                    if bytes[i] == 0x2C { i += 1; continue }
                    if bytes[i] == 0x5D { i += 1; return .array(elements) }
                    throw fail("expected ',' or ']'")
                }
            case 0x22:
                return .string(try string())
            case 0x74: try literal("true"); return .bool(true)
            case 0x66: try literal("false"); return .bool(false)
            case 0x6E: try literal("null"); return .null
            default:
                return .number(try number())
            }
        }

        mutating func literal(_ word: String) throws {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i ..< i + w.count]) == w else { throw fail("unexpected byte") }
            i += w.count
        }

        mutating func number() throws -> Double {
            let start = i
            if i < bytes.count, bytes[i] == 0x2D { i += 1 }
            func digits() -> Int { let s = i; while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }; return i - s }
            guard digits() > 0 else { throw ParseError(offset: start, reason: "not a value") }
            if i < bytes.count, bytes[i] == 0x2E { i += 1; guard digits() > 0 else { throw fail("malformed number") } }
            if i < bytes.count, bytes[i] == 0x65 || bytes[i] == 0x45 {
                i += 1
                if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
                guard digits() > 0 else { throw fail("malformed number") }
            }
            guard let v = Double(String(decoding: bytes[start ..< i], as: UTF8.self)) else { throw fail("malformed number") }
            return v
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                default: throw fail("bad \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        mutating func string() throws -> String {
            guard i < bytes.count, bytes[i] == 0x22 else { throw fail("expected a string") }
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x22 {
                    i += 1
                    guard let s = String(validating: out, as: UTF8.self) else { throw fail("a string that is not UTF-8") }
                    return s
                }
                guard c >= 0x20 else { throw fail("a control character in a string") }
                if c != 0x5C { out.append(c); i += 1; continue }
                guard i + 1 < bytes.count else { break }
                let e = bytes[i + 1]
                i += 2
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard i + 1 < bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 else { throw fail("a lone surrogate") }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(code) {
                        throw fail("a lone surrogate")
                    }
                    out += Array(String(Unicode.Scalar(code)!).utf8)
                default:
                    throw fail("a bad escape")
                }
            }
            throw fail("unterminated string")
        }
    }
}
