import Foundation
import SwiftGrad
import SwiftGradModels
import Testing

/// `generate` on Hugging Face directories against transformers' greedy `generate(do_sample=False)`
/// (fixtures of Scripts/models/make_generation_fixtures.py: a tiny random Llama and GPT-2 with tokenizers).
@Suite struct GenerationTests {
    struct Case: Decodable {
        let prompt: String
        let prompt_ids: [Int]
        let generated: [Int]
        let text: String
        let eos: Int
        let generated_eos: [Int]
    }
    struct Expected: Decodable {
        let new_tokens: Int
        let cases: [Case]
    }

    static func expected(_ name: String) throws -> Expected {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.directory(name) + "/expected.json"))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    @Test(arguments: ["generate_llama", "generate_gpt2"])
    func greedyMatchesTransformers(_ name: String) throws {
        let generator = try TextGenerator(directory: Fixture.directory(name))
        let e = try Self.expected(name)
        for c in e.cases {
            #expect(generator.tokenizer.encode(c.prompt) == c.prompt_ids, "\(name): \(c.prompt)")
            // The directory's own eos (generation_config.json): transformers ran to the token limit.
            let g = generator.generate(c.prompt, maxNewTokens: e.new_tokens)
            #expect(g.tokens == c.generated, "\(name): \(c.prompt)")
            #expect(g.stopToken == nil && g.promptIDs == c.prompt_ids)
            #expect(generator.tokenizer.decode(c.prompt_ids + g.tokens) == c.text)
            #expect(g.text == generator.tokenizer.decode(g.tokens))
            // An eos met at the fourth new token or later: generation stops after it, as transformers'.
            let s = generator.generate(c.prompt, maxNewTokens: e.new_tokens, stopTokens: [c.eos])
            #expect(s.tokens == c.generated_eos && s.stopToken == c.eos, "\(name): \(c.prompt) with eos \(c.eos)")
            #expect(s.tokens.count < c.generated.count && s.tokens.count >= 4)
        }
    }

    @Test func eosIDsOfTheDirectory() throws {
        #expect(try TextGenerator.eosTokenIDs(directory: Fixture.directory("generate_llama")) == [2])
        #expect(try TextGenerator.eosTokenIDs(directory: Fixture.directory("generate_gpt2")) == [0])
        let dir = try Fixture.copy("generate_gpt2")
        try #"{"eos_token_id": [5, 7]}"#.write(toFile: dir + "/generation_config.json", atomically: true, encoding: .utf8)
        #expect(try TextGenerator.eosTokenIDs(directory: dir) == [5, 7])
        try FileManager.default.removeItem(atPath: dir + "/generation_config.json")
        #expect(try TextGenerator.eosTokenIDs(directory: dir) == [0])            // config.json's
        try #"{"eos_token_id": "x"}"#.write(toFile: dir + "/generation_config.json", atomically: true, encoding: .utf8)
        #expect(throws: ModelLoadError.self) { try TextGenerator.eosTokenIDs(directory: dir) }
    }

    /// Sampling with the cache draws what recomputing the whole sequence per token draws, and a seed repeats.
    @Test func seededSamplingWithTheCacheEqualsRecomputing() throws {
        let model = try LlamaForCausalLM(directory: Fixture.directory("generate_llama"))
        model.eval()
        let prompt = [1, 338, 75, 440]
        func sampler() -> TokenSampler { TokenSampler(temperature: 1.5, topK: 50, topP: 0.9, repetitionPenalty: 1.2, generator: Generator(seed: 7)) }
        let g = model.generate(inputIDs: prompt, maxNewTokens: 10, sampler: sampler())
        #expect(g.tokens.count == 10)
        #expect(model.generate(inputIDs: prompt, maxNewTokens: 10, sampler: sampler()).tokens == g.tokens)
        let s = sampler()
        var ids = prompt
        withNoGrad {
            for _ in 0..<10 {
                let logits = model.logits(inputIDs: Tensor(ids, shape: [1, ids.count]), cache: nil)
                let last = logits.narrow(axis: 1, start: ids.count - 1, length: 1).reshape([1, model.vocabSize])
                ids.append(Int(s(logits: last, previousTokens: [ids]).item()))
            }
        }
        #expect(Array(ids.dropFirst(prompt.count)) == g.tokens)
        #expect(Set(g.tokens).count > 3)                 // a sampled run, not one repeated token
        #expect(g.seconds >= g.prefillSeconds && g.tokensPerSecond > 0 && g.decodeTokensPerSecond != nil)
    }

    /// The last position's logits alone equal the last row of the full logits (with and without the cache).
    @Test func lastLogitsAreTheLastRow() throws {
        let models: [any CausalLanguageModel] = [try LlamaForCausalLM(directory: Fixture.directory("generate_llama")),
                                                 try GPT2LMHeadModel(directory: Fixture.directory("generate_gpt2"))]
        for model in models {
            let ids = Tensor([1, 338, 75, 440, 9], shape: [1, 5])
            let all = model.logits(inputIDs: ids, cache: nil)
            #expect(maxAbsDifference(model.lastLogits(inputIDs: ids, cache: nil), all.narrow(axis: 1, start: 4, length: 1)) < 1e-6)
            let cache = model.makeCache(batch: 1, maxLength: 8)
            _ = model.lastLogits(inputIDs: ids.narrow(axis: 1, start: 0, length: 3), cache: cache)
            let step = model.lastLogits(inputIDs: ids.narrow(axis: 1, start: 3, length: 2), cache: cache)
            #expect(maxAbsDifference(step, all.narrow(axis: 1, start: 4, length: 1)) < 1e-5)
        }
    }

    @Test func noNewTokens() throws {
        let model = try GPT2LMHeadModel(directory: Fixture.directory("generate_gpt2"))
        let g = model.generate(inputIDs: [3, 4], maxNewTokens: 0)
        #expect(g.tokens.isEmpty && g.stopToken == nil && g.decodeTokensPerSecond == nil)
    }

    @Test func notACausalLanguageModel() throws {
        let dir = try Fixture.copy("bert_mlm")
        try FileManager.default.copyItem(atPath: Fixture.directory("generate_gpt2") + "/tokenizer.json", toPath: dir + "/tokenizer.json")
        #expect(throws: ModelLoadError.self) { try TextGenerator(directory: dir) }
    }

    @Test func emptyPrompt() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = childSetup("the generate_gpt2 fixture") { try GPT2LMHeadModel(directory: Fixture.directory("generate_gpt2")) }
            _ = model.generate(inputIDs: [], maxNewTokens: 3)
        }
        expectStderr(r, ["generate: the prompt has no token ids"])
    }

    @Test func promptIDOutsideTheVocabulary() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let model = childSetup("the generate_llama fixture") { try LlamaForCausalLM(directory: Fixture.directory("generate_llama")) }
            _ = model.generate(inputIDs: [1, 100_000], maxNewTokens: 3)
        }
        expectStderr(r, ["generate: prompt ids must lie in 0..<"])
    }
}
