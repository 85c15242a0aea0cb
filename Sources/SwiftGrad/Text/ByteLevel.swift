/// GPT-2's byte-level pieces: the byte-to-unicode map and the pre-tokenizer's split.
enum ByteLevel {
    /// GPT-2's `bytes_to_unicode`: printable Latin-1 bytes map to themselves, the other 68 bytes to
    /// U+0100 and up, in byte order, so every byte is one visible character.
    static let byteToScalar: [Unicode.Scalar] = {
        var map = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                map[b] = Unicode.Scalar(UInt32(b))!
            } else {
                map[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return map
    }()

    /// The inverse of `byteToScalar`.
    static let scalarToByte: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s] = UInt8(b) }
        return map
    }()

    /// The characters of `scalars`' UTF-8 bytes.
    static func encode(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for s in scalars {
            for b in String(s).utf8 { out.append(byteToScalar[Int(b)]) }
        }
        return out
    }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\s`: the Unicode White_Space property.
    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    /// The pieces of GPT-2's pre-tokenizer regex
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, matched by hand
    /// over unicode scalars (the alternatives tried in order at each position, as a regex engine).
    static func split(_ s: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var out: [[Unicode.Scalar]] = []
        var i = 0
        let n = s.count
        func run(from j: Int, _ pred: (Unicode.Scalar) -> Bool) -> Int {
            var k = j
            while k < n, pred(s[k]) { k += 1 }
            return k
        }
        func other(_ c: Unicode.Scalar) -> Bool { !isSpace(c) && !isLetter(c) && !isNumber(c) }
        while i < n {
            var end = i
            if s[i] == "'", i + 1 < n {
                let a = s[i + 1]
                if a == "s" || a == "t" || a == "m" || a == "d" {
                    end = i + 2
                } else if i + 2 < n, (a == "r" && s[i + 2] == "e") || (a == "v" && s[i + 2] == "e") || (a == "l" && s[i + 2] == "l") {
                    end = i + 3
                }
            }
            if end == i {
                // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
                let j = s[i] == " " ? i + 1 : i
                for pred in [isLetter, isNumber, other] as [(Unicode.Scalar) -> Bool] where j < n && pred(s[j]) {
                    end = run(from: j, pred)
                    break
                }
            }
            if end == i {
                // Whitespace: the whole run at the end of the text; before other text, all but its last
                // character (`\s+(?!\S)`), unless that leaves nothing (then `\s+` takes the one).
                let stop = run(from: i, isSpace)
                end = stop == n || stop - i == 1 ? stop : stop - 1
            }
            out.append(Array(s[i..<end]))
            i = end
        }
        return out
    }
}
