import Foundation

/// The low-rank update of one `Linear` layer: y = W·x + b + scaling · B·A·dropout(x), with
/// A [rank, in] (Kaiming-uniform, as PEFT's) and B [out, rank] (zeros, so a new adapter leaves the
/// output unchanged) and scaling = alpha / rank. Attached by `LoRA`; `Linear.forward` applies it.
///
///     let lora = LoRA(model, rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj"])
///     print(lora.adapters[0].adapter.loraA.shape)    // [4, in]
public final class LoRAAdapter {
    /// A, PEFT's `lora_A.weight` [rank, inFeatures].
    public let loraA: Tensor
    /// B, PEFT's `lora_B.weight` [outFeatures, rank].
    public let loraB: Tensor
    /// alpha / rank.
    public let scaling: Double
    /// Dropout probability on the adapter's input (training mode only).
    public let dropout: Double
    /// Whether B·A·scaling is folded into the layer's weight (then the forward skips the adapter).
    public internal(set) var isMerged = false
    let generator: Generator?

    init(inFeatures: Int, outFeatures: Int, rank: Int, alpha: Double, dropout: Double, dtype: DType, generator: Generator?) {
        loraA = makeParameter([rank, inFeatures], dtype: dtype) { Init.kaimingUniform($0, a: 5.0.squareRoot(), generator: generator) }
        loraB = makeParameter([outFeatures, rank], dtype: dtype) { _ in }
        scaling = alpha / Double(rank)
        self.dropout = dropout
        self.generator = generator
    }

    /// scaling · B·A·dropout(x), x [..., in] → [..., out].
    func delta(_ x: Tensor, training: Bool) -> Tensor {
        let h = dropout > 0 && training ? SwiftGrad.dropout(x, p: dropout, training: true, generator: generator) : x
        return linear(linear(h, weight: loraA), weight: loraB) * scaling
    }

    /// scaling · B·A [out, in], the update `merge()` adds to the weight.
    var weightDelta: Tensor { loraB.matmul(loraA) * scaling }
}

/// Why LoRA adapters could not be loaded.
public enum LoRAError: Error, CustomStringConvertible, Equatable {
    /// `adapter_config.json` is missing what LoRA needs, or names modules the model lacks.
    case invalidConfig(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfig(let p, let r): return "\(p): invalid LoRA adapter config: \(r)"
        }
    }
}

/// LoRA (low-rank adaptation, as Hugging Face PEFT's `LoraConfig` + `get_peft_model`): adapters on
/// the `Linear` layers named in `targetModules`, every parameter of the model frozen so that only
/// the adapters train, saving and loading in PEFT's format, and merging into the base weights.
///
/// A target matches a Linear whose dotted path equals it or ends with "." + it (PEFT's rule for a
/// list: `"q_proj"` matches `layers.0.self_attn.q_proj`). Files: `adapter_model.safetensors` with
/// `base_model.model.<path>.lora_A.weight` / `.lora_B.weight`, and `adapter_config.json` (`r`,
/// `lora_alpha`, `lora_dropout`, `target_modules`, `peft_type: "LORA"`), so PEFT's
/// `PeftModel.from_pretrained(base, dir)` loads adapters trained here, and the other way round.
///
///     let lora = LoRA(model, rank: 8, alpha: 16, dropout: 0.05, targetModules: ["q_proj", "v_proj"])
///     let opt = AdamW(lora.parameters(), lr: 1e-3)        // only the adapters train
///     try lora.save(to: "adapter")                         // PEFT's files
///     lora.merge()                                         // W += (alpha/r)·B·A; same outputs
public final class LoRA {
    public let rank: Int
    public let alpha: Double
    public let dropout: Double
    public let targetModules: [String]
    /// The adapted layers by dotted path, in the model's order.
    public let adapters: [(path: String, layer: Linear, adapter: LoRAAdapter)]

    /// Attaches adapters to every Linear of `model` matched by `targetModules` and freezes all of
    /// the model's parameters. Stops with a message if nothing matches, a match is not a Linear, or
    /// a layer already has an adapter.
    ///
    ///     let lora = LoRA(model, rank: 4, targetModules: ["fc1"])
    public convenience init(_ model: ModuleBase, rank: Int = 8, alpha: Double = 8, dropout: Double = 0,
                            targetModules: [String], generator: Generator? = nil) {
        check(rank > 0, "LoRA: rank must be positive, got \(rank)")
        check(dropout >= 0 && dropout < 1, "LoRA: dropout must be in [0, 1), got \(dropout)")
        switch LoRA.matches(model, targetModules) {
        case .failure(let message): checkFailure("LoRA: \(message)")
        case .success(let layers):
            self.init(layers, rank: rank, alpha: alpha, dropout: dropout, targetModules: targetModules, generator: generator, model: model)
        }
    }

