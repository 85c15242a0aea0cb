// The orthogonal polynomials of `torch.special` (Chebyshev of the four kinds and their shifted
// forms, Hermite, Laguerre, Legendre) and the Hurwitz zeta function: element-wise in x and a degree
// (or q) that broadcast together; integer and bool operands compute in float32, as PyTorch's. Not
// differentiable, as PyTorch's (it has no derivative for them): the results are not on the graph.
// The degree is a float tensor truncated toward zero; a negative degree gives 0.

extension Tensor {
    /// `op(x, n)` on the promoted, broadcast operands (float32 for integers and bools).
    private func specialBinary(_ op: SpecialBinaryOp, _ other: Tensor, _ name: String) -> Tensor {
        let (a, b, shape) = Tensor.mathBinaryOperands(self, other, op: name)
        return Kernels.specialBinary(op, a, b, shape: shape, name: name)
    }

    private func polynomial(_ p: OrthogonalPolynomial, _ n: Tensor, _ name: String) -> Tensor {
        specialBinary(.polynomial(p), n, name)
    }

    /// The Chebyshev polynomial of the first kind Tₙ(x) (`special.chebyshev_polynomial_t`); `n`
    /// broadcasts with x.
    ///
    ///     let t3 = x.chebyshevPolynomialT(Tensor(3.0))      // 4x³ − 3x
    public func chebyshevPolynomialT(_ n: Tensor) -> Tensor { polynomial(.chebyshevT, n, "chebyshev_polynomial_t") }

    /// The Chebyshev polynomial of the second kind Uₙ(x) (`special.chebyshev_polynomial_u`).
    ///
    ///     let u2 = x.chebyshevPolynomialU(Tensor(2.0))      // 4x² − 1
    public func chebyshevPolynomialU(_ n: Tensor) -> Tensor { polynomial(.chebyshevU, n, "chebyshev_polynomial_u") }

    /// The Chebyshev polynomial of the third kind Vₙ(x) (`special.chebyshev_polynomial_v`).
    ///
    ///     let v1 = x.chebyshevPolynomialV(Tensor(1.0))      // 2x − 1
    public func chebyshevPolynomialV(_ n: Tensor) -> Tensor { polynomial(.chebyshevV, n, "chebyshev_polynomial_v") }

    /// The Chebyshev polynomial of the fourth kind Wₙ(x) (`special.chebyshev_polynomial_w`).
    ///
    ///     let w1 = x.chebyshevPolynomialW(Tensor(1.0))      // 2x + 1
    public func chebyshevPolynomialW(_ n: Tensor) -> Tensor { polynomial(.chebyshevW, n, "chebyshev_polynomial_w") }

    /// The shifted Chebyshev polynomial Tₙ(2x − 1) on [0, 1] (`special.shifted_chebyshev_polynomial_t`).
    ///
    ///     let t = x.shiftedChebyshevPolynomialT(Tensor(4.0))
    public func shiftedChebyshevPolynomialT(_ n: Tensor) -> Tensor { polynomial(.shiftedChebyshevT, n, "shifted_chebyshev_polynomial_t") }

    /// The shifted Chebyshev polynomial Uₙ(2x − 1) (`special.shifted_chebyshev_polynomial_u`).
    ///
    ///     let u = x.shiftedChebyshevPolynomialU(Tensor(4.0))
    public func shiftedChebyshevPolynomialU(_ n: Tensor) -> Tensor { polynomial(.shiftedChebyshevU, n, "shifted_chebyshev_polynomial_u") }

    /// The shifted Chebyshev polynomial Vₙ(2x − 1) (`special.shifted_chebyshev_polynomial_v`).
    ///
    ///     let v = x.shiftedChebyshevPolynomialV(Tensor(4.0))
    public func shiftedChebyshevPolynomialV(_ n: Tensor) -> Tensor { polynomial(.shiftedChebyshevV, n, "shifted_chebyshev_polynomial_v") }

    /// The shifted Chebyshev polynomial Wₙ(2x − 1) (`special.shifted_chebyshev_polynomial_w`).
    ///
    ///     let w = x.shiftedChebyshevPolynomialW(Tensor(4.0))
    public func shiftedChebyshevPolynomialW(_ n: Tensor) -> Tensor { polynomial(.shiftedChebyshevW, n, "shifted_chebyshev_polynomial_w") }

    /// The physicists' Hermite polynomial Hₙ(x) (`special.hermite_polynomial_h`).
    ///
    ///     let h2 = x.hermitePolynomialH(Tensor(2.0))        // 4x² − 2
    public func hermitePolynomialH(_ n: Tensor) -> Tensor { polynomial(.hermiteH, n, "hermite_polynomial_h") }

    /// The probabilists' Hermite polynomial Heₙ(x) (`special.hermite_polynomial_he`).
    ///
    ///     let he2 = x.hermitePolynomialHe(Tensor(2.0))      // x² − 1
    public func hermitePolynomialHe(_ n: Tensor) -> Tensor { polynomial(.hermiteHe, n, "hermite_polynomial_he") }

    /// The Laguerre polynomial Lₙ(x) (`special.laguerre_polynomial_l`).
    ///
    ///     let l1 = x.laguerrePolynomialL(Tensor(1.0))       // 1 − x
    public func laguerrePolynomialL(_ n: Tensor) -> Tensor { polynomial(.laguerreL, n, "laguerre_polynomial_l") }

    /// The Legendre polynomial Pₙ(x) (`special.legendre_polynomial_p`).
    ///
    ///     let p2 = x.legendrePolynomialP(Tensor(2.0))       // (3x² − 1)/2
    public func legendrePolynomialP(_ n: Tensor) -> Tensor { polynomial(.legendreP, n, "legendre_polynomial_p") }

    /// The Hurwitz zeta function ζ(x, q) = Σₖ (q + k)^−x, element-wise with q broadcast
    /// (`special.zeta`; ∞ at x = 1, NaN for x < 1).
    ///
    ///     let z = Tensor([2.0]).zeta(Tensor([1.0]))          // π²/6
    public func zeta(_ q: Tensor) -> Tensor { specialBinary(.zeta, q, "zeta") }

    /// The regularized lower incomplete gamma function P(a, x) = γ(a, x)/Γ(a) of a = self and x =
    /// `other` (broadcast; `torch.igamma`, `special.gammainc`). Not differentiable, as PyTorch's.
    ///
    ///     let p = Tensor([2.0]).igamma(Tensor([1.0]))       // 1 − 2/e
    public func igamma(_ other: Tensor) -> Tensor { specialBinary(.igamma, other, "igamma") }

    /// The regularized upper incomplete gamma function Q(a, x) = 1 − P(a, x) (`torch.igammac`,
    /// `special.gammaincc`), accurate where P is close to 1.
    ///
    ///     let q = Tensor([2.0]).igammac(Tensor([30.0]))
    public func igammac(_ other: Tensor) -> Tensor { specialBinary(.igammac, other, "igammac") }
}
