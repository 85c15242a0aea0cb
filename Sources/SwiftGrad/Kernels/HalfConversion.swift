/// bfloat16 storage: the top 16 bits of a float32. Swift has no bfloat16 type, so kernels read and
/// write this bit pattern and compute in float32.
struct BFloat16Bits: Sendable {
    var bits: UInt16

    /// Rounds to nearest, ties to even (PyTorch's `round_to_nearest_even`); NaN stays a (quiet) NaN
    /// with its sign, infinities stay infinite, and values past bfloat16's largest finite value
    /// round to infinity.
    @inline(__always) init(_ f: Float) {
        let b = f.bitPattern
        if f.isNaN { bits = UInt16(truncatingIfNeeded: b >> 16) | 0x0040; return }
        let roundingBias = ((b >> 16) & 1) &+ 0x7FFF
        bits = UInt16(truncatingIfNeeded: (b &+ roundingBias) >> 16)
    }

    /// Exact: every bfloat16 is a float32.
    @inline(__always) var float: Float { Float(bitPattern: UInt32(bits) << 16) }
}

extension Kernels {
    /// float32 → float16/bfloat16 and back, over contiguous buffers, in parallel for large `n`.
    /// These are the conversions every reduced-precision op runs twice (inputs up, result down).
    static func halfToFloat(_ x: Tensor, into out: Tensor) {
        let x = x.dense
        let n = x.count
        switch x.dtype {
        case .bfloat16: inRanges(x.ptr(BFloat16Bits.self), out.ptr(Float.self), n) { map($0, $1, $2) { $0.float } }
        case .float16: inRanges(x.ptr(Float16.self), out.ptr(Float.self), n) { map($0, $1, $2) { Float($0) } }
        default: checkFailure("halfToFloat: expected float16 or bfloat16, got \(x.dtype)")
        }
    }

    static func floatToHalf(_ x: Tensor, into out: Tensor) {
        let x = x.dense
        let n = x.count
        switch out.dtype {
        case .bfloat16: inRanges(x.ptr(Float.self), out.ptr(BFloat16Bits.self), n) { map($0, $1, $2) { BFloat16Bits($0) } }
        // Swift's Float16(Float) rounds to nearest even, overflows to ±inf and keeps NaN.
        case .float16: inRanges(x.ptr(Float.self), out.ptr(Float16.self), n) { map($0, $1, $2) { Float16($0) } }
        default: checkFailure("floatToHalf: expected float16 or bfloat16, got \(out.dtype)")
        }
    }
}
