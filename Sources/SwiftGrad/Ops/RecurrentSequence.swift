// A whole LSTM layer (one direction) as one op: the recurrence runs inside the op, so a sequence
// of T steps records one node instead of about 8·T, and backward computes the recurrent weight's
// gradient as ONE matrix product over all steps instead of T small ones.

/// Runs an LSTM over a sequence whose input projection is already done: `gates` [T, N, 4H] holds
/// x_t·W_ihᵀ + b_ih + b_hh for every step (PyTorch's gate order i, f, g, o), `h0` and `c0` [N, H]
/// are the initial states and `weightHh` [4H, H] the recurrent weight. Returns every step's h
/// ([T, N, H]) and the last h and c. The same values as T calls of `lstmCell`; differentiable
/// with respect to all four inputs, any number of times: the backward is one fused kernel whose
/// result is recorded as `lstm_sequence_backward`, an op with its own derivative. float16 and
/// bfloat16 run in float32 and are rounded once (PyTorch's CPU LSTM).
///
///     let xp = linear(x.reshape([t * n, inputSize]), weight: wIh, bias: bIh + bHh).reshape([t, n, 4 * h])
///     let (ys, hT, cT) = lstmSequence(gates: xp, h0: h0, c0: c0, weightHh: wHh)
public func lstmSequence(gates: Tensor, h0: Tensor, c0: Tensor, weightHh: Tensor) -> (output: Tensor, h: Tensor, c: Tensor) {
    check(gates.rank == 3 && h0.rank == 2 && c0.shape == h0.shape && weightHh.shape == [4 * h0.shape[1], h0.shape[1]]
                 && gates.shape[1] == h0.shape[0] && gates.shape[2] == 4 * h0.shape[1] && gates.shape[0] > 0,
                 "lstmSequence: needs gates [T > 0, N, 4H], h0 and c0 [N, H], weightHh [4H, H]; got gates \(gates.shape), h0 \(h0.shape), c0 \(c0.shape), weightHh \(weightHh.shape)")
    check(gates.dtype.isFloatingPoint && [h0.dtype, c0.dtype, weightHh.dtype].allSatisfy { $0 == gates.dtype },
                 "lstmSequence: gates (\(gates.dtype)), h0 (\(h0.dtype)), c0 (\(c0.dtype)) and weightHh (\(weightHh.dtype)) must share one float dtype")
    if !gates.dtype.hasKernels {
        // float16/bfloat16: the recurrence in float32, each output rounded once (the casts are
        // recorded, so gradients come back in the input dtype).
        let r = Autocast.disabled {
            lstmSequence(gates: gates.to(.float32), h0: h0.to(.float32), c0: c0.to(.float32), weightHh: weightHh.to(.float32))
        }
        return (r.output.to(gates.dtype), r.h.to(gates.dtype), r.c.to(gates.dtype))
    }
    let steps = gates.shape[0], n = h0.shape[0], h = h0.shape[1]
    // packed[0..<T] = h_1 ... h_T, packed[T] = c_T: one output tensor, so one node.
    let packed = Tensor(uninitializedShape: [steps + 1, n, h], dtype: gates.dtype)
    // Private buffers of this node (never part of a graph): every step's activations and cell state.
    let acts = Tensor(uninitializedShape: [steps, n, 5 * h], dtype: gates.dtype)
    let cells = Tensor(uninitializedShape: [steps, n, h], dtype: gates.dtype)
    Kernels.lstmSequenceForward(gates: gates, h0: h0, c0: c0, whh: weightHh, packed: packed, acts: acts, cells: cells)
    // Inputs in this order so the three the backward reads are version-checked (input0...input2).
    let out = packed.recorded(.lstmSequence, inputs: [weightHh, h0, c0, gates], save: [.input0, .input1, .input2, .output]) { g, ctx in
        let whh = ctx.input(0), h0 = ctx.input(1), c0 = ctx.input(2), gates = ctx.input(3)
        let recording = Tensor.recordsLSTMSequenceBackward(g, whh, h0, c0, gates)
        let r = Kernels.lstmSequenceBackward(grad: g, packed: ctx.output, acts: acts, cells: cells, h0: h0, c0: c0, whh: whh,
                                             needWeight: recording || ctx.needsGrad(0), needH0: recording || ctx.needsGrad(1))
        guard recording else { return [r.dWhh, r.dH0, r.dC0, ctx.needsGrad(3) ? r.dGates : nil] }
        return Tensor.recordedLSTMSequenceBackward(r.dWhh!, r.dH0!, r.dC0, r.dGates, g: g, whh: whh, h0: h0, c0: c0, gates: gates)
    }
    return (out.narrow(axis: 0, start: 0, length: steps),
            out.narrow(axis: 0, start: steps - 1, length: 1).reshape([n, h]),
            out.narrow(axis: 0, start: steps, length: 1).reshape([n, h]))
}

