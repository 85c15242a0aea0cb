// Arithmetic between tensors (with broadcasting and dtype promotion) and with scalars.
// Each op: the kernel call, then its backward a line below. Broadcast gradients are summed back
// to each input's shape by the engine, in one place, so no op here reduces them itself.

extension Tensor {
    /// Promotes both operands to their result dtype (PyTorch's `torch.result_type`: a 0-d operand
    /// widens the other only across categories) and broadcasts their shapes.
    @inline(__always)
    static func prepare(_ a: Tensor, _ b: Tensor, op: String) -> (Tensor, Tensor, [Int]) {
        let shape = a.shape == b.shape ? a.shape : broadcastShape(a.shape, b.shape, op: op)
        if a.dtype == b.dtype { return (a, b, shape) }
        let t = resultDType(a, b)
        return (a.to(t), b.to(t), shape)
    }

    /// Element-wise sum with broadcasting.
    ///
    ///     let c = Tensor.ones([2, 3]) + Tensor([1, 2, 3] as [Float])   // shape [2, 3]
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        if _slowPath(lhs.dual != nil || rhs.dual != nil), let r = Vmap.binary(lhs, rhs, { $0 + $1 }) { return r }
        let (a, b, shape) = prepare(lhs, rhs, op: Op.add.name)
        return Kernels.binary(.add, a, b, shape: shape, name: Op.add.name)
            .recorded(.add, a, b, forward: .elementwise) { g, _ in [g, g] }
    }

    /// Element-wise difference with broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        if _slowPath(lhs.dual != nil || rhs.dual != nil), let r = Vmap.binary(lhs, rhs, { $0 - $1 }) { return r }
        let (a, b, shape) = prepare(lhs, rhs, op: Op.sub.name)
        check(a.dtype != .bool, "sub: subtracting two bool tensors is not supported (shapes \(lhs.shape) and \(rhs.shape)); use ^ or logicalXor instead")
        return Kernels.binary(.sub, a, b, shape: shape, name: Op.sub.name)
            .recorded(.sub, a, b, forward: .elementwise) { g, _ in [g, -g] }
    }

    /// Element-wise product with broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        if _slowPath(lhs.dual != nil || rhs.dual != nil), let r = Vmap.binary(lhs, rhs, { $0 * $1 }) { return r }
        let (a, b, shape) = prepare(lhs, rhs, op: Op.mul.name)
        return Kernels.binary(.mul, a, b, shape: shape, name: Op.mul.name)
            .recorded(.mul, a, b, save: [.input0, .input1], forward: .elementwise) { g, ctx in
                [ctx.needsGrad(0) ? g * ctx.input(1) : nil, ctx.needsGrad(1) ? g * ctx.input(0) : nil]
            }
    }

    /// Element-wise true division with broadcasting (integers divide as floats, as in PyTorch).
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        if _slowPath(lhs.dual != nil || rhs.dual != nil), let r = Vmap.binary(lhs, rhs, { $0 / $1 }) { return r }
        var (a, b, shape) = prepare(lhs, rhs, op: Op.div.name)
        // True division: integers and bools divide in the default float dtype, as PyTorch.
        if !a.dtype.isFloatingPoint { a = a.to(.float32); b = b.to(.float32) }
        return Kernels.binary(.div, a, b, shape: shape, name: Op.div.name)
            .recorded(.div, a, b, save: [.input0, .input1], forward: .elementwise) { g, ctx in
                let b = ctx.input(1)
                let ga = ctx.needsGrad(0) ? g / b : nil
                // d(a/b)/db = -a / b²
                let gb = ctx.needsGrad(1) ? -(g * ctx.input(0)) / (b * b) : nil
                return [ga, gb]
            }
    }

    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor {
        if _slowPath(x.dual != nil), let r = Vmap.elementwise(x, { -$0 }) { return r }
        check(x.dtype != .bool, "neg: negating a bool tensor of shape \(x.shape) is not supported; use ~ or logicalNot to invert a mask")
        return Kernels.unary(.neg, x, name: Op.neg.name).recorded(.neg, x, forward: .elementwise) { g, _ in [-g] }
    }

    // MARK: with scalars

    /// `x` converted to the dtype of `x op s` (PyTorch's result type with a Python scalar): an
    /// integer tensor meeting a fractional scalar becomes float32, a bool tensor meeting an integral
    /// one int64; floats keep their dtype.
    @inline(__always)
    static func promoted(_ x: Tensor, _ s: Double) -> Tensor {
        if x.dtype.isFloatingPoint { return x }
        let t = resultDType(x, scalar: s)
        return t == x.dtype ? x : x.to(t)
    }

    /// `x + s`.
    public static func + (x: Tensor, s: Double) -> Tensor {
        if _slowPath(x.dual != nil), let r = Vmap.elementwise(x, { $0 + s }) { return r }
        let x = promoted(x, s)
        return Kernels.unary(.addScalar(s), x, name: Op.add.name).recorded(.add, x, forward: .elementwise) { g, _ in [g] }
    }
    /// `s + x`.
    public static func + (s: Double, x: Tensor) -> Tensor { x + s }
    /// `x - s`.
    public static func - (x: Tensor, s: Double) -> Tensor { x + (-s) }
    /// `s - x`.
    public static func - (s: Double, x: Tensor) -> Tensor {
        if _slowPath(x.dual != nil), let r = Vmap.elementwise(x, { s - $0 }) { return r }
        let x = promoted(x, s)
        return Kernels.unary(.rsubScalar(s), x, name: Op.rsub.name).recorded(.rsub, x, forward: .elementwise) { g, _ in [-g] }
    }
    /// `x * s`.
    public static func * (x: Tensor, s: Double) -> Tensor {
        if _slowPath(x.dual != nil), let r = Vmap.elementwise(x, { $0 * s }) { return r }
        let x = promoted(x, s)
        return Kernels.unary(.mulScalar(s), x, name: Op.mul.name).recorded(.mul, x, forward: .elementwise) { g, _ in [g * s] }
    }
    /// `s * x`.
    public static func * (s: Double, x: Tensor) -> Tensor { x * s }
    /// `x / s`, correctly rounded: bitwise equal to `x / Tensor(s)` (s rounded to x's dtype first), as PyTorch.
    ///
    ///     let half = x / 2
    public static func / (x: Tensor, s: Double) -> Tensor {
        if _slowPath(x.dual != nil), let r = Vmap.elementwise(x, { $0 / s }) { return r }
        let y = x.dtype.isFloatingPoint ? x : x.to(.float32)
        return Kernels.unary(.divScalar(s), y, name: Op.div.name).recorded(.div, y, forward: .elementwise) { g, _ in [g / s] }
    }
    /// `s / x`.
    public static func / (s: Double, x: Tensor) -> Tensor {
        if _slowPath(x.dual != nil), let r = Vmap.elementwise(x, { s / $0 }) { return r }
        let y = x.dtype.isFloatingPoint ? x : x.to(.float32)
        return Kernels.unary(.rdivScalar(s), y, name: Op.rdiv.name)
            .recorded(.rdiv, y, save: .input0, forward: .elementwise) { g, ctx in
                // d(s/x)/dx = -s/x²
                let x = ctx.input(0)
                return [-(g * s) / (x * x)]
            }
    }

    // MARK: powers, maximum, minimum

    /// `x` raised to a scalar power.
    ///
    ///     let y = x.pow(2.5)
    public func pow(_ p: Double) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.pow(p) }) { return r }
        let base = Tensor.promoted(self, p)
        return Kernels.unary(.powScalar(p), base, name: Op.pow.name).recorded(.pow, base, save: .input0, forward: .elementwise) { g, ctx in
            if p == 0 { return [Tensor.zerosLike(g)] }
            let x = ctx.input(0)
            return [g * (x.pow(p - 1) * p)]
        }
    }

    /// Element-wise power with a tensor exponent (broadcast).
    public func pow(_ exponent: Tensor) -> Tensor {
        if _slowPath(dual != nil || exponent.dual != nil), let r = Vmap.binary(self, exponent, { $0.pow($1) }) { return r }
        let (a, b, shape) = Tensor.prepare(self, exponent, op: Op.pow.name)
        if !a.dtype.isFloatingPoint && a.dtype != .bool {
            // Integers stay integers, as PyTorch: exact powers by squaring (wrapping as C does);
            // a negative exponent gives 0 except for bases 1 and -1.
            let x = a.expand(shape).ints, e = b.expand(shape).ints
            let r = zip(x, e).map { base, n -> Int in
                if n < 0 { return base == 1 ? 1 : base == -1 ? (n % 2 == 0 ? 1 : -1) : 0 }
                var result = 1, sq = base, k = n
                while k > 0 {
                    if k & 1 == 1 { result = result &* sq }
                    sq = sq &* sq
                    k >>= 1
                }
                return result
            }
            return Tensor(r, shape: shape).to(a.dtype)
        }
        return Kernels.binary(.pow, a, b, shape: shape, name: Op.pow.name)
            .recorded(.pow, a, b, save: [.input0, .input1, .output], forward: .elementwise) { g, ctx in
                let x = ctx.input(0), e = ctx.input(1)
                let zero = Tensor.zeros([], dtype: g.dtype)
                // d(x^e)/dx = e·x^(e-1), taken as 0 where e == 0 (0^0: 0·0^-1 would be NaN), as PyTorch.
                let gx = ctx.needsGrad(0) ? Tensor.where(e.eq(0), zero, g * e * x.pow(e - 1)) : nil
                // d(x^e)/de = x^e · log x; where x == 0 and e >= 0 PyTorch defines it as 0.
                let ge = ctx.needsGrad(1) ? g * Tensor.where(x.eq(0) * e.ge(0), zero, ctx.output * x.log()) : nil
                return [gx, ge]
            }
    }

    /// Element-wise maximum (broadcast). At ties the gradient is split equally, as in PyTorch.
    public static func maximum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        if _slowPath(lhs.dual != nil || rhs.dual != nil), let r = Vmap.binary(lhs, rhs, { maximum($0, $1) }) { return r }
        let (a, b, shape) = prepare(lhs, rhs, op: Op.maximum.name)
        return Kernels.binary(.maximum, a, b, shape: shape, name: Op.maximum.name)
            .recorded(.maximum, a, b, save: [.input0, .input1], forward: .elementwise) { g, ctx in
                let w = ctx.input(0).gt(ctx.input(1)).to(g.dtype) + ctx.input(0).eq(ctx.input(1)).to(g.dtype) * 0.5
                return [g * w, g * (1 - w)]
            }
    }

    /// Element-wise minimum (broadcast). At ties the gradient is split equally.
    public static func minimum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        if _slowPath(lhs.dual != nil || rhs.dual != nil), let r = Vmap.binary(lhs, rhs, { minimum($0, $1) }) { return r }
        let (a, b, shape) = prepare(lhs, rhs, op: Op.minimum.name)
        return Kernels.binary(.minimum, a, b, shape: shape, name: Op.minimum.name)
            .recorded(.minimum, a, b, save: [.input0, .input1], forward: .elementwise) { g, ctx in
                let w = ctx.input(0).lt(ctx.input(1)).to(g.dtype) + ctx.input(0).eq(ctx.input(1)).to(g.dtype) * 0.5
                return [g * w, g * (1 - w)]
            }
    }

    /// Limits every element to `[min, max]`; the gradient passes where `min <= x <= max`.
    ///
    ///     let y = x.clamp(min: -1, max: 1)
    public func clamp(min lo: Double = -.infinity, max hi: Double = .infinity) -> Tensor {
        if _slowPath(dual != nil), let r = Vmap.elementwise(self, { $0.clamp(min: lo, max: hi) }) { return r }
        check(!(lo > hi), "clamp: min \(lo) is greater than max \(hi) (shape \(shape))")
        check(dtype.isFloatingPoint || !(lo.isNaN || hi.isNaN),
              "clamp: min \(lo) and max \(hi) must be numbers for an \(dtype) tensor of shape \(shape)")
        return Kernels.unary(.clamp(lo, hi), self, name: Op.clamp.name).recorded(.clamp, self, save: .input0, forward: .elementwise) { g, ctx in
            let x = ctx.input(0)
            let inside = Kernels.compare(.ge, x, Tensor.full([], lo, dtype: x.dtype), shape: x.shape)
            let below = Kernels.compare(.le, x, Tensor.full([], hi, dtype: x.dtype), shape: x.shape)
            return [g * (inside * below).to(g.dtype)]
        }
    }
}

