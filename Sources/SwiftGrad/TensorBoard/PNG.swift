// PNG encoding (8-bit grayscale, RGB or RGBA, zlib-compressed with filter type 0 per row) for
// TensorBoard images, and a decoder for those and any other 8-bit non-interlaced PNG (all five
// row filters), used to read images back.
import CZlib

/// An 8-bit image: `height` rows of `width` pixels of `channels` (1 gray, 3 RGB, 4 RGBA) bytes each.
///
///     let png = PNGImage(width: 2, height: 1, channels: 1, pixels: [0, 255]).encoded()
///     let back = try PNGImage(decoding: png)
public struct PNGImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// Row-major pixels, `height * width * channels` bytes.
    public let pixels: [UInt8]

    /// An image from its pixels; stops with a message if the sizes disagree.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        check(width > 0 && height > 0 && [1, 3, 4].contains(channels),
              "PNGImage: width \(width) and height \(height) must be positive and channels \(channels) one of 1, 3, 4")
        check(pixels.count == width * height * channels,
              "PNGImage: \(pixels.count) bytes for a \(height)x\(width)x\(channels) image (needs \(width * height * channels))")
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }

    /// The PNG file bytes.
    public func encoded() -> [UInt8] {
        let colorType: UInt8 = channels == 1 ? 0 : channels == 3 ? 2 : 6
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = []
        Self.appendBE(UInt32(width), &ihdr); Self.appendBE(UInt32(height), &ihdr)
        ihdr += [8, colorType, 0, 0, 0]
        Self.chunk("IHDR", ihdr, into: &out)
        // Each row starts with its filter byte (0: none).
        let rowBytes = width * channels
        var raw = [UInt8](repeating: 0, count: height * (rowBytes + 1))
        for r in 0..<height {
            raw.withUnsafeMutableBufferPointer { dst in
                pixels.withUnsafeBufferPointer { src in
                    _ = UnsafeMutableRawPointer(dst.baseAddress! + r * (rowBytes + 1) + 1)
                        .copyMemory(from: src.baseAddress! + r * rowBytes, byteCount: rowBytes)
                }
            }
        }
        var destLength = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(destLength))
        let status = compress2(&compressed, &destLength, raw, uLong(raw.count), 6)
        check(status == Z_OK, "PNGImage.encoded: zlib compress2 failed with status \(status)")
        Self.chunk("IDAT", Array(compressed[0..<Int(destLength)]), into: &out)
        Self.chunk("IEND", [], into: &out)
        return out
    }

    /// Decodes an 8-bit, non-interlaced grayscale, gray+alpha, RGB or RGBA PNG; anything else, or
    /// damaged bytes, throws `PNGError`.
    public init(decoding bytes: [UInt8]) throws {
        guard bytes.count >= 8, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw PNGError.notPNG
        }
        var i = 8
        var width = 0, height = 0, channels = 0
        var idat: [UInt8] = []
        var sawEnd = false
        while i < bytes.count, !sawEnd {
            guard bytes.count - i >= 12 else { throw PNGError.damaged("chunk header cut short at byte \(i)") }
            let length = Int(Self.readBE(bytes, i))
            let type = String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self)
            guard length <= bytes.count - i - 12 else { throw PNGError.damaged("chunk \(type) of \(length) bytes runs past the end") }
            let data = bytes[(i + 8)..<(i + 8 + length)]
            let crc = data.withContiguousStorageIfAvailable { d in
                UInt32(crc32(crc32(0, Array(type.utf8), 4), d.baseAddress, uInt(length)))
            } ?? 0
            guard crc == Self.readBE(bytes, i + 8 + length) else { throw PNGError.damaged("chunk \(type) fails its CRC-32") }
            switch type {
            case "IHDR":
                guard length == 13 else { throw PNGError.damaged("IHDR of \(length) bytes") }
                let d = Array(data)
                width = Int(Self.readBE(d, 0)); height = Int(Self.readBE(d, 4))
                guard d[8] == 8, d[10] == 0, d[11] == 0, d[12] == 0 else {
                    throw PNGError.unsupported("bit depth \(d[8]), interlace \(d[12]) (8-bit non-interlaced only)")
                }
                switch d[9] {
                case 0: channels = 1
                case 4: channels = 2
                case 2: channels = 3
                case 6: channels = 4
                default: throw PNGError.unsupported("color type \(d[9])")
                }
                guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16 else {
                    throw PNGError.damaged("size \(width)x\(height)")
                }
            case "IDAT": idat += data
            case "IEND": sawEnd = true
            default: break
            }
            i += 12 + length
        }
        guard channels > 0 else { throw PNGError.damaged("no IHDR chunk") }
        let rowBytes = width * channels
        var raw = [UInt8](repeating: 0, count: height * (rowBytes + 1))
        var rawLength = uLong(raw.count)
        let status = uncompress(&raw, &rawLength, idat, uLong(idat.count))
        guard status == Z_OK, Int(rawLength) == raw.count else { throw PNGError.damaged("image data does not inflate to \(raw.count) bytes (zlib status \(status))") }
        var pixels = [UInt8](repeating: 0, count: height * rowBytes)
        for r in 0..<height {
            let filter = raw[r * (rowBytes + 1)]
            for x in 0..<rowBytes {
                let v = raw[r * (rowBytes + 1) + 1 + x]
                let a = x >= channels ? Int(pixels[r * rowBytes + x - channels]) : 0
                let b = r > 0 ? Int(pixels[(r - 1) * rowBytes + x]) : 0
                let c = (x >= channels && r > 0) ? Int(pixels[(r - 1) * rowBytes + x - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = Swift.abs(p - a), pb = Swift.abs(p - b), pc = Swift.abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: throw PNGError.damaged("row \(r) has filter type \(filter)")
                }
                pixels[r * rowBytes + x] = UInt8(truncatingIfNeeded: Int(v) + predictor)
            }
        }
        if channels == 2 {   // gray + alpha: kept as RGBA
            var rgba = [UInt8](repeating: 0, count: width * height * 4)
            for p in 0..<(width * height) {
                let g = pixels[2 * p]
                rgba[4 * p] = g; rgba[4 * p + 1] = g; rgba[4 * p + 2] = g; rgba[4 * p + 3] = pixels[2 * p + 1]
            }
            self.init(width: width, height: height, channels: 4, pixels: rgba)
        } else {
            self.init(width: width, height: height, channels: channels, pixels: pixels)
        }
    }

    private static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        appendBE(UInt32(data.count), &out)
        let typeBytes = Array(type.utf8)
        out += typeBytes
        out += data
        let crc = crc32(crc32(0, typeBytes, 4), data, uInt(data.count))
        appendBE(UInt32(crc), &out)
    }
    private static func appendBE(_ v: UInt32, _ out: inout [UInt8]) {
        for k in (0..<4).reversed() { out.append(UInt8((v >> (8 * UInt32(k))) & 0xFF)) }
    }
    private static func readBE(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(b[at + $1]) }
    }
}

/// Errors decoding a PNG.
public enum PNGError: Error, Equatable, CustomStringConvertible {
    /// The bytes do not start with PNG's signature.
    case notPNG
    /// A chunk, a checksum or the compressed data is damaged.
    case damaged(String)
    /// A valid PNG of a kind this decoder does not read (16-bit, palette, interlaced).
    case unsupported(String)

    public var description: String {
        switch self {
        case .notPNG: return "PNG: not a PNG file (bad signature)"
        case .damaged(let m): return "PNG: damaged file: \(m)"
        case .unsupported(let m): return "PNG: unsupported: \(m)"
        }
    }
}
