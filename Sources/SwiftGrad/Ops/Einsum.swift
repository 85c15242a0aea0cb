// Einstein summation, tensordot and inner: composed of diagonal views, sums, permutes, reshapes and
// one batched matmul per pair of operands, so their gradients (and double backward) are those ops'.

extension Tensor {
    /// Einstein summation as `torch.einsum`: `"ij,jk->ik"` (explicit output), `"ij,jk"` (implicit:
    /// the labels that appear once, in alphabetical order, upper case first), repeated labels in one
    /// operand take a diagonal (`"ii->i"`), `...` stands for broadcast leading axes, and labels of
    /// size 1 broadcast. Operands are contracted left to right, each pair as one batched matmul.
    ///
    ///     let c = Tensor.einsum("bij,bjk->bik", a, b)      // batched matmul
    ///     let t = Tensor.einsum("ii", m)                   // trace
    public static func einsum(_ equation: String, _ operands: Tensor...) -> Tensor { einsum(equation, operands) }

    /// `einsum` with the operands in an array.
    ///
    ///     let y = Tensor.einsum("...ij,...j->...i", [m, v])
    public static func einsum(_ equation: String, _ operands: [Tensor]) -> Tensor {
        let shapes = operands.map(\.shape)
        let spec = EinsumSpec(equation, shapes: shapes)
        var dtype = operands.first?.dtype ?? .float32
        for t in operands.dropFirst() { dtype = DType.result(dtype, t.dtype) }
        // Each operand: its diagonals taken and its labels in a list parallel to its axes.
        var terms: [(Tensor, [Int])] = zip(operands, spec.inputs).map { t, labels in
            EinsumSpec.takeDiagonals(t.dtype == dtype ? t : t.to(dtype), labels)
        }
        for i in terms.indices {
            // Labels no later operand and not the output use are summed out at once.
            let later = Set(spec.output + terms[(i + 1)...].flatMap(\.1) + terms[..<i].flatMap(\.1))
            terms[i] = EinsumSpec.sumOut(terms[i], keeping: later)
        }
        var (result, labels) = terms[0]
        for i in 1..<Swift.max(terms.count, 1) {
            let needed = Set(spec.output + terms[(i + 1)...].flatMap(\.1))
            (result, labels) = EinsumSpec.contract((result, labels), terms[i], keeping: needed, spec: spec)
        }
        (result, labels) = EinsumSpec.sumOut((result, labels), keeping: Set(spec.output))
        let order = spec.output.map { labels.firstIndex(of: $0)! }
        let permuted = order == Array(0..<order.count) ? result : result.permute(order)
        // Output labels of size 1 in every operand that the sums left out of shape: already kept.
        let outShape = spec.output.map { spec.sizes[$0]! }
        return permuted.shape == outShape ? permuted : permuted.expand(outShape)
    }

    /// The sum of products over `dims` trailing axes of self and leading axes of `other`, as
    /// `torch.tensordot(a, b, dims=n)`.
    ///
    ///     let c = a.tensordot(b, dims: 2)      // [2, 3, 4] · [3, 4, 5] -> [2, 5]
    public func tensordot(_ other: Tensor, dims: Int) -> Tensor {
        check(dims >= 0 && dims <= rank && dims <= other.rank,
              "tensordot: dims \(dims) is out of range for shapes \(shape) and \(other.shape)")
        return tensordot(other, dims: (Array((rank - dims)..<rank), Array(0..<dims)))
    }

    /// The sum of products over the paired axes `dims.0` of self and `dims.1` of `other` (same sizes),
    /// as `torch.tensordot(a, b, dims=([...], [...]))`: the result has self's free axes, then other's.
    /// As PyTorch, a paired axis of size 1 contracts with any size: the other side is summed over it.
    ///
    ///     let c = a.tensordot(b, dims: ([1, 0], [0, 1]))
    public func tensordot(_ other: Tensor, dims: ([Int], [Int])) -> Tensor {
        check(dims.0.count == dims.1.count,
              "tensordot: \(dims.0.count) axes of \(shape) paired with \(dims.1.count) of \(other.shape)")
        let da = dims.0.map { normalizeAxis($0, rank, op: "tensordot", shape: shape) }
        let db = dims.1.map { normalizeAxis($0, other.rank, op: "tensordot", shape: other.shape) }
        check(Set(da).count == da.count && Set(db).count == db.count,
              "tensordot: repeated axes \(dims.0) / \(dims.1) for shapes \(shape) and \(other.shape)")
        var sumA: [Int] = [], sumB: [Int] = []
        for (x, y) in zip(da, db) where shape[x] != other.shape[y] {
            check(shape[x] == 1 || other.shape[y] == 1,
                  "tensordot: axis \(x) of \(shape) (size \(shape[x])) and axis \(y) of \(other.shape) (size \(other.shape[y])) differ")
            if shape[x] == 1 { sumB.append(y) } else { sumA.append(x) }
        }
        if !sumA.isEmpty || !sumB.isEmpty {
            // Σ_k a_k·b (b of size 1 on that axis) = (Σ_k a_k)·b: sum the larger side, keeping the axis.
            let a = sumA.isEmpty ? self : sum(axes: sumA, keepDim: true)
            let b = sumB.isEmpty ? other : other.sum(axes: sumB, keepDim: true)
            return a.tensordot(b, dims: (da, db))
        }
        let freeA = (0..<rank).filter { !da.contains($0) }, freeB = (0..<other.rank).filter { !db.contains($0) }
        let k = da.reduce(1) { $0 * shape[$1] }
        let m = freeA.reduce(1) { $0 * shape[$1] }, n = freeB.reduce(1) { $0 * other.shape[$1] }
        let a2 = permute(freeA + da).reshape([m, k]), b2 = other.permute(db + freeB).reshape([k, n])
        return EinsumSpec.product(a2, b2).reshape(freeA.map { shape[$0] } + freeB.map { other.shape[$0] })
    }

