import Foundation

/// NAdam (Dozat): Adam with Nesterov momentum and a momentum warm-up schedule
/// μ_t = β1·(1 − 0.5·0.96^(t·ψ)). PyTorch's `torch.optim.NAdam`, update for update.
///
///     let opt = NAdam(model.parameters(), lr: 2e-3)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class NAdam: Optimizer {
    /// NAdam over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = NAdam([ParamGroup(body), ParamGroup(head, lr: 1e-3)], lr: 2e-3)
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false, maximize: Bool = false) {
        super.init(groups, defaults: ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                                      "momentum_decay": momentumDecay, "decoupled_weight_decay": decoupledWeightDecay ? 1 : 0,
                                      "maximize": maximize ? 1 : 0], kind: "NAdam")
        require(lr >= 0, "learning rate", lr)
        require(eps >= 0, "epsilon value", eps)
        require(betas.0 >= 0 && betas.0 < 1, "beta parameter at index 0", betas.0)
        require(betas.1 >= 0 && betas.1 < 1, "beta parameter at index 1", betas.1)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
        require(momentumDecay >= 0, "momentum_decay value", momentumDecay)
    }

    /// NAdam over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = NAdam(model.parameters(), lr: 1e-3, weightDecay: 1e-4, decoupledWeightDecay: true)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                  momentumDecay: momentumDecay, decoupledWeightDecay: decoupledWeightDecay, maximize: maximize)
    }

    /// NAdam over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = NAdam(model.namedParameters())
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                  momentumDecay: momentumDecay, decoupledWeightDecay: decoupledWeightDecay, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["exp_avg", "exp_avg_sq"] }
    public override var scalarNames: Set<String> { ["mu_product"] }
    public override func requiredState(_ group: ParamGroup) -> [String] { ["exp_avg", "exp_avg_sq", "mu_product"] }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let lr = group.lr, beta1 = group.value("beta1"), beta2 = group.value("beta2"), psi = group.value("momentum_decay")
        let t = Double(state.step)
        let mu = beta1 * (1.0 - 0.5 * pow(0.96, t * psi))
        let muNext = beta1 * (1.0 - 0.5 * pow(0.96, (t + 1) * psi))
        let muProduct = (state.scalars["mu_product"] ?? 1) * mu
        state.scalars["mu_product"] = muProduct
        let muProductNext = muProduct * muNext
        Kernels.nadamUpdate(
            param, grad: grad, expAvg: state.buffer("exp_avg", like: param), expAvgSq: state.buffer("exp_avg_sq", like: param),
            NAdamKernelSettings(lr: lr, beta1: beta1, beta2: beta2, eps: group.value("eps"), weightDecay: group.weightDecay,
                                decoupledWeightDecay: group.flag("decoupled_weight_decay"), maximize: group.flag("maximize"),
                                biasCorrection2: 1 - pow(beta2, t),
                                gradCoef: -lr * (1.0 - mu) / (1.0 - muProduct),
                                avgCoef: (-lr * muNext) / (1.0 - muProductNext)))
    }
}
