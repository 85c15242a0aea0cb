import FuzzDriver
import SwiftGrad

// Any text must parse to a table or throw `CSVError`, never trap. The first byte picks the label
// column, the header mode, the separator and the label dtype, so those paths are fuzzed too.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = inputBytes(data, size)
    guard let control = bytes.first else { return 0 }
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    let separators: [Character] = [",", ";", "\t", " "]
    let column: CSVColumn = control & 0x80 != 0 ? .name("label") : .index(Int(control & 0x07) - 4)
    let header: Bool? = [nil, true, false][Int(control >> 3 & 0x03) % 3]
    guard let table = try? CSV.parse(text, labelColumn: column, hasHeader: header,
                                     separator: separators[Int(control >> 5 & 0x03)],
                                     labelDType: control & 0x40 != 0 ? .float64 : .int64) else { return 0 }
    precondition(table.features.shape[0] == table.labels.shape[0], "CSV rows and labels disagree")
    precondition(table.featureNames.count == table.features.shape[1], "CSV names and columns disagree")
    return 0
}

runFuzzer()
