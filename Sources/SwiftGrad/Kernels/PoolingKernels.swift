// Pooling and resampling kernels over separable windows.
//
// Every pooling or upsampling op here reads, for output pixel (oy, ox) of each [h, w] plane, the input
// pixels (iy, ix) with iy in the row taps of oy and ix in the column taps of ox. Max pooling takes the
// largest of them; average pooling, nearest and bilinear upsampling take a weighted sum whose weight
// is rowWeight·colWeight·scale. The taps are computed once per call (Ops/Pooling.swift, Upsample.swift).

/// The input indices (and weights) each output index of one axis reads.
struct AxisTaps {
    /// Taps of output i are `index[offsets[i]..<offsets[i+1]]`.
    var offsets: [Int] = [0]
    var index: [Int] = []
    var weight: [Double] = []
    /// Input length of this axis.
    var size: Int

    var outputs: Int { offsets.count - 1 }

    init(size: Int) { self.size = size }

    /// Appends one output index reading `taps` (index, weight).
    mutating func append(_ taps: [(Int, Double)]) {
        for (i, wgt) in taps { index.append(i); weight.append(wgt) }
        offsets.append(index.count)
    }
}

/// The windows of a 2-D pooling or resampling op on [planes, h, w] → [planes, oh, ow].
struct Windows2d {
    var rows: AxisTaps
    var cols: AxisTaps
    /// Factor applied to every weighted sum (average pooling's divisor override), 1 otherwise.
    var scale: Double = 1
}

/// Raw copies of one axis' taps for the hot loops (no bounds checks, no reference counting).
struct RawTaps<T> {
    let off: SendablePointer<Int>, idx: SendablePointer<Int>, wgt: SendablePointer<T>
    let outputs: Int, size: Int

    init(_ t: AxisTaps, _ convert: (Double) -> T) {
        func copy<E>(_ a: [E]) -> SendablePointer<E> {
            let p = UnsafeMutablePointer<E>.allocate(capacity: Swift.max(a.count, 1))
            p.initialize(from: a, count: a.count)
            return SendablePointer(p)
        }
        off = copy(t.offsets); idx = copy(t.index); wgt = copy(t.weight.map(convert))
        outputs = t.outputs; size = t.size
    }

    func free() { off.p.deallocate(); idx.p.deallocate(); wgt.p.deallocate() }
}

