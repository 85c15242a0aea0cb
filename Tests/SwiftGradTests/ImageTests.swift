import Testing
import Foundation
import SwiftGrad

/// Image pipelines: PNG/JPEG decoding against PIL, ImageFolder's classes and order, the CIFAR
/// binary format and its errors, torchvision's deterministic transforms against its results
/// (Resources/images/expected.json, made by Scripts/make_image_fixtures.py), and the random
/// transforms' shapes, ranges and seeding.
@Suite struct ImageTests {
    static let folder = Bundle.module.url(forResource: "images", withExtension: nil, subdirectory: "Resources")!.path + "/folder"

    /// The fixture file (read on each use: `[String: Any]` cannot be a shared static).
    static var expected: [String: Any] {
        let url = Bundle.module.url(forResource: "images", withExtension: nil, subdirectory: "Resources")!.appendingPathComponent("expected.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
    }

    static func fixture(_ value: Any?) -> Tensor {
        let d = value as? [String: Any] ?? [:]
        let shape = d["shape"] as? [Int] ?? [0]
        let data = (d["data"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue }
        return Tensor(data, shape: shape, dtype: .float64)
    }

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Double {
        guard a.shape == b.shape else { return .infinity }
        return zip(a.to(.float64).doubles, b.to(.float64).doubles).map { abs($0 - $1) }.max() ?? 0
    }

    static var catImage: Tensor { get throws { ToTensor()(try DecodedImage(contentsOf: folder + "/cat/b.png", mode: .rgb).tensor()) } }

    @Test func decodesPNGAndJPEGAsPIL() throws {
        let files = ImageTests.expected["files"] as? [String: [String: Any]] ?? [:]
        #expect(files.count == 5)
        for (name, info) in files {
            let image = try DecodedImage(contentsOf: ImageTests.folder + "/" + name, mode: .rgb)
            let shape = info["shape"] as? [Int] ?? []
            #expect([image.height, image.width, image.channels] == shape, "\(name)")
            let want = (info["rgb"] as? [Int] ?? []).map { UInt8($0) }
            let worst = zip(image.pixels, want).map { abs(Int($0) - Int($1)) }.max() ?? 255
            // PNG is lossless; JPEG's inverse DCT may differ by a level between libjpeg builds.
            #expect(worst <= (name.hasSuffix(".jpg") ? 2 : 0), "\(name): worst difference \(worst)")
        }
        let gray = try DecodedImage(contentsOf: ImageTests.folder + "/cat/nested/c.png")
        #expect(gray.channels == 1 && gray.width == 5 && gray.height == 4)
        let rgba = try DecodedImage(contentsOf: ImageTests.folder + "/dog/x.png")
        #expect(rgba.channels == 4 && rgba.converted(to: .gray).channels == 1)
        #expect(rgba.tensor().shape == [7, 6, 4] && rgba.tensor().dtype == .uint8)
    }

    @Test func decodersThrowOnBadBytes() throws {
        let png = try Array(Data(contentsOf: URL(fileURLWithPath: ImageTests.folder + "/cat/b.png")))
        let jpeg = try Array(Data(contentsOf: URL(fileURLWithPath: ImageTests.folder + "/cat/a.jpg")))
        #expect(throws: ImageError.unknownFormat(firstBytes: [1, 2, 3])) { try DecodedImage(decoding: [1, 2, 3]) }
        for bad in [Array(png.prefix(60)), Array(png.prefix(8)), png.enumerated().map { $0 >= 33 && $0 < 60 ? 0 : $1 },
                    Array(jpeg.prefix(3)), [0xFF, 0xD8, 0xFF, 0xE0, 0, 0]] {
            #expect(throws: ImageError.self) { try DecodedImage(decoding: bad) }
        }
        // A header announcing more pixels than allowed is refused before decoding.
        #expect(throws: ImageError.self) { try DecodedImage(decoding: png, maxPixelBytes: 100) }
        #expect(throws: ImageError.self) { try DecodedImage(decoding: jpeg, maxPixelBytes: 100) }
        #expect(throws: ImageError.self) { try DecodedImage(contentsOf: "/nonexistent.png") }
    }

    @Test func imageFolderListsClassesAndFilesAsTorchvision() throws {
        let folder = try ImageFolder(root: ImageTests.folder)
        #expect(folder.classes == ["cat", "dog"])
        #expect(folder.classToIndex == ["cat": 0, "dog": 1])
        // Files of a folder before those of its subfolders; notes.txt is not an image.
        #expect(folder.samples.map { String($0.path.dropFirst(ImageTests.folder.count + 1)) } ==
                ["cat/a.jpg", "cat/b.png", "cat/nested/c.png", "dog/x.png", "dog/y.png"])
        #expect(folder.samples.map(\.label) == [0, 0, 0, 1, 1])
        let (x, label) = folder[3]
        #expect(x.shape == [7, 6, 3] && x.dtype == .uint8 && label.item() == 1 && label.shape == [])
        let sized = try ImageFolder(root: ImageTests.folder, transform: Compose([ToTensor(), Resize(height: 8, width: 8)]))
        let loader = DataLoader(sized, batchSize: 5)
        let batches = Array(loader)
        #expect(batches.count == 1 && batches[0].0.shape == [5, 3, 8, 8] && batches[0].1.toArray(as: Int64.self) == [0, 0, 0, 1, 1])
        #expect(throws: ImageFolderError.notADirectory("/nonexistent")) { try ImageFolder(root: "/nonexistent") }
        #expect(throws: ImageFolderError.self) { try ImageFolder(root: ImageTests.folder + "/cat/nested") }
    }

    @Test func cifarRecordsDecodeAndBadBytesThrow() throws {
        var bytes: [UInt8] = []
        for i in 0..<3 {
            bytes.append(UInt8(i * 3))
            bytes += (0..<3072).map { UInt8(($0 + i) % 256) }
        }
        let (images, labels) = try CIFAR.decode(bytes, format: .cifar10)
        #expect(images.shape == [3, 3, 32, 32] && images.dtype == .uint8)
        #expect(labels.toArray(as: Int64.self) == [0, 3, 6])
        // Channel-planar: the green plane of record 1 starts at byte 1 + 1024 of its image.
        #expect(images[1, 1, 0, 0].item() == Double((1024 + 1) % 256))
        #expect(throws: CIFARError.truncated(path: "(memory)", bytes: 3072, recordSize: 3073)) {
            try CIFAR.decode(Array(bytes.prefix(3072)), format: .cifar10)
        }
        var bad = bytes
        bad[3073] = 10
        #expect(throws: CIFARError.badLabel(path: "(memory)", record: 1, label: 10, classes: 10)) { try CIFAR.decode(bad, format: .cifar10) }
        // CIFAR-100: coarse then fine label bytes.
        let record100 = [UInt8(19), UInt8(99)] + [UInt8](repeating: 7, count: 3072)
        #expect(try CIFAR.decode(record100, format: .cifar100(fineLabels: true)).labels.toArray(as: Int64.self) == [99])
        #expect(try CIFAR.decode(record100, format: .cifar100(fineLabels: false)).labels.toArray(as: Int64.self) == [19])
        #expect(throws: CIFARError.self) { try CIFAR.decode([20, 5] + [UInt8](repeating: 0, count: 3072), format: .cifar100(fineLabels: true)) }
        #expect(throws: CIFARError.self) { try CIFAR.load(["/nonexistent/data_batch_1.bin"], format: .cifar10) }
    }

