extension Tensor {
    // MARK: From Swift values

    /// A float tensor from Float values (float32). `shape` defaults to one axis.
    ///
    ///     let x = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
    public convenience init(_ scalars: [Float], shape: [Int]? = nil, requiresGrad: Bool = false) {
        self.init(copying: scalars, shape: shape ?? [scalars.count], op: "Tensor(_:shape:)")
        if requiresGrad { self.requiresGrad = true }
    }

    /// A float tensor from Double values, float32 unless `dtype` says otherwise (as `torch.tensor`
    /// gives float32 for Python floats).
    ///
    ///     let x = Tensor([1.5, 2.5], requiresGrad: true)             // float32
    ///     let y = Tensor([1.5, 2.5], dtype: .float64)                // float64
    public convenience init(_ scalars: [Double], shape: [Int]? = nil, dtype: DType = .float32, requiresGrad: Bool = false) {
        let s = shape ?? [scalars.count]
        switch dtype {
        case .float64: self.init(copying: scalars, shape: s, op: "Tensor(_:shape:)")
        case .float32: self.init(copying: scalars.map { Float($0) }, shape: s, op: "Tensor(_:shape:)")
        case .int64: self.init(copying: scalars.map { checkedInt64($0, op: "Tensor(_:shape:)", shape: s) }, shape: s, op: "Tensor(_:shape:)")
        default:
            // Other dtypes: each value stored as `Kernels.setElement` converts it.
            self.init(filling: s, dtype: dtype, count: scalars.count, op: "Tensor(_:shape:)") { scalars[$0] }
        }
        if requiresGrad { self.requiresGrad = true }
    }

    /// A tensor from integers: int64 by default (indices, labels), as `torch.tensor([1, 2])`.
    ///
    ///     let labels = Tensor([3, 1, 4])               // int64
    ///     let x = Tensor([1, 2, 3], dtype: .float32)   // float32
    public convenience init(_ scalars: [Int], shape: [Int]? = nil, dtype: DType = .int64) {
        let s = shape ?? [scalars.count]
        switch dtype {
        case .int64: self.init(copying: scalars.map { Int64($0) }, shape: s, op: "Tensor(_:shape:)")
        case .float32: self.init(copying: scalars.map { Float($0) }, shape: s, op: "Tensor(_:shape:)")
        case .float64: self.init(copying: scalars.map { Double($0) }, shape: s, op: "Tensor(_:shape:)")
        default:
            // Through int64, so narrow types wrap as PyTorch's casts do (300 as uint8 is 44).
            let wide = Tensor(copying: scalars.map { Int64($0) }, shape: s, op: "Tensor(_:shape:)")
            self.init(storage: Kernels.convert(wide, to: dtype).storage, shape: s, dtype: dtype)
        }
    }

    /// A bool tensor (PyTorch's `torch.tensor([True, False])`), or another dtype holding 0 and 1.
    ///
    ///     let mask = Tensor([true, false, true])
    public convenience init(_ values: [Bool], shape: [Int]? = nil, dtype: DType = .bool) {
        let s = shape ?? [values.count]
        let bools = Tensor(copying: values, shape: s, op: "Tensor(_:shape:)")
        let t = dtype == .bool ? bools : Kernels.convert(bools, to: dtype)
        self.init(storage: t.storage, shape: s, dtype: dtype)
    }

    /// Fills a new tensor of any dtype from `value(i)` (Doubles stored as `Kernels.setElement` does).
    convenience init(filling shape: [Int], dtype: DType, count: Int, op: String, _ value: (Int) -> Double) {
        check(shape.allSatisfy { $0 >= 0 }, "\(op): negative size in shape \(shape)")
        let n = shape.reduce(1, *)
        check(n == count, "\(op): \(count) values do not fill shape \(shape) (\(n) elements)")
        self.init(uninitializedShape: shape, dtype: dtype)
        for i in 0..<n { Kernels.setElement(self, i, value(i)) }
    }

    /// An int64 tensor from Int64 values.
    public convenience init(_ scalars: [Int64], shape: [Int]? = nil) {
        self.init(copying: scalars, shape: shape ?? [scalars.count], op: "Tensor(_:shape:)")
    }

