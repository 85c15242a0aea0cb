// Model summary: a table of the layers called in one forward pass, with output shapes and parameter counts.

extension Module {
    /// A table of every submodule called during one forward pass of a random input of `inputShape`
    /// (run in eval mode without gradients; the mode is restored): layer name and type, output
    /// shape and own parameter count, then totals equal to PyTorch's count for the same model.
    ///
    ///     print(model.summary(inputShape: [1, 1, 28, 28]))
    public func summary(inputShape: [Int], dtype: DType = .float32) -> String {
        summary(input: Tensor.randn(inputShape, dtype: dtype, generator: Generator(seed: 0)))
    }

    /// The summary for a given input (int64 token ids for an Embedding, for example).
    ///
    ///     print(model.summary(input: Tensor([[1, 2, 3]])))
    public func summary(input: Tensor) -> String {
        var rows: [(String, String, Int)] = []
        let named = namedModules()
        var names: [ObjectIdentifier: String] = [:]
        for (name, m) in named { names[ObjectIdentifier(m)] = name }
        var hooks: [HookHandle] = []
        for (_, m) in named where m !== self {
            // Every submodule, whatever its call takes: the row shows its first output's shape.
            hooks.append(m.registerForwardHook { (mod: ModuleBase, _: [Tensor], ys: [Tensor]) -> [Tensor]? in
                let label = "\(names[ObjectIdentifier(mod)] ?? "?") (\(mod.typeName))"
                rows.append((label, ys.first.map { "\($0.shape)" } ?? "[]", mod.members.parameters.reduce(0) { $0 + $1.1.count }))
                return nil
            })
        }
        let modes = named.map { ($0.1, $0.1.isTraining) }
        eval()
        let out = withNoGrad { self(input) }
        for (m, wasTraining) in modes { m.setTrainingFlag(wasTraining) }
        for h in hooks { h.remove() }
        if rows.isEmpty { rows.append(("(\(typeName))", "\(out.shape)", parameterCount)) }

        let total = parameterCount, trainable = trainableParameterCount
        let w0 = max(20, rows.map(\.0.count).max() ?? 0) + 2, w1 = max(16, rows.map(\.1.count).max() ?? 0) + 2
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        func grouped(_ n: Int) -> String {
            let s = String(n)
            var out = ""
            for (i, ch) in s.reversed().enumerated() { if i > 0 && i % 3 == 0 { out.append(",") }; out.append(ch) }
            return String(out.reversed())
        }
        let rule = String(repeating: "-", count: w0 + w1 + 12)
        var lines = [rule, pad("Layer (type)", w0) + pad("Output Shape", w1) + "Param #", String(repeating: "=", count: w0 + w1 + 12)]
        for r in rows { lines.append(pad(r.0, w0) + pad(r.1, w1) + grouped(r.2)) }
        lines += [String(repeating: "=", count: w0 + w1 + 12),
                  "Input shape: \(input.shape)  Output shape: \(out.shape)",
                  "Total params: \(grouped(total))",
                  "Trainable params: \(grouped(trainable))",
                  "Non-trainable params: \(grouped(total - trainable))",
                  rule]
        return lines.joined(separator: "\n")
    }
}