    private init(_ layers: [(String, Linear)], rank: Int, alpha: Double, dropout: Double, targetModules: [String],
                 generator: Generator?, model: ModuleBase) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targetModules = targetModules
        model.requiresGrad(false)
        adapters = layers.map { path, layer in
            let a = LoRAAdapter(inFeatures: layer.inFeatures, outFeatures: layer.outFeatures, rank: rank, alpha: alpha,
                                dropout: dropout, dtype: layer.weight.dtype, generator: generator)
            layer.lora = a
            return (path, layer, a)
        }
    }

    /// The Linear layers that `targets` select, or why they cannot be adapted.
    static func matches(_ model: ModuleBase, _ targets: [String]) -> Result<[(String, Linear)], LoRAMatchError> {
        guard !targets.isEmpty else { return .failure(.init("targetModules is empty")) }
        var layers: [(String, Linear)] = []
        for (path, m) in model.namedModules() where targets.contains(where: { path == $0 || path.hasSuffix("." + $0) }) {
            guard let linear = m as? Linear else {
                return .failure(.init("'\(path)' is a \(m.typeName); LoRA adapts Linear layers only"))
            }
            guard linear.lora == nil else { return .failure(.init("'\(path)' already has a LoRA adapter")) }
            layers.append((path, linear))
        }
        guard !layers.isEmpty else {
            let linears = model.namedModules().filter { $0.1 is Linear }.map(\.0)
            return .failure(.init("no module matches \(targets); the Linear layers are \(linears)"))
        }
        return .success(layers)
    }

    struct LoRAMatchError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// The adapters' parameters (A then B of each layer): what the optimizer takes.
    ///
    ///     let opt = SGD(lora.parameters(), lr: 0.01)
    public func parameters() -> [Tensor] { adapters.flatMap { [$0.adapter.loraA, $0.adapter.loraB] } }

    /// The adapters' tensors by PEFT's names (`base_model.model.<path>.lora_A.weight`).
    ///
    ///     for (name, t) in lora.stateDict() { print(name, t.shape) }
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (path, _, a) in adapters {
            out["base_model.model.\(path).lora_A.weight"] = a.loraA.detach()
            out["base_model.model.\(path).lora_B.weight"] = a.loraB.detach()
        }
        return out
    }

    /// Writes `adapter_model.safetensors` and `adapter_config.json` into `directory` (created if
    /// needed), each atomically.
    ///
    ///     try lora.save(to: "runs/adapter")
    public func save(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Safetensors.save(stateDict(), to: directory + "/adapter_model.safetensors", metadata: ["format": "pt"])
        let targets = targetModules.map(Safetensors.jsonString).joined(separator: ", ")
        let config = """
        {
          "alpha_pattern": {},
          "base_model_name_or_path": null,
          "bias": "none",
          "fan_in_fan_out": false,
          "inference_mode": true,
          "init_lora_weights": true,
          "layers_pattern": null,
          "layers_to_transform": null,
          "lora_alpha": \(LoRA.number(alpha)),
          "lora_dropout": \(LoRA.number(dropout)),
          "modules_to_save": null,
          "peft_type": "LORA",
          "r": \(rank),
          "rank_pattern": {},
          "revision": null,
          "target_modules": [\(targets)],
          "task_type": null,
          "use_dora": false,
          "use_rslora": false
        }

        """
        try AtomicFile.write(Array(config.utf8), to: directory + "/adapter_config.json")
    }

    /// A JSON number: whole values without a fraction, as Python writes ints.
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }

    /// Reads PEFT's adapter files from `directory` (written by `save(to:)` or by PEFT's
    /// `save_pretrained`), attaches the adapters to `model` and loads their values; the model's
    /// parameters are frozen. Throws `LoRAError` for a config that does not fit the model,
    /// `StateDictError` for missing, unexpected or mis-shaped adapter tensors, and file errors.
    ///
    ///     let lora = try LoRA.load(from: "runs/adapter", into: model)
    ///     lora.merge()
    public static func load(from directory: String, into model: ModuleBase, generator: Generator? = nil) throws -> LoRA {
        let configPath = directory + "/adapter_config.json"
        let config: JSONValue
        do { config = try JSONValue.parse(ReadableFile(configPath).readAll(limit: 1 << 24)) } catch let e as JSONValue.ParseError {
            throw LoRAError.invalidConfig(path: configPath, reason: e.description)
        }
        func bad(_ reason: String) -> LoRAError { .invalidConfig(path: configPath, reason: reason) }
        if let type = config["peft_type"]?.string, type != "LORA" { throw bad("peft_type is \(type), not LORA") }
        guard let rank = config["r"]?.int, rank > 0 else { throw bad("r must be a positive integer") }
        let alpha = config["lora_alpha"]?.number ?? 8
        let dropout = config["lora_dropout"]?.number ?? 0
        guard dropout >= 0 && dropout < 1 else { throw bad("lora_dropout \(dropout) is not in [0, 1)") }
        let targets: [String]
        if let list = config["target_modules"]?.array {
            targets = list.compactMap(\.string)
        } else if let one = config["target_modules"]?.string {
            targets = [one]  // PEFT reads a string as a regex; a plain name matches as in a list
        } else {
            throw bad("target_modules is missing")
        }
        for key in ["use_dora", "fan_in_fan_out"] where config[key]?.bool == true { throw bad("\(key) is not supported") }
        // Check the tensors before touching the model.
        let state = try Safetensors.load(from: directory + "/adapter_model.safetensors", mapped: false)
        let layers: [(String, Linear)]
        switch matches(model, targets) {
        case .failure(let e): throw bad(e.description)
        case .success(let l): layers = l
        }
        var expected: [String: [Int]] = [:]
        for (path, layer) in layers {
            expected["base_model.model.\(path).lora_A.weight"] = [rank, layer.inFeatures]
            expected["base_model.model.\(path).lora_B.weight"] = [layer.outFeatures, rank]
        }
        let missing = expected.keys.filter { state[$0] == nil }.sorted()
        if !missing.isEmpty { throw StateDictError.missingKeys(missing) }
        let unexpected = state.keys.filter { expected[$0] == nil }.sorted()
        if !unexpected.isEmpty { throw StateDictError.unexpectedKeys(unexpected) }
        for (key, shape) in expected where state[key]!.shape != shape {
            throw StateDictError.shapeMismatch(key: key, expected: shape, got: state[key]!.shape)
        }
        for (key, t) in state where !t.dtype.isFloatingPoint {
            throw StateDictError.dtypeMismatch(key: key, expected: .float32, got: t.dtype)
        }
        let lora = LoRA(layers, rank: rank, alpha: alpha, dropout: dropout, targetModules: targets, generator: generator, model: model)
        withNoGrad {
            for (path, _, a) in lora.adapters {
                a.loraA.copyFrom(state["base_model.model.\(path).lora_A.weight"]!)
                a.loraB.copyFrom(state["base_model.model.\(path).lora_B.weight"]!)
            }
        }
        return lora
    }

    /// Folds every adapter into its layer's weight (W += scaling·B·A, PEFT's `merge_adapter`):
    /// the outputs stay the same and the forward no longer runs the adapters.
    ///
    ///     lora.merge()
    ///     try model.saveWeights(to: "merged.safetensors")
    public func merge() {
        withNoGrad {
            for (_, layer, a) in adapters where !a.isMerged {
                layer.weight += a.weightDelta.to(layer.weight.dtype)
                a.isMerged = true
            }
        }
    }

    /// Takes merged adapters back out of the weights (W -= scaling·B·A), to train them further.
    ///
    ///     lora.unmerge()
    public func unmerge() {
        withNoGrad {
            for (_, layer, a) in adapters where a.isMerged {
                layer.weight -= a.weightDelta.to(layer.weight.dtype)
                a.isMerged = false
            }
        }
    }

    /// Detaches the adapters from their layers (merged ones stay in the weights), PEFT's `unload`.
    ///
    ///     lora.merge(); lora.detach()      // a plain model again
    public func detach() {
        for (_, layer, a) in adapters where layer.lora === a { layer.lora = nil }
    }
}
