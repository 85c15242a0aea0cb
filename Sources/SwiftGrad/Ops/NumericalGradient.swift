// torch.gradient: the derivative of sampled values along each axis by finite differences (central
// differences inside, one-sided of first or second order at the ends), for uniform spacings or
// coordinate tensors. Composed of narrow, arithmetic and cat, so it is differentiable.

extension Tensor {
    /// The estimated derivative along each axis in `axes` (nil: every axis), for samples `spacing`
    /// apart on each axis (one value for all, or one per axis; `torch.gradient(x, spacing=, dim=,
    /// edge_order=)`): (f[i+1] − f[i−1])/2h inside; at the ends first-order differences, or the
    /// second-order one-sided formulas when `edgeOrder` is 2. Integers compute in float32.
    ///
    ///     let dfdx = y.gradient(spacing: [0.1])[0]       // y sampled every 0.1
    public func gradient(spacing: [Double] = [1], axes: [Int]? = nil, edgeOrder: Int = 1) -> [Tensor] {
        let ax = gradientAxes(axes)
        check(spacing.count == 1 || spacing.count == ax.count,
              "gradient: \(spacing.count) spacings for \(ax.count) axes (input \(shape))")
        let x = mathFloatOperand()
        return ax.enumerated().map { i, a in
            let h = spacing.count == 1 ? spacing[0] : spacing[i]
            return x.uniformGradient(axis: a, h: h, edgeOrder: edgeOrder)
        }
    }

    /// The estimated derivative along each axis in `axes` for samples at the 1-D `coordinates` of
    /// that axis (`torch.gradient(x, spacing=[t0, t1, ...])`): the second-order accurate formula for
    /// uneven steps inside, one-sided differences of order `edgeOrder` at the ends.
    ///
    ///     let dfdt = y.gradient(coordinates: [times])[0]
    public func gradient(coordinates: [Tensor], axes: [Int]? = nil, edgeOrder: Int = 1) -> [Tensor] {
        let ax = gradientAxes(axes)
        check(coordinates.count == ax.count, "gradient: \(coordinates.count) coordinate tensors for \(ax.count) axes (input \(shape))")
        let x = mathFloatOperand()
        return zip(ax, coordinates).map { a, t in
            check(t.rank == 1 && t.count == shape[a],
                  "gradient: coordinates of shape \(t.shape) for axis \(a) of size \(shape[a]) (input \(shape))")
            return x.coordinateGradient(axis: a, coordinates: t.to(x.dtype), edgeOrder: edgeOrder)
        }
    }

    private func gradientAxes(_ axes: [Int]?) -> [Int] {
        let ax = (axes ?? Array(0..<rank)).map { normalizeAxis($0, rank, op: "gradient", shape: shape) }
        check(Set(ax).count == ax.count, "gradient: repeated axes \(axes ?? []) (input \(shape))")
        return ax
    }

    private func checkGradientAxis(_ axis: Int, _ edgeOrder: Int) {
        check(edgeOrder == 1 || edgeOrder == 2, "gradient: edge_order must be 1 or 2, got \(edgeOrder) (input \(shape))")
        check(shape[axis] >= edgeOrder + 1,
              "gradient: axis \(axis) of size \(shape[axis]) needs at least edge_order + 1 = \(edgeOrder + 1) samples (input \(shape))")
    }

    private func part(_ axis: Int, _ start: Int, _ length: Int) -> Tensor { narrow(axis: axis, start: start, length: length) }

    private func uniformGradient(axis a: Int, h: Double, edgeOrder: Int) -> Tensor {
        checkGradientAxis(a, edgeOrder)
        let n = shape[a]
        // PyTorch's formulas and order of operations (so float16 rounds as PyTorch's): the centre
        // ((f[i+1] − f[i−1])/h)/2, the ends one-sided.
        var pieces: [Tensor] = []
        if edgeOrder == 1 {
            pieces.append((part(a, 1, 1) - part(a, 0, 1)) / h)
        } else {
            pieces.append((part(a, 0, 1) * -1.5 + part(a, 1, 1) * 2 - part(a, 2, 1) * 0.5) / h)
        }
        if n > 2 { pieces.append((part(a, 2, n - 2) - part(a, 0, n - 2)) / h / 2) }
        if edgeOrder == 1 {
            pieces.append((part(a, n - 1, 1) - part(a, n - 2, 1)) / h)
        } else {
            pieces.append((part(a, n - 3, 1) * 0.5 - part(a, n - 2, 1) * 2 + part(a, n - 1, 1) * 1.5) / h)
        }
        return Tensor.cat(pieces, axis: a)
    }

    private func coordinateGradient(axis a: Int, coordinates t: Tensor, edgeOrder: Int) -> Tensor {
        checkGradientAxis(a, edgeOrder)
        let n = shape[a]
        // Coefficient vectors laid along axis a, so they broadcast over the other axes.
        func along(_ v: Tensor) -> Tensor {
            var s = Array(repeating: 1, count: rank)
            s[a] = v.count
            return v.reshape(s)
        }
        // PyTorch's formulas, in its order of operations (so float16 rounds as PyTorch's).
        let dx = t.narrow(axis: 0, start: 1, length: n - 1) - t.narrow(axis: 0, start: 0, length: n - 1)
        func step(_ i: Int) -> Tensor { dx.narrow(axis: 0, start: i < 0 ? n - 1 + i : i, length: 1) }
        var pieces: [Tensor] = []
        if edgeOrder == 1 {
            pieces.append((part(a, 1, 1) - part(a, 0, 1)) / along(step(0)))
        } else {
            let d0 = step(0), d1 = step(1)
            let ca = -(d0 * 2 + d1) / (d0 * (d0 + d1)), cb = (d0 + d1) / (d0 * d1), cc = -d0 / (d1 * (d0 + d1))
            pieces.append(part(a, 0, 1) * along(ca) + part(a, 1, 1) * along(cb) + part(a, 2, 1) * along(cc))
        }
        if n > 2 {
            // a·f[i−1] + b·f[i] + c·f[i+1], exact for quadratics.
            let dx1 = dx.narrow(axis: 0, start: 0, length: n - 2), dx2 = dx.narrow(axis: 0, start: 1, length: n - 2)
            let ca = along(-dx2 / (dx1 * (dx1 + dx2))), cb = along((dx2 - dx1) / (dx1 * dx2)), cc = along(dx1 / (dx2 * (dx1 + dx2)))
            pieces.append(ca * part(a, 0, n - 2) + cb * part(a, 1, n - 2) + cc * part(a, 2, n - 2))
        }
        if edgeOrder == 1 {
            pieces.append((part(a, n - 1, 1) - part(a, n - 2, 1)) / along(step(-1)))
        } else {
            let dl = step(-1), dp = step(-2)      // the last step and the one before it
            let ca = dl / (dp * (dl + dp)), cb = -(dl + dp) / (dl * dp), cc = (dl * 2 + dp) / (dl * (dl + dp))
            pieces.append(along(ca) * part(a, n - 3, 1) + along(cb) * part(a, n - 2, 1) + along(cc) * part(a, n - 1, 1))
        }
        return Tensor.cat(pieces, axis: a)
    }
}
