import SwiftGrad

/// The activation functions Hugging Face configs name (`hidden_act`, `activation_function`).
///
///     let act = try HFActivation(name: "gelu_new", path: "config.json")
///     let y = act(x)
public enum HFActivation: String, Sendable, CaseIterable {
    /// `gelu`: the exact (erf) GELU.
    case gelu
    /// `gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`: GELU with the tanh approximation.
    case geluTanh
    case relu
    /// `silu` / `swish`.
    case silu
    case tanh

    /// The activation a config names; throws `ModelLoadError.unsupported` for others.
    public init(name: String, path: String) throws {
        switch name {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "relu": self = .relu
        case "silu", "swish": self = .silu
        case "tanh": self = .tanh
        default:
            throw ModelLoadError.unsupported(path: path, what: "the activation '\(name)'",
                                             supported: ["gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish", "tanh"])
        }
    }

    /// Applies the activation.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .gelu: return x.gelu()
        case .geluTanh: return x.gelu(approximate: .tanh)
        case .relu: return x.relu()
        case .silu: return x.silu()
        case .tanh: return x.tanh()
        }
    }
}

/// Splits the last axis of [B, T, H·D] into heads: [B, H, T, D] (a view).
func splitHeads(_ x: Tensor, heads: Int) -> Tensor {
    let (b, t, e) = (x.shape[0], x.shape[1], x.shape[2])
    return x.reshape([b, t, heads, e / heads]).permute([0, 2, 1, 3])
}

/// Merges [B, H, T, D] heads back into [B, T, H·D].
func mergeHeads(_ x: Tensor) -> Tensor {
    let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    return x.permute([0, 2, 1, 3]).reshape([b, t, h * d])
}

/// The bool mask [queries, keys] (true = may attend) of causal attention for `queries` new
/// positions after `past` cached ones, optionally limited to a sliding window (query position p
/// sees key positions j with p - window < j ≤ p, as Mistral's).
func causalMask(queries: Int, past: Int, window: Int? = nil) -> Tensor {
    let keys = past + queries
    var keep = [Bool](repeating: false, count: queries * keys)
    for i in 0..<queries {
        let p = past + i
        for j in 0...p where window.map({ p - j < $0 }) ?? true { keep[i * keys + j] = true }
    }
    return Tensor(keep, shape: [queries, keys])
}

/// A tensor of positions past..<past+count as int64 [count].
func positionIDs(from past: Int, count: Int) -> Tensor {
    Tensor((past..<(past + count)).map { Int64($0) }, shape: [count])
}

/// A parameter tensor of zeros (filled by loading), which requires grad like PyTorch's parameters.
func zeroParameter(_ shape: [Int]) -> Tensor { Tensor.zeros(shape, requiresGrad: true) }
