import Foundation
import Testing
@testable import SwiftGrad

/// Readers never trap, hang or balloon on bad files: float labels that are not class indices,
/// special files (FIFO, directory, device), files whose size disagrees with their header (1 TiB
/// sparse files), a safetensors header of a million tensors, gzip bombs, and a CSV byte-order mark.
@Suite struct BadFileTests {
    static let tebibyte = 1 << 40

    /// A sparse file: `bytes` followed by zeros up to `size` (no disk blocks are used for the zeros).
    static func sparseFile(_ path: String, _ bytes: [UInt8], size: Int) throws {
        writeBytes(bytes, path)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.truncate(atOffset: UInt64(size))
        try h.close()
    }

    /// The error `body` throws (nil if it returns).
    static func thrown(_ body: () throws -> Void) -> Error? {
        do { try body(); return nil } catch { return error }
    }

    // MARK: Values

    @Test func floatLabelsThatAreNotClassIndicesThrow() throws {
        let images = IDXArray(shape: [3, 1, 1], type: .uint8, payload: [0, 1, 2])
        for type in [IDXType.float32, .float64] {
            for bad in [Double.nan, .infinity, -.infinity, 1e30, 0.5, -1] {
                let labels = try IDX.decode(IDX.encode(Tensor([1, bad, 2], shape: [3], dtype: .float64), type: type), path: "labels")
                let e = BadFileTests.thrown { _ = try MNIST(images: images, labels: labels, labelsPath: "labels") }
                guard case .invalidValue(let p, let i, _, _)? = e as? IDXError else {
                    Issue.record("\(type) label \(bad): \(String(describing: e))"); continue
                }
                #expect(p == "labels" && i == 1, "\(type) label \(bad)")
                // The raw conversion to int64 refuses what would trap (Int64(nan), Int64(1e30)).
                if !bad.isFinite || abs(bad) > 0x1p63 || bad != bad.rounded() {
                    #expect(throws: IDXError.self) { _ = try labels.tensor(dtype: .int64) }
                }
            }
            // Whole float labels are fine.
            let good = try IDX.decode(IDX.encode(Tensor([1, 0, 2], shape: [3], dtype: .float64), type: type))
            #expect(try MNIST(images: images, labels: good).labels.ints == [1, 0, 2])
        }
        // Writing NaN or huge values to an integer IDX type saturates instead of trapping.
        let written = IDX.encode(Tensor([.nan, 1e300, -1e300, 3], shape: [4], dtype: .float64), type: .int16)
        #expect(try IDX.decode(written).tensor(dtype: .int64).ints == [0, 32767, -32768, 3])
    }

    // MARK: Special files

