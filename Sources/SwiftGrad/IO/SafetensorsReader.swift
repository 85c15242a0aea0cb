import CZlib

extension Safetensors {
    /// One header entry, validated.
    struct Entry {
        let name: String
        let dtype: String
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    /// The metadata key holding the CRC-32 of the data section (8 lowercase hex digits).
    static let checksumKey = "swiftgrad.crc32"

    /// Parses the bytes of a safetensors file. Every size and offset is checked against the file before
    /// anything is allocated, so a corrupt or hostile file is a thrown error, never a crash; a
    /// `swiftgrad.crc32` checksum in the metadata is verified.
    ///
    ///     let file = try Safetensors.decode(bytes)
    ///     let w = file.tensors["weight"]!
    public static func decode(_ bytes: [UInt8], path: String = "<bytes>") throws -> SafetensorsFile {
        guard bytes.count >= 8 else {
            throw SafetensorsError.truncated(path: path, reason: "\(bytes.count) bytes, fewer than the 8-byte header length")
        }
        let headerEnd = try headerEnd(Array(bytes[0..<8]), fileBytes: bytes.count, path: path)
        let (listed, metadata) = try SafetensorsHeaderParser.parse(bytes, 8 ..< headerEnd, path: path)
        let entries = try checkLayout(listed, dataCount: bytes.count - headerEnd, path: path)
        return try bytes.withUnsafeBytes { raw in
            try load(entries, metadata, path: path) { begin, count, into in
                into.copyMemory(from: raw.baseAddress! + headerEnd + begin, byteCount: count)
            }
        }
    }

    /// The header of a file, checked against the file's size: where the data starts, the
    /// entries with their byte ranges in the data, and the metadata. Shared by both readers.
    static func readHeader(_ file: ReadableFile) throws -> (headerEnd: Int, entries: [Entry], metadata: [String: String]) {
        let path = file.path
        guard file.size >= 8 else {
            throw SafetensorsError.truncated(path: path, reason: "\(file.size) bytes, fewer than the 8-byte header length")
        }
        let headerEnd = try headerEnd(file.read(count: 8, at: 0), fileBytes: file.size, path: path)
        let header = try file.read(count: headerEnd - 8, at: 8)
        guard header.count == headerEnd - 8 else { throw SafetensorsError.truncated(path: path, reason: "the file shrank while it was read") }
        let (listed, metadata) = try SafetensorsHeaderParser.parse(header, 0 ..< header.count, path: path)
        return (headerEnd, try checkLayout(listed, dataCount: file.size - headerEnd, path: path), metadata)
    }

    /// The file's header and data, read in that order: the header's claims are checked against the
    /// file's size before any data is read or allocated.
    static func read(file: ReadableFile) throws -> SafetensorsFile {
        let path = file.path
        let (headerEnd, entries, metadata) = try readHeader(file)
        return try load(entries, metadata, path: path) { begin, count, into in
            guard try file.read(into: into, count: count, at: headerEnd + begin) == count else {
                throw SafetensorsError.truncated(path: path, reason: "the file shrank while it was read")
            }
        }
    }

    /// Where the header ends (8 + N), from the 8-byte little-endian N, checked against the file.
    static func headerEnd(_ length: [UInt8], fileBytes: Int, path: String) throws -> Int {
        var n: UInt64 = 0
        for k in 0..<8 { n |= UInt64(length[k]) << (8 * UInt64(k)) }
        guard n <= maxHeaderBytes, n <= UInt64(fileBytes - 8) else {
            throw SafetensorsError.headerTooLarge(path: path, headerBytes: n, fileBytes: fileBytes)
        }
        return 8 + Int(n)
    }