// MARK: - Comparisons and where

extension Tensor {
    static func comparison(_ op: CompareOp, _ lhs: Tensor, _ rhs: Tensor, name: String) -> Tensor {
        if _slowPath(lhs.dual != nil || rhs.dual != nil), let r = Vmap.binary(lhs, rhs, { comparison(op, $0, $1, name: name) }) { return r }
        let (a, b, shape) = prepare(lhs, rhs, op: name)
        return Kernels.compare(op, a, b, shape: shape)
    }
    /// True where `self == other` (broadcast): a bool mask, compared in the operands' result dtype.
    /// Not differentiable.
    ///
    ///     let same = a.eq(b)          // .bool
    public func eq(_ other: Tensor) -> Tensor { Tensor.comparison(.eq, self, other, name: "eq") }
    public func ne(_ other: Tensor) -> Tensor { Tensor.comparison(.ne, self, other, name: "ne") }
    public func lt(_ other: Tensor) -> Tensor { Tensor.comparison(.lt, self, other, name: "lt") }
    public func le(_ other: Tensor) -> Tensor { Tensor.comparison(.le, self, other, name: "le") }
    public func gt(_ other: Tensor) -> Tensor { Tensor.comparison(.gt, self, other, name: "gt") }
    public func ge(_ other: Tensor) -> Tensor { Tensor.comparison(.ge, self, other, name: "ge") }
    /// Comparisons with a scalar: `x.gt(0)` is the mask of positive elements.
    public func eq(_ s: Double) -> Tensor { eq(Tensor.scalarOperand(s, for: self)) }
    public func ne(_ s: Double) -> Tensor { ne(Tensor.scalarOperand(s, for: self)) }
    public func lt(_ s: Double) -> Tensor { lt(Tensor.scalarOperand(s, for: self)) }
    public func le(_ s: Double) -> Tensor { le(Tensor.scalarOperand(s, for: self)) }
    public func gt(_ s: Double) -> Tensor { gt(Tensor.scalarOperand(s, for: self)) }
    public func ge(_ s: Double) -> Tensor { ge(Tensor.scalarOperand(s, for: self)) }

