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

    func isTensor(_ name: String) -> Bool { if case .tensor? = value(name) { return true }; return false }
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
    func correction() throws -> Int {
        if has("correction") { return try int("correction") }
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
private func act(_ spelling: String, _ f: @escaping (Tensor) -> Tensor) -> Mapping {
    m(spelling, "input", "inplace") { c in try c.reject("inplace", unless: .bool(false)); return f(try c.x) }
}

/// `F.interpolate` (and the `upsample_*` aliases) on 4-D input, by size or scale factor.
private func interp(_ c: Call, _ mode: InterpolationMode, alignCorners: Bool? = nil) throws -> Tensor {
    let x = try c.x
    try c.require(x.rank == 4, "input of rank \(x.rank)")
    try c.reject("antialias", unless: .bool(false))
    if c.has("recompute_scale_factor") { try c.reject("recompute_scale_factor", unless: .bool(false)) }
    let ac = try alignCorners ?? c.bool("align_corners", false)
    if c.has("size") { return interpolate(x, size: try c.size2("size"), mode: mode, alignCorners: ac) }
    if case .list(let fs)? = c.value("scale_factor") {
        try c.require(fs.count == 2, "scale_factor \(fs)")
        let f = try fs.map { v -> Double in
            switch v { case .float(let d): return d; case .int(let i): return Double(i); default: throw Unsupported("scale_factor") }
        }
        return interpolate(x, scaleFactor: (f[0], f[1]), mode: mode, alignCorners: ac)
    }
    return interpolate(x, scaleFactor: try c.double("scale_factor"), mode: mode, alignCorners: ac)
}

enum ConformanceTable {
    // Computed (closures are not Sendable); read once per run.
    static var mappings: [String: Mapping] { [
        // Elementwise math.
        "abs": un("x.abs()", dtypes: .numeric) { $0.abs() },
        "neg": un("-x", dtypes: .numeric) { -$0 },
        "exp": un("x.exp()") { $0.exp() },
        "log": un("x.log()") { $0.log() },
        "log1p": un("x.log1p()") { $0.log1p() },
        "expm1": un("x.expm1()") { $0.expm1() },
        "sqrt": un("x.sqrt()") { $0.sqrt() },
        "rsqrt": un("x.rsqrt()") { $0.rsqrt() },
        "reciprocal": un("x.reciprocal()") { $0.reciprocal() },
        "sign": un("x.sign()", dtypes: .numeric) { $0.sign() },
        "square": un("x.square()", dtypes: .numeric) { $0.square() },
        "sin": un("x.sin()") { $0.sin() },
        "cos": un("x.cos()") { $0.cos() },
        "tanh": un("x.tanh()") { $0.tanh() },
        "sigmoid": un("x.sigmoid()") { $0.sigmoid() },
        "erf": un("x.erf()") { $0.erf() },
        "positive": un("x", dtypes: .numeric) { $0 },
        "clone": un("x.clone()", dtypes: .all) { $0.clone() },
        "contiguous": un("x.contiguous()", dtypes: .all) { $0.contiguous() },
        "isnan": un("x.isnan()", dtypes: .all) { $0.isnan() },
        "isinf": un("x.isinf()", dtypes: .all) { $0.isinf() },
        "isfinite": un("x.isfinite()", dtypes: .all) { $0.isfinite() },
        "isposinf": un("x.isposinf()", dtypes: .numeric) { $0.isposinf() },
        "isneginf": un("x.isneginf()", dtypes: .numeric) { $0.isneginf() },
        "logical_not": un("x.logicalNot()", dtypes: .all) { $0.logicalNot() },
        "bitwise_not": un("x.bitwiseNot()", dtypes: .integral) { $0.bitwiseNot() },
        "pow": m("x.pow(p)", "input", "exponent", dtypes: .numeric) { c in
            let x = try c.x
            if case .tensor? = c.value("exponent") { return x.pow(try c.tensor("exponent")) }
            return x.pow(try c.operand("exponent", for: x))
        },
        "clamp": m("x.clamp(min:max:)", "input", "min", "max") { c in
            try c.require(!c.isTensor("min") && !c.isTensor("max"), "tensor bounds")
            return (try c.x).clamp(min: try c.double("min", -.infinity), max: try c.double("max", .infinity))
        },

        // Binary arithmetic, comparison, logical and bitwise ops.
        "add": m("a + b, a + alpha·b", "input", "other", "alpha", dtypes: .numeric) { c in
            let x = try c.x, y = try c.operand("other", for: x), alpha = try c.double("alpha", 1)
            return alpha == 1 ? x + y : x + y * alpha
        },
        "sub": m("a - b", "input", "other", "alpha", dtypes: .numeric) { c in
            let x = try c.x, y = try c.operand("other", for: x), alpha = try c.double("alpha", 1)
            return alpha == 1 ? x - y : x - y * alpha
        },
        "mul": bin("a * b", dtypes: .all) { $0 * $1 },
        "div.no_rounding_mode": bin("a / b") { $0 / $1 },
        "true_divide": bin("a / b") { $0 / $1 },
        "div.floor_rounding": m("a.floorDivide(b)", "input", "other", "rounding_mode", dtypes: .numeric) { c in
            let x = try c.x
            return x.floorDivide(try c.operand("other", for: x))
        },
        "floor_divide": bin("a.floorDivide(b)") { $0.floorDivide($1) },
        "remainder": bin("a.remainder(b)") { $0.remainder($1) },
        "fmod": bin("a.fmod(b)") { $0.fmod($1) },
        "eq": bin("a.eq(b)", dtypes: .all) { $0.eq($1) },
        "ne": bin("a.ne(b)", dtypes: .all) { $0.ne($1) },
        "lt": bin("a.lt(b)") { $0.lt($1) },
        "le": bin("a.le(b)") { $0.le($1) },
        "gt": bin("a.gt(b)") { $0.gt($1) },
        "ge": bin("a.ge(b)") { $0.ge($1) },
        "maximum": bin("Tensor.maximum(a, b)") { Tensor.maximum($0, $1) },
        "minimum": bin("Tensor.minimum(a, b)") { Tensor.minimum($0, $1) },
        "max.binary": bin("Tensor.maximum(a, b)") { Tensor.maximum($0, $1) },
        "min.binary": bin("Tensor.minimum(a, b)") { Tensor.minimum($0, $1) },
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
        "masked_fill": m("x.maskedFill(mask, v)", "input", "mask", "value", dtypes: .all) { c in
            try c.require(!c.isTensor("value"), "tensor value")
            return (try c.x).maskedFill(try c.tensor("mask"), try c.double("value"))
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
        "logsumexp": m("x.logsumexp(axes:keepDim:)", "input", "dim", "keepdim") { c in
            (try c.x).logsumexp(axes: try c.axes() ?? [], keepDim: try c.bool("keepdim", false))
        },
        "cumsum": m("x.cumsum(axis:)", "input", "dim", "dtype", dtypes: .all) { c in
            try c.castInput(c.x).cumsum(axis: try c.int("dim"))
        },
        "cumprod": m("x.cumprod(axis:)", "input", "dim", "dtype", dtypes: .all) { c in
            try c.castInput(c.x).cumprod(axis: try c.int("dim"))
        },
        "any": m("x.any(axis:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            try c.require(try c.axes().map { $0.count == 1 } ?? true, "several dims")
            return (try c.x).any(axis: try c.axes()?.first, keepDim: try c.bool("keepdim", false))
        },
        "all": m("x.all(axis:keepDim:)", "input", "dim", "keepdim", dtypes: .all) { c in
            try c.require(try c.axes().map { $0.count == 1 } ?? true, "several dims")
            return (try c.x).all(axis: try c.axes()?.first, keepDim: try c.bool("keepdim", false))
        },
        "count_nonzero": m("x.countNonzero()", "input", "dim", dtypes: .all) { c in
            try c.require(!c.has("dim"), "dim")
            return (try c.x).countNonzero()
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
            (try c.x).narrow(axis: try c.int("dim"), start: try c.int("start"), length: try c.int("length"))
        },
        "select": m("x.select(axis:index:)", "input", "dim", "index", dtypes: .all) { c in
            (try c.x).select(axis: try c.int("dim"), index: try c.int("index"))
        },
        "unbind": m("x.unbind(axis:)", "input", "dim", dtypes: .all) { c in (try c.x).unbind(axis: try c.int("dim", 0)) },
        "movedim": m("x.movedim(src, dst)", "input", "source", "destination", dtypes: .all) { c in
            let s = try c.ints("source"), d = try c.ints("destination")
            try c.require(s.count == 1 && d.count == 1, "several dims")
            return (try c.x).movedim(s[0], d[0])
        },
        "flip": m("x.flip(axis:)", "input", "dims", dtypes: .all) { c in
            let dims = try c.ints("dims")
            try c.require(dims.count == 1, "\(dims.count) dims")
            return (try c.x).flip(axis: dims[0])
        },
        "unfold": m("x.unfold(axis:size:step:)", "input", "dimension", "size", "step", dtypes: .all) { c in
            (try c.x).unfold(axis: try c.int("dimension"), size: try c.int("size"), step: try c.int("step"))
        },
        "diagonal": m("x.diagonal(offset:axis1:axis2:)", "input", "offset", "dim1", "dim2", dtypes: .all) { c in
            (try c.x).diagonal(offset: try c.int("offset", 0), axis1: try c.int("dim1", 0), axis2: try c.int("dim2", 1))
        },
        "as_strided": m("x.asStrided(shape:strides:offset:)", "input", "size", "stride", "storage_offset", dtypes: .all) { c in
            (try c.x).asStrided(shape: try c.ints("size"), strides: try c.ints("stride"), offset: try c.intOrNil("storage_offset"))
        },
        "constant_pad_nd": m("x.pad(padding, value:)", "input", "pad", "value") { c in
            (try c.x).pad(try c.ints("pad"), value: try c.double("value", 0))
        },
        "nn.functional.pad.constant": m("x.pad(padding, value:)", "input", "pad", "mode", "value") { c in
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
        "scatter_add": m("x.scatterAdd(axis:index:source:)", "input", "dim", "index", "src", dtypes: .numeric) { c in
            (try c.x).scatterAdd(axis: try c.int("dim"), index: try c.tensor("index"), source: try c.tensor("src"))
        },
        "index_add": m("x.indexAdd(axis:indices:source:)", "input", "dim", "index", "source", "alpha", dtypes: .numeric) { c in
            try c.reject("alpha", unless: .int(1))
            return (try c.x).indexAdd(axis: try c.int("dim"), indices: try c.tensor("index"), source: try c.tensor("source"))
        },

        // Products.
        "matmul": m("a.matmul(b)", "input", "other") { c in (try c.x).matmul(try c.tensor("other")) },
        "mm": m("a.mm(b)", "input", "mat2") { c in (try c.x).mm(try c.tensor("mat2")) },
        "bmm": m("a.bmm(b)", "input", "mat2") { c in (try c.x).bmm(try c.tensor("mat2")) },
        "dot": m("a.dot(b)", "input", "tensor") { c in (try c.x).dot(try c.tensor("tensor")) },
        "mv": m("a.matmul(v)", "input", "vec") { c in (try c.x).matmul(try c.tensor("vec")) },
        "outer": m("Linalg.outer(a, b)", "input", "vec2") { c in Linalg.outer(try c.x, try c.tensor("vec2")) },
        "kron": m("Linalg.kron(a, b)", "input", "other") { c in Linalg.kron(try c.x, try c.tensor("other")) },
        "trace": un("Linalg.trace(a)") { Linalg.trace($0) },
        "tril": m("Linalg.tril(a, k:)", "input", "diagonal", dtypes: .all) { c in Linalg.tril(try c.x, k: try c.int("diagonal", 0)) },
        "triu": m("Linalg.triu(a, k:)", "input", "diagonal", dtypes: .all) { c in Linalg.triu(try c.x, k: try c.int("diagonal", 0)) },
        "diag": m("Linalg.diag(x, offset:)", "input", "diagonal", dtypes: .all) { c in Linalg.diag(try c.x, offset: try c.int("diagonal", 0)) },
        "nn.functional.linear": m("linear(x, weight:bias:)", "input", "weight", "bias") { c in
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
        "nn.functional.relu": act("relu(x)") { relu($0) },
        "nn.functional.silu": act("silu(x)") { silu($0) },
        "nn.functional.mish": act("mish(x)") { mish($0) },
        "nn.functional.selu": act("selu(x)") { selu($0) },
        "nn.functional.relu6": act("relu6(x)") { relu6($0) },
        "nn.functional.hardsigmoid": act("hardsigmoid(x)") { hardsigmoid($0) },
        "nn.functional.hardswish": act("hardswish(x)") { hardswish($0) },
        "nn.functional.logsigmoid": un("logSigmoid(x)") { logSigmoid($0) },
        "nn.functional.softsign": un("softsign(x)") { softsign($0) },
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
        "nn.functional.hardtanh": m("hardtanh(x, min:max:)", "input", "min_val", "max_val", "inplace") { c in
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
            let r = try c.string("reduction", "mean")
            try c.require(r != "batchmean", "reduction=batchmean")
            return klDiv(try c.x, try c.tensor("target"), reduction: try c.reduction(), logTarget: try c.bool("log_target", false))
        },
        "nn.functional.cosine_embedding_loss": m("cosineEmbeddingLoss(a, b, y, margin:reduction:)",
                                                 "input1", "input2", "target", "margin", "size_average", "reduce", "reduction") { c in
            cosineEmbeddingLoss(try c.tensor("input1"), try c.tensor("input2"), try c.tensor("target"),
                                margin: try c.double("margin", 0), reduction: try c.reduction())
        },
        "nn.functional.margin_ranking_loss": m("marginRankingLoss(a, b, y, margin:reduction:)",
                                               "input1", "input2", "target", "margin", "size_average", "reduce", "reduction") { c in
            marginRankingLoss(try c.tensor("input1"), try c.tensor("input2"), try c.tensor("target"),
                              margin: try c.double("margin", 0), reduction: try c.reduction())
        },

        // Convolution, pooling, normalization, embedding.
        "nn.functional.conv1d": m("conv1d(x, weight:bias:stride:padding:dilation:groups:)",
                                  "input", "weight", "bias", "stride", "padding", "dilation", "groups") { c in
            try c.require(!c.isString("padding"), "string padding")
            return conv1d(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"), stride: try c.size1("stride", 1),
                          padding: .explicit(try c.size1("padding", 0)), dilation: try c.size1("dilation", 1), groups: try c.int("groups", 1))
        },
        "nn.functional.conv2d": m("conv2d(x, weight:bias:stride:padding:dilation:groups:)",
                                  "input", "weight", "bias", "stride", "padding", "dilation", "groups") { c in
            try c.require(!c.isString("padding"), "string padding")
            return conv2d(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"), stride: try c.size2("stride", 1),
                          padding: .explicit(try c.size2("padding", 0)), dilation: try c.size2("dilation", 1), groups: try c.int("groups", 1))
        },
        "nn.functional.conv_transpose1d": m("convTranspose1d(x, weight:bias:stride:padding:outputPadding:groups:dilation:)",
                                            "input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation") { c in
            convTranspose1d(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"), stride: try c.size1("stride", 1),
                            padding: try c.size1("padding", 0), outputPadding: try c.size1("output_padding", 0),
                            dilation: try c.size1("dilation", 1), groups: try c.int("groups", 1))
        },
        "nn.functional.conv_transpose2d": m("convTranspose2d(x, weight:bias:stride:padding:outputPadding:groups:dilation:)",
                                            "input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation") { c in
            convTranspose2d(try c.x, weight: try c.tensor("weight"), bias: try c.tensorOrNil("bias"), stride: try c.size2("stride", 1),
                            padding: try c.size2("padding", 0), outputPadding: try c.size2("output_padding", 0),
                            dilation: try c.size2("dilation", 1), groups: try c.int("groups", 1))
        },
        "nn.functional.max_pool1d": m("maxPool1d(x, kernelSize:stride:padding:dilation:ceilMode:)",
                                      "input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices") { c in
            try c.reject("return_indices", unless: .bool(false))
            return maxPool1d(try c.x, kernelSize: try c.size1("kernel_size"), stride: try c.size1OrNil("stride"),
                             padding: try c.size1("padding", 0), dilation: try c.size1("dilation", 1), ceilMode: try c.bool("ceil_mode", false))
        },
        "nn.functional.max_pool2d": m("maxPool2d(x, kernelSize:stride:padding:dilation:ceilMode:) / maxPool2dWithIndices",
                                      "input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices") { c in
            let r = maxPool2dWithIndices(try c.x, kernelSize: try c.size2("kernel_size"), stride: try c.size2OrNil("stride"),
                                         padding: try c.size2("padding", 0), dilation: try c.size2("dilation", 1),
                                         ceilMode: try c.bool("ceil_mode", false))
            return try c.bool("return_indices", false) ? outs(r.values, r.indices) : r.values.out
        },
        "nn.functional.avg_pool1d": m("avgPool1d(x, kernelSize:stride:padding:ceilMode:countIncludePad:)",
                                      "input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad") { c in
            avgPool1d(try c.x, kernelSize: try c.size1("kernel_size"), stride: try c.size1OrNil("stride"),
                      padding: try c.size1("padding", 0), ceilMode: try c.bool("ceil_mode", false),
                      countIncludePad: try c.bool("count_include_pad", true))
        },
        "nn.functional.avg_pool2d": m("avgPool2d(x, kernelSize:stride:padding:ceilMode:countIncludePad:divisorOverride:)",
                                      "input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override") { c in
            avgPool2d(try c.x, kernelSize: try c.size2("kernel_size"), stride: try c.size2OrNil("stride"),
                      padding: try c.size2("padding", 0), ceilMode: try c.bool("ceil_mode", false),
                      countIncludePad: try c.bool("count_include_pad", true), divisorOverride: try c.intOrNil("divisor_override"))
        },
        "nn.functional.adaptive_avg_pool1d": m("adaptiveAvgPool1d(x, outputSize:)", "input", "output_size") { c in
            adaptiveAvgPool1d(try c.x, outputSize: try c.size1("output_size"))
        },
        "nn.functional.adaptive_avg_pool2d": m("adaptiveAvgPool2d(x, outputSize:)", "input", "output_size") { c in
            adaptiveAvgPool2d(try c.x, outputSize: try c.size2("output_size"))
        },
        "nn.functional.adaptive_max_pool1d": m("adaptiveMaxPool1d(x, outputSize:)", "input", "output_size", "return_indices") { c in
            try c.reject("return_indices", unless: .bool(false))
            return adaptiveMaxPool1d(try c.x, outputSize: try c.size1("output_size"))
        },
        "nn.functional.adaptive_max_pool2d": m("adaptiveMaxPool2d(x, outputSize:)", "input", "output_size", "return_indices") { c in
            try c.reject("return_indices", unless: .bool(false))
            return adaptiveMaxPool2d(try c.x, outputSize: try c.size2("output_size"))
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
        "nn.functional.embedding": m("embedding(indices, weight:paddingIndex:)", "input", "weight", "padding_idx",
                                     "max_norm", "norm_type", "scale_grad_by_freq", "sparse", dtypes: .all) { c in
            try c.reject("max_norm"); try c.reject("scale_grad_by_freq", unless: .bool(false)); try c.reject("sparse", unless: .bool(false))
            return embedding(try c.x, weight: try c.tensor("weight"), paddingIndex: try c.intOrNil("padding_idx"))
        },
        "nn.functional.one_hot": m("oneHot(indices, numClasses:)", "input", "num_classes", dtypes: .all) { c in
            let n = try c.int("num_classes", -1)
            return oneHot(try c.x, numClasses: n < 0 ? nil : n)
        },

        "nn.functional.interpolate.nearest": m("interpolate(x, size:/scaleFactor:, mode: .nearest)", "input", "size", "scale_factor",
                                               "mode", "align_corners", "recompute_scale_factor", "antialias") { c in try interp(c, .nearest) },
        "nn.functional.interpolate.bilinear": m("interpolate(x, size:/scaleFactor:, mode: .bilinear, alignCorners:)", "input", "size",
                                                "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias") { c in
            try interp(c, .bilinear)
        },
        "nn.functional.upsample_nearest": m("interpolate(x, size:/scaleFactor:, mode: .nearest)", "input", "size", "scale_factor") { c in
            try interp(c, .nearest)
        },
        "nn.functional.upsample_bilinear": m("interpolate(x, size:/scaleFactor:, mode: .bilinear, alignCorners: true)", "input", "size",
                                             "scale_factor") { c in try interp(c, .bilinear, alignCorners: true) },

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
        "linalg.pinv": m("Linalg.pinv(a, atol:rtol:)", "input", "atol", "rtol", "hermitian") { c in
            try c.reject("hermitian", unless: .bool(false))
            return try Linalg.pinv(try c.x, atol: try c.doubleOrNil("atol"), rtol: try c.doubleOrNil("rtol"))
        },
        "linalg.solve_triangular": m("Linalg.solveTriangular(a, b, upper:left:unitriangular:)", "input", "B", "upper", "left", "unitriangular") { c in
            Linalg.solveTriangular(try c.x, try c.tensor("B"), upper: try c.bool("upper", false), left: try c.bool("left", true),
                                   unitriangular: try c.bool("unitriangular", false))
        },
        "cholesky_solve": m("Linalg.choleskySolve(b, factor:upper:)", "input", "input2", "upper") { c in
            Linalg.choleskySolve(try c.x, factor: try c.tensor("input2"), upper: try c.bool("upper", false))
        },
        "linalg.cross": m("Linalg.cross(a, b, axis:)", "input", "other", "dim") { c in
            Linalg.cross(try c.x, try c.tensor("other"), axis: try c.int("dim", -1))
        },
        "diag_embed": m("Linalg.diagEmbed(v, offset:)", "input", "offset", "dim1", "dim2", dtypes: .all) { c in
            try c.reject("dim1", unless: .int(-2)); try c.reject("dim2", unless: .int(-1))
            return Linalg.diagEmbed(try c.x, offset: try c.int("offset", 0))
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
        "zeros_like": m("Tensor.zerosLike(x, dtype:)", "input", "dtype", dtypes: .all) { c in
            Tensor.zerosLike(try c.x, dtype: try c.dtypeOrNil("dtype"))
        },
        "ones_like": m("Tensor.onesLike(x, dtype:)", "input", "dtype", dtypes: .all) { c in
            Tensor.onesLike(try c.x, dtype: try c.dtypeOrNil("dtype"))
        },
    ] }
}
