import Synchronization
import CKernels
#if canImport(Glibc)
import Glibc
#endif

// Winograd F(2×2, 3×3) convolution for 3×3, stride-1, dilation-1, ungrouped layers (most of a
// ResNet's arithmetic): each 2×2 block of output (a tile) comes from the 4×4 block of input under
// it as
//     Y = Aᵀ [(G w Gᵀ) ⊙ (Bᵀ d B)] A
// so over a batch the convolution is 16 independent products, one per point ξ of the 4×4
// transformed tile:  M[ξ] = U[ξ] · V[ξ]  with  U[ξ] = (G w Gᵀ)[ξ]  ([o, c], the weights) and
// V[ξ] = (Bᵀ d B)[ξ]  ([c, tiles], the input). 16·o·c multiply-adds per tile (4 outputs) instead of
// 9·o·c per output: 2.25× fewer. The gradients are the adjoints of the same bilinear form:
//     dM = A dY Aᵀ,   dU[ξ] = dM[ξ] · V[ξ]ᵀ,   dw = Gᵀ dU G,   dV[ξ] = U[ξ]ᵀ · dM[ξ],   dx += B dV Bᵀ
// (so the weight gradient is 16 products too, with K = tiles, and shares dM with the input
// gradient). The transforms use only ±1 and ½ (exact in binary), so the float32 error is a few
// units in the last place of the sums involved (measured in Docs/Performance.md).
//
//     Aᵀ = [1 1 1 0; 0 1 -1 -1]    G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]
//     Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//
// Layout per chunk of samples (P tiles: sample-major, then tile rows, then tile columns):
// U [16, o, c], V [16, c, P], M [16, o, P]. The transforms run in parallel over (sample, channel)
// planes; the 16 products are spread over the pool one per thread at a time (each a single-threaded
// BLAS call, so results do not depend on the thread count). Selected by `Kernels.useWinograd`.

extension Runtime {
    static let _winograd = environmentSwitch("SWIFTGRAD_WINOGRAD")

    /// Whether 3×3, stride-1, dilation-1, ungrouped convolutions with at least 32 input and output
    /// channels run as Winograd F(2×2, 3×3) (16 matrix products on 4×4 transformed tiles, 2.25× fewer
    /// multiplications than im2col; float32 results differ from im2col's by rounding only). On by
    /// default; the environment variable `SWIFTGRAD_WINOGRAD=0` turns it off at start.
    ///
    ///     Runtime.winogradConvolution = false   // every convolution through im2col + GEMM
    public static var winogradConvolution: Bool {
        get { _winograd.load(ordering: .relaxed) }
        set { _winograd.store(newValue, ordering: .relaxed) }
    }
}

/// Tiles of one sample's output: `th` × `tw` tiles of m×m, m = 2 (F(2×2, 3×3)) or 4 (F(4×4, 3×3),
/// WinogradF4.swift) (the last row or column may hang over the output's edge; those outputs are
/// computed and dropped). The padded input plane a sample's tiles read is `hp` × `wp`; each tile
/// has `points` = (m + 2)² transformed values.
struct WinogradTiles {
    let m: Int, th: Int, tw: Int
    var perSample: Int { th * tw }
    var points: Int { (m + 2) * (m + 2) }
    var hp: Int { m * th + 2 }
    var wp: Int { m * tw + 2 }
    init(_ g: ConvGeometry, m: Int = 2) { self.m = m; th = (g.oh + m - 1) / m; tw = (g.ow + m - 1) / m }
}

/// How a Winograd pass cuts its batch (`Kernels.winogradLayout`): tile size and samples per chunk.
struct WinogradLayout: Equatable {
    let m: Int, chunk: Int
}

extension Kernels {
    /// Which algorithm a 3×3 stride-1 convolution uses: chosen by shape (`automatic`), or forced to
    /// Winograd wherever the shape allows it, or to im2col. Set per task by tests; users switch
    /// Winograd off with `Runtime.winogradConvolution = false` or `SWIFTGRAD_WINOGRAD=0`.
    @TaskLocal static var winogradChoice: KernelChoice = .automatic

    /// Fewest input and output channels for which Winograd is chosen automatically: below, K = c (or
    /// o) of its products is too short for them to run near full speed, and the transforms cost more
    /// than the multiplications they save. 32 on every CPU since the forward pass keeps its
    /// transformed input (the twentieth session): on the AMD Zen 4 host (AVX-512), cnn_train_step's
    /// 32 → 64 layer through Winograd made the whole step faster in 5 of 6 alternating pairs with
    /// one thread (medians 37.0 → 33.5 ms) and 6 of 6 with two (22.6 → 19.2 ms). It was 64 on
    /// AVX-512 CPUs before, from a Sapphire Rapids measurement (that layer 1.1-1.3× im2col's time)
    /// made before F(4×4) tiles, the C transforms and the kept V; not re-measured on Intel since.
    static let winogradMinChannels = 32

