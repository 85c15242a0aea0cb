import Foundation
@testable import SwiftGrad

// Rows of the op_db entries added by ops16new: the Bessel, Airy, error-function and polynomial
// family of torch.special, torch.signal.windows, the in-place random fills, and entries whose
// functions existed without a row (creation overloads, linalg decompositions and solvers).

extension Call {
    /// A list of Python numbers as doubles.
    func doubles(_ name: String) throws -> [Double] {
        guard case .list(let xs)? = value(name) else { return [try double(name)] }
        return try xs.map { v -> Double in
            switch v {
            case .float(let d): return d
            case .int(let i): return Double(i)
            default: throw Unsupported("\(name) holds \(v)")
            }
        }
    }

    /// A Python number or a 0-d tensor as Double (the `tensor_overload` variants of creation ops).
    func scalarOrTensor(_ name: String) throws -> Double {
        if isTensor(name) {
            let t = try tensor(name)
            try require(t.count == 1, "\(name) of shape \(t.shape)")
            return t.to(.float64).item()
        }
        return try double(name)
    }
}

/// A unary special function of any dtype (integers and bools compute in float32).
private func special(_ spelling: String, _ f: @escaping (Tensor) -> Tensor) -> Mapping {
    m(spelling, "input", dtypes: .all) { c in f(try c.x) }
}

/// A polynomial of x and a degree `n` (a tensor or a Python number).
private func polynomial(_ spelling: String, _ f: @escaping (Tensor, Tensor) -> Tensor) -> Mapping {
    m(spelling, "input", "n", dtypes: .all) { c in let x = try c.x; return f(x, try c.operand("n", for: x)) }
}

/// A `torch.signal.windows` function: `M`, `sym`, the creation keywords, and its own parameters.
private func window(_ spelling: String, _ extra: String..., f: @escaping (Call, Int, Bool, DType) throws -> Tensor) -> Mapping {
    Mapping(spelling: spelling, params: ["M"] + extra + ["sym", "dtype", "layout", "device", "requires_grad"], dtypes: .f64f32) { c in
        try c.reject("requires_grad", unless: .bool(false))
        return try f(c, try c.int("M"), try c.bool("sym", true), try c.dtypeOrNil("dtype") ?? .float32)
    }
}

/// A `torch.masked` reduction `op(input, dim, *, keepdim, dtype, mask)`.
private func maskedReduction(_ spelling: String, dtypes: DTypes = .all,
                             _ f: @escaping (Tensor, [Int]?, Bool, Tensor?) -> Tensor) -> Mapping {
    m(spelling, "input", "dim", "keepdim", "dtype", "mask", dtypes: dtypes) { c in
        f(try c.castInput(c.x), try c.axes(), try c.bool("keepdim", false), try c.tensorOrNil("mask"))
    }
}

/// A `torch.masked` op along one axis, `op(input, dim, *, dtype, mask)`.
private func maskedAlong(_ spelling: String, dtypes: DTypes = .floating, _ f: @escaping (Tensor, Int, Tensor?) -> Tensor) -> Mapping {
    m(spelling, "input", "dim", "dtype", "mask", dtypes: dtypes) { c in
        f(try c.castInput(c.x), try c.int("dim"), try c.tensorOrNil("mask"))
    }
}

/// `torch.masked.var`/`std`: `correction=` or `unbiased=` (default 1).
private func maskedSpread(_ spelling: String, _ f: @escaping (Tensor, [Int]?, Double, Bool, Tensor?) -> Tensor) -> Mapping {
    m(spelling, "input", "dim", "unbiased", "keepdim", "dtype", "mask", "correction", dtypes: .numeric) { c in
        let correction = c.has("correction") ? try c.double("correction") : (try c.bool("unbiased", true) ? 1 : 0)
        return f(try c.castInput(c.x), try c.axes(), correction, try c.bool("keepdim", false), try c.tensorOrNil("mask"))
    }
}

extension ConformanceTable {
    static var ops16newRows: [String: Mapping] {
        var rows = specialRows
        rows.merge(maskedRows) { _, _ in fatalError("ConformanceTable: an op_db entry has two rows") }
        rows.merge(windowAndRandomRows) { _, _ in fatalError("ConformanceTable: an op_db entry has two rows") }
        rows.merge(existingFunctionRows) { _, _ in fatalError("ConformanceTable: an op_db entry has two rows") }
        rows.merge(miscRows) { _, _ in fatalError("ConformanceTable: an op_db entry has two rows") }
        rows.merge(laterRows) { _, _ in fatalError("ConformanceTable: an op_db entry has two rows") }
        return rows
    }

