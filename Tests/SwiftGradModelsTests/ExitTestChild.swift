import Foundation

/// Setup inside an exit test's child process (loading a fixture model or its inputs).
///
/// An exit test's body that throws ends the child with a trap signal and nothing on its standard
/// error, which the parent cannot tell from a check that printed no message. CI stop 32 (debug
/// suite, 2026-12-02) saw exactly that once in `paddingMaskOfTheWrongLength` (exit status a
/// failure, standard error empty) and never again locally (100 runs of the suite's five tests,
/// 8 runs of the whole debug suite, on an AMD EPYC host). So setup errors are printed, the setup is tried once more
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
