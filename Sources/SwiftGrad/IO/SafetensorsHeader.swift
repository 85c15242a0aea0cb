import Glibc

/// The JSON header of a safetensors file, parsed straight into entries: no intermediate JSON tree,
/// so memory is proportional to the header (the entries hold only names, dtypes, shapes and
/// offsets) and a header of a million tensors parses in one pass. Nothing recurses, so nesting in
/// unknown fields cannot exhaust the stack. Errors are `SafetensorsError` values naming the tensor.
///
/// The scanner reads bytes through a pointer with byte literals (`0x22` is `"`): it runs in debug
/// builds too, where each call and array subscript costs, so the per-byte loops call nothing.
struct SafetensorsHeaderParser {
    // Only trivial fields: debug builds copy `self` around method calls, and a String field would
    // add a retain and a release to every one of them.
    private let p: UnsafePointer<UInt8>
    private var i: Int
    private let end: Int

    /// A problem found while scanning, given its path by `parse`.
    private enum Problem: Error {
        case invalid(String)
        case file(SafetensorsError)
    }

    /// The tensor entries in file order and the `__metadata__` strings of `bytes[range]`. Tensor
    /// names are not checked for duplicates here (the caller's dictionary does that).
    static func parse(_ bytes: [UInt8], _ range: Range<Int>, path: String) throws
        -> (entries: [Safetensors.Entry], metadata: [String: String]) {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress, !range.isEmpty else { throw Problem.invalid("the header is not a JSON object") }
                var parser = SafetensorsHeaderParser(p: base, i: range.lowerBound, end: range.upperBound)
                return try parser.parse(path)
            }
        } catch Problem.invalid(let reason) {
            throw SafetensorsError.invalidHeader(path: path, reason: reason)
        } catch Problem.file(let error) {
            throw error
        }
    }

    private init(p: UnsafePointer<UInt8>, i: Int, end: Int) {
        self.p = p
        self.i = i
        self.end = end
    }

    private mutating func parse(_ path: String) throws -> (entries: [Safetensors.Entry], metadata: [String: String]) {
        var entries: [Safetensors.Entry] = []
        var metadata: [String: String]?
        skipSpace()
        guard i < end, p[i] == 0x7B else { throw invalid("the header is not a JSON object") }  // {
        i += 1
        skipSpace()
        if i < end, p[i] == 0x7D {  // }
            i += 1
        } else {
            while true {
                skipSpace()
                let key = try string()
                try colon()
                if key == "__metadata__" {
                    guard metadata == nil else { throw invalid("__metadata__ appears twice") }
                    metadata = try metadataObject()
                } else {
                    entries.append(try entry(key, path))
                }
                if try commaOrClose(0x7D) { break }
            }
        }
        skipSpace()
        guard i == end else { throw invalid("not valid JSON (bytes after the header object)") }
        return (entries, metadata ?? [:])
    }

    // MARK: Structure

    private mutating func entry(_ name: String, _ path: String) throws -> Safetensors.Entry {
        guard i < end, p[i] == 0x7B else { throw needs(name) }
        i += 1
        var dtype: String?, shape: [Int]?, offsets: [Int]?
        skipSpace()
        if i < end, p[i] == 0x7D {
            i += 1
        } else {
            while true {
                skipSpace()
                let (start, stop, plain) = try stringSpan()
                let key = plain ? nil : try decode(start, stop)
                try colon()
                if keyIs(start, stop, key, "dtype") {
                    guard i < end, p[i] == 0x22 else { throw needs(name) }  // "
                    dtype = try string()
                } else if keyIs(start, stop, key, "shape") {
                    guard i < end, p[i] == 0x5B else { throw needs(name) }  // [
                    shape = try integers(name, "shape", path)
                } else if keyIs(start, stop, key, "data_offsets") {
                    guard i < end, p[i] == 0x5B else { throw needs(name) }
                    offsets = try integers(name, "data_offsets", path)
                } else {
                    try skipValue()
                }
                if try commaOrClose(0x7D) { break }
            }
        }
        guard let dtype, let shape, let offsets else { throw needs(name) }
        do { return try Safetensors.entry(name, dtype: dtype, shape: shape, offsets: offsets, path: path) } catch let e as SafetensorsError {
            throw Problem.file(e)
        }
    }

    private func needs(_ name: String) -> Problem {
        invalid("entry '\(name)' needs dtype, shape and data_offsets")
    }

    private mutating func metadataObject() throws -> [String: String] {
        guard i < end, p[i] == 0x7B else { throw invalid("__metadata__ is not an object") }
        i += 1
        var out: [String: String] = [:]
        skipSpace()
        if i < end, p[i] == 0x7D { i += 1; return out }
        while true {
            skipSpace()
            let key = try string()
            try colon()
            guard i < end, p[i] == 0x22 else { throw invalid("__metadata__ value for '\(key)' is not a string") }
            out[key] = try string()
            if try commaOrClose(0x7D) { return out }
        }
    }

    /// A JSON array of whole, non-negative numbers exact in a Double (JSON numbers are doubles).
    private mutating func integers(_ name: String, _ what: String, _ path: String) throws -> [Int] {
        i += 1  // [
        var out: [Int] = []
        skipSpace()
        if i < end, p[i] == 0x5D { i += 1; return out }  // ]
        while true {
            skipSpace()
            guard i < end, p[i] == 0x2D || (p[i] >= 0x30 && p[i] <= 0x39) else {  // - or a digit
                throw invalid("entry '\(name)': \(what) must hold integers")
            }
            let start = i
            let value = try number()
            guard value >= 0, value <= 0x1p53, value == value.rounded() else {
                let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
                throw Problem.file(.sizeMismatch(path: path, tensor: name, reason: "\(what) value \(text) is not a valid size"))
            }
            out.append(Int(value))
            if try commaOrClose(0x5D) { return out }
        }
    }

    // MARK: Tokens

    private func invalid(_ reason: String) -> Problem { .invalid(reason) }

    private mutating func skipSpace() {
        while i < end {
            let c = p[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    private mutating func colon() throws {
        skipSpace()
        guard i < end, p[i] == 0x3A else { throw invalid("not valid JSON (expected ':' at byte \(i))") }
        i += 1
        skipSpace()
    }

    /// After a member or element: true at the closing bracket, false after a comma.
    private mutating func commaOrClose(_ close: UInt8) throws -> Bool {
        skipSpace()
        if i < end {
            if p[i] == 0x2C { i += 1; return false }  // ,
            if p[i] == close { i += 1; return true }
        }
        throw invalid("not valid JSON (expected ',' or '\(Character(Unicode.Scalar(close)))' at byte \(i))")
    }

    /// A JSON number (strict grammar); plain integers of up to 15 digits skip Double parsing.
    private mutating func number() throws -> Double {
        let start = i
        func malformed() -> Problem { invalid("not valid JSON (a malformed number at byte \(start))") }
        var negative = false
        if i < end, p[i] == 0x2D { negative = true; i += 1 }
        guard i < end, p[i] >= 0x30 && p[i] <= 0x39 else { throw malformed() }
        var value = 0
        let digitsStart = i
        if p[i] == 0x30 {
            i += 1  // a leading 0 stands alone
        } else {
            while i < end, p[i] >= 0x30 && p[i] <= 0x39 {
                if i - digitsStart < 15 { value = value * 10 + Int(p[i] - 0x30) }
                i += 1
            }
        }
        var plain = !negative && i - digitsStart <= 15
        if i < end, p[i] == 0x2E {  // .
            plain = false
            i += 1
            guard i < end, p[i] >= 0x30 && p[i] <= 0x39 else { throw malformed() }
            while i < end, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        }
        if i < end, p[i] == 0x65 || p[i] == 0x45 {  // e E
            plain = false
            i += 1
            if i < end, p[i] == 0x2B || p[i] == 0x2D { i += 1 }
            guard i < end, p[i] >= 0x30 && p[i] <= 0x39 else { throw malformed() }
            while i < end, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        }
        if plain { return Double(value) }
        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
        return Double(text) ?? .nan
    }

    /// The bytes of a JSON string between its quotes, and whether they are plain ASCII without
    /// escapes (then they are the string); the index moves past the closing quote.
    private mutating func stringSpan() throws -> (start: Int, end: Int, plain: Bool) {
        guard i < end, p[i] == 0x22 else { throw invalid("not valid JSON (expected a string at byte \(i))") }
        i += 1
        let start = i
        var plain = true
        while i < end {
            let c = p[i]
            if c == 0x22 { i += 1; return (start, i - 1, plain) }
            if c == 0x5C {  // \: skip the escaped byte (a quote must not end the string)
                plain = false
                i += 2
                continue
            }
            guard c >= 0x20 else { throw invalid("not valid JSON (a control character in a string)") }
            if c >= 0x80 { plain = false }
            i += 1
        }
        throw invalid("not valid JSON (an unterminated string)")
    }

    /// Whether a key (plain bytes `start..<stop`, or decoded `text`) is `name`.
    private func keyIs(_ start: Int, _ stop: Int, _ text: String?, _ name: StaticString) -> Bool {
        if let text { return text == name.description }
        return stop - start == name.utf8CodeUnitCount && memcmp(p + start, name.utf8Start, stop - start) == 0
    }

    /// A JSON string, escapes decoded; invalid UTF-8 or a lone surrogate is an error.
    private mutating func string() throws -> String {
        let (start, stop, plain) = try stringSpan()
        if plain { return String(decoding: UnsafeBufferPointer(start: p + start, count: stop - start), as: UTF8.self) }
        return try decode(start, stop)
    }

    /// The string whose raw bytes (between the quotes) are `start..<stop`.
    private func decode(_ start: Int, _ stop: Int) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(stop - start)
        var k = start
        func hex4() throws -> UInt32 {
            guard k + 4 <= stop else { throw invalid("not valid JSON (a short \\u escape)") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = p[k]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x61...0x66: d = c - 0x61 + 10
                case 0x41...0x46: d = c - 0x41 + 10
                default: throw invalid("not valid JSON (a bad \\u escape)")
                }
                v = v << 4 | UInt32(d)
                k += 1
            }
            return v
        }
        while k < stop {
            let c = p[k]
            if c != 0x5C { bytes.append(c); k += 1; continue }
            guard k + 1 < stop else { throw invalid("not valid JSON (an unterminated string)") }
            let e = p[k + 1]
            k += 2
            switch e {
            case 0x22, 0x5C, 0x2F: bytes.append(e)   // " \ /
            case 0x62: bytes.append(0x08)            // b
            case 0x66: bytes.append(0x0C)            // f
            case 0x6E: bytes.append(0x0A)            // n
            case 0x72: bytes.append(0x0D)            // r
            case 0x74: bytes.append(0x09)            // t
            case 0x75:                               // u
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    // A high surrogate must be followed by an escaped low one.
                    guard k + 1 < stop, p[k] == 0x5C, p[k + 1] == 0x75 else { throw invalid("a lone surrogate in a string") }
                    k += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw invalid("a lone surrogate in a string") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw invalid("a lone surrogate in a string")
                }
                bytes.append(contentsOf: Array(String(Unicode.Scalar(code)!).utf8))
            default:
                throw invalid("not valid JSON (a bad escape in a string)")
            }
        }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw invalid("not UTF-8") }
        return s
    }

    /// Skips any JSON value (an unknown field), iteratively: a stack of open brackets, not recursion.
    private mutating func skipValue() throws {
        var open: [UInt8] = []
        repeat {
            skipSpace()
            guard i < end else { throw invalid("not valid JSON (the header ends inside a value)") }
            let c = p[i]
            switch c {
            case 0x22:
                _ = try string()
            case 0x2D, 0x30...0x39:
                _ = try number()
            case 0x74, 0x66, 0x6E:  // t f n
                try literal()
            case 0x7B, 0x5B:  // { [
                i += 1
                let close: UInt8 = c == 0x7B ? 0x7D : 0x5D
                open.append(close)
                skipSpace()
                if i < end, p[i] == close {
                    i += 1
                    open.removeLast()
                } else {
                    if c == 0x7B { _ = try string(); try colon() }
                    continue
                }
            default:
                throw invalid("not valid JSON (unexpected byte at \(i))")
            }
            // After a value: close as many containers as end here, then expect a comma.
            while let close = open.last {
                skipSpace()
                if i < end, p[i] == close { i += 1; open.removeLast(); continue }
                guard i < end, p[i] == 0x2C else { throw invalid("not valid JSON (expected ',' at byte \(i))") }
                i += 1
                if close == 0x7D { skipSpace(); _ = try string(); try colon() }
                break
            }
        } while !open.isEmpty
    }

    private mutating func literal() throws {
        for word: StaticString in ["true", "false", "null"] {
            let n = word.utf8CodeUnitCount
            if i + n <= end, memcmp(p + i, word.utf8Start, n) == 0 { i += n; return }
        }
        throw invalid("not valid JSON (unexpected byte at \(i))")
    }
}
