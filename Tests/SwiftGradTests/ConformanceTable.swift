import Foundation
@testable import SwiftGrad

// THE mapping table of the conformance suite: op_db entry ("name" or "name.variant") → our spelling.
// One row per entry; the closure translates the sample's Python arguments (bound to the names after
// the spelling) to our call. Adding an op is one row. Arguments a row does not name make the sample
// unsupported; `dtypes:` (default: the float dtypes) says which sample dtypes the op takes.
// Read Docs/Conformance.md before adding rows.

extension Call {
    /// A tensor or a Python scalar operand, with PyTorch's promotion: an int acts on `x`'s dtype, a
    /// float on `x`'s float dtype (float32 for an integral or bool `x`).
    func operand(_ name: String, for x: Tensor) throws -> Tensor {
        switch value(name) {
        case .tensor(let t)?: return makeTensor(t)
        case .int(let i)?: return Tensor.scalarOperand(Double(i), for: x)
        case .float(let d)?: return Tensor.full([], d, dtype: x.dtype.isFloatingPoint ? x.dtype : .float32)
        case .bool(let b)?: return Tensor.full([], b ? 1 : 0, dtype: x.dtype == .bool ? .bool : x.dtype)
        default: throw Unsupported("\(name)=\(String(describing: value(name)))")
        }
    }

    /// Stops unless `device` is absent or the CPU (`{"device": "cpu"}` in the fixtures).
    func requireCPU(_ name: String = "device") throws {
        guard let v = value(name) else { return }
        try require("\(v)".contains("cpu"), "\(name)=\(v)")
    }

    /// An adaptive pool's output size: an int or a pair whose None entries keep the input's size.
    func adaptiveSize2(_ name: String, _ x: Tensor) throws -> Size2 {
        guard case .list(let xs)? = value(name), xs.count == 2 else { return try size2(name) }
        let sizes = try xs.enumerated().map { k, v -> Int in
            switch v {
            case .int(let i): return i
            case .null: return x.shape[x.rank - 2 + k]
            default: throw Unsupported("\(name) holds \(v)")
            }
        }
        return Size2(sizes[0], sizes[1])
    }

    func isTensor(_ name: String) -> Bool { if case .tensor? = value(name) { return true }; return false }
    /// PyTorch's `atol`/`rtol` of pinv and matrix_rank, each a number, a tensor or None: both as
    /// tensors (a number as a 0-d float64) when either is a tensor, else nil (use the Double overload).
    func tolerancesAsTensors() throws -> (atol: Tensor?, rtol: Tensor?)? {
        guard isTensor("atol") || isTensor("rtol") else { return nil }
        func one(_ name: String) throws -> Tensor? {
            if isTensor(name) { return try tensor(name) }
            return try doubleOrNil(name).map { Tensor.full([], $0, dtype: .float64) }
        }
        return (try one("atol"), try one("rtol"))
    }
    func isString(_ name: String) -> Bool { if case .string? = value(name) { return true }; return false }
    func doubleOrNil(_ name: String) throws -> Double? { if !has(name) { return nil }; return try double(name) }
    func size1OrNil(_ name: String) throws -> Int? { if !has(name) { return nil }; return try size1(name) }
    func size2OrNil(_ name: String) throws -> Size2? { if !has(name) { return nil }; return try size2(name) }

    func dtypeOrNil(_ name: String) throws -> DType? {
        switch value(name) {
        case .dtype(let d)?: return d
        case nil: return nil
        default: throw Unsupported("\(name)=\(String(describing: value(name)))")
        }
    }

    /// `correction=`, else `unbiased=` (True: 1), as `var`/`std` take them.
    func correction() throws -> Double {
        if has("correction") { return try double("correction") }
        return try bool("unbiased", true) ? 1 : 0
    }

    /// `dim` as axes: nil for None (all axes), an int or a list.
    func axes(_ name: String = "dim") throws -> [Int]? { try intsOrNil(name) }

    /// The input converted to the `dtype` keyword (PyTorch casts before reducing), when given.
    func castInput(_ x: Tensor, _ name: String = "dtype") throws -> Tensor {
        switch value(name) {
        case .dtype(let d)?: return x.to(d)
        case nil: return x
        default: throw Unsupported("\(name)=\(String(describing: value(name)))")
        }
    }

    func reduction() throws -> Reduction {
        switch try string("reduction", "mean") {
        case "mean": return .mean
        case "sum": return .sum
        case "none": return .none
        case let r: throw Unsupported("reduction=\(r)")
        }
    }

    /// A Size2 from an int or a pair.
    func size2(_ name: String, _ default: Int? = nil) throws -> Size2 {
        if !has(name), let d = `default` { return Size2(d) }
        let v = try ints(name)
        try require(v.count == 1 || v.count == 2, "\(name)=\(v)")
        return v.count == 1 ? Size2(v[0]) : Size2(v[0], v[1])
    }

    /// A 1-d size from an int or a one-element list.
    func size1(_ name: String, _ default: Int? = nil) throws -> Int {
        if !has(name), let d = `default` { return d }
        let v = try ints(name)
        try require(v.count == 1, "\(name)=\(v)")
        return v[0]
    }
}

/// Reductions over `dim` (None: all axes) with `keepdim`, the input cast to `dtype` first.
private func reduce(_ c: Call, _ all: (Tensor) -> Tensor, _ some: (Tensor, [Int], Bool) -> Tensor) throws -> Tensor {
    let x = try c.castInput(c.x)
    let keep = try c.bool("keepdim", false)
    guard let axes = try c.axes() else { return keep ? some(x, Array(0..<x.rank), true) : all(x) }
    return some(x, axes, keep)
}

/// A unary op on the input.
private func un(_ spelling: String, dtypes: DTypes = .floating, _ f: @escaping (Tensor) -> Tensor) -> Mapping {
    m(spelling, "input", dtypes: dtypes) { f(try $0.x) }
}

/// A binary op of the input and `other` (a tensor or a Python scalar).
private func bin(_ spelling: String, dtypes: DTypes = .numeric, _ f: @escaping (Tensor, Tensor) -> Tensor) -> Mapping {
    m(spelling, "input", "other", dtypes: dtypes) { c in let x = try c.x; return f(x, try c.operand("other", for: x)) }
}

/// An activation `F.name(input, inplace=False)`.
private func act(_ spelling: String, dtypes: DTypes = .floating, _ f: @escaping (Tensor) -> Tensor) -> Mapping {
    m(spelling, "input", "inplace", dtypes: dtypes) { c in try c.reject("inplace", unless: .bool(false)); return f(try c.x) }
}

/// `F.interpolate` on 3-D input [n, c, l] in the modes that act on each axis alone (nearest, area):
/// the 2-D op on [n, c, 1, l] with the height kept.
private func interp1d(_ c: Call, _ x: Tensor, _ mode: InterpolationMode) throws -> Tensor {
    switch mode {
    case .nearest, .area: break
    default: throw Unsupported("input of rank 3")
    }
    try c.reject("antialias", unless: .bool(false))
    let recompute = try c.bool("recompute_scale_factor", false)
    let x4 = x.unsqueeze(axis: 2)
    if c.has("size") { return interpolate(x4, size: Size2(1, try c.size1("size")), mode: mode).squeeze(axis: 2) }
    let f: Double
    if case .list(let fs)? = c.value("scale_factor") {
        try c.require(fs.count == 1, "scale_factor \(fs)")
        switch fs[0] { case .float(let d): f = d; case .int(let i): f = Double(i); default: throw Unsupported("scale_factor") }
    } else {
        f = try c.double("scale_factor")
    }
    return interpolate(x4, scaleFactor: (1, f), mode: mode, recomputeScaleFactor: recompute).squeeze(axis: 2)
}

/// `F.interpolate` (and the `upsample_*` aliases) on 4-D input, by size or scale factor.
private func interp(_ c: Call, _ mode: InterpolationMode, alignCorners: Bool? = nil) throws -> Tensor {
    let x = try c.x
    if x.rank == 3 { return try interp1d(c, x, mode) }
    try c.require(x.rank == 4, "input of rank \(x.rank)")
    try c.reject("antialias", unless: .bool(false))
    let recompute = try c.bool("recompute_scale_factor", false)
    let ac = try alignCorners ?? c.bool("align_corners", false)
    if c.has("size") { return interpolate(x, size: try c.size2("size"), mode: mode, alignCorners: ac) }
    if case .list(let fs)? = c.value("scale_factor") {
        try c.require(fs.count == 2, "scale_factor \(fs)")
        let f = try fs.map { v -> Double in
            switch v { case .float(let d): return d; case .int(let i): return Double(i); default: throw Unsupported("scale_factor") }
        }
        return interpolate(x, scaleFactor: (f[0], f[1]), mode: mode, alignCorners: ac, recomputeScaleFactor: recompute)
    }
    return interpolate(x, scaleFactor: try c.double("scale_factor"), mode: mode, alignCorners: ac, recomputeScaleFactor: recompute)
}

enum ConformanceTable {
    // Computed (closures are not Sendable); read once per run. The rows are grouped in several
    // literals (one long literal of closures is slow to type-check).
    static var mappings: [String: Mapping] {
        var all = coreRows
        for group in [mathRows, reductionRows, manipulationRows, nnRows, linalgRows, volumeRows, copyRows, extraRows, ops16newRows, mod16Rows] {
            all.merge(group) { _, _ in fatalError("ConformanceTable: an op_db entry has two rows") }
        }
        return all
    }