    /// A 2-D tensor from rows (all of one length), float32 unless `dtype` says otherwise.
    ///
    ///     let m = Tensor([[1, 2], [3, 4]])
    public convenience init(_ rows: [[Double]], dtype: DType = .float32, requiresGrad: Bool = false) {
        let cols = rows.first?.count ?? 0
        check(rows.allSatisfy { $0.count == cols }, "Tensor(_:): rows have different lengths \(rows.map(\.count))")
        self.init(rows.flatMap { $0 }, shape: [rows.count, cols], dtype: dtype, requiresGrad: requiresGrad)
    }

    /// A 3-D tensor from nested arrays, float32 unless `dtype` says otherwise.
    public convenience init(_ planes: [[[Double]]], dtype: DType = .float32, requiresGrad: Bool = false) {
        let rows = planes.first?.count ?? 0, cols = planes.first?.first?.count ?? 0
        check(planes.allSatisfy { $0.count == rows && $0.allSatisfy { $0.count == cols } },
                      "Tensor(_:): nested arrays are ragged")
        self.init(planes.flatMap { $0.flatMap { $0 } }, shape: [planes.count, rows, cols], dtype: dtype, requiresGrad: requiresGrad)
    }

    /// A 0-D (scalar) tensor.
    ///
    ///     let lr = Tensor(0.1)
    public convenience init(_ value: Double, dtype: DType = .float32, requiresGrad: Bool = false) {
        self.init([value], shape: [], dtype: dtype, requiresGrad: requiresGrad)
    }

    /// A tensor copying `scalars` with the given shape.
    public convenience init<T: TensorScalar>(shape: [Int], scalars: [T]) {
        self.init(copying: scalars, shape: shape, op: "Tensor(shape:scalars:)")
    }

    convenience init<T: TensorScalar>(copying scalars: [T], shape: [Int], op: String) {
        let n = checkedElementCount(shape, dtype: T.dtype, op: op)
        check(n == scalars.count, "\(op): \(scalars.count) values do not fill shape \(shape) (\(n) elements)")
        self.init(uninitializedShape: shape, dtype: T.dtype)
        scalars.withUnsafeBufferPointer { buf in
            if n > 0 { ptr(T.self).update(from: buf.baseAddress!, count: n) }
        }
    }

    // MARK: Filled

    /// All zeros.
    ///
    ///     let z = Tensor.zeros([2, 3])
    public static func zeros(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        let n = checkedElementCount(shape, dtype: dtype, op: "zeros")
        let t = Tensor(storage: Storage(zeroedByteCount: n * dtype.byteSize), shape: shape, dtype: dtype)
        if requiresGrad { t.requiresGrad = true }
        return t
    }

