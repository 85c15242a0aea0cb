import Foundation

/// One step of an image pipeline, as torchvision's transforms: a tensor in, a tensor out.
/// `ToTensor` turns a decoded uint8 [H, W, C] image into float [C, H, W] in [0, 1]; every other
/// transform works on float images [..., C, H, W] (torchvision's tensor path), so `ToTensor`
/// comes first in a `Compose`.
///
///     let t: any ImageTransform = Compose([ToTensor(), Resize(256), CenterCrop(224)])
///     let x = t(image.tensor())
public protocol ImageTransform {
    func callAsFunction(_ image: Tensor) -> Tensor
}

/// Applies transforms in order (torchvision's `Compose`).
///
///     let train = Compose([ToTensor(), RandomResizedCrop(224), RandomHorizontalFlip(),
///                          Normalize(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])])
public struct Compose: ImageTransform {
    public let transforms: [any ImageTransform]
    public init(_ transforms: [any ImageTransform]) { self.transforms = transforms }
    public func callAsFunction(_ image: Tensor) -> Tensor { transforms.reduce(image) { $1($0) } }
}

/// uint8 [H, W, C] (or [H, W]) pixels to float32 [C, H, W] divided by 255 (torchvision's
/// `ToTensor` on a PIL image or NumPy array). A float tensor passes through unchanged.
///
///     let x = ToTensor()(image.tensor())      // [3, h, w] in [0, 1]
public struct ToTensor: ImageTransform {
    public init() {}
    public func callAsFunction(_ image: Tensor) -> Tensor {
        if image.dtype.isFloatingPoint { return image }
        check(image.dtype == .uint8 && (image.rank == 2 || image.rank == 3),
              "ToTensor: expects uint8 pixels [height, width, channels] or [height, width], got \(image.dtype) of shape \(image.shape)")
        let hwc = image.rank == 2 ? image.unsqueeze(axis: 2) : image
        return withNoGrad { hwc.permute([2, 0, 1]).to(.float32) / 255 }
    }
}

/// (x - mean[c]) / std[c] per channel of [..., C, H, W] (torchvision's `Normalize`).
///
///     let n = Normalize(mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
public struct Normalize: ImageTransform {
    public let mean: [Double], std: [Double]
    public init(mean: [Double], std: [Double]) {
        check(mean.count == std.count && !mean.isEmpty && std.allSatisfy { $0 != 0 },
              "Normalize: mean \(mean) and std \(std) must have one entry per channel, std nonzero")
        self.mean = mean
        self.std = std
    }
    public func callAsFunction(_ image: Tensor) -> Tensor {
        checkImage(image, "Normalize")
        let c = image.shape[image.rank - 3]
        check(c == mean.count, "Normalize: \(mean.count) means for an image of shape \(image.shape) with \(c) channels")
        let m = Tensor(mean, shape: [c, 1, 1], dtype: image.dtype), s = Tensor(std, shape: [c, 1, 1], dtype: image.dtype)
        return (image - m) / s
    }
}

/// Resizes [..., C, H, W] with bilinear interpolation and antialiasing (torchvision's `Resize` on
/// tensors with its default `antialias=True`, which is `interpolate(mode: bilinear,
/// antialias: true)`: a triangle filter widened by the scale when shrinking, as PIL). An `Int`
/// size sets the shorter side, the longer one scaled (truncated) to keep the aspect ratio.
///
///     let small = Resize(32)(x)              // [3, 480, 640] -> [3, 32, 42]
///     let square = Resize(height: 224, width: 224)(x)
public struct Resize: ImageTransform {
    public let size: (height: Int, width: Int)?
    public let shorterSide: Int?

    /// Sets the shorter side to `size`.
    public init(_ size: Int) {
        check(size > 0, "Resize: size must be positive, got \(size)")
        shorterSide = size
        self.size = nil
    }

