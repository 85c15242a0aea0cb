/// The line search `LBFGS` can run at each iteration.
///
///     let opt = LBFGS(params, lineSearchFn: .strongWolfe)
public enum LineSearch: Sendable {
    /// A bracketing search for a step that satisfies the strong Wolfe conditions (c1 = 1e-4,
    /// c2 = 0.9, at most 25 evaluations), refined by cubic interpolation: PyTorch's `"strong_wolfe"`.
    ///
    ///     let opt = LBFGS(params, lineSearchFn: .strongWolfe)
    case strongWolfe
}

/// Limited-memory BFGS (Nocedal): PyTorch's `torch.optim.LBFGS`, iteration for iteration — the
/// two-loop recursion over the last `historySize` curvature pairs, a first step of
/// min(1, 1/‖g‖₁)·lr, then lr, and optionally PyTorch's strong-Wolfe line search. One `step`
/// runs up to `maxIter` iterations and `maxEval` loss evaluations, so it needs a closure that
/// re-evaluates the loss and its gradient. One parameter group only.
///
/// The algorithm works on the parameters flattened into one vector of Doubles; the history is
/// kept in the state dict per parameter (`state.<name>.d`, `prev_flat_grad`, `old_dirs_<k>`,
/// `old_stps_<k>`, shaped like the parameter) with the scalars (`n_iter`, `func_evals`, `t`,
/// `H_diag`, `prev_loss`, `ro_<k>`, `history_count`) under the first parameter.
///
///     let opt = LBFGS(model.parameters(), lr: 1, lineSearchFn: .strongWolfe)
///     for _ in 0..<10 {
///         opt.step { opt.zeroGrad(); let l = lossFn(); l.backward(); return l }
///     }
public final class LBFGS: Optimizer {
    /// The running state, flat over all parameters.
    struct History {
        var funcEvals = 0
        var nIter = 0
        var d: [Double]? = nil
        var t = 0.0
        var oldDirs: [[Double]] = []
        var oldStps: [[Double]] = []
        var ro: [Double] = []
        var hDiag = 1.0
        var prevFlatGrad: [Double]? = nil
        var prevLoss = 0.0
    }

    /// L-BFGS over a list of parameters (named "0", "1", ... in the state dict). `maxEval`
    /// defaults to maxIter·5/4 (rounded down), as in PyTorch.
    ///
    ///     let opt = LBFGS([w, b], lr: 1, maxIter: 20, lineSearchFn: .strongWolfe)
    ///     let loss = opt.step { opt.zeroGrad(); let l = lossFn(); l.backward(); return l }
    public convenience init(_ params: [Tensor], lr: Double = 1, maxIter: Int = 20, maxEval: Int? = nil,
                            toleranceGrad: Double = 1e-7, toleranceChange: Double = 1e-9, historySize: Int = 100,
                            lineSearchFn: LineSearch? = nil) {
        self.init(ParamGroup(params), lr: lr, maxIter: maxIter, maxEval: maxEval, toleranceGrad: toleranceGrad,
                  toleranceChange: toleranceChange, historySize: historySize, lineSearchFn: lineSearchFn)
    }

