/// Elementwise maps with one input. Parameters (scalars) travel in the case.
enum UnaryOp {
    case neg, exp, log, log1p, expm1, sqrt, rsqrt, reciprocal, abs, sign, square, sin, cos, tanh, sigmoid, relu, erf
    case addScalar(Double), mulScalar(Double), divScalar(Double), rsubScalar(Double), rdivScalar(Double), powScalar(Double)
    case clamp(Double, Double)
    /// 1 where x > 0 else 0 (the relu gradient mask; 0 at x == 0, as PyTorch).
    case positiveMask
}

/// Elementwise maps with two (broadcast) inputs.
enum BinaryOp {
    case add, sub, mul, div, pow, maximum, minimum
    /// Fused backward passes, (g, y) -> grad: g·(1-y²), g·y·(1-y), g where y > 0.
    case tanhBackward, sigmoidBackward, reluBackward
    /// (g, x) -> g·gelu'(x) for GELU with the tanh approximation, in one pass (the gradient
    /// written with Tensor ops was seventeen passes over the activation).
    case geluTanhBackward
}

/// Comparisons producing a bool mask.
enum CompareOp { case eq, ne, lt, le, gt, ge }

/// How the elementwise kernels go parallel: the work is split into ranges first, and each range
/// then switches on the op and runs a loop with the arithmetic inlined (`map`/`zip2` are
/// `@inline(__always)` and always called directly with a closure literal). Splitting the other way
/// round (a parallel loop inside `map`, calling the op closure from the worker) keeps the closure
/// from being inlined: measured on an idle 2-core machine, add_4m took 3.85 ms that way against
/// 1.17 ms serial.
enum Kernels {
    // MARK: unary

    static func unary(_ op: UnaryOp, _ x: Tensor, name: String) -> Tensor {
        if !x.isContiguous && x.dtype.hasKernels { return unaryOfView(op, x, name: name) }
        let x = x.dense
        if !x.dtype.hasKernels {
            // Reduced precision computes in float32, bool and small ints in int64, then narrows.
            return computed(in: x.dtype.computeType, [x], result: x.dtype) { unary(op, $0[0], name: name) }
        }
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let n = x.count
        switch x.dtype {
        case .float32:
            if let fast = vectorized(op) {
                let X = SendablePointer(x.ptr(Float.self)), Y = SendablePointer(out.ptr(Float.self))
                parallelRanges(n) { lo, hi in fast(X.p, Y.p, lo, hi) }
            } else {
                inRanges(x.ptr(Float.self), out.ptr(Float.self), n) { unaryFloat(op, $0, $1, $2) }
            }
        case .float64: inRanges(x.ptr(Double.self), out.ptr(Double.self), n) { unaryFloat(op, $0, $1, $2) }
        case .int64:
            // An empty run asks the one switch whether the op exists for int64, before any thread starts.
            guard unaryInt(op, x.ptr(Int64.self), out.ptr(Int64.self), 0) else {
                fatalError("\(name): not defined for integer or bool tensors; convert with .to(.float32) first")
            }
            inRanges(x.ptr(Int64.self), out.ptr(Int64.self), n) { unaryInt(op, $0, $1, $2) }
        default: checkFailure("\(name): no kernel for \(x.dtype)")
        }
        return out
    }

