import Foundation

/// Adam (Kingma & Ba), optionally AMSGrad and with L2 weight decay added to the gradient:
/// PyTorch's `torch.optim.Adam`, update for update.
///
///     let opt = Adam(model.parameters(), lr: 1e-3)
///     opt.zeroGrad(); loss.backward(); opt.step()
public class Adam: Optimizer {
    /// Adam over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = Adam([ParamGroup(body), ParamGroup(head, lr: 1e-4)], lr: 1e-3)
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
        super.init(groups, defaults: Self.options(lr, betas, eps, weightDecay, amsgrad, maximize, decoupled: false), kind: "Adam")
        validate(lr, betas, eps, weightDecay)
    }

    init(groups: [ParamGroup], defaults: [String: Double], kind: String) {
        super.init(groups, defaults: defaults, kind: kind)
    }

    /// Adam over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = Adam(model.parameters(), lr: 1e-3, amsgrad: true)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
    }

    /// Adam over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = Adam(model.namedParameters(), lr: 3e-4)
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
    }

    static func options(_ lr: Double, _ betas: (Double, Double), _ eps: Double, _ weightDecay: Double,
                        _ amsgrad: Bool, _ maximize: Bool, decoupled: Bool) -> [String: Double] {
        ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
         "amsgrad": amsgrad ? 1 : 0, "maximize": maximize ? 1 : 0, "decoupled_weight_decay": decoupled ? 1 : 0]
    }

    func validate(_ lr: Double, _ betas: (Double, Double), _ eps: Double, _ weightDecay: Double) {
        require(lr >= 0, "learning rate", lr)
        require(eps >= 0, "epsilon value", eps)
        require(betas.0 >= 0 && betas.0 < 1, "beta parameter at index 0", betas.0)
        require(betas.1 >= 0 && betas.1 < 1, "beta parameter at index 1", betas.1)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
    }

    public override var bufferNames: Set<String> { ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] }
    public override func requiredState(_ group: ParamGroup) -> [String] {
        ["exp_avg", "exp_avg_sq"] + (group.flag("amsgrad") ? ["max_exp_avg_sq"] : [])
    }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let beta1 = group.value("beta1"), beta2 = group.value("beta2"), t = Double(state.step)
        let biasCorrection1 = 1 - pow(beta1, t)
        let biasCorrection2 = 1 - pow(beta2, t)
        Kernels.adamUpdate(
            param, grad: grad, expAvg: state.buffer("exp_avg", like: param), expAvgSq: state.buffer("exp_avg_sq", like: param),
            maxExpAvgSq: group.flag("amsgrad") ? state.buffer("max_exp_avg_sq", like: param) : nil,
            AdamKernelSettings(lr: group.lr, beta1: beta1, beta2: beta2, eps: group.value("eps"), weightDecay: group.weightDecay,
                               decoupledWeightDecay: group.flag("decoupled_weight_decay"), maximize: group.flag("maximize"),
                               stepSize: group.lr / biasCorrection1, biasCorrection2Sqrt: biasCorrection2.squareRoot()))
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter): the parameter shrinks by lr·weightDecay
/// before the Adam step instead of the decay entering the moments. PyTorch's `torch.optim.AdamW`.
///
///     let opt = AdamW(model.parameters(), lr: 1e-3, weightDecay: 0.01)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class AdamW: Adam {
    /// AdamW over parameter groups; options a group does not set come from these arguments.
    ///
    ///     let opt = AdamW([ParamGroup(weights), ParamGroup(biases, weightDecay: 0)], lr: 1e-3)
    ///     opt.step()
    public override init(_ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) {
        super.init(groups: groups, defaults: Self.options(lr, betas, eps, weightDecay, amsgrad, maximize, decoupled: true), kind: "AdamW")
        validate(lr, betas, eps, weightDecay)
    }

    /// AdamW over a list of parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = AdamW(model.parameters(), lr: 1e-3)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
    }

    /// AdamW over named parameters (`Module.namedParameters()`); the state dict uses the names.
    ///
    ///     let opt = AdamW(model.namedParameters(), lr: 1e-3, weightDecay: 0.05)
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) {
        self.init([ParamGroup(named: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
    }
}
