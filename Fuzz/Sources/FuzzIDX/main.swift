import FuzzDriver
import SwiftGrad

// Any bytes (plain or gzip) must decode to an IDX array or throw `IDXError`, never trap; and
// never inflate more than the header announces. Converting to int64 throws or succeeds, never traps.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = inputBytes(data, size)
    guard let array = try? IDX.decode(bytes) else { return 0 }
    guard let t = try? array.tensor(dtype: .float64) else { preconditionFailure("IDX float64 conversion threw") }
    // As labels: whole values convert, anything else (NaN, inf, 1e30, 0.5) throws; never a trap.
    _ = try? array.tensor(dtype: .int64)
    precondition(t.shape == array.shape, "IDX tensor shape \(t.shape) differs from the header's \(array.shape)")
    precondition(t.doubles.count == t.count, "IDX tensor values unreadable")
    return 0
}

runFuzzer()
