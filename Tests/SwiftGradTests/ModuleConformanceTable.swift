import Foundation
@testable import SwiftGrad

// THE mapping table of the module conformance suite: module_db entry → our module, built from
// PyTorch's constructor arguments (Python's parameter names, in order), and how to call it with
// PyTorch's forward arguments. A keyword a row does not name makes the sample unsupported.
// See Docs/Conformance.md ("module_db").

extension Call {
    /// `reduction=`, rejecting the legacy `size_average` / `reduce` flags.
    func lossReduction() throws -> Reduction {
        try reject("size_average")
        try reject("reduce")
        if try string("reduction", "mean") == "batchmean" { return .batchMean }
        return try reduction()
    }

    /// An adaptive pool's output size: an int or a tuple whose None entries keep the input's size.
    func adaptiveSizes(_ name: String, _ x: Tensor, count: Int) throws -> [Int] {
        guard case .list(let xs)? = value(name) else { return try ints(name, count: count) }
        try require(xs.count == count, "\(name) has \(xs.count) entries")
        return try xs.enumerated().map { k, v -> Int in
            switch v {
            case .int(let i): return i
            case .null: return x.shape[x.rank - count + k]
            default: throw Unsupported("\(name) holds \(v)")
            }
        }
    }

    /// A number or a tuple of numbers (`output_ratio`), or nil when absent.
    func doublesOrNil(_ name: String) throws -> [Double]? {
        switch value(name) {
        case nil: return nil
        case .list(let xs)?:
            return try xs.map { v -> Double in
                switch v {
                case .float(let d): return d
                case .int(let i): return Double(i)
                default: throw Unsupported("\(name) holds \(v)")
                }
            }
        default: return [try double(name)]
        }
    }

    /// PyTorch's implicit softmax axis for `dim=None` (`_get_softmax_dim`): 0 for 0-, 1- and 3-D inputs, else 1.
    func softmaxAxis(for x: Tensor) throws -> Int {
        if let d = try intOrNil("dim") { return d }
        return [0, 1, 3].contains(x.rank) ? 0 : 1
    }

    /// The `activation` of a transformer layer: "relu"/"gelu", or F.relu/F.gelu.
    func transformerActivation() throws -> TransformerActivation {
        switch try callableName("activation") ?? "relu" {
        case "relu": return .relu
        case "gelu": return .gelu
        case let a: throw Unsupported("activation=\(a)")
        }
    }

    /// A length list of CTC: a tuple of ints or an integer tensor.
    func lengths(_ name: String) throws -> Tensor {
        if case .tensor(let t)? = value(name) { return makeTensor(t) }
        let v = try ints(name)
        return Tensor(v, shape: [v.count], dtype: .int64)
    }

    /// The configuration of a TransformerEncoderLayer passed to TransformerEncoder, as a `Call`.
    func moduleConfig(_ name: String, _ kind: String) throws -> Call {
        guard case .dict(let d)? = value(name), case .string(kind)? = d["module"], case .dict(let config)? = d["config"] else {
            throw Unsupported("\(name) is not an \(kind)")
        }
        let inner = Call(FixtureSample(id: sample.id, dtype: sample.dtype, input: .null, args: [], kwargs: config,
                                       output: .null, grads: nil, desc: nil))
        try inner.bind(["_"] + Array(config.keys))
        return inner
    }
}

enum ModuleConformanceTable {
    /// module_db entry (PyTorch's `nn.Name`) → our module. An entry with two rows stops the run.
    static var mappings: [String: ModuleMapping] {
        var all: [String: ModuleMapping] = [:]
        for group in [activationRows, convolutionRows, poolingRows, normalizationRows, lossRows, sequenceRows, paddingRows] {
            all.merge(group) { _, _ in fatalError("ModuleConformanceTable: a module_db entry has two rows") }
        }
        return all
    }

    // MARK: Activations

