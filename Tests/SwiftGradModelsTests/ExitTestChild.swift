import Foundation
import Testing

/// Setup inside an exit test's child process (loading a fixture model or its inputs).
///
/// An exit test's body that throws ends the child with a trap signal and nothing on its standard
/// error, which the parent cannot tell from a check that printed no message. CI stop 32 (debug
/// suite, 2026-12-02) saw exactly that once in `paddingMaskOfTheWrongLength` (exit status a
/// failure, standard error empty) and never again locally (100 runs of the suite's five tests,
/// 13 runs of the whole debug suite, on an AMD EPYC host). So setup errors are printed, the setup is tried once more
/// (a transient read error then shows in the log instead of failing the run), and a second
/// failure exits with status 70 and both errors on standard error, which the test's message check
/// then prints.
///
///     let model = childSetup("the mistral fixture") { try LlamaForCausalLM(directory: Fixture.directory("mistral")) }
func childSetup<T>(_ what: String, _ body: () throws -> T) -> T {
    do { return try body() } catch {
        FileHandle.standardError.write(Data("exit-test setup: loading \(what) threw \(error); trying once more\n".utf8))
        do { return try body() } catch {
            FileHandle.standardError.write(Data("exit-test setup: loading \(what) threw again: \(error)\n".utf8))
            exit(70)
        }
    }
}

/// Checks that an exit test's child wrote each expected string to its standard error; a failure
/// prints the child's exit status beside what it wrote (a check's stop is a trap signal after its
/// message, a crash or a setup failure shows otherwise).
///
///     expectStderr(r, ["GPT2Model", "n_positions 32"])
func expectStderr(_ r: ExitTest.Result?, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
    let status = r.map { "\($0.exitStatus)" } ?? "none"
    for e in expected {
        #expect(text.contains(e), "stderr lacks \"\(e)\" (child's exit status \(status)):\n\(text)", sourceLocation: sourceLocation)
    }
}
