// Connectionist temporal classification loss (PyTorch's ctc_loss): a primitive op whose forward
// (α recursion) and backward (α·β) run in Kernels/CTCKernels.swift.

/// CTC loss of `logProbs` [T, N, C] (log-softmax outputs; [T, C] for one sample) against
/// `targets`: [N, S] padded class indices, or 1-D with the N target sequences concatenated.
/// `inputLengths` and `targetLengths` [N] give each sample's frames and labels; `blank` is the
/// blank class. `reduction: .mean` divides each loss by its target length (at least 1) and then
/// averages over the batch, as PyTorch; `zeroInfinity` turns impossible alignments (loss ∞) into
/// 0 with a 0 gradient.
///
/// The gradient is the true derivative with respect to `logProbs`, -Σ α·β / (y·p). PyTorch's
/// differs from it by exp(logProbs) (its formula assumes the inputs come from `logSoftmax`); through
/// `logSoftmax` both give the same gradient. Double backward (`createGraph: true`) is not supported,
/// as PyTorch's.
///
///     let loss = ctcLoss(logProbs: logits.logSoftmax(axis: 2), targets: labels,
///                        inputLengths: Tensor([50, 42]), targetLengths: Tensor([12, 9]))
public func ctcLoss(logProbs: Tensor, targets: Tensor, inputLengths: Tensor, targetLengths: Tensor, blank: Int = 0,
                    reduction: Reduction = .mean, zeroInfinity: Bool = false) -> Tensor {
    let op = "ctcLoss"
    check(logProbs.dtype.isFloatingPoint, "\(op): logProbs must be float, got \(logProbs.dtype) of shape \(logProbs.shape)")
    check(logProbs.rank == 2 || logProbs.rank == 3, "\(op): logProbs must be [T, N, C] or [T, C], got shape \(logProbs.shape)")
    if logProbs.dtype.isReducedPrecision {
        return ctcLoss(logProbs: logProbs.to(.float32), targets: targets, inputLengths: inputLengths, targetLengths: targetLengths,
                       blank: blank, reduction: reduction, zeroInfinity: zeroInfinity).to(logProbs.dtype)
    }
    let batched = logProbs.rank == 3
    let lp = batched ? logProbs : logProbs.unsqueeze(axis: 1)
    let (tMax, n, c) = (lp.shape[0], lp.shape[1], lp.shape[2])
    check(blank >= 0 && blank < c, "\(op): blank \(blank) is out of range for \(c) classes (logProbs \(logProbs.shape))")
    for (name, t) in [("targets", targets), ("inputLengths", inputLengths), ("targetLengths", targetLengths)] {
        check(!t.dtype.isFloatingPoint && t.dtype != .bool, "\(op): \(name) must be an integer tensor, got \(t.dtype) of shape \(t.shape)")
    }
    let inLens = inputLengths.ints, tgLens = targetLengths.ints
    check(inLens.count == n && inputLengths.rank <= 1,
          "\(op): inputLengths \(inputLengths.shape) must hold one length per sample (\(n)) (logProbs \(logProbs.shape))")
    check(tgLens.count == n && targetLengths.rank <= 1,
          "\(op): targetLengths \(targetLengths.shape) must hold one length per sample (\(n)) (logProbs \(logProbs.shape))")
    let flat = targets.ints
    var labels: [[Int]] = []
    var start = 0
    let padded = batched ? targets.rank == 2 : false
    check(targets.rank <= 2 && (!padded || targets.shape[0] == n),
          "\(op): targets \(targets.shape) must be [N, S] (N = \(n)) or the concatenated 1-D sequences (logProbs \(logProbs.shape))")
    for b in 0..<n {
        check(inLens[b] >= 0 && inLens[b] <= tMax,
              "\(op): input length \(inLens[b]) of sample \(b) must be in 0...\(tMax) (logProbs \(logProbs.shape))")
        check(tgLens[b] >= 0, "\(op): target length \(tgLens[b]) of sample \(b) is negative")
        let row: ArraySlice<Int>
        if padded {
            let width = targets.shape[1]
            check(tgLens[b] <= width, "\(op): target length \(tgLens[b]) of sample \(b) exceeds the targets' width \(width) (targets \(targets.shape))")
            row = flat[(b * width)..<(b * width + tgLens[b])]
        } else {
            check(start + tgLens[b] <= flat.count,
                  "\(op): target lengths \(tgLens) sum beyond the \(flat.count) concatenated targets (targets \(targets.shape))")
            row = flat[start..<(start + tgLens[b])]
            start += tgLens[b]
        }
        for k in row {
            check(k >= 0 && k < c && k != blank,
                  "\(op): target \(k) of sample \(b) must be a class in 0..<\(c) other than the blank \(blank) (targets \(targets.shape))")
        }
        labels.append(Array(row))
    }
    let dense = lp.dense
    let values = withNoGrad { dense.to(.float64) }.doubles
    let (nll, _) = Kernels.ctcLoss(values, t: tMax, n: n, c: c, targets: labels, inputLengths: inLens, blank: blank, gradient: false)
    let infinite = nll.map { $0 == .infinity }
    let perSample = Tensor(zip(nll, infinite).map { zeroInfinity && $1 ? 0 : $0 }, shape: [n], dtype: lp.dtype)
    let recorded = perSample.recorded(.ctcLoss, lp, save: .input0) { g, ctx in
        check(!GradMode.isEnabled, "ctcLoss: double backward (createGraph: true) is not supported, as in PyTorch (logProbs \([tMax, n, c]))")
        let x = withNoGrad { ctx.input(0).to(.float64) }.doubles
        var (_, d) = Kernels.ctcLoss(x, t: tMax, n: n, c: c, targets: labels, inputLengths: inLens, blank: blank, gradient: true)
        if zeroInfinity {
            for b in 0..<n where infinite[b] { for t in 0..<tMax { for k in 0..<c { d[(t * n + b) * c + k] = 0 } } }
        }
        let dlp = Tensor(d, shape: [tMax, n, c], dtype: g.dtype)
        return [dlp * g.reshape([1, n, 1])]
    }
    let loss: Tensor
    switch reduction {
    case .none: loss = batched ? recorded : recorded.reshape([])
    case .sum: loss = recorded.sum()
    case .mean:
        let lengths = Tensor(tgLens.map { Double(Swift.max($0, 1)) }, shape: [n], dtype: lp.dtype)
        loss = (recorded / lengths).mean()
    case .batchMean: checkFailure("\(op): reduction .batchMean is only defined for klDiv")
    }
    return loss
}

