import Foundation
@testable import SwiftGrad

// The fixtures of the module conformance suite (Resources/module_conformance_fixtures.json.gz,
// written by Scripts/conformance/make_module_fixtures.py from PyTorch's ModuleInfo database): for
// each module_db entry, samples of a constructor call, the module's state dict, a forward call, its
// outputs and (float64) the gradients with respect to the inputs and the parameters.

/// One sample of a module_db entry.
struct ModuleFixtureSample {
    /// `float64.train#k`: dtype, mode and the k-th sample of that pair (the name in the expected list).
    let id: String
    let dtype: DType
    let training: Bool
    let desc: String?
    let ctorArgs: [FixtureValue]
    let ctorKwargs: [String: FixtureValue]
    /// PyTorch's state dict right after construction (parameters and buffers).
    let state: [String: FixtureTensor]
    /// The names of the parameters among `state`.
    let params: [String]
    let args: [FixtureValue]
    let kwargs: [String: FixtureValue]
    let output: FixtureValue
    /// Gradients with respect to the input leaves, by their "grad": k slot (nil: not reached).
    let grads: [FixtureTensor?]?
    /// Gradients with respect to the parameters, by name (nil: not reached).
    let paramGrads: [NamedGradient]?
    /// The buffers after the forward call (training mode: running statistics).
    let buffersAfter: [String: FixtureTensor]?

    /// The constructor call, as a sample of `Call` (its positional values and keywords).
    var constructorSample: FixtureSample { callSample(ctorArgs, ctorKwargs) }
    /// The forward call, as a sample of `Call`.
    var forwardSample: FixtureSample { callSample(args, kwargs) }

    private func callSample(_ args: [FixtureValue], _ kwargs: [String: FixtureValue]) -> FixtureSample {
        FixtureSample(id: id, dtype: dtype, input: args.first ?? .null, args: Array(args.dropFirst()), kwargs: kwargs,
                      output: output, grads: nil, desc: desc)
    }
}

/// A parameter's expected gradient (nil: PyTorch's graph does not reach it).
struct NamedGradient {
    let name: String
    let grad: FixtureTensor?
}

/// One module_db entry.
struct ModuleFixtureEntry {
    let name: String
    let applicable: Bool
    let reason: String?
    let random: Bool
    let samples: [ModuleFixtureSample]
}

enum ModuleConformanceFixtures {
    /// Every entry, parsed from the gzip'd JSON (one test reads them, once).
    static func load() -> [ModuleFixtureEntry] {
        let url = Bundle.module.url(forResource: "module_conformance_fixtures.json", withExtension: "gz", subdirectory: "Resources")!
        let gz = [UInt8](try! Data(contentsOf: url))
        let json = try! Gzip.decompress(gz, maxOutput: 1 << 30).bytes
        let root = try! JSONSerialization.jsonObject(with: Data(json)) as! [String: Any]
        return (root["entries"] as! [[String: Any]]).map { e in
            var counts: [String: Int] = [:]
            let samples = (e["samples"] as? [[String: Any]] ?? []).map { s -> ModuleFixtureSample in
                let dn = s["dtypeName"] as? String ?? "float64"
                let training = s["training"] as? Bool ?? true
                let key = "\(dn).\(training ? "train" : "eval")"
                let k = counts[key, default: 0]
                counts[key] = k + 1
                return ModuleFixtureSample(
                    id: "\(key)#\(k)", dtype: DType(rawValue: dn) ?? .float64, training: training, desc: s["desc"] as? String,
                    ctorArgs: list(s["ctorArgs"]), ctorKwargs: dict(s["ctorKwargs"]), state: tensors(s["state"]),
                    params: s["params"] as? [String] ?? [], args: list(s["args"]), kwargs: dict(s["kwargs"]),
                    output: FixtureValue.parse(s["output"] ?? NSNull()),
                    grads: (s["grads"] as? [Any]).map { $0.map(tensorOrNil) },
                    paramGrads: (s["paramGrads"] as? [String: Any]).map { d in
                        // In the order of the sample's parameter list (JSON objects are unordered).
                        let order = s["params"] as? [String] ?? []
                        return order.filter { d[$0] != nil }.map { NamedGradient(name: $0, grad: tensorOrNil(d[$0]!)) }
                    },
                    buffersAfter: (s["buffersAfter"] as? [String: Any]).map { tensors($0) })
            }
            return ModuleFixtureEntry(name: e["name"] as! String, applicable: e["applicable"] as? Bool ?? false,
                                      reason: e["reason"] as? String, random: e["random"] as? Bool ?? false, samples: samples)
        }
    }

    private static func list(_ v: Any?) -> [FixtureValue] {
        if case .list(let a) = FixtureValue.parse(v ?? [Any]()) { return a }
        return []
    }

    private static func dict(_ v: Any?) -> [String: FixtureValue] {
        (v as? [String: Any] ?? [:]).mapValues(FixtureValue.parse)
    }

    private static func tensorOrNil(_ v: Any) -> FixtureTensor? {
        guard let d = v as? [String: Any], let shape = d["shape"] as? [Int] else { return nil }
        return FixtureValue.parseTensor(d, shape: shape)
    }

    private static func tensors(_ v: Any?) -> [String: FixtureTensor] {
        (v as? [String: Any] ?? [:]).compactMapValues(tensorOrNil)
    }
}