    static var specialRows: [String: Mapping] { [
        "special.bessel_j0": special("x.besselJ0()") { $0.besselJ0() },
        "special.bessel_j1": special("x.besselJ1()") { $0.besselJ1() },
        "special.bessel_y0": special("x.besselY0()") { $0.besselY0() },
        "special.bessel_y1": special("x.besselY1()") { $0.besselY1() },
        "special.modified_bessel_i0": special("x.modifiedBesselI0()") { $0.modifiedBesselI0() },
        "special.modified_bessel_i1": special("x.modifiedBesselI1()") { $0.modifiedBesselI1() },
        "special.modified_bessel_k0": special("x.modifiedBesselK0()") { $0.modifiedBesselK0() },
        "special.modified_bessel_k1": special("x.modifiedBesselK1()") { $0.modifiedBesselK1() },
        "special.scaled_modified_bessel_k0": special("x.scaledModifiedBesselK0()") { $0.scaledModifiedBesselK0() },
        "special.scaled_modified_bessel_k1": special("x.scaledModifiedBesselK1()") { $0.scaledModifiedBesselK1() },
        "special.spherical_bessel_j0": special("x.sphericalBesselJ0()") { $0.sphericalBesselJ0() },
        "special.airy_ai": special("x.airyAi()") { $0.airyAi() },
        "special.erfcx": special("x.erfcx()") { $0.erfcx() },
        "special.log_ndtr": special("x.logNdtr()") { $0.logNdtr() },
        "special.polygamma.special_polygamma_n_0": m("x.polygamma(n)", "input", "n", dtypes: .all) { c in
            (try c.x).polygamma(try c.int("n"))
        },
        "special.zeta": m("x.zeta(q)", "input", "other", dtypes: .all) { c in
            let x = try c.x
            return x.zeta(try c.operand("other", for: x))
        },
        "special.chebyshev_polynomial_t": polynomial("x.chebyshevPolynomialT(n)") { $0.chebyshevPolynomialT($1) },
        "special.chebyshev_polynomial_u": polynomial("x.chebyshevPolynomialU(n)") { $0.chebyshevPolynomialU($1) },
        "special.chebyshev_polynomial_v": polynomial("x.chebyshevPolynomialV(n)") { $0.chebyshevPolynomialV($1) },
        "special.chebyshev_polynomial_w": polynomial("x.chebyshevPolynomialW(n)") { $0.chebyshevPolynomialW($1) },
        "special.shifted_chebyshev_polynomial_t": polynomial("x.shiftedChebyshevPolynomialT(n)") { $0.shiftedChebyshevPolynomialT($1) },
        "special.shifted_chebyshev_polynomial_u": polynomial("x.shiftedChebyshevPolynomialU(n)") { $0.shiftedChebyshevPolynomialU($1) },
        "special.shifted_chebyshev_polynomial_v": polynomial("x.shiftedChebyshevPolynomialV(n)") { $0.shiftedChebyshevPolynomialV($1) },
        "special.shifted_chebyshev_polynomial_w": polynomial("x.shiftedChebyshevPolynomialW(n)") { $0.shiftedChebyshevPolynomialW($1) },
        "special.hermite_polynomial_h": polynomial("x.hermitePolynomialH(n)") { $0.hermitePolynomialH($1) },
        "special.hermite_polynomial_he": polynomial("x.hermitePolynomialHe(n)") { $0.hermitePolynomialHe($1) },
        "special.laguerre_polynomial_l": polynomial("x.laguerrePolynomialL(n)") { $0.laguerrePolynomialL($1) },
        "special.legendre_polynomial_p": polynomial("x.legendrePolynomialP(n)") { $0.legendrePolynomialP($1) },
    ] }

