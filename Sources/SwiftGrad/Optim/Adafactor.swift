import Foundation

/// Adafactor (Shazeer & Stern), as PyTorch 2.5+'s `torch.optim.Adafactor`: the second moment of a
/// matrix (or of each matrix of a batch) is kept factored as row and column means, so its memory is
/// rows + columns instead of rows × columns; vectors keep a full variance. The relative step
/// size is min(lr, 1/√t) scaled by the parameter's RMS (at least eps2), the update is clipped to
/// RMS `d`, and the β2 schedule is 1 − t^beta2Decay. No first moment.
///
/// State: `row_var` (the parameter's shape with the last dimension 1), `col_var` (second-to-last
/// dimension 1) for parameters of rank ≥ 2, `variance` (the parameter's shape) otherwise. The
/// arithmetic is done in Double and stored in the parameter's dtype (float64 agrees with PyTorch;
/// float32 may differ from PyTorch's float32 arithmetic in the last bits).
///
///     let opt = Adafactor(model.parameters(), lr: 1e-2)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class Adafactor: Optimizer {
    /// Adafactor over parameter groups; options a group does not set come from these arguments.
    /// `eps.0` nil means the machine epsilon of the parameter's dtype, as in PyTorch.
    ///
    ///     let opt = Adafactor([ParamGroup(body), ParamGroup(head, lr: 1e-3)])
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1e-2, beta2Decay: Double = -0.8, eps: (Double?, Double) = (nil, 1e-3),
                d: Double = 1, weightDecay: Double = 0, maximize: Bool = false) {
        var defaults = ["lr": lr, "beta2_decay": beta2Decay, "eps2": eps.1, "d": d, "weight_decay": weightDecay,
                        "maximize": maximize ? 1 : 0]
        if let eps1 = eps.0 { defaults["eps1"] = eps1 }
        super.init(groups, defaults: defaults, kind: "Adafactor")
        require(lr >= 0, "learning rate", lr)
        require(beta2Decay <= 0, "beta2_decay (should be <= 0)", beta2Decay)
        require((eps.0 ?? 0) >= 0, "epsilon1", eps.0 ?? 0)
        require(eps.1 >= 0, "epsilon2", eps.1)
        require(d >= 1, "clipping threshold d (should be >= 1)", d)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
    }

    /// Adafactor over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = Adafactor(model.parameters(), lr: 1e-2, weightDecay: 1e-2)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-2, beta2Decay: Double = -0.8, eps: (Double?, Double) = (nil, 1e-3),
                            d: Double = 1, weightDecay: Double = 0, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, beta2Decay: beta2Decay, eps: eps, d: d, weightDecay: weightDecay, maximize: maximize)
    }

    /// Adafactor over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = Adafactor(model.namedParameters())
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-2, beta2Decay: Double = -0.8, eps: (Double?, Double) = (nil, 1e-3),
                            d: Double = 1, weightDecay: Double = 0, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, beta2Decay: beta2Decay, eps: eps, d: d, weightDecay: weightDecay, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["row_var", "col_var", "variance"] }

    public override func bufferShape(_ name: String, of param: Tensor) -> [Int] {
        var shape = param.shape
        switch name {
        case "row_var" where shape.count >= 2: shape[shape.count - 1] = 1
        case "col_var" where shape.count >= 2: shape[shape.count - 2] = 1
        default: break
        }
        return shape
    }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let lr = group.lr, t = Double(state.step)
        let eps1 = group.options["eps1"] ?? (param.dtype == .float64 ? Double.ulpOfOne : Double(Float.ulpOfOne))
        let eps2 = group.value("eps2"), wd = group.weightDecay
        let w = pow(t, group.value("beta2_decay"))            // 1 − β2_t
        let rho = min(lr, 1 / t.squareRoot())
        var x = param.doubles
        var g = grad.doubles
        if group.flag("maximize") { for i in g.indices { g[i] = -g[i] } }
        let n = Double(x.count)
        let alpha = max(eps2, x.reduce(0) { $0 + $1 * $1 }.squareRoot() / n.squareRoot()) * rho
        if wd != 0 { for i in x.indices { x[i] *= 1 - lr * wd } }

        var u = [Double](repeating: 0, count: x.count)          // the variance estimate, then the update
        let shape = param.shape
        if shape.count >= 2 {
            let cols = shape[shape.count - 1], rows = shape[shape.count - 2], batches = x.count / max(1, rows * cols)
            for name in ["row_var", "col_var"] where state.buffers[name] == nil {
                state.buffers[name] = Tensor.zeros(bufferShape(name, of: param), dtype: param.dtype)
            }
            let rowBuf = state.buffers["row_var"]!, colBuf = state.buffers["col_var"]!
            var rowVar = rowBuf.doubles, colVar = colBuf.doubles
            for b in 0..<batches {
                let base = b * rows * cols
                for r in 0..<rows {                                    // ‖g[r, :]‖² / cols
                    var s = 0.0
                    for c in 0..<cols { s += g[base + r * cols + c] * g[base + r * cols + c] }
                    let norm = s.squareRoot()
                    rowVar[b * rows + r] = Kernels.lerp(rowVar[b * rows + r], norm * norm / Double(cols), w)
                }
                for c in 0..<cols {                                    // ‖g[:, c]‖² / rows
                    var s = 0.0
                    for r in 0..<rows { s += g[base + r * cols + c] * g[base + r * cols + c] }
                    let norm = s.squareRoot()
                    colVar[b * cols + c] = Kernels.lerp(colVar[b * cols + c], norm * norm / Double(rows), w)
                }
                var rowMean = 0.0
                for r in 0..<rows { rowMean += rowVar[b * rows + r] }
                rowMean = max(rowMean / Double(rows), eps1)
                for r in 0..<rows {
                    for c in 0..<cols { u[base + r * cols + c] = rowVar[b * rows + r] * colVar[b * cols + c] / rowMean }
                }
            }
            withNoGrad {
                rowBuf.copyFrom(Tensor(rowVar, shape: rowBuf.shape, dtype: param.dtype))
                colBuf.copyFrom(Tensor(colVar, shape: colBuf.shape, dtype: param.dtype))
            }
        } else {
            let varBuf = state.buffer("variance", like: param)
            var v = varBuf.doubles
            for i in v.indices { v[i] = Kernels.lerp(v[i], g[i] * g[i], w) }
            u = v
            withNoGrad { varBuf.copyFrom(Tensor(v, shape: varBuf.shape, dtype: param.dtype)) }
        }
        var sq = 0.0
        for i in u.indices {
            u[i] = 1 / max(u[i], eps1 * eps1).squareRoot() * g[i]
            sq += u[i] * u[i]
        }
        let denom = max(1, sq.squareRoot() / (n.squareRoot() * group.value("d")))
        let step = -alpha / denom
        for i in x.indices { x[i] += step * u[i] }
        param.copyFrom(Tensor(x, shape: shape, dtype: param.dtype))
    }
}
