import Foundation
import SwiftGrad

/// One case of a fixture file written by a `make_*_fixtures.py` script in Resources: inputs, the
/// PyTorch output, and (for gradient cases) the upstream gradient and PyTorch's input gradients.
/// Non-finite numbers are stored as the strings "nan", "inf", "-inf".
struct OpsFixtureCase {
    let name: String
    let op: String
    let dtype: DType
    let args: GoldenArgs
    let inputs: [Tensor]
    let output: Tensor
    let upstream: Tensor?
    let grads: [Tensor?]
}

enum OpsFixture {
    /// The cases of `Resources/<file>.json`, parsed fresh per call (tests never share tensors).
    static func cases(_ file: String) -> [OpsFixtureCase] {
        let url = Bundle.module.url(forResource: file, withExtension: "json", subdirectory: "Resources")!
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (root["cases"] as! [[String: Any]]).map { c in
            let dtype: DType = (c["dtype"] as? String) == "float32" ? .float32 : .float64
            let grads = (c["grads"] as? [Any] ?? []).map { tensor($0, .float64) }
            return OpsFixtureCase(name: c["name"] as! String, op: c["op"] as! String, dtype: dtype,
                                  args: GoldenArgs(raw: c["args"] as? [String: Any] ?? [:]),
                                  inputs: (c["inputs"] as! [Any]).map { tensor($0, dtype)! },
                                  output: tensor(c["output"]!, .float64)!,
                                  upstream: c["upstream"].flatMap { tensor($0, .float64) }, grads: grads)
        }
    }

    static func tensor(_ v: Any, _ dtype: DType) -> Tensor? {
        guard let d = v as? [String: Any], let shape = d["shape"] as? [Int], let data = d["data"] as? [Any] else { return nil }
        let values = data.map { e -> Double in
            if let n = e as? NSNumber { return n.doubleValue }
            switch e as? String {
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: return .nan
            }
        }
        return Tensor(values, shape: shape, dtype: .float64).to(dtype)
    }

    /// Runs every case whose op is a key of `ops`; returns one message per mismatch and the count
    /// run. NaN matches NaN and an infinity matches itself; float32 cases get float32 tolerances.
    static func run(_ file: String, _ ops: [String: (OpsFixtureCase, [Tensor]) -> Tensor],
                    rtol: Double = 1e-9, atol: Double = 1e-12) -> (failures: [String], ran: Int) {
        var failures: [String] = [], ran = 0
        for c in cases(file) {
            guard let f = ops[c.op] else { continue }
            ran += 1
            let xs = c.inputs.enumerated().map { i, x -> Tensor in
                let t = x.copy()
                if c.upstream != nil && i < c.grads.count && c.grads[i] != nil { t.requiresGrad = true }
                return t
            }
            let out = f(c, xs)
            let (rt, at) = c.dtype == .float32 ? (2e-6, 1e-6) : (rtol, atol)
            if out.dtype != c.dtype { failures.append("\(c.name): dtype \(out.dtype), expected \(c.dtype)") }
            if let m = mismatch(out, c.output, rtol: rt, atol: at) { failures.append("\(c.name) output: \(m)") }
            guard let up = c.upstream else { continue }
            (out * up).sum().backward()
            for (i, g) in c.grads.enumerated() {
                guard let g else { continue }
                guard let got = xs[i].grad else { failures.append("\(c.name) grad \(i): missing"); continue }
                if let m = mismatch(got, g, rtol: rt, atol: at) { failures.append("\(c.name) grad \(i): \(m)") }
            }
        }
        return (failures, ran)
    }

    static func mismatch(_ a: Tensor, _ b: Tensor, rtol: Double, atol: Double) -> String? {
        if a.shape != b.shape { return "shape \(a.shape) != expected \(b.shape)" }
        let x = a.doubles, y = b.doubles
        for i in 0..<x.count {
            if x[i].isNaN && y[i].isNaN { continue }
            if x[i] == y[i] { continue }
            if !(Swift.abs(x[i] - y[i]) <= atol + rtol * Swift.abs(y[i])) {
                return "element \(i): \(x[i]) != expected \(y[i])"
            }
        }
        return nil
    }
}
