// torch.histogram and torch.histogramdd: counts (or weight sums, or densities) of the values in
// bins given by their number (evenly spaced over a range) or by their edges. Bin i holds
// edges[i] ≤ v < edges[i+1], the last bin also its right edge; values outside and NaNs are left out.
// Not differentiable (as PyTorch's).

extension Tensor {
    /// The histogram of all elements in `bins` equal bins over `range` (default: the elements' min
    /// and max, widened by ½ on each side when they are equal), as `torch.histogram`: (hist, binEdges),
    /// both in this tensor's dtype. `weight` (this tensor's shape) sums weights instead of counting;
    /// `density` divides by the total and the bin width.
    ///
    ///     let (hist, edges) = x.histogram(bins: 10, range: (0, 1))
    public func histogram(bins: Int, range: (Double, Double)? = nil, weight: Tensor? = nil,
                          density: Bool = false) -> (hist: Tensor, binEdges: Tensor) {
        let r = reshape([count, 1]).histogramdd(bins: [bins], ranges: range.map { [$0.0, $0.1] },
                                                 weight: weight?.reshape([weight!.count]), density: density, op: "histogram")
        return (r.hist, r.binEdges[0])
    }

    /// The histogram of all elements in the bins of the increasing 1-D `binEdges` (`torch.histogram(x, bins=edges)`).
    ///
    ///     let (hist, _) = x.histogram(binEdges: Tensor([0.0, 0.5, 2]))
    public func histogram(binEdges: Tensor, weight: Tensor? = nil, density: Bool = false) -> (hist: Tensor, binEdges: Tensor) {
        let r = reshape([count, 1]).histogramdd(binEdges: [binEdges], weight: weight?.reshape([weight!.count]),
                                                 density: density, op: "histogram")
        return (r.hist, r.binEdges[0])
    }

    /// The D-dimensional histogram of the points along the last axis ([..., D]; `torch.histogramdd`)
    /// with `bins[d]` equal bins on dimension d over `ranges` ([lo₀, hi₀, lo₁, hi₁, ...], default: the
    /// points' extent). `weight` has the points' shape (the input's without its last axis).
    ///
    ///     let (hist, edges) = points.histogramdd(bins: [4, 4])       // points: [n, 2]
    public func histogramdd(bins: [Int], ranges: [Double]? = nil, weight: Tensor? = nil,
                            density: Bool = false) -> (hist: Tensor, binEdges: [Tensor]) {
        histogramdd(bins: bins, ranges: ranges, weight: weight, density: density, op: "histogramdd")
    }

    /// The D-dimensional histogram with the increasing 1-D edges `binEdges[d]` on dimension d.
    ///
    ///     let (hist, _) = points.histogramdd(binEdges: [xEdges, yEdges])
    public func histogramdd(binEdges: [Tensor], weight: Tensor? = nil, density: Bool = false) -> (hist: Tensor, binEdges: [Tensor]) {
        histogramdd(binEdges: binEdges, weight: weight, density: density, op: "histogramdd")
    }

    private func histogramPoints(_ op: String) -> (points: [Double], n: Int, d: Int) {
        check(dtype.isFloatingPoint, "\(op): expects a float tensor, got \(dtype) of shape \(shape)")
        check(rank >= 1, "\(op): expects the points along the last axis, got a 0-d tensor")
        let d = shape[rank - 1]
        return (to(.float64).doubles, d == 0 ? 0 : count / d, d)
    }

    private func histogramdd(bins: [Int], ranges: [Double]?, weight: Tensor?, density: Bool, op: String) -> (hist: Tensor, binEdges: [Tensor]) {
        let (points, n, d) = histogramPoints(op)
        check(bins.count == d && bins.allSatisfy { $0 > 0 }, "\(op): bins \(bins) must be \(d) positive counts (input \(shape))")
        check(ranges == nil || ranges!.count == 2 * d, "\(op): ranges \(ranges ?? []) must hold \(2 * d) values (input \(shape))")
        var edges: [Tensor] = []
        for j in 0..<d {
            var lo: Double, hi: Double
            if let ranges { (lo, hi) = (ranges[2 * j], ranges[2 * j + 1]) } else {
                let column = (0..<n).map { points[$0 * d + j] }.filter { !$0.isNaN }
                (lo, hi) = (column.min() ?? 0, column.max() ?? 0)
            }
            check(lo.isFinite && hi.isFinite && lo <= hi, "\(op): range [\(lo), \(hi)] of dimension \(j) must be finite and increasing (input \(shape))")
            if lo == hi { lo -= 0.5; hi += 0.5 }
            edges.append(Tensor.linspace(lo, hi, steps: bins[j] + 1, dtype: dtype))
        }
        return histogramCounts(points, n, d, edges, weight, density, op)
    }

    private func histogramdd(binEdges: [Tensor], weight: Tensor?, density: Bool, op: String) -> (hist: Tensor, binEdges: [Tensor]) {
        let (points, n, d) = histogramPoints(op)
        check(binEdges.count == d, "\(op): \(binEdges.count) edge tensors for points of dimension \(d) (input \(shape))")
        for e in binEdges {
            check(e.rank == 1 && e.count >= 2, "\(op): bin edges must be 1-D with at least 2 values, got \(e.shape) (input \(shape))")
        }
        return histogramCounts(points, n, d, binEdges.map { $0.to(dtype) }, weight, density, op)
    }

    /// Edges that are not increasing are taken as PyTorch takes them (it accepts them): a value counts
    /// when it lies in [first edge, last edge] (so none does when the first edge exceeds the last),
    /// and its bin is where `std::upper_bound`'s binary search over the edges lands, minus one.
    private func histogramCounts(_ points: [Double], _ n: Int, _ d: Int, _ edges: [Tensor], _ weight: Tensor?,
                                 _ density: Bool, _ op: String) -> (hist: Tensor, binEdges: [Tensor]) {
        let e = edges.map(\.doubles)
        var w: [Double]? = nil
        if let weight {
            check(weight.count == n, "\(op): weight of shape \(weight.shape) must hold one value per point (input \(shape))")
            w = weight.to(.float64).doubles
        }
        let binCounts = e.map { $0.count - 1 }
        var hist = [Double](repeating: 0, count: binCounts.reduce(1, *))
        nextPoint: for p in 0..<n {
            var flat = 0
            for j in 0..<d {
                let v = points[p * d + j], edge = e[j]
                guard v >= edge[0] && v <= edge[edge.count - 1] else { continue nextPoint }   // NaN fails too
                // upper_bound: the first edge > v, by the standard halving (the same steps on edges
                // that are not sorted); the bin is the edge before it, and v at the right end goes to
                // the last bin. v ≥ edge[0] makes the result at least 1.
                var first = 0, len = edge.count
                while len > 0 {
                    let half = len / 2
                    if v < edge[first + half] { len = half } else { first += half + 1; len -= half + 1 }
                }
                flat = flat * binCounts[j] + Swift.max(Swift.min(first - 1, binCounts[j] - 1), 0)
            }
            hist[flat] += w?[p] ?? 1
        }
        if density {
            let total = hist.reduce(0, +)
            var index = Array(repeating: 0, count: d)
            for i in 0..<hist.count {
                var volume = 1.0
                for j in 0..<d { volume *= e[j][index[j] + 1] - e[j][index[j]] }
                hist[i] /= total * volume
                var j = d - 1
                while j >= 0 { index[j] += 1; if index[j] < binCounts[j] { break }; index[j] = 0; j -= 1 }
            }
        }
        return (Tensor(hist, shape: binCounts, dtype: dtype), edges)
    }
}
