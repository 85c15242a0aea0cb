import Testing
@testable import SwiftGrad

/// Max, average and adaptive pooling and interpolation: PyTorch golden values, hand-checked edge
/// cases (ceil mode, padding divisors, bilinear corners), float64 gradient checks and misuse.
@Suite struct PoolingTests {
    static func goldenOps() -> [String: (GoldenCase) -> Tensor] {
        func x(_ c: GoldenCase) -> Tensor { c.inputs[0]! }
        func size(_ c: GoldenCase, _ k: String) -> Size2? {
            c.args.ints(k).map { $0.count == 2 ? Size2($0[0], $0[1]) : Size2($0[0]) }
        }
        return [
            "max_pool2d": { c in
                maxPool2d(x(c), kernelSize: size(c, "kernel_size")!, stride: size(c, "stride"), padding: size(c, "padding") ?? 0)
            },
            "avg_pool2d": { c in
                avgPool2d(x(c), kernelSize: size(c, "kernel_size")!, stride: size(c, "stride"), padding: size(c, "padding") ?? 0)
            },
            "adaptive_avg_pool2d": { c in adaptiveAvgPool2d(x(c), outputSize: size(c, "output_size")!) },
            "upsample_nearest": { c in interpolate(x(c), scaleFactor: c.args.double("scale_factor")!) },
        ]
    }

