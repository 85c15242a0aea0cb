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
    /// A value that cannot be converted as asked: a NaN, infinite, fractional or out-of-range value
    /// read as an integer, or a label that is not a class index.
    case invalidValue(path: String, index: Int, value: String, reason: String)
    /// The data the header announces (decompressed, for gzip), or a gzip file itself, is larger than
    /// the reader's limit (`maxBytes`, at most the machine's memory).
    case tooLarge(path: String, bytes: Int, limit: Int)

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
        case .invalidValue(let p, let i, let v, let r): return "\(p): element \(i) is \(v): \(r)"
        case .tooLarge(let p, let b, let l):
            return "\(p): needs \(b) bytes, more than the limit of \(l) bytes (pass a larger maxBytes to read it)"
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
///     let x = try images.tensor(dtype: .float32) / 255
public struct IDXArray: Sendable {
    /// The dimensions from the header, e.g. `[60000, 28, 28]`.
    public let shape: [Int]
    /// The element type from the magic number.
    public let type: IDXType
    /// The payload as stored (big-endian for multi-byte types).
    public let payload: [UInt8]
    /// The file it was read from (`<bytes>` when decoded from memory), for messages.
    public let source: String

    init(shape: [Int], type: IDXType, payload: [UInt8], source: String = "<bytes>") {
        self.shape = shape
        self.type = type
        self.payload = payload
        self.source = source
    }

