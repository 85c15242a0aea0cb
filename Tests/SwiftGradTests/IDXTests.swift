import Foundation
import Testing
@testable import SwiftGrad

/// A fresh empty folder under the system temporary directory, for file fixtures made at test time.
func makeTemporaryFolder(_ function: String = #function) -> String {
    let name = "swiftgrad-test-\(function.prefix(while: { $0 != "(" }))-\(UUID().uuidString)"
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

func writeBytes(_ bytes: [UInt8], _ path: String) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// IDX files (MNIST's format): round trips, gzip, and every kind of broken file as a thrown error.
@Suite struct IDXTests {
    /// The header of an IDX file by hand: magic 00 00 type rank, then big-endian sizes.
    static func header(type: UInt8, dims: [UInt32]) -> [UInt8] {
        var b: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { b += [UInt8(d >> 24), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)] }
        return b
    }

    @Test func handWrittenFileParses() throws {
        let bytes = IDXTests.header(type: 0x08, dims: [2, 3]) + [0, 1, 2, 253, 254, 255]
        let a = try IDX.decode(bytes)
        #expect(a.shape == [2, 3])
        #expect(a.type == .uint8)
        let t = try a.tensor()
        #expect(t.dtype == .float32 && t.shape == [2, 3])
        #expect(t.scalars == [0, 1, 2, 253, 254, 255])
        #expect(try a.tensor(dtype: .int64).ints == [0, 1, 2, 253, 254, 255])
    }

    @Test(arguments: [IDXType.uint8, .int8, .int16, .int32, .float32, .float64], [false, true])
    func roundTrip(type: IDXType, compressed: Bool) throws {
        let values: [Double] = type == .uint8 ? [0, 7, 200, 255, 1, 2] : [-3, 0, 5, 100, -128, 127]
        let x = Tensor(values, shape: [3, 2], dtype: .float64)
        let bytes = IDX.encode(x, type: type, compressed: compressed)
        #expect(Gzip.isGzip(bytes) == compressed)
        let back = try IDX.decode(bytes)
        #expect(back.shape == [3, 2] && back.type == type)
        #expect(try back.tensor(dtype: .float64).doubles == values)
    }

    @Test func float32PayloadIsExact() throws {
        let x = Tensor([0.1, -2.5e-8, 3.4e38, 1] as [Float], shape: [4])
        let back = try IDX.decode(IDX.encode(x, type: .float32)).tensor(dtype: .float32)
        #expect(back.scalars == x.scalars)
    }

    @Test func readsFilesPlainAndGzipped() throws {
        let dir = makeTemporaryFolder()
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [1, 2, 3], dtype: .float32)
        try IDX.write(x, to: dir + "/a-idx3-ubyte", type: .uint8)
        try IDX.write(x, to: dir + "/a-idx3-ubyte.gz", type: .uint8, compressed: true)
        let plain = try IDX.read(dir + "/a-idx3-ubyte")
        let gz = try IDX.read(dir + "/a-idx3-ubyte.gz")
        #expect(plain.payload == gz.payload && plain.shape == [1, 2, 3])
    }

    @Test func missingFileNamesItAndItsFolder() {
        #expect(throws: IDXError.missingFile(expected: ["nope-idx1-ubyte"], searched: ["/nonexistent"])) {
            try IDX.read("/nonexistent/nope-idx1-ubyte")
        }
    }

    @Test func badMagic() {
        #expect(throws: IDXError.badMagic(path: "<bytes>", magic: [0x50, 0x4b, 3, 4])) {
            try IDX.decode([0x50, 0x4b, 3, 4, 0, 0, 0, 0])
        }
        // Unknown type code, and rank 0.
        #expect(throws: IDXError.self) { try IDX.decode([0, 0, 0x07, 1, 0, 0, 0, 0]) }
        #expect(throws: IDXError.self) { try IDX.decode([0, 0, 0x08, 0]) }
    }

    @Test func truncatedHeaderAndData() {
        #expect(throws: IDXError.truncated(path: "<bytes>", expectedBytes: 4, actualBytes: 2)) { try IDX.decode([0, 0]) }
        let head = IDXTests.header(type: 0x08, dims: [10, 2])
        #expect(throws: IDXError.truncated(path: "<bytes>", expectedBytes: 12, actualBytes: 6)) { try IDX.decode(Array(head.prefix(6))) }
        #expect(throws: IDXError.truncated(path: "<bytes>", expectedBytes: 20, actualBytes: 15)) {
            try IDX.decode(head + [UInt8](repeating: 1, count: 15))
        }
        // Same for a gzip'd file whose data stops early.
        let gz = Gzip.compress(head + [UInt8](repeating: 1, count: 15))
        #expect(throws: IDXError.truncated(path: "<bytes>", expectedBytes: 20, actualBytes: 15)) { try IDX.decode(gz) }
    }

    @Test func extraDataIsASizeMismatch() {
        let bytes = IDXTests.header(type: 0x08, dims: [2]) + [1, 2, 3]
        #expect(throws: IDXError.self) { try IDX.decode(bytes) }
        do { _ = try IDX.decode(Gzip.compress(bytes)); Issue.record("expected an error") } catch let e as IDXError {
            guard case .sizeMismatch = e else { Issue.record("wrong error \(e)"); return }
            #expect(e.description.contains("header sizes do not match"))
        } catch { Issue.record("wrong error type \(error)") }
    }

    @Test func absurdSizesFailWithoutAllocating() {
        // 10^12 elements claimed by a 20-byte file, plain and gzip'd: a thrown error, no huge allocation.
        let plain = IDXTests.header(type: 0x08, dims: [1_000_000, 1_000_000]) + [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(throws: IDXError.truncated(path: "<bytes>", expectedBytes: 1_000_000_000_000, actualBytes: 8)) { try IDX.decode(plain) }
        // gzip'd, the claim is refused before inflating: above the cap on decompressed data.
        #expect(throws: IDXError.tooLarge(path: "<bytes>", bytes: 1_000_000_000_012, limit: IDX.defaultMaxBytes)) {
            try IDX.decode(Gzip.compress(plain))
        }
        // A product that overflows Int.
        let huge = IDXTests.header(type: 0x0E, dims: [.max, .max, .max, .max])
        #expect(throws: IDXError.self) { try IDX.decode(huge) }
    }

    @Test func corruptGzip() {
        var gz = Gzip.compress(IDXTests.header(type: 0x08, dims: [64]) + [UInt8](repeating: 7, count: 64))
        for i in 12 ..< gz.count - 8 { gz[i] ^= 0x5a }
        #expect(throws: IDXError.self) { try IDX.decode(gz) }
    }

    @Test func randomCorruptionNeverCrashes() {
        let good = IDX.encode(Tensor.arange(60, dtype: .float32).reshape([3, 4, 5]), type: .uint8, compressed: true)
        let g = Generator(seed: 7)
        for _ in 0..<300 {
            var b = good
            let cut = g.nextInt(in: 0 ..< b.count + 1)
            b = Array(b.prefix(cut))
            if !b.isEmpty { b[g.nextInt(in: 0 ..< b.count)] = UInt8(g.nextInt(in: 0 ..< 256)) }
            _ = try? IDX.decode(b)
        }
    }

    @Test func gzipRoundTripAndConcatenatedMembers() throws {
        let a: [UInt8] = Array("hello, ".utf8), b: [UInt8] = Array("world".utf8)
        #expect(try Gzip.decompress(Gzip.compress(a), maxOutput: 100).bytes == a)
        let joined = try Gzip.decompress(Gzip.compress(a) + Gzip.compress(b), maxOutput: 100)
        #expect(joined.bytes == a + b && joined.complete)
        let capped = try Gzip.decompress(Gzip.compress(a + b), maxOutput: 5)
        #expect(capped.bytes == Array(a.prefix(5)) && !capped.complete && !capped.truncated)
    }
}
