import Foundation
import Testing
import SwiftGrad

/// PyTorch fixtures of the form written by Resources/make_sorting_fixtures.py: per case, inputs,
/// outputs and optionally the float64 gradient of sum(outputs[0]·w) with respect to inputs[0]
/// (w[i] = 0.5 + 0.25·i over the flattened output). Non-finite values are the strings
/// "nan", "inf", "-inf".
struct OpFixture {
    let name: String
    let inputs: [Tensor]
    let outputs: [Tensor]
    let grad: Tensor?

    /// Parsed fresh per call (tensors are not Sendable, so no shared cache of them).
    static func load(_ file: String) -> [String: OpFixture] {
        let url = Bundle.module.url(forResource: file, withExtension: "json", subdirectory: "Resources")!
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var out: [String: OpFixture] = [:]
        for (name, raw) in root["cases"] as! [String: Any] {
            let c = raw as! [String: Any]
            out[name] = OpFixture(name: name, inputs: (c["inputs"] as! [Any]).map(tensor),
                                  outputs: (c["outputs"] as! [Any]).map(tensor), grad: c["grad"].map(tensor))
        }
        return out
    }

    static func tensor(_ v: Any) -> Tensor {
        let d = v as! [String: Any]
        let shape = d["shape"] as! [Int]
        let values: [Double] = (d["data"] as! [Any]).map { e in
            if let s = e as? String { return s == "nan" ? .nan : (s == "inf" ? .infinity : -.infinity) }
            return (e as! NSNumber).doubleValue
        }
        switch d["kind"] as! String {
        case "int": return Tensor(values.map { Int($0) }, shape: shape)
        case "bool": return Tensor(values.map { $0 != 0 }, shape: shape)
        default: return Tensor(values, shape: shape, dtype: .float64)
        }
    }

    /// Runs `f` on the inputs and compares every output (dtype, shape, values with NaN equal to
    /// NaN) and, when the fixture has one, the gradient of the first output.
    func check(tolerance: Double = 1e-9, _ f: ([Tensor]) -> [Tensor], sourceLocation: SourceLocation = #_sourceLocation) {
        let xs = inputs.enumerated().map { (i, t) -> Tensor in
            let c = t.copy()
            if i == 0 && grad != nil { c.requiresGrad = true }
            return c
        }
        let ys = f(xs)
        #expect(ys.count >= outputs.count, "\(name): \(ys.count) outputs, PyTorch has \(outputs.count)", sourceLocation: sourceLocation)
        for (k, (y, want)) in zip(ys, outputs).enumerated() {
            #expect(OpFixture.same(y, want, tolerance), "\(name) output \(k): got \(y.shape) \(y.dtype) \(y.doubles), PyTorch \(want.shape) \(want.dtype) \(want.doubles)",
                    sourceLocation: sourceLocation)
        }
        if let grad, let y = ys.first {
            let w = (Tensor.arange(Double(y.count), dtype: .float64) * 0.25 + 0.5).reshape(y.shape)
            (y * w).sum().backward()
            let g = xs[0].grad ?? Tensor.zeros(xs[0].shape, dtype: .float64)
            #expect(OpFixture.same(g, grad, tolerance), "\(name) gradient: got \(g.doubles), PyTorch \(grad.doubles)", sourceLocation: sourceLocation)
        }
    }

    static func same(_ a: Tensor, _ b: Tensor, _ tol: Double) -> Bool {
        guard a.shape == b.shape else { return false }
        // Integer and bool results must match PyTorch's dtype family exactly.
        guard a.dtype.isFloatingPoint == b.dtype.isFloatingPoint, (a.dtype == .bool) == (b.dtype == .bool) else { return false }
        return zip(a.doubles, b.doubles).allSatisfy { x, y in
            (x.isNaN && y.isNaN) || x == y || Swift.abs(x - y) <= tol * Swift.max(1, Swift.abs(y))
        }
    }
}
