import Foundation
import SwiftGrad

/// Rotary position embeddings with Hugging Face's rope types, from a config's `rope_parameters`
/// (transformers 5) or `rope_theta` + `rope_scaling` (transformers 4): `default`, `linear`
/// (positions divided by `factor`), `llama3` (low frequencies divided by `factor`, a smooth ramp
/// between `low_freq_factor` and `high_freq_factor` of `original_max_position_embeddings`) and
/// `yarn` (NTK-by-parts interpolation between `beta_fast` and `beta_slow`, cos/sin scaled by the
/// attention factor 0.1·ln(factor) + 1). `dynamic` (the frequencies change with the length seen,
/// so cached keys would not match a full recompute) and `longrope` are not supported.
///
///     let rope = try RopeScaling(config, headDim: 64)
///     let (cos, sin) = rope.cosSin(positions: positionIDs, dtype: .float32)     // [t, 64] each
public struct RopeScaling: Sendable {
    /// The rope type (`default`, `linear`, `llama3`, `yarn`).
    public let type: String
    /// θ, the base of the frequencies.
    public let theta: Double
    /// The inverse frequency of each pair of dimensions (headDim / 2 of them), after scaling.
    public let inverseFrequencies: [Double]
    /// The factor cos and sin are multiplied by (yarn's attention factor; 1 otherwise).
    public let attentionScaling: Double

    /// The rope of a config (`rope_parameters`, else `rope_theta` + `rope_scaling`) for heads of
    /// size `dim`; throws `ModelLoadError.unsupported` for other rope types.
    ///
    ///     let rope = try RopeScaling(config, headDim: 128)
    public init(_ c: ModelConfig, headDim dim: Int) throws {
        // transformers 5 writes one `rope_parameters` object; 4 wrote `rope_theta` and `rope_scaling`.
        let params = try c.object("rope_parameters") ?? c.object("rope_scaling") ?? ModelConfig(values: [:], path: c.path)
        let type = try params.has("rope_type") ? params.string("rope_type") : params.string("type", default: "default")
        let theta = try params.has("rope_theta") ? params.double("rope_theta") : c.double("rope_theta", default: 10_000)
        self.type = type; self.theta = theta
        let inverseFrequencies: [Double], attentionScaling: Double
        guard try params.double("partial_rotary_factor", default: 1) == 1 else {
            throw ModelLoadError.unsupported(path: c.path, what: "partial_rotary_factor < 1", supported: ["1"])
        }
        // HF computes 1 / θ^(2i/dim) in float32.
        let base = (0..<(dim / 2)).map { i in Double(Float(1 / Foundation.pow(theta, Double(2 * i) / Double(dim)))) }
        let maxPositions = try c.int("max_position_embeddings", default: 2048)
        switch type {
        case "default":
            inverseFrequencies = base; attentionScaling = 1
        case "linear":
            let factor = try params.double("factor")
            inverseFrequencies = base.map { $0 / factor }; attentionScaling = 1
        case "llama3":
            let factor = try params.double("factor"), low = try params.double("low_freq_factor")
            let high = try params.double("high_freq_factor")
            let old = try Double(params.int("original_max_position_embeddings", default: maxPositions))
            let (lowWavelength, highWavelength) = (old / low, old / high)
            inverseFrequencies = base.map { f in
                let wavelength = 2 * Double.pi / f
                if wavelength < highWavelength { return f }                 // high frequencies: unchanged
                if wavelength > lowWavelength { return f / factor }         // low frequencies: interpolated
                let smooth = (old / wavelength - low) / (high - low)        // in between: a linear ramp
                return (1 - smooth) * f / factor + smooth * f
            }
            attentionScaling = 1
        case "yarn":
            var factor = try params.has("factor") ? params.double("factor") : 0
            let old = try Double(params.int("original_max_position_embeddings", default: maxPositions))
            if factor == 0 { factor = Double(maxPositions) / old }
            func mscale(_ scale: Double, _ m: Double = 1) -> Double { scale <= 1 ? 1 : 0.1 * m * Foundation.log(scale) + 1 }
            if params.has("attention_factor") {
                attentionScaling = try params.double("attention_factor")
            } else if params.has("mscale"), params.has("mscale_all_dim"), try params.double("mscale") != 0, try params.double("mscale_all_dim") != 0 {
                attentionScaling = try mscale(factor, params.double("mscale")) / mscale(factor, params.double("mscale_all_dim"))
            } else {
                attentionScaling = mscale(factor)
            }
            let betaFast = try params.double("beta_fast", default: 32), betaSlow = try params.double("beta_slow", default: 1)
            let truncate = try params.bool("truncate", default: true)
            func correctionDim(_ rotations: Double) -> Double {
                Double(dim) * Foundation.log(old / (rotations * 2 * Double.pi)) / (2 * Foundation.log(theta))
            }
            var low = correctionDim(betaFast), high = correctionDim(betaSlow)
            if truncate { low = low.rounded(.down); high = high.rounded(.up) }
            low = Swift.max(low, 0); high = Swift.min(high, Double(dim - 1))
            if low == high { high += 0.001 }     // HF: prevents a division by zero in the ramp
            inverseFrequencies = base.enumerated().map { i, f in
                let ramp = Swift.min(Swift.max((Double(i) - low) / (high - low), 0), 1)
                let extrapolation = 1 - ramp
                return f / factor * (1 - extrapolation) + f * extrapolation
            }
        default:
            throw ModelLoadError.unsupported(path: c.path, what: "the rope type '\(type)'", supported: ["default", "linear", "llama3", "yarn"])
        }
        self.inverseFrequencies = inverseFrequencies; self.attentionScaling = attentionScaling
    }

    /// cos and sin [positions, 2·pairs] (angles repeated twice, HF's layout) for int64 positions [t].
    ///
    ///     let (cos, sin) = rope.cosSin(positions: Tensor([0, 1, 2] as [Int64], shape: [3]), dtype: .float32)
    public func cosSin(positions: Tensor, dtype: DType) -> (cos: Tensor, sin: Tensor) {
        let pos = positions.toArray(as: Int64.self), half = inverseFrequencies.count, dim = 2 * half
        var c = [Double](repeating: 0, count: pos.count * dim), s = c
        for (p, x) in pos.enumerated() {
            for i in 0..<half {
                // HF: the angle is a float32 product of the position and the inverse frequency.
                let angle = Double(Float(x) * Float(inverseFrequencies[i]))
                let cv = Foundation.cos(angle) * attentionScaling, sv = Foundation.sin(angle) * attentionScaling
                c[p * dim + i] = cv; c[p * dim + half + i] = cv
                s[p * dim + i] = sv; s[p * dim + half + i] = sv
            }
        }
        return (Tensor(c, shape: [pos.count, dim], dtype: dtype), Tensor(s, shape: [pos.count, dim], dtype: dtype))
    }
}
