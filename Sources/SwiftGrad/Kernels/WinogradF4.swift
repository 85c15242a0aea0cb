import CKernels

// Winograd F(4×4, 3×3): the transforms of the larger tile. Each 4×4 block of output comes from the
// 6×6 block of input under it, through 36 products per batch (one per point of the 6×6 transformed
// tile) instead of F(2×2, 3×3)'s 16 per 2×2 block: 2.25 multiplications per output instead of 4
// (9 direct), and 2.25 transformed values per input element instead of 4, so both the products and
// the memory the transforms write shrink by 1.78×. The interpolation points are 0, ±1, ±2 (and ∞):
//
//     Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//     G  = [¼ 0 0; -⅙ -⅙ -⅙; -⅙ ⅙ -⅙; 1⁄24 1⁄12 ⅙; 1⁄24 -1⁄12 ⅙; 0 0 1]
//     Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
//
// The data transforms multiply only by powers of two (5·x is 4·x + x), but the sums are longer and
// the values larger than F(2×2)'s, so float32 results carry about ten times its rounding error
// (64 → 64 channels: 3.0-4.1e-6 of the largest value against 2.6-4.1e-7 for F(2×2) and im2col;
// WinogradTests.float32ErrorAtLayerSize, Docs/Convolution.md). Selected by
// `Kernels.winogradTileSize` for layers whose output is at least 8×8; `Runtime.winogradLargeTiles`
// switches it off. The loops below mirror Sources/CKernels/WinogradF4Transforms.c (the float32
// path on x86-64) step for step, so both give the same floats; they serve float64 and other CPUs.

extension Runtime {
    static let _winogradLargeTiles = environmentSwitch("SWIFTGRAD_WINOGRAD_F4")

    /// Whether Winograd convolutions whose output is at least 8×8 use 4×4 output tiles
    /// (F(4×4, 3×3): 1.78× fewer multiplications and transformed values than 2×2 tiles, about ten
    /// times the float32 rounding error: 3-4e-6 of the largest value at 64 channels against
    /// 3-4e-7). On by default; `SWIFTGRAD_WINOGRAD_F4=0` turns it off at start.
    ///
    ///     Runtime.winogradLargeTiles = false   // F(2×2, 3×3) only: float32 error as im2col's
    public static var winogradLargeTiles: Bool {
        get { _winogradLargeTiles.load(ordering: .relaxed) }
        set { _winogradLargeTiles.store(newValue, ordering: .relaxed) }
    }
}

extension Kernels {
    /// Tests force the tile size (2 or 4) per task; nil chooses by shape.
    @TaskLocal static var winogradTileChoice: Int? = nil

    /// Output tile size of a Winograd convolution: 4 (F(4×4, 3×3)) when the output is at least 8×8
    /// and `Runtime.winogradLargeTiles`, else 2.
    static func winogradTileSize(_ g: ConvGeometry) -> Int {
        if let m = winogradTileChoice { return m }
        return Runtime.winogradLargeTiles && g.oh >= 8 && g.ow >= 8 ? 4 : 2
    }

    // MARK: One-dimensional transforms (the C file's BT, AT, AA, BB, the same expressions)

    @inline(__always) static func f4bt<T: FloatElement>(_ d0: T, _ d1: T, _ d2: T, _ d3: T, _ d4: T, _ d5: T)
        -> (T, T, T, T, T, T) {
        ((4 * d0 - 4 * d2) + (d4 - d2), (d3 + d4) - 4 * (d1 + d2), (d4 - d3) + 4 * (d1 - d2),
         (d4 - d2) + 2 * (d3 - d1), (d4 - d2) - 2 * (d3 - d1), (4 * d1 - 4 * d3) + (d5 - d3))
    }

    @inline(__always) static func f4at<T: FloatElement>(_ m0: T, _ m1: T, _ m2: T, _ m3: T, _ m4: T, _ m5: T)
        -> (T, T, T, T) {
        (((m1 + m2) + (m3 + m4)) + m0, (m1 - m2) + 2 * (m3 - m4), (m1 + m2) + 4 * (m3 + m4),
         ((m1 - m2) + 8 * (m3 - m4)) + m5)
    }

    @inline(__always) static func f4a<T: FloatElement>(_ e0: T, _ e1: T, _ e2: T, _ e3: T) -> (T, T, T, T, T, T) {
        (e0, (e0 + e2) + (e1 + e3), (e0 + e2) - (e1 + e3),
         (e0 + 4 * e2) + 2 * (e1 + 4 * e3), (e0 + 4 * e2) - 2 * (e1 + 4 * e3), e3)
    }

