import Foundation

/// PyTorch's `torch.optim.SparseAdam` on dense gradients: SwiftGrad has no sparse gradients, so a
/// row of the parameter (an index along its first dimension; an element for a vector) counts as
/// present in the gradient when any of its gradient values is non-zero, as in
/// `grad.to_sparse(sparse_dim=1)`. Only present rows update their moments and move, with
/// PyTorch's SparseAdam arithmetic; the other rows keep their moments unchanged (dense Adam would
/// decay them). The step count advances every step. One difference remains: an embedding row
/// that was looked up but got an exactly zero gradient is present in PyTorch's sparse gradient
/// and absent here.
///
///     let opt = SparseAdam(embedding.parameters(), lr: 1e-3)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class SparseAdam: Optimizer {
    /// SparseAdam over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = SparseAdam([ParamGroup(userEmbeddings), ParamGroup(itemEmbeddings, lr: 1e-2)])
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                maximize: Bool = false) {
        super.init(groups, defaults: ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "maximize": maximize ? 1 : 0],
                   kind: "SparseAdam")
        require(lr >= 0, "learning rate", lr)
        require(eps >= 0, "epsilon value", eps)
        require(betas.0 >= 0 && betas.0 < 1, "beta parameter at index 0", betas.0)
        require(betas.1 >= 0 && betas.1 < 1, "beta parameter at index 1", betas.1)
    }

    /// SparseAdam over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = SparseAdam(embedding.parameters(), lr: 1e-2)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, betas: betas, eps: eps, maximize: maximize)
    }

    /// SparseAdam over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = SparseAdam(embedding.namedParameters())
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, betas: betas, eps: eps, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["exp_avg", "exp_avg_sq"] }
    public override func requiredState(_ group: ParamGroup) -> [String] { ["exp_avg", "exp_avg_sq"] }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let beta1 = group.value("beta1"), beta2 = group.value("beta2"), eps = group.value("eps"), t = Double(state.step)
        let expAvg = state.buffer("exp_avg", like: param), expAvgSq = state.buffer("exp_avg_sq", like: param)
        var x = param.doubles, g = grad.doubles, m = expAvg.doubles, v = expAvgSq.doubles
        if group.flag("maximize") { for i in g.indices { g[i] = -g[i] } }
        let rows = param.rank == 0 ? 1 : param.shape[0]
        let width = rows == 0 ? 0 : x.count / rows
        let stepSize = group.lr * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        var moved = false
        for r in 0..<rows {
            let span = r * width..<(r + 1) * width
            guard span.contains(where: { g[$0] != 0 }) else { continue }
            moved = true
            for i in span {
                let mUpdate = (g[i] - m[i]) * (1 - beta1)
                let vUpdate = (g[i] * g[i] - v[i]) * (1 - beta2)
                let numer = mUpdate + m[i], denom = (vUpdate + v[i]).squareRoot() + eps
                m[i] += mUpdate
                v[i] += vUpdate
                x[i] += -stepSize * (numer / denom)
            }
        }
        guard moved else { return }
        expAvg.copyFrom(Tensor(m, shape: param.shape, dtype: param.dtype))
        expAvgSq.copyFrom(Tensor(v, shape: param.shape, dtype: param.dtype))
        param.copyFrom(Tensor(x, shape: param.shape, dtype: param.dtype))
    }
}
