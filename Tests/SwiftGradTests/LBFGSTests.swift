import Foundation
import Testing
import SwiftGrad

/// Cases of Resources/optim_fixtures.json (written by make_optim_fixtures.py with PyTorch).
enum OptimFixtures {
    /// The file's bytes, read once; parsed per use so parallel tests share nothing mutable.
    static let data = FixtureResource.data("optim_fixtures")

    static var root: [String: Any] { try! JSONSerialization.jsonObject(with: data) as! [String: Any] }

    static func cases(_ optimizer: String) -> [[String: Any]] {
        (root["cases"] as! [[String: Any]]).filter { $0["optimizer"] as? String == optimizer }
    }
}

/// The fixture problems, written with SwiftGrad ops as make_optim_fixtures.py writes them in torch.
enum LBFGSProblem {
    static func initial(_ name: String) -> [[Double]] {
        switch name {
        case "rosenbrock": return [[-1.5], [2.0]]
        case "least_squares": return [[0, 0, 0]]
        default: return [[0.1, -0.2], [0.0]]
        }
    }

    static func loss(_ name: String, _ ps: [Tensor]) -> Tensor {
        switch name {
        case "rosenbrock":
            let (u, v) = (ps[0], ps[1])
            let a = 1 - u, b = v - u * u
            return (a * a + 100 * (b * b)).sum()
        case "least_squares":
            let A = Tensor([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [2.0, 0.1, -0.4],
                            [-1.2, 0.7, 1.1], [0.5, 0.5, 0.5], [1.5, -0.3, 0.2]], dtype: .float64)
            let B = Tensor([1.0, -2.0, 0.5, 3.0, 0.2, -1.0], dtype: .float64)
            let r = A.matmul(ps[0]) - B
            return (r * r).mean()
        default:
            let X = Tensor([[0.5, 1.0], [1.5, -0.5], [-1.0, 0.3], [0.2, 0.2],
                            [2.0, 1.0], [-0.7, -1.2], [1.1, 0.4], [-1.5, 0.8]], dtype: .float64)
            let Y = Tensor([1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0], dtype: .float64)
            return binaryCrossEntropyWithLogits(X.matmul(ps[0]) + ps[1], Y)
        }
    }

    static func params(_ name: String) -> [Tensor] {
        initial(name).map { Tensor($0, shape: [$0.count], dtype: .float64, requiresGrad: true) }
    }

    static func optimizer(_ ps: [Tensor], _ kw: [String: Any]) -> LBFGS {
        func d(_ k: String) -> Double? { (kw[k] as? NSNumber)?.doubleValue }
        return LBFGS(ps, lr: d("lr") ?? 1, maxIter: Int(d("max_iter") ?? 20), maxEval: d("max_eval").map { Int($0) },
                     historySize: Int(d("history_size") ?? 100),
                     lineSearchFn: kw["line_search_fn"] as? String == "strong_wolfe" ? .strongWolfe : nil)
    }
}

@Suite struct LBFGSTests {
    @Test func trajectoriesMatchPyTorch() throws {
        let cases = OptimFixtures.cases("LBFGS")
        #expect(cases.count >= 6)
        for c in cases {
            let name = c["problem"] as! String, kw = c["kwargs"] as! [String: Any]
            let ps = LBFGSProblem.params(name)
            let opt = LBFGSProblem.optimizer(ps, kw)
            for (k, step) in (c["trajectory"] as! [[String: Any]]).enumerated() {
                let loss = opt.step { opt.zeroGrad(); let l = LBFGSProblem.loss(name, ps); l.backward(); return l }
                let want = (step["loss"] as! NSNumber).doubleValue
                #expect(abs(loss.item() - want) <= 1e-10 * max(1, abs(want)), "\(name) \(kw) step \(k): loss \(loss.item()) vs \(want)")
                for (p, w) in zip(ps, step["params"] as! [[NSNumber]]) {
                    for (x, y) in zip(p.doubles, w.map(\.doubleValue)) {
                        #expect(abs(x - y) <= 1e-10 * max(1, abs(y)), "\(name) \(kw) step \(k): param \(x) vs \(y)")
                    }
                }
            }
            let saved = opt.stateDict()
            #expect(saved["state.0.func_evals"]!.item() == (c["func_evals"] as! NSNumber).doubleValue, "\(name) \(kw)")
            #expect(saved["state.0.n_iter"]!.item() == (c["n_iter"] as! NSNumber).doubleValue, "\(name) \(kw)")
        }
    }

