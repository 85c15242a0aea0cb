import Foundation
import Testing
@testable import SwiftGrad

/// RNNCell, LSTMCell, GRUCell and LSTM projSize against PyTorch; RotaryEmbedding and GatedMLP
/// against Hugging Face's Llama formulas (Resources/recurrent_rope_fixtures.json, written by
/// make_attention_fixtures.py).
@Suite struct ModelBlocksTests {
    struct T: Decodable {
        let shape: [Int]; let data: [Double]
        var tensor: Tensor { Tensor(data, shape: shape, dtype: .float32) }
    }
    struct Cell: Decodable { let name: String; let state: [String: T]; let x: T, h: T, out: T; let c: T? }
    struct Proj: Decodable { let state: [String: T]; let x: T, h0: T, c0: T, out: T, h: T, c: T }
    struct Rope: Decodable { let positions: T, cos: T, sin: T, q: T, k: T, qEmbed: T, kEmbed: T }
    struct MLP: Decodable { let state: [String: T]; let x: T, out: T }
    struct File: Decodable { let cells: [Cell]; let lstmProj: Proj; let rope: Rope; let mlp: MLP }

    static func load() throws -> File {
        let url = Bundle.module.url(forResource: "recurrent_rope_fixtures", withExtension: "json", subdirectory: "Resources")!
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }

    @Test func cellsMatchPyTorch() throws {
        let file = try Self.load()
        #expect(file.cells.count == 4)
        for c in file.cells {
            let out: Tensor
            switch c.name {
            case "lstm":
                let cell = LSTMCell(inputSize: 4, hiddenSize: 5)
                #expect(cell.namedParameters().map(\.0) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
                try cell.loadStateDict(c.state.mapValues(\.tensor))
                let (h, cc) = cell(c.x.tensor, state: (c.h.tensor, c.c!.tensor))
                out = Tensor.cat([h, cc], axis: 1)
            case "gru":
                let cell = GRUCell(inputSize: 4, hiddenSize: 5)
                try cell.loadStateDict(c.state.mapValues(\.tensor))
                out = cell(c.x.tensor, hidden: c.h.tensor)
            default:
                let cell = RNNCell(inputSize: 4, hiddenSize: 5, nonlinearity: c.name == "rnn_relu" ? .relu : .tanh)
                try cell.loadStateDict(c.state.mapValues(\.tensor))
                out = cell(c.x.tensor, hidden: c.h.tensor)
            }
            #expect(out.allClose(c.out.tensor, atol: 1e-6), "\(c.name)")
        }
    }

