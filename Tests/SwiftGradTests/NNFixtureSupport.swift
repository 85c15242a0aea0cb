import Foundation
import Testing
@testable import SwiftGrad

/// The cases of Resources/nn_fixtures.json (written by make_nn_fixtures.py with PyTorch): the same
/// layout as the golden file, with NaN and ±inf spelled as strings.
enum NNFixtures {
    static let data = FixtureResource.data("nn_fixtures")

    static var cases: [GoldenCase] { Golden.cases(in: data) }

    /// Runs every case whose op is a key of `ops` (forward, then the gradients of
    /// sum(output · upstream)); NaN matches NaN. Returns the mismatches and the number of cases run.
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
            if let expected = c.output, let m = mismatch(out, expected, atol: atol, rtol: rtol) {
                failures.append("\(c.name) output: \(m)")
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
        for i in 0..<x.count where !(Swift.abs(x[i] - y[i]) <= atol + rtol * Swift.abs(y[i]) || (x[i].isNaN && y[i].isNaN) || x[i] == y[i]) {
            return "element \(i): \(x[i]) != expected \(y[i])"
        }
        return nil
    }

    /// The number of cases of each op in the file.
    static func count(_ ops: [String]) -> Int { cases.filter { ops.contains($0.op) }.count }
}

extension GoldenArgs {
    /// The `reduction` argument as a `Reduction` (mean when absent).
    var reduction: Reduction { Reduction(rawValue: string("reduction") ?? "mean")! }
}