extension Kernels {
    /// Max over each window; `indices` receives the flat position iy·w + ix of the maximum (the first
    /// one on ties; NaN wins, so NaN propagates, at its last position, as in PyTorch).
    static func windowMax(_ x: Tensor, _ out: Tensor, _ indices: Tensor, _ win: Windows2d) {
        let x = x.dense
        func run<T: FloatElement>(_: T.Type) {
            let rows = RawTaps(win.rows) { T($0) }, cols = RawTaps(win.cols) { T($0) }
            defer { rows.free(); cols.free() }
            let (oh, ow, w, inPlane) = (rows.outputs, cols.outputs, cols.size, rows.size * cols.size)
            let planes = out.count / Swift.max(1, oh * ow)
            let (xs, os, ids) = (SendablePointer(x.ptr(T.self)), SendablePointer(out.ptr(T.self)),
                                 SendablePointer(indices.ptr(Int64.self)))
            parallelRanges(planes, threshold: Swift.max(2, parallelThreshold / Swift.max(1, oh * ow * 4))) { lo, hi in
                let (rOff, rIdx, cOff, cIdx) = (rows.off.p, rows.idx.p, cols.off.p, cols.idx.p)
                for p in lo..<hi {
                    let src = xs.p + p * inPlane, dst = os.p + p * oh * ow, idx = ids.p + p * oh * ow
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var best = -T.infinity, at = -1, nanAt = -1
                            let r0 = rOff[oy], r1 = rOff[oy &+ 1], c0 = cOff[ox], c1 = cOff[ox &+ 1]
                            if r0 < r1 && c0 < c1 { at = rIdx[r0] &* w &+ cIdx[c0]; best = src[at] }
                            for a in r0..<r1 {
                                let row = rIdx[a] &* w
                                for b in c0..<c1 {
                                    let pos = row &+ cIdx[b], v = src[pos]
                                    // Selects, not branches: random data defeats branch prediction.
                                    let greater = v > best
                                    best = greater ? v : best
                                    at = greater ? pos : at
                                    nanAt = v.isNaN ? pos : nanAt
                                }
                            }
                            // NaN wins, at its last position, as in PyTorch.
                            if nanAt >= 0 { best = src[nanAt]; at = nanAt }
                            dst[oy * ow + ox] = best
                            idx[oy * ow + ox] = Int64(at)
                        }
                    }
                }
            }
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: fatalError("max pooling: needs a float tensor, got \(x.dtype)")
        }
    }

    /// dx[plane][indices[o]] += g[o] for every output o; dx ([planes, inPlane]) is overwritten.
    static func scatterByIndex(_ g: Tensor, _ indices: Tensor, _ dx: Tensor, outPlane: Int, inPlane: Int) {
        let g = g.dense
        let indices = indices.dense
        func run<T: FloatElement>(_: T.Type) {
            let planes = g.count / Swift.max(1, outPlane)
            let (gs, ids, ds) = (SendablePointer(g.ptr(T.self)), SendablePointer(indices.ptr(Int64.self)),
                                 SendablePointer(dx.ptr(T.self)))
            parallelRanges(planes, threshold: Swift.max(2, parallelThreshold / Swift.max(1, inPlane + outPlane))) { lo, hi in
                for p in lo..<hi {
                    let d = ds.p + p * inPlane, src = gs.p + p * outPlane, idx = ids.p + p * outPlane
                    d.update(repeating: 0, count: inPlane)
                    for o in 0..<outPlane where idx[o] >= 0 { d[Int(idx[o])] += src[o] }
                }
            }
        }
        switch g.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: fatalError("max pooling backward: needs a float tensor, got \(g.dtype)")
        }
    }

    /// out[p, oy, ox] = scale · Σ rowWeight · colWeight · x[p, iy, ix] over the window (`adjoint` false),
    /// or its transpose: x-shaped `out` = the adjoint applied to output-shaped `x` (`adjoint` true).
    static func windowSum(_ x: Tensor, _ out: Tensor, _ win: Windows2d, adjoint: Bool) {
        let x = x.dense
        func run<T: FloatElement>(_: T.Type) {
            let rows = RawTaps(win.rows) { T($0) }, cols = RawTaps(win.cols) { T($0) }
            defer { rows.free(); cols.free() }
            let (oh, ow, w) = (rows.outputs, cols.outputs, cols.size)
            let inPlane = rows.size * w, outPlane = oh * ow
            let planes = (adjoint ? x.count : out.count) / Swift.max(1, outPlane)
            let (xs, os) = (SendablePointer(x.ptr(T.self)), SendablePointer(out.ptr(T.self)))
            let scale = T(win.scale)
            let h = rows.size
            // Two separable passes through a [h, ow] buffer: the column taps on every input row, then the
            // row taps, whose inner loop runs over contiguous ox and vectorises (the adjoint in reverse).
            parallelRanges(planes, threshold: Swift.max(2, parallelThreshold / Swift.max(1, 4 * outPlane))) { lo, hi in
                let (rOff, rIdx, rW, cOff, cIdx, cW) = (rows.off.p, rows.idx.p, rows.wgt.p, cols.off.p, cols.idx.p, cols.wgt.p)
                let tmp = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(1, h * ow))
                defer { tmp.deallocate() }
                for p in lo..<hi {
                    if adjoint {
                        let g = xs.p + p * outPlane, d = os.p + p * inPlane
                        tmp.update(repeating: 0, count: h * ow)
                        for oy in 0..<oh {
                            let grow = g + oy * ow
                            for a in rOff[oy]..<rOff[oy &+ 1] {
                                let t = tmp + rIdx[a] * ow, ry = rW[a] * scale
                                for ox in 0..<ow { t[ox] += grow[ox] * ry }
                            }
                        }
                        d.update(repeating: 0, count: inPlane)
                        for iy in 0..<h {
                            let t = tmp + iy * ow, drow = d + iy * w
                            for ox in 0..<ow {
                                let v = t[ox]
                                for b in cOff[ox]..<cOff[ox &+ 1] { drow[cIdx[b]] += v * cW[b] }
                            }
                        }
                    } else {
                        let src = xs.p + p * inPlane, dst = os.p + p * outPlane
                        for iy in 0..<h {
                            let srow = src + iy * w, t = tmp + iy * ow
                            for ox in 0..<ow {
                                var acc: T = 0
                                for b in cOff[ox]..<cOff[ox &+ 1] { acc += srow[cIdx[b]] * cW[b] }
                                t[ox] = acc
                            }
                        }
                        for oy in 0..<oh {
                            let orow = dst + oy * ow
                            orow.update(repeating: 0, count: ow)
                            for a in rOff[oy]..<rOff[oy &+ 1] {
                                let t = tmp + rIdx[a] * ow, ry = rW[a] * scale
                                for ox in 0..<ow { orow[ox] += t[ox] * ry }
                            }
                        }
                    }
                }
            }
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: fatalError("pooling: needs a float tensor, got \(x.dtype)")
        }
    }
}
