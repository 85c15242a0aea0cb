import Foundation
@testable import SwiftGrad

// The fixtures of the conformance suite (Resources/conformance_fixtures.json.gz, written by
// Scripts/conformance/make_fixtures.py from PyTorch's OpInfo database): entries, samples, values.

/// The whole storage a view input lives in (for ops that read beyond the view: as_strided with a
/// storage_offset), and the view's place in it.
struct FixtureStorage {
    let doubles: [Double]
    let ints: [Int]?
    let offset: Int
    let strides: [Int]
}

/// A tensor as the generator wrote it: dtype, shape, values, and its gradient slot when it requires grad.
struct FixtureTensor {
    let dtype: DType
    let shape: [Int]
    /// Values as Double (NaN and ±infinity included); nil for the outputs of random ops.
    let doubles: [Double]?
    /// Values as Int, for integer and bool tensors (exact beyond 2⁵³).
    let ints: [Int]?
    /// The index of this tensor among the sample's leaves that require grad.
    let grad: Int?
    /// For a view input of the storage-reading entries: its storage (the tensor is made as that view).
    var storage: FixtureStorage? = nil

    /// A new SwiftGrad tensor with these values.
    func make() -> Tensor {
        let t: Tensor
        if let storage {
            let isInt = dtype == .int64 || dtype == .int32 || dtype == .uint8 || dtype == .int8 || dtype == .int16
            let base = isInt && storage.ints != nil ? Tensor(storage.ints!, shape: [storage.doubles.count], dtype: dtype)
                : Tensor(storage.doubles, shape: [storage.doubles.count], dtype: dtype)
            t = base.asStrided(shape: shape, strides: storage.strides, offset: storage.offset)
        } else if let ints, dtype == .int64 || dtype == .int32 || dtype == .uint8 || dtype == .int8 || dtype == .int16 {
            t = Tensor(ints, shape: shape, dtype: dtype)
        } else {
            t = Tensor(doubles ?? [], shape: shape, dtype: dtype)
        }
        if grad != nil { t.requiresGrad = true }
        return t
    }
}

/// One value of a sample (an input, an argument, an output), as PyTorch passed or returned it.
indirect enum FixtureValue {
    case null
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
    case tensor(FixtureTensor)
    case list([FixtureValue])
    case dict([String: FixtureValue])
    case dtype(DType)
    case slice(Int?, Int?, Int?)
    case ellipsis
    case device(String)
    case other(String)

    static func parse(_ v: Any) -> FixtureValue {
        if v is NSNull { return .null }
        if let s = v as? String { return .string(s) }
        if let a = v as? [Any] { return .list(a.map(parse)) }
        if let d = v as? [String: Any] {
            if let shape = d["shape"] as? [Int] { return .tensor(parseTensor(d, shape: shape)) }
            if let f = d["float"] { return .float(number(f)) }
            if let b = d["bool"] as? Bool { return .bool(b) }
            if let t = d["torch_dtype"] as? String { return DType(rawValue: t).map { .dtype($0) } ?? .other(t) }
            if let s = d["slice"] as? [Any] {
                let p = s.map { $0 is NSNull ? nil : ($0 as? Int) }
                return .slice(p[0], p[1], p[2])
            }
            if d["ellipsis"] != nil { return .ellipsis }
            if let dev = d["device"] as? String { return .device(dev) }
            if let o = d["other"] as? String { return .other(o) }
            return .dict(d.mapValues(parse))
        }
        if let n = v as? NSNumber { return .int(n.intValue) }
        return .other("\(v)")
    }

    static func number(_ v: Any) -> Double {
        if let s = v as? String {
            switch s {
            case "nan": return .nan
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: return Double(s) ?? .nan
            }
        }
        return (v as? NSNumber)?.doubleValue ?? .nan
    }

    static func parseTensor(_ d: [String: Any], shape: [Int]) -> FixtureTensor {
        let dtype = DType(rawValue: d["dtype"] as? String ?? "") ?? .float64
        var doubles: [Double]? = nil, ints: [Int]? = nil
        if let data = d["data"] as? [Any] {
            doubles = data.map(number)
            if !dtype.isFloatingPoint { ints = data.map { ($0 as? NSNumber)?.intValue ?? 0 } }
        }
        var storage: FixtureStorage? = nil
        if let s = d["storage"] as? [String: Any], let data = s["data"] as? [Any] {
            storage = FixtureStorage(doubles: data.map(number), ints: dtype.isFloatingPoint ? nil : data.map { ($0 as? NSNumber)?.intValue ?? 0 },
                                     offset: s["offset"] as? Int ?? 0, strides: s["strides"] as? [Int] ?? [])
        }
        return FixtureTensor(dtype: dtype, shape: shape, doubles: doubles, ints: ints, grad: d["grad"] as? Int, storage: storage)
    }

    /// The tensors inside, depth first (the order of the generator's leaves and outputs).
    var tensors: [FixtureTensor] {
        switch self {
        case .tensor(let t): return [t]
        case .list(let xs): return xs.flatMap(\.tensors)
        case .dict(let d): return d.keys.sorted().flatMap { d[$0]!.tensors }
        default: return []
        }
    }
}

