// Modules of pixel shuffle and unfold/fold (Ops/PixelShuffleFold.swift), as torch.nn's classes.

/// [*, C·r², H, W] → [*, C, H·r, W·r].
///
///     let shuffle = PixelShuffle(upscaleFactor: 2)
///     let y = shuffle(features)
open class PixelShuffle: Module {
    public let upscaleFactor: Int
    public init(upscaleFactor: Int) { self.upscaleFactor = upscaleFactor; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { pixelShuffle(input, upscaleFactor: upscaleFactor) }
    open override var extraDescription: String { "upscale_factor=\(upscaleFactor)" }
}

/// [*, C, H·r, W·r] → [*, C·r², H, W].
///
///     let unshuffle = PixelUnshuffle(downscaleFactor: 2)
///     let y = unshuffle(image)
open class PixelUnshuffle: Module {
    public let downscaleFactor: Int
    public init(downscaleFactor: Int) { self.downscaleFactor = downscaleFactor; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { pixelUnshuffle(input, downscaleFactor: downscaleFactor) }
    open override var extraDescription: String { "downscale_factor=\(downscaleFactor)" }
}

/// Sliding local blocks (im2col): [N, C, H, W] → [N, C·kh·kw, L].
///
///     let unfold = Unfold(kernelSize: 3, padding: 1)
///     let cols = unfold(images)
open class Unfold: Module {
    public let kernelSize: Size2, dilation: Size2, padding: Size2, stride: Size2
    public init(kernelSize: Size2, dilation: Size2 = 1, padding: Size2 = 0, stride: Size2 = 1) {
        self.kernelSize = kernelSize; self.dilation = dilation; self.padding = padding; self.stride = stride
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor {
        check(input.rank == 3 || input.rank == 4, "Unfold: expected a 3-D or 4-D input, got shape \(input.shape)")
        return unfold(input, kernelSize: kernelSize, dilation: dilation, padding: padding, stride: stride)
    }
    open override var extraDescription: String {
        "kernel_size=\(kernelSize), dilation=\(dilation), padding=\(padding), stride=\(stride)"
    }
}

/// Blocks back into an image, overlaps summed (col2im): [N, C·kh·kw, L] → [N, C, H, W].
///
///     let fold = Fold(outputSize: [8, 8], kernelSize: 3, padding: 1)
///     let image = fold(cols)
open class Fold: Module {
    public let outputSize: Size2, kernelSize: Size2, dilation: Size2, padding: Size2, stride: Size2
    public init(outputSize: Size2, kernelSize: Size2, dilation: Size2 = 1, padding: Size2 = 0, stride: Size2 = 1) {
        self.outputSize = outputSize; self.kernelSize = kernelSize; self.dilation = dilation; self.padding = padding; self.stride = stride
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor {
        check(input.rank == 2 || input.rank == 3, "Fold: expected a 2-D or 3-D input, got shape \(input.shape)")
        return fold(input, outputSize: outputSize, kernelSize: kernelSize, dilation: dilation, padding: padding, stride: stride)
    }
    open override var extraDescription: String {
        "output_size=\(outputSize), kernel_size=\(kernelSize), dilation=\(dilation), padding=\(padding), stride=\(stride)"
    }
}
