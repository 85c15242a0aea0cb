import CZlib
import Foundation

/// Why a safetensors file could not be read or written. Messages name the tensor and the numbers.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    /// The file is shorter than the 8-byte header length, or than the header it announces.
    case truncated(path: String, reason: String)
    /// The header length is larger than the file or than any real header (100 MB, as the reference reader).
    case headerTooLarge(path: String, headerBytes: UInt64, fileBytes: Int)
    /// The JSON header is malformed (not UTF-8, not an object, an entry without dtype/shape/data_offsets).
    case invalidHeader(path: String, reason: String)
    /// A dtype this library cannot read (F8 formats, complex, unsigned 64-bit...).
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor's shape and dtype need a different number of bytes than its offsets span, or overflow.
    case sizeMismatch(path: String, tensor: String, reason: String)
    /// Offsets past the end of the data, overlapping, or leaving holes (the format forbids holes).
    case invalidOffsets(path: String, tensor: String, reason: String)
    /// A tensor name that the caller asked for is not in the file.
    case missingTensor(path: String, name: String, available: [String])
    /// The data section's CRC-32 differs from the one recorded at save (`swiftgrad.crc32`): the
    /// file was damaged after it was written.
    case checksumMismatch(path: String, expected: UInt32, actual: UInt32)

    public var description: String {
        switch self {
        case .truncated(let p, let r): return "\(p): truncated safetensors file: \(r)"
        case .headerTooLarge(let p, let h, let f): return "\(p): the header claims \(h) bytes but the file has \(f) (or the claim exceeds 100 MB)"
        case .invalidHeader(let p, let r): return "\(p): invalid safetensors header: \(r)"
        case .unsupportedDType(let p, let t, let d): return "\(p): tensor '\(t)' has dtype \(d), which SwiftGrad cannot read"
        case .sizeMismatch(let p, let t, let r): return "\(p): tensor '\(t)': \(r)"
        case .invalidOffsets(let p, let t, let r): return "\(p): tensor '\(t)': invalid data_offsets: \(r)"
        case .missingTensor(let p, let n, let a): return "\(p): no tensor named '\(n)'; the file has: \(a.sorted().joined(separator: ", "))"
        case .checksumMismatch(let p, let e, let a):
            return "\(p): the data is damaged: its CRC-32 is \(hex8(a)) but the file recorded \(hex8(e)) when it was saved"
        }
    }
}

/// The contents of a safetensors file: named tensors and the string metadata (`__metadata__`).
///
///     let file = try Safetensors.read(from: "model.safetensors")
///     print(file.metadata["format"] ?? "", file.tensors.keys.sorted())
public struct SafetensorsFile {
    /// The tensors by name (F32, F16 and BF16 as float32; F64 as float64; integer types as int64).
    public var tensors: [String: Tensor]
    /// The `__metadata__` strings.
    public var metadata: [String: String]
    /// The dtype each tensor had in the file (`"F16"`, `"BF16"`, `"F32"`, ...).
    public var storedDTypes: [String: String]
    /// The CRC-32 of the data section recorded in the file (`swiftgrad.crc32`, verified when it was
    /// read; not repeated in `metadata`), nil for files written without one.
    public var checksum: UInt32? = nil
}

/// Eight lowercase hex digits.
func hex8(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
}

/// Reading and writing the safetensors format (huggingface/safetensors): 8 bytes of little-endian
/// header length N, N bytes of JSON header (`{"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}`,
/// padded with spaces to a multiple of 8), then the raw little-endian tensor bytes, without holes.
/// Files written here load in Python with `safetensors.torch.load_file` / `safetensors.numpy.load_file`.
///
///     try Safetensors.save(["weight": w, "bias": b], to: "linear.safetensors", metadata: ["format": "pt"])
///     let tensors = try Safetensors.load(from: "linear.safetensors")
public enum Safetensors {
    /// The largest header accepted (the reference implementation's limit).
    static let maxHeaderBytes: UInt64 = 100_000_000

