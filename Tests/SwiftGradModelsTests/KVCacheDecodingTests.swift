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
