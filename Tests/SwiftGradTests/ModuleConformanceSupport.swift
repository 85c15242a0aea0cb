import Foundation
@testable import SwiftGrad

// The machinery of the module conformance suite: a mapping builds our module from PyTorch's
// constructor call and says how to call it; the run loads PyTorch's state dict into it, calls it,
// and compares outputs, input and parameter gradients, and the buffers after the call.

/// A built module and its forward call on the sample's bound arguments.
struct ModuleRun {
    let module: ModuleBase
    let forward: () throws -> any ConformanceOutput
}

/// One row of the module table: our spelling, Python's constructor and forward parameter names in
/// order, the sample dtypes we take, and the builder (constructor call, forward call).
struct ModuleMapping {
    let spelling: String
    let ctorParams: [String]
    let forwardParams: [String]
    let dtypes: DTypes
    let build: (_ ctor: Call, _ fwd: Call) throws -> ModuleRun
}

/// A row: `mm("Linear(in, out, bias:)", ctor: ["in_features", "out_features", "bias"]) { c, f in ... }`.
/// `device` and `dtype` are accepted among the constructor keywords (the sample's dtype is applied
/// to the module afterwards); `forward` defaults to PyTorch's usual `input`.
func mm(_ spelling: String, ctor: [String], forward: [String] = ["input"], dtypes: DTypes = .floating,
        _ build: @escaping (_ ctor: Call, _ fwd: Call) throws -> ModuleRun) -> ModuleMapping {
    ModuleMapping(spelling: spelling, ctorParams: ctor + ["device", "dtype"], forwardParams: forward, dtypes: dtypes, build: build)
}

/// A row for a module called with its input alone: `unary("ReLU()", ctor: []) { _ in ReLU() }`.
func unary(_ spelling: String, ctor: [String], _ make: @escaping (_ ctor: Call) throws -> Module) -> ModuleMapping {
    mm(spelling, ctor: ctor) { c, f in
        let m = try make(c)
        return ModuleRun(module: m) { m(try f.x) }
    }
}

enum ModuleConformance {
    /// Keys of PyTorch's state dict that we may lack: buffers that only hold a constructor argument
    /// (a loss's class `weight`, `pos_weight`), which our modules keep as plain properties.
    static func ignorableBuffer(_ key: String, _ s: ModuleFixtureSample) -> Bool {
        !s.params.contains(key) && s.ctorKwargs[key] != nil
    }

    /// Runs one sample: build, load PyTorch's state dict, set the mode, call, compare.
    static func run(_ mapping: ModuleMapping, _ s: ModuleFixtureSample, random: Bool) -> SampleResult {
        guard mapping.dtypes.set.contains(s.dtype) else { return .unsupported("dtype \(s.dtype)") }
        let ctor = Call(s.constructorSample), fwd = Call(s.forwardSample)
        let built: ModuleRun
        do {
            try ctor.bind(mapping.ctorParams)
            try fwd.bind(mapping.forwardParams)
            try ctor.requireCPU()
            built = try mapping.build(ctor, fwd)
        } catch let u as Unsupported {
            return .unsupported(u.reason)
        } catch {
            return .failed("threw \(error)")
        }
        let module = built.module.to(s.dtype)
        // PyTorch's weights, not ours: every key we have must come from PyTorch's state dict.
        var state: [String: Tensor] = [:]
        for (k, t) in s.state { state[k] = t.make() }
        do {
            let (missing, unexpected) = try module.loadStateDict(state, strict: false)
            if !missing.isEmpty { return .failed("state dict: ours has \(missing), PyTorch's has not") }
            let extra = unexpected.filter { !ignorableBuffer($0, s) }
            if !extra.isEmpty { return .failed("state dict: PyTorch's has \(extra), ours has not") }
        } catch {
            return .failed("state dict: \(error)")
        }
        module.train(s.training)
        let out: Out
        do {
            out = try built.forward().out
        } catch let u as Unsupported {
            return .unsupported(u.reason)
        } catch {
            return .failed("threw \(error)")
        }
        if let msg = Conformance.compare(out, s.output, what: "output", random: random) { return .failed(msg) }
        if let after = s.buffersAfter, !random {
            for (k, e) in after.sorted(by: { $0.key < $1.key }) {
                guard let b = module.buffer(k) else {
                    if ignorableBuffer(k, s) { continue }
                    return .failed("buffer \(k): ours has none")
                }
                if let m = Conformance.compare(b, e, what: "buffer \(k) after the call") { return .failed(m) }
            }
        }
        guard !random, s.grads != nil || s.paramGrads != nil else { return .passed }
        return compareGradients(out, s, fwd, module)
    }