    @inline(__always) static func f4b<T: FloatElement>(_ v0: T, _ v1: T, _ v2: T, _ v3: T, _ v4: T, _ v5: T)
        -> (T, T, T, T, T, T) {
        (4 * v0, 4 * (v2 - v1) + (2 * (v4 - v3) + 4 * v5), -((4 * (v0 + (v1 + v2)) + v0) + (v3 + v4)),
         ((v1 - v2) + 2 * (v3 - v4)) - (4 * v5 + v5), ((v1 + v2) + (v3 + v4)) + v0, v5)
    }

    // MARK: Weights

    /// U[ξ, o, c] = (G w[o, c] Gᵀ)[ξ] for weights w [o, c, 3, 3], ξ in 0..<36 (blocked through a
    /// local tile as `winogradWeights` does, for the same cache reason).
    static func winograd4Weights<T: FloatElement>(_ w: UnsafePointer<T>, _ u: UnsafeMutablePointer<T>, o: Int, c: Int) {
        let oc = o * c
        let ws = SendablePointer(w), us = SendablePointer(u)
        let nb = winogradWeightBlock
        // G applied to three values: six.
        @inline(__always) func gk(_ a: T, _ b: T, _ cc: T) -> (T, T, T, T, T, T) {
            (a / 4, -(a + b + cc) / 6, -(a - b + cc) / 6, (a + 2 * b + 4 * cc) / 24, (a - 2 * b + 4 * cc) / 24, cc)
        }
        parallelRanges(oc, threshold: winogradWeightThreshold(4)) { lo, hi in
            withUnsafeTemporaryAllocation(of: T.self, capacity: 36 * nb + 18) { tile in
                let t = tile.baseAddress!, q = t + 36 * nb
                var b0 = lo
                while b0 < hi {
                    let count = Swift.min(nb, hi - b0)
                    for col in 0..<count {
                        let k = UnsafePointer(ws.p) + 9 * (b0 + col)
                        // G k: the 6×3 intermediate, column by column.
                        for j in 0..<3 {
                            let r = gk(k[j], k[3 + j], k[6 + j])
                            q[j] = r.0; q[3 + j] = r.1; q[6 + j] = r.2; q[9 + j] = r.3; q[12 + j] = r.4; q[15 + j] = r.5
                        }
                        for row in 0..<6 {
                            let r = gk(q[3 * row], q[3 * row + 1], q[3 * row + 2])
                            let d = t + (6 * row) * nb + col
                            d[0] = r.0; d[nb] = r.1; d[2 * nb] = r.2; d[3 * nb] = r.3; d[4 * nb] = r.4; d[5 * nb] = r.5
                        }
                    }
                    for xi in 0..<36 { (us.p + xi * oc + b0).update(from: t + xi * nb, count: count) }
                    b0 += count
                }
            }
        }
    }

    /// dw[o, c] = Gᵀ dU[·, o, c] G (the adjoint of `winograd4Weights`), written as [o, c, 3, 3].
    static func winograd4WeightsAdjoint<T: FloatElement>(_ du: UnsafePointer<T>, _ dw: UnsafeMutablePointer<T>, o: Int, c: Int) {
        let oc = o * c
        let us = SendablePointer(du), ws = SendablePointer(dw)
        // Gᵀ applied to six values: three.
        @inline(__always) func gt(_ u0: T, _ u1: T, _ u2: T, _ u3: T, _ u4: T, _ u5: T) -> (T, T, T) {
            (u0 / 4 - (u1 + u2) / 6 + (u3 + u4) / 24, (u2 - u1) / 6 + (u3 - u4) / 12, ((u3 + u4) - (u1 + u2)) / 6 + u5)
        }
        parallelRanges(oc, threshold: winogradWeightThreshold(4)) { lo, hi in
            withUnsafeTemporaryAllocation(of: T.self, capacity: 18) { buf in
                let q = buf.baseAddress!
                for i in lo..<hi {
                    // Gᵀ over the tile's rows: for each column j, six values → three.
                    for j in 0..<6 {
                        let s = UnsafePointer(us.p) + j * oc + i
                        let r = gt(s[0], s[6 * oc], s[12 * oc], s[18 * oc], s[24 * oc], s[30 * oc])
                        q[j] = r.0; q[6 + j] = r.1; q[12 + j] = r.2
                    }
                    let out = ws.p + 9 * i
                    for row in 0..<3 {
                        let e = q + 6 * row
                        let r = gt(e[0], e[1], e[2], e[3], e[4], e[5])
                        out[3 * row] = r.0; out[3 * row + 1] = r.1; out[3 * row + 2] = r.2
                    }
                }
            }
        }
    }