    static var activationRows: [String: ModuleMapping] { [
        "nn.ReLU": unary("ReLU()", ctor: ["inplace"]) { _ in ReLU() },
        "nn.ReLU6": unary("ReLU6()", ctor: ["inplace"]) { _ in ReLU6() },
        "nn.SELU": unary("SELU()", ctor: ["inplace"]) { _ in SELU() },
        "nn.SiLU": unary("SiLU()", ctor: ["inplace"]) { _ in SiLU() },
        "nn.Mish": unary("Mish()", ctor: ["inplace"]) { _ in Mish() },
        "nn.Hardswish": unary("Hardswish()", ctor: ["inplace"]) { _ in Hardswish() },
        "nn.Sigmoid": unary("Sigmoid()", ctor: []) { _ in Sigmoid() },
        "nn.LogSigmoid": unary("LogSigmoid()", ctor: []) { _ in LogSigmoid() },
        "nn.Tanh": unary("Tanh()", ctor: []) { _ in Tanh() },
        "nn.Tanhshrink": unary("Tanhshrink()", ctor: []) { _ in Tanhshrink() },
        "nn.Softsign": unary("Softsign()", ctor: []) { _ in Softsign() },
        "nn.Softmax2d": unary("Softmax2d()", ctor: []) { _ in Softmax2d() },
        "nn.ELU": unary("ELU(alpha:)", ctor: ["alpha", "inplace"]) { c in ELU(alpha: try c.double("alpha", 1)) },
        "nn.CELU": unary("CELU(alpha:)", ctor: ["alpha", "inplace"]) { c in CELU(alpha: try c.double("alpha", 1)) },
        "nn.LeakyReLU": unary("LeakyReLU(negativeSlope:)", ctor: ["negative_slope", "inplace"]) { c in
            LeakyReLU(negativeSlope: try c.double("negative_slope", 0.01))
        },
        "nn.GELU": unary("GELU(approximate:)", ctor: ["approximate"]) { c in
            guard let a = GELUApproximation(rawValue: try c.string("approximate", "none")) else { throw Unsupported("approximate") }
            return GELU(approximate: a)
        },
        "nn.GLU": unary("GLU(axis:)", ctor: ["dim"]) { c in GLU(axis: try c.int("dim", -1)) },
        "nn.Hardshrink": unary("Hardshrink(lambda:)", ctor: ["lambd"]) { c in Hardshrink(lambda: try c.double("lambd", 0.5)) },
        "nn.Softshrink": unary("Softshrink(lambda:)", ctor: ["lambd"]) { c in Softshrink(lambda: try c.double("lambd", 0.5)) },
        "nn.Hardtanh": unary("Hardtanh(min:max:)", ctor: ["min_val", "max_val", "inplace"]) { c in
            Hardtanh(min: try c.double("min_val", -1), max: try c.double("max_val", 1))
        },
        "nn.Threshold": unary("Threshold(threshold, value)", ctor: ["threshold", "value", "inplace"]) { c in
            Threshold(try c.double("threshold"), try c.double("value"))
        },
        "nn.Softplus": unary("Softplus(beta:threshold:)", ctor: ["beta", "threshold"]) { c in
            Softplus(beta: try c.double("beta", 1), threshold: try c.double("threshold", 20))
        },
        "nn.PReLU": unary("PReLU(numParameters:initialValue:)", ctor: ["num_parameters", "init"]) { c in
            PReLU(numParameters: try c.int("num_parameters", 1), initialValue: try c.double("init", 0.25))
        },
        "nn.Softmax": mm("Softmax(axis:)", ctor: ["dim"]) { c, f in
            let x = try f.x, m = Softmax(axis: try c.softmaxAxis(for: x))
            return ModuleRun(module: m) { m(x) }
        },
        "nn.LogSoftmax": mm("LogSoftmax(axis:)", ctor: ["dim"]) { c, f in
            let x = try f.x, m = LogSoftmax(axis: try c.softmaxAxis(for: x))
            return ModuleRun(module: m) { m(x) }
        },
        "nn.Softmin": mm("Softmin(axis:)", ctor: ["dim"]) { c, f in
            let x = try f.x, m = Softmin(axis: try c.softmaxAxis(for: x))
            return ModuleRun(module: m) { m(x) }
        },
    ] }

    // MARK: Convolution and linear layers

