import Foundation

// Sampling for generation: multinomial draws (PyTorch's torch.multinomial) and a TokenSampler that turns
// logits into token ids with Hugging Face's logits processors (repetition penalty, temperature,
// top-k, top-p) or greedily. Not differentiable (integer results). All draws use our Generator.

extension Tensor {
    /// Draws `numSamples` category indices from each row of non-negative weights (`[n]` or
    /// `[rows, n]`, need not sum to 1), as `torch.multinomial`: with replacement, or without (each
    /// category at most once, at most as many samples as non-zero weights). Returns int64
    /// `[numSamples]` or `[rows, numSamples]`.
    ///
    ///     let idx = probs.multinomial(numSamples: 1, generator: Generator(seed: 0))
    public func multinomial(numSamples: Int, replacement: Bool = false, generator: Generator? = nil) -> Tensor {
        check(rank == 1 || rank == 2, "multinomial: input must be [n] or [rows, n], got \(shape)")
        check(dtype.isFloatingPoint, "multinomial: input must be a float tensor of weights, got \(dtype) of shape \(shape)")
        let n = shape.last!, rows = rank == 2 ? shape[0] : 1
        check(n > 0 && numSamples > 0, "multinomial: needs at least one category and one sample, got input \(shape) and numSamples \(numSamples)")
        check(replacement || numSamples <= n,
              "multinomial: cannot sample \(numSamples) > \(n) categories without replacement (input \(shape))")
        let w = doubles, gen = generator ?? .default
        var out = [Int64](repeating: 0, count: rows * numSamples)
        for r in 0..<rows {
            var row = Array(w[(r * n)..<((r + 1) * n)])
            check(row.allSatisfy { $0 >= 0 && $0.isFinite }, "multinomial: weights must be finite and non-negative (input \(shape), row \(r))")
            check(row.reduce(0, +) > 0, "multinomial: the weights of row \(r) sum to 0 (input \(shape))")
            check(replacement || row.filter({ $0 > 0 }).count >= numSamples,
                  "multinomial: row \(r) has fewer non-zero weights than the \(numSamples) samples drawn without replacement (input \(shape))")
            for k in 0..<numSamples {
                let pick = Tensor.drawCategory(row, gen)
                out[r * numSamples + k] = Int64(pick)
                if !replacement { row[pick] = 0 }      // each category once
            }
        }
        return Tensor(out, shape: rank == 2 ? [rows, numSamples] : [numSamples])
    }

    /// One index drawn with probability weight / Σ weights (a uniform draw against the running sum;
    /// zero weights are never chosen).
    static func drawCategory(_ weights: [Double], _ gen: Generator) -> Int {
        let total = weights.reduce(0, +)
        let u = gen.nextUniform() * total
        var acc = 0.0, last = 0
        for (i, w) in weights.enumerated() where w > 0 {
            acc += w
            last = i
            if u < acc { return i }
        }
        return last
    }
}

/// Turns next-token logits into token ids, as Hugging Face's generation: the repetition penalty
/// first (a previous token's logit is divided by the penalty if positive, multiplied if
/// negative), then temperature, top-k (keep the k largest, ties included) and top-p (keep the
/// smallest set of most likely tokens whose probability reaches p), then one multinomial draw
/// from the softmax. Temperature 0 (or `greedy`) picks the largest logit after the penalty.
///
///     var sampler = TokenSampler(temperature: 0.8, topK: 50, topP: 0.95, generator: Generator(seed: 1))
///     let next = sampler(logits: logits, previousTokens: [tokens])     // logits [1, vocab] → [1]
public struct TokenSampler: Sendable {
    public var temperature: Double
    public var topK: Int?
    public var topP: Double?
    public var repetitionPenalty: Double
    public var generator: Generator?

    public init(temperature: Double = 1, topK: Int? = nil, topP: Double? = nil, repetitionPenalty: Double = 1,
                generator: Generator? = nil) {
        check(temperature >= 0 && temperature.isFinite, "TokenSampler: temperature must be finite and >= 0, got \(temperature)")
        check(topK.map { $0 > 0 } ?? true, "TokenSampler: topK must be positive, got \(topK!)")
        check(topP.map { $0 > 0 && $0 <= 1 } ?? true, "TokenSampler: topP must be in (0, 1], got \(topP!)")
        check(repetitionPenalty > 0, "TokenSampler: repetitionPenalty must be positive, got \(repetitionPenalty)")
        self.temperature = temperature; self.topK = topK; self.topP = topP
        self.repetitionPenalty = repetitionPenalty; self.generator = generator
    }

