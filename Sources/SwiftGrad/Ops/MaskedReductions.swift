#if canImport(Glibc)
import Glibc
#endif

/// The reductions and normalizations of `torch.masked` on dense tensors: each takes a bool `mask`
/// (broadcast to the input, right-aligned; nil keeps every element), replaces the masked-out elements
/// by the operation's identity (0 for sums, 1 for products, −∞/+∞ for max/min and the softmaxes, NaN
/// for the median) and runs the ordinary op, so fully masked-out results hold that identity (0/0 is
/// NaN for the mean and variance), as PyTorch's. Differentiable through `where` and the op: masked-out
/// elements get a zero gradient. `axes: nil` reduces every axis.
///
///     let m = Tensor([true, false, true])
///     let s = Masked.sum(Tensor([1.0, 2, 3]), mask: m)                  // 4
///     let p = Masked.softmax(scores, axis: -1, mask: keep)                // 0 where keep is false
public enum Masked {
    /// `x` where `mask` holds, `fill` elsewhere; `x` itself without a mask.
    static func filled(_ x: Tensor, _ mask: Tensor?, _ fill: Double, op: String) -> Tensor {
        guard let mask else { return x }
        check(mask.dtype == .bool, "masked.\(op): mask must be a bool tensor, got \(mask.dtype) (input \(x.shape), mask \(mask.shape))")
        check(mask.rank <= x.rank && broadcastShapeIfPossible(mask.shape, x.shape) == x.shape,
              "masked.\(op): mask of shape \(mask.shape) does not broadcast to the input's shape \(x.shape)")
        return Tensor.where(mask, x, Tensor.full([], fill, dtype: x.dtype))
    }

    /// The mask as a bool tensor of the input's shape (all true without a mask).
    static func fullMask(_ x: Tensor, _ mask: Tensor?, op: String) -> Tensor {
        let all = Tensor.ones(x.shape, dtype: .bool)
        guard let mask else { return all }
        return filled(all, mask, 0, op: op)
    }

    /// The lowest (`isMax`) or highest value of x's dtype: the identity of max (min).
    static func extremeValue(_ dtype: DType, isMax: Bool) -> Double {
        switch dtype {
        case .float16, .bfloat16, .float32, .float64: return isMax ? -.infinity : .infinity
        case .uint8: return isMax ? 0 : 255
        case .int8: return isMax ? -128 : 127
        case .int16: return isMax ? -32768 : 32767
        case .int32: return isMax ? -2147483648 : 2147483647
        case .bool: return isMax ? 0 : 1
        default: return isMax ? -0x1p63 : 0x1p63 - 1024     // int64: the nearest doubles inside the range
        }
    }

    /// A reduction over `axes` (nil or empty: all), keeping them when `keepDim`.
    private static func reduce(_ x: Tensor, _ axes: [Int]?, _ keepDim: Bool, _ f: (Tensor, [Int], Bool) -> Tensor) -> Tensor {
        let all = Array(0..<x.rank)
        let ax = axes.flatMap { $0.isEmpty ? nil : $0 } ?? all
        return f(x, ax, keepDim)
    }

    /// The sum of the elements in the mask (`torch.masked.sum`); integers and bools sum in int64.
    ///
    ///     let rowSums = Masked.sum(x, axes: [1], mask: valid)
    public static func sum(_ x: Tensor, axes: [Int]? = nil, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        reduce(filled(x, mask, 0, op: "sum"), axes, keepDim) { $0.sum(axes: $1, keepDim: $2) }
    }

    /// The product of the elements in the mask (`torch.masked.prod`).
    ///
    ///     let p = Masked.prod(x, axes: [0], mask: valid)
    public static func prod(_ x: Tensor, axes: [Int]? = nil, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        let y = filled(x, mask, 1, op: "prod")
        return reduce(y, axes, keepDim) { t, ax, keep in
            if t.rank == 0 { return t.prod() }
            // prod reduces one axis at a time (kept, so the other axes keep their numbers).
            let axes = Set(ax.map { normalizeAxis($0, t.rank, op: "masked.prod", shape: t.shape) })
            var r = t
            for a in axes { r = r.prod(axis: a, keepDim: true) }
            return keep ? r : r.reshape(t.shape.indices.filter { !axes.contains($0) }.map { t.shape[$0] })
        }
    }

    /// The maximum of the elements in the mask (`torch.masked.amax`); −∞ (the dtype's lowest) where
    /// every element is masked out.
    ///
    ///     let m = Masked.amax(x, axes: [1], mask: valid)
    public static func amax(_ x: Tensor, axes: [Int]? = nil, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        reduce(filled(x, mask, extremeValue(x.dtype, isMax: true), op: "amax"), axes, keepDim) { $0.amax(axes: $1, keepDim: $2) }
    }

