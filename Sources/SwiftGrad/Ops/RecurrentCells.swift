// Fused recurrent cells: the pointwise part of an LSTM step as one op.

/// One LSTM step after the matrix products: from the pre-activation gates `gates` [N, 4H]
/// (x·W_ihᵀ + h·W_hhᵀ + biases, PyTorch's order i, f, g, o) and the cell state `cell` [N, H],
/// returns h' = o·tanh(c') and c' = f·c + i·g. One fused kernel forward and one backward (the
/// backward is recorded with ordinary ops when a graph of the gradient is requested, so double
/// backward works).
///
///     let pre = linear(x, weight: wIh, bias: b) + linear(h, weight: wHh)
///     let (h1, c1) = lstmCell(gates: pre, cell: c)
public func lstmCell(gates: Tensor, cell: Tensor) -> (h: Tensor, c: Tensor) {
    check(gates.rank == 2 && cell.rank == 2 && gates.shape[0] == cell.shape[0] && gates.shape[1] == 4 * cell.shape[1],
                 "lstmCell: gates must be [N, 4H] and cell [N, H], got gates \(gates.shape) and cell \(cell.shape)")
    check(gates.dtype.isFloatingPoint && gates.dtype == cell.dtype,
                 "lstmCell: gates (\(gates.dtype)) and cell (\(cell.dtype)) must share one float dtype")
    let n = cell.shape[0], h = cell.shape[1]
    let out = Tensor(uninitializedShape: [2, n, h], dtype: gates.dtype)
    // The activations are a private buffer of this node (never part of a graph), so keeping it in
    // the backward closure cannot form a cycle; it is freed with the node.
    let acts = Tensor(uninitializedShape: [n, 5 * h], dtype: gates.dtype)
    Kernels.lstmCellForward(pre: gates, c: cell, out: out, acts: acts, n: n, h: h)
    let both = out.recorded(.lstmCell, gates, cell, save: [.input0, .input1]) { g, ctx in
        if ThreadContext.current.gradEnabled {
            return Tensor.lstmCellBackwardComposed(g, pre: ctx.input(0), c: ctx.input(1))
        }
        let dPre = Tensor(uninitializedShape: [n, 4 * h], dtype: g.dtype)
        let dC = Tensor(uninitializedShape: [n, h], dtype: g.dtype)
        Kernels.lstmCellBackward(grad: g, acts: acts, c: ctx.input(1), dPre: dPre, dC: dC, n: n, h: h)
        return [dPre, dC]
    }
    return (both.narrow(axis: 0, start: 0, length: 1).reshape([n, h]),
            both.narrow(axis: 0, start: 1, length: 1).reshape([n, h]))
}

extension Tensor {
    /// The LSTM cell's backward written with differentiable ops (used under createGraph).
    static func lstmCellBackwardComposed(_ g: Tensor, pre: Tensor, c: Tensor) -> [Tensor?] {
        let hs = c.shape[1]
        let gates = pre.split(size: hs, axis: 1)
        let i = gates[0].sigmoid(), f = gates[1].sigmoid(), gg = gates[2].tanh(), o = gates[3].sigmoid()
        let tc = (f * c + i * gg).tanh()
        let dh = g.narrow(axis: 0, start: 0, length: 1).squeeze(axis: 0)
        let dcNext = g.narrow(axis: 0, start: 1, length: 1).squeeze(axis: 0)
        let dc = dcNext + dh * o * (1 - tc * tc)
        let dPre = Tensor.cat([dc * gg * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - gg * gg), dh * tc * o * (1 - o)], axis: 1)
        return [dPre, dc * f]
    }
}