extension Tensor {
    /// Whether the kernel's gradients of `lstm_sequence` must be recorded as `lstm_sequence_backward`
    /// (a graph is being built through one of its inputs, or forward AD carries a tangent).
    static func recordsLSTMSequenceBackward(_ xs: Tensor...) -> Bool {
        (ThreadContext.current.gradEnabled && xs.contains { $0.requiresGrad }) || xs.contains { $0.dual != nil }
    }

    /// Records the kernel's gradients of `lstm_sequence` for the upstream `g` [T+1, N, H] as one
    /// `lstm_sequence_backward` node on (g, Whh, h0, c0, gates), so they are differentiable again.
    static func recordedLSTMSequenceBackward(_ dW: Tensor, _ dH0: Tensor, _ dC0: Tensor, _ dGates: Tensor,
                                             g: Tensor, whh: Tensor, h0: Tensor, c0: Tensor, gates: Tensor) -> [Tensor?] {
        let sizes = [dW.count, dH0.count, dC0.count, dGates.count]
        let wShape = whh.shape, stateShape = h0.shape, gatesShape = gates.shape   // shapes only: no tensor in the closure
        // One output carries the node: the four gradients flattened end to end, handed back as views.
        let packed = withNoGrad { Tensor.cat([dW.flatten(), dH0.flatten(), dC0.flatten(), dGates.flatten()], axis: 0) }
            .recorded(.lstmSequenceBackward, inputs: [g, whh, h0, c0, gates], save: .inputs) { gg, ctx in
                let parts = gg.split(sizes: sizes, axis: 0)
                return lstmSequenceSecondDerivative(aW: parts[0].reshape(wShape), aH0: parts[1].reshape(stateShape),
                                                    aC0: parts[2].reshape(stateShape), aGates: parts[3].reshape(gatesShape),
                                                    g: ctx.input(0), whh: ctx.input(1), h0: ctx.input(2), c0: ctx.input(3),
                                                    gates: ctx.input(4))
            }
        let views = packed.split(sizes: sizes, axis: 0)
        return [views[0].reshape(dW.shape), views[1].reshape(dH0.shape), views[2].reshape(dC0.shape), views[3].reshape(dGates.shape)]
    }

