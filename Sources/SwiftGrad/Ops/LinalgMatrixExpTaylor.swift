#if canImport(Glibc)
import Glibc
#endif

// matrixExp of float32 matrices as PyTorch computes it (Bader, Blanes and Casas, "Computing the
// matrix exponential with an optimized Taylor polynomial approximation", Mathematics 7 (2019) 1174):
// Taylor polynomials of degree 1, 2, 4, 8, 12 or 18 evaluated with 0 to 5 products, the degree
// chosen by the 1-norm against float32 thresholds θ; above θ₁₂ (and for every matrix of a batch of
// more than one) the matrix is scaled by 2⁻ˢ to within θ₁₈, the degree-18 polynomial evaluated and
// squared s times. Every step in float32, as PyTorch's: the coefficients rounded to float32,
// each linear combination summed term by term from 0, the products of small matrices (n³ < 400)
// summed in order (Kernels.sequentialProduct). Its error against the exact exponential (up to
// about 1e-3 relative in elements that cancel, for norms around 30) is thus PyTorch's own.

extension Linalg {
    /// The float32 thresholds of the degrees 1, 2, 4, 8, 12 and 18.
    private static let taylorThetas: [Float] = [1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02,
                                                5.800524627688768e-01, 1.461661507209034e+00, 3.010066362817634e+00]

    /// exp(A) of a float32 batch [..., n, n] (n ≥ 2, not empty), PyTorch's float32 algorithm (see the
    /// file's header). A matrix with a NaN or infinite entry gives NaN.
    static func expTaylorFloat32(_ a: Tensor) -> Tensor {
        let n = a.shape[a.rank - 1], shape = a.shape
        let x = a.contiguous().reshape([-1, n, n])
        let batch = x.shape[0]
        let norms = x.abs().sum(axis: -2).max(axis: -1).values.doubles.map { Float($0) }
        if batch == 1 && norms[0] < taylorThetas[4] {
            let v = norms[0]
            let evaluate: [(Tensor) -> Tensor] = [taylor1, taylor2, taylor4, taylor8, taylor12]
            for (i, f) in evaluate.enumerated() where (i == 0 ? -1 : taylorThetas[i - 1]) < v && v <= taylorThetas[i] {
                return f(x).reshape(shape)
            }
            return Tensor.full(shape, .nan, dtype: .float32)      // a NaN norm
        }
        return taylor18ScaledSquared(x, norms).reshape(shape)
    }

    /// A·B as PyTorch's float32 bmm: the in-order kernel below 400 multiply-adds, else BLAS.
    private static func product(_ a: Tensor, _ b: Tensor) -> Tensor {
        let n = a.shape[2]
        return n * n * n < 400 ? Kernels.sequentialProduct(a.contiguous(), b.contiguous()) : a.matmul(b)
    }

    /// Σ cᵢ·Tᵢ summed from 0 in order, each product and sum rounded to float32.
    private static func combine(_ terms: [Tensor], _ coefficients: [Float]) -> Tensor {
        var out = Tensor.zerosLike(terms[0])
        for (t, c) in zip(terms, coefficients) { out = out + t * Double(c) }
        return out
    }

    /// I, A, A², A³, A⁶ (the first `count`).
    private static func powers(_ a: Tensor, _ count: Int) -> [Tensor] {
        let n = a.shape[2]
        var p = [Tensor.eye(n, dtype: .float32).expand(a.shape).contiguous(), a]
        if count > 2 { p.append(product(a, a)) }
        if count > 3 { p.append(product(a, p[2])) }
        if count > 4 { p.append(product(p[3], p[3])) }
        return p
    }

    /// I + A.
    private static func taylor1(_ a: Tensor) -> Tensor {
        let p = powers(a, 2)
        return p[0] + p[1]
    }

    /// I + A + A²/2.
    private static func taylor2(_ a: Tensor) -> Tensor {
        let p = powers(a, 3)
        return p[0] + p[1] + p[2] / 2
    }

    /// I + A + A²·(I/2 + A/6 + A²/24).
    private static func taylor4(_ a: Tensor) -> Tensor {
        let p = powers(a, 3)
        let inner = combine(p, [Float(1 / 2.0), Float(1 / 6.0), Float(1 / 24.0)])
        return combine(p + [product(p[2], inner)], [1, 1, 0, 1])
    }

