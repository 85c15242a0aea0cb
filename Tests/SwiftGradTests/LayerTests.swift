import Testing
import Foundation
@testable import SwiftGrad

/// Linear, Bilinear, Embedding, initialisers, and the PyTorch char-LSTM loaded by name.
@Suite struct LayerTests {
    @Test func linearDefaultsAndInitBounds() {
        let fc = Linear(784, 128, generator: Generator(seed: 7))
        #expect(fc.weight.shape == [128, 784] && fc.bias!.shape == [128] && fc.weight.requiresGrad)
        #expect(fc.namedParameters().map(\.0) == ["weight", "bias"])
        #expect(fc.description == "Linear(in_features=784, out_features=128, bias=True)")
        // kaiming-uniform(a = √5) is U(±1/√fanIn): max close to the bound, variance bound²/3.
        let bound = 1 / 784.0.squareRoot()
        let w = fc.weight.doubles
        let maxAbs = w.map(Swift.abs).max()!
        #expect(maxAbs <= bound && maxAbs > bound * 0.99)
        let variance = w.reduce(0) { $0 + $1 * $1 } / Double(w.count)
        #expect(Swift.abs(variance - bound * bound / 3) < 0.03 * bound * bound / 3)
        #expect(fc.bias!.doubles.allSatisfy { Swift.abs($0) <= bound })
        #expect(Linear(3, 2, bias: false).bias == nil)
        // Same seed, same weights.
        #expect(Linear(5, 5, generator: Generator(seed: 3)).weight.scalars == Linear(5, 5, generator: Generator(seed: 3)).weight.scalars)
    }

    @Test func initializers() {
        let g = Generator(seed: 1)
        let t = Tensor.zeros([200, 300])
        Init.xavierUniform(t, generator: g)
        let b = (6.0 / 500).squareRoot()
        #expect(t.max().item() <= b && t.max().item() > b * 0.99)
        Init.kaimingNormal(t, mode: .fanOut, nonlinearity: .relu, generator: g)
        let std = (2.0 / 200).squareRoot()
        #expect(Swift.abs(t.std().item() - std) < 0.02 * std)
        Init.truncatedNormal(t, std: 1, a: -0.5, b: 0.5, generator: g)
        #expect(t.max().item() <= 0.5 && t.min().item() >= -0.5)
        let q = Tensor.zeros([6, 4], dtype: .float64)
        Init.orthogonal(q, generator: g)
        #expect(q.mT.matmul(q).allClose(Tensor.eye(4, dtype: .float64), atol: 1e-10))
        #expect(Swift.abs(Init.gain(.tanh) - 5.0 / 3) < 1e-12)
        #expect(Init.fans([8, 4, 3, 3]) == (36, 72))
    }

    @Test func linearAndBilinearGradcheck() {
        let g = Generator(seed: 2)
        let fc = Linear(3, 2, dtype: .float64, generator: g)
        #expect(moduleGradcheck(fc, inputs: [Tensor.randn([4, 3], dtype: .float64, generator: g)]) { fc($0[0]) }.isEmpty)
        let bl = Bilinear(in1Features: 3, in2Features: 2, outFeatures: 4, dtype: .float64, generator: g)
        let a = Tensor.randn([5, 3], dtype: .float64, generator: g), b = Tensor.randn([5, 2], dtype: .float64, generator: g)
        #expect(moduleGradcheck(bl, inputs: [a, b]) { bl($0[0], $0[1]) }.isEmpty)
        // y_o = aᵀ W_o b + bias_o, checked directly for one output.
        let y = bl(a, b)
        let w0 = bl.weight.narrow(axis: 0, start: 0, length: 1).reshape([3, 2])
        let direct = (a.matmul(w0) * b).sum(axis: 1) + bl.bias!.narrow(axis: 0, start: 0, length: 1)
        #expect(y.narrow(axis: 1, start: 0, length: 1).reshape([5]).allClose(direct, atol: 1e-12))
    }