    static var coreRows: [String: Mapping] { [
        // Elementwise math.
        "abs": un("x.abs()", dtypes: .numeric) { $0.abs() },
        "neg": un("-x", dtypes: .numeric) { -$0 },
        "exp": un("x.exp()", dtypes: .all) { $0.exp() },
        "log": un("x.log()", dtypes: .all) { $0.log() },
        "log1p": un("x.log1p()", dtypes: .all) { $0.log1p() },
        "expm1": un("x.expm1()", dtypes: .all) { $0.expm1() },
        "sqrt": un("x.sqrt()", dtypes: .all) { $0.sqrt() },
        "rsqrt": un("x.rsqrt()", dtypes: .all) { $0.rsqrt() },
        "reciprocal": un("x.reciprocal()", dtypes: .all) { $0.reciprocal() },
        "sign": un("x.sign()", dtypes: .all) { $0.sign() },
        "square": un("x.square()", dtypes: .all) { $0.square() },
        "sin": un("x.sin()", dtypes: .all) { $0.sin() },
        "cos": un("x.cos()", dtypes: .all) { $0.cos() },
        "tanh": un("x.tanh()", dtypes: .all) { $0.tanh() },
        "sigmoid": un("x.sigmoid()", dtypes: .all) { $0.sigmoid() },
        "erf": un("x.erf()", dtypes: .all) { $0.erf() },
        "positive": un("x", dtypes: .numeric) { $0 },
        // memory_format only changes strides (values are the same; ours are always row-major).
        "clone": m("x.clone()", "input", "memory_format", dtypes: .all) { c in (try c.x).clone() },
        "contiguous": m("x.contiguous()", "input", "memory_format", dtypes: .all) { c in (try c.x).contiguous() },
        "isnan": un("x.isnan()", dtypes: .all) { $0.isnan() },
        "isinf": un("x.isinf()", dtypes: .all) { $0.isinf() },
        "isfinite": un("x.isfinite()", dtypes: .all) { $0.isfinite() },
        "isposinf": un("x.isposinf()", dtypes: .all) { $0.isposinf() },
        "isneginf": un("x.isneginf()", dtypes: .all) { $0.isneginf() },
        "logical_not": un("x.logicalNot()", dtypes: .all) { $0.logicalNot() },
        "bitwise_not": un("x.bitwiseNot()", dtypes: .integral) { $0.bitwiseNot() },
        "pow": m("x.pow(p)", "input", "exponent", dtypes: .numeric) { c in
            let x = try c.x
            if case .tensor? = c.value("exponent") { return x.pow(try c.tensor("exponent")) }
            return x.pow(try c.operand("exponent", for: x))
        },
        "clamp": m("x.clamp(min:max:) / x.clamp(min: Tensor?, max: Tensor?)", "input", "min", "max", dtypes: .numeric) { c in
            let x = try c.x
            if c.isTensor("min") || c.isTensor("max") {
                return x.clamp(min: try c.tensorOrNil("min"), max: try c.tensorOrNil("max"))
            }
            if !x.dtype.isFloatingPoint {
                // Python number bounds of an integer tensor: 0-d operands with PyTorch's promotion.
                return x.clamp(min: try c.has("min") ? c.operand("min", for: x) : nil, max: try c.has("max") ? c.operand("max", for: x) : nil)
            }
            return x.clamp(min: try c.double("min", -.infinity), max: try c.double("max", .infinity))
        },

        // Binary arithmetic, comparison, logical and bitwise ops.
        "add": m("a + b, a + alpha·b", "input", "other", "alpha", dtypes: .all) { c in
            let x = try c.x, y = try c.operand("other", for: x), alpha = try c.double("alpha", 1)
            return alpha == 1 ? x + y : x + y * alpha
        },
        "sub": m("a - b", "input", "other", "alpha", dtypes: .numeric) { c in
            let x = try c.x, y = try c.operand("other", for: x), alpha = try c.double("alpha", 1)
            return alpha == 1 ? x - y : x - y * alpha
        },
        "mul": bin("a * b", dtypes: .all) { $0 * $1 },
        "div.no_rounding_mode": bin("a / b", dtypes: .all) { $0 / $1 },
        "true_divide": bin("a / b", dtypes: .all) { $0 / $1 },
        "div.floor_rounding": m("a.floorDivide(b)", "input", "other", "rounding_mode", dtypes: .numeric) { c in
            let x = try c.x
            return x.floorDivide(try c.operand("other", for: x))
        },
        "floor_divide": bin("a.floorDivide(b)") { $0.floorDivide($1) },
        "remainder": bin("a.remainder(b)") { $0.remainder($1) },
        "fmod": bin("a.fmod(b)") { $0.fmod($1) },
        "eq": bin("a.eq(b)", dtypes: .all) { $0.eq($1) },
        "ne": bin("a.ne(b)", dtypes: .all) { $0.ne($1) },
        "lt": bin("a.lt(b)", dtypes: .all) { $0.lt($1) },
        "le": bin("a.le(b)", dtypes: .all) { $0.le($1) },
        "gt": bin("a.gt(b)", dtypes: .all) { $0.gt($1) },
        "ge": bin("a.ge(b)", dtypes: .all) { $0.ge($1) },
        "maximum": bin("Tensor.maximum(a, b)", dtypes: .all) { Tensor.maximum($0, $1) },
        "minimum": bin("Tensor.minimum(a, b)", dtypes: .all) { Tensor.minimum($0, $1) },
        "max.binary": bin("Tensor.maximum(a, b)", dtypes: .all) { Tensor.maximum($0, $1) },
        "min.binary": bin("Tensor.minimum(a, b)", dtypes: .all) { Tensor.minimum($0, $1) },
        "logical_and": bin("a.logicalAnd(b)", dtypes: .all) { $0.logicalAnd($1) },
        "logical_or": bin("a.logicalOr(b)", dtypes: .all) { $0.logicalOr($1) },
        "logical_xor": bin("a.logicalXor(b)", dtypes: .all) { $0.logicalXor($1) },
        "bitwise_and": bin("a & b", dtypes: .integral) { $0 & $1 },
        "bitwise_or": bin("a | b", dtypes: .integral) { $0 | $1 },
        "bitwise_xor": bin("a ^ b", dtypes: .integral) { $0 ^ $1 },
        "bitwise_left_shift": bin("a << b", dtypes: .integral) { $0 << $1 },
        "bitwise_right_shift": bin("a >> b", dtypes: .integral) { $0 >> $1 },
        "where": m("Tensor.where(c, a, b)", "input", "condition", "other", dtypes: .all) { c in
            let x = try c.x
            return Tensor.where(try c.tensor("condition"), x, try c.operand("other", for: x))
        },
        "masked_fill": m("x.maskedFill(mask, v) / Tensor.where(mask, value, x)", "input", "mask", "value", dtypes: .all) { c in
            let x = try c.x
            // A 0-d tensor value (which receives the gradient of the filled places) is `where`.
            if c.isTensor("value") { return Tensor.where(try c.tensor("mask"), try c.tensor("value").to(x.dtype), x) }
            return x.maskedFill(try c.tensor("mask"), try c.double("value"))
        },

        // Reductions.
        "sum": m("x.sum(axes:keepDim:)", "input", "dim", "keepdim", "dtype", dtypes: .all) { c in
            try reduce(c, { $0.sum() }, { $0.sum(axes: $1, keepDim: $2) })
        },
        "mean": m("x.mean(axes:keepDim:)", "input", "dim", "keepdim", "dtype") { c in
            try reduce(c, { $0.mean() }, { $0.mean(axes: $1, keepDim: $2) })
        },
        "prod": m("x.prod(axis:keepDim:)", "input", "dim", "keepdim", "dtype", dtypes: .all) { c in
            let x = try c.castInput(c.x)
            guard let a = try c.intOrNil("dim") else { return x.prod() }
            return x.prod(axis: a, keepDim: try c.bool("keepdim", false))
        },
        "var": m("x.variance(axes:correction:keepDim:)", "input", "dim", "unbiased", "keepdim", "correction") { c in
            let corr = try c.correction()
            return (try c.x).variance(axes: try c.axes(), correction: corr, keepDim: try c.bool("keepdim", false))
        },
        "var.unbiased": m("x.variance(axes:correction:keepDim:)", "input", "unbiased") { c in
            (try c.x).variance(correction: try c.bool("unbiased", true) ? 1 : 0)
        },
        "std": m("x.std(axes:correction:keepDim:)", "input", "dim", "unbiased", "keepdim", "correction") { c in
            let corr = try c.correction()
            return (try c.x).std(axes: try c.axes(), correction: corr, keepDim: try c.bool("keepdim", false))
        },
        "std.unbiased": m("x.std(correction:)", "input", "unbiased") { c in
            (try c.x).std(correction: try c.bool("unbiased", true) ? 1 : 0)
        },
        "max.reduction_no_dim": un("x.max()", dtypes: .all) { $0.max() },
        "min.reduction_no_dim": un("x.min()", dtypes: .all) { $0.min() },
        "max.reduction_with_dim": m("x.max(axis:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            let r = (try c.x).max(axis: try c.int("dim"), keepDim: try c.bool("keepdim", false))
            return outs(r.values, r.indices)
        },
        "min.reduction_with_dim": m("x.min(axis:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            let r = (try c.x).min(axis: try c.int("dim"), keepDim: try c.bool("keepdim", false))
            return outs(r.values, r.indices)
        },
        "argmax": m("x.argmax(axis:keepDim:)", "input", "dim", "keepdim", dtypes: .numeric) { c in
            (try c.x).argmax(axis: try c.intOrNil("dim"), keepDim: try c.bool("keepdim", false))
        },
        "argmin": m("x.argmin(axis:keepDim:)", "input", "dim", "keepdim", dtypes: .numeric) { c in
            (try c.x).argmin(axis: try c.intOrNil("dim"), keepDim: try c.bool("keepdim", false))
        },
        "logsumexp": m("x.logsumexp(axes:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            (try c.x).logsumexp(axes: try c.axes() ?? [], keepDim: try c.bool("keepdim", false))
        },
        "cumsum": m("x.cumsum(axis:)", "input", "dim", "dtype", dtypes: .all) { c in
            try c.castInput(c.x).cumsum(axis: try c.int("dim"))
        },
        "cumprod": m("x.cumprod(axis:)", "input", "dim", "dtype", dtypes: .all) { c in
            try c.castInput(c.x).cumprod(axis: try c.int("dim"))
        },
        "any": m("x.any(axis:keepDim:) / x.any(axes:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            let keep = try c.bool("keepdim", false)
            guard let axes = try c.axes() else { return (try c.x).any(axis: nil, keepDim: keep) }
            return (try c.x).any(axes: axes, keepDim: keep)
        },
        "all": m("x.all(axis:keepDim:) / x.all(axes:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            let keep = try c.bool("keepdim", false)
            guard let axes = try c.axes() else { return (try c.x).all(axis: nil, keepDim: keep) }
            return (try c.x).all(axes: axes, keepDim: keep)
        },
        "count_nonzero": m("x.countNonzero() / x.countNonzero(axes:)", "input", "dim", dtypes: .all) { c in
            guard let axes = try c.axes() else { return (try c.x).countNonzero() }
            return (try c.x).countNonzero(axes: axes)
        },
        "norm": m("x.norm(p:axes:keepDim:)", "input", "p", "dim", "keepdim") { c in
            (try c.x).norm(p: try c.double("p", 2), axes: try c.axes(), keepDim: try c.bool("keepdim", false))
        },
        "masked_select": m("x.maskedSelect(mask)", "input", "mask", dtypes: .all) { c in
            (try c.x).maskedSelect(try c.tensor("mask"))
        },

        // Shapes and views.
        "reshape": m("x.reshape(shape)", "input", "shape", dtypes: .all) { c in (try c.x).reshape(try c.ints("shape")) },
        "view": m("x.view(shape)", "input", "size", dtypes: .all) { c in (try c.x).view(try c.ints("size")) },
        "reshape_as": m("x.reshape(other.shape)", "input", "other", dtypes: .all) { c in (try c.x).reshape(try c.tensor("other").shape) },
        "view_as": m("x.view(other.shape)", "input", "other", dtypes: .all) { c in (try c.x).view(try c.tensor("other").shape) },
        "ravel": un("x.reshape([-1])", dtypes: .all) { $0.reshape([-1]) },
        "flatten": m("x.flatten(startAxis:endAxis:)", "input", "start_dim", "end_dim", dtypes: .all) { c in
            (try c.x).flatten(startAxis: try c.int("start_dim", 0), endAxis: try c.int("end_dim", -1))
        },
        "squeeze": m("x.squeeze(axis:)", "input", "dim", dtypes: .all) { c in (try c.x).squeeze(axis: try c.intOrNil("dim")) },
        "unsqueeze": m("x.unsqueeze(axis:)", "input", "dim", dtypes: .all) { c in (try c.x).unsqueeze(axis: try c.int("dim")) },
        "permute": m("x.permute(axes)", "input", "dims", dtypes: .all) { c in (try c.x).permute(try c.ints("dims")) },
        "transpose": m("x.transpose(a, b)", "input", "dim0", "dim1", dtypes: .all) { c in
            (try c.x).transpose(try c.int("dim0"), try c.int("dim1"))
        },
        "t": un("x.t()", dtypes: .all) { $0.t() },
        "T": un("x.T", dtypes: .all) { $0.T },
        "mT": un("x.mT", dtypes: .all) { $0.mT },
        "expand": m("x.expand(shape)", "input", "size", dtypes: .all) { c in (try c.x).expand(try c.ints("size")) },
        "expand_as": m("x.expand(as: y)", "input", "other", dtypes: .all) { c in (try c.x).expand(as: try c.tensor("other")) },
        "broadcast_to": m("x.broadcastTo(shape)", "input", "size", dtypes: .all) { c in (try c.x).broadcastTo(try c.ints("size")) },
        "repeat": m("x.repeat(counts)", "input", "repeats", dtypes: .all) { c in (try c.x).repeat(try c.ints("repeats")) },
        "cat": m("Tensor.cat(xs, axis:)", "tensors", "dim", dtypes: .all) { c in
            Tensor.cat(try c.tensors("tensors"), axis: try c.int("dim", 0))
        },
        "stack": m("Tensor.stack(xs, axis:)", "tensors", "dim", dtypes: .all) { c in
            Tensor.stack(try c.tensors("tensors"), axis: try c.int("dim", 0))
        },
        "split": m("x.split(size:axis:)", "input", "split_size_or_sections", "dim", dtypes: .all) { c in
            (try c.x).split(size: try c.int("split_size_or_sections"), axis: try c.int("dim", 0))
        },
        "split.list_args": m("x.split(sizes:axis:)", "input", "split_size_or_sections", "dim", dtypes: .all) { c in
            (try c.x).split(sizes: try c.ints("split_size_or_sections"), axis: try c.int("dim", 0))
        },
        "split_with_sizes": m("x.split(sizes:axis:)", "input", "split_sizes", "dim", dtypes: .all) { c in
            (try c.x).split(sizes: try c.ints("split_sizes"), axis: try c.int("dim", 0))
        },
        "chunk": m("x.chunk(n, axis:)", "input", "chunks", "dim", dtypes: .all) { c in
            (try c.x).chunk(try c.int("chunks"), axis: try c.int("dim", 0))
        },
        "narrow": m("x.narrow(axis:start:length:)", "input", "dim", "start", "length", dtypes: .all) { c in
            // PyTorch also takes a 0-d integer tensor as the start.
            let start = c.isTensor("start") ? Int(try c.tensor("start").item()) : try c.int("start")
            return (try c.x).narrow(axis: try c.int("dim"), start: start, length: try c.int("length"))
        },
        "select": m("x.select(axis:index:)", "input", "dim", "index", dtypes: .all) { c in
            (try c.x).select(axis: try c.int("dim"), index: try c.int("index"))
        },
        "unbind": m("x.unbind(axis:)", "input", "dim", dtypes: .all) { c in (try c.x).unbind(axis: try c.int("dim", 0)) },
        "movedim": m("x.movedim(src, dst) / x.movedim([src], [dst])", "input", "source", "destination", dtypes: .all) { c in
            (try c.x).movedim(try c.ints("source"), try c.ints("destination"))
        },
        "flip": m("x.flip(axes:)", "input", "dims", dtypes: .all) { c in (try c.x).flip(axes: try c.ints("dims")) },
        "unfold": m("x.unfold(axis:size:step:)", "input", "dimension", "size", "step", dtypes: .all) { c in
            (try c.x).unfold(axis: try c.int("dimension"), size: try c.int("size"), step: try c.int("step"))
        },
        "diagonal": m("x.diagonal(offset:axis1:axis2:)", "input", "offset", "dim1", "dim2", dtypes: .all) { c in
            (try c.x).diagonal(offset: try c.int("offset", 0), axis1: try c.int("dim1", 0), axis2: try c.int("dim2", 1))
        },
        "as_strided": m("x.asStrided(shape:strides:offset:)", "input", "size", "stride", "storage_offset", dtypes: .all) { c in
            (try c.x).asStrided(shape: try c.ints("size"), strides: try c.ints("stride"), offset: try c.intOrNil("storage_offset"))
        },
        "constant_pad_nd": m("x.pad(padding, value:)", "input", "pad", "value", dtypes: .all) { c in
            (try c.x).pad(try c.ints("pad"), value: try c.double("value", 0))
        },
        "nn.functional.pad.constant": m("x.pad(padding, value:)", "input", "pad", "mode", "value", dtypes: .all) { c in
            try c.reject("mode", unless: .string("constant"))
            return (try c.x).pad(try c.ints("pad"), value: try c.double("value", 0))
        },

        // Indexing.
        "index_select": m("x.indexSelect(axis:indices:)", "input", "dim", "index", dtypes: .all) { c in
            (try c.x).indexSelect(axis: try c.int("dim"), indices: try c.tensor("index"))
        },
        "gather": m("x.gather(axis:index:)", "input", "dim", "index", "sparse_grad", dtypes: .all) { c in
            try c.reject("sparse_grad", unless: .bool(false))
            return (try c.x).gather(axis: try c.int("dim"), index: try c.tensor("index"))
        },
        "scatter_add": m("x.scatterAdd(axis:index:source:)", "input", "dim", "index", "src", dtypes: .all) { c in
            (try c.x).scatterAdd(axis: try c.int("dim"), index: try c.tensor("index"), source: try c.tensor("src"))
        },
        "index_add": m("x.indexAdd(axis:indices:source:alpha:)", "input", "dim", "index", "source", "alpha", dtypes: .all) { c in
            (try c.x).indexAdd(axis: try c.int("dim"), indices: try c.tensor("index"), source: try c.tensor("source"),
                               alpha: try c.double("alpha", 1))
        },

        // Products.
        "matmul": m("a.matmul(b)", "input", "other", dtypes: .numeric) { c in (try c.x).matmul(try c.tensor("other")) },
        "mm": m("a.mm(b)", "input", "mat2", dtypes: .numeric) { c in (try c.x).mm(try c.tensor("mat2")) },
        "bmm": m("a.bmm(b)", "input", "mat2", dtypes: .numeric) { c in (try c.x).bmm(try c.tensor("mat2")) },
        "dot": m("a.dot(b)", "input", "tensor", dtypes: .numeric) { c in (try c.x).dot(try c.tensor("tensor")) },
        "mv": m("a.matmul(v)", "input", "vec", dtypes: .numeric) { c in (try c.x).matmul(try c.tensor("vec")) },
        "outer": m("Linalg.outer(a, b)", "input", "vec2", dtypes: .all) { c in Linalg.outer(try c.x, try c.tensor("vec2")) },
        "kron": m("Linalg.kron(a, b)", "input", "other", dtypes: .all) { c in Linalg.kron(try c.x, try c.tensor("other")) },
        "trace": un("Linalg.trace(a)", dtypes: .numeric) { Linalg.trace($0) },
        "tril": m("Linalg.tril(a, k:)", "input", "diagonal", dtypes: .all) { c in Linalg.tril(try c.x, k: try c.int("diagonal", 0)) },
        "triu": m("Linalg.triu(a, k:)", "input", "diagonal", dtypes: .all) { c in Linalg.triu(try c.x, k: try c.int("diagonal", 0)) },
        "diag": m("Linalg.diag(x, offset:)", "input", "diagonal", dtypes: .all) { c in Linalg.diag(try c.x, offset: try c.int("diagonal", 0)) },
        "nn.functional.linear": m("linear(x, weight:bias:)", "input", "weight", "bias", dtypes: .numeric) { c in
            linear(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"))
        },

        // Softmax and activations.
        "softmax": m("x.softmax(axis:)", "input", "dim", "dtype") { c in try c.castInput(c.x).softmax(axis: try c.int("dim")) },
        "softmax.with_dtype": m("x.to(dtype).softmax(axis:)", "input", "dim", "dtype", dtypes: .all) { c in
            try c.castInput(c.x).softmax(axis: try c.int("dim"))
        },
        "log_softmax": m("x.logSoftmax(axis:)", "input", "dim", "dtype") { c in try c.castInput(c.x).logSoftmax(axis: try c.int("dim")) },
        "log_softmax.with_dtype": m("x.to(dtype).logSoftmax(axis:)", "input", "dim", "dtype", dtypes: .all) { c in
            try c.castInput(c.x).logSoftmax(axis: try c.int("dim"))
        },
        "nn.functional.relu": act("relu(x)", dtypes: .numeric) { relu($0) },
        "nn.functional.silu": act("silu(x)") { silu($0) },
        "nn.functional.mish": act("mish(x)") { mish($0) },
        "nn.functional.selu": act("selu(x)") { selu($0) },
        "nn.functional.relu6": act("relu6(x)", dtypes: .numeric) { relu6($0) },
        "nn.functional.hardsigmoid": act("hardsigmoid(x)") { hardsigmoid($0) },
        "nn.functional.hardswish": act("hardswish(x)") { hardswish($0) },
        "nn.functional.logsigmoid": un("logSigmoid(x)") { logSigmoid($0) },
        "nn.functional.softsign": un("softsign(x)", dtypes: .numeric) { softsign($0) },
        "nn.functional.gelu": m("gelu(x, approximate:)", "input", "approximate") { c in
            let a = try c.string("approximate", "none")
            try c.require(a == "none" || a == "tanh", "approximate=\(a)")
            return gelu(try c.x, approximate: a == "tanh" ? .tanh : .none)
        },
        "nn.functional.elu": m("elu(x, alpha:)", "input", "alpha", "inplace") { c in
            try c.reject("inplace", unless: .bool(false))
            return elu(try c.x, alpha: try c.double("alpha", 1))
        },
        "nn.functional.leaky_relu": m("leakyRelu(x, negativeSlope:)", "input", "negative_slope", "inplace") { c in
            try c.reject("inplace", unless: .bool(false))
            return leakyRelu(try c.x, negativeSlope: try c.double("negative_slope", 0.01))
        },
        "nn.functional.hardtanh": m("hardtanh(x, min:max:)", "input", "min_val", "max_val", "inplace", dtypes: .numeric) { c in
            try c.reject("inplace", unless: .bool(false))
            return hardtanh(try c.x, min: try c.double("min_val", -1), max: try c.double("max_val", 1))
        },
        "nn.functional.softplus": m("softplus(x, beta:threshold:)", "input", "beta", "threshold") { c in
            softplus(try c.x, beta: try c.double("beta", 1), threshold: try c.double("threshold", 20))
        },

        // Losses.
        "nn.functional.mse_loss": m("mseLoss(x, y, reduction:)", "input", "target", "size_average", "reduce", "reduction") { c in
            mseLoss(try c.x, try c.tensor("target"), reduction: try c.reduction())
        },
        "nn.functional.l1_loss": m("l1Loss(x, y, reduction:)", "input", "target", "size_average", "reduce", "reduction") { c in
            l1Loss(try c.x, try c.tensor("target"), reduction: try c.reduction())
        },
        "nn.functional.smooth_l1_loss": m("smoothL1Loss(x, y, beta:reduction:)", "input", "target", "size_average", "reduce", "reduction", "beta") { c in
            smoothL1Loss(try c.x, try c.tensor("target"), beta: try c.double("beta", 1), reduction: try c.reduction())
        },
        "nn.functional.huber_loss": m("huberLoss(x, y, delta:reduction:)", "input", "target", "reduction", "delta") { c in
            huberLoss(try c.x, try c.tensor("target"), delta: try c.double("delta", 1), reduction: try c.reduction())
        },
        "nn.functional.cross_entropy": m("crossEntropy(logits:targets:weight:ignoreIndex:labelSmoothing:reduction:)",
                                         "input", "target", "weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing") { c in
            crossEntropy(logits: try c.x, targets: try c.tensor("target"), weight: try c.tensorOrNil("weight"),
                         ignoreIndex: try c.int("ignore_index", -100), labelSmoothing: try c.double("label_smoothing", 0),
                         reduction: try c.reduction())
        },
        "nn.functional.nll_loss": m("nllLoss(logProbs:targets:weight:ignoreIndex:reduction:)",
                                    "input", "target", "weight", "size_average", "ignore_index", "reduce", "reduction") { c in
            nllLoss(logProbs: try c.x, targets: try c.tensor("target"), weight: try c.tensorOrNil("weight"),
                    ignoreIndex: try c.int("ignore_index", -100), reduction: try c.reduction())
        },
        "nn.functional.binary_cross_entropy": m("binaryCrossEntropy(p, y, weight:reduction:)",
                                                "input", "target", "weight", "size_average", "reduce", "reduction") { c in
            binaryCrossEntropy(try c.x, try c.tensor("target"), weight: try c.tensorOrNil("weight"), reduction: try c.reduction())
        },
        "nn.functional.binary_cross_entropy_with_logits": m("binaryCrossEntropyWithLogits(x, y, weight:posWeight:reduction:)",
                                                            "input", "target", "weight", "size_average", "reduce", "reduction", "pos_weight") { c in
            binaryCrossEntropyWithLogits(try c.x, try c.tensor("target"), weight: try c.tensorOrNil("weight"),
                                         posWeight: try c.tensorOrNil("pos_weight"), reduction: try c.reduction())
        },
        "nn.functional.kl_div": m("klDiv(x, y, reduction:logTarget:)", "input", "target", "size_average", "reduce", "reduction", "log_target") { c in
            let r = try c.string("reduction", "mean") == "batchmean" ? Reduction.batchMean : try c.reduction()
            return klDiv(try c.x, try c.tensor("target"), reduction: r, logTarget: try c.bool("log_target", false))
        },
        "nn.functional.cosine_embedding_loss": m("cosineEmbeddingLoss(a, b, y, margin:reduction:)",
                                                 "input1", "input2", "target", "margin", "size_average", "reduce", "reduction", dtypes: .all) { c in
            cosineEmbeddingLoss(try c.tensor("input1"), try c.tensor("input2"), try c.tensor("target"),
                                margin: try c.double("margin", 0), reduction: try c.reduction())
        },
        "nn.functional.margin_ranking_loss": m("marginRankingLoss(a, b, y, margin:reduction:)",
                                               "input1", "input2", "target", "margin", "size_average", "reduce", "reduction", dtypes: .numeric) { c in
            marginRankingLoss(try c.tensor("input1"), try c.tensor("input2"), try c.tensor("target"),
                              margin: try c.double("margin", 0), reduction: try c.reduction())
        },

        // Convolution, pooling, normalization, embedding.
        "nn.functional.conv1d": m("conv1d(x, weight:bias:stride:padding:dilation:groups:)",
                                  "input", "weight", "bias", "stride", "padding", "dilation", "groups", dtypes: .numeric) { c in
            let padding: Padding1d
            switch c.value("padding") {
            case .string("same")?: padding = .same
            case .string("valid")?: padding = .valid
            default: padding = .explicit(try c.size1("padding", 0))
            }
            return conv1d(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"), stride: try c.size1("stride", 1),
                          padding: padding, dilation: try c.size1("dilation", 1), groups: try c.int("groups", 1))
        },
        "nn.functional.conv2d": m("conv2d(x, weight:bias:stride:padding:dilation:groups:)",
                                  "input", "weight", "bias", "stride", "padding", "dilation", "groups", dtypes: .numeric) { c in
            let padding: Padding2d
            switch c.value("padding") {
            case .string("same")?: padding = .same
            case .string("valid")?: padding = .valid
            default: padding = .explicit(try c.size2("padding", 0))
            }
            return conv2d(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"), stride: try c.size2("stride", 1),
                          padding: padding, dilation: try c.size2("dilation", 1), groups: try c.int("groups", 1))
        },
        "nn.functional.conv_transpose1d": m("convTranspose1d(x, weight:bias:stride:padding:outputPadding:groups:dilation:)",
                                            "input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation", dtypes: .numeric) { c in
            convTranspose1d(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"), stride: try c.size1("stride", 1),
                            padding: try c.size1("padding", 0), outputPadding: try c.size1("output_padding", 0),
                            dilation: try c.size1("dilation", 1), groups: try c.int("groups", 1))
        },
        "nn.functional.conv_transpose2d": m("convTranspose2d(x, weight:bias:stride:padding:outputPadding:groups:dilation:)",
                                            "input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation", dtypes: .numeric) { c in
            convTranspose2d(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"), stride: try c.size2("stride", 1),
                            padding: try c.size2("padding", 0), outputPadding: try c.size2("output_padding", 0),
                            dilation: try c.size2("dilation", 1), groups: try c.int("groups", 1))
        },
        "nn.functional.max_pool1d": m("maxPool1d(x, kernelSize:stride:padding:dilation:ceilMode:) / maxPool1dWithIndices",
                                      "input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices") { c in
            let r = maxPool1dWithIndices(try c.x, kernelSize: try c.size1("kernel_size"), stride: try c.size1OrNil("stride"),
                                         padding: try c.size1("padding", 0), dilation: try c.size1("dilation", 1),
                                         ceilMode: try c.bool("ceil_mode", false))
            return try c.bool("return_indices", false) ? outs(r.values, r.indices) : r.values.out
        },
        "nn.functional.max_pool2d": m("maxPool2d(x, kernelSize:stride:padding:dilation:ceilMode:) / maxPool2dWithIndices",
                                      "input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices", dtypes: .numeric) { c in
            let r = maxPool2dWithIndices(try c.x, kernelSize: try c.size2("kernel_size"), stride: try c.size2OrNil("stride"),
                                         padding: try c.size2("padding", 0), dilation: try c.size2("dilation", 1),
                                         ceilMode: try c.bool("ceil_mode", false))
            return try c.bool("return_indices", false) ? outs(r.values, r.indices) : r.values.out
        },
        "nn.functional.avg_pool1d": m("avgPool1d(x, kernelSize:stride:padding:ceilMode:countIncludePad:)",
                                      "input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", dtypes: .numeric) { c in
            avgPool1d(try c.x, kernelSize: try c.size1("kernel_size"), stride: try c.size1OrNil("stride"),
                      padding: try c.size1("padding", 0), ceilMode: try c.bool("ceil_mode", false),
                      countIncludePad: try c.bool("count_include_pad", true))
        },
        "nn.functional.avg_pool2d": m("avgPool2d(x, kernelSize:stride:padding:ceilMode:countIncludePad:divisorOverride:)",
                                      "input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override", dtypes: .numeric) { c in
            // stride=[] is PyTorch's default (the kernel size), as None.
            let emptyStride = (try? c.ints("stride"))?.isEmpty == true
            return avgPool2d(try c.x, kernelSize: try c.size2("kernel_size"), stride: emptyStride ? nil : try c.size2OrNil("stride"),
                             padding: try c.size2("padding", 0), ceilMode: try c.bool("ceil_mode", false),
                             countIncludePad: try c.bool("count_include_pad", true), divisorOverride: try c.intOrNil("divisor_override"))
        },
        "nn.functional.adaptive_avg_pool1d": m("adaptiveAvgPool1d(x, outputSize:)", "input", "output_size") { c in
            adaptiveAvgPool1d(try c.x, outputSize: try c.size1("output_size"))
        },
        "nn.functional.adaptive_avg_pool2d": m("adaptiveAvgPool2d(x, outputSize:)", "input", "output_size") { c in
            let x = try c.x
            return adaptiveAvgPool2d(x, outputSize: try c.adaptiveSize2("output_size", x))
        },
        "nn.functional.adaptive_max_pool1d": m("adaptiveMaxPool1d(x, outputSize:) / adaptiveMaxPool1dWithIndices", "input", "output_size",
                                               "return_indices") { c in
            let r = adaptiveMaxPool1dWithIndices(try c.x, outputSize: try c.size1("output_size"))
            return try c.bool("return_indices", false) ? outs(r.values, r.indices) : r.values.out
        },
        "nn.functional.adaptive_max_pool2d": m("adaptiveMaxPool2d(x, outputSize:) / adaptiveMaxPool2dWithIndices", "input", "output_size",
                                               "return_indices") { c in
            let x = try c.x
            let r = adaptiveMaxPool2dWithIndices(x, outputSize: try c.adaptiveSize2("output_size", x))
            return try c.bool("return_indices", false) ? outs(r.values, r.indices) : r.values.out
        },
        "nn.functional.batch_norm": m("batchNorm(x, runningMean:runningVar:weight:bias:training:momentum:eps:)",
                                      "input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps") { c in
            batchNorm(try c.x, runningMean: try c.tensorOrNil("running_mean"), runningVar: try c.tensorOrNil("running_var"),
                      weight: try c.tensorOrNil("weight"), bias: try c.tensorOrNil("bias"), training: try c.bool("training", false),
                      momentum: try c.double("momentum", 0.1), eps: try c.double("eps", 1e-5))
        },
        "nn.functional.layer_norm": m("layerNorm(x, normalizedShape:weight:bias:eps:)", "input", "normalized_shape", "weight", "bias", "eps") { c in
            layerNorm(try c.x, normalizedShape: try c.ints("normalized_shape"), weight: try c.tensorOrNil("weight"),
                      bias: try c.tensorOrNil("bias"), eps: try c.double("eps", 1e-5))
        },
        "nn.functional.group_norm": m("groupNorm(x, numGroups:weight:bias:eps:)", "input", "num_groups", "weight", "bias", "eps") { c in
            groupNorm(try c.x, numGroups: try c.int("num_groups"), weight: try c.tensorOrNil("weight"),
                      bias: try c.tensorOrNil("bias"), eps: try c.double("eps", 1e-5))
        },
        "nn.functional.rms_norm": m("rmsNorm(x, normalizedShape:weight:eps:)", "input", "normalized_shape", "weight", "eps") { c in
            rmsNorm(try c.x, normalizedShape: try c.ints("normalized_shape"), weight: try c.tensorOrNil("weight"),
                    eps: try c.doubleOrNil("eps"))
        },
        "nn.functional.normalize": m("normalize(x, p:axis:eps:)", "input", "p", "dim", "eps") { c in
            normalize(try c.x, p: try c.double("p", 2), axis: try c.int("dim", 1), eps: try c.double("eps", 1e-12))
        },
        "nn.functional.cosine_similarity": m("cosineSimilarity(a, b, axis:eps:)", "x1", "x2", "dim", "eps") { c in
            cosineSimilarity(try c.tensor("x1"), try c.tensor("x2"), axis: try c.int("dim", 1), eps: try c.double("eps", 1e-8))
        },
        // op_db's embedding takes the weight first (`lambda weight, idx, **kw: F.embedding(idx, weight, **kw)`).
        "nn.functional.embedding": m("embedding(indices, weight:paddingIndex:maxNorm:normType:scaleGradByFreq:)", "weight", "input", "padding_idx",
                                     "max_norm", "norm_type", "scale_grad_by_freq", "sparse", dtypes: .all) { c in
            // sparse=True only makes PyTorch's weight gradient a sparse tensor (the same values as our dense one).
            embedding(try c.tensor("input"), weight: try c.tensor("weight"), paddingIndex: try c.intOrNil("padding_idx"),
                      maxNorm: try c.doubleOrNil("max_norm"), normType: try c.double("norm_type", 2),
                      scaleGradByFreq: try c.bool("scale_grad_by_freq", false))
        },
        "nn.functional.one_hot": m("oneHot(indices, numClasses:)", "input", "num_classes", dtypes: .all) { c in
            let n = try c.int("num_classes", -1)
            return oneHot(try c.x, numClasses: n < 0 ? nil : n)
        },

        "nn.functional.interpolate.nearest": m("interpolate(x, size:/scaleFactor:, mode: .nearest)", "input", "size", "scale_factor",
                                               "mode", "align_corners", "recompute_scale_factor", "antialias",
                                               dtypes: .floatingAndUInt8) { c in try interp(c, .nearest) },
        "nn.functional.interpolate.bilinear": m("interpolate(x, size:/scaleFactor:, mode: .bilinear, alignCorners:)", "input", "size",
                                                "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias", dtypes: .floatingAndUInt8) { c in
            try interp(c, .bilinear)
        },
        "nn.functional.upsample_nearest": m("interpolate(x, size:/scaleFactor:, mode: .nearest)", "input", "size", "scale_factor",
                                            dtypes: .floatingAndUInt8) { c in
            try interp(c, .nearest)
        },
        "nn.functional.upsample_bilinear": m("interpolate(x, size:/scaleFactor:, mode: .bilinear, alignCorners: true)", "input", "size",
                                             "scale_factor", dtypes: .floatingAndUInt8) { c in try interp(c, .bilinear, alignCorners: true) },

        // Linear algebra.
        "linalg.det": un("Linalg.det(a)") { Linalg.det($0) },
        "linalg.inv": m("Linalg.inv(a)", "input") { c in try Linalg.inv(try c.x) },
        "linalg.slogdet": m("Linalg.slogdet(a)", "input") { c in let r = Linalg.slogdet(try c.x); return outs(r.sign, r.logAbsDet) },
        "linalg.solve": m("Linalg.solve(a, b, left:)", "input", "B", "left") { c in
            try Linalg.solve(try c.x, try c.tensor("B"), left: try c.bool("left", true))
        },
        "linalg.cholesky": m("Linalg.cholesky(a, upper:)", "input", "upper") { c in try Linalg.cholesky(try c.x, upper: try c.bool("upper", false)) },
        "linalg.eigvalsh": m("Linalg.eigvalsh(a, upper:)", "input", "UPLO") { c in
            try Linalg.eigvalsh(try c.x, upper: try c.string("UPLO", "L") == "U")
        },
        "linalg.svdvals": m("Linalg.svdvals(a)", "input") { c in try Linalg.svdvals(try c.x) },
        "linalg.matrix_power": m("Linalg.matrixPower(a, n)", "input", "n") { c in try Linalg.matrixPower(try c.x, try c.int("n")) },
        "matrix_exp": un("Linalg.matrixExp(a)") { Linalg.matrixExp($0) },
        "linalg.vector_norm": m("Linalg.vectorNorm(x, ord:axes:keepDim:)", "input", "ord", "dim", "keepdim", "dtype") { c in
            Linalg.vectorNorm(try c.castInput(c.x), ord: try c.double("ord", 2), axes: try c.axes(), keepDim: try c.bool("keepdim", false))
        },
        "linalg.pinv": m("Linalg.pinv(a, atol:rtol:hermitian:) (tensor atol/rtol: the Tensor overload)", "input", "atol", "rtol", "hermitian") { c in
            try pinvRow(c)
        },
        "linalg.solve_triangular": m("Linalg.solveTriangular(a, b, upper:left:unitriangular:)", "input", "B", "upper", "left", "unitriangular") { c in
            Linalg.solveTriangular(try c.x, try c.tensor("B"), upper: try c.bool("upper", false), left: try c.bool("left", true),
                                   unitriangular: try c.bool("unitriangular", false))
        },
        "cholesky_solve": m("Linalg.choleskySolve(b, factor:upper:)", "input", "input2", "upper") { c in
            Linalg.choleskySolve(try c.x, factor: try c.tensor("input2"), upper: try c.bool("upper", false))
        },
        "linalg.cross": m("Linalg.cross(a, b, axis:)", "input", "other", "dim", dtypes: .numeric) { c in
            Linalg.cross(try c.x, try c.tensor("other"), axis: try c.int("dim", -1))
        },
        "diag_embed": m("Linalg.diagEmbed(v, offset:dim1:dim2:)", "input", "offset", "dim1", "dim2", dtypes: .all) { c in
            Linalg.diagEmbed(try c.x, offset: try c.int("offset", 0), dim1: try c.int("dim1", -2), dim2: try c.int("dim2", -1))
        },

        // dtype conversions and creation.
        "double": m("x.to(.float64)", "input", "memory_format", dtypes: .all) { c in (try c.x).to(.float64) },
        "float": m("x.to(.float32)", "input", "memory_format", dtypes: .all) { c in (try c.x).to(.float32) },
        "half": m("x.to(.float16)", "input", "memory_format", dtypes: .all) { c in (try c.x).to(.float16) },
        "bfloat16": m("x.to(.bfloat16)", "input", "memory_format", dtypes: .all) { c in (try c.x).to(.bfloat16) },
        "long": m("x.to(.int64)", "input", "memory_format", dtypes: .all) { c in (try c.x).to(.int64) },
        "int": m("x.to(.int32)", "input", "memory_format", dtypes: .all) { c in (try c.x).to(.int32) },
        "short": m("x.to(.int16)", "input", "memory_format", dtypes: .all) { c in (try c.x).to(.int16) },
        "char": m("x.to(.int8)", "input", "memory_format", dtypes: .all) { c in (try c.x).to(.int8) },
        "byte": m("x.to(.uint8)", "input", "memory_format", dtypes: .all) { c in (try c.x).to(.uint8) },
        "bool": m("x.to(.bool)", "input", "memory_format", dtypes: .all) { c in (try c.x).to(.bool) },
        "zeros_like": m("Tensor.zerosLike(x, dtype:)", "input", "dtype", "device", dtypes: .all) { c in
            try c.requireCPU()
            return Tensor.zerosLike(try c.x, dtype: try c.dtypeOrNil("dtype"))
        },
        "ones_like": m("Tensor.onesLike(x, dtype:)", "input", "dtype", "device", dtypes: .all) { c in
            try c.requireCPU()
            return Tensor.onesLike(try c.x, dtype: try c.dtypeOrNil("dtype"))
        },
    ] }
}

// MARK: - Rows of the op families added after the first table (math, sorting and statistics,
// manipulation, torch.nn functions, linear algebra).

extension Call {
    /// The tensors passed variadically (`op(t0, t1, ...)`): the values bound to `names` that are tensors.
    func variadic(_ names: [String]) throws -> [Tensor] {
        try names.filter { has($0) }.map { try tensor($0) }
    }

