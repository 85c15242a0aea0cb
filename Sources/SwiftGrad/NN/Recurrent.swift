// Recurrent layers: RNN (tanh or ReLU), LSTM and GRU, multi-layer and bidirectional, with PyTorch's
// parameter names (`weight_ih_l0`, `bias_hh_l1_reverse`), gate order (LSTM i, f, g, o; GRU r, z, n)
// and initialisation U(±1/√hidden). Each layer and direction runs one GEMM for the input
// projection of the whole sequence and one GEMM per time step for the hidden state.

/// Which recurrence an `RNNBase` runs.
public enum RecurrentMode: Sendable {
    case rnnTanh, rnnRelu, lstm, gru
    var gates: Int { self == .lstm ? 4 : (self == .gru ? 3 : 1) }
}

/// The shared implementation of RNN, LSTM and GRU. Inputs are [T, N, inputSize] (or
/// [N, T, inputSize] with `batchFirst`, or unbatched [T, inputSize]); states are
/// [numLayers · directions, N, hiddenSize].
///
///     let lstm = LSTM(inputSize: 16, hiddenSize: 32, numLayers: 2, batchFirst: true)
///     let (output, state) = lstm(x, state: nil)
open class RNNBase: Module {
    public let mode: RecurrentMode
    public let inputSize: Int, hiddenSize: Int, numLayers: Int
    public let hasBias: Bool, batchFirst: Bool, bidirectional: Bool
    /// Dropout between layers (not after the last), in training only.
    public let dropout: Double
    let generator: Generator?
    /// LSTM only: the size of h after its projection `weight_hr` [projSize, hiddenSize] (0: none).
    public let projSize: Int
    /// Per layer and direction (index layer·directions + direction).
    let weightIh: [Tensor], weightHh: [Tensor], biasIh: [Tensor], biasHh: [Tensor], weightHr: [Tensor]

    /// The size of h (and of each direction's output): projSize if set, else hiddenSize.
    var outputSize: Int { projSize > 0 ? projSize : hiddenSize }

    init(mode: RecurrentMode, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
         dropout: Double, bidirectional: Bool, projSize: Int = 0, dtype: DType, generator: Generator?) {
        check(inputSize > 0 && hiddenSize > 0 && numLayers > 0,
                     "RNN: inputSize \(inputSize), hiddenSize \(hiddenSize) and numLayers \(numLayers) must be positive")
        check(dropout >= 0 && dropout <= 1, "RNN: dropout must be in [0, 1], got \(dropout)")
        check(projSize >= 0 && (projSize == 0 || (mode == .lstm && projSize < hiddenSize)),
              "LSTM: projSize must be in 0..<hiddenSize (\(hiddenSize)), and only LSTM has one, got \(projSize)")
        self.projSize = projSize
        self.mode = mode; self.inputSize = inputSize; self.hiddenSize = hiddenSize; self.numLayers = numLayers
        self.hasBias = bias; self.batchFirst = batchFirst; self.bidirectional = bidirectional
        self.dropout = dropout; self.generator = generator
        let dirs = bidirectional ? 2 : 1, g = mode.gates * hiddenSize
        let bound = 1 / Double(hiddenSize).squareRoot()
        var wi: [Tensor] = [], wh: [Tensor] = [], bi: [Tensor] = [], bh: [Tensor] = [], wr: [Tensor] = []
        let realHidden = projSize > 0 ? projSize : hiddenSize
        // Initialised in PyTorch's parameter order, so one seed gives one layout.
        func param(_ shape: [Int]) -> Tensor {
            makeParameter(shape, dtype: dtype) { Init.uniform($0, low: -bound, high: bound, generator: generator) }
        }
        for layer in 0..<numLayers {
            for _ in 0..<dirs {
                wi.append(param([g, layer == 0 ? inputSize : realHidden * dirs]))
                wh.append(param([g, realHidden]))
                if bias { bi.append(param([g])); bh.append(param([g])) }
                if projSize > 0 { wr.append(param([projSize, hiddenSize])) }
            }
        }
        weightIh = wi; weightHh = wh; biasIh = bi; biasHh = bh; weightHr = wr
        super.init()
    }

