import Foundation
import Testing
@testable import SwiftGrad

/// The BPE tokenizer against Hugging Face's `tokenizers` on a test corpus (fixtures made by
/// Scripts/tokenizers/make_tokenizer_fixtures.py): GPT-2-style byte-level BPE, Llama-style BPE
/// with byte fallback through Prepend/Replace normalizers, and the same through Metaspace.
@Suite struct TokenizerTests {
    struct Case {
        let ids: [Int], idsNoSpecial: [Int], decoded: String, decodedSkip: String
    }

    /// Read per test (not held in a static: LeakSanitizer would report Foundation's tagged storage).
    static func fixtures() -> (lines: [String], cases: [String: [Case]]) {
        let url = Bundle.module.url(forResource: "cases", withExtension: "json", subdirectory: "Resources/tokenizers")!
        let json = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var cases: [String: [Case]] = [:]
        for name in ["gpt2", "llama", "metaspace"] {
            cases[name] = (json[name] as! [[String: Any]]).map {
                Case(ids: $0["ids"] as! [Int], idsNoSpecial: $0["ids_no_special"] as! [Int],
                     decoded: $0["decoded"] as! String, decodedSkip: $0["decoded_skip"] as! String)
            }
        }
        return (json["lines"] as! [String], cases)
    }

    static func tokenizer(_ name: String) throws -> Tokenizer {
        try Tokenizer(contentsOf: Bundle.module.url(forResource: "tokenizer", withExtension: "json",
                                                     subdirectory: "Resources/tokenizers/\(name)")!.path)
    }

    /// Exact scalars (Swift's `==` on strings is canonical equivalence, which would hide a
    /// decomposed accent decoded as a precomposed one).
    static func same(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

    @Test(arguments: ["gpt2", "llama", "metaspace"])
    func encodesAndDecodesEveryLineAsTheTokenizersLibrary(_ name: String) throws {
        let tok = try TokenizerTests.tokenizer(name)
        let (lines, all) = TokenizerTests.fixtures()
        let cases = all[name]!
        #expect(lines.count == cases.count && lines.count > 20)
        var roundTrips = 0
        for (line, c) in zip(lines, cases) {
            #expect(tok.encode(line) == c.ids, "\(name): \(line.debugDescription)")
            #expect(tok.encode(line, addSpecialTokens: false) == c.idsNoSpecial, "\(name): \(line.debugDescription)")
            let decoded = tok.decode(c.ids, skipSpecialTokens: false)
            #expect(TokenizerTests.same(decoded, c.decoded), "\(name): \(line.debugDescription) → \(decoded.debugDescription)")
            let skipped = tok.decode(c.ids)
            #expect(TokenizerTests.same(skipped, c.decodedSkip), "\(name): \(line.debugDescription) → \(skipped.debugDescription)")
            if TokenizerTests.same(skipped, line) { roundTrips += 1 }
        }
        // Every line without special tokens in it, or leading spaces under Metaspace's decoder
        // (which drops the first token's ▁, as the library's), decodes to itself.
        #expect(roundTrips >= lines.count - 2, "\(name): \(roundTrips) of \(lines.count) lines round-trip")
    }

    @Test func byteLevelRoundTripsAnyText() throws {
        let tok = try TokenizerTests.tokenizer("gpt2")
        for text in ["", " ", "\u{0}\u{1}\u{7f}", "e\u{301}\u{301}", "🏳️‍🌈🏳️‍🌈", "\t \n\r\n", "ü" + String(repeating: " ", count: 40) + "x",
                     "\u{10FFFF}\u{FEFF}\u{200D}", "'''s'S 'll'LL"] {
            #expect(TokenizerTests.same(tok.decode(tok.encode(text)), text), "\(text.debugDescription)")
        }
    }

    @Test func specialAndAddedTokens() throws {
        let gpt2 = try TokenizerTests.tokenizer("gpt2")
        let eos = try #require(gpt2.id(of: "<|endoftext|>"))
        #expect(gpt2.encode("a<|endoftext|>b").contains(eos))
        #expect(gpt2.decode([eos]) == "" && gpt2.decode([eos], skipSpecialTokens: false) == "<|endoftext|>")
        #expect(gpt2.addedTokens.contains { $0.content == " hello world" && $0.singleWord })
        // single_word: matched only between non-word characters.
        let hw = try #require(gpt2.id(of: " hello world"))
        #expect(gpt2.encode("x: hello world.").contains(hw))
        #expect(!gpt2.encode("say hello worlds").contains(hw))
        let llama = try TokenizerTests.tokenizer("llama")
        #expect(llama.encode("hi").first == llama.id(of: "<s>"))      // TemplateProcessing's BOS
        #expect(llama.encode("hi", addSpecialTokens: false).first != llama.id(of: "<s>"))
        #expect(llama.vocabularySize == 760 && gpt2.vocabularySize == 702)
        #expect(llama.token(of: llama.id(of: "<0x0A>")!) == "<0x0A>")
    }

    @Test func badFilesThrowTypedErrors() throws {
        #expect(throws: TokenizerError.self) { _ = try Tokenizer(json: Array("{".utf8)) }
        #expect(throws: TokenizerError.self) { _ = try Tokenizer(json: Array("[]".utf8)) }
        #expect(throws: TokenizerError.unsupported(path: "<tokenizer.json>", component: "model type WordPiece")) {
            _ = try Tokenizer(json: Array(#"{"model": {"type": "WordPiece", "vocab": {}}}"#.utf8))
        }
        let split = #"{"pre_tokenizer": {"type": "Split"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#
        #expect(throws: TokenizerError.self) { _ = try Tokenizer(json: Array(split.utf8)) }
        let digits = #"{"pre_tokenizer": {"type": "Digits"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#
        #expect(throws: TokenizerError.unsupported(path: "<tokenizer.json>", component: "pre_tokenizer Digits")) {
            _ = try Tokenizer(json: Array(digits.utf8))
        }
        let badMerge = #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#
        #expect(throws: TokenizerError.self) { _ = try Tokenizer(json: Array(badMerge.utf8)) }
        // Deep nesting is refused, not a stack overflow.
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: TokenizerError.self) { _ = try Tokenizer(json: Array(deep.utf8)) }
        #expect(throws: FileError.self) { _ = try Tokenizer(contentsOf: "/nonexistent/tokenizer.json") }
    }

    /// Vocabulary keys are compared as bytes: "é" and "e\u{301}" are two tokens.
    @Test func canonicallyEquivalentTokensStayApart() throws {
        let json = #"{"model": {"type": "BPE", "vocab": {"\u00e9": 0, "e": 1, "\u0301": 2, "e\u0301": 3}, "merges": [["e", "\u0301"]]}}"#
        let tok = try Tokenizer(json: Array(json.utf8))
        #expect(tok.encode("\u{e9}") == [0])
        #expect(tok.encode("e\u{301}") == [3])
    }
}
