extension StateDictConvertible {
    /// Writes the state dict (a module's parameters and buffers by their PyTorch-style names) as a
    /// safetensors file that PyTorch loads with `model.load_state_dict(safetensors.torch.load_file(path))`.
    ///
    ///     try model.saveWeights(to: "lenet.safetensors")
    ///     try model.saveWeights(to: "lenet.safetensors", metadata: ["epochs": "10"])
    public func saveWeights(to path: String, metadata: [String: String] = ["format": "pt"]) throws {
        try Safetensors.save(stateDict(), to: path, metadata: metadata)
    }

    /// Loads weights saved by `saveWeights(to:)` or by PyTorch (`safetensors.torch.save_file(model.state_dict(), path)`).
    ///
    /// Every key is checked before anything changes: with `strict` (the default) a key the model has
    /// but the file lacks, or one the file has but the model lacks, is an error listing all of them;
    /// a wrong shape or dtype always is. With `strict: false` missing keys keep their current values
    /// and unexpected ones are ignored (PyTorch's `strict=False`), and the result reports both.
    /// F16/BF16 files load into float32 tensors (converted exactly).
    ///
    ///     try model.loadWeights(from: "lenet_torch.safetensors")
    ///     let report = try model.loadWeights(from: "backbone.safetensors", strict: false)
    @discardableResult
    public func loadWeights(from path: String, strict: Bool = true) throws -> (missingKeys: [String], unexpectedKeys: [String]) {
        try loadWeights(Safetensors.load(from: path), strict: strict)
    }

    /// Loads weights from named tensors, with the checks of `loadWeights(from:strict:)`.
    ///
    ///     let state = try Safetensors.load(from: "model.safetensors")
    ///     try model.loadWeights(state)
    @discardableResult
    public func loadWeights(_ tensors: [String: Tensor], strict: Bool = true) throws -> (missingKeys: [String], unexpectedKeys: [String]) {
        let current = stateDict()
        let missing = current.keys.filter { tensors[$0] == nil }.sorted()
        let unexpected = tensors.keys.filter { current[$0] == nil }.sorted()
        if strict { try StateDictError.checkKeys(missing: missing, unexpected: unexpected) }
        var merged: [String: Tensor] = [:]
        for (key, mine) in current {
            guard let theirs = tensors[key] else { merged[key] = mine; continue }
            guard theirs.shape == mine.shape else {
                throw StateDictError.shapeMismatch(key: key, expected: mine.shape, got: theirs.shape)
            }
            // float16/bfloat16 checkpoints load into float models and back (converted by copy),
            // as the Hub's bf16 weights into a float32 model; other dtype changes are refused.
            let reducedFloat = theirs.dtype.isFloatingPoint && mine.dtype.isFloatingPoint
                && (theirs.dtype.isReducedPrecision || mine.dtype.isReducedPrecision)
            guard theirs.dtype == mine.dtype || reducedFloat else {
                throw StateDictError.dtypeMismatch(key: key, expected: mine.dtype, got: theirs.dtype)
            }
            merged[key] = theirs
        }
        try loadStateDict(merged)
        return (missing, unexpected)
    }
}
