import Foundation

/// Muon (Keller Jordan): momentum SGD whose update is orthogonalised by a quintic Newton–Schulz
/// iteration, for the 2-D weights of hidden layers (biases, norms and embeddings belong to another
/// optimizer, such as AdamW). PyTorch's `torch.optim.Muon`, update for update: the momentum
/// buffer is a lerp toward the gradient, the Nesterov update a lerp back, and the iteration runs
/// in bfloat16 as PyTorch's does (each step rounded to bfloat16 where PyTorch's bfloat16 ops round).
///
///     let hidden = model.parameters().filter { $0.rank == 2 }
///     let opt = Muon(hidden, lr: 0.02, momentum: 0.95)
///     opt.zeroGrad(); loss.backward(); opt.step()
public final class Muon: Optimizer {
    /// How the rate is scaled for an [A, B] weight (PyTorch's `adjust_lr_fn`).
    ///
    ///     let opt = Muon(hidden, lr: 0.02, adjustLR: .matchRMSAdamW)
    public enum AdjustLR: Double, Sendable {
        /// lr·√max(1, A/B) (Keller Jordan's; PyTorch's default, "original").
        case original = 0
        /// 0.2·lr·√max(A, B) (Moonshot's, "match_rms_adamw": reuse AdamW's rate and decay).
        case matchRMSAdamW = 1
        /// lr·√(A/B) (Bernstein's, "spectral_unclamped").
        case spectralUnclamped = 2
    }

    /// The default quintic coefficients (a, b, c) of the Newton–Schulz iteration.
    public static let defaultCoefficients = (3.4445, -4.7750, 2.0315)

    /// Muon over parameter groups (every parameter 2-D); options a group does not set come from these arguments.
    ///
    ///     let opt = Muon([ParamGroup(blocks), ParamGroup(head, lr: 0.01)], lr: 0.02)
    ///     opt.step()
    public init(_ groups: [ParamGroup], lr: Double = 1e-3, weightDecay: Double = 0.1, momentum: Double = 0.95, nesterov: Bool = true,
                nsCoefficients: (Double, Double, Double) = Muon.defaultCoefficients, eps: Double = 1e-7, nsSteps: Int = 5,
                adjustLR: AdjustLR = .original) {
        super.init(groups, defaults: ["lr": lr, "weight_decay": weightDecay, "momentum": momentum, "nesterov": nesterov ? 1 : 0,
                                      "ns_a": nsCoefficients.0, "ns_b": nsCoefficients.1, "ns_c": nsCoefficients.2, "eps": eps,
                                      "ns_steps": Double(nsSteps), "adjust_lr_fn": adjustLR.rawValue], kind: "Muon")
        require(lr >= 0, "learning rate", lr)
        require(momentum >= 0, "momentum value", momentum)
        require(weightDecay >= 0, "weight_decay value", weightDecay)
        check(nsSteps >= 0 && nsSteps < 100, "Muon: nsSteps must be in 0..<100, got \(nsSteps)")
    }

