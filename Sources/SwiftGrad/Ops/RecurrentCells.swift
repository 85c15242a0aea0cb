// Fused recurrent cells: the pointwise part of an LSTM step as one op.

/// One LSTM step after the matrix products: from the pre-activation gates `gates` [N, 4H]
/// (x·W_ihᵀ + h·W_hhᵀ + biases, PyTorch's order i, f, g, o) and the cell state `cell` [N, H],
/// returns h' = o·tanh(c') and c' = f·c + i·g. One fused kernel forward and one fused kernel
/// backward, recorded as `lstm_cell_backward` (with its own derivative) so double backward works.
/// float16 and bfloat16 run in float32 and are rounded once.
///
///     let pre = linear(x, weight: wIh, bias: b) + linear(h, weight: wHh)
///     let (h1, c1) = lstmCell(gates: pre, cell: c)
public func lstmCell(gates: Tensor, cell: Tensor) -> (h: Tensor, c: Tensor) {
    check(gates.rank == 2 && cell.rank == 2 && gates.shape[0] == cell.shape[0] && gates.shape[1] == 4 * cell.shape[1],
                 "lstmCell: gates must be [N, 4H] and cell [N, H], got gates \(gates.shape) and cell \(cell.shape)")
    check(gates.dtype.isFloatingPoint && gates.dtype == cell.dtype,
                 "lstmCell: gates (\(gates.dtype)) and cell (\(cell.dtype)) must share one float dtype")
    if !gates.dtype.hasKernels {
        // float16/bfloat16: the cell in float32, h' and c' rounded once (casts recorded).
        let r = Autocast.disabled { lstmCell(gates: gates.to(.float32), cell: cell.to(.float32)) }
        return (r.h.to(gates.dtype), r.c.to(gates.dtype))
    }
    let n = cell.shape[0], h = cell.shape[1]
    let out = Tensor(uninitializedShape: [2, n, h], dtype: gates.dtype)
    // The activations are a private buffer of this node (never part of a graph), so keeping it in
    // the backward closure cannot form a cycle; it is freed with the node.
    let acts = Tensor(uninitializedShape: [n, 5 * h], dtype: gates.dtype)
    Kernels.lstmCellForward(pre: gates, c: cell, out: out, acts: acts, n: n, h: h)
    let both = out.recorded(.lstmCell, gates, cell, save: [.input0, .input1]) { g, ctx in
        let pre = ctx.input(0), c = ctx.input(1)
        let dPre = Tensor(uninitializedShape: [n, 4 * h], dtype: g.dtype)
        let dC = Tensor(uninitializedShape: [n, h], dtype: g.dtype)
        Kernels.lstmCellBackward(grad: g, acts: acts, c: c, dPre: dPre, dC: dC, n: n, h: h)
        return Tensor.recordedLSTMCellBackward(dPre, dC, g: g, pre: pre, c: c)
    }
    return (both.narrow(axis: 0, start: 0, length: 1).reshape([n, h]),
            both.narrow(axis: 0, start: 1, length: 1).reshape([n, h]))
}

extension Tensor {
    /// Records the kernel's gradients (dPre [N, 4H], dC [N, H]) of `lstm_cell` for the upstream
    /// `g` [2, N, H] as one `lstm_cell_backward` node on (g, pre, c), so they are differentiable
    /// again. Without a graph being recorded they are returned as they are.
    static func recordedLSTMCellBackward(_ dPre: Tensor, _ dC: Tensor, g: Tensor, pre: Tensor, c: Tensor) -> [Tensor?] {
        guard (ThreadContext.current.gradEnabled && (g.requiresGrad || pre.requiresGrad || c.requiresGrad))
                || g.dual != nil || pre.dual != nil || c.dual != nil else { return [dPre, dC] }
        let h = c.shape[1]
        // One output carries the node: [dPre | dC] along the last axis, handed back as slices of it.
        let packed = withNoGrad { Tensor.cat([dPre, dC], axis: 1) }
            .recorded(.lstmCellBackward, inputs: [g, pre, c], save: .inputs) { gg, ctx in
                lstmCellSecondDerivative(gg, g: ctx.input(0), pre: ctx.input(1), c: ctx.input(2))
            }
        return [packed.narrow(axis: 1, start: 0, length: 4 * h), packed.narrow(axis: 1, start: 4 * h, length: h)]
    }

    /// The backward of `lstm_cell_backward`: for its output (dPre, dC) as a function of (g, pre, c)
    /// and an incoming gradient `gg` = [G_i G_f G_g G_o | G_c] [N, 5H], the gradients for g, pre
    /// and c. With dc = dc' + dh·o·(1-t²), t = tanh(c'), c' = f·c + i·g, and primes for the gate
    /// derivatives (i' = i(1-i), g' = 1-g², ...): K = G_i·g·i' + G_f·c·f' + G_g·i·g' + G_c·f is the
    /// gradient for dc; P = -2·K·dh·o·t·(1-t²) + G_o·dh·o'·(1-t²) the gradient for c'.
    static func lstmCellSecondDerivative(_ gg: Tensor, g: Tensor, pre: Tensor, c: Tensor) -> [Tensor?] {
        let hs = c.shape[1]
        let z = pre.split(size: hs, axis: 1)
        let i = z[0].sigmoid(), f = z[1].sigmoid(), gt = z[2].tanh(), o = z[3].sigmoid()
        let di = i * (1 - i), df = f * (1 - f), dg = 1 - gt * gt, dO = o * (1 - o)
        let t = (f * c + i * gt).tanh(), dt = 1 - t * t
        let dh = g.narrow(axis: 0, start: 0, length: 1).squeeze(axis: 0)
        let dcNext = g.narrow(axis: 0, start: 1, length: 1).squeeze(axis: 0)
        let dc = dcNext + dh * o * dt
        let G = gg.split(size: hs, axis: 1)           // G_i, G_f, G_g, G_o, G_c
        let k = G[0] * gt * di + G[1] * c * df + G[2] * i * dg + G[4] * f
        let p = k * dh * o * t * dt * -2 + G[3] * dh * dO * dt
        let gDh = k * o * dt + G[3] * t * dO
        let gPreI = p * gt * di + dc * (G[0] * gt * di * (1 - i * 2) + G[2] * dg * di)
        let gPreF = p * c * df + dc * (G[1] * c * df * (1 - f * 2) + G[4] * df)
        let gPreG = p * i * dg + dc * (G[0] * di * dg + G[2] * i * gt * dg * -2)
        let gPreO = k * dh * dt * dO + G[3] * dh * t * dO * (1 - o * 2)
        let gC = p * f + dc * G[1] * df
        return [Tensor.stack([gDh, k], axis: 0), Tensor.cat([gPreI, gPreF, gPreG, gPreO], axis: 1), gC]
    }

    /// The LSTM cell's backward written with differentiable ops (`lstmSequence`'s backward under
    /// createGraph).
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
