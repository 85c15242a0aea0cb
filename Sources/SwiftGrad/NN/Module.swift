// ModuleBase and Module: the base classes of layers and models, as torch.nn.Module. ModuleBase holds
// everything but the call; Module adds the one-tensor call (`forward(_:)`, `model(x)`). A module
// whose call takes several tensors subclasses ModuleBase and declares its own `callAsFunction`, so
// the number of tensors a call takes is checked by the compiler (`MSELoss()(x)` does not compile).
//
// Parameters, buffers and submodules are found by reflection (`Mirror`) over stored properties:
//   Tensor, Tensor?, [Tensor]                  → parameters
//   Buffer, Buffer?, [Buffer]                  → buffers (running statistics; saved, not trained)
//   ModuleBase, ModuleBase?, [ModuleBase]      → submodules (any subclass: Module, losses, ...)
// Property names are mapped to PyTorch's names (camelCase → snake_case, a leading underscore dropped,
// arrays indexed `name.0`, `name.1`); a layer whose names are dynamic (LSTM's `weight_ih_l0`)
// overrides `declaredMembers()`. Members registered by name (`registerParameter`, `registerBuffer`,
// `registerModule`) come after the declared ones. Nothing is cached: a `var` member replaced after
// the first use (`model.head = Linear(...)`) is what every later traversal sees.

/// Module state that belongs in the state dict but is not trained, such as BatchNorm's running
/// statistics. Declare it as a stored property; its name follows the same mapping as parameters.
/// `persistent: false` keeps it out of the state dict (a cached mask, for example).
///
///     let runningMean = Buffer(Tensor.zeros([16]))
///     runningMean.value.fill(0)
public final class Buffer {
    /// The tensor held. Replace it or change it in place.
    public var value: Tensor
    /// Whether `stateDict()` includes it.
    public let persistent: Bool

    public init(_ value: Tensor, persistent: Bool = true) {
        self.value = value
        self.persistent = persistent
    }
}

/// The parameters, buffers and direct submodules one module declares, with their PyTorch names.
///
///     var m = ModuleMembers(); m.parameters.append(("weight_ih_l0", w))
public struct ModuleMembers {
    public var parameters: [(String, Tensor)] = []
    public var buffers: [(String, Buffer)] = []
    public var children: [(String, ModuleBase)] = []
    public init() {}
}

/// What every layer and model shares, without a call: reflection over its members, PyTorch
/// names, parameters, buffers, submodules, state dicts, hooks and train/eval modes. A module whose
/// call takes one tensor subclasses `Module` (which adds `forward(_:)` and `model(x)`); a module
/// whose call takes several tensors, or other arguments, subclasses `ModuleBase` directly and
/// declares its own `callAsFunction` (losses, `Bilinear`, `TransformerDecoderLayer`), so a call
/// with the wrong number of tensors does not compile. Traversals (`modules()`, `children()`,
/// `submodule(_:)`) return `ModuleBase`; cast (`as? Module`, `as? Linear`) to call one.
///
///     final class PairScore: ModuleBase {
///         let bilinear = Bilinear(in1Features: 8, in2Features: 8, outFeatures: 1)
///         func callAsFunction(_ a: Tensor, _ b: Tensor) -> Tensor { hooked([a, b]) { [bilinear($0[0], $0[1])] }[0] }
///     }
open class ModuleBase: CustomStringConvertible {
    /// Whether the module is in training mode (Dropout active, BatchNorm using batch statistics).
    public private(set) var isTraining = true
    private var registered = ModuleMembers()
    /// Forward and backward hooks (NN/ModuleHooks.swift); nil while there are none.
    var hooks: ModuleHooks?

    public init() {}

    // MARK: Discovery

    /// The members this module declares. The default reflects over stored properties; override it
    /// (calling `super` or `reflectedMembers()`) for names that are not property names.
    ///
    ///     override func declaredMembers() -> ModuleMembers { var m = ModuleMembers(); ...; return m }
    open func declaredMembers() -> ModuleMembers { reflectedMembers() }

    /// The PyTorch name for a stored property: `inProjWeight` → `in_proj_weight`. Override to rename.
    ///
    ///     override func memberName(forProperty p: String) -> String { p == "gamma" ? "weight" : super.memberName(forProperty: p) }
    open func memberName(forProperty property: String) -> String { ModuleBase.snakeCase(property) }