    /// A Python float or int (never a tensor) as Double, for arguments PyTorch takes as numbers.
    func number(_ name: String) throws -> Double {
        try require(!isTensor(name), "\(name) is a tensor")
        return try double(name)
    }

    /// A Size3 from an int or a triple.
    func ints3(_ name: String, _ default: Int? = nil) throws -> [Int] {
        if !has(name), let d = `default` { return [d, d, d] }
        let v = try ints(name)
        try require(v.count == 1 || v.count == 3, "\(name)=\(v)")
        return v.count == 1 ? [v[0], v[0], v[0]] : v
    }

    /// A matrix norm order: "fro", "nuc" or a number.
    func matrixOrder(_ name: String) throws -> MatrixNormOrder? {
        switch value(name) {
        case nil: return nil
        case .string("fro")?: return .fro
        case .string("nuc")?: return .nuclear
        case .int(let i)?: return MatrixNormOrder(Double(i))
        case .float(let d)?: return MatrixNormOrder(d)
        default: throw Unsupported("\(name)=\(String(describing: value(name)))")
        }
    }
}

/// Names for variadic positional tensors (`torch.block_diag(a, b, c)`).
private let variadicNames = ["input", "t1", "t2", "t3", "t4", "t5", "t6", "t7"]

/// A binary float op of the input and a tensor `other` (integers and bools promote as PyTorch does).
private func bint(_ spelling: String, dtypes: DTypes = .all, _ f: @escaping (Tensor, Tensor) -> Tensor) -> Mapping {
    m(spelling, "input", "other", dtypes: dtypes) { c in f(try c.x, try c.operand("other", for: try c.x)) }
}

extension ConformanceTable {
    static var mathRows: [String: Mapping] { [
        "acos": un("x.acos()", dtypes: .all) { $0.acos() },
        "acosh": un("x.acosh()", dtypes: .all) { $0.acosh() },
        "asin": un("x.asin()", dtypes: .all) { $0.asin() },
        "asinh": un("x.asinh()", dtypes: .all) { $0.asinh() },
        "atan": un("x.atan()", dtypes: .all) { $0.atan() },
        "atanh": un("x.atanh()", dtypes: .all) { $0.atanh() },
        "cosh": un("x.cosh()", dtypes: .all) { $0.cosh() },
        "sinh": un("x.sinh()", dtypes: .all) { $0.sinh() },
        "tan": un("x.tan()", dtypes: .all) { $0.tan() },
        "deg2rad": un("x.deg2rad()", dtypes: .all) { $0.deg2rad() },
        "rad2deg": un("x.rad2deg()", dtypes: .all) { $0.rad2deg() },
        "sinc": un("x.sinc()", dtypes: .all) { $0.sinc() },
        "log2": un("x.log2()", dtypes: .all) { $0.log2() },
        "log10": un("x.log10()", dtypes: .all) { $0.log10() },
        "exp2": un("x.exp2()", dtypes: .all) { $0.exp2() },
        "erfc": un("x.erfc()", dtypes: .all) { $0.erfc() },
        "erfinv": un("x.erfinv()", dtypes: .all) { $0.erfinv() },
        "lgamma": un("x.lgamma()", dtypes: .all) { $0.lgamma() },
        "digamma": un("x.digamma()", dtypes: .all) { $0.digamma() },
        "i0": un("x.i0()", dtypes: .all) { $0.i0() },
        "special.i1": un("x.i1()", dtypes: .all) { $0.i1() },
        "floor": un("x.floor()", dtypes: .numeric) { $0.floor() },
        "ceil": un("x.ceil()", dtypes: .numeric) { $0.ceil() },
        "trunc": un("x.trunc()", dtypes: .numeric) { $0.trunc() },
        "round": un("x.round()", dtypes: .numeric) { $0.round() },
        "frac": un("x.frac()") { $0.frac() },
        "round.decimals_0": m("x.round(decimals:)", "input", "decimals") { c in (try c.x).round(decimals: try c.int("decimals", 0)) },
        "round.decimals_3": m("x.round(decimals:)", "input", "decimals") { c in (try c.x).round(decimals: try c.int("decimals", 0)) },
        "round.decimals_neg_3": m("x.round(decimals:)", "input", "decimals") { c in (try c.x).round(decimals: try c.int("decimals", 0)) },
        "logit": m("x.logit(eps:)", "input", "eps", dtypes: .all) { c in (try c.x).logit(eps: try c.doubleOrNil("eps")) },
        "polygamma.polygamma_n_0": m("x.polygamma(n)", "input", "n", dtypes: .all) { c in (try c.x).polygamma(try c.int("n")) },
        "polygamma.polygamma_n_1": m("x.polygamma(n)", "input", "n", dtypes: .all) { c in (try c.x).polygamma(try c.int("n")) },
        "polygamma.polygamma_n_2": m("x.polygamma(n)", "input", "n", dtypes: .all) { c in (try c.x).polygamma(try c.int("n")) },
        "polygamma.polygamma_n_3": m("x.polygamma(n)", "input", "n", dtypes: .all) { c in (try c.x).polygamma(try c.int("n")) },
        "polygamma.polygamma_n_4": m("x.polygamma(n)", "input", "n", dtypes: .all) { c in (try c.x).polygamma(try c.int("n")) },
        "atan2": bint("y.atan2(x)") { $0.atan2($1) },
        "copysign": bint("a.copysign(b)") { $0.copysign($1) },
        "heaviside": bint("x.heaviside(values)", dtypes: .all) { $0.heaviside($1) },
        "hypot": bint("a.hypot(b)", dtypes: .floating) { $0.hypot($1) },
        "logaddexp": bint("a.logaddexp(b)", dtypes: .floating) { $0.logaddexp($1) },
        "logaddexp2": bint("a.logaddexp2(b)", dtypes: .floating) { $0.logaddexp2($1) },
        "xlogy": bint("x.xlogy(y)") { $0.xlogy($1) },
        "lerp": m("a.lerp(b, weight:)", "input", "end", "weight") { c in
            let x = try c.x, end = try c.tensor("end")
            if c.isTensor("weight") { return x.lerp(end, weight: try c.tensor("weight")) }
            return x.lerp(end, weight: try c.double("weight"))
        },
        "addcmul": m("x.addcmul(a, b, value:)", "input", "tensor1", "tensor2", "value", dtypes: .numeric) { c in
            (try c.x).addcmul(try c.tensor("tensor1"), try c.tensor("tensor2"), value: try c.double("value", 1))
        },
        "addcdiv": m("x.addcdiv(a, b, value:)", "input", "tensor1", "tensor2", "value") { c in
            (try c.x).addcdiv(try c.tensor("tensor1"), try c.tensor("tensor2"), value: try c.double("value", 1))
        },
        "addmv": m("x.addmv(m, v, beta:alpha:)", "input", "mat", "vec", "beta", "alpha", dtypes: .numeric) { c in
            (try c.x).addmv(try c.tensor("mat"), try c.tensor("vec"), beta: try c.double("beta", 1), alpha: try c.double("alpha", 1))
        },
        "addr": m("x.addr(u, v, beta:alpha:)", "input", "vec1", "vec2", "beta", "alpha", dtypes: .all) { c in
            (try c.x).addr(try c.tensor("vec1"), try c.tensor("vec2"), beta: try c.double("beta", 1), alpha: try c.double("alpha", 1))
        },
        "baddbmm": m("x.baddbmm(a, b, beta:alpha:)", "input", "batch1", "batch2", "beta", "alpha", dtypes: .numeric) { c in
            (try c.x).baddbmm(try c.tensor("batch1"), try c.tensor("batch2"), beta: try c.double("beta", 1), alpha: try c.double("alpha", 1))
        },
        "addbmm": m("x.addbmm(a, b, beta:alpha:)", "input", "batch1", "batch2", "beta", "alpha", dtypes: .numeric) { c in
            (try c.x).addbmm(try c.tensor("batch1"), try c.tensor("batch2"), beta: try c.double("beta", 1), alpha: try c.double("alpha", 1))
        }.float32Tolerance(rtol: 1.3e-5, atol: 1.3e-5),   // PyTorch's OpInfo override (K = batch·k sums in BLAS order)
        "einsum": m("Tensor.einsum(equation, operands)", "tensors", "equation", dtypes: .numeric) { c in
            Tensor.einsum(try c.string("equation", ""), try c.tensors("tensors"))
        },
        "tensordot": m("a.tensordot(b, dims:)", "input", "other", "dims", dtypes: .numeric) { c in
            let a = try c.x, b = try c.tensor("other")
            if case .int(let n)? = c.value("dims") { return a.tensordot(b, dims: n) }
            guard case .list(let pair)? = c.value("dims"), pair.count == 2 else { throw Unsupported("dims") }
            func ints(_ v: FixtureValue) throws -> [Int] {
                switch v {
                case .int(let i): return [i]
                case .list(let xs): return try xs.map { if case .int(let i) = $0 { return i }; throw Unsupported("dims") }
                default: throw Unsupported("dims")
                }
            }
            return a.tensordot(b, dims: (try ints(pair[0]), try ints(pair[1])))
        },
        "inner": m("a.inner(b)", "input", "other", dtypes: .numeric) { c in (try c.x).inner(try c.tensor("other")) },
        "linalg.multi_dot": m("Linalg.multiDot(xs)", "tensors", dtypes: .numeric) { c in Linalg.multiDot(try c.tensors("tensors")) },
        "linalg.vecdot": m("Linalg.vecdot(a, b, axis:)", "input", "other", "dim") { c in
            Linalg.vecdot(try c.x, try c.tensor("other"), axis: try c.int("dim", -1))
        },
        "block_diag": m("Tensor.blockDiag(xs)", "input", "t1", "t2", "t3", "t4", "t5", "t6", "t7", dtypes: .all) { c in
            Tensor.blockDiag(try c.variadic(variadicNames))
        },
        "cartesian_prod": m("Tensor.cartesianProd(xs)", "input", "t1", "t2", "t3", "t4", "t5", "t6", "t7", dtypes: .all) { c in
            Tensor.cartesianProd(try c.variadic(variadicNames))
        },
        "cdist": m("Tensor.cdist(a, b, p:)", "input", "x2", "p", "compute_mode", dtypes: .f64f32) { c in
            Tensor.cdist(try c.x, try c.tensor("x2"), p: try c.double("p", 2))
        },
        "nn.functional.pdist": m("x.pdist(p:)", "input", "p", dtypes: .f64f32) { c in (try c.x).pdist(p: try c.double("p", 2)) },
        "cov": m("x.cov(correction:fweights:aweights:)", "input", "correction", "fweights", "aweights", dtypes: .numeric) { c in
            (try c.x).cov(correction: try c.int("correction", 1), fweights: try c.tensorOrNil("fweights"), aweights: try c.tensorOrNil("aweights"))
        },
        "corrcoef": un("x.corrcoef()", dtypes: .numeric) { $0.corrcoef() },
    ] }

