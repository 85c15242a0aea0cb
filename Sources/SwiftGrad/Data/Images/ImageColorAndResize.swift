/// Randomly changes brightness, contrast, saturation and hue, in a random order (torchvision's
/// `ColorJitter` on float RGB tensors in [0, 1]). Each factor is drawn uniformly from
/// [max(0, 1 - v), 1 + v] (hue: [-hue, hue], hue ≤ 0.5); 0 leaves that property alone.
///
///     let jitter = ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, generator: Generator(seed: 3))
public struct ColorJitter: ImageTransform {
    public let brightness: Double, contrast: Double, saturation: Double, hue: Double
    public let generator: Generator

    public init(brightness: Double = 0, contrast: Double = 0, saturation: Double = 0, hue: Double = 0,
                generator: Generator = .default) {
        check(brightness >= 0 && contrast >= 0 && saturation >= 0 && (0...0.5).contains(hue),
              "ColorJitter: brightness \(brightness), contrast \(contrast), saturation \(saturation) must not be negative and hue \(hue) in [0, 0.5]")
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.hue = hue
        self.generator = generator
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        checkImage(image, "ColorJitter")
        check(image.shape[image.rank - 3] == 3 || (hue == 0 && saturation == 0),
              "ColorJitter: saturation and hue need RGB images, got shape \(image.shape)")
        var order = [0, 1, 2, 3]
        for i in stride(from: 3, to: 0, by: -1) { order.swapAt(i, generator.nextInt(in: 0..<(i + 1))) }
        func factor(_ v: Double) -> Double? { v == 0 ? nil : max(0, 1 - v) + (1 + v - max(0, 1 - v)) * generator.nextUniform() }
        let b = factor(brightness), c = factor(contrast), s = factor(saturation)
        let h: Double? = hue == 0 ? nil : -hue + 2 * hue * generator.nextUniform()
        return withNoGrad {
            var x = image
            for step in order {
                switch step {
                case 0: if let b { x = ColorJitter.adjustBrightness(x, b) }
                case 1: if let c { x = ColorJitter.adjustContrast(x, c) }
                case 2: if let s { x = ColorJitter.adjustSaturation(x, s) }
                default: if let h { x = ColorJitter.adjustHue(x, h) }
                }
            }
            return x
        }
    }

    /// `factor * x`, clamped to [0, 1].
    public static func adjustBrightness(_ x: Tensor, _ factor: Double) -> Tensor { (x * factor).clamp(min: 0, max: 1) }

    /// Blended with the mean of its grayscale image: `factor * x + (1 - factor) * mean`, clamped.
    public static func adjustContrast(_ x: Tensor, _ factor: Double) -> Tensor {
        let gray = x.shape[x.rank - 3] == 3 ? grayscale(x) : x
        let mean = gray.mean(axes: [x.rank - 3, x.rank - 2, x.rank - 1], keepDim: true)
        return (x * factor + mean * (1 - factor)).clamp(min: 0, max: 1)
    }

    /// Blended with its grayscale image: `factor * x + (1 - factor) * gray`, clamped.
    public static func adjustSaturation(_ x: Tensor, _ factor: Double) -> Tensor {
        (x * factor + grayscale(x) * (1 - factor)).clamp(min: 0, max: 1)
    }

    /// The hue rotated by `shift` turns (in [-0.5, 0.5]), through HSV.
    public static func adjustHue(_ x: Tensor, _ shift: Double) -> Tensor {
        let (h, s, v) = rgbToHSV(x)
        let rotated = h + shift
        return hsvToRGB(rotated - rotated.floor(), s, v)
    }

    /// 0.2989 R + 0.587 G + 0.114 B, keeping a channel axis of 1.
    static func grayscale(_ x: Tensor) -> Tensor {
        let r = x.narrow(axis: x.rank - 3, start: 0, length: 1), g = x.narrow(axis: x.rank - 3, start: 1, length: 1)
        let b = x.narrow(axis: x.rank - 3, start: 2, length: 1)
        let rg = r * 0.2989 + g * 0.587
        return rg + b * 0.114
    }

    /// torchvision's `_rgb2hsv`: hue in [0, 1), saturation and value, each with a channel axis of 1.
    static func rgbToHSV(_ x: Tensor) -> (Tensor, Tensor, Tensor) {
        let axis = x.rank - 3
        let r = x.narrow(axis: axis, start: 0, length: 1), g = x.narrow(axis: axis, start: 1, length: 1)
        let b = x.narrow(axis: axis, start: 2, length: 1)
        let maxc = x.amax(axes: [axis], keepDim: true), minc = x.amin(axes: [axis], keepDim: true)
        let equal = maxc.eq(minc)
        let cr = maxc - minc
        let ones = Tensor.onesLike(maxc)
        let s = cr / Tensor.where(equal, ones, maxc)
        let crDivisor = Tensor.where(equal, ones, cr)
        let rc = (maxc - r) / crDivisor, gc = (maxc - g) / crDivisor, bc = (maxc - b) / crDivisor
        let isR = maxc.eq(r), isG = maxc.eq(g)
        let notR = isR.logicalNot()
        let hr = Tensor.where(isR, bc - gc, Tensor.zerosLike(maxc))
        let hg = Tensor.where(isG.logicalAnd(notR), rc - bc + 2, Tensor.zerosLike(maxc))
        let hb = Tensor.where(isG.logicalNot().logicalAnd(notR), gc - rc + 4, Tensor.zerosLike(maxc))
        let sixth = (hr + hg + hb) / 6 + 1
        return (sixth - sixth.floor(), s, maxc)
    }

