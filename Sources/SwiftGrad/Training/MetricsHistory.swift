/// Per-epoch metrics (loss, accuracy, learning rate...) collected during training, with a CSV
/// export and an SVG line chart a browser opens.
///
///     var history = MetricsHistory()
///     history.append(["train_loss": 0.41, "val_loss": 0.45, "val_accuracy": 0.91, "lr": 0.1])
///     try history.plot(to: "curves.svg")
public struct MetricsHistory {
    /// One dictionary per epoch, in order.
    public private(set) var epochs: [[String: Double]] = []
    /// Metric names in the order they first appeared.
    public private(set) var names: [String] = []

    /// An empty history.
    public init() {}

    /// Records the metrics of the next epoch.
    ///
    ///     history.append(["loss": epochLoss, "accuracy": acc])
    ///     print(history.count)
    public mutating func append(_ metrics: [String: Double]) {
        for name in metrics.keys.sorted() where !names.contains(name) { names.append(name) }
        epochs.append(metrics)
    }

    /// The number of epochs recorded.
    public var count: Int { epochs.count }

    /// One metric per epoch (nil where an epoch did not report it).
    ///
    ///     let losses = history.values("val_loss")
    ///     print(losses.compactMap { $0 }.min() ?? .nan)
    public func values(_ name: String) -> [Double?] { epochs.map { $0[name] } }