    /// Makes the tensors of a checked layout (entries in file order), reading each one's bytes with
    /// `read(begin, count, into)`, and verifies the checksum if the metadata holds one.
    /// `borrow(entry)` may return storage that already holds an entry's bytes (a mapped file's
    /// pages) for the dtypes that load unconverted; nil (or no `borrow`) reads them into new memory.
    static func load(_ entries: [Entry], _ metadata: [String: String], path: String,
                     borrow: ((Entry) -> Storage?)? = nil,
                     read: (Int, Int, UnsafeMutableRawPointer) throws -> Void) throws -> SafetensorsFile {
        var expected: UInt32?
        if let text = metadata[checksumKey] {
            let hexDigits = text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
            guard text.utf8.count == 8, hexDigits, let v = UInt32(text, radix: 16) else {
                throw SafetensorsError.invalidHeader(path: path, reason: "\(checksumKey) '\(text)' is not 8 hex digits")
            }
            expected = v
        }
        try checkFitsInMemory(entries, path: path)
        var crc = UInt32(crc32(0, nil, 0))
        func checksum(_ p: UnsafeRawPointer, _ count: Int) {
            var done = 0
            while done < count {
                let chunk = Swift.min(count - done, 1 << 30)
                crc = UInt32(crc32(UInt(crc), p.assumingMemoryBound(to: UInt8.self) + done, UInt32(chunk)))
                done += chunk
            }
        }
        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(entries.count)
        var stored: [String: String] = [:]
        stored.reserveCapacity(entries.count)
        // File order, so the checksum runs over the data section from start to end.
        for e in entries {
            let count = e.end - e.begin
            let t: Tensor
            switch e.dtype {
            case let d where d != "U16" && d != "U32" && d != "BOOL":
                // Every dtype SwiftGrad has loads as it is stored: the bytes go straight into the
                // tensor, or the tensor borrows them where they are.
                if count > 0, let storage = borrow?(e) {
                    t = Tensor(storage: storage, shape: e.shape, dtype: tensorDType(d)!)
                    if expected != nil { checksum(storage.pointer, count) }
                } else {
                    t = Tensor(uninitializedShape: e.shape, dtype: tensorDType(d)!)
                }
                if count > 0, t.storage.owner == nil {
                    try read(e.begin, count, t.storage.pointer)
                    if expected != nil { checksum(t.storage.pointer, count) }
                }
            default:
                var raw = [UInt8](repeating: 0, count: count)
                try raw.withUnsafeMutableBytes { buf in
                    if count > 0 {
                        try read(e.begin, count, buf.baseAddress!)
                        if expected != nil { checksum(buf.baseAddress!, count) }
                    }
                }
                t = raw.withUnsafeBytes { widened(e, $0) }
            }
            guard tensors.updateValue(t, forKey: e.name) == nil else {
                throw SafetensorsError.invalidHeader(path: path, reason: "the tensor '\(e.name)' appears twice")
            }
            stored[e.name] = e.dtype
        }
        if let expected, expected != crc {
            throw SafetensorsError.checksumMismatch(path: path, expected: expected, actual: crc)
        }
        var shown = metadata
        shown[checksumKey] = nil
        return SafetensorsFile(tensors: tensors, metadata: shown, storedDTypes: stored, checksum: expected)
    }

    /// Everything the tensors will take (only U16 and U32 widen), against the machine's memory
    /// (mapped tensors take none until their pages are touched, but touching them all is allowed).
    static func checkFitsInMemory(_ entries: [Entry], path: String) throws {
        var total = 0
        for e in entries {
            let width = tensorDType(e.dtype)!.byteSize
            total += (e.end - e.begin) / elementSize(e.dtype)! * width
        }
        guard total <= FileLimits.physicalMemory else {
            throw FileError.tooLarge(path: path, bytes: total, limit: FileLimits.physicalMemory)
        }
    }

