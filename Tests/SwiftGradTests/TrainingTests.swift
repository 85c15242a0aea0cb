import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SwiftGrad

/// Collects what a ProgressReporter writes.
final class Capture {
    var chunks: [String] = []
    func output(terminal: Bool) -> ProgressOutput { ProgressOutput(isTerminal: terminal) { self.chunks.append($0) } }
}

/// A clock the test moves by hand.
final class FakeClock {
    var now = 100.0
    var read: () -> Double { { self.now } }
}

@Suite struct TrainingTests {
    @Test func plainLinesAtMostOncePerSecond() {
        let cap = Capture(), clock = FakeClock()
        let bar = ProgressReporter(total: 100, label: "epoch 1", output: cap.output(terminal: false), clock: clock.read)
        #expect(bar.interval == 1)
        for i in 0..<100 {
            clock.now += 0.05      // 20 steps a second for 5 seconds
            bar.update(metrics: ["loss": Double(i)])
        }
        bar.finish()
        bar.finish()               // a second call adds nothing
        #expect(cap.chunks.count <= 5 + 1 && cap.chunks.count >= 5)
        #expect(cap.chunks.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") && !$0.contains("\u{1B}") })
        let last = cap.chunks.last!
        #expect(last.contains("epoch 1") && last.contains("100%") && last.contains("100/100"))
        #expect(last.contains("20.0 it/s") && last.contains("loss 49.50"))   // the running mean of 0...99
        #expect(bar.mean("loss") == 49.5 && bar.outputs == cap.chunks.count)
    }

    @Test func terminalRedrawsInPlaceAboutTenTimesASecond() {
        let cap = Capture(), clock = FakeClock()
        let bar = ProgressReporter(total: 300, output: cap.output(terminal: true), clock: clock.read)
        for _ in 0..<300 { clock.now += 0.01; bar.update() }   // 3 seconds
        bar.finish()
        #expect(cap.chunks.count <= 31 && cap.chunks.count >= 25)
        #expect(cap.chunks.allSatisfy { $0.hasPrefix("\r") && $0.contains("\u{1B}[K") })
        #expect(cap.chunks.dropLast().allSatisfy { !$0.hasSuffix("\n") } && cap.chunks.last!.hasSuffix("\n"))
    }

    @Test func rateAndETA() {
        let clock = FakeClock()
        let bar = ProgressReporter(total: 100, output: Capture().output(terminal: false), clock: clock.read)
        for _ in 0..<10 { clock.now += 1; bar.update() }
        let line = bar.line()
        #expect(line.contains(" 10% [==>") && line.contains("10/100") && line.contains("1.0 it/s") && line.contains("ETA 1:30"))
        let slow = ProgressReporter(total: nil, output: Capture().output(terminal: false), clock: clock.read)
        clock.now += 4000; slow.update(by: 2)
        #expect(slow.line().contains("2 it") && slow.line().contains("2000.0 s/it") && slow.line().contains("1:06:40"))
    }

    @Test func numberFormatting() {
        #expect(TextFormat.formatFixed(0.23456, 4) == "0.2346" && TextFormat.formatFixed(-1.5, 1) == "-1.5")
        #expect(TextFormat.formatFixed(-0.00001, 2) == "0.00" && TextFormat.formatFixed(3, 0) == "3")
        #expect(TextFormat.formatDuration(59.6) == "1:00" && TextFormat.formatDuration(3725) == "1:02:05")
        #expect(TextFormat.formatMetric(1234.56) == "1234.6" && TextFormat.formatMetric(.nan) == "nan")
    }

    static func history() -> MetricsHistory {
        var h = MetricsHistory()
        for e in 0..<12 {
            let x = Double(e)
            var m = ["train_loss": 2 / (x + 1), "val_loss": 2.2 / (x + 1), "val_accuracy": 0.5 + 0.04 * x, "lr": 0.1]
            if e == 3 { m["val_loss"] = nil }     // a missing value breaks the line
            h.append(m)
        }
        return h
    }

    @Test func historyValuesAndCSV() {
        let h = TrainingTests.history()
        #expect(h.count == 12 && h.names == ["lr", "train_loss", "val_accuracy", "val_loss"])
        #expect(h.values("train_loss")[1] == 1 && h.values("val_loss")[3] == nil)
        let lines = h.csv.split(separator: "\n")
        #expect(lines.count == 13 && lines[0] == "epoch,lr,train_loss,val_accuracy,val_loss")
        #expect(lines[4].hasSuffix(",") && lines[1].hasPrefix("1,0.1,2.0,0.5,"))
        let kinds = h.panels().map(\.kind)
        #expect(kinds == ["loss", "accuracy", "lr"])
        #expect(h.panels()[0].series == ["train_loss", "val_loss"])
    }

    /// Counts elements while checking the SVG parses as XML.
    final class SVGCounter: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        var texts: [String] = []
        var pathData: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            counts[name, default: 0] += 1
            if name == "path" { pathData.append(attributes["d"] ?? "") }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }
    }

    @Test func svgIsWellFormedWithOnePathPerCurve() throws {
        var h = TrainingTests.history()
        h.append(["train_loss": .infinity])   // non-finite values are skipped, not drawn
        let svg = h.svg(title: "digits <cnn> & more")
        let counter = SVGCounter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = counter
        #expect(parser.parse(), "SVG does not parse: \(String(describing: parser.parserError))")
        #expect(counter.counts["svg"] == 1 && counter.counts["path"] == 4 && counter.counts["g"] == 3)
        let text = counter.texts.joined()
        #expect(text.contains("digits <cnn> & more") && text.contains("val_accuracy"))
        // Path data holds only commands and numbers: no "nan" or "inf" from the infinite value.
        #expect(counter.pathData.allSatisfy { $0.allSatisfy { "ML0123456789.-, ".contains($0) } })
        let dir = makeTemporaryFolder()
        try h.plot(to: dir + "/curves.svg")
        #expect(try String(contentsOfFile: dir + "/curves.svg", encoding: .utf8) == h.svg())
        #expect(MetricsHistory().svg().contains("no data"))
    }

    @Test func niceTicksCoverTheRange() {
        #expect(MetricsHistory.niceTicks(0.13, 0.87).map { ($0 * 10).rounded() } == [0, 2, 4, 6, 8, 10])
        #expect(MetricsHistory.tickLabel(0.6000000000000001, MetricsHistory.niceTicks(0.13, 0.87)) == "0.6")
        let t = MetricsHistory.niceTicks(12, 930)
        #expect(t.first! <= 12 && t.last! >= 930 && t.count <= 8)
    }

    @Test func accuracyAndConfusionMatrix() {
        let logits = Tensor([[2, 1, 0], [0, 3, 1], [1, 0, 4], [5, 1, 1]])
        let targets = Tensor([0, 1, 1, 2])
        #expect(Metrics.accuracy(logits: logits, targets: targets) == 0.5)
        var cm = ConfusionMatrix(classes: 3)
        cm.update(predictions: logits, targets: targets)
        cm.update(predictions: Tensor([2]), targets: Tensor([2]))
        #expect(cm.counts == [[1, 0, 0], [0, 1, 1], [1, 0, 1]])
        #expect(cm.total == 5 && cm.accuracy == 0.6)
        #expect(cm.recall(1) == 0.5 && cm.precision(2) == 0.5 && cm.precision(0) == 0.5)
        #expect(cm.description.split(separator: "\n").count == 4)
    }
}
