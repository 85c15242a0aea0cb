/// A set of parameters that share hyper-parameters: one entry of PyTorch's `optimizer.param_groups`.
///
/// Options the group does not set take the optimizer's defaults. Option keys are PyTorch's names
/// (`"lr"`, `"weight_decay"`, `"momentum"`, `"beta1"`, `"beta2"`, `"eps"`...); flags are 0 or 1.
///
///     let groups = [ParamGroup(backbone), ParamGroup(head, lr: 0.01)]
///     let opt = SGD(groups, lr: 0.001, momentum: 0.9)
public struct ParamGroup {
    /// The parameters, in order.
    ///
    ///     let g = ParamGroup(model.parameters())
    ///     print(g.params.count)
    public let params: [Tensor]
    /// Their names when given (`namedParameters()`), else nil: the optimizer then names them by index.
    ///
    ///     let g = ParamGroup(named: model.namedParameters())
    ///     print(g.names ?? [])
    public let names: [String]?
    /// The hyper-parameters, keyed by PyTorch's names (flags as 0 or 1).
    ///
    ///     let g = opt.paramGroups[0]
    ///     print(g.options["weight_decay"] ?? 0)
    public var options: [String: Double]

    /// A group of parameters, named by their position in the optimizer ("0", "1", ...).
    ///
    ///     let g = ParamGroup(model.parameters(), lr: 0.01, weightDecay: 1e-4)
    ///     let opt = AdamW([g])
    public init(_ params: [Tensor], lr: Double? = nil, weightDecay: Double? = nil, options: [String: Double] = [:]) {
        self.params = params
        self.names = nil
        self.options = options
        if let lr { self.options["lr"] = lr }
        if let weightDecay { self.options["weight_decay"] = weightDecay }
    }

    /// A group of named parameters (`Module.namedParameters()`); state dicts use these names.
    ///
    ///     let g = ParamGroup(named: model.namedParameters(), lr: 0.01)
    ///     let opt = SGD([g], momentum: 0.9)
    public init(named params: [(String, Tensor)], lr: Double? = nil, weightDecay: Double? = nil, options: [String: Double] = [:]) {
        self.params = params.map(\.1)
        self.names = params.map(\.0)
        self.options = options
        if let lr { self.options["lr"] = lr }
        if let weightDecay { self.options["weight_decay"] = weightDecay }
    }

    /// The learning rate (`param_group["lr"]`).
    ///
    ///     opt.paramGroups[1].lr = 0.001
    ///     print(opt.paramGroups[0].lr)
    public var lr: Double {
        get { options["lr"] ?? 0 }
        set { options["lr"] = newValue }
    }

    /// The weight decay (`param_group["weight_decay"]`), 0 when unset.
    ///
    ///     opt.paramGroups[0].weightDecay = 0      // no decay on biases and norms
    ///     print(opt.paramGroups[1].weightDecay)
    public var weightDecay: Double {
        get { options["weight_decay"] ?? 0 }
        set { options["weight_decay"] = newValue }
    }

    /// Any hyper-parameter by PyTorch's name, nil when the group has none.
    ///
    ///     opt.paramGroups[0]["momentum"] = 0.8
    ///     let beta2 = opt.paramGroups[0]["beta2"]
    public subscript(_ key: String) -> Double? {
        get { options[key] }
        set { options[key] = newValue }
    }

    /// The option `key`, 0 when the group has none (for an optimizer's `update`).
    ///
    ///     let beta = group.value("beta")
    ///     let lr = group.lr
    public func value(_ key: String) -> Double { options[key] ?? 0 }
    /// The flag `key` (stored as 0 or 1), false when the group has none.
    ///
    ///     if group.flag("maximize") { print("ascending") }
    ///     let nesterov = group.flag("nesterov")
    public func flag(_ key: String) -> Bool { (options[key] ?? 0) != 0 }
}