    static var maskedRows: [String: Mapping] { [
        "masked.sum": maskedReduction("Masked.sum(x, axes:keepDim:mask:)") { Masked.sum($0, axes: $1, keepDim: $2, mask: $3) },
        "masked.prod": maskedReduction("Masked.prod(x, axes:keepDim:mask:)") { Masked.prod($0, axes: $1, keepDim: $2, mask: $3) },
        "masked.amax": maskedReduction("Masked.amax(x, axes:keepDim:mask:)", dtypes: .numeric) { Masked.amax($0, axes: $1, keepDim: $2, mask: $3) },
        "masked.amin": maskedReduction("Masked.amin(x, axes:keepDim:mask:)", dtypes: .numeric) { Masked.amin($0, axes: $1, keepDim: $2, mask: $3) },
        "masked.mean": maskedReduction("Masked.mean(x, axes:keepDim:mask:)", dtypes: .floating) { Masked.mean($0, axes: $1, keepDim: $2, mask: $3) },
        "masked.logsumexp": maskedReduction("Masked.logsumexp(x, axes:keepDim:mask:)", dtypes: .numeric) {
            Masked.logsumexp($0, axes: $1, keepDim: $2, mask: $3)
        },
        "masked.argmax": m("Masked.argmax(x, axis:keepDim:mask:)", "input", "dim", "keepdim", "dtype", "mask", dtypes: .numeric) { c in
            Masked.argmax(try c.x, axis: try c.intOrNil("dim"), keepDim: try c.bool("keepdim", false), mask: try c.tensorOrNil("mask"))
                .to(try c.dtypeOrNil("dtype") ?? (try c.x).dtype)
        },
        "masked.argmin": m("Masked.argmin(x, axis:keepDim:mask:)", "input", "dim", "keepdim", "dtype", "mask", dtypes: .numeric) { c in
            Masked.argmin(try c.x, axis: try c.intOrNil("dim"), keepDim: try c.bool("keepdim", false), mask: try c.tensorOrNil("mask"))
                .to(try c.dtypeOrNil("dtype") ?? (try c.x).dtype)
        },
        "masked.median": m("Masked.median(x, axis:keepDim:mask:)", "input", "dim", "keepdim", "dtype", "mask") { c in
            Masked.median(try c.castInput(c.x), axis: try c.int("dim", -1), keepDim: try c.bool("keepdim", false), mask: try c.tensorOrNil("mask"))
        },
        "masked.norm": m("Masked.norm(x, ord:axes:keepDim:mask:)", "input", "ord", "dim", "keepdim", "dtype", "mask") { c in
            Masked.norm(try c.castInput(c.x), ord: try c.double("ord", 2), axes: try c.axes(), keepDim: try c.bool("keepdim", false),
                        mask: try c.tensorOrNil("mask"))
        },
        "masked.var": maskedSpread("Masked.variance(x, axes:correction:keepDim:mask:)") {
            Masked.variance($0, axes: $1, correction: $2, keepDim: $3, mask: $4)
        },
        "masked.std": maskedSpread("Masked.std(x, axes:correction:keepDim:mask:)") { Masked.std($0, axes: $1, correction: $2, keepDim: $3, mask: $4) },
        "masked.softmax": maskedAlong("Masked.softmax(x, axis:mask:)") { Masked.softmax($0, axis: $1, mask: $2) },
        "masked.log_softmax": maskedAlong("Masked.logSoftmax(x, axis:mask:)") { Masked.logSoftmax($0, axis: $1, mask: $2) },
        "masked.softmin": maskedAlong("Masked.softmin(x, axis:mask:)") { Masked.softmin($0, axis: $1, mask: $2) },
        "masked.cumsum": maskedAlong("Masked.cumsum(x, axis:mask:)", dtypes: .numeric) { Masked.cumsum($0, axis: $1, mask: $2) },
        "masked.cumprod": maskedAlong("Masked.cumprod(x, axis:mask:)", dtypes: .numeric) { Masked.cumprod($0, axis: $1, mask: $2) },
        "masked.normalize": m("Masked.normalize(x, ord:axis:eps:mask:)", "input", "ord", "dim", "eps", "dtype", "mask") { c in
            Masked.normalize(try c.castInput(c.x), ord: try c.double("ord"), axis: try c.int("dim"), eps: try c.double("eps", 1e-12),
                             mask: try c.tensorOrNil("mask"))
        },
        "masked.logaddexp": m("Masked.logaddexp(a, b, maskA:maskB:)", "input", "other", "dtype", "input_mask", "other_mask") { c in
            Masked.logaddexp(try c.castInput(c.x), try c.castInput(c.tensor("other")), maskA: try c.tensorOrNil("input_mask"),
                             maskB: try c.tensorOrNil("other_mask"))
        },
    ] }

