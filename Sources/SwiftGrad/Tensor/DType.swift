/// The element type of a tensor, chosen at run time as in PyTorch.
///
///     let x = Tensor.zeros([2, 3])                    // float32
///     let y = Tensor.zeros([2, 3], dtype: .bfloat16)  // 2 bytes per element
///
/// The names (and `description`) are PyTorch's (`torch.bfloat16` is `.bfloat16`). Promotion between
/// dtypes follows `torch.promote_types` and `torch.result_type` (see `DType.result(_:_:)` and
/// Docs/Tensors.md). float16 and bfloat16 are storage types: their math runs in float32 and is rounded
/// once per op; bool and the small integer types compute in int64 and narrow (with wrap-around).
public enum DType: String, Sendable, CustomStringConvertible, CaseIterable {
    /// Booleans (one byte, 0 or 1): the result of comparisons and predicates, and masks.
    case bool
    /// 8-bit unsigned integer (images, quantised data).
    case uint8
    /// 8-bit signed integer.
    case int8
    /// 16-bit signed integer.
    case int16
    /// 32-bit signed integer.
    case int32
    /// 64-bit signed integer: indices, class labels and argmax results.
    case int64
    /// IEEE half precision (Swift's `Float16`): 2 bytes, computed in float32.
    case float16
    /// bfloat16 (the top 16 bits of a float32, rounded to nearest even): 2 bytes, computed in float32.
    case bfloat16
    /// 32-bit float, the default for everything.
    case float32
    /// 64-bit float; every float op supports it (needed for finite-difference gradient checks).
    case float64

    /// Bytes per element.
    ///
    ///     DType.bfloat16.byteSize   // 2
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .int16, .float16, .bfloat16: return 2
        case .int32, .float32: return 4
        case .int64, .float64: return 8
        }
    }

    /// Whether values are floating point (and so can require gradients).
    ///
    ///     DType.float16.isFloatingPoint   // true
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }

    /// Whether values are integers; bool counts only when `includingBool` (PyTorch's
    /// `is_integral(includeBool)`).
    ///
    ///     DType.bool.isIntegral(includingBool: true)   // true
    public func isIntegral(includingBool: Bool = false) -> Bool {
        switch self {
        case .bool: return includingBool
        case .uint8, .int8, .int16, .int32, .int64: return true
        default: return false
        }
    }

    /// Whether this is `.float16` or `.bfloat16` (stored in 2 bytes, computed in float32).
    ///
    ///     if x.dtype.isReducedPrecision { ... }
    public var isReducedPrecision: Bool { self == .float16 || self == .bfloat16 }

    /// PyTorch's name (`"bfloat16"`, `"int64"`...).
    public var description: String { rawValue }

    /// The dtype the elementwise and reduction kernels compute in for this storage dtype: float32 for
    /// float16/bfloat16, int64 for bool and the small integer types, the dtype itself otherwise.
    var computeType: DType {
        switch self {
        case .float16, .bfloat16: return .float32
        case .bool, .uint8, .int8, .int16, .int32: return .int64
        default: return self
        }
    }

    /// Whether the core kernels have a loop for this dtype (the others convert to `computeType`).
    var hasKernels: Bool { self == .float32 || self == .float64 || self == .int64 }
}

/// A Swift scalar type that can be stored in a tensor: `Bool`, `UInt8`, `Int8`, `Int16`, `Int32`,
/// `Int64`, `Float16`, `Float` or `Double` (bfloat16 has no Swift type: read it as `Float`).
public protocol TensorScalar: Sendable {
    static var dtype: DType { get }
    /// Converts a Double the way tensors convert between dtypes: floats round to nearest, integers
    /// truncate toward zero (NaN or out-of-range values become 0 instead of trapping), bool is `v != 0`.
    init(tensorValue: Double)
    var doubleValue: Double { get }
}

extension Float: TensorScalar {
    public static var dtype: DType { .float32 }
    public init(tensorValue v: Double) { self.init(v) }
    public var doubleValue: Double { Double(self) }
}
extension Double: TensorScalar {
    public static var dtype: DType { .float64 }
    public init(tensorValue v: Double) { self = v }
    public var doubleValue: Double { self }
}
extension Int64: TensorScalar {
    public static var dtype: DType { .int64 }
    public init(tensorValue v: Double) { self = Int64(exactly: v.rounded(.towardZero)) ?? 0 }
    public var doubleValue: Double { Double(self) }
}
#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
extension Float16: TensorScalar {
    public static var dtype: DType { .float16 }
    public init(tensorValue v: Double) { self.init(Float(v)) }
    public var doubleValue: Double { Double(self) }
}
#endif
extension Int32: TensorScalar {
    public static var dtype: DType { .int32 }
    public init(tensorValue v: Double) { self.init(truncatingIfNeeded: Int64(tensorValue: v)) }
    public var doubleValue: Double { Double(self) }
}
extension Int16: TensorScalar {
    public static var dtype: DType { .int16 }
    public init(tensorValue v: Double) { self.init(truncatingIfNeeded: Int64(tensorValue: v)) }
    public var doubleValue: Double { Double(self) }
}
extension Int8: TensorScalar {
    public static var dtype: DType { .int8 }
    public init(tensorValue v: Double) { self.init(truncatingIfNeeded: Int64(tensorValue: v)) }
    public var doubleValue: Double { Double(self) }
}
extension UInt8: TensorScalar {
    public static var dtype: DType { .uint8 }
    public init(tensorValue v: Double) { self.init(truncatingIfNeeded: Int64(tensorValue: v)) }
    public var doubleValue: Double { Double(self) }
}
extension Bool: TensorScalar {
    public static var dtype: DType { .bool }
    public init(tensorValue v: Double) { self = v != 0 }
    public var doubleValue: Double { self ? 1 : 0 }
}
