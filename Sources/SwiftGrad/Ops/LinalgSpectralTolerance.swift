// The tolerances of the pseudo-inverse and the numerical rank (PyTorch's atol / rtol as numbers or
// tensors, and hermitian: true), and the two ops' shared spectral cores.

/// PyTorch's `atol` and `rtol` of `linalg.pinv` and `linalg.matrix_rank`, held as float64 tensors
/// (0-d for numbers) that broadcast against the input's batch shape.
struct SpectralTolerance {
    let atol: Tensor?
    let rtol: Tensor?

    init(atol: Double?, rtol: Double?) {
        self.atol = atol.map { Tensor.full([], $0, dtype: .float64) }
        self.rtol = rtol.map { Tensor.full([], $0, dtype: .float64) }
    }

    init(atol: Tensor?, rtol: Tensor?, op: String, input: Tensor) {
        for (name, t) in [("atol", atol), ("rtol", rtol)] {
            guard let t else { continue }
            check(t.dtype != .bool, "\(op): \(name) must be a real number tensor, got bool of shape \(t.shape) (input \(input.shape))")
        }
        // Tolerances are not differentiated (PyTorch compares with them only).
        self.atol = atol.map { t in withNoGrad { t.detach().to(.float64) } }
        self.rtol = rtol.map { t in withNoGrad { t.detach().to(.float64) } }
    }

    /// The batch shape of the result: the input's batch shape broadcast with the tolerances' shapes.
    func batch(_ a: Tensor, op: String) -> [Int] {
        var shape = Linalg.batchShape(a)
        for t in [atol, rtol] {
            guard let t else { continue }
            check(Linalg.broadcastable(shape, t.shape),
                  "\(op): tolerance of shape \(t.shape) does not broadcast with the batch shape \(shape) of the input \(a.shape)")
            shape = broadcastShape(shape, t.shape, op: op)
        }
        return shape
    }

    /// The threshold max(atol, rtol·σ_max), [..., 1] in float64, for spectra whose largest magnitude is
    /// `largest` [..., 1]. As PyTorch: rtol defaults to eps(dtype)·max(m, n), or to 0 where an atol
    /// above 0 is given.
    func threshold(largest: Tensor, dtype: DType, m: Int, n: Int) -> Tensor {
        withNoGrad {
            let defaultRtol = Linalg.epsilon(dtype) * Double(Swift.max(m, n))
            let a = atol ?? Tensor.zeros([], dtype: .float64)
            let r = rtol ?? atol.map { Tensor.where($0.gt(0), Tensor.zeros([], dtype: .float64), Tensor.full([], defaultRtol, dtype: .float64)) }
                ?? Tensor.full([], defaultRtol, dtype: .float64)
            return Tensor.maximum(a.unsqueeze(axis: -1), r.unsqueeze(axis: -1) * largest.to(.float64))
        }
    }
}

extension Linalg {
    /// Whether two shapes broadcast (PyTorch's rules), without stopping.
    static func broadcastable(_ a: [Int], _ b: [Int]) -> Bool {
        zip(a.reversed(), b.reversed()).allSatisfy { $0 == $1 || $0 == 1 || $1 == 1 }
    }

    /// The Moore-Penrose pseudo-inverse with tensor tolerances: `atol` and `rtol` broadcast with the
    /// batch shape of `a` (one tolerance per matrix, or a grid of them), as PyTorch's tensor
    /// `atol=`/`rtol=`. Pass nil for a default (see `pinv(_:atol:rtol:hermitian:)`).
    ///
    ///     let p = try Linalg.pinv(batch, atol: Tensor([1e-3, 1e-6], dtype: .float64), rtol: nil)
    ///     let q = try Linalg.pinv(sym, atol: nil, rtol: Tensor(1e-4, dtype: .float64), hermitian: true)
    public static func pinv(_ a: Tensor, atol: Tensor?, rtol: Tensor?, hermitian: Bool = false) throws(LinalgError) -> Tensor {
        try pinv(a, SpectralTolerance(atol: atol, rtol: rtol, op: "pinv", input: a), hermitian: hermitian)
    }