    // MARK: Data

    /// V[ξ, c, p] = (Bᵀ d B)[ξ] for every tile p of samples n0..<n0+nb of x ([n, c, h, w]); d is the
    /// 6×6 input block under the tile, zero outside the image.
    static func winograd4Input<T: FloatElement>(_ x: UnsafePointer<T>, _ v: UnsafeMutablePointer<T>, _ g: ConvGeometry,
                                                _ t: WinogradTiles, n0: Int, nb: Int) {
        let p = nb * t.perSample, step = winogradPlaneStride(T.self, rows: g.c, p: p)
        let xs = SendablePointer(x), vs = SendablePointer(v)
        let vector = winogradVectorTransforms(T.self)   // read here: task-locals do not reach the pool's threads
        let count = winogradScratchCount(t)
        parallelRanges(nb * g.c, threshold: winogradPlaneThreshold(t)) { lo, hi in
            winogradPlanes(T.self, lo, hi, per: g.c, count: count) { s, ch, scratch in
                let src = UnsafePointer(xs.p) + ((n0 + s) * g.c + ch) * g.h * g.w
                let out = vs.p + ch * p + s * t.perSample
                if vector {
                    #if arch(x86_64)
                    sg_winograd4_input_plane_f32(readFloats(src), g.h, g.w, g.padTop, g.padLeft, t.th, t.tw,
                                                 floats(out), step, floats(scratch))
                    #endif
                    return
                }
                let n1 = t.tw + 1, grid = t.hp * n1, pitch = 4 * n1
                let plane = scratch, r = plane + 4 * (grid + 1) + 8
                plane.update(repeating: 0, count: 4 * (grid + 1) + 8)
                for y in 0..<g.h { (plane + (y + g.padTop) * pitch + g.padLeft).update(from: src + y * g.w, count: g.w) }
                // R[j][q] = (d B)[j] of the six columns starting at 4q.
                for q in 0..<grid {
                    let d = plane + 4 * q
                    let o = f4bt(d[0], d[1], d[2], d[3], d[4], d[5])
                    r[q] = o.0; r[grid + q] = o.1; r[2 * grid + q] = o.2; r[3 * grid + q] = o.3; r[4 * grid + q] = o.4; r[5 * grid + q] = o.5
                }
                // Bᵀ over each tile's six rows.
                for ty in 0..<t.th {
                    for j in 0..<6 {
                        let rj = UnsafePointer(r) + j * grid + 4 * ty * n1
                        let o = out + j * step + ty * t.tw
                        for tx in 0..<t.tw {
                            let e = f4bt(rj[tx], rj[n1 + tx], rj[2 * n1 + tx], rj[3 * n1 + tx], rj[4 * n1 + tx], rj[5 * n1 + tx])
                            o[tx] = e.0; o[6 * step + tx] = e.1; o[12 * step + tx] = e.2
                            o[18 * step + tx] = e.3; o[24 * step + tx] = e.4; o[30 * step + tx] = e.5
                        }
                    }
                }
            }
        }
    }

