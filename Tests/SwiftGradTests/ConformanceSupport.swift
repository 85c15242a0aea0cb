import Foundation
@testable import SwiftGrad

// The machinery of the conformance suite: binding a sample's arguments to names, the outputs of a
// mapping, comparison with PyTorch's values and gradients, and the run over every mapped entry.

/// Thrown by a mapping (or by argument binding) for a sample that uses an argument, value or dtype
/// our spelling does not take: the sample counts as unsupported, and the op is never called.
struct Unsupported: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// A sample's call `op(input, *args, **kwargs)` with its parameters bound to Python's names.
///
///     let x = try c.tensor("input"), axis = try c.intOrNil("dim")
final class Call {
    let sample: FixtureSample
    private var leaves: [Int: Tensor] = [:]
    private var bound: [String: FixtureValue] = [:]

    init(_ sample: FixtureSample) { self.sample = sample }

    /// Binds the positional values (input first, then args) to `names` in order, and the kwargs by
    /// name. More positional values than names, or a kwarg not among the names, is unsupported.
    func bind(_ names: [String]) throws {
        let positional = [sample.input] + sample.args
        guard positional.count <= names.count else {
            throw Unsupported("\(positional.count) positional arguments, the mapping takes \(names.count)")
        }
        for (n, v) in zip(names, positional) { bound[n] = v }
        for (k, v) in sample.kwargs {
            guard names.contains(k) else { throw Unsupported("keyword argument \(k)") }
            bound[k] = v
        }
    }

    /// The raw value of a parameter (nil when absent or None).
    func value(_ name: String) -> FixtureValue? {
        guard let v = bound[name] else { return nil }
        if case .null = v { return nil }
        return v
    }

    /// Whether the sample passes a parameter (not None).
    func has(_ name: String) -> Bool { value(name) != nil }

    /// Stops the sample as unsupported unless `condition` holds (a pre-check for something we reject).
    func require(_ condition: Bool, _ reason: @autoclosure () -> String) throws {
        if !condition { throw Unsupported(reason()) }
    }

    /// Rejects a parameter the mapping does not translate when the sample sets it to anything but `allowed`.
    func reject(_ name: String, unless allowed: FixtureValue? = nil) throws {
        guard let v = value(name) else { return }
        if let allowed, "\(allowed)" == "\(v)" { return }
        throw Unsupported("\(name)=\(v)")
    }

    func makeTensor(_ t: FixtureTensor) -> Tensor {
        if let k = t.grad {
            if let x = leaves[k] { return x }
            let x = t.make()
            leaves[k] = x
            return x
        }
        return t.make()
    }

    /// The leaves that require grad, by their gradient slot.
    var gradLeaves: [Int: Tensor] { leaves }

    func tensor(_ name: String) throws -> Tensor {
        guard let v = value(name) else { throw Unsupported("\(name) missing") }
        return try tensor(of: v, name)
    }

    func tensorOrNil(_ name: String) throws -> Tensor? {
        guard let v = value(name) else { return nil }
        return try tensor(of: v, name)
    }

    private func tensor(of v: FixtureValue, _ name: String) throws -> Tensor {
        if case .tensor(let t) = v { return makeTensor(t) }
        throw Unsupported("\(name) is \(v), not a tensor")
    }

    func tensors(_ name: String) throws -> [Tensor] {
        guard case .list(let xs)? = value(name) else { throw Unsupported("\(name) is not a list of tensors") }
        return try xs.map { try tensor(of: $0, name) }
    }

    /// A Python number as Double (ints, floats and bools; None gives `default`).
    func double(_ name: String, _ default: Double? = nil) throws -> Double {
        switch value(name) {
        case .int(let i)?: return Double(i)
        case .float(let d)?: return d
        case .bool(let b)?: return b ? 1 : 0
        case nil: if let d = `default` { return d }
        default: break
        }
        throw Unsupported("\(name)=\(String(describing: value(name))) is not a number")
    }

    func int(_ name: String, _ default: Int? = nil) throws -> Int {
        switch value(name) {
        case .int(let i)?: return i
        case .bool(let b)?: return b ? 1 : 0
        case nil: if let d = `default` { return d }
        default: break
        }
        throw Unsupported("\(name)=\(String(describing: value(name))) is not an int")
    }

