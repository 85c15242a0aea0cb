import Foundation

/// Averaged stochastic gradient descent (Polyak & Juditsky): SGD with a decaying step
/// eta = lr / (1 + λ·lr·t)^α and a running average of the iterates (`ax`, averaging from step
/// `t0` on). PyTorch's `torch.optim.ASGD`, update for update; the average is in the state dict as
/// `state.<name>.ax`.
///
///     let opt = ASGD(model.parameters(), lr: 1e-2, t0: 100)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class ASGD: Optimizer {
    /// ASGD over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = ASGD([ParamGroup(body), ParamGroup(head, lr: 1e-3)], lr: 1e-2)
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1e-2, lambd: Double = 1e-4, alpha: Double = 0.75, t0: Double = 1e6,
                weightDecay: Double = 0, maximize: Bool = false) {
        super.init(groups, defaults: ["lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weightDecay,
                                      "maximize": maximize ? 1 : 0], kind: "ASGD")
        require(lr >= 0, "learning rate", lr)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
    }

    /// ASGD over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = ASGD(model.parameters(), lr: 0.05, t0: 10)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-2, lambd: Double = 1e-4, alpha: Double = 0.75, t0: Double = 1e6,
                            weightDecay: Double = 0, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, lambd: lambd, alpha: alpha, t0: t0, weightDecay: weightDecay, maximize: maximize)
    }

    /// ASGD over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = ASGD(model.namedParameters())
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-2, lambd: Double = 1e-4, alpha: Double = 0.75, t0: Double = 1e6,
                            weightDecay: Double = 0, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, lambd: lambd, alpha: alpha, t0: t0, weightDecay: weightDecay, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["ax"] }
    public override var scalarNames: Set<String> { ["eta", "mu"] }
    public override func requiredState(_ group: ParamGroup) -> [String] { ["ax", "eta", "mu"] }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let lr = group.lr, lambd = group.value("lambd")
        let eta = state.scalars["eta"] ?? lr, mu = state.scalars["mu"] ?? 1
        Kernels.asgdUpdate(param, grad: grad, ax: state.buffer("ax", like: param), eta: eta, mu: mu, lambd: lambd,
                           weightDecay: group.weightDecay, maximize: group.flag("maximize"))
        let t = Double(state.step)
        state.scalars["eta"] = lr / pow(1 + lambd * lr * t, group.value("alpha"))
        state.scalars["mu"] = 1 / max(1, t - group.value("t0"))
    }
}
