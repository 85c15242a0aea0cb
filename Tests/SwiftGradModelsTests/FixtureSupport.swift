import Foundation
import SwiftGrad
@testable import SwiftGradModels
import Testing

/// The fixtures of Scripts/models/make_model_fixtures.py: one directory per architecture with the
/// model (config.json + safetensors) and `io.safetensors` (inputs and PyTorch's float32 logits).
enum Fixture {
    static func directory(_ name: String) -> String {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources")!.path
    }

    static func io(_ name: String) throws -> [String: Tensor] {
        try Safetensors.load(from: directory(name) + "/io.safetensors")
    }

    /// A fresh temporary directory.
    static func temporaryDirectory(_ tag: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("models-\(tag)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A copy of a fixture directory that a test may change.
    static func copy(_ name: String) throws -> String {
        let dir = try temporaryDirectory(name)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory(name)) {
            try FileManager.default.copyItem(atPath: directory(name) + "/" + file, toPath: dir + "/" + file)
        }
        return dir
    }
}

/// The largest absolute difference between two tensors of one shape (as float64).
func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Double {
    #expect(a.shape == b.shape, "shapes \(a.shape) and \(b.shape)")
    guard a.shape == b.shape else { return .infinity }
    return zip(a.to(.float64).doubles, b.to(.float64).doubles).map { abs($0 - $1) }.max() ?? 0
}
