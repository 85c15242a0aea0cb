// The Bessel, Airy and error-function family of `torch.special`: J₀, J₁, Y₀, Y₁, the modified
// I₀, I₁, K₀, K₁ and the scaled K₀, K₁, the spherical j₀, Airy's Ai, erfcx and log Φ. Integer and
// bool inputs compute in float32, as PyTorch's. Each derivative is written with the family's own
// functions (so double backward works); the algorithms are in Kernels/BesselAiryFunctions.swift.

extension Tensor {
    /// `op(x)` by the special kernels on x promoted to float, recorded as `recordedOp`.
    private func specialUnary(_ op: SpecialUnaryOp, _ recordedOp: Op, save: Saved,
                              _ backward: @escaping (Tensor, BackwardContext) -> [Tensor?]) -> Tensor {
        let x = mathFloatOperand()
        return Kernels.specialUnary(op, x, name: recordedOp.rawValue).recorded(recordedOp, x, save: save, backward)
    }

    /// a − b/x, with `limit` where x is 0 (x is replaced by 1 there, so nothing divides by 0): the
    /// derivatives f' = a − f/x of the order-1 functions, whose limits at 0 are finite.
    private static func minusOverX(_ a: Tensor, _ b: Tensor, _ x: Tensor, limit: Double) -> Tensor {
        let zero = x.eq(0)
        let safe = Tensor.where(zero, Tensor.onesLike(x), x)
        return Tensor.where(zero, Tensor.full([], limit, dtype: x.dtype), a - b / safe)
    }

    /// The Bessel function of the first kind of order 0, J₀(x) (PyTorch's `special.bessel_j0`).
    ///
    ///     let y = x.besselJ0()           // J₀' = −J₁
    public func besselJ0() -> Tensor {
        specialUnary(.besselJ0, .besselJ0, save: .input0) { g, ctx in [-(g * ctx.input(0).besselJ1())] }
    }

    /// The Bessel function of the first kind of order 1, J₁(x) (`special.bessel_j1`).
    ///
    ///     let y = x.besselJ1()           // J₁' = J₀ − J₁/x (½ at 0)
    public func besselJ1() -> Tensor {
        specialUnary(.besselJ1, .besselJ1, save: [.input0, .output]) { g, ctx in
            let x = ctx.input(0)
            return [g * Tensor.minusOverX(x.besselJ0(), ctx.output, x, limit: 0.5)]
        }
    }

    /// The Bessel function of the second kind of order 0, Y₀(x), for x ≥ 0 (−∞ at 0, NaN below;
    /// `special.bessel_y0`).
    ///
    ///     let y = x.besselY0()           // Y₀' = −Y₁
    public func besselY0() -> Tensor {
        specialUnary(.besselY0, .besselY0, save: .input0) { g, ctx in [-(g * ctx.input(0).besselY1())] }
    }

    /// The Bessel function of the second kind of order 1, Y₁(x), for x ≥ 0 (`special.bessel_y1`).
    ///
    ///     let y = x.besselY1()           // Y₁' = Y₀ − Y₁/x
    public func besselY1() -> Tensor {
        specialUnary(.besselY1, .besselY1, save: [.input0, .output]) { g, ctx in
            let x = ctx.input(0)
            return [g * (x.besselY0() - ctx.output / x)]
        }
    }

    /// The modified Bessel function of the first kind of order 0, I₀(x) (`special.modified_bessel_i0`;
    /// NaN at ±∞ where `i0()` gives ∞, as PyTorch's two functions differ).
    ///
    ///     let y = x.modifiedBesselI0()   // I₀' = I₁
    public func modifiedBesselI0() -> Tensor {
        specialUnary(.modifiedBesselI0, .modifiedBesselI0, save: .input0) { g, ctx in [g * ctx.input(0).modifiedBesselI1()] }
    }

    /// The modified Bessel function of the first kind of order 1, I₁(x) (`special.modified_bessel_i1`).
    ///
    ///     let y = x.modifiedBesselI1()   // I₁' = I₀ − I₁/x (½ at 0)
    public func modifiedBesselI1() -> Tensor {
        specialUnary(.modifiedBesselI1, .modifiedBesselI1, save: [.input0, .output]) { g, ctx in
            let x = ctx.input(0)
            return [g * Tensor.minusOverX(x.modifiedBesselI0(), ctx.output, x, limit: 0.5)]
        }
    }

