import Foundation
import Testing
@testable import SwiftGrad

/// Memory-mapped safetensors loading: tensors borrow the mapped pages, the mapping lives as long as
/// they do, writes never reach the file, misaligned data is copied, and the resident memory of
/// loading a 1 GiB file.
@Suite struct SafetensorsMappingTests {
    @Test func tensorsOfAMatchingDTypeBorrowTheMapping() throws {
        let dir = makeTemporaryFolder()
        let tensors: [String: Tensor] = [
            "w": Tensor.randn([3, 4], generator: Generator(seed: 1)),
            "d": Tensor([1.5, -2.25], dtype: .float64),
            "i": Tensor([Int64.min, 7]),
            "h": Tensor([1, 2, 3] as [Float]).to(.bfloat16),
            "b": Tensor([true, false, true]),
            "e": Tensor.zeros([0, 3]),
        ]
        try Safetensors.save(tensors, to: dir + "/t.safetensors")
        let mapped = try Safetensors.read(from: dir + "/t.safetensors")
        let copied = try Safetensors.read(from: dir + "/t.safetensors", mapped: false)
        for (name, t) in tensors {
            let m = mapped.tensors[name]!, c = copied.tensors[name]!
            #expect(m.dtype == t.dtype && m.shape == t.shape && m.doubles == t.doubles, "\(name)")
            #expect(c.dtype == t.dtype && c.doubles == t.doubles, "\(name)")
            #expect(c.storage.owner == nil)
        }
        // F32, F64, I64, BF16 borrow the pages; BOOL is normalised to 0/1 (a copy); empty tensors own nothing.
        for name in ["w", "d", "i", "h"] { #expect(mapped.tensors[name]!.storage.owner is MappedFile, "\(name)") }
        #expect(mapped.tensors["b"]!.storage.owner == nil && mapped.tensors["e"]!.storage.owner == nil)
        // All borrowing tensors share one mapping.
        #expect(mapped.tensors["w"]!.storage.owner === mapped.tensors["i"]!.storage.owner)
    }

    @Test func theMappingLivesUntilItsLastTensorIsFreed() throws {
        let dir = makeTemporaryFolder()
        try Safetensors.save(["a": Tensor([1, 2] as [Float]), "b": Tensor([3, 4, 5] as [Float])], to: dir + "/t.safetensors")
        weak var mapping: AnyObject?
        var kept: Tensor?
        do {
            let file = try Safetensors.read(from: dir + "/t.safetensors")
            mapping = file.tensors["a"]!.storage.owner
            kept = file.tensors["b"]!.reshape([3, 1])   // a view keeps it too
        }
        #expect(mapping != nil)
        #expect(kept!.doubles == [3, 4, 5])
        kept = nil
        #expect(mapping == nil)
    }

    @Test func writesToAMappedTensorNeverReachTheFile() throws {
        let dir = makeTemporaryFolder()
        let path = dir + "/t.safetensors"
        try Safetensors.save(["w": Tensor([1, 2, 3, 4] as [Float])], to: path)
        let before = try AtomicFile.read(path)
        let w = try Safetensors.load(from: path)["w"]!
        let again = try Safetensors.load(from: path)["w"]!
        w += 10
        #expect(w.doubles == [11, 12, 13, 14])
        #expect(again.doubles == [1, 2, 3, 4])    // a second mapping of the same file is unchanged
        #expect(try AtomicFile.read(path) == before)
        #expect(try Safetensors.load(from: path)["w"]!.doubles == [1, 2, 3, 4])
        // Saving over the mapped file replaces it; the loaded tensors keep their values.
        try Safetensors.save(["w": Tensor([9, 9, 9, 9] as [Float])], to: path)
        #expect(again.doubles == [1, 2, 3, 4] && w.doubles == [11, 12, 13, 14])
        #expect(try Safetensors.load(from: path)["w"]!.doubles == [9, 9, 9, 9])
    }

    /// A header whose length is not a multiple of 8 leaves the data misaligned for F32/F64: those
    /// tensors are copied; U8 (alignment 1) still borrows.
    @Test func misalignedDataIsCopied() throws {
        let dir = makeTemporaryFolder()
        var header = #"{"x":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"y":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},"z":{"dtype":"U8","shape":[3],"data_offsets":[20,23]}}"#
        while (header.utf8.count + 8) % 8 != 2 { header += " " }   // data at 2 mod 8: misaligned for 4 and 8 bytes
        let data = SafetensorsTests.bytes([0.5, -3.0] as [Double]) + SafetensorsTests.bytes([Float(7.25)]) + [1, 2, 255]
        writeBytes(SafetensorsTests.file(header, data, pad: false), dir + "/m.safetensors")
        let f = try Safetensors.read(from: dir + "/m.safetensors")
        #expect(f.tensors["x"]!.doubles == [0.5, -3.0] && f.tensors["x"]!.storage.owner == nil)
        #expect(f.tensors["y"]!.doubles == [7.25] && f.tensors["y"]!.storage.owner == nil)
        #expect(f.tensors["z"]!.doubles == [1, 2, 255] && f.tensors["z"]!.storage.owner is MappedFile)
    }

    @Test func aDamagedMappedFileFailsItsChecksum() throws {
        let dir = makeTemporaryFolder()
        try Safetensors.save(["w": Tensor([1, 2, 3, 4] as [Float])], to: dir + "/t.safetensors")
        var bytes = try AtomicFile.read(dir + "/t.safetensors")
        bytes[bytes.count - 1] ^= 1
        writeBytes(bytes, dir + "/t.safetensors")
        #expect { _ = try Safetensors.read(from: dir + "/t.safetensors") } throws: { e in
            if case .checksumMismatch? = e as? SafetensorsError { true } else { false }
        }
    }

