// Flat-index writes and reads (put, unravelIndex, nonzeroStatic) and the FFT-order shifts
// (fftshift, ifftshift), composed of indexCopy/indexAdd, integer division, nonzero and roll.

extension Tensor {
    /// A copy of this tensor with the elements at the flat (row-major) positions `index` replaced by
    /// `source` (added to them when `accumulate`), as `torch.put`: `index` is int64 of any shape,
    /// negative positions count from the end, `source` has as many elements. Differentiable in self
    /// (g, zero at the replaced positions unless accumulating) and in `source` (g at the positions).
    ///
    ///     let y = Tensor.zeros([2, 2]).put(Tensor([0, 3]), Tensor([1.0, 2.0]))    // [[1, 0], [0, 2]]
    public func put(_ index: Tensor, _ source: Tensor, accumulate: Bool = false) -> Tensor {
        check(index.dtype == .int64, "put: index must be int64, got \(index.dtype) (self \(shape), index \(index.shape))")
        check(index.count == source.count,
              "put: index of shape \(index.shape) and source of shape \(source.shape) must have the same number of elements")
        let n = count
        let idx = index.reshape([index.count])
        if idx.count > 0 {
            let (lo, hi) = withNoGrad { (idx.min().item(), idx.max().item()) }
            check(lo >= Double(-n) && hi < Double(n),
                  "put: index out of range for a tensor of \(n) elements (self \(shape), indices from \(Int(lo)) to \(Int(hi)))")
        }
        let positions = Tensor.where(idx .< 0, idx + Tensor.full([], Double(n), dtype: .int64), idx)
        let flat = reshape([n]), src = source.reshape([source.count]).to(dtype)
        let out = accumulate ? flat.indexAdd(axis: 0, indices: positions, source: src)
            : flat.indexCopy(axis: 0, index: positions, source: src)
        return out.reshape(shape)
    }

    /// The coordinates of flat (row-major) positions in a tensor of `shape`, one int64 tensor per
    /// axis, each shaped like `indices` (`torch.unravel_index`; negative positions count from the end).
    ///
    ///     let (rows, cols) = (Tensor.unravelIndex(Tensor([5]), shape: [2, 3])[0], ...)   // 1, 2
    public static func unravelIndex(_ indices: Tensor, shape: [Int]) -> [Tensor] {
        check(!indices.dtype.isFloatingPoint && indices.dtype != .bool,
              "unravel_index: indices must be an integer tensor, got \(indices.dtype) of shape \(indices.shape)")
        check(shape.allSatisfy { $0 >= 0 }, "unravel_index: shape \(shape) has a negative size (indices \(indices.shape))")
        let n = checkedElementCount(shape, dtype: .int64, op: "unravel_index")
        var idx = indices.to(.int64)
        if idx.count > 0 {
            let (lo, hi) = (idx.min().item(), idx.max().item())
            check(lo >= Double(-n) && hi < Double(n),
                  "unravel_index: index out of range for shape \(shape) (indices \(indices.shape) from \(Int(lo)) to \(Int(hi)))")
        }
        idx = Tensor.where(idx .< 0, idx + Tensor.full([], Double(n), dtype: .int64), idx)
        var coords = [Tensor]()
        for size in shape.reversed() {
            coords.append(idx.remainder(Tensor.full([], Double(size), dtype: .int64)))
            idx = idx.floorDivide(Tensor.full([], Double(size), dtype: .int64))
        }
        return coords.reversed()
    }

    /// The positions of the nonzero elements as `nonzero()` ([n, rank] int64), cut or padded with
    /// `fillValue` rows to exactly `size` rows (`torch.nonzero_static`).
    ///
    ///     let first4 = mask.nonzeroStatic(size: 4)
    public func nonzeroStatic(size: Int, fillValue: Int = -1) -> Tensor {
        check(size >= 0, "nonzero_static: size must be non-negative, got \(size) (input \(shape))")
        let nz = nonzero()
        let n = nz.shape[0]
        if n >= size { return nz.narrow(axis: 0, start: 0, length: size) }
        let pad = Tensor.full([size - n, rank], Double(fillValue), dtype: .int64)
        return Tensor.cat([nz, pad], axis: 0)
    }

    /// Moves the zero-frequency term to the centre of each axis in `axes` (nil: all), a roll by
    /// ⌊n/2⌋ (`torch.fft.fftshift`).
    ///
    ///     let centred = spectrum.fftshift()
    public func fftshift(axes: [Int]? = nil) -> Tensor {
        let ax = (axes ?? Array(0..<rank)).map { normalizeAxis($0, rank, op: "fftshift", shape: shape) }
        if ax.isEmpty { return self }
        return roll(shifts: ax.map { shape[$0] / 2 }, axes: ax)
    }

    /// The inverse of `fftshift`: a roll by −⌊n/2⌋ (`torch.fft.ifftshift`).
    ///
    ///     let back = centred.ifftshift()
    public func ifftshift(axes: [Int]? = nil) -> Tensor {
        let ax = (axes ?? Array(0..<rank)).map { normalizeAxis($0, rank, op: "ifftshift", shape: shape) }
        if ax.isEmpty { return self }
        return roll(shifts: ax.map { -(shape[$0] / 2) }, axes: ax)
    }
}
