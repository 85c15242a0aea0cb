import Testing
@testable import SwiftGrad

/// affineGrid and gridSample: PyTorch values and gradients (input and grid) for every mode,
/// padding mode and alignCorners, Float64 gradchecks, the identity transform.
@Suite struct NNGridSampleTests {
    static var ops: [String: (GoldenCase) -> Tensor] { [
        "affineGrid": { c in affineGrid(c.inputs[0]!, size: c.args.ints("size")!, alignCorners: c.args.bool("align")!) },
        "gridSample": { c in
            gridSample(c.inputs[0]!, grid: c.inputs[1]!.to(.float64), mode: GridSampleMode(rawValue: c.args.string("mode")!)!,
                       paddingMode: GridSamplePadding(rawValue: c.args.string("padding")!)!, alignCorners: c.args.bool("align")!)
        },
    ] }

    @Test func matchPyTorch() {
        let (failures, ran) = NNFixtures.run(Self.ops)
        #expect(ran == 14)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func gradcheckFloat64() {
        let x = GC.randn([1, 2, 3, 4], seed: 1)
        // Grid points away from integer pixel positions (where the bilinear weights have kinks).
        let grid = Tensor([-0.83, -0.41, 0.27, 0.66, -0.12, 0.93, 1.13, -1.07, 0.51, 0.05, -0.64, 0.38], shape: [1, 2, 3, 2], dtype: .float64)
        for padding in [GridSamplePadding.zeros, .border, .reflection] {
            GradCase("gridSample \(padding)", [x, grid]) { gridSample($0[0], grid: $0[1], paddingMode: padding) }.check()
        }
        GradCase("gridSample nearest", [x]) { gridSample($0[0], grid: grid, mode: .nearest, alignCorners: true) }.check()
        let theta = Tensor([1.1, 0.2, -0.1, -0.3, 0.9, 0.05], shape: [1, 2, 3], dtype: .float64)
        GradCase("affineGrid", [theta]) { affineGrid($0[0], size: [1, 1, 3, 2]) }.check()
        GradCase("affineGrid + gridSample", [x, theta * 0.7]) { gridSample($0[0], grid: affineGrid($0[1], size: [1, 2, 2, 3])) }.check()
    }

    @Test func identityTransformReproducesTheInput() {
        let x = GC.randn([2, 3, 4, 5], seed: 2)
        let identity = Tensor([1.0, 0, 0, 0, 1, 0], shape: [1, 2, 3], dtype: .float64).expand([2, 2, 3])
        for align in [false, true] {
            let y = gridSample(x, grid: affineGrid(identity, size: [2, 3, 4, 5], alignCorners: align), alignCorners: align)
            #expect(NNFixtures.mismatch(y, x, atol: 1e-12, rtol: 0) == nil)
        }
        #expect(gridSample(x.to(.float32), grid: affineGrid(identity.to(.float32), size: [2, 3, 2, 2])).dtype == .float32)
    }
}

@Suite struct MisuseMessageTestsOpsNNGrid {
    static let cases: [MisuseCase] = [
        MisuseCase(["affineGrid", "[1, 3, 3]", "[1, 1, 2, 2]"]) { _ = affineGrid(Tensor.zeros([1, 3, 3]), size: [1, 1, 2, 2]) },
        MisuseCase(["gridSample", "[1, 1, 2, 2]", "[2, 2, 2, 2]"]) { _ = gridSample(Tensor.zeros([1, 1, 2, 2]), grid: Tensor.zeros([2, 2, 2, 2])) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOpsNNGrid.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}
