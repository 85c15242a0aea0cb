// Spatial transformers (PyTorch's affine_grid and grid_sample, 2-D): the grid is a batched product
// with θ, and sampling gathers the (up to) four neighbours of each grid point, weighted by their
// distances. Composed of recorded ops: gradients flow to the input (gather) and to the grid (the
// weights; 0 where a coordinate is clipped, as PyTorch's).

/// How `gridSample` reads between pixels, as PyTorch's `mode`.
///
///     let y = gridSample(x, grid: g, mode: .nearest)
public enum GridSampleMode: String, Sendable {
    case bilinear, nearest
}

/// What `gridSample` reads outside the input, as PyTorch's `padding_mode`.
///
///     let y = gridSample(x, grid: g, paddingMode: .border)
public enum GridSamplePadding: String, Sendable {
    /// Zeros.
    case zeros
    /// The nearest edge pixel (coordinates clipped).
    case border
    /// Coordinates reflected at the borders, then clipped.
    case reflection
}

/// The sampling grid [N, H, W, 2] of the affine maps `theta` [N, 2, 3] over an output of `size`
/// [N, C, H, W]: (x, y, 1)·θᵀ for the normalised output coordinates in [-1, 1] (pixel centres, or
/// corners with `alignCorners`), as PyTorch's `affine_grid`.
///
///     let grid = affineGrid(theta, size: [1, 3, 32, 32])
///     let warped = gridSample(images, grid: grid)
public func affineGrid(_ theta: Tensor, size: [Int], alignCorners: Bool = false) -> Tensor {
    let op = "affineGrid"
    check(theta.dtype.isFloatingPoint, "\(op): theta must be float, got \(theta.dtype) of shape \(theta.shape)")
    check(size.count == 4 && size.allSatisfy { $0 >= 0 }, "\(op): size must be [N, C, H, W] (only 2-D grids are supported), got \(size) (theta \(theta.shape))")
    check(theta.rank == 3 && theta.shape[0] == size[0] && theta.shape[1] == 2 && theta.shape[2] == 3,
          "\(op): theta must be [N, 2, 3] with N = \(size[0]) for size \(size), got \(theta.shape)")
    let (n, h, w) = (size[0], size[2], size[3])
    func axis(_ count: Int) -> [Double] {
        if count <= 1 { return [0] }
        let n = Double(count)
        return (0..<count).map { (i: Int) -> Double in
            let d = Double(i)
            if alignCorners { return 2 * d / (n - 1) - 1 }
            return (2 * d + 1) / n - 1
        }
    }
    let xs = axis(w), ys = axis(h)
    var base = [Double]()
    base.reserveCapacity(h * w * 3)
    for i in 0..<h {
        for j in 0..<w {
            base.append(xs[Swift.min(j, xs.count - 1)])
            base.append(ys[Swift.min(i, ys.count - 1)])
            base.append(1)
        }
    }
    let b = Tensor(base, shape: [1, h * w, 3], dtype: theta.dtype).expand([n, h * w, 3])
    return b.matmul(theta.transpose(1, 2)).reshape([n, h, w, 2])
}

