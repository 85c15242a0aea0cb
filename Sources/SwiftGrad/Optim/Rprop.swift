/// Resilient backpropagation (Riedmiller & Braun): every element keeps its own step size, grown by
/// `etas.1` while its gradient keeps its sign and shrunk by `etas.0` when it flips, clamped to
/// `stepSizes`; only the gradient's sign is used. PyTorch's `torch.optim.Rprop`, update for update.
///
///     let opt = Rprop(model.parameters(), lr: 1e-2)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class Rprop: Optimizer {
    /// Rprop over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = Rprop([ParamGroup(body), ParamGroup(head, lr: 1e-3)])
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1e-2, etas: (Double, Double) = (0.5, 1.2),
                stepSizes: (Double, Double) = (1e-6, 50), maximize: Bool = false) {
        super.init(groups, defaults: ["lr": lr, "etaminus": etas.0, "etaplus": etas.1, "step_size_min": stepSizes.0,
                                      "step_size_max": stepSizes.1, "maximize": maximize ? 1 : 0], kind: "Rprop")
        require(lr >= 0, "learning rate", lr)
        check(0 < etas.0 && etas.0 < 1 && 1 < etas.1, "Rprop: invalid eta values: \(etas.0), \(etas.1)")
    }

    /// Rprop over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = Rprop(model.parameters(), etas: (0.5, 1.2), stepSizes: (1e-6, 1))
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-2, etas: (Double, Double) = (0.5, 1.2),
                            stepSizes: (Double, Double) = (1e-6, 50), maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, etas: etas, stepSizes: stepSizes, maximize: maximize)
    }

    /// Rprop over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = Rprop(model.namedParameters())
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-2, etas: (Double, Double) = (0.5, 1.2),
                            stepSizes: (Double, Double) = (1e-6, 50), maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, etas: etas, stepSizes: stepSizes, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["prev", "step_size"] }
    public override func requiredState(_ group: ParamGroup) -> [String] { ["prev", "step_size"] }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        Kernels.rpropUpdate(param, grad: grad, prev: state.buffer("prev", like: param),
                            stepSize: state.buffer("step_size", like: param, fill: group.lr),
                            etaminus: group.value("etaminus"), etaplus: group.value("etaplus"),
                            stepSizeMin: group.value("step_size_min"), stepSizeMax: group.value("step_size_max"),
                            maximize: group.flag("maximize"))
    }
}