    /// `unary` of a view (transposed, stepped, expanded...), read in place through its strides
    /// instead of being copied whole first: the same kernels run on each row of the view, rows
    /// with unit stride directly, others gathered `viewChunk` elements at a time into a stack
    /// buffer. The result is contiguous, as from a contiguous input, and bitwise the same (every
    /// kernel computes each element independently of its neighbours and of where a range starts).
    static func unaryOfView(_ op: UnaryOp, _ x: Tensor, name: String) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        if out.count == 0 { return out }
        switch x.dtype {
        case .float32:
            if let fast = vectorized(op) {
                overRowsOfView(x, out, Float.self) { fast($0, $1, 0, $2) }
            } else {
                overRowsOfView(x, out, Float.self) { unaryFloat(op, $0, $1, $2) }
            }
        case .float64: overRowsOfView(x, out, Double.self) { unaryFloat(op, $0, $1, $2) }
        case .int64:
            guard unaryInt(op, out.ptr(Int64.self), out.ptr(Int64.self), 0) else {
                fatalError("\(name): not defined for integer or bool tensors; convert with .to(.float32) first")
            }
            overRowsOfView(x, out, Int64.self) { _ = unaryInt(op, $0, $1, $2) }
        default: checkFailure("\(name): no kernel for \(x.dtype)")
        }
        return out
    }

    /// Elements gathered at a time from a strided row of a view (a stack buffer of this many).
    static let viewChunk = 256

    /// Runs `kernel(src, dst, n)` (a contiguous elementwise map) over `x`, a view, into the
    /// contiguous `out` of the same shape, row by row of `x`'s strided layout; parallel over rows.
    @inline(__always)
    static func overRowsOfView<T>(_ x: Tensor, _ out: Tensor, _: T.Type,
                                  _ kernel: (UnsafePointer<T>, UnsafeMutablePointer<T>, Int) -> Void) {
        let plan = StridedPlan(shape: x.shape, strides: [x.strides, contiguousStrides(x.shape)])
        let inner = plan.inner, xs = plan.strides[0][plan.rank - 1]
        let X = SendablePointer(x.stridedPtr(T.self)), Y = SendablePointer(out.ptr(T.self))
        parallelRanges(plan.rows, threshold: max(1, parallelThreshold / inner)) { lo, hi in
            withUnsafeTemporaryAllocation(of: T.self, capacity: viewChunk) { buffer in
                let b = buffer.baseAddress!
                plan.forEachRow(lo, hi) { off in
                    let xp = X.p + off[0], yp = Y.p + off[1]
                    if xs == 1 { kernel(xp, yp, inner); return }
                    var j = 0
                    while j < inner {
                        let m = Swift.min(viewChunk, inner - j)
                        for i in 0..<m { b[i] = xp[(j + i) * xs] }
                        kernel(b, yp + j, m)
                        j += m
                    }
                }
            }
        }
    }

    /// The SIMD float32 kernel for `op`, where one exists.
    @inline(__always)
    static func vectorized(_ op: UnaryOp) -> ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void)? {
        switch op {
        case .exp: return VectorMath.exp
        case .sigmoid: return VectorMath.sigmoid
        case .tanh: return VectorMath.tanh
        default: return nil
        }
    }

    /// Runs `body(x + lo, y + lo, hi - lo)` over ranges of `0..<n`, on several threads for large `n`.
    @inline(__always)
    static func inRanges<T, U>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<U>, _ n: Int,
                               _ body: (UnsafePointer<T>, UnsafeMutablePointer<U>, Int) -> Void) {
        let xs = SendablePointer(x), ys = SendablePointer(y)
        parallelRanges(n) { lo, hi in body(xs.p + lo, ys.p + lo, hi - lo) }
    }

    /// The serial loop `y[i] = f(x[i])`; callers pass a closure literal so `f` is inlined.
    @inline(__always)
    static func map<T, U>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<U>, _ n: Int, _ f: (T) -> U) {
        for i in 0..<n { y[i] = f(x[i]) }
    }

    static func unaryFloat<T: FloatElement>(_ op: UnaryOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        switch op {
        case .neg: map(x, y, n) { -$0 }
        case .exp: map(x, y, n) { T.exp($0) }
        case .log: map(x, y, n) { T.log($0) }
        case .log1p: map(x, y, n) { T.log1p($0) }
        case .expm1: map(x, y, n) { T.expm1($0) }
        case .sqrt: map(x, y, n) { $0.squareRoot() }
        case .rsqrt: map(x, y, n) { 1 / $0.squareRoot() }
        case .reciprocal: map(x, y, n) { 1 / $0 }
        case .abs: map(x, y, n) { Swift.abs($0) }
        case .sign: map(x, y, n) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case .square: map(x, y, n) { $0 * $0 }
        case .sin: map(x, y, n) { T.sin($0) }
        case .cos: map(x, y, n) { T.cos($0) }
        case .tanh: map(x, y, n) { T.tanh($0) }
        // Split by sign so exp never overflows: for x < 0, e^x / (1 + e^x).
        case .sigmoid: map(x, y, n) { v in
            if v >= 0 { return 1 / (1 + T.exp(-v)) }
            let e = T.exp(v); return e / (1 + e)
        }
        // NaN propagates, as PyTorch's relu: !(NaN <= 0) keeps it.
        case .relu: map(x, y, n) { !($0 <= 0) ? $0 : 0 }
        case .erf: map(x, y, n) { T.erf($0) }
        case .addScalar(let s): let c = T(s); map(x, y, n) { $0 + c }
        case .mulScalar(let s): let c = T(s); map(x, y, n) { $0 * c }
        // A true division, not a multiplication by 1/s: correctly rounded, bitwise as PyTorch's.
        case .divScalar(let s): let c = T(s); map(x, y, n) { $0 / c }
        case .rsubScalar(let s): let c = T(s); map(x, y, n) { c - $0 }
        case .rdivScalar(let s): let c = T(s); map(x, y, n) { c / $0 }
        case .powScalar(let s):
            if s == 2 { map(x, y, n) { $0 * $0 } }
            else if s == 0.5 { map(x, y, n) { $0.squareRoot() } }
            else { let c = T(s); map(x, y, n) { T.pow($0, c) } }
        case .clamp(let lo, let hi):
            let l = T(lo), h = T(hi)
            // NaN passes through, as in PyTorch.
            map(x, y, n) { v in v < l ? l : (v > h ? h : v) }
        case .positiveMask: map(x, y, n) { $0 > 0 ? 1 : 0 }
        }
    }

    /// The int64 unary ops; false (and nothing written) for an op int64 tensors do not have.
    @discardableResult
    static func unaryInt(_ op: UnaryOp, _ x: UnsafePointer<Int64>, _ y: UnsafeMutablePointer<Int64>, _ n: Int) -> Bool {
        switch op {
        case .neg: map(x, y, n) { 0 &- $0 }
        case .abs: map(x, y, n) { $0 < 0 ? 0 &- $0 : $0 }
        case .sign: map(x, y, n) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case .square: map(x, y, n) { $0 &* $0 }
        case .relu: map(x, y, n) { $0 > 0 ? $0 : 0 }
        case .addScalar(let s): let c = Int64(s); map(x, y, n) { $0 &+ c }
        case .mulScalar(let s): let c = Int64(s); map(x, y, n) { $0 &* c }
        case .rsubScalar(let s): let c = Int64(s); map(x, y, n) { c &- $0 }
        case .clamp(let lo, let hi):
            // Bounds beyond int64 saturate (clamp's check keeps NaN away from int64 tensors).
            let l = lo <= -0x1p63 ? Int64.min : lo >= 0x1p63 ? Int64.max : Int64(lo.rounded(.up))
            let h = hi >= 0x1p63 ? Int64.max : hi <= -0x1p63 ? Int64.min : Int64(hi.rounded(.down))
            map(x, y, n) { Swift.min(Swift.max($0, l), h) }
        case .positiveMask: map(x, y, n) { $0 > 0 ? 1 : 0 }
        default: return false
        }
        return true
    }

    // MARK: binary with broadcasting

    /// `a op b` with broadcasting; both inputs already have the result's dtype. Any operand may be
    /// strided (a view): the layout walks each through its own strides. With `into`, the result is
    /// written there (it may be `a` itself when `a` has the result's shape: each element is read
    /// before it is written, at the same offset).
    static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int], name: String, into: Tensor? = nil) -> Tensor {
        if !a.dtype.hasKernels && shape.reduce(1, *) > 0 {
            return computed(in: a.dtype.computeType, [a, b], result: a.dtype, into: into) {
                binary(op, $0[0], $0[1], shape: shape, name: name)
            }
        }
        if op == .geluTanhBackward && a.dtype == .float32 && into == nil && a.isContiguous && b.isContiguous
            && a.shape == shape && b.shape == shape {
            // float32 GELU-tanh backward: the eight-lane tanh (libm's tanhf per element cost as
            // much as the seventeen passes it replaces).
            let out = Tensor(uninitializedShape: shape, dtype: .float32)
            let G = SendablePointer(a.ptr(Float.self)), X = SendablePointer(b.ptr(Float.self)), O = SendablePointer(out.ptr(Float.self))
            parallelRanges(out.count) { lo, hi in VectorMath.geluTanhBackward(G.p, X.p, O.p, lo, hi) }
            return out
        }
        let out = into ?? Tensor(uninitializedShape: shape, dtype: a.dtype)
        if out.count == 0 { return out }
        let layout = ElementwiseLayout(a, b, out)
        if (a.dtype == .float32 || a.dtype == .float64),
           let code = streamingBinaryOp(op, layout, elementBytes: a.dtype == .float32 ? 4 : 8) {
            // Beyond the cache: streaming stores (Kernels/StreamingStores.swift), the same floats.
            binaryStreaming(code, a, b, out)
            return out
        }
        switch a.dtype {
        case .float32:
            inRanges(layout, a.stridedPtr(Float.self), b.stridedPtr(Float.self), out.stridedPtr(Float.self)) { binaryFloat(op, layout, $0, $1, $2, $3) }
        case .float64:
            inRanges(layout, a.stridedPtr(Double.self), b.stridedPtr(Double.self), out.stridedPtr(Double.self)) { binaryFloat(op, layout, $0, $1, $2, $3) }
        case .int64:
            guard binaryInt(op, layout, 0..<0, a.stridedPtr(Int64.self), b.stridedPtr(Int64.self), out.stridedPtr(Int64.self)) else {
                fatalError("\(name): not defined for integer or bool tensors; convert with .to(.float32) first")
            }
            inRanges(layout, a.stridedPtr(Int64.self), b.stridedPtr(Int64.self), out.stridedPtr(Int64.self)) { binaryInt(op, layout, $0, $1, $2, $3) }
        default: checkFailure("\(name): no kernel for \(a.dtype)")
        }
        return out
    }

    static func binaryFloat<T: FloatElement>(_ op: BinaryOp, _ layout: ElementwiseLayout, _ r: Range<Int>,
                                             _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>) {
        switch op {
        case .add: zip2(layout, r, a, b, c) { $0 + $1 }
        case .sub: zip2(layout, r, a, b, c) { $0 - $1 }
        case .mul: zip2(layout, r, a, b, c) { $0 * $1 }
        case .div: zip2(layout, r, a, b, c) { $0 / $1 }
        case .pow: zip2(layout, r, a, b, c) { T.pow($0, $1) }
        // NaN propagates, as torch.maximum.
        case .maximum: zip2(layout, r, a, b, c) { $0.isNaN || $1.isNaN ? T.nan : Swift.max($0, $1) }
        case .minimum: zip2(layout, r, a, b, c) { $0.isNaN || $1.isNaN ? T.nan : Swift.min($0, $1) }
        case .tanhBackward: zip2(layout, r, a, b, c) { g, y in g * (1 - y * y) }
        case .sigmoidBackward: zip2(layout, r, a, b, c) { g, y in g * y * (1 - y) }
        // g where y > 0, and where y is NaN (PyTorch's threshold_backward: 0 only where y <= 0).
        case .reluBackward: zip2(layout, r, a, b, c) { g, y in !(y <= 0) ? g : 0 }
        // u = k(x + c·x³), t = tanh u: gelu'(x) = (1 + t)/2 + x·(1 - t²)·u'/2, u' = k(1 + 3c·x²).
        case .geluTanhBackward:
            let k = T((2 / Double.pi).squareRoot()), cc = T(0.044715)
            zip2(layout, r, a, b, c) { g, x in
                let x2 = x * x
                let t = T.tanh((x + x2 * x * cc) * k)
                let du = (x2 * (3 * cc) + 1) * k
                return g * ((t + 1) * T(0.5) + x * (1 - t * t) * du * T(0.5))
            }
        }
    }

    /// The int64 binary ops; false (and nothing written) for an op int64 tensors do not have.
    @discardableResult
    static func binaryInt(_ op: BinaryOp, _ layout: ElementwiseLayout, _ r: Range<Int>,
                          _ a: UnsafePointer<Int64>, _ b: UnsafePointer<Int64>, _ c: UnsafeMutablePointer<Int64>) -> Bool {
        switch op {
        case .add: zip2(layout, r, a, b, c) { $0 &+ $1 }
        case .sub: zip2(layout, r, a, b, c) { $0 &- $1 }
        case .mul: zip2(layout, r, a, b, c) { $0 &* $1 }
        case .maximum: zip2(layout, r, a, b, c) { Swift.max($0, $1) }
        case .minimum: zip2(layout, r, a, b, c) { Swift.min($0, $1) }
        default: return false
        }
        return true
    }

    static func compare(_ op: CompareOp, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
        if !a.dtype.hasKernels {
            let t = a.dtype.computeType
            return compare(op, a.dtype == t ? a : convert(a, to: t), b.dtype == t ? b : convert(b, to: t), shape: shape)
        }
        let out = Tensor(uninitializedShape: shape, dtype: .bool)
        if out.count == 0 { return out }
        let layout = ElementwiseLayout(a, b, out)
        switch a.dtype {
        case .float32:
            inRanges(layout, a.stridedPtr(Float.self), b.stridedPtr(Float.self), out.stridedPtr(Bool.self)) { compareTyped(op, layout, $0, $1, $2, $3) }
        case .float64:
            inRanges(layout, a.stridedPtr(Double.self), b.stridedPtr(Double.self), out.stridedPtr(Bool.self)) { compareTyped(op, layout, $0, $1, $2, $3) }
        case .int64:
            inRanges(layout, a.stridedPtr(Int64.self), b.stridedPtr(Int64.self), out.stridedPtr(Bool.self)) { compareTyped(op, layout, $0, $1, $2, $3) }
        default: checkFailure("compare: no kernel for \(a.dtype)")
        }
        return out
    }

    static func compareTyped<T: Comparable>(_ op: CompareOp, _ layout: ElementwiseLayout, _ r: Range<Int>,
                                            _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<Bool>) {
        switch op {
        case .eq: zip2(layout, r, a, b, c) { $0 == $1 }
        case .ne: zip2(layout, r, a, b, c) { $0 != $1 }
        case .lt: zip2(layout, r, a, b, c) { $0 < $1 }
        case .le: zip2(layout, r, a, b, c) { $0 <= $1 }
        case .gt: zip2(layout, r, a, b, c) { $0 > $1 }
        case .ge: zip2(layout, r, a, b, c) { $0 >= $1 }
        }
    }

    /// Runs `body(range, a, b, c)` over ranges of the layout's units (elements of a flat layout, rows
    /// of a broadcast plan), on several threads when the work is large enough.
    @inline(__always)
    static func inRanges<T, U>(_ layout: ElementwiseLayout, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<U>,
                               _ body: (Range<Int>, UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<U>) -> Void) {
        let A = SendablePointer(a), B = SendablePointer(b), C = SendablePointer(c)
        let units = layout.plan?.rows ?? layout.n
        let threshold = layout.plan.map { max(1, parallelThreshold / $0.inner) } ?? parallelThreshold
        parallelRanges(units, threshold: threshold) { lo, hi in body(lo..<hi, A.p, B.p, C.p) }
    }

    /// The serial broadcast loop over `r` (elements of a flat layout, rows of a plan), with
    /// unit-stride and scalar fast paths so the common cases vectorise. Callers pass a closure
    /// literal so `f` is inlined.
    @inline(__always)
    static func zip2<T, U>(_ layout: ElementwiseLayout, _ r: Range<Int>, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                           _ c: UnsafeMutablePointer<U>, _ f: (T, T) -> U) {
        guard let plan = layout.plan else {
            let sa = layout.strideA, sb = layout.strideB
            if sa == 1 && sb == 1 { for i in r { c[i] = f(a[i], b[i]) } }
            else if sa == 1 { let bv = b[0]; for i in r { c[i] = f(a[i], bv) } }
            else if sb == 1 { let av = a[0]; for i in r { c[i] = f(av, b[i]) } }
            else { let v = f(a[0], b[0]); for i in r { c[i] = v } }
            return
        }
        let inner = plan.inner
        let sa = plan.strides[0][plan.rank - 1], sb = plan.strides[1][plan.rank - 1]
        let sc = plan.strides[2][plan.rank - 1]
        plan.forEachRow(r.lowerBound, r.upperBound) { off in
            let ap = a + off[0], bp = b + off[1], cp = c + off[2]
            if sc != 1 { for i in 0..<inner { cp[i * sc] = f(ap[i * sa], bp[i * sb]) } }
            else if sa == 1 && sb == 1 { for i in 0..<inner { cp[i] = f(ap[i], bp[i]) } }
            else if sa == 1 && sb == 0 { let bv = bp[0]; for i in 0..<inner { cp[i] = f(ap[i], bv) } }
            else if sa == 0 && sb == 1 { let av = ap[0]; for i in 0..<inner { cp[i] = f(av, bp[i]) } }
            else { for i in 0..<inner { cp[i] = f(ap[i * sa], bp[i * sb]) } }
        }
    }

    /// `x += y` in place (same shape and dtype).
    static func addInPlace(_ x: Tensor, _ y: Tensor) {
        let y = y.dense
        let n = x.count
        switch x.dtype {
        case .float32: axpy(x.ptr(Float.self), y.ptr(Float.self), n)
        case .float64: axpy(x.ptr(Double.self), y.ptr(Double.self), n)
        case .int64: axpy(x.ptr(Int64.self), y.ptr(Int64.self), n)
        default: _ = computed(in: x.dtype.computeType, [x, y], result: x.dtype, into: x) { binary(.add, $0[0], $0[1], shape: x.shape, name: "add_") }
        }
    }

    @inline(__always)
    static func axpy<T: AccumulatingElement>(_ x: UnsafeMutablePointer<T>, _ y: UnsafePointer<T>, _ n: Int) {
        let X = SendablePointer(x), Y = SendablePointer(y)
        parallelRanges(n) { lo, hi in
            let xp = X.p, yp = Y.p
            for i in lo..<hi { xp[i] = T.sum(xp[i], yp[i]) }
        }
    }

    /// Fills a tensor with one value.
    static func fill(_ x: Tensor, _ value: Double) {
        if !x.isContiguous {
            // A view: write one value through the view's strides.
            let v = Tensor.full([], value, dtype: x.dtype)
            copyStrided(v, 0, [Int](repeating: 0, count: x.rank), into: x, 0, x.strides, shape: x.shape)
            return
        }
        fillAny(x, value)
    }

    /// `where(cond, a, b)` with broadcasting; a and b share the result's dtype; `cond` is bool
    /// (other dtypes are read as `!= 0`). Elements are moved as bits, so one loop per byte size
    /// serves every dtype.
    static func select(_ cond: Tensor, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
        let cond = cond.dtype == .bool ? cond : convert(cond, to: .bool)
        let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
        if out.count == 0 { return out }
        let plan = StridedPlan(shape: shape, strides: [broadcastStrides(of: cond, to: shape),
                                                      broadcastStrides(of: a, to: shape),
                                                      broadcastStrides(of: b, to: shape),
                                                      contiguousStrides(shape)])
        func run<T>(_: T.Type) {
            let cp = SendablePointer(cond.stridedPtr(Bool.self)), ap = SendablePointer(a.stridedPtr(T.self))
            let bp = SendablePointer(b.stridedPtr(T.self)), op = SendablePointer(out.ptr(T.self))
            let inner = plan.inner
            let sc = plan.strides[0][plan.rank - 1], sa = plan.strides[1][plan.rank - 1], sb = plan.strides[2][plan.rank - 1]
            plan.forEachRow(0, plan.rows) { off in
                let c = cp.p + off[0], x = ap.p + off[1], y = bp.p + off[2], o = op.p + off[3]
                for i in 0..<inner { o[i] = c[i * sc] ? x[i * sa] : y[i * sb] }
            }
        }
        switch a.dtype.byteSize {
        case 1: run(UInt8.self)
        case 2: run(UInt16.self)
        case 4: run(UInt32.self)
        default: run(UInt64.self)
        }
        return out
    }
}