    @Test func stateDictRoundTripContinuesTheSameTrajectory() throws {
        let a = LBFGSProblem.params("rosenbrock"), b = LBFGSProblem.params("rosenbrock")
        let kw: [String: Any] = ["max_iter": 4, "history_size": 3, "line_search_fn": "strong_wolfe"]
        let optA = LBFGSProblem.optimizer(a, kw)
        for _ in 0..<2 { optA.step { optA.zeroGrad(); let l = LBFGSProblem.loss("rosenbrock", a); l.backward(); return l } }
        let saved = optA.stateDict()
        #expect(saved["state.0.history_count"]!.item() == 3)
        #expect(saved["state.1.old_dirs_2"]!.shape == [1])

        for (pa, pb) in zip(a, b) { withNoGrad { pb.copyFrom(pa) } }
        let optB = LBFGSProblem.optimizer(b, kw)
        try optB.loadStateDict(saved)
        for _ in 0..<2 {
            optA.step { optA.zeroGrad(); let l = LBFGSProblem.loss("rosenbrock", a); l.backward(); return l }
            optB.step { optB.zeroGrad(); let l = LBFGSProblem.loss("rosenbrock", b); l.backward(); return l }
        }
        for (pa, pb) in zip(a, b) { #expect(pa.doubles == pb.doubles) }
    }

    @Test func convergesOnRosenbrockWithStrongWolfe() {
        let ps = LBFGSProblem.params("rosenbrock")
        let opt = LBFGS(ps, maxIter: 100, lineSearchFn: .strongWolfe)
        opt.step { opt.zeroGrad(); let l = LBFGSProblem.loss("rosenbrock", ps); l.backward(); return l }
        // PyTorch stops here too (the loss change falls below toleranceChange) at (0.999998, 0.999997), after 41 iterations.
        #expect(abs(ps[0].item() - 1) < 1e-5 && abs(ps[1].item() - 1) < 1e-5)
        #expect(opt.stateDict()["state.0.n_iter"]!.item() == 41)
    }

    @Test func fitsFloat32LeastSquares() {
        let x = Tensor.randn([16, 3], generator: Generator(seed: 5))
        let y = x.matmul(Tensor([[1.0], [-2.0], [0.5]]))
        let w = Tensor.zeros([3, 1]).requiringGrad()
        let opt = LBFGS([w], maxIter: 50, lineSearchFn: .strongWolfe)
        let first = opt.step { opt.zeroGrad(); let l = (x.matmul(w) - y).square().mean(); l.backward(); return l }
        let last = opt.step { opt.zeroGrad(); let l = (x.matmul(w) - y).square().mean(); l.backward(); return l }
        #expect(w.dtype == .float32 && first.item() > 1 && last.item() < 1e-8)
        #expect(zip(w.doubles, [1.0, -2.0, 0.5]).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func secondParameterGroupStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let opt = LBFGS([Tensor.zeros([2]).requiringGrad()])
            opt.addParamGroup(ParamGroup([Tensor.zeros([2]).requiringGrad()]))
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("LBFGS doesn't support per-parameter options"))
    }

    @Test func stepWithoutClosureStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let p = Tensor([1.0], shape: [1], dtype: .float64, requiresGrad: true)
            LBFGS([p]).step()
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("call step { ... } with a closure"))
    }
}
