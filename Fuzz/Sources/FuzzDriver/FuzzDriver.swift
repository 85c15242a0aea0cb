#if canImport(Glibc)
import Glibc
#endif

// Each fuzz target defines `LLVMFuzzerTestOneInput` (with `@_cdecl`) and calls `runFuzzer()` from
// its main.swift. SwiftPM names every executable's `main` itself, so libFuzzer's own `main` may or
// may not be the one linked in; either way libFuzzer ends up calling the target's function.

/// libFuzzer's driver for programs that own `main`; provided by `-sanitize=fuzzer`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The fuzz target's function, defined by the executable.
@_silgen_name("LLVMFuzzerTestOneInput")
func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32

/// Runs libFuzzer with the process's command line (`-runs=`, corpus folders, ...).
///
///     @_cdecl("LLVMFuzzerTestOneInput")
///     func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { ...; return 0 }
///     runFuzzer()
public func runFuzzer() -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in LLVMFuzzerTestOneInput(data, size) })
}

/// The input as an array (libFuzzer may pass a null pointer for the empty input).
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
}
