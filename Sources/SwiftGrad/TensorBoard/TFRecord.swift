// TFRecord framing, the container of TensorBoard event files: each record is
//   uint64 length (little-endian) · uint32 masked CRC-32C of those 8 bytes · data · uint32 masked CRC-32C of data.

/// Errors reading or writing TensorBoard event files.
public enum TensorBoardError: Error, CustomStringConvertible, Equatable {
    /// A record's framing is cut short or its length is impossible.
    case truncatedRecord(offset: Int, String)
    /// A record's length or data fails its CRC-32C.
    case checksumMismatch(offset: Int, String)
    /// A protocol-buffer message inside a record is malformed.
    case malformedMessage(String)
    /// A tensor handed to the writer has the wrong shape or dtype.
    case invalidInput(String)

    public var description: String {
        switch self {
        case .truncatedRecord(let o, let m): return "TensorBoard event file: truncated record at byte \(o): \(m)"
        case .checksumMismatch(let o, let m): return "TensorBoard event file: checksum mismatch at byte \(o): \(m)"
        case .malformedMessage(let m): return "TensorBoard event file: malformed message: \(m)"
        case .invalidInput(let m): return m
        }
    }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and TFRecord's masking of it.
enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    /// The CRC-32C of `bytes` ("123456789" → 0xE3069283).
    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked CRC: rotated right by 15 bits plus a constant.
    static func masked<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}

enum TFRecord {
    /// One record's framed bytes.
    static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        var length = UInt64(data.count)
        var lengthBytes: [UInt8] = []
        for _ in 0..<8 { lengthBytes.append(UInt8(length & 0xFF)); length >>= 8 }
        out += lengthBytes
        appendLE(CRC32C.masked(lengthBytes), to: &out)
        out += data
        appendLE(CRC32C.masked(data), to: &out)
        return out
    }

    /// The records of a TFRecord byte stream, each checked against both CRCs.
    static func records(_ bytes: [UInt8]) throws -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var i = 0
        while i < bytes.count {
            guard bytes.count - i >= 12 else { throw TensorBoardError.truncatedRecord(offset: i, "\(bytes.count - i) bytes left, a record header needs 12") }
            let lengthBytes = bytes[i..<(i + 8)]
            var length: UInt64 = 0
            for (k, b) in lengthBytes.enumerated() { length |= UInt64(b) << (8 * UInt64(k)) }
            guard readLE(bytes, i + 8) == CRC32C.masked(lengthBytes) else {
                throw TensorBoardError.checksumMismatch(offset: i, "the length field's CRC-32C differs")
            }
            let start = i + 12
            guard length <= UInt64(bytes.count - start), bytes.count - start - Int(length) >= 4 else {
                throw TensorBoardError.truncatedRecord(offset: i, "a record of \(length) bytes runs past the file's end (\(bytes.count) bytes)")
            }
            let data = bytes[start..<(start + Int(length))]
            guard readLE(bytes, start + Int(length)) == CRC32C.masked(data) else {
                throw TensorBoardError.checksumMismatch(offset: i, "the data's CRC-32C differs")
            }
            out.append(data)
            i = start + Int(length) + 4
        }
        return out
    }

    private static func appendLE(_ v: UInt32, to out: inout [UInt8]) {
        for k in 0..<4 { out.append(UInt8((v >> (8 * UInt32(k))) & 0xFF)) }
    }
    private static func readLE(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) }
    }
}