    /// The minimum of the elements in the mask (`torch.masked.amin`).
    ///
    ///     let m = Masked.amin(x, axes: [1], mask: valid)
    public static func amin(_ x: Tensor, axes: [Int]? = nil, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        reduce(filled(x, mask, extremeValue(x.dtype, isMax: false), op: "amin"), axes, keepDim) { $0.amin(axes: $1, keepDim: $2) }
    }

    /// The position of the maximum among the elements in the mask, in x's dtype as PyTorch's
    /// (`torch.masked.argmax`; `axis: nil` over the flattened tensor).
    ///
    ///     let i = Masked.argmax(x, axis: 1, mask: valid)
    public static func argmax(_ x: Tensor, axis: Int? = nil, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        filled(x, mask, extremeValue(x.dtype, isMax: true), op: "argmax").argmax(axis: axis, keepDim: keepDim).to(x.dtype)
    }

    /// The position of the minimum among the elements in the mask (`torch.masked.argmin`).
    ///
    ///     let i = Masked.argmin(x, axis: 1, mask: valid)
    public static func argmin(_ x: Tensor, axis: Int? = nil, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        filled(x, mask, extremeValue(x.dtype, isMax: false), op: "argmin").argmin(axis: axis, keepDim: keepDim).to(x.dtype)
    }

    /// The mean of the elements in the mask: their sum over their count (NaN where none is in it;
    /// `torch.masked.mean`).
    ///
    ///     let m = Masked.mean(x, axes: [1], mask: valid)
    public static func mean(_ x: Tensor, axes: [Int]? = nil, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        guard mask != nil else { return reduce(x, axes, keepDim) { $0.mean(axes: $1, keepDim: $2) } }
        let count = sum(fullMask(x, mask, op: "mean").to(.int64), axes: axes, keepDim: keepDim)
        return sum(x, axes: axes, keepDim: keepDim, mask: mask) / count.to(x.dtype)
    }

    /// The median of the elements in the mask along `axis` (`torch.masked.median`: the lower of the two
    /// middle values; NaN where none is in the mask). Integer inputs compute in float32 and convert
    /// back (a fully masked-out row stops, as PyTorch raises).
    ///
    ///     let m = Masked.median(x, axis: -1, mask: valid)
    public static func median(_ x: Tensor, axis: Int = -1, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        let input = x.dtype.isFloatingPoint ? x : x.to(.float32)
        let y = filled(input, mask, .nan, op: "median")
        let ax = normalizeAxis(axis, Swift.max(y.rank, 1), op: "masked.median", shape: x.shape)
        let values = y.rank == 0 ? y.reshape([1]).nanmedian(axis: 0, keepDim: keepDim).values.reshape([])
            : y.nanmedian(axis: ax, keepDim: keepDim).values
        if x.dtype.isFloatingPoint { return values }
        check(values.count == 0 || withNoGrad { values.isnan().any() }.item() == 0,
              "masked.median: a fully masked-out row needs a float input (input \(x.dtype) \(x.shape))")
        return values.to(x.dtype)
    }

    /// The vector norm of the elements in the mask (`torch.masked.norm`; masked-out elements count as
    /// 0, or +∞ for ord −∞).
    ///
    ///     let n = Masked.norm(x, ord: 2, axes: [1], mask: valid)
    public static func norm(_ x: Tensor, ord: Double = 2, axes: [Int]? = nil, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        let y = filled(x, mask, ord == -.infinity ? .infinity : 0, op: "norm")
        return Linalg.vectorNorm(y, ord: ord, axes: axes.flatMap { $0.isEmpty ? nil : $0 }, keepDim: keepDim)
    }

    /// The variance of the elements in the mask, dividing by max(count − correction, 0)
    /// (`torch.masked.var`); integers compute in float32.
    ///
    ///     let v = Masked.variance(x, axes: [1], correction: 1, mask: valid)
    public static func variance(_ x: Tensor, axes: [Int]? = nil, correction: Double = 1, keepDim: Bool = false,
                                mask: Tensor? = nil) -> Tensor {
        let input = x.dtype.isFloatingPoint ? x : x.to(.float32)
        let inMask = fullMask(input, mask, op: "var")
        let count = sum(inMask.to(.int64), axes: axes, keepDim: true).to(input.dtype)
        let mean = sum(input, axes: axes, keepDim: true, mask: inMask) / count
        let d = input - mean
        let total = sum(d * d, axes: axes, keepDim: keepDim, mask: inMask)
        var n = count.reshape(total.shape)
        // Like PyTorch: N − correction, floored at 0 (so a too-small count gives inf or NaN).
        if correction != 0 { n = Tensor.maximum(n - correction, Tensor.zeros([], dtype: n.dtype)) }
        return total / n
    }

