/// The element type of a tensor, chosen at run time as in PyTorch.
///
///     let x = Tensor.zeros([2, 3])                    // float32
///     let y = Tensor.zeros([2, 3], dtype: .float64)   // float64, for gradient checks
public enum DType: String, Sendable, CustomStringConvertible, CaseIterable {
    /// 32-bit float, the default for everything.
    case float32
    /// 64-bit float; every float op supports it (needed for finite-difference gradient checks).
    case float64
    /// 64-bit signed integer: indices, class labels, masks and argmax results.
    case int64

    /// Bytes per element.
    public var byteSize: Int { self == .float32 ? 4 : 8 }
    /// Whether values are floating point (and so can require gradients).
    public var isFloatingPoint: Bool { self != .int64 }
    public var description: String { rawValue }

    /// The dtype of `a op b` under PyTorch's promotion rules for our three types.
    static func promote(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a == .float64 || b == .float64 { return .float64 }
        return .float32
    }
}

/// A Swift scalar type that can be stored in a tensor: `Float`, `Double` or `Int64`.
public protocol TensorScalar: Numeric, Comparable, Sendable {
    static var dtype: DType { get }
    /// Converts a Double the way tensors convert between dtypes: floats round to nearest, integers
    /// truncate toward zero, and NaN or out-of-range values become 0 instead of trapping.
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
