/// Elementwise maps with one input. Parameters (scalars) travel in the case.
enum UnaryOp {
    case neg, exp, log, log1p, expm1, sqrt, rsqrt, reciprocal, abs, sign, square, sin, cos, tanh, sigmoid, relu, erf
    case addScalar(Double), mulScalar(Double), rsubScalar(Double), rdivScalar(Double), powScalar(Double)
    case clamp(Double, Double)
    /// 1 where x > 0 else 0 (the relu gradient mask; 0 at x == 0, as PyTorch).
    case positiveMask
}

/// Elementwise maps with two (broadcast) inputs.
enum BinaryOp {
    case add, sub, mul, div, pow, maximum, minimum
    /// Fused backward passes, (g, y) -> grad: g·(1-y²), g·y·(1-y), g where y > 0.
    case tanhBackward, sigmoidBackward, reluBackward
}

/// Comparisons producing an int64 mask of 0 and 1.
enum CompareOp { case eq, ne, lt, le, gt, ge }

/// The elementwise kernels that take their operation as a closure (`map`, `zip2`) stay on one
/// thread: measured on an idle 2-core machine, splitting them made add_4m 3.3× slower (3.85 ms vs
/// 1.17 ms), because in the parallel path the op closure is called indirectly per element instead
/// of being inlined into the loop. Kernels with the arithmetic written inside the loop (SIMD math,
/// reductions, conv, optimizers) still go parallel.
let closureKernelThreshold = Int.max

enum Kernels {
    // MARK: unary

    static func unary(_ op: UnaryOp, _ x: Tensor, name: String) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let n = x.count
        switch x.dtype {
        case .float32:
            if let fast = vectorized(op) {
                let X = SendablePointer(x.ptr(Float.self)), Y = SendablePointer(out.ptr(Float.self))
                parallelRanges(n) { lo, hi in fast(X.p, Y.p, lo, hi) }
            } else {
                unaryFloat(op, x.ptr(Float.self), out.ptr(Float.self), n)
            }
        case .float64: unaryFloat(op, x.ptr(Double.self), out.ptr(Double.self), n)
        case .int64: unaryInt(op, x.ptr(Int64.self), out.ptr(Int64.self), n, name: name)
        }
        return out
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

