/// Why an IDX (MNIST-format) file could not be read. Every case names the file.
public enum IDXError: Error, CustomStringConvertible, Equatable {
    /// None of the expected files exists; lists the names looked for and the folders searched.
    case missingFile(expected: [String], searched: [String])
    /// The first four bytes are not an IDX magic number (two zero bytes, a type code, a rank).
    case badMagic(path: String, magic: [UInt8])
    /// The header's sizes do not match the data: too much data, or a size product that overflows.
    case sizeMismatch(path: String, reason: String)
    /// The file ends before the data its header announces.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// Corrupt gzip compression.
    case corruptCompression(path: String, reason: String)
    /// An images file and a labels file disagree on the number of items.
    case countMismatch(images: Int, labels: Int)

    public var description: String {
        switch self {
        case .missingFile(let names, let dirs):
            return "IDX file not found: looked for \(names.joined(separator: " or ")) in \(dirs.joined(separator: ", "))"
        case .badMagic(let p, let m):
            return "\(p): not an IDX file (magic bytes \(m.map { String($0, radix: 16) }), expected 00 00 <type> <rank>)"
        case .sizeMismatch(let p, let r): return "\(p): header sizes do not match the file: \(r)"
        case .truncated(let p, let e, let a): return "\(p): truncated: the header announces \(e) bytes of data, the file has \(a)"
        case .corruptCompression(let p, let r): return "\(p): \(r)"
        case .countMismatch(let i, let l): return "IDX images file has \(i) items but the labels file has \(l)"
        }
    }
}

/// The element type code of an IDX file (the third magic byte).
public enum IDXType: UInt8, Sendable {
    case uint8 = 0x08, int8 = 0x09, int16 = 0x0B, int32 = 0x0C, float32 = 0x0D, float64 = 0x0E

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .uint8, .int8: return 1
        case .int16: return 2
        case .int32, .float32: return 4
        case .float64: return 8
        }
    }
}

/// The contents of one IDX file: its shape, element type and the raw big-endian payload.
///
///     let images = try IDX.read("train-images-idx3-ubyte.gz")    // shape [60000, 28, 28]
///     let x = images.tensor(dtype: .float32) / 255
public struct IDXArray: Sendable {
    /// The dimensions from the header, e.g. `[60000, 28, 28]`.
    public let shape: [Int]
    /// The element type from the magic number.
    public let type: IDXType
    /// The payload as stored (big-endian for multi-byte types).
    public let payload: [UInt8]

    /// The values as a tensor of `dtype` (float32 by default; int64 for labels). Values are not rescaled.
    ///
    ///     let labels = try IDX.read("train-labels-idx1-ubyte").tensor(dtype: .int64)
    public func tensor(dtype: DType = .float32) -> Tensor {
        let n = shape.reduce(1, *)
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        func fill<T: TensorScalar>(_: T.Type, _ convert: (Double) -> T) {
            let p = out.ptr(T.self)
            payload.withUnsafeBytes { raw in
                for i in 0..<n { p[i] = convert(IDXArray.value(raw, i, type)) }
            }
        }
        switch dtype {
        case .float32: fill(Float.self) { Float($0) }
        case .float64: fill(Double.self) { $0 }
        case .int64: fill(Int64.self) { Int64($0) }
        }
        return out
    }

    /// Element `i` of a big-endian payload as Double (exact for every IDX type but float64 → itself).
    @inline(__always) static func value(_ raw: UnsafeRawBufferPointer, _ i: Int, _ type: IDXType) -> Double {
        switch type {
        case .uint8: return Double(raw[i])
        case .int8: return Double(Int8(bitPattern: raw[i]))
        case .int16: return Double(Int16(bitPattern: UInt16(raw[2 * i]) << 8 | UInt16(raw[2 * i + 1])))
        case .int32: return Double(Int32(bitPattern: bigEndian32(raw, 4 * i)))
        case .float32: return Double(Float(bitPattern: bigEndian32(raw, 4 * i)))
        case .float64:
            let hi = UInt64(bigEndian32(raw, 8 * i)), lo = UInt64(bigEndian32(raw, 8 * i + 4))
            return Double(bitPattern: hi << 32 | lo)
        }
    }

    @inline(__always) static func bigEndian32(_ raw: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(raw[at]) << 24 | UInt32(raw[at + 1]) << 16 | UInt32(raw[at + 2]) << 8 | UInt32(raw[at + 3])
    }
}

/// Reading and writing IDX files, the format of MNIST and Fashion-MNIST: a big-endian header
/// (magic `00 00 type rank`, then one 32-bit size per axis) and the raw elements. gzip-compressed
/// files (`.gz`) are recognised by their content and inflated with zlib.
///
///     let images = try IDX.read("data/train-images-idx3-ubyte.gz")
///     print(images.shape)                  // [60000, 28, 28]
public enum IDX {
    /// Reads a plain or gzip-compressed IDX file. Throws `IDXError` or `FileError`, never traps.
    ///
    ///     let labels = try IDX.read("t10k-labels-idx1-ubyte").tensor(dtype: .int64)
    ///     print(labels.shape)                  // [10000]
    public static func read(_ path: String) throws -> IDXArray {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch FileError.notFound {
            throw IDXError.missingFile(expected: [lastComponent(path)], searched: [folder(path)])
        }
        return try decode(bytes, path: path)
    }

