#if canImport(Glibc)
import Glibc
#endif

/// Element-wise activation functions with their parameters. The forward values are fused here; the
/// gradients are written with Tensor ops in Ops/Activations.swift so they stay differentiable.
enum ActivationOp {
    case gelu, geluTanh, silu, mish, logSigmoid, softsign
    case softplus(beta: Double, threshold: Double)
    case elu(alpha: Double)
    case selu
    case leakyRelu(slope: Double)
    case hardtanh(min: Double, max: Double)
    case hardsigmoid, hardswish
}

extension Kernels {
    static func activation(_ op: ActivationOp, _ x: Tensor, name: String) -> Tensor {
        let x = x.dense
        check(x.dtype.isFloatingPoint, "\(name): needs a float tensor, got \(x.dtype) of shape \(x.shape)")
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        // Each element depends on its own value only, so ranges split over threads give the same
        // result for any thread count.
        func run<T: FloatElement>(_: T.Type) {
            let xp = SendablePointer(x.ptr(T.self)), yp = SendablePointer(out.ptr(T.self))
            parallelRanges(x.count) { lo, hi in
                if T.self == Float.self, case .geluTanh = op {
                    // The eight-lane tanh (Kernels/VectorMath.swift): libm's tanhf per element was
                    // the whole cost of the transformer MLP's activation.
                    VectorMath.geluTanh(UnsafeRawPointer(xp.p).assumingMemoryBound(to: Float.self),
                                        UnsafeMutableRawPointer(yp.p).assumingMemoryBound(to: Float.self), lo, hi)
                } else {
                    activationTyped(op, xp.p + lo, yp.p + lo, hi - lo)
                }
            }
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default:
            check(x.dtype.isReducedPrecision, "\(name): needs a float tensor, got \(x.dtype) of shape \(x.shape)")
            return computed(in: .float32, [x], result: x.dtype) { activation(op, $0[0], name: name) }
        }
        return out
    }

    /// log(1 + e^v) without overflow: max(v, 0) + log1p(e^-|v|).
    @inline(__always)
    static func softplusValue<T: FloatElement>(_ v: T) -> T {
        (v > 0 ? v : 0) + T.log1p(T.exp(-Swift.abs(v)))
    }

    static func activationTyped<T: FloatElement>(_ op: ActivationOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        switch op {
        case .gelu:
            let invSqrt2 = T(1 / 2.0.squareRoot())
            map(x, y, n) { v in v * (1 + T.erf(v * invSqrt2)) / 2 }
        case .geluTanh:
            let k = T((2 / Double.pi).squareRoot()), c = T(0.044715)
            map(x, y, n) { v in v * (1 + T.tanh(k * (v + c * v * v * v))) / 2 }
        case .silu:
            // v·σ(v), with σ split by sign so e^x never overflows.
            map(x, y, n) { v in
                if v >= 0 { return v / (1 + T.exp(-v)) }
                let e = T.exp(v); return v * e / (1 + e)
            }
        case .mish: map(x, y, n) { v in v * T.tanh(softplusValue(v)) }
        case .logSigmoid: map(x, y, n) { v in -softplusValue(-v) }
        case .softsign: map(x, y, n) { v in v / (1 + Swift.abs(v)) }
        case .softplus(let beta, let threshold):
            let b = T(beta), th = T(threshold)
            // Linear above the threshold, as PyTorch (and exact there to float precision).
            map(x, y, n) { v in b * v > th ? v : softplusValue(b * v) / b }
        case .elu(let alpha):
            let a = T(alpha)
            map(x, y, n) { v in v > 0 ? v : a * T.expm1(v) }
        case .selu:
            let a = T(1.6732632423543772848170429916717), s = T(1.0507009873554804934193349852946)
            map(x, y, n) { v in s * (v > 0 ? v : a * T.expm1(v)) }
        case .leakyRelu(let slope):
            let k = T(slope)
            map(x, y, n) { v in v > 0 ? v : v * k }
        case .hardtanh(let lo, let hi):
            let l = T(lo), h = T(hi)
            map(x, y, n) { v in v < l ? l : (v > h ? h : v) }
        case .hardsigmoid: map(x, y, n) { v in v <= -3 ? 0 : (v >= 3 ? 1 : v / 6 + T(0.5)) }
        case .hardswish: map(x, y, n) { v in v <= -3 ? 0 : (v >= 3 ? v : v * (v + 3) / 6) }
        }
    }

    /// A float mask (1 where `inside(v)`, else 0) shaped and typed like `x`: the piecewise gradients.
    static func mask(_ x: Tensor, _ inside: (Double) -> Bool) -> Tensor {
        let x = x.dense
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        switch x.dtype {
        case .float32: map(x.ptr(Float.self), out.ptr(Float.self), x.count) { inside(Double($0)) ? 1 : 0 }
        case .float64: map(x.ptr(Double.self), out.ptr(Double.self), x.count) { inside($0) ? 1 : 0 }
        default:
            check(x.dtype.isReducedPrecision, "mask: needs a float tensor, got \(x.dtype) of shape \(x.shape)")
            return computed(in: .float32, [x], result: x.dtype) { mask($0[0], inside) }
        }
        return out
    }
}
