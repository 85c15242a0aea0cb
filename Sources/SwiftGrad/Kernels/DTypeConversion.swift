/// One stored element type (every dtype has one), with the conversions `Tensor.to(_:)` uses.
/// Conversions follow PyTorch's CPU results on x86-64:
/// - to a float type: the nearest value (ints rounded to nearest even; bool gives 0 or 1);
/// - float to int64: truncation toward zero; NaN and values outside int64 give Int64.min (x86's
///   "integer indefinite", which is what PyTorch's CPU kernels produce);
/// - float to int32/int16/int8/uint8: truncation toward zero through int32 (values outside int32
///   and NaN give Int32.min), then the low bits (so 300.7 → uint8 44, -1.5 → uint8 255);
/// - int to a narrower int: the low bits (two's complement wrap, as a C cast);
/// - anything to bool: `value != 0` (NaN is true).
protocol StorageElement {
    static var isFloat: Bool { get }
    /// The value as Double (exact for every type but int64 beyond 2⁵³).
    var asDouble: Double { get }
    /// The value as Int64 (ints exactly, floats as described above for the target `bits`).
    func asInt64(targetBits: Int) -> Int64
    var isNonzero: Bool { get }
    init(double: Double)
    init(int64: Int64)
    init(bool: Bool)
}

/// Float to integer as PyTorch's CPU casts do on x86-64 (see `StorageElement`).
@inline(__always)
func floatToInt64<F: BinaryFloatingPoint>(_ v: F, targetBits: Int) -> Int64 {
    let t = v.rounded(.towardZero)
    if targetBits == 64 { return Int64(exactly: t) ?? Int64.min }
    return Int64(Int32(exactly: t) ?? Int32.min)
}

extension Float: StorageElement {
    static var isFloat: Bool { true }
    @inline(__always) var asDouble: Double { Double(self) }
    @inline(__always) func asInt64(targetBits: Int) -> Int64 { floatToInt64(self, targetBits: targetBits) }
    @inline(__always) var isNonzero: Bool { self != 0 }
    @inline(__always) init(double: Double) { self.init(double) }
    @inline(__always) init(int64: Int64) { self.init(int64) }
    @inline(__always) init(bool: Bool) { self = bool ? 1 : 0 }
}
extension Double: StorageElement {
    static var isFloat: Bool { true }
    @inline(__always) var asDouble: Double { self }
    @inline(__always) func asInt64(targetBits: Int) -> Int64 { floatToInt64(self, targetBits: targetBits) }
    @inline(__always) var isNonzero: Bool { self != 0 }
    @inline(__always) init(double: Double) { self = double }
    @inline(__always) init(int64: Int64) { self.init(int64) }
    @inline(__always) init(bool: Bool) { self = bool ? 1 : 0 }
}
extension Float16: StorageElement {
    static var isFloat: Bool { true }
    @inline(__always) var asDouble: Double { Double(self) }
    @inline(__always) func asInt64(targetBits: Int) -> Int64 { floatToInt64(Float(self), targetBits: targetBits) }
    @inline(__always) var isNonzero: Bool { self != 0 }
    // Through float32, as PyTorch (c10::Half converts from float).
    @inline(__always) init(double: Double) { self.init(Float(double)) }
    @inline(__always) init(int64: Int64) { self.init(Float(int64)) }
    @inline(__always) init(bool: Bool) { self = bool ? 1 : 0 }
}
extension BFloat16Bits: StorageElement {
    static var isFloat: Bool { true }
    @inline(__always) var asDouble: Double { Double(float) }
    @inline(__always) func asInt64(targetBits: Int) -> Int64 { floatToInt64(float, targetBits: targetBits) }
    @inline(__always) var isNonzero: Bool { float != 0 }
    @inline(__always) init(double: Double) { self.init(Float(double)) }
    @inline(__always) init(int64: Int64) { self.init(Float(int64)) }
    @inline(__always) init(bool: Bool) { self.init(bool ? Float(1) : 0) }
}
extension Int64: StorageElement {
    static var isFloat: Bool { false }
    @inline(__always) var asDouble: Double { Double(self) }
    @inline(__always) func asInt64(targetBits: Int) -> Int64 { self }
    @inline(__always) var isNonzero: Bool { self != 0 }
    @inline(__always) init(double: Double) { self = floatToInt64(double, targetBits: 64) }
    @inline(__always) init(int64: Int64) { self = int64 }
    @inline(__always) init(bool: Bool) { self = bool ? 1 : 0 }
}
/// The narrow integer types (int32, int16, int8, uint8): stored by truncating an int64 to their
/// width, which wraps as PyTorch's casts do.
protocol NarrowIntegerElement: FixedWidthInteger, StorageElement {}
extension NarrowIntegerElement {
    static var isFloat: Bool { false }
    @inline(__always) var asDouble: Double { Double(self) }
    @inline(__always) func asInt64(targetBits: Int) -> Int64 { Int64(self) }
    @inline(__always) var isNonzero: Bool { self != 0 }
    @inline(__always) init(double: Double) { self.init(truncatingIfNeeded: floatToInt64(double, targetBits: Self.bitWidth)) }
    @inline(__always) init(int64: Int64) { self.init(truncatingIfNeeded: int64) }
    @inline(__always) init(bool: Bool) { self = bool ? 1 : 0 }
}
extension Int32: NarrowIntegerElement {}
extension Int16: NarrowIntegerElement {}
extension Int8: NarrowIntegerElement {}
extension UInt8: NarrowIntegerElement {}
extension Bool: StorageElement {
    static var isFloat: Bool { false }
    @inline(__always) var asDouble: Double { self ? 1 : 0 }
    @inline(__always) func asInt64(targetBits: Int) -> Int64 { self ? 1 : 0 }
    @inline(__always) var isNonzero: Bool { self }
    @inline(__always) init(double: Double) { self = double != 0 }
    @inline(__always) init(int64: Int64) { self = int64 != 0 }
    @inline(__always) init(bool: Bool) { self = bool }
}

