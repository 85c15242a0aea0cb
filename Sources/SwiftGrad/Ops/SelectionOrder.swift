// Which of several equal values `topk` and `kthvalue` return, as PyTorch's CPU kernels choose them.
// Neither sorts stably: kthvalue runs ATen's quick_select_template (Sedgewick's median-of-three
// quickselect, SortingUtils.h) and topk runs std::nth_element and then std::sort on the first k − 1
// (std::partial_sort when k·64 ≤ n) over (value, index) pairs, with libstdc++'s algorithms. Their
// order among ties is deterministic, so the same steps give the same indices. NaN counts as larger
// than every number in both. Values are compared as Double (exact for every float dtype) or Int.

/// One line's values in a comparable form: Int for integer and bool dtypes (exact beyond 2⁵³).
private enum LineValues {
    case floating([Double]), integral([Int])
}

/// x > y with NaN above every number (ATen's `gt_or_nan`).
@inline(__always) private func greaterOrNaN(_ x: Double, _ y: Double) -> Bool { (x.isNaN && !y.isNaN) || x > y }

/// ATen's quick_select_template on `values` (permuting `indices` alongside) so that position k holds
/// the (k+1)-th smallest; `gt` is "greater or NaN".
private func atenQuickSelect<T>(_ values: inout [T], _ indices: inout [Int], k: Int, gt: (T, T) -> Bool) {
    var lo = 0, hi = values.count - 1
    while true {
        if hi <= lo { return }
        if hi == lo + 1 {
            if gt(values[lo], values[hi]) { values.swapAt(lo, hi); indices.swapAt(lo, hi) }
            return
        }
        // Median of three for the pivot, moved to lo.
        let p = (lo + hi) >> 1
        values.swapAt(p, lo + 1); indices.swapAt(p, lo + 1)
        if gt(values[lo + 1], values[hi]) { values.swapAt(lo + 1, hi); indices.swapAt(lo + 1, hi) }
        if gt(values[lo], values[hi]) { values.swapAt(lo, hi); indices.swapAt(lo, hi) }
        if gt(values[lo + 1], values[lo]) { values.swapAt(lo + 1, lo); indices.swapAt(lo + 1, lo) }
        var i = lo + 1, j = hi
        let pivot = values[lo]
        while true {
            repeat { i += 1 } while gt(pivot, values[i])
            repeat { j -= 1 } while gt(values[j], pivot)
            if j < i { break }
            values.swapAt(i, j); indices.swapAt(i, j)
        }
        values.swapAt(lo, j); indices.swapAt(lo, j)
        if j <= k { lo = i }
        if j >= k { hi = j - 1 }
    }
}

/// libstdc++'s selection and sorting steps over (value, index) pairs with a strict order `before`
/// (std::nth_element, std::sort of up to 16 elements, std::partial_sort), step for step.
private struct LibstdcxxSteps<T> {
    var pairs: [(T, Int)]
    let before: (T, T) -> Bool

    func less(_ a: (T, Int), _ b: (T, Int)) -> Bool { before(a.0, b.0) }

    /// std::__insertion_sort on [first, last).
    mutating func insertionSort(_ first: Int, _ last: Int) {
        if first == last { return }
        var i = first + 1
        while i < last {
            let v = pairs[i]
            if less(v, pairs[first]) {
                var m = i
                while m > first { pairs[m] = pairs[m - 1]; m -= 1 }
                pairs[first] = v
            } else {
                var m = i
                while less(v, pairs[m - 1]) { pairs[m] = pairs[m - 1]; m -= 1 }
                pairs[m] = v
            }
            i += 1
        }
    }

    /// std::sort on [first, last): introsort, whose loop leaves ranges of at most 16 elements to
    /// the final insertion sort (larger ranges are partitioned as in nth_element first).
    mutating func sort(_ first: Int, _ last: Int) {
        introsortLoop(first, last, depth: 2 * floorLog2(last - first))
        if last - first > 16 {
            insertionSort(first, first + 16)
            var i = first + 16
            while i < last {     // __unguarded_insertion_sort
                let v = pairs[i]
                var m = i
                while less(v, pairs[m - 1]) { pairs[m] = pairs[m - 1]; m -= 1 }
                pairs[m] = v
                i += 1
            }
        } else {
            insertionSort(first, last)
        }
    }

