// Checks on sizes and on values bound for integer storage. Each stops with a message naming the op
// (in every build, through `check`) where Swift would otherwise trap without one: an element or
// byte count that overflows Int, or `Int64(x)` of a NaN, an infinity or a value beyond ±2⁶³.

/// The element count of `shape`, stopping with a message naming `op` and the shape if a size is
/// negative or if the count, or its size in bytes for `dtype`, overflows Int (PyTorch: "Storage
/// size calculation overflowed"). A shape holding a 0 has 0 elements, whatever its other sizes.
///
///     let n = checkedElementCount([2, 3], dtype: .float32, op: "zeros")   // 6
func checkedElementCount(_ shape: [Int], dtype: DType, op: @autoclosure () -> String) -> Int {
    var n = 1, overflowed = false
    for d in shape {
        check(d >= 0, "\(op()): negative size in shape \(shape)")
        let (p, o) = n.multipliedReportingOverflow(by: d)
        n = p
        overflowed = overflowed || o
    }
    if shape.contains(0) { return 0 }
    let bytesOverflow = n.multipliedReportingOverflow(by: dtype.byteSize).overflow
    check(!overflowed && !bytesOverflow,
          "\(op()): storage size calculation overflowed for shape \(shape) (\(overflowed ? "the element count" : "\(n) elements of \(dtype)") exceeds \(Int.max)\(overflowed ? "" : " bytes"))")
    return n
}

/// The element count of a shape already known to be non-negative; the fallback for every tensor
/// (a shape built by an op from sizes that were each fine). Stops naming the shape on overflow.
@inline(__always)
func elementCount(_ shape: [Int]) -> Int {
    var n = 1
    for d in shape {
        let (p, o) = n.multipliedReportingOverflow(by: d)
        if _slowPath(o) { return overflowedElementCount(shape) }
        n = p
    }
    return n
}

@inline(never)
func overflowedElementCount(_ shape: [Int]) -> Int {
    if shape.contains(0) { return 0 }
    checkFailure("Tensor: storage size calculation overflowed for shape \(shape)")
}

/// Whether `v` converts to Int64 without trapping: finite and within [-2⁶³, 2⁶³).
@inline(__always)
func fitsInt64(_ v: Double) -> Bool { v >= -0x1p63 && v < 0x1p63 }

/// `v` as Int64 (truncated toward zero, as PyTorch), stopping with a message naming `op` for NaN,
/// ±inf or a value out of range (PyTorch: "value cannot be converted to type int64_t without overflow").
///
///     let fill = checkedInt64(value, op: "full", shape: shape)
func checkedInt64(_ v: Double, op: @autoclosure () -> String, shape: @autoclosure () -> [Int]) -> Int64 {
    check(fitsInt64(v), "\(op()): value \(v) cannot be converted to int64 without overflow (shape \(shape()))")
    return Int64(v)
}