    /// Mask operators: `x .> 0` etc. give bool masks.
    public static func .== (a: Tensor, b: Tensor) -> Tensor { a.eq(b) }
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { a.ne(b) }
    public static func .< (a: Tensor, b: Tensor) -> Tensor { a.lt(b) }
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { a.le(b) }
    public static func .> (a: Tensor, b: Tensor) -> Tensor { a.gt(b) }
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { a.ge(b) }
    public static func .== (a: Tensor, s: Double) -> Tensor { a.eq(s) }
    public static func .!= (a: Tensor, s: Double) -> Tensor { a.ne(s) }
    public static func .< (a: Tensor, s: Double) -> Tensor { a.lt(s) }
    public static func .<= (a: Tensor, s: Double) -> Tensor { a.le(s) }
    public static func .> (a: Tensor, s: Double) -> Tensor { a.gt(s) }
    public static func .>= (a: Tensor, s: Double) -> Tensor { a.ge(s) }

    /// Picks from `a` where `condition` is true, else from `b` (all three broadcast; `a` and `b`
    /// promote to their result dtype). The condition is a bool mask; integer masks are read as
    /// `!= 0` (a convenience PyTorch no longer offers).
    ///
    ///     let y = Tensor.where(x .> 0, x, x * 0.1)     // leaky ReLU
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        if _slowPath(condition.dual != nil || a.dual != nil || b.dual != nil), let r = Vmap.ternary(condition, a, b, { `where`($0, $1, $2) }) { return r }
        check(condition.dtype.isIntegral(includingBool: true), "where: the condition must be a bool mask, got \(condition.dtype) (shapes: condition \(condition.shape), a \(a.shape), b \(b.shape))")
        check(broadcastShapeIfPossible(a.shape, b.shape).flatMap { broadcastShapeIfPossible(condition.shape, $0) } != nil,
              "where: shapes condition \(condition.shape), a \(a.shape) and b \(b.shape) cannot be broadcast together")
        let (x, y, ab) = prepare(a, b, op: "where")
        let shape = broadcastShape(condition.shape, ab, op: "where")
        return Kernels.select(condition, x, y, shape: shape)
            .recorded(.where, inputs: [x, y, condition], save: .input2, forward: .elementwise) { g, ctx in
                let c = ctx.input(2)
                let zero = Tensor.zeros([], dtype: g.dtype)
                return [ctx.needsGrad(0) ? Tensor.where(c, g, zero) : nil,
                        ctx.needsGrad(1) ? Tensor.where(c, zero, g) : nil, nil]
            }
    }

    /// Replaces elements where `mask` is true by `value` (PyTorch's `masked_fill`); the result keeps
    /// this tensor's dtype. `mask` is bool (integer masks are read as `!= 0`).
    ///
    ///     let scores = logits.maskedFill(padding, -.infinity)
    public func maskedFill(_ mask: Tensor, _ value: Double) -> Tensor {
        check(mask.dtype.isIntegral(includingBool: true), "maskedFill: the mask must be bool, got \(mask.dtype) of shape \(mask.shape) (tensor \(shape))")
        // The result keeps self's shape, as PyTorch's: the mask may broadcast to it, not widen it.
        check(broadcastShapeIfPossible(mask.shape, shape) == shape,
                     "maskedFill: mask of shape \(mask.shape) does not broadcast to the tensor's shape \(shape)")
        check(!mask.dtype.isFloatingPoint, "maskedFill: the mask must be an integer (0/1) tensor, got \(mask.dtype) of shape \(mask.shape) (tensor \(shape))")
        Tensor.checkFill(value, dtype: dtype, op: "maskedFill", shape: shape)
        return Tensor.where(mask, Tensor.full([], value, dtype: dtype), self)
    }
}

