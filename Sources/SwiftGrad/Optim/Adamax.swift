import Foundation

/// Adamax (Kingma & Ba): Adam with the infinity norm in place of the second moment. PyTorch's
/// `torch.optim.Adamax`, update for update.
///
///     let opt = Adamax(model.parameters(), lr: 2e-3)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class Adamax: Optimizer {
    /// Adamax over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = Adamax([ParamGroup(body), ParamGroup(head, lr: 1e-3)], lr: 2e-3)
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, maximize: Bool = false) {
        super.init(groups, defaults: ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                                      "maximize": maximize ? 1 : 0], kind: "Adamax")
        require(lr >= 0, "learning rate", lr)
        require(eps >= 0, "epsilon value", eps)
        require(betas.0 >= 0 && betas.0 < 1, "beta parameter at index 0", betas.0)
        require(betas.1 >= 0 && betas.1 < 1, "beta parameter at index 1", betas.1)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
    }

    /// Adamax over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = Adamax(model.parameters(), lr: 2e-3, weightDecay: 1e-4)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, maximize: maximize)
    }

    /// Adamax over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = Adamax(model.namedParameters())
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["exp_avg", "exp_inf"] }
    public override func requiredState(_ group: ParamGroup) -> [String] { ["exp_avg", "exp_inf"] }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let beta1 = group.value("beta1")
        let clr = group.lr / (1 - pow(beta1, Double(state.step)))
        Kernels.adamaxUpdate(param, grad: grad, expAvg: state.buffer("exp_avg", like: param), expInf: state.buffer("exp_inf", like: param),
                             clr: clr, beta1: beta1, beta2: group.value("beta2"), eps: group.value("eps"),
                             weightDecay: group.weightDecay, maximize: group.flag("maximize"))
    }
}
