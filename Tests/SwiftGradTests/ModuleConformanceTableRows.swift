import Foundation
@testable import SwiftGrad

// The module table's rows for losses, recurrent and attention modules, and padding (the table and
// its other rows: ModuleConformanceTable.swift).

/// A loss called as `loss(a, b)` on the forward parameters `names`.
private func loss2(_ spelling: String, ctor: [String], forward: [String] = ["input", "target"],
                   _ make: @escaping (Call) throws -> (ModuleBase, (Tensor, Tensor) -> Tensor)) -> ModuleMapping {
    mm(spelling, ctor: ctor + ["size_average", "reduce", "reduction"], forward: forward) { c, f in
        let (m, call) = try make(c)
        return ModuleRun(module: m) { call(try f.tensor(forward[0]), try f.tensor(forward[1])) }
    }
}

/// A loss called as `loss(a, b, c)`.
private func loss3(_ spelling: String, ctor: [String], forward: [String],
                   _ make: @escaping (Call) throws -> (ModuleBase, (Tensor, Tensor, Tensor) -> Tensor)) -> ModuleMapping {
    mm(spelling, ctor: ctor + ["size_average", "reduce", "reduction"], forward: forward) { c, f in
        let (m, call) = try make(c)
        return ModuleRun(module: m) { call(try f.tensor(forward[0]), try f.tensor(forward[1]), try f.tensor(forward[2])) }
    }
}

extension ModuleConformanceTable {
    // MARK: Losses

