import Foundation
import Testing
import SwiftGrad

/// Resources/transform_fixtures.json: torch.func results in float64, written by
/// Scripts/make_transform_fixtures.py (the functions below are written the same way there).
enum TransformFixtures {
    static let data = FixtureResource.data("transform_fixtures")

    static func testCase(_ name: String) -> [String: Any] {
        let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (root["cases"] as! [String: Any])[name] as! [String: Any]
    }

    static func tensor(_ c: [String: Any], _ key: String) -> Tensor {
        let t = c[key] as! [String: Any]
        let shape = (t["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
        let data = (t["data"] as! [Any]).map { ($0 as! NSNumber).doubleValue }
        return Tensor(data, shape: shape, dtype: .float64)
    }

    /// The largest |actual - expected| beyond 1e-12·(1 + |expected|), or nil when every element is
    /// within it and the shapes agree.
    static func mismatch(_ actual: Tensor, _ expected: Tensor) -> String? {
        guard actual.shape == expected.shape else { return "shape \(actual.shape) != \(expected.shape)" }
        let a = actual.to(.float64).doubles, e = expected.doubles
        var worst = 0.0
        for (x, y) in zip(a, e) where !(Swift.abs(x - y) <= 1e-12 * (1 + Swift.abs(y))) { worst = Swift.max(worst, Swift.abs(x - y)) }
        return worst == 0 ? nil : "max error \(worst)"
    }
}

// The fixture functions, as in make_transform_fixtures.py.
private func chain(_ x: Tensor) -> Tensor { x.sin() * x.exp() + x.square() / (1 + x.square()) }

private func reduction(_ x: Tensor) -> Tensor {
    x.norm(axes: [1]) * x.mean(axis: 1) + x.max(axis: 1).values
}

private struct MLP {
    let x: Tensor, b1: Tensor, w2: Tensor
    init(_ c: [String: Any]) {
        x = TransformFixtures.tensor(c, "mlp_x"); b1 = TransformFixtures.tensor(c, "mlp_b1"); w2 = TransformFixtures.tensor(c, "mlp_w2")
    }
    func callAsFunction(_ w1: Tensor) -> Tensor { linear(x, weight: w1, bias: b1).tanh().matmul(w2.mT) }
    func loss(_ w1: Tensor) -> Tensor { self(w1).square().mean() }
}

@Suite struct TransformTests {
    /// jvp, vjp, jacrev and jacfwd of a vector-valued function against torch.func.
    func checkVector(_ name: String, _ f: @escaping (Tensor) -> Tensor) {
        let c = TransformFixtures.testCase(name)
        let x = TransformFixtures.tensor(c, "x"), v = TransformFixtures.tensor(c, "v"), u = TransformFixtures.tensor(c, "u")
        let (out, t) = jvp(f, x, v)
        let (out2, pullback) = vjp(f, x)
        let results: [(String, Tensor)] = [("out", out), ("jvp", t), ("out", out2), ("vjp", pullback(u)),
                                           ("jacrev", jacrev(f)(x)), ("jacfwd", jacfwd(f)(x))]
        for (key, value) in results {
            let m = TransformFixtures.mismatch(value, TransformFixtures.tensor(c, key))
            #expect(m == nil, "\(name) \(key): \(m ?? "")")
        }
    }

    /// grad, gradAndValue and hessian of a scalar function against torch.func.
    func checkScalar(_ name: String, _ f: @escaping (Tensor) -> Tensor) {
        let c = TransformFixtures.testCase(name)
        let x = TransformFixtures.tensor(c, "x")
        let (g, value) = gradAndValue(f)(x)
        let results: [(String, Tensor)] = [("grad", grad(f)(x)), ("grad", g), ("value", value), ("hessian", hessian(f)(x))]
        for (key, result) in results {
            let m = TransformFixtures.mismatch(result, TransformFixtures.tensor(c, key))
            #expect(m == nil, "\(name) \(key): \(m ?? "")")
        }
    }

    @Test func elementwiseChainMatchesTorchFunc() {
        checkVector("chain", chain)
        checkScalar("chain_sum") { chain($0).sum() }
    }

    @Test func mlpMatchesTorchFunc() {
        let mlp = MLP(TransformFixtures.testCase("two"))
        checkVector("mlp") { mlp($0) }
        checkScalar("mlp_loss") { mlp.loss($0) }
    }

    @Test func softmaxAndLogsumexpMatchTorchFunc() {
        checkVector("softmax") { $0.softmax(axis: -1) }
        checkVector("log_softmax") { $0.logSoftmax(axis: -1) }
        checkScalar("logsumexp") { $0.logsumexp(axis: 1).sum() }
    }

    @Test func reductionMatchesTorchFunc() {
        checkVector("reduction", reduction)
        checkScalar("reduction_sum") { reduction($0).sum() }
    }

    /// Two arguments: grad with argnums (0, 1) and hasAux, jvp in both, the Hessian in argument 1.
    @Test func twoArgumentsWithAuxMatchTorchFunc() {
        let c = TransformFixtures.testCase("two")
        let t = { TransformFixtures.tensor(c, $0) }
        let (a, b) = (t("a"), t("b"))
        let two: ([Tensor]) -> (Tensor, Tensor) = { xs in
            ((xs[0] * xs[1]).sum() + xs[0].matmul(xs[1].mT).tanh().sum(), xs[0].max())
        }
        let (gs, aux) = grad(hasAux: two, argnums: [0, 1])([a, b])
        let loss: (Tensor, Tensor) -> Tensor = { a, b in two([a, b]).0 }
        let (out, tangent) = jvp({ xs in two(xs).0 }, [a, b], [t("ta"), t("tb")])
        let (gsAndValue, value) = gradAndValue(loss, argnums: [0, 1])(a, b)
        let results: [(String, Tensor)] = [
            ("ga", gs[0]), ("gb", gs[1]), ("aux", aux), ("out", out), ("jvp", tangent),
            ("ga", grad(loss, argnums: 0)(a, b)), ("gb", grad(loss, argnums: 1)(a, b)),
            ("ga", gsAndValue[0]), ("gb", gsAndValue[1]), ("out", value),
            ("hessian_b", hessian(loss, argnums: 1)(a, b)),
            ("hessian_b", hessian({ xs in loss(xs[0], xs[1]) }, argnums: 1)([a, b])),
        ]
        for (key, result) in results {
            let m = TransformFixtures.mismatch(result, t(key))
            #expect(m == nil, "two \(key): \(m ?? "")")
        }
        // The gradient as a Jacobian of a scalar: jacrev and jacfwd in each argument agree with grad.
        #expect(TransformFixtures.mismatch(jacrev(loss, argnums: 0)(a, b), t("ga")) == nil)
        #expect(TransformFixtures.mismatch(jacfwd(loss, argnums: 1)(a, b), t("gb")) == nil)
    }
}
