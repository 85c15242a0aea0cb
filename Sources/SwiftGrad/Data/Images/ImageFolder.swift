import Foundation

/// Why an image folder could not be listed.
public enum ImageFolderError: Error, Equatable, CustomStringConvertible {
    case notADirectory(String)
    case noClasses(String)
    case noImages(root: String, className: String)

    public var description: String {
        switch self {
        case .notADirectory(let p): return "ImageFolder: \(p) is not a directory"
        case .noClasses(let p): return "ImageFolder: \(p) has no class folders"
        case .noImages(let root, let c): return "ImageFolder: class folder \(root)/\(c) has no .png, .jpg or .jpeg file"
        }
    }
}

/// Images stored one folder per class, `root/<class>/<any path>.png|.jpg|.jpeg` (torchvision's
/// `ImageFolder`): classes are the folder names sorted by code point, labels their positions;
/// each class's files are found recursively and sorted by path as torchvision does. A sample is
/// (the image after `transform`, an int64 label of shape []); without a transform the image is
/// uint8 [H, W, C]. Images are decoded when read (converted to RGB by default, as torchvision's
/// PIL loader). Files with other extensions are not listed (torchvision also takes .bmp, .ppm,
/// .pgm, .tif, .tiff and .webp).
///
///     let train = try ImageFolder(root: "data/train", transform: Compose([ToTensor(), Resize(64), CenterCrop(64)]))
///     let loader = DataLoader(train, batchSize: 32, shuffle: true)
public struct ImageFolder: Dataset {
    public let root: String
    /// Class names, sorted; the label of `classes[i]` is `i`.
    public let classes: [String]
    /// Class name to label.
    public let classToIndex: [String: Int]
    /// Every image's path and label, in order.
    public let samples: [(path: String, label: Int)]
    public let transform: (any ImageTransform)?
    public let mode: ImageMode

    /// Lists `root`'s class folders and their images. Throws `ImageFolderError` when `root` is not
    /// a directory, has no class folder, or a class folder holds no image.
    public init(root: String, transform: (any ImageTransform)? = nil, mode: ImageMode = .rgb) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else { throw ImageFolderError.notADirectory(root) }
        let names = (try? fm.contentsOfDirectory(atPath: root)) ?? []
        let classes = names.filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: root + "/" + name, isDirectory: &d) && d.boolValue
        }.sorted(by: codePointOrder)
        guard !classes.isEmpty else { throw ImageFolderError.noClasses(root) }
        var samples: [(path: String, label: Int)] = []
        for (label, name) in classes.enumerated() {
            let dir = root + "/" + name
            let files = (fm.enumerator(atPath: dir)?.allObjects as? [String] ?? [])
                .filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted(by: walkOrder)
            guard !files.isEmpty else { throw ImageFolderError.noImages(root: root, className: name) }
            samples += files.map { (dir + "/" + $0, label) }
        }
        self.root = root
        self.classes = classes
        self.classToIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        self.samples = samples
        self.transform = transform
        self.mode = mode
    }

    public var count: Int { samples.count }

    /// The decoded image at `index` and its label, before the transform; throws `ImageError`.
    ///
    ///     let (image, label) = try folder.image(at: 0)
    public func image(at index: Int) throws -> (DecodedImage, Int) {
        check(index >= 0 && index < samples.count, "ImageFolder: index \(index) out of range for \(samples.count) images")
        return (try DecodedImage(contentsOf: samples[index].path, mode: mode), samples[index].label)
    }

    /// (transformed image, label []). A file that cannot be decoded stops with its path and the
    /// decoder's message (`Dataset`'s subscript cannot throw; use `image(at:)` to handle it).
    public subscript(index: Int) -> (Tensor, Tensor) {
        let decoded: DecodedImage
        do { decoded = try image(at: index).0 } catch { checkFailure("ImageFolder: \(samples[index].path): \(error)") }
        let x = decoded.tensor()
        return (transform.map { $0(x) } ?? x, Tensor([Int64(samples[index].label)], shape: []))
    }
}

/// The order of torchvision's `sorted(os.walk(...))` then `sorted(fnames)`: by folder path, then
/// by file name.
func walkOrder(_ a: String, _ b: String) -> Bool {
    func split(_ p: String) -> (String, String) {
        guard let slash = p.lastIndex(of: "/") else { return ("", p) }
        return ("/" + p[..<slash], String(p[p.index(after: slash)...]))
    }
    let (da, fa) = split(a), (db, fb) = split(b)
    return da != db ? codePointOrder(da, db) : codePointOrder(fa, fb)
}

/// Python's string order (by Unicode code point), which torchvision's `sorted` uses.
func codePointOrder(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.map(\.value).lexicographicallyPrecedes(b.unicodeScalars.map(\.value))
}