    /// Degree 8 with two products (the paper's (x₁…x₇, y₂); PyTorch's constants in float32, with
    /// x₇ = (89 − √177)/(5040·x₃²) as the paper has it and torch 2.15 computes it).
    private static func taylor8(_ a: Tensor) -> Tensor {
        let root = Double(Float(0.1330413469565007072504e+2))      // √177, stored in float32
        let x3f = Float(2.0 / 3.0), x3 = Double(x3f)
        let x1 = Float(x3 * ((1 + root) / 88)), x2 = Float(x3 * ((1 + root) / 352))
        let x4 = Float((-271 + 29 * root) / (315 * x3)), x5 = Float((-11 + 11 * root) / (1260 * x3))
        let x6 = Float((-99 + 11 * root) / (5040 * x3)), x7 = Float((89 - root) / (5040 * x3 * x3))
        let y2 = Float((857 - 58 * root) / 630)
        let p = powers(a, 3)
        let a4 = product(p[2], combine([p[1], p[2]], [x1, x2]))
        let a8 = product(combine([p[2], a4], [x3f, 1]), combine([p[0], p[1], p[2], a4], [x4, x5, x6, x7]))
        return combine([p[0], p[1], p[2], a4, a8], [1, 1, y2, 0, 1])
    }

    /// Degree 12 with three products.
    private static func taylor12(_ a: Tensor) -> Tensor {
        let b: [[Float]] = [
            [9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740],
            [5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031, 0.01108844528519167989],
            [0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968, 0.00610700528898058230],
            [-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079, -0.00675951846863086359]]
        let p = powers(a, 4)
        let c = b.map { combine(p, $0) }
        let c2 = c[2] + product(c[3], c[3])
        return c[0] + product(c[1] + c2, c2)
    }

    /// Degree 18 with four products.
    private static func taylor18(_ a: Tensor) -> Tensor {
        let b: [[Float]] = [
            [0, -1.00365581030144618291e-01, -8.02924648241156932449e-03, -8.92138498045729985177e-04, 0],
            [0, 3.97849749499645077844e-01, 1.36783778460411720168e+00, 4.98289622525382669416e-01, -6.37898194594723280150e-04],
            [-1.09676396052962061844e+01, 1.68015813878906206114e+00, 5.71779846478865511061e-02, -6.98210122488052056106e-03,
             3.34975017086070470649e-05],
            [-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02, 2.95552570429315521194e-02,
             -1.39180257516060693404e-05],
            [0, 0, -9.23364619367118555360e-02, -1.69364939002081722752e-02, -1.40086798182036094347e-05]]
        let p = powers(a, 5)
        let c = b.map { combine(p, $0) }
        let c3 = c[3] + product(c[0], c[4])
        return c[1] + product(c[2] + c3, c3)
    }

    /// Each matrix scaled by 2⁻ˢ, s = max(0, ⌈log₂(‖A‖₁/θ₁₈)⌉) in float32, its degree-18 polynomial
    /// squared s times; NaN for a matrix whose norm is not finite.
    private static func taylor18ScaledSquared(_ x: Tensor, _ norms: [Float]) -> Tensor {
        let batch = x.shape[0]
        let steps = norms.map { v -> Int in
            guard v.isFinite else { return 0 }
            return Int(Swift.max(0, Glibc.ceilf(Glibc.log2f(v / taylorThetas[5]))))
        }
        let scale = Tensor(steps.map { Double(Glibc.exp2f(-Float($0))) }, shape: [batch, 1, 1], dtype: .float32)
        var r = taylor18(x * scale)
        let most = steps.max() ?? 0
        if most > 0 {
            let counts = Tensor(steps, shape: [batch, 1, 1])
            // Matrices that need fewer squarings keep their value.
            for step in 0..<most { r = Tensor.where(counts.gt(Double(step)), product(r, r), r) }
        }
        if norms.contains(where: { !$0.isFinite }) {
            let bad = Tensor(norms.map { !$0.isFinite }, shape: [batch, 1, 1])
            r = Tensor.where(bad, Tensor.full([], .nan, dtype: .float32), r)
        }
        return r
    }
}
