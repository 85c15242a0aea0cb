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

    /// Peak resident memory (VmHWM) of a child process that loads a 1 GiB file (a sparse file
    /// without a checksum, so loading itself reads no data): mapped, loading adds almost nothing and
    /// touching every page stays under 1.1 GiB; the copying reader needs the whole GiB at once.
    /// The figures are printed by the child and checked here.
    @Test func loadingAGibibyteFileStaysUnderTheMemoryBar() async throws {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            func hwm() -> Int {
                let s = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
                for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                    return Int(line.split(separator: " ")[1]) ?? -1   // kB
                }
                return -1
            }
            let dir = makeTemporaryFolder("gibibyte")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let gib = 1 << 30
            let header = #"{"a":{"dtype":"F32","shape":[134217728],"data_offsets":[0,536870912]},"b":{"dtype":"F32","shape":[134217728],"data_offsets":[536870912,1073741824]}}"#
            let path = dir + "/big.safetensors"
            let head = SafetensorsTests.file(header, [])
            try BadFileTests.sparseFile(path, head, size: head.count + gib)
            let base = hwm()
            var touched = 0
            do {
                let file = try Safetensors.read(from: path)
                let loaded = hwm()
                for (_, t) in file.tensors {
                    // One byte of every page (what reading every value would make resident).
                    for k in stride(from: 0, to: t.storage.byteCount, by: 4096) {
                        touched &+= Int(t.storage.pointer.load(fromByteOffset: k, as: UInt8.self))
                    }
                }
                FileHandle.standardError.write("base \(base) loaded \(loaded) touched \(hwm()) kB\n".data(using: .utf8)!)
            }
            let copied = try Safetensors.read(from: path, mapped: false)
            FileHandle.standardError.write("copied \(hwm()) kB \(copied.tensors.count) \(touched)\n".data(using: .utf8)!)
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        func figure(_ name: String) -> Int { words.firstIndex(of: name).flatMap { Int(words[$0 + 1]) } ?? -1 }
        let (base, loaded, touched, copied) = (figure("base"), figure("loaded"), figure("touched"), figure("copied"))
        let mib = 1024
        print("VmHWM while loading a 1 GiB safetensors file: \(text)")
        #expect(base > 0, "\(text)")
        #expect(loaded - base < 64 * mib, "mapped loading: \(text)")
        #expect(touched < 1126 * mib, "every page touched: \(text)")   // 1.1 GiB
        #expect(copied - base > 1000 * mib, "the copying reader holds the GiB: \(text)")
    }
}
