// A minimal protocol-buffer encoder and decoder: just what TensorBoard's Event, Summary,
// HistogramProto, TensorProto and HParams messages need (varints, 32/64-bit fixed fields,
// length-delimited fields). No reflection, no schema: each message is written field by field.

/// Builds one protocol-buffer message, field by field, in the order written.
///
///     var m = ProtobufWriter(); m.double(1, 1.5); m.string(3, "brain.Event:2")
///     let bytes = m.bytes
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    private mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    private mutating func key(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// An int32/int64/enum/bool field (wire type 0). Negative values take ten bytes, as protobuf's.
    mutating func int(_ field: Int, _ v: Int64) { key(field, 0); varint(UInt64(bitPattern: v)) }
    /// A bool field.
    mutating func bool(_ field: Int, _ v: Bool) { int(field, v ? 1 : 0) }
    /// A double field (wire type 1, little-endian).
    mutating func double(_ field: Int, _ v: Double) { key(field, 1); fixed64(v.bitPattern) }
    /// A float field (wire type 5, little-endian).
    mutating func float(_ field: Int, _ v: Float) {
        key(field, 5)
        for i in 0..<4 { bytes.append(UInt8((v.bitPattern >> (8 * UInt32(i))) & 0xFF)) }
    }
    /// A bytes field (wire type 2).
    mutating func bytes(_ field: Int, _ v: [UInt8]) { key(field, 2); varint(UInt64(v.count)); bytes.append(contentsOf: v) }
    /// A string field (UTF-8).
    mutating func string(_ field: Int, _ v: String) { bytes(field, Array(v.utf8)) }
    /// An embedded message field.
    mutating func message(_ field: Int, _ m: ProtobufWriter) { bytes(field, m.bytes) }
    /// A packed repeated double field.
    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        key(field, 2); varint(UInt64(values.count * 8))
        for v in values { fixed64(v.bitPattern) }
    }
    private mutating func fixed64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) } }
}

/// One decoded field of a message: its number and its value by wire type.
struct ProtobufField {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(ArraySlice<UInt8>)
    }
    let number: Int
    let value: Value

    var uint: UInt64? { if case .varint(let v) = value { return v }; return nil }
    var int: Int64? { uint.map { Int64(bitPattern: $0) } }
    var double: Double? { if case .fixed64(let v) = value { return Double(bitPattern: v) }; return nil }
    var float: Float? { if case .fixed32(let v) = value { return Float(bitPattern: v) }; return nil }
    var data: ArraySlice<UInt8>? { if case .bytes(let b) = value { return b }; return nil }
    var string: String? { data.map { String(decoding: $0, as: UTF8.self) } }
    /// A packed repeated double field's values (nil when the bytes are not a whole number of doubles).
    var packedDoubles: [Double]? {
        guard let b = data, b.count % 8 == 0 else { return nil }
        var out: [Double] = []
        out.reserveCapacity(b.count / 8)
        var i = b.startIndex
        while i < b.endIndex {
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(b[i + k]) << (8 * UInt64(k)) }
            out.append(Double(bitPattern: bits))
            i += 8
        }
        return out
    }
}

/// Splits a message into its fields; malformed bytes (a truncated varint or field, an unknown wire
/// type) throw `TensorBoardError.malformedMessage` instead of reading out of bounds.
///
///     for field in try ProtobufReader.fields(of: bytes) where field.number == 2 { print(field.int ?? 0) }
enum ProtobufReader {
    static func fields(of bytes: ArraySlice<UInt8>) throws -> [ProtobufField] {
        var out: [ProtobufField] = []
        var i = bytes.startIndex
        func varint() throws -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < bytes.endIndex, shift < 64 else { throw TensorBoardError.malformedMessage("truncated varint") }
                let b = bytes[i]; i += 1
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
            }
        }
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, bytes.endIndex - i >= n else { throw TensorBoardError.malformedMessage("field of \(n) bytes runs past the message's end") }
            defer { i += n }
            return bytes[i..<(i + n)]
        }
        while i < bytes.endIndex {
            let key = try varint()
            let number = Int(truncatingIfNeeded: key >> 3)
            guard number > 0 else { throw TensorBoardError.malformedMessage("field number 0") }
            switch key & 7 {
            case 0: out.append(ProtobufField(number: number, value: .varint(try varint())))
            case 1:
                let b = try take(8)
                var v: UInt64 = 0
                for (k, byte) in b.enumerated() { v |= UInt64(byte) << (8 * UInt64(k)) }
                out.append(ProtobufField(number: number, value: .fixed64(v)))
            case 2:
                let n = try varint()
                guard n <= UInt64(Int.max) else { throw TensorBoardError.malformedMessage("field length \(n)") }
                out.append(ProtobufField(number: number, value: .bytes(try take(Int(n)))))
            case 5:
                let b = try take(4)
                var v: UInt32 = 0
                for (k, byte) in b.enumerated() { v |= UInt32(byte) << (8 * UInt32(k)) }
                out.append(ProtobufField(number: number, value: .fixed32(v)))
            default: throw TensorBoardError.malformedMessage("unsupported wire type \(key & 7)")
            }
        }
        return out
    }
}