    /// Resizes to exactly `height` × `width`.
    public init(height: Int, width: Int) {
        check(height > 0 && width > 0, "Resize: size must be positive, got \(height) x \(width)")
        size = (height, width)
        shorterSide = nil
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        checkImage(image, "Resize")
        let h = image.shape[image.rank - 2], w = image.shape[image.rank - 1]
        let (oh, ow): (Int, Int)
        if let size { (oh, ow) = size } else {
            let s = shorterSide!
            if h <= w { (oh, ow) = (s, Int(Double(s) * Double(w) / Double(h))) } else { (oh, ow) = (Int(Double(s) * Double(h) / Double(w)), s) }
        }
        return resizeBilinearAntialiased(image, height: oh, width: ow)
    }
}

/// Crops the centre (torchvision's `CenterCrop`: top = round((H - h) / 2), half to even; an
/// image smaller than the crop is padded with zeros first).
///
///     let c = CenterCrop(224)(x)
public struct CenterCrop: ImageTransform {
    public let height: Int, width: Int
    public init(_ size: Int) { self.init(height: size, width: size) }
    public init(height: Int, width: Int) {
        check(height > 0 && width > 0, "CenterCrop: size must be positive, got \(height) x \(width)")
        self.height = height
        self.width = width
    }
    public func callAsFunction(_ image: Tensor) -> Tensor {
        checkImage(image, "CenterCrop")
        var x = image
        var h = x.shape[x.rank - 2], w = x.shape[x.rank - 1]
        if height > h || width > w {
            let padW = max(0, width - w), padH = max(0, height - h)
            x = x.pad([padW / 2, (padW + 1) / 2, padH / 2, (padH + 1) / 2])
            h = x.shape[x.rank - 2]; w = x.shape[x.rank - 1]
            if h == height && w == width { return x }
        }
        let top = Int((Double(h - height) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(w - width) / 2).rounded(.toNearestOrEven))
        return crop(x, top: top, left: left, height: height, width: width)
    }
}

/// Crops a random `height` × `width` window (torchvision's `RandomCrop`), after padding by
/// `padding` (left, top, right, bottom) with `fill`, and, with `padIfNeeded`, up to the crop size.
///
///     let augment = RandomCrop(32, padding: 4, generator: Generator(seed: 0))
public struct RandomCrop: ImageTransform {
    public let height: Int, width: Int
    public let padding: (left: Int, top: Int, right: Int, bottom: Int)
    public let padIfNeeded: Bool
    public let fill: Double
    public let generator: Generator

    /// `padding` pads all four sides.
    public init(_ size: Int, padding: Int = 0, padIfNeeded: Bool = false, fill: Double = 0, generator: Generator = .default) {
        self.init(height: size, width: size, padding: (padding, padding, padding, padding), padIfNeeded: padIfNeeded,
                  fill: fill, generator: generator)
    }

    public init(height: Int, width: Int, padding: (left: Int, top: Int, right: Int, bottom: Int),
                padIfNeeded: Bool = false, fill: Double = 0, generator: Generator = .default) {
        check(height > 0 && width > 0 && [padding.left, padding.top, padding.right, padding.bottom].allSatisfy { $0 >= 0 },
              "RandomCrop: size \(height) x \(width) must be positive and padding \(padding) not negative")
        self.height = height
        self.width = width
        self.padding = padding
        self.padIfNeeded = padIfNeeded
        self.fill = fill
        self.generator = generator
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        checkImage(image, "RandomCrop")
        var x = image
        if padding != (0, 0, 0, 0) { x = x.pad([padding.left, padding.right, padding.top, padding.bottom], value: fill) }
        if padIfNeeded {
            let padW = max(0, width - x.shape[x.rank - 1]), padH = max(0, height - x.shape[x.rank - 2])
            if padW > 0 || padH > 0 { x = x.pad([padW, padW, padH, padH], value: fill) }
        }
        let h = x.shape[x.rank - 2], w = x.shape[x.rank - 1]
        check(h >= height && w >= width, "RandomCrop: crop \(height) x \(width) is larger than the (padded) image of shape \(x.shape)")
        let top = generator.nextInt(in: 0..<(h - height + 1)), left = generator.nextInt(in: 0..<(w - width + 1))
        return crop(x, top: top, left: left, height: height, width: width)
    }
}