    /// The members found by reflection over the stored properties of this class and its superclasses.
    public final func reflectedMembers() -> ModuleMembers {
        var chain: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror, m.subjectType != ModuleBase.self {
            if m.subjectType != Module.self { chain.append(m) }
            mirror = m.superclassMirror
        }
        var members = ModuleMembers()
        for m in chain.reversed() {
            for child in m.children {
                guard let label = child.label, !label.contains("$") else { continue }
                let name = memberName(forProperty: label)
                ModuleBase.collect(child.value, name: name, into: &members)
            }
        }
        return members
    }

    static func collect(_ value: Any, name: String, into m: inout ModuleMembers) {
        if let t = value as? Tensor { m.parameters.append((name, t)) }
        else if let b = value as? Buffer { m.buffers.append((name, b)) }
        else if let c = value as? ModuleBase { m.children.append((name, c)) }
        else if let ts = value as? [Tensor] { for (i, t) in ts.enumerated() { m.parameters.append(("\(name).\(i)", t)) } }
        else if let bs = value as? [Buffer] { for (i, b) in bs.enumerated() { m.buffers.append(("\(name).\(i)", b)) } }
        else if let cs = value as? [ModuleBase] { for (i, c) in cs.enumerated() { m.children.append(("\(name).\(i)", c)) } }
    }