// MARK: - In-place

extension Tensor {
    /// In-place ops may not silently break autograd: a leaf that requires grad (or a view of one)
    /// can only be modified under `withNoGrad`; a non-leaf takes a new node whose input is its old
    /// history. Writing through a view records on the view's base (`endInPlace`).
    func beginInPlace(_ op: String, _ others: [Tensor]) -> InPlaceRecord? {
        check(!hasInternalOverlap, "\(op): unsupported operation: more than one element of the written-to tensor (shape \(shape), strides \(strides)) refers to a single memory location; call clone() before the in-place operation")
        // Forward-mode AD does not follow in-place writes: refuse one into a tensor that carries a
        // tangent, or of a tangent-carrying value while recording (a write under withNoGrad, such
        // as batchNorm's running statistics, drops the tangent).
        if _slowPath(dual != nil || others.contains { $0.dual != nil }) {
            let ctx = ThreadContext.current
            let level = ctx.forwardActive ? ctx.forwardLevel : 0
            check(tangent(at: level) == nil && (!ctx.gradEnabled || !others.contains { $0.tangent(at: level) != nil }),
                  "\(op): in-place ops on tensors that carry a forward-mode tangent are not supported (shape \(shape)); use the out-of-place op inside jvp/jacfwd")
        }
        let recording = ThreadContext.current.gradEnabled && (requiresGrad || others.contains { $0.requiresGrad })
        if !recording { return nil }
        check(node != nil || !leafRequiresGrad,
                     "\(op): a leaf tensor of shape \(shape) that requires grad cannot be modified in place; wrap the update in withNoGrad { } or use the out-of-place op")
        check(dtype.isFloatingPoint, "\(op): \(dtype) tensors cannot join a graph")
        if let base = viewBase {
            check(base.node != nil || !base.leafRequiresGrad,
                  "\(op): a view of a leaf Variable that requires grad is being used in an in-place operation (view \(shape) of base \(base.shape)); wrap the update in withNoGrad { } or write into a clone of the base")
            check(base.isContiguous, "\(op): in-place ops through a view need a contiguous base to be differentiable (view \(shape), base \(base.shape) with strides \(base.strides)); write into base.contiguous() instead")
            base.protectSavedOutput()
            return Tensor.viewInPlaceRecord(base: base, view: self)
        }
        protectSavedOutput()
        // The old value with the old history. A copy, not an alias: the new node's backward may
        // read it (mul_ and div_ need the value from before the update).
        let old = Kernels.contiguousCopy(self)
        old.node = node
        return InPlaceRecord(old: old, oldBase: nil)
    }