    static var windowAndRandomRows: [String: Mapping] { [
        "signal.windows.hamming": window("SignalWindows.hamming(m, sym:dtype:)") { _, n, sym, d in SignalWindows.hamming(n, sym: sym, dtype: d) },
        "signal.windows.hann": window("SignalWindows.hann(m, sym:dtype:)") { _, n, sym, d in SignalWindows.hann(n, sym: sym, dtype: d) },
        "signal.windows.bartlett": window("SignalWindows.bartlett(m, sym:dtype:)") { _, n, sym, d in SignalWindows.bartlett(n, sym: sym, dtype: d) },
        "signal.windows.blackman": window("SignalWindows.blackman(m, sym:dtype:)") { _, n, sym, d in SignalWindows.blackman(n, sym: sym, dtype: d) },
        "signal.windows.cosine": window("SignalWindows.cosine(m, sym:dtype:)") { _, n, sym, d in SignalWindows.cosine(n, sym: sym, dtype: d) },
        "signal.windows.nuttall": window("SignalWindows.nuttall(m, sym:dtype:)") { _, n, sym, d in SignalWindows.nuttall(n, sym: sym, dtype: d) },
        "signal.windows.gaussian": window("SignalWindows.gaussian(m, std:sym:dtype:)", "std") { c, n, sym, d in
            SignalWindows.gaussian(n, std: try c.double("std", 1), sym: sym, dtype: d)
        },
        "signal.windows.kaiser": window("SignalWindows.kaiser(m, beta:sym:dtype:)", "beta") { c, n, sym, d in
            SignalWindows.kaiser(n, beta: try c.double("beta", 12), sym: sym, dtype: d)
        },
        "signal.windows.exponential": window("SignalWindows.exponential(m, center:tau:sym:dtype:)", "center", "tau") { c, n, sym, d in
            SignalWindows.exponential(n, center: try c.doubleOrNil("center"), tau: try c.double("tau", 1), sym: sym, dtype: d)
        },
        "signal.windows.general_cosine": window("SignalWindows.generalCosine(m, a:sym:dtype:)", "a") { c, n, sym, d in
            SignalWindows.generalCosine(n, a: try c.doubles("a"), sym: sym, dtype: d)
        },
        "signal.windows.general_hamming": window("SignalWindows.generalHamming(m, alpha:sym:dtype:)", "alpha") { c, n, sym, d in
            SignalWindows.generalHamming(n, alpha: try c.double("alpha", 0.54), sym: sym, dtype: d)
        },
        // Random fills: op_db compares only shapes and dtypes (the samples are drawn from our generator).
        "cauchy": m("x.fillCauchy(median:sigma:)", "input", "median", "sigma", "generator") { c in
            (try c.x).clone().fillCauchy(median: try c.double("median", 0), sigma: try c.double("sigma", 1))
        },
        "exponential": m("x.fillExponential(lambda:)", "input", "lambd", "generator") { c in
            (try c.x).clone().fillExponential(lambda: try c.double("lambd", 1))
        },
        "geometric": m("x.fillGeometric(p:)", "input", "p", "generator", dtypes: .numeric) { c in
            (try c.x).clone().fillGeometric(p: try c.double("p"))
        },
        "log_normal": m("x.fillLogNormal(mean:std:)", "input", "mean", "std", "generator") { c in
            (try c.x).clone().fillLogNormal(mean: try c.double("mean", 1), std: try c.double("std", 2))
        },
        "normal.in_place": m("x.fillNormal(mean:std:)", "input", "mean", "std", "generator") { c in
            (try c.x).clone().fillNormal(mean: try c.double("mean", 0), std: try c.double("std", 1))
        },
        "normal.number_mean": m("normal(mean:std:shape:dtype:), normal(mean: Double, std: Tensor)", "mean", "std", "size", "generator",
                                "dtype", "layout", "device") { c in
            if c.has("layout") { try c.require("\(c.value("layout")!)".contains("strided"), "layout") }
            if c.isTensor("std") { return normal(mean: try c.double("mean"), std: try c.tensor("std")) }
            return normal(mean: try c.double("mean"), std: try c.double("std", 1), shape: try c.ints("size"),
                          dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
    ] }

    static var existingFunctionRows: [String: Mapping] { [
        "cross": m("Linalg.cross(a, b, axis:) (dim None: the first axis of size 3)", "input", "other", "dim", dtypes: .all) { c in
            let a = try c.x, b = try c.tensor("other")
            if let d = try c.intOrNil("dim") { return Linalg.cross(a, b, axis: d) }
            let shape = broadcastShape(a.shape, b.shape, op: "cross")
            guard let axis = shape.firstIndex(of: 3) else { throw Unsupported("no axis of size 3") }
            return Linalg.cross(a, b, axis: axis)
        },
        "arange": m("Tensor.arange(start, end, step:dtype:)", "start", "end", "step", "dtype", "device", "layout", "requires_grad",
                    dtypes: .all) { c in
            let d = try c.dtypeOrNil("dtype") ?? .int64
            let (start, end) = c.has("end") ? (try c.double("start"), try c.double("end")) : (0, try c.double("start"))
            return Tensor.arange(start, end, step: try c.double("step", 1), dtype: d)
        },
        "linspace.tensor_overload": m("Tensor.linspace(start, end, steps:dtype:) (0-d tensor bounds)", "start", "end", "steps", "dtype", "device",
                                      dtypes: .all) { c in
            Tensor.linspace(try c.scalarOrTensor("start"), try c.scalarOrTensor("end"), steps: try c.int("steps"),
                            dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "logspace.tensor_overload": m("Tensor.logspace(start, end, steps:base:dtype:) (0-d tensor bounds)", "start", "end", "steps", "base",
                                      "dtype", "device", dtypes: .all) { c in
            Tensor.logspace(try c.scalarOrTensor("start"), try c.scalarOrTensor("end"), steps: try c.int("steps"),
                            base: try c.double("base", 10), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "broadcast_shapes": m("Tensor.broadcastShapes(shapes)", "input", "s1", "s2", "s3", dtypes: .all) { c in
            Tensor.broadcastShapes(try ["input", "s1", "s2", "s3"].filter { c.has($0) }.map { try c.ints($0) })
        },
        "linalg.qr": m("Linalg.qr(a, mode:)", "input", "mode", dtypes: .f64f32) { c in
            let mode: QRMode
            switch try c.string("mode", "reduced") {
            case "reduced": mode = .reduced
            case "complete": mode = .complete
            case let s: throw Unsupported("mode=\(s)")
            }
            let r = try Linalg.qr(try c.x, mode: mode)
            return outs(r.q, r.r)
        },
        "linalg.svd": m("Linalg.svd(a, fullMatrices:)", "input", "full_matrices", "driver", dtypes: .f64f32) { c in
            try c.reject("driver")
            let r = try Linalg.svd(try c.x, fullMatrices: try c.bool("full_matrices", true))
            return outs(c.signAligned(r.u, output: 0), r.s, c.signAligned(r.vh, output: 2, rows: true))
        },
        "svd": m("Linalg.svd(a, fullMatrices: !some) → (u, s, vh.mT)", "input", "some", "compute_uv", dtypes: .f64f32) { c in
            try c.reject("compute_uv", unless: .bool(true))
            let r = try Linalg.svd(try c.x, fullMatrices: !(try c.bool("some", true)))
            return outs(c.signAligned(r.u, output: 0), r.s, c.signAligned(r.vh.mT, output: 2))
        },
        "linalg.lstsq": lstsqRow(gradOriented: false),
        "linalg.lstsq.grad_oriented": lstsqRow(gradOriented: true),
        // op_db's variant is `lambda a, b: torch.linalg.pinv(a @ b.mT)` (a rank-deficient product).
        "linalg.pinv.singular": m("Linalg.pinv(a.matmul(b.mT))", "input", "b", dtypes: .f64f32) { c in
            try Linalg.pinv((try c.x).matmul((try c.tensor("b")).mT))
        },
        "linalg.pinv.hermitian": m("Linalg.pinv(a, atol:rtol:hermitian:)", "input", "atol", "rtol", "hermitian", dtypes: .f64f32) { c in
            try pinvRow(c)
        },
        "linalg.matrix_rank.hermitian": m("Linalg.matrixRank(a, atol:rtol:hermitian:)", "input", "atol", "rtol", "hermitian",
                                          dtypes: .f64f32) { c in
            try matrixRankRow(c)
        },
    ] }

    /// `torch.linalg.pinv(A, atol=, rtol=, hermitian=)`, with number or tensor tolerances.
    static func pinvRow(_ c: Call) throws -> Tensor {
        let hermitian = try c.bool("hermitian", false)
        if let (atol, rtol) = try c.tolerancesAsTensors() {
            return try Linalg.pinv(try c.x, atol: atol, rtol: rtol, hermitian: hermitian)
        }
        return try Linalg.pinv(try c.x, atol: try c.doubleOrNil("atol"), rtol: try c.doubleOrNil("rtol"), hermitian: hermitian)
    }

    /// `torch.linalg.matrix_rank(A, atol=, rtol=, hermitian=)`, with number or tensor tolerances.
    static func matrixRankRow(_ c: Call) throws -> Tensor {
        let hermitian = try c.bool("hermitian", false)
        if let (atol, rtol) = try c.tolerancesAsTensors() {
            return try Linalg.matrixRank(try c.x, atol: atol, rtol: rtol, hermitian: hermitian)
        }
        return try Linalg.matrixRank(try c.x, atol: try c.doubleOrNil("atol"), rtol: try c.doubleOrNil("rtol"), hermitian: hermitian)
    }

    /// `torch.linalg.lstsq(A, B, driver=)` → (solution, residuals, rank, singular_values), with
    /// PyTorch's empty outputs for the drivers that do not compute them.
    private static func lstsqRow(gradOriented: Bool) -> Mapping {
        m("Linalg.lstsq(a, b, rcond:)", "input", "b", "rcond", "driver", dtypes: .f64f32) { c in
            let a = try c.x
            let r = try Linalg.lstsq(a, try c.tensor("b"), rcond: try c.doubleOrNil("rcond"))
            let driver = try c.string("driver", "gelsy")
            let empty = Tensor.zeros([0], dtype: a.dtype)
            if gradOriented { return outs(r.solution, r.residuals) }
            let rank = driver == "gels" ? Tensor.zeros([0], dtype: .int64) : r.rank
            let sv = driver == "gelsd" || driver == "gelss" ? r.singularValues : empty
            return outs(r.solution, r.residuals, rank, sv)
        }
    }

    static var miscRows: [String: Mapping] { [
        "frexp": m("x.frexp() → (mantissa, exponent)", "input") { c in let r = (try c.x).frexp(); return outs(r.mantissa, r.exponent) },
        "nextafter": m("x.nextafter(other)", "input", "other") { c in (try c.x).nextafter(try c.tensor("other")) },
        "angle": m("x.angle()", "input", dtypes: .all) { c in (try c.x).angle() },
        "isreal": m("x.isreal()", "input", dtypes: .all) { c in (try c.x).isreal() },
        "fft.fftshift": m("x.fftshift(axes:)", "input", "dim", dtypes: .all) { c in (try c.x).fftshift(axes: try c.axes()) },
        "fft.ifftshift": m("x.ifftshift(axes:)", "input", "dim", dtypes: .all) { c in (try c.x).ifftshift(axes: try c.axes()) },
        "put": m("x.put(index, source, accumulate:)", "input", "index", "source", "accumulate", dtypes: .all) { c in
            (try c.x).put(try c.tensor("index"), try c.tensor("source"), accumulate: try c.bool("accumulate", false))
        },
        "unravel_index": m("Tensor.unravelIndex(indices, shape:)", "indices", "shape", dtypes: .all) { c in
            Tensor.unravelIndex(try c.tensor("indices"), shape: try c.ints("shape"))
        },
        "nonzero_static": m("x.nonzeroStatic(size:fillValue:)", "input", "size", "fill_value", dtypes: .all) { c in
            (try c.x).nonzeroStatic(size: try c.int("size"), fillValue: try c.int("fill_value", -1))
        },
        "slice": m("x.slice(axis:start:end:step:)", "input", "dim", "start", "end", "step", dtypes: .all) { c in
            (try c.x).slice(axis: try c.int("dim", 0), start: try c.intOrNil("start"), end: try c.intOrNil("end"), step: try c.int("step", 1))
        },
        "sum_to_size": m("x.sumToSize(size)", "input", "s0", "s1", "s2", "s3", dtypes: .all) { c in
            // sum_to_size(*size): one list, or the sizes as separate ints.
            if case .list? = c.value("s0") { return (try c.x).sumToSize(try c.ints("s0")) }
            return (try c.x).sumToSize(try ["s0", "s1", "s2", "s3"].filter { c.has($0) }.map { try c.int($0) })
        },
        "masked_scatter": m("x.maskedScatter(mask, source)", "input", "mask", "source", dtypes: .all) { c in
            (try c.x).maskedScatter(try c.tensor("mask"), try c.tensor("source"))
        },
        "as_strided_scatter": m("x.asStridedScatter(src, shape:strides:offset:)", "input", "src", "size", "stride", "storage_offset",
                                dtypes: .all) { c in
            (try c.x).asStridedScatter(try c.tensor("src"), shape: try c.ints("size"), strides: try c.ints("stride"),
                                       offset: try c.int("storage_offset", 0))
        },
        "index_reduce.prod": indexReduceRow(.prod), "index_reduce.mean": indexReduceRow(.mean),
        "index_reduce.amax": indexReduceRow(.amax), "index_reduce.amin": indexReduceRow(.amin),
        "linalg.cholesky_ex": m("Linalg.choleskyEx(a, upper:)", "input", "upper", "check_errors", dtypes: .f64f32) { c in
            let r = try Linalg.choleskyEx(try c.x, upper: try c.bool("upper", false))
            return outs(r.l, r.info)
        },
        "linalg.inv_ex": m("Linalg.invEx(a)", "input", "check_errors", dtypes: .f64f32) { c in
            let r = try Linalg.invEx(try c.x)
            return outs(r.inverse, r.info)
        },
        "linalg.solve_ex": m("Linalg.solveEx(a, b, left:)", "input", "B", "left", "check_errors", dtypes: .f64f32) { c in
            let r = try Linalg.solveEx(try c.x, try c.tensor("B"), left: try c.bool("left", true))
            return outs(r.result, r.info)
        },
        "linalg.vander": m("Linalg.vander(x, count:)", "x", "N", dtypes: .numeric) { c in
            Linalg.vander(try c.tensor("x"), count: try c.intOrNil("N"))
        },
        "linalg.tensorinv": m("Linalg.tensorinv(a, ind:)", "input", "ind", dtypes: .f64f32) { c in
            try Linalg.tensorinv(try c.x, ind: try c.int("ind", 2))
        },
        "linalg.tensorsolve": m("Linalg.tensorsolve(a, b, axes:)", "input", "other", "dims", dtypes: .f64f32) { c in
            try Linalg.tensorsolve(try c.x, try c.tensor("other"), axes: try c.intsOrNil("dims"))
        },
        // Uninitialised creation: op_db compares only shapes and dtypes; zeros here (strides not kept).
        "empty_strided": m("Tensor.zeros(shape, dtype:) (uninitialised and strided in PyTorch)", "size", "stride", "dtype", "layout",
                           "device", "requires_grad", "pin_memory", dtypes: .all) { c in
            Tensor.zeros(try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "new_empty_strided": m("Tensor.zeros(shape, dtype: x.dtype) (uninitialised and strided in PyTorch)", "input", "size", "stride",
                               "dtype", "layout", "device", "requires_grad", "pin_memory", dtypes: .all) { c in
            Tensor.zeros(try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? (try c.x).dtype)
        },
        "empty_permuted": m("Tensor.zeros(shape, dtype:) (uninitialised and permuted in PyTorch)", "size", "physical_layout", "dtype",
                            "layout", "device", "requires_grad", "pin_memory", dtypes: .all) { c in
            Tensor.zeros(try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
    ] }

    private static func indexReduceRow(_ r: ScatterReduction) -> Mapping {
        m("x.indexReduce(axis:index:source:reduce: .\(r), includeSelf:)", "input", "dim", "index", "source", "reduce", "include_self",
          dtypes: .numeric) { c in
            try c.require(try c.string("reduce", r.rawValue) == r.rawValue, "reduce")
            return (try c.x).indexReduce(axis: try c.int("dim"), index: try c.tensor("index"), source: try c.tensor("source"),
                                         reduce: r, includeSelf: try c.bool("include_self", true))
        }
    }

    static var laterRows: [String: Mapping] { [
        "igamma": m("a.igamma(x)", "input", "other") { c in let a = try c.x; return a.igamma(try c.operand("other", for: a)) },
        "igammac": m("a.igammac(x)", "input", "other") { c in let a = try c.x; return a.igammac(try c.operand("other", for: a)) },
        "gradient": m("x.gradient(spacing:axes:edgeOrder:), x.gradient(coordinates:axes:edgeOrder:)", "input", "spacing", "dim", "edge_order",
                      dtypes: .numeric) { c in
            let x = try c.x, axes = try c.axes(), order = try c.int("edge_order", 1)
            if case .list(let items)? = c.value("spacing"), case .tensor? = items.first {
                return x.gradient(coordinates: try items.map { v -> Tensor in
                    guard case .tensor(let t) = v else { throw Unsupported("mixed spacing") }
                    return c.makeTensor(t)
                }, axes: axes, edgeOrder: order)
            }
            return x.gradient(spacing: c.has("spacing") ? try c.doubles("spacing") : [1], axes: axes, edgeOrder: order)
        },
        "histogram": m("x.histogram(bins:range:weight:density:), x.histogram(binEdges:weight:density:)", "input", "bins", "range", "weight",
                       "density", dtypes: .f64f32) { c in
            let x = try c.x, w = try c.tensorOrNil("weight"), density = try c.bool("density", false)
            if c.isTensor("bins") {
                let r = x.histogram(binEdges: try c.tensor("bins"), weight: w, density: density)
                return outs(r.hist, r.binEdges)
            }
            let range = try c.has("range") ? c.doubles("range") : nil
            let r = x.histogram(bins: try c.int("bins", 100), range: range.map { ($0[0], $0[1]) }, weight: w, density: density)
            return outs(r.hist, r.binEdges)
        },
        "histogramdd": m("x.histogramdd(bins:ranges:weight:density:), x.histogramdd(binEdges:weight:density:)", "input", "bins", "range",
                         "weight", "density", dtypes: .f64f32) { c in
            let x = try c.x, w = try c.tensorOrNil("weight"), density = try c.bool("density", false)
            if case .list(let items)? = c.value("bins"), case .tensor? = items.first {
                let r = x.histogramdd(binEdges: try c.tensors("bins"), weight: w, density: density)
                return outs(r.hist, r.binEdges)
            }
            var bins = try c.ints("bins")
            if bins.count == 1 { bins = Array(repeating: bins[0], count: x.shape.last ?? 1) }
            let r = x.histogramdd(bins: bins, ranges: try c.has("range") ? c.doubles("range") : nil, weight: w, density: density)
            return outs(r.hist, r.binEdges)
        },
        "nn.functional.interpolate.nearest-exact": m("nearestExactInterpolate(x, size:), nearestExactInterpolate(x, scaleFactors:)",
                                                     "input", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor",
                                                     "antialias", dtypes: .all) { c in
            let x = try c.x
            try c.reject("antialias", unless: .bool(false))
            if c.has("size") {
                var size = try c.ints("size")
                if size.count == 1 { size = Array(repeating: size[0], count: x.rank - 2) }
                return nearestExactInterpolate(x, size: size)
            }
            var f = try c.doubles("scale_factor")
            if f.count == 1 { f = Array(repeating: f[0], count: x.rank - 2) }
            return nearestExactInterpolate(x, scaleFactors: f, recomputeScaleFactor: try c.bool("recompute_scale_factor", false))
        },
        "nn.functional.linear_cross_entropy": m("linearCrossEntropy(x, weight:targets:bias:classWeight:ignoreIndex:labelSmoothing:reduction:)",
                                                "input", "linear_weight", "target", "linear_bias", "reduction", "ignore_index",
                                                "label_smoothing", "weight") { c in
            let w = try c.tensor("linear_weight")
            return linearCrossEntropy(try c.x, weight: w, targets: try c.tensor("target"), bias: try c.tensorOrNil("linear_bias"),
                                      classWeight: try c.tensorOrNil("weight"), ignoreIndex: try c.int("ignore_index", -100),
                                      labelSmoothing: try c.double("label_smoothing", 0), reduction: try c.reduction())
        },
        "linalg.polar": m("Linalg.polar(a) → (u, h)", "input", dtypes: .f64f32) { c in let r = try Linalg.polar(try c.x); return outs(r.u, r.h) },
        "linalg.matrix_sqrth": m("Linalg.matrixSqrth(a)", "input", dtypes: .f64f32) { c in try Linalg.matrixSqrth(try c.x) },
        "stft": m("stft(x, nFFT:hopLength:winLength:window:center:padMode:normalized:onesided:) (real/imaginary on a last axis)",
                  "input", "n_fft", "hop_length", "win_length", "window", "center", "pad_mode", "normalized", "onesided",
                  "return_complex") { c in
            try c.require(c.has("return_complex") && !(try c.bool("return_complex", true)), "complex output")
            guard let mode = PaddingMode(rawValue: try c.string("pad_mode", "reflect")) else { throw Unsupported("pad_mode") }
            return stft(try c.x, nFFT: try c.int("n_fft"), hopLength: try c.intOrNil("hop_length"), winLength: try c.intOrNil("win_length"),
                        window: try c.tensorOrNil("window"), center: try c.bool("center", true), padMode: mode,
                        normalized: try c.bool("normalized", false), onesided: try c.bool("onesided", true))
        },
        "nn.functional.scaled_dot_product_attention": m("scaledDotProductAttention(q, k, v, mask:isCausal:scale:enableGQA:)", "query",
                                                        "key", "value", "attn_mask", "dropout_p", "is_causal", "scale", "enable_gqa") { c in
            try c.require(try c.double("dropout_p", 0) == 0, "dropout")
            return scaledDotProductAttention(try c.tensor("query"), try c.tensor("key"), try c.tensor("value"), mask: try c.tensorOrNil("attn_mask"),
                                             isCausal: try c.bool("is_causal", false), scale: try c.doubleOrNil("scale"),
                                             enableGQA: try c.bool("enable_gqa", false))
        },
        "bmm.triton_optimized": m("a.bmm(b)", "input", "mat2") { c in (try c.x).bmm(try c.tensor("mat2")) },
        "as_strided.partial_views": m("x.asStrided(shape:strides:offset:)", "input", "size", "stride", "storage_offset", dtypes: .all) { c in
            // The inputs are views of a larger storage (the fixtures carry it: "storage"), and
            // storage_offset counts from that storage's start, as in PyTorch.
            (try c.x).asStrided(shape: try c.ints("size"), strides: try c.ints("stride"), offset: try c.intOrNil("storage_offset"))
        },
    ] }
}
