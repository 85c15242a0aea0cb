import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How tensors print (PyTorch's `set_printoptions`). Process-wide, thread-safe.
///
///     PrintOptions.precision = 2
public enum PrintOptions {
    static let _threshold = Atomic<Int>(1000)
    static let _edgeItems = Atomic<Int>(3)
    static let _precision = Atomic<Int>(4)
    /// Tensors with more elements than this are summarised with `...`.
    public static var threshold: Int {
        get { _threshold.load(ordering: .relaxed) } set { _threshold.store(newValue, ordering: .relaxed) }
    }
    /// Elements shown at each end of a summarised axis.
    public static var edgeItems: Int {
        get { _edgeItems.load(ordering: .relaxed) } set { _edgeItems.store(Swift.max(1, newValue), ordering: .relaxed) }
    }
    static let _linewidth = Atomic<Int>(80)
    /// Characters per line before a row of elements wraps (PyTorch's `linewidth`).
    public static var linewidth: Int {
        get { _linewidth.load(ordering: .relaxed) } set { _linewidth.store(Swift.max(1, newValue), ordering: .relaxed) }
    }
    /// Digits after the decimal point.
    public static var precision: Int {
        get { _precision.load(ordering: .relaxed) } set { _precision.store(Swift.max(0, newValue), ordering: .relaxed) }
    }
}

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// PyTorch-style text: `tensor([[1.0000, 2.0000], ...], requiresGrad: true)`. Large tensors are
    /// summarised, so printing ten million elements is instant and short.
    public var description: String {
        let summarise = count > PrintOptions.threshold
        let edge = PrintOptions.edgeItems
        // Only the elements that will be shown decide the format.
        var shown: [Double] = []
        collectShown(summarise: summarise, edge: edge) { shown.append(scalar(at: $0)) }
        let fmt = ElementFormat(values: shown, isInt: dtype.isIntegral(includingBool: false), isBool: dtype == .bool,
                                precision: PrintOptions.precision)
        let body: String
        if rank == 0 {
            body = fmt.format(scalar(at: 0))
        } else if count == 0 {
            // PyTorch prints every empty tensor as [] (with its size below): nothing to walk, however
            // large the other axes are.
            body = "[]"
        } else {
            body = render(summarise: summarise, edge: edge, fmt: fmt)
        }
        var extras: [String] = []
        // As PyTorch, the default dtypes (float32, int64) and bool go without a dtype note, except
        // for an empty tensor, which has no elements to show what it holds.
        if dtype != .float32 && dtype != .int64 && dtype != .bool { extras.append("dtype: \(dtype)") }
        if (dtype == .int64 || dtype == .bool) && count == 0 { extras.append("dtype: \(dtype)") }
        if let n = node { extras.append("gradFn: \(n.op)") } else if leafRequiresGrad { extras.append("requiresGrad: true") }
        // PyTorch shows the size of an empty tensor unless it is simply 1-D: tensor([]).
        if count == 0 && shape != [0] { extras.insert("size: \(shape)", at: 0) }
        return "tensor(" + body + extras.map { ", " + $0 }.joined() + ")"
    }

    public var debugDescription: String { "Tensor(shape: \(shape), dtype: \(dtype)) " + description }

    /// The positions shown along each axis (nil marks the "..." of a summarised axis). Every list is
    /// short: an axis is either summarised to 2·edge entries or part of a tensor of at most
    /// `threshold` elements.
    private func shownPositions(summarise: Bool, edge: Int) -> [[Int?]] {
        shape.map { n in
            summarise && n > 2 * edge ? Array(0..<edge).map { Optional($0) } + [nil] + Array((n - edge)..<n).map { Optional($0) }
                                      : Array(0..<n).map { Optional($0) }
        }
    }

    /// Visits the flat offset of every element that will be shown, in order. Iterative: an odometer
    /// over the axes that show more than one position (axes showing one position only add a constant
    /// offset), so neither the rank nor the size of an axis sets a recursion depth.
    private func collectShown(summarise: Bool, edge: Int, _ visit: (Int) -> Void) {
        if count == 0 { return }
        if !summarise { for i in 0..<count { visit(i) }; return }
        let strides = contiguousStrides(shape)
        var base = 0
        var axes: [(positions: [Int], stride: Int)] = []
        for (a, list) in shownPositions(summarise: true, edge: edge).enumerated() {
            let positions = list.compactMap { $0 }
            if positions.count == 1 { base += positions[0] * strides[a] } else { axes.append((positions, strides[a])) }
        }
        var digit = [Int](repeating: 0, count: axes.count)
        var offset = base + axes.reduce(0) { $0 + $1.positions[0] * $1.stride }
        while true {
            visit(offset)
            var a = axes.count - 1
            while a >= 0 {
                let ps = axes[a].positions
                offset -= ps[digit[a]] * axes[a].stride
                digit[a] += 1
                if digit[a] < ps.count { offset += ps[digit[a]] * axes[a].stride; break }
                digit[a] = 0
                offset += ps[0] * axes[a].stride
                a -= 1
            }
            if a < 0 { return }
        }
    }

    /// The nested-bracket text of a non-empty tensor of rank >= 1, built with an explicit stack
    /// (one entry per open bracket) instead of recursion: rank 100,000 prints without deep calls.
    private func render(summarise: Bool, edge: Int, fmt: ElementFormat) -> String {
        let lists = shownPositions(summarise: summarise, edge: edge)
        let strides = contiguousStrides(shape)
        let last = rank - 1
        let indent = 8
        var s = ""
        var stack: [(axis: Int, next: Int, offset: Int)] = []
        func open(_ axis: Int, _ offset: Int) {
            if axis < last { s += "["; stack.append((axis, 0, offset)); return }
            // PyTorch's vector layout: " ..." stands for the hidden elements, and rows wrap to
            // `linewidth`, continuing under the first element.
            let items = lists[axis].map { i in i.map { fmt.format(scalar(at: offset + $0)) } ?? " ..." }
            let vectorIndent = 7 + axis     // "tensor(" and one "[" per enclosing axis
            let perLine = Swift.max(1, (PrintOptions.linewidth - vectorIndent) / (fmt.width + 2))
            let lines = Swift.stride(from: 0, to: items.count, by: perLine).map {
                items[$0..<Swift.min($0 + perLine, items.count)].joined(separator: ", ")
            }
            s += "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: vectorIndent + 1)) + "]"
        }
        open(0, 0)
        while let top = stack.last {
            let list = lists[top.axis]
            if top.next == list.count { s += "]"; stack.removeLast(); continue }
            if top.next > 0 {
                s += "," + String(repeating: "\n", count: last - top.axis) + String(repeating: " ", count: indent + top.axis)
            }
            stack[stack.count - 1].next += 1
            guard let i = list[top.next] else { s += "..."; continue }
            open(top.axis + 1, top.offset + i * strides[top.axis])
        }
        return s
    }
}

