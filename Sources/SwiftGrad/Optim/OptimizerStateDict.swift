// Saving and restoring an optimizer's state by parameter name, as flat dotted keys:
//   state.<param name>.step          0-D int64, updates so far
//   state.<param name>.<buffer>      the parameter's shape and dtype (exp_avg, momentum_buffer, ...)
//   state.<param name>.<scalar>      0-D float64 (mu_product)
//   param_groups.<g>.<option>        0-D float64 (lr, weight_decay, beta1, nesterov as 0/1, initial_lr...)
// Parameters that were never updated have no state keys, as in PyTorch.

extension Optimizer {
    /// The optimizer's state (moments, step counts, every group's hyper-parameters) as copies, keyed
    /// by parameter name, so a checkpoint restores training exactly.
    ///
    ///     let saved = opt.stateDict()
    ///     try newOpt.loadStateDict(saved)
    public func stateDict() -> [String: Tensor] {
        var d: [String: Tensor] = [:]
        for (i, s) in state.enumerated() {
            guard let s else { continue }
            let prefix = "state." + parameterNames[i] + "."
            d[prefix + "step"] = Tensor([Int64(s.step)], shape: [])
            for (k, b) in s.buffers { d[prefix + k] = withNoGrad { b.copy() } }
            for (k, v) in s.scalars { d[prefix + k] = Tensor(v, dtype: .float64) }
        }
        for (g, group) in groups.enumerated() {
            for (k, v) in group.options { d["param_groups.\(g).\(k)"] = Tensor(v, dtype: .float64) }
        }
        return d
    }

    /// Restores state saved by `stateDict()` from an optimizer built over parameters with the same
    /// names and groups. Validates everything before changing anything; tensors are copied. A
    /// parameter's state missing a buffer the optimizer needs under the loaded options (Adam's
    /// `exp_avg`, SGD's `momentum_buffer` when momentum is on) throws `StateDictError.missingKeys`.
    ///
    ///     let opt = Adam(model.namedParameters(), lr: 1e-3)
    ///     try opt.loadStateDict(checkpoint.optimizer)
    public func loadStateDict(_ dict: [String: Tensor]) throws {
        let index = Dictionary(uniqueKeysWithValues: parameterNames.enumerated().map { ($1, $0) })
        var newState = [ParamState?](repeating: nil, count: parameters.count)
        var newGroups = groups
        var unexpected: [String] = []
        var seenOptions = Set<String>()

        for key in dict.keys.sorted() {
            let t = dict[key]!
            if key.hasPrefix("param_groups.") {
                let rest = key.dropFirst("param_groups.".count)
                guard let dot = rest.firstIndex(of: "."), let g = Int(rest[..<dot]), g >= 0, g < groups.count else {
                    unexpected.append(key); continue
                }
                newGroups[g].options[String(rest[rest.index(after: dot)...])] = try Self.scalar(key, t)
                seenOptions.insert(key)
            } else if key.hasPrefix("state."), let dot = key.lastIndex(of: "."),
                      dot >= key.index(key.startIndex, offsetBy: "state.".count) {
                // "state.<name>.<field>"; a key with no dot after "state." is simply unexpected.
                let name = String(key[key.index(key.startIndex, offsetBy: "state.".count)..<dot])
                let field = String(key[key.index(after: dot)...])
                guard let i = index[name] else { unexpected.append(key); continue }
                var s = newState[i] ?? ParamState()
                if field == "step" {
                    let v = try Self.scalar(key, t)
                    // Whole and exactly representable: Int(v) would trap on 1e300, NaN or inf.
                    guard v >= 0, v <= 0x1p53, v == v.rounded() else { throw StateDictError.invalidValue(key: key, reason: "step \(v) is not a whole number") }
                    s.step = Int(v)
                } else if bufferNames.contains(field) {
                    let p = parameters[i]
                    let expected = bufferShape(field, of: p)
                    guard t.shape == expected else { throw StateDictError.shapeMismatch(key: key, expected: expected, got: t.shape) }
                    guard t.dtype == p.dtype else { throw StateDictError.dtypeMismatch(key: key, expected: p.dtype, got: t.dtype) }
                    s.buffers[field] = withNoGrad { t.copy() }
                } else if scalarNames.contains(field) {
                    s.scalars[field] = try Self.scalar(key, t)
                } else {
                    unexpected.append(key); continue
                }
                newState[i] = s
            } else {
                unexpected.append(key)
            }
        }
        if !unexpected.isEmpty { throw StateDictError.unexpectedKeys(unexpected) }
        var missing: [String] = []
        for (g, group) in groups.enumerated() {
            for k in group.options.keys where !seenOptions.contains("param_groups.\(g).\(k)") {
                missing.append("param_groups.\(g).\(k)")
            }
        }
        for (g, range) in groupRanges.enumerated() {
            for i in range {
                guard let s = newState[i] else { continue }
                let prefix = "state.\(parameterNames[i])."
                if dict[prefix + "step"] == nil { missing.append(prefix + "step") }
                // A stepped parameter needs every buffer its (loaded) options use: Adam without
                // exp_avg would restart its moments from zero with the step count of a late step.
                for field in requiredState(newGroups[g]) where s.buffers[field] == nil && s.scalars[field] == nil {
                    missing.append(prefix + field)
                }
            }
        }
        if !missing.isEmpty { throw StateDictError.missingKeys(missing) }
        state = newState
        groups = newGroups
    }

    /// The value of a 0-D (or one-element) tensor of any dtype.
    static func scalar(_ key: String, _ t: Tensor) throws -> Double {
        guard t.count == 1, t.rank <= 1 else { throw StateDictError.shapeMismatch(key: key, expected: [], got: t.shape) }
        return t.item()
    }
}
