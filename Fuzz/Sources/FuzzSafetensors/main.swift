import FuzzDriver
import Glibc
import SwiftGrad

// Any bytes must decode to a file or throw `SafetensorsError`, never trap. A file that decodes
// must be usable: every tensor's values readable, and the file re-encodable and decodable again.
// The same bytes written to a file and read through the memory-mapped reader must give the same
// outcome: the same error kind, or the same tensors (values, dtypes, shapes), also after an in-place
// write to every mapped tensor (copy-on-write) and after the file is gone.
let scratch: String = {
    var template = Array("/tmp/fuzz-safetensors-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    precondition(fd >= 0, "mkstemp failed")
    close(fd)
    return String(cString: template)
}()

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = inputBytes(data, size)
    let decoded = Result { try Safetensors.decode(bytes) }
    let fd = open(scratch, O_WRONLY | O_TRUNC)
    precondition(fd >= 0, "cannot write the scratch file")
    precondition(bytes.withUnsafeBytes { write(fd, $0.baseAddress, size) } == size || size == 0, "short write")
    close(fd)
    let mapped = Result { try Safetensors.read(from: scratch) }
    switch (decoded, mapped) {
    case (.failure(let a), .failure(let b)):
        precondition(a is SafetensorsError && (b is SafetensorsError || b is FileError), "unexpected error types \(a), \(b)")
        return 0
    case (.success(let file), .success(let m)):
        precondition(m.tensors.keys.sorted() == file.tensors.keys.sorted(), "mapped reader lost tensors")
        for (name, t) in file.tensors {
            precondition(t.count == t.shape.reduce(1, *), "decoded tensor '\(name)' has an inconsistent count")
            precondition(t.doubles.count == t.count, "tensor '\(name)' values unreadable")
            let u = m.tensors[name]!
            precondition(u.shape == t.shape && u.dtype == t.dtype, "mapped tensor '\(name)' differs in shape or dtype")
            precondition(zip(u.doubles, t.doubles).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "mapped tensor '\(name)' differs")
        }
        unlink(scratch)
        for (_, u) in m.tensors where u.count > 0 && u.dtype.isFloatingPoint { u.fill(1) }   // copy-on-write pages
        for (_, u) in m.tensors where u.count > 0 && u.dtype.isFloatingPoint {
            precondition(u.doubles.allSatisfy { $0 == 1 }, "in-place write to a mapped tensor lost")
        }
        let again = try! Safetensors.decode(Safetensors.encode(file.tensors, metadata: file.metadata))
        precondition(again.tensors.keys.sorted() == file.tensors.keys.sorted(), "round trip lost tensors")
        let fresh = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        close(fresh)
        return 0
    default:
        preconditionFailure("the copying and the mapped reader disagree: \(decoded) vs \(mapped)")
    }
}

runFuzzer()
