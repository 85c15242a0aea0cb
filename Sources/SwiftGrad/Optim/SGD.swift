/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, L2 weight
/// decay and maximisation: PyTorch's `torch.optim.SGD`, update for update.
///
///     let opt = SGD(model.parameters(), lr: 0.1, momentum: 0.9)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class SGD: Optimizer {
    /// SGD over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = SGD([ParamGroup(body), ParamGroup(head, lr: 0.01)], lr: 0.1, momentum: 0.9)
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) {
        super.init(groups, defaults: ["lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weightDecay,
                                      "nesterov": nesterov ? 1 : 0, "maximize": maximize ? 1 : 0], kind: "SGD")
        require(lr >= 0, "learning rate", lr)
        require(momentum >= 0, "momentum value", momentum)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
        check(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires a momentum and zero dampening")
    }

    /// SGD over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = SGD(model.parameters(), lr: 0.01, momentum: 0.9, nesterov: true)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                            weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, momentum: momentum, dampening: dampening,
                  weightDecay: weightDecay, nesterov: nesterov, maximize: maximize)
    }

    /// SGD over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = SGD(model.namedParameters(), lr: 0.1, momentum: 0.9)
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                            weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, momentum: momentum, dampening: dampening,
                  weightDecay: weightDecay, nesterov: nesterov, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["momentum_buffer"] }
    public override func requiredState(_ group: ParamGroup) -> [String] { group.value("momentum") != 0 ? ["momentum_buffer"] : [] }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let momentum = group.value("momentum")
        // The buffer starts as a copy of the first (decayed) gradient, not as zeros.
        let first = momentum != 0 && state.buffers["momentum_buffer"] == nil
        let buffer = momentum != 0 ? state.buffer("momentum_buffer", like: param) : nil
        Kernels.sgdUpdate(param, grad: grad, buffer: buffer, SGDKernelSettings(
            lr: group.lr, momentum: momentum, dampening: group.value("dampening"), weightDecay: group.weightDecay,
            nesterov: group.flag("nesterov"), maximize: group.flag("maximize"), firstStep: first))
    }
}
