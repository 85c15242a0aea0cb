import Foundation
import SwiftGrad

/// Keyword arguments of a golden case, with typed accessors.
struct GoldenArgs {
    let raw: [String: Any]
    func int(_ k: String) -> Int? { (raw[k] as? NSNumber)?.intValue }
    func double(_ k: String) -> Double? { (raw[k] as? NSNumber)?.doubleValue }
    func bool(_ k: String) -> Bool? { (raw[k] as? NSNumber)?.boolValue }
    func string(_ k: String) -> String? { raw[k] as? String }
    func ints(_ k: String) -> [Int]? {
        if let a = raw[k] as? [NSNumber] { return a.map(\.intValue) }
        if let v = int(k) { return [v] }
        return nil
    }
}

/// One case of ../shared/reference/torch_golden.json (copied into the test resources).
struct GoldenCase {
    let name: String
    let op: String
    let args: GoldenArgs
    let inputs: [Tensor?]
    let output: Tensor?
    let upstream: Tensor?
    let grads: [Tensor?]
    let json: [String: Any]
}

enum Golden {
    /// The file's bytes, read once; cases are parsed fresh per call so parallel tests never share tensors.
    static let data = FixtureResource.data("torch_golden")

    static var cases: [GoldenCase] { cases(in: data) }

    /// The cases of a fixture file in the golden layout (also Resources/nn_fixtures.json).
    static func cases(in data: Data) -> [GoldenCase] {
        let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (root["cases"] as! [[String: Any]]).map { c in
            let grads = (c["grads"] as? [Any]) ?? []
            let inputs = (c["inputs"] as? [Any] ?? []).enumerated().map { (i, v) -> Tensor? in
                // Inputs with no gradient that hold whole numbers are indices, labels or masks: int64.
                let noGrad = i >= grads.count || grads[i] is NSNull
                return tensor(v, integer: noGrad)
            }
            return GoldenCase(name: c["name"] as! String, op: c["op"] as! String,
                              args: GoldenArgs(raw: c["args"] as? [String: Any] ?? [:]),
                              inputs: inputs, output: tensor(c["output"] as Any, integer: false),
                              upstream: tensor(c["upstream"] as Any, integer: false),
                              grads: grads.map { tensor($0, integer: false) }, json: c)
        }
    }

    /// A tensor of the layout; NaN and ±inf are spelled as strings ("nan", "inf", "-inf").
    static func tensor(_ v: Any, integer: Bool) -> Tensor? {
        guard let d = v as? [String: Any], let shape = d["shape"] as? [Int], let data = d["data"] as? [Any] else { return nil }
        let values = data.map { e -> Double in
            if let n = e as? NSNumber { return n.doubleValue }
            switch e as? String {
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: return .nan
            }
        }
        if integer && values.allSatisfy({ $0.isFinite && $0 == $0.rounded() }) {
            return Tensor(values.map { Int($0) }, shape: shape)
        }
        return Tensor(values, shape: shape, dtype: .float64)
    }

    static func cases(op: String) -> [GoldenCase] { cases.filter { $0.op == op } }

    /// Runs every case whose op is a key of `ops`: forward value, then each gradient of
    /// sum(output · upstream). Returns one message per mismatch (empty when all agree) and the
    /// number of cases run.
    static func run(_ ops: [String: (GoldenCase) -> Tensor], atol: Double = 1e-9, rtol: Double = 1e-7) -> (failures: [String], ran: Int) {
        var failures: [String] = []
        var ran = 0
        for c in cases where ops[c.op] != nil {
            ran += 1
            for (i, x) in c.inputs.enumerated() where i < c.grads.count && c.grads[i] != nil {
                x?.requiresGrad = true
                x?.grad = nil
            }
            let out = ops[c.op]!(c)
            if let expected = c.output {
                if let m = mismatch(out, expected, atol: atol, rtol: rtol) { failures.append("\(c.name) output: \(m)") }
            }
            guard let up = c.upstream, c.grads.contains(where: { $0 != nil }) else { continue }
            (out.to(.float64) * up).sum().backward()
            for (i, g) in c.grads.enumerated() {
                guard let g else { continue }
                guard let got = c.inputs[i]?.grad else { failures.append("\(c.name) grad \(i): missing"); continue }
                if let m = mismatch(got, g, atol: atol, rtol: rtol) { failures.append("\(c.name) grad \(i): \(m)") }
            }
        }
        return (failures, ran)
    }

    static func mismatch(_ a: Tensor, _ b: Tensor, atol: Double, rtol: Double) -> String? {
        if a.shape != b.shape { return "shape \(a.shape) != expected \(b.shape)" }
        let x = a.doubles, y = b.doubles
        for i in 0..<x.count where !(Swift.abs(x[i] - y[i]) <= atol + rtol * Swift.abs(y[i])) {
            return "element \(i): \(x[i]) != expected \(y[i])"
        }
        return nil
    }
}