    mutating func introsortLoop(_ first: Int, _ last0: Int, depth depth0: Int) {
        var last = last0, depth = depth0
        while last - first > 16 {
            if depth == 0 { partialSort(first, last, last); return }
            depth -= 1
            let cut = partitionPivot(first, last)
            introsortLoop(cut, last, depth: depth)
            last = cut
        }
    }

    /// std::nth_element(first, nth, last).
    mutating func nthElement(_ first0: Int, _ nth: Int, _ last0: Int) {
        var first = first0, last = last0
        if first == last || nth == last { return }
        var depth = 2 * floorLog2(last - first)
        while last - first > 3 {
            if depth == 0 {
                heapSelect(first, nth + 1, last)
                pairs.swapAt(first, nth)
                return
            }
            depth -= 1
            let cut = partitionPivot(first, last)
            if cut <= nth { first = cut } else { last = cut }
        }
        insertionSort(first, last)
    }

    /// std::partial_sort(first, middle, last).
    mutating func partialSort(_ first: Int, _ middle: Int, _ last: Int) {
        heapSelect(first, middle, last)
        var end = middle
        while end - first > 1 {      // std::__sort_heap
            end -= 1
            popHeap(first, end, end)
        }
    }

    func floorLog2(_ n: Int) -> Int { n <= 1 ? 0 : (Int.bitWidth - 1 - n.leadingZeroBitCount) }

    /// std::__unguarded_partition_pivot: the median of (first+1, mid, last−1) moved to first, then
    /// Hoare's partition of [first+1, last) around it.
    mutating func partitionPivot(_ first: Int, _ last: Int) -> Int {
        let mid = first + (last - first) / 2
        let a = first + 1, b = mid, c = last - 1
        if less(pairs[a], pairs[b]) {
            if less(pairs[b], pairs[c]) { pairs.swapAt(first, b) }
            else if less(pairs[a], pairs[c]) { pairs.swapAt(first, c) }
            else { pairs.swapAt(first, a) }
        } else if less(pairs[a], pairs[c]) { pairs.swapAt(first, a) }
        else if less(pairs[b], pairs[c]) { pairs.swapAt(first, c) }
        else { pairs.swapAt(first, b) }
        var lo = first + 1, hi = last
        while true {
            while less(pairs[lo], pairs[first]) { lo += 1 }
            hi -= 1
            while less(pairs[first], pairs[hi]) { hi -= 1 }
            if !(lo < hi) { return lo }
            pairs.swapAt(lo, hi)
            lo += 1
        }
    }

    /// std::__heap_select: a max-heap (by `less`) of [first, middle), then each later element
    /// smaller than its top replaces the top.
    mutating func heapSelect(_ first: Int, _ middle: Int, _ last: Int) {
        let len = middle - first
        if len >= 2 {                 // std::__make_heap
            var parent = (len - 2) / 2
            while true {
                let v = pairs[first + parent]
                adjustHeap(first, parent, len, v)
                if parent == 0 { break }
                parent -= 1
            }
        }
        var i = middle
        while i < last {
            if less(pairs[i], pairs[first]) { popHeap(first, middle, i) }
            i += 1
        }
    }

    /// std::__pop_heap: the top goes to `result`, whose value sifts into the heap [first, last).
    mutating func popHeap(_ first: Int, _ last: Int, _ result: Int) {
        let value = pairs[result]
        pairs[result] = pairs[first]
        adjustHeap(first, 0, last - first, value)
    }

