/// The one checking function for misuse (shapes, dtypes, axes, indices, arguments, state).
///
/// Swift's `precondition` drops its message under `-O`, so a release build would print only
/// "precondition failure". `check` keeps the message in every build: the condition is tested inline
/// (as cheap as `precondition`), and the message is built only on failure, in a cold function.
///
///     check(a.rank == 2, "mm: expected a matrix, got shape \(a.shape)")
@inline(__always)
package func check(_ condition: Bool, _ message: @autoclosure () -> String,
                   file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition) { checkFailed(message(), file: file, line: line) }
}

/// Stops with `message` in every build (the unconditional form of `check`).
///
///     default: checkFailure("RNN: nonlinearity must be .tanh or .relu, got \(nonlinearity)")
@inline(never)
package func checkFailure(_ message: @autoclosure () -> String,
                          file: StaticString = #fileID, line: UInt = #line) -> Never {
    checkFailed(message(), file: file, line: line)
}

@inline(never)
func checkFailed(_ message: String, file: StaticString, line: UInt) -> Never {
    fatalError(message, file: file, line: line)
}