    /// Whether the convolution `g` runs as Winograd F(2×2, 3×3) (see the top of this file).
    static func useWinograd(_ g: ConvGeometry) -> Bool {
        guard g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.groups == 1 && g.c > 0
        else { return false }
        switch winogradChoice {
        case .always: return true
        case .never: return false
        case .automatic:
            return Runtime.winogradConvolution && g.c >= winogradMinChannels && g.o >= winogradMinChannels
                && g.oh >= 4 && g.ow >= 4
        }
    }

    /// Samples per chunk, so that one chunk's V (or M) fits `convColumnBudget`.
    static func winogradChunk(_ g: ConvGeometry, _ t: WinogradTiles, dtype: DType) -> Int {
        let perSample = Swift.max(1, t.points * t.perSample * Swift.max(g.c, g.o) * dtype.byteSize)
        return Swift.max(1, Swift.min(g.n, convColumnBudget / perSample))
    }

    /// Elements from one point ξ of V (rows = c) or M (rows = o) to the next, for chunks of p tiles:
    /// rows·p rounded up to 64 bytes past a multiple of 4 KiB. Without the padding the 16 planes of a
    /// transform's output (or input) are a multiple of 4 KiB apart for most shapes (CIFAR ResNet:
    /// all), so each tile's 16 loads or stores fall in one cache set, more lines than L1 has ways;
    /// with it they fall in 16 sets. The input transform alone, per 4 × 4 ResNet plane of 512
    /// channels: 7.8 → 2.1 ms a chunk (Docs/Performance.md).
    static func winogradPlaneStride<T>(_: T.Type, rows: Int, p: Int) -> Int {
        let size = MemoryLayout<T>.stride, page = 4096 / size, line = 64 / size
        let dense = rows * p
        return dense + ((line - dense % page) % page + page) % page
    }

    /// Elements of a V or M buffer for chunks of up to p tiles: `points` planes of any chunk's stride.
    static func winogradBufferCount(_ dtype: DType, rows: Int, p: Int, points: Int) -> Int {
        points * (rows * p + 4096 / dtype.byteSize)
    }

    /// Largest transformed input (bytes, all chunks) a Winograd forward pass keeps for its weight
    /// gradient, so that backward need not transform the input again (2.25× the input's size for
    /// 4×4 tiles, 4× for 2×2). 64 MiB keeps every layer of a CIFAR ResNet-18 at batch 32 (the
    /// largest: 18 MiB) and of an ImageNet one up to batch 32 (58 MiB); larger layers transform
    /// again in backward, as every layer did before (Docs/Convolution.md). Tests set it per task.
    @TaskLocal static var winogradKeepBudget: Int = 64 << 20

    /// How a Winograd pass cuts its batch: tile size m and samples per chunk. A kept V is only
    /// used by a backward pass that would cut it the same way.
    static func winogradLayout(_ g: ConvGeometry, dtype: DType) -> WinogradLayout {
        let t = WinogradTiles(g, m: winogradTileSize(g))
        return WinogradLayout(m: t.m, chunk: winogradChunk(g, t, dtype: dtype))
    }