    static var reductionRows: [String: Mapping] { [
        "sort": m("x.sort(axis:descending:stable:)", "input", "dim", "descending", "stable", dtypes: .all) { c in
            let r = (try c.x).sort(axis: try c.int("dim", -1), descending: try c.bool("descending", false), stable: try c.bool("stable", false))
            return outs(r.values, r.indices)
        },
        "argsort": m("x.argsort(axis:descending:stable:)", "input", "dim", "descending", "stable", dtypes: .all) { c in
            (try c.x).argsort(axis: try c.int("dim", -1), descending: try c.bool("descending", false), stable: try c.bool("stable", false))
        },
        "msort": un("x.msort()", dtypes: .all) { $0.msort() },
        "topk": m("x.topk(k, axis:largest:sorted:)", "input", "k", "dim", "largest", "sorted", dtypes: .numeric) { c in
            let r = (try c.x).topk(try c.int("k"), axis: try c.int("dim", -1), largest: try c.bool("largest", true), sorted: try c.bool("sorted", true))
            return outs(r.values, r.indices)
        },
        "kthvalue": m("x.kthvalue(k, axis:keepDim:)", "input", "k", "dim", "keepdim", dtypes: .numeric) { c in
            let r = (try c.x).kthvalue(try c.int("k"), axis: try c.int("dim", -1), keepDim: try c.bool("keepdim", false))
            return outs(r.values, r.indices)
        },
        "median": m("x.median() / x.median(axis:keepDim:)", "input", "dim", "keepdim", dtypes: .numeric) { c in
            guard let d = try c.intOrNil("dim") else { return (try c.x).median() }
            let r = (try c.x).median(axis: d, keepDim: try c.bool("keepdim", false))
            return outs(r.values, r.indices)
        },
        "nanmedian": m("x.nanmedian() / x.nanmedian(axis:keepDim:)", "input", "dim", "keepdim", dtypes: .numeric) { c in
            guard let d = try c.intOrNil("dim") else { return (try c.x).nanmedian() }
            let r = (try c.x).nanmedian(axis: d, keepDim: try c.bool("keepdim", false))
            return outs(r.values, r.indices)
        },
        "mode": m("x.mode(axis:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            let r = (try c.x).mode(axis: try c.int("dim", -1), keepDim: try c.bool("keepdim", false))
            return outs(r.values, r.indices)
        },
        "quantile": m("x.quantile(q, axis:keepDim:interpolation:)", "input", "q", "dim", "keepdim", "interpolation", dtypes: .f64f32) { c in
            let x = try c.x, ax = try c.intOrNil("dim"), keep = try c.bool("keepdim", false)
            guard let ip = QuantileInterpolation(rawValue: try c.string("interpolation", "linear")) else { throw Unsupported("interpolation") }
            if c.isTensor("q") { return x.quantile(try c.tensor("q"), axis: ax, keepDim: keep, interpolation: ip) }
            return x.quantile(try c.double("q"), axis: ax, keepDim: keep, interpolation: ip)
        },
        "nanquantile": m("x.nanquantile(q, axis:keepDim:interpolation:)", "input", "q", "dim", "keepdim", "interpolation", dtypes: .f64f32) { c in
            let x = try c.x, ax = try c.intOrNil("dim"), keep = try c.bool("keepdim", false)
            guard let ip = QuantileInterpolation(rawValue: try c.string("interpolation", "linear")) else { throw Unsupported("interpolation") }
            if c.isTensor("q") { return x.nanquantile(try c.tensor("q"), axis: ax, keepDim: keep, interpolation: ip) }
            return x.nanquantile(try c.double("q"), axis: ax, keepDim: keep, interpolation: ip)
        },
        "cummax": m("x.cummax(axis:)", "input", "dim", dtypes: .all) { c in
            let r = (try c.x).cummax(axis: try c.int("dim")); return outs(r.values, r.indices)
        },
        "cummin": m("x.cummin(axis:)", "input", "dim", dtypes: .all) { c in
            let r = (try c.x).cummin(axis: try c.int("dim")); return outs(r.values, r.indices)
        },
        "logcumsumexp": m("x.logcumsumexp(axis:)", "input", "dim") { c in (try c.x).logcumsumexp(axis: try c.int("dim")) },
        "amax": m("x.amax(axes:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            (try c.x).amax(axes: try c.axes(), keepDim: try c.bool("keepdim", false))
        },
        "amin": m("x.amin(axes:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            (try c.x).amin(axes: try c.axes(), keepDim: try c.bool("keepdim", false))
        },
        "aminmax": m("x.aminmax(axis:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            let r = (try c.x).aminmax(axis: try c.intOrNil("dim"), keepDim: try c.bool("keepdim", false))
            return outs(r.min, r.max)
        },
        "var_mean": m("x.varMean(axes:correction:keepDim:)", "input", "dim", "unbiased", "keepdim", "correction") { c in
            let r = (try c.x).varMean(axes: try c.axes(), correction: try c.correction(), keepDim: try c.bool("keepdim", false))
            return outs(r.variance, r.mean)
        },
        "var_mean.unbiased": m("x.varMean(correction:)", "input", "unbiased") { c in
            let r = (try c.x).varMean(correction: try c.bool("unbiased", true) ? 1 : 0); return outs(r.variance, r.mean)
        },
        "std_mean": m("x.stdMean(axes:correction:keepDim:)", "input", "dim", "unbiased", "keepdim", "correction") { c in
            let r = (try c.x).stdMean(axes: try c.axes(), correction: try c.correction(), keepDim: try c.bool("keepdim", false))
            return outs(r.std, r.mean)
        },
        "std_mean.unbiased": m("x.stdMean(correction:)", "input", "unbiased") { c in
            let r = (try c.x).stdMean(correction: try c.bool("unbiased", true) ? 1 : 0); return outs(r.std, r.mean)
        },
        "histc": m("x.histc(bins:min:max:)", "input", "bins", "min", "max") { c in
            (try c.x).histc(bins: try c.int("bins", 100), min: try c.double("min", 0), max: try c.double("max", 0))
        },
        "bincount": m("x.bincount(weights:minlength:)", "input", "weights", "minlength", dtypes: .integral) { c in
            (try c.x).bincount(weights: try c.tensorOrNil("weights"), minlength: try c.int("minlength", 0))
        },
        "bucketize": m("x.bucketize(boundaries, right:outInt32:)", "input", "boundaries", "out_int32", "right", dtypes: .numeric) { c in
            (try c.x).bucketize(try c.tensor("boundaries"), right: try c.bool("right", false), outInt32: try c.bool("out_int32", false))
        },
        "searchsorted": m("Tensor.searchsorted(s, v, right:side:outInt32:sorter:)", "input", "values", "out_int32", "right", "side", "sorter",
                          dtypes: .numeric) { c in
            let side: String? = c.has("side") ? try c.string("side", "left") : nil
            let sorter = try c.tensorOrNil("sorter")
            if c.isTensor("values") {
                return Tensor.searchsorted(try c.x, try c.tensor("values"), right: try c.bool("right", false), side: side,
                                          outInt32: try c.bool("out_int32", false), sorter: sorter)
            }
            return Tensor.searchsorted(try c.x, try c.double("values"), right: try c.bool("right", false), side: side,
                                      outInt32: try c.bool("out_int32", false), sorter: sorter)
        },
        "unique": m("x.unique(sorted:returnInverse:returnCounts:axis:)", "input", "sorted", "return_inverse", "return_counts", "dim",
                    dtypes: .all) { c in
            let inv = try c.bool("return_inverse", false), cnt = try c.bool("return_counts", false)
            let r = (try c.x).unique(sorted: try c.bool("sorted", true), returnInverse: inv, returnCounts: cnt, axis: try c.intOrNil("dim"))
            if !inv && !cnt { return r.values.out }
            var o: [Tensor] = [r.values]
            if let i = r.inverse { o.append(i) }
            if let n = r.counts { o.append(n) }
            return o.out
        },
        "unique_consecutive": m("x.uniqueConsecutive(returnInverse:returnCounts:axis:)", "input", "return_inverse", "return_counts", "dim",
                                dtypes: .all) { c in
            let inv = try c.bool("return_inverse", false), cnt = try c.bool("return_counts", false)
            let r = (try c.x).uniqueConsecutive(returnInverse: inv, returnCounts: cnt, axis: try c.intOrNil("dim"))
            if !inv && !cnt { return r.values.out }
            var o: [Tensor] = [r.values]
            if let i = r.inverse { o.append(i) }
            if let n = r.counts { o.append(n) }
            return o.out
        },
        "diff": m("x.diff(n:axis:prepend:append:)", "input", "n", "dim", "prepend", "append", dtypes: .all) { c in
            (try c.x).diff(n: try c.int("n", 1), axis: try c.int("dim", -1), prepend: try c.tensorOrNil("prepend"), append: try c.tensorOrNil("append"))
        },
        "isclose": m("a.isclose(b, rtol:atol:equalNan:)", "input", "other", "rtol", "atol", "equal_nan", dtypes: .all) { c in
            (try c.x).isclose(try c.tensor("other"), rtol: try c.double("rtol", 1e-5), atol: try c.double("atol", 1e-8),
                              equalNan: try c.bool("equal_nan", false))
        },
        "allclose": m("a.allclose(b, rtol:atol:equalNan:)", "input", "other", "rtol", "atol", "equal_nan") { c in
            (try c.x).allclose(try c.tensor("other"), rtol: try c.double("rtol", 1e-5), atol: try c.double("atol", 1e-8),
                               equalNan: try c.bool("equal_nan", false))
        },
        "nan_to_num": m("x.nanToNum(nan:posinf:neginf:)", "input", "nan", "posinf", "neginf", dtypes: .all) { c in
            (try c.x).nanToNum(nan: try c.double("nan", 0), posinf: try c.doubleOrNil("posinf"), neginf: try c.doubleOrNil("neginf"))
        },
        "nansum": m("x.nansum(axes:keepDim:)", "input", "dim", "keepdim", "dtype", dtypes: .all) { c in
            try c.castInput(c.x).nansum(axes: try c.axes(), keepDim: try c.bool("keepdim", false))
        },
        "nanmean": m("x.nanmean(axes:keepDim:)", "input", "dim", "keepdim", "dtype") { c in
            try c.castInput(c.x).nanmean(axes: try c.axes(), keepDim: try c.bool("keepdim", false))
        },
        "nonzero": m("x.nonzero() / x.nonzeroPerAxis()", "input", "as_tuple", dtypes: .all) { c in
            try c.bool("as_tuple", false) ? (try c.x).nonzeroPerAxis().out : (try c.x).nonzero().out
        },
        "argwhere": un("x.argwhere()", dtypes: .all) { $0.argwhere() },
    ] }
}

extension ConformanceTable {
    static var manipulationRows: [String: Mapping] { [
        "roll": m("x.roll(shifts:axes:)", "input", "shifts", "dims", dtypes: .all) { c in
            (try c.x).roll(shifts: try c.ints("shifts"), axes: try c.intsOrNil("dims") ?? [])
        },
        "rot90": m("x.rot90(k:axes:)", "input", "k", "dims", dtypes: .all) { c in
            (try c.x).rot90(k: try c.int("k", 1), axes: try c.intsOrNil("dims") ?? [0, 1])
        },
        "fliplr": un("x.flip(axes: [1])", dtypes: .all) { $0.flip(axes: [1]) },
        "flipud": un("x.flip(axes: [0])", dtypes: .all) { $0.flip(axes: [0]) },
        "tile": m("x.tile(reps)", "input", "dims", dtypes: .all) { c in (try c.x).tile(try c.ints("dims")) },
        "repeat_interleave": m("x.repeatInterleave(r, axis:)", "input", "repeats", "dim", "output_size", dtypes: .all) { c in
            let x = try c.x, axis = try c.intOrNil("dim")
            if c.isTensor("repeats") { return x.repeatInterleave(try c.tensor("repeats"), axis: axis) }
            return x.repeatInterleave(try c.int("repeats"), axis: axis)
        },
        "atleast_1d": un("x.atleast1d()", dtypes: .all) { $0.atleast1d() },
        "atleast_2d": un("x.atleast2d()", dtypes: .all) { $0.atleast2d() },
        "atleast_3d": un("x.atleast3d()", dtypes: .all) { $0.atleast3d() },
        "hstack": m("Tensor.hstack(xs)", "tensors", dtypes: .all) { c in Tensor.hstack(try c.tensors("tensors")) },
        "vstack": m("Tensor.vstack(xs)", "tensors", dtypes: .all) { c in Tensor.vstack(try c.tensors("tensors")) },
        "dstack": m("Tensor.dstack(xs)", "tensors", dtypes: .all) { c in Tensor.dstack(try c.tensors("tensors")) },
        "column_stack": m("Tensor.columnStack(xs)", "tensors", dtypes: .all) { c in Tensor.columnStack(try c.tensors("tensors")) },
        "diagflat": m("x.diagflat(offset:)", "input", "offset", dtypes: .all) { c in (try c.x).diagflat(offset: try c.int("offset", 0)) },
        "triu_indices": m("Tensor.triuIndices(r, c, offset:dtype:)", "row", "col", "offset", "dtype", "device", dtypes: .all) { c in
            Tensor.triuIndices(try c.int("row"), try c.int("col"), offset: try c.int("offset", 0), dtype: try c.dtypeOrNil("dtype") ?? .int64)
        },
        "tril_indices": m("Tensor.trilIndices(r, c, offset:dtype:)", "row", "col", "offset", "dtype", "device", dtypes: .all) { c in
            Tensor.trilIndices(try c.int("row"), try c.int("col"), offset: try c.int("offset", 0), dtype: try c.dtypeOrNil("dtype") ?? .int64)
        },
        "take": m("x.take(index)", "input", "index", dtypes: .all) { c in (try c.x).take(try c.tensor("index")) },
        "take_along_dim": m("x.takeAlongDim(indices, axis:)", "input", "indices", "dim", dtypes: .all) { c in
            (try c.x).takeAlongDim(try c.tensor("indices"), axis: try c.intOrNil("dim"))
        },
        "narrow_copy": m("x.narrowCopy(axis:start:length:)", "input", "dim", "start", "length", dtypes: .all) { c in
            (try c.x).narrowCopy(axis: try c.int("dim"), start: try c.int("start"), length: try c.int("length"))
        },
        "index_fill": m("x.indexFill(axis:index:value:)", "input", "dim", "index", "value", dtypes: .all) { c in
            let x = try c.x, ax = try c.int("dim"), i = try c.tensor("index")
            if c.isTensor("value") { return x.indexFill(axis: ax, index: i, value: try c.tensor("value")) }
            return x.indexFill(axis: ax, index: i, value: try c.double("value"))
        },
        "index_copy": m("x.indexCopy(axis:index:source:)", "input", "dim", "index", "source", dtypes: .all) { c in
            (try c.x).indexCopy(axis: try c.int("dim"), index: try c.tensor("index"), source: try c.tensor("source"))
        },
        "select_scatter": m("x.selectScatter(src, axis:index:)", "input", "src", "dim", "index", dtypes: .all) { c in
            (try c.x).selectScatter(try c.tensor("src"), axis: try c.int("dim"), index: try c.int("index"))
        },
        "diagonal_scatter": m("x.diagonalScatter(src, offset:axis1:axis2:)", "input", "src", "offset", "dim1", "dim2", dtypes: .all) { c in
            (try c.x).diagonalScatter(try c.tensor("src"), offset: try c.int("offset", 0), axis1: try c.int("dim1", 0), axis2: try c.int("dim2", 1))
        },
        "scatter": m("x.scatter(axis:index:source:reduce:)", "input", "dim", "index", "src", "reduce", dtypes: .all) { c in
            let x = try c.x, ax = try c.int("dim"), i = try c.tensor("index")
            let reduce: String? = c.has("reduce") ? try c.string("reduce", "") : nil
            if c.isTensor("src") { return x.scatter(axis: ax, index: i, source: try c.tensor("src"), reduce: reduce) }
            return x.scatter(axis: ax, index: i, value: try c.double("src"), reduce: reduce)
        },
        "scatter_reduce.sum": scatterReduceRow(), "scatter_reduce.prod": scatterReduceRow(), "scatter_reduce.mean": scatterReduceRow(),
        "scatter_reduce.amax": scatterReduceRow(), "scatter_reduce.amin": scatterReduceRow(),
        "index_put": m("x.indexPut(indices, values:accumulate:)", "input", "indices", "values", "accumulate", dtypes: .all) { c in
            guard case .list(let xs)? = c.value("indices") else { throw Unsupported("indices") }
            let idx: [Tensor?] = try xs.map { v -> Tensor? in
                if case .null = v { return nil }
                guard case .tensor(let t) = v else { throw Unsupported("index \(v)") }
                return c.makeTensor(t)
            }
            return (try c.x).indexPut(idx, values: try c.tensor("values"), accumulate: try c.bool("accumulate", false))
        },
        "nn.functional.pad.reflect": padRow(.reflect), "nn.functional.pad.replicate": padRow(.replicate),
        "nn.functional.pad.replicate_negative": padRow(.replicate), "nn.functional.pad.circular": padRow(.circular),
        "nn.functional.pixel_shuffle": m("pixelShuffle(x, upscaleFactor:)", "input", "upscale_factor", dtypes: .all) { c in
            pixelShuffle(try c.x, upscaleFactor: try c.int("upscale_factor"))
        },
        "nn.functional.pixel_unshuffle": m("pixelUnshuffle(x, downscaleFactor:)", "input", "downscale_factor", dtypes: .all) { c in
            pixelUnshuffle(try c.x, downscaleFactor: try c.int("downscale_factor"))
        },
        "nn.functional.unfold": m("unfold(x, kernelSize:dilation:padding:stride:)", "input", "kernel_size", "dilation", "padding", "stride",
                                 dtypes: .all) { c in
            unfold(try c.x, kernelSize: try c.size2("kernel_size"), dilation: try c.size2("dilation", 1), padding: try c.size2("padding", 0),
                   stride: try c.size2("stride", 1))
        },
    ] }

