// Padding modes of torch.nn.functional.pad: constant (Ops/Shape.swift's `pad`), reflect, replicate
// and circular, each composed of slices, flips, expands and one cat per padded axis (recorded ops:
// the gradient of a reflected or repeated element adds back into its source).

/// How `pad(_:mode:value:)` fills the border, as PyTorch's `mode`.
///
///     let y = x.pad([2, 2], mode: .reflect)
public enum PaddingMode: String, Sendable {
    /// A constant value (`value:`, default 0).
    case constant
    /// The mirror image without repeating the edge: [a b c] padded by 2 → [c b a b c b a].
    case reflect
    /// The edge element repeated: [a b c] → [a a a b c c c].
    case replicate
    /// Wrapped around: [a b c] → [b c a b c a b].
    case circular
}

extension Tensor {
    /// Pads with `mode`. `padding` lists (before, after) pairs from the LAST axis, as
    /// `torch.nn.functional.pad`. Reflect, replicate and circular pad the last 1, 2 or 3 axes of an
    /// input with one or two more axes (batch and channels, or channels only).
    ///
    ///     let r = images.pad([1, 1, 1, 1], mode: .reflect)     // [n, c, h + 2, w + 2]
    ///     let w = signal.pad([3, 0], mode: .circular)
    public func pad(_ padding: [Int], mode: PaddingMode, value: Double = 0) -> Tensor {
        if mode == .constant { return pad(padding, value: value) }
        let name = "pad(mode: .\(mode.rawValue))"
        let k = padding.count / 2
        check(padding.count % 2 == 0 && (1...3).contains(k),
              "\(name): padding \(padding) must hold (before, after) pairs for 1, 2 or 3 axes (input \(shape))")
        check(rank == k + 1 || rank == k + 2,
              "\(name): padding \(padding) of \(k) axes needs a \(k + 1)-D or \(k + 2)-D input, got shape \(shape)")
        check(value == 0, "\(name): value is only used by .constant padding (input \(shape))")
        // Negative amounts remove elements, as PyTorch's (the output index maps through the mode).
        for j in 0..<k {
            let n = shape[rank - 1 - j]
            check(n + padding[2 * j] + padding[2 * j + 1] >= 0,
                  "\(name): padding \(padding) removes more than the \(n) elements of axis \(rank - 1 - j) (input \(shape))")
        }
        var out = self
        for j in 0..<k {
            let axis = rank - 1 - j, n = shape[axis]
            let before = padding[2 * j], after = padding[2 * j + 1]
            if before == 0 && after == 0 { continue }
            switch mode {
            case .reflect:
                check(before < n && after < n,
                      "\(name): padding (\(before), \(after)) must be less than the size \(n) of axis \(axis) (input \(shape))")
            case .replicate:
                check(n > 0, "\(name): axis \(axis) of the input \(shape) is empty")
            case .circular:
                check(before <= n && after <= n,
                      "\(name): padding (\(before), \(after)) must be at most the size \(n) of axis \(axis) (input \(shape))")
            case .constant: break
            }
            out = out.padAxis(axis, before: before, after: after, mode: mode)
        }
        return out
    }

    /// One axis padded by `before` and `after` elements with a non-constant mode.
    private func padAxis(_ axis: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor {
        let n = shape[axis]
        if mode == .circular && (before < 0 || after < 0) {
            // PyTorch crops first and then wraps around what is left.
            let start = Swift.max(-before, 0), kept = n - start - Swift.max(-after, 0)
            let (b, a) = (Swift.max(before, 0), Swift.max(after, 0))
            check(b <= kept && a <= kept,
                  "pad(mode: .circular): padding (\(before), \(after)) wraps more than the \(kept) elements left of axis \(axis) (input \(shape))")
            return narrow(axis: axis, start: start, length: kept).padAxis(axis, before: b, after: a, mode: mode)
        }
        if before < 0 || after < 0 {
            // Output position j reads input position i = j − before, mapped into the axis by the mode.
            let positions = (0..<(n + before + after)).map { j -> Int in
                let i = j - before
                switch mode {
                case .reflect: return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i
                case .circular: return ((i % n) + n) % n
                default: return Swift.min(Swift.max(i, 0), n - 1)
                }
            }
            return indexSelect(axis: axis, indices: Tensor(positions, shape: [positions.count]))
        }
        func repeated(_ edge: Tensor, _ count: Int) -> Tensor {
            var s = edge.shape; s[axis] = count
            return edge.expand(s)
        }
        var parts: [Tensor] = []
        switch mode {
        case .reflect:
            if before > 0 { parts.append(slice(axis: axis, start: 1, end: before + 1).flip(axis: axis)) }
            parts.append(self)
            if after > 0 { parts.append(slice(axis: axis, start: n - 1 - after, end: n - 1).flip(axis: axis)) }
        case .replicate:
            if before > 0 { parts.append(repeated(narrow(axis: axis, start: 0, length: 1), before)) }
            parts.append(self)
            if after > 0 { parts.append(repeated(narrow(axis: axis, start: n - 1, length: 1), after)) }
        case .circular:
            if before > 0 { parts.append(narrow(axis: axis, start: n - before, length: before)) }
            parts.append(self)
            if after > 0 { parts.append(narrow(axis: axis, start: 0, length: after)) }
        case .constant:
            return self
        }
        return Tensor.cat(parts, axis: axis)
    }
}

/// Pads `x` (PyTorch's `F.pad(input, pad, mode, value)`).
///
///     let y = pad(x, [1, 1, 2, 2], mode: .replicate)
public func pad(_ x: Tensor, _ padding: [Int], mode: PaddingMode = .constant, value: Double = 0) -> Tensor {
    x.pad(padding, mode: mode, value: value)
}
