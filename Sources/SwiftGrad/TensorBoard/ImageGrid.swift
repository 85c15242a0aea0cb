// Images from tensors: the tensor → 8-bit pixels conversion TensorBoard images use, and
// torchvision's `make_grid`.

extension PNGImage {
    /// The 8-bit image of a tensor: float values are taken as [0, 1] and scaled by 255 (then
    /// clipped and truncated, as PyTorch's `add_image`), uint8 values as they are. `dataFormats`:
    /// "CHW" (1, 3 or 4 channels), "HWC" or "HW".
    ///
    ///     let png = try PNGImage(tensor: Tensor.rand([3, 8, 8]), dataFormats: "CHW").encoded()
    public init(tensor: Tensor, dataFormats: String = "CHW") throws {
        try self.init(tensor: tensor, dataFormats: dataFormats, op: "PNGImage(tensor:)")
    }

    init(tensor: Tensor, dataFormats: String, op: String) throws {
        let s = tensor.shape
        let (c, h, w): (Int, Int, Int)
        var hwc: Tensor
        switch dataFormats {
        case "CHW" where s.count == 3:
            (c, h, w) = (s[0], s[1], s[2]); hwc = tensor.permute([1, 2, 0])
        case "HWC" where s.count == 3:
            (h, w, c) = (s[0], s[1], s[2]); hwc = tensor
        case "HW" where s.count == 2:
            (h, w, c) = (s[0], s[1], 1); hwc = tensor
        default:
            throw TensorBoardError.invalidInput("\(op): an image of shape \(s) does not match dataFormats \"\(dataFormats)\" (\"CHW\", \"HWC\" or \"HW\")")
        }
        guard [1, 3, 4].contains(c), h > 0, w > 0 else {
            throw TensorBoardError.invalidInput("\(op): an image of shape \(s) (\(dataFormats)) needs 1, 3 or 4 channels and a positive size")
        }
        let values = hwc.toArray(as: Double.self)
        let scale = tensor.dtype == .uint8 ? 1.0 : 255.0
        let pixels = values.map { v -> UInt8 in
            let x = v * scale
            return x.isNaN ? 0 : UInt8(Swift.max(0, Swift.min(255, x)))
        }
        self.init(width: w, height: h, channels: c, pixels: pixels)
    }
}

/// A grid of images (torchvision's `make_grid`): `images` [n, c, h, w] laid out `nrow` per row with
/// `padding` pixels of `padValue` around each; one-channel images become three. Returns [c, H, W].
///
///     let grid = makeGrid(batch, nrow: 8)          // [64, 1, 8, 8] -> [3, 82, 82]
///     try writer.addImage("digits", grid, step: 0)
public func makeGrid(_ images: Tensor, nrow: Int = 8, padding: Int = 2, padValue: Double = 0) -> Tensor {
    var x = images
    if x.rank == 3 { x = x.unsqueeze(axis: 0) }
    check(x.rank == 4, "makeGrid: expects images [n, c, h, w] (or one [c, h, w]), got shape \(images.shape)")
    check(nrow >= 1 && padding >= 0, "makeGrid: nrow \(nrow) must be at least 1 and padding \(padding) not negative")
    if x.shape[1] == 1 { x = Tensor.cat([x, x, x], axis: 1) }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    check(n > 0, "makeGrid: no images (shape \(images.shape))")
    let cols = Swift.min(nrow, n), rows = (n + cols - 1) / cols
    let cellH = h + padding, cellW = w + padding
    return withNoGrad {
        let grid = Tensor.full([c, rows * cellH + padding, cols * cellW + padding], padValue, dtype: x.dtype)
        for k in 0..<n {
            let (r, col) = (k / cols, k % cols)
            grid.slice(axis: 1, start: r * cellH + padding, end: r * cellH + padding + h)
                .slice(axis: 2, start: col * cellW + padding, end: col * cellW + padding + w)
                .copyFrom(x[k])
        }
        return grid
    }
}