    @Test func cellsUnbatchedZeroStateAndGradients() {
        let g = Generator(seed: 7)
        let lstm = LSTMCell(inputSize: 3, hiddenSize: 2, dtype: .float64, generator: g)
        let gru = GRUCell(inputSize: 3, hiddenSize: 2, dtype: .float64, generator: g)
        let rnn = RNNCell(inputSize: 3, hiddenSize: 2, dtype: .float64, generator: g)
        let x = Tensor.randn([2, 3], dtype: .float64, generator: g), h = Tensor.randn([2, 2], dtype: .float64, generator: g)
        // Unbatched input gives the batched result's row; a nil state is zeros.
        let x0 = x.narrow(axis: 0, start: 0, length: 1).squeeze(axis: 0)
        #expect(gru(x0, hidden: nil).allClose(gru(x, hidden: Tensor.zeros([2, 2], dtype: .float64))
            .narrow(axis: 0, start: 0, length: 1).squeeze(axis: 0), atol: 1e-14))
        #expect(lstm(x0, state: nil).h.shape == [2])
        // One step of a cell equals a one-step sequence layer with the same weights.
        let layer = GRU(inputSize: 3, hiddenSize: 2, dtype: .float64)
        try? layer.loadStateDict(Dictionary(uniqueKeysWithValues: gru.stateDict().map { ($0.key + "_l0", $0.value) }))
        #expect(layer(x.unsqueeze(axis: 0), hidden: h.unsqueeze(axis: 0)).hidden.squeeze(axis: 0).allClose(gru(x, hidden: h), atol: 1e-14))
        for (name, f) in [("lstm", { (xs: [Tensor]) in lstm(xs[0], state: (xs[1], xs[1] * 0.5)).c }),
                          ("gru", { (xs: [Tensor]) in gru(xs[0], hidden: xs[1]) }),
                          ("rnn", { (xs: [Tensor]) in rnn(xs[0], hidden: xs[1]) })] {
            let r = gradcheck(f, inputs: [x, h])
            #expect(r.passed, "\(name): \(r)")
        }
    }

    @Test func lstmProjSizeMatchesPyTorch() throws {
        let p = try Self.load().lstmProj
        let lstm = LSTM(inputSize: 3, hiddenSize: 5, numLayers: 2, batchFirst: true, bidirectional: true, projSize: 2)
        #expect(Set(lstm.stateDict().keys) == Set(p.state.keys))
        #expect(lstm.namedParameters().map(\.0).prefix(5) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"])
        try lstm.loadStateDict(p.state.mapValues(\.tensor))
        let (y, (h, c)) = lstm(p.x.tensor, state: (p.h0.tensor, p.c0.tensor))
        #expect(y.shape == [2, 4, 4] && h.shape == [4, 2, 2] && c.shape == [4, 2, 5])
        #expect(y.allClose(p.out.tensor, atol: 1e-6) && h.allClose(p.h.tensor, atol: 1e-6) && c.allClose(p.c.tensor, atol: 1e-6))
        let small = LSTM(inputSize: 2, hiddenSize: 3, projSize: 1, dtype: .float64)
        let r = moduleGradcheck(small, inputs: [Tensor.randn([3, 1, 2], dtype: .float64, generator: Generator(seed: 3))], samples: 4) { xs in
            small(xs[0], state: nil).output
        }
        #expect(r.isEmpty, "\(r)")
    }

    @Test func rotaryEmbeddingMatchesHuggingFace() throws {
        let r = try Self.load().rope
        let rope = RotaryEmbedding(dim: 8)
        let positions = r.positions.tensor.to(.int64)
        let (cos, sin) = rope(positions: positions)
        #expect(cos.allClose(r.cos.tensor, atol: 1e-6) && sin.allClose(r.sin.tensor, atol: 1e-6))
        let (q, k) = applyRotaryEmbedding(r.q.tensor, r.k.tensor, cos: cos, sin: sin)
        #expect(q.allClose(r.qEmbed.tensor, atol: 1e-5) && k.allClose(r.kEmbed.tensor, atol: 1e-5))
        // The rotation keeps norms, and relative: <R_m q, R_n k> depends only on m - n.
        let a = Tensor.randn([1, 1, 1, 8], dtype: .float64), b = Tensor.randn([1, 1, 1, 8], dtype: .float64)
        func dot(_ m: Int, _ n: Int) -> Double {
            let (cm, sm) = rope(positions: Tensor([m], shape: [1, 1]), dtype: .float64)
            let (cn, sn) = rope(positions: Tensor([n], shape: [1, 1]), dtype: .float64)
            return (applyRotaryEmbedding(a, a, cos: cm, sin: sm).q * applyRotaryEmbedding(b, b, cos: cn, sin: sn).k).sum().item()
        }
        #expect(abs(dot(3, 1) - dot(7, 5)) < 1e-5)
        let gc = gradcheck({ xs in applyRotaryEmbedding(xs[0], xs[1], cos: cos.to(.float64), sin: sin.to(.float64)).q.square() },
                           inputs: [r.q.tensor.to(.float64), r.k.tensor.to(.float64)])
        #expect(gc.passed, "\(gc)")
    }

    @Test func gatedMLPMatchesLlamaMLP() throws {
        let m = try Self.load().mlp
        let mlp = GatedMLP(hiddenSize: 6, intermediateSize: 10)
        #expect(mlp.namedParameters().map(\.0) == ["gate_proj.weight", "up_proj.weight", "down_proj.weight"])
        try mlp.loadStateDict(m.state.mapValues(\.tensor))
        #expect(mlp(m.x.tensor).allClose(m.out.tensor, atol: 1e-6))
    }

    /// Incremental decoding with the cache gives the full causal attention's rows, and the cache
    /// writes into its preallocated storage (same storage after every step).
    @Test func kvCacheDecodingMatchesFullAttention() {
        let g = Generator(seed: 8)
        let q = Tensor.randn([1, 4, 6, 3], dtype: .float64, generator: g)
        let k = Tensor.randn([1, 2, 6, 3], dtype: .float64, generator: g), v = Tensor.randn([1, 2, 6, 3], dtype: .float64, generator: g)
        let full = scaledDotProductAttention(q, k, v, isCausal: true, enableGQA: true)
        let cache = KVCache(layers: 1, batch: 1, kvHeads: 2, maxLength: 8, headDim: 3, dtype: .float64)
        let storage = cache.keyStorage[0].storage
        // Prefill 4 positions, then decode 2 one at a time.
        let (k4, v4) = cache.update(layer: 0, keys: k.narrow(axis: 2, start: 0, length: 4), values: v.narrow(axis: 2, start: 0, length: 4))
        var rows = [scaledDotProductAttention(q.narrow(axis: 2, start: 0, length: 4), k4, v4,
                                              mask: cache.causalMask(queryLength: 4), enableGQA: true)]
        for t in 4..<6 {
            let (kt, vt) = cache.update(layer: 0, keys: k.narrow(axis: 2, start: t, length: 1), values: v.narrow(axis: 2, start: t, length: 1))
            #expect(kt.shape == [1, 2, t + 1, 3] && kt.storage === storage)
            rows.append(scaledDotProductAttention(q.narrow(axis: 2, start: t, length: 1), kt, vt, enableGQA: true))
        }
        #expect(Tensor.cat(rows, axis: 2).allClose(full, atol: 1e-12))
        #expect(cache.length == 6 && cache.causalMask(queryLength: 2).shape == [2, 6])
        cache.reset()
        #expect(cache.length == 0 && cache.keyStorage[0].storage === storage)
    }

    @Test func multinomialDrawsFromTheDistribution() {
        let p = Tensor([0.1, 0.0, 0.6, 0.3], dtype: .float64)
        let draws = p.multinomial(numSamples: 4000, replacement: true, generator: Generator(seed: 1)).toArray(as: Int64.self)
        var counts = [Int](repeating: 0, count: 4)
        for d in draws { counts[Int(d)] += 1 }
        #expect(counts[1] == 0)
        #expect(abs(Double(counts[2]) / 4000 - 0.6) < 0.03 && abs(Double(counts[0]) / 4000 - 0.1) < 0.02)
        // Without replacement: distinct categories, every non-zero one when asking for all of them.
        let rows = Tensor([1.0, 2, 3, 0, 5, 1, 1, 1], shape: [2, 4]).multinomial(numSamples: 3, generator: Generator(seed: 2))
        #expect(rows.shape == [2, 3] && rows.dtype == .int64)
        let first = rows.toArray(as: Int64.self).prefix(3)
        #expect(Set(first) == [0, 1, 2])
        // Seeded: the same generator state gives the same draws.
        #expect(p.multinomial(numSamples: 5, replacement: true, generator: Generator(seed: 3)).toArray(as: Int64.self)
            == p.multinomial(numSamples: 5, replacement: true, generator: Generator(seed: 3)).toArray(as: Int64.self))
    }

    @Test func samplerFiltersAsHuggingFace() {
        let logits = Tensor([2.0, 1.0, 0.5, -1.0, 3.0], shape: [1, 5])
        #expect(TokenSampler.greedy(logits: logits).toArray(as: Int64.self) == [4])
        // The repetition penalty divides a positive logit: 3 / 4 = 0.75 falls below 2.
        #expect(sample(logits: logits, temperature: 0, repetitionPenalty: 4, previousTokens: [[4]]).toArray(as: Int64.self) == [0])
        let s = TokenSampler(temperature: 0.5, topK: 2, topP: 0.99, repetitionPenalty: 1.3)
        let x = s.processed([2.0, 1.0, 0.5, -1.0, 3.0], previous: [3])
        // Temperature then top-k: only 3/0.5 and 2/0.5 survive (-1 was penalised to -1.3 first).
        #expect(x == [4, -.infinity, -.infinity, -.infinity, 6])
        // Top-p: probabilities e.g. [0.5, 0.3, 0.2] keep the two most likely for p = 0.7.
        let nucleus = TokenSampler(topP: 0.7).processed([log(0.5), log(0.3), log(0.2)], previous: [])
        #expect(nucleus[2] == -.infinity && nucleus[0].isFinite && nucleus[1].isFinite)
        // Draws never pick a filtered token, and a seed makes them reproducible.
        let draws = (0..<200).map { i in
            sample(logits: logits, temperature: 1.5, topK: 3, generator: Generator(seed: UInt64(i))).toArray(as: Int64.self)[0]
        }
        #expect(Set(draws).isSubset(of: [0, 1, 4]) && Set(draws).count == 3)
        #expect(sample(logits: logits.squeeze(axis: 0), generator: Generator(seed: 4)).shape == [])
    }
}