    /// dx for samples n0..<n0+nb (overwritten) = Σ over tiles of B dV Bᵀ placed under each tile (the
    /// adjoint of `winograd4Input`; neighbouring tiles overlap by two rows and columns).
    static func winograd4InputAdjoint<T: FloatElement>(_ dv: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ g: ConvGeometry,
                                                       _ t: WinogradTiles, n0: Int, nb: Int) {
        let p = nb * t.perSample, step = winogradPlaneStride(T.self, rows: g.c, p: p)
        let vs = SendablePointer(dv), xs = SendablePointer(dx)
        let vector = winogradVectorTransforms(T.self)
        let count = winogradScratchCount(t)
        parallelRanges(nb * g.c, threshold: winogradPlaneThreshold(t)) { lo, hi in
            winogradPlanes(T.self, lo, hi, per: g.c, count: count) { s, ch, scratch in
                let src = UnsafePointer(vs.p) + ch * p + s * t.perSample
                let dst = xs.p + ((n0 + s) * g.c + ch) * g.h * g.w
                if vector {
                    #if arch(x86_64)
                    sg_winograd4_input_adjoint_plane_f32(readFloats(src), step, floats(dst), g.h, g.w, g.padTop, g.padLeft,
                                                         t.th, t.tw, floats(scratch))
                    #endif
                    return
                }
                let n1 = t.tw + 1, grid = t.hp * n1, pitch = 4 * n1
                let plane = scratch, acc0 = plane + 4 * (grid + 1) + 8, w = acc0 + 6 * (grid + 1)
                acc0.update(repeating: 0, count: 6 * (grid + 1))
                // acc(k) + q: column k of the tile starting at grid index q; one zero before each.
                func acc(_ k: Int) -> UnsafeMutablePointer<T> { acc0 + k * (grid + 1) + 1 }
                for ty in 0..<t.th {
                    // B over each row i's six points: w[(6i + k)·tw + tx].
                    for i in 0..<6 {
                        let e = src + 6 * i * step + ty * t.tw
                        for tx in 0..<t.tw {
                            let x = f4b(e[tx], e[step + tx], e[2 * step + tx], e[3 * step + tx], e[4 * step + tx], e[5 * step + tx])
                            let o = w + 6 * i * t.tw + tx
                            o[0] = x.0; o[t.tw] = x.1; o[2 * t.tw] = x.2; o[3 * t.tw] = x.3; o[4 * t.tw] = x.4; o[5 * t.tw] = x.5
                        }
                    }
                    // B over the six rows for each column k, added into grid rows 4ty..4ty+5.
                    for k in 0..<6 {
                        let a = acc(k) + 4 * ty * n1
                        for tx in 0..<t.tw {
                            let e = UnsafePointer(w) + k * t.tw + tx, s6 = 6 * t.tw
                            let x = f4b(e[0], e[s6], e[2 * s6], e[3 * s6], e[4 * s6], e[5 * s6])
                            a[tx] = x.0 + a[tx]; a[n1 + tx] = x.1 + a[n1 + tx]; a[2 * n1 + tx] = x.2 + a[2 * n1 + tx]
                            a[3 * n1 + tx] = x.3 + a[3 * n1 + tx]; a[4 * n1 + tx] = x.4 + a[4 * n1 + tx]
                            a[5 * n1 + tx] = x.5 + a[5 * n1 + tx]
                        }
                    }
                }
                // Padded plane column 4q + c: acc(c)[q], plus the previous tile's column c + 4 for c < 2.
                let a0 = acc(0), a1 = acc(1), a2 = acc(2), a3 = acc(3), a4 = acc(4), a5 = acc(5)
                for q in 0..<grid {
                    plane[4 * q] = a0[q] + a4[q - 1]; plane[4 * q + 1] = a1[q] + a5[q - 1]
                    plane[4 * q + 2] = a2[q]; plane[4 * q + 3] = a3[q]
                }
                for y in 0..<g.h { (dst + y * g.w).update(from: plane + (y + g.padTop) * pitch + g.padLeft, count: g.w) }
            }
        }
    }

