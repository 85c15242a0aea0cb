import Foundation

extension Safetensors {
    /// One header entry, validated.
    struct Entry {
        let name: String
        let dtype: String
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    /// Parses the bytes of a safetensors file. Every size and offset is checked against the file before
    /// anything is allocated, so a corrupt or hostile file is a thrown error, never a crash.
    ///
    ///     let file = try Safetensors.decode(bytes)
    ///     let w = file.tensors["weight"]!
    public static func decode(_ bytes: [UInt8], path: String = "<bytes>") throws -> SafetensorsFile {
        guard bytes.count >= 8 else {
            throw SafetensorsError.truncated(path: path, reason: "\(bytes.count) bytes, fewer than the 8-byte header length")
        }
        var n: UInt64 = 0
        for k in 0..<8 { n |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        guard n <= maxHeaderBytes, n <= UInt64(bytes.count - 8) else {
            throw SafetensorsError.headerTooLarge(path: path, headerBytes: n, fileBytes: bytes.count)
        }
        let headerEnd = 8 + Int(n)
        let headerData = Data(bytes[8 ..< headerEnd])
        guard String(data: headerData, encoding: .utf8) != nil else {
            throw SafetensorsError.invalidHeader(path: path, reason: "not UTF-8")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: headerData) } catch {
            throw SafetensorsError.invalidHeader(path: path, reason: "not valid JSON")
        }
        guard let dict = object as? [String: Any] else {
            throw SafetensorsError.invalidHeader(path: path, reason: "the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in dict {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else {
                    throw SafetensorsError.invalidHeader(path: path, reason: "__metadata__ is not an object")
                }
                for (k, v) in m {
                    guard let s = v as? String else {
                        throw SafetensorsError.invalidHeader(path: path, reason: "__metadata__ value for '\(k)' is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            entries.append(try entry(name, value, path: path))
        }
        let dataCount = bytes.count - headerEnd
        try checkLayout(entries, dataCount: dataCount, path: path)

        var tensors: [String: Tensor] = [:]
        var stored: [String: String] = [:]
        bytes.withUnsafeBytes { raw in
            let data = UnsafeRawBufferPointer(rebasing: raw[headerEnd...])
            for e in entries {
                tensors[e.name] = makeTensor(e, UnsafeRawBufferPointer(rebasing: data[e.begin ..< e.end]))
                stored[e.name] = e.dtype
            }
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata, storedDTypes: stored)
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

    static func entry(_ name: String, _ value: Any, path: String) throws -> Entry {
        guard let d = value as? [String: Any], let dtype = d["dtype"] as? String,
              let shapeAny = d["shape"] as? [Any], let offAny = d["data_offsets"] as? [Any] else {
            throw SafetensorsError.invalidHeader(path: path, reason: "entry '\(name)' needs dtype, shape and data_offsets")
        }
        guard let size = elementSize(dtype) else {
            throw SafetensorsError.unsupportedDType(path: path, tensor: name, dtype: dtype)
        }
        func integer(_ v: Any, _ what: String) throws -> Int {
            // Whole, non-negative, and small enough to be exact in a Double (JSON numbers are doubles).
            guard let num = v as? NSNumber else {
                throw SafetensorsError.invalidHeader(path: path, reason: "entry '\(name)': \(what) must hold integers")
            }
            let x = num.doubleValue
            guard x >= 0, x <= 0x1p53, x == x.rounded() else {
                throw SafetensorsError.sizeMismatch(path: path, tensor: name, reason: "\(what) value \(num) is not a valid size")
            }
            return Int(x)
        }
        let shape = try shapeAny.map { try integer($0, "shape") }
        let offsets = try offAny.map { try integer($0, "data_offsets") }
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

    /// Offsets within the data, no overlap and no hole, as the format requires.
    static func checkLayout(_ entries: [Entry], dataCount: Int, path: String) throws {
        var expected = 0
        for e in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
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
    }

    /// A tensor from little-endian bytes, converting narrow types up (F16/BF16 → float32, integers → int64).
    static func makeTensor(_ e: Entry, _ raw: UnsafeRawBufferPointer) -> Tensor {
        let n = e.shape.reduce(1, *)
        switch e.dtype {
        case "F32", "F64", "I64":
            let dtype: DType = e.dtype == "F32" ? .float32 : e.dtype == "F64" ? .float64 : .int64
            let t = Tensor(uninitializedShape: e.shape, dtype: dtype)
            if n > 0 { t.storage.pointer.copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
            return t
        case "F16", "BF16":
            let t = Tensor(uninitializedShape: e.shape, dtype: .float32)
            let p = t.ptr(Float.self)
            let half = e.dtype == "F16"
            for i in 0..<n {
                let bits = UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8
                p[i] = half ? floatFromHalf(bits) : floatFromBFloat16(bits)
            }
            return t
        default:
            let t = Tensor(uninitializedShape: e.shape, dtype: .int64)
            let p = t.ptr(Int64.self)
            for i in 0..<n { p[i] = integerElement(raw, i, e.dtype) }
            return t
        }
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

/// IEEE 754 half precision (1 sign, 5 exponent, 10 mantissa bits) to Float, exactly.
///
///     floatFromHalf(0x3C00)   // 1.0
///     floatFromHalf(0x0001)   // 2^-24, the smallest subnormal
func floatFromHalf(_ h: UInt16) -> Float {
    let sign = UInt32(h >> 15) << 31
    let exponent = UInt32(h >> 10) & 0x1f
    let mantissa = UInt32(h) & 0x3ff
    if exponent == 0 {
        // Zero or subnormal: mantissa · 2^-24, exact in Float.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 0x1f {
        // Infinity, or NaN keeping its payload in the top mantissa bits.
        return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
    }
    // Rebias the exponent from 15 to 127 and widen the mantissa from 10 to 23 bits.
    return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
}

/// bfloat16 (the top 16 bits of a Float) to Float, exactly.
///
///     floatFromBFloat16(0x3F80)   // 1.0
func floatFromBFloat16(_ b: UInt16) -> Float {
    Float(bitPattern: UInt32(b) << 16)
}
