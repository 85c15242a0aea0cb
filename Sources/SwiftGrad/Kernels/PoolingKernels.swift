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

extension Kernels {
    /// Max over each window; `indices` receives the flat position iy·w + ix of the maximum (the first
    /// one on ties; NaN wins, so NaN propagates as in PyTorch).
    static func windowMax(_ x: Tensor, _ out: Tensor, _ indices: Tensor, _ win: Windows2d) {
        func run<T: FloatElement>(_: T.Type) {
            let planes = out.count / Swift.max(1, win.rows.outputs * win.cols.outputs)
            let (xs, os, ids) = (SendablePointer(x.ptr(T.self)), SendablePointer(out.ptr(T.self)),
                                 SendablePointer(indices.ptr(Int64.self)))
            let (rOff, rIdx, cOff, cIdx) = (win.rows.offsets, win.rows.index, win.cols.offsets, win.cols.index)
            let (oh, ow, w, inPlane) = (win.rows.outputs, win.cols.outputs, win.cols.size, win.rows.size * win.cols.size)
            parallelRanges(planes, threshold: Swift.max(2, parallelThreshold / Swift.max(1, oh * ow * 4))) { lo, hi in
                for p in lo..<hi {
                    let src = xs.p + p * inPlane, dst = os.p + p * oh * ow, idx = ids.p + p * oh * ow
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var best = -T.infinity, at = -1
                            scan: for a in rOff[oy]..<rOff[oy + 1] {
                                let row = rIdx[a] * w
                                for b in cOff[ox]..<cOff[ox + 1] {
                                    let v = src[row + cIdx[b]]
                                    if v > best || at < 0 || v.isNaN {
                                        best = v; at = row + cIdx[b]
                                        if v.isNaN { break scan }
                                    }
                                }
                            }
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
        func run<T: FloatElement>(_: T.Type) {
            let (oh, ow, w) = (win.rows.outputs, win.cols.outputs, win.cols.size)
            let inPlane = win.rows.size * w, outPlane = oh * ow
            let planes = (adjoint ? x.count : out.count) / Swift.max(1, outPlane)
            let (xs, os) = (SendablePointer(x.ptr(T.self)), SendablePointer(out.ptr(T.self)))
            let (rOff, rIdx, cOff, cIdx) = (win.rows.offsets, win.rows.index, win.cols.offsets, win.cols.index)
            let rW = win.rows.weight.map { T($0) }, cW = win.cols.weight.map { T($0) }, scale = T(win.scale)
            parallelRanges(planes, threshold: Swift.max(2, parallelThreshold / Swift.max(1, 4 * outPlane))) { lo, hi in
                for p in lo..<hi {
                    if adjoint {
                        let g = xs.p + p * outPlane, d = os.p + p * inPlane
                        d.update(repeating: 0, count: inPlane)
                        for oy in 0..<oh {
                            for a in rOff[oy]..<rOff[oy + 1] {
                                let row = d + rIdx[a] * w, ry = rW[a] * scale
                                for ox in 0..<ow {
                                    let v = g[oy * ow + ox] * ry
                                    for b in cOff[ox]..<cOff[ox + 1] { row[cIdx[b]] += v * cW[b] }
                                }
                            }
                        }
                    } else {
                        let src = xs.p + p * inPlane, dst = os.p + p * outPlane
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                var acc: T = 0
                                for a in rOff[oy]..<rOff[oy + 1] {
                                    let row = src + rIdx[a] * w
                                    var s: T = 0
                                    for b in cOff[ox]..<cOff[ox + 1] { s += row[cIdx[b]] * cW[b] }
                                    acc += s * rW[a]
                                }
                                dst[oy * ow + ox] = acc * scale
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
