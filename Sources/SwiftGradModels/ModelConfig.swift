import Foundation

/// A Hugging Face `config.json`: typed reads of its fields that throw `ModelLoadError.invalidConfig`
/// (naming the file and the field) instead of crashing on a missing or mistyped value.
///
///     let config = try ModelConfig(contentsOf: "gpt2/config.json")
///     let layers = try config.int("n_layer")
public struct ModelConfig {
    /// The parsed JSON object (`NSNull` values removed).
    public let values: [String: Any]
    /// Where it was read from (for messages).
    public let path: String

    /// Reads and parses a JSON file.
    ///
    ///     let config = try ModelConfig(contentsOf: dir + "/config.json")
    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelLoadError.missingFile(path: path, reason: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelLoadError.missingFile(path: path, reason: "the file cannot be read")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ModelLoadError.invalidConfig(path: path, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let dict = object as? [String: Any] else {
            throw ModelLoadError.invalidConfig(path: path, reason: "the top level is not a JSON object")
        }
        self.init(values: dict, path: path)
    }

    /// A config from already parsed values (tests, nested dictionaries such as `rope_scaling`).
    ///
    ///     let c = ModelConfig(values: ["n_layer": 2], path: "<memory>")
    public init(values: [String: Any], path: String) {
        self.values = values.filter { !($0.value is NSNull) }
        self.path = path
    }

    /// Whether the field is present (and not null).
    public func has(_ key: String) -> Bool { values[key] != nil }

    /// An integer field; `default` when absent, an error when absent without a default or not an integer.
    ///
    ///     let heads = try config.int("num_attention_heads")
    public func int(_ key: String, default fallback: Int? = nil) throws -> Int {
        guard let v = values[key] else {
            if let fallback { return fallback }
            throw ModelLoadError.invalidConfig(path: path, reason: "the field '\(key)' is missing")
        }
        if let i = v as? Int { return i }
        if let d = v as? Double, let i = Int(exactly: d) { return i }
        throw ModelLoadError.invalidConfig(path: path, reason: "the field '\(key)' must be an integer, got \(v)")
    }

    /// An optional integer field (nil when absent or null).
    public func optionalInt(_ key: String) throws -> Int? { has(key) ? try int(key) : nil }

    /// A number field.
    ///
    ///     let eps = try config.double("rms_norm_eps", default: 1e-6)
    public func double(_ key: String, default fallback: Double? = nil) throws -> Double {
        guard let v = values[key] else {
            if let fallback { return fallback }
            throw ModelLoadError.invalidConfig(path: path, reason: "the field '\(key)' is missing")
        }
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        throw ModelLoadError.invalidConfig(path: path, reason: "the field '\(key)' must be a number, got \(v)")
    }

    /// A boolean field.
    ///
    ///     let tied = try config.bool("tie_word_embeddings", default: true)
    public func bool(_ key: String, default fallback: Bool? = nil) throws -> Bool {
        guard let v = values[key] else {
            if let fallback { return fallback }
            throw ModelLoadError.invalidConfig(path: path, reason: "the field '\(key)' is missing")
        }
        if let b = v as? Bool { return b }
        throw ModelLoadError.invalidConfig(path: path, reason: "the field '\(key)' must be true or false, got \(v)")
    }

    /// A string field.
    ///
    ///     let type = try config.string("model_type")
    public func string(_ key: String, default fallback: String? = nil) throws -> String {
        guard let v = values[key] else {
            if let fallback { return fallback }
            throw ModelLoadError.invalidConfig(path: path, reason: "the field '\(key)' is missing")
        }
        if let s = v as? String { return s }
        throw ModelLoadError.invalidConfig(path: path, reason: "the field '\(key)' must be a string, got \(v)")
    }

    /// A nested object field (nil when absent or null), as a config of its own.
    ///
    ///     let scaling = try config.object("rope_scaling")
    public func object(_ key: String) throws -> ModelConfig? {
        guard let v = values[key] else { return nil }
        guard let d = v as? [String: Any] else {
            throw ModelLoadError.invalidConfig(path: path, reason: "the field '\(key)' must be an object, got \(v)")
        }
        return ModelConfig(values: d, path: "\(path) (\(key))")
    }

    /// The `architectures` list (`["LlamaForCausalLM"]`), empty when absent.
    public var architectures: [String] { (values["architectures"] as? [Any])?.compactMap { $0 as? String } ?? [] }
}
