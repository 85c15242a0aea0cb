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

/// A list of submodules, registered (and named "0", "1", ...) but not called in any order, as
/// `nn.ModuleList`. It has no call of its own, so it is a `ModuleBase`; its elements are typed
/// (`ModuleList<Linear>`, `ModuleList<TransformerDecoderLayer>`, `ModuleList<Module>` for a mix),
/// so calling one checks its arguments at compile time.
///
///     let blocks = ModuleList((0..<4).map { _ in Linear(16, 16) })
///     for b in blocks { x = b(x) }
open class ModuleList<Element: ModuleBase>: ModuleBase, Sequence {
    public private(set) var items: [Element]

    /// The modules, in order.
    ///
    ///     let heads = ModuleList<Module>([Linear(4, 2), Sequential(Linear(4, 4), ReLU())])
    public init(_ modules: [Element] = []) {
        items = modules
        super.init()
    }

    open override func declaredMembers() -> ModuleMembers {
        var m = ModuleMembers()
        m.children = items.enumerated().map { ("\($0.offset)", $0.element) }
        return m
    }

    /// The number of modules.
    ///
    ///     print(blocks.count)
    public var count: Int { items.count }
    /// Module `i` (negative counts from the end), typed as the list's elements.
    ///
    ///     let last = blocks[-1]
    public subscript(_ i: Int) -> Element {
        check(i >= -items.count && i < items.count, "ModuleList: index \(i) is out of range for \(items.count) modules")
        return items[i < 0 ? i + items.count : i]
    }
    public func makeIterator() -> IndexingIterator<[Element]> { items.makeIterator() }

    /// Appends a module.
    ///
    ///     list.append(Linear(4, 4))
    public func append(_ module: Element) {
        items.append(module)
    }
}

/// Submodules by name, in insertion order, as `nn.ModuleDict`; typed like `ModuleList`.
///
///     let heads = ModuleDict([("cls", Linear(64, 10)), ("box", Linear(64, 4))])
///     let scores = heads["cls"]!(features)
open class ModuleDict<Element: ModuleBase>: ModuleBase {
    public private(set) var entries: [(String, Element)]

    /// From pairs, keeping their order.
    ///
    ///     let losses = ModuleDict<ModuleBase>([("mse", MSELoss()), ("l1", L1Loss())])
    public init(_ entries: [(String, Element)] = []) {
        self.entries = entries
        super.init()
    }

    /// From a dictionary literal, keys sorted (a Swift dictionary has no order).
    ///
    ///     let heads = ModuleDict(["cls": Linear(64, 10), "box": Linear(64, 4)])
    public convenience init(_ dict: [String: Element]) {
        self.init(dict.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    open override func declaredMembers() -> ModuleMembers {
        var m = ModuleMembers()
        m.children = entries.map { ($0.0, $0.1) }
        return m
    }

    /// The keys, in insertion order.
    ///
    ///     print(heads.keys)      // ["cls", "box"]
    public var keys: [String] { entries.map(\.0) }
    /// The number of entries.
    ///
    ///     print(heads.count)
    public var count: Int { entries.count }

    /// The module for `key`; assigning adds or replaces it (nil removes it).
    ///
    ///     heads["cls"] = Linear(64, 5)
    public subscript(_ key: String) -> Element? {
        get { entries.first { $0.0 == key }?.1 }
        set {
            if let i = entries.firstIndex(where: { $0.0 == key }) {
                if let newValue { entries[i].1 = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }
}
