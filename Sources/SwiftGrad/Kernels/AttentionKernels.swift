// Fused scaled dot-product attention (flash-attention style): the [L, S] score matrix of a head is
// never materialised; blocks of query rows meet blocks of keys, with an online softmax in the
// forward (only the output and each row's logsumexp are kept) and the block scores recomputed
// from q, k and the logsumexp in the backward. Block products run on BLAS.

/// The geometry of one attention call: Z (batch · heads) independent problems of L query rows and
/// S keys. Each operand is read in place through its row stride (`ld*`, unit stride along the
/// feature axis) and per-problem offsets, so permuted heads and broadcast batches are never copied.
struct AttentionPlan {
    var z: Int, l: Int, s: Int, e: Int, ev: Int
    var ldq: Int, ldk: Int, ldv: Int
    var offQ: [Int], offK: [Int], offV: [Int]
    /// The additive mask (float, in the operands' dtype), read through its strides.
    var offM: [Int]?
    var maskRowStride = 0, maskColStride = 0
    var scale: Double
    var causal: Bool
    var blockRows: Int, blockCols: Int
    /// Row stride and per-problem offsets of the output (forward's out, backward's out and dOut)
    /// and of the gradients dq, dk, dv: unit stride along the feature axis, rows `ld*` apart, so
    /// an output laid out like a permuted query ([N, L, H, Ev] in memory) is written in place.
    var ldo = 0, offO: [Int] = []
    var ldg = 0, offG: [Int] = []
    var lddq = 0, offDQ: [Int] = [], lddk = 0, offDK: [Int] = [], lddv = 0, offDV: [Int] = []

    /// Whether to spread the problems over threads (each block product then runs on one thread).
    var parallel: Bool { z > 1 && z * l * s * max(e, ev) >= 1 << 16 }
}

extension Kernels {
    /// out [Z, L, Ev] (through `plan.offO`/`ldo`) and lse [Z, L] (contiguous): softmax(scale·q·kᵀ + mask)·v
    /// row by row, and log Σ exp(scores) of each row (-inf for a row whose keys are all masked; its
    /// output is 0).
    static func attentionForward(_ plan: AttentionPlan, q: Tensor, k: Tensor, v: Tensor, mask: Tensor?,
                                 out: Tensor, lse: Tensor) {
        switch out.dtype {
        case .float32:
            attentionForward(plan, q.stridedPtr(Float.self), k.stridedPtr(Float.self), v.stridedPtr(Float.self),
                             mask?.stridedPtr(Float.self), out.stridedPtr(Float.self), lse.ptr(Float.self))
        case .float64:
            attentionForward(plan, q.stridedPtr(Double.self), k.stridedPtr(Double.self), v.stridedPtr(Double.self),
                             mask?.stridedPtr(Double.self), out.stridedPtr(Double.self), lse.ptr(Double.self))
        default: checkFailure("scaledDotProductAttention: no kernel for \(out.dtype)")
        }
    }

    /// The scores of query rows i0..<i0+br against keys j0..<j0+bc into `sp` [br, bc]:
    /// scale·q·kᵀ, plus the mask, with -inf above the diagonal when causal.
    @inline(__always)
    static func attentionScores<T: FloatElement>(_ p: AttentionPlan, z: Int, i0: Int, br: Int, j0: Int, bc: Int,
                                                 _ q: UnsafePointer<T>, _ k: UnsafePointer<T>, _ m: UnsafePointer<T>?,
                                                 _ sp: UnsafeMutablePointer<T>) {
        if p.e == 0 {
            sp.update(repeating: 0, count: br * bc)
        } else {
            gemmBLAS(false, true, br, bc, p.e, T(p.scale), q + p.offQ[z] + i0 * p.ldq, p.ldq,
                     k + p.offK[z] + j0 * p.ldk, p.ldk, 0, sp, bc)
        }
        if let m, let offM = p.offM {
            for r in 0..<br {
                let mrow = m + offM[z] + (i0 + r) * p.maskRowStride + j0 * p.maskColStride
                let row = sp + r * bc
                for c in 0..<bc { row[c] += mrow[c * p.maskColStride] }
            }
        }
        if p.causal {
            // Key j is visible to query i when j ≤ i (PyTorch's top-left aligned tril mask).
            for r in 0..<br {
                let first = Swift.max(0, i0 + r + 1 - j0)
                if first < bc { (sp + r * bc + first).update(repeating: -T.infinity, count: bc - first) }
            }
        }
    }

