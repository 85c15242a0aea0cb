// More of PyTorch's surface composed of existing ops: tensor_split and h/v/dsplit, unflatten,
// meshgrid, broadcast_tensors/broadcast_shapes, combinations, trapezoid rules, isin, gcd/lcm,
// mvlgamma and a few torch.special functions, bilinear, channel_shuffle, dist, renorm, addmm,
// logspace. Gradients are the chain rule through the ops used (Docs/Derivatives.md).

import Foundation

extension Tensor {
    /// Splits into `sections` nearly equal parts along `axis` (the first size % sections parts one
    /// longer), as `torch.tensor_split(x, sections, dim)`. Views.
    ///
    ///     let parts = x.tensorSplit(sections: 3, axis: 1)
    public func tensorSplit(sections: Int, axis: Int = 0) -> [Tensor] {
        let ax = normalizeAxis(axis, rank, op: "tensorSplit", shape: shape)
        check(sections >= 1, "tensorSplit: sections must be positive, got \(sections) (input \(shape))")
        let n = shape[ax], base = n / sections, extra = n % sections
        var start = 0
        return (0..<sections).map { i in
            let len = base + (i < extra ? 1 : 0)
            defer { start += len }
            return narrow(axis: ax, start: start, length: len)
        }
    }

    /// Splits along `axis` before each of `indices` (clamped to the axis; Python's slice rules), as
    /// `torch.tensor_split(x, indices, dim)`. Views.
    ///
    ///     let parts = x.tensorSplit(indices: [2, 5])   // [..<2], [2..<5], [5...]
    public func tensorSplit(indices: [Int], axis: Int = 0) -> [Tensor] {
        let ax = normalizeAxis(axis, rank, op: "tensorSplit", shape: shape)
        let n = shape[ax]
        func clamp(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + n : i, 0), n) }
        var bounds = [0] + indices.map(clamp) + [n]
        for i in 1..<bounds.count { bounds[i] = Swift.max(bounds[i], bounds[i - 1]) }
        return (0..<(bounds.count - 1)).map { narrow(axis: ax, start: bounds[$0], length: bounds[$0 + 1] - bounds[$0]) }
    }

    private func directionalSplit(_ axis: Int, _ sections: Int?, _ indices: [Int]?, op: String) -> [Tensor] {
        if let indices { return tensorSplit(indices: indices, axis: axis) }
        let s = sections!
        check(s >= 1 && shape[axis] % s == 0, "\(op): axis \(axis) of size \(shape[axis]) does not divide into \(s) equal parts (input \(shape))")
        return tensorSplit(sections: s, axis: axis)
    }

    /// `torch.hsplit`: tensorSplit along axis 1 (axis 0 of a 1-D tensor); equal sections must divide the axis.
    ///
    ///     let halves = x.hsplit(2)
    public func hsplit(_ sections: Int) -> [Tensor] {
        check(rank >= 1, "hsplit: needs at least 1 axis, got shape \(shape)")
        return directionalSplit(rank == 1 ? 0 : 1, sections, nil, op: "hsplit")
    }
    /// `torch.hsplit` at indices.
    ///
    ///     let parts = x.hsplit(indices: [1, 3])
    public func hsplit(indices: [Int]) -> [Tensor] {
        check(rank >= 1, "hsplit: needs at least 1 axis, got shape \(shape)")
        return directionalSplit(rank == 1 ? 0 : 1, nil, indices, op: "hsplit")
    }
    /// `torch.vsplit`: tensorSplit along axis 0 of a tensor with at least 2 axes.
    ///
    ///     let rows = x.vsplit(2)
    public func vsplit(_ sections: Int) -> [Tensor] {
        check(rank >= 2, "vsplit: needs at least 2 axes, got shape \(shape)")
        return directionalSplit(0, sections, nil, op: "vsplit")
    }
    /// `torch.vsplit` at indices.
    ///
    ///     let parts = x.vsplit(indices: [1, 3])
    public func vsplit(indices: [Int]) -> [Tensor] {
        check(rank >= 2, "vsplit: needs at least 2 axes, got shape \(shape)")
        return directionalSplit(0, nil, indices, op: "vsplit")
    }
    /// `torch.dsplit`: tensorSplit along axis 2 of a tensor with at least 3 axes.
    ///
    ///     let planes = x.dsplit(2)
    public func dsplit(_ sections: Int) -> [Tensor] {
        check(rank >= 3, "dsplit: needs at least 3 axes, got shape \(shape)")
        return directionalSplit(2, sections, nil, op: "dsplit")
    }
    /// `torch.dsplit` at indices.
    ///
    ///     let parts = x.dsplit(indices: [1, 3])
    public func dsplit(indices: [Int]) -> [Tensor] {
        check(rank >= 3, "dsplit: needs at least 3 axes, got shape \(shape)")
        return directionalSplit(2, nil, indices, op: "dsplit")
    }

    /// Expands `axis` into `sizes` (one may be -1), as `torch.unflatten`.
    ///
    ///     let y = x.unflatten(axis: 1, sizes: [2, -1])
    public func unflatten(axis: Int, sizes: [Int]) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "unflatten", shape: shape)
        check(!sizes.isEmpty, "unflatten: sizes must not be empty (input \(shape))")
        return reshape(Array(shape[..<ax]) + sizes + Array(shape[(ax + 1)...]))
    }

    /// The tensors broadcast to their common shape (views), as `torch.broadcast_tensors`.
    ///
    ///     let both = Tensor.broadcastTensors([a, b])
    public static func broadcastTensors(_ tensors: [Tensor]) -> [Tensor] {
        let shape = broadcastShapes(tensors.map(\.shape))
        return tensors.map { $0.shape == shape ? $0 : $0.expand(shape) }
    }

    /// The shape that shapes broadcast to, as `torch.broadcast_shapes`.
    ///
    ///     Tensor.broadcastShapes([[3, 1], [4]])   // [3, 4]
    public static func broadcastShapes(_ shapes: [[Int]]) -> [Int] {
        shapes.reduce([]) { broadcastShape($0, $1, op: "broadcastShapes") }
    }

    /// Coordinate grids from 1-D (or 0-d) tensors, as `torch.meshgrid(..., indexing=)`: `"ij"` gives
    /// grids shaped [n₀, n₁, ...]; `"xy"` swaps the first two axes.
    ///
    ///     let grids = Tensor.meshgrid([ys, xs], indexing: "ij")
    public static func meshgrid(_ tensors: [Tensor], indexing: String = "ij") -> [Tensor] {
        check(indexing == "ij" || indexing == "xy", "meshgrid: indexing must be \"ij\" or \"xy\", got \"\(indexing)\" (shapes \(tensors.map(\.shape)))")
        check(tensors.allSatisfy { $0.rank <= 1 }, "meshgrid: expects 0-d or 1-D tensors, got shapes \(tensors.map(\.shape))")
        guard !tensors.isEmpty else { return [] }
        var ts = tensors.map { $0.reshape([-1]) }
        let swap = indexing == "xy" && ts.count >= 2
        if swap { ts.swapAt(0, 1) }
        let shape = ts.map { $0.shape[0] }
        var grids = ts.enumerated().map { i, t -> Tensor in
            var s = [Int](repeating: 1, count: ts.count); s[i] = shape[i]
            return t.reshape(s).expand(shape)
        }
        // "xy": the grids of the swapped inputs, handed back in the inputs' order.
        if swap { grids.swapAt(0, 1) }
        return grids
    }

    /// The length-r combinations of a 1-D tensor's elements (with repetition when
    /// `withReplacement`), in lexicographic order of positions, as `torch.combinations`: [count, r].
    ///
    ///     Tensor([1, 2, 3]).combinations(r: 2)   // [[1, 2], [1, 3], [2, 3]]
    public func combinations(r: Int = 2, withReplacement: Bool = false) -> Tensor {
        check(rank == 1, "combinations: expects a 1-D tensor, got shape \(shape)")
        check(r >= 0, "combinations: r must be non-negative, got \(r) (input \(shape))")
        let n = shape[0]
        var rows: [[Int]] = []
        var current: [Int] = []
        func build(_ start: Int) {
            if current.count == r { rows.append(current); return }
            guard start < n else { return }
            for i in start..<n {
                current.append(i)
                build(withReplacement ? i : i + 1)
                current.removeLast()
            }
        }
        if r > 0 { build(0) }
        if rows.isEmpty { return Tensor.zeros([0, r], dtype: dtype) }
        let idx = Tensor(rows.flatMap { $0 }, shape: [rows.count * r])
        return indexSelect(axis: 0, indices: idx).reshape([rows.count, r])
    }

    /// The trapezoid rule along `axis` with unit spacing `dx`, as `torch.trapezoid(y, dx=, dim=)`.
    ///
    ///     let area = y.trapezoid(dx: 0.1)
    public func trapezoid(dx: Double = 1, axis: Int = -1) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "trapezoid", shape: shape)
        if _slowPath(!dtype.isFloatingPoint) { return integerTrapezoid(dx: dx, axis: ax) }
        let y = self
        let n = shape[ax]
        if n == 0 { return y.sum(axes: [ax]) }
        let inner = y.narrow(axis: ax, start: 1, length: n - 1) + y.narrow(axis: ax, start: 0, length: n - 1)
        return inner.sum(axes: [ax]) * (dx / 2)
    }

    /// The trapezoid rule along `axis` at sample points `x` (broadcast against self), as `torch.trapezoid(y, x, dim=)`.
    ///
    ///     let area = y.trapezoid(x: t)
    public func trapezoid(x: Tensor, axis: Int = -1) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "trapezoid", shape: shape)
        if _slowPath(!dtype.isFloatingPoint) { return integerTrapezoid(spacings: { trapezoidSpacings(x, axis: ax) }, axis: ax) }
        let y = self
        let n = shape[ax]
        if n == 0 { return y.sum(axes: [ax]) }
        let xs = x.rank == 1 ? x.reshape([n] + [Int](repeating: 1, count: rank - 1 - ax)) : x
        let xa = xs.rank == rank ? ax : xs.rank - (rank - ax)
        let dxs = xs.diff(axis: xa).to(y.dtype)
        let mid = (y.narrow(axis: ax, start: 1, length: n - 1) + y.narrow(axis: ax, start: 0, length: n - 1)) * 0.5
        return (mid * dxs).sum(axes: [ax])
    }

    /// The running trapezoid rule along `axis` (one element shorter), as `torch.cumulative_trapezoid(y, dx=, dim=)`.
    ///
    ///     let integral = y.cumulativeTrapezoid(dx: 0.1)
    public func cumulativeTrapezoid(dx: Double = 1, axis: Int = -1) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "cumulativeTrapezoid", shape: shape)
        if _slowPath(!dtype.isFloatingPoint) { return integerCumulativeTrapezoid(dx: dx, axis: ax) }
        let y = self
        let n = shape[ax]
        if n <= 1 { var s = shape; s[ax] = 0; return Tensor.zeros(s, dtype: y.dtype) }
        let mid = (y.narrow(axis: ax, start: 1, length: n - 1) + y.narrow(axis: ax, start: 0, length: n - 1)) * (dx / 2)
        return mid.cumsum(axis: ax)
    }

    /// The running trapezoid rule at sample points `x`, as `torch.cumulative_trapezoid(y, x, dim=)`.
    ///
    ///     let integral = y.cumulativeTrapezoid(x: t)
    public func cumulativeTrapezoid(x: Tensor, axis: Int = -1) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "cumulativeTrapezoid", shape: shape)
        if _slowPath(!dtype.isFloatingPoint) {
            return integerCumulativeTrapezoid(spacings: { trapezoidSpacings(x, axis: ax) }, pointsDType: x.dtype, axis: ax)
        }
        let y = self
        let n = shape[ax]
        if n <= 1 { var s = shape; s[ax] = 0; return Tensor.zeros(s, dtype: y.dtype) }
        let xs = x.rank == 1 ? x.reshape([n] + [Int](repeating: 1, count: rank - 1 - ax)) : x
        let xa = xs.rank == rank ? ax : xs.rank - (rank - ax)
        let mid = (y.narrow(axis: ax, start: 1, length: n - 1) + y.narrow(axis: ax, start: 0, length: n - 1)) * 0.5
        return (mid * xs.diff(axis: xa).to(y.dtype)).cumsum(axis: ax)
    }

    /// Whether each element occurs in `testElements`, as `torch.isin` (bool, self's shape).
    ///
    ///     Tensor([1, 2, 3]).isin(Tensor([2]))   // [false, true, false]
    public func isin(_ testElements: Tensor, invert: Bool = false) -> Tensor {
        check(dtype != .bool && testElements.dtype != .bool, "isin: not defined for bool (elements \(shape), test elements \(testElements.shape))")
        let set = Set(testElements.to(.float64).doubles)
        let v = to(.float64).doubles.map { set.contains($0) != invert }
        return Tensor(v, shape: shape)
    }

    /// The greatest common divisor of integers (non-negative), as `torch.gcd`.
    ///
    ///     Tensor([12, 18]).gcd(Tensor([8]))   // [4, 2]
    public func gcd(_ other: Tensor) -> Tensor { integerPair(other, op: "gcd") { Tensor.gcdInt($0, $1) } }

    /// The least common multiple of integers (non-negative), as `torch.lcm`.
    ///
    ///     Tensor([4, 6]).lcm(Tensor([6]))   // [12, 6]
    public func lcm(_ other: Tensor) -> Tensor {
        integerPair(other, op: "lcm") { a, b in
            let g = Tensor.gcdInt(a, b)
            return g == 0 ? 0 : Swift.abs((a / g) &* b)
        }
    }

    static func gcdInt(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (Swift.abs(a), Swift.abs(b))
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    private func integerPair(_ other: Tensor, op: String, _ f: (Int, Int) -> Int) -> Tensor {
        let (a, b, shape) = Tensor.prepare(self, other, op: op)
        check(!a.dtype.isFloatingPoint && a.dtype != .bool, "\(op): needs integer tensors, got \(dtype) \(self.shape) and \(other.dtype) \(other.shape)")
        let x = a.expand(shape).ints, y = b.expand(shape).ints
        return Tensor(zip(x, y).map(f), shape: shape).to(a.dtype)
    }

    /// The multivariate log-gamma of dimension p, as `torch.mvlgamma`:
    /// p(p−1)/4·log π + Σ_{i<p} lgamma(x − i/2). Every element must exceed (p − 1)/2.
    ///
    ///     let y = x.mvlgamma(p: 3)
    public func mvlgamma(p: Int) -> Tensor {
        check(p >= 1, "mvlgamma: p must be at least 1, got \(p) (input \(shape))")
        let x = dtype.isFloatingPoint ? self : to(.float32)
        let bound = Double(p - 1) / 2
        check(x.count == 0 || withNoGrad { x.gt(bound).all().item() } == 1,
              "mvlgamma: all elements must be greater than (p-1)/2 = \(bound) (input \(shape))")
        var sum = x.lgamma()
        for i in 1..<Swift.max(p, 1) { sum = sum + (x - Double(i) / 2).lgamma() }
        return sum + Double(p * (p - 1)) / 4 * Foundation.log(Double.pi)
    }

    /// The standard normal CDF ½·erfc(−x/√2), as `torch.special.ndtr`.
    ///
    ///     let p = z.ndtr()
    public func ndtr() -> Tensor {
        let x = dtype.isFloatingPoint ? self : to(.float32)
        return (x * (-1 / 2.0.squareRoot())).erfc() * 0.5
    }

    /// The inverse of the standard normal CDF √2·erfinv(2p − 1), as `torch.special.ndtri`.
    ///
    ///     let z = p.ndtri()
    public func ndtri() -> Tensor {
        let x = dtype.isFloatingPoint ? self : to(.float32)
        return (x * 2 - 1).erfinv() * 2.0.squareRoot()
    }

    /// −x·log x (0 at 0, −∞ below 0), as `torch.special.entr`. The gradient is PyTorch's
    /// −(1 + log x)·g, so NaN below 0 (log of a negative number), not the 0 of the constant branch.
    ///
    ///     let h = p.entr().sum()
    public func entr() -> Tensor {
        let x = dtype.isFloatingPoint ? self : to(.float32)
        // Only 0 is replaced (by 1): below 0, log x is NaN and the masked-out branch's zero gradient
        // times it stays NaN, PyTorch's value there.
        let safe = Tensor.where(x.eq(0), Tensor.onesLike(x), x)
        let v = -(x * safe.log())
        return Tensor.where(x.lt(0), Tensor.full([], -.infinity, dtype: x.dtype).expand(x.shape), Tensor.where(x.eq(0), Tensor.zerosLike(x), v))
    }

    /// x·log1p(y), 0 where x == 0 (unless y is NaN), as `torch.special.xlog1py`.
    ///
    ///     let z = x.xlog1py(y)
    public func xlog1py(_ other: Tensor) -> Tensor {
        let t = DType.result(dtype.isFloatingPoint ? dtype : .float32, other.dtype.isFloatingPoint ? other.dtype : .float32)
        let (x, y) = (to(t), other.to(t))
        let safeY = Tensor.where(x.eq(0).logicalAnd(y.isnan().logicalNot()), Tensor.zerosLike(y), y)
        return Tensor.where(x.eq(0).logicalAnd(y.isnan().logicalNot()), Tensor.zeros([], dtype: t), x * safeY.log1p())
    }

    /// exp(−|x|)·I₀(x), as `torch.special.i0e` (0 at ±∞, as PyTorch's).
    ///
    ///     let y = x.i0e()
    public func i0e() -> Tensor {
        let x = dtype.isFloatingPoint ? self : to(.float32)
        // I₀(±∞) is NaN (PyTorch's value); i0e's limit 0 is taken there, from a finite stand-in so
        // that the gradient through the masked branch is 0, not NaN.
        let infinite = x.isinf()
        let safe = Tensor.where(infinite, Tensor.zerosLike(x), x)
        return Tensor.where(infinite, Tensor.zerosLike(x), safe.i0() * (-safe.abs()).exp())
    }

    /// exp(−|x|)·I₁(x), as `torch.special.i1e` (±0 at ±∞, as PyTorch's).
    ///
    ///     let y = x.i1e()
    public func i1e() -> Tensor {
        let x = dtype.isFloatingPoint ? self : to(.float32)
        let infinite = x.isinf()
        let safe = Tensor.where(infinite, Tensor.zerosLike(x), x)
        return Tensor.where(infinite, Tensor.zerosLike(x) * x.sign(), safe.i1() * (-safe.abs()).exp())
    }

    /// The p-norm of `self − other` over all elements, as `torch.dist`.
    ///
    ///     let d = a.dist(b, p: 2)
    public func dist(_ other: Tensor, p: Double = 2) -> Tensor {
        Linalg.vectorNorm(self - other, ord: p)
    }

    /// Each slice along `axis` whose p-norm exceeds `maxnorm` scaled down to norm `maxnorm`
    /// (by maxnorm/(norm + 1e-7)), as `torch.renorm`.
    ///
    ///     let w = weight.renorm(p: 2, axis: 0, maxnorm: 1)
    public func renorm(p: Double, axis: Int, maxnorm: Double) -> Tensor {
        let ax = normalizeAxis(axis, rank, op: "renorm", shape: shape)
        check(dtype.isFloatingPoint, "renorm: needs a float tensor, got \(dtype) of shape \(shape)")
        check(p > 0 && maxnorm >= 0, "renorm: p must be positive and maxnorm non-negative, got p \(p), maxnorm \(maxnorm) (input \(shape))")
        let others = (0..<rank).filter { $0 != ax }
        // float16/bfloat16 as PyTorch's: the norms and factors in float32, the factor rounded to
        // the dtype once, then one rounded product.
        let x = dtype.isReducedPrecision ? to(.float32) : self
        let norms = Linalg.vectorNorm(x, ord: p, axes: others, keepDim: true)
        let factor = Tensor.where(norms.gt(maxnorm), maxnorm / (norms + 1e-7), Tensor.onesLike(norms))
        return self * factor.to(dtype)
    }

    /// β·self + α·(mat1·mat2), as `torch.addmm` (self broadcast to the product's shape; with β = 0
    /// self is ignored, NaN included).
    ///
    ///     let y = bias.addmm(x, w, beta: 1, alpha: 1)
    public func addmm(_ mat1: Tensor, _ mat2: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        check(mat1.rank == 2 && mat2.rank == 2 && mat1.shape[1] == mat2.shape[0],
              "addmm: expected matrices [n, m] and [m, p], got \(mat1.shape) and \(mat2.shape) (input \(shape))")
        return scaledSum(mat1.mm(mat2), beta: beta, alpha: alpha, op: "addmm", factors: [mat1.shape, mat2.shape])
    }

    /// Splits the channels (axis 1) into `groups` and interleaves them, as `torch.nn.functional.channel_shuffle`.
    ///
    ///     let y = x.channelShuffle(groups: 2)
    public func channelShuffle(groups: Int) -> Tensor {
        check(rank >= 3, "channelShuffle: expects [n, c, ...] with at least one spatial axis, got \(shape)")
        check(groups >= 1 && shape[1] % groups == 0, "channelShuffle: \(shape[1]) channels do not divide into \(groups) groups (input \(shape))")
        let rest = Array(shape[2...])
        return reshape([shape[0], groups, shape[1] / groups] + rest).transpose(1, 2).reshape(shape)
    }

    /// `base` raised to `steps` points evenly spaced from `start` to `end`, as `torch.logspace`.
    ///
    ///     let freqs = Tensor.logspace(0, 3, steps: 4)   // [1, 10, 100, 1000]
    public static func logspace(_ start: Double, _ end: Double, steps: Int, base: Double = 10, dtype: DType = .float32) -> Tensor {
        // An integer dtype truncates the bounds first and each power toward zero, as PyTorch's.
        let (lo, hi) = dtype.isFloatingPoint ? (start, end) : (start.rounded(.towardZero), end.rounded(.towardZero))
        let exps = linspace(lo, hi, steps: steps, dtype: .float64)
        let v = exps.doubles.map { Foundation.pow(base, $0) }
        return Tensor(v, shape: [steps], dtype: .float64).to(dtype)
    }
}

/// The bilinear form x1ᵀ·A·x2 + b for each output feature, as `torch.nn.functional.bilinear`:
/// x1 [..., in1], x2 [..., in2], weight [out, in1, in2], bias [out].
///
///     let y = bilinear(a, b, weight: w, bias: bias)
public func bilinear(_ x1: Tensor, _ x2: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    check(weight.rank == 3 && x1.rank >= 1 && x2.rank >= 1 && x1.shape.last == weight.shape[1] && x2.shape.last == weight.shape[2]
          && Array(x1.shape.dropLast()) == Array(x2.shape.dropLast()),
          "bilinear: expected x1 [..., \(weight.rank == 3 ? weight.shape[1] : -1)], x2 [..., \(weight.rank == 3 ? weight.shape[2] : -1)] with one batch shape and weight [out, in1, in2], got x1 \(x1.shape), x2 \(x2.shape), weight \(weight.shape)")
    if let bias { check(bias.shape == [weight.shape[0]], "bilinear: bias must be [\(weight.shape[0])], got \(bias.shape) (weight \(weight.shape))") }
    let y = Tensor.einsum("...i,oij,...j->...o", x1, weight, x2)
    return bias.map { y + $0 } ?? y
}
