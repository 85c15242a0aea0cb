#if canImport(Glibc)
import Glibc
#endif

// Element-wise kernels of the `torch.special` Bessel, Airy, error-function and orthogonal-polynomial
// family (Ops/MathSpecialBessel.swift, Ops/SpecialPolynomials.swift). Each element is computed in
// Double by BesselAiryFunctions.swift or OrthogonalPolynomials.swift and rounded once; float16 and
// bfloat16 compute in float32.

/// Element-wise special functions of one float input.
enum SpecialUnaryOp {
    case besselJ0, besselJ1, besselY0, besselY1
    case modifiedBesselI0, modifiedBesselI1, modifiedBesselK0, modifiedBesselK1
    case scaledModifiedBesselK0, scaledModifiedBesselK1, sphericalBesselJ0, airyAi, erfcx, logNdtr

    @inline(__always)
    func callAsFunction(_ x: Double) -> Double {
        switch self {
        case .besselJ0: return SpecialFunctions.besselJ0(x)
        case .besselJ1: return SpecialFunctions.besselJ1(x)
        case .besselY0: return SpecialFunctions.besselY0(x)
        case .besselY1: return SpecialFunctions.besselY1(x)
        case .modifiedBesselI0: return SpecialFunctions.modifiedBesselI0(x)
        case .modifiedBesselI1: return SpecialFunctions.modifiedBesselI1(x)
        case .modifiedBesselK0: return SpecialFunctions.besselK(x, scaled: false).0
        case .modifiedBesselK1: return SpecialFunctions.besselK(x, scaled: false).1
        case .scaledModifiedBesselK0: return SpecialFunctions.besselK(x, scaled: true).0
        case .scaledModifiedBesselK1: return SpecialFunctions.besselK(x, scaled: true).1
        case .sphericalBesselJ0: return SpecialFunctions.sphericalBesselJ0(x)
        case .airyAi: return SpecialFunctions.airyAi(x)
        case .erfcx: return SpecialFunctions.erfcx(x)
        case .logNdtr: return SpecialFunctions.logNdtr(x)
        }
    }
}

/// Element-wise special functions of two broadcast float inputs.
enum SpecialBinaryOp {
    case polynomial(OrthogonalPolynomial)
    /// The Hurwitz zeta function ζ(x, q).
    case zeta
    /// The next representable value after a toward b (in the operands' own precision).
    case nextafter
    /// The regularized lower and upper incomplete gamma functions P(a, x) and Q(a, x).
    case igamma, igammac

    @inline(__always)
    func callAsFunction(_ a: Double, _ b: Double) -> Double {
        switch self {
        case .polynomial(let p): return p(a, b)
        case .zeta: return SpecialFunctions.zeta(a, b)
        case .nextafter: return Glibc.nextafter(a, b)
        case .igamma: return SpecialFunctions.incompleteGamma(a, b).p
        case .igammac: return SpecialFunctions.incompleteGamma(a, b).q
        }
    }

    /// The float32 result: computed in Double and rounded once, except `nextafter`, which steps in float32.
    @inline(__always)
    func float(_ a: Float, _ b: Float) -> Float {
        if case .nextafter = self { return Glibc.nextafterf(a, b) }
        return Float(self(Double(a), Double(b)))
    }
}

extension Kernels {
    /// The exponents e of x = m·2^e with ½ ≤ |m| < 1 (0 for 0, ±∞ and NaN), as int32, for a float
    /// tensor; float16/bfloat16 values are exact in float32, so their exponents are taken there.
    static func frexpExponent(_ x: Tensor) -> Tensor {
        let x = x.dense
        let out = Tensor(uninitializedShape: x.shape, dtype: .int32)
        switch x.dtype {
        case .float32:
            map(x.ptr(Float.self), out.ptr(Int32.self), x.count) { $0.isFinite && $0 != 0 ? Int32($0.exponent + 1) : 0 }
        case .float64:
            map(x.ptr(Double.self), out.ptr(Int32.self), x.count) { $0.isFinite && $0 != 0 ? Int32($0.exponent + 1) : 0 }
        case .float16, .bfloat16:
            return frexpExponent(x.to(.float32))
        default:
            checkFailure("frexp: expects a float tensor, got \(x.dtype) of shape \(x.shape)")
        }
        return out
    }