    /// y = conv(x, w) + bias for a 3×3 stride-1 convolution, by Winograd F(2×2, 3×3). With `keep`,
    /// returns every chunk's transformed input V too (one buffer, chunk k at k · the chunk's count)
    /// when it fits `winogradKeepBudget`, for `winogradBackward`'s weight gradient.
    static func winogradForward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvGeometry, keep: Bool = false)
        -> (Tensor, SavedColumns?) {
        let x = x.dense, w = w.dense, bias = bias?.dense
        let dtype = x.dtype
        let out = Tensor(uninitializedShape: [g.n, g.o, g.oh, g.ow], dtype: dtype)
        if g.n == 0 { return (out, nil) }
        let layout = winogradLayout(g, dtype: dtype)
        let t = WinogradTiles(g, m: layout.m), nb = layout.chunk
        let chunks = (g.n + nb - 1) / nb, perChunk = winogradBufferCount(dtype, rows: g.c, p: nb * t.perSample, points: t.points)
        let kept = keep && chunks * perChunk * dtype.byteSize <= winogradKeepBudget
        let u = Tensor(uninitializedShape: [t.points, g.o, g.c], dtype: dtype)
        let v = Tensor(uninitializedShape: [(kept ? chunks : 1) * perChunk], dtype: dtype)
        let m = Tensor(uninitializedShape: [winogradBufferCount(dtype, rows: g.o, p: nb * t.perSample, points: t.points)], dtype: dtype)
        func run<T: FloatElement>(_: T.Type) {
            winogradWeights(w.ptr(T.self), u.ptr(T.self), o: g.o, c: g.c, m: t.m)
            let U = SendablePointer(u.ptr(T.self)), M = SendablePointer(m.ptr(T.self))
            let bp = bias.map { UnsafePointer($0.ptr(T.self)) }
            var n0 = 0
            while n0 < g.n {
                let mc = Swift.min(nb, g.n - n0), p = mc * t.perSample
                let sv = winogradPlaneStride(T.self, rows: g.c, p: p), sm = winogradPlaneStride(T.self, rows: g.o, p: p)
                let V = SendablePointer(v.ptr(T.self) + (kept ? n0 / nb * perChunk : 0))
                winogradInput(x.ptr(T.self), V.p, g, t, n0: n0, nb: mc)
                WorkerPool.shared.run(t.points, threads: Runtime.threadCount) { xi in
                    gemm(false, false, g.o, p, g.c, 1, U.p + xi * g.o * g.c, g.c, V.p + xi * sv, p,
                         0, M.p + xi * sm, p, serial: true)
                }
                winogradOutput(M.p, out.ptr(T.self), bias: bp, g, t, n0: n0, nb: mc)
                n0 += mc
            }
        }
        switch dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: fatalError("conv2d: needs a float tensor, got \(dtype)")
        }
        return (out, kept ? SavedColumns(tensor: v, winograd: layout) : nil)
    }

    /// Input, weight and bias gradients of a 3×3 stride-1 convolution by Winograd F(2×2, 3×3): per
    /// chunk, dM = A dY Aᵀ once, then dU += dM·Vᵀ (weight) and dV = Uᵀ·dM (input), 16 products each.
    /// V is the forward pass's (`kept`, when it was cut the way this pass cuts the batch; its
    /// memory then receives dV) or the input transformed again here.
    static func winogradBackward(x: Tensor?, w: Tensor?, dy: Tensor, _ g: ConvGeometry,
                                 needInput: Bool, needWeight: Bool, needBias: Bool,
                                 kept: SavedColumns? = nil) -> (Tensor?, Tensor?, Tensor?) {
        let dy = dy.dense, x = x?.dense, w = w?.dense
        let dtype = dy.dtype
        let dx = needInput ? Tensor(uninitializedShape: [g.n, g.c, g.h, g.w], dtype: dtype) : nil
        let db = needBias ? Tensor.zeros([g.o], dtype: dtype) : nil
        if g.n == 0 { return (dx, needWeight ? Tensor.zeros([g.o, g.c, 3, 3], dtype: dtype) : nil, db) }
        let dw = needWeight ? Tensor(uninitializedShape: [g.o, g.c, 3, 3], dtype: dtype) : nil
        let layout = winogradLayout(g, dtype: dtype)
        let t = WinogradTiles(g, m: layout.m), nb = layout.chunk
        let u = needInput ? Tensor(uninitializedShape: [t.points, g.o, g.c], dtype: dtype) : nil
        let du = needWeight ? Tensor(uninitializedShape: [t.points, g.o, g.c], dtype: dtype) : nil
        let perChunk = winogradBufferCount(dtype, rows: g.c, p: nb * t.perSample, points: t.points)
        let kept = kept.flatMap { $0.winograd == layout && $0.tensor.dtype == dtype ? $0.tensor : nil }
        let v = kept ?? Tensor(uninitializedShape: [perChunk], dtype: dtype)
        let dm = Tensor(uninitializedShape: [winogradBufferCount(dtype, rows: g.o, p: nb * t.perSample, points: t.points)], dtype: dtype)
        func run<T: FloatElement>(_: T.Type) {
            if let u { winogradWeights(w!.ptr(T.self), u.ptr(T.self), o: g.o, c: g.c, m: t.m) }
            let DM = SendablePointer(dm.ptr(T.self))
            let U = u.map { SendablePointer($0.ptr(T.self)) }, DU = du.map { SendablePointer($0.ptr(T.self)) }
            let dyp = dy.ptr(T.self)
            var n0 = 0
            while n0 < g.n {
                let mc = Swift.min(nb, g.n - n0), p = mc * t.perSample
                let sv = winogradPlaneStride(T.self, rows: g.c, p: p), sm = winogradPlaneStride(T.self, rows: g.o, p: p)
                let V = SendablePointer(v.ptr(T.self) + (kept != nil ? n0 / nb * perChunk : 0))
                if let db {
                    for s in n0..<(n0 + mc) { addRowSums(dyp + s * g.o * g.l, rows: g.o, cols: g.l, into: db.ptr(T.self)) }
                }
                if needInput || needWeight { winogradOutputAdjoint(dyp, DM.p, g, t, n0: n0, nb: mc) }
                if let DU {
                    if kept == nil { winogradInput(x!.ptr(T.self), V.p, g, t, n0: n0, nb: mc) }
                    let beta: T = n0 == 0 ? 0 : 1   // chunks after the first accumulate
                    WorkerPool.shared.run(t.points, threads: Runtime.threadCount) { xi in
                        gemm(false, true, g.o, g.c, p, 1, DM.p + xi * sm, p, V.p + xi * sv, p,
                             beta, DU.p + xi * g.o * g.c, g.c, serial: true)
                    }
                }
                if let U, let dx {
                    // V (this chunk's, kept or not) is free again: it receives dV.
                    WorkerPool.shared.run(t.points, threads: Runtime.threadCount) { xi in
                        gemm(true, false, g.c, p, g.o, 1, U.p + xi * g.o * g.c, g.c, DM.p + xi * sm, p,
                             0, V.p + xi * sv, p, serial: true)
                    }
                    winogradInputAdjoint(V.p, dx.ptr(T.self), g, t, n0: n0, nb: mc)
                }
                n0 += mc
            }
            if let DU, let dw { winogradWeightsAdjoint(DU.p, dw.ptr(T.self), o: g.o, c: g.c, m: t.m) }
        }
        switch dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: fatalError("conv2d backward: needs a float tensor, got \(dtype)")
        }
        return (dx, dw, db)
    }

    // MARK: - Transforms

    /// U[ξ, o, c] = (G w[o, c] Gᵀ)[ξ] for weights w [o, c, 3, 3].
    ///
    /// The 16 planes of U are o·c elements apart (1 MiB for 512 × 512 float32 channels), so writing
    /// each (o, c) pair's 16 values straight to U touches 16 lines of the same cache set per pair:
    /// more than L1's ways, each line was evicted before it was full (7.4 % of resnet18_train_step's
    /// time against 0.7 % for the adjoint, which reads the same layout). Pairs are done in blocks of
    /// `winogradWeightBlock` into a local [16, block] tile whose rows are then copied to the planes,
    /// a whole run of lines at a time. Same arithmetic, same results.
    static func winogradWeights<T: FloatElement>(_ w: UnsafePointer<T>, _ u: UnsafeMutablePointer<T>, o: Int, c: Int, m: Int) {
        if winogradVectorTransforms(T.self) {
            #if arch(x86_64)
            winogradWeightKernel(sg_winograd_weights_f32, w, u, pairs: o * c, m: m)
            #endif
            return
        }
        if m == 4 { return winograd4Weights(w, u, o: o, c: c) }
        let oc = o * c
        let ws = SendablePointer(w), us = SendablePointer(u)
        let nb = winogradWeightBlock
        parallelRanges(oc, threshold: winogradWeightThreshold(2)) { lo, hi in
            withUnsafeTemporaryAllocation(of: T.self, capacity: 16 * nb) { tile in
                let t = tile.baseAddress!
                var b0 = lo
                while b0 < hi {
                    let count = Swift.min(nb, hi - b0)
                    for col in 0..<count {
                        let k = UnsafePointer(ws.p) + 9 * (b0 + col)
                        // G k: the 4×3 intermediate, row by row (each row of G applied to k's three rows).
                        var r = (T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0))
                        withUnsafeMutableBytes(of: &r) { raw in
                            let q = raw.baseAddress!.assumingMemoryBound(to: T.self)
                            for j in 0..<3 {
                                let (a, b, cc) = (k[j], k[3 + j], k[6 + j])
                                q[j] = a; q[3 + j] = (a + b + cc) * 0.5; q[6 + j] = (a - b + cc) * 0.5; q[9 + j] = cc
                            }
                            for row in 0..<4 {
                                let (a, b, cc) = (q[3 * row], q[3 * row + 1], q[3 * row + 2])
                                let d = t + (4 * row) * nb + col
                                d[0] = a; d[nb] = (a + b + cc) * 0.5; d[2 * nb] = (a - b + cc) * 0.5; d[3 * nb] = cc
                            }
                        }
                    }
                    for xi in 0..<16 { (us.p + xi * oc + b0).update(from: t + xi * nb, count: count) }
                    b0 += count
                }
            }
        }
    }

    /// Work threshold (pairs) for the weight transforms' parallel loops (C and Swift): a pair costs
    /// about 100 (2×2 tiles) or 250 (4×4) operations.
    static func winogradWeightThreshold(_ m: Int) -> Int { Swift.max(2, parallelThreshold / (m == 4 ? 64 : 32)) }

    /// Runs one of the C weight transforms (`sg_winograd_weights_f32` or its adjoint: src, dst,
    /// pairs, lo, hi, m) over the pairs, split over the pool. float32 only (the caller checked
    /// `winogradVectorTransforms`).
    static func winogradWeightKernel<T>(_ kernel: @convention(c) (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?,
                                                                   Int, Int, Int, Int32) -> Void,
                                        _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, pairs: Int, m: Int) {
        let s = SendablePointer(src), d = SendablePointer(dst)
        parallelRanges(pairs, threshold: winogradWeightThreshold(m)) { lo, hi in
            kernel(readFloats(UnsafePointer(s.p)), floats(d.p), pairs, lo, hi, Int32(m))
        }
    }

    /// (o, c) pairs per block of `winogradWeights`: 64 pairs make each of the 16 rows it copies out
    /// four (float32) or eight (float64) whole cache lines.
    static let winogradWeightBlock = 64

    /// dw[o, c] = Gᵀ dU[·, o, c] G (the adjoint of `winogradWeights`), written as [o, c, 3, 3].
    static func winogradWeightsAdjoint<T: FloatElement>(_ du: UnsafePointer<T>, _ dw: UnsafeMutablePointer<T>, o: Int, c: Int, m: Int) {
        if winogradVectorTransforms(T.self) {
            #if arch(x86_64)
            winogradWeightKernel(sg_winograd_weights_adjoint_f32, du, dw, pairs: o * c, m: m)
            #endif
            return
        }
        if m == 4 { return winograd4WeightsAdjoint(du, dw, o: o, c: c) }
        let oc = o * c
        let us = SendablePointer(du), ws = SendablePointer(dw)
        parallelRanges(oc, threshold: winogradWeightThreshold(2)) { lo, hi in
            for i in lo..<hi {
                // Gᵀ over the tile's rows: for each column j, 4 values → 3.
                var r = (T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0))
                withUnsafeMutableBytes(of: &r) { raw in
                    let q = raw.baseAddress!.assumingMemoryBound(to: T.self)
                    for j in 0..<4 {
                        let s = UnsafePointer(us.p) + j * oc + i
                        let (a, b, cc, d) = (s[0], s[4 * oc], s[8 * oc], s[12 * oc])
                        q[j] = a + (b + cc) * 0.5; q[4 + j] = (b - cc) * 0.5; q[8 + j] = (b + cc) * 0.5 + d
                    }
                    let out = ws.p + 9 * i
                    for row in 0..<3 {
                        let (a, b, cc, d) = (q[4 * row], q[4 * row + 1], q[4 * row + 2], q[4 * row + 3])
                        out[3 * row] = a + (b + cc) * 0.5; out[3 * row + 1] = (b - cc) * 0.5; out[3 * row + 2] = (b + cc) * 0.5 + d
                    }
                }
            }
        }
    }

    /// Whether the transforms of element type `T` run as SwiftGrad's AVX2 C kernels
    /// (Sources/CKernels/WinogradTransforms.c: float32 on a CPU with AVX2, `SWIFTGRAD_OWN_KERNELS`
    /// not 0, and the task-local switch on); otherwise the Swift loops below, which compute the same
    /// floats one element at a time.
    static func winogradVectorTransforms<T>(_: T.Type) -> Bool {
        #if arch(x86_64)
        return T.self == Float.self && ownKernels && winogradVectorKernels
        #else
        return false
        #endif
    }

    /// Tests switch the C transforms off per task to compare them with the Swift loops.
    @TaskLocal static var winogradVectorKernels = true

    /// Runs `body(sample, channel, scratch)` for the planes `lo..<hi` of a parallel range
    /// (`channels` planes per sample), with a scratch buffer of `count` elements shared by the range.
    static func winogradPlanes<T>(_: T.Type, _ lo: Int, _ hi: Int, per channels: Int, count: Int,
                                  _ body: (Int, Int, UnsafeMutablePointer<T>) -> Void) {
        let scratch = UnsafeMutablePointer<T>.allocate(capacity: count)
        defer { scratch.deallocate() }
        for unit in lo..<hi { body(unit / channels, unit % channels, scratch) }
    }

    /// Elements of scratch one plane's transform needs (the C kernels' count, which also covers the
    /// F(4×4) Swift loops' buffers).
    static func winogradScratchCount(_ t: WinogradTiles) -> Int {
        Int(t.m == 4 ? sg_winograd4_scratch_count_f32(t.th, t.tw) : sg_winograd_scratch_count_f32(t.th, t.tw))
    }

    /// Work threshold (planes) for the transforms' parallel loops: a plane's tiles cost ~50 operations each.
    static func winogradPlaneThreshold(_ t: WinogradTiles) -> Int {
        Swift.max(2, parallelThreshold / Swift.max(t.points * t.perSample, 1))
    }

    /// V[ξ, c, p] = (Bᵀ d B)[ξ] for every tile p of samples n0..<n0+nb of x ([n, c, h, w]); d is the 4×4
    /// input block under the tile, zero outside the image.
    static func winogradInput<T: FloatElement>(_ x: UnsafePointer<T>, _ v: UnsafeMutablePointer<T>, _ g: ConvGeometry,
                                               _ t: WinogradTiles, n0: Int, nb: Int) {
        if t.m == 4 { return winograd4Input(x, v, g, t, n0: n0, nb: nb) }
        let p = nb * t.perSample, step = winogradPlaneStride(T.self, rows: g.c, p: p)   // from one point ξ to the next
        let xs = SendablePointer(x), vs = SendablePointer(v)
        let vector = winogradVectorTransforms(T.self)   // read here: task-locals do not reach the pool's threads
        parallelRanges(nb * g.c, threshold: winogradPlaneThreshold(t)) { lo, hi in
            if vector {
                #if arch(x86_64)
                winogradPlanes(Float.self, lo, hi, per: g.c, count: winogradScratchCount(t)) { s, ch, scratch in
                    sg_winograd_input_plane_f32(floats(xs.p) + ((n0 + s) * g.c + ch) * g.h * g.w, g.h, g.w,
                                                g.padTop, g.padLeft, t.th, t.tw,
                                                floats(vs.p) + ch * p + s * t.perSample, step, scratch)
                }
                #endif
                return
            }
            let plane = UnsafeMutablePointer<T>.allocate(capacity: (t.hp + 4) * t.wp)
            defer { plane.deallocate() }
            let rows = plane + t.hp * t.wp
            for unit in lo..<hi {
                let s = unit / g.c, ch = unit % g.c
                // The input plane with its padding (zeros around, and past the last tile's edge).
                plane.update(repeating: 0, count: t.hp * t.wp)
                let src = UnsafePointer(xs.p) + ((n0 + s) * g.c + ch) * g.h * g.w
                for y in 0..<g.h {
                    (plane + (y + g.padTop) * t.wp + g.padLeft).update(from: src + y * g.w, count: g.w)
                }
                let out = vs.p + ch * p + s * t.perSample
                for ty in 0..<t.th {
                    // Bᵀ over the block's four rows, for every column at once.
                    let r0 = UnsafePointer(plane) + 2 * ty * t.wp, r1 = r0 + t.wp, r2 = r1 + t.wp, r3 = r2 + t.wp
                    let b0 = rows, b1 = rows + t.wp, b2 = b1 + t.wp, b3 = b2 + t.wp
                    for q in 0..<t.wp {
                        b0[q] = r0[q] - r2[q]; b1[q] = r1[q] + r2[q]; b2[q] = r2[q] - r1[q]; b3[q] = r1[q] - r3[q]
                    }
                    // B over each tile's four columns; point ξ = 4i + j.
                    for i in 0..<4 {
                        let b = UnsafePointer(rows) + i * t.wp
                        let d = out + 4 * i * step + ty * t.tw
                        for tx in 0..<t.tw {
                            let (d0, d1, d2, d3) = (b[2 * tx], b[2 * tx + 1], b[2 * tx + 2], b[2 * tx + 3])
                            d[tx] = d0 - d2; d[step + tx] = d1 + d2; d[2 * step + tx] = d2 - d1; d[3 * step + tx] = d1 - d3
                        }
                    }
                }
            }
        }
    }

    /// dx for samples n0..<n0+nb (overwritten) = Σ over tiles of B dV Bᵀ placed under each tile (the
    /// adjoint of `winogradInput`; neighbouring tiles overlap by two rows and columns).
    static func winogradInputAdjoint<T: FloatElement>(_ dv: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ g: ConvGeometry,
                                                      _ t: WinogradTiles, n0: Int, nb: Int) {
        if t.m == 4 { return winograd4InputAdjoint(dv, dx, g, t, n0: n0, nb: nb) }
        let p = nb * t.perSample, step = winogradPlaneStride(T.self, rows: g.c, p: p)
        let vs = SendablePointer(dv), xs = SendablePointer(dx)
        let vector = winogradVectorTransforms(T.self)   // read here: task-locals do not reach the pool's threads
        parallelRanges(nb * g.c, threshold: winogradPlaneThreshold(t)) { lo, hi in
            if vector {
                #if arch(x86_64)
                winogradPlanes(Float.self, lo, hi, per: g.c, count: winogradScratchCount(t)) { s, ch, scratch in
                    sg_winograd_input_adjoint_plane_f32(floats(vs.p) + ch * p + s * t.perSample, step,
                                                        floats(xs.p) + ((n0 + s) * g.c + ch) * g.h * g.w,
                                                        g.h, g.w, g.padTop, g.padLeft, t.th, t.tw, scratch)
                }
                #endif
                return
            }
            let plane = UnsafeMutablePointer<T>.allocate(capacity: (t.hp + 4) * t.wp)
            defer { plane.deallocate() }
            let rows = plane + t.hp * t.wp
            for unit in lo..<hi {
                let s = unit / g.c, ch = unit % g.c
                plane.update(repeating: 0, count: t.hp * t.wp)
                let src = UnsafePointer(vs.p) + ch * p + s * t.perSample
                for ty in 0..<t.th {
                    rows.update(repeating: 0, count: 4 * t.wp)
                    // B over each tile's four points of row i, added into four columns.
                    for i in 0..<4 {
                        let r = rows + i * t.wp
                        let e = src + 4 * i * step + ty * t.tw
                        for tx in 0..<t.tw {
                            let (v0, v1, v2, v3) = (e[tx], e[step + tx], e[2 * step + tx], e[3 * step + tx])
                            r[2 * tx] += v0; r[2 * tx + 1] += v1 - v2 + v3
                            r[2 * tx + 2] += v1 + v2 - v0; r[2 * tx + 3] -= v3
                        }
                    }
                    // B over the four rows, added into the block's input rows.
                    let q0 = UnsafePointer(rows), q1 = q0 + t.wp, q2 = q1 + t.wp, q3 = q2 + t.wp
                    let y0 = plane + 2 * ty * t.wp, y1 = y0 + t.wp, y2 = y1 + t.wp, y3 = y2 + t.wp
                    for q in 0..<t.wp {
                        y0[q] += q0[q]; y1[q] += q1[q] - q2[q] + q3[q]; y2[q] += q1[q] + q2[q] - q0[q]; y3[q] -= q3[q]
                    }
                }
                let dst = xs.p + ((n0 + s) * g.c + ch) * g.h * g.w
                for y in 0..<g.h {
                    (dst + y * g.w).update(from: plane + (y + g.padTop) * t.wp + g.padLeft, count: g.w)
                }
            }
        }
    }

    /// y for samples n0..<n0+nb = Aᵀ M A per tile (+ bias), the outputs inside the image only.
    static func winogradOutput<T: FloatElement>(_ m: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?,
                                                _ g: ConvGeometry, _ t: WinogradTiles, n0: Int, nb: Int) {
        if t.m == 4 { return winograd4Output(m, y, bias: bias, g, t, n0: n0, nb: nb) }
        let p = nb * t.perSample, step = winogradPlaneStride(T.self, rows: g.o, p: p)
        let ms = SendablePointer(m), ys = SendablePointer(y)
        let bs = bias.map { SendablePointer($0) }
        let vector = winogradVectorTransforms(T.self)   // read here: task-locals do not reach the pool's threads
        parallelRanges(nb * g.o, threshold: winogradPlaneThreshold(t)) { lo, hi in
            if vector {
                #if arch(x86_64)
                winogradPlanes(Float.self, lo, hi, per: g.o, count: winogradScratchCount(t)) { s, oc, scratch in
                    let b: Float = bs.map { floats($0.p)[oc] } ?? 0
                    sg_winograd_output_plane_f32(floats(ms.p) + oc * p + s * t.perSample, step,
                                                 floats(ys.p) + ((n0 + s) * g.o + oc) * g.l,
                                                 g.oh, g.ow, t.th, t.tw, b, scratch)
                }
                #endif
                return
            }
            let rows = UnsafeMutablePointer<T>.allocate(capacity: 4 * 2 * t.tw)
            defer { rows.deallocate() }
            let w2 = 2 * t.tw
            for unit in lo..<hi {
                let s = unit / g.o, oc = unit % g.o
                let b: T = bs.map { $0.p[oc] } ?? 0
                let src = UnsafePointer(ms.p) + oc * p + s * t.perSample
                let dst = ys.p + ((n0 + s) * g.o + oc) * g.l
                for ty in 0..<t.th {
                    // Aᵀ over each tile's four columns of row i: two output columns.
                    for i in 0..<4 {
                        let r = rows + i * w2
                        let e = src + 4 * i * step + ty * t.tw
                        for tx in 0..<t.tw {
                            let (m0, m1, m2, m3) = (e[tx], e[step + tx], e[2 * step + tx], e[3 * step + tx])
                            r[2 * tx] = m0 + m1 + m2; r[2 * tx + 1] = m1 - m2 - m3
                        }
                    }
                    // Aᵀ over the four rows: two output rows.
                    let q0 = UnsafePointer(rows), q1 = q0 + w2, q2 = q1 + w2, q3 = q2 + w2
                    let d0 = dst + 2 * ty * g.ow
                    for q in 0..<g.ow { d0[q] = q0[q] + q1[q] + q2[q] + b }
                    if 2 * ty + 1 < g.oh {
                        let d1 = d0 + g.ow
                        for q in 0..<g.ow { d1[q] = q1[q] - q2[q] - q3[q] + b }
                    }
                }
            }
        }
    }

    /// dM[ξ, o, p] = (A dY Aᵀ)[ξ] for every tile p of samples n0..<n0+nb of dy ([n, o, oh, ow]; the
    /// tile's outputs past the edge are zero). The adjoint of `winogradOutput`.
    static func winogradOutputAdjoint<T: FloatElement>(_ dy: UnsafePointer<T>, _ dm: UnsafeMutablePointer<T>, _ g: ConvGeometry,
                                                       _ t: WinogradTiles, n0: Int, nb: Int) {
        if t.m == 4 { return winograd4OutputAdjoint(dy, dm, g, t, n0: n0, nb: nb) }
        let p = nb * t.perSample, step = winogradPlaneStride(T.self, rows: g.o, p: p)
        let ys = SendablePointer(dy), ms = SendablePointer(dm)
        let vector = winogradVectorTransforms(T.self)   // read here: task-locals do not reach the pool's threads
        parallelRanges(nb * g.o, threshold: winogradPlaneThreshold(t)) { lo, hi in
            if vector {
                #if arch(x86_64)
                winogradPlanes(Float.self, lo, hi, per: g.o, count: winogradScratchCount(t)) { s, oc, scratch in
                    sg_winograd_output_adjoint_plane_f32(floats(ys.p) + ((n0 + s) * g.o + oc) * g.l,
                                                         g.oh, g.ow, t.th, t.tw,
                                                         floats(ms.p) + oc * p + s * t.perSample, step, scratch)
                }
                #endif
                return
            }
            let w2 = 2 * t.tw
            let rows = UnsafeMutablePointer<T>.allocate(capacity: 6 * w2)
            defer { rows.deallocate() }
            let e0 = rows + 4 * w2, e1 = e0 + w2
            for unit in lo..<hi {
                let s = unit / g.o, oc = unit % g.o
                let src = UnsafePointer(ys.p) + ((n0 + s) * g.o + oc) * g.l
                let dst = ms.p + oc * p + s * t.perSample
                for ty in 0..<t.th {
                    // The tile row's two output rows, zero past the edge.
                    e0.update(from: src + 2 * ty * g.ow, count: g.ow)
                    if g.ow < w2 { e0[g.ow] = 0 }
                    if 2 * ty + 1 < g.oh {
                        e1.update(from: src + (2 * ty + 1) * g.ow, count: g.ow)
                        if g.ow < w2 { e1[g.ow] = 0 }
                    } else {
                        e1.update(repeating: 0, count: w2)
                    }
                    // A over the two rows: four rows.
                    let a0 = rows, a1 = a0 + w2, a2 = a1 + w2, a3 = a2 + w2
                    for q in 0..<w2 {
                        a0[q] = e0[q]; a1[q] = e0[q] + e1[q]; a2[q] = e0[q] - e1[q]; a3[q] = -e1[q]
                    }
                    // A over each tile's two columns: four points per row i.
                    for i in 0..<4 {
                        let a = UnsafePointer(rows) + i * w2
                        let d = dst + 4 * i * step + ty * t.tw
                        for tx in 0..<t.tw {
                            let (x0, x1) = (a[2 * tx], a[2 * tx + 1])
                            d[tx] = x0; d[step + tx] = x0 + x1; d[2 * step + tx] = x0 - x1; d[3 * step + tx] = -x1
                        }
                    }
                }
            }
        }
    }
}