/// The per-parameter state of an optimizer: a step count, buffers shaped like the parameter
/// (moments, momentum), and scalars (NAdam's running μ product). A custom optimizer's `update`
/// reads and writes it; `stateDict()` saves it under `state.<param name>.<buffer or scalar>`.
///
///     let m = state.buffer("momentum_buffer", like: param)
///     state.scalars["mu_product"] = 1
public struct ParamState {
    /// Updates applied to this parameter so far (already incremented when `update` runs).
    ///
    ///     let biasCorrection = 1 - pow(beta, Double(state.step))
    public var step = 0
    /// Tensors shaped like the parameter, by name; list the names in `bufferNames`.
    ///
    ///     state.buffers["exp_avg"] = Tensor.zeros(param.shape, dtype: param.dtype)
    public var buffers: [String: Tensor] = [:]
    /// Scalars by name; list the names in `scalarNames`.
    ///
    ///     state.scalars["eta"] = group.lr
    public var scalars: [String: Double] = [:]

    /// Empty state (step 0, no buffers).
    ///
    ///     var s = ParamState()
    public init() {}

    /// The named buffer, created filled with `fill` (in the parameter's dtype and shape) if missing.
    ///
    ///     let v = state.buffer("square_avg", like: param)
    ///     let acc = state.buffer("sum", like: param, fill: 0.1)
    public mutating func buffer(_ name: String, like p: Tensor, fill: Double = 0) -> Tensor {
        if let b = buffers[name] { return b }
        let b = fill == 0 ? Tensor.zeros(p.shape, dtype: p.dtype) : Tensor.full(p.shape, fill, dtype: p.dtype)
        buffers[name] = b
        return b
    }
}

/// The base of every optimizer: parameter groups, `step()`, `zeroGrad()`, a settable learning rate
/// and a state dict keyed by parameter name. Subclasses add only their state and their update of one
/// parameter, which runs in place under no-grad through a fused kernel.
///
/// The class is open: a user optimizer subclasses it, calls `init(_:defaults:kind:)`, overrides
/// `update(_:grad:state:group:)` and lists its buffers in `bufferNames` (scalars in
/// `scalarNames`); its state then saves and loads through `stateDict()` like the built-in ones
/// (see Docs/Optimizers.md, "Writing an optimizer").
///
///     let opt = SGD(model.parameters(), lr: 0.1, momentum: 0.9)
///     opt.zeroGrad(); loss.backward(); opt.step()
open class Optimizer: StateDictConvertible {
    /// Every parameter, group after group.
    ///
    ///     let opt = SGD(model.parameters(), lr: 0.1)
    ///     print(opt.parameters.count)
    public private(set) var parameters: [Tensor] = []
    /// Their names: the given ones, or the index in `parameters` as a string ("0", "1", ...).
    ///
    ///     let opt = Adam(model.namedParameters())
    ///     print(opt.parameterNames)          // ["fc1.weight", "fc1.bias", ...]
    public private(set) var parameterNames: [String] = []
    /// The hyper-parameters every group starts from (PyTorch's `optimizer.defaults`).
    ///
    ///     let opt = Adam(model.parameters(), lr: 1e-3)
    ///     print(opt.defaults["beta2"]!)     // 0.999
    public let defaults: [String: Double]
    /// The optimizer's name, used in messages ("SGD", "Adam").
    ///
    ///     let opt: Optimizer = AdamW(model.parameters())
    ///     print(opt.kind)                    // AdamW
    public let kind: String
    var groups: [ParamGroup] = []
    var groupRanges: [Range<Int>] = []
    /// Per-parameter state, parallel to `parameters`; nil until the parameter's first update.
    var state: [ParamState?] = []

    /// The designated initializer for subclasses: the groups (each filled from `defaults` where it
    /// sets no option) and the name used in messages.
    ///
    ///     super.init([ParamGroup(params)], defaults: ["lr": lr, "beta": beta], kind: "SignSGD")
    public init(_ groups: [ParamGroup], defaults: [String: Double], kind: String) {
        self.defaults = defaults
        self.kind = kind
        check(!groups.isEmpty, "\(kind): no parameter groups")
        for g in groups { addParamGroup(g) }
    }