    /// An in-place write is about to change this tensor's storage: if this tensor's own node saved
    /// its output there, point that node at a snapshot of the current values so its backward keeps
    /// working (the write would otherwise fail its version check).
    func protectSavedOutput() {
        guard let n = node, n.outputStorage === storage, n.outputVersion == storage.version,
              n.outputOffset == storageOffset, n.outputStrides == explicitStrides else { return }
        let snapshot = Kernels.contiguousCopy(self)
        n.outputStorage = snapshot.storage
        n.outputVersion = snapshot.storage.version
        n.outputOffset = 0
        n.outputStrides = nil
    }

    /// Finishes an in-place op: bumps the version and, if recording, moves `self` onto a new node
    /// computed out of place from the old value (the values are equal; only the graph matters).
    /// For a view, the base takes the new node instead (`copySlices`), and the view (like every
    /// other view of that base) becomes a view of the base's new value when its node is next read.
    func endInPlace(_ op: String, old record: InPlaceRecord?, _ recompute: (Tensor) -> Tensor) {
        bumpVersion()
        guard let record else { return }
        let replacement = recompute(record.old)
        if let base = viewBase, let oldBase = record.oldBase {
            base.replaceNode(Tensor.copySlices(oldBase: oldBase, view: self, value: replacement))
            return
        }
        replaceNode(replacement.node)
        // The new node saved the replacement's storage as its output; point it at ours.
        if let n = node, n.outputStorage != nil {
            n.outputStorage = storage; n.outputVersion = storage.version
            n.outputOffset = storageOffset; n.outputStrides = explicitStrides
        }
    }