    /// Bytes per element of a readable file dtype, nil for unsupported ones.
    static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL": return 1
        default: return nil
        }
    }

    /// A validated entry: a known dtype, and offsets that span exactly shape × element size.
    static func entry(_ name: String, dtype: String, shape: [Int], offsets: [Int], path: String) throws -> Entry {
        guard let size = elementSize(dtype) else {
            throw SafetensorsError.unsupportedDType(path: path, tensor: name, dtype: dtype)
        }
        guard offsets.count == 2 else {
            throw SafetensorsError.invalidHeader(path: path, reason: "entry '\(name)': data_offsets must be [begin, end]")
        }
        var bytes = size
        for dim in shape {
            let (p, overflow) = bytes.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw SafetensorsError.sizeMismatch(path: path, tensor: name, reason: "shape \(shape) overflows")
            }
            bytes = p
        }
        guard offsets[0] <= offsets[1] else {
            throw SafetensorsError.invalidOffsets(path: path, tensor: name, reason: "begin \(offsets[0]) is after end \(offsets[1])")
        }
        guard offsets[1] - offsets[0] == bytes else {
            throw SafetensorsError.sizeMismatch(path: path, tensor: name,
                reason: "shape \(shape) of \(dtype) needs \(bytes) bytes but data_offsets \(offsets) span \(offsets[1] - offsets[0])")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    /// Offsets within the data, no overlap and no hole, as the format requires; returns the entries
    /// in file order (sorted only if the header lists them otherwise).
    static func checkLayout(_ entries: [Entry], dataCount: Int, path: String) throws -> [Entry] {
        func before(_ a: Entry, _ b: Entry) -> Bool { a.begin != b.begin ? a.begin < b.begin : a.end < b.end }
        var inOrder = true
        for k in entries.indices.dropFirst() where before(entries[k], entries[k - 1]) { inOrder = false; break }
        let entries = inOrder ? entries : entries.sorted(by: before)
        var expected = 0
        for e in entries {
            guard e.end <= dataCount else {
                throw SafetensorsError.invalidOffsets(path: path, tensor: e.name,
                    reason: "[\(e.begin), \(e.end)] goes past the end of the data (\(dataCount) bytes)")
            }
            guard e.begin == expected else {
                throw SafetensorsError.invalidOffsets(path: path, tensor: e.name,
                    reason: e.begin < expected ? "overlaps the previous tensor" : "leaves a hole at byte \(expected)")
            }
            expected = e.end
        }
        guard expected == dataCount else {
            throw SafetensorsError.invalidOffsets(path: path, tensor: entries.max { $0.end < $1.end }?.name ?? "<none>",
                reason: "the data has \(dataCount) bytes but the tensors cover \(expected)")
        }
        return entries
    }

    /// The tensor dtype a file dtype loads as: the same type for every dtype SwiftGrad has (BOOL,
    /// U8, I8, I16, I32, I64, F16, BF16, F32, F64: no conversion); U16 widens to int32 and U32 to
    /// int64 (SwiftGrad has no unsigned types wider than 8 bits), keeping every value.
    static func tensorDType(_ fileDType: String) -> DType? {
        switch fileDType {
        case "BOOL": return .bool
        case "U8": return .uint8
        case "I8": return .int8
        case "I16": return .int16
        case "I32": return .int32
        case "I64": return .int64
        case "F16": return .float16
        case "BF16": return .bfloat16
        case "F32": return .float32
        case "F64": return .float64
        case "U16": return .int32
        case "U32": return .int64
        default: return nil
        }
    }

    /// A tensor from the little-endian bytes of U16 or U32 (widened) or BOOL (any nonzero byte is
    /// true; stored as 0/1 so the bytes are valid Swift Bools).
    static func widened(_ e: Entry, _ raw: UnsafeRawBufferPointer) -> Tensor {
        let n = e.shape.reduce(1, *)
        let t = Tensor(uninitializedShape: e.shape, dtype: tensorDType(e.dtype) ?? .int64)
        if e.dtype == "BOOL" {
            let p = t.ptr(UInt8.self)
            for i in 0..<n { p[i] = raw[i] != 0 ? 1 : 0 }
        } else {
            for i in 0..<n { t.setScalar(Double(integerElement(raw, i, e.dtype)), at: i) }
        }
        return t
    }

    static func integerElement(_ raw: UnsafeRawBufferPointer, _ i: Int, _ dtype: String) -> Int64 {
        func le(_ at: Int, _ width: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<width { v |= UInt64(raw[at + k]) << (8 * UInt64(k)) }
            return v
        }
        switch dtype {
        case "I32": return Int64(Int32(bitPattern: UInt32(le(4 * i, 4))))
        case "U32": return Int64(le(4 * i, 4))
        case "I16": return Int64(Int16(bitPattern: UInt16(le(2 * i, 2))))
        case "U16": return Int64(le(2 * i, 2))
        case "I8": return Int64(Int8(bitPattern: raw[i]))
        case "BOOL": return raw[i] != 0 ? 1 : 0
        default: return Int64(raw[i])  // U8
        }
    }
}
