// One-step recurrent modules: RNNCell, LSTMCell and GRUCell, as PyTorch's (parameters `weight_ih`,
// `weight_hh`, `bias_ih`, `bias_hh`; gate order LSTM i, f, g, o and GRU r, z, n; initialised
// U(±1/√hidden)). Inputs are [N, inputSize] (or unbatched [inputSize]); states [N, hiddenSize].

/// The parameters and checks shared by the three cells.
open class RNNCellBase: Module {
    public let inputSize: Int, hiddenSize: Int
    public let weightIh: Tensor, weightHh: Tensor
    public let biasIh: Tensor?, biasHh: Tensor?

    init(inputSize: Int, hiddenSize: Int, bias: Bool, gates: Int, dtype: DType, generator: Generator?) {
        check(inputSize > 0 && hiddenSize > 0, "\(Self.self): inputSize \(inputSize) and hiddenSize \(hiddenSize) must be positive")
        self.inputSize = inputSize; self.hiddenSize = hiddenSize
        let bound = 1 / Double(hiddenSize).squareRoot()
        func param(_ shape: [Int]) -> Tensor {
            makeParameter(shape, dtype: dtype) { Init.uniform($0, low: -bound, high: bound, generator: generator) }
        }
        weightIh = param([gates * hiddenSize, inputSize])
        weightHh = param([gates * hiddenSize, hiddenSize])
        biasIh = bias ? param([gates * hiddenSize]) : nil
        biasHh = bias ? param([gates * hiddenSize]) : nil
        super.init()
    }

    /// The input as [N, inputSize], whether it was unbatched, and the state (zeros if nil) as [N, H].
    func prepare(_ input: Tensor, _ state: Tensor?, name: String = "hx") -> (x: Tensor, unbatched: Bool, h: Tensor) {
        check((input.rank == 1 || input.rank == 2) && input.shape.last == inputSize,
              "\(typeName): input must be [N, \(inputSize)] or [\(inputSize)], got \(input.shape)")
        checkInputDType(typeName, input, weightIh, name: "weight_ih")
        let unbatched = input.rank == 1
        let x = unbatched ? input.unsqueeze(axis: 0) : input
        let expected = unbatched ? [hiddenSize] : [x.shape[0], hiddenSize]
        if let state {
            check(state.shape == expected, "\(typeName): \(name) must be \(expected) for input \(input.shape), got \(state.shape)")
            checkInputDType(typeName + " (\(name))", state, weightIh, name: "weight_ih")
        }
        let h = state.map { unbatched ? $0.unsqueeze(axis: 0) : $0 } ?? Tensor.zeros([x.shape[0], hiddenSize], dtype: x.dtype)
        return (x, unbatched, h)
    }

    /// The parameters in the dtype a step computes in: a float16/bfloat16 step runs in float32 (the
    /// casts are recorded, so gradients reach the half parameters) and rounds its result once.
    func stepParameters(for x: Tensor) -> (wIh: Tensor, wHh: Tensor, bIh: Tensor?, bHh: Tensor?) {
        guard !x.dtype.hasKernels else { return (weightIh, weightHh, biasIh, biasHh) }
        return (weightIh.to(.float32), weightHh.to(.float32), biasIh?.to(.float32), biasHh?.to(.float32))
    }

    open override var extraDescription: String { "\(inputSize), \(hiddenSize)" + (biasIh == nil ? ", bias=False" : "") }
}

/// One Elman RNN step, h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or ReLU), as `nn.RNNCell`.
///
///     let cell = RNNCell(inputSize: 8, hiddenSize: 16)
///     let h1 = cell(x, hidden: h0)
open class RNNCell: RNNCellBase {
    public let nonlinearity: Nonlinearity
    let usesRelu: Bool