    /// camelCase → snake_case (`selfAttn` → `self_attn`, `weightIhL0` → `weight_ih_l0`), without a
    /// leading underscore.
    ///
    ///     ModuleBase.snakeCase("inProjWeight")   // "in_proj_weight"
    public static func snakeCase(_ name: String) -> String {
        let chars = Array(name.drop { $0 == "_" })
        var out = ""
        for (i, ch) in chars.enumerated() {
            if ch.isUppercase {
                let prev = i > 0 ? chars[i - 1] : nil
                let next = i + 1 < chars.count ? chars[i + 1] : nil
                let boundary = prev.map { $0.isLowercase || $0.isNumber || ($0.isUppercase && (next?.isLowercase ?? false)) } ?? false
                if boundary && prev != "_" { out.append("_") }
                out.append(contentsOf: ch.lowercased())
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// This module's own members: the declared ones (`declaredMembers()`, by default the stored
    /// properties), then those registered by name. Computed on each call (reflection over a module's
    /// own properties, a few microseconds), so a replaced `var` member is always seen.
    public final var members: ModuleMembers {
        var m = declaredMembers()
        if !registered.parameters.isEmpty || !registered.buffers.isEmpty || !registered.children.isEmpty {
            m.parameters += registered.parameters
            m.buffers += registered.buffers
            m.children += registered.children
        }
        return m
    }

    /// Kept for source compatibility: members are no longer cached, so there is nothing to forget.
    ///
    ///     model.invalidateMembers()   // not needed
    public func invalidateMembers() {}

    // MARK: Registration by name

    /// Adds a parameter under `name` (PyTorch's `register_parameter`), for a tensor that is not a
    /// stored property: one created in a loop, or in a generic container. Registering the same name
    /// again replaces it; a name that a declared member already has is refused with a message.
    ///
    ///     layer.registerParameter("scale", Tensor.ones([16], requiresGrad: true))
    ///     let s = layer.parameter("scale")!
    public func registerParameter(_ name: String, _ tensor: Tensor) {
        checkRegistrable(name, "registerParameter", in: \.parameters)
        check(tensor.dtype.isFloatingPoint, "registerParameter('\(name)'): a parameter must be a float tensor, got \(tensor.dtype) of shape \(tensor.shape)")
        registered.parameters.removeAll { $0.0 == name }
        registered.parameters.append((name, tensor))
    }

    /// Adds a buffer under `name` (PyTorch's `register_buffer`): state that is not trained (a mask,
    /// a cache, a constant). `persistent: false` keeps it out of the state dict.
    ///
    ///     model.registerBuffer("causal_mask", Tensor.ones([8, 8]).tril(), persistent: false)
    ///     let mask = model.buffer("causal_mask")!
    public func registerBuffer(_ name: String, _ tensor: Tensor, persistent: Bool = true) {
        checkRegistrable(name, "registerBuffer", in: \.buffers)
        registered.buffers.removeAll { $0.0 == name }
        registered.buffers.append((name, Buffer(tensor, persistent: persistent)))
    }

    /// Adds a submodule under `name` (PyTorch's `register_module` / `add_module`).
    ///
    ///     model.registerModule("head", Linear(64, 10))
    public func registerModule(_ name: String, _ module: ModuleBase) {
        checkRegistrable(name, "registerModule", in: \.children)
        check(module !== self, "registerModule('\(name)'): a \(typeName) cannot be its own submodule")
        registered.children.removeAll { $0.0 == name }
        registered.children.append((name, module))
    }

    private func checkRegistrable<T>(_ name: String, _ op: String, in kind: KeyPath<ModuleMembers, [(String, T)]>) {
        check(!name.isEmpty && !name.contains("."), "\(op): the name '\(name)' must be non-empty and contain no '.'")
        let declared = declaredMembers()
        let taken = declared.parameters.map(\.0) + declared.buffers.map(\.0) + declared.children.map(\.0)
        check(!taken.contains(name), "\(op): '\(name)' is already a declared member of \(typeName)")
        let others = registered.parameters.map(\.0) + registered.buffers.map(\.0) + registered.children.map(\.0)
        let sameKind = registered[keyPath: kind].map(\.0)
        check(!others.contains(name) || sameKind.contains(name),
              "\(op): '\(name)' is already registered in \(typeName) as another kind of member")
    }

    /// The parameter at a dotted path (PyTorch's `get_parameter`: `"encoder.0.weight"`), or nil.
    ///
    ///     let w = model.parameter("fc1.weight")
    public func parameter(_ path: String) -> Tensor? {
        resolve(path) { m, last in m.members.parameters.first { $0.0 == last }?.1 }
    }

    /// The buffer tensor at a dotted path (PyTorch's `get_buffer`), or nil.
    ///
    ///     let mean = model.buffer("bn1.running_mean")
    public func buffer(_ path: String) -> Tensor? {
        resolve(path) { m, last in m.members.buffers.first { $0.0 == last }?.1.value }
    }

    /// The submodule at a dotted path (PyTorch's `get_submodule`; `""` is this module), or nil.
    /// Members of a stored array are named `name.i`, so `"layers.3"` finds element 3 of `layers`.
    ///
    ///     let block = model.submodule("layers.3")
    public func submodule(_ path: String) -> ModuleBase? {
        if path.isEmpty { return self }
        return resolve(path) { m, last in m.members.children.first { $0.0 == last }?.1 }
    }

    /// Walks `path` down the tree and asks `find` for the member named by what is left. A member's
    /// own name may contain dots (array elements: `h.0`), so at each module the longest child name
    /// that is a prefix of the rest is taken first, and shorter ones if that leads nowhere.
    private func resolve<T>(_ path: String, _ find: (ModuleBase, String) -> T?) -> T? {
        var stack: [(ModuleBase, Substring)] = [(self, Substring(path))]
        var seen = 0
        while let (m, rest) = stack.popLast() {
            seen += 1
            if seen > 10_000 { return nil }      // a cycle through registered modules; never in a tree
            if let found = find(m, String(rest)) { return found }
            let next = m.members.children
                .filter { rest.hasPrefix($0.0 + ".") }
                .sorted { $0.0.count < $1.0.count }   // the longest is popped first
            for (name, child) in next { stack.append((child, rest.dropFirst(name.count + 1))) }
        }
        return nil
    }

    // MARK: Traversal

    /// Every module of the tree with its dotted name, this one first (`""`), each once.
    ///
    ///     for (name, m) in model.namedModules() { print(name, m.typeName) }
    public func namedModules() -> [(String, ModuleBase)] {
        var out: [(String, ModuleBase)] = []
        var seen = Set<ObjectIdentifier>()
        var stack: [(String, ModuleBase)] = [("", self)]
        while let item = stack.popLast() {
            let (name, m) = item
            guard seen.insert(ObjectIdentifier(m)).inserted else { continue }
            out.append((name, m))
            for (childName, child) in m.members.children.reversed() {
                stack.append((name.isEmpty ? childName : "\(name).\(childName)", child))
            }
        }
        return out
    }

    /// Every module of the tree, this one first.
    ///
    ///     let linears = model.modules().compactMap { $0 as? Linear }
    public func modules() -> [ModuleBase] { namedModules().map(\.1) }

    /// The direct submodules with their names.
    public func namedChildren() -> [(String, ModuleBase)] { members.children }

    /// The direct submodules.
    ///
    ///     for child in model.children() { print(child) }
    public func children() -> [ModuleBase] { members.children.map(\.1) }

    /// Every parameter with its PyTorch name (`features.0.weight`), each tensor once.
    ///
    ///     for (name, p) in model.namedParameters() { print(name, p.shape) }
    public func namedParameters() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        var seen = Set<ObjectIdentifier>()
        for (prefix, m) in namedModules() {
            for (name, p) in m.members.parameters where seen.insert(ObjectIdentifier(p)).inserted {
                out.append((prefix.isEmpty ? name : "\(prefix).\(name)", p))
            }
        }
        return out
    }

    /// Every parameter, each tensor once (what an optimizer takes).
    ///
    ///     let opt = SGD(model.parameters(), lr: 0.1)
    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Every buffer tensor with its name (`bn1.running_mean`).
    ///
    ///     for (name, b) in model.namedBuffers() { print(name, b.shape) }
    public func namedBuffers() -> [(String, Tensor)] {
        namedBufferObjects().map { ($0.0, $0.1.value) }
    }

    /// Every buffer tensor.
    public func buffers() -> [Tensor] { namedBuffers().map(\.1) }

    func namedBufferObjects() -> [(String, Buffer)] {
        var out: [(String, Buffer)] = []
        var seen = Set<ObjectIdentifier>()
        for (prefix, m) in namedModules() {
            for (name, b) in m.members.buffers where seen.insert(ObjectIdentifier(b)).inserted {
                out.append((prefix.isEmpty ? name : "\(prefix).\(name)", b))
            }
        }
        return out
    }

    /// Calls `body` on every submodule and then on this module (as PyTorch's `apply`).
    ///
    ///     model.apply { if let l = $0 as? Linear { Init.xavierUniform(l.weight) } }
    public func apply(_ body: (ModuleBase) -> Void) {
        for m in modules().reversed() { body(m) }
    }

    // MARK: Modes and gradients

    /// Sets training mode (`true`) or evaluation mode on this module and all submodules.
    ///
    ///     model.train()
    public func train(_ mode: Bool = true) {
        for m in modules() { m.isTraining = mode }
    }

    /// Sets this module's flag only (not its children).
    func setTrainingFlag(_ mode: Bool) { isTraining = mode }

    /// Evaluation mode: Dropout is the identity, BatchNorm uses its running statistics.
    ///
    ///     model.eval()
    public func eval() { train(false) }

    /// Clears the gradient of every parameter (sets it to nil).
    ///
    ///     model.zeroGrad()
    public func zeroGrad() {
        for p in parameters() { p.grad = nil }
    }

    /// Freezes (`false`) or unfreezes every parameter. A frozen parameter gets no gradient, so an
    /// optimizer leaves it bit-identical.
    ///
    ///     model.features.requiresGrad(false)
    public func requiresGrad(_ flag: Bool) {
        for p in parameters() { p.requiresGrad = flag }
    }

    /// The number of parameter elements (shared tensors counted once), as PyTorch's
    /// `sum(p.numel() for p in model.parameters())`.
    ///
    ///     print(model.parameterCount)
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// The number of elements of the parameters that require grad.
    public var trainableParameterCount: Int { parameters().filter(\.requiresGrad).reduce(0) { $0 + $1.count } }

    // MARK: Description

    /// The class name (`Linear`; a generic class without its arguments: `ModuleList`).
    public var typeName: String {
        let name = String(describing: type(of: self))
        return name.firstIndex(of: "<").map { String(name[..<$0]) } ?? name
    }

    /// The settings shown in the description, PyTorch's `extra_repr` (`in_features=4, ...`).
    ///
    ///     override var extraDescription: String { "k=\(k)" }
    open var extraDescription: String { "" }

    /// A PyTorch-style tree of the model.
    ///
    ///     print(model)    // Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True) ...
    open var description: String {
        let kids = members.children
        if kids.isEmpty { return "\(typeName)(\(extraDescription))" }
        var lines = ["\(typeName)(" + (extraDescription.isEmpty ? "" : extraDescription)]
        for (name, child) in kids {
            let sub = child.description.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ")
            lines.append("  (\(name)): \(sub)")
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }
}

/// The base class of layers and models whose call takes one tensor (PyTorch's `nn.Module` with
/// `forward(x)`). Subclass it, store parameters (`Tensor`), buffers (`Buffer`) and submodules as
/// `let` properties, and override `forward(_:)`; call the module like a function. A module whose
/// call needs other arguments subclasses `ModuleBase` instead (see there).
///
///     final class MLP: Module {
///         let fc1 = Linear(784, 128), fc2 = Linear(128, 10)
///         override func forward(_ x: Tensor) -> Tensor { fc2(fc1(x).relu()) }
///     }
///     let logits = MLP()(images)
open class Module: ModuleBase {
    /// The computation, on one input. Every subclass overrides it; users call the module instead.
    ///
    ///     override func forward(_ x: Tensor) -> Tensor { linear(x).relu() }
    open func forward(_ input: Tensor) -> Tensor {
        // Swift has no abstract methods: a subclass of Module that forgot forward(_:) is the one
        // run-time case left. A module without a one-tensor call subclasses ModuleBase.
        checkFailure("\(typeName): a Module subclass must override forward(_:) (a module whose call takes other arguments subclasses ModuleBase)")
    }

    /// Runs `forward(_:)`, with the module's hooks if it has any (NN/ModuleHooks.swift).
    ///
    ///     let y = model(x)
    public final func callAsFunction(_ input: Tensor) -> Tensor {
        guard let hooks else { return forward(input) }
        return hooks.run(self, [input]) { [forward($0[0])] }[0]
    }
}

// MARK: - State dict

extension ModuleBase: StateDictConvertible {
    /// Parameters and persistent buffers by name. The tensors share storage with the module
    /// (detached), as PyTorch's `state_dict()`; copy them to keep a snapshot.
    ///
    ///     let state = model.stateDict()
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (prefix, m) in namedModules() {
            let p = prefix.isEmpty ? "" : prefix + "."
            for (name, t) in m.members.parameters { out[p + name] = t.detach() }
            for (name, b) in m.members.buffers where b.persistent { out[p + name] = b.value.detach() }
        }
        return out
    }

    /// Copies every tensor of `state` into the parameter or buffer of the same name (in place, so
    /// optimizers keep their references). Throws on missing or unexpected keys (`StateDictError`:
    /// `.missingKeys`, `.unexpectedKeys`, or `.incompatibleKeys` listing both, as PyTorch's error
    /// does) and on shape mismatches, before changing anything.
    ///
    ///     try model.loadStateDict(state)
    public func loadStateDict(_ state: [String: Tensor]) throws {
        try loadStateDict(state, strict: true)
    }

    /// As `loadStateDict(_:)`; with `strict: false`, missing and unexpected keys are returned
    /// instead of thrown (PyTorch's `_IncompatibleKeys(missing_keys, unexpected_keys)`); a shape or
    /// dtype mismatch still throws, as in PyTorch.
    ///
    ///     let (missing, unexpected) = try model.loadStateDict(state, strict: false)
    @discardableResult
    public func loadStateDict(_ state: [String: Tensor], strict: Bool) throws -> (missing: [String], unexpected: [String]) {
        var targets: [String: Tensor] = [:]
        var buffers: [String: Buffer] = [:]
        for (prefix, m) in namedModules() {
            let p = prefix.isEmpty ? "" : prefix + "."
            for (name, t) in m.members.parameters { targets[p + name] = t }
            for (name, b) in m.members.buffers where b.persistent { buffers[p + name] = b }
        }
        let known = Set(targets.keys).union(buffers.keys)
        let missing = known.subtracting(state.keys).sorted()
        let unexpected = Set(state.keys).subtracting(known).sorted()
        if strict { try StateDictError.checkKeys(missing: missing, unexpected: unexpected) }
        for (key, value) in state.sorted(by: { $0.key < $1.key }) {
            guard let current = targets[key] ?? buffers[key]?.value else { continue }
            if current.shape != value.shape {
                throw StateDictError.shapeMismatch(key: key, expected: current.shape, got: value.shape)
            }
            if current.dtype.isFloatingPoint != value.dtype.isFloatingPoint {
                throw StateDictError.dtypeMismatch(key: key, expected: current.dtype, got: value.dtype)
            }
        }
        withNoGrad {
            for (key, value) in state {
                if let t = targets[key] { t.copyFrom(value) } else if let b = buffers[key] { b.value.copyFrom(value) }
            }
        }
        return (missing, unexpected)
    }
}