    static var lossRows: [String: ModuleMapping] { [
        "nn.MSELoss": loss2("MSELoss(reduction:)", ctor: []) { c in let m = MSELoss(reduction: try c.lossReduction()); return (m, { m($0, $1) }) },
        "nn.L1Loss": loss2("L1Loss(reduction:)", ctor: []) { c in let m = L1Loss(reduction: try c.lossReduction()); return (m, { m($0, $1) }) },
        "nn.SmoothL1Loss": loss2("SmoothL1Loss(reduction:beta:)", ctor: ["beta"]) { c in
            let m = SmoothL1Loss(reduction: try c.lossReduction(), beta: try c.double("beta", 1)); return (m, { m($0, $1) })
        },
        "nn.HuberLoss": loss2("HuberLoss(reduction:delta:)", ctor: ["delta"]) { c in
            let m = HuberLoss(reduction: try c.lossReduction(), delta: try c.double("delta", 1)); return (m, { m($0, $1) })
        },
        "nn.SoftMarginLoss": loss2("SoftMarginLoss(reduction:)", ctor: []) { c in
            let m = SoftMarginLoss(reduction: try c.lossReduction()); return (m, { m($0, $1) })
        },
        "nn.MultiLabelMarginLoss": loss2("MultiLabelMarginLoss(reduction:)", ctor: []) { c in
            let m = MultiLabelMarginLoss(reduction: try c.lossReduction()); return (m, { m($0, $1) })
        },
        "nn.HingeEmbeddingLoss": loss2("HingeEmbeddingLoss(margin:reduction:)", ctor: ["margin"]) { c in
            let m = HingeEmbeddingLoss(margin: try c.double("margin", 1), reduction: try c.lossReduction()); return (m, { m($0, $1) })
        },
        "nn.KLDivLoss": loss2("KLDivLoss(reduction:logTarget:)", ctor: ["log_target"]) { c in
            let m = KLDivLoss(reduction: try c.lossReduction(), logTarget: try c.bool("log_target", false)); return (m, { m($0, $1) })
        },
        "nn.BCELoss": loss2("BCELoss(weight:reduction:)", ctor: ["weight"]) { c in
            let m = BCELoss(weight: try c.tensorOrNil("weight"), reduction: try c.lossReduction()); return (m, { m($0, $1) })
        },
        "nn.BCEWithLogitsLoss": loss2("BCEWithLogitsLoss(weight:reduction:posWeight:)", ctor: ["weight", "pos_weight"]) { c in
            let m = BCEWithLogitsLoss(weight: try c.tensorOrNil("weight"), reduction: try c.lossReduction(),
                                      posWeight: try c.tensorOrNil("pos_weight"))
            return (m, { m($0, $1) })
        },
        "nn.CrossEntropyLoss": loss2("CrossEntropyLoss(weight:ignoreIndex:reduction:labelSmoothing:)",
                                     ctor: ["weight", "ignore_index", "label_smoothing"]) { c in
            let m = CrossEntropyLoss(weight: try c.tensorOrNil("weight"), ignoreIndex: try c.int("ignore_index", -100),
                                     reduction: try c.lossReduction(), labelSmoothing: try c.double("label_smoothing", 0))
            return (m, { m($0, $1) })
        },
        "nn.NLLLoss": loss2("NLLLoss(weight:ignoreIndex:reduction:)", ctor: ["weight", "ignore_index"]) { c in
            let m = NLLLoss(weight: try c.tensorOrNil("weight"), ignoreIndex: try c.int("ignore_index", -100), reduction: try c.lossReduction())
            return (m, { m($0, $1) })
        },
        "nn.MultiMarginLoss": loss2("MultiMarginLoss(p:margin:weight:reduction:)", ctor: ["p", "margin", "weight"]) { c in
            let m = MultiMarginLoss(p: try c.int("p", 1), margin: try c.double("margin", 1), weight: try c.tensorOrNil("weight"),
                                    reduction: try c.lossReduction())
            return (m, { m($0, $1) })
        },
        "nn.MultiLabelSoftMarginLoss": loss2("MultiLabelSoftMarginLoss(weight:reduction:)", ctor: ["weight"]) { c in
            let m = MultiLabelSoftMarginLoss(weight: try c.tensorOrNil("weight"), reduction: try c.lossReduction()); return (m, { m($0, $1) })
        },
        "nn.PoissonNLLLoss": loss2("PoissonNLLLoss(logInput:full:eps:reduction:)", ctor: ["log_input", "full", "eps"],
                                   forward: ["log_input", "target"]) { c in
            let m = PoissonNLLLoss(logInput: try c.bool("log_input", true), full: try c.bool("full", false), eps: try c.double("eps", 1e-8),
                                   reduction: try c.lossReduction())
            return (m, { m($0, $1) })
        },
        "nn.CosineEmbeddingLoss": loss3("CosineEmbeddingLoss(margin:reduction:)", ctor: ["margin"], forward: ["input1", "input2", "target"]) { c in
            let m = CosineEmbeddingLoss(margin: try c.double("margin", 0), reduction: try c.lossReduction()); return (m, { m($0, $1, $2) })
        },
        "nn.MarginRankingLoss": loss3("MarginRankingLoss(margin:reduction:)", ctor: ["margin"], forward: ["input1", "input2", "target"]) { c in
            let m = MarginRankingLoss(margin: try c.double("margin", 0), reduction: try c.lossReduction()); return (m, { m($0, $1, $2) })
        },
        "nn.GaussianNLLLoss": loss3("GaussianNLLLoss(full:eps:reduction:)", ctor: ["full", "eps"], forward: ["input", "target", "var"]) { c in
            let m = GaussianNLLLoss(full: try c.bool("full", false), eps: try c.double("eps", 1e-6), reduction: try c.lossReduction())
            return (m, { m($0, $1, $2) })
        },
        "nn.LinearCrossEntropyLoss": loss2("LinearCrossEntropyLoss(inFeatures:numClasses:outFeatures:bias:reduction:weight:ignoreIndex:labelSmoothing:)",
                                           ctor: ["in_features", "num_classes", "out_features", "bias", "weight", "ignore_index",
                                                  "label_smoothing", "options"]) { c in
            try c.reject("options")
            let m = LinearCrossEntropyLoss(inFeatures: try c.int("in_features"), numClasses: try c.int("num_classes"),
                                           outFeatures: try c.has("out_features") ? c.ints("out_features") : [], bias: try c.bool("bias", false),
                                           reduction: try c.lossReduction(), weight: try c.tensorOrNil("weight"),
                                           ignoreIndex: try c.int("ignore_index", -100), labelSmoothing: try c.double("label_smoothing", 0))
            return (m, { m($0, $1) })
        },
        "nn.CTCLoss": mm("CTCLoss(blank:reduction:zeroInfinity:)", ctor: ["blank", "reduction", "zero_infinity"],
                         forward: ["log_probs", "targets", "input_lengths", "target_lengths"]) { c, f in
            let m = CTCLoss(blank: try c.int("blank", 0), reduction: try c.lossReduction(), zeroInfinity: try c.bool("zero_infinity", false))
            return ModuleRun(module: m) {
                m(try f.tensor("log_probs"), try f.tensor("targets"), inputLengths: try f.lengths("input_lengths"),
                  targetLengths: try f.lengths("target_lengths"))
            }
        },
    ] }

    // MARK: Recurrent and attention modules