    /// The standard deviation of the elements in the mask (`torch.masked.std`).
    ///
    ///     let s = Masked.std(x, axes: [1], mask: valid)
    public static func std(_ x: Tensor, axes: [Int]? = nil, correction: Double = 1, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        variance(x, axes: axes, correction: correction, keepDim: keepDim, mask: mask).sqrt()
    }

    /// The softmax over the elements in the mask along `axis` (masked-out elements get 0; a fully
    /// masked-out row is NaN; `torch.masked.softmax`).
    ///
    ///     let p = Masked.softmax(scores, axis: -1, mask: keep)
    public static func softmax(_ x: Tensor, axis: Int, mask: Tensor? = nil) -> Tensor {
        filled(x, mask, -.infinity, op: "softmax").softmax(axis: axis)
    }

    /// The log-softmax over the elements in the mask (−∞ for masked-out elements; `torch.masked.log_softmax`).
    ///
    ///     let lp = Masked.logSoftmax(scores, axis: -1, mask: keep)
    public static func logSoftmax(_ x: Tensor, axis: Int, mask: Tensor? = nil) -> Tensor {
        filled(x, mask, -.infinity, op: "log_softmax").logSoftmax(axis: axis)
    }

    /// The softmin over the elements in the mask (`torch.masked.softmin`).
    ///
    ///     let p = Masked.softmin(costs, axis: -1, mask: keep)
    public static func softmin(_ x: Tensor, axis: Int, mask: Tensor? = nil) -> Tensor {
        filled(x, mask, .infinity, op: "softmin").softmin(axis: axis)
    }

    /// The elements in the mask divided by their `ord`-norm along `axis` (at least `eps`); masked-out
    /// elements are 0 (`torch.masked.normalize`).
    ///
    ///     let u = Masked.normalize(x, ord: 2, axis: 1, mask: keep)
    public static func normalize(_ x: Tensor, ord: Double, axis: Int, eps: Double = 1e-12, mask: Tensor? = nil) -> Tensor {
        let n = norm(x, ord: ord, axes: [axis], keepDim: true, mask: mask)
        return filled(x, mask, 0, op: "normalize") / Tensor.maximum(n, Tensor.full([], eps, dtype: n.dtype))
    }

    /// log(eᵃ + eᵇ) with masked-out elements of either operand counting as −∞
    /// (`torch.masked.logaddexp`).
    ///
    ///     let y = Masked.logaddexp(a, b, maskA: ma, maskB: mb)
    public static func logaddexp(_ a: Tensor, _ b: Tensor, maskA: Tensor? = nil, maskB: Tensor? = nil) -> Tensor {
        filled(a, maskA, -.infinity, op: "logaddexp").logaddexp(filled(b, maskB, -.infinity, op: "logaddexp"))
    }

    /// log Σ exp over the elements in the mask (−∞ where none is in it; `torch.masked.logsumexp`).
    /// Integers compute in float32, with masked-out elements at the dtype's lowest value, and the
    /// result is converted back to the input's dtype (truncated toward zero), as PyTorch's.
    ///
    ///     let l = Masked.logsumexp(x, axes: [1], mask: valid)
    public static func logsumexp(_ x: Tensor, axes: [Int]? = nil, keepDim: Bool = false, mask: Tensor? = nil) -> Tensor {
        if x.dtype.isFloatingPoint {
            return reduce(filled(x, mask, -.infinity, op: "logsumexp"), axes, keepDim) { $0.logsumexp(axes: $1, keepDim: $2) }
        }
        let input = filled(x, mask, extremeValue(x.dtype, isMax: true), op: "logsumexp").to(.float32)
        return reduce(input, axes, keepDim) { $0.logsumexp(axes: $1, keepDim: $2) }.to(x.dtype)
    }

    /// The running sum along `axis` with masked-out elements counting as 0 (`torch.masked.cumsum`),
    /// in the input's dtype (integers wrap around, as PyTorch's).
    ///
    ///     let c = Masked.cumsum(x, axis: 1, mask: valid)
    public static func cumsum(_ x: Tensor, axis: Int, mask: Tensor? = nil) -> Tensor {
        let y = filled(x, mask, 0, op: "cumsum").cumsum(axis: axis)
        return y.dtype == x.dtype ? y : y.to(x.dtype)
    }

    /// The running product along `axis` with masked-out elements counting as 1 (`torch.masked.cumprod`),
    /// in the input's dtype (integers wrap around, as PyTorch's).
    ///
    ///     let c = Masked.cumprod(x, axis: 1, mask: valid)
    public static func cumprod(_ x: Tensor, axis: Int, mask: Tensor? = nil) -> Tensor {
        let y = filled(x, mask, 1, op: "cumprod").cumprod(axis: axis)
        return y.dtype == x.dtype ? y : y.to(x.dtype)
    }
}