    /// All ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// Every element equal to `value`.
    ///
    ///     let t = Tensor.full([2, 2], 7)
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        checkShape(shape, dtype: dtype, op: "full")
        checkFill(value, dtype: dtype, op: "full", shape: shape)
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        Kernels.fill(t, value)
        if requiresGrad { t.requiresGrad = true }
        return t
    }

    /// Zeros shaped and typed like `other`.
    public static func zerosLike(_ other: Tensor, dtype: DType? = nil) -> Tensor { zeros(other.shape, dtype: dtype ?? other.dtype) }
    /// Ones shaped and typed like `other`.
    public static func onesLike(_ other: Tensor, dtype: DType? = nil) -> Tensor { ones(other.shape, dtype: dtype ?? other.dtype) }
    /// `value` everywhere, shaped and typed like `other`.
    public static func fullLike(_ other: Tensor, _ value: Double, dtype: DType? = nil) -> Tensor { full(other.shape, value, dtype: dtype ?? other.dtype) }

    /// Values `start, start+step, ...` below `end` (one axis). Float32 unless `dtype` says otherwise
    /// (integer arguments pick the int64 form in Tensor/Spellings.swift, as PyTorch).
    ///
    ///     Tensor.arange(0, 5.0)          // float32 [0, 1, 2, 3, 4]
    ///     Tensor.arange(0, 1, step: 0.25)
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType = .float32) -> Tensor {
        check(start.isFinite && end.isFinite && step.isFinite,
              "arange: unsupported range \(start) -> \(end) with step \(step) (bounds and step must be finite) for \(dtype)")
        check(step != 0, "arange: step must be nonzero")
        check(dtype.isFloatingPoint || (fitsInt64(start) && fitsInt64(end)),
              "arange: range \(start) -> \(end) does not fit int64")
        // A count beyond Int (1e300 / 1e-300) would trap in Int(_:); the element-count check names it.
        let steps = ((end - start) / step).rounded(.up)
        check(steps < 0x1p62, "arange: range \(start) -> \(end) with step \(step) has too many elements (\(steps)) for \(dtype)")
        let n = Swift.max(0, Int(steps))
        _ = checkedElementCount([n], dtype: dtype, op: "arange")
        let t = Tensor(uninitializedShape: [n], dtype: dtype)
        switch dtype {
        case .float32: let p = t.ptr(Float.self); for i in 0..<n { p[i] = Float(start + Double(i) * step) }
        case .float64: let p = t.ptr(Double.self); for i in 0..<n { p[i] = start + Double(i) * step }
        case .int64:
            // Values lie between start and end (both within int64), clamped for the last rounding step.
            let p = t.ptr(Int64.self)
            for i in 0..<n { p[i] = Int64(Swift.min(Swift.max(start + Double(i) * step, -0x1p63), 0x1.fffffffffffffp62)) }
        default: for i in 0..<n { Kernels.setElement(t, i, start + Double(i) * step) }
        }
        return t
    }

    /// `0, 1, ..., end-1`.
    public static func arange(_ end: Double, dtype: DType = .float32) -> Tensor { arange(0, end, dtype: dtype) }

    /// `steps` evenly spaced values from `start` to `end` inclusive. For an integer `dtype` the bounds
    /// are truncated to integers first and each point (computed in double) is truncated toward
    /// zero, as PyTorch's.
    ///
    ///     Tensor.linspace(0, 1, steps: 5)                  // [0, 0.25, 0.5, 0.75, 1]
    ///     Tensor.linspace(0, 10, steps: 4, dtype: .int64)  // [0, 3, 6, 10]
    public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = .float32) -> Tensor {
        check(steps >= 0, "linspace: steps must be non-negative, got \(steps)")
        check(dtype.isFloatingPoint || (fitsInt64(start) && fitsInt64(end)),
              "linspace: range \(start) -> \(end) cannot be converted to \(dtype)")
        _ = checkedElementCount([steps], dtype: .float64, op: "linspace")
        let (lo, hi) = dtype.isFloatingPoint ? (start, end) : (start.rounded(.towardZero), end.rounded(.towardZero))
        let step = steps > 1 ? (hi - lo) / Double(steps - 1) : 0
        // Fill the second half from the end, as PyTorch, so the last value is exactly `end`.
        // (steps == 1 gives [start], as PyTorch.)
        let values = steps == 1 ? [lo] : (0..<steps).map { i in i < steps / 2 ? lo + Double(i) * step : hi - Double(steps - 1 - i) * step }
        return Tensor(values, shape: [steps], dtype: dtype)
    }

    /// The identity matrix (n×m, m defaulting to n).
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) -> Tensor {
        let cols = m ?? n
        check(n >= 0 && cols >= 0, "eye: sizes must be non-negative, got \(n) × \(cols)")
        _ = checkedElementCount([n, cols], dtype: dtype, op: "eye(\(n), \(cols))")
        let t = zeros([n, cols], dtype: dtype)
        for i in 0..<Swift.min(n, cols) { t.setScalar(1, at: i * cols + i) }
        return t
    }

    // MARK: Random

    /// Uniform in [0, 1).
    ///
    ///     manualSeed(1); let u = Tensor.rand([2, 3])
    public static func rand(_ shape: [Int], dtype: DType = .float32, generator: Generator = .default) -> Tensor {
        uniform(shape, low: 0, high: 1, dtype: dtype, generator: generator, op: "rand")
    }

    /// Uniform in [low, high).
    public static func uniform(_ shape: [Int], low: Double, high: Double, dtype: DType = .float32, generator: Generator = .default) -> Tensor {
        uniform(shape, low: low, high: high, dtype: dtype, generator: generator, op: "uniform")
    }

    static func uniform(_ shape: [Int], low: Double, high: Double, dtype: DType, generator: Generator, op: String) -> Tensor {
        checkShape(shape, dtype: dtype, op: op)
        check(dtype.isFloatingPoint, "\(op): dtype must be a float type, got \(dtype) (shape \(shape))")
        // Reduced precision: float32 draws rounded once (the same stream as a float32 call).
        if dtype.isReducedPrecision { return uniform(shape, low: low, high: high, generator: generator).to(dtype) }
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        let n = t.count, span = high - low
        generator.withState { st in
            if dtype == .float32 {
                let p = t.ptr(Float.self), lo = Float(low), sp = Float(span)
                for i in 0..<n { p[i] = lo + sp * st.uniformFloat() }
            } else {
                let p = t.ptr(Double.self)
                for i in 0..<n { p[i] = low + span * st.uniform() }
            }
        }
        return t
    }

    /// Standard normal (mean 0, std 1), or `mean`/`std` if given.
    ///
    ///     let w = Tensor.randn([784, 128]) * 0.01
    public static func randn(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32, generator: Generator = .default) -> Tensor {
        checkShape(shape, dtype: dtype, op: "randn")
        check(dtype.isFloatingPoint, "randn: dtype must be a float type, got \(dtype)")
        if dtype.isReducedPrecision { return randn(shape, mean: mean, std: std, generator: generator).to(dtype) }
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        let n = t.count
        generator.withState { st in
            var i = 0
            while i < n {
                let (a, b) = st.normalPair()
                t.setScalar(mean + std * a, at: i)
                if i + 1 < n { t.setScalar(mean + std * b, at: i + 1) }
                i += 2
            }
        }
        return t
    }

    /// Uniform integers in `low..<high` (int64 unless `dtype` says otherwise).
    ///
    ///     let labels = Tensor.randint(0, 10, [64])
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], dtype: DType = .int64, generator: Generator = .default) -> Tensor {
        checkShape(shape, dtype: dtype, op: "randint")
        check(high > low, "randint: high (\(high)) must be greater than low (\(low)) (shape \(shape))")
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        // high - low may exceed Int.max (randint(Int.min, Int.max)); as a bit pattern it is the right span.
        let n = t.count, span = UInt64(bitPattern: Int64(high &- low))
        generator.withState { st in
            if dtype == .int64 {
                let p = t.ptr(Int64.self)
                for i in 0..<n { p[i] = Int64(low &+ Int(bitPattern: UInt(st.below(span)))) }
            } else {
                for i in 0..<n { t.setScalar(Double(low &+ Int(bitPattern: UInt(st.below(span)))), at: i) }
            }
        }
        return t
    }

    /// `rand` shaped and typed like `other`.
    public static func randLike(_ other: Tensor, generator: Generator = .default) -> Tensor { rand(other.shape, dtype: other.dtype, generator: generator) }
    /// `randn` shaped and typed like `other`.
    public static func randnLike(_ other: Tensor, generator: Generator = .default) -> Tensor { randn(other.shape, dtype: other.dtype, generator: generator) }
    /// `randint` shaped like `other`.
    public static func randintLike(_ other: Tensor, _ low: Int, _ high: Int, generator: Generator = .default) -> Tensor { randint(low, high, other.shape, dtype: other.dtype, generator: generator) }

    /// Stops naming `op` and `shape` if a size is negative or the storage size overflows.
    static func checkShape(_ shape: [Int], dtype: DType, op: String) {
        _ = checkedElementCount(shape, dtype: dtype, op: op)
    }

    /// Stops naming `op` if `value` cannot be stored in `dtype` (NaN, ±inf or beyond ±2⁶³ for int64).
    static func checkFill(_ value: Double, dtype: DType, op: String, shape: [Int]) {
        check(dtype.isFloatingPoint || fitsInt64(value),
              "\(op): value \(value) cannot be converted to \(dtype) without overflow (shape \(shape))")
    }
}