    /// torchvision's `_hsv2rgb`.
    static func hsvToRGB(_ h: Tensor, _ s: Tensor, _ v: Tensor) -> Tensor {
        let h6 = h * 6
        let sector = h6.floor()
        let f = h6 - sector
        let i = sector - (sector / 6).floor() * 6                 // sector mod 6
        let p = (v * (s * -1 + 1)).clamp(min: 0, max: 1)
        let q = (v * (s * f * -1 + 1)).clamp(min: 0, max: 1)
        let t = (v * (s * (f * -1 + 1) * -1 + 1)).clamp(min: 0, max: 1)
        // Sector k: (r, g, b) = [(v,t,p), (q,v,p), (p,v,t), (p,q,v), (t,p,v), (v,p,q)][k].
        let table: [(Tensor, Tensor, Tensor)] = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
        var r = Tensor.zerosLike(v), g = Tensor.zerosLike(v), b = Tensor.zerosLike(v)
        for (k, (tr, tg, tb)) in table.enumerated() {
            let m = i.eq(Double(k))
            r = Tensor.where(m, tr, r); g = Tensor.where(m, tg, g); b = Tensor.where(m, tb, b)
        }
        return Tensor.cat([r, g, b], axis: h.rank - 3)
    }
}

// MARK: - Antialiased bilinear resampling

/// Resizes the last two axes of a float tensor to `height` × `width` as `torch.nn.functional.interpolate(mode="bilinear",
/// align_corners=False, antialias=True)` (PIL's separable resampling with a triangle filter whose support grows
/// with the shrink factor; weights normalised per output pixel): width first, then height.
func resizeBilinearAntialiased(_ x: Tensor, height: Int, width: Int) -> Tensor {
    check(height > 0 && width > 0, "Resize: output size \(height) x \(width) must be positive")
    let h = x.shape[x.rank - 2], w = x.shape[x.rank - 1]
    if h == height && w == width { return x }
    let planes = x.count / max(1, h * w)
    let dtype = x.dtype
    let input = x.contiguous().to(.float64).toArray(as: Double.self)
    let (wStarts, wWeights) = antialiasWeights(input: w, output: width)
    let (hStarts, hWeights) = antialiasWeights(input: h, output: height)
    var wide = [Double](repeating: 0, count: planes * h * width)
    for p in 0..<planes {
        for row in 0..<h {
            let src = (p * h + row) * w, dst = (p * h + row) * width
            for j in 0..<width {
                var acc = 0.0
                for (k, weight) in wWeights[j].enumerated() { acc += weight * input[src + wStarts[j] + k] }
                wide[dst + j] = acc
            }
        }
    }
    var out = [Double](repeating: 0, count: planes * height * width)
    for p in 0..<planes {
        for i in 0..<height {
            let dst = (p * height + i) * width
            for (k, weight) in hWeights[i].enumerated() {
                let src = (p * h + hStarts[i] + k) * width
                for j in 0..<width { out[dst + j] += weight * wide[src + j] }
            }
        }
    }
    var shape = x.shape
    shape[x.rank - 2] = height
    shape[x.rank - 1] = width
    return Tensor(out, shape: shape, dtype: .float64).to(dtype)
}

/// For each output index: the first input index and the normalised triangle weights.
func antialiasWeights(input: Int, output: Int) -> ([Int], [[Double]]) {
    let scale = Double(input) / Double(output)
    let support = scale >= 1 ? scale : 1                 // bilinear: half-width 1, widened when shrinking
    let invScale = scale >= 1 ? 1 / scale : 1
    var starts: [Int] = [], weights: [[Double]] = []
    for i in 0..<output {
        let center = scale * (Double(i) + 0.5)
        let lo = max(Int(center - support + 0.5), 0)     // truncation, as PIL and PyTorch
        let hi = min(Int(center + support + 0.5), input)
        var ws = (lo..<hi).map { j in max(0, 1 - abs((Double(j) - center + 0.5) * invScale)) }
        let total = ws.reduce(0, +)
        if total != 0 { ws = ws.map { $0 / total } }
        starts.append(lo)
        weights.append(ws)
    }
    return (starts, weights)
}