    /// The inner product over the last axis, as `torch.inner`: [..., n] and [..., n] give
    /// self's leading axes then other's; a 0-d operand multiplies.
    ///
    ///     let gram = x.inner(x)        // [m, n] -> [m, m]
    public func inner(_ other: Tensor) -> Tensor {
        if rank == 0 || other.rank == 0 { return self * other }
        check(shape[rank - 1] == other.shape[other.rank - 1],
              "inner: last axes differ for shapes \(shape) and \(other.shape)")
        return tensordot(other, dims: ([rank - 1], [other.rank - 1]))
    }
}

/// A parsed einsum equation: each operand's labels (ints: letters 0..<52, the axes of `...` 52 and
/// up, right-aligned across operands), the output's labels, and each label's size.
struct EinsumSpec {
    var inputs: [[Int]] = []
    var output: [Int] = []
    var sizes: [Int: Int] = [:]

    /// A..Z are 0..<26, a..z 26..<52 (PyTorch's order for the implicit output).
    static func label(_ c: Character) -> Int? {
        guard let a = c.asciiValue else { return nil }
        if a >= 65 && a <= 90 { return Int(a) - 65 }
        if a >= 97 && a <= 122 { return Int(a) - 97 + 26 }
        return nil
    }

    /// Splits a term into labels, with nil for `...`; stops on any other character.
    static func parseTerm(_ term: Substring, _ equation: String) -> [Int?] {
        var out: [Int?] = [], rest = term[...]
        while let c = rest.first {
            if rest.hasPrefix("...") { out.append(nil); rest = rest.dropFirst(3); continue }
            guard let l = label(c) else {
                checkFailure("einsum: invalid subscript '\(c)' in \"\(equation)\" (subscripts are letters a-z, A-Z and ...)")
            }
            out.append(l); rest = rest.dropFirst()
        }
        check(out.filter { $0 == nil }.count <= 1, "einsum: more than one ... in a term of \"\(equation)\"")
        return out
    }

    init(_ equation: String, shapes: [[Int]]) {
        let eq = equation.filter { $0 != " " }
        let parts = eq.components(separatedBy: "->")
        check(parts.count <= 2, "einsum: more than one -> in \"\(equation)\"")
        let terms = parts[0].split(separator: ",", omittingEmptySubsequences: false)
        check(!shapes.isEmpty, "einsum: needs at least one operand for \"\(equation)\"")
        check(terms.count == shapes.count,
              "einsum: \"\(equation)\" has \(terms.count) operand terms but \(shapes.count) operands were given (shapes \(shapes))")
        let parsed = terms.map { Self.parseTerm($0, equation) }
        // The ellipsis of each operand covers the axes its letters leave; all are right-aligned.
        var ellipsisRanks: [Int] = []
        for (t, s) in zip(parsed, shapes) {
            let letters = t.filter { $0 != nil }.count
            let hasEllipsis = t.contains { $0 == nil }
            check(hasEllipsis ? s.count >= letters : s.count == letters,
                  "einsum: the term \"\(t.map { $0.map { Self.name($0) } ?? "..." }.joined())\" of \"\(equation)\" does not fit an operand of shape \(s)")
            ellipsisRanks.append(hasEllipsis ? s.count - letters : 0)
        }
        let e = ellipsisRanks.max() ?? 0
        let ellipsisLabels = (0..<e).map { 52 + $0 }
        for (i, t) in parsed.enumerated() {
            let mine = Array(ellipsisLabels.suffix(ellipsisRanks[i]))
            let labels = t.flatMap { $0.map { [$0] } ?? mine }
            for (axis, l) in labels.enumerated() {
                let n = shapes[i][axis]
                if let known = sizes[l], known != n {
                    check(known == 1 || n == 1,
                          "einsum: subscript \(Self.name(l)) has sizes \(known) and \(n) in \"\(equation)\" (shapes \(shapes))")
                    sizes[l] = Swift.max(known, n)
                } else {
                    sizes[l] = n
                }
            }
            // A label repeated within one operand (a diagonal) needs equal sizes there.
            for l in Set(labels) where labels.filter({ $0 == l }).count > 1 {
                let axes: [Int] = labels.indices.filter { labels[$0] == l }
                let sizesHere: [Int] = axes.map { shapes[i][$0] }
                let ns = Set(sizesHere)
                check(ns.count == 1, "einsum: subscript \(Self.name(l)) is repeated in operand \(i) with sizes \(ns.sorted()) (shape \(shapes[i]))")
            }
            inputs.append(labels)
        }
        let all = inputs.flatMap { $0 }
        if parts.count == 2 {
            let out = Self.parseTerm(Substring(parts[1]), equation)
            output = out.flatMap { $0.map { [$0] } ?? ellipsisLabels }
            check(Set(output).count == output.count, "einsum: a subscript appears twice in the output of \"\(equation)\"")
            for l in output where l < 52 {
                check(all.contains(l), "einsum: output subscript \(Self.name(l)) of \"\(equation)\" appears in no operand")
            }
        } else {
            // Implicit: the ellipsis axes, then the labels used exactly once, in alphabetical order.
            output = ellipsisLabels + (0..<52).filter { l in all.filter { $0 == l }.count == 1 }
        }
    }