    /// A sampler that always picks the most likely token.
    ///
    ///     let next = TokenSampler.greedy(logits: logits)
    public static let greedy = TokenSampler(temperature: 0)

    /// One token id per row of `logits` ([vocab] → 0-d, [rows, vocab] → [rows], int64).
    /// `previousTokens[r]` are row r's tokens so far (for the repetition penalty).
    ///
    ///     let next = sampler(logits: lastLogits, previousTokens: history)
    public func callAsFunction(logits: Tensor, previousTokens: [[Int]]? = nil) -> Tensor {
        check(logits.rank == 1 || logits.rank == 2, "TokenSampler: logits must be [vocab] or [rows, vocab], got \(logits.shape)")
        check(logits.dtype.isFloatingPoint, "TokenSampler: logits must be a float tensor, got \(logits.dtype) of shape \(logits.shape)")
        let v = logits.shape.last!, rows = logits.rank == 2 ? logits.shape[0] : 1
        check(v > 0, "TokenSampler: logits \(logits.shape) have no vocabulary")
        check(previousTokens == nil || previousTokens!.count == rows,
              "TokenSampler: previousTokens has \(previousTokens?.count ?? 0) rows for logits \(logits.shape)")
        let all = logits.doubles, gen = generator ?? .default
        var out = [Int64](repeating: 0, count: rows)
        for r in 0..<rows {
            let past = previousTokens?[r] ?? []
            check(past.allSatisfy { $0 >= 0 && $0 < v }, "TokenSampler: previous tokens of row \(r) must be in 0..<\(v) (logits \(logits.shape))")
            let row = processed(Array(all[(r * v)..<((r + 1) * v)]), previous: past)
            if temperature == 0 {
                var best = 0
                for i in 1..<v where row[i] > row[best] { best = i }
                out[r] = Int64(best)
            } else {
                // softmax of what survived (-inf gives probability 0), then one draw.
                let m = row.max()!
                let p = row.map { $0 == -.infinity ? 0 : Foundation.exp($0 - m) }
                out[r] = Int64(Tensor.drawCategory(p, gen))
            }
        }
        return Tensor(out, shape: logits.rank == 2 ? [rows] : [])
    }

    /// The logits after the penalty, temperature, top-k and top-p (filtered entries are -inf).
    func processed(_ logits: [Double], previous: [Int]) -> [Double] {
        var x = logits
        if repetitionPenalty != 1 {
            for t in Set(previous) { x[t] = x[t] < 0 ? x[t] * repetitionPenalty : x[t] / repetitionPenalty }
        }
        if temperature == 0 { return x }
        x = x.map { $0 / temperature }
        if let k = topK, k < x.count {
            // Keep every logit at least the k-th largest (HF: logits < kth value are removed).
            let kth = x.sorted(by: >)[k - 1]
            x = x.map { $0 < kth ? -.infinity : $0 }
        }
        if let p = topP, p < 1 {
            // HF: sort ascending, remove tokens whose cumulative probability is <= 1 - p (the most
            // likely token always stays).
            let order = x.indices.sorted { x[$0] < x[$1] }
            let m = x.max()!
            let e = order.map { x[$0] == -.infinity ? 0 : Foundation.exp(x[$0] - m) }
            let total = e.reduce(0, +)
            var cum = 0.0
            for (rank, i) in order.enumerated() where rank < order.count - 1 {
                cum += e[rank] / total
                if cum <= 1 - p { x[i] = -.infinity }
            }
        }
        return x
    }
}

/// One token id per row of `logits` with a `TokenSampler` of these settings (temperature 0: greedy).
///
///     let next = sample(logits: logits, temperature: 0.7, topP: 0.9, generator: gen)
public func sample(logits: Tensor, temperature: Double = 1, topK: Int? = nil, topP: Double? = nil, repetitionPenalty: Double = 1,
                   previousTokens: [[Int]]? = nil, generator: Generator? = nil) -> Tensor {
    TokenSampler(temperature: temperature, topK: topK, topP: topP, repetitionPenalty: repetitionPenalty, generator: generator)(
        logits: logits, previousTokens: previousTokens)
}
