import Foundation

/// An image-classification dataset in MNIST's IDX format: MNIST, Fashion-MNIST (same file names and
/// layout) or the embedded 8×8 digit set (`Digits.load(train:)`). Samples are `(image, label)`:
/// a float32 `[1, H, W]` image scaled to [0, 1] (like torchvision's `ToTensor`) and a 0-D int64 label.
///
///     let train = try MNIST(root: "data/mnist", train: true)
///     let loader = DataLoader(train, batchSize: 64, shuffle: true)
public struct MNIST: Dataset {
    /// All images, `[N, 1, H, W]` float32 in [0, 1].
    public let images: Tensor
    /// All labels, `[N]` int64.
    public let labels: Tensor

    /// Which of the two sets that use the MNIST file layout (only the error messages differ).
    public enum Variant: String, Sendable {
        case mnist = "MNIST", fashion = "FashionMNIST"
    }

    /// The standard file names for one split: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
    /// or `t10k-...` for the test split.
    ///
    ///     print(MNIST.fileNames(train: false).images)   // t10k-images-idx3-ubyte
    public static func fileNames(train: Bool) -> (images: String, labels: String) {
        let prefix = train ? "train" : "t10k"
        return ("\(prefix)-images-idx3-ubyte", "\(prefix)-labels-idx1-ubyte")
    }

    /// Loads one split from `root`, which holds the four standard files, plain or gzip'd (`.gz`);
    /// torchvision's layout `root/MNIST/raw` (or `root/FashionMNIST/raw`) is searched as well.
    /// Throws `IDXError.missingFile` listing the names and folders it looked in.
    ///
    ///     let test = try MNIST(root: "~/data/mnist", train: false)
    ///     print(test.count)                    // 10000
    public init(root: String, train: Bool = true, variant: Variant = .mnist) throws {
        let root = NSString(string: root).expandingTildeInPath
        let folders = [root, root + "/\(variant.rawValue)/raw", root + "/raw"]
        let names = MNIST.fileNames(train: train)
        func locate(_ name: String) throws -> String {
            for folder in folders {
                for candidate in [name, name + ".gz"] where FileManager.default.fileExists(atPath: folder + "/" + candidate) {
                    return folder + "/" + candidate
                }
            }
            // Fashion-MNIST and some mirrors use a dot before "idx": train-images.idx3-ubyte.
            let dotted = name.replacingOccurrences(of: "-idx", with: ".idx")
            for folder in folders {
                for candidate in [dotted, dotted + ".gz"] where FileManager.default.fileExists(atPath: folder + "/" + candidate) {
                    return folder + "/" + candidate
                }
            }
            throw IDXError.missingFile(expected: [name, name + ".gz"], searched: folders)
        }
        let imagesPath = try locate(names.images)
        let labelsPath = try locate(names.labels)
        try self.init(images: IDX.read(imagesPath), labels: IDX.read(labelsPath), imagesPath: imagesPath, labelsPath: labelsPath)
    }

    /// A dataset from parsed IDX arrays: images `[N, H, W]` uint8 and labels `[N]`. Labels must be
    /// class indices: a NaN, infinite, fractional or negative label (possible in a float-typed
    /// labels file) throws `IDXError.invalidValue`.
    ///
    ///     let ds = try MNIST(images: IDX.read(imagesPath), labels: IDX.read(labelsPath))
    ///     print(ds.images.shape)
    public init(images: IDXArray, labels: IDXArray, imagesPath: String = "images", labelsPath: String = "labels") throws {
        guard images.shape.count == 3 else {
            throw IDXError.sizeMismatch(path: imagesPath, reason: "expected images of shape [N, H, W], got \(images.shape)")
        }
        guard labels.shape.count == 1 else {
            throw IDXError.sizeMismatch(path: labelsPath, reason: "expected labels of shape [N], got \(labels.shape)")
        }
        guard images.shape[0] == labels.shape[0] else {
            throw IDXError.countMismatch(images: images.shape[0], labels: labels.shape[0])
        }
        let (n, h, w) = (images.shape[0], images.shape[1], images.shape[2])
        let x = try images.tensor(dtype: .float32)
        // Scale to [0, 1] as torchvision's ToTensor does for uint8 pixels.
        let scaled = images.type == .uint8 ? withNoGrad { x / 255 } : x
        // Labels are class indices: whole (checked by the conversion) and in 0..<2^31.
        let y = try labels.tensor(dtype: .int64)
        let classes = y.ints
        if let i = classes.firstIndex(where: { $0 < 0 || $0 > Int(Int32.max) }) {
            throw IDXError.invalidValue(path: labelsPath, index: i, value: String(classes[i]),
                                        reason: "a class label must be a whole number in 0..<2^31")
        }
        self.images = scaled.reshape([n, 1, h, w])
        self.labels = y
    }

