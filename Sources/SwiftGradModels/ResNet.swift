import SwiftGrad

/// A torchvision ResNet's shape: block kind, blocks per stage, the first stage's width (64 in
/// torchvision; each stage doubles it) and the classes of `fc`.
///
///     let config = ResNetConfig.resnet50(classes: 1000)
public struct ResNetConfig: Sendable, Equatable {
    /// `BasicBlock` (two 3×3 convolutions; ResNet-18/34) or `Bottleneck` (1×1, 3×3, 1×1 with 4× expansion; ResNet-50/101/152).
    public enum Block: String, Sendable { case basic, bottleneck }
    public var block: Block
    public var layers: [Int]
    public var baseWidth: Int
    public var classes: Int

    /// A ResNet of `layers` blocks per stage (4 stages).
    ///
    ///     let narrow = ResNetConfig(block: .basic, layers: [2, 2, 2, 2], baseWidth: 16, classes: 10)
    public init(block: Block, layers: [Int], baseWidth: Int = 64, classes: Int = 1000) {
        check(layers.count == 4 && layers.allSatisfy { $0 > 0 } && baseWidth > 0 && classes > 0,
              "ResNetConfig: 4 positive stage depths, a positive width and classes, got \(layers), \(baseWidth), \(classes)")
        self.block = block; self.layers = layers; self.baseWidth = baseWidth; self.classes = classes
    }

    /// torchvision's `resnet18`.
    public static func resnet18(classes: Int = 1000) -> ResNetConfig { ResNetConfig(block: .basic, layers: [2, 2, 2, 2], classes: classes) }
    /// torchvision's `resnet34`.
    public static func resnet34(classes: Int = 1000) -> ResNetConfig { ResNetConfig(block: .basic, layers: [3, 4, 6, 3], classes: classes) }
    /// torchvision's `resnet50`.
    public static func resnet50(classes: Int = 1000) -> ResNetConfig { ResNetConfig(block: .bottleneck, layers: [3, 4, 6, 3], classes: classes) }
    /// torchvision's `resnet101`.
    public static func resnet101(classes: Int = 1000) -> ResNetConfig { ResNetConfig(block: .bottleneck, layers: [3, 4, 23, 3], classes: classes) }
    /// torchvision's `resnet152`.
    public static func resnet152(classes: Int = 1000) -> ResNetConfig { ResNetConfig(block: .bottleneck, layers: [3, 8, 36, 3], classes: classes) }

    /// The architectures `--arch` names.
    public static let names = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]

    /// The config of a torchvision architecture name, nil for others.
    public static func named(_ name: String, classes: Int = 1000) -> ResNetConfig? {
        switch name {
        case "resnet18": return .resnet18(classes: classes)
        case "resnet34": return .resnet34(classes: classes)
        case "resnet50": return .resnet50(classes: classes)
        case "resnet101": return .resnet101(classes: classes)
        case "resnet152": return .resnet152(classes: classes)
        default: return nil
        }
    }

    var expansion: Int { block == .basic ? 1 : 4 }
}

/// One residual block (torchvision's `BasicBlock` or `Bottleneck`, stride on the 3×3 convolution).
final class ResidualBlock: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let conv3: Conv2d?, bn3: BatchNorm2d?
    let downsample: Sequential?

    init(_ kind: ResNetConfig.Block, inPlanes: Int, planes: Int, stride: Int) {
        let expansion = kind == .basic ? 1 : 4
        switch kind {
        case .basic:
            conv1 = Conv2d(inChannels: inPlanes, outChannels: planes, kernelSize: 3, stride: Size2(stride), padding: 1, bias: false)
            conv2 = Conv2d(inChannels: planes, outChannels: planes, kernelSize: 3, padding: 1, bias: false)
            conv3 = nil; bn3 = nil
        case .bottleneck:
            conv1 = Conv2d(inChannels: inPlanes, outChannels: planes, kernelSize: 1, bias: false)
            conv2 = Conv2d(inChannels: planes, outChannels: planes, kernelSize: 3, stride: Size2(stride), padding: 1, bias: false)
            conv3 = Conv2d(inChannels: planes, outChannels: planes * 4, kernelSize: 1, bias: false)
            bn3 = BatchNorm2d(planes * 4)
        }
        bn1 = BatchNorm2d(planes); bn2 = BatchNorm2d(planes)
        if stride != 1 || inPlanes != planes * expansion {
            downsample = Sequential(Conv2d(inChannels: inPlanes, outChannels: planes * expansion, kernelSize: 1, stride: Size2(stride), bias: false),
                                    BatchNorm2d(planes * expansion))
        } else {
            downsample = nil
        }
        super.init()
    }

    override func forward(_ x: Tensor) -> Tensor {
        var y = bn2(conv2(bn1(conv1(x)).relu()))
        if let conv3, let bn3 { y = bn3(conv3(y.relu())) }
        return (y + (downsample.map { $0(x) } ?? x)).relu()
    }
}