    static func inPlace(_ lhs: Tensor, _ rhs: Tensor, _ op: BinaryOp, _ name: String, _ f: (Tensor, Tensor) -> Tensor) {
        check(broadcastShape(lhs.shape, rhs.shape, op: name) == lhs.shape,
                     "\(name): the result of shapes \(lhs.shape) and \(rhs.shape) does not fit in the left operand's shape \(lhs.shape)")
        // As PyTorch: the result dtype must be castable to the left operand's (no float into an
        // integer tensor, no integer into a bool one).
        let result = resultDType(lhs, rhs)
        check(result.category <= lhs.dtype.category,
              "\(name): the result dtype \(result) of \(lhs.dtype) \(lhs.shape) and \(rhs.dtype) \(rhs.shape) cannot be stored in the left operand's dtype \(lhs.dtype)")
        let old = lhs.beginInPlace(name, [rhs])
        var r = rhs.dtype == lhs.dtype ? rhs : rhs.to(lhs.dtype)
        // A right operand overlapping the destination differently (x += x.t()) is read from a copy.
        if r.storage === lhs.storage && r !== lhs && r.geometry != lhs.geometry { r = Kernels.contiguousCopy(r) }
        // Computed straight into the left operand, through its strides (no temporary, no copy).
        _ = Kernels.binary(op, lhs, r, shape: lhs.shape, name: name, into: lhs)
        lhs.endInPlace(name, old: old) { f($0, rhs) }
    }

