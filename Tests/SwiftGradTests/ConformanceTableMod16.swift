import Foundation
@testable import SwiftGrad

// op_db rows added with the module conformance suite (mod16): fractional max pooling. op_db marks
// both entries random (PyTorch draws the windows), so only the outputs' shapes and dtypes are
// compared; ModuleConformanceTests compares values and gradients with PyTorch's fixed samples.

extension ConformanceTable {
    static var mod16Rows: [String: Mapping] { [
        "nn.functional.fractional_max_pool2d": m("fractionalMaxPool2d(x, kernelSize:outputSize:outputRatio:randomSamples:) / fractionalMaxPool2dWithIndices",
                                                 "input", "kernel_size", "output_size", "output_ratio", "return_indices",
                                                 "_random_samples") { c in
            let r = fractionalMaxPool2dWithIndices(try c.x, kernelSize: try c.size2("kernel_size"), outputSize: try c.size2OrNil("output_size"),
                                                   outputRatio: try c.doublesOrNil("output_ratio"), randomSamples: try c.tensorOrNil("_random_samples"))
            return try c.bool("return_indices", false) ? outs(r.values, r.indices) : r.values.out
        },
        "nn.functional.fractional_max_pool3d": m("fractionalMaxPool3d(x, kernelSize:outputSize:outputRatio:randomSamples:) / fractionalMaxPool3dWithIndices",
                                                 "input", "kernel_size", "output_size", "output_ratio", "return_indices",
                                                 "_random_samples") { c in
            let r = fractionalMaxPool3dWithIndices(try c.x, kernelSize: try c.size3("kernel_size"), outputSize: try c.size3OrNil("output_size"),
                                                   outputRatio: try c.doublesOrNil("output_ratio"), randomSamples: try c.tensorOrNil("_random_samples"))
            return try c.bool("return_indices", false) ? outs(r.values, r.indices) : r.values.out
        },
    ] }
}