    @Test func deterministicTransformsMatchTorchvision() throws {
        let x = try ImageTests.catImage
        let e = ImageTests.expected
        #expect(ImageTests.maxDifference(x, ImageTests.fixture(e["toTensor"])) < 1e-7)
        let normalize = Normalize(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
        #expect(ImageTests.maxDifference(normalize(x), ImageTests.fixture(e["normalize"])) < 1e-5)
        let cases: [(String, any ImageTransform)] = [
            ("resize7", Resize(7)), ("resize5x11", Resize(height: 5, width: 11)), ("resize20x25", Resize(height: 20, width: 25)),
            ("centerCrop8", CenterCrop(8)), ("centerCrop15x20", CenterCrop(height: 15, width: 20)),
        ]
        for (key, transform) in cases {
            let d = ImageTests.maxDifference(transform(x), ImageTests.fixture(e[key]))
            #expect(d < 1e-5, "\(key): worst difference \(d)")
        }
        let small = x.narrow(axis: 1, start: 0, length: 4).narrow(axis: 2, start: 0, length: 5)
        let adjust = e["adjust"] as? [String: Any] ?? [:]
        let results: [(String, Tensor)] = [
            ("brightness", ColorJitter.adjustBrightness(small, 1.3)), ("contrast", ColorJitter.adjustContrast(small, 0.6)),
            ("saturation", ColorJitter.adjustSaturation(small, 1.7)), ("hue", ColorJitter.adjustHue(small, 0.2)),
        ]
        for (key, result) in results {
            let d = ImageTests.maxDifference(result, ImageTests.fixture(adjust[key]))
            #expect(d < 1e-5, "\(key): worst difference \(d)")
        }
    }

    @Test func randomTransformsAreSeededAndKeepShapes() throws {
        let x = try ImageTests.catImage
        func pipeline(_ seed: UInt64) -> Tensor {
            let g = Generator(seed: seed)
            return Compose([RandomResizedCrop(9, generator: g), RandomHorizontalFlip(generator: g),
                            ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, generator: g),
                            RandomCrop(9, padding: 2, generator: g)])(x)
        }
        let a = pipeline(1), b = pipeline(1), c = pipeline(2)
        #expect(a.shape == [3, 9, 9])
        #expect(a.doubles == b.doubles)
        #expect(a.doubles != c.doubles)
        #expect(a.doubles.allSatisfy { $0 >= 0 && $0 <= 1 })
        // p = 1 always flips; p = 0 never does.
        #expect(RandomHorizontalFlip(p: 1)(x).doubles == x.flip(axes: [2]).doubles)
        #expect(RandomHorizontalFlip(p: 0)(x).doubles == x.doubles)
        // RandomCrop with padding: the window lies in the zero-padded image.
        let padded = RandomCrop(height: 17, width: 21, padding: (2, 2, 2, 2), generator: Generator(seed: 3))(x)
        #expect(padded.shape == [3, 17, 21])
        // The crop parameters stay inside the image and within the scale range's area.
        let rrc = RandomResizedCrop(5, scale: 0.5...1, generator: Generator(seed: 4))
        for _ in 0..<20 {
            let p = rrc.parameters(height: 13, width: 17)
            #expect(p.top >= 0 && p.left >= 0 && p.top + p.height <= 13 && p.left + p.width <= 17)
        }
    }

    @Test func transformMisuseStopsWithAMessage() async {
        let resize = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Resize(4)(Tensor.zeros([4, 4]))
        }
        let resizeMessage = String(decoding: resize?.standardErrorContent ?? [], as: UTF8.self)
        #expect(resizeMessage.contains("Resize: expects a float image [..., channels, height, width]"))
        let normalize = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Normalize(mean: [0.5], std: [0.5])(Tensor.zeros([3, 4, 4]))
        }
        let normalizeMessage = String(decoding: normalize?.standardErrorContent ?? [], as: UTF8.self)
        #expect(normalizeMessage.contains("Normalize: 1 means for an image of shape [3, 4, 4] with 3 channels"))
    }
}
