import CJPEG
import CPNG
#if canImport(Glibc)
import Glibc
#endif

/// Why image bytes could not be decoded.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    /// Neither the PNG nor the JPEG signature.
    case unknownFormat(firstBytes: [UInt8])
    /// libpng or libjpeg refused the bytes (their message).
    case corrupt(format: String, message: String)
    /// A file to read is missing or unreadable.
    case file(FileError)

    public var description: String {
        switch self {
        case .unknownFormat(let head): return "image: neither PNG nor JPEG (first bytes \(head))"
        case .corrupt(let format, let message): return "image: bad \(format) data: \(message)"
        case .file(let error): return "image: \(error)"
        }
    }
}

/// The channels an image is converted to after decoding (torchvision's `ImageReadMode`, PIL's
/// `convert`): `.unchanged` keeps the file's (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA).
public enum ImageMode: Sendable {
    case unchanged, gray, rgb, rgba
}

/// An 8-bit image decoded from PNG (libpng) or JPEG (libjpeg-turbo): `height` rows of `width`
/// pixels of `channels` bytes.
///
///     let image = try DecodedImage(contentsOf: "cat.jpg", mode: .rgb)
///     let x = image.tensor()                 // uint8 [height, width, 3]
public struct DecodedImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// Row-major pixels, `height * width * channels` bytes.
    public let pixels: [UInt8]

    /// Decodes PNG or JPEG bytes (by their signature). Throws `ImageError`, never crashes. An image
    /// whose pixels would need more than `maxPixelBytes` (by default 1 GiB: a bomb in a few bytes of
    /// header) is refused before anything is allocated.
    ///
    ///     let image = try DecodedImage(decoding: bytes, mode: .rgb)
    public init(decoding bytes: [UInt8], mode: ImageMode = .unchanged, maxPixelBytes: Int = 1 << 30) throws {
        var raw: UnsafeMutablePointer<UInt8>? = nil
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let format: String
        let status: Int32
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            format = "PNG"
            status = bytes.withUnsafeBytes { b in
                swiftgrad_png_decode(b.baseAddress, b.count, maxPixelBytes, &raw, &w, &h, &c, &message, message.count)
            }
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            format = "JPEG"
            status = bytes.withUnsafeBufferPointer { b in
                swiftgrad_jpeg_decode(b.baseAddress, UInt(b.count), maxPixelBytes, &raw, &w, &h, &c, &message, message.count)
            }
        } else {
            throw ImageError.unknownFormat(firstBytes: Array(bytes.prefix(8)))
        }
        guard status == 0, let raw else {
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ImageError.corrupt(format: format, message: text)
        }
        defer { free(raw) }
        let count = Int(w) * Int(h) * Int(c)
        let decoded = DecodedImage(width: Int(w), height: Int(h), channels: Int(c),
                                   pixels: Array(UnsafeBufferPointer(start: raw, count: count)))
        self = decoded.converted(to: mode)
    }

    /// Reads and decodes an image file.
    ///
    ///     let image = try DecodedImage(contentsOf: "digits/3/0001.png")
    public init(contentsOf path: String, mode: ImageMode = .unchanged) throws {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch let error as FileError { throw ImageError.file(error) }
        try self.init(decoding: bytes, mode: mode)
    }

    /// An image from its pixels; stops with a message if the sizes disagree.
    ///
    ///     let tiny = DecodedImage(width: 2, height: 1, channels: 1, pixels: [0, 255])
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        check(width >= 0 && height >= 0 && (1...4).contains(channels) && pixels.count == width * height * channels,
              "DecodedImage: \(pixels.count) bytes do not make \(height) rows of \(width) pixels of \(channels) channels")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The image with `mode`'s channels, converted as PIL's `convert` does: gray to RGB repeats the
    /// value, RGB to gray is ITU-R 601-2 luma (L = (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16),
    /// alpha is dropped (not composited) or added as 255.
    ///
    ///     let rgb = image.converted(to: .rgb)
    public func converted(to mode: ImageMode) -> DecodedImage {
        let target: Int
        switch mode {
        case .unchanged: return self
        case .gray: target = 1
        case .rgb: target = 3
        case .rgba: target = 4
        }
        if target == channels { return self }
        let n = width * height
        var out = [UInt8](repeating: 255, count: n * target)
        let hasColor = channels >= 3, hasAlpha = channels == 2 || channels == 4
        for i in 0..<n {
            let p = i * channels
            let r = Int(pixels[p]), g = hasColor ? Int(pixels[p + 1]) : r, b = hasColor ? Int(pixels[p + 2]) : r
            let a = hasAlpha ? pixels[p + channels - 1] : 255
            let o = i * target
            if target == 1 {
                out[o] = hasColor ? UInt8((19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16) : UInt8(r)
            } else {
                out[o] = UInt8(r); out[o + 1] = UInt8(g); out[o + 2] = UInt8(b)
                if target == 4 { out[o + 3] = a }
            }
        }
        return DecodedImage(width: width, height: height, channels: target, pixels: out)
    }

    /// The pixels as a uint8 tensor [height, width, channels] (as a NumPy array of a PIL image);
    /// `ToTensor()` turns it into float [channels, height, width] in [0, 1].
    ///
    ///     let x = ToTensor()(image.tensor())
    public func tensor() -> Tensor {
        Tensor(shape: [height, width, channels], scalars: pixels)
    }
}
