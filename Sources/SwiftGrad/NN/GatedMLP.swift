// The gated feed-forward block of Llama-family models (SwiGLU): down(act(gate(x)) · up(x)).

/// The activation of a `GatedMLP`'s gate: SiLU (SwiGLU, Llama/Mistral/Qwen2), GELU (GeGLU), or
/// GELU with the tanh approximation (Gemma's `gelu_pytorch_tanh`).
public enum GatedActivation: Sendable { case silu, gelu, geluTanh }

/// A gated MLP, as Hugging Face's `LlamaMLP`: `down_proj(act(gate_proj(x)) · up_proj(x))`, with
/// submodules `gate_proj`, `up_proj` [intermediate, hidden] and `down_proj` [hidden, intermediate]
/// (no bias by default, as Llama's).
///
///     let mlp = GatedMLP(hiddenSize: 64, intermediateSize: 172)
///     let y = mlp(x)                                  // x [..., 64]
open class GatedMLP: Module {
    public let gateProj: Linear, upProj: Linear, downProj: Linear
    public let activation: GatedActivation

    public init(hiddenSize: Int, intermediateSize: Int, bias: Bool = false, activation: GatedActivation = .silu,
                dtype: DType = .float32, generator: Generator? = nil) {
        gateProj = Linear(inFeatures: hiddenSize, outFeatures: intermediateSize, bias: bias, dtype: dtype, generator: generator)
        upProj = Linear(inFeatures: hiddenSize, outFeatures: intermediateSize, bias: bias, dtype: dtype, generator: generator)
        downProj = Linear(inFeatures: intermediateSize, outFeatures: hiddenSize, bias: bias, dtype: dtype, generator: generator)
        self.activation = activation
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        checkInputSize("GatedMLP", input, axis: -1, expected: gateProj.inFeatures, what: "hiddenSize")
        let g = gateProj(input)
        let a: Tensor
        switch activation {
        case .silu: a = g.silu()
        case .gelu: a = g.gelu()
        case .geluTanh: a = g.gelu(approximate: .tanh)
        }
        return downProj(a * upProj(input))
    }
}