    public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, nonlinearity: Nonlinearity = .tanh, dtype: DType = .float32,
                generator: Generator? = nil) {
        switch nonlinearity {
        case .tanh: usesRelu = false
        case .relu: usesRelu = true
        default: checkFailure("RNNCell: nonlinearity must be .tanh or .relu, got \(nonlinearity)")
        }
        self.nonlinearity = nonlinearity
        super.init(inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, gates: 1, dtype: dtype, generator: generator)
    }

    /// One step from a zero state.
    open override func forward(_ input: Tensor) -> Tensor { self(input, hidden: nil) }

    /// One step: the next hidden state [N, H] (unbatched: [H]); `hidden` is zeros if nil.
    ///
    ///     let h1 = cell(x, hidden: h0)
    public func callAsFunction(_ input: Tensor, hidden: Tensor?) -> Tensor {
        hooked(optional: [input, hidden]) { xs in
            let input = xs[0]!, hidden = xs[1]
            let (x, unbatched, h) = prepare(input, hidden)
            let p = stepParameters(for: x)
            let pre = linear(x.to(p.wIh.dtype), weight: p.wIh, bias: p.bIh) + linear(h.to(p.wIh.dtype), weight: p.wHh, bias: p.bHh)
            let next = (usesRelu ? pre.relu() : pre.tanh()).to(x.dtype)
            return [unbatched ? next.squeeze(axis: 0) : next]
        }[0]
    }
}

/// One LSTM step (the fused `lstmCell` after the two products), as `nn.LSTMCell`.
///
///     let cell = LSTMCell(inputSize: 8, hiddenSize: 16)
///     let (h1, c1) = cell(x, state: (h0, c0))
open class LSTMCell: RNNCellBase {
    public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, dtype: DType = .float32, generator: Generator? = nil) {
        super.init(inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, gates: 4, dtype: dtype, generator: generator)
    }

    /// One step from zero states; the next h.
    open override func forward(_ input: Tensor) -> Tensor { self(input, state: nil).h }

    /// One step: the next (h, c), each [N, H] (unbatched: [H]); `state` is zeros if nil.
    ///
    ///     let (h1, c1) = cell(x, state: nil)
    public func callAsFunction(_ input: Tensor, state: (h: Tensor, c: Tensor)?) -> (h: Tensor, c: Tensor) {
        let r = hooked(optional: [input, state?.h, state?.c]) { xs in
            let input = xs[0]!
            let (x, unbatched, h) = prepare(input, xs[1], name: "h")
            let c = prepare(input, xs[2], name: "c").h
            let p = stepParameters(for: x), dt = p.wIh.dtype
            let pre = linear(x.to(dt), weight: p.wIh, bias: p.bIh) + linear(h.to(dt), weight: p.wHh, bias: p.bHh)
            let (h32, c32) = lstmCell(gates: pre, cell: c.to(dt))
            let h1 = h32.to(x.dtype), c1 = c32.to(x.dtype)
            return unbatched ? [h1.squeeze(axis: 0), c1.squeeze(axis: 0)] : [h1, c1]
        }
        return (r[0], r[1])
    }
}

/// One GRU step, as `nn.GRUCell`: r, z from the two products, n = tanh(x_n + r·(h·W_hnᵀ + b_hn)),
/// h' = (1 - z)·n + z·h.
///
///     let cell = GRUCell(inputSize: 8, hiddenSize: 16)
///     let h1 = cell(x, hidden: h0)
open class GRUCell: RNNCellBase {
    public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, dtype: DType = .float32, generator: Generator? = nil) {
        super.init(inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, gates: 3, dtype: dtype, generator: generator)
    }

    /// One step from a zero state.
    open override func forward(_ input: Tensor) -> Tensor { self(input, hidden: nil) }

    /// One step: the next hidden state [N, H] (unbatched: [H]); `hidden` is zeros if nil.
    ///
    ///     let h1 = cell(x, hidden: h0)
    public func callAsFunction(_ input: Tensor, hidden: Tensor?) -> Tensor {
        hooked(optional: [input, hidden]) { xs in
            let input = xs[0]!, hidden = xs[1]
            let (x, unbatched, hIn) = prepare(input, hidden)
            let p = stepParameters(for: x), h = hIn.to(p.wIh.dtype)
            let xg = linear(x.to(p.wIh.dtype), weight: p.wIh, bias: p.bIh).chunk(3, axis: 1)
            let hg = linear(h, weight: p.wHh, bias: p.bHh).chunk(3, axis: 1)
            let r = (xg[0] + hg[0]).sigmoid(), z = (xg[1] + hg[1]).sigmoid()
            let n = (xg[2] + r * hg[2]).tanh()
            let next = (n + z * (h - n)).to(x.dtype)          // (1 - z)·n + z·h
            return [unbatched ? next.squeeze(axis: 0) : next]
        }[0]
    }
}
