/// Why a CIFAR binary file could not be read.
public enum CIFARError: Error, Equatable, CustomStringConvertible {
    /// The byte count is not a whole number of records.
    case truncated(path: String, bytes: Int, recordSize: Int)
    /// A label byte is out of range for the format.
    case badLabel(path: String, record: Int, label: Int, classes: Int)
    case file(FileError)

    public var description: String {
        switch self {
        case .truncated(let p, let b, let r): return "CIFAR: \(p) holds \(b) bytes, not a whole number of \(r)-byte records"
        case .badLabel(let p, let i, let l, let c): return "CIFAR: \(p) record \(i) has label \(l), but the format has \(c) classes"
        case .file(let e): return "CIFAR: \(e)"
        }
    }
}

/// The CIFAR-10 and CIFAR-100 binary formats (the "binary version" archives from
/// www.cs.toronto.edu/~kriz/cifar.html): each record is the label byte(s), then 3,072 bytes of a
/// 32×32 image, 1,024 red, then green, then blue, each row-major.
///
///     let train = try CIFAR.load(["cifar-10-batches-bin/data_batch_1.bin"], format: .cifar10)
///     let x = train.images.to(.float32) / 255                      // [n, 3, 32, 32]
///     let ds = TensorDataset(x, train.labels)
public enum CIFAR {
    /// Which archive, and for CIFAR-100 which of its two labels.
    public enum Format: Sendable, Equatable {
        /// data_batch_1.bin ... data_batch_5.bin, test_batch.bin: one label byte (0..<10).
        case cifar10
        /// train.bin, test.bin: a coarse (0..<20) and a fine (0..<100) label byte.
        case cifar100(fineLabels: Bool)

        var labelBytes: Int { self == .cifar10 ? 1 : 2 }
        var classes: Int {
            switch self {
            case .cifar10: return 10
            case .cifar100(let fine): return fine ? 100 : 20
            }
        }
    }

    /// Decodes the records of the files, in order: uint8 images [n, 3, 32, 32] and int64 labels [n].
    /// Throws `CIFARError` on a missing file, a partial record or an out-of-range label.
    public static func load(_ paths: [String], format: Format) throws -> (images: Tensor, labels: Tensor) {
        var pixels: [UInt8] = []
        var labels: [Int64] = []
        for path in paths {
            let bytes: [UInt8]
            do { bytes = try AtomicFile.read(path) } catch let e as FileError { throw CIFARError.file(e) }
            try decode(bytes, format: format, path: path, pixels: &pixels, labels: &labels)
        }
        return (Tensor(shape: [labels.count, 3, 32, 32], scalars: pixels), Tensor(labels))
    }

    /// Decodes records held in memory (`path` only names them in errors).
    ///
    ///     let (images, labels) = try CIFAR.decode(bytes, format: .cifar10)
    public static func decode(_ bytes: [UInt8], format: Format, path: String = "(memory)") throws -> (images: Tensor, labels: Tensor) {
        var pixels: [UInt8] = [], labels: [Int64] = []
        try decode(bytes, format: format, path: path, pixels: &pixels, labels: &labels)
        return (Tensor(shape: [labels.count, 3, 32, 32], scalars: pixels), Tensor(labels))
    }

    static func decode(_ bytes: [UInt8], format: Format, path: String, pixels: inout [UInt8], labels: inout [Int64]) throws {
        let imageBytes = 3 * 32 * 32
        let record = format.labelBytes + imageBytes
        guard bytes.count % record == 0 else { throw CIFARError.truncated(path: path, bytes: bytes.count, recordSize: record) }
        let n = bytes.count / record
        pixels.reserveCapacity(pixels.count + n * imageBytes)
        for i in 0..<n {
            let start = i * record
            // CIFAR-100: coarse label first, then fine.
            let label = Int(bytes[start + (format == .cifar100(fineLabels: true) ? 1 : 0)])
            if format != .cifar10 {
                let coarse = Int(bytes[start])
                guard coarse < 20 else { throw CIFARError.badLabel(path: path, record: i, label: coarse, classes: 20) }
                guard Int(bytes[start + 1]) < 100 else { throw CIFARError.badLabel(path: path, record: i, label: Int(bytes[start + 1]), classes: 100) }
            }
            guard label < format.classes else { throw CIFARError.badLabel(path: path, record: i, label: label, classes: format.classes) }
            labels.append(Int64(label))
            pixels.append(contentsOf: bytes[(start + format.labelBytes)..<(start + record)])
        }
    }
}
