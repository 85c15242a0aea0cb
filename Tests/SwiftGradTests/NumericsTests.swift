import Foundation
import Testing
import SwiftGrad

/// NaN/Inf handling: optimizers can skip non-finite steps, anomaly mode blames the first op, and the
/// numerically special ops stay finite and accurate at extreme inputs.
@Suite struct CheckFiniteTests {
    static func model() -> (Sequential, [Tensor]) {
        let m = Sequential(Linear(3, 4, generator: Generator(seed: 7)), Tanh(), Linear(4, 2, generator: Generator(seed: 8)))
        return (m, m.parameters())
    }

    @Test(arguments: ["SGD", "Adam"])
    func nonFiniteGradientsSkipTheWholeStep(_ kind: String) {
        let (m, params) = Self.model()
        let opt: Optimizer = kind == "SGD" ? SGD(m.namedParameters(), lr: 0.1, momentum: 0.9) : Adam(m.namedParameters())
        opt.checkFinite = true
        let before = params.map(\.doubles)
        for (i, p) in params.enumerated() { p.grad = Tensor.onesLike(p) * Double(i + 1) }
        params[2].grad = Tensor.full(params[2].shape, .nan)          // "2.weight": all NaN
        params[3].grad = Tensor([1, Float.infinity])                 // "2.bias": one Inf
        #expect(opt.step() == false)
        #expect(params.map(\.doubles) == before, "a skipped step changes no parameter")
        #expect(opt.stateDict().keys.allSatisfy { !$0.hasPrefix("state.") }, "and creates no state")
        #expect(opt.skippedSteps == 1)
        let reason = opt.lastSkipReason ?? ""
        #expect(reason.contains(kind) && reason.contains("'2.weight'") && reason.contains("[2, 4]") && reason.contains("8 NaN"), "\(reason)")

        params[2].grad = Tensor.zerosLike(params[2])
        params[3].grad = Tensor.zerosLike(params[3])
        #expect(opt.step() == true)
        #expect(opt.lastSkipReason == nil && opt.skippedSteps == 1)
        #expect(params[0].doubles != before[0])
        #expect(opt.stateDict()["state.0.weight.step"]?.item() == 1)
    }

    @Test func offByDefaultAppliesNonFiniteGradientsLikePyTorch() {
        let (m, params) = Self.model()
        let opt = SGD(m.parameters(), lr: 0.1)
        for p in params { p.grad = Tensor.full(p.shape, .nan) }
        #expect(opt.step() == true)
        #expect(params[0].doubles.allSatisfy { $0.isNaN })
    }

    @Test func anomalyModeBlamesTheFirstOpNotTheOnesThatCarryTheNaN() {
        let x = Tensor([1, 4, 9], dtype: .float64, requiresGrad: true)
        let error = #expect(throws: AnomalyError.self) {
            try withAnomalyDetection {
                let h = (x - 5).log()                 // NaN first appears here
                let y = (h.exp() * 3 + 1).tanh().sum()
                y.backward()
            }
        }
        #expect(error?.op == "log" && error?.phase == "forward")
    }
}

/// Stable formulas at ±1e4, 1e-30 and mixed inputs, in float32 and float64, against references
/// computed here in Double with the textbook stable forms; gradients stay finite too.
@Suite struct StabilityTests {
    static let rows: [[Double]] = [
        [1e4, -1e4, 0, 1],
        [-1e4, -1e4, -1e4, -1e4],
        [1e-30, -1e-30, 1e-30, 0],
        [1e4, 1e-30, -1e4, 3.5],
        [88.8, 89.5, -103.9, 710],
    ]

    static func lse(_ r: [Double]) -> Double {
        let m = r.max()!
        return m + log(r.map { exp($0 - m) }.reduce(0, +))
    }
    static func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
    static func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }
    static func bce(_ x: Double, _ y: Double) -> Double { max(x, 0) - x * y + log1p(exp(-abs(x))) }

    /// |a − b| ≤ atol + rtol·|b| for every element, and every element of `a` finite.
    func expectClose(_ a: [Double], _ b: [Double], _ what: String, dtype: DType,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        let (rtol, atol) = dtype == .float32 ? (2e-6, 1e-6) : (1e-13, 1e-13)
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (i, (x, y)) in zip(a, b).enumerated() where !(x.isFinite && abs(x - y) <= atol + rtol * abs(y)) {
            Issue.record("\(what) \(dtype) element \(i): \(x), reference \(y)", sourceLocation: sourceLocation)
            return
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func softmaxFamilyAtExtremeInputs(_ dtype: DType) {
        let flat = Self.rows.flatMap { $0 }
        let x = Tensor(flat, shape: [Self.rows.count, 4], dtype: dtype).requiringGrad()
        let lse = Self.rows.map(Self.lse)
        let rowsIn = x.doubles.chunked(4)        // the inputs as the dtype holds them
        let lseIn = rowsIn.map(Self.lse)
        expectClose(x.logsumexp(axis: 1).doubles, lseIn, "logsumexp", dtype: dtype)
        // (x − m) − log Σ exp(x − m): subtracting the shift first keeps -1e4 − (-1e4 + log 4) exact.
        let logSoftmaxRef = rowsIn.flatMap { r in
            let m = r.max()!, s = log(r.map { exp($0 - m) }.reduce(0, +))
            return r.map { ($0 - m) - s }
        }
        expectClose(x.logSoftmax(axis: 1).doubles, logSoftmaxRef, "logSoftmax", dtype: dtype)
        expectClose(x.softmax(axis: 1).doubles, zip(rowsIn, lseIn).flatMap { r, l in r.map { exp($0 - l) } }, "softmax", dtype: dtype)
        #expect(lse.allSatisfy { $0.isFinite })

        let targets = Tensor([0, 3, 1, 2, 3], dtype: .int64)
        let ce = crossEntropy(logits: x, targets: targets)
        let ceRef = zip(rowsIn, [0, 3, 1, 2, 3]).map { r, t in Self.lse(r) - r[t] }.reduce(0, +) / 5
        expectClose([ce.item()], [ceRef], "crossEntropy", dtype: dtype)
        ce.backward()
        #expect(x.grad!.doubles.allSatisfy { $0.isFinite }, "crossEntropy gradient")
        x.grad = nil
        x.logSoftmax(axis: 1).sum().backward()
        #expect(x.grad!.doubles.allSatisfy { $0.isFinite }, "logSoftmax gradient")
    }

    @Test(arguments: [DType.float32, .float64])
    func sigmoidSoftplusAndBCEAtExtremeInputs(_ dtype: DType) {
        let x = Tensor(Self.rows.flatMap { $0 }, dtype: dtype).requiringGrad()
        let xs = x.doubles
        expectClose(x.sigmoid().doubles, xs.map(Self.sigmoid), "sigmoid", dtype: dtype)
        expectClose(x.softplus().doubles, xs.map(Self.softplus), "softplus", dtype: dtype)
        let y = Tensor(xs.indices.map { Double($0 % 3) / 2 }, dtype: dtype)
        let loss = binaryCrossEntropyWithLogits(x, y)
        let ref = zip(xs, y.doubles).map(Self.bce).reduce(0, +) / Double(xs.count)
        expectClose([loss.item()], [ref], "binaryCrossEntropyWithLogits", dtype: dtype)
        (loss + x.sigmoid().sum() + x.softplus().sum()).backward()
        #expect(x.grad!.doubles.allSatisfy { $0.isFinite }, "gradients")
    }
}

extension Array {
    /// Consecutive pieces of `size` elements.
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0 ..< Swift.min($0 + size, count)]) }
    }
}
