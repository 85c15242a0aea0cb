import Foundation
import Testing
@testable import SwiftGrad

/// The expected failures (PyTorch's xfail list): samples that fail today, and samples that would
/// stop the process (`check`) and so are not run. Resources/conformance_expected.json.
struct ConformanceExpected: Codable {
    /// Entry key → sample ids that fail (a mismatch of values, dtype, shape or gradient).
    var fail: [String: [String]]
    /// Entry key → sample ids that stop the process; skipped and counted as failed.
    var crash: [String: [String]]

    static let sourceURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/conformance_expected.json")

    /// The checked-in list (from the source tree when the crash finder asks for it: it edits the file
    /// between runs, without rebuilding the test bundle).
    static func load() -> ConformanceExpected {
        let fromSource = ProcessInfo.processInfo.environment["SWIFTGRAD_CONFORMANCE_JOURNAL"] != nil
        let url = fromSource ? sourceURL
            : Bundle.module.url(forResource: "conformance_expected", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(ConformanceExpected.self, from: Data(contentsOf: url))
    }
}

/// The outcome of the whole run, by entry.
struct ConformanceReport {
    var passed = 0, failed = 0, unsupported = 0
    var failures: [String: [String]] = [:]          // entry → "id: message"
    var failedIDs: [String: [String]] = [:]
    var newFailures: [String] = []
    var fixed: [String] = []
    var entryPassed: [String: Int] = [:]
    var entryTotal: [String: Int] = [:]
    var unsupportedReasons: [String: [String]] = [:]   // entry → "id: reason"
    /// Sample dtype → its passed, failed and unsupported counts.
    var byDType: [DType: DTypeCounts] = [:]

    /// The dtypes the per-dtype lines list, in this order (then any other dtype that has samples).
    static let reportedDTypes: [DType] = [.float64, .float32, .float16, .bfloat16, .int64, .int32, .uint8, .bool]

    mutating func count(_ dtype: DType, _ outcome: WritableKeyPath<DTypeCounts, Int>) {
        byDType[dtype, default: DTypeCounts()][keyPath: outcome] += 1
    }

    /// One line per dtype that has samples: `<prefix> float64: S passed, F failed, U unsupported (P %)`,
    /// P = S/(S+F+U) rounded down to two decimals (so 99.996 % is not shown as 100 %).
    func dtypeLines(_ prefix: String) -> [String] {
        let others = byDType.keys.filter { !Self.reportedDTypes.contains($0) }.sorted { $0.rawValue < $1.rawValue }
        return (Self.reportedDTypes + others).compactMap { d in
            guard let c = byDType[d], c.total > 0 else { return nil }
            return "\(prefix) \(d.rawValue): \(c.passed) passed, \(c.failed) failed, \(c.unsupported) unsupported (\(c.percent) %)"
        }
    }