/// CTC loss with the lengths as arrays.
///
///     let loss = ctcLoss(logProbs: lp, targets: labels, inputLengths: [50, 42], targetLengths: [12, 9])
public func ctcLoss(logProbs: Tensor, targets: Tensor, inputLengths: [Int], targetLengths: [Int], blank: Int = 0,
                    reduction: Reduction = .mean, zeroInfinity: Bool = false) -> Tensor {
    ctcLoss(logProbs: logProbs, targets: targets, inputLengths: Tensor(inputLengths, shape: [inputLengths.count]),
            targetLengths: Tensor(targetLengths, shape: [targetLengths.count]), blank: blank, reduction: reduction,
            zeroInfinity: zeroInfinity)
}

/// CTC loss as a module (`nn.CTCLoss`).
///
///     let criterion = CTCLoss(blank: 0, zeroInfinity: true)
///     let loss = criterion(logProbs, targets, inputLengths: inLens, targetLengths: tgLens)
open class CTCLoss: ModuleBase {
    public let blank: Int, reduction: Reduction, zeroInfinity: Bool
    public init(blank: Int = 0, reduction: Reduction = .mean, zeroInfinity: Bool = false) {
        self.blank = blank; self.reduction = reduction; self.zeroInfinity = zeroInfinity
        super.init()
    }
    public func callAsFunction(_ logProbs: Tensor, _ targets: Tensor, inputLengths: Tensor, targetLengths: Tensor) -> Tensor {
        ctcLoss(logProbs: logProbs, targets: targets, inputLengths: inputLengths, targetLengths: targetLengths, blank: blank,
                reduction: reduction, zeroInfinity: zeroInfinity)
    }
}