    /// Gradients of Σ_j sum(output_j · upstream_j) with respect to the input leaves and the parameters.
    static func compareGradients(_ out: Out, _ s: ModuleFixtureSample, _ fwd: Call, _ module: ModuleBase) -> SampleResult {
        let expectedInputs = s.grads ?? []
        let expectedParams = s.paramGrads ?? []
        let leaves = fwd.gradLeaves
        let inputs = (0..<expectedInputs.count).compactMap { leaves[$0] }
        guard inputs.count == expectedInputs.count else {
            return .failed("gradient: \(inputs.count) of \(expectedInputs.count) inputs built")
        }
        var params: [Tensor] = []
        let ours = Dictionary(module.namedParameters(), uniquingKeysWith: { a, _ in a })
        for e in expectedParams {
            guard let p = ours[e.name] else { return .failed("gradient: ours has no parameter \(e.name)") }
            params.append(p)
        }
        var loss: Tensor? = nil
        for (j, t) in out.tensors.enumerated() where t.dtype.isFloatingPoint && t.requiresGrad {
            let term = (t * Conformance.upstream(j, like: t)).sum()
            loss = loss.map { $0 + term } ?? term
        }
        let expected = expectedInputs + expectedParams.map(\.grad)
        let names = (0..<expectedInputs.count).map { "gradient of input \($0)" } + expectedParams.map { "gradient of \($0.name)" }
        guard let loss else {
            let zero = expected.allSatisfy { e in e.map { ($0.doubles ?? []).allSatisfy { $0 == 0 } } ?? true }
            return zero ? .passed : .failed("gradient: no output requires grad")
        }
        let grads = grad(of: loss, wrt: inputs + params)
        for (i, (g, e)) in zip(grads, expected).enumerated() {
            switch (g, e) {
            case (nil, nil): continue
            case (let g?, nil):
                if g.doubles.contains(where: { $0 != 0 }) { return .failed("\(names[i]): PyTorch has none, ours is nonzero") }
            case (nil, let e?):
                if (e.doubles ?? []).contains(where: { $0 != 0 }) { return .failed("\(names[i]): ours is missing") }
            case (let g?, let e?):
                if let m = Conformance.compare(g, e, what: names[i], tolerance: (1e-6, 1e-6)) { return .failed(m) }
            }
        }
        return .passed
    }
}

extension Call {
    /// A Python tuple or list of tensors (LSTM's `(h, c)`), or nil for None.
    func tensorPairOrNil(_ name: String) throws -> (Tensor, Tensor)? {
        guard let v = value(name) else { return nil }
        guard case .list(let xs) = v, xs.count == 2, case .tensor(let a) = xs[0], case .tensor(let b) = xs[1] else {
            throw Unsupported("\(name) is \(v), not a pair of tensors")
        }
        return (makeTensor(a), makeTensor(b))
    }

    /// The name of a function passed as an argument (`F.gelu` → "gelu"), or nil when absent.
    func callableName(_ name: String) throws -> String? {
        switch value(name) {
        case nil: return nil
        case .string(let s)?: return s
        case .dict(let d)?:
            if case .string(let s)? = d["callable"] { return s }
        default: break
        }
        throw Unsupported("\(name)=\(String(describing: value(name)))")
    }

    /// An int, or a tuple of ints with one entry per spatial axis.
    func ints(_ name: String, count: Int, _ default: Int? = nil) throws -> [Int] {
        if !has(name), let d = `default` { return Array(repeating: d, count: count) }
        let v = try ints(name)
        try require(v.count == 1 || v.count == count, "\(name)=\(v)")
        return v.count == 1 ? Array(repeating: v[0], count: count) : v
    }

    /// `padding` of a convolution: a number or tuple, or the strings "same" and "valid".
    func paddingString(_ name: String) -> String? {
        if case .string(let s)? = value(name) { return s }
        return nil
    }
}