    /// The parameter groups. Options may be changed freely (`paramGroups[0].lr = 0.01`); the
    /// parameters of a group may not (use `addParamGroup` for new ones).
    ///
    ///     for i in opt.paramGroups.indices { opt.paramGroups[i].lr *= 0.5 }
    ///     print(opt.paramGroups.map(\.lr))
    public var paramGroups: [ParamGroup] {
        get { groups }
        set {
            check(newValue.count == groups.count, "\(kind).paramGroups: groups cannot be added or removed by assignment; use addParamGroup")
            for (a, b) in zip(newValue, groups) {
                check(a.params.count == b.params.count && zip(a.params, b.params).allSatisfy { $0 === $1 },
                             "\(kind).paramGroups: the parameters of a group cannot be replaced")
            }
            groups = newValue
        }
    }

    /// Adds a group of parameters, filling options it does not set from `defaults`.
    ///
    ///     opt.addParamGroup(ParamGroup(newHead.parameters(), lr: 0.01))
    ///     opt.step()
    open func addParamGroup(_ group: ParamGroup) {
        var g = group
        for (k, v) in defaults where g.options[k] == nil { g.options[k] = v }
        let start = parameters.count
        for (i, p) in g.params.enumerated() {
            check(p.isLeaf, "\(kind): can't optimize a non-leaf tensor (made by '\(p.opName ?? "?")'); use detach()")
            check(p.dtype.isFloatingPoint, "\(kind): parameter \(start + i) has dtype \(p.dtype); only float tensors can be optimized")
            check(!parameters.contains { $0 === p }, "\(kind): a parameter appears in more than one group (or twice)")
            let name = g.names?[i] ?? String(start + i)
            check(!parameterNames.contains(name), "\(kind): duplicate parameter name '\(name)'")
            parameters.append(p)
            parameterNames.append(name)
            state.append(nil)
        }
        groups.append(g)
        groupRanges.append(start..<parameters.count)
    }

    /// The learning rate of the first group; setting it sets every group's.
    ///
    ///     opt.lr = 0.01
    ///     print(opt.lr)
    public var lr: Double {
        get { groups[0].lr }
        set { for i in groups.indices { groups[i].lr = newValue } }
    }

    /// When true, `step()` first checks every gradient it would apply; if one holds NaN or Inf the
    /// whole step is skipped (no parameter, buffer or step count changes), `step()` returns false,
    /// `skippedSteps` grows and `lastSkipReason` names the parameter. Off by default (PyTorch
    /// applies non-finite gradients); costs one read of every gradient per step.
    ///
    ///     let opt = Adam(model.namedParameters())
    ///     opt.checkFinite = true
    public var checkFinite = false
    /// How many steps `checkFinite` has skipped.
    ///
    ///     if opt.skippedSteps > 10 { print("training diverged") }
    public private(set) var skippedSteps = 0
    /// Why the last `step()` was skipped (which parameter, how many NaN and Inf values), nil when it
    /// was applied.
    ///
    ///     if !opt.step() { print(opt.lastSkipReason!) }
    ///     // Adam.step skipped: the gradient of 'fc1.weight' [64, 64] has 3 NaN and 0 Inf values
    public private(set) var lastSkipReason: String?

