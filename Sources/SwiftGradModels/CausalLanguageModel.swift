import SwiftGrad

/// A decoder-only language model: token ids in, next-token logits out, with an optional KV cache
/// for incremental decoding (feeding the tokens one step at a time gives the logits of one full pass).
///
///     let cache = model.makeCache(batch: 1, maxLength: 64)
///     let first = model.logits(inputIDs: prompt, cache: cache)         // [1, t, vocab]
///     let next = model.logits(inputIDs: nextToken, cache: cache)       // [1, 1, vocab]
public protocol CausalLanguageModel: AnyObject {
    /// The vocabulary size (the last axis of the logits).
    var vocabSize: Int { get }
    /// Logits [batch, t, vocab] for int64 token ids [batch, t]. With a cache, the ids continue
    /// the cached positions and their keys and values are appended to it.
    func logits(inputIDs: Tensor, cache: KVCache?) -> Tensor
    /// An empty cache for `batch` sequences of up to `maxLength` positions, in the model's dtype.
    func makeCache(batch: Int, maxLength: Int) -> KVCache
}

/// Checks token ids for a language model: int64 [batch, t] with every id in 0..<vocab.
func checkTokenIDs(_ ids: Tensor, vocab: Int, model: String) {
    check(ids.rank == 2 && ids.dtype == .int64, "\(model): input ids must be int64 [batch, seq], got \(ids.dtype) \(ids.shape)")
    if ids.count > 0 {
        let (lo, hi) = (ids.min().item(), ids.max().item())
        check(lo >= 0 && hi < Double(vocab), "\(model): token ids must lie in 0..<\(vocab), got ids from \(Int(lo)) to \(Int(hi)) in \(ids.shape)")
    }
}
