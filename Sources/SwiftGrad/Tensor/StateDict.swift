/// Anything whose state can be saved and restored as named tensors: modules (parameters and
/// buffers), optimizers (moments, step counts, hyper-parameters), schedulers, generators. Keys are
/// dotted, PyTorch-style (`fc1.weight`, `state.fc1.weight.exp_avg`); scalars are 0-D tensors
/// (float64 for real numbers, int64 for counts), so every state dict saves to safetensors as is.
///
///     let saved = optimizer.stateDict()
///     try optimizer.loadStateDict(saved)
public protocol StateDictConvertible: AnyObject {
    /// The state as named tensors.
    func stateDict() -> [String: Tensor]
    /// Restores state saved by `stateDict()`; throws `StateDictError` on missing, unexpected,
    /// mis-shaped or mis-typed keys.
    func loadStateDict(_ state: [String: Tensor]) throws
}

/// Why a state dict could not be loaded. The message lists the keys involved.
public enum StateDictError: Error, CustomStringConvertible, Equatable {
    case missingKeys([String])
    case unexpectedKeys([String])
    /// Both at once: a strict load reports every missing and every unexpected key, as PyTorch's
    /// `load_state_dict` error lists both.
    case incompatibleKeys(missing: [String], unexpected: [String])
    case shapeMismatch(key: String, expected: [Int], got: [Int])
    case dtypeMismatch(key: String, expected: DType, got: DType)
    case invalidValue(key: String, reason: String)

    public var description: String {
        switch self {
        case .missingKeys(let k): return "state dict is missing keys: \(k.sorted().joined(separator: ", "))"
        case .unexpectedKeys(let k): return "state dict has unexpected keys: \(k.sorted().joined(separator: ", "))"
        case .incompatibleKeys(let m, let u):
            return "state dict is missing keys: \(m.sorted().joined(separator: ", ")); and has unexpected keys: \(u.sorted().joined(separator: ", "))"
        case .shapeMismatch(let key, let e, let g): return "state dict key '\(key)': expected shape \(e), got \(g)"
        case .dtypeMismatch(let key, let e, let g): return "state dict key '\(key)': expected dtype \(e), got \(g)"
        case .invalidValue(let key, let r): return "state dict key '\(key)': \(r)"
        }
    }
}

extension StateDictError {
    /// Throws for a strict load: `.missingKeys` or `.unexpectedKeys` when only one kind is present,
    /// `.incompatibleKeys` with both lists when both are.
    static func checkKeys(missing: [String], unexpected: [String]) throws {
        switch (missing.isEmpty, unexpected.isEmpty) {
        case (true, true): return
        case (false, true): throw StateDictError.missingKeys(missing)
        case (true, false): throw StateDictError.unexpectedKeys(unexpected)
        case (false, false): throw StateDictError.incompatibleKeys(missing: missing, unexpected: unexpected)
        }
    }
}

extension Generator: StateDictConvertible {
    /// The generator's state as one int64 tensor of 4 words (`"state"`) and its seed.
    public func stateDict() -> [String: Tensor] {
        let words = getState().map { Int64(bitPattern: $0) }
        return ["state": Tensor(words, shape: [4]), "seed": Tensor([Int64(bitPattern: initialSeed)], shape: [])]
    }

    /// Restores a state saved by `stateDict()`; an all-zero state throws `StateDictError.invalidValue`.
    ///
    ///     try g.loadStateDict(saved)
    public func loadStateDict(_ state: [String: Tensor]) throws {
        guard let s = state["state"] else { throw StateDictError.missingKeys(["state"]) }
        guard s.dtype == .int64 else { throw StateDictError.dtypeMismatch(key: "state", expected: .int64, got: s.dtype) }
        guard s.shape == [4] else { throw StateDictError.shapeMismatch(key: "state", expected: [4], got: s.shape) }
        let words = s.toArray(as: Int64.self).map { UInt64(bitPattern: $0) }
        guard !Generator.isDegenerate(words) else {
            throw StateDictError.invalidValue(key: "state", reason: "the generator state is all zero, which xoshiro256** can never "
                                              + "reach or leave (every draw would be 0 and shuffles would never end)")
        }
        setState(words)
    }
}
