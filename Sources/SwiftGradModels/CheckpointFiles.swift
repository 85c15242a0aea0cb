import Foundation
import SwiftGrad

/// The weights of a pretrained model: a Hugging Face directory (`model.safetensors`, or the shards
/// listed by `model.safetensors.index.json`) or a single `.safetensors` file (a torchvision state
/// dict). Tensors keep the dtype they are stored in (BF16 stays bfloat16).
///
///     let weights = try CheckpointFiles.load("models/llama")          // [name: Tensor]
///     let state = try CheckpointFiles.load("resnet18.safetensors")
public enum CheckpointFiles {
    /// The single-file checkpoint name of a Hugging Face directory.
    public static let singleFile = "model.safetensors"
    /// The sharded checkpoint index of a Hugging Face directory.
    public static let indexFile = "model.safetensors.index.json"

    /// Loads every tensor of a directory or file. Throws `ModelLoadError` when no checkpoint is
    /// found or the index is wrong (a shard missing a tensor it is listed for, a tensor in two
    /// shards), and `SafetensorsError` for a damaged file.
    ///
    ///     let tensors = try CheckpointFiles.load(dir)
    public static func load(_ path: String) throws -> [String: Tensor] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelLoadError.missingFile(path: path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue { return try Safetensors.load(from: path) }
        let index = (path as NSString).appendingPathComponent(indexFile)
        if FileManager.default.fileExists(atPath: index) { return try loadSharded(index: index) }
        let single = (path as NSString).appendingPathComponent(singleFile)
        if FileManager.default.fileExists(atPath: single) { return try Safetensors.load(from: single) }
        throw ModelLoadError.missingFile(path: path, reason: "the directory has neither \(singleFile) nor \(indexFile)")
    }

    /// Loads the shards listed by an index file (`{"weight_map": {"name": "shard file"}}`): each
    /// shard once, and every listed tensor checked to be in its shard.
    ///
    ///     let tensors = try CheckpointFiles.loadSharded(index: dir + "/model.safetensors.index.json")
    public static func loadSharded(index: String) throws -> [String: Tensor] {
        let config: ModelConfig
        do { config = try ModelConfig(contentsOf: index) } catch ModelLoadError.invalidConfig(_, let reason) {
            throw ModelLoadError.invalidIndex(path: index, reason: reason)
        }
        guard let map = config.values["weight_map"] as? [String: Any] else {
            throw ModelLoadError.invalidIndex(path: index, reason: "no 'weight_map' object")
        }
        var byShard: [String: [String]] = [:]
        for (name, file) in map {
            guard let file = file as? String, !file.isEmpty, !file.contains("/"), file != ".." else {
                throw ModelLoadError.invalidIndex(path: index, reason: "the shard of '\(name)' must be a file name in the directory, got \(file)")
            }
            byShard[file, default: []].append(name)
        }
        let dir = (index as NSString).deletingLastPathComponent
        var out: [String: Tensor] = [:]
        for (file, names) in byShard.sorted(by: { $0.key < $1.key }) {
            let shardPath = (dir as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: shardPath) else {
                throw ModelLoadError.missingFile(path: shardPath, reason: "the shard listed by \(indexFile) for \(names.count) tensor(s) is missing")
            }
            let tensors = try Safetensors.load(from: shardPath)
            for name in names.sorted() {
                guard let t = tensors[name] else {
                    throw ModelLoadError.invalidIndex(path: index, reason: "'\(name)' is listed in \(file), which does not hold it")
                }
                out[name] = t
            }
            for name in tensors.keys where map[name] == nil {
                throw ModelLoadError.invalidIndex(path: index, reason: "\(file) holds '\(name)', which the weight_map does not list")
            }
        }
        return out
    }
}

/// How `loadPretrained` treats the checkpoint's names and dtypes.
struct LoadOptions {
    /// The base model's prefix (`transformer`, `model`, `bert`, `vit`): a checkpoint saved from the
    /// base model alone (keys without it, as the Hub's `gpt2`) gets it prepended.
    var basePrefix: String? = nil
    /// Checkpoint keys that are not weights and are dropped (GPT-2's causal `attn.bias`, BERT's `position_ids`).
    var ignored: (String) -> Bool = { _ in false }
    /// The dtype of the model's float parameters; nil keeps the checkpoint's.
    var dtype: DType? = nil
}

/// The float dtype a checkpoint is stored in: the one dtype of its float tensors, or float32 when
/// they mix dtypes (or there are none).
func checkpointFloatDType(_ tensors: [String: Tensor]) -> DType {
    let dtypes = Set(tensors.values.map(\.dtype).filter(\.isFloatingPoint))
    return dtypes.count == 1 ? dtypes.first! : .float32
}

/// Loads `tensors` into `model` by name after checking every key and shape (nothing changes on an
/// error; `gamma`/`beta` are read as `weight`/`bias`): missing and unexpected keys and shape mismatches throw `ModelLoadError` naming the key
/// and both shapes. The model's float parameters take `options.dtype`, or the checkpoint's dtype.
func loadPretrained(_ model: Module, _ tensors: [String: Tensor], _ options: LoadOptions) throws {
    var tensors = tensors.filter { !options.ignored($0.key) }
    let expected = model.stateDict()
    if let prefix = options.basePrefix {
        let p = prefix + "."
        let fileHasPrefix = tensors.keys.contains { $0.hasPrefix(p) }
        let modelHasPrefix = expected.keys.contains { $0.hasPrefix(p) }
        if modelHasPrefix && !fileHasPrefix {
            tensors = Dictionary(uniqueKeysWithValues: tensors.map { (expected[$0.key] != nil ? $0.key : p + $0.key, $0.value) })
        }
    }
    // Old TensorFlow-era names (`LayerNorm.gamma`/`beta`), renamed as transformers does.
    for key in Array(tensors.keys) where expected[key] == nil {
        for (old, new) in [(".gamma", ".weight"), (".beta", ".bias")] where key.hasSuffix(old) {
            let renamed = String(key.dropLast(old.count)) + new
            if expected[renamed] != nil && tensors[renamed] == nil { tensors[renamed] = tensors.removeValue(forKey: key) }
        }
    }
    let missing = expected.keys.filter { tensors[$0] == nil }.sorted()
    if !missing.isEmpty { throw ModelLoadError.missingKeys(missing) }
    let unexpected = tensors.keys.filter { expected[$0] == nil }.sorted()
    if !unexpected.isEmpty { throw ModelLoadError.unexpectedKeys(unexpected) }
    for (key, mine) in expected.sorted(by: { $0.key < $1.key }) {
        let theirs = tensors[key]!
        if theirs.shape != mine.shape { throw ModelLoadError.shapeMismatch(key: key, model: mine.shape, checkpoint: theirs.shape) }
        if theirs.dtype.isFloatingPoint != mine.dtype.isFloatingPoint {
            throw ModelLoadError.dtypeMismatch(key: key, model: "\(mine.dtype)", checkpoint: "\(theirs.dtype)")
        }
    }
    let target = options.dtype ?? checkpointFloatDType(tensors)
    model.to(target)
    try model.loadStateDict(tensors)
}
