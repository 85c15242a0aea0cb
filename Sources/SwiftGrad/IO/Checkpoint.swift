/// Why a checkpoint could not be loaded or restored.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file is a valid safetensors file but was not written by `Checkpoint.save`.
    case notACheckpoint(path: String)
    /// A newer checkpoint format than this library reads.
    case unsupportedVersion(path: String, version: String)
    /// A metadata field (epoch, step) that does not parse.
    case invalidMetadata(path: String, key: String, value: String)
    /// A component asked for (e.g. "optimizer") is not in the checkpoint; lists those that are.
    case missingComponent(name: String, available: [String])
    /// A component's state did not load into its object (missing, unexpected or mis-shaped keys).
    case component(name: String, error: StateDictError)

    public var description: String {
        switch self {
        case .notACheckpoint(let p): return "\(p): a safetensors file, but not a SwiftGrad checkpoint (no swiftgrad.checkpoint metadata)"
        case .unsupportedVersion(let p, let v): return "\(p): checkpoint format version \(v) is newer than this library reads (1)"
        case .invalidMetadata(let p, let k, let v): return "\(p): checkpoint metadata \(k) = '\(v)' is not valid"
        case .missingComponent(let n, let a): return "checkpoint has no component '\(n)'; it has: \(a.sorted().joined(separator: ", "))"
        case .component(let n, let e): return "checkpoint component '\(n)': \(e)"
        }
    }
}

/// Everything needed to resume training, in one safetensors file: the state dicts of any number of
/// named components (model, optimizer, scheduler, generator: anything `StateDictConvertible`), the
/// epoch and step, and string metadata. Keys are `component.key` (`model.fc1.weight`,
/// `optimizer.state.0.exp_avg`), so the file also opens in Python's `safetensors`.
///
/// Saving is atomic (temporary file, fsync, rename): a save interrupted at any point leaves the
/// previous checkpoint intact and loadable.
///
///     try Checkpoint.save(to: "run.ckpt", epoch: 3, step: 1200, ["model": model, "optimizer": opt, "generator": g])
///     let resumed = try Checkpoint.restore(from: "run.ckpt", into: ["model": model, "optimizer": opt, "generator": g])
public struct Checkpoint {
    /// The epoch to record (by convention: the number of completed epochs).
    public var epoch: Int
    /// The optimizer step count to record.
    public var step: Int
    /// Free-form strings saved with the checkpoint (keys starting with `swiftgrad.` are reserved).
    public var metadata: [String: String]
    /// The saved state dicts, by component name.
    public private(set) var components: [String: [String: Tensor]] = [:]

    static let formatVersion = "1"

    /// An empty checkpoint; add components with `store(_:as:)`.
    ///
    ///     var ckpt = Checkpoint(epoch: 5, step: 2000)
    ///     ckpt.store(model, as: "model")
    public init(epoch: Int = 0, step: Int = 0, metadata: [String: String] = [:]) {
        self.epoch = epoch
        self.step = step
        self.metadata = metadata
    }

    /// Snapshots `object`'s state dict under `name` (copies, so later training does not change it).
    ///
    ///     ckpt.store(optimizer, as: "optimizer")
    ///     ckpt.store(Generator.default, as: "generator")
    public mutating func store(_ object: any StateDictConvertible, as name: String) {
        store(object.stateDict(), as: name)
    }

    /// Stores a state dict under `name` (copies the tensors). Names are non-empty and dot-free.
    ///
    ///     ckpt.store(["best_accuracy": Tensor(0.97, dtype: .float64)], as: "extra")
    ///     try ckpt.save(to: "run.ckpt")
    public mutating func store(_ state: [String: Tensor], as name: String) {
        check(!name.isEmpty && !name.contains("."), "Checkpoint.store: component name '\(name)' must be non-empty without dots")
        components[name] = state.mapValues { t in withNoGrad { t.detach().copy() } }
    }

    /// The state dict stored under `name`.
    ///
    ///     let weights = try ckpt.state("model")
    ///     try model.loadStateDict(weights)
    public func state(_ name: String) throws -> [String: Tensor] {
        guard let s = components[name] else {
            throw CheckpointError.missingComponent(name: name, available: Array(components.keys))
        }
        return s
    }

    /// Loads the state stored under `name` into `object`.
    ///
    ///     let ckpt = try Checkpoint.load(from: "run.ckpt")
    ///     try ckpt.restore(model, from: "model")
    public func restore(_ object: any StateDictConvertible, from name: String) throws {
        let s = try state(name)
        do { try object.loadStateDict(s) } catch let e as StateDictError {
            throw CheckpointError.component(name: name, error: e)
        }
    }