    /// The modified Bessel function of the second kind of order 0, K₀(x), for x ≥ 0 (∞ at 0, NaN
    /// below; `special.modified_bessel_k0`).
    ///
    ///     let y = x.modifiedBesselK0()   // K₀' = −K₁
    public func modifiedBesselK0() -> Tensor {
        specialUnary(.modifiedBesselK0, .modifiedBesselK0, save: .input0) { g, ctx in [-(g * ctx.input(0).modifiedBesselK1())] }
    }

    /// The modified Bessel function of the second kind of order 1, K₁(x), for x ≥ 0
    /// (`special.modified_bessel_k1`).
    ///
    ///     let y = x.modifiedBesselK1()   // K₁' = −K₀ − K₁/x
    public func modifiedBesselK1() -> Tensor {
        specialUnary(.modifiedBesselK1, .modifiedBesselK1, save: [.input0, .output]) { g, ctx in
            let x = ctx.input(0)
            return [-(g * (x.modifiedBesselK0() + ctx.output / x))]
        }
    }

    /// eˣ·K₀(x), which neither under- nor overflows for large x (`special.scaled_modified_bessel_k0`).
    ///
    ///     let y = x.scaledModifiedBesselK0()     // derivative eˣK₀ − eˣK₁
    public func scaledModifiedBesselK0() -> Tensor {
        specialUnary(.scaledModifiedBesselK0, .scaledModifiedBesselK0, save: [.input0, .output]) { g, ctx in
            [g * (ctx.output - ctx.input(0).scaledModifiedBesselK1())]
        }
    }

    /// eˣ·K₁(x) (`special.scaled_modified_bessel_k1`).
    ///
    ///     let y = x.scaledModifiedBesselK1()     // derivative eˣK₁ − eˣK₀ − eˣK₁/x
    public func scaledModifiedBesselK1() -> Tensor {
        specialUnary(.scaledModifiedBesselK1, .scaledModifiedBesselK1, save: [.input0, .output]) { g, ctx in
            let x = ctx.input(0), y = ctx.output
            return [g * (y - x.scaledModifiedBesselK0() - y / x)]
        }
    }

    /// The spherical Bessel function of the first kind of order 0, j₀(x) = sin x/x (1 at 0;
    /// `special.spherical_bessel_j0`).
    ///
    ///     let y = x.sphericalBesselJ0()  // j₀' = (cos x − j₀)/x (0 at 0)
    public func sphericalBesselJ0() -> Tensor {
        specialUnary(.sphericalBesselJ0, .sphericalBesselJ0, save: [.input0, .output]) { g, ctx in
            let x = ctx.input(0)
            return [g * -Tensor.minusOverX(Tensor.zerosLike(x), x.cos() - ctx.output, x, limit: 0)]
        }
    }

    /// Airy's function Ai(x), the solution of y'' = x·y that decays for x → ∞ (`special.airy_ai`).
    /// Not differentiable, as PyTorch's (which has no derivative for it): the result is not on the graph.
    ///
    ///     let y = x.airyAi()
    public func airyAi() -> Tensor {
        Kernels.specialUnary(.airyAi, mathFloatOperand(), name: "airy_ai")
    }

    /// The scaled complementary error function eˣ²·erfc(x), finite where erfc underflows
    /// (`special.erfcx`).
    ///
    ///     let y = x.erfcx()               // erfcx' = 2x·erfcx(x) − 2/√π
    public func erfcx() -> Tensor {
        specialUnary(.erfcx, .erfcx, save: [.input0, .output]) { g, ctx in
            [g * (ctx.input(0) * ctx.output * 2 - 2 / Double.pi.squareRoot())]
        }
    }

    /// log Φ(x), the log of the standard normal CDF, accurate far into the lower tail
    /// (`special.log_ndtr`).
    ///
    ///     let logP = z.logNdtr()          // derivative φ(x)/Φ(x) = exp(−x²/2 − log Φ(x))/√(2π)
    public func logNdtr() -> Tensor {
        specialUnary(.logNdtr, .logNdtr, save: [.input0, .output]) { g, ctx in
            let x = ctx.input(0)
            // The ratio φ/Φ through the log: both underflow in the lower tail, their ratio does not.
            return [g * ((x * x * -0.5 - ctx.output).exp() / (2 * Double.pi).squareRoot())]
        }
    }
}