    open override func declaredMembers() -> ModuleMembers {
        var m = ModuleMembers()
        let dirs = bidirectional ? 2 : 1
        for layer in 0..<numLayers {
            for d in 0..<dirs {
                let k = layer * dirs + d, sfx = "_l\(layer)" + (d == 1 ? "_reverse" : "")
                m.parameters.append(("weight_ih" + sfx, weightIh[k]))
                m.parameters.append(("weight_hh" + sfx, weightHh[k]))
                if hasBias {
                    m.parameters.append(("bias_ih" + sfx, biasIh[k]))
                    m.parameters.append(("bias_hh" + sfx, biasHh[k]))
                }
                if projSize > 0 { m.parameters.append(("weight_hr" + sfx, weightHr[k])) }
            }
        }
        return m
    }

    /// The output sequence only (hidden states start at zero).
    open override func forward(_ input: Tensor) -> Tensor { run(input, h0: nil, c0: nil).output }

    func checkState(_ s: Tensor?, _ name: String, shape: [Int], input: Tensor) -> Tensor? {
        guard let s else { return nil }
        check(s.shape == shape, "\(typeName): \(name) must have shape \(shape) for input \(input.shape), got \(s.shape)")
        return s
    }

    /// Runs all layers and directions; returns the top layer's outputs and the final states.
    /// float16/bfloat16 layers compute in float32 (`computeDType`): inputs, states and parameters are
    /// cast (recorded, so gradients reach the half parameters) and the results are rounded once.
    func run(_ input: Tensor, h0: Tensor?, c0: Tensor?, computeDType: DType? = nil) -> (output: Tensor, h: Tensor, c: Tensor?) {
        check(input.rank == 3 || input.rank == 2,
                     "\(typeName): input must be [T, N, \(inputSize)]\(batchFirst ? " (batchFirst: [N, T, \(inputSize)])" : "") or [T, \(inputSize)], got \(input.shape)")
        check(input.shape.last == inputSize, "\(typeName): input \(input.shape) does not end with inputSize \(inputSize)")
        if computeDType == nil {
            checkInputDType(typeName, input, weightIh.first, name: "weight_ih_l0")
            if input.dtype == .float16 || input.dtype == .bfloat16 {
                let r = run(input.to(.float32), h0: h0?.to(.float32), c0: c0?.to(.float32), computeDType: .float32)
                return (r.output.to(input.dtype), r.h.to(input.dtype), r.c?.to(input.dtype))
            }
        }
        let unbatched = input.rank == 2
        var x = unbatched ? input.unsqueeze(axis: 1) : (batchFirst ? input.transpose(0, 1) : input)
        let batch = x.shape[1], dirs = bidirectional ? 2 : 1
        let stateShape = unbatched ? [numLayers * dirs, hiddenSize] : [numLayers * dirs, batch, hiddenSize]
        var hShape = stateShape
        hShape[hShape.count - 1] = outputSize
        let hStart = checkState(h0, "h0", shape: hShape, input: input).map { unbatched ? $0.unsqueeze(axis: 1) : $0 }
        let cStart = checkState(c0, "c0", shape: stateShape, input: input).map { unbatched ? $0.unsqueeze(axis: 1) : $0 }
        var hN: [Tensor] = [], cN: [Tensor] = []
        for layer in 0..<numLayers {
            var outs: [Tensor] = []
            for d in 0..<dirs {
                let k = layer * dirs + d
                let zeros = Tensor.zeros([batch, hiddenSize], dtype: x.dtype)
                let h = hStart.map { $0.narrow(axis: 0, start: k, length: 1).reshape([batch, outputSize]) }
                    ?? Tensor.zeros([batch, outputSize], dtype: x.dtype)
                let c = cStart.map { $0.narrow(axis: 0, start: k, length: 1).reshape([batch, hiddenSize]) } ?? zeros
                let r = runDirection(x, k, reverse: d == 1, h: h, c: c, computeDType: computeDType)
                outs.append(r.output); hN.append(r.h)
                if let rc = r.c { cN.append(rc) }
            }
            x = dirs == 1 ? outs[0] : Tensor.cat(outs, axis: 2)
            if dropout > 0 && isTraining && layer < numLayers - 1 {
                x = SwiftGrad.dropout(x, p: dropout, training: true, generator: generator)
            }
        }
        let output = unbatched ? x.squeeze(axis: 1) : (batchFirst ? x.transpose(0, 1) : x)
        var h = Tensor.stack(hN, axis: 0)
        var c = cN.isEmpty ? nil : Tensor.stack(cN, axis: 0)
        if unbatched { h = h.squeeze(axis: 1); c = c?.squeeze(axis: 1) }
        return (output, h, c)
    }

