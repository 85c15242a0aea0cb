import Foundation
import Testing
@testable import SwiftGrad

/// The expected failures of the module suite (Resources/module_conformance_expected.json), as
/// op_db's list: samples that fail today, and samples that would stop the process (not run).
struct ModuleConformanceExpected: Codable {
    var fail: [String: [String]]
    var crash: [String: [String]]

    static let sourceURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/module_conformance_expected.json")

    /// The checked-in list (from the source tree while the crash finder runs, without a rebuild).
    static func load() -> ModuleConformanceExpected {
        let fromSource = ProcessInfo.processInfo.environment["SWIFTGRAD_MODULE_CONFORMANCE_JOURNAL"] != nil
        let url = fromSource ? sourceURL
            : Bundle.module.url(forResource: "module_conformance_expected", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(ModuleConformanceExpected.self, from: Data(contentsOf: url))
    }
}

@Suite struct ModuleConformanceTests {
    /// Runs every sample of every mapped module_db entry: our module, loaded with PyTorch's state
    /// dict, against PyTorch's outputs, input and parameter gradients, and buffers. Fails on a sample
    /// that fails without being listed in module_conformance_expected.json; prints the module
    /// conformance line and the failures. `SWIFTGRAD_MODULE_CONFORMANCE_WRITE=1` rewrites the list and
    /// the module_db section of Docs/Conformance.md from this run instead.
    @Test func moduleDBConformance() throws {
        let entries = ModuleConformanceFixtures.load()
        let applicable = entries.filter(\.applicable)
        let table = ModuleConformanceTable.mappings
        let names = Set(entries.map(\.name))
        for k in table.keys.sorted() {
            #expect(names.contains(k), "mapping \(k) names no module_db entry of the fixtures")
        }
        let expected = ModuleConformanceExpected.load()
        let env = ProcessInfo.processInfo.environment
        let journal = env["SWIFTGRAD_MODULE_CONFORMANCE_JOURNAL"].map { path -> FileHandle in
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)!
        }
        let only = env["SWIFTGRAD_MODULE_CONFORMANCE_ONLY"]
        var from = env["SWIFTGRAD_MODULE_CONFORMANCE_FROM"]
        var r = ConformanceReport()
        for e in applicable {
            if from != nil { if e.name == from { from = nil } else { continue } }
            guard let mapping = table[e.name], only == nil || only == e.name else { continue }
            let crashes = Set(expected.crash[e.name] ?? [])
            let xfail = Set(expected.fail[e.name] ?? [])
            for s in e.samples {
                r.entryTotal[e.name, default: 0] += 1
                if crashes.contains(s.id) {
                    r.failed += 1
                    r.failures[e.name, default: []].append("\(s.id): stops the process (listed crash)")
                    r.count(s.dtype, \.failed)
                    continue
                }
                journal?.write(Data("\(e.name) \(s.id)\n".utf8))
                let result = ModuleConformance.run(mapping, s, random: e.random)
                journal?.write(Data("ok\n".utf8))
                switch result {
                case .passed:
                    r.passed += 1
                    r.count(s.dtype, \.passed)
                    r.entryPassed[e.name, default: 0] += 1
                    if xfail.contains(s.id) { r.fixed.append("\(e.name) \(s.id)") }
                case .unsupported(let why):
                    r.unsupported += 1
                    r.count(s.dtype, \.unsupported)
                    r.unsupportedReasons[e.name, default: []].append("\(s.id): \(why)")
                case .failed(let msg):
                    r.failed += 1
                    r.count(s.dtype, \.failed)
                    r.failures[e.name, default: []].append("\(s.id): \(msg)")
                    r.failedIDs[e.name, default: []].append(s.id)
                    if !xfail.contains(s.id) { r.newFailures.append("\(e.name) \(s.id)\(s.desc.map { " (\($0))" } ?? ""): \(msg)") }
                }
            }
        }
        journal?.write(Data("done\n".utf8))
        let mapped = applicable.filter { table[$0.name] != nil }.count
        let line = "module conformance: \(mapped) of \(applicable.count) module_db entries, \(r.passed) samples passed, "
            + "\(r.failed) failed, \(r.unsupported) unsupported"
        print(line)
        let dtypeLines = r.dtypeLines("module conformance")
        for l in dtypeLines { print(l) }
        for k in r.failures.keys.sorted() {
            print("  \(k): " + r.failures[k]!.joined(separator: "; ").prefix(400))
        }
        for f in r.fixed { print("  now passes (remove from module_conformance_expected.json): \(f)") }
        if env["SWIFTGRAD_MODULE_CONFORMANCE_UNSUPPORTED"] != nil {
            for k in r.unsupportedReasons.keys.sorted() {
                print("  unsupported \(k): " + r.unsupportedReasons[k]!.joined(separator: "; "))
            }
        }
        let partial = only != nil || env["SWIFTGRAD_MODULE_CONFORMANCE_FROM"] != nil
        if env["SWIFTGRAD_MODULE_CONFORMANCE_WRITE"] != nil, !partial {
            var updated = expected
            updated.fail = r.failedIDs
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(updated).write(to: ModuleConformanceExpected.sourceURL)
            try ModuleConformanceDoc.write(entries: entries, table: table, report: r, line: line)
            return
        }
        for f in r.newFailures { Issue.record("module conformance: new failure \(f)") }
        #expect(r.newFailures.isEmpty)
        #expect(partial || r.passed > 0)
    }
}

/// Writes the module_db section of Docs/Conformance.md (between its two marker lines).
enum ModuleConformanceDoc {
    static let begin = "<!-- module_db: generated by ModuleConformanceTests (SWIFTGRAD_MODULE_CONFORMANCE_WRITE=1); do not edit below -->"
    static let end = "<!-- end of the generated module_db section -->"

    static func write(entries: [ModuleFixtureEntry], table: [String: ModuleMapping], report r: ConformanceReport, line: String) throws {
        let url = ConformanceDoc.repo.appendingPathComponent("Docs/Conformance.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let b = text.range(of: begin), let e = text.range(of: end, range: b.upperBound..<text.endIndex) else {
            throw Unsupported("Docs/Conformance.md has no module_db markers")
        }
        var out = "\n\n```\n" + line + "\n```\n\n"
        out += "By sample dtype (module_db's samples are float64 and float32):\n\n" + r.dtypeTable() + "\n"
        out += "| module_db entry | SwiftGrad | samples passed |\n| --- | --- | --- |\n"
        for entry in entries where entry.applicable {
            let spelling = table[entry.name].map { "`\($0.spelling)`" } ?? "not yet"
            let counts = table[entry.name] != nil ? "\(r.entryPassed[entry.name] ?? 0) of \(r.entryTotal[entry.name] ?? 0)" : ""
            out += "| `\(entry.name)` | \(spelling.replacingOccurrences(of: "|", with: "\\|")) | \(counts) |\n"
        }
        let skipped = entries.filter { !$0.applicable }
        if !skipped.isEmpty {
            out += "\nEntries without a real-valued sample: " + skipped.map { "`\($0.name)` (\($0.reason ?? ""))" }.joined(separator: ", ") + ".\n"
        }
        try (String(text[..<b.upperBound]) + out + "\n" + String(text[e.lowerBound...])).write(to: url, atomically: true, encoding: .utf8)
    }
}