    /// The backward of `lstm_sequence_backward` B(g, W, h0, c0, G) = (dW, dh0, dc0, dgates), for the
    /// incoming gradients (aW, aH0, aC0, aGates), written with differentiable ops. B runs the
    /// forward (pre_t = G_t + h_{t-1}·Wᵀ, (h_t, c_t) = cell(pre_t, c_{t-1})) and then the cells'
    /// backward in reverse (dh_t = g_t + dpre_{t+1}·W, (dpre_t, dc_{t-1}) = cellBackward(dh_t, dc_t)),
    /// so its adjoint runs (1) forward in time through the backward recurrence, with
    /// `lstm_cell_backward`'s derivative at each step, giving the gradients for g and the extra
    /// gradients that reach pre_t, c_{t-1} and h_{t-1}; then (2) backward in time through the
    /// forward recurrence with those injected, which is `lstm_sequence`'s own backward.
    static func lstmSequenceSecondDerivative(aW: Tensor, aH0: Tensor, aC0: Tensor, aGates: Tensor,
                                             g: Tensor, whh: Tensor, h0: Tensor, c0: Tensor, gates: Tensor) -> [Tensor?] {
        let steps = gates.shape[0], n = h0.shape[0], h = h0.shape[1]
        func step(_ x: Tensor, _ t: Int, _ rows: [Int]) -> Tensor { x.narrow(axis: 0, start: t, length: 1).reshape(rows) }
        // The forward recomputed: pres[t] = pre_{t+1}, hs[t] = h_t, cs[t] = c_t (t = 0...T-1).
        var pres: [Tensor] = [], hs: [Tensor] = [h0], cs: [Tensor] = [c0]
        for t in 0..<steps {
            let pre = step(gates, t, [n, 4 * h]) + linear(hs[t], weight: whh)
            pres.append(pre)
            let (hn, cn) = lstmCell(gates: pre, cell: cs[t])
            if t + 1 < steps { hs.append(hn); cs.append(cn) }
        }
        // B's backward recurrence recomputed: dhs[t], dcs[t] enter the cell backward of step t; dPres[t] leaves it.
        var dhs = [Tensor](repeating: h0, count: steps), dcs = dhs, dPres = [Tensor](repeating: gates, count: steps)
        var dc = step(g, steps, [n, h])
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let dh = t == steps - 1 ? step(g, t, [n, h]) : step(g, t, [n, h]) + dPres[t + 1].matmul(whh)
            dhs[t] = dh; dcs[t] = dc
            let parts = lstmCellBackwardComposed(Tensor.stack([dh, dc], axis: 0), pre: pres[t], c: cs[t])
            dPres[t] = parts[0]!
            dc = parts[1]!
        }
        // (1) Forward in time: the adjoints of dh_{t-1} (aH0 at first: dh0 = dpre_1·W) and dc_{t-1}.
        var aDh = aH0, aDc = aC0
        var gW = dPres[0].mT.matmul(aH0)
        var gG: [Tensor] = [], injPre: [Tensor] = [], injC: [Tensor] = [], injH: [Tensor] = []
        for t in 0..<steps {
            if t > 0 { gW = gW + dPres[t].mT.matmul(aDh) }                         // dh_{t-1} = g + dpre_t·W
            // dpre_t feeds dh_{t-1} (·W) and dW (Σ dpre_tᵀ·h_{t-1}), and is an output itself.
            let aPre = step(aGates, t, [n, 4 * h]) + aDh.matmul(whh.mT) + hs[t].matmul(aW.mT)
            injH.append(dPres[t].matmul(aW))
            let parts = lstmCellSecondDerivative(Tensor.cat([aPre, aDc], axis: 1), g: Tensor.stack([dhs[t], dcs[t]], axis: 0),
                                                 pre: pres[t], c: cs[t])
            gG.append(parts[0]!)                                                    // [adjoint of dh_t; of dc_t]
            injPre.append(parts[1]!)
            injC.append(parts[2]!)
            aDh = step(parts[0]!, 0, [n, h])
            aDc = step(parts[0]!, 1, [n, h])
        }
        let gradG = Tensor.cat(gG.map { step($0, 0, [1, n, h]) } + [aDc.reshape([1, n, h])], axis: 0)
        // (2) Backward in time through the forward, with the injected gradients on pre_t, c_{t-1}, h_{t-1}.
        var hBar = injH[steps - 1], cBar = injC[steps - 1]
        var gGates = [Tensor](repeating: gates, count: steps)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            var dPre = injPre[t]
            if t < steps - 1 {
                let parts = lstmCellBackwardComposed(Tensor.stack([hBar, cBar], axis: 0), pre: pres[t], c: cs[t])
                dPre = dPre + parts[0]!
                cBar = injC[t] + parts[1]!
                hBar = injH[t]
            }
            gGates[t] = dPre
            gW = gW + dPre.mT.matmul(hs[t])
            hBar = hBar + dPre.matmul(whh)
        }
        return [gradG, gW, hBar, cBar, Tensor.stack(gGates, axis: 0)]
    }
}
