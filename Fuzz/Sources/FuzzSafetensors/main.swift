import FuzzDriver
import SwiftGrad

// Any bytes must decode to a file or throw `SafetensorsError`, never trap. A file that decodes
// must be usable: every tensor's values readable, and the file re-encodable and decodable again.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = inputBytes(data, size)
    guard let file = try? Safetensors.decode(bytes) else { return 0 }
    for (name, t) in file.tensors {
        precondition(t.count == t.shape.reduce(1, *), "decoded tensor '\(name)' has an inconsistent count")
        precondition(t.doubles.count == t.count, "tensor '\(name)' values unreadable")
    }
    let again = try! Safetensors.decode(Safetensors.encode(file.tensors, metadata: file.metadata))
    precondition(again.tensors.keys.sorted() == file.tensors.keys.sorted(), "round trip lost tensors")
    return 0
}

runFuzzer()
