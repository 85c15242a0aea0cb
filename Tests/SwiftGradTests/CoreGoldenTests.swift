import Testing
import SwiftGrad

/// The PyTorch golden cases for the core ops: forward values and gradients to about 1e-9 (float64).
@Suite struct CoreGoldenTests {
    static func ops() -> [String: (GoldenCase) -> Tensor] {
        func x(_ c: GoldenCase, _ i: Int = 0) -> Tensor { c.inputs[i]! }
        func dims(_ c: GoldenCase) -> [Int]? { c.args.ints("dim") }
        let keep: (GoldenCase) -> Bool = { $0.args.bool("keepdim") ?? false }
        return [
            "add": { x($0) + x($0, 1) },
            "sub": { x($0) - x($0, 1) },
            "mul": { x($0) * x($0, 1) },
            "div": { x($0) / x($0, 1) },
            "maximum": { Tensor.maximum(x($0), x($0, 1)) },
            "neg": { -x($0) },
            "exp": { x($0).exp() },
            "tanh": { x($0).tanh() },
            "sigmoid": { x($0).sigmoid() },
            "relu": { x($0).relu() },
            "sin": { x($0).sin() },
            "cos": { x($0).cos() },
            "abs": { x($0).abs() },
            "square": { x($0).square() },
            "clamp_-0.5_0.5": { x($0).clamp(min: -0.5, max: 0.5) },
            "log": { x($0).log() },
            "sqrt": { x($0).sqrt() },
            "rsqrt": { x($0).rsqrt() },
            "reciprocal": { x($0).reciprocal() },
            "pow_2.5": { x($0).pow(2.5) },
            "pow": { x($0).pow(x($0, 1)) },
            "where": { Tensor.where(x($0), x($0, 1), x($0, 2)) },
            "sum": { c in dims(c).map { x(c).sum(axes: $0, keepDim: keep(c)) } ?? x(c).sum() },
            "mean": { c in dims(c).map { x(c).mean(axes: $0, keepDim: keep(c)) } ?? x(c).mean() },
            "max": { c in dims(c).map { x(c).max(axis: $0[0], keepDim: keep(c)).values } ?? x(c).max() },
            "min": { c in dims(c).map { x(c).min(axis: $0[0], keepDim: keep(c)).values } ?? x(c).min() },
            "prod": { c in x(c).prod(axis: dims(c)![0], keepDim: keep(c)) },
            "var": { c in x(c).variance(axes: dims(c), correction: c.args.int("correction") ?? 1, keepDim: keep(c)) },
            "std": { c in x(c).std(axes: dims(c), correction: c.args.int("correction") ?? 1, keepDim: keep(c)) },
            "logsumexp": { c in x(c).logsumexp(axes: dims(c)!, keepDim: keep(c)) },
            "softmax": { c in x(c).softmax(axis: dims(c)![0]) },
            "log_softmax": { c in x(c).logSoftmax(axis: dims(c)![0]) },
            "argmax": { c in x(c).argmax(axis: dims(c)![0], keepDim: keep(c)) },
            "norm": { c in x(c).norm() },
            "cumsum": { c in x(c).cumsum(axis: dims(c)![0]) },
            "reshape": { c in x(c).reshape(c.args.ints("shape")!) },
            "permute": { c in x(c).permute(c.args.ints("dims")!) },
            "transpose": { c in x(c).transpose(c.args.int("dim0")!, c.args.int("dim1")!) },
            "unsqueeze": { c in x(c).unsqueeze(axis: dims(c)![0]) },
            "expand": { c in x(c).expand(c.args.ints("shape")!) },
            "cat": { c in Tensor.cat([x(c), x(c, 1)], axis: dims(c)![0]) },
            "stack": { c in Tensor.stack([x(c), x(c, 1)], axis: dims(c)![0]) },
            "slice": { c in x(c).slice(axis: dims(c)![0], start: c.args.int("start"), end: c.args.int("end"), step: c.args.int("step") ?? 1) },
            "index_select": { c in x(c).indexSelect(axis: dims(c)![0], indices: x(c, 1)) },
            "gather": { c in x(c).gather(axis: dims(c)![0], index: x(c, 1)) },
            "pad": { c in x(c).pad(c.args.ints("pad")!, value: c.args.double("value") ?? 0) },
            "flatten": { c in x(c).flatten(startAxis: c.args.int("start_dim") ?? 0, endAxis: c.args.int("end_dim") ?? -1) },
            "repeat": { c in x(c).repeat(c.args.ints("repeats")!) },
            "matmul": { x($0).matmul(x($0, 1)) },
            "linear": { linear(x($0), weight: x($0, 1), bias: x($0, 2)) },
        ]
    }

    @Test func everyCoreGoldenCaseMatchesPyTorch() {
        let (failures, ran) = Golden.run(Self.ops())
        #expect(ran >= 80, "ran only \(ran) golden cases")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// Double backward: d(sum f(x))/dx with a graph, then its gradient.
    @Test func doubleBackwardGoldenCases() {
        let fns: [String: (Tensor) -> Tensor] = [
            "dd_tanh": { $0.tanh() },
            "dd_x_cubed": { $0 * $0 * $0 },
            "dd_sigmoid_times_x": { $0.sigmoid() * $0 },
        ]
        var ran = 0
        for c in Golden.cases(op: "double_backward") {
            guard let f = fns[c.args.string("fn")!] else { continue }
            ran += 1
            let x = c.inputs[0]!.requiringGrad()
            let dx = grad(of: f(x).sum(), wrt: [x], createGraph: true)[0]!
            #expect(Golden.mismatch(dx, c.output!, atol: 1e-9, rtol: 1e-7) == nil, "\(c.name) first derivative")
            x.grad = nil
            dx.sum().backward()
            #expect(Golden.mismatch(x.grad!, c.grads[0]!, atol: 1e-9, rtol: 1e-7) == nil, "\(c.name) second derivative")
        }
        #expect(ran == 3)
    }
}