    /// Writes `tensors` (float32 → F32, float64 → F64, int64 → I64) and `metadata`, atomically,
    /// with the CRC-32 of the data in the metadata (`swiftgrad.crc32`, verified by every read;
    /// other readers ignore it) unless `checksum` is false.
    ///
    ///     try Safetensors.save(model.stateDict(), to: "model.safetensors")
    ///     try Safetensors.save(["x": x], to: "x.safetensors", metadata: ["note": "inputs"])
    public static func save(_ tensors: [String: Tensor], to path: String, metadata: [String: String] = [:],
                            checksum: Bool = true) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata, checksum: checksum), to: path)
    }

    /// The tensors of a file (use `read(from:)` for the metadata too), memory-mapped unless
    /// `mapped` is false (see `read(from:mapped:)`).
    ///
    ///     let state = try Safetensors.load(from: "lenet.safetensors")
    ///     print(state["features.0.weight"]!.shape)     // [6, 1, 5, 5]
    public static func load(from path: String, mapped: Bool = true) throws -> [String: Tensor] {
        try read(from: path, mapped: mapped).tensors
    }

    /// The tensors, metadata and stored dtypes of a file. Throws `SafetensorsError` or `FileError`
    /// (a FIFO, a directory or a device is refused unopened; the header is checked against the
    /// file's size before any tensor is made; a recorded checksum must match).
    ///
    /// With `mapped` (the default) the file is opened read-only and mapped privately: tensors whose
    /// stored dtype is the one they load as (every dtype but U16, U32 and BOOL) and whose data is
    /// aligned for their element type use the mapped pages without a copy; only pages that are
    /// touched become resident, and the mapping is released with the last tensor that uses it. A
    /// write to such a tensor copies the page it touches (copy-on-write): the file never changes.
    /// Saving over the same path replaces the file (a rename), so loaded tensors keep their values.
    /// As with any mapping, a file truncated by another program while its tensors are alive makes
    /// a later access to the lost pages fail with SIGBUS; pass `mapped: false` to read copies.
    ///
    ///     let file = try Safetensors.read(from: "model.safetensors")
    ///     print(file.metadata)
    public static func read(from path: String, mapped: Bool = true) throws -> SafetensorsFile {
        let file = try ReadableFile(path)
        return mapped ? try readMapped(file: file) : try read(file: file)
    }

    // MARK: Encoding

    /// The bytes of a safetensors file holding `tensors` and `metadata` (with `checksum`, the data's
    /// CRC-32 as `swiftgrad.crc32` in the metadata, as `save` writes it).
    ///
    ///     let bytes = Safetensors.encode(["w": w])
    ///     print(bytes.count)
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:], checksum: Bool = false) -> [UInt8] {
        // Larger elements first, then by name (as the Python writer), so every tensor starts aligned.
        let names = tensors.keys.sorted { a, b in
            let (sa, sb) = (tensors[a]!.dtype.byteSize, tensors[b]!.dtype.byteSize)
            return sa != sb ? sa > sb : a < b
        }
        var metadata = metadata
        metadata[checksumKey] = nil
        if checksum {
            var crc = UInt32(crc32(0, nil, 0))
            for name in names {
                let t = tensors[name]!.dense   // a view's elements, in row-major order
                let count = t.count * t.dtype.byteSize
                var done = 0
                while done < count {
                    let chunk = Swift.min(count - done, 1 << 30)
                    crc = UInt32(crc32(UInt(crc), t.rawPointer.assumingMemoryBound(to: UInt8.self) + done, UInt32(chunk)))
                    done += chunk
                }
            }
            metadata[checksumKey] = hex8(crc)
        }
        var json = "{"
        var entries: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let t = tensors[name]!
            let bytes = t.count * t.dtype.byteSize
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(name)):{\"dtype\":\"\(fileDType(t.dtype))\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        json += entries.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        // Pads with spaces so the data starts at a multiple of 8 bytes (8 + N ≡ 0 mod 8).
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        let n = UInt64(header.count)
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(k)))) }
        out += header
        for name in names {
            let t = tensors[name]!
            let d = t.dense
            out += UnsafeRawBufferPointer(start: d.rawPointer, count: t.count * t.dtype.byteSize)
        }
        return out
    }

    static func fileDType(_ d: DType) -> String {
        switch d {
        case .bool: return "BOOL"
        case .uint8: return "U8"
        case .int8: return "I8"
        case .int16: return "I16"
        case .int32: return "I32"
        case .int64: return "I64"
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .float32: return "F32"
        case .float64: return "F64"
        }
    }

    /// A JSON string literal (quotes, backslashes and control characters escaped).
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
