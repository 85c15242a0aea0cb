/// Reductions over one contiguous row, eight lanes at a time (the attention kernels' per-row
/// maximum, sum and dot product). The scalar loops they replace ran one dependent addition or
/// branch per element: 4.4 % of gpt_train_step's one-thread samples were attention's row loops
/// (Docs/Performance.md). Each result depends only on the row (a fixed order of lanes, then the
/// tail), never on threads or on where the row sits in memory.
extension Kernels {
    /// The largest of `start` and x[0..<n], or NaN when `start` or any element is NaN (what the loop
    /// `for c in 0..<n where x[c] > m || x[c].isNaN { m = x[c] }` gives, up to NaN payloads).
    ///
    ///     let m = Kernels.rowMax(row, 64, from: -.infinity)
    @inline(__always)
    static func rowMax<T: FloatElement>(_ x: UnsafePointer<T>, _ n: Int, from start: T) -> T {
        var nan = start.isNaN
        var best = start
        var c = 0
        if n >= 8 {
            var lanes = SIMD8<T>(repeating: start)
            var unordered = SIMDMask<SIMD8<T>.MaskStorage>(repeating: false)
            while c + 8 <= n {
                let v = UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<T>.self)
                unordered .|= v .!= v
                lanes.replace(with: v, where: v .> lanes)
                c += 8
            }
            nan = nan || any(unordered)
            best = lanes.max()
        }
        while c < n {
            let v = x[c]
            if v.isNaN { nan = true } else if v > best { best = v }
            c += 1
        }
        return nan ? .nan : best
    }

    /// x[0] + … + x[n-1], summed in eight lanes and then across them (the tail last).
    ///
    ///     let s = Kernels.rowSum(row, 64)
    @inline(__always)
    static func rowSum<T: FloatElement>(_ x: UnsafePointer<T>, _ n: Int) -> T {
        var s: T = 0
        var c = 0
        if n >= 8 {
            var lanes = SIMD8<T>()
            while c + 8 <= n {
                lanes += UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<T>.self)
                c += 8
            }
            s = lanes.sum()
        }
        while c < n { s += x[c]; c += 1 }
        return s
    }

    /// x[0]·y[0] + … + x[n-1]·y[n-1], in eight lanes and then across them (the tail last).
    ///
    ///     let d = Kernels.rowDot(dOutRow, outRow, 32)
    @inline(__always)
    static func rowDot<T: FloatElement>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> T {
        var s: T = 0
        var c = 0
        if n >= 8 {
            var lanes = SIMD8<T>()
            while c + 8 <= n {
                lanes += UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<T>.self)
                    * UnsafeRawPointer(y + c).loadUnaligned(as: SIMD8<T>.self)
                c += 8
            }
            s = lanes.sum()
        }
        while c < n { s += x[c] * y[c]; c += 1 }
        return s
    }
}