    static var convolutionRows: [String: ModuleMapping] {
        var rows: [String: ModuleMapping] = [
            "nn.Linear": unary("Linear(inFeatures, outFeatures, bias:)", ctor: ["in_features", "out_features", "bias"]) { c in
                Linear(try c.int("in_features"), try c.int("out_features"), bias: try c.bool("bias", true))
            },
            "nn.Bilinear": mm("Bilinear(in1Features:in2Features:outFeatures:bias:)", ctor: ["in1_features", "in2_features", "out_features", "bias"],
                              forward: ["input1", "input2"]) { c, f in
                let m = Bilinear(in1Features: try c.int("in1_features"), in2Features: try c.int("in2_features"),
                                 outFeatures: try c.int("out_features"), bias: try c.bool("bias", true))
                return ModuleRun(module: m) { m(try f.tensor("input1"), try f.tensor("input2")) }
            },
        ]
        for lazy in [false, true] {
            let prefix = lazy ? "nn.Lazy" : "nn."
            rows[prefix + "Conv1d"] = conv(lazy, transposed: false, rank: 1)
            rows[prefix + "Conv2d"] = conv(lazy, transposed: false, rank: 2)
            rows[prefix + "Conv3d"] = conv(lazy, transposed: false, rank: 3)
            rows[prefix + "ConvTranspose1d"] = conv(lazy, transposed: true, rank: 1)
            rows[prefix + "ConvTranspose2d"] = conv(lazy, transposed: true, rank: 2)
            rows[prefix + "ConvTranspose3d"] = conv(lazy, transposed: true, rank: 3)
        }
        return rows
    }

    /// Conv1d/2d/3d and ConvTranspose1d/2d/3d; the lazy ones take their input channels from the input.
    private static func conv(_ lazy: Bool, transposed: Bool, rank: Int) -> ModuleMapping {
        let name = (transposed ? "ConvTranspose" : "Conv") + "\(rank)d"
        let ctor = (lazy ? [] : ["in_channels"]) + ["out_channels", "kernel_size", "stride", "padding"]
            + (transposed ? ["output_padding", "groups", "bias", "dilation"] : ["dilation", "groups", "bias"]) + ["padding_mode"]
        let spelling = "\(name)(inChannels, outChannels, kernelSize, stride:padding:\(transposed ? "outputPadding:" : "")dilation:groups:bias:\(transposed ? "" : "paddingMode:"))"
            + (lazy ? " with inChannels from the input" : "")
        return mm(spelling, ctor: ctor) { c, f in
            let mode: PaddingMode
            switch try c.string("padding_mode", "zeros") {
            case "zeros": mode = .constant
            case "reflect": mode = .reflect
            case "replicate": mode = .replicate
            case "circular": mode = .circular
            case let other: throw Unsupported("padding_mode=\(other)")
            }
            try c.require(!transposed || mode == .constant, "padding_mode of a transposed convolution")
            let x = try f.x
            let inChannels = try lazy ? x.shape[x.rank == rank + 2 ? 1 : 0] : c.int("in_channels")
            let out = try c.int("out_channels"), groups = try c.int("groups", 1), bias = try c.bool("bias", true)
            let k = try c.ints("kernel_size", count: rank), s = try c.ints("stride", count: rank, 1)
            let d = try c.ints("dilation", count: rank, 1)
            let m: Module
            if transposed {
                let p = try c.ints("padding", count: rank, 0), op = try c.ints("output_padding", count: rank, 0)
                switch rank {
                case 1: m = ConvTranspose1d(inChannels, out, k[0], stride: s[0], padding: p[0], outputPadding: op[0], groups: groups,
                                            bias: bias, dilation: d[0])
                case 2: m = ConvTranspose2d(inChannels, out, Size2(k[0], k[1]), stride: Size2(s[0], s[1]), padding: Size2(p[0], p[1]),
                                            outputPadding: Size2(op[0], op[1]), groups: groups, bias: bias, dilation: Size2(d[0], d[1]))
                default: m = ConvTranspose3d(inChannels, out, Size3(k[0], k[1], k[2]), stride: Size3(s[0], s[1], s[2]),
                                             padding: Size3(p[0], p[1], p[2]), outputPadding: Size3(op[0], op[1], op[2]), groups: groups,
                                             bias: bias, dilation: Size3(d[0], d[1], d[2]))
                }
            } else {
                let named = c.paddingString("padding")
                try c.require(named == nil || named == "same" || named == "valid", "padding=\(named ?? "")")
                let p = try named == nil ? c.ints("padding", count: rank, 0) : []
                switch rank {
                case 1:
                    let pad: Padding1d = named == "same" ? .same : named == "valid" ? .valid : .explicit(p[0])
                    m = Conv1d(inChannels, out, k[0], stride: s[0], padding: pad, dilation: d[0], groups: groups, bias: bias, paddingMode: mode)
                case 2:
                    let pad: Padding2d = named == "same" ? .same : named == "valid" ? .valid : .explicit(Size2(p[0], p[1]))
                    m = Conv2d(inChannels, out, Size2(k[0], k[1]), stride: Size2(s[0], s[1]), padding: pad, dilation: Size2(d[0], d[1]),
                               groups: groups, bias: bias, paddingMode: mode)
                default:
                    let pad: Padding3d = named == "same" ? .same : named == "valid" ? .valid : .explicit(Size3(p[0], p[1], p[2]))
                    m = Conv3d(inChannels, out, Size3(k[0], k[1], k[2]), stride: Size3(s[0], s[1], s[2]), padding: pad,
                               dilation: Size3(d[0], d[1], d[2]), groups: groups, bias: bias, paddingMode: mode)
                }
            }
            return ModuleRun(module: m) { m(x) }
        }
    }

