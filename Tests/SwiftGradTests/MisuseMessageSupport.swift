import Foundation
import Testing
import SwiftGrad

/// One misuse: the code that must stop the process, and the words its message must contain (the op
/// or module name and every operand's shape). Tables of these drive the MisuseMessageTests* suites,
/// which CI also runs against a release build (`.ci/release-messages.sh`).
struct MisuseCase: Sendable {
    let needles: [String]
    let run: @Sendable () -> Void
    init(_ needles: [String], _ run: @escaping @Sendable () -> Void) {
        self.needles = needles
        self.run = run
    }
}

/// Asserts that an exit test's child failed and that its standard error holds every needle.
func expectMisuseMessage(_ result: ExitTest.Result?, _ needles: [String], case index: Int,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result != nil, "case \(index): the child process did not fail", sourceLocation: sourceLocation)
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    for needle in needles {
        #expect(text.contains(needle), "case \(index): stderr lacks \"\(needle)\":\n\(text.suffix(600))",
                sourceLocation: sourceLocation)
    }
}