    /// Muon over a list of 2-D parameters (named "0", "1", ... in the state dict).
    ///
    ///     let opt = Muon(model.parameters().filter { $0.rank == 2 }, lr: 0.02)
    ///     opt.step()
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, weightDecay: Double = 0.1, momentum: Double = 0.95,
                            nesterov: Bool = true, nsCoefficients: (Double, Double, Double) = Muon.defaultCoefficients,
                            eps: Double = 1e-7, nsSteps: Int = 5, adjustLR: AdjustLR = .original) {
        self.init([ParamGroup(params)], lr: lr, weightDecay: weightDecay, momentum: momentum, nesterov: nesterov,
                  nsCoefficients: nsCoefficients, eps: eps, nsSteps: nsSteps, adjustLR: adjustLR)
    }

    /// Muon over named 2-D parameters; the state dict uses the names.
    ///
    ///     let opt = Muon(model.namedParameters().filter { $0.1.rank == 2 }, lr: 0.02)
    ///     opt.step()
    public convenience init(_ params: [(String, Tensor)], lr: Double = 1e-3, weightDecay: Double = 0.1, momentum: Double = 0.95,
                            nesterov: Bool = true, nsCoefficients: (Double, Double, Double) = Muon.defaultCoefficients,
                            eps: Double = 1e-7, nsSteps: Int = 5, adjustLR: AdjustLR = .original) {
        self.init([ParamGroup(named: params)], lr: lr, weightDecay: weightDecay, momentum: momentum, nesterov: nesterov,
                  nsCoefficients: nsCoefficients, eps: eps, nsSteps: nsSteps, adjustLR: adjustLR)
    }

    /// Adds a group; every parameter must be 2-D (checked here, so also for the groups given at init).
    ///
    ///     opt.addParamGroup(ParamGroup([newHead.weight], lr: 0.01))
    public override func addParamGroup(_ group: ParamGroup) {
        for p in group.params {
            check(p.rank == 2, "Muon: only 2-D parameters can be optimized; got a parameter of shape \(p.shape) (use AdamW for it)")
        }
        super.addParamGroup(group)
    }

    public override var bufferNames: Set<String> { ["momentum_buffer"] }
    public override func requiredState(_ group: ParamGroup) -> [String] { ["momentum_buffer"] }

    public override func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        let momentum = group.value("momentum")
        let buffer = state.buffer("momentum_buffer", like: param)
        buffer.copyFrom(buffer.lerp(grad, weight: 1 - momentum))
        let direction = group.flag("nesterov") ? grad.lerp(buffer, weight: momentum) : buffer
        let o = Muon.orthogonalize(direction, coefficients: (group.value("ns_a"), group.value("ns_b"), group.value("ns_c")),
                                   steps: Int(group.value("ns_steps")), eps: group.value("eps"))
        let fn = AdjustLR(rawValue: group.value("adjust_lr_fn")) ?? .original
        let adjusted = Muon.adjustedLR(group.lr, fn, rows: param.shape[0], columns: param.shape[1])
        param.copyFrom(param * (1 - group.lr * group.weightDecay))
        param.copyFrom(param - o.to(param.dtype) * adjusted)
    }

    /// The rate for an [A, B] weight under `fn` (PyTorch's `_adjust_lr`).
    ///
    ///     let lr = Muon.adjustedLR(0.02, .original, rows: 256, columns: 64)     // 0.04
    public static func adjustedLR(_ lr: Double, _ fn: AdjustLR, rows a: Int, columns b: Int) -> Double {
        let (a, b) = (Double(a), Double(b))
        switch fn {
        case .original: return lr * max(1, a / b).squareRoot()
        case .matchRMSAdamW: return lr * 0.2 * max(a, b).squareRoot()
        case .spectralUnclamped: return lr * (a / b).squareRoot()
        }
    }

    /// The Newton–Schulz orthogonalisation of a matrix, as PyTorch's `_zeropower_via_newtonschulz`:
    /// in bfloat16, the wide orientation, scaled to norm at most 1, then `steps` times
    /// X ← a·X + (b·G + c·G²)·X with G = X·Xᵀ. Each product is computed in float32 and rounded to
    /// bfloat16 once, where PyTorch's bfloat16 `@`, `addmm` and `div_` round. Returns a bfloat16 tensor.
    ///
    ///     let o = Muon.orthogonalize(g, coefficients: Muon.defaultCoefficients, steps: 5, eps: 1e-7)
    public static func orthogonalize(_ g: Tensor, coefficients: (Double, Double, Double), steps: Int, eps: Double) -> Tensor {
        check(g.rank == 2, "Muon.orthogonalize: expected a matrix, got shape \(g.shape)")
        let (a, b, c) = coefficients
        func bf16(_ t: Tensor) -> Tensor { t.to(.bfloat16).to(.float32) }
        let tall = g.shape[0] > g.shape[1]
        var x = g.to(.bfloat16).to(.float32)
        if tall { x = x.transpose(0, 1).contiguous() }
        // norm() and clamp(min: eps) of a bfloat16 tensor are bfloat16 values.
        let norm = bf16(x.norm()).clamp(min: bf16(Tensor(eps, dtype: .float32)).item())
        x = bf16(x / norm)
        for _ in 0..<steps {
            let gram = bf16(x.mm(x.transpose(0, 1)))
            let update = bf16(gram * b + gram.mm(gram) * c)         // addmm(G, G, G, beta: b, alpha: c)
            x = bf16(x * a + update.mm(x))                          // addmm(X, U, X, beta: a)
        }
        if tall { x = x.transpose(0, 1).contiguous() }
        return x.to(.bfloat16)
    }
}
