/// Classification metrics computed from logits (or predicted classes) and integer targets.
///
///     let acc = Metrics.accuracy(logits: model(x), targets: y)
///     print("accuracy: \(acc * 100)%")
public enum Metrics {
    /// The fraction of rows whose largest logit is at the target class. `logits` is `[N, C]` (or
    /// `[N]` predicted classes), `targets` `[N]` class indices.
    ///
    ///     let acc = Metrics.accuracy(logits: logits, targets: labels)
    ///     print(acc)                           // 0.0 ... 1.0
    public static func accuracy(logits: Tensor, targets: Tensor) -> Double {
        let predicted = classes(logits, targets: targets, op: "Metrics.accuracy")
        let truth = targets.ints
        guard !truth.isEmpty else { return 0 }
        let correct = zip(predicted, truth).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(correct) / Double(truth.count)
    }

    /// Predicted class per row: argmax of `[N, C]` logits, or the values of `[N]` class indices.
    static func classes(_ predictions: Tensor, targets: Tensor, op: String) -> [Int] {
        check(targets.rank == 1, "\(op): targets must be [N] class indices, got \(targets.shape)")
        check((predictions.rank == 2 || predictions.rank == 1) && predictions.shape[0] == targets.shape[0],
                     "\(op): predictions must be [N, C] logits or [N] classes matching targets \(targets.shape), got \(predictions.shape)")
        return predictions.rank == 2 ? withNoGrad { predictions.argmax(axis: 1) }.ints : predictions.ints
    }
}

/// Counts of (true class, predicted class) pairs, accumulated over batches.
///
///     var cm = ConfusionMatrix(classes: 10)
///     for (x, y) in testLoader { cm.update(predictions: model(x), targets: y) }
///     print(cm.accuracy); print(cm)
public struct ConfusionMatrix: CustomStringConvertible, Equatable {
    /// The number of classes.
    public let classes: Int
    /// `counts[t][p]`: how many samples of true class `t` were predicted as `p`.
    public private(set) var counts: [[Int]]

    /// An all-zero matrix for `classes` classes.
    ///
    ///     var cm = ConfusionMatrix(classes: 3)
    ///     print(cm.total)                      // 0
    public init(classes: Int) {
        check(classes >= 1, "ConfusionMatrix: classes must be at least 1, got \(classes)")
        self.classes = classes
        counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
    }

    /// Adds a batch: `predictions` `[N, C]` logits or `[N]` classes, `targets` `[N]` class indices.
    ///
    ///     cm.update(predictions: logits, targets: labels)
    ///     cm.update(predictions: Tensor([0, 2]), targets: Tensor([0, 1]))
    public mutating func update(predictions: Tensor, targets: Tensor) {
        let p = Metrics.classes(predictions, targets: targets, op: "ConfusionMatrix.update")
        for (t, q) in zip(targets.ints, p) {
            check(t >= 0 && t < classes && q >= 0 && q < classes,
                         "ConfusionMatrix.update: class \(t) or prediction \(q) outside 0..<\(classes)")
            counts[t][q] += 1
        }
    }

    /// The number of samples counted.
    public var total: Int { counts.joined().reduce(0, +) }

    /// The fraction on the diagonal (0 when empty).
    public var accuracy: Double {
        let diagonal = (0..<classes).reduce(0) { $0 + counts[$1][$1] }
        return total == 0 ? 0 : Double(diagonal) / Double(total)
    }

    /// Of the samples of class `c`, the fraction predicted as `c` (nil when there are none).
    public func recall(_ c: Int) -> Double? {
        let row = counts[c].reduce(0, +)
        return row == 0 ? nil : Double(counts[c][c]) / Double(row)
    }

    /// Of the samples predicted as `c`, the fraction that are `c` (nil when there are none).
    public func precision(_ c: Int) -> Double? {
        let column = (0..<classes).reduce(0) { $0 + counts[$1][c] }
        return column == 0 ? nil : Double(counts[c][c]) / Double(column)
    }

    /// A table: rows are true classes, columns predicted classes.
    public var description: String {
        let width = Swift.max(4, String(counts.joined().max() ?? 0).count + 1)
        func cell(_ s: String) -> String { String(repeating: " ", count: Swift.max(0, width - s.count)) + s }
        var lines = [cell("t\\p") + (0..<classes).map { cell(String($0)) }.joined()]
        for t in 0..<classes { lines.append(cell(String(t)) + counts[t].map { cell(String($0)) }.joined()) }
        return lines.joined(separator: "\n")
    }
}
