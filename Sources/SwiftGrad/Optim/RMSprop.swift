/// RMSprop (Hinton), optionally centered and with momentum: PyTorch's `torch.optim.RMSprop`,
/// update for update (eps is added after the square root).
///
///     let opt = RMSprop(model.parameters(), lr: 0.01, alpha: 0.99)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class RMSprop: Optimizer {
    /// RMSprop over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = RMSprop([ParamGroup(body), ParamGroup(head, lr: 1e-3)], lr: 1e-2, momentum: 0.9)
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                momentum: Double = 0, centered: Bool = false, maximize: Bool = false) {
        super.init(groups, defaults: ["lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weightDecay, "momentum": momentum,
                                      "centered": centered ? 1 : 0, "maximize": maximize ? 1 : 0], kind: "RMSprop")
        require(lr >= 0, "learning rate", lr)
        require(eps >= 0, "epsilon value", eps)
        require(momentum >= 0, "momentum value", momentum)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
        require(alpha >= 0, "alpha value", alpha)
    }

    /// RMSprop over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = RMSprop(model.parameters(), lr: 1e-3, centered: true)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                            momentum: Double = 0, centered: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay,
                  momentum: momentum, centered: centered, maximize: maximize)
    }

    /// RMSprop over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = RMSprop(model.namedParameters(), lr: 1e-3)
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                            momentum: Double = 0, centered: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay,
                  momentum: momentum, centered: centered, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["square_avg", "grad_avg", "momentum_buffer"] }
    public override func requiredState(_ group: ParamGroup) -> [String] {
        ["square_avg"] + (group.flag("centered") ? ["grad_avg"] : []) + (group.value("momentum") > 0 ? ["momentum_buffer"] : [])
    }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let momentum = group.value("momentum")
        Kernels.rmspropUpdate(
            param, grad: grad, squareAvg: state.buffer("square_avg", like: param),
            gradAvg: group.flag("centered") ? state.buffer("grad_avg", like: param) : nil,
            momentumBuffer: momentum > 0 ? state.buffer("momentum_buffer", like: param) : nil,
            RMSpropKernelSettings(lr: group.lr, alpha: group.value("alpha"), eps: group.value("eps"),
                                  weightDecay: group.weightDecay, momentum: momentum, maximize: group.flag("maximize")))
    }
}