    /// Updates every parameter that requires grad and has a gradient, in place and without
    /// recording (parameters with a nil gradient, or frozen ones, are left untouched). Returns
    /// false when `checkFinite` found a NaN or Inf gradient and skipped the step, true otherwise.
    ///
    ///     loss.backward()
    ///     opt.step()
    @discardableResult
    open func step() -> Bool {
        lastSkipReason = nil
        if checkFinite, let reason = nonFiniteGradient() {
            skippedSteps += 1
            lastSkipReason = reason
            return false
        }
        withNoGrad {
            for (g, range) in groupRanges.enumerated() {
                let group = groups[g]
                for i in range {
                    let p = parameters[i]
                    guard p.requiresGrad, let grad = p.grad else { continue }
                    check(grad.shape == p.shape && grad.dtype == p.dtype,
                                 "\(kind).step: parameter '\(parameterNames[i])' is \(p.shape) \(p.dtype) but its gradient is \(grad.shape) \(grad.dtype)")
                    var s = state[i] ?? ParamState()
                    s.step += 1
                    update(p, grad: grad, state: &s, group: group)
                    state[i] = s
                }
            }
        }
        return true
    }

    /// The first gradient `step()` would apply that holds NaN or Inf, described; nil if none does.
    func nonFiniteGradient() -> String? {
        for (i, p) in parameters.enumerated() {
            guard p.requiresGrad, let grad = p.grad, grad.dtype.isFloatingPoint, !Kernels.allFinite(grad) else { continue }
            let (nan, inf) = Kernels.countNonFinite(grad)
            return "\(kind).step skipped: the gradient of '\(parameterNames[i])' \(grad.shape) has \(nan) NaN and \(inf) Inf values"
        }
        return nil
    }

    /// Re-evaluates the loss with `closure` (which must call `backward()`), then steps; returns the loss.
    ///
    ///     let loss = opt.step { opt.zeroGrad(); let l = lossFn(); l.backward(); return l }
    ///     print(loss.item())
    @discardableResult
    open func step(_ closure: () -> Tensor) -> Tensor {
        let loss = withGrad { closure() }
        step()
        return loss
    }

    /// Sets every parameter's gradient to nil (PyTorch's `zero_grad(set_to_none=True)`).
    ///
    ///     opt.zeroGrad()
    ///     loss.backward()
    public func zeroGrad() {
        for p in parameters { p.grad = nil }
    }

    // MARK: Subclass hooks

    /// Updates one parameter in place (`step()` calls it under no-grad for every parameter with a
    /// gradient); `state.step` is already incremented. Every optimizer overrides it.
    ///
    ///     override func update(_ p: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
    ///         p.sub_(grad.sign() * group.lr)
    ///     }
    open func update(_ param: Tensor, grad: Tensor, state: inout ParamState, group: ParamGroup) {
        checkFailure("\(kind) must override update(_:grad:state:group:)")
    }

    /// Names of the per-parameter buffers this optimizer may keep (for state-dict validation).
    ///
    ///     override var bufferNames: Set<String> { ["momentum_buffer"] }
    open var bufferNames: Set<String> { [] }
    /// The shape of buffer `name` for `param` (checked when a state dict is loaded): the
    /// parameter's own shape unless overridden (Adafactor's factored row and column variances).
    ///
    ///     override func bufferShape(_ name: String, of param: Tensor) -> [Int] { [param.shape[0]] }
    open func bufferShape(_ name: String, of param: Tensor) -> [Int] { param.shape }

    /// Names of the per-parameter scalars this optimizer may keep.
    ///
    ///     override var scalarNames: Set<String> { ["eta"] }
    open var scalarNames: Set<String> { [] }
    /// The buffers and scalars a parameter's state must hold once it has stepped under `group`'s
    /// options (a loaded state without them would silently restart from zeros).
    ///
    ///     override func requiredState(_ group: ParamGroup) -> [String] { ["momentum_buffer"] }
    open func requiredState(_ group: ParamGroup) -> [String] { [] }

    /// Stops with a PyTorch-style message when a hyper-parameter is out of range.
    ///
    ///     require(lr >= 0, "learning rate", lr)    // "MyOpt: invalid learning rate: -1.0"
    public func require(_ ok: Bool, _ what: String, _ value: Double) {
        check(ok, "\(kind): invalid \(what): \(value)")
    }
}