    func intOrNil(_ name: String) throws -> Int? { if !has(name) { return nil }; return try int(name) }

    /// An int or a list of ints (Python's `int | Sequence[int]`, torch.Size included).
    func ints(_ name: String) throws -> [Int] {
        switch value(name) {
        case .int(let i)?: return [i]
        case .list(let xs)?:
            return try xs.map { v -> Int in
                if case .int(let i) = v { return i }
                throw Unsupported("\(name) holds \(v), not an int")
            }
        default: throw Unsupported("\(name)=\(String(describing: value(name))) is not an int list")
        }
    }

    func intsOrNil(_ name: String) throws -> [Int]? { if !has(name) { return nil }; return try ints(name) }

    func bool(_ name: String, _ default: Bool) throws -> Bool {
        switch value(name) {
        case .bool(let b)?: return b
        case .int(let i)?: return i != 0
        case nil: return `default`
        default: throw Unsupported("\(name)=\(String(describing: value(name))) is not a bool")
        }
    }

    func string(_ name: String, _ default: String) throws -> String {
        switch value(name) {
        case .string(let s)?: return s
        case nil: return `default`
        default: throw Unsupported("\(name) is not a string")
        }
    }

    /// The input tensor: the common first positional parameter.
    var x: Tensor { get throws { try tensor("input") } }
}

/// What a mapping returns: a tensor, several, or a Python scalar.
indirect enum Out {
    case tensor(Tensor)
    case list([Out])
    case double(Double)
    case int(Int)
    case bool(Bool)

    var tensors: [Tensor] {
        switch self {
        case .tensor(let t): return [t]
        case .list(let xs): return xs.flatMap(\.tensors)
        default: return []
        }
    }
}

/// Values a mapping closure may return (converted to `Out`).
protocol ConformanceOutput { var out: Out { get } }
extension Tensor: ConformanceOutput { var out: Out { .tensor(self) } }
extension Out: ConformanceOutput { var out: Out { self } }
extension Double: ConformanceOutput { var out: Out { .double(self) } }
extension Int: ConformanceOutput { var out: Out { .int(self) } }
extension Bool: ConformanceOutput { var out: Out { .bool(self) } }
extension Array: ConformanceOutput where Element: ConformanceOutput { var out: Out { .list(map(\.out)) } }

/// Several outputs as one (PyTorch's tuples and named tuples).
func outs(_ xs: any ConformanceOutput...) -> Out { .list(xs.map(\.out)) }

/// Which sample dtypes a mapping accepts; the others are unsupported (so an op that stops on an
/// integer input is never called with one).
struct DTypes: Sendable {
    let set: Set<DType>
    static let all = DTypes(set: Set(DType.allCases))
    static let floating = DTypes(set: [.float16, .bfloat16, .float32, .float64])
    static let numeric = DTypes(set: Set(DType.allCases).subtracting([.bool]))
    static let integral = DTypes(set: [.bool, .uint8, .int8, .int16, .int32, .int64])
    static let f64f32 = DTypes(set: [.float32, .float64])
    static let floatingAndUInt8 = DTypes(set: [.float16, .bfloat16, .float32, .float64, .uint8])
}

/// One row of the mapping table: our spelling (for Docs/Conformance.md), Python's parameter names
/// in order, the dtypes we take, and the call.
struct Mapping {
    let spelling: String
    let params: [String]
    let dtypes: DTypes
    let run: (Call) throws -> any ConformanceOutput
    /// (rtol, atol) for float32 outputs where PyTorch's own OpInfo loosens its default, because the
    /// BLAS kernel's summation order shows at float32 precision (nil: the default).
    var float32Tolerance: (Double, Double)? = nil

    /// This row with PyTorch's OpInfo tolerance override for float32 outputs.
    func float32Tolerance(rtol: Double, atol: Double) -> Mapping {
        var m = self
        m.float32Tolerance = (rtol, atol)
        return m
    }
}

/// A row of the table: `m("x.abs()", "input") { try $0.x.abs() }`.
func m(_ spelling: String, _ params: String..., dtypes: DTypes = .floating,
       _ run: @escaping (Call) throws -> any ConformanceOutput) -> Mapping {
    Mapping(spelling: spelling, params: params, dtypes: dtypes, run: run)
}

