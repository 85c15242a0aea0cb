import Foundation
import Testing
@testable import SwiftGrad

// The 3-D ops (conv3d, convTranspose3d, 3-D pools, maxUnpool3d, trilinear and linear interpolation):
// Float64 finite-difference gradchecks, identities against the 2-D ops, and PyTorch's own op_db
// samples for each (values and float64 gradients, from the conformance fixtures).

@Suite struct VolumeOpsTests {
    @Test func conv3dGradcheck() {
        let x = GC.randn([2, 4, 3, 4, 3], seed: 1), w = GC.randn([4, 2, 2, 3, 2], seed: 2), b = GC.randn([4], seed: 3)
        GradCase("conv3d groups 2 stride padding dilation", [x, w, b]) { t in
            conv3d(t[0], weight: t[1], bias: t[2], stride: [1, 2, 1], padding: [1, 1, 0], dilation: [1, 1, 2], groups: 2)
        }.check()
        GradCase("conv3d same", [GC.randn([1, 2, 3, 3, 4], seed: 4), GC.randn([3, 2, 2, 2, 3], seed: 5)]) { t in
            conv3d(t[0], weight: t[1], padding: .same)
        }.check()
    }

    @Test func convTranspose3dGradcheck() {
        let x = GC.randn([1, 4, 2, 3, 2], seed: 6), w = GC.randn([4, 1, 2, 2, 3], seed: 7), b = GC.randn([2], seed: 8)
        GradCase("convTranspose3d groups 2", [x, w, b]) { t in
            convTranspose3d(t[0], weight: t[1], bias: t[2], stride: [2, 1, 2], padding: [1, 0, 1], outputPadding: [1, 0, 0],
                            dilation: [1, 2, 1], groups: 2)
        }.check()
    }

    /// A depth of 1 with a depth-1 kernel is conv2d; convTranspose3d is conv3d's input gradient.
    @Test func conv3dAgreesWith2dAndTranspose() {
        let x = GC.randn([2, 3, 1, 5, 4], seed: 9), w = GC.randn([4, 3, 1, 3, 2], seed: 10)
        let y3 = conv3d(x, weight: w, stride: [1, 2, 1], padding: [0, 1, 1])
        let y2 = conv2d(x.squeeze(axis: 2), weight: w.squeeze(axis: 2), stride: [2, 1], padding: [1, 1])
        #expect(y3.squeeze(axis: 2).allClose(y2, rtol: 1e-12, atol: 1e-12))
        let xs = GC.randn([1, 2, 4, 3, 5], seed: 11).requiringGrad(), ws = GC.randn([3, 2, 2, 2, 3], seed: 12)
        let y = conv3d(xs, weight: ws, stride: 2, padding: 1)
        let dy = GC.randn(y.shape, seed: 13)
        let dx = grad(of: (y * dy).sum(), wrt: [xs])[0]!
        let t = convTranspose3d(dy, weight: ws, stride: 2, padding: 1, outputPadding: [0, 1, 0])
        #expect(t.shape == xs.shape)
        #expect(t.allClose(dx, rtol: 1e-12, atol: 1e-12))
    }

    @Test func pools3dGradcheck() {
        let x = GC.randn([1, 2, 4, 5, 4], seed: 14)
        GradCase("maxPool3d", [x]) { t in maxPool3d(t[0], kernelSize: [2, 3, 2], stride: [2, 1, 2], padding: [1, 1, 0], ceilMode: true) }.check()
        GradCase("maxPool3d dilation", [x]) { t in maxPool3d(t[0], kernelSize: 2, dilation: [1, 2, 1]) }.check()
        GradCase("avgPool3d", [x]) { t in
            avgPool3d(t[0], kernelSize: [2, 3, 2], stride: [1, 2, 2], padding: [1, 1, 0], ceilMode: true, countIncludePad: false)
        }.check()
        GradCase("avgPool3d divisor", [x]) { t in avgPool3d(t[0], kernelSize: 2, stride: 1, divisorOverride: 3) }.check()
        GradCase("adaptiveAvgPool3d", [x]) { t in adaptiveAvgPool3d(t[0], outputSize: [3, 2, 3]) }.check()
        GradCase("adaptiveMaxPool3d", [x]) { t in adaptiveMaxPool3d(t[0], outputSize: [3, 2, 3]) }.check()
        let (y, idx) = maxPool3dWithIndices(x, kernelSize: 2)
        GradCase("maxUnpool3d", [y]) { t in maxUnpool3d(t[0], indices: idx, kernelSize: 2, outputSize: [4, 5, 4]) }.check()
    }