// MARK: - Reading out

extension Tensor {
    /// Element `i` (flat, row-major over `shape`) as Double, whatever the layout.
    @inline(__always) func scalar(at i: Int) -> Double {
        Kernels.element(self, isContiguous ? i : elementOffset(i))
    }

    @inline(__always) func setScalar(_ v: Double, at i: Int) {
        Kernels.setElement(self, isContiguous ? i : elementOffset(i), v)
    }

    /// The storage position (from the first element) of flat row-major index `i`.
    func elementOffset(_ i: Int) -> Int {
        let st = strides
        var r = i, o = 0
        for a in stride(from: rank - 1, through: 0, by: -1) {
            o += (r % shape[a]) * st[a]
            r /= shape[a]
        }
        return o
    }

    /// The elements as `[T]`, converting from the tensor's dtype.
    ///
    ///     let values: [Float] = x.toArray()
    public func toArray<T: TensorScalar>(as: T.Type = T.self) -> [T] {
        if dtype == T.dtype {
            let d = dense
            return withExtendedLifetime(d) { Array(UnsafeBufferPointer(start: d.ptr(T.self), count: count)) }
        }
        // Through the dtype conversion kernel, so the values are exactly those of `to(T.dtype)`.
        let c = Kernels.convert(self, to: T.dtype)
        return Array(UnsafeBufferPointer(start: c.ptr(T.self), count: count))
    }