/// The outcome of one sample.
enum SampleResult {
    case passed
    case failed(String)
    case unsupported(String)
}

enum Conformance {
    /// Element k of the upstream gradient of output j (the generator's formula).
    static func upstream(_ j: Int, like t: Tensor) -> Tensor {
        let vals = (0..<t.count).map { k in Double(((37 * k + 11 * j + 5) % 17) - 8) / 4 }
        return Tensor(vals, shape: t.shape, dtype: t.dtype)
    }

    /// PyTorch's default `assert_close` tolerances (rtol, atol) per dtype.
    static func tolerance(_ d: DType) -> (Double, Double) {
        switch d {
        case .float64: return (1e-7, 1e-7)
        case .float32: return (1.3e-6, 1e-5)
        case .float16: return (1e-3, 1e-5)
        case .bfloat16: return (1.6e-2, 1e-5)
        default: return (0, 0)
        }
    }

    /// nil when `ours` matches `expected` (shape, dtype, values with NaN equal to NaN).
    static func compare(_ ours: Tensor, _ expected: FixtureTensor, what: String, valuesToo: Bool = true,
                        tolerance tol: (Double, Double)? = nil) -> String? {
        if ours.shape != expected.shape { return "\(what): shape \(ours.shape), PyTorch \(expected.shape)" }
        if ours.dtype != expected.dtype { return "\(what): dtype \(ours.dtype), PyTorch \(expected.dtype)" }
        guard valuesToo, let want = expected.doubles else { return nil }
        if !expected.dtype.isFloatingPoint, let wantInts = expected.ints {
            let got = ours.ints
            for i in 0..<Swift.min(got.count, wantInts.count) where got[i] != wantInts[i] {
                return "\(what): element \(i) is \(got[i]), PyTorch \(wantInts[i])"
            }
            return nil
        }
        let got = ours.to(.float64).doubles
        let (rtol, atol) = tol ?? tolerance(expected.dtype)
        for (i, (a, b)) in zip(got, want).enumerated() {
            if a.isNaN && b.isNaN { continue }
            if b.isInfinite || a.isInfinite { if a == b { continue } }
            else if Swift.abs(a - b) <= atol + rtol * Swift.abs(b) { continue }
            return "\(what): element \(i) of \(ours.shape) is \(a), PyTorch \(b)"
        }
        return nil
    }

    static func compare(_ ours: Out, _ expected: FixtureValue, what: String, random: Bool,
                        tolerance: (Double, Double)? = nil) -> String? {
        switch (ours, expected) {
        case (.tensor(let t), .tensor(let e)): return compare(t, e, what: what, valuesToo: !random, tolerance: tolerance)
        case (.list(let a), .list(let b)):
            if a.count != b.count { return "\(what): \(a.count) outputs, PyTorch \(b.count)" }
            for (i, (x, y)) in zip(a, b).enumerated() {
                if let m = compare(x, y, what: "\(what)[\(i)]", random: random, tolerance: tolerance) { return m }
            }
            return nil
        case (.double(let a), .float(let b)):
            if random || (a.isNaN && b.isNaN) || Swift.abs(a - b) <= 1e-7 + 1e-7 * Swift.abs(b) { return nil }
            return "\(what): \(a), PyTorch \(b)"
        case (.tensor(let t), .float(let b)) where t.count == 1:
            return compare(.double(t.to(.float64).item()), .float(b), what: what, random: random)
        case (.int(let a), .int(let b)): return a == b || random ? nil : "\(what): \(a), PyTorch \(b)"
        case (.bool(let a), .bool(let b)): return a == b ? nil : "\(what): \(a), PyTorch \(b)"
        case (.tensor(let t), .bool(let b)) where t.count == 1 && t.dtype == .bool:
            return t.bools[0] == b ? nil : "\(what): \(t.bools[0]), PyTorch \(b)"
        default: return "\(what): ours is \(ours), PyTorch \(expected)"
        }
    }