    /// Peak resident memory (VmHWM, kB) of a child process that loads a 1 GiB file (a sparse file of
    /// two F32 tensors without a checksum, so loading itself reads no data), printed by the child:
    /// "base" before, "loaded" after `read`, "touched" after one byte of every page was read.
    static func gibibyteChild(mapped: Bool) {
        func hwm() -> Int {
            let s = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                return Int(line.split(separator: " ")[1]) ?? -1
            }
            return -1
        }
        let dir = makeTemporaryFolder("gibibyte-\(mapped)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let header = #"{"a":{"dtype":"F32","shape":[134217728],"data_offsets":[0,536870912]},"b":{"dtype":"F32","shape":[134217728],"data_offsets":[536870912,1073741824]}}"#
        let path = dir + "/big.safetensors"
        let head = SafetensorsTests.file(header, [])
        try! BadFileTests.sparseFile(path, head, size: head.count + (1 << 30))
        let base = hwm()
        let file = try! Safetensors.read(from: path, mapped: mapped)
        let loaded = hwm()
        var sum = 0
        for (_, t) in file.tensors {
            for k in stride(from: 0, to: t.storage.byteCount, by: 4096) {
                sum &+= Int(t.storage.pointer.load(fromByteOffset: k, as: UInt8.self))
            }
        }
        FileHandle.standardError.write("base \(base) loaded \(loaded) touched \(hwm()) sum \(sum)\n".data(using: .utf8)!)
    }

    static func figures(_ r: ExitTest.Result?) -> (base: Int, loaded: Int, touched: Int, text: String) {
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        func figure(_ name: String) -> Int { words.firstIndex(of: name).flatMap { Int(words[$0 + 1]) } ?? -1 }
        return (figure("base"), figure("loaded"), figure("touched"), text)
    }

    /// Mapped: loading adds almost nothing, and reading every page stays under 1.1 GiB above the
    /// process's baseline (the test binary's; larger under AddressSanitizer).
    @Test func loadingAGibibyteFileStaysUnderTheMemoryBar() async throws {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            SafetensorsMappingTests.gibibyteChild(mapped: true)
        }
        let f = SafetensorsMappingTests.figures(r)
        print("VmHWM (kB), mapped 1 GiB file: \(f.text)")
        let mib = 1024
        #expect(f.base > 0, "\(f.text)")
        #expect(f.loaded - f.base < 64 * mib, "mapped loading: \(f.text)")
        #expect(f.touched - f.base < 1126 * mib, "every page touched: \(f.text)")
    }

    /// The copying reader (`mapped: false`) holds the whole GiB as soon as it returns.
    @Test func theCopyingReaderHoldsTheWholeFile() async throws {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            SafetensorsMappingTests.gibibyteChild(mapped: false)
        }
        let f = SafetensorsMappingTests.figures(r)
        print("VmHWM (kB), copied 1 GiB file: \(f.text)")
        #expect(f.loaded - f.base > 1000 * 1024, "\(f.text)")
    }
}
