// model-check: runs a model directory (or a torchvision state dict with --arch) on the tensor
// `input` of a safetensors file and writes the logits as `logits`, for comparisons with PyTorch.
//
//     swift run model-check --model gpt2 --input in.safetensors --output out.safetensors
//     swift run model-check --model resnet18.safetensors --arch resnet18 --input img.safetensors --output out.safetensors
import Foundation
import SwiftGrad
import SwiftGradModels

func usage() -> Never {
    FileHandle.standardError.write(Data("""
    usage: model-check --model DIR --input IN.safetensors --output OUT.safetensors [--arch NAME] [--dtype float32|bfloat16|float16]
      --arch  resnet18, resnet34, resnet50, resnet101, resnet152 (torchvision state dict), or a Hugging Face
              architecture name overriding config.json's
      --dtype the weights' dtype (default: the checkpoint's)

    """.utf8))
    exit(2)
}

var options: [String: String] = [:]
var args = CommandLine.arguments.dropFirst()
while let flag = args.popFirst() {
    guard ["--model", "--input", "--output", "--arch", "--dtype"].contains(flag), let value = args.popFirst() else {
        if flag == "--help" || flag == "-h" { usage() }
        FileHandle.standardError.write(Data("model-check: unknown flag or missing value: \(flag)\n".utf8))
        usage()
    }
    options[String(flag.dropFirst(2))] = value
}
guard let model = options["model"], let input = options["input"], let output = options["output"] else { usage() }
var dtype: DType? = nil
if let d = options["dtype"] {
    switch d {
    case "float32": dtype = .float32
    case "float64": dtype = .float64
    case "bfloat16": dtype = .bfloat16
    case "float16": dtype = .float16
    default: FileHandle.standardError.write(Data("model-check: unknown dtype \(d)\n".utf8)); usage()
    }
}
do {
    let logits = try ModelCheck.run(model: model, input: input, output: output, arch: options["arch"], dtype: dtype)
    print("model-check: wrote logits \(logits.shape) to \(output)")
} catch {
    FileHandle.standardError.write(Data("model-check: \(error)\n".utf8))
    exit(1)
}