    static var sequenceRows: [String: ModuleMapping] { [
        "nn.RNNCell": mm("RNNCell(inputSize:hiddenSize:bias:nonlinearity:)", ctor: ["input_size", "hidden_size", "bias", "nonlinearity"],
                         forward: ["input", "hx"]) { c, f in
            let m = RNNCell(inputSize: try c.int("input_size"), hiddenSize: try c.int("hidden_size"), bias: try c.bool("bias", true),
                            nonlinearity: try rnnNonlinearity(c))
            return ModuleRun(module: m) { m(try f.x, hidden: try f.tensorOrNil("hx")) }
        },
        "nn.GRUCell": mm("GRUCell(inputSize:hiddenSize:bias:)", ctor: ["input_size", "hidden_size", "bias"], forward: ["input", "hx"]) { c, f in
            let m = GRUCell(inputSize: try c.int("input_size"), hiddenSize: try c.int("hidden_size"), bias: try c.bool("bias", true))
            return ModuleRun(module: m) { m(try f.x, hidden: try f.tensorOrNil("hx")) }
        },
        "nn.LSTMCell": mm("LSTMCell(inputSize:hiddenSize:bias:)", ctor: ["input_size", "hidden_size", "bias"], forward: ["input", "hx"]) { c, f in
            let m = LSTMCell(inputSize: try c.int("input_size"), hiddenSize: try c.int("hidden_size"), bias: try c.bool("bias", true))
            return ModuleRun(module: m) {
                let r = m(try f.x, state: try f.tensorPairOrNil("hx").map { (h: $0.0, c: $0.1) })
                return outs(r.h, r.c)
            }
        },
        "nn.RNN": mm("RNN(inputSize:hiddenSize:numLayers:nonlinearity:bias:batchFirst:dropout:bidirectional:)",
                     ctor: ["input_size", "hidden_size", "num_layers", "nonlinearity", "bias", "batch_first", "dropout", "bidirectional"],
                     forward: ["input", "hx"]) { c, f in
            let m = RNN(inputSize: try c.int("input_size"), hiddenSize: try c.int("hidden_size"), numLayers: try c.int("num_layers", 1),
                        nonlinearity: try rnnNonlinearity(c), bias: try c.bool("bias", true), batchFirst: try c.bool("batch_first", false),
                        dropout: try c.double("dropout", 0), bidirectional: try c.bool("bidirectional", false))
            return ModuleRun(module: m) { let r = m(try f.x, hidden: try f.tensorOrNil("hx")); return outs(r.output, r.hidden) }
        },
        "nn.GRU": mm("GRU(inputSize:hiddenSize:numLayers:bias:batchFirst:dropout:bidirectional:)",
                     ctor: ["input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional"],
                     forward: ["input", "hx"]) { c, f in
            let m = GRU(inputSize: try c.int("input_size"), hiddenSize: try c.int("hidden_size"), numLayers: try c.int("num_layers", 1),
                        bias: try c.bool("bias", true), batchFirst: try c.bool("batch_first", false), dropout: try c.double("dropout", 0),
                        bidirectional: try c.bool("bidirectional", false))
            return ModuleRun(module: m) { let r = m(try f.x, hidden: try f.tensorOrNil("hx")); return outs(r.output, r.hidden) }
        },
        "nn.LSTM": mm("LSTM(inputSize:hiddenSize:numLayers:bias:batchFirst:dropout:bidirectional:projSize:)",
                      ctor: ["input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional", "proj_size"],
                      forward: ["input", "hx"]) { c, f in
            let m = LSTM(inputSize: try c.int("input_size"), hiddenSize: try c.int("hidden_size"), numLayers: try c.int("num_layers", 1),
                         bias: try c.bool("bias", true), batchFirst: try c.bool("batch_first", false), dropout: try c.double("dropout", 0),
                         bidirectional: try c.bool("bidirectional", false), projSize: try c.int("proj_size", 0))
            return ModuleRun(module: m) {
                let r = m(try f.x, state: try f.tensorPairOrNil("hx").map { (h: $0.0, c: $0.1) })
                return outs(r.output, outs(r.state.h, r.state.c))
            }
        },
        "nn.MultiheadAttention": mm("MultiheadAttention(embedDim:numHeads:dropout:bias:addBiasKV:addZeroAttn:kdim:vdim:batchFirst:)",
                                    ctor: ["embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn", "kdim", "vdim", "batch_first"],
                                    forward: ["query", "key", "value", "key_padding_mask", "need_weights", "attn_mask", "average_attn_weights",
                                              "is_causal"]) { c, f in
            let m = MultiheadAttention(embedDim: try c.int("embed_dim"), numHeads: try c.int("num_heads"), dropout: try c.double("dropout", 0),
                                       bias: try c.bool("bias", true), addBiasKV: try c.bool("add_bias_kv", false),
                                       addZeroAttn: try c.bool("add_zero_attn", false), kdim: try c.intOrNil("kdim"),
                                       vdim: try c.intOrNil("vdim"), batchFirst: try c.bool("batch_first", false))
            return ModuleRun(module: m) {
                let r = m(query: try f.tensor("query"), key: try f.tensor("key"), value: try f.tensor("value"),
                          keyPaddingMask: try f.tensorOrNil("key_padding_mask"), needWeights: try f.bool("need_weights", true),
                          attnMask: try f.tensorOrNil("attn_mask"), averageAttnWeights: try f.bool("average_attn_weights", true),
                          isCausal: try f.bool("is_causal", false))
                guard let w = r.weights else { throw Unsupported("need_weights=False (PyTorch returns None)") }
                return outs(r.output, w)
            }
        },
        "nn.TransformerEncoderLayer": mm("TransformerEncoderLayer(dModel:nhead:dimFeedforward:dropout:activation:layerNormEps:batchFirst:normFirst:bias:)",
                                         ctor: transformerLayerParameters, forward: ["src", "src_mask", "src_key_padding_mask", "is_causal"]) { c, f in
            let m = try encoderLayer(c)
            return ModuleRun(module: m) {
                m(try f.tensor("src"), mask: try f.tensorOrNil("src_mask"), keyPaddingMask: try f.tensorOrNil("src_key_padding_mask"),
                  isCausal: try f.bool("is_causal", false))
            }
        },
        "nn.TransformerEncoder": mm("TransformerEncoder(numLayers:norm:makeLayer:)",
                                    ctor: ["encoder_layer", "num_layers", "norm", "enable_nested_tensor", "mask_check"],
                                    forward: ["src", "mask", "src_key_padding_mask", "is_causal"]) { c, f in
            try c.reject("norm")
            let layer = try c.moduleConfig("encoder_layer", "nn.TransformerEncoderLayer")
            _ = try encoderLayer(layer)   // unsupported settings stop here, outside the builder closure
            let m = TransformerEncoder(numLayers: try c.int("num_layers")) { try! encoderLayer(layer) }
            return ModuleRun(module: m) {
                m(try f.tensor("src"), mask: try f.tensorOrNil("mask"), keyPaddingMask: try f.tensorOrNil("src_key_padding_mask"),
                  isCausal: try f.bool("is_causal", false))
            }
        },
        "nn.TransformerDecoderLayer": mm("TransformerDecoderLayer(dModel:nhead:dimFeedforward:dropout:activation:layerNormEps:batchFirst:normFirst:bias:)",
                                         ctor: transformerLayerParameters,
                                         forward: ["tgt", "memory", "tgt_mask", "memory_mask", "tgt_key_padding_mask", "memory_key_padding_mask",
                                                   "tgt_is_causal", "memory_is_causal"]) { c, f in
            let m = TransformerDecoderLayer(dModel: try c.int("d_model"), nhead: try c.int("nhead"),
                                            dimFeedforward: try c.int("dim_feedforward", 2048), dropout: try c.double("dropout", 0.1),
                                            activation: try c.transformerActivation(), layerNormEps: try c.double("layer_norm_eps", 1e-5),
                                            batchFirst: try c.bool("batch_first", false), normFirst: try c.bool("norm_first", false),
                                            bias: try c.bool("bias", true))
            return ModuleRun(module: m) {
                m(try f.tensor("tgt"), memory: try f.tensor("memory"), tgtMask: try f.tensorOrNil("tgt_mask"),
                  memoryMask: try f.tensorOrNil("memory_mask"), tgtKeyPaddingMask: try f.tensorOrNil("tgt_key_padding_mask"),
                  memoryKeyPaddingMask: try f.tensorOrNil("memory_key_padding_mask"), tgtIsCausal: try f.bool("tgt_is_causal", false),
                  memoryIsCausal: try f.bool("memory_is_causal", false))
            }
        },
        "nn.Transformer": mm("Transformer(dModel:nhead:numEncoderLayers:numDecoderLayers:dimFeedforward:dropout:activation:layerNormEps:batchFirst:normFirst:bias:)",
                             ctor: ["d_model", "nhead", "num_encoder_layers", "num_decoder_layers", "dim_feedforward", "dropout", "activation",
                                    "custom_encoder", "custom_decoder", "layer_norm_eps", "batch_first", "norm_first", "bias"],
                             forward: ["src", "tgt", "src_mask", "tgt_mask", "memory_mask", "src_key_padding_mask", "tgt_key_padding_mask",
                                       "memory_key_padding_mask", "src_is_causal", "tgt_is_causal", "memory_is_causal"]) { c, f in
            try c.reject("custom_encoder")
            try c.reject("custom_decoder")
            let m = Transformer(dModel: try c.int("d_model", 512), nhead: try c.int("nhead", 8),
                                numEncoderLayers: try c.int("num_encoder_layers", 6), numDecoderLayers: try c.int("num_decoder_layers", 6),
                                dimFeedforward: try c.int("dim_feedforward", 2048), dropout: try c.double("dropout", 0.1),
                                activation: try c.transformerActivation(), layerNormEps: try c.double("layer_norm_eps", 1e-5),
                                batchFirst: try c.bool("batch_first", false), normFirst: try c.bool("norm_first", false),
                                bias: try c.bool("bias", true))
            return ModuleRun(module: m) {
                m(try f.tensor("src"), try f.tensor("tgt"), srcMask: try f.tensorOrNil("src_mask"), tgtMask: try f.tensorOrNil("tgt_mask"),
                  memoryMask: try f.tensorOrNil("memory_mask"), srcKeyPaddingMask: try f.tensorOrNil("src_key_padding_mask"),
                  tgtKeyPaddingMask: try f.tensorOrNil("tgt_key_padding_mask"),
                  memoryKeyPaddingMask: try f.tensorOrNil("memory_key_padding_mask"), srcIsCausal: try f.bool("src_is_causal", false),
                  tgtIsCausal: try f.bool("tgt_is_causal", false), memoryIsCausal: try f.bool("memory_is_causal", false))
            }
        },
    ] }

