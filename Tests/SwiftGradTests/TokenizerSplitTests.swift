import Foundation
import Testing
@testable import SwiftGrad

/// Split regex pre-tokenizers (Llama-3, Qwen2 with NFC, GPT-4o's o200k, tiktoken's possessive
/// cl100k, and every Split behavior with NFKC and a regex Replace) against Hugging Face's
/// `tokenizers` (fixtures made by Scripts/tokenizers/make_split_tokenizer_fixtures.py), and the
/// regex matcher on its own.
@Suite struct TokenizerSplitTests {
    static let names = ["llama3", "qwen2", "o200k", "cl100k", "behaviors"]

    @Test(arguments: names)
    func encodesAndDecodesEveryLineAsTheTokenizersLibrary(_ name: String) throws {
        let url = Bundle.module.url(forResource: "split_cases", withExtension: "json", subdirectory: "Resources/tokenizers")!
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let lines = try #require(json["lines"] as? [String])
        let cases = try #require(json[name] as? [[String: Any]])
        #expect(lines.count == cases.count && lines.count > 30)
        let tok = try TokenizerTests.tokenizer(name)
        for (line, c) in zip(lines, cases) {
            #expect(tok.encode(line) == c["ids"] as? [Int], "\(name): \(line.debugDescription)")
            #expect(tok.encode(line, addSpecialTokens: false) == c["ids_no_special"] as? [Int], "\(name): \(line.debugDescription)")
            let ids = c["ids"] as? [Int] ?? []
            #expect(TokenizerTests.same(tok.decode(ids, skipSpecialTokens: false), c["decoded"] as? String ?? ""), "\(name): \(line.debugDescription)")
            #expect(TokenizerTests.same(tok.decode(ids), c["decoded_skip"] as? String ?? ""), "\(name): \(line.debugDescription)")
        }
    }

    @Test func llama3AddsItsBeginToken() throws {
        let tok = try TokenizerTests.tokenizer("llama3")
        let bot = try #require(tok.id(of: "<|begin_of_text|>"))
        #expect(tok.encode("hi").first == bot && tok.encode("hi", addSpecialTokens: false).first != bot)
        #expect(tok.decode(tok.encode("It's 12345 o'clock\r\n")) == "It's 12345 o'clock\r\n")
    }

    static func pieces(_ pattern: String, _ text: String) throws -> [String] {
        let r = try TokenizerRegex(pattern)
        let s = Array(text.unicodeScalars)
        return r.matches(in: s).map { String(String.UnicodeScalarView(s[$0])) }
    }

    @Test func regexConstructs() throws {
        // Alternatives in order, then the longest run of a class; lookahead leaves the last space.
        #expect(try Self.pieces(#"\p{L}+|\s+(?!\S)|\s+"#, "ab   cd") == ["ab", "  ", " ", "cd"])
        // {1,3} and single digits.
        #expect(try Self.pieces(#"\p{N}{1,3}"#, "1234567") == ["123", "456", "7"])
        #expect(try Self.pieces(#"\d{2,}"#, "1 22 333") == ["22", "333"])
        // Case-insensitive group (with simple folding: ſ is s), and case-sensitive outside it.
        #expect(try Self.pieces(#"(?i:'s|'ll)"#, "'S 'LL 'ſ 's") == ["'S", "'LL", "'ſ", "'s"])
        #expect(try Self.pieces(#"'s"#, "'S 's") == ["'s"])
        // Greedy, lazy and possessive.
        #expect(try Self.pieces(#"a+a"#, "aaaa") == ["aaaa"])
        #expect(try Self.pieces(#"a+?"#, "aaa") == ["a", "a", "a"])
        #expect(try Self.pieces(#"a++a"#, "aaaa").isEmpty)                       // possessive never gives one back
        #expect(try Self.pieces(#"x?+x"#, "xx") == ["xx"])
        #expect(try Self.pieces(#"(?:ab)+c"#, "ababc abc") == ["ababc", "abc"])
        #expect(try Self.pieces(#"(?>a+)b"#, "aab") == ["aab"])
        // Classes: ranges, negation, escapes and categories inside, a literal '-' at the end.
        #expect(try Self.pieces(#"[a-c0-9_-]+"#, "ab-1_9z") == ["ab-1_9"])
        #expect(try Self.pieces(#"[^\s\p{L}]+"#, "ab 12!? c") == ["12!?"])
        #expect(try Self.pieces(#"[\p{Lu}\p{Lt}]+"#, "aBCǅd") == ["BCǅ"])
        #expect(try Self.pieces(#"\P{L}+"#, "ab12 cd") == ["12 "])
        #expect(try Self.pieces(#"\x41\u0042\x{43}"#, "ABC") == ["ABC"])
        // Anchors (line anchors, as Ruby's syntax) and '.' (not a newline).
        #expect(try Self.pieces(#"^a"#, "ab\nac") == ["a", "a"])
        #expect(try Self.pieces(#"\Aa"#, "ab\nac") == ["a"])
        #expect(try Self.pieces(#".+"#, "ab\ncd") == ["ab", "cd"])
        #expect(try Self.pieces(#"b$"#, "ab\nab") == ["b", "b"])
        // A literal '{' that is not a quantifier.
        #expect(try Self.pieces(#"a{x"#, "a{x") == ["a{x"])
    }

    @Test func unsupportedPatternsAreRefused() throws {
        for p in [#"(?<=a)b"#, #"\bword"#, #"(a)\1"#, #"\p{Han}"#, #"[[:alpha:]]"#, #"(?x: a )"#, #"(ab"#, #"ab)"#, #"*a"#] {
            #expect(throws: TokenizerRegex.Unsupported.self, "\(p)") { _ = try TokenizerRegex(p) }
        }
        let json = #"{"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?<=a)b"}, "behavior": "Isolated"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#
        #expect(throws: TokenizerError.self) { _ = try Tokenizer(json: Array(json.utf8)) }
        let behavior = #"{"pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#
        #expect(throws: TokenizerError.self) { _ = try Tokenizer(json: Array(behavior.utf8)) }
    }

    /// A long run stays linear: the single-scalar loop does not recurse per scalar.
    @Test func longRunsDoNotRecurse() throws {
        let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let text = Array((String(repeating: "a", count: 200_000) + String(repeating: " ", count: 100_000) + "7").unicodeScalars)
        #expect(try TokenizerRegex(llama3).matches(in: text) == [0..<200_000, 200_000..<299_999, 299_999..<300_000, 300_000..<300_001])
    }
}