    /// The same counts as a Markdown table, for Docs/Conformance.md.
    func dtypeTable() -> String {
        var out = "| dtype | passed | failed | unsupported | passed % |\n| --- | --- | --- | --- | --- |\n"
        let others = byDType.keys.filter { !Self.reportedDTypes.contains($0) }.sorted { $0.rawValue < $1.rawValue }
        for d in Self.reportedDTypes + others {
            guard let c = byDType[d], c.total > 0 else { continue }
            out += "| \(d.rawValue) | \(c.passed) | \(c.failed) | \(c.unsupported) | \(c.percent) |\n"
        }
        return out
    }
}

/// The outcomes of one dtype's samples.
struct DTypeCounts {
    var passed = 0, failed = 0, unsupported = 0
    var total: Int { passed + failed + unsupported }
    /// passed / total in percent, rounded down to two decimals.
    var percent: String {
        let hundredths = total == 0 ? 0 : passed * 10_000 / total
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}

@Suite struct ConformanceTests {
    /// Runs every sample of every mapped op_db entry against PyTorch's values and gradients.
    /// Fails on a sample that fails without being listed in conformance_expected.json; prints the
    /// conformance line and the listed failures. `SWIFTGRAD_CONFORMANCE_WRITE=1` rewrites the
    /// expected-failure list and Docs/Conformance.md from this run instead.
    @Test func opDBConformance() throws {
        let entries = ConformanceFixtures.entries
        let applicable = entries.filter(\.applicable)
        let table = ConformanceTable.mappings
        let keys = Set(entries.map(\.key))
        for k in table.keys.sorted() {
            #expect(keys.contains(k), "mapping \(k) names no op_db entry of the fixtures")
        }
        let expected = ConformanceExpected.load()
        let env = ProcessInfo.processInfo.environment
        let journal = env["SWIFTGRAD_CONFORMANCE_JOURNAL"].map { path -> FileHandle in
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)!
        }
        let only = env["SWIFTGRAD_CONFORMANCE_ONLY"]
        // The crash finder resumes after a crash from the entry that crashed.
        var from = env["SWIFTGRAD_CONFORMANCE_FROM"]
        var r = ConformanceReport()
        for e in applicable {
            if from != nil { if e.key == from { from = nil } else { continue } }
            guard let mapping = table[e.key], only == nil || only == e.key else { continue }
            let crashes = Set(expected.crash[e.key] ?? [])
            let xfail = Set(expected.fail[e.key] ?? [])
            for s in e.samples {
                r.entryTotal[e.key, default: 0] += 1
                if crashes.contains(s.id) {
                    r.failed += 1
                    r.failures[e.key, default: []].append("\(s.id): stops the process (listed crash)")
                    r.count(s.dtype, \.failed)
                    continue
                }
                journal?.write(Data("\(e.key) \(s.id)\n".utf8))
                let result = Conformance.run(mapping, s, random: e.random)
                journal?.write(Data("ok\n".utf8))
                switch result {
                case .passed:
                    r.passed += 1
                    r.count(s.dtype, \.passed)
                    r.entryPassed[e.key, default: 0] += 1
                    if xfail.contains(s.id) { r.fixed.append("\(e.key) \(s.id)") }
                case .unsupported(let why):
                    r.unsupported += 1
                    r.count(s.dtype, \.unsupported)
                    r.unsupportedReasons[e.key, default: []].append("\(s.id): \(why)")
                case .failed(let msg):
                    r.failed += 1
                    r.count(s.dtype, \.failed)
                    r.failures[e.key, default: []].append("\(s.id): \(msg)")
                    r.failedIDs[e.key, default: []].append(s.id)
                    if !xfail.contains(s.id) { r.newFailures.append("\(e.key) \(s.id)\(s.desc.map { " (\($0))" } ?? ""): \(msg)") }
                }
            }
        }
        journal?.write(Data("done\n".utf8))
        let mapped = applicable.filter { table[$0.key] != nil }.count
        let line = "conformance: \(mapped) of \(applicable.count) op_db entries, \(r.passed) samples passed, "
            + "\(r.failed) failed, \(r.unsupported) unsupported"
        print(line)
        let dtypeLines = r.dtypeLines("conformance")
        for l in dtypeLines { print(l) }
        for k in r.failures.keys.sorted() {
            print("  \(k): " + r.failures[k]!.joined(separator: "; ").prefix(400))
        }
        for f in r.fixed { print("  now passes (remove from conformance_expected.json): \(f)") }
        // SWIFTGRAD_CONFORMANCE_UNSUPPORTED=1 lists why each unsupported sample was not run.
        if env["SWIFTGRAD_CONFORMANCE_UNSUPPORTED"] != nil {
            for k in r.unsupportedReasons.keys.sorted() {
                print("  unsupported \(k): " + r.unsupportedReasons[k]!.joined(separator: "; "))
            }
        }
        let partial = only != nil || env["SWIFTGRAD_CONFORMANCE_FROM"] != nil
        if env["SWIFTGRAD_CONFORMANCE_WRITE"] != nil, !partial {
            var updated = expected
            updated.fail = r.failedIDs
            try ConformanceDoc.writeExpected(updated)
            try ConformanceDoc.write(entries: entries, table: table, report: r, line: line)
            return
        }
        for f in r.newFailures { Issue.record("conformance: new failure \(f)") }
        #expect(r.newFailures.isEmpty)
        #expect(partial || r.passed > 0)
    }
}

/// Writes Docs/Conformance.md's generated table and the expected-failure list.
enum ConformanceDoc {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func writeExpected(_ e: ConformanceExpected) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(e).write(to: ConformanceExpected.sourceURL)
    }

    /// Replaces everything after the marker line of Docs/Conformance.md with the table of entries.
    static func write(entries: [FixtureEntry], table: [String: Mapping], report r: ConformanceReport, line: String) throws {
        let url = repo.appendingPathComponent("Docs/Conformance.md")
        let marker = "<!-- generated by ConformanceTests (SWIFTGRAD_CONFORMANCE_WRITE=1); do not edit below -->"
        let text = try String(contentsOf: url, encoding: .utf8)
        let head = text.components(separatedBy: marker)[0]
        var out = head + marker + "\n\n```\n" + line + "\n```\n\n"
        out += "By sample dtype (P = passed / (passed + failed + unsupported)):\n\n" + r.dtypeTable() + "\n"
        out += "| op_db entry | SwiftGrad | samples passed |\n| --- | --- | --- |\n"
        for e in entries where e.applicable {
            let spelling = table[e.key].map { "`\($0.spelling)`" } ?? "not yet"
            let counts = table[e.key] != nil ? "\(r.entryPassed[e.key] ?? 0) of \(r.entryTotal[e.key] ?? 0)" : ""
            out += "| `\(e.key)` | \(spelling.replacingOccurrences(of: "|", with: "\\|")) | \(counts) |\n"
        }
        out += "\n### Entries that do not apply to real-valued CPU tensors\n\n| op_db entry | why |\n| --- | --- |\n"
        for e in entries where !e.applicable {
            out += "| `\(e.key)` | \(e.reason ?? "") |\n"
        }
        try out.write(to: url, atomically: true, encoding: .utf8)
    }
}