    // MARK: Pooling

    static var poolingRows: [String: ModuleMapping] { [
        "nn.MaxPool1d": mm("MaxPool1d(kernelSize, stride:padding:dilation:ceilMode:), .forwardWithIndices for return_indices",
                           ctor: ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"]) { c, f in
            let k = try c.ints("kernel_size", count: 1)[0], s = try c.has("stride") ? c.ints("stride", count: 1)[0] : nil
            let p = try c.ints("padding", count: 1, 0)[0], d = try c.ints("dilation", count: 1, 1)[0], ceil = try c.bool("ceil_mode", false)
            let m = MaxPool1d(k, stride: s, padding: p, dilation: d, ceilMode: ceil)
            let withIndices = try c.bool("return_indices", false)
            return ModuleRun(module: m) {
                let x = try f.x
                if withIndices {
                    let r = m.forwardWithIndices(x)
                    return outs(r.values, r.indices)
                }
                return m(x)
            }
        },
        "nn.MaxPool2d": mm("MaxPool2d(kernelSize, stride:padding:dilation:ceilMode:), .forwardWithIndices for return_indices",
                           ctor: ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"]) { c, f in
            let k = try c.size2("kernel_size"), s = try c.size2OrNil("stride")
            let p = try c.size2("padding", 0), d = try c.size2("dilation", 1), ceil = try c.bool("ceil_mode", false)
            let m = MaxPool2d(k, stride: s, padding: p, dilation: d, ceilMode: ceil)
            let withIndices = try c.bool("return_indices", false)
            return ModuleRun(module: m) {
                let x = try f.x
                if withIndices {
                    let r = m.forwardWithIndices(x)
                    return outs(r.values, r.indices)
                }
                return m(x)
            }
        },
        "nn.MaxPool3d": mm("MaxPool3d(kernelSize, stride:padding:dilation:ceilMode:), .forwardWithIndices for return_indices",
                           ctor: ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"]) { c, f in
            let k = try c.size3("kernel_size"), s = try c.size3OrNil("stride")
            let p = try c.size3("padding", 0), d = try c.size3("dilation", 1), ceil = try c.bool("ceil_mode", false)
            let m = MaxPool3d(k, stride: s, padding: p, dilation: d, ceilMode: ceil)
            let withIndices = try c.bool("return_indices", false)
            return ModuleRun(module: m) {
                let x = try f.x
                if withIndices {
                    let r = m.forwardWithIndices(x)
                    return outs(r.values, r.indices)
                }
                return m(x)
            }
        },
        "nn.AvgPool1d": unary("AvgPool1d(kernelSize, stride:padding:ceilMode:countIncludePad:)",
                              ctor: ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]) { c in
            AvgPool1d(try c.ints("kernel_size", count: 1)[0], stride: try c.has("stride") ? c.ints("stride", count: 1)[0] : nil,
                      padding: try c.ints("padding", count: 1, 0)[0], ceilMode: try c.bool("ceil_mode", false),
                      countIncludePad: try c.bool("count_include_pad", true))
        },
        "nn.AvgPool2d": unary("AvgPool2d(kernelSize, stride:padding:ceilMode:countIncludePad:divisorOverride:)",
                              ctor: ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"]) { c in
            AvgPool2d(try c.size2("kernel_size"), stride: try c.size2OrNil("stride"), padding: try c.size2("padding", 0),
                      ceilMode: try c.bool("ceil_mode", false), countIncludePad: try c.bool("count_include_pad", true),
                      divisorOverride: try c.intOrNil("divisor_override"))
        },
        "nn.AvgPool3d": unary("AvgPool3d(kernelSize, stride:padding:ceilMode:countIncludePad:divisorOverride:)",
                              ctor: ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"]) { c in
            AvgPool3d(try c.size3("kernel_size"), stride: try c.size3OrNil("stride"), padding: try c.size3("padding", 0),
                      ceilMode: try c.bool("ceil_mode", false), countIncludePad: try c.bool("count_include_pad", true),
                      divisorOverride: try c.intOrNil("divisor_override"))
        },
        "nn.AdaptiveAvgPool1d": mm("AdaptiveAvgPool1d(outputSize)", ctor: ["output_size"]) { c, f in
            let m = AdaptiveAvgPool1d(try c.ints("output_size", count: 1)[0])
            return ModuleRun(module: m) { m(try f.x) }
        },
        "nn.AdaptiveAvgPool2d": mm("AdaptiveAvgPool2d(outputSize)", ctor: ["output_size"]) { c, f in
            let x = try f.x, o = try c.adaptiveSizes("output_size", x, count: 2)
            let m = AdaptiveAvgPool2d(Size2(o[0], o[1]))
            return ModuleRun(module: m) { m(x) }
        },
        "nn.AdaptiveAvgPool3d": mm("AdaptiveAvgPool3d(outputSize)", ctor: ["output_size"]) { c, f in
            let x = try f.x, o = try c.adaptiveSizes("output_size", x, count: 3)
            let m = AdaptiveAvgPool3d(Size3(o[0], o[1], o[2]))
            return ModuleRun(module: m) { m(x) }
        },
        "nn.AdaptiveMaxPool1d": mm("AdaptiveMaxPool1d(outputSize), .forwardWithIndices for return_indices",
                                   ctor: ["output_size", "return_indices"]) { c, f in
            let o = try c.ints("output_size", count: 1)[0], m = AdaptiveMaxPool1d(o)
            let withIndices = try c.bool("return_indices", false)
            return ModuleRun(module: m) {
                if withIndices { let r = m.forwardWithIndices(try f.x); return outs(r.values, r.indices) }
                return m(try f.x)
            }
        },
        "nn.AdaptiveMaxPool2d": mm("AdaptiveMaxPool2d(outputSize), .forwardWithIndices for return_indices",
                                   ctor: ["output_size", "return_indices"]) { c, f in
            let x = try f.x, o = try c.adaptiveSizes("output_size", x, count: 2), m = AdaptiveMaxPool2d(Size2(o[0], o[1]))
            let withIndices = try c.bool("return_indices", false)
            return ModuleRun(module: m) {
                if withIndices { let r = m.forwardWithIndices(x); return outs(r.values, r.indices) }
                return m(x)
            }
        },
        "nn.AdaptiveMaxPool3d": mm("AdaptiveMaxPool3d(outputSize), .forwardWithIndices for return_indices",
                                   ctor: ["output_size", "return_indices"]) { c, f in
            let x = try f.x, o = try c.adaptiveSizes("output_size", x, count: 3), m = AdaptiveMaxPool3d(Size3(o[0], o[1], o[2]))
            let withIndices = try c.bool("return_indices", false)
            return ModuleRun(module: m) {
                if withIndices { let r = m.forwardWithIndices(x); return outs(r.values, r.indices) }
                return m(x)
            }
        },
        "nn.FractionalMaxPool2d": mm("FractionalMaxPool2d(kernelSize:outputSize:outputRatio:randomSamples:), .forwardWithIndices for return_indices",
                                     ctor: ["kernel_size", "output_size", "output_ratio", "return_indices", "_random_samples"]) { c, f in
            let m = FractionalMaxPool2d(kernelSize: try c.size2("kernel_size"), outputSize: try c.size2OrNil("output_size"),
                                        outputRatio: try c.doublesOrNil("output_ratio"), randomSamples: try c.tensorOrNil("_random_samples"))
            let withIndices = try c.bool("return_indices", false)
            return ModuleRun(module: m) {
                if withIndices { let r = m.forwardWithIndices(try f.x); return outs(r.values, r.indices) }
                return m(try f.x)
            }
        },
        "nn.FractionalMaxPool3d": mm("FractionalMaxPool3d(kernelSize:outputSize:outputRatio:randomSamples:), .forwardWithIndices for return_indices",
                                     ctor: ["kernel_size", "output_size", "output_ratio", "return_indices", "_random_samples"]) { c, f in
            let m = FractionalMaxPool3d(kernelSize: try c.size3("kernel_size"), outputSize: try c.size3OrNil("output_size"),
                                        outputRatio: try c.doublesOrNil("output_ratio"), randomSamples: try c.tensorOrNil("_random_samples"))
            let withIndices = try c.bool("return_indices", false)
            return ModuleRun(module: m) {
                if withIndices { let r = m.forwardWithIndices(try f.x); return outs(r.values, r.indices) }
                return m(try f.x)
            }
        },
        "nn.LPPool1d": unary("LPPool1d(normType:kernelSize:stride:ceilMode:)", ctor: ["norm_type", "kernel_size", "stride", "ceil_mode"]) { c in
            LPPool1d(normType: try c.double("norm_type"), kernelSize: try c.ints("kernel_size", count: 1)[0],
                     stride: try c.has("stride") ? c.ints("stride", count: 1)[0] : nil, ceilMode: try c.bool("ceil_mode", false))
        },
        "nn.LPPool2d": unary("LPPool2d(normType:kernelSize:stride:ceilMode:)", ctor: ["norm_type", "kernel_size", "stride", "ceil_mode"]) { c in
            LPPool2d(normType: try c.double("norm_type"), kernelSize: try c.size2("kernel_size"), stride: try c.size2OrNil("stride"),
                     ceilMode: try c.bool("ceil_mode", false))
        },
        "nn.LPPool3d": unary("LPPool3d(normType:kernelSize:stride:ceilMode:)", ctor: ["norm_type", "kernel_size", "stride", "ceil_mode"]) { c in
            LPPool3d(normType: try c.double("norm_type"), kernelSize: try c.size3("kernel_size"), stride: try c.size3OrNil("stride"),
                     ceilMode: try c.bool("ceil_mode", false))
        },
    ] }

    // MARK: Normalization and embedding

    static var normalizationRows: [String: ModuleMapping] {
        let bn = ["num_features", "eps", "momentum", "affine", "track_running_stats", "bias"]
        var rows: [String: ModuleMapping] = [
            "nn.BatchNorm1d": unary("BatchNorm1d(numFeatures, eps:momentum:affine:trackRunningStats:bias:)", ctor: bn) { c in
                BatchNorm1d(try c.int("num_features"), eps: try c.double("eps", 1e-5), momentum: try bnMomentum(c),
                            affine: try c.bool("affine", true), trackRunningStats: try c.bool("track_running_stats", true),
                            bias: try c.bool("bias", true))
            },
            "nn.BatchNorm2d": unary("BatchNorm2d(numFeatures, eps:momentum:affine:trackRunningStats:bias:)", ctor: bn) { c in
                BatchNorm2d(try c.int("num_features"), eps: try c.double("eps", 1e-5), momentum: try bnMomentum(c),
                            affine: try c.bool("affine", true), trackRunningStats: try c.bool("track_running_stats", true),
                            bias: try c.bool("bias", true))
            },
            "nn.BatchNorm3d": unary("BatchNorm3d(numFeatures, eps:momentum:affine:trackRunningStats:bias:)", ctor: bn) { c in
                BatchNorm3d(try c.int("num_features"), eps: try c.double("eps", 1e-5), momentum: try bnMomentum(c),
                            affine: try c.bool("affine", true), trackRunningStats: try c.bool("track_running_stats", true),
                            bias: try c.bool("bias", true))
            },
            "nn.InstanceNorm1d": unary("InstanceNorm1d(numFeatures, eps:momentum:affine:trackRunningStats:bias:)", ctor: bn) { c in
                InstanceNorm1d(try c.int("num_features"), eps: try c.double("eps", 1e-5), momentum: try bnMomentum(c),
                               affine: try c.bool("affine", false), trackRunningStats: try c.bool("track_running_stats", false),
                               bias: try c.bool("bias", true))
            },
            "nn.InstanceNorm2d": unary("InstanceNorm2d(numFeatures, eps:momentum:affine:trackRunningStats:bias:)", ctor: bn) { c in
                InstanceNorm2d(try c.int("num_features"), eps: try c.double("eps", 1e-5), momentum: try bnMomentum(c),
                               affine: try c.bool("affine", false), trackRunningStats: try c.bool("track_running_stats", false),
                               bias: try c.bool("bias", true))
            },
            "nn.InstanceNorm3d": unary("InstanceNorm3d(numFeatures, eps:momentum:affine:trackRunningStats:bias:)", ctor: bn) { c in
                InstanceNorm3d(try c.int("num_features"), eps: try c.double("eps", 1e-5), momentum: try bnMomentum(c),
                               affine: try c.bool("affine", false), trackRunningStats: try c.bool("track_running_stats", false),
                               bias: try c.bool("bias", true))
            },
            "nn.GroupNorm": unary("GroupNorm(numGroups:numChannels:eps:affine:bias:)", ctor: ["num_groups", "num_channels", "eps", "affine", "bias"]) { c in
                GroupNorm(numGroups: try c.int("num_groups"), numChannels: try c.int("num_channels"), eps: try c.double("eps", 1e-5),
                          affine: try c.bool("affine", true), bias: try c.bool("bias", true))
            },
            "nn.LayerNorm": unary("LayerNorm(normalizedShape:eps:elementwiseAffine:bias:)",
                                  ctor: ["normalized_shape", "eps", "elementwise_affine", "bias"]) { c in
                LayerNorm(normalizedShape: try c.ints("normalized_shape"), eps: try c.double("eps", 1e-5),
                          elementwiseAffine: try c.bool("elementwise_affine", true), bias: try c.bool("bias", true))
            },
            "nn.RMSNorm": unary("RMSNorm(normalizedShape:eps:elementwiseAffine:)", ctor: ["normalized_shape", "eps", "elementwise_affine"]) { c in
                RMSNorm(normalizedShape: try c.ints("normalized_shape"), eps: try c.doubleOrNil("eps"),
                        elementwiseAffine: try c.bool("elementwise_affine", true))
            },
            "nn.LocalResponseNorm": unary("LocalResponseNorm(size:alpha:beta:k:)", ctor: ["size", "alpha", "beta", "k"]) { c in
                LocalResponseNorm(size: try c.int("size"), alpha: try c.double("alpha", 1e-4), beta: try c.double("beta", 0.75),
                                  k: try c.double("k", 1))
            },
        ]
        rows["nn.Embedding"] = mm("Embedding(numEmbeddings:embeddingDim:paddingIdx:)",
                                  ctor: ["num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
                                         "scale_grad_by_freq", "sparse"]) { c, f in
            try c.reject("max_norm")
            try c.reject("scale_grad_by_freq", unless: .bool(false))
            try c.reject("sparse", unless: .bool(false))
            let m = Embedding(numEmbeddings: try c.int("num_embeddings"), embeddingDim: try c.int("embedding_dim"),
                              paddingIdx: try c.intOrNil("padding_idx"))
            return ModuleRun(module: m) { m(try f.x) }
        }
        return rows
    }

    /// `momentum=` of the norms: a number, or None given as a keyword (a cumulative average).
    private static func bnMomentum(_ c: Call) throws -> Double? {
        if case .null? = c.sample.kwargs["momentum"] { return nil }
        return try c.double("momentum", 0.1)
    }
}