    /// Parses the bytes of an IDX file (plain or gzip). `path` only names the file in errors.
    ///
    ///     let array = try IDX.decode(bytes)
    ///     let x = array.tensor()
    public static func decode(_ bytes: [UInt8], path: String = "<bytes>") throws -> IDXArray {
        guard Gzip.isGzip(bytes) else { return try decodePlain(bytes, path: path, compressed: false) }
        do {
            // First the header alone (at most 4 + 4·255 bytes), to learn how much data to expect.
            let head = try Gzip.decompress(bytes, maxOutput: 4 + 4 * 255)
            let (_, _, payloadBytes) = try parseHeader(head.bytes, path: path, available: nil)
            let headerBytes = 4 + 4 * Int(head.bytes.count >= 4 ? head.bytes[3] : 0)
            // One byte more than expected tells "exactly right" from "too much data".
            let all = try Gzip.decompress(bytes, maxOutput: headerBytes + payloadBytes + 1)
            return try decodePlain(all.bytes, path: path, compressed: true)
        } catch let Gzip.Failure.corrupt(reason) {
            throw IDXError.corruptCompression(path: path, reason: reason)
        }
    }

    /// Writes `tensor` as an IDX file of element type `type` (uint8 for images and labels), gzip'd
    /// when `compressed`. Values are converted as by a C cast; the write is atomic.
    ///
    ///     try IDX.write(labels, to: "labels-idx1-ubyte.gz", type: .uint8, compressed: true)
    public static func write(_ tensor: Tensor, to path: String, type: IDXType = .uint8, compressed: Bool = false) throws {
        try AtomicFile.write(encode(tensor, type: type, compressed: compressed), to: path)
    }

    /// The bytes of an IDX file holding `tensor` (see `write(_:to:type:compressed:)`).
    public static func encode(_ tensor: Tensor, type: IDXType = .uint8, compressed: Bool = false) -> [UInt8] {
        check(tensor.rank >= 1 && tensor.rank <= 255, "IDX.encode: rank must be 1...255, got shape \(tensor.shape)")
        check(tensor.shape.allSatisfy { $0 <= Int(UInt32.max) }, "IDX.encode: axis too large for IDX in shape \(tensor.shape)")
        var out: [UInt8] = [0, 0, type.rawValue, UInt8(tensor.rank)]
        func put32(_ v: UInt32) { out += [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        for d in tensor.shape { put32(UInt32(d)) }
        out.reserveCapacity(out.count + tensor.count * type.byteSize)
        for v in tensor.doubles {
            switch type {
            case .uint8: out.append(UInt8(clamping: Int(v)))
            case .int8: out.append(UInt8(bitPattern: Int8(clamping: Int(v))))
            case .int16: let b = UInt16(bitPattern: Int16(clamping: Int(v))); out += [UInt8(b >> 8), UInt8(b & 0xff)]
            case .int32: put32(UInt32(bitPattern: Int32(clamping: Int(v))))
            case .float32: put32(Float(v).bitPattern)
            case .float64: let b = v.bitPattern; put32(UInt32(b >> 32)); put32(UInt32(b & 0xffff_ffff))
            }
        }
        return compressed ? Gzip.compress(out) : out
    }

    // MARK: Parsing

    static func decodePlain(_ bytes: [UInt8], path: String, compressed: Bool) throws -> IDXArray {
        let (type, shape, payloadBytes) = try parseHeader(bytes, path: path, available: bytes.count)
        let start = 4 + 4 * shape.count
        let have = bytes.count - start
        if have < payloadBytes {
            throw IDXError.truncated(path: path, expectedBytes: payloadBytes, actualBytes: have)
        }
        if have > payloadBytes {
            throw IDXError.sizeMismatch(path: path, reason: "shape \(shape) needs \(payloadBytes) bytes of data but the "
                                        + (compressed ? "decompressed " : "") + "file has more")
        }
        return IDXArray(shape: shape, type: type, payload: Array(bytes[start...]))
    }

    /// Magic, type, shape and payload size, with every product checked for overflow.
    static func parseHeader(_ b: [UInt8], path: String, available: Int?) throws -> (IDXType, [Int], Int) {
        guard b.count >= 4 else {
            throw IDXError.truncated(path: path, expectedBytes: 4, actualBytes: b.count)
        }
        guard b[0] == 0, b[1] == 0, let type = IDXType(rawValue: b[2]), b[3] >= 1 else {
            throw IDXError.badMagic(path: path, magic: Array(b[0..<4]))
        }
        let rank = Int(b[3])
        guard b.count >= 4 + 4 * rank else {
            throw IDXError.truncated(path: path, expectedBytes: 4 + 4 * rank, actualBytes: b.count)
        }
        var shape: [Int] = []
        var total = type.byteSize
        for k in 0..<rank {
            let o = 4 + 4 * k
            let d = Int(UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3]))
            shape.append(d)
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            // Larger than any real file: refuse before allocating or inflating anything.
            guard !overflow, p <= 1 << 48 else {
                throw IDXError.sizeMismatch(path: path, reason: "shape \(shape)... is absurdly large")
            }
            total = p
        }
        return (type, shape, total)
    }

    static func lastComponent(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
    static func folder(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
