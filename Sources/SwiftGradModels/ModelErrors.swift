// Why a model directory, config or checkpoint could not be loaded: thrown, never a crash.

/// Why a pretrained model could not be built or loaded. Messages name the file, the key and the shapes.
public enum ModelLoadError: Error, CustomStringConvertible, Equatable {
    /// A file the model needs is not there (the path, and what was looked for).
    case missingFile(path: String, reason: String)
    /// `config.json` (or another JSON file) is malformed or lacks a field the architecture needs.
    case invalidConfig(path: String, reason: String)
    /// The config names an architecture (or rope type, activation) this library does not build.
    case unsupported(path: String, what: String, supported: [String])
    /// `model.safetensors.index.json` is malformed or points at tensors its shards do not hold.
    case invalidIndex(path: String, reason: String)
    /// Parameters or buffers the model has but the checkpoint lacks.
    case missingKeys([String])
    /// Tensors the checkpoint has but the model does not.
    case unexpectedKeys([String])
    /// A checkpoint tensor whose shape differs from the model's.
    case shapeMismatch(key: String, model: [Int], checkpoint: [Int])
    /// A checkpoint tensor of a kind the model cannot take (an integer tensor for a float parameter).
    case dtypeMismatch(key: String, model: String, checkpoint: String)

    public var description: String {
        switch self {
        case .missingFile(let p, let r): return "\(p): \(r)"
        case .invalidConfig(let p, let r): return "\(p): invalid config: \(r)"
        case .unsupported(let p, let w, let s):
            return "\(p): \(w) is not supported (supported: \(s.joined(separator: ", ")))"
        case .invalidIndex(let p, let r): return "\(p): invalid sharded checkpoint index: \(r)"
        case .missingKeys(let k): return "the checkpoint is missing \(k.count) key(s) the model needs: \(k.joined(separator: ", "))"
        case .unexpectedKeys(let k): return "the checkpoint has \(k.count) key(s) the model does not: \(k.joined(separator: ", "))"
        case .shapeMismatch(let k, let m, let c): return "checkpoint key '\(k)': the model expects shape \(m) but the checkpoint has \(c)"
        case .dtypeMismatch(let k, let m, let c): return "checkpoint key '\(k)': the model expects a \(m) tensor but the checkpoint has \(c)"
        }
    }
}