/// Samples `input` [N, C, H, W] at the normalised points of `grid` [N, Ho, Wo, 2] ((x, y) in
/// [-1, 1]: -1 the left/top, 1 the right/bottom pixel's centre with `alignCorners`, its outer edge
/// without), giving [N, C, Ho, Wo], as PyTorch's `grid_sample`.
///
///     let y = gridSample(x, grid: affineGrid(theta, size: x.shape))
///     let z = gridSample(x, grid: g, mode: .nearest, paddingMode: .border, alignCorners: true)
public func gridSample(_ input: Tensor, grid: Tensor, mode: GridSampleMode = .bilinear, paddingMode: GridSamplePadding = .zeros,
                       alignCorners: Bool = false) -> Tensor {
    let op = "gridSample"
    check(input.rank == 4 && grid.rank == 4 && grid.shape[3] == 2 && grid.shape[0] == input.shape[0],
          "\(op): input must be [N, C, H, W] and grid [N, Ho, Wo, 2] with the same N (only 2-D sampling is supported), got input \(input.shape) and grid \(grid.shape)")
    check(input.dtype.isFloatingPoint && grid.dtype == input.dtype,
          "\(op): input and grid must be float of one dtype, got \(input.dtype) \(input.shape) and \(grid.dtype) \(grid.shape)")
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (ho, wo) = (grid.shape[1], grid.shape[2])
    check(h > 0 && w > 0 || n * c * ho * wo == 0, "\(op): input \(input.shape) has an empty spatial axis")
    let gx = grid.select(axis: 3, index: 0).reshape([n, ho * wo]), gy = grid.select(axis: 3, index: 1).reshape([n, ho * wo])
    let ix = sourceCoordinate(gx, size: w, padding: paddingMode, alignCorners: alignCorners)
    let iy = sourceCoordinate(gy, size: h, padding: paddingMode, alignCorners: alignCorners)
    let flat = input.reshape([n, c, h * w])
    // Reads input at integer positions (x, y) [n, P] (host values), zero outside the input.
    func read(_ x: [Int], _ y: [Int]) -> Tensor {
        var index = [Int](repeating: 0, count: x.count), inside = [Bool](repeating: false, count: x.count)
        for k in 0..<x.count where x[k] >= 0 && x[k] < w && y[k] >= 0 && y[k] < h {
            index[k] = y[k] * w + x[k]; inside[k] = true
        }
        let idx = Tensor(index, shape: [n, 1, ho * wo]).expand([n, c, ho * wo])
        let values = flat.gather(axis: 2, index: idx)
        return Tensor.where(Tensor(inside, shape: [n, 1, ho * wo]), values, Tensor.zeros([], dtype: input.dtype))
    }
    let out: Tensor
    switch mode {
    case .nearest:
        // Rounded half to even, as PyTorch's nearbyint; no gradient to the grid.
        let rx = withNoGrad { ix.doubles }.map { Int($0.rounded(.toNearestOrEven)) }
        let ry = withNoGrad { iy.doubles }.map { Int($0.rounded(.toNearestOrEven)) }
        out = read(rx, ry)
    case .bilinear:
        let fx = withNoGrad { ix.doubles }.map { $0.rounded(.down) }, fy = withNoGrad { iy.doubles }.map { $0.rounded(.down) }
        let x0 = fx.map { Int($0) }, y0 = fy.map { Int($0) }
        // Weights from the (differentiable) coordinates: the grid's gradient flows through them.
        // PyTorch's formulas and order (its kernel for float16/bfloat16 rounds each step, and so
        // do these ops): nw = (x₀+1 − x)(y₀+1 − y), ne = (x − x₀)(y₀+1 − y), sw = (x₀+1 − x)(y − y₀),
        // se = (x − x₀)(y − y₀), summed nw, ne, sw, se.
        let left = Tensor(fx, shape: [n, ho * wo], dtype: input.dtype), top = Tensor(fy, shape: [n, ho * wo], dtype: input.dtype)
        let toRight = ((left + 1) - ix).reshape([n, 1, ho * wo]), fromLeft = (ix - left).reshape([n, 1, ho * wo])
        let toBottom = ((top + 1) - iy).reshape([n, 1, ho * wo]), fromTop = (iy - top).reshape([n, 1, ho * wo])
        let x1 = x0.map { $0 + 1 }, y1 = y0.map { $0 + 1 }
        let nw = read(x0, y0) * (toRight * toBottom), ne = read(x1, y0) * (fromLeft * toBottom)
        let sw = read(x0, y1) * (toRight * fromTop), se = read(x1, y1) * (fromLeft * fromTop)
        out = nw + ne + sw + se
    }
    return out.reshape([n, c, ho, wo])
}

/// Grid coordinates in [-1, 1] to pixel coordinates, with PyTorch's border and reflection handling.
private func sourceCoordinate(_ g: Tensor, size: Int, padding: GridSamplePadding, alignCorners: Bool) -> Tensor {
    let s = Double(size)
    // PyTorch's order of operations (its float16 kernel rounds each step).
    var x = alignCorners ? ((g + 1) / 2) * (s - 1) : ((g + 1) * s - 1) / 2
    if padding == .reflection {
        // Reflect about the borders (pixel centres with alignCorners, outer edges without).
        let (lo, hi) = alignCorners ? (0.0, s - 1) : (-0.5, s - 0.5)
        let span = hi - lo
        if span <= 0 {
            x = x * 0
        } else {
            let shifted = (x - lo).abs()
            let flips = withNoGrad { shifted.doubles }.map { ($0 / span).rounded(.down) }
            let f = Tensor(flips, shape: x.shape, dtype: x.dtype)
            let extra = shifted - f * span
            let even = Tensor(flips.map { Int($0) % 2 == 0 }, shape: x.shape)
            x = Tensor.where(even, extra + lo, (span - extra) + lo)
        }
    }
    if padding != .zeros { x = x.clamp(min: 0, max: s - 1) }
    return x
}