@Suite struct MisuseMessageTestsModelBlocks {
    static let cases: [MisuseCase] = [
        MisuseCase(["LSTMCell", "[2, 5]", "4"]) { _ = LSTMCell(inputSize: 4, hiddenSize: 3)(Tensor.ones([2, 5]), state: nil) },
        MisuseCase(["GRUCell", "hx", "[2, 4]", "[2, 3]"]) { _ = GRUCell(inputSize: 3, hiddenSize: 3)(Tensor.ones([2, 3]), hidden: Tensor.ones([2, 4])) },
        MisuseCase(["LSTM", "projSize", "5"]) { _ = LSTM(inputSize: 3, hiddenSize: 5, projSize: 5) },
        MisuseCase(["applyRotaryEmbedding", "[1, 2, 4, 6]", "[1, 4, 8]"]) {
            let c = Tensor.ones([1, 4, 8])
            _ = applyRotaryEmbedding(Tensor.ones([1, 2, 4, 6]), Tensor.ones([1, 2, 4, 6]), cos: c, sin: c)
        },
        MisuseCase(["KVCache.update", "[1, 2, 3, 4]", "maxLength 2"]) {
            let cache = KVCache(layers: 1, batch: 1, kvHeads: 2, maxLength: 2, headDim: 4)
            _ = cache.update(layer: 0, keys: Tensor.ones([1, 2, 3, 4]), values: Tensor.ones([1, 2, 3, 4]))
        },
        MisuseCase(["multinomial", "without replacement", "[3]"]) { _ = Tensor([0.2, 0.3, 0.5]).multinomial(numSamples: 4) },
        MisuseCase(["TokenSampler", "topP"]) { _ = TokenSampler(topP: 1.5) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsModelBlocks.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