    /// y for samples n0..<n0+nb = Aᵀ M A per tile (+ bias), the outputs inside the image only.
    static func winograd4Output<T: FloatElement>(_ m: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?,
                                                 _ g: ConvGeometry, _ t: WinogradTiles, n0: Int, nb: Int) {
        let p = nb * t.perSample, step = winogradPlaneStride(T.self, rows: g.o, p: p)
        let ms = SendablePointer(m), ys = SendablePointer(y)
        let bs = bias.map { SendablePointer($0) }
        let vector = winogradVectorTransforms(T.self)
        let count = winogradScratchCount(t)
        parallelRanges(nb * g.o, threshold: winogradPlaneThreshold(t)) { lo, hi in
            winogradPlanes(T.self, lo, hi, per: g.o, count: count) { s, oc, scratch in
                let src = UnsafePointer(ms.p) + oc * p + s * t.perSample
                let dst = ys.p + ((n0 + s) * g.o + oc) * g.l
                if vector {
                    #if arch(x86_64)
                    let b: Float = bs.map { floats($0.p)[oc] } ?? 0
                    sg_winograd4_output_plane_f32(readFloats(src), step, floats(dst), g.oh, g.ow, t.th, t.tw, b, floats(scratch))
                    #endif
                    return
                }
                let b: T = bs.map { $0.p[oc] } ?? 0
                let tw = t.tw
                let tt = scratch   // tt[(4i + c)·tw + tx]
                for ty in 0..<t.th {
                    // Aᵀ over each row i's six points (plus zero, as the C path adds its zero bias).
                    for i in 0..<6 {
                        let e = src + 6 * i * step + ty * tw
                        for tx in 0..<tw {
                            let r = f4at(e[tx], e[step + tx], e[2 * step + tx], e[3 * step + tx], e[4 * step + tx], e[5 * step + tx])
                            let o = tt + 4 * i * tw + tx
                            o[0] = r.0 + 0; o[tw] = r.1 + 0; o[2 * tw] = r.2 + 0; o[3 * tw] = r.3 + 0
                        }
                    }
                    // Aᵀ over the six rows for each column c: outputs (4ty + row, 4tx + c) inside the image.
                    for c in 0..<4 {
                        for tx in 0..<tw where 4 * tx + c < g.ow {
                            let e = UnsafePointer(tt) + c * tw + tx, s4 = 4 * tw
                            let r = f4at(e[0], e[s4], e[2 * s4], e[3 * s4], e[4 * s4], e[5 * s4])
                            let d = dst + 4 * ty * g.ow + 4 * tx + c, rows = g.oh - 4 * ty
                            d[0] = r.0 + b
                            if rows > 1 { d[g.ow] = r.1 + b }
                            if rows > 2 { d[2 * g.ow] = r.2 + b }
                            if rows > 3 { d[3 * g.ow] = r.3 + b }
                        }
                    }
                }
            }
        }
    }

    /// dM[ξ, o, p] = (A dY Aᵀ)[ξ] for every tile p of samples n0..<n0+nb of dy ([n, o, oh, ow]; the
    /// tile's outputs past the edge are zero). The adjoint of `winograd4Output`.
    static func winograd4OutputAdjoint<T: FloatElement>(_ dy: UnsafePointer<T>, _ dm: UnsafeMutablePointer<T>, _ g: ConvGeometry,
                                                        _ t: WinogradTiles, n0: Int, nb: Int) {
        let p = nb * t.perSample, step = winogradPlaneStride(T.self, rows: g.o, p: p)
        let ys = SendablePointer(dy), ms = SendablePointer(dm)
        let vector = winogradVectorTransforms(T.self)
        let count = winogradScratchCount(t)
        parallelRanges(nb * g.o, threshold: winogradPlaneThreshold(t)) { lo, hi in
            winogradPlanes(T.self, lo, hi, per: g.o, count: count) { s, oc, scratch in
                let src = UnsafePointer(ys.p) + ((n0 + s) * g.o + oc) * g.l
                let dst = ms.p + oc * p + s * t.perSample
                if vector {
                    #if arch(x86_64)
                    sg_winograd4_output_adjoint_plane_f32(readFloats(src), g.oh, g.ow, t.th, t.tw, floats(dst), step, floats(scratch))
                    #endif
                    return
                }
                let tw = t.tw
                let f = scratch   // f[(6c + i)·tw + tx]
                // dY at output (row, col), zero past the edge.
                func e(_ row: Int, _ col: Int) -> T { row < g.oh && col < g.ow ? src[row * g.ow + col] : 0 }
                for ty in 0..<t.th {
                    for c in 0..<4 {
                        for tx in 0..<tw {
                            let col = 4 * tx + c
                            let a = f4a(e(4 * ty, col), e(4 * ty + 1, col), e(4 * ty + 2, col), e(4 * ty + 3, col))
                            let o = f + 6 * c * tw + tx
                            o[0] = a.0; o[tw] = a.1; o[2 * tw] = a.2; o[3 * tw] = a.3; o[4 * tw] = a.4; o[5 * tw] = a.5
                        }
                    }
                    for i in 0..<6 {
                        let d = dst + 6 * i * step + ty * tw
                        for tx in 0..<tw {
                            let q = UnsafePointer(f) + i * tw + tx, s6 = 6 * tw
                            let a = f4a(q[0], q[s6], q[2 * s6], q[3 * s6])
                            d[tx] = a.0; d[step + tx] = a.1; d[2 * step + tx] = a.2
                            d[3 * step + tx] = a.3; d[4 * step + tx] = a.4; d[5 * step + tx] = a.5
                        }
                    }
                }
            }
        }
    }
}