    /// The elements as Float (converted if needed).
    public var scalars: [Float] { toArray(as: Float.self) }
    /// The elements as Double (converted if needed).
    public var doubles: [Double] { toArray(as: Double.self) }
    /// The elements as Int (converted if needed).
    public var ints: [Int] {
        if dtype == .int64 { return toArray(as: Int64.self).map { Int($0) } }
        return Kernels.convert(self, to: .int64).toArray(as: Int64.self).map { Int($0) }
    }
    /// The elements as Bool (`!= 0`, as `to(.bool)`).
    ///
    ///     let keep: [Bool] = (x .> 0).bools
    public var bools: [Bool] { toArray(as: Bool.self) }

    /// The value of a one-element tensor, as Double.
    ///
    ///     let lossValue = loss.item()
    public func item() -> Double {
        check(count == 1, "item: the tensor has shape \(shape) (\(count) elements); item() needs exactly one")
        return scalar(at: 0)
    }

    /// The value of a one-element tensor as `T`.
    public func item<T: TensorScalar>(as: T.Type) -> T {
        // Read directly when the dtype matches: an int64 beyond 2⁵³ does not survive a trip through Double.
        if dtype == T.dtype {
            check(count == 1, "item: the tensor has shape \(shape) (\(count) elements); item() needs exactly one")
            return ptr(T.self)[0]
        }
        return T(tensorValue: item())
    }

    /// A copy converted to `dtype` (self if already that dtype), between any two dtypes.
    /// Differentiable between float types (the gradient is converted back). Float to integer
    /// truncates toward zero as PyTorch's CPU casts do; NaN and out-of-range values follow x86
    /// (see Docs/Tensors.md, "Dtypes"); anything to `.bool` is `!= 0`.
    ///
    ///     let x64 = x.to(.float64)
    ///     let w16 = w.to(.bfloat16)
    public func to(_ dtype: DType) -> Tensor {
        if _slowPath(self.dual != nil), let r = Vmap.elementwise(self, { $0.to(dtype) }) { return r }
        if dtype == self.dtype { return self }
        let from = self.dtype
        let out = Kernels.convert(self, to: dtype)
        // A conversion to a non-float dtype is not differentiable (as PyTorch: the result does not require grad).
        guard dtype.isFloatingPoint && from.isFloatingPoint else { return out }
        return out.recorded(.to, self, forward: .elementwise) { g, _ in [g.to(from)] }
    }

    /// A copy with its own storage (PyTorch's `clone`); differentiable.
    public func copy() -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.copy() }) { return r }
        let out: Tensor
        if isContiguous {
            out = Tensor(uninitializedShape: shape, dtype: dtype)
            out.rawPointer.copyMemory(from: rawPointer, byteCount: count * dtype.byteSize)
        } else {
            out = Kernels.contiguousCopy(self)
        }
        return out.recorded(.clone, self, forward: .elementwise) { g, _ in [g] }
    }

    /// PyTorch's name for `copy()`.
    public func clone() -> Tensor { copy() }


    /// Whether two tensors have the same shape and all elements within `rtol·|b| + atol`.
    public func allClose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8) -> Bool {
        guard shape == other.shape else { return false }
        for i in 0..<count {
            let a = scalar(at: i), b = other.scalar(at: i)
            if a.isNaN || b.isNaN { return false }
            if Swift.abs(a - b) > atol + rtol * Swift.abs(b) { return false }
        }
        return true
    }
}
