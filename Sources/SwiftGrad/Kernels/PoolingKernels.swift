import CKernels

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

/// An axis whose every output i reads the consecutive inputs `first + i·stride ..< + kernel`, none
/// clipped by the edge: most pooling layers (`maxPool2d(x, kernelSize: 2)`). `Kernels.windowMax`
/// reads such windows by arithmetic instead of through the tap tables.
struct RegularTaps: Equatable {
    let first: Int, stride: Int, kernel: Int
}

extension AxisTaps {
    /// These taps as a regular window, if they are one.
    var regular: RegularTaps? {
        guard outputs > 0, offsets[1] > offsets[0] else { return nil }
        let k = offsets[1] - offsets[0], first = index[0]
        let stride = outputs > 1 && offsets[2] - offsets[1] == k ? index[k] - first : 0
        for i in 0..<outputs {
            guard offsets[i + 1] - offsets[i] == k else { return nil }
            for j in 0..<k where index[offsets[i] + j] != first + i * stride + j { return nil }
        }
        return RegularTaps(first: first, stride: stride, kernel: k)
    }
}

/// One window's running maximum for `Kernels.windowMax`, fed positions in the window's order: a
/// value replaces the best only when strictly greater (the first position wins ties), and a NaN
/// wins over everything, at its last position, as in PyTorch. Selects, not branches: random data
/// defeats branch prediction.
struct WindowMax<T: FloatElement> {
    var best: T, at: Int, nanAt: Int

    /// Starts at `src[p]` (fed again by the loop over the window, which changes nothing).
    @inline(__always) init(_ src: UnsafePointer<T>, _ p: Int) { self.init(src[p], at: p) }

    @inline(__always) init(_ v: T, at p: Int) { best = v; at = p; nanAt = v.isNaN ? p : -1 }

    @inline(__always) mutating func take(_ src: UnsafePointer<T>, _ pos: Int) {
        let v = src[pos], greater = v > best
        best = greater ? v : best
        at = greater ? pos : at
        nanAt = v.isNaN ? pos : nanAt
    }

    /// The window's position and value (the last NaN's, with its own bits, if any was NaN).
    var position: Int { nanAt >= 0 ? nanAt : at }
    @inline(__always) func value(_ src: UnsafePointer<T>) -> T { nanAt >= 0 ? src[nanAt] : best }
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
    /// one on ties; NaN wins, so NaN propagates, at its last position, as in PyTorch). Windows that
    /// are regular on both axes (`AxisTaps.regular`) take `windowMaxRegular`, the others the taps.
    static func windowMax(_ x: Tensor, _ out: Tensor, _ indices: Tensor, _ win: Windows2d) {
        let x = x.dense
        let (oh, ow) = (win.rows.outputs, win.cols.outputs), planes = out.count / Swift.max(1, oh * ow)
        let regular = regularWindows ? win.rows.regular.flatMap { r in win.cols.regular.map { (r, $0) } } : nil
        func run<T: FloatElement>(_: T.Type) {
            if let (r, c) = regular {
                return windowMaxRegular(x.ptr(T.self), out.ptr(T.self), indices.ptr(Int64.self), planes: planes,
                                        rows: r, cols: c, h: win.rows.size, w: win.cols.size, oh: oh, ow: ow)
            }
            let rows = RawTaps(win.rows) { T($0) }, cols = RawTaps(win.cols) { T($0) }
            defer { rows.free(); cols.free() }
            let (w, inPlane) = (cols.size, rows.size * cols.size)
            let (xs, os, ids) = (SendablePointer(x.ptr(T.self)), SendablePointer(out.ptr(T.self)),
                                 SendablePointer(indices.ptr(Int64.self)))
            parallelRanges(planes, threshold: Swift.max(2, parallelThreshold / Swift.max(1, oh * ow * 4))) { lo, hi in
                let (rOff, rIdx, cOff, cIdx) = (rows.off.p, rows.idx.p, cols.off.p, cols.idx.p)
                for p in lo..<hi {
                    let src = xs.p + p * inPlane, dst = os.p + p * oh * ow, idx = ids.p + p * oh * ow
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let r0 = rOff[oy], r1 = rOff[oy &+ 1], c0 = cOff[ox], c1 = cOff[ox &+ 1]
                            // An empty window (none in PyTorch's shapes) gives -inf at position -1.
                            var m = r0 < r1 && c0 < c1 ? WindowMax(src, rIdx[r0] &* w &+ cIdx[c0]) : WindowMax(-T.infinity, at: -1)
                            for a in r0..<r1 {
                                let row = rIdx[a] &* w
                                for b in c0..<c1 { m.take(src, row &+ cIdx[b]) }
                            }
                            dst[oy * ow + ox] = m.value(src)
                            idx[oy * ow + ox] = Int64(m.position)
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

    /// Tests switch the regular-window path off per task, to compare it with the taps' loop, and
    /// the C kernel of 2×2 windows off, to compare it with the Swift loop.
    @TaskLocal static var regularWindows = true
    @TaskLocal static var vectorPooling = true

    /// `windowMax` for windows regular on both axes, with the same results (values, first index on
    /// ties, the last NaN: the same `WindowMax`): window positions by arithmetic, and 2×2 windows
    /// (`maxPool2d(x, 2)`) unrolled.
    static func windowMaxRegular<T: FloatElement>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
                                                  _ indices: UnsafeMutablePointer<Int64>, planes: Int,
                                                  rows: RegularTaps, cols: RegularTaps, h: Int, w: Int, oh: Int, ow: Int) {
        let (xs, os, ids) = (SendablePointer(x), SendablePointer(out), SendablePointer(indices))
        let (kh, kw) = (rows.kernel, cols.kernel)
        // float32 2×2 windows with stride 2 on AVX2: Sources/CKernels/MaxPool2x2.c, eight at a time.
        let vector = T.self == Float.self && ownKernels && kh == 2 && kw == 2 && rows.stride == 2 && cols.stride == 2
            && h * w < Int(Int32.max) && vectorPooling
        parallelRanges(planes, threshold: Swift.max(2, parallelThreshold / Swift.max(1, oh * ow * 4))) { lo, hi in
            for p in lo..<hi {
                let src = UnsafePointer(xs.p) + p * h * w, dst = os.p + p * oh * ow, idx = ids.p + p * oh * ow
                if vector {
                    sg_maxpool2x2_f32(UnsafeRawPointer(src).assumingMemoryBound(to: Float.self), w, oh, ow, rows.first, cols.first,
                                      UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Float.self),
                                      UnsafeMutableRawPointer(idx).assumingMemoryBound(to: CLongLong.self))
                    continue
                }
                for oy in 0..<oh {
                    let top = (rows.first + oy * rows.stride) * w
                    for ox in 0..<ow {
                        let p0 = top + cols.first + ox * cols.stride
                        var m = WindowMax(src, p0)
                        if kh == 2 && kw == 2 {
                            m.take(src, p0 + 1); m.take(src, p0 + w); m.take(src, p0 + w + 1)
                        } else {
                            for a in 0..<kh {
                                let row = p0 + a * w
                                for b in 0..<kw { m.take(src, row + b) }
                            }
                        }
                        dst[oy * ow + ox] = m.value(src)
                        idx[oy * ow + ox] = Int64(m.position)
                    }
                }
            }
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
