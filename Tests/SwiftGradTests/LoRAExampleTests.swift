import Foundation
import Testing
import SwiftGrad
import ExampleKit

/// finetune-lora and generate at a small size: the adapters learn, the base stays put, merging keeps
/// the logits, and a saved model directory generates through `Tokenizer` with the KV cache.
@Suite struct LoRAExampleTests {
    @Test func finetuneLoRATrainsOnlyTheAdaptersAndGeneratesFromASavedDirectory() throws {
        var job = LoRAWordFinetune()
        job.pretrainSteps = 20
        job.finetuneSteps = 30
        job.batchSize = 16
        job.finetuneLR = 0.02
        job.verbose = false
        let r = try job.run()
        #expect(r.finetuneLossEnd < r.finetuneLossStart, "\(r.finetuneLossStart) → \(r.finetuneLossEnd)")
        #expect(r.baseUnchanged)
        #expect(r.mergeDifference < 1e-4)
        #expect(r.lora.adapters.count == 2 * 6)

        // The cached generation equals recomputing the whole sequence each step (greedy).
        let (cached, _) = r.model.generate(prompt: [CharVocabulary.start], maxNewTokens: 8, sampler: .greedy)
        var history = [CharVocabulary.start]
        for _ in 0..<cached.count {
            let logits = withNoGrad { r.model(Tensor(history, shape: [1, history.count])) }
            history.append(Int(logits.narrow(axis: 1, start: history.count - 1, length: 1).argmax().item()))
        }
        #expect(Array(history.dropFirst()) == cached)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try r.model.save(to: dir)
        try characterTokenizerJSON(r.vocabulary).write(toFile: dir + "/tokenizer.json", atomically: true, encoding: .utf8)
        let tok = try Tokenizer(contentsOf: dir + "/tokenizer.json")
        #expect(tok.encode("sing") == [CharVocabulary.start] + r.vocabulary.encode("sing"))
        #expect(tok.decode(tok.encode("sing")) == "sing")
        let loaded = try TinyDecoder.load(from: dir)
        let (again, _) = loaded.generate(prompt: tok.encode(""), maxNewTokens: 8, sampler: .greedy)
        #expect(again == cached)
    }
}
