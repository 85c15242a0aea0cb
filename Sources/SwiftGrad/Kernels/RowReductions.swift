/// Reductions over one contiguous row (the attention kernels' per-row maximum, sum and dot
/// product): sums in eight SIMD lanes, the maximum in four independent running maxima. The scalar
/// loops they replace ran one dependent addition or branch per element: 4.4 % of gpt_train_step's
/// one-thread samples were attention's row loops (Docs/Performance.md). Each result depends only
/// on the row (a fixed order of lanes, then the tail), never on threads or on where the row sits
/// in memory.
extension Kernels {
    /// The largest of `start` and x[0..<n], or NaN when `start` or any element is NaN (what the loop
    /// `for c in 0..<n where x[c] > m || x[c].isNaN { m = x[c] }` gives, up to NaN payloads).
    ///
    ///     let m = Kernels.rowMax(row, 64, from: -.infinity)
    @inline(__always)
    static func rowMax<T: FloatElement>(_ x: UnsafePointer<T>, _ n: Int, from start: T) -> T {
        // Four independent running maxima (selects, no branches), and whether any element was NaN.
        // Written with scalars: Swift's generic SIMD masks (`.!=`, `replace(with:where:)`) ran
        // element by element here and made this loop 24 % of gpt_generate_128's samples.
        var m0 = start, m1 = start, m2 = start, m3 = start
        var unordered = start.isNaN
        var c = 0
        while c + 4 <= n {
            let a = x[c], b = x[c + 1], d = x[c + 2], e = x[c + 3]
            m0 = a > m0 ? a : m0; m1 = b > m1 ? b : m1; m2 = d > m2 ? d : m2; m3 = e > m3 ? e : m3
            unordered = unordered || (a != a) || (b != b) || (d != d) || (e != e)
            c += 4
        }
        while c < n {
            let a = x[c]
            m0 = a > m0 ? a : m0
            unordered = unordered || (a != a)
            c += 1
        }
        if unordered { return .nan }
        let m01 = m1 > m0 ? m1 : m0, m23 = m3 > m2 ? m3 : m2
        return m23 > m01 ? m23 : m01
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
