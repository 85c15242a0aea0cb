import SwiftGrad
@testable import SwiftGradModels
import Testing

/// Incremental decoding with the KV cache gives the logits of one full pass over the sequence:
/// a prefill of 3 tokens, then 1 token per step, then a chunk of 2 (the bottom-right causal mask).
@Suite struct KVCacheDecodingTests {
    func incrementalEqualsFull(_ model: CausalLanguageModel, _ ids: Tensor) {
        let full = withNoGrad { model.logits(inputIDs: ids, cache: nil) }
        let cache = model.makeCache(batch: ids.shape[0], maxLength: 16)
        var pieces: [Tensor] = []
        var start = 0
        for length in [3, 1, 1, 2] where start + length <= ids.shape[1] {
            let step = ids.narrow(axis: 1, start: start, length: length).contiguous()
            pieces.append(withNoGrad { model.logits(inputIDs: step, cache: cache) })
            start += length
        }
        #expect(start == ids.shape[1] && cache.length == ids.shape[1])
        let stepwise = Tensor.cat(pieces, axis: 1)
        let diff = maxAbsDifference(stepwise, full)
        #expect(diff < 1e-5, "incremental vs full: \(diff)")
    }

    @Test func gpt2() throws {
        incrementalEqualsFull(try GPT2LMHeadModel(directory: Fixture.directory("gpt2")), try Fixture.io("gpt2")["input"]!)
    }

    @Test func llamaWithGQA() throws {
        incrementalEqualsFull(try LlamaForCausalLM(directory: Fixture.directory("llama")), try Fixture.io("llama")["input"]!)
    }

    @Test func llamaWithBiasesAndExplicitHeadDim() throws {
        incrementalEqualsFull(try LlamaForCausalLM(directory: Fixture.directory("llama_flags")), try Fixture.io("llama_flags")["input"]!)
    }

    @Test func mistralSlidingWindow() throws {
        incrementalEqualsFull(try LlamaForCausalLM(directory: Fixture.directory("mistral")), try Fixture.io("mistral")["input"]!)
    }

    @Test func qwen2() throws {
        incrementalEqualsFull(try LlamaForCausalLM(directory: Fixture.directory("qwen2")), try Fixture.io("qwen2")["input"]!)
    }

    @Test func greedyDecodingWithTheCacheMatchesRecomputation() throws {
        let model = try GPT2LMHeadModel(directory: Fixture.directory("gpt2"))
        let prompt = try Fixture.io("gpt2")["input"]!.narrow(axis: 0, start: 0, length: 1).narrow(axis: 1, start: 0, length: 3).contiguous()
        var tokens = prompt.toArray(as: Int64.self)
        let cache = model.makeCache(batch: 1, maxLength: 16)
        var next = prompt
        var cached: [Int64] = []
        for _ in 0..<5 {
            let logits = withNoGrad { model.logits(inputIDs: next, cache: cache) }
            let t = Int64(logits.select(axis: 1, index: logits.shape[1] - 1).argmax(axis: -1).item())
            cached.append(t)
            next = Tensor([t], shape: [1, 1])
        }
        var recomputed: [Int64] = []
        for _ in 0..<5 {
            let logits = withNoGrad { model.logits(inputIDs: Tensor(tokens, shape: [1, tokens.count])) }
            let t = Int64(logits.select(axis: 1, index: tokens.count - 1).argmax(axis: -1).item())
            recomputed.append(t); tokens.append(t)
        }
        #expect(cached == recomputed)
    }
}

/// Padding masks for the decoders (left padding on the second row): transformers' logits at every
/// real token, in one pass and with the cache.
@Suite struct DecoderPaddingMaskTests {
    func check(_ name: String, _ model: CausalLanguageModel) throws {
        let io = try Fixture.io(name)
        let (ids, mask, expected) = (io["input"]!, io["attention_mask"]!, io["logits_masked"]!)
        let real = mask.ne(0).unsqueeze(axis: -1).to(.float32)        // padding query rows are not compared
        let full = withNoGrad { model.logits(inputIDs: ids, attentionMask: mask, cache: nil) }
        #expect(maxAbsDifference(full * real, expected * real) < 1e-4, "\(name)")
        // The unpadded first row is unchanged by the mask.
        #expect(maxAbsDifference(full.select(axis: 0, index: 0), io["logits"]!.select(axis: 0, index: 0)) < 1e-4)
        // With the cache: the mask of all positions so far at each step.
        let cache = model.makeCache(batch: 2, maxLength: 8)
        let first = withNoGrad { model.logits(inputIDs: ids.narrow(axis: 1, start: 0, length: 4).contiguous(),
                                              attentionMask: mask.narrow(axis: 1, start: 0, length: 4).contiguous(), cache: cache) }
        let rest = withNoGrad { model.logits(inputIDs: ids.narrow(axis: 1, start: 4, length: 3).contiguous(), attentionMask: mask, cache: cache) }
        let stepwise = Tensor.cat([first, rest], axis: 1)
        #expect(maxAbsDifference(stepwise * real, expected * real) < 1e-4, "\(name) with the cache")
    }

    @Test func gpt2() throws { try check("gpt2", try GPT2LMHeadModel(directory: Fixture.directory("gpt2"))) }
    @Test func llama() throws { try check("llama", try LlamaForCausalLM(directory: Fixture.directory("llama"))) }
    @Test func mistralWithItsWindow() throws { try check("mistral", try LlamaForCausalLM(directory: Fixture.directory("mistral"))) }
    @Test func qwen2() throws { try check("qwen2", try LlamaForCausalLM(directory: Fixture.directory("qwen2"))) }
}