/// PyTorch's element formatting: integers as `1.`, scientific when magnitudes span too much,
/// otherwise fixed with `precision` decimals; all padded to one width.
struct ElementFormat {
    let isInt: Bool
    var isBool = false
    let intLike: Bool
    let sci: Bool
    let precision: Int
    var width = 0

    init(values: [Double], isInt: Bool, isBool: Bool = false, precision: Int) {
        self.isInt = isInt || isBool
        self.isBool = isBool
        self.precision = precision
        let finite = values.filter { $0.isFinite }
        intLike = !isInt && !finite.isEmpty && finite.allSatisfy { $0 == $0.rounded() }
        let mags = finite.map { Swift.abs($0) }.filter { $0 != 0 }
        if let mx = mags.max(), let mn = mags.min(), !isInt {
            sci = mx / mn > 1000 || mx > 1e8 || mn < 1e-4
        } else { sci = false }
        // As PyTorch, only finite values set the width: nan and inf are never padded.
        width = finite.map { raw($0).count }.max() ?? 0
    }

    func raw(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if isBool { return v != 0 ? "True" : "False" }
        if isInt { return String(Int64(v)) }
        if intLike && !sci { return String(Int64(v)) + "." }
        return sci ? cFormat("%.\(precision)e", v) : cFormat("%.\(precision)f", v)
    }

    func cFormat(_ f: String, _ v: Double) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = withVaList([v]) { vsnprintf(&buf, 64, f, $0) }
        return String(cString: buf)
    }

    func format(_ v: Double) -> String {
        let r = raw(v)
        return String(repeating: " ", count: Swift.max(0, width - r.count)) + r
    }
}

/// One element of a nested tensor literal: a number or a nested array.
public struct TensorLiteral: ExpressibleByArrayLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    let values: [Double]
    let shape: [Int]
    public init(arrayLiteral elements: TensorLiteral...) {
        let inner = elements.first?.shape ?? []
        check(elements.allSatisfy { $0.shape == inner }, "tensor literal: nested arrays are ragged")
        values = elements.flatMap(\.values)
        shape = [elements.count] + inner
    }
    public init(floatLiteral value: Double) { values = [value]; shape = [] }
    public init(integerLiteral value: Int) { values = [Double(value)]; shape = [] }
}

extension Tensor: ExpressibleByArrayLiteral {
    /// Nested array literals give float32 tensors: `let t: Tensor = [[1, 2], [3, 4]]`.
    public convenience init(arrayLiteral elements: TensorLiteral...) {
        let lit = TensorLiteral(elements: elements)
        self.init(lit.values, shape: lit.shape, dtype: .float32)
    }
}

extension TensorLiteral {
    init(elements: [TensorLiteral]) {
        let inner = elements.first?.shape ?? []
        check(elements.allSatisfy { $0.shape == inner }, "tensor literal: nested arrays are ragged")
        values = elements.flatMap(\.values)
        shape = [elements.count] + inner
    }
}