    @Test func goldenCasesMatchPyTorch() {
        let (failures, ran) = Golden.run(Self.goldenOps())
        #expect(ran == 5, "ran \(ran) golden cases")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    static func rand(_ shape: [Int], _ seed: UInt64) -> Tensor {
        Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed))
    }

    static func row(_ values: [Double]) -> Tensor { Tensor(values, shape: [1, 1, values.count], dtype: .float64) }

    @Test func oneDimensionalEdgeCasesMatchPyTorch() {
        let x = Self.row([1, 2, 3, 4, 5])
        #expect(maxPool1d(x, kernelSize: 2, ceilMode: true).doubles == [2, 4, 5])
        #expect(maxPool1d(x, kernelSize: 2).doubles == [2, 4])
        #expect(avgPool1d(x, kernelSize: 2, ceilMode: true).doubles == [1.5, 3.5, 5])
        #expect(avgPool1d(x, kernelSize: 3, stride: 2, padding: 1).doubles == [1, 3, 3])
        #expect(avgPool1d(x, kernelSize: 3, stride: 2, padding: 1, countIncludePad: false).doubles == [1.5, 3, 4.5])
        #expect(maxPool1d(x, kernelSize: 2, stride: 1, dilation: 3).doubles == [4, 5])
        #expect(adaptiveAvgPool1d(x, outputSize: 3).doubles == [1.5, 3, 4.5])
        #expect(adaptiveMaxPool1d(x, outputSize: 2).doubles == [3, 5])
    }

    @Test func interpolationMatchesPyTorch() {
        let x = Self.row([0, 1])
        #expect(interpolate(x, size: 4, mode: .bilinear).doubles == [0, 0.25, 0.75, 1])
        #expect(interpolate(x, size: 3, mode: .bilinear, alignCorners: true).doubles == [0, 0.5, 1])
        #expect(interpolate(x, scaleFactor: 2).doubles == [0, 0, 1, 1])
        // Nearest downsampling by size uses floor(dst · in/out): 5 → 3 reads 0, 1, 3.
        #expect(interpolate(Self.row([0, 1, 2, 3, 4]), size: 3).doubles == [0, 1, 3])
        let img = Tensor([0, 1, 2, 3], shape: [1, 1, 2, 2], dtype: .float64)
        let up = interpolate(img, size: [3, 3], mode: .bilinear, alignCorners: true)
        #expect(up.doubles == [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3])
        #expect(interpolate(img, scaleFactor: (1, 2)).shape == [1, 1, 2, 4])
    }

    @Test func maxPoolIndicesAndNaN() {
        let x = Tensor([1, 5, 2, 7, .nan, 0, 3, 4, 9], shape: [1, 1, 3, 3], dtype: .float64)
        let (v, i) = maxPool2dWithIndices(x, kernelSize: 2, stride: 1)
        #expect(i.ints == [4, 4, 4, 4])
        #expect(v.doubles.allSatisfy { $0.isNaN })
        let (v2, i2) = maxPool2dWithIndices(Tensor([1, 5, 2, 7, 0, 0, 3, 4, 9], shape: [1, 1, 3, 3], dtype: .float64),
                                            kernelSize: 2, stride: 1)
        #expect(v2.doubles == [7, 5, 7, 9] && i2.ints == [3, 1, 3, 8])
        #expect(globalAvgPool2d(Tensor([1, 2, 3, 6], shape: [1, 1, 2, 2], dtype: .float64)).doubles == [3])
        #expect(globalAvgPool2d(Self.rand([2, 3, 4, 4], 1), keepDim: true).shape == [2, 3, 1, 1])
    }

    /// Max pooling over windows regular on both axes (`Kernels.windowMaxRegular`: 2×2 unrolled, others
    /// by arithmetic) gives the taps' loop's values and indices bit for bit: ties (small integers) go
    /// to the first position, NaN (some planes) to its last, float32 and float64, 2-D and 1-D; and
    /// float32 2×2 windows of stride 2 in C (Sources/CKernels/MaxPool2x2.c: eight outputs at a time
    /// and a tail) the same as the Swift loop.
    @Test(arguments: [DType.float32, .float64]) func regularWindowsMatchTheTaps(_ dtype: DType) {
        let shape = [3, 4, 9, 37]
        var values = Tensor.randint(0, 4, shape, generator: Generator(seed: 11)).to(.float64).doubles
        for i in stride(from: 5, to: values.count / 2, by: 37) { values[i] = .nan }   // the first half of the planes
        let x = Tensor(values, shape: shape, dtype: .float64).to(dtype)
        func both(_ f: () -> (values: Tensor, indices: Tensor)) {
            let fast = f(), taps = Kernels.$regularWindows.withValue(false) { f() }
            let swift = Kernels.$vectorPooling.withValue(false) { f() }
            for other in [taps, swift] {
                #expect(fast.indices.ints == other.indices.ints)
                #expect(fast.values.doubles.map { $0.bitPattern } == other.values.doubles.map { $0.bitPattern })
            }
        }
        for (k, st): (Size2, Size2?) in [(2, nil), (2, 1), (3, 2), (Size2(2, 3), Size2(1, 2)), (1, 1), (3, 3)] {
            both { maxPool2dWithIndices(x, kernelSize: k, stride: st) }
        }
        both { maxPool2dWithIndices(x, kernelSize: 3, stride: 2, padding: 1) }   // clipped: the taps
        both { maxPool2dWithIndices(x, kernelSize: 2, dilation: 2) }             // gaps: the taps
        both { maxPool1dWithIndices(x.reshape([12, 9, 37]), kernelSize: 3, stride: 2) }
        both { maxPool2dWithIndices(x.narrow(axis: 2, start: 1, length: 8).narrow(axis: 3, start: 3, length: 33), kernelSize: 2) }   // a view
        // The test reaches the regular path: 2×2 stride 2 is regular, padding and dilation are not.
        let taps = { (k: Int, s: Int, p: Int, d: Int) in
            AxisTaps.pooling(.maxPool2d, size: 9, kernel: k, stride: s, padding: p, dilation: d, ceilMode: false, shape: shape)
        }
        #expect(taps(2, 2, 0, 1).regular == RegularTaps(first: 0, stride: 2, kernel: 2))
        #expect(taps(3, 2, 1, 1).regular == nil && taps(2, 1, 0, 2).regular == nil)
    }

    struct Case: CustomStringConvertible, Sendable {
        var shape: [Int], k: Size2, stride: Size2?, padding: Size2 = 0, dilation: Size2 = 1, ceil = false
        var description: String { "\(shape) k\(k) s\(stride.map { "\($0)" } ?? "-") p\(padding) d\(dilation) ceil \(ceil)" }
    }

    static let grid: [Case] = [
        Case(shape: [1, 2, 5, 6], k: 2, stride: nil),
        Case(shape: [3, 2, 7, 5], k: 3, stride: 2, padding: 1),
        Case(shape: [1, 1, 7, 7], k: 2, stride: 3),                                   // stride > kernel
        Case(shape: [2, 1, 6, 7], k: [3, 2], stride: [2, 1], padding: [1, 1], ceil: true),
        Case(shape: [1, 2, 7, 8], k: 2, stride: 1, dilation: [2, 3]),
        Case(shape: [3, 2, 5, 5], k: 3, stride: 2, ceil: true),
        Case(shape: [2, 3, 4, 4], k: 1, stride: 1),
    ]

    @Test(arguments: grid) func maxPool2dGradcheck(_ c: Case) {
        let r = gradcheck({ maxPool2d($0[0], kernelSize: c.k, stride: c.stride, padding: c.padding,
                                      dilation: c.dilation, ceilMode: c.ceil) }, inputs: [Self.rand(c.shape, 2)])
        #expect(r.passed, "\(c): \(r)")
    }

    @Test(arguments: grid.filter { $0.dilation == 1 }) func avgPool2dGradcheck(_ c: Case) {
        for include in [true, false] {
            let r = gradcheck({ avgPool2d($0[0], kernelSize: c.k, stride: c.stride, padding: c.padding,
                                          ceilMode: c.ceil, countIncludePad: include) }, inputs: [Self.rand(c.shape, 3)])
            #expect(r.passed, "\(c) countIncludePad \(include): \(r)")
        }
        let r = gradcheck({ avgPool2d($0[0], kernelSize: c.k, stride: c.stride, padding: c.padding, divisorOverride: 3) },
                          inputs: [Self.rand(c.shape, 4)])
        #expect(r.passed, "\(c) divisorOverride: \(r)")
    }

    @Test func oneDimensionalPoolsGradcheck() {
        let x = Self.rand([3, 2, 9], 5)
        let fs: [(String, (Tensor) -> Tensor)] = [
            ("max", { maxPool1d($0, kernelSize: 3, stride: 2, padding: 1, ceilMode: true) }),
            ("max dilated", { maxPool1d($0, kernelSize: 2, dilation: 3) }),
            ("avg", { avgPool1d($0, kernelSize: 3, stride: 2, padding: 1, countIncludePad: false) }),
            ("adaptive avg", { adaptiveAvgPool1d($0, outputSize: 4) }),
            ("adaptive max", { adaptiveMaxPool1d($0, outputSize: 4) }),
            ("linear", { interpolate($0, size: 13, mode: .bilinear) }),
            ("nearest", { interpolate($0, scaleFactor: 1.7) }),
        ]
        for (name, f) in fs {
            let r = gradcheck({ f($0[0]) }, inputs: [x])
            #expect(r.passed, "\(name): \(r)")
        }
    }

    @Test func adaptiveAndResamplingGradcheck() {
        let x = Self.rand([2, 2, 5, 7], 6)
        let fs: [(String, (Tensor) -> Tensor)] = [
            ("adaptive avg 3x4", { adaptiveAvgPool2d($0, outputSize: [3, 4]) }),
            ("adaptive avg 1", { adaptiveAvgPool2d($0, outputSize: 1) }),
            ("adaptive max 2x3", { adaptiveMaxPool2d($0, outputSize: [2, 3]) }),
            ("adaptive avg up 6x9", { adaptiveAvgPool2d($0, outputSize: [6, 9]) }),
            ("global", { globalAvgPool2d($0) }),
            ("nearest size", { interpolate($0, size: [8, 4]) }),
            ("nearest x2", { interpolate($0, scaleFactor: 2) }),
            ("bilinear", { interpolate($0, size: [9, 5], mode: .bilinear) }),
            ("bilinear corners", { interpolate($0, scaleFactor: 1.5, mode: .bilinear, alignCorners: true) }),
            ("bilinear down", { interpolate($0, scaleFactor: 0.6, mode: .bilinear) }),
        ]
        for (name, f) in fs {
            let r = gradcheck({ f($0[0]) }, inputs: [x])
            #expect(r.passed, "\(name): \(r)")
        }
    }

    /// Second derivatives flow through pooling backward (the backward ops are recorded with createGraph).
    @Test func doubleBackwardGradcheck() {
        let x = Self.rand([1, 2, 5, 5], 7)
        for f in [{ (t: Tensor) in maxPool2d(t, kernelSize: 2, stride: 1) },
                  { (t: Tensor) in avgPool2d(t, kernelSize: 3, stride: 2, padding: 1) },
                  { (t: Tensor) in interpolate(t, scaleFactor: 1.5, mode: .bilinear) }] {
            let r = gradcheck({ t in withGrad {
                let y = f(t[0])
                let gx = grad(of: (y * y * y).sum(), wrt: [t[0]], createGraph: true)[0]!
                return (gx * gx).sum()
            } }, inputs: [x])
            #expect(r.passed, "\(r)")
        }
    }

    @Test func float32MatchesFloat64() {
        let x = Self.rand([2, 3, 8, 8], 8)
        let ops: [(Tensor) -> Tensor] = [
            { maxPool2d($0, kernelSize: 3, stride: 2, padding: 1) },
            { avgPool2d($0, kernelSize: 2) },
            { interpolate($0, size: [11, 5], mode: .bilinear) },
        ]
        for f in ops { #expect(f(x.to(.float32)).to(.float64).allClose(f(x), rtol: 1e-5, atol: 1e-5)) }
    }

    @Test func paddingLargerThanHalfTheKernelStops() async {
        let message = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = maxPool2d(Tensor.zeros([1, 1, 5, 5]), kernelSize: 2, padding: 2)
        }.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(message.contains("max_pool2d: padding 2 must be at most half the kernel size 2 (input [1, 1, 5, 5])"), "\(message)")
    }

    @Test func kernelLargerThanInputStops() async {
        let message = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = avgPool2d(Tensor.zeros([1, 1, 2, 5]), kernelSize: 3)
        }.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(message.contains("avg_pool2d: kernel (dilated size 3) is larger than the padded input 2 (input [1, 1, 2, 5])"), "\(message)")
        await #expect(processExitsWith: .failure) {
            _ = interpolate(Tensor.zeros([1, 1, 2, 2]), size: 4, mode: .nearest, alignCorners: true)
        }
    }
}