    /// The numerical rank with tensor tolerances (broadcast with the batch shape of `a`), as
    /// PyTorch's tensor `atol=`/`rtol=`. Pass nil for a default.
    ///
    ///     let r = try Linalg.matrixRank(batch, atol: Tensor([0.5, 1e-3], dtype: .float64), rtol: nil)
    ///     let h = try Linalg.matrixRank(sym, atol: nil, rtol: Tensor(0.1, dtype: .float64), hermitian: true)
    public static func matrixRank(_ a: Tensor, atol: Tensor?, rtol: Tensor?, hermitian: Bool = false) throws(LinalgError) -> Tensor {
        try matrixRank(a, SpectralTolerance(atol: atol, rtol: rtol, op: "matrixRank", input: a), hermitian: hermitian)
    }

    /// pinv's core. General: from the SVD, σ > tol inverted. Hermitian: from `eigh` of the lower
    /// triangle, |λ| > tol inverted with its sign kept. Both record `linalg_pinv`, whose gradient is
    /// the constant-rank formula on the dense input, as PyTorch's (for a hermitian input that is
    /// not symmetric PyTorch differentiates as if the whole matrix had been read; so do we).
    static func pinv(_ a: Tensor, _ tol: SpectralTolerance, hermitian: Bool) throws(LinalgError) -> Tensor {
        if hermitian { checkSquare(a, "pinv") } else { checkMatrix(a, "pinv") }
        let m = a.shape[a.rank - 2], n = a.shape[a.rank - 1]
        let batch = tol.batch(a, op: "pinv")
        let p: Tensor
        if Swift.min(m, n) == 0 {
            p = Tensor.zeros(batch + [n, m], dtype: a.dtype)
        } else if hermitian {
            let (w, v) = try Kernels.eigh(a, upper: false, vectors: true, op: "pinv")
            p = withNoGrad {
                let magnitude = w.abs()
                let largest = magnitude.amax(axis: -1, keepDim: true)
                let keep = magnitude.to(.float64).gt(tol.threshold(largest: largest, dtype: a.dtype, m: m, n: n))
                // 1/λ where kept (the masked entries never divide), else 0: V·diag(λ⁺)·Vᵀ.
                let inverse = Tensor.where(keep, 1.0 / Tensor.where(keep, w, Tensor.onesLike(w)), Tensor.zerosLike(w))
                return (v! * inverse.unsqueeze(axis: -2)).matmul(v!.mT)
            }
        } else {
            let (u, s, vh) = try Kernels.svd(a, vectors: true, full: false, op: "pinv")
            p = withNoGrad {
                let keep = s.to(.float64).gt(tol.threshold(largest: s.narrow(axis: -1, start: 0, length: 1), dtype: a.dtype, m: m, n: n))
                let sInv = Tensor.where(keep, 1.0 / Tensor.where(keep, s, Tensor.onesLike(s)), Tensor.zerosLike(s))
                // Vᵀ·diag(σ⁺)·Uᵀ; sInv carries the tolerances' batch axes, mm broadcasts u over them.
                return Tensor.mm(vh! * sInv.unsqueeze(axis: -1), u!, transA: true, transB: true)
            }
        }
        return p.recorded(.linalgPinv, a, save: [.input0, .output]) { g, ctx in
            [pinvBackward(g, a: ctx.input(0), pinv: ctx.output)]
        }
    }

    /// matrixRank's core: the count of σ (or |λ| for `hermitian`, lower triangle read) above the tolerance.
    static func matrixRank(_ a: Tensor, _ tol: SpectralTolerance, hermitian: Bool) throws(LinalgError) -> Tensor {
        if hermitian { checkSquare(a, "matrixRank") } else { checkMatrix(a, "matrixRank") }
        let m = a.shape[a.rank - 2], n = a.shape[a.rank - 1]
        let batch = tol.batch(a, op: "matrixRank")
        if Swift.min(m, n) == 0 { return Tensor.zeros(batch, dtype: .int64) }
        let s = hermitian ? try Kernels.eigh(a, upper: false, vectors: false, op: "matrixRank").values
                          : try Kernels.svd(a, vectors: false, full: false, op: "matrixRank").s
        return withNoGrad {
            let magnitude = hermitian ? s.abs() : s
            let largest = hermitian ? magnitude.amax(axis: -1, keepDim: true) : magnitude.narrow(axis: -1, start: 0, length: 1)
            return magnitude.to(.float64).gt(tol.threshold(largest: largest, dtype: a.dtype, m: m, n: n)).sum(axis: -1)
        }
    }
}