    /// maxPool3d over a depth-1 input and kernel is maxPool2d; the indices name the picked elements.
    @Test func pools3dAgreeWith2d() {
        let x = GC.randn([2, 3, 1, 6, 5], seed: 15)
        let (y3, i3) = maxPool3dWithIndices(x, kernelSize: [1, 3, 2], stride: [1, 2, 2], padding: [0, 1, 1])
        let (y2, i2) = maxPool2dWithIndices(x.squeeze(axis: 2), kernelSize: [3, 2], stride: 2, padding: 1)
        #expect(y3.squeeze(axis: 2).allClose(y2, rtol: 0, atol: 0))
        #expect(i3.squeeze(axis: 2).ints == i2.ints)
        let a3 = avgPool3d(x, kernelSize: [1, 3, 2], stride: [1, 2, 2], padding: [0, 1, 1], countIncludePad: false)
        let a2 = avgPool2d(x.squeeze(axis: 2), kernelSize: [3, 2], stride: 2, padding: 1, countIncludePad: false)
        #expect(a3.squeeze(axis: 2).allClose(a2, rtol: 1e-12, atol: 1e-12))
        let flat = x.reshape([2, 3, 30])
        #expect(flat.gather(axis: 2, index: i3.reshape([2, 3, -1])).allClose(y3.reshape([2, 3, -1]), rtol: 0, atol: 0))
    }

    @Test func interpolationGradcheck() {
        let v = GC.randn([1, 2, 2, 3, 2], seed: 16)
        GradCase("trilinear", [v]) { t in trilinearInterpolate(t[0], size: [3, 5, 4]) }.check()
        GradCase("trilinear alignCorners", [v]) { t in trilinearInterpolate(t[0], scaleFactor: (1.5, 2, 1), alignCorners: true) }.check()
        GradCase("linear", [GC.randn([2, 2, 4], seed: 17)]) { t in linearInterpolate(t[0], scaleFactor: 1.7) }.check()
        // Linear interpolation reproduces a linear ramp.
        let ramp = Tensor.arange(0, 4, dtype: .float64).reshape([1, 1, 4])
        #expect(linearInterpolate(ramp, size: 7, alignCorners: true).doubles == [0, 0.5, 1, 1.5, 2, 2.5, 3])
    }

    /// Every float32/float64 op_db sample of these entries (PyTorch's values and float64 gradients)
    /// passes. (Float16/bfloat16 samples are computed in float32 and rounded once, where PyTorch
    /// rounds intermediate results: a last-bit difference listed in conformance_expected.json.)
    @Test(arguments: ["nn.functional.conv3d", "nn.functional.conv_transpose3d", "nn.functional.max_pool3d", "nn.functional.avg_pool3d",
                      "nn.functional.adaptive_avg_pool3d", "nn.functional.adaptive_max_pool3d", "nn.functional.max_unpool3d",
                      "nn.functional.interpolate.trilinear", "nn.functional.interpolate.linear"])
    func matchesPyTorchSamples(_ key: String) throws {
        let entry = try #require(ConformanceFixtures.entries.first { $0.key == key })
        let mapping = try #require(ConformanceTable.mappings[key])
        var passed = 0
        for s in entry.samples where s.dtype != .float16 && s.dtype != .bfloat16 {
            switch Conformance.run(mapping, s, random: entry.random) {
            case .passed: passed += 1
            case .unsupported: break
            case .failed(let m): Issue.record("\(key) \(s.id): \(m)")
            }
        }
        #expect(passed > 0)
    }
}
