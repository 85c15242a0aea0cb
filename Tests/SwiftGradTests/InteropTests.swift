import Testing
import Foundation
@testable import SwiftGrad

/// The PyTorch LeNet of ../shared/reference (interop.json): built with SwiftGrad's modules, its
/// safetensors state dict loaded by name, it reproduces PyTorch's logits.
@Suite struct InteropTests {
    /// `features` and `classifier` exactly as the PyTorch model, so the names are `features.0.weight`, ...
    final class LeNet: Module {
        let features = Sequential {
            Conv2d(1, 6, 5, padding: 2)
            ReLU()
            MaxPool2d(2)
            Conv2d(6, 16, 5)
            ReLU()
            MaxPool2d(2)
        }
        let classifier = Sequential {
            Flatten()
            Linear(400, 120)
            ReLU()
            Linear(120, 84)
            ReLU()
            Linear(84, 10)
        }
        override func forward(_ x: Tensor) -> Tensor { classifier(features(x)) }
    }

    static func resource(_ name: String) -> String {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources")!.path
    }

    static func spec(_ model: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: resource("interop.json")))
        return (try JSONSerialization.jsonObject(with: data) as! [String: Any])[model] as! [String: Any]
    }

    static func tensor(_ d: Any) -> Tensor {
        let d = d as! [String: Any]
        return Tensor((d["data"] as! [NSNumber]).map(\.doubleValue), shape: d["shape"] as! [Int])
    }

    @Test func pytorchLeNetReproducesLogits() throws {
        let spec = try InteropTests.spec("lenet")
        let model = LeNet()
        #expect(model.namedParameters().map(\.0) == (spec["parameter_names"] as! [String]))
        #expect(model.parameterCount == 61_706 && model.parameterCount == spec["parameter_count"] as! Int)
        let report = try model.loadWeights(from: InteropTests.resource("lenet_torch.safetensors"))
        #expect(report.missingKeys.isEmpty && report.unexpectedKeys.isEmpty)
        model.eval()
        let logits = model(InteropTests.tensor(spec["input"]!))
        let expected = InteropTests.tensor(spec["logits"]!)
        #expect(logits.shape == [2, 10] && logits.shape == expected.shape)
        #expect(logits.allClose(expected, rtol: 0, atol: 1e-5))

        let table = model.summary(inputShape: [1, 1, 28, 28])
        #expect(table.contains("Total params: 61,706") && table.contains("Trainable params: 61,706"))
        #expect(table.contains("features.0 (Conv2d)") && table.contains("[1, 6, 28, 28]"))
        #expect(table.contains("features.5 (MaxPool2d)") && table.contains("[1, 16, 5, 5]"))
        #expect(table.contains("classifier.5 (Linear)") && table.contains("[1, 10]"))
    }

    @Test func lenetRoundTripsThroughSafetensorsAndRejectsAWrongModel() throws {
        let model = LeNet()
        try model.loadWeights(from: InteropTests.resource("lenet_torch.safetensors"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interop-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.saveWeights(to: dir + "/lenet.safetensors")
        let again = LeNet()
        try again.loadWeights(from: dir + "/lenet.safetensors")
        for ((name, a), (_, b)) in zip(model.namedParameters(), again.namedParameters()) {
            #expect(a.scalars == b.scalars, "\(name)")
        }
        // A model whose first convolution has 8 filters cannot take LeNet's weights.
        final class Wider: Module {
            let features = Sequential(Conv2d(1, 8, 5, padding: 2))
            override func forward(_ x: Tensor) -> Tensor { features(x) }
        }
        #expect(throws: StateDictError.self) {
            try Wider().loadWeights(from: InteropTests.resource("lenet_torch.safetensors"), strict: false)
        }
    }
}
