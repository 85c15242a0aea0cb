#if canImport(Glibc)
import Glibc
#endif

// Matrix functions: matrixPower (composed from matmul and inv) and matrixExp (Padé 13 with
// scaling and squaring, or PyTorch's Taylor algorithm for float32; its gradient is itself a matrix
// exponential, so it is twice differentiable).

extension Linalg {
    /// A square matrix raised to an integer power, by repeated squaring: n = 0 gives the identity,
    /// n < 0 the power of the inverse (which throws `LinalgError.singular` for a singular matrix).
    ///
    ///     let a3 = try Linalg.matrixPower(a, 3)      // a·a·a
    ///     let ainv2 = try Linalg.matrixPower(a, -2)
    public static func matrixPower(_ a: Tensor, _ n: Int) throws(LinalgError) -> Tensor {
        let size = checkSquare(a, "matrixPower", lowPrecision: n >= 0)
        if n == 0 { return eye(size, like: a).expand(a.shape) }
        var base = n < 0 ? recordedInverse(try Kernels.inverse(a, op: "matrixPower"), of: a) : a
        var k = Swift.abs(n)
        var result: Tensor? = nil
        while true {
            if k & 1 == 1 { result = result.map { $0.matmul(base) } ?? base }
            k >>= 1
            if k == 0 { break }
            base = base.matmul(base)
        }
        return result!
    }

    /// The matrix exponential exp(A) = Σ Aᵏ/k! of each square matrix. float64, float16 and bfloat16:
    /// Higham's scaling and squaring with a degree-13 Padé approximant, computed in float64 (and
    /// rounded once); float32: PyTorch's float32 algorithm step for step (Taylor polynomials of
    /// degree up to 18 and squarings, in float32: LinalgMatrixExpTaylor.swift), so that its
    /// rounding errors are PyTorch's. Its gradient is the adjoint Fréchet derivative: the top-right
    /// block of exp([[Aᵀ, g], [0, Aᵀ]]).
    ///
    ///     let r = Linalg.matrixExp(Tensor([[0, -1], [1, 0]]))   // rotation by 1 radian
    ///     r.sum().backward()
    public static func matrixExp(_ a: Tensor) -> Tensor {
        let n = checkSquare(a, "matrixExp", lowPrecision: true)
        let out = withNoGrad {
            a.dtype == .float32 && n > 1 && a.count > 0 ? expTaylorFloat32(a.detach())
                : expPade13(a.detach().to(.float64)).to(a.dtype)
        }
        return out.recorded(.linalgMatrixExp, a, save: .input0) { g, ctx in
            let at = ctx.input(0).mT
            let zeros = Tensor.zerosLike(at)
            let block = Tensor.cat([Tensor.cat([at, g], axis: -1), Tensor.cat([zeros, at], axis: -1)], axis: -2)
            return [matrixExp(block).narrow(axis: -2, start: 0, length: n).narrow(axis: -1, start: n, length: n)]
        }
    }

    /// exp(A) for a float64 batch [..., n, n], each matrix scaled by its own 2^-s so that its
    /// 1-norm is at most θ₁₃ = 5.37, then squared back s times.
    static func expPade13(_ a: Tensor) -> Tensor {
        let n = a.shape[a.rank - 1]
        if a.count == 0 { return a.copy() }
        let shape = a.shape
        let x = a.reshape([-1, n, n])
        let batch = x.shape[0]
        // s_i = max(0, ⌈log₂(‖A_i‖₁ / θ₁₃)⌉): the scaled matrix is inside the Padé approximant's accurate range.
        let norms = x.abs().sum(axis: -2).max(axis: -1).values.doubles
        let theta13 = 5.371920351148152
        let steps = norms.map { v -> Int in
            guard v.isFinite, v > theta13 else { return 0 }
            return Int(log2(v / theta13).rounded(.up))
        }
        let scale = Tensor(steps.map { exp2(-Double($0)) }, shape: [batch, 1, 1], dtype: .float64)
        let s = x * scale
        let b: [Double] = [64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800,
                           129060195264000, 10559470521600, 670442572800, 33522128640, 1323241920,
                           40840800, 960960, 16380, 182, 1]
        let id = Tensor.eye(n, dtype: .float64)
        let s2 = s.matmul(s), s4 = s2.matmul(s2), s6 = s4.matmul(s2)
        let uInner = s6 * b[13] + s4 * b[11] + s2 * b[9]
        let uOuter = s6.matmul(uInner) + s6 * b[7] + s4 * b[5] + s2 * b[3] + id * b[1]
        let u = s.matmul(uOuter)
        let vInner = s6 * b[12] + s4 * b[10] + s2 * b[8]
        let v = s6.matmul(vInner) + s6 * b[6] + s4 * b[4] + s2 * b[2] + id * b[0]
        // r = (V - U)⁻¹·(V + U); V - U is well conditioned for ‖S‖₁ ≤ θ₁₃ (Higham 2005).
        var r: Tensor
        do { r = try Kernels.solve(v - u, v + u, op: "matrixExp") }
        catch { return Tensor.full(shape, .nan, dtype: .float64) }   // NaN or infinite input: NaN out, as PyTorch
        let most = steps.max() ?? 0
        if most > 0 {
            let counts = Tensor(steps, shape: [batch, 1, 1])
            for step in 0..<most {
                // Matrices that need fewer squarings keep their value.
                r = Tensor.where(counts.gt(Double(step)), r.matmul(r), r)
            }
        }
        return r.reshape(shape)
    }
}