    /// L-BFGS over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = LBFGS(model.namedParameters(), lineSearchFn: .strongWolfe)
    ///     opt.step { opt.zeroGrad(); let l = lossFn(); l.backward(); return l }
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1, maxIter: Int = 20, maxEval: Int? = nil,
                            toleranceGrad: Double = 1e-7, toleranceChange: Double = 1e-9, historySize: Int = 100,
                            lineSearchFn: LineSearch? = nil) {
        self.init(ParamGroup(named: params), lr: lr, maxIter: maxIter, maxEval: maxEval, toleranceGrad: toleranceGrad,
                  toleranceChange: toleranceChange, historySize: historySize, lineSearchFn: lineSearchFn)
    }

    /// L-BFGS over one parameter group (PyTorch's LBFGS has no per-group options).
    ///
    ///     let opt = LBFGS(ParamGroup(named: model.namedParameters()), historySize: 10)
    ///     opt.step { opt.zeroGrad(); let l = lossFn(); l.backward(); return l }
    public init(_ group: ParamGroup, lr: Double = 1, maxIter: Int = 20, maxEval: Int? = nil,
                toleranceGrad: Double = 1e-7, toleranceChange: Double = 1e-9, historySize: Int = 100,
                lineSearchFn: LineSearch? = nil) {
        let maxEval = maxEval ?? maxIter * 5 / 4
        super.init([group], defaults: [
            "lr": lr, "max_iter": Double(maxIter), "max_eval": Double(maxEval), "tolerance_grad": toleranceGrad,
            "tolerance_change": toleranceChange, "history_size": Double(historySize),
            "line_search_fn": lineSearchFn == nil ? 0 : 1], kind: "LBFGS")
        require(lr >= 0, "learning rate", lr)
        require(maxIter >= 1, "max_iter value", Double(maxIter))
        require(maxEval >= 1, "max_eval value", Double(maxEval))
        require(historySize >= 1, "history_size value", Double(historySize))
    }

    /// Adding a group is not supported: PyTorch's LBFGS has exactly one.
    ///
    ///     // opt.addParamGroup(...) stops: "LBFGS doesn't support per-parameter options (parameter groups)"
    public override func addParamGroup(_ group: ParamGroup) {
        check(groups.isEmpty, "LBFGS doesn't support per-parameter options (parameter groups)")
        super.addParamGroup(group)
    }

    var historySize: Int { Int(groups[0].value("history_size")) }

    public override var bufferNames: Set<String> {
        var names: Set<String> = ["d", "prev_flat_grad"]
        for k in 0..<historySize { names.insert("old_dirs_\(k)"); names.insert("old_stps_\(k)") }
        return names
    }

    public override var scalarNames: Set<String> {
        var names: Set<String> = ["func_evals", "n_iter", "t", "H_diag", "prev_loss", "history_count"]
        for k in 0..<historySize { names.insert("ro_\(k)") }
        return names
    }

    /// LBFGS needs the loss re-evaluated several times per step: call `step(_:)` with a closure.
    ///
    ///     opt.step { opt.zeroGrad(); let l = lossFn(); l.backward(); return l }
    @discardableResult
    public override func step() -> Bool {
        checkFailure("LBFGS.step: L-BFGS re-evaluates the loss; call step { ... } with a closure that computes the loss, calls backward() and returns it")
    }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        checkFailure("LBFGS.update: L-BFGS updates all parameters together; call step { ... } with a closure")
    }

    /// Runs up to `maxIter` L-BFGS iterations. `closure` must compute the loss, call `backward()`
    /// (after `zeroGrad()`) and return the loss; it runs with gradients enabled. Returns the loss
    /// of the first evaluation, as PyTorch does.
    ///
    ///     let loss = opt.step { opt.zeroGrad(); let l = lossFn(); l.backward(); return l }
    ///     print(loss.item())
    @discardableResult
    public override func step(_ closure: () -> Tensor) -> Tensor {
        let group = groups[0]
        let lr = group.lr
        let maxIter = Int(group.value("max_iter")), maxEval = Int(group.value("max_eval"))
        let toleranceGrad = group.value("tolerance_grad"), toleranceChange = group.value("tolerance_change")
        let historySize = Int(group.value("history_size"))
        let strongWolfe = group.flag("line_search_fn")
        func evaluate() -> Double { withGrad { closure() }.item() }

        var h = loadHistory()
        let origLoss = withGrad { closure() }
        var loss = origLoss.item()
        var currentEvals = 1
        h.funcEvals += 1

        var flatGrad = gatherFlatGrad()
        var optCond = maxAbs(flatGrad) <= toleranceGrad
        if optCond {
            saveHistory(h)
            return origLoss
        }

        var d = h.d ?? []
        var t = h.t
        var nIter = 0
        while nIter < maxIter {
            nIter += 1
            h.nIter += 1

            // Descent direction.
            if h.nIter == 1 {
                d = flatGrad.map { -$0 }
                h.oldDirs = []; h.oldStps = []; h.ro = []
                h.hDiag = 1
            } else {
                let prev = h.prevFlatGrad!
                let y = zip(flatGrad, prev).map { $0 - $1 }
                let s = d.map { $0 * t }
                let ys = dot(y, s)
                if ys > 1e-10 {
                    if h.oldDirs.count == historySize {
                        h.oldDirs.removeFirst(); h.oldStps.removeFirst(); h.ro.removeFirst()
                    }
                    h.oldDirs.append(y); h.oldStps.append(s); h.ro.append(1 / ys)
                    h.hDiag = ys / dot(y, y)
                }
                // Two-loop recursion: q ← -g, then r = H₀q corrected by each pair.
                let count = h.oldDirs.count
                var al = [Double](repeating: 0, count: count)
                var q = flatGrad.map { -$0 }
                for i in stride(from: count - 1, through: 0, by: -1) {
                    al[i] = dot(h.oldStps[i], q) * h.ro[i]
                    axpy(&q, -al[i], h.oldDirs[i])
                }
                var r = q.map { $0 * h.hDiag }
                for i in 0..<count {
                    let be = dot(h.oldDirs[i], r) * h.ro[i]
                    axpy(&r, al[i] - be, h.oldStps[i])
                }
                d = r
            }
            h.prevFlatGrad = flatGrad
            h.prevLoss = loss

            // Step length: the first iteration ever scales by the gradient's 1-norm.
            if h.nIter == 1 {
                let inv = 1 / flatGrad.reduce(0) { $0 + abs($1) }
                t = (inv < 1 ? inv : 1) * lr
            } else {
                t = lr
            }
            let gtd = dot(flatGrad, d)
            if gtd > -toleranceChange { break }

            var lsFuncEvals = 0
            if strongWolfe {
                let x = parameters.map(\.doubles)
                let result = strongWolfeSearch(x: x, t: t, d: d, f: loss, g: flatGrad, gtd: gtd,
                                               toleranceChange: toleranceChange, evaluate: evaluate)
                loss = result.f; flatGrad = result.g; t = result.t; lsFuncEvals = result.evals
                addToParameters(t, d)
                optCond = maxAbs(flatGrad) <= toleranceGrad
            } else {
                addToParameters(t, d)
                if nIter != maxIter {
                    // Not re-evaluated on the last iteration (PyTorch: no use in a stochastic setting).
                    loss = evaluate()
                    flatGrad = gatherFlatGrad()
                    optCond = maxAbs(flatGrad) <= toleranceGrad
                    lsFuncEvals = 1
                }
            }
            currentEvals += lsFuncEvals
            h.funcEvals += lsFuncEvals

            if nIter == maxIter { break }
            if currentEvals >= maxEval { break }
            if optCond { break }
            if d.reduce(0, { max($0, abs($1 * t)) }) <= toleranceChange { break }
            if abs(loss - h.prevLoss) < toleranceChange { break }
        }
        h.d = d
        h.t = t
        saveHistory(h)
        return origLoss
    }

    // MARK: Strong Wolfe line search (PyTorch's _strong_wolfe, from minFunc's lswolfe)

    func strongWolfeSearch(x: [[Double]], t tInit: Double, d: [Double], f: Double, g: [Double], gtd: Double,
                           c1: Double = 1e-4, c2: Double = 0.9, toleranceChange: Double, maxLS: Int = 25,
                           evaluate: () -> Double) -> (f: Double, g: [Double], t: Double, evals: Int) {
        // Loss and flat gradient at x + t·d; the parameters are restored to x afterwards.
        func directional(_ t: Double) -> (Double, [Double]) {
            addToParameters(t, d)
            let f = evaluate()
            let g = gatherFlatGrad()
            setParameters(x)
            return (f, g)
        }
        var t = tInit
        let dNorm = maxAbs(d)
        var (fNew, gNew) = directional(t)
        var evals = 1
        var gtdNew = dot(gNew, d)

        var tPrev = 0.0, fPrev = f, gPrev = g, gtdPrev = gtd
        var done = false
        var lsIter = 0
        var bracket: [Double] = [], bracketF: [Double] = [], bracketG: [[Double]] = [], bracketGtd: [Double] = []
        while lsIter < maxLS {
            if fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev) {
                bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew]; bracketGtd = [gtdPrev, gtdNew]
                break
            }
            if abs(gtdNew) <= -c2 * gtd {
                bracket = [t]; bracketF = [fNew]; bracketG = [gNew]
                done = true
                break
            }
            if gtdNew >= 0 {
                bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew]; bracketGtd = [gtdPrev, gtdNew]
                break
            }
            let minStep = t + 0.01 * (t - tPrev), maxStep = t * 10
            let tmp = t
            t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, bounds: (minStep, maxStep))
            tPrev = tmp; fPrev = fNew; gPrev = gNew; gtdPrev = gtdNew
            (fNew, gNew) = directional(t)
            evals += 1
            gtdNew = dot(gNew, d)
            lsIter += 1
        }
        if lsIter == maxLS {
            bracket = [0, t]; bracketF = [f, fNew]; bracketG = [g, gNew]
        }

        // Zoom: shrink the bracket until a point satisfies the conditions.
        var insufficientProgress = false
        var (low, high) = bracketF[0] <= bracketF[bracketF.count - 1] ? (0, 1) : (1, 0)
        while !done && lsIter < maxLS {
            if abs(bracket[1] - bracket[0]) * dNorm < toleranceChange { break }
            t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1])
            let hi = max(bracket[0], bracket[1]), lo = min(bracket[0], bracket[1])
            let eps = 0.1 * (hi - lo)
            if min(hi - t, t - lo) < eps {
                if insufficientProgress || t >= hi || t <= lo {
                    t = abs(t - hi) < abs(t - lo) ? hi - eps : lo + eps
                    insufficientProgress = false
                } else {
                    insufficientProgress = true
                }
            } else {
                insufficientProgress = false
            }
            (fNew, gNew) = directional(t)
            evals += 1
            gtdNew = dot(gNew, d)
            lsIter += 1

            if fNew > f + c1 * t * gtd || fNew >= bracketF[low] {
                bracket[high] = t; bracketF[high] = fNew; bracketG[high] = gNew; bracketGtd[high] = gtdNew
                (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0)
            } else {
                if abs(gtdNew) <= -c2 * gtd {
                    done = true
                } else if gtdNew * (bracket[high] - bracket[low]) >= 0 {
                    bracket[high] = bracket[low]; bracketF[high] = bracketF[low]
                    bracketG[high] = bracketG[low]; bracketGtd[high] = bracketGtd[low]
                }
                bracket[low] = t; bracketF[low] = fNew; bracketG[low] = gNew; bracketGtd[low] = gtdNew
            }
        }
        return (bracketF[low], bracketG[low], bracket[low], evals)
    }

    /// The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to `bounds` (by
    /// default the interval between the points); the bounds' midpoint when the cubic has none.
    func cubicInterpolate(_ x1: Double, _ f1: Double, _ g1: Double, _ x2: Double, _ f2: Double, _ g2: Double,
                          bounds: (Double, Double)? = nil) -> Double {
        let (lo, hi) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1))
        let d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        let d2Square = d1 * d1 - g1 * g2
        guard d2Square >= 0 else { return (lo + hi) / 2 }
        let d2 = d2Square.squareRoot()
        let minPos = x1 <= x2
            ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
            : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(minPos, lo), hi)
    }

    // MARK: Flat views of the parameters

    /// Every parameter's gradient, concatenated (zeros for a parameter with none).
    func gatherFlatGrad() -> [Double] {
        var flat: [Double] = []
        for p in parameters {
            if let g = p.grad { flat += g.doubles } else { flat += [Double](repeating: 0, count: p.count) }
        }
        return flat
    }

    /// parameters += t·d, in place.
    func addToParameters(_ t: Double, _ d: [Double]) {
        var offset = 0
        withNoGrad {
            for p in parameters {
                let n = p.count
                let values = p.doubles
                var updated = [Double](repeating: 0, count: n)
                for k in 0..<n { updated[k] = values[k] + t * d[offset + k] }
                p.copyFrom(Tensor(updated, shape: p.shape, dtype: p.dtype))
                offset += n
            }
        }
    }

    func setParameters(_ values: [[Double]]) {
        withNoGrad {
            for (p, v) in zip(parameters, values) { p.copyFrom(Tensor(v, shape: p.shape, dtype: p.dtype)) }
        }
    }

    // MARK: History ↔ per-parameter state (so stateDict() saves and restores it)

    func loadHistory() -> History {
        var h = History()
        guard let first = state[0] else { return h }
        h.funcEvals = Int(first.scalars["func_evals"] ?? 0)
        h.nIter = Int(first.scalars["n_iter"] ?? 0)
        h.t = first.scalars["t"] ?? 0
        h.hDiag = first.scalars["H_diag"] ?? 1
        h.prevLoss = first.scalars["prev_loss"] ?? 0
        let count = Int(first.scalars["history_count"] ?? 0)
        func flat(_ name: String) -> [Double]? {
            var out: [Double] = []
            for s in state {
                guard let b = s?.buffers[name] else { return nil }
                out += b.doubles
            }
            return out
        }
        h.d = flat("d")
        h.prevFlatGrad = flat("prev_flat_grad")
        for k in 0..<count {
            guard let y = flat("old_dirs_\(k)"), let s = flat("old_stps_\(k)"), let r = first.scalars["ro_\(k)"] else {
                checkFailure("LBFGS.step: the state holds history_count \(count) but no complete curvature pair \(k)")
            }
            h.oldDirs.append(y); h.oldStps.append(s); h.ro.append(r)
        }
        return h
    }

    func saveHistory(_ h: History) {
        var offset = 0
        for (i, p) in parameters.enumerated() {
            let n = p.count
            var s = ParamState()
            s.step = h.nIter
            func slice(_ v: [Double]) -> Tensor { Tensor(Array(v[offset..<offset + n]), shape: p.shape, dtype: p.dtype) }
            if let d = h.d, !d.isEmpty { s.buffers["d"] = slice(d) }
            if let g = h.prevFlatGrad { s.buffers["prev_flat_grad"] = slice(g) }
            for k in h.oldDirs.indices {
                s.buffers["old_dirs_\(k)"] = slice(h.oldDirs[k])
                s.buffers["old_stps_\(k)"] = slice(h.oldStps[k])
            }
            if i == 0 {
                s.scalars = ["func_evals": Double(h.funcEvals), "n_iter": Double(h.nIter), "t": h.t, "H_diag": h.hDiag,
                             "prev_loss": h.prevLoss, "history_count": Double(h.oldDirs.count)]
                for k in h.ro.indices { s.scalars["ro_\(k)"] = h.ro[k] }
            }
            state[i] = s
            offset += n
        }
    }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

private func axpy(_ y: inout [Double], _ alpha: Double, _ x: [Double]) {
    for i in y.indices { y[i] += alpha * x[i] }
}

private func maxAbs(_ v: [Double]) -> Double {
    v.reduce(0) { max($0, abs($1)) }
}
