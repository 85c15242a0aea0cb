/// Adagrad (Duchi et al.): per-element steps scaled by the root of the summed squared gradients,
/// with a learning-rate decay over steps. PyTorch's `torch.optim.Adagrad`, update for update.
///
///     let opt = Adagrad(model.parameters(), lr: 0.01)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class Adagrad: Optimizer {
    /// Adagrad over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = Adagrad([ParamGroup(embeddings, lr: 0.1), ParamGroup(dense)], lr: 0.01)
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
                initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false) {
        super.init(groups, defaults: ["lr": lr, "lr_decay": lrDecay, "weight_decay": weightDecay,
                                      "initial_accumulator_value": initialAccumulatorValue, "eps": eps,
                                      "maximize": maximize ? 1 : 0], kind: "Adagrad")
        require(lr >= 0, "learning rate", lr)
        require(lrDecay >= 0, "lr_decay value", lrDecay)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
        require(initialAccumulatorValue >= 0, "initial_accumulator_value value", initialAccumulatorValue)
        require(eps >= 0, "epsilon value", eps)
    }

    /// Adagrad over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = Adagrad(model.parameters(), lr: 0.1, lrDecay: 1e-4)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
                            initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, lrDecay: lrDecay, weightDecay: weightDecay,
                  initialAccumulatorValue: initialAccumulatorValue, eps: eps, maximize: maximize)
    }

    /// Adagrad over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = Adagrad(model.namedParameters(), lr: 0.05)
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
                            initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, lrDecay: lrDecay, weightDecay: weightDecay,
                  initialAccumulatorValue: initialAccumulatorValue, eps: eps, maximize: maximize)
    }

    public override var bufferNames: Set<String> { ["sum"] }
    public override func requiredState(_ group: ParamGroup) -> [String] { ["sum"] }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        // PyTorch fills the accumulator when the optimizer is built; creating it at the first step is equivalent.
        let sum = state.buffer("sum", like: param, fill: group.value("initial_accumulator_value"))
        let clr = group.lr / (1 + Double(state.step - 1) * group.value("lr_decay"))
        Kernels.adagradUpdate(param, grad: grad, sum: sum, clr: clr, eps: group.value("eps"),
                              weightDecay: group.weightDecay, maximize: group.flag("maximize"))
    }
}