/// A random area and aspect ratio cropped, then resized to `height` × `width` (torchvision's
/// `RandomResizedCrop`, bilinear with antialiasing): 10 tries of an area in `scale` of the image and
/// a ratio log-uniform in `ratio`, else the whole image clipped to the ratio range, centred.
///
///     let crop = RandomResizedCrop(224, generator: Generator(seed: 1))
public struct RandomResizedCrop: ImageTransform {
    public let height: Int, width: Int
    public let scale: ClosedRange<Double>, ratio: ClosedRange<Double>
    public let generator: Generator

    public init(_ size: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3),
                generator: Generator = .default) {
        self.init(height: size, width: size, scale: scale, ratio: ratio, generator: generator)
    }

    public init(height: Int, width: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3),
                generator: Generator = .default) {
        check(height > 0 && width > 0 && scale.lowerBound > 0 && ratio.lowerBound > 0,
              "RandomResizedCrop: size \(height) x \(width), scale \(scale) and ratio \(ratio) must be positive")
        self.height = height
        self.width = width
        self.scale = scale
        self.ratio = ratio
        self.generator = generator
    }

    /// The crop (top, left, height, width) for an image of `h` × `w` (torchvision's `get_params`).
    public func parameters(height h: Int, width w: Int) -> (top: Int, left: Int, height: Int, width: Int) {
        let area = Double(h * w)
        let logLow = Foundation.log(ratio.lowerBound), logHigh = Foundation.log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * (scale.lowerBound + (scale.upperBound - scale.lowerBound) * generator.nextUniform())
            let aspect = Foundation.exp(logLow + (logHigh - logLow) * generator.nextUniform())
            let cw = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let ch = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            if cw > 0 && cw <= w && ch > 0 && ch <= h {
                return (generator.nextInt(in: 0..<(h - ch + 1)), generator.nextInt(in: 0..<(w - cw + 1)), ch, cw)
            }
        }
        let inRatio = Double(w) / Double(h)
        var cw = w, ch = h
        if inRatio < ratio.lowerBound {
            ch = Int((Double(cw) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            cw = Int((Double(ch) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return ((h - ch) / 2, (w - cw) / 2, ch, cw)
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        checkImage(image, "RandomResizedCrop")
        let p = parameters(height: image.shape[image.rank - 2], width: image.shape[image.rank - 1])
        return resizeBilinearAntialiased(crop(image, top: p.top, left: p.left, height: p.height, width: p.width),
                                         height: height, width: width)
    }
}

/// Mirrors the last axis with probability `p` (torchvision's `RandomHorizontalFlip`).
///
///     let flip = RandomHorizontalFlip(p: 0.5, generator: Generator(seed: 2))
public struct RandomHorizontalFlip: ImageTransform {
    public let p: Double
    public let generator: Generator
    public init(p: Double = 0.5, generator: Generator = .default) {
        check((0...1).contains(p), "RandomHorizontalFlip: p must be in [0, 1], got \(p)")
        self.p = p
        self.generator = generator
    }
    public func callAsFunction(_ image: Tensor) -> Tensor {
        checkImage(image, "RandomHorizontalFlip")
        return generator.nextUniform() < p ? image.flip(axes: [image.rank - 1]) : image
    }
}

// MARK: - Shared helpers

/// Stops unless `image` is a float tensor with at least three axes [..., C, H, W].
func checkImage(_ image: Tensor, _ name: String) {
    check(image.dtype.isFloatingPoint && image.rank >= 3,
          "\(name): expects a float image [..., channels, height, width] (apply ToTensor first), got \(image.dtype) of shape \(image.shape)")
}

/// The window of the last two axes (a contiguous copy).
func crop(_ x: Tensor, top: Int, left: Int, height: Int, width: Int) -> Tensor {
    x.narrow(axis: x.rank - 2, start: top, length: height).narrow(axis: x.rank - 1, start: left, length: width).contiguous()
}