    /// Every reader refuses a FIFO, a directory and /dev/zero before it opens them: in a child
    /// process with an alarm, so a reader that blocked on the FIFO would fail the test, not hang it.
    @Test func specialFilesAreRefusedBeforeAnyBlockingOpen() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            alarm(60)
            func fail(_ m: String) -> Never { FileHandle.standardError.write((m + "\n").data(using: .utf8)!); exit(1) }
            let dir = makeTemporaryFolder("specialFiles")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let fifo = dir + "/pipe"
            guard mkfifo(fifo, 0o600) == 0 else { fail("mkfifo failed") }
            try? FileManager.default.createDirectory(atPath: dir + "/folder", withIntermediateDirectories: false)
            // MNIST looks for its standard names: make them a FIFO and a directory.
            guard mkfifo(dir + "/train-images-idx3-ubyte", 0o600) == 0 else { fail("mkfifo failed") }
            try? FileManager.default.createDirectory(atPath: dir + "/train-labels-idx1-ubyte", withIntermediateDirectories: false)
            let model = Linear(2, 1)
            let readers: [(String, (String) throws -> Void)] = [
                ("IDX.read", { _ = try IDX.read($0) }),
                ("CSV.read", { _ = try CSV.read($0) }),
                ("Safetensors.read", { _ = try Safetensors.read(from: $0) }),
                ("Checkpoint.load", { _ = try Checkpoint.load(from: $0) }),
                ("loadWeights", { try model.loadWeights(from: $0) }),
            ]
            for path in [fifo, dir + "/folder", "/dev/zero"] {
                for (name, read) in readers {
                    do { try read(path); fail("\(name)(\(path)) did not throw") } catch let e as FileError {
                        guard case .notARegularFile(let p, _) = e, p == path else { fail("\(name)(\(path)): \(e)") }
                    } catch { fail("\(name)(\(path)): \(error)") }
                }
            }
            do { _ = try MNIST(root: dir); fail("MNIST read a FIFO") } catch let e as FileError {
                guard case .notARegularFile = e else { fail("MNIST: \(e)") }
            } catch { fail("MNIST: \(error)") }
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.isEmpty, "\(text)")
    }

    // MARK: Sizes

    @Test func fileSizesAreCheckedAgainstTheHeaderBeforeAnythingIsRead() throws {
        let dir = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tib = BadFileTests.tebibyte
        // IDX: a 10-byte header claim in a 1 TiB file, a 1 TiB claim in a 1 TiB file, a short file.
        let idx = IDXTests.header(type: 0x08, dims: [10])
        try BadFileTests.sparseFile(dir + "/a.idx", idx, size: tib)
        #expect { _ = try IDX.read(dir + "/a.idx") } throws: { e in
            if case .sizeMismatch? = e as? IDXError { true } else { false }
        }
        try BadFileTests.sparseFile(dir + "/b.idx", IDXTests.header(type: 0x08, dims: [1 << 20, 1 << 20]), size: tib + 12)
        #expect(throws: IDXError.tooLarge(path: dir + "/b.idx", bytes: tib, limit: IDX.defaultMaxBytes)) { _ = try IDX.read(dir + "/b.idx") }
        writeBytes(IDXTests.header(type: 0x08, dims: [1000]) + [1, 2, 3], dir + "/c.idx")
        #expect(throws: IDXError.truncated(path: dir + "/c.idx", expectedBytes: 1000, actualBytes: 3)) { _ = try IDX.read(dir + "/c.idx") }

        // safetensors, checkpoints, weights: a valid small file padded to 1 TiB, and a 1 TiB claim.
        let model = Linear(2, 1)
        try Checkpoint.save(to: dir + "/m.ckpt", epoch: 0, step: 0, ["model": model])
        let small = try AtomicFile.read(dir + "/m.ckpt")
        try BadFileTests.sparseFile(dir + "/big.ckpt", small, size: tib)
        for read in [{ _ = try Safetensors.read(from: dir + "/big.ckpt") }, { _ = try Checkpoint.load(from: dir + "/big.ckpt") },
                     { try model.loadWeights(from: dir + "/big.ckpt", strict: false) }] as [() throws -> Void] {
            #expect { try read() } throws: { e in
                if case .invalidOffsets? = e as? SafetensorsError { true } else { false }
            }
        }
        let claim = #"{"x":{"dtype":"U8","shape":[1099511627776],"data_offsets":[0,1099511627776]}}"#
        let header = SafetensorsTests.file(claim, [])
        try BadFileTests.sparseFile(dir + "/claim.safetensors", header, size: header.count + tib)
        #expect { _ = try Safetensors.read(from: dir + "/claim.safetensors") } throws: { e in
            // U8 loads as uint8 (one byte per element, no widening).
            if case .tooLarge(_, let bytes, _)? = e as? FileError { bytes == tib } else { false }
        }
        // A safetensors file shorter than its header claims.
        writeBytes(Array(small.prefix(small.count - 3)), dir + "/short.ckpt")
        #expect(throws: SafetensorsError.self) { _ = try Checkpoint.load(from: dir + "/short.ckpt") }

        // CSV has no header to check: a file larger than the machine's memory is refused unread.
        try BadFileTests.sparseFile(dir + "/big.csv", Array("x,y\n1,2\n".utf8), size: tib)
        #expect { _ = try CSV.read(dir + "/big.csv") } throws: { e in
            if case .tooLarge(_, let bytes, _)? = e as? FileError { bytes == tib } else { false }
        }
    }

    /// A header of a million empty tensors (56 MiB of JSON) parses in memory proportional to it:
    /// measured as the child process's peak resident size (`getrusage`). Foundation's
    /// JSONSerialization, which parsed headers before, built a 3.8 GB tree for it in 51 s (release
    /// build); the direct parser grows the peak by about 330 MiB with all million tensors alive.
    /// About 20 s in a debug build on a loaded 2-core machine (10 s of it the parse).
    @Test func millionEmptyTensorHeaderParsesInProportionalMemory() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            func fail(_ m: String) -> Never { FileHandle.standardError.write((m + "\n").data(using: .utf8)!); exit(1) }
            func peakRSS() -> Int { var u = rusage(); getrusage(RUSAGE_SELF.rawValue, &u); return u.ru_maxrss * 1024 }
            let n = 1_000_000
            var json: [UInt8] = [UInt8(ascii: "{")]
            json.reserveCapacity(60 * n)
            for k in 0..<n {
                if k > 0 { json.append(UInt8(ascii: ",")) }
                json += Array("\"t\(k)\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}".utf8)
            }
            json.append(UInt8(ascii: "}"))
            while json.count % 8 != 0 { json.append(0x20) }
            var bytes: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) }
            bytes += json
            json = []
            let before = peakRSS()
            guard let file = try? Safetensors.decode(bytes) else { fail("the header did not parse") }
            let grown = peakRSS() - before
            guard file.tensors.count == n, file.tensors["t999999"]?.shape == [0] else { fail("wrong tensors") }
            // About 6x the header with every tensor alive; a JSON tree of objects took gigabytes.
            guard grown < 1 << 30 else { fail("peak memory grew by \(grown >> 20) MiB for a \(bytes.count >> 20) MiB header") }
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.isEmpty, "\(text)")
    }

    // MARK: gzip

    @Test func gzipIsInflatedOnlyAsFarAsTheHeaderHonestlyImplies() throws {
        let dir = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A bomb: 8 MiB of zeros after a header announcing 10 bytes stops after 11.
        let bomb = Gzip.compress(IDXTests.header(type: 0x08, dims: [10]) + [UInt8](repeating: 0, count: 8 << 20))
        #expect(bomb.count < 64 << 10)
        #expect { _ = try IDX.decode(bomb) } throws: { e in
            if case .sizeMismatch? = e as? IDXError { true } else { false }
        }
        // A header announcing more than its compressed size could ever inflate to (1032:1).
        let liar = Gzip.compress(IDXTests.header(type: 0x08, dims: [64 << 20]) + [1, 2, 3])
        #expect { _ = try IDX.decode(liar) } throws: { e in
            if case .corruptCompression(_, let reason)? = e as? IDXError { reason.contains("1032:1") } else { false }
        }
        // An honest 4 MiB payload: refused beyond a cap, read within it (from bytes and from a file).
        let honest = Gzip.compress(IDXTests.header(type: 0x08, dims: [4 << 20]) + [UInt8](repeating: 7, count: 4 << 20))
        writeBytes(honest, dir + "/h.idx.gz")
        #expect(throws: IDXError.tooLarge(path: "<bytes>", bytes: 8 + (4 << 20), limit: 1 << 20)) {
            _ = try IDX.decode(honest, maxBytes: 1 << 20)
        }
        #expect(throws: IDXError.tooLarge(path: dir + "/h.idx.gz", bytes: 8 + (4 << 20), limit: 1 << 20)) {
            _ = try IDX.read(dir + "/h.idx.gz", maxBytes: 1 << 20)
        }
        let read = try IDX.read(dir + "/h.idx.gz")
        #expect(read.shape == [4 << 20] && read.payload.count == 4 << 20 && read.payload.last == 7)
        // A truncated stream is still a typed error.
        #expect(throws: IDXError.self) { _ = try IDX.decode(Array(honest.prefix(honest.count / 2))) }
    }

    // MARK: CSV

    @Test func csvByteOrderMarkIsStrippedBeforeHeaderDetection() throws {
        let dir = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // With a header: the first column is named "x", not "\u{FEFF}x".
        let t = try CSV.parse("\u{FEFF}x,y\n1,0\n2,1\n", labelColumn: "y")
        #expect(t.featureNames == ["x"] && t.labels.ints == [0, 1])
        // Without a header: the first row is data, not a header made by the mark.
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        writeBytes(bom + Array("1.5,0\n2.5,1\n".utf8), dir + "/n.csv")
        let u = try CSV.read(dir + "/n.csv")
        #expect(u.features.shape == [2, 1] && u.features.scalars == [1.5, 2.5] && u.featureNames == ["column1"])
        // Selecting the first column by name works through the mark too.
        writeBytes(bom + Array("label,f\n3,0.5\n".utf8), dir + "/l.csv")
        #expect(try CSV.read(dir + "/l.csv", labelColumn: "label").labels.ints == [3])
    }
}