    /// The history as CSV: an `epoch` column (from 1) and one column per metric, empty where missing.
    ///
    ///     try history.csv.write(toFile: "history.csv", atomically: true, encoding: .utf8)
    public var csv: String {
        var lines = [(["epoch"] + names).joined(separator: ",")]
        for (i, e) in epochs.enumerated() {
            lines.append(([String(i + 1)] + names.map { e[$0].map { "\($0)" } ?? "" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the SVG chart to `path` (atomically).
    ///
    ///     try history.plot(to: "curves.svg")
    ///     try history.plot(to: "run2.svg", title: "LeNet on digits")
    public func plot(to path: String, title: String = "Training curves") throws {
        try AtomicFile.write(Array(svg(title: title).utf8), to: path)
    }

    /// Panels of related curves: names that differ only by a `train_`/`val_`/`test_` prefix (or
    /// suffix) share a panel, so training and validation loss are drawn together.
    func panels() -> [(kind: String, series: [String])] {
        var out: [(kind: String, series: [String])] = []
        for name in names {
            let kind = MetricsHistory.kind(of: name)
            if let i = out.firstIndex(where: { $0.kind == kind }) { out[i].series.append(name) } else { out.append((kind, [name])) }
        }
        // Losses first, then accuracies, then the rest (learning rate...), each group in order of appearance.
        func rank(_ kind: String) -> Int { kind.lowercased().contains("loss") ? 0 : kind.lowercased().hasPrefix("acc") ? 1 : 2 }
        return out.enumerated().sorted { (rank($0.element.kind), $0.offset) < (rank($1.element.kind), $1.offset) }.map(\.element)
    }

    static func kind(of name: String) -> String {
        let lower = name.lowercased()
        for p in ["train_", "training_", "val_", "valid_", "validation_", "test_", "train.", "val.", "test."] where lower.hasPrefix(p) {
            return String(name.dropFirst(p.count))
        }
        for s in ["_train", "_val", "_valid", "_test"] where lower.hasSuffix(s) {
            return String(name.dropLast(s.count))
        }
        return name
    }

    /// The chart as SVG text: one panel per kind of metric, epochs on the x axis.
    ///
    ///     let text = history.svg(title: "curves")
    ///     print(text.hasPrefix("<svg"))     // true
    public func svg(title: String = "Training curves", width: Int = 720) -> String {
        let panels = panels()
        let panelHeight = 260, top = 40
        let height = top + max(1, panels.count) * panelHeight + 10
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
        font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="24" text-anchor="middle" font-size="16" font-weight="bold">\(xmlEscaped(title))</text>

        """
        if panels.isEmpty {
            s += "<text x=\"\(width / 2)\" y=\"\(top + 40)\" text-anchor=\"middle\" fill=\"#666\">no data</text>\n"
        }
        for (p, panel) in panels.enumerated() {
            s += drawPanel(panel.kind, panel.series, x: 70, y: top + p * panelHeight + 20, w: width - 100, h: panelHeight - 60)
        }
        return s + "</svg>\n"
    }

    static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    func drawPanel(_ kind: String, _ series: [String], x: Int, y: Int, w: Int, h: Int) -> String {
        let all = series.flatMap { values($0).compactMap { $0 } }.filter(\.isFinite)
        var lo = all.min() ?? 0, hi = all.max() ?? 1
        if lo == hi { lo -= Swift.max(0.5, Swift.abs(lo) * 0.1); hi += Swift.max(0.5, Swift.abs(hi) * 0.1) }
        let ticks = MetricsHistory.niceTicks(lo, hi)
        lo = Swift.min(lo, ticks.first!); hi = Swift.max(hi, ticks.last!)
        let n = Swift.max(count, 1)
        func px(_ epoch: Int) -> Double { Double(x) + (n == 1 ? Double(w) / 2 : Double(epoch) * Double(w) / Double(n - 1)) }
        func py(_ v: Double) -> Double { Double(y + h) - (v - lo) / (hi - lo) * Double(h) }
        func f(_ v: Double) -> String { TextFormat.formatFixed(v, 1) }

        var s = "<g>\n<text x=\"\(x)\" y=\"\(y - 8)\" font-weight=\"bold\">\(xmlEscaped(kind))</text>\n"
        s += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" fill=\"none\" stroke=\"#999\"/>\n"
        for t in ticks {
            let ty = f(py(t))
            s += "<line x1=\"\(x)\" y1=\"\(ty)\" x2=\"\(x + w)\" y2=\"\(ty)\" stroke=\"#eee\"/>"
            s += "<text x=\"\(x - 6)\" y=\"\(ty)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(MetricsHistory.tickLabel(t, ticks))</text>\n"
        }
        // At most about ten epoch labels on the x axis.
        let every = Swift.max(1, (n + 9) / 10)
        for e in stride(from: 0, to: n, by: every) {
            s += "<text x=\"\(f(px(e)))\" y=\"\(y + h + 16)\" text-anchor=\"middle\">\(e + 1)</text>\n"
        }
        s += "<text x=\"\(x + w / 2)\" y=\"\(y + h + 32)\" text-anchor=\"middle\" fill=\"#444\">epoch</text>\n"
        for (k, name) in series.enumerated() {
            let color = MetricsHistory.colors[k % MetricsHistory.colors.count]
            var path = "", pen = false
            for (e, v) in values(name).enumerated() {
                guard let v, v.isFinite else { pen = false; continue }
                path += (pen ? "L" : "M") + "\(f(px(e))),\(f(py(v))) "
                pen = true
                if count <= 40 { s += "<circle cx=\"\(f(px(e)))\" cy=\"\(f(py(v)))\" r=\"2.5\" fill=\"\(color)\"/>" }
            }
            s += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            let ly = y + 14 + 16 * k
            s += "<line x1=\"\(x + w - 150)\" y1=\"\(ly - 4)\" x2=\"\(x + w - 130)\" y2=\"\(ly - 4)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            s += "<text x=\"\(x + w - 124)\" y=\"\(ly)\">\(xmlEscaped(name))</text>\n"
        }
        return s + "</g>\n"
    }

    /// About five round tick values (1, 2 or 5 times a power of ten) covering [lo, hi].
    static func niceTicks(_ lo: Double, _ hi: Double) -> [Double] {
        let raw = (hi - lo) / 4
        var p = 1.0
        while p > raw { p /= 10 }
        while p * 10 <= raw { p *= 10 }
        let step = raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p
        // Multiples of the step from below `lo` to above `hi` (computed by index, so no drift).
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        let n = Swift.min(20, Int(last - first))
        let ticks = (0...n).map { (first + Double($0)) * step }
        return ticks
    }

    static func tickLabel(_ v: Double, _ ticks: [Double]) -> String {
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        var digits = 0, s = step
        while s < 1 && digits < 8 { s *= 10; digits += 1 }
        return TextFormat.formatFixed(v, digits)
    }
}

/// Text escaped for XML content and attributes.
func xmlEscaped(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
