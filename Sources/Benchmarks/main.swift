// The standard workloads of ../shared/bench/SPEC.md, printed as JSON lines like torch_ref.py.
//   swift run -c release Benchmarks                     # every workload
//   swift run -c release Benchmarks --workload add_4m   # one
//   swift run -c release Benchmarks --workload add_4m --repeat 20   # one, 20 times (for profilers)
import Foundation
import SwiftGrad

let workloads: [(String, () -> Void)] = [
    ("gemm_1024", benchGemm1024),
    ("small_ops_300", benchSmallOps300),
    ("add_4m", benchAdd4M),
    ("mlp_train_step", benchMLPTrainStep),
    ("cnn_train_step", benchCNNTrainStep),
    ("lstm_train_step", benchLSTMTrainStep),
    ("transformer_layer_train_step", benchTransformerLayerTrainStep),
    ("adam_step_1m", benchAdamStep1M),
    ("conv64_fwd_bwd", benchConv64FwdBwd),
    // EXTRA.md
    ("resnet18_train_step", benchResNet18TrainStep),
    ("gpt_train_step", benchGPTTrainStep),
    ("mlp_infer_b1", benchMLPInferB1),
    ("gpt_generate_128", benchGPTGenerate128),
    // vmap (Docs/Transforms.md#vmap): per-sample gradients, batched against a loop
    ("vmap_per_sample_grads", benchVmapPerSampleGrads),
    ("loop_per_sample_grads", benchLoopPerSampleGrads),
    // Activation checkpointing (Docs/Performance.md): memory, one process each
    ("transformer12_train_step", { benchTransformer12(checkpointed: false) }),
    ("transformer12_checkpoint", { benchTransformer12(checkpointed: true) }),
    // Winograd F(2×2) / F(4×4) / im2col per ResNet layer, alternating (Docs/Performance.md)
    ("winograd_tiles_ab", benchWinogradTilesAB),
    ("resnet18_parts", benchResNet18Parts),
]

let args = CommandLine.arguments
// The memory workloads (GBs, minutes) run only when named with --workload.
let onDemand: Set<String> = ["transformer12_train_step", "transformer12_checkpoint", "winograd_tiles_ab", "resnet18_parts"]
var selected = workloads.map(\.0).filter { !onDemand.contains($0) }
if let i = args.firstIndex(of: "--workload"), i + 1 < args.count {
    selected = [args[i + 1]]
    if !workloads.contains(where: { $0.0 == args[i + 1] }) {
        print("unknown workload '\(args[i + 1])'; known: \(workloads.map(\.0).joined(separator: ", "))")
        exit(2)
    }
}
var repeatCount = 1
if let i = args.firstIndex(of: "--repeat"), i + 1 < args.count, let k = Int(args[i + 1]), k > 0 { repeatCount = k }
if args.contains("--list") { workloads.forEach { print($0.0) }; exit(0) }
print("# " + Runtime.info())
for (name, run) in workloads where selected.contains(name) {
    for _ in 0..<repeatCount { run() }
}