    /// Runs one sample through a mapping: values, then gradients of sum(output_j · upstream_j).
    static func run(_ mapping: Mapping, _ sample: FixtureSample, random: Bool) -> SampleResult {
        guard mapping.dtypes.set.contains(sample.dtype) else { return .unsupported("dtype \(sample.dtype)") }
        let call = Call(sample)
        let out: Out
        do {
            try call.bind(mapping.params)
            out = try mapping.run(call).out
        } catch let u as Unsupported {
            return .unsupported(u.reason)
        } catch {
            return .failed("threw \(error)")
        }
        let tolerance = sample.dtype == .float32 ? mapping.float32Tolerance : nil
        if let msg = compare(out, sample.output, what: "output", random: random, tolerance: tolerance) { return .failed(msg) }
        guard let expectedGrads = sample.grads, !random else { return .passed }
        // A null gradient is one PyTorch's graph does not reach (an input the output does not depend
        // on differentiably): ours must then be missing or zero.
        let leaves = call.gradLeaves
        let wrt = (0..<expectedGrads.count).compactMap { leaves[$0] }
        guard wrt.count == expectedGrads.count else { return .failed("gradient: \(wrt.count) of \(expectedGrads.count) inputs built") }
        var loss: Tensor? = nil
        for (j, t) in out.tensors.enumerated() where t.dtype.isFloatingPoint && t.requiresGrad {
            let term = (t * upstream(j, like: t)).sum()
            loss = loss.map { $0 + term } ?? term
        }
        guard let loss else {
            // An op that records no gradient (floor, round, floor division...) matches PyTorch's zeros.
            let zero = expectedGrads.allSatisfy { e in e.map { ($0.doubles ?? []).allSatisfy { $0 == 0 } } ?? true }
            return zero ? .passed : .failed("gradient: no output requires grad")
        }
        let grads = grad(of: loss, wrt: wrt)
        for (i, (g, e)) in zip(grads, expectedGrads).enumerated() {
            switch (g, e) {
            case (nil, nil): continue
            case (let g?, nil):
                if g.doubles.contains(where: { $0 != 0 }) { return .failed("gradient \(i): PyTorch has none, ours is nonzero") }
            case (nil, let e?):
                if (e.doubles ?? []).contains(where: { $0 != 0 }) { return .failed("gradient \(i): ours is missing") }
            case (let g?, let e?):
                if let m = compare(g, e, what: "gradient \(i)", tolerance: (1e-6, 1e-6)) { return .failed(m) }
            }
        }
        return .passed
    }
}

extension Call {
    /// `vectors` with each vector's sign set to match PyTorch's output `index` of this sample.
    ///
    /// Eigenvectors and singular vectors are defined only up to the sign of each vector, and LAPACK
    /// implementations choose different signs (PyTorch's wheels call MKL, we call OpenBLAS; no rule
    /// reproduces MKL's choice, Docs/Conformance.md). PyTorch's own OpInfo tests compare them through
    /// `output_process_fn_grad` (`|U|`, `U·Vᴴ`); here each vector is multiplied by the constant ±1
    /// that aligns it with PyTorch's, so the values compare exactly and the gradient of
    /// sum(aligned · upstream) is the gradient PyTorch computes for its own signs. Vectors are the
    /// columns (`rows: false`) or the rows (`rows: true`) of the last two axes.
    ///
    ///     let r = try Linalg.eigh(a); return outs(r.values, c.signAligned(r.vectors, output: 1))
    func signAligned(_ vectors: Tensor, output index: Int, rows: Bool = false) -> Tensor {
        guard case .list(let outputs) = sample.output, index < outputs.count,
              case .tensor(let expected) = outputs[index], let want = expected.doubles,
              expected.shape == vectors.shape, vectors.rank >= 2, vectors.count > 0 else { return vectors }
        let got = vectors.detach().to(.float64).contiguous().doubles
        let n = vectors.shape[vectors.rank - 2], k = vectors.shape[vectors.rank - 1]
        let batch = vectors.count / (n * k)
        let count = rows ? n : k          // vectors per matrix
        var signs = [Double](repeating: 1, count: batch * count)
        for b in 0..<batch {
            for v in 0..<count {
                var dot = 0.0
                for e in 0..<(rows ? k : n) {
                    let i = b * n * k + (rows ? v * k + e : e * k + v)
                    dot += got[i] * want[i]
                }
                if dot < 0 { signs[b * count + v] = -1 }
            }
        }
        let shape = Array(vectors.shape.dropLast(2)) + (rows ? [n, 1] : [1, k])
        return vectors * Tensor(signs, shape: shape, dtype: vectors.dtype)
    }
}