    private static func scatterReduceRow() -> Mapping {
        m("x.scatterReduce(axis:index:source:reduce:includeSelf:)", "input", "dim", "index", "src", "reduce", "include_self", dtypes: .all) { c in
            guard let r = ScatterReduction(rawValue: try c.string("reduce", "")) else { throw Unsupported("reduce") }
            return (try c.x).scatterReduce(axis: try c.int("dim"), index: try c.tensor("index"), source: try c.tensor("src"), reduce: r,
                                           includeSelf: try c.bool("include_self", true))
        }
    }

    private static func padRow(_ mode: PaddingMode) -> Mapping {
        m("pad(x, padding, mode: .\(mode.rawValue))", "input", "pad", "mode", "value", dtypes: .all) { c in
            try c.reject("mode", unless: .string(mode.rawValue))
            return pad(try c.x, try c.ints("pad"), mode: mode)
        }
    }
}

/// `F.interpolate` on 3-D input ([N, C, L]) or 4-D, for the modes beyond nearest and bilinear.
private func interpAny(_ c: Call, _ mode: InterpolationMode) throws -> Tensor {
    let x = try c.x
    try c.require(x.rank == 4 || x.rank == 3, "input of rank \(x.rank)")
    return try interp(c, mode)
}

extension ConformanceTable {
    static var nnRows: [String: Mapping] { [
        "nn.functional.threshold": m("threshold(x, threshold, value)", "input", "threshold", "value", "inplace", dtypes: .numeric) { c in
            try c.reject("inplace", unless: .bool(false))
            return threshold(try c.x, try c.double("threshold"), try c.double("value"))
        },
        "nn.functional.hardshrink": m("hardshrink(x, lambda:)", "input", "lambd") { c in hardshrink(try c.x, lambda: try c.double("lambd", 0.5)) },
        "nn.functional.softshrink": m("softshrink(x, lambda:)", "input", "lambd") { c in softshrink(try c.x, lambda: try c.double("lambd", 0.5)) },
        "nn.functional.tanhshrink": un("tanhshrink(x)", dtypes: .all) { tanhshrink($0) },
        "nn.functional.celu": m("celu(x, alpha:)", "input", "alpha", "inplace") { c in
            try c.reject("inplace", unless: .bool(false))
            return celu(try c.x, alpha: try c.double("alpha", 1))
        },
        "nn.functional.softmin": m("softmin(x, axis:)", "input", "dim", "dtype") { c in softmin(try c.castInput(c.x), axis: try c.int("dim")) },
        "nn.functional.softmin.with_dtype": m("softmin(x.to(dtype), axis:)", "input", "dim", "dtype", dtypes: .all) { c in
            softmin(try c.castInput(c.x), axis: try c.int("dim"))
        },
        "nn.functional.glu": m("glu(x, axis:)", "input", "dim") { c in glu(try c.x, axis: try c.int("dim", -1)) },
        "nn.functional.prelu": m("prelu(x, weight:)", "input", "weight") { c in prelu(try c.x, weight: try c.tensor("weight")) },
        "nn.functional.rrelu": m("rrelu(x, lower:upper:training:)", "input", "lower", "upper", "training", "inplace") { c in
            try c.reject("inplace", unless: .bool(false))
            // In training the slopes are random: the fixtures keep only the output's shape and dtype.
            return rrelu(try c.x, lower: try c.double("lower", 1.0 / 8), upper: try c.double("upper", 1.0 / 3),
                         training: try c.bool("training", false))
        },
        "nn.functional.hinge_embedding_loss": m("hingeEmbeddingLoss(x, y, margin:reduction:)", "input", "target", "margin",
                                                "size_average", "reduce", "reduction") { c in
            hingeEmbeddingLoss(try c.x, try c.tensor("target"), margin: try c.double("margin", 1), reduction: try c.reduction())
        },
        "nn.functional.soft_margin_loss": m("softMarginLoss(x, y, reduction:)", "input", "target", "size_average", "reduce", "reduction") { c in
            softMarginLoss(try c.x, try c.tensor("target"), reduction: try c.reduction())
        },
        "nn.functional.multi_margin_loss": m("multiMarginLoss(x, y, p:margin:weight:reduction:)", "input", "target", "p", "margin", "weight",
                                             "size_average", "reduce", "reduction", dtypes: .f64f32) { c in
            multiMarginLoss(try c.x, try c.tensor("target"), p: try c.int("p", 1), margin: try c.double("margin", 1),
                            weight: try c.tensorOrNil("weight"), reduction: try c.reduction())
        },
        "nn.functional.multilabel_margin_loss": m("multilabelMarginLoss(x, y, reduction:)", "input", "target", "size_average", "reduce",
                                                  "reduction", dtypes: .f64f32) { c in
            multilabelMarginLoss(try c.x, try c.tensor("target"), reduction: try c.reduction())
        },
        "nn.functional.multilabel_soft_margin_loss": m("multilabelSoftMarginLoss(x, y, weight:reduction:)", "input", "target", "weight",
                                                       "size_average", "reduce", "reduction") { c in
            multilabelSoftMarginLoss(try c.x, try c.tensor("target"), weight: try c.tensorOrNil("weight"), reduction: try c.reduction())
        },
        "nn.functional.triplet_margin_loss": m("tripletMarginLoss(anchor:positive:negative:margin:p:eps:swap:reduction:)", "input",
                                               "positive", "negative", "margin", "p", "eps", "swap", "size_average", "reduce", "reduction", dtypes: .numeric) { c in
            tripletMarginLoss(anchor: try c.x, positive: try c.tensor("positive"), negative: try c.tensor("negative"),
                              margin: try c.double("margin", 1), p: try c.double("p", 2), eps: try c.double("eps", 1e-6),
                              swap: try c.bool("swap", false), reduction: try c.reduction())
        },
        "nn.functional.gaussian_nll_loss": m("gaussianNLLLoss(x, y, variance:full:eps:reduction:)", "input", "target", "var", "full", "eps",
                                             "reduction") { c in
            gaussianNLLLoss(try c.x, try c.tensor("target"), variance: try c.tensor("var"), full: try c.bool("full", false),
                            eps: try c.double("eps", 1e-6), reduction: try c.reduction())
        },
        "nn.functional.poisson_nll_loss": m("poissonNLLLoss(x, y, logInput:full:eps:reduction:)", "input", "target", "log_input", "full",
                                            "size_average", "eps", "reduce", "reduction", dtypes: .numeric) { c in
            poissonNLLLoss(try c.x, try c.tensor("target"), logInput: try c.bool("log_input", true), full: try c.bool("full", false),
                           eps: try c.double("eps", 1e-8), reduction: try c.reduction())
        },
        "nn.functional.pairwise_distance": m("pairwiseDistance(a, b, p:eps:keepDim:)", "input", "x2", "p", "eps", "keepdim", dtypes: .numeric) { c in
            pairwiseDistance(try c.x, try c.tensor("x2"), p: try c.double("p", 2), eps: try c.double("eps", 1e-6), keepDim: try c.bool("keepdim", false))
        },
        "nn.functional.instance_norm": m("instanceNorm(x, runningMean:runningVar:weight:bias:useInputStats:momentum:eps:)", "input",
                                         "running_mean", "running_var", "weight", "bias", "use_input_stats", "momentum", "eps") { c in
            instanceNorm(try c.x, runningMean: try c.tensorOrNil("running_mean"), runningVar: try c.tensorOrNil("running_var"),
                         weight: try c.tensorOrNil("weight"), bias: try c.tensorOrNil("bias"), useInputStats: try c.bool("use_input_stats", true),
                         momentum: try c.double("momentum", 0.1), eps: try c.double("eps", 1e-5))
        },
        "nn.functional.local_response_norm": m("localResponseNorm(x, size:alpha:beta:k:)", "input", "size", "alpha", "beta", "k",
                                              dtypes: .numeric) { c in
            localResponseNorm(try c.x, size: try c.int("size"), alpha: try c.double("alpha", 1e-4), beta: try c.double("beta", 0.75),
                              k: try c.double("k", 1))
        },
        "nn.functional.embedding_bag": m("embeddingBag(ids, weight:offsets:mode:perSampleWeights:includeLastOffset:paddingIdx:maxNorm:normType:scaleGradByFreq:)",
                                         "input", "indices", "offsets", "max_norm", "norm_type", "scale_grad_by_freq", "mode", "sparse",
                                         "per_sample_weights", "include_last_offset", "padding_idx") { c in
            // sparse=True only makes PyTorch's weight gradient a sparse tensor (the same values as our dense one).
            guard let mode = EmbeddingBagMode(rawValue: try c.string("mode", "mean")) else { throw Unsupported("mode") }
            return embeddingBag(try c.tensor("indices"), weight: try c.x, offsets: try c.tensorOrNil("offsets"), mode: mode,
                                perSampleWeights: try c.tensorOrNil("per_sample_weights"),
                                includeLastOffset: try c.bool("include_last_offset", false), paddingIdx: try c.intOrNil("padding_idx"),
                                maxNorm: try c.doubleOrNil("max_norm"), normType: try c.double("norm_type", 2),
                                scaleGradByFreq: try c.bool("scale_grad_by_freq", false))
        },
        "nn.functional.grid_sample": m("gridSample(x, grid:mode:paddingMode:alignCorners:)", "input", "grid", "mode", "padding_mode",
                                       "align_corners") { c in
            guard let mode = GridSampleMode(rawValue: try c.string("mode", "bilinear")),
                  let pm = GridSamplePadding(rawValue: try c.string("padding_mode", "zeros")) else { throw Unsupported("mode") }
            return gridSample(try c.x, grid: try c.tensor("grid"), mode: mode, paddingMode: pm, alignCorners: try c.bool("align_corners", false))
        },
        "nn.functional.max_unpool1d": unpool1dRow(), "nn.functional.max_unpool1d.grad": unpool1dRow(),
        "nn.functional.max_unpool2d": unpool2dRow(), "nn.functional.max_unpool2d.grad": unpool2dRow(),
        "nn.functional.interpolate.bicubic": m("interpolate(x, size:/scaleFactor:, mode: .bicubic, alignCorners:)", "input", "size",
                                               "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias", dtypes: .floatingAndUInt8) { c in
            try interpAny(c, .bicubic)
        },
        "nn.functional.interpolate.area": m("interpolate(x, size:/scaleFactor:, mode: .area)", "input", "size", "scale_factor", "mode",
                                            "align_corners", "recompute_scale_factor", "antialias") { c in try interpAny(c, .area) },
        "nn.functional.dropout": dropoutRow("dropout(x, p:training:)") { dropout($0, p: $1, training: $2) },
        "nn.functional.dropout2d": dropoutRow("dropout2d(x, p:training:)") { dropout2d($0, p: $1, training: $2) },
        "nn.functional.dropout3d": dropoutRow("dropout3d(x, p:training:)") { dropout3d($0, p: $1, training: $2) },
        "nn.functional.alpha_dropout": dropoutRow("alphaDropout(x, p:training:)") { alphaDropout($0, p: $1, training: $2) },
        "nn.functional.feature_alpha_dropout.with_train": dropoutRow("featureAlphaDropout(x, p:training:)") {
            featureAlphaDropout($0, p: $1, training: $2)
        },
        "nn.functional.feature_alpha_dropout.without_train": dropoutRow("featureAlphaDropout(x, p:training:)", dtypes: .all) {
            featureAlphaDropout($0, p: $1, training: $2)
        },
    ] }