extension DType {
    /// The number of value bits of an integer dtype (what float-to-int conversion truncates through).
    var integerBits: Int { byteSize * 8 }
}

extension Kernels {
    /// Converts between dtypes (a copy; see `StorageElement` for the rules).
    static func convert(_ x: Tensor, to dtype: DType) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape, dtype: dtype)
        convert(x, into: out)
        return out
    }

    /// Converts `x` into `out` (same element count, any two dtypes).
    static func convert(_ x: Tensor, into out: Tensor) {
        let x = x.dense
        let n = x.count
        if n == 0 { return }
        if !out.isContiguous {
            // A view as destination: convert densely, then write through the view's strides.
            let tmp = convert(x, to: out.dtype)
            copyStrided(tmp, 0, tmp.strides, into: out, 0, out.strides, shape: out.shape)
            return
        }
        if x.dtype == out.dtype { out.rawPointer.copyMemory(from: x.rawPointer, byteCount: n * x.dtype.byteSize); return }
        // The hot pair (every reduced-precision op runs it twice) has a direct loop.
        if x.dtype == .float32 && out.dtype.isReducedPrecision { floatToHalf(x, into: out); return }
        if out.dtype == .float32 && x.dtype.isReducedPrecision { halfToFloat(x, into: out); return }
        switch x.dtype {
        case .bool: convertFrom(Bool.self, x, out, n)
        case .uint8: convertFrom(UInt8.self, x, out, n)
        case .int8: convertFrom(Int8.self, x, out, n)
        case .int16: convertFrom(Int16.self, x, out, n)
        case .int32: convertFrom(Int32.self, x, out, n)
        case .int64: convertFrom(Int64.self, x, out, n)
        case .float16: convertFrom(Float16.self, x, out, n)
        case .bfloat16: convertFrom(BFloat16Bits.self, x, out, n)
        case .float32: convertFrom(Float.self, x, out, n)
        case .float64: convertFrom(Double.self, x, out, n)
        }
    }

    /// The inner switch (destination type); each pair gets its own specialised loop.
    private static func convertFrom<S: StorageElement>(_: S.Type, _ x: Tensor, _ out: Tensor, _ n: Int) {
        switch out.dtype {
        case .bool: convertOpened(x, S.self, out, Bool.self, n)
        case .uint8: convertOpened(x, S.self, out, UInt8.self, n)
        case .int8: convertOpened(x, S.self, out, Int8.self, n)
        case .int16: convertOpened(x, S.self, out, Int16.self, n)
        case .int32: convertOpened(x, S.self, out, Int32.self, n)
        case .int64: convertOpened(x, S.self, out, Int64.self, n)
        case .float16: convertOpened(x, S.self, out, Float16.self, n)
        case .bfloat16: convertOpened(x, S.self, out, BFloat16Bits.self, n)
        case .float32: convertOpened(x, S.self, out, Float.self, n)
        case .float64: convertOpened(x, S.self, out, Double.self, n)
        }
    }

    private static func convertOpened<S: StorageElement, D: StorageElement>(_ x: Tensor, _: S.Type, _ out: Tensor, _: D.Type, _ n: Int) {
        let bits = out.dtype.isFloatingPoint ? 64 : out.dtype.integerBits
        if D.self == Bool.self {
            inRanges(x.ptr(S.self), out.ptr(D.self), n) { map($0, $1, $2) { D(bool: $0.isNonzero) } }
        } else if D.isFloat {
            if S.isFloat { inRanges(x.ptr(S.self), out.ptr(D.self), n) { map($0, $1, $2) { D(double: $0.asDouble) } } }
            else { inRanges(x.ptr(S.self), out.ptr(D.self), n) { map($0, $1, $2) { D(int64: $0.asInt64(targetBits: 64)) } } }
        } else {
            inRanges(x.ptr(S.self), out.ptr(D.self), n) { map($0, $1, $2) { D(int64: $0.asInt64(targetBits: bits)) } }
        }
    }

    /// Element `i` of any dtype as Double (`i` counts elements from the storage offset: the flat
    /// index for a contiguous tensor, `elementOffset` for a view).
    @inline(__always)
    static func element(_ t: Tensor, _ i: Int) -> Double {
        switch t.dtype {
        case .bool: return t.stridedPtr(Bool.self)[i].asDouble
        case .uint8: return t.stridedPtr(UInt8.self)[i].asDouble
        case .int8: return t.stridedPtr(Int8.self)[i].asDouble
        case .int16: return t.stridedPtr(Int16.self)[i].asDouble
        case .int32: return t.stridedPtr(Int32.self)[i].asDouble
        case .int64: return t.stridedPtr(Int64.self)[i].asDouble
        case .float16: return t.stridedPtr(Float16.self)[i].asDouble
        case .bfloat16: return t.stridedPtr(BFloat16Bits.self)[i].asDouble
        case .float32: return t.stridedPtr(Float.self)[i].asDouble
        case .float64: return t.stridedPtr(Double.self)[i]
        }
    }

    /// Sets element `i` of any dtype from a Double (an integral value is exact for integer dtypes;
    /// otherwise converted as `to(_:)` converts a float64).
    @inline(__always)
    static func setElement(_ t: Tensor, _ i: Int, _ v: Double) {
        switch t.dtype {
        case .bool: t.stridedPtr(Bool.self)[i] = v != 0
        case .uint8: t.stridedPtr(UInt8.self)[i] = integral(v)
        case .int8: t.stridedPtr(Int8.self)[i] = integral(v)
        case .int16: t.stridedPtr(Int16.self)[i] = integral(v)
        case .int32: t.stridedPtr(Int32.self)[i] = integral(v)
        case .int64: t.stridedPtr(Int64.self)[i] = integral(v)
        case .float16: t.stridedPtr(Float16.self)[i] = Float16(double: v)
        case .bfloat16: t.stridedPtr(BFloat16Bits.self)[i] = BFloat16Bits(double: v)
        case .float32: t.stridedPtr(Float.self)[i] = Float(v)
        case .float64: t.stridedPtr(Double.self)[i] = v
        }
    }

    /// A Double stored in an integer type: integral values within int64 wrap to the type's bits
    /// (as PyTorch casts a Python int); others convert as a float64 tensor would.
    @inline(__always)
    static func integral<E: StorageElement>(_ v: Double) -> E {
        v == v.rounded() && Swift.abs(v) < 9.2e18 ? E(int64: Int64(v)) : E(double: v)
    }

    /// Fills a tensor of any dtype with one value (as `setElement` stores it).
    static func fillAny(_ x: Tensor, _ value: Double) {
        let n = x.count
        switch x.dtype {
        case .bool: x.ptr(Bool.self).update(repeating: value != 0, count: n)
        case .uint8: x.ptr(UInt8.self).update(repeating: integral(value), count: n)
        case .int8: x.ptr(Int8.self).update(repeating: integral(value), count: n)
        case .int16: x.ptr(Int16.self).update(repeating: integral(value), count: n)
        case .int32: x.ptr(Int32.self).update(repeating: integral(value), count: n)
        case .int64: x.ptr(Int64.self).update(repeating: integral(value), count: n)
        case .float16: x.ptr(Float16.self).update(repeating: Float16(double: value), count: n)
        case .bfloat16: x.ptr(BFloat16Bits.self).update(repeating: BFloat16Bits(double: value), count: n)
        case .float32: x.ptr(Float.self).update(repeating: Float(value), count: n)
        case .float64: x.ptr(Double.self).update(repeating: value, count: n)
        }
    }

    /// Runs `body` on copies of `inputs` converted to `dtype` (the compute type) and returns its result
    /// converted back to `result`, or written into `into` when given.
    static func computed(in dtype: DType, _ inputs: [Tensor], result: DType, into: Tensor? = nil, _ body: ([Tensor]) -> Tensor) -> Tensor {
        let r = body(inputs.map { $0.dtype == dtype ? $0 : convert($0, to: dtype) })
        if let into { convert(r, into: into); return into }
        return r.dtype == result ? r : convert(r, to: result)
    }
}
