// im2col / col2im and the channel-major transposes around the convolution GEMMs.
//
// Column layout: a chunk of `nb` samples becomes one matrix [C·kh·kw, nb·L] (L = oh·ow): row
// (c, ki, kj), column (sample, oy, ox). Rows of one group are contiguous, so group g's GEMM reads a
// block of rows, and the GEMM's N dimension is nb·L however small the image is.

/// The shape arithmetic of one 2-D convolution (1-D convolutions use h = 1): input [n, c, h, w],
/// weight [o, c/groups, kh, kw], output [n, o, oh, ow].
struct ConvGeometry: Equatable {
    var n: Int, c: Int, h: Int, w: Int
    var o: Int, kh: Int, kw: Int
    var sh: Int, sw: Int
    /// Padding before the first row / column (the padding after is implied by oh, ow).
    var padTop: Int, padLeft: Int
    var dh: Int, dw: Int
    var groups: Int
    var oh: Int, ow: Int

    /// Spatial size of one output plane.
    var l: Int { oh * ow }
    /// Input channels per group.
    var cg: Int { c / groups }
    /// Output channels per group.
    var og: Int { o / groups }
    /// Rows of one group's block of columns (cg·kh·kw).
    var kg: Int { cg * kh * kw }
    /// Rows of the whole column matrix.
    var k: Int { c * kh * kw }
}

extension Kernels {
    /// Writes the columns of samples `n0..<n0+nb` of `x` ([n, c, h, w]) into `cols` ([k, nb·l]).
    static func im2col<T: FloatElement>(_ x: UnsafePointer<T>, _ cols: UnsafeMutablePointer<T>,
                                        _ g: ConvGeometry, n0: Int, nb: Int) {
        let ld = nb * g.l, plane = g.h * g.w
        let xs = SendablePointer(x), cs = SendablePointer(cols)
        let work = g.kh * g.kw * g.l
        parallelRanges(nb * g.c, threshold: max(2, parallelThreshold / max(work, 1))) { lo, hi in
            for unit in lo..<hi {
                let s = unit / g.c, ch = unit % g.c
                let src = UnsafePointer(xs.p) + ((n0 + s) * g.c + ch) * plane
                for ki in 0..<g.kh {
                    for kj in 0..<g.kw {
                        let row = (ch * g.kh + ki) * g.kw + kj
                        let dst = cs.p + row * ld + s * g.l
                        let (lo, hi) = validRange(g.ow, g.w, start: kj * g.dw - g.padLeft, stride: g.sw)
                        for oy in 0..<g.oh {
                            let d = dst + oy * g.ow
                            let iy = oy * g.sh - g.padTop + ki * g.dh
                            if iy < 0 || iy >= g.h || lo >= hi {
                                d.update(repeating: 0, count: g.ow)
                                continue
                            }
                            if lo > 0 { d.update(repeating: 0, count: lo) }
                            let srow = src + iy * g.w + kj * g.dw - g.padLeft
                            if g.sw == 1 {
                                (d + lo).update(from: srow + lo, count: hi - lo)
                            } else {
                                for ox in lo..<hi { d[ox] = srow[ox * g.sw] }
                            }
                            if hi < g.ow { (d + hi).update(repeating: 0, count: g.ow - hi) }
                        }
                    }
                }
            }
        }
    }