    private static func dropoutRow(_ spelling: String, dtypes: DTypes = .floating,
                                   _ f: @escaping (Tensor, Double, Bool) -> Tensor) -> Mapping {
        m(spelling, "input", "p", "training", "inplace", dtypes: dtypes) { c in
            try c.reject("inplace", unless: .bool(false))
            return f(try c.x, try c.double("p", 0.5), try c.bool("training", true))
        }
    }

    /// `torch.linalg.norm`: a matrix norm for a string order or an order over two axes, else a vector norm.
    static func linalgNormRow() -> Mapping {
        m("Linalg.vectorNorm(x, ord:axes:keepDim:) / Linalg.matrixNorm(a, ord:axes:keepDim:)", "input", "ord", "dim", "keepdim", "dtype") { c in
            let x = try c.castInput(c.x), keep = try c.bool("keepdim", false), dims = try c.axes()
            let matrix = c.isString("ord") || (c.has("ord") && (dims?.count == 2 || (dims == nil && x.rank == 2)))
            if matrix {
                let d = dims ?? [-2, -1]
                return try Linalg.matrixNorm(x, ord: try c.matrixOrder("ord") ?? .fro, axes: (d[0], d[1]), keepDim: keep)
            }
            return Linalg.vectorNorm(x, ord: try c.double("ord", 2), axes: dims, keepDim: keep)
        }
    }

    private static func unpool1dRow() -> Mapping {
        m("maxUnpool1d(x, indices:kernelSize:stride:padding:outputSize:)", "input", "indices", "kernel_size", "stride", "padding",
          "output_size") { c in
            let os = try c.intsOrNil("output_size")
            return maxUnpool1d(try c.x, indices: try c.tensor("indices"), kernelSize: try c.size1("kernel_size"), stride: try c.size1OrNil("stride"),
                               padding: try c.size1("padding", 0), outputSize: os?.last)
        }
    }

