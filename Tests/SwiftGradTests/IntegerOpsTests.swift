import Foundation
import Testing
@testable import SwiftGrad

// The integer products (mm, matmul, bmm, dot, mv, the add*-products, einsum, tensordot, inner,
// multiDot, linear, bilinear, trace) and the other integer paths (linspace/logspace with an integer
// dtype, the trapezoid rules and logsumexp of integers), exactly against PyTorch's values
// (Resources/integer_ops_fixtures.json, written by make_integer_ops_fixtures.py), wrap-around
// included.

struct IntegerOpsCase {
    let name: String, op: String
    let args: [String: Any]
    let inputs: [FixtureTensor]
    let output: FixtureTensor

    /// Parsed fresh per call (the cases hold non-Sendable values).
    static func all() -> [IntegerOpsCase] {
        let url = Bundle.module.url(forResource: "integer_ops_fixtures", withExtension: "json", subdirectory: "Resources")!
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        func tensor(_ v: Any) -> FixtureTensor {
            let d = v as! [String: Any]
            return FixtureValue.parseTensor(d, shape: d["shape"] as! [Int])
        }
        return (root["cases"] as! [[String: Any]]).map { c in
            IntegerOpsCase(name: c["name"] as! String, op: c["op"] as! String, args: c["args"] as? [String: Any] ?? [:],
                           inputs: (c["inputs"] as! [Any]).map(tensor), output: tensor(c["output"]!))
        }
    }

    func double(_ k: String) -> Double { (args[k] as! NSNumber).doubleValue }
    func int(_ k: String) -> Int { (args[k] as! NSNumber).intValue }
    func dtype(_ k: String) -> DType { DType(rawValue: args[k] as! String)! }
    /// An int or an [h, w] pair.
    func size2(_ k: String) -> Size2 {
        if let a = args[k] as? [NSNumber] { return Size2(a[0].intValue, a[1].intValue) }
        return Size2(int(k))
    }
    var reduction: Reduction {
        switch (args["reduction"] as? String) ?? "mean" {
        case "none": return .none
        case "sum": return .sum
        default: return .mean
        }
    }
}