    @inline(__always)
    static func map<T, U>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<U>, _ n: Int, _ f: (T) -> U) {
        let xs = SendablePointer(x), ys = SendablePointer(y)
        parallelRanges(n, threshold: closureKernelThreshold) { lo, hi in
            let xp = xs.p, yp = ys.p
            for i in lo..<hi { yp[i] = f(xp[i]) }
        }
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
        case .relu: map(x, y, n) { $0 > 0 ? $0 : 0 }
        case .erf: map(x, y, n) { T.erf($0) }
        case .addScalar(let s): let c = T(s); map(x, y, n) { $0 + c }
        case .mulScalar(let s): let c = T(s); map(x, y, n) { $0 * c }
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

    static func unaryInt(_ op: UnaryOp, _ x: UnsafePointer<Int64>, _ y: UnsafeMutablePointer<Int64>, _ n: Int, name: String) {
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
            let l = lo.isInfinite ? Int64.min : Int64(lo.rounded(.up)), h = hi.isInfinite ? Int64.max : Int64(hi.rounded(.down))
            map(x, y, n) { Swift.min(Swift.max($0, l), h) }
        case .positiveMask: map(x, y, n) { $0 > 0 ? 1 : 0 }
        default: fatalError("\(name): not defined for int64 tensors; convert with .to(.float32) first")
        }
    }

    // MARK: binary with broadcasting

    /// `a op b` with broadcasting; both inputs already have the result's dtype.
    static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int], name: String) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
        if out.count == 0 { return out }
        let plan = ElementwiseLayout(a, b, out)
        switch a.dtype {
        case .float32: binaryFloat(op, plan, a.ptr(Float.self), b.ptr(Float.self), out.ptr(Float.self))
        case .float64: binaryFloat(op, plan, a.ptr(Double.self), b.ptr(Double.self), out.ptr(Double.self))
        case .int64:
            let ap = a.ptr(Int64.self), bp = b.ptr(Int64.self), op2 = out.ptr(Int64.self)
            switch op {
            case .add: zip2(plan, ap, bp, op2) { $0 &+ $1 }
            case .sub: zip2(plan, ap, bp, op2) { $0 &- $1 }
            case .mul: zip2(plan, ap, bp, op2) { $0 &* $1 }
            case .maximum: zip2(plan, ap, bp, op2) { Swift.max($0, $1) }
            case .minimum: zip2(plan, ap, bp, op2) { Swift.min($0, $1) }
            default: fatalError("\(name): not defined for int64 tensors; convert with .to(.float32) first")
            }
        }
        return out
    }

    static func binaryFloat<T: FloatElement>(_ op: BinaryOp, _ plan: ElementwiseLayout, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>) {
        switch op {
        case .add: zip2(plan, a, b, c) { $0 + $1 }
        case .sub: zip2(plan, a, b, c) { $0 - $1 }
        case .mul: zip2(plan, a, b, c) { $0 * $1 }
        case .div: zip2(plan, a, b, c) { $0 / $1 }
        case .pow: zip2(plan, a, b, c) { T.pow($0, $1) }
        // NaN propagates, as torch.maximum.
        case .maximum: zip2(plan, a, b, c) { $0.isNaN || $1.isNaN ? T.nan : Swift.max($0, $1) }
        case .minimum: zip2(plan, a, b, c) { $0.isNaN || $1.isNaN ? T.nan : Swift.min($0, $1) }
        case .tanhBackward: zip2(plan, a, b, c) { g, y in g * (1 - y * y) }
        case .sigmoidBackward: zip2(plan, a, b, c) { g, y in g * y * (1 - y) }
        case .reluBackward: zip2(plan, a, b, c) { g, y in y > 0 ? g : 0 }
        }
    }

    static func compare(_ op: CompareOp, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: .int64)
        if out.count == 0 { return out }
        let plan = ElementwiseLayout(a, b, out)
        switch a.dtype {
        case .float32: compareTyped(op, plan, a.ptr(Float.self), b.ptr(Float.self), out.ptr(Int64.self))
        case .float64: compareTyped(op, plan, a.ptr(Double.self), b.ptr(Double.self), out.ptr(Int64.self))
        case .int64: compareTyped(op, plan, a.ptr(Int64.self), b.ptr(Int64.self), out.ptr(Int64.self))
        }
        return out
    }

    static func compareTyped<T: Comparable>(_ op: CompareOp, _ plan: ElementwiseLayout, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<Int64>) {
        switch op {
        case .eq: zip2(plan, a, b, c) { $0 == $1 ? 1 : 0 }
        case .ne: zip2(plan, a, b, c) { $0 != $1 ? 1 : 0 }
        case .lt: zip2(plan, a, b, c) { $0 < $1 ? 1 : 0 }
        case .le: zip2(plan, a, b, c) { $0 <= $1 ? 1 : 0 }
        case .gt: zip2(plan, a, b, c) { $0 > $1 ? 1 : 0 }
        case .ge: zip2(plan, a, b, c) { $0 >= $1 ? 1 : 0 }
        }
    }

    /// The broadcast loop: rows of the coalesced plan, with unit-stride and scalar fast paths so
    /// the common cases vectorise.
    @inline(__always)
    static func zip2<T, U>(_ layout: ElementwiseLayout, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<U>, _ f: (T, T) -> U) {
        let A = SendablePointer(a), B = SendablePointer(b), C = SendablePointer(c)
        guard let plan = layout.plan else {
            let sa = layout.strideA, sb = layout.strideB
            parallelRanges(layout.n, threshold: closureKernelThreshold) { lo, hi in
                let ap = A.p, bp = B.p, cp = C.p
                if sa == 1 && sb == 1 { for i in lo..<hi { cp[i] = f(ap[i], bp[i]) } }
                else if sa == 1 { let bv = bp[0]; for i in lo..<hi { cp[i] = f(ap[i], bv) } }
                else if sb == 1 { let av = ap[0]; for i in lo..<hi { cp[i] = f(av, bp[i]) } }
                else { let v = f(ap[0], bp[0]); for i in lo..<hi { cp[i] = v } }
            }
            return
        }
        let inner = plan.inner
        let sa = plan.strides[0][plan.rank - 1], sb = plan.strides[1][plan.rank - 1]
        parallelRanges(plan.rows, threshold: closureKernelThreshold) { rlo, rhi in
            plan.forEachRow(rlo, rhi) { off in
                let ap = A.p + off[0], bp = B.p + off[1], cp = C.p + off[2]
                if sa == 1 && sb == 1 { for i in 0..<inner { cp[i] = f(ap[i], bp[i]) } }
                else if sa == 1 && sb == 0 { let bv = bp[0]; for i in 0..<inner { cp[i] = f(ap[i], bv) } }
                else if sa == 0 && sb == 1 { let av = ap[0]; for i in 0..<inner { cp[i] = f(av, bp[i]) } }
                else { for i in 0..<inner { cp[i] = f(ap[i * sa], bp[i * sb]) } }
            }
        }
    }

    /// `x += y` in place (same shape and dtype).
    static func addInPlace(_ x: Tensor, _ y: Tensor) {
        let n = x.count
        switch x.dtype {
        case .float32: axpy(x.ptr(Float.self), y.ptr(Float.self), n)
        case .float64: axpy(x.ptr(Double.self), y.ptr(Double.self), n)
        case .int64: axpy(x.ptr(Int64.self), y.ptr(Int64.self), n)
        }
    }

    @inline(__always)
    static func axpy<T: Numeric>(_ x: UnsafeMutablePointer<T>, _ y: UnsafePointer<T>, _ n: Int) {
        let X = SendablePointer(x), Y = SendablePointer(y)
        parallelRanges(n) { lo, hi in
            let xp = X.p, yp = Y.p
            for i in lo..<hi { xp[i] += yp[i] }
        }
    }

    /// Converts between dtypes (a copy).
    static func convert(_ x: Tensor, to dtype: DType) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape, dtype: dtype)
        let n = x.count
        switch (x.dtype, dtype) {
        case (.float32, .float64): map(x.ptr(Float.self), out.ptr(Double.self), n) { Double($0) }
        case (.float64, .float32): map(x.ptr(Double.self), out.ptr(Float.self), n) { Float($0) }
        case (.int64, .float32): map(x.ptr(Int64.self), out.ptr(Float.self), n) { Float($0) }
        case (.int64, .float64): map(x.ptr(Int64.self), out.ptr(Double.self), n) { Double($0) }
        // Truncation toward zero, as PyTorch; NaN and out-of-range values become 0 rather than trapping.
        case (.float32, .int64): map(x.ptr(Float.self), out.ptr(Int64.self), n) { Int64(exactly: $0.rounded(.towardZero)) ?? 0 }
        case (.float64, .int64): map(x.ptr(Double.self), out.ptr(Int64.self), n) { Int64(exactly: $0.rounded(.towardZero)) ?? 0 }
        default: out.storage.pointer.copyMemory(from: x.storage.pointer, byteCount: n * dtype.byteSize)
        }
        return out
    }

    /// Fills a tensor with one value.
    static func fill(_ x: Tensor, _ value: Double) {
        let n = x.count
        switch x.dtype {
        case .float32: x.ptr(Float.self).update(repeating: Float(value), count: n)
        case .float64: x.ptr(Double.self).update(repeating: value, count: n)
        case .int64: x.ptr(Int64.self).update(repeating: Int64(value), count: n)
        }
    }

    /// `where(cond, a, b)` with broadcasting; a and b share the result's dtype.
    static func select(_ cond: Tensor, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
        if out.count == 0 { return out }
        let plan = StridedPlan(shape: shape, strides: [broadcastStrides(cond.shape, to: shape),
                                                      broadcastStrides(a.shape, to: shape),
                                                      broadcastStrides(b.shape, to: shape),
                                                      contiguousStrides(shape)])
        func run<T>(_: T.Type) {
            let cp = SendablePointer(cond.ptr(Int64.self)), ap = SendablePointer(a.ptr(T.self))
            let bp = SendablePointer(b.ptr(T.self)), op = SendablePointer(out.ptr(T.self))
            let inner = plan.inner
            let sc = plan.strides[0][plan.rank - 1], sa = plan.strides[1][plan.rank - 1], sb = plan.strides[2][plan.rank - 1]
            plan.forEachRow(0, plan.rows) { off in
                let c = cp.p + off[0], x = ap.p + off[1], y = bp.p + off[2], o = op.p + off[3]
                for i in 0..<inner { o[i] = c[i * sc] != 0 ? x[i * sa] : y[i * sb] }
            }
        }
        switch a.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int64: run(Int64.self)
        }
        return out
    }
}