    /// Adds the columns `cols` ([k, nb·l]) back into images: `dx` for samples `n0..<n0+nb` is
    /// overwritten with the sum of every column entry that read each pixel.
    static func col2im<T: FloatElement>(_ cols: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                        _ g: ConvGeometry, n0: Int, nb: Int) {
        let ld = nb * g.l, plane = g.h * g.w
        let xs = SendablePointer(dx), cs = SendablePointer(cols)
        let work = g.kh * g.kw * g.l
        parallelRanges(nb * g.c, threshold: max(2, parallelThreshold / max(work, 1))) { lo, hi in
            for unit in lo..<hi {
                let s = unit / g.c, ch = unit % g.c
                let out = xs.p + ((n0 + s) * g.c + ch) * plane
                out.update(repeating: 0, count: plane)
                for ki in 0..<g.kh {
                    for kj in 0..<g.kw {
                        let row = (ch * g.kh + ki) * g.kw + kj
                        let src = UnsafePointer(cs.p) + row * ld + s * g.l
                        let (lo, hi) = validRange(g.ow, g.w, start: kj * g.dw - g.padLeft, stride: g.sw)
                        if lo >= hi { continue }
                        for oy in 0..<g.oh {
                            let iy = oy * g.sh - g.padTop + ki * g.dh
                            if iy < 0 || iy >= g.h { continue }
                            let srow = src + oy * g.ow
                            let drow = out + iy * g.w + kj * g.dw - g.padLeft
                            if g.sw == 1 {
                                for ox in lo..<hi { drow[ox] += srow[ox] }
                            } else {
                                for ox in lo..<hi { drow[ox * g.sw] += srow[ox] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The output positions `lo..<hi` (of `count`) whose input index `start + i·stride` lies in `0..<size`.
    @inline(__always)
    static func validRange(_ count: Int, _ size: Int, start: Int, stride: Int) -> (Int, Int) {
        // lo = ⌈-start / stride⌉ clamped at 0; hi = ⌊(size - 1 - start) / stride⌋ + 1 clamped to count.
        let lo = start >= 0 ? 0 : (-start + stride - 1) / stride
        let last = size - 1 - start
        let hi = last < 0 ? 0 : Swift.min(count, last / stride + 1)
        return (Swift.min(lo, count), hi)
    }

    /// [n, ch, l] samples `n0..<n0+nb` → [ch, nb·l] (channel-major, the GEMM layout).
    static func toChannelMajor<T: FloatElement>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>,
                                                channels ch: Int, l: Int, n0: Int, nb: Int) {
        let ss = SendablePointer(src), ds = SendablePointer(dst)
        parallelRanges(nb * ch, threshold: max(2, parallelThreshold / max(l, 1))) { lo, hi in
            for unit in lo..<hi {
                let s = unit / ch, c = unit % ch
                (ds.p + c * nb * l + s * l).update(from: UnsafePointer(ss.p) + ((n0 + s) * ch + c) * l, count: l)
            }
        }
    }

    /// [ch, nb·l] → [n, ch, l] samples `n0..<n0+nb`, adding `bias[c]` when given.
    static func fromChannelMajor<T: FloatElement>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>,
                                                  bias: UnsafePointer<T>?, channels ch: Int, l: Int, n0: Int, nb: Int) {
        let ss = SendablePointer(src), ds = SendablePointer(dst)
        let bs = bias.map { SendablePointer($0) }
        parallelRanges(nb * ch, threshold: max(2, parallelThreshold / max(l, 1))) { lo, hi in
            for unit in lo..<hi {
                let s = unit / ch, c = unit % ch
                let d = ds.p + ((n0 + s) * ch + c) * l
                let from = UnsafePointer(ss.p) + c * nb * l + s * l
                if let b = bs?.p[c] {
                    for i in 0..<l { d[i] = from[i] + b }
                } else {
                    d.update(from: from, count: l)
                }
            }
        }
    }

    /// Adds `bias[c]` to every element of channel c of `x` ([n, ch, l]) in place.
    static func addChannelBias<T: FloatElement>(_ x: UnsafeMutablePointer<T>, _ bias: UnsafePointer<T>,
                                                n: Int, channels ch: Int, l: Int) {
        let xs = SendablePointer(x), bs = SendablePointer(bias)
        parallelRanges(n * ch, threshold: max(2, parallelThreshold / max(l, 1))) { lo, hi in
            for unit in lo..<hi {
                let b = bs.p[unit % ch], d = xs.p + unit * l
                for i in 0..<l { d[i] += b }
            }
        }
    }
}