/// One sample of an entry: PyTorch's call `op(input, *args, **kwargs)`, its output and gradients.
struct FixtureSample {
    /// `dtype#k`, the k-th sample of that dtype in the entry: the name in the expected-failure list.
    let id: String
    let dtype: DType
    let input: FixtureValue
    let args: [FixtureValue]
    let kwargs: [String: FixtureValue]
    let output: FixtureValue
    /// Gradients of sum(output_j · upstream_j) per leaf (nil entries: PyTorch found no path).
    let grads: [FixtureTensor?]?
    let desc: String?
}

/// One op_db entry: its name, whether it applies to real CPU tensors, and its samples.
struct FixtureEntry {
    let name: String
    let variant: String
    var key: String { variant.isEmpty ? name : "\(name).\(variant)" }
    let applicable: Bool
    let reason: String?
    let dtypes: [String]
    let random: Bool
    let samples: [FixtureSample]
}

enum ConformanceFixtures {
    /// Every entry, parsed once (the file is gzip'd JSON, about 20 MB inflated).
    static let entries: [FixtureEntry] = {
        let url = Bundle.module.url(forResource: "conformance_fixtures.json", withExtension: "gz", subdirectory: "Resources")!
        let gz = [UInt8](try! Data(contentsOf: url))
        let json = try! Gzip.decompress(gz, maxOutput: 1 << 30).bytes
        let root = try! JSONSerialization.jsonObject(with: Data(json)) as! [String: Any]
        return (root["entries"] as! [[String: Any]]).map { e in
            var counts: [String: Int] = [:]
            let samples = (e["samples"] as? [[String: Any]] ?? []).map { s -> FixtureSample in
                let dn = s["dtypeName"] as? String ?? "float64"
                let k = counts[dn, default: 0]
                counts[dn] = k + 1
                let grads = (s["grads"] as? [Any]).map { gs in
                    gs.map { g -> FixtureTensor? in
                        guard let d = g as? [String: Any], let shape = d["shape"] as? [Int] else { return nil }
                        return FixtureValue.parseTensor(d, shape: shape)
                    }
                }
                var kw: [String: FixtureValue] = [:]
                for (k, v) in s["kwargs"] as? [String: Any] ?? [:] { kw[k] = FixtureValue.parse(v) }
                let args: [FixtureValue]
                if case .list(let a) = FixtureValue.parse(s["args"] ?? [Any]()) { args = a } else { args = [] }
                return FixtureSample(id: "\(dn)#\(k)", dtype: DType(rawValue: dn) ?? .float64,
                                     input: FixtureValue.parse(s["input"] ?? NSNull()), args: args, kwargs: kw,
                                     output: FixtureValue.parse(s["output"] ?? NSNull()), grads: grads,
                                     desc: s["desc"] as? String)
            }
            return FixtureEntry(name: e["name"] as! String, variant: e["variant"] as? String ?? "",
                                applicable: e["applicable"] as? Bool ?? false, reason: e["reason"] as? String,
                                dtypes: e["dtypes"] as? [String] ?? [], random: e["random"] as? Bool ?? false,
                                samples: samples)
        }
    }()
}