/// torchvision's ResNet with its state-dict names (`conv1`, `bn1`, `layer1.0.conv1`,
/// `layer2.0.downsample.0`, `fc`, BatchNorm's `running_mean`/`running_var`/`num_batches_tracked`).
/// Use it in eval mode (`model.eval()`: BatchNorm with the running statistics), as the loaders leave it.
///
///     let model = try ResNet(arch: "resnet18", weights: "resnet18.safetensors")
///     let logits = model(images)                         // [n, 3, 224, 224] -> [n, 1000]
public final class ResNet: Module {
    let conv1: Conv2d, bn1: BatchNorm2d
    let layer1: [ResidualBlock], layer2: [ResidualBlock], layer3: [ResidualBlock], layer4: [ResidualBlock]
    let fc: Linear
    /// The configuration the model was built with.
    public let config: ResNetConfig

    /// A model of the config's shape with fresh weights (load a state dict into it).
    public init(_ c: ResNetConfig) {
        config = c
        let w = c.baseWidth
        conv1 = Conv2d(inChannels: 3, outChannels: w, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = BatchNorm2d(w)
        var inPlanes = w
        func stage(_ planes: Int, _ blocks: Int, _ stride: Int) -> [ResidualBlock] {
            (0..<blocks).map { i in
                let b = ResidualBlock(c.block, inPlanes: inPlanes, planes: planes, stride: i == 0 ? stride : 1)
                inPlanes = planes * c.expansion
                return b
            }
        }
        layer1 = stage(w, c.layers[0], 1); layer2 = stage(2 * w, c.layers[1], 2)
        layer3 = stage(4 * w, c.layers[2], 2); layer4 = stage(8 * w, c.layers[3], 2)
        fc = Linear(8 * w * c.expansion, c.classes)
        super.init()
    }

    /// Builds a torchvision architecture (`resnet18`, `resnet50`, ...) and loads a state dict saved
    /// as safetensors (a file, or a directory holding `model.safetensors`). The number of classes
    /// comes from `fc.weight` and the first stage's width from `conv1.weight` (64 in torchvision's
    /// models); everything else must match the architecture's names and shapes. Left in eval mode.
    ///
    ///     let model = try ResNet(arch: "resnet50", weights: "resnet50.safetensors")
    public convenience init(arch: String, weights path: String, dtype: DType? = nil) throws {
        guard var config = ResNetConfig.named(arch) else {
            throw ModelLoadError.unsupported(path: path, what: "the architecture '\(arch)'", supported: ResNetConfig.names)
        }
        let tensors = try CheckpointFiles.load(path)
        if let fc = tensors["fc.weight"], fc.rank == 2 { config.classes = fc.shape[0] }
        if let c1 = tensors["conv1.weight"], c1.rank == 4, c1.shape[0] > 0 { config.baseWidth = c1.shape[0] }
        self.init(config)
        try loadWeights(tensors, dtype: dtype)
    }

    /// Loads a torchvision state dict after checking keys and shapes, and sets eval mode.
    ///
    ///     try model.loadWeights(try Safetensors.load(from: "resnet18.safetensors"))
    public func loadWeights(_ tensors: [String: Tensor], dtype: DType? = nil) throws {
        var o = LoadOptions(); o.dtype = dtype
        try loadPretrained(self, tensors, o)
        eval()
    }

    /// Logits [n, classes] of images [n, 3, h, w].
    public override func forward(_ x: Tensor) -> Tensor {
        check(x.rank == 4 && x.shape[1] == 3, "ResNet: images must be [n, 3, h, w], got \(x.shape)")
        var y = maxPool2d(bn1(conv1(x)).relu(), kernelSize: 3, stride: 2, padding: 1)
        for block in layer1 + layer2 + layer3 + layer4 { y = block(y) }
        return fc(adaptiveAvgPool2d(y, outputSize: 1).flatten(startAxis: 1))
    }
}
