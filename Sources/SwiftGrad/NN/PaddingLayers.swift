// Padding modules, as torch.nn's ReflectionPad*, ReplicationPad*, CircularPad*, ZeroPad* and
// ConstantPad*: one base class holding the mode and the (before, after) pairs from the last axis.

/// A padding module: `padding` pairs (left, right[, top, bottom[, front, back]]) from the last axis,
/// a mode and a constant value. Use the named subclasses (`ReflectionPad2d(1)`, `ZeroPad2d([1, 0, 2, 0])`).
///
///     let pad = ReflectionPad2d(2)
///     let y = pad(images)            // [n, c, h + 4, w + 4]
open class PaddingLayer: Module {
    /// (before, after) pairs from the last axis, as PyTorch's `padding` attribute.
    public let padding: [Int]
    public let mode: PaddingMode
    public let value: Double
    /// The number of trailing axes padded (1, 2 or 3).
    public let spatialAxes: Int

    public init(padding: [Int], spatialAxes: Int, mode: PaddingMode, value: Double = 0) {
        let typeName = "\(Self.self)"
        check(padding.count == 1 || padding.count == 2 * spatialAxes,
              "\(typeName): padding must be one number or \(2 * spatialAxes) numbers, got \(padding)")
        self.padding = padding.count == 1 ? [Int](repeating: padding[0], count: 2 * spatialAxes) : padding
        check(self.padding.allSatisfy { $0 >= 0 }, "\(typeName): padding \(padding) must be non-negative")
        self.spatialAxes = spatialAxes; self.mode = mode; self.value = value
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        let k = spatialAxes
        check(input.rank == k + 1 || input.rank == k + 2,
              "\(typeName): expected a \(k + 1)-D or \(k + 2)-D input, got shape \(input.shape)")
        return input.pad(padding, mode: mode, value: mode == .constant ? value : 0)
    }

    open override var extraDescription: String {
        mode == .constant && value != 0 ? "padding=\(padding), value=\(value)" : "padding=\(padding)"
    }
}

/// Reflection padding of the last axis: `ReflectionPad1d(2)` or `ReflectionPad1d([left, right])`.
///
///     let y = ReflectionPad1d(2)(signal)
open class ReflectionPad1d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 1, mode: .reflect) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Reflection padding of the last two axes: a number or [left, right, top, bottom].
///
///     let y = ReflectionPad2d(1)(images)
open class ReflectionPad2d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 2, mode: .reflect) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Reflection padding of the last three axes: a number or six.
///
///     let y = ReflectionPad3d(1)(volumes)
open class ReflectionPad3d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 3, mode: .reflect) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Edge-replicating padding of the last axis.
///
///     let y = ReplicationPad1d([2, 0])(signal)
open class ReplicationPad1d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 1, mode: .replicate) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Edge-replicating padding of the last two axes.
///
///     let y = ReplicationPad2d(1)(images)
open class ReplicationPad2d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 2, mode: .replicate) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Edge-replicating padding of the last three axes.
///
///     let y = ReplicationPad3d(1)(volumes)
open class ReplicationPad3d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 3, mode: .replicate) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Circular (wrap-around) padding of the last axis.
///
///     let y = CircularPad1d(1)(signal)
open class CircularPad1d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 1, mode: .circular) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Circular padding of the last two axes.
///
///     let y = CircularPad2d(1)(images)
open class CircularPad2d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 2, mode: .circular) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Circular padding of the last three axes.
///
///     let y = CircularPad3d(1)(volumes)
open class CircularPad3d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 3, mode: .circular) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Zero padding of the last axis.
///
///     let y = ZeroPad1d(2)(signal)
open class ZeroPad1d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 1, mode: .constant) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Zero padding of the last two axes.
///
///     let y = ZeroPad2d([1, 0, 1, 0])(images)
open class ZeroPad2d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 2, mode: .constant) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Zero padding of the last three axes.
///
///     let y = ZeroPad3d(1)(volumes)
open class ZeroPad3d: PaddingLayer {
    public init(_ padding: [Int]) { super.init(padding: padding, spatialAxes: 3, mode: .constant) }
    public convenience init(_ padding: Int) { self.init([padding]) }
}
/// Constant padding of the last axis with `value`.
///
///     let y = ConstantPad1d(2, value: 3.5)(signal)
open class ConstantPad1d: PaddingLayer {
    public init(_ padding: [Int], value: Double) { super.init(padding: padding, spatialAxes: 1, mode: .constant, value: value) }
    public convenience init(_ padding: Int, value: Double) { self.init([padding], value: value) }
}
/// Constant padding of the last two axes with `value`.
///
///     let y = ConstantPad2d([1, 1, 2, 0], value: -1)(images)
open class ConstantPad2d: PaddingLayer {
    public init(_ padding: [Int], value: Double) { super.init(padding: padding, spatialAxes: 2, mode: .constant, value: value) }
    public convenience init(_ padding: Int, value: Double) { self.init([padding], value: value) }
}
/// Constant padding of the last three axes with `value`.
///
///     let y = ConstantPad3d(1, value: 0.5)(volumes)
open class ConstantPad3d: PaddingLayer {
    public init(_ padding: [Int], value: Double) { super.init(padding: padding, spatialAxes: 3, mode: .constant, value: value) }
    public convenience init(_ padding: Int, value: Double) { self.init([padding], value: value) }
}