    /// `op(x)` for a float tensor (any layout).
    static func specialUnary(_ op: SpecialUnaryOp, _ x: Tensor, name: String) -> Tensor {
        let x = x.dense
        switch x.dtype {
        case .float32:
            let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
            inRanges(x.ptr(Float.self), out.ptr(Float.self), x.count) { xs, ys, n in map(xs, ys, n) { Float(op(Double($0))) } }
            return out
        case .float64:
            let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
            inRanges(x.ptr(Double.self), out.ptr(Double.self), x.count) { xs, ys, n in map(xs, ys, n) { op($0) } }
            return out
        case .float16, .bfloat16:
            return computed(in: .float32, [x], result: x.dtype) { specialUnary(op, $0[0], name: name) }
        default:
            checkFailure("\(name): no kernel for \(x.dtype) (shape \(x.shape))")
        }
    }

    /// `op(a, b)` with broadcasting for float operands of one dtype (any layout).
    static func specialBinary(_ op: SpecialBinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int], name: String) -> Tensor {
        if case .nextafter = op, a.dtype.isReducedPrecision { return nextafterHalf(a, b, shape: shape) }
        if a.dtype.isReducedPrecision {
            return computed(in: .float32, [a, b], result: a.dtype) { specialBinary(op, $0[0], $0[1], shape: shape, name: name) }
        }
        let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
        if out.count == 0 { return out }
        let layout = ElementwiseLayout(a, b, out)
        switch a.dtype {
        case .float32:
            inRanges(layout, a.stridedPtr(Float.self), b.stridedPtr(Float.self), out.stridedPtr(Float.self)) { r, x, y, z in
                zip2(layout, r, x, y, z) { op.float($0, $1) }
            }
        case .float64:
            inRanges(layout, a.stridedPtr(Double.self), b.stridedPtr(Double.self), out.stridedPtr(Double.self)) { r, x, y, z in
                zip2(layout, r, x, y, z) { op($0, $1) }
            }
        default:
            checkFailure("\(name): no kernel for \(a.dtype) (shapes \(a.shape) and \(b.shape))")
        }
        return out
    }

    /// nextafter in float16/bfloat16 (operands of that dtype, broadcast to `shape`): one step of the
    /// 16-bit pattern toward b, the value after a in that dtype, as PyTorch's kernel. Both formats
    /// order their patterns like their values within a sign, so the step is ±1 on the pattern.
    /// NaN in either operand gives NaN; equal operands give b; ±0 steps to the smallest subnormal
    /// with b's sign.
    static func nextafterHalf(_ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
        if out.count == 0 { return out }
        let (xa, xb, fa, fb) = withNoGrad { () -> (Tensor, Tensor, Tensor, Tensor) in
            let xa = a.expand(shape).dense, xb = b.expand(shape).dense
            return (xa, xb, xa.to(.float32).dense, xb.to(.float32).dense)
        }
        let pa = xa.ptr(UInt16.self), pb = xb.ptr(UInt16.self), po = out.ptr(UInt16.self)
        let va = fa.ptr(Float.self), vb = fb.ptr(Float.self)
        let nan: UInt16 = a.dtype == .float16 ? 0x7E00 : 0x7FC0
        for i in 0..<out.count {
            let x = va[i], y = vb[i]
            if x.isNaN || y.isNaN { po[i] = nan }
            else if x == y { po[i] = pb[i] }
            else if x == 0 { po[i] = y > 0 ? 0x0001 : 0x8001 }
            else { po[i] = (x < y) == (x > 0) ? pa[i] &+ 1 : pa[i] &- 1 }
        }
        return out
    }
}