    private static func unpool2dRow() -> Mapping {
        m("maxUnpool2d(x, indices:kernelSize:stride:padding:outputSize:)", "input", "indices", "kernel_size", "stride", "padding",
          "output_size") { c in
            let os = try c.intsOrNil("output_size").map { Size2($0[$0.count - 2], $0[$0.count - 1]) }
            return maxUnpool2d(try c.x, indices: try c.tensor("indices"), kernelSize: try c.size2("kernel_size"), stride: try c.size2OrNil("stride"),
                               padding: try c.size2("padding", 0), outputSize: os)
        }
    }
}

extension ConformanceTable {
    static var linalgRows: [String: Mapping] { [
        "logdet": un("Linalg.logdet(a)") { Linalg.logdet($0) },
        "cholesky_inverse": m("Linalg.choleskyInverse(l, upper:)", "input", "upper", dtypes: .f64f32) { c in
            Linalg.choleskyInverse(try c.x, upper: try c.bool("upper", false))
        },
        "linalg.cond": m("Linalg.cond(a, ord:)", "input", "p", dtypes: .f64f32) { c in try Linalg.cond(try c.x, ord: try c.matrixOrder("p")) },
        "linalg.householder_product": m("Linalg.householderProduct(a, tau)", "input", "tau", dtypes: .f64f32) { c in
            Linalg.householderProduct(try c.x, try c.tensor("tau"))
        },
        "linalg.matrix_norm": m("Linalg.matrixNorm(a, ord:axes:keepDim:)", "input", "ord", "dim", "keepdim", "dtype") { c in
            let d = try c.intsOrNil("dim") ?? [-2, -1]
            try c.require(d.count == 2, "dim \(d)")
            return try Linalg.matrixNorm(try c.x, ord: try c.matrixOrder("ord") ?? .fro, axes: (d[0], d[1]), keepDim: try c.bool("keepdim", false))
        },
        "linalg.matrix_rank": m("Linalg.matrixRank(a, atol:rtol:hermitian:) (tensor atol/rtol: the Tensor overload)", "input", "atol", "rtol",
                                "hermitian", dtypes: .f64f32) { c in
            try matrixRankRow(c)
        },
        "linalg.eigh": m("Linalg.eigh(a, upper:)", "input", "UPLO", dtypes: .f64f32) { c in
            let r = try Linalg.eigh(try c.x, upper: try c.string("UPLO", "L") == "U")
            return outs(r.values, c.signAligned(r.vectors, output: 1))
        },
        "linalg.diagonal": m("x.diagonal(offset:axis1:axis2:)", "input", "offset", "dim1", "dim2", dtypes: .all) { c in
            (try c.x).diagonal(offset: try c.int("offset", 0), axis1: try c.int("dim1", -2), axis2: try c.int("dim2", -1))
        },
        "triangular_solve": m("Linalg.triangularSolve(a, b, upper:left:unitriangular:) (b, a order as torch)", "input", "A", "upper",
                              "transpose", "unitriangular", dtypes: .f64f32) { c in
            try c.reject("transpose", unless: .bool(false))
            let a = try c.tensor("A"), b = try c.x
            let x = Linalg.triangularSolve(a, b, upper: try c.bool("upper", true), unitriangular: try c.bool("unitriangular", false))
            return outs(x, a)
        },
        "linalg.lu": m("Linalg.lu(a, pivot:)", "input", "pivot", dtypes: .f64f32) { c in
            let r = Linalg.lu(try c.x, pivot: try c.bool("pivot", true)); return outs(r.p, r.l, r.u)
        },
        "linalg.lu_factor": m("Linalg.luFactor(a, pivot:)", "input", "pivot", dtypes: .f64f32) { c in
            let r = Linalg.luFactor(try c.x, pivot: try c.bool("pivot", true)); return outs(r.lu, r.pivots)
        },
        "linalg.lu_factor_ex": m("Linalg.luFactor(a, pivot:) (info: zeros)", "input", "pivot", "check_errors", dtypes: .f64f32) { c in
            let x = try c.x
            let r = Linalg.luFactor(x, pivot: try c.bool("pivot", true))
            return outs(r.lu, r.pivots, Tensor.zeros(Array(x.shape.dropLast(2)), dtype: .int32))
        },
        "lu": m("Linalg.luFactor(a, pivot:)", "input", "pivot", "get_infos", dtypes: .f64f32) { c in
            let x = try c.x
            let r = Linalg.luFactor(x, pivot: try c.bool("pivot", true))
            if try c.bool("get_infos", false) { return outs(r.lu, r.pivots, Tensor.zeros(Array(x.shape.dropLast(2)), dtype: .int32)) }
            return outs(r.lu, r.pivots)
        },
        "lu_unpack": m("Linalg.luUnpack(lu, pivots)", "input", "LU_pivots", "unpack_data", "unpack_pivots", dtypes: .f64f32) { c in
            try c.reject("unpack_data", unless: .bool(true)); try c.reject("unpack_pivots", unless: .bool(true))
            let r = Linalg.luUnpack(try c.x, try c.tensor("LU_pivots")); return outs(r.p, r.l, r.u)
        },
        "lu_solve": m("Linalg.luSolve(lu, pivots, b)", "input", "LU_data", "LU_pivots", dtypes: .f64f32) { c in
            Linalg.luSolve(try c.tensor("LU_data"), try c.tensor("LU_pivots"), try c.x)
        },
        "linalg.lu_solve": m("Linalg.luSolve(lu, pivots, b, left:adjoint:)", "input", "pivots", "B", "left", "adjoint", dtypes: .f64f32) { c in
            Linalg.luSolve(try c.x, try c.tensor("pivots"), try c.tensor("B"), left: try c.bool("left", true),
                           adjoint: try c.bool("adjoint", false))
        },
        "linalg.norm": linalgNormRow(), "linalg.norm.subgradients_at_zero": linalgNormRow(),
        "norm.fro": m("Linalg.vectorNorm(x, ord: 2, axes:keepDim:)", "input", "p", "dim", "keepdim") { c in
            try c.reject("p", unless: .string("fro"))
            return Linalg.vectorNorm(try c.x, ord: 2, axes: try c.axes(), keepDim: try c.bool("keepdim", false))
        },
        "norm.inf": m("Linalg.vectorNorm(x, ord: ±.infinity, axes:keepDim:)", "input", "p", "dim", "keepdim") { c in
            Linalg.vectorNorm(try c.x, ord: try c.double("p"), axes: try c.axes(), keepDim: try c.bool("keepdim", false))
        },
        "norm.nuc": m("Linalg.matrixNorm(a, ord: .nuclear, axes:keepDim:)", "input", "p", "dim", "keepdim", dtypes: .f64f32) { c in
            try c.reject("p", unless: .string("nuc"))
            let d = try c.intsOrNil("dim") ?? [-2, -1]
            return try Linalg.matrixNorm(try c.x, ord: .nuclear, axes: (d[0], d[1]), keepDim: try c.bool("keepdim", false))
        },
        "pinverse": m("Linalg.pinv(a, rtol:)", "input", "rcond", dtypes: .f64f32) { c in
            try Linalg.pinv(try c.x, rtol: try c.double("rcond", 1e-15))
        },
    ] }
}

extension Call {
    /// A Size3 from an int or a triple.
    func size3(_ name: String, _ default: Int? = nil) throws -> Size3 {
        let v = try ints3(name, `default`)
        return Size3(v[0], v[1], v[2])
    }

    func size3OrNil(_ name: String) throws -> Size3? { if !has(name) { return nil }; return try size3(name) }
}

extension ConformanceTable {
    /// Rows of the 3-D convolution, pooling and interpolation ops.
    static var volumeRows: [String: Mapping] { [
        "nn.functional.conv3d": m("conv3d(x, weight:bias:stride:padding:dilation:groups:)", "input", "weight", "bias", "stride", "padding",
                                  "dilation", "groups", dtypes: .numeric) { c in
            let padding: Padding3d
            switch c.value("padding") {
            case .string("same")?: padding = .same
            case .string("valid")?: padding = .valid
            default: padding = .explicit(try c.size3("padding", 0))
            }
            return conv3d(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"), stride: try c.size3("stride", 1),
                          padding: padding, dilation: try c.size3("dilation", 1), groups: try c.int("groups", 1))
        },
        "nn.functional.conv_transpose3d": m("convTranspose3d(x, weight:bias:stride:padding:outputPadding:dilation:groups:)", "input",
                                            "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation", dtypes: .numeric) { c in
            convTranspose3d(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"), stride: try c.size3("stride", 1),
                            padding: try c.size3("padding", 0), outputPadding: try c.size3("output_padding", 0),
                            dilation: try c.size3("dilation", 1), groups: try c.int("groups", 1))
        },
        "nn.functional.max_pool3d": m("maxPool3d(x, kernelSize:stride:padding:dilation:ceilMode:) / maxPool3dWithIndices", "input",
                                      "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices", dtypes: .numeric) { c in
            let r = maxPool3dWithIndices(try c.x, kernelSize: try c.size3("kernel_size"), stride: try c.size3OrNil("stride"),
                                         padding: try c.size3("padding", 0), dilation: try c.size3("dilation", 1),
                                         ceilMode: try c.bool("ceil_mode", false))
            return try c.bool("return_indices", false) ? outs(r.values, r.indices) : r.values.out
        },
        "nn.functional.avg_pool3d": m("avgPool3d(x, kernelSize:stride:padding:ceilMode:countIncludePad:divisorOverride:)", "input",
                                      "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override",
                                      dtypes: .numeric) { c in
            avgPool3d(try c.x, kernelSize: try c.size3("kernel_size"), stride: try c.size3OrNil("stride"), padding: try c.size3("padding", 0),
                      ceilMode: try c.bool("ceil_mode", false), countIncludePad: try c.bool("count_include_pad", true),
                      divisorOverride: try c.intOrNil("divisor_override"))
        },
        "nn.functional.adaptive_avg_pool3d": m("adaptiveAvgPool3d(x, outputSize:)", "input", "output_size") { c in
            adaptiveAvgPool3d(try c.x, outputSize: try adaptiveSize3(c))
        },
        "nn.functional.adaptive_max_pool3d": m("adaptiveMaxPool3d(x, outputSize:) / adaptiveMaxPool3dWithIndices", "input", "output_size",
                                               "return_indices") { c in
            let r = adaptiveMaxPool3dWithIndices(try c.x, outputSize: try adaptiveSize3(c))
            return try c.bool("return_indices", false) ? outs(r.values, r.indices) : r.values.out
        },
        "nn.functional.max_unpool3d": unpool3dRow(), "nn.functional.max_unpool3d.grad": unpool3dRow(),
        "nn.functional.interpolate.trilinear": m("trilinearInterpolate(x, size:/scaleFactor:, alignCorners:)", "input", "size",
                                                 "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias") { c in
            let x = try c.x
            try c.require(x.rank == 5, "input of rank \(x.rank)")
            try c.reject("antialias", unless: .bool(false))
            let ac = try c.bool("align_corners", false)
            if c.has("size") { return trilinearInterpolate(x, size: try c.size3("size"), alignCorners: ac) }
            let f = try c.double("scale_factor")
            return trilinearInterpolate(x, scaleFactor: (f, f, f), alignCorners: ac, recomputeScaleFactor: try c.bool("recompute_scale_factor", false))
        },
        "nn.functional.interpolate.linear": m("linearInterpolate(x, size:/scaleFactor:, alignCorners:)", "input", "size", "scale_factor",
                                              "mode", "align_corners", "recompute_scale_factor", "antialias") { c in
            let x = try c.x
            try c.require(x.rank == 3, "input of rank \(x.rank)")
            try c.reject("antialias", unless: .bool(false))
            let ac = try c.bool("align_corners", false)
            if c.has("size") { return linearInterpolate(x, size: try c.size1("size"), alignCorners: ac) }
            let f = try c.double("scale_factor")
            return linearInterpolate(x, scaleFactor: f, alignCorners: ac, recomputeScaleFactor: try c.bool("recompute_scale_factor", false))
        },
    ] }

    /// `output_size` of an adaptive 3-D pool: an int, or a triple whose None entries keep the input's size.
    private static func adaptiveSize3(_ c: Call) throws -> Size3 {
        let x = try c.x
        if case .list(let xs)? = c.value("output_size"), xs.count == 3 {
            let v = try xs.enumerated().map { i, e -> Int in
                switch e {
                case .int(let k): return k
                case .null: return x.shape[x.rank - 3 + i]
                default: throw Unsupported("output_size")
                }
            }
            return Size3(v[0], v[1], v[2])
        }
        return try c.size3("output_size")
    }

