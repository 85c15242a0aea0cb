import FuzzDriver
import SwiftGrad

// Any bytes must decode to an image (PNG through libpng, JPEG through libjpeg-turbo) or throw
// `ImageError`, never trap or exit; the same bytes as CIFAR records decode or throw `CIFARError`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = inputBytes(data, size)
    // At most 16 MB of pixels: fuzz.sh limits each allocation to 64 MB.
    if let image = try? DecodedImage(decoding: bytes, maxPixelBytes: 16 << 20) {
        precondition(image.pixels.count == image.width * image.height * image.channels, "image size disagrees with its pixels")
        let rgb = image.converted(to: .rgb)
        precondition(rgb.channels == 3 && rgb.pixels.count == image.width * image.height * 3, "RGB conversion size")
    }
    _ = try? CIFAR.decode(bytes, format: .cifar10)
    _ = try? CIFAR.decode(bytes, format: .cifar100(fineLabels: true))
    return 0
}

runFuzzer()
