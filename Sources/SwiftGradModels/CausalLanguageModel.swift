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
    /// the cached positions and their keys and values are appended to it. `attentionMask`
    /// [batch, past + t] (1 = token, 0 = padding, transformers' convention: the mask of every
    /// position so far) hides padding keys; position ids stay 0, 1, 2, ... as transformers'
    /// forward uses them when given none. Rows of padding queries are not meaningful.
    func logits(inputIDs: Tensor, attentionMask: Tensor?, cache: KVCache?) -> Tensor
    /// An empty cache for `batch` sequences of up to `maxLength` positions, in the model's dtype.
    func makeCache(batch: Int, maxLength: Int) -> KVCache
    /// Logits [batch, 1, vocab] of the last of `inputIDs` only (the keys and values of all of them
    /// go to the cache): what generation needs after the prompt's pass, without the vocabulary
    /// projection of every prompt position (transformers' `logits_to_keep=1`).
    func lastLogits(inputIDs: Tensor, cache: KVCache?) -> Tensor
}

extension CausalLanguageModel {
    /// Logits without a padding mask.
    ///
    ///     let logits = model.logits(inputIDs: ids, cache: cache)
    public func logits(inputIDs: Tensor, cache: KVCache?) -> Tensor { logits(inputIDs: inputIDs, attentionMask: nil, cache: cache) }

    /// The last position's logits, from the full logits (models override it with the head on the
    /// last hidden state only).
    ///
    ///     let next = model.lastLogits(inputIDs: prompt, cache: cache)     // [1, 1, vocab]
    public func lastLogits(inputIDs: Tensor, cache: KVCache?) -> Tensor {
        let all = logits(inputIDs: inputIDs, attentionMask: nil, cache: cache)
        return all.narrow(axis: 1, start: all.shape[1] - 1, length: 1)
    }
}

/// The bool mask [batch, 1, t, past + t] (true = attend) of causal attention (optionally within a
/// sliding window) combined with a padding mask [batch, past + t]; nil without a padding mask.
func paddedCausalMask(_ attentionMask: Tensor?, batch: Int, queries: Int, past: Int, window: Int?, model: String) -> Tensor? {
    guard let m = attentionMask else { return nil }
    check(m.shape == [batch, past + queries] && !m.dtype.isFloatingPoint,
          "\(model): attention_mask must be an integer or bool [batch, past + t] = [\(batch), \(past + queries)], got \(m.dtype) \(m.shape)")
    let keys = m.ne(0).reshape([batch, 1, 1, past + queries])
    return causalMask(queries: queries, past: past, window: window).logicalAnd(keys)
}

/// Checks token ids for a language model: int64 [batch, t] with every id in 0..<vocab.
func checkTokenIDs(_ ids: Tensor, vocab: Int, model: String) {
    check(ids.rank == 2 && ids.dtype == .int64, "\(model): input ids must be int64 [batch, seq], got \(ids.dtype) \(ids.shape)")
    if ids.count > 0 {
        let (lo, hi) = (ids.min().item(), ids.max().item())
        check(lo >= 0 && hi < Double(vocab), "\(model): token ids must lie in 0..<\(vocab), got ids from \(Int(lo)) to \(Int(hi)) in \(ids.shape)")
    }
}