    static func attentionForward<T: FloatElement>(_ p: AttentionPlan, _ q: UnsafeMutablePointer<T>, _ k: UnsafeMutablePointer<T>,
                                                  _ v: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>?,
                                                  _ out: UnsafeMutablePointer<T>, _ lse: UnsafeMutablePointer<T>) {
        let rowBlocks = (p.l + p.blockRows - 1) / p.blockRows
        if p.z == 0 || p.l == 0 { return }
        let Q = SendablePointer(q), K = SendablePointer(k), V = SendablePointer(v)
        let M = m.map { SendablePointer($0) }, O = SendablePointer(out), LSE = SendablePointer(lse)
        let items = p.z * rowBlocks
        parallelRanges(items, threshold: p.parallel ? 2 : Int.max) { lo, hi in
            let br0 = p.blockRows, bc0 = p.blockCols
            let sp = UnsafeMutablePointer<T>.allocate(capacity: br0 * bc0)
            let acc = UnsafeMutablePointer<T>.allocate(capacity: br0 * Swift.max(p.ev, 1))
            let mx = UnsafeMutablePointer<T>.allocate(capacity: br0), sum = UnsafeMutablePointer<T>.allocate(capacity: br0)
            let shifted = UnsafeMutablePointer<T>.allocate(capacity: bc0)
            defer { sp.deallocate(); acc.deallocate(); mx.deallocate(); sum.deallocate(); shifted.deallocate() }
            for item in lo..<hi {
                let z = item / rowBlocks, i0 = (item % rowBlocks) * br0
                let br = Swift.min(br0, p.l - i0)
                acc.update(repeating: 0, count: br * p.ev)
                mx.update(repeating: -T.infinity, count: br)
                sum.update(repeating: 0, count: br)
                // Causal: the block's last row sees keys up to i0 + br - 1 only.
                let keys = p.causal ? Swift.min(p.s, i0 + br) : p.s
                var j0 = 0
                while j0 < keys {
                    let bc = Swift.min(bc0, keys - j0)
                    attentionScores(p, z: z, i0: i0, br: br, j0: j0, bc: bc, Q.p, K.p, M?.p, sp)
                    for r in 0..<br {
                        let row = sp + r * bc
                        let newMax = Kernels.rowMax(row, bc, from: mx[r])
                        // Online softmax: rescale what was summed so far to the new running max;
                        // a row with every key masked so far keeps max -inf and exponent base 0.
                        let base = newMax == -T.infinity ? 0 : newMax
                        let correction = T.exp(mx[r] - base)
                        T.expShifted(row, bc, minus: base, scratch: shifted)
                        sum[r] = sum[r] * correction + Kernels.rowSum(row, bc)
                        mx[r] = newMax
                        if correction != 1 {
                            let a = acc + r * p.ev
                            for c in 0..<p.ev { a[c] *= correction }
                        }
                    }
                    if p.ev > 0 {
                        gemmBLAS(false, false, br, p.ev, bc, 1, sp, bc, V.p + p.offV[z] + j0 * p.ldv, p.ldv, 1, acc, p.ev)
                    }
                    j0 += bc
                }
                for r in 0..<br {
                    let i = z * p.l + i0 + r
                    // A row whose keys are all masked gives 0 (PyTorch's safe softmax) and lse -inf.
                    let inv: T = sum[r] > 0 ? 1 / sum[r] : 0
                    let o = O.p + p.offO[z] + (i0 + r) * p.ldo, a = acc + r * p.ev
                    for c in 0..<p.ev { o[c] = a[c] * inv }
                    LSE.p[i] = sum[r] > 0 ? mx[r] + T.log(sum[r]) : -T.infinity
                }
            }
        }
    }

    /// The gradients of the attention for the upstream gradient dO [Z, L, Ev]: dq [Z, L, E], dk
    /// [Z, S, E], dv [Z, S, Ev] (one per problem: summing broadcast and grouped heads is the
    /// caller's), and the scores' gradient into dMask [Z, L, S] (contiguous) if given. out, dO, dq,
    /// dk and dv are read and written through the plan's offsets and row strides; dq, dk and dv
    /// each fill one dense buffer (any order of their axes), which is zeroed first.
    /// Per block: P = exp(scores - lse), dV += Pᵀ·dO, dP = dO·vᵀ, dS = P∘(dP - rowsum(dO∘O)),
    /// dq += scale·dS·k, dk += scale·dSᵀ·q.
    static func attentionBackward(_ plan: AttentionPlan, q: Tensor, k: Tensor, v: Tensor, mask: Tensor?, out: Tensor,
                                  lse: Tensor, dOut: Tensor, dq: Tensor, dk: Tensor, dv: Tensor, dMask: Tensor?) {
        switch out.dtype {
        case .float32:
            attentionBackward(plan, q.stridedPtr(Float.self), k.stridedPtr(Float.self), v.stridedPtr(Float.self),
                              mask?.stridedPtr(Float.self), out.stridedPtr(Float.self), lse.ptr(Float.self), dOut.stridedPtr(Float.self),
                              dq.stridedPtr(Float.self), dk.stridedPtr(Float.self), dv.stridedPtr(Float.self), dMask?.ptr(Float.self))
        case .float64:
            attentionBackward(plan, q.stridedPtr(Double.self), k.stridedPtr(Double.self), v.stridedPtr(Double.self),
                              mask?.stridedPtr(Double.self), out.stridedPtr(Double.self), lse.ptr(Double.self), dOut.stridedPtr(Double.self),
                              dq.stridedPtr(Double.self), dk.stridedPtr(Double.self), dv.stridedPtr(Double.self), dMask?.ptr(Double.self))
        default: checkFailure("scaledDotProductAttention: no kernel for \(out.dtype)")
        }
    }