    private static func unpool3dRow() -> Mapping {
        m("maxUnpool3d(x, indices:kernelSize:stride:padding:outputSize:)", "input", "indices", "kernel_size", "stride", "padding",
          "output_size") { c in
            let os = try c.intsOrNil("output_size").map { Size3($0[$0.count - 3], $0[$0.count - 2], $0[$0.count - 1]) }
            return maxUnpool3d(try c.x, indices: try c.tensor("indices"), kernelSize: try c.size3("kernel_size"),
                               stride: try c.size3OrNil("stride"), padding: try c.size3("padding", 0), outputSize: os)
        }
    }
}

extension ConformanceTable {
    /// The `*_copy` variants, real-tensor identities (conj, resolve_*), in-place fills and creation.
    static var copyRows: [String: Mapping] { [
        "expand_copy": m("x.expand(shape).contiguous()", "input", "size", dtypes: .all) { c in (try c.x).expand(try c.ints("size")).contiguous() },
        "permute_copy": m("x.permute(axes).contiguous()", "input", "dims", dtypes: .all) { c in (try c.x).permute(try c.ints("dims")).contiguous() },
        "view_copy": m("x.view(shape).contiguous()", "input", "size", dtypes: .all) { c in (try c.x).view(try c.ints("size")).contiguous() },
        "t_copy": un("x.t().contiguous()", dtypes: .all) { $0.t().contiguous() },
        "transpose_copy": m("x.transpose(a, b).contiguous()", "input", "dim0", "dim1", dtypes: .all) { c in
            (try c.x).transpose(try c.int("dim0"), try c.int("dim1")).contiguous()
        },
        "unsqueeze_copy": m("x.unsqueeze(axis:).contiguous()", "input", "dim", dtypes: .all) { c in (try c.x).unsqueeze(axis: try c.int("dim")).contiguous() },
        "squeeze_copy": m("x.squeeze(axis:).contiguous()", "input", "dim", dtypes: .all) { c in (try c.x).squeeze(axis: try c.intOrNil("dim")).contiguous() },
        "unbind_copy": m("x.unbind(axis:) (copies)", "input", "dim", dtypes: .all) { c in (try c.x).unbind(axis: try c.int("dim", 0)).map { $0.contiguous() } },
        "unfold_copy": m("x.unfold(axis:size:step:).contiguous()", "input", "dimension", "size", "step", dtypes: .all) { c in
            (try c.x).unfold(axis: try c.int("dimension"), size: try c.int("size"), step: try c.int("step")).contiguous()
        },
        "diagonal_copy": m("x.diagonal(offset:axis1:axis2:).contiguous()", "input", "offset", "dim1", "dim2", dtypes: .all) { c in
            (try c.x).diagonal(offset: try c.int("offset", 0), axis1: try c.int("dim1", 0), axis2: try c.int("dim2", 1)).contiguous()
        },
        "alias_copy": un("x.clone()", dtypes: .all) { $0.clone() },
        "as_strided_copy": m("x.asStrided(shape:strides:offset:).contiguous()", "input", "size", "stride", "storage_offset", dtypes: .all) { c in
            (try c.x).asStrided(shape: try c.ints("size"), strides: try c.ints("stride"), offset: try c.intOrNil("storage_offset")).contiguous()
        },
        "split_with_sizes_copy": m("x.split(sizes:axis:) (copies)", "input", "split_sizes", "dim", dtypes: .all) { c in
            (try c.x).split(sizes: try c.ints("split_sizes"), axis: try c.int("dim", 0)).map { $0.contiguous() }
        },
        "unsafe_chunk": m("x.chunk(n, axis:)", "input", "chunks", "dim", dtypes: .all) { c in
            (try c.x).chunk(try c.int("chunks"), axis: try c.int("dim", 0))
        },
        "unsafe_split": m("x.split(size:axis:)", "input", "split_size", "dim", dtypes: .all) { c in
            (try c.x).split(size: try c.int("split_size"), axis: try c.int("dim", 0))
        },
        "H": un("x.t() (real)", dtypes: .all) { $0.rank < 2 ? $0 : $0.t() },
        "mH": un("x.mT (real)", dtypes: .all) { $0.mT },
        "conj": un("x (real)", dtypes: .all) { $0 },
        "conj_physical": un("x.clone() (real)", dtypes: .all) { $0.clone() },
        "resolve_conj": un("x (real)", dtypes: .all) { $0 },
        "resolve_neg": un("x (real)", dtypes: .all) { $0 },
        "real": un("x (real)", dtypes: .all) { $0 },
        "vdot": m("a.dot(b) (real)", "input", "other", dtypes: .numeric) { c in (try c.x).dot(try c.tensor("other")) },
        "fill": m("x.fill(value) (on a copy)", "input", "value", dtypes: .all) { c in
            try c.require(!c.isTensor("value"), "tensor value")
            let x = try c.x, v = try c.double("value")
            let y = withNoGrad { x.clone() }
            y.fill(v)
            return y
        },
        "zero_": un("x.zero() (on a copy)", dtypes: .all) { x in
            let y = withNoGrad { x.clone() }
            y.zero()
            return y
        },
    ] }
}

extension ConformanceTable {
    /// Rows of the composed extras (Ops/ElementwiseExtras.swift, Ops/SplitsGridsAndSpecial.swift) and creation.
    static var extraRows: [String: Mapping] { [
        "clamp_min": m("x.clampMin(t)", "input", "min", dtypes: .all) { c in (try c.x).clampMin(try c.operand("min", for: try c.x)) },
        "clamp_max": m("x.clampMax(t)", "input", "max", dtypes: .all) { c in (try c.x).clampMax(try c.operand("max", for: try c.x)) },
        "fmax": bint("a.fmax(b)", dtypes: .all) { $0.fmax($1) },
        "fmin": bint("a.fmin(b)", dtypes: .all) { $0.fmin($1) },
        "div.trunc_rounding": m("a.div(b, roundingMode: .trunc)", "input", "other", "rounding_mode", dtypes: .numeric) { c in
            try c.reject("rounding_mode", unless: .string("trunc"))
            let x = try c.x
            return x.div(try c.operand("other", for: x), roundingMode: .trunc)
        },
        "float_power": m("x.floatPower(e)", "input", "exponent", dtypes: .all) { c in
            let x = try c.x
            return x.floatPower(c.isTensor("exponent") ? try c.tensor("exponent") : Tensor.full([], try c.double("exponent"), dtype: .float64))
        },
        "rsub": m("x.rsub(other, alpha:)", "input", "other", "alpha", dtypes: .numeric) { c in
            let x = try c.x
            return x.rsub(try c.operand("other", for: x), alpha: try c.double("alpha", 1))
        },
        "signbit": un("x.signbit()", dtypes: .all) { $0.signbit() },
        "sgn": un("x.sign() (real)", dtypes: .all) { $0.sign() },
        "ldexp": bint("x.ldexp(e)", dtypes: .all) { $0.ldexp($1) },
        "tensor_split": m("x.tensorSplit(sections:axis:) / x.tensorSplit(indices:axis:)", "input", "indices_or_sections", "dim", dtypes: .all) { c in
            let x = try c.x, ax = try c.int("dim", 0)
            switch c.value("indices_or_sections") {
            case .int(let n)?: return x.tensorSplit(sections: n, axis: ax)
            case .tensor(let t)?:
                let v = c.makeTensor(t)
                return v.rank == 0 ? x.tensorSplit(sections: v.ints[0], axis: ax) : x.tensorSplit(indices: v.ints, axis: ax)
            default: return x.tensorSplit(indices: try c.ints("indices_or_sections"), axis: ax)
            }
        },
        "hsplit": m("x.hsplit(n) / x.hsplit(indices:)", "input", "indices_or_sections", dtypes: .all) { c in
            if case .int(let n)? = c.value("indices_or_sections") { return (try c.x).hsplit(n) }
            return (try c.x).hsplit(indices: try c.ints("indices_or_sections"))
        },
        "vsplit": m("x.vsplit(n) / x.vsplit(indices:)", "input", "indices_or_sections", dtypes: .all) { c in
            if case .int(let n)? = c.value("indices_or_sections") { return (try c.x).vsplit(n) }
            return (try c.x).vsplit(indices: try c.ints("indices_or_sections"))
        },
        "dsplit": m("x.dsplit(n) / x.dsplit(indices:)", "input", "indices_or_sections", dtypes: .all) { c in
            if case .int(let n)? = c.value("indices_or_sections") { return (try c.x).dsplit(n) }
            return (try c.x).dsplit(indices: try c.ints("indices_or_sections"))
        },
        "unflatten": m("x.unflatten(axis:sizes:)", "input", "dim", "sizes", dtypes: .all) { c in
            (try c.x).unflatten(axis: try c.int("dim"), sizes: try c.ints("sizes"))
        },
        "broadcast_tensors": m("Tensor.broadcastTensors(xs)", "input", "t1", "t2", "t3", "t4", "t5", "t6", "t7", dtypes: .all) { c in
            Tensor.broadcastTensors(try c.variadic(variadicNames))
        },
        "meshgrid.variadic_tensors": m("Tensor.meshgrid(xs, indexing:)", "input", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "indexing",
                                       dtypes: .all) { c in
            Tensor.meshgrid(try c.variadic(variadicNames), indexing: try c.string("indexing", "ij"))
        },
        "meshgrid.list_of_tensors": m("Tensor.meshgrid(xs, indexing:)", "tensors", "indexing", dtypes: .all) { c in
            Tensor.meshgrid(try c.tensors("tensors"), indexing: try c.string("indexing", "ij"))
        },
        "combinations": m("x.combinations(r:withReplacement:)", "input", "r", "with_replacement", dtypes: .all) { c in
            (try c.x).combinations(r: try c.int("r", 2), withReplacement: try c.bool("with_replacement", false))
        },
        "trapezoid": trapezoidRow(cumulative: false), "trapz": trapezoidRow(cumulative: false),
        "cumulative_trapezoid": trapezoidRow(cumulative: true),
        "isin": m("x.isin(test, invert:)", "input", "test_elements", "assume_unique", "invert", dtypes: .numeric) { c in
            let x = try c.x
            return x.isin(try c.operand("test_elements", for: x), invert: try c.bool("invert", false))
        },
        "gcd": bint("a.gcd(b)", dtypes: .integral) { $0.gcd($1) },
        "lcm": bint("a.lcm(b)", dtypes: .integral) { $0.lcm($1) },
        "mvlgamma.mvlgamma_p_1": mvlgammaRow(), "mvlgamma.mvlgamma_p_3": mvlgammaRow(), "mvlgamma.mvlgamma_p_5": mvlgammaRow(),
        "special.ndtr": un("x.ndtr()", dtypes: .all) { $0.ndtr() },
        "special.ndtri": un("x.ndtri()", dtypes: .all) { $0.ndtri() },
        "special.entr": un("x.entr()", dtypes: .all) { $0.entr() },
        "special.xlog1py": bint("x.xlog1py(y)") { $0.xlog1py($1) },
        "special.i0e": un("x.i0e()", dtypes: .all) { $0.i0e() },
        "special.i1e": un("x.i1e()", dtypes: .all) { $0.i1e() },
        "dist": m("a.dist(b, p:)", "input", "other", "p") { c in (try c.x).dist(try c.tensor("other"), p: try c.double("p", 2)) },
        "renorm": m("x.renorm(p:axis:maxnorm:)", "input", "p", "dim", "maxnorm") { c in
            (try c.x).renorm(p: try c.double("p"), axis: try c.int("dim"), maxnorm: try c.double("maxnorm"))
        },
        "addmm": addmmRow(), "addmm.decomposed": addmmRow(),
        "nn.functional.channel_shuffle": m("x.channelShuffle(groups:)", "input", "groups", dtypes: .all) { c in
            (try c.x).channelShuffle(groups: try c.int("groups"))
        },
        "nn.functional.bilinear": m("bilinear(x1, x2, weight:bias:)", "input", "input2", "weight", "bias", dtypes: .numeric) { c in
            bilinear(try c.x, try c.tensor("input2"), weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"))
        },
        "equal": m("a.shape == b.shape && a.eq(b).all()", "input", "other", dtypes: .all) { c in
            let a = try c.x, b = try c.tensor("other")
            return a.shape == b.shape && (a.count == 0 || a.eq(b).all().item() == 1)
        },
        "squeeze.multiple": m("x.squeeze(axes)", "input", "dim", dtypes: .all) { c in
            let x = try c.x
            var y = x
            let axes = try c.ints("dim").map { $0 < 0 ? $0 + Swift.max(x.rank, 1) : $0 }.sorted(by: >)
            for a in axes where x.rank > 0 && x.shape[a] == 1 { y = y.squeeze(axis: a) }
            return y
        },
        "logspace": m("Tensor.logspace(start, end, steps:base:dtype:)", "start", "end", "steps", "base", "dtype", "device", dtypes: .numeric) { c in
            try c.require(!c.isTensor("start") && !c.isTensor("end"), "tensor bounds")
            return Tensor.logspace(try c.double("start"), try c.double("end"), steps: try c.int("steps"), base: try c.double("base", 10),
                                   dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "linspace": m("Tensor.linspace(start, end, steps:dtype:)", "start", "end", "steps", "dtype", "device", dtypes: .numeric) { c in
            try c.require(!c.isTensor("start") && !c.isTensor("end"), "tensor bounds")
            return Tensor.linspace(try c.double("start"), try c.double("end"), steps: try c.int("steps"), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "eye": m("Tensor.eye(n, m, dtype:)", "n", "m", "device", "dtype", "requires_grad", dtypes: .all) { c in
            Tensor.eye(try c.int("n"), try c.intOrNil("m"), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "zeros": m("Tensor.zeros(shape, dtype:)", "size", "dtype", "device", "requires_grad", dtypes: .all) { c in
            Tensor.zeros(try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "ones": m("Tensor.ones(shape, dtype:)", "size", "dtype", "device", "requires_grad", dtypes: .all) { c in
            Tensor.ones(try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "full": m("Tensor.full(shape, value, dtype:)", "size", "fill_value", "dtype", "device", "requires_grad", dtypes: .all) { c in
            Tensor.full(try c.ints("size"), try c.double("fill_value"), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "full_like": m("Tensor.fullLike(x, value, dtype:)", "input", "fill_value", "dtype", "device", dtypes: .all) { c in
            Tensor.fullLike(try c.x, try c.double("fill_value"), dtype: try c.dtypeOrNil("dtype"))
        },
        "new_zeros": m("Tensor.zeros(shape, dtype: x.dtype)", "input", "size", "dtype", "device", dtypes: .all) { c in
            Tensor.zeros(try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? (try c.x).dtype)
        },
        "new_ones": m("Tensor.ones(shape, dtype: x.dtype)", "input", "size", "dtype", "device", dtypes: .all) { c in
            Tensor.ones(try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? (try c.x).dtype)
        },
        "new_full": m("Tensor.full(shape, value, dtype: x.dtype)", "input", "size", "fill_value", "dtype", "device", dtypes: .all) { c in
            Tensor.full(try c.ints("size"), try c.double("fill_value"), dtype: try c.dtypeOrNil("dtype") ?? (try c.x).dtype)
        },
        "scalar_tensor": m("Tensor.full([], value, dtype:)", "s", "device", "dtype", "requires_grad", dtypes: .all) { c in
            Tensor.full([], try c.double("s"), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        // Random and uninitialised creation: op_db compares only shapes and dtypes.
        "item": m("x.item()", "input", dtypes: .all) { c in
            let x = try c.x
            return x.dtype == .bool ? Out.bool(x.item() != 0) : x.dtype.isFloatingPoint ? Out.double(x.item()) : Out.int(Int(x.item()))
        },
        "to": m("x.to(dtype)", "input", "device", "dtype", "non_blocking", "copy", "memory_format", dtypes: .all) { c in
            guard let d = try c.dtypeOrNil("dtype") else { throw Unsupported("no dtype") }
            return (try c.x).to(d)
        },
        "uniform": m("Tensor.uniform(shape, low:high:dtype:)", "input", "from", "to", "generator") { c in
            let x = try c.x
            return Tensor.uniform(x.shape, low: try c.double("from", 0), high: try c.double("to", 1), dtype: x.dtype)
        },
        "normal": m("normal(mean:std:)", "input", "std", "generator") { c in
            let mean = try c.x
            if c.isTensor("std") { return normal(mean: mean, std: try c.tensor("std")) }
            return normal(mean: mean, std: try c.double("std", 1))
        },
        "bernoulli": m("bernoulli(p)", "input", "generator") { c in bernoulli(try c.x) },
        "multinomial": m("p.multinomial(numSamples:replacement:)", "input", "num_samples", "replacement", "generator") { c in
            (try c.x).multinomial(numSamples: try c.int("num_samples"), replacement: try c.bool("replacement", false))
        },
        "randn": m("Tensor.randn(shape, dtype:)", "size", "dtype", "device", "requires_grad", "generator") { c in
            Tensor.randn(try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "rand_like": m("Tensor.uniform(x.shape, low: 0, high: 1, dtype:)", "input", "dtype", "device") { c in
            let x = try c.x
            return Tensor.rand(x.shape, dtype: try c.dtypeOrNil("dtype") ?? x.dtype)
        },
        "randn_like": m("Tensor.randn(x.shape, dtype:)", "input", "dtype", "device") { c in
            let x = try c.x
            return Tensor.randn(x.shape, dtype: try c.dtypeOrNil("dtype") ?? x.dtype)
        },
        "randint": m("Tensor.randint(low, high, shape, dtype:)", "low", "high", "size", "dtype", "device", "requires_grad", "generator",
                     dtypes: .all) { c in
            // randint(high, size) or randint(low, high, size).
            if case .list? = c.value("high") {
                return Tensor.randint(0, try c.int("low"), try c.ints("high"), dtype: try c.dtypeOrNil("dtype") ?? .int64)
            }
            return Tensor.randint(try c.int("low"), try c.int("high"), try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? .int64)
        },
        "randint_like": m("Tensor.randint(low, high, x.shape, dtype:)", "input", "low", "high", "dtype", "device", dtypes: .all) { c in
            let x = try c.x
            let (lo, hi) = c.has("high") ? (try c.int("low"), try c.int("high")) : (0, try c.int("low"))
            return Tensor.randint(lo, hi, x.shape, dtype: try c.dtypeOrNil("dtype") ?? x.dtype)
        },
        "empty": m("Tensor.zeros(shape, dtype:) (uninitialised in PyTorch)", "size", "device", "dtype", "requires_grad", dtypes: .all) { c in
            Tensor.zeros(try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? .float32)
        },
        "empty_like": m("Tensor.zerosLike(x, dtype:) (uninitialised in PyTorch)", "input", "dtype", "device", dtypes: .all) { c in
            Tensor.zerosLike(try c.x, dtype: try c.dtypeOrNil("dtype"))
        },
        "new_empty": m("Tensor.zeros(shape, dtype: x.dtype) (uninitialised in PyTorch)", "input", "size", "dtype", "device", dtypes: .all) { c in
            Tensor.zeros(try c.ints("size"), dtype: try c.dtypeOrNil("dtype") ?? (try c.x).dtype)
        },
    ] }

    private static func trapezoidRow(cumulative: Bool) -> Mapping {
        m(cumulative ? "y.cumulativeTrapezoid(x:/dx:, axis:)" : "y.trapezoid(x:/dx:, axis:)", "input", "x", "dx", "dim", dtypes: .numeric) { c in
            let y = try c.x, ax = try c.int("dim", -1)
            if c.isTensor("x") {
                let x = try c.tensor("x")
                return cumulative ? y.cumulativeTrapezoid(x: x, axis: ax) : y.trapezoid(x: x, axis: ax)
            }
            let dx = try c.double("dx", c.has("x") ? try c.double("x") : 1)
            return cumulative ? y.cumulativeTrapezoid(dx: dx, axis: ax) : y.trapezoid(dx: dx, axis: ax)
        }
    }

    private static func mvlgammaRow() -> Mapping {
        m("x.mvlgamma(p:)", "input", "p", dtypes: .all) { c in (try c.x).mvlgamma(p: try c.int("p")) }
    }

    private static func addmmRow() -> Mapping {
        m("x.addmm(a, b, beta:alpha:)", "input", "mat1", "mat2", "beta", "alpha", dtypes: .numeric) { c in
            (try c.x).addmm(try c.tensor("mat1"), try c.tensor("mat2"), beta: try c.double("beta", 1), alpha: try c.double("alpha", 1))
        }
    }
}
