/// Adadelta (Zeiler): steps scaled by the ratio of running RMS of past updates to running RMS of
/// gradients. PyTorch's `torch.optim.Adadelta` (lr multiplies the update, 1.0 by default).
///
///     let opt = Adadelta(model.parameters())
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class Adadelta: Optimizer {
    /// Adadelta over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = Adadelta([ParamGroup(body), ParamGroup(head, lr: 0.5)], rho: 0.95)
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1.0, rho: Double = 0.9, eps: Double = 1e-6,
                weightDecay: Double = 0, maximize: Bool = false) {
        super.init(groups, defaults: ["lr": lr, "rho": rho, "eps": eps, "weight_decay": weightDecay,
                                      "maximize": maximize ? 1 : 0], kind: "Adadelta")
        require(lr >= 0, "learning rate", lr)
        require(rho >= 0 && rho <= 1, "rho value", rho)
        require(eps >= 0, "epsilon value", eps)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
    }

    /// Adadelta over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = Adadelta(model.parameters(), rho: 0.95)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1.0, rho: Double = 0.9, eps: Double = 1e-6,
                            weightDecay: Double = 0, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, rho: rho, eps: eps, weightDecay: weightDecay, maximize: maximize)
    }

    /// Adadelta over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = Adadelta(model.namedParameters())
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1.0, rho: Double = 0.9, eps: Double = 1e-6,
                            weightDecay: Double = 0, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, rho: rho, eps: eps, weightDecay: weightDecay, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["square_avg", "acc_delta"] }
    public override func requiredState(_ group: ParamGroup) -> [String] { ["square_avg", "acc_delta"] }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        Kernels.adadeltaUpdate(param, grad: grad, squareAvg: state.buffer("square_avg", like: param),
                               accDelta: state.buffer("acc_delta", like: param), lr: group.lr, rho: group.value("rho"),
                               eps: group.value("eps"), weightDecay: group.weightDecay, maximize: group.flag("maximize"))
    }
}