    /// The values as a tensor of `dtype` (float32 by default; int64 for labels). Values are not
    /// rescaled. Reading float values as int64 needs whole numbers within int64's range: a NaN,
    /// infinite, fractional or huge value throws `IDXError.invalidValue` naming the element.
    ///
    ///     let labels = try IDX.read("train-labels-idx1-ubyte").tensor(dtype: .int64)
    public func tensor(dtype: DType = .float32) throws -> Tensor {
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
        case .int64:
            if type == .float32 || type == .float64 {
                // Int64(_:) traps on NaN, inf and anything outside [-2^63, 2^63): check first.
                try payload.withUnsafeBytes { raw in
                    for i in 0..<n {
                        let v = IDXArray.value(raw, i, type)
                        guard v.isFinite, v == v.rounded(), v >= -0x1p63, v < 0x1p63 else {
                            throw IDXError.invalidValue(path: source, index: i, value: "\(v)",
                                                        reason: "not a whole number in int64's range")
                        }
                    }
                }
            }
            fill(Int64.self) { Int64($0) }
        default: payload.withUnsafeBytes { raw in for i in 0..<n { out.setScalar(IDXArray.value(raw, i, type), at: i) } }
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
    /// The largest data read by default (decompressed, for gzip): 4 GiB, several times the largest
    /// public IDX sets (EMNIST's 547 MB); pass `maxBytes:` to read more.
    public static let defaultMaxBytes = 1 << 32

    /// deflate's largest compression ratio (a run of 258-byte matches): no gzip stream of n bytes
    /// inflates to more than about 1032·n, so a header that claims more is lying.
    static let maxDeflateRatio = 1032

    /// Reads a plain or gzip-compressed IDX file. Throws `IDXError` or `FileError`, never traps,
    /// blocks or allocates more than the header announces: the file must be a regular file (not a
    /// FIFO or a device), its size must match its header before the data is read, and a gzip stream
    /// is inflated only up to what its header announces. Data larger than `maxBytes` (or than the
    /// machine's memory) is refused.
    ///
    ///     let labels = try IDX.read("t10k-labels-idx1-ubyte").tensor(dtype: .int64)
    ///     print(labels.shape)                  // [10000]
    public static func read(_ path: String, maxBytes: Int = defaultMaxBytes) throws -> IDXArray {
        let file: ReadableFile
        do { file = try ReadableFile(path) } catch FileError.notFound {
            throw IDXError.missingFile(expected: [lastComponent(path)], searched: [folder(path)])
        }
        let limit = Swift.min(maxBytes, FileLimits.physicalMemory)
        let head = try file.read(count: 4 + 4 * 255, at: 0)
        if Gzip.isGzip(head) {
            let compressed: [UInt8]
            do { compressed = try file.readAll(limit: limit) } catch FileError.tooLarge(_, let b, let l) {
                throw IDXError.tooLarge(path: path, bytes: b, limit: l)
            }
            return try decode(compressed, path: path, maxBytes: maxBytes)
        }
        // Plain: the header alone first, then the file's size against it, then the data.
        let (type, shape, payloadBytes) = try parseHeader(head, path: path)
        let start = 4 + 4 * shape.count
        try checkPayloadSize(have: file.size - start, expected: payloadBytes, shape: shape, path: path, compressed: false)
        guard payloadBytes <= limit else { throw IDXError.tooLarge(path: path, bytes: payloadBytes, limit: limit) }
        let payload = try file.read(count: payloadBytes, at: start)
        guard payload.count == payloadBytes else {
            throw IDXError.truncated(path: path, expectedBytes: payloadBytes, actualBytes: payload.count)
        }
        return IDXArray(shape: shape, type: type, payload: payload, source: path)
    }

    /// Parses the bytes of an IDX file (plain or gzip). `path` only names the file in errors. A
    /// gzip stream whose header announces more than `maxBytes`, or more than its compressed size
    /// could honestly hold, is refused before it is inflated.
    ///
    ///     let array = try IDX.decode(bytes)
    ///     let x = try array.tensor()
    public static func decode(_ bytes: [UInt8], path: String = "<bytes>", maxBytes: Int = defaultMaxBytes) throws -> IDXArray {
        guard Gzip.isGzip(bytes) else { return try decodePlain(bytes, path: path, compressed: false) }
        let limit = Swift.min(maxBytes, FileLimits.physicalMemory)
        do {
            // First the header alone (at most 4 + 4·255 bytes), to learn how much data to expect.
            let head = try Gzip.decompress(bytes, maxOutput: 4 + 4 * 255)
            let (_, shape, payloadBytes) = try parseHeader(head.bytes, path: path)
            let total = 4 + 4 * shape.count + payloadBytes
            guard total <= limit else { throw IDXError.tooLarge(path: path, bytes: total, limit: limit) }
            let (honest, overflow) = bytes.count.multipliedReportingOverflow(by: maxDeflateRatio)
            guard overflow || total <= honest + 1024 else {
                throw IDXError.corruptCompression(path: path, reason: "the header announces \(total) bytes but \(bytes.count) bytes "
                    + "of gzip inflate to at most about \(honest) (deflate's ratio is at most 1032:1)")
            }
            // One byte more than expected tells "exactly right" from "too much data".
            let all = try Gzip.decompress(bytes, maxOutput: total + 1)
            return try decodePlain(all.bytes, path: path, compressed: true)
        } catch let Gzip.Failure.corrupt(reason) {
            throw IDXError.corruptCompression(path: path, reason: reason)
        }
    }

    /// Writes `tensor` as an IDX file of element type `type` (uint8 for images and labels), gzip'd
    /// when `compressed`. Values are converted as by a C cast (truncated, saturating at the type's
    /// range; NaN as 0); the write is atomic.
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
            case .uint8: out.append(UInt8(clamping: castInt(v)))
            case .int8: out.append(UInt8(bitPattern: Int8(clamping: castInt(v))))
            case .int16: let b = UInt16(bitPattern: Int16(clamping: castInt(v))); out += [UInt8(b >> 8), UInt8(b & 0xff)]
            case .int32: put32(UInt32(bitPattern: Int32(clamping: castInt(v))))
            case .float32: put32(Float(v).bitPattern)
            case .float64: let b = v.bitPattern; put32(UInt32(b >> 32)); put32(UInt32(b & 0xffff_ffff))
            }
        }
        return compressed ? Gzip.compress(out) : out
    }

    /// A C-style cast that cannot trap: NaN is 0, values beyond Int's range saturate.
    static func castInt(_ v: Double) -> Int {
        v.isNaN ? 0 : v >= 0x1p63 ? .max : v < -0x1p63 ? .min : Int(v)
    }

    // MARK: Parsing

    static func decodePlain(_ bytes: [UInt8], path: String, compressed: Bool) throws -> IDXArray {
        let (type, shape, payloadBytes) = try parseHeader(bytes, path: path)
        let start = 4 + 4 * shape.count
        try checkPayloadSize(have: bytes.count - start, expected: payloadBytes, shape: shape, path: path, compressed: compressed)
        return IDXArray(shape: shape, type: type, payload: Array(bytes[start...]), source: path)
    }

    /// The data after the header must be exactly what the header announces.
    static func checkPayloadSize(have: Int, expected: Int, shape: [Int], path: String, compressed: Bool) throws {
        if have < expected {
            throw IDXError.truncated(path: path, expectedBytes: expected, actualBytes: have)
        }
        if have > expected {
            throw IDXError.sizeMismatch(path: path, reason: "shape \(shape) needs \(expected) bytes of data but the "
                                        + (compressed ? "decompressed " : "") + "file has more")
        }
    }

    /// Magic, type, shape and payload size, with every product checked for overflow.
    static func parseHeader(_ b: [UInt8], path: String) throws -> (IDXType, [Int], Int) {
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