    /// One layer in one direction over x [T, N, in]: returns [T, N, H] and the last h (and c).
    func runDirection(_ x: Tensor, _ k: Int, reverse: Bool, h h0: Tensor, c c0: Tensor,
                      computeDType: DType? = nil) -> (output: Tensor, h: Tensor, c: Tensor?) {
        let steps = x.shape[0], batch = x.shape[1], hs = hiddenSize
        let gh = mode.gates * hs
        func p(_ t: Tensor) -> Tensor { computeDType.map { t.to($0) } ?? t }
        let wih = p(weightIh[k]), whh = p(weightHh[k])
        let bHh: Tensor? = hasBias ? p(biasHh[k]) : nil
        // The input projection of the whole sequence in one GEMM; LSTM and RNN fold both biases in
        // here, GRU keeps b_hh for the hidden projection (its n gate multiplies it by r).
        let inBias: Tensor? = hasBias ? (mode == .gru ? p(biasIh[k]) : p(biasIh[k]) + bHh!) : nil
        let xp = linear(x.reshape([steps * batch, x.shape[2]]), weight: wih, bias: inBias).reshape([steps, batch, gh])
        if mode == .lstm && projSize > 0 {
            // With a projection h is not the cell's output: one lstmCell and one product per step.
            var h = h0, c = c0
            var outputs = [Tensor?](repeating: nil, count: steps)
            for s in 0..<steps {
                let t = reverse ? steps - 1 - s : s
                let pre = xp.narrow(axis: 0, start: t, length: 1).reshape([batch, gh]) + linear(h, weight: whh)
                let (hc, c1) = lstmCell(gates: pre, cell: c)
                h = linear(hc, weight: p(weightHr[k])); c = c1
                outputs[t] = h
            }
            return (Tensor.stack(outputs.map { $0! }, axis: 0), h, c)
        }
        if mode == .lstm {
            // The whole recurrence as one op (one node; one GEMM for the recurrent weight's gradient).
            let input = reverse ? xp.flip(axis: 0) : xp
            let r = lstmSequence(gates: input, h0: h0, c0: c0, weightHh: whh)
            return (reverse ? r.output.flip(axis: 0) : r.output, r.h, r.c)
        }
        let xs = steps == 1 ? [xp] : xp.split(size: 1, axis: 0)
        var h = h0
        var outputs = [Tensor?](repeating: nil, count: steps)
        for s in 0..<steps {
            let t = reverse ? steps - 1 - s : s
            let xt = xs[t].reshape([batch, gh])
            switch mode {
            case .lstm:
                checkFailure("runDirection: LSTM layers run as one lstmSequence op (above)")
            case .gru:
                let hp = linear(h, weight: whh, bias: bHh).chunk(3, axis: 1)
                let xg = xt.chunk(3, axis: 1)
                let r = (xg[0] + hp[0]).sigmoid(), z = (xg[1] + hp[1]).sigmoid()
                let n = (xg[2] + r * hp[2]).tanh()
                h = n + z * (h - n)          // (1 - z)·n + z·h
            case .rnnTanh:
                h = (xt + linear(h, weight: whh)).tanh()
            case .rnnRelu:
                h = (xt + linear(h, weight: whh)).relu()
            }
            outputs[t] = h
        }
        return (Tensor.stack(outputs.map { $0! }, axis: 0), h, nil)
    }

    open override var extraDescription: String {
        var s = "\(inputSize), \(hiddenSize)"
        if numLayers != 1 { s += ", num_layers=\(numLayers)" }
        if !hasBias { s += ", bias=False" }
        if batchFirst { s += ", batch_first=True" }
        if dropout != 0 { s += ", dropout=\(dropout)" }
        if bidirectional { s += ", bidirectional=True" }
        if projSize > 0 { s += ", proj_size=\(projSize)" }
        return s
    }
}

