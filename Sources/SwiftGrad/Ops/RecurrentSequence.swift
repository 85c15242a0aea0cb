// A whole LSTM layer (one direction) as one op: the recurrence runs inside the op, so a sequence
// of T steps records one node instead of about 8·T, and backward computes the recurrent weight's
// gradient as ONE matrix product over all steps instead of T small ones.

/// Runs an LSTM over a sequence whose input projection is already done: `gates` [T, N, 4H] holds
/// x_t·W_ihᵀ + b_ih + b_hh for every step (PyTorch's gate order i, f, g, o), `h0` and `c0` [N, H]
/// are the initial states and `weightHh` [4H, H] the recurrent weight. Returns every step's h
/// ([T, N, H]) and the last h and c. The same values as T calls of `lstmCell`; differentiable
/// with respect to all four inputs, twice (under createGraph the backward is recorded with
/// ordinary ops).
///
///     let xp = linear(x.reshape([t * n, inputSize]), weight: wIh, bias: bIh + bHh).reshape([t, n, 4 * h])
///     let (ys, hT, cT) = lstmSequence(gates: xp, h0: h0, c0: c0, weightHh: wHh)
public func lstmSequence(gates: Tensor, h0: Tensor, c0: Tensor, weightHh: Tensor) -> (output: Tensor, h: Tensor, c: Tensor) {
    check(gates.rank == 3 && h0.rank == 2 && c0.shape == h0.shape && weightHh.shape == [4 * h0.shape[1], h0.shape[1]]
                 && gates.shape[1] == h0.shape[0] && gates.shape[2] == 4 * h0.shape[1] && gates.shape[0] > 0,
                 "lstmSequence: needs gates [T > 0, N, 4H], h0 and c0 [N, H], weightHh [4H, H]; got gates \(gates.shape), h0 \(h0.shape), c0 \(c0.shape), weightHh \(weightHh.shape)")
    check(gates.dtype.isFloatingPoint && [h0.dtype, c0.dtype, weightHh.dtype].allSatisfy { $0 == gates.dtype },
                 "lstmSequence: gates (\(gates.dtype)), h0 (\(h0.dtype)), c0 (\(c0.dtype)) and weightHh (\(weightHh.dtype)) must share one float dtype")
    let steps = gates.shape[0], n = h0.shape[0], h = h0.shape[1]
    // packed[0..<T] = h_1 ... h_T, packed[T] = c_T: one output tensor, so one node.
    let packed = Tensor(uninitializedShape: [steps + 1, n, h], dtype: gates.dtype)
    // Private buffers of this node (never part of a graph): every step's activations and cell state.
    let acts = Tensor(uninitializedShape: [steps, n, 5 * h], dtype: gates.dtype)
    let cells = Tensor(uninitializedShape: [steps, n, h], dtype: gates.dtype)
    Kernels.lstmSequenceForward(gates: gates, h0: h0, c0: c0, whh: weightHh, packed: packed, acts: acts, cells: cells)
    // Inputs in this order so the three the backward reads are version-checked (input0...input2).
    let out = packed.recorded(.lstmSequence, inputs: [weightHh, h0, c0, gates], save: [.input0, .input1, .input2, .output]) { g, ctx in
        let whh = ctx.input(0), h0 = ctx.input(1), c0 = ctx.input(2)
        if ThreadContext.current.gradEnabled {
            return Tensor.lstmSequenceBackwardComposed(g, gates: ctx.input(3), h0: h0, c0: c0, whh: whh)
        }
        let r = Kernels.lstmSequenceBackward(grad: g, packed: ctx.output, acts: acts, cells: cells, h0: h0, c0: c0, whh: whh,
                                             needWeight: ctx.needsGrad(0), needH0: ctx.needsGrad(1))
        return [r.dWhh, r.dH0, r.dC0, ctx.needsGrad(3) ? r.dGates : nil]
    }
    return (out.narrow(axis: 0, start: 0, length: steps),
            out.narrow(axis: 0, start: steps - 1, length: 1).reshape([n, h]),
            out.narrow(axis: 0, start: steps, length: 1).reshape([n, h]))
}

extension Tensor {
    /// The sequence's backward written with differentiable ops (used under createGraph): the
    /// forward recomputed step by step from the inputs, then the cell backward of `lstmCell` and
    /// the recurrent products in reverse.
    static func lstmSequenceBackwardComposed(_ g: Tensor, gates: Tensor, h0: Tensor, c0: Tensor, whh: Tensor) -> [Tensor?] {
        let steps = gates.shape[0], n = h0.shape[0], h = h0.shape[1]
        var pres: [Tensor] = [], hs: [Tensor] = [], cs: [Tensor] = []
        var hPrev = h0, cPrev = c0
        for t in 0..<steps {
            let pre = gates.narrow(axis: 0, start: t, length: 1).reshape([n, 4 * h]) + linear(hPrev, weight: whh)
            pres.append(pre); hs.append(hPrev); cs.append(cPrev)
            (hPrev, cPrev) = lstmCell(gates: pre, cell: cPrev)
        }
        var dh = Tensor.zeros([n, h], dtype: g.dtype)
        var dc = g.narrow(axis: 0, start: steps, length: 1).reshape([n, h])
        var dPres = [Tensor](repeating: dh, count: steps)
        var dW: Tensor? = nil
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let dhT = g.narrow(axis: 0, start: t, length: 1).reshape([n, h]) + dh
            let parts = lstmCellBackwardComposed(Tensor.stack([dhT, dc], axis: 0), pre: pres[t], c: cs[t])
            dPres[t] = parts[0]!
            dc = parts[1]!
            dh = parts[0]!.matmul(whh)
            let term = parts[0]!.mT.matmul(hs[t])
            dW = dW.map { $0 + term } ?? term
        }
        return [dW, dh, dc, Tensor.stack(dPres, axis: 0)]
    }
}