    /// Writes the checkpoint to `path` atomically.
    ///
    ///     try ckpt.save(to: "checkpoints/epoch-5.ckpt")
    ///     let back = try Checkpoint.load(from: "checkpoints/epoch-5.ckpt")
    public func save(to path: String) throws {
        var flat: [String: Tensor] = [:]
        for (name, state) in components {
            for (key, t) in state { flat[name + "." + key] = t }
        }
        var meta = metadata.filter { !$0.key.hasPrefix("swiftgrad.") }
        meta["swiftgrad.checkpoint"] = Checkpoint.formatVersion
        meta["swiftgrad.epoch"] = String(epoch)
        meta["swiftgrad.step"] = String(step)
        meta["swiftgrad.components"] = components.keys.sorted().joined(separator: ",")
        try Safetensors.save(flat, to: path, metadata: meta)
    }

    /// Reads a checkpoint written by `save(to:)`. Throws `CheckpointError`, `SafetensorsError` or `FileError`.
    ///
    ///     let ckpt = try Checkpoint.load(from: "run.ckpt")
    ///     print(ckpt.epoch, ckpt.step)
    public static func load(from path: String) throws -> Checkpoint {
        try checkpoint(from: try Safetensors.read(from: path), path: path)
    }

    /// Parses the bytes of a checkpoint file (see `load(from:)`); `path` only names the source in
    /// errors. Throws `CheckpointError` or `SafetensorsError`, never traps on bad bytes.
    ///
    ///     let ckpt = try Checkpoint.decode(bytes)
    ///     print(ckpt.epoch, ckpt.components.keys.sorted())
    public static func decode(_ bytes: [UInt8], path: String = "<bytes>") throws -> Checkpoint {
        try checkpoint(from: try Safetensors.decode(bytes, path: path), path: path)
    }

    static func checkpoint(from file: SafetensorsFile, path: String) throws -> Checkpoint {
        guard let version = file.metadata["swiftgrad.checkpoint"] else { throw CheckpointError.notACheckpoint(path: path) }
        guard version == formatVersion else { throw CheckpointError.unsupportedVersion(path: path, version: version) }
        func int(_ key: String) throws -> Int {
            let v = file.metadata[key] ?? ""
            guard let i = Int(v) else { throw CheckpointError.invalidMetadata(path: path, key: key, value: v) }
            return i
        }
        var ckpt = Checkpoint(epoch: try int("swiftgrad.epoch"), step: try int("swiftgrad.step"),
                              metadata: file.metadata.filter { !$0.key.hasPrefix("swiftgrad.") })
        let names = (file.metadata["swiftgrad.components"] ?? "").split(separator: ",").map(String.init)
        for name in names { ckpt.components[name] = [:] }
        for (key, t) in file.tensors {
            guard let dot = key.firstIndex(of: "."), ckpt.components[String(key[..<dot])] != nil else {
                throw CheckpointError.invalidMetadata(path: path, key: key, value: "tensor outside any listed component")
            }
            ckpt.components[String(key[..<dot]), default: [:]][String(key[key.index(after: dot)...])] = t
        }
        return ckpt
    }

    /// Saves the state of several objects in one call.
    ///
    ///     try Checkpoint.save(to: "run.ckpt", epoch: epoch, step: step,
    ///                         ["model": model, "optimizer": opt, "scheduler": sched, "generator": g])
    public static func save(to path: String, epoch: Int, step: Int, _ objects: [String: any StateDictConvertible],
                            metadata: [String: String] = [:]) throws {
        var ckpt = Checkpoint(epoch: epoch, step: step, metadata: metadata)
        for (name, object) in objects { ckpt.components[name] = object.stateDict() }
        try ckpt.save(to: path)
    }

    /// Loads a checkpoint and restores every named object from it; returns the checkpoint (for its
    /// epoch, step and metadata). Every component is checked to exist before any object is changed.
    ///
    ///     let ckpt = try Checkpoint.restore(from: "run.ckpt", into: ["model": model, "optimizer": opt])
    ///     let startEpoch = ckpt.epoch
    @discardableResult
    public static func restore(from path: String, into objects: [String: any StateDictConvertible]) throws -> Checkpoint {
        let ckpt = try load(from: path)
        for name in objects.keys.sorted() where ckpt.components[name] == nil {
            throw CheckpointError.missingComponent(name: name, available: Array(ckpt.components.keys))
        }
        for name in objects.keys.sorted() { try ckpt.restore(objects[name]!, from: name) }
        return ckpt
    }
}
