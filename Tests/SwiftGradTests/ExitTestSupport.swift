import Testing

/// Asserts that an exit test's child process failed and that its captured standard error contains
/// every needle (the op's name, every operand's shape...).
///
///     let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { ... }
///     expectStderr(r, contains: ["add", "[2, 3]", "[4]"])
func expectStderr(_ result: ExitTest.Result?, contains needles: [String],
                  sourceLocation: SourceLocation = #_sourceLocation) {
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(result != nil, "the child process did not fail", sourceLocation: sourceLocation)
    // The exit status tells a check's stop (a trap signal after the message) from a crash before it.
    let status = result.map { "\($0.exitStatus)" } ?? "none"
    for n in needles {
        #expect(text.contains(n), "stderr lacks \"\(n)\" (child's exit status \(status)):\n\(text.prefix(600))",
                sourceLocation: sourceLocation)
    }
}