    static func attentionBackward<T: FloatElement>(_ p: AttentionPlan, _ q: UnsafeMutablePointer<T>, _ k: UnsafeMutablePointer<T>,
                                                   _ v: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>?,
                                                   _ out: UnsafeMutablePointer<T>, _ lse: UnsafeMutablePointer<T>,
                                                   _ dOut: UnsafeMutablePointer<T>, _ dq: UnsafeMutablePointer<T>,
                                                   _ dk: UnsafeMutablePointer<T>, _ dv: UnsafeMutablePointer<T>,
                                                   _ dMask: UnsafeMutablePointer<T>?) {
        dq.update(repeating: 0, count: p.z * p.l * p.e)
        dk.update(repeating: 0, count: p.z * p.s * p.e)
        dv.update(repeating: 0, count: p.z * p.s * p.ev)
        dMask?.update(repeating: 0, count: p.z * p.l * p.s)
        if p.z == 0 || p.l == 0 || p.s == 0 { return }
        let Q = SendablePointer(q), K = SendablePointer(k), V = SendablePointer(v), M = m.map { SendablePointer($0) }
        let O = SendablePointer(out), LSE = SendablePointer(lse), DO = SendablePointer(dOut)
        let DQ = SendablePointer(dq), DK = SendablePointer(dk), DV = SendablePointer(dv), DM = dMask.map { SendablePointer($0) }
        let scale = T(p.scale)
        parallelRanges(p.z, threshold: p.parallel ? 2 : Int.max) { lo, hi in
            let br0 = p.blockRows, bc0 = p.blockCols
            let sp = UnsafeMutablePointer<T>.allocate(capacity: br0 * bc0)
            let dp = UnsafeMutablePointer<T>.allocate(capacity: br0 * bc0)
            let delta = UnsafeMutablePointer<T>.allocate(capacity: p.l)
            let shifted = UnsafeMutablePointer<T>.allocate(capacity: bc0)
            defer { sp.deallocate(); dp.deallocate(); delta.deallocate(); shifted.deallocate() }
            for z in lo..<hi {
                let o = O.p + p.offO[z], g = DO.p + p.offG[z], rowLse = LSE.p + z * p.l
                // D_i = Σ_c dO·O = Σ_j P·dP: the softmax's row correction.
                for i in 0..<p.l { delta[i] = Kernels.rowDot(g + i * p.ldg, o + i * p.ldo, p.ev) }
                let qz = Q.p + p.offQ[z], kz = K.p + p.offK[z], vz = V.p + p.offV[z]
                let dqz = DQ.p + p.offDQ[z], dkz = DK.p + p.offDK[z], dvz = DV.p + p.offDV[z]
                var j0 = 0
                while j0 < p.s {
                    let bc = Swift.min(bc0, p.s - j0)
                    // Causal: rows before j0 see none of these keys.
                    var i0 = p.causal ? j0 / br0 * br0 : 0
                    while i0 < p.l {
                        let br = Swift.min(br0, p.l - i0)
                        attentionScores(p, z: z, i0: i0, br: br, j0: j0, bc: bc, Q.p, K.p, M?.p, sp)
                        for r in 0..<br {
                            let row = sp + r * bc, base = rowLse[i0 + r]
                            // A fully masked row (lse -inf) has P = 0 everywhere.
                            if base == -T.infinity { row.update(repeating: 0, count: bc); continue }
                            T.expShifted(row, bc, minus: base, scratch: shifted)
                        }
                        let gi = g + i0 * p.ldg
                        if p.ev > 0 {
                            gemmBLAS(true, false, bc, p.ev, br, 1, sp, bc, gi, p.ldg, 1, dvz + j0 * p.lddv, p.lddv)
                            gemmBLAS(false, true, br, bc, p.ev, 1, gi, p.ldg, vz + j0 * p.ldv, p.ldv, 0, dp, bc)
                        } else {
                            dp.update(repeating: 0, count: br * bc)
                        }
                        for r in 0..<br {
                            let prow = sp + r * bc, drow = dp + r * bc, d = delta[i0 + r]
                            for c in 0..<bc { drow[c] = prow[c] * (drow[c] - d) }
                        }
                        if let DM {
                            for r in 0..<br {
                                let dst = DM.p + (z * p.l + i0 + r) * p.s + j0
                                dst.update(from: dp + r * bc, count: bc)
                            }
                        }
                        if p.e > 0 {
                            gemmBLAS(false, false, br, p.e, bc, scale, dp, bc, kz + j0 * p.ldk, p.ldk, 1, dqz + i0 * p.lddq, p.lddq)
                            gemmBLAS(true, false, bc, p.e, br, scale, dp, bc, qz + i0 * p.ldq, p.ldq, 1, dkz + j0 * p.lddk, p.lddk)
                        }
                        i0 += br
                    }
                    j0 += bc
                }
            }
        }
    }
}