    static func name(_ l: Int) -> String {
        if l >= 52 { return "..." }
        return String(UnicodeScalar(UInt8(l < 26 ? 65 + l : 97 + l - 26)))
    }

    /// An operand with each repeated label reduced to its diagonal (the diagonal axis goes last).
    static func takeDiagonals(_ t: Tensor, _ labels: [Int]) -> (Tensor, [Int]) {
        var t = t, labels = labels
        while let (i, j) = firstRepeat(labels) {
            t = t.diagonal(axis1: i, axis2: j)
            let l = labels[i]
            labels.remove(at: j); labels.remove(at: i); labels.append(l)
        }
        return (t, labels)
    }

    static func firstRepeat(_ labels: [Int]) -> (Int, Int)? {
        for i in labels.indices {
            if let j = labels[(i + 1)...].firstIndex(of: labels[i]) { return (i, j) }
        }
        return nil
    }

    /// Sums out the axes whose labels are not in `keeping`.
    static func sumOut(_ term: (Tensor, [Int]), keeping: Set<Int>) -> (Tensor, [Int]) {
        let drop = term.1.indices.filter { !keeping.contains(term.1[$0]) }
        if drop.isEmpty { return term }
        return (term.0.sum(axes: drop), term.1.enumerated().filter { !drop.contains($0.offset) }.map(\.element))
    }

    /// a·b as a matrix product (floats by BLAS, integers exactly in their dtype); bool (which
    /// `matmul` refuses, as PyTorch's) by a broadcast product and a sum.
    static func product(_ a: Tensor, _ b: Tensor) -> Tensor {
        if a.dtype != .bool { return a.matmul(b) }
        return (a.unsqueeze(axis: -1) * b.unsqueeze(axis: -3)).sum(axis: -2)
    }

    /// Contracts two terms: labels in both that are still needed are batch axes, labels in both that
    /// are not are summed by the matmul, the others stay as rows (a) and columns (b).
    static func contract(_ a: (Tensor, [Int]), _ b: (Tensor, [Int]), keeping needed: Set<Int>, spec: EinsumSpec) -> (Tensor, [Int]) {
        let (ta, la) = sumOut(a, keeping: needed.union(b.1))
        let (tb, lb) = sumOut(b, keeping: needed.union(la))
        let batch = la.filter { lb.contains($0) && needed.contains($0) }
        let summed = la.filter { lb.contains($0) && !needed.contains($0) }
        let rows = la.filter { !lb.contains($0) }, cols = lb.filter { !la.contains($0) }
        // Shared labels may have size 1 on one side: both sides expand to the label's full size.
        func size(_ t: Tensor, _ labels: [Int], _ l: Int) -> Int { t.shape[labels.firstIndex(of: l)!] }
        let full = { (l: Int) in Swift.max(size(ta, la, l), size(tb, lb, l)) }
        let pa = (batch + rows + summed).map { la.firstIndex(of: $0)! }
        let pb = (batch + summed + cols).map { lb.firstIndex(of: $0)! }
        var xa = ta.permute(pa), xb = tb.permute(pb)
        let shapeA = batch.map(full) + rows.map { size(ta, la, $0) } + summed.map(full)
        let shapeB = batch.map(full) + summed.map(full) + cols.map { size(tb, lb, $0) }
        if xa.shape != shapeA { xa = xa.expand(shapeA) }
        if xb.shape != shapeB { xb = xb.expand(shapeB) }
        let nb = batch.map(full).reduce(1, *), m = rows.map { size(ta, la, $0) }.reduce(1, *)
        let k = summed.map(full).reduce(1, *), n = cols.map { size(tb, lb, $0) }.reduce(1, *)
        let r = product(xa.reshape([nb, m, k]), xb.reshape([nb, k, n]))
        let shape = batch.map(full) + rows.map { size(ta, la, $0) } + cols.map { size(tb, lb, $0) }
        return (r.reshape(shape), batch + rows + cols)
    }
}