    /// In-place add; see `beginInPlace` for the autograd rules.
    ///
    ///     withNoGrad { w -= w.grad! * 0.1 }
    public static func += (lhs: Tensor, rhs: Tensor) { inPlace(lhs, rhs, .add, "add_") { $0 + $1 } }
    public static func -= (lhs: Tensor, rhs: Tensor) { inPlace(lhs, rhs, .sub, "sub_") { $0 - $1 } }
    public static func *= (lhs: Tensor, rhs: Tensor) { inPlace(lhs, rhs, .mul, "mul_") { $0 * $1 } }
    public static func /= (lhs: Tensor, rhs: Tensor) {
        check(lhs.dtype.isFloatingPoint, "div_: cannot divide a \(lhs.dtype) tensor of shape \(lhs.shape) in place (true division gives floats)")
        inPlace(lhs, rhs, .div, "div_") { $0 / $1 }
    }
    public static func += (lhs: Tensor, s: Double) { lhs += Tensor.scalarOperand(s, for: lhs) }
    public static func -= (lhs: Tensor, s: Double) { lhs -= Tensor.scalarOperand(s, for: lhs) }
    public static func *= (lhs: Tensor, s: Double) { lhs *= Tensor.scalarOperand(s, for: lhs) }
    public static func /= (lhs: Tensor, s: Double) { lhs /= Tensor.full([], s, dtype: lhs.dtype) }

    /// Sets every element to `value` in place (PyTorch's `fill_`).
    public func fill(_ value: Double) {
        Tensor.checkFill(value, dtype: dtype, op: "fill", shape: shape)
        let old = beginInPlace("fill_", [])
        Kernels.fill(self, value)
        endInPlace("fill_", old: old) { $0 * 0 + value }
    }

    /// Sets every element to zero in place (PyTorch's `zero_`).
    public func zero() { fill(0) }

    /// Copies `source`'s values (broadcast) into this tensor in place (PyTorch's `copy_`).
    public func copyFrom(_ source: Tensor) {
        check(broadcastShapeIfPossible(source.shape, shape) == shape,
              "copy_ (copyFrom): source of shape \(source.shape) does not broadcast to the destination's shape \(shape)")
        let old = beginInPlace("copy_", [source])
        var src = source.dtype == dtype ? source : source.to(dtype)
        if src.storage === storage && src.geometry != geometry { src = Kernels.contiguousCopy(src) }
        // Through both layouts: the source broadcast (stride 0), the destination possibly a view.
        Kernels.copyStrided(src, 0, broadcastStrides(of: src, to: shape), into: self, 0, strides, shape: shape)
        endInPlace("copy_", old: old) { $0 * 0 + source }
    }

    /// `self += other` with no checks or recording: the engine's gradient accumulation.
    func addInPlaceUnchecked(_ other: Tensor) {
        Kernels.addInPlace(self, other)
        bumpVersion()
    }
}
