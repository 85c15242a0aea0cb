import Foundation
import Testing

/// The recording and backward paths read a few stored properties of `Node` and `Tensor` several
/// times per op. Swift checks exclusivity at run time (`swift_beginAccess`, about 75 instructions)
/// on every access to a class's stored property as soon as one access anywhere in the module is
/// not instantaneous: an in-place mutation (`node.inputs[i] = t`, `t.nodeHistory.append(n)`) or
/// an `inout` argument (`&node.pendingGrad`). Such a line far from the hot path has put the checks
/// back twice (small_ops_300: +17.8 % instructions the second time), and no timing test can see
/// it. This test reads the library's sources and refuses those forms for the hot properties;
/// change them in a local and assign the property whole (see `Tensor.appendNodeHistory`).
@Suite struct HotPathAccessTests {
    /// Stored properties read per op or per backward edge.
    static let hotProperties = [
        "inputs", "inputGenerations", "pendingGrad", "nodeHistory", "storedNode", "extras", "visitMark",
        "leafRequiresGrad", "backwardFn", "outputStorage", "viewNodeGeneration", "storedDType", "released",
    ]
    /// Lines that match a pattern but touch a different type's property of the same name.
    static let allowed: Set<String> = [
        "Autograd/ActivationCheckpoint.swift: e.inputs.append(i)",   // Entry, a local struct
    ]

    static func sourceRoot() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/SwiftGrad")
    }

    /// `file: line` for every non-comment line that mutates a hot property in place or passes it inout.
    static func offendingLines() throws -> [String] {
        let p = hotProperties.joined(separator: "|")
        let patterns = try [
            "\\.(\(p))!?(\\[[^\\]]*\\])+\\s*([-+*/]?=)[^=]",                                  // x.p[i] = v
            "\\.(\(p))\\.(append|remove|insert|removeAll|removeLast|removeFirst|popLast|sort|reverse|swapAt)\\(", // x.p.append(v)
            "&([A-Za-z_][A-Za-z0-9_]*\\.)?(\(p))\\b",                                         // f(&x.p)
            "\\.(\(p))\\s*([-+*/&|]=)",                                                        // x.p += v
        ].map { try NSRegularExpression(pattern: $0) }
        let root = sourceRoot()
        guard let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return ["no sources at \(root.path)"] }
        var found: [String] = []
        for case let url as URL in files where url.pathExtension == "swift" {
            let relative = String(url.path.dropFirst(root.path.count + 1))
            for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
                let code = line.trimmingCharacters(in: .whitespaces)
                if code.hasPrefix("//") { continue }
                let text = String(code.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                let range = NSRange(text.startIndex..., in: text)
                guard patterns.contains(where: { $0.firstMatch(in: text, range: range) != nil }) else { continue }
                let key = "\(relative): \(code)"
                if !allowed.contains(key) { found.append(key) }
            }
        }
        return found
    }

    @Test func hotPropertiesAreOnlyReadOrAssignedWhole() throws {
        let root = Self.sourceRoot()
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("Autograd/Node.swift").path),
                "the test reads the sources at \(root.path)")
        let offending = try Self.offendingLines()
        #expect(offending.isEmpty, "in-place access to a hot stored property (assign it whole instead): \(offending)")
    }

    @Test func thePatternsCatchTheFormsThatRegressedBefore() throws {
        // The scanner itself: the two forms that put the checks back before must match.
        let p = Self.hotProperties.joined(separator: "|")
        let subscriptAssign = try NSRegularExpression(pattern: "\\.(\(p))!?(\\[[^\\]]*\\])+\\s*([-+*/]?=)[^=]")
        let append = try NSRegularExpression(pattern: "\\.(\(p))\\.(append|remove|insert|removeAll|removeLast|removeFirst|popLast|sort|reverse|swapAt)\\(")
        func matches(_ r: NSRegularExpression, _ s: String) -> Bool { r.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil }
        #expect(matches(subscriptAssign, "node.inputs[i] = s.standIn"))
        #expect(matches(subscriptAssign, "node.inputGenerations![i] = 0"))
        #expect(matches(append, "p.nodeHistory.append(n)"))
        #expect(!matches(subscriptAssign, "if node.inputs[i] == t {"))
        #expect(!matches(subscriptAssign, "let t = node.inputs[i]"))
    }
}