/// An Elman RNN, h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh) (or ReLU).
///
///     let rnn = RNN(inputSize: 8, hiddenSize: 16)
///     let (output, hN) = rnn(x, hidden: nil)
open class RNN: RNNBase {
    /// `dropout` acts on the output of every layer but the last, in training mode only, as PyTorch's.
    ///
    ///     let rnn = RNN(inputSize: 8, hiddenSize: 16, numLayers: 2, nonlinearity: .relu, dropout: 0.1)
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, nonlinearity: Nonlinearity = .tanh, bias: Bool = true,
                batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .float32,
                generator: Generator? = nil) {
        let mode: RecurrentMode
        switch nonlinearity {
        case .tanh: mode = .rnnTanh
        case .relu: mode = .rnnRelu
        default: checkFailure("RNN: nonlinearity must be .tanh or .relu, got \(nonlinearity)")
        }
        super.init(mode: mode, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst,
                   dropout: dropout, bidirectional: bidirectional, dtype: dtype, generator: generator)
    }

    /// `RNN(inputSize:hiddenSize:)` without labels.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers)
    }

    /// The output sequence and the final hidden state; `hidden` [layers·dirs, N, H] (zeros if nil).
    ///
    ///     let (y, h) = rnn(x, hidden: h0)
    public func callAsFunction(_ input: Tensor, hidden: Tensor?) -> (output: Tensor, hidden: Tensor) {
        let r = hooked(optional: [input, hidden]) { xs in
            let r = run(xs[0]!, h0: xs[1], c0: nil)
            return [r.output, r.h]
        }
        return (r[0], r[1])
    }
}

/// Long short-term memory: i, f, g, o gates (PyTorch's row order in `weight_ih_l{k}`),
/// c' = f·c + i·g, h' = o·tanh(c').
///
///     let lstm = LSTM(inputSize: 64, hiddenSize: 128)
///     let (output, (h, c)) = lstm(x, state: nil)
open class LSTM: RNNBase {
    /// `projSize` > 0 projects h to that size after each step (`weight_hr_l{k}` [projSize, hiddenSize]):
    /// the output and h are then [..., projSize], c stays [..., hiddenSize]. `dropout` is applied to
    /// the output of every layer but the last, in training mode only (PyTorch's `dropout=`);
    /// `bidirectional` runs a reverse direction per layer (`..._reverse` weights, outputs concatenated).
    ///
    ///     let lstm = LSTM(inputSize: 16, hiddenSize: 32, numLayers: 2, dropout: 0.2, bidirectional: true)
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, projSize: Int = 0, dtype: DType = .float32,
                generator: Generator? = nil) {
        super.init(mode: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst,
                   dropout: dropout, bidirectional: bidirectional, projSize: projSize, dtype: dtype, generator: generator)
    }

    /// `LSTM(inputSize:hiddenSize:)` without labels.
    ///
    ///     let lstm = LSTM(64, 128)
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, batchFirst: Bool = false) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: batchFirst)
    }

    /// The output sequence and the final (h, c); `state` holds the initial (h0, c0), each
    /// [layers·dirs, N, H] (zeros if nil).
    ///
    ///     let (y, state) = lstm(x, state: (h0, c0))
    public func callAsFunction(_ input: Tensor, state: (h: Tensor, c: Tensor)?) -> (output: Tensor, state: (h: Tensor, c: Tensor)) {
        let r = hooked(optional: [input, state?.h, state?.c]) { xs in
            let r = run(xs[0]!, h0: xs[1], c0: xs[2])
            return [r.output, r.h, r.c!]
        }
        return (r[0], (r[1], r[2]))
    }
}

/// Gated recurrent unit: r, z, n gates (PyTorch's order), n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)),
/// h' = (1 - z)·n + z·h.
///
///     let gru = GRU(inputSize: 64, hiddenSize: 128, numLayers: 2)
///     let (output, hN) = gru(x, hidden: nil)
open class GRU: RNNBase {
    /// `dropout` acts between layers in training mode and `bidirectional` adds a reverse direction,
    /// as for `LSTM` and `RNN`.
    ///
    ///     let gru = GRU(inputSize: 16, hiddenSize: 32, numLayers: 2, dropout: 0.1)
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .float32, generator: Generator? = nil) {
        super.init(mode: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst,
                   dropout: dropout, bidirectional: bidirectional, dtype: dtype, generator: generator)
    }

    /// `GRU(inputSize:hiddenSize:)` without labels.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, batchFirst: Bool = false) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: batchFirst)
    }

    /// The output sequence and the final hidden state; `hidden` [layers·dirs, N, H] (zeros if nil).
    ///
    ///     let (y, h) = gru(x, hidden: h0)
    public func callAsFunction(_ input: Tensor, hidden: Tensor?) -> (output: Tensor, hidden: Tensor) {
        let r = hooked(optional: [input, hidden]) { xs in
            let r = run(xs[0]!, h0: xs[1], c0: nil)
            return [r.output, r.h]
        }
        return (r[0], r[1])
    }
}