    /// The constructor parameters of TransformerEncoderLayer and TransformerDecoderLayer.
    private static let transformerLayerParameters = ["d_model", "nhead", "dim_feedforward", "dropout", "activation", "layer_norm_eps",
                                                     "batch_first", "norm_first", "bias"]

    private static func encoderLayer(_ c: Call) throws -> TransformerEncoderLayer {
        TransformerEncoderLayer(dModel: try c.int("d_model"), nhead: try c.int("nhead"), dimFeedforward: try c.int("dim_feedforward", 2048),
                                dropout: try c.double("dropout", 0.1), activation: try c.transformerActivation(),
                                layerNormEps: try c.double("layer_norm_eps", 1e-5), batchFirst: try c.bool("batch_first", false),
                                normFirst: try c.bool("norm_first", false), bias: try c.bool("bias", true))
    }

    private static func rnnNonlinearity(_ c: Call) throws -> Nonlinearity {
        switch try c.string("nonlinearity", "tanh") {
        case "tanh": return .tanh
        case "relu": return .relu
        case let n: throw Unsupported("nonlinearity=\(n)")
        }
    }

    // MARK: Padding

    static var paddingRows: [String: ModuleMapping] {
        var rows: [String: ModuleMapping] = [:]
        for rank in 1...3 {
            rows["nn.ReflectionPad\(rank)d"] = unary("ReflectionPad\(rank)d(padding)", ctor: ["padding"]) { c in
                let p = try c.ints("padding")
                switch rank { case 1: return ReflectionPad1d(p); case 2: return ReflectionPad2d(p); default: return ReflectionPad3d(p) }
            }
            rows["nn.ReplicationPad\(rank)d"] = unary("ReplicationPad\(rank)d(padding)", ctor: ["padding"]) { c in
                let p = try c.ints("padding")
                switch rank { case 1: return ReplicationPad1d(p); case 2: return ReplicationPad2d(p); default: return ReplicationPad3d(p) }
            }
            rows["nn.CircularPad\(rank)d"] = unary("CircularPad\(rank)d(padding)", ctor: ["padding"]) { c in
                let p = try c.ints("padding")
                switch rank { case 1: return CircularPad1d(p); case 2: return CircularPad2d(p); default: return CircularPad3d(p) }
            }
            rows["nn.ZeroPad\(rank)d"] = unary("ZeroPad\(rank)d(padding)", ctor: ["padding"]) { c in
                let p = try c.ints("padding")
                switch rank { case 1: return ZeroPad1d(p); case 2: return ZeroPad2d(p); default: return ZeroPad3d(p) }
            }
            rows["nn.ConstantPad\(rank)d"] = unary("ConstantPad\(rank)d(padding, value:)", ctor: ["padding", "value"]) { c in
                let p = try c.ints("padding"), v = try c.double("value")
                switch rank {
                case 1: return ConstantPad1d(p, value: v)
                case 2: return ConstantPad2d(p, value: v)
                default: return ConstantPad3d(p, value: v)
                }
            }
        }
        return rows
    }
}
