import Foundation

/// RAdam (Liu et al.): Adam with the variance of the adaptive step rectified, plain momentum SGD
/// while that variance is intractable (the first few steps). PyTorch's `torch.optim.RAdam`.
///
///     let opt = RAdam(model.parameters(), lr: 1e-3)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class RAdam: Optimizer {
    /// RAdam over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = RAdam([ParamGroup(body), ParamGroup(head, lr: 1e-4)], lr: 1e-3)
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, decoupledWeightDecay: Bool = false, maximize: Bool = false) {
        super.init(groups, defaults: ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                                      "decoupled_weight_decay": decoupledWeightDecay ? 1 : 0, "maximize": maximize ? 1 : 0],
                   kind: "RAdam")
        require(lr >= 0, "learning rate", lr)
        require(eps >= 0, "epsilon value", eps)
        require(betas.0 >= 0 && betas.0 < 1, "beta parameter at index 0", betas.0)
        require(betas.1 >= 0 && betas.1 < 1, "beta parameter at index 1", betas.1)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
    }

    /// RAdam over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = RAdam(model.parameters(), lr: 1e-3, weightDecay: 1e-2, decoupledWeightDecay: true)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, decoupledWeightDecay: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                  decoupledWeightDecay: decoupledWeightDecay, maximize: maximize)
    }

    /// RAdam over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = RAdam(model.namedParameters())
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, decoupledWeightDecay: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                  decoupledWeightDecay: decoupledWeightDecay, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["exp_avg", "exp_avg_sq"] }
    public override func requiredState(_ group: ParamGroup) -> [String] { ["exp_avg", "exp_avg_sq"] }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let beta1 = group.value("beta1"), beta2 = group.value("beta2"), t = Double(state.step)
        let biasCorrection1 = 1 - pow(beta1, t)
        let biasCorrection2 = 1 - pow(beta2, t)
        // Length of the approximated simple moving average: its limit and its value at step t.
        let rhoInf = 2 / (1 - beta2) - 1
        let rhoT = rhoInf - 2 * t * pow(beta2, t) / biasCorrection2
        let rect: Double? = rhoT > 5.0
            ? ((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)).squareRoot()
            : nil
        Kernels.radamUpdate(
            param, grad: grad, expAvg: state.buffer("exp_avg", like: param), expAvgSq: state.buffer("exp_avg_sq", like: param),
            RAdamKernelSettings(lr: group.lr, beta1: beta1, beta2: beta2, eps: group.value("eps"), weightDecay: group.weightDecay,
                                decoupledWeightDecay: group.flag("decoupled_weight_decay"), maximize: group.flag("maximize"),
                                biasCorrection1: biasCorrection1, biasCorrection2Sqrt: biasCorrection2.squareRoot(), rect: rect))
    }
}