    @Test func embeddingLayer() {
        let e = Embedding(numEmbeddings: 10, embeddingDim: 3, paddingIdx: 0, dtype: .float64, generator: Generator(seed: 1))
        #expect(e.weight.narrow(axis: 0, start: 0, length: 1).doubles == [0, 0, 0])
        let idx = Tensor([0, 2, 2, 5, 0, 9], shape: [2, 3])
        let y = e(idx)
        #expect(y.shape == [2, 3, 3])
        y.sum().backward()
        let grad = e.weight.grad!.doubles
        #expect(Array(grad[0..<3]) == [0, 0, 0])            // padding row: no gradient
        #expect(Array(grad[6..<9]) == [2, 2, 2])            // index 2 used twice
        #expect(moduleGradcheck(e, inputs: [idx]) { e($0[0]) * e($0[0]) }.isEmpty)
        let big = Embedding(1000, 16, generator: Generator(seed: 2)).weight
        #expect(Swift.abs(big.std().item() - 1) < 0.03)
        let frozen = Embedding.fromPretrained(Tensor([[1.0, 2.0], [3.0, 4.0]]))
        #expect(!frozen.weight.requiresGrad && frozen(Tensor([1])).scalars == [3, 4])
    }

    /// The PyTorch 2-layer char LSTM (../shared/reference/interop.json) loaded by name reproduces its logits.
    @Test func pytorchCharLSTMReproducesLogits() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources")
        guard let json = try? Data(contentsOf: dir.appendingPathComponent("interop.json")),
              let st = try? Data(contentsOf: dir.appendingPathComponent("charlstm_torch.safetensors")) else {
            Issue.record("interop fixtures missing in Tests/SwiftGradTests/Resources"); return
        }
        final class CharLSTM: Module {
            let embedding = Embedding(28, 16)
            let lstm = LSTM(inputSize: 16, hiddenSize: 32, numLayers: 2, batchFirst: true)
            let head = Linear(32, 28)
            override func forward(_ x: Tensor) -> Tensor { head(lstm(embedding(x))) }
        }
        let model = CharLSTM()
        let spec = (try JSONSerialization.jsonObject(with: json) as! [String: Any])["charlstm"] as! [String: Any]
        #expect(model.namedParameters().map(\.0) == (spec["parameter_names"] as! [String]))
        #expect(model.parameterCount == spec["parameter_count"] as! Int)
        try model.loadStateDict(try readSafetensors(st))
        model.eval()
        func tensor(_ d: Any, int: Bool) -> Tensor {
            let d = d as! [String: Any]
            let shape = d["shape"] as! [Int], data = (d["data"] as! [NSNumber]).map(\.doubleValue)
            return int ? Tensor(data.map { Int($0) }, shape: shape) : Tensor(data, shape: shape)
        }
        let logits = model(tensor(spec["input"]!, int: true))
        let expected = tensor(spec["logits"]!, int: false)
        #expect(logits.shape == expected.shape)
        #expect(logits.allClose(expected, rtol: 0, atol: 1e-5))
    }
}

/// A minimal safetensors reader (float32, int64) for the interop fixtures.
func readSafetensors(_ data: Data) throws -> [String: Tensor] {
    let bytes = [UInt8](data)
    var n = 0
    for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
    let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as! [String: Any]
    var out: [String: Tensor] = [:]
    for (name, v) in header where name != "__metadata__" {
        let info = v as! [String: Any]
        let shape = info["shape"] as! [Int], offsets = info["data_offsets"] as! [Int]
        let start = 8 + n + offsets[0], end = 8 + n + offsets[1]
        let raw = Array(bytes[start..<end])
        switch info["dtype"] as! String {
        case "F32":
            let values = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            out[name] = Tensor(values, shape: shape)
        case "I64":
            let values = raw.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
            out[name] = Tensor(values, shape: shape)
        default: continue
        }
    }
    return out
}