    /// A dataset from ready tensors: images `[N, C, H, W]` float, labels `[N]` int64.
    public init(images: Tensor, labels: Tensor) {
        check(images.rank == 4 && labels.rank == 1 && images.shape[0] == labels.shape[0],
                     "MNIST(images:labels:): expected [N, C, H, W] and [N], got \(images.shape) and \(labels.shape)")
        self.images = images.detach()
        self.labels = labels.detach()
    }

    public var count: Int { labels.shape[0] }

    /// `(image [1, H, W], label [])`.
    public subscript(index: Int) -> (Tensor, Tensor) {
        check(index >= 0 && index < count, "MNIST: index \(index) out of range 0..<\(count)")
        return (images.row(index), labels.row(index))
    }

    /// All images and labels as one `TensorDataset`.
    public var tensorDataset: TensorDataset { TensorDataset(images, labels) }
}

extension MNIST: RowBatching {
    func batch(_ indices: [Int]) -> (Tensor, Tensor) { (images.rows(indices), labels.rows(indices)) }
}

extension MNIST {
    /// Fashion-MNIST: the same file names and layout as MNIST (torchvision's `FashionMNIST`).
    ///
    ///     let clothes = try MNIST.fashion(root: "data/fashion", train: true)
    ///     print(clothes.count)                 // 60000
    public static func fashion(root: String, train: Bool = true) throws -> MNIST {
        try MNIST(root: root, train: train, variant: .fashion)
    }
}

/// The small handwritten-digit set embedded in the library (UCI "Optical Recognition of Handwritten
/// Digits", CC BY 4.0): 1,437 training and 360 test images of 8×8 pixels, digits 0-9. It works
/// offline and trains to about 97% accuracy in seconds.
///
///     let train = try Digits.load(train: true)       // images [1437, 1, 8, 8], labels [1437]
///     let test = try Digits.load(train: false)
public enum Digits {
    /// Loads the training (1,437) or test (360) split from the library's resources.
    ///
    ///     let ds = try Digits.load()
    ///     let (image, label) = ds[0]
    public static func load(train: Bool = true) throws -> MNIST {
        let split = train ? "train" : "test"
        func resource(_ kind: String) throws -> String {
            let name = "digits-\(split)-\(kind)-ubyte"
            guard let url = Bundle.module.url(forResource: name, withExtension: "gz", subdirectory: "digits") else {
                throw IDXError.missingFile(expected: [name + ".gz"], searched: [Bundle.module.bundlePath + "/digits"])
            }
            return url.path
        }
        let imagesPath = try resource("images-idx3")
        let labelsPath = try resource("labels-idx1")
        return try MNIST(images: IDX.read(imagesPath), labels: IDX.read(labelsPath), imagesPath: imagesPath, labelsPath: labelsPath)
    }

    /// The licence and provenance note shipped with the data.
    public static var licence: String {
        guard let url = Bundle.module.url(forResource: "LICENSE", withExtension: "md", subdirectory: "digits"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return "CC BY 4.0 (UCI Machine Learning Repository)" }
        return text
    }
}