    /// std::__adjust_heap: the hole at `hole0` moves down to a leaf along the larger children, then
    /// `value` is pushed up from there (std::__push_heap).
    mutating func adjustHeap(_ first: Int, _ hole0: Int, _ len: Int, _ value: (T, Int)) {
        let top = hole0
        var hole = hole0, child = hole0
        while child < (len - 1) / 2 {
            child = 2 * (child + 1)
            if less(pairs[first + child], pairs[first + child - 1]) { child -= 1 }
            pairs[first + hole] = pairs[first + child]
            hole = child
        }
        if len & 1 == 0 && child == (len - 2) / 2 {
            child = 2 * (child + 1)
            pairs[first + hole] = pairs[first + child - 1]
            hole = child - 1
        }
        var parent = (hole - 1) / 2
        while hole > top && less(pairs[first + parent], value) {
            pairs[first + hole] = pairs[first + parent]
            hole = parent
            parent = (hole - 1) / 2
        }
        pairs[first + hole] = value
    }
}

extension Tensor {
    /// The lines along `axis` as arrays (the axis moved last, made contiguous), their count and length.
    private func selectionLines(_ ax: Int) -> (LineValues, lines: Int, n: Int) {
        let moved = rank == 0 ? reshape([1]) : movedim(ax, -1).contiguous()
        let n = rank == 0 ? 1 : shape[ax]
        let lines = n == 0 ? 0 : moved.count / n
        let values: LineValues = dtype.isFloatingPoint ? .floating(moved.to(.float64).doubles) : .integral(moved.to(.int64).ints)
        return (values, lines, n)
    }

    /// The index tensor (shape: `shape` with the axis of size `width`, int64) from per-line
    /// positions laid out with the axis last.
    private func selectionIndices(_ flat: [Int], ax: Int, width: Int) -> Tensor {
        if rank == 0 { return Tensor(flat, shape: []) }
        var movedShape = shape
        movedShape.remove(at: ax)
        movedShape.append(width)
        return Tensor(flat, shape: movedShape).movedim(-1, ax).contiguous()
    }

    /// Per line along `ax`: the position (in the line) of the k-th smallest (1-based), chosen among
    /// equal values as PyTorch's quickselect chooses.
    func kthvalueIndices(_ k: Int, axis ax: Int) -> Tensor {
        let (values, lines, n) = selectionLines(ax)
        var out = [Int](repeating: 0, count: lines)
        for line in 0..<lines {
            var idx = Array(0..<n)
            switch values {
            case .floating(let all):
                var v = Array(all[(line * n)..<(line * n + n)])
                atenQuickSelect(&v, &idx, k: k - 1, gt: greaterOrNaN)
            case .integral(let all):
                var v = Array(all[(line * n)..<(line * n + n)])
                atenQuickSelect(&v, &idx, k: k - 1, gt: { $0 > $1 })
            }
            out[line] = idx[k - 1]
        }
        return selectionIndices(out, ax: ax, width: 1)
    }

    /// Per line along `ax`: the positions of the k largest (smallest), in the order PyTorch's topk
    /// returns them (sorted or not).
    func topkIndices(_ k: Int, axis ax: Int, largest: Bool, sorted: Bool) -> Tensor {
        let (values, lines, n) = selectionLines(ax)
        var out = [Int]()
        out.reserveCapacity(lines * k)
        func select<T>(_ line: ArraySlice<T>, _ before: @escaping (T, T) -> Bool) {
            var steps = LibstdcxxSteps(pairs: line.enumerated().map { ($0.element, $0.offset) }, before: before)
            if k * 64 <= n {
                steps.partialSort(0, k, n)
            } else {
                steps.nthElement(0, k - 1, n)
                if sorted { steps.sort(0, k - 1) }
            }
            out += steps.pairs.prefix(k).map { $0.1 }
        }
        if k > 0 {
            for line in 0..<lines {
                switch values {
                case .floating(let all):
                    let slice = all[(line * n)..<(line * n + n)]
                    if largest { select(slice, greaterOrNaN) } else { select(slice) { (!$0.isNaN && $1.isNaN) || $0 < $1 } }
                case .integral(let all):
                    let slice = all[(line * n)..<(line * n + n)]
                    if largest { select(slice) { $0 > $1 } } else { select(slice) { $0 < $1 } }
                }
            }
        }
        return selectionIndices(out, ax: ax, width: k)
    }
}