@Suite struct IntegerOpsTests {
    /// Our call for each fixture op.
    static var ops: [String: (IntegerOpsCase, [Tensor]) -> Tensor] { [
        "mm": { _, x in x[0].mm(x[1]) },
        "mm_t": { _, x in x[0].t().mm(x[1]) },
        "matmul": { _, x in x[0].matmul(x[1]) },
        "bmm": { _, x in x[0].bmm(x[1]) },
        "dot": { _, x in x[0].dot(x[1]) },
        "mv": { _, x in x[0].matmul(x[1]) },
        "addmm": { c, x in x[0].addmm(x[1], x[2], beta: c.double("beta"), alpha: c.double("alpha")) },
        "addmv": { c, x in x[0].addmv(x[1], x[2], beta: c.double("beta"), alpha: c.double("alpha")) },
        "addr": { c, x in x[0].addr(x[1], x[2], beta: c.double("beta"), alpha: c.double("alpha")) },
        "baddbmm": { c, x in x[0].baddbmm(x[1], x[2], beta: c.double("beta"), alpha: c.double("alpha")) },
        "addbmm": { c, x in x[0].addbmm(x[1], x[2], beta: c.double("beta"), alpha: c.double("alpha")) },
        "einsum": { c, x in Tensor.einsum(c.args["equation"] as! String, x) },
        "tensordot": { c, x in x[0].tensordot(x[1], dims: c.int("dims")) },
        "inner": { _, x in x[0].inner(x[1]) },
        "multi_dot": { _, x in Linalg.multiDot(x) },
        "linear": { _, x in linear(x[0], weight: x[1], bias: x[2]) },
        "bilinear": { _, x in bilinear(x[0], x[1], weight: x[2], bias: x[3]) },
        "trace": { _, x in Linalg.trace(x[0]) },
        "linspace": { c, _ in Tensor.linspace(c.double("start"), c.double("end"), steps: c.int("steps"), dtype: c.dtype("dtype")) },
        "logspace": { c, _ in
            Tensor.logspace(c.double("start"), c.double("end"), steps: c.int("steps"), base: c.double("base"), dtype: c.dtype("dtype"))
        },
        "trapezoid_x": { c, x in x[0].trapezoid(x: x[1], axis: c.int("dim")) },
        "trapezoid_dx": { c, x in x[0].trapezoid(dx: c.double("dx"), axis: c.int("dim")) },
        "cumulative_trapezoid_x": { c, x in x[0].cumulativeTrapezoid(x: x[1], axis: c.int("dim")) },
        "cumulative_trapezoid_dx": { c, x in x[0].cumulativeTrapezoid(dx: c.double("dx"), axis: c.int("dim")) },
        "logsumexp": { c, x in x[0].logsumexp(axes: [c.int("dim")], keepDim: (c.args["keepdim"] as? Bool) ?? false) },
        "conv2d": { c, x in
            conv2d(x[0], weight: x[1], bias: x[2], stride: c.size2("stride"), padding: .explicit(c.size2("padding")),
                   dilation: c.size2("dilation"), groups: c.int("groups"))
        },
        "conv1d": { c, x in
            conv1d(x[0], weight: x[1], stride: c.int("stride"), padding: .explicit(c.int("padding")), dilation: c.int("dilation"),
                   groups: c.int("groups"))
        },
        "conv3d": { c, x in
            conv3d(x[0], weight: x[1], stride: Size3(c.int("stride")), padding: .explicit(Size3(c.int("padding"))),
                   dilation: Size3(c.int("dilation")), groups: c.int("groups"))
        },
        "conv_transpose2d": { c, x in
            convTranspose2d(x[0], weight: x[1], bias: x[2], stride: c.size2("stride"), padding: c.size2("padding"),
                            outputPadding: c.size2("output_padding"), dilation: c.size2("dilation"), groups: c.int("groups"))
        },
        "conv_transpose1d": { c, x in
            convTranspose1d(x[0], weight: x[1], stride: c.int("stride"), padding: c.int("padding"), outputPadding: c.int("output_padding"),
                            dilation: c.int("dilation"), groups: c.int("groups"))
        },
        "conv_transpose3d": { c, x in
            convTranspose3d(x[0], weight: x[1], stride: Size3(c.int("stride")), padding: Size3(c.int("padding")),
                            outputPadding: Size3(c.int("output_padding")), dilation: Size3(c.int("dilation")), groups: c.int("groups"))
        },
        "max_pool2d_indices": { c, x in
            let r = maxPool2dWithIndices(x[0], kernelSize: c.size2("kernel"), stride: c.size2("stride"), padding: c.size2("padding"),
                                         ceilMode: c.args["ceil_mode"] as! Bool)
            return Tensor.stack([r.values.to(.int64), r.indices], axis: 0)
        },
        "max_pool2d": { c, x in maxPool2d(x[0], kernelSize: c.size2("kernel"), stride: c.size2("stride"), dilation: c.size2("dilation")) },
        "avg_pool2d": { c, x in
            avgPool2d(x[0], kernelSize: c.size2("kernel"), stride: c.size2("stride"), padding: c.size2("padding"),
                      ceilMode: c.args["ceil_mode"] as! Bool, countIncludePad: c.args["count_include_pad"] as! Bool,
                      divisorOverride: (c.args["divisor_override"] as? NSNumber)?.intValue)
        },
        "avg_pool1d": { c, x in
            avgPool1d(x[0], kernelSize: c.int("kernel"), stride: c.int("stride"), padding: c.int("padding"),
                      ceilMode: c.args["ceil_mode"] as! Bool, countIncludePad: c.args["count_include_pad"] as! Bool)
        },
        "relu": { _, x in relu(x[0]) },
        "relu6": { _, x in relu6(x[0]) },
        "hardtanh": { c, x in hardtanh(x[0], min: c.double("min"), max: c.double("max")) },
        "softsign": { _, x in softsign(x[0]) },
        "margin_ranking_loss": { c, x in marginRankingLoss(x[0], x[1], x[2], margin: c.double("margin"), reduction: c.reduction) },
        "cosine_embedding_loss": { c, x in cosineEmbeddingLoss(x[0], x[1], x[2], margin: c.double("margin"), reduction: c.reduction) },
        "poisson_nll_loss": { c, x in
            poissonNLLLoss(x[0], x[1], logInput: c.args["log_input"] as! Bool, full: c.args["full"] as! Bool,
                           eps: (c.args["eps"] as? NSNumber)?.doubleValue ?? 1e-8, reduction: c.reduction)
        },
        "triplet_margin_loss": { c, x in
            tripletMarginLoss(anchor: x[0], positive: x[1], negative: x[2], margin: c.double("margin"), swap: c.args["swap"] as! Bool)
        },
        "pairwise_distance": { c, x in pairwiseDistance(x[0], x[1], p: c.double("p"), keepDim: c.args["keepdim"] as! Bool) },
    ] }

    @Test func matchPyTorchExactly() {
        var ran = 0
        let cases = IntegerOpsCase.all(), ops = Self.ops
        for c in cases {
            guard let f = ops[c.op] else { Issue.record("\(c.name): no closure for op \(c.op)"); continue }
            ran += 1
            let out = f(c, c.inputs.map { $0.make() })
            // Integers and bools exactly; float outputs (trapezoid, logsumexp) at float32 tolerance.
            if let msg = Conformance.compare(out, c.output, what: c.name, tolerance: (1.3e-6, 1e-5)) {
                Issue.record("\(msg)")
            }
        }
        #expect(ran == cases.count && ran >= 50)
    }

    /// Integer products never touch the float path: a non-contiguous, broadcast batch of int64 matrices
    /// gives the product of its contiguous copy, and the float result of the same values agrees.
    @Test func integerProductMatchesFloatProductOnSmallValues() {
        let a = Tensor((0..<24).map { ($0 * 7) % 11 - 5 }, shape: [2, 3, 4]).transpose(1, 2)   // [2, 4, 3] view
        let b = Tensor((0..<15).map { ($0 * 5) % 9 - 4 }, shape: [3, 5])
        let exact = a.matmul(b)
        #expect(exact.dtype == .int64 && exact.shape == [2, 4, 5])
        let viaFloat = a.to(.float64).matmul(b.to(.float64))
        #expect(exact.to(.float64).doubles == viaFloat.doubles)
        #expect(a.contiguous().matmul(b).ints == exact.ints)
    }

    /// More rows than one thread's share: the split over the worker pool gives the same values as a
    /// row-by-row product.
    @Test func largeIntegerProductIsExact() {
        let n = 200
        let a = Tensor((0..<(n * n)).map { ($0 * 31) % 17 - 8 }, shape: [n, n])
        let b = Tensor((0..<(n * n)).map { ($0 * 13) % 19 - 9 }, shape: [n, n])
        let c = a.matmul(b)
        #expect(c.to(.float64).doubles == a.to(.float64).matmul(b.to(.float64)).doubles)
    }
}
