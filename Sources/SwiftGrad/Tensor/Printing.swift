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
        let fmt = ElementFormat(values: shown, isInt: dtype == .int64, precision: PrintOptions.precision)
        var body = ""
        if rank == 0 {
            body = fmt.format(scalar(at: 0))
        } else {
            render(axis: 0, offset: 0, indent: 8, summarise: summarise, edge: edge, fmt: fmt, into: &body)
        }
        var extras: [String] = []
        if dtype == .float64 { extras.append("dtype: float64") }
        if dtype == .int64 && fmt.isInt == false { extras.append("dtype: int64") }
        if let n = node { extras.append("gradFn: \(n.op)") } else if leafRequiresGrad { extras.append("requiresGrad: true") }
        // PyTorch shows the size of an empty tensor unless it is simply 1-D: tensor([]).
        if count == 0 && shape != [0] { extras.insert("size: \(shape)", at: 0) }
        return "tensor(" + body + extras.map { ", " + $0 }.joined() + ")"
    }

    public var debugDescription: String { "Tensor(shape: \(shape), dtype: \(dtype)) " + description }

    private func collectShown(summarise: Bool, edge: Int, _ visit: (Int) -> Void) {
        if count == 0 { return }
        if !summarise { for i in 0..<count { visit(i) }; return }
        let strides = contiguousStrides(shape)
        func walk(_ axis: Int, _ offset: Int) {
            if axis == rank { visit(offset); return }
            let n = shape[axis]
            let idx = n > 2 * edge ? Array(0..<edge) + Array((n - edge)..<n) : Array(0..<n)
            for i in idx { walk(axis + 1, offset + i * strides[axis]) }
        }
        walk(0, 0)
    }

    private func render(axis: Int, offset: Int, indent: Int, summarise: Bool, edge: Int, fmt: ElementFormat, into s: inout String) {
        let n = shape[axis]
        let stride = shape[(axis + 1)...].reduce(1, *)
        let idx: [Int?] = summarise && n > 2 * edge ? Array(0..<edge).map { Optional($0) } + [nil] + Array((n - edge)..<n).map { Optional($0) } : Array(0..<n).map { Optional($0) }
        if axis == rank - 1 {
            // PyTorch's vector layout: " ..." stands for the hidden elements, and rows wrap to
            // `linewidth`, continuing under the first element.
            let items = idx.map { i in i.map { fmt.format(scalar(at: offset + $0)) } ?? " ..." }
            let vectorIndent = 7 + axis     // "tensor(" and one "[" per enclosing axis
            let perLine = Swift.max(1, (PrintOptions.linewidth - vectorIndent) / (fmt.width + 2))
            let lines = Swift.stride(from: 0, to: items.count, by: perLine).map {
                items[$0..<Swift.min($0 + perLine, items.count)].joined(separator: ", ")
            }
            s += "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: vectorIndent + 1)) + "]"
            return
        }
        s += "["
        for (k, i) in idx.enumerated() {
            if k > 0 {
                s += "," + String(repeating: "\n", count: rank - 1 - axis) + String(repeating: " ", count: indent + axis)
            }
            guard let i else { s += "..."; continue }
            render(axis: axis + 1, offset: offset + i * stride, indent: indent, summarise: summarise, edge: edge, fmt: fmt, into: &s)
        }
        s += "]"
    }
}

/// PyTorch's element formatting: integers as `1.`, scientific when magnitudes span too much,
/// otherwise fixed with `precision` decimals; all padded to one width.
struct ElementFormat {
    let isInt: Bool
    let intLike: Bool
    let sci: Bool
    let precision: Int
    var width = 0

    init(values: [Double], isInt: Bool, precision: Int) {
        self.isInt = isInt
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
