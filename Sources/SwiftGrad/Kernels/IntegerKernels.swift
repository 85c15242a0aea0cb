#if canImport(Glibc)
import Glibc
#endif

/// Bitwise, shift and rounding-division ops (PyTorch's `bitwise_*`, `<<`, `>>`, `floor_divide`,
/// `remainder`, `fmod`). Integers compute in int64 and narrow with wrap-around; floats in their
/// own type (float16/bfloat16 in float32).
enum IntegerOp {
    case bitAnd, bitOr, bitXor, shiftLeft, shiftRight
    case floorDivide, remainder, fmod

    var isBitwise: Bool {
        switch self {
        case .bitAnd, .bitOr, .bitXor, .shiftLeft, .shiftRight: return true
        default: return false
        }
    }
}

extension Kernels {
    /// `a op b` with broadcasting; both operands already have the result's dtype.
    static func integerBinary(_ op: IntegerOp, _ a: Tensor, _ b: Tensor, shape: [Int], name: String) -> Tensor {
        let a = a.dense, b = b.dense
        if !a.dtype.hasKernels {
            return computed(in: a.dtype.computeType, [a, b], result: a.dtype) {
                integerBinary(op, $0[0], $0[1], shape: shape, name: name)
            }
        }
        let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
        if out.count == 0 { return out }
        let layout = ElementwiseLayout(a, b, out)
        switch a.dtype {
        case .int64:
            if !op.isBitwise {
                // PyTorch raises ZeroDivisionError for integer division by zero; so do we, before any work.
                let bp = b.ptr(Int64.self)
                check(!(0..<b.count).contains { bp[$0] == 0 }, "\(name): integer division by zero (shapes \(a.shape) and \(b.shape))")
            }
            inRanges(layout, a.ptr(Int64.self), b.ptr(Int64.self), out.ptr(Int64.self)) { integerTyped(op, layout, $0, $1, $2, $3) }
        case .float32:
            check(!op.isBitwise, "\(name): bitwise ops need integer or bool tensors, got float32 (shapes \(a.shape) and \(b.shape))")
            inRanges(layout, a.ptr(Float.self), b.ptr(Float.self), out.ptr(Float.self)) { floatDivisionTyped(op, layout, $0, $1, $2, $3) }
        case .float64:
            check(!op.isBitwise, "\(name): bitwise ops need integer or bool tensors, got float64 (shapes \(a.shape) and \(b.shape))")
            inRanges(layout, a.ptr(Double.self), b.ptr(Double.self), out.ptr(Double.self)) { floatDivisionTyped(op, layout, $0, $1, $2, $3) }
        default: checkFailure("\(name): no kernel for \(a.dtype)")
        }
        return out
    }

    static func integerTyped(_ op: IntegerOp, _ layout: ElementwiseLayout, _ r: Range<Int>,
                             _ a: UnsafePointer<Int64>, _ b: UnsafePointer<Int64>, _ c: UnsafeMutablePointer<Int64>) {
        switch op {
        case .bitAnd: zip2(layout, r, a, b, c) { $0 & $1 }
        case .bitOr: zip2(layout, r, a, b, c) { $0 | $1 }
        case .bitXor: zip2(layout, r, a, b, c) { $0 ^ $1 }
        // Shifts by 64 or more (or negative amounts) give 0, or -1 for a right shift of a negative value.
        case .shiftLeft: zip2(layout, r, a, b, c) { x, s in s < 0 || s >= 64 ? 0 : x << s }
        case .shiftRight: zip2(layout, r, a, b, c) { x, s in s < 0 || s >= 64 ? (x < 0 ? -1 : 0) : x >> s }
        // Python's floor division and modulo: the remainder takes the divisor's sign.
        // Int64.min / -1 wraps (to Int64.min), as PyTorch's.
        case .floorDivide: zip2(layout, r, a, b, c) { x, y in
            let q = x.dividedReportingOverflow(by: y).partialValue
            let m = x.remainderReportingOverflow(dividingBy: y).partialValue
            return m != 0 && (m < 0) != (y < 0) ? q &- 1 : q
        }
        case .remainder: zip2(layout, r, a, b, c) { x, y in
            let m = x.remainderReportingOverflow(dividingBy: y).partialValue
            return m != 0 && (m < 0) != (y < 0) ? m &+ y : m
        }
        case .fmod: zip2(layout, r, a, b, c) { x, y in x.remainderReportingOverflow(dividingBy: y).partialValue }
        }
    }

    static func floatDivisionTyped<T: FloatElement>(_ op: IntegerOp, _ layout: ElementwiseLayout, _ r: Range<Int>,
                                                    _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>) {
        switch op {
        case .floorDivide: zip2(layout, r, a, b, c) { floorDivideFloat($0, $1) }
        case .remainder: zip2(layout, r, a, b, c) { x, y in
            let m = T.fmod(x, y)
            return m != 0 && (m < 0) != (y < 0) ? m + y : m
        }
        case .fmod: zip2(layout, r, a, b, c) { T.fmod($0, $1) }
        default: break   // bitwise ops were refused above
        }
    }

    /// PyTorch's `div_floor_floating`: floor(a / b) computed from fmod so that it agrees with
    /// `remainder` (a == b·floorDivide(a, b) + remainder(a, b) up to rounding).
    @inline(__always)
    static func floorDivideFloat<T: FloatElement>(_ a: T, _ b: T) -> T {
        if b == 0 { return a / b }
        let mod = T.fmod(a, b)
        var div = (a - mod) / b
        if mod != 0 && (b < 0) != (mod < 0) { div -= 1 }
        if div == 0 { return (a / b).sign == .minus ? -0.0 : 0 }
        var fl = div.rounded(.down)
        if div - fl > 0.5 { fl += 1 }
        return fl
    }

    /// `~x` for integer and bool tensors (bool: logical not).
    static func bitwiseNot(_ x: Tensor) -> Tensor {
        if x.dtype == .bool { return x.eq(Tensor([false], shape: [])) }
        if x.dtype != .int64 { return convert(bitwiseNot(convert(x, to: .int64)), to: x.dtype) }
        let x = x.dense
        let out = Tensor(uninitializedShape: x.shape, dtype: .int64)
        inRanges(x.ptr(Int64.self), out.ptr(Int64.self), x.count) { map($0, $1, $2) { ~$0 } }
        return out
    }
}

extension FloatElement {
    /// C's fmod (the remainder with the dividend's sign).
    @inline(__always) static func fmod(_ x: Self, _ y: Self) -> Self {
        x.truncatingRemainder(dividingBy: y)
    }
}
