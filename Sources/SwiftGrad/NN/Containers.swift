// Containers: Sequential (array or result builder), ModuleList, ModuleDict. Children are named
// by position ("0", "1", ...) or by key, as in PyTorch, so `features.0.weight` loads unchanged.

/// Builds the layer list of a `Sequential` from a block, with `if`, `if/else` and `for`.
///
///     Sequential { Linear(4, 8); ReLU(); if deep { Linear(8, 8) }; Linear(8, 2) }
@resultBuilder
public enum SequentialBuilder {
    public static func buildExpression(_ module: Module) -> [Module] { [module] }
    public static func buildExpression(_ modules: [Module]) -> [Module] { modules }
    public static func buildBlock(_ parts: [Module]...) -> [Module] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Module]?) -> [Module] { part ?? [] }
    public static func buildEither(first part: [Module]) -> [Module] { part }
    public static func buildEither(second part: [Module]) -> [Module] { part }
    public static func buildArray(_ parts: [[Module]]) -> [Module] { parts.flatMap { $0 } }
}

/// Runs its layers in order, each on the previous one's output.
///
///     let model = Sequential(Linear(784, 128), ReLU(), Linear(128, 10))
///     let logits = model(x)
open class Sequential: Module {
    /// The layers, in order.
    public private(set) var layers: [Module]

    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
    }

    /// Sequential(a, b, c).
    ///
    ///     let block = Sequential(Conv2d(1, 6, kernelSize: 5), ReLU())
    public convenience init(_ layers: Module...) { self.init(layers) }

    /// The layers from a result-builder block.
    ///
    ///     let mlp = Sequential { Linear(4, 8); ReLU(); Linear(8, 2) }
    public convenience init(@SequentialBuilder _ build: () -> [Module]) { self.init(build()) }

    open override func declaredMembers() -> ModuleMembers {
        var m = ModuleMembers()
        m.children = layers.enumerated().map { ("\($0.offset)", $0.element) }
        return m
    }

    open override func forward(_ input: Tensor) -> Tensor {
        layers.reduce(input) { x, layer in layer(x) }
    }

    /// The number of layers.
    public var count: Int { layers.count }

    /// Layer `i` (negative counts from the end).
    ///
    ///     let first = model[0] as! Linear
    public subscript(_ i: Int) -> Module {
        check(i >= -layers.count && i < layers.count, "Sequential: index \(i) is out of range for \(layers.count) layers")
        return layers[i < 0 ? i + layers.count : i]
    }

    /// The layers in `range`, as a new Sequential sharing them.
    ///
    ///     let trunk = model[0..<2]
    public subscript(_ range: Range<Int>) -> Sequential {
        check(range.lowerBound >= 0 && range.upperBound <= layers.count,
              "Sequential: range \(range) is out of range for \(layers.count) layers")
        return Sequential(Array(layers[range]))
    }

    /// Appends a layer.
    ///
    ///     model.append(Softmax(axis: 1))
    public func append(_ layer: Module) {
        layers.append(layer)
        invalidateMembers()
    }
}

/// A list of submodules, registered (and named "0", "1", ...) but not called in any order.
///
///     let blocks = ModuleList((0..<4).map { _ in Linear(16, 16) })
///     for b in blocks { x = b(x) }
open class ModuleList: Module, Sequence {
    public private(set) var items: [Module]

    public init(_ modules: [Module] = []) {
        items = modules
        super.init()
    }

    open override func declaredMembers() -> ModuleMembers {
        var m = ModuleMembers()
        m.children = items.enumerated().map { ("\($0.offset)", $0.element) }
        return m
    }

    public var count: Int { items.count }
    public subscript(_ i: Int) -> Module {
        check(i >= -items.count && i < items.count, "ModuleList: index \(i) is out of range for \(items.count) modules")
        return items[i < 0 ? i + items.count : i]
    }
    public func makeIterator() -> IndexingIterator<[Module]> { items.makeIterator() }

    /// Appends a module.
    ///
    ///     list.append(Linear(4, 4))
    public func append(_ module: Module) {
        items.append(module)
        invalidateMembers()
    }
}

/// Submodules by name, in insertion order.
///
///     let heads = ModuleDict(["cls": Linear(64, 10), "box": Linear(64, 4)])
///     let scores = heads["cls"]!(features)
open class ModuleDict: Module {
    public private(set) var entries: [(String, Module)]

    /// From pairs, keeping their order.
    public init(_ entries: [(String, Module)] = []) {
        self.entries = entries
        super.init()
    }

    /// From a dictionary literal, keys sorted (a Swift dictionary has no order).
    public convenience init(_ dict: [String: Module]) {
        self.init(dict.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    open override func declaredMembers() -> ModuleMembers {
        var m = ModuleMembers()
        m.children = entries
        return m
    }

    public var keys: [String] { entries.map(\.0) }
    public var count: Int { entries.count }

    /// The module for `key`; assigning adds or replaces it.
    public subscript(_ key: String) -> Module? {
        get { entries.first { $0.0 == key }?.1 }
        set {
            if let i = entries.firstIndex(where: { $0.0 == key }) {
                if let newValue { entries[i].1 = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
            invalidateMembers()
        }
    }
}
