import Foundation
import Testing
import SwiftGrad

/// The kernels added for inference and small-batch speed (issue 19): matrix-vector products,
/// the eight-lane GELU-tanh, its fused backward, and layer norm without a graph. Each is checked
/// against a plain reference (or the recorded path) in float32 and float64.
@Suite struct InferenceFastPathTests {
    /// op(A)·op(B) in Double, from row-major arrays of the stored (untransposed) operands.
    static func reference(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * m + i] : a[i * k + p]
                    let bv = transB ? b[j * k + p] : b[p * n + j]
                    s += av * bv
                }
                c[i * n + j] = s
            }
        }
        return c
    }

    static func maxRelativeError(_ x: [Double], _ y: [Double]) -> Double {
        zip(x, y).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    @Test(arguments: [DType.float32, .float64])
    func matrixVectorProductsMatchReference(dtype: DType) {
        let g = Generator(seed: 19)
        let tol = dtype == .float32 ? 2e-5 : 1e-12
        // (m, n, k): one row of C, one column of C, both, and shapes large enough to be split over threads.
        for (m, n, k) in [(1, 7, 5), (6, 1, 9), (1, 1, 13), (1, 512, 784), (300, 1, 257)] {
            for transA in [false, true] {
                for transB in [false, true] {
                    // Stored shapes; a transposed operand is a `.t()` view (BLAS reads it with a flag).
                    let aStored = Tensor.randn(transA ? [k, m] : [m, k], dtype: dtype, generator: g)
                    let bStored = Tensor.randn(transB ? [n, k] : [k, n], dtype: dtype, generator: g)
                    let a = transA ? aStored.t() : aStored, b = transB ? bStored.t() : bStored
                    let c = a.matmul(b)
                    #expect(c.shape == [m, n])
                    let want = Self.reference(aStored.to(.float64).doubles, bStored.to(.float64).doubles,
                                              m: m, n: n, k: k, transA: transA, transB: transB)
                    let err = Self.maxRelativeError(c.to(.float64).doubles, want)
                    #expect(err <= tol, "m \(m) n \(n) k \(k) transA \(transA) transB \(transB): error \(err)")
                }
            }
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func batchOneLinearMatchesTheSameRowOfABatch(dtype: DType) {
        let g = Generator(seed: 7)
        let fc = Linear(784, 512, dtype: dtype)
        let x = Tensor.randn([4, 784], dtype: dtype, generator: g)
        let batch = withNoGrad { fc(x) }
        let tol = dtype == .float32 ? 2e-5 : 1e-12
        for r in 0..<4 {
            let one = withNoGrad { fc(x[r].unsqueeze(axis: 0)) }
            let err = Self.maxRelativeError(one.to(.float64).doubles, batch[r].to(.float64).doubles)
            #expect(err <= tol, "row \(r): error \(err)")
        }
    }

    @Test func batchOneLinearGradients() {
        let x = GC.randn([1, 5], seed: 1), w = GC.randn([7, 5], seed: 2), b = GC.randn([7], seed: 3)
        GradCase("linear batch 1", [x, w, b]) { linear($0[0], weight: $0[1], bias: $0[2]) }.check()
        let v = GC.randn([5], seed: 4)
        GradCase("matrix·vector", [w, v]) { $0[0].matmul($0[1]) }.check()
        GradCase("vector·matrix", [GC.randn([7], seed: 5), w]) { $0[0].matmul($0[1]) }.check()
    }

    /// gelu(x, tanh) in Double: the float32 kernel must agree to float precision.
    static func geluTanh(_ v: Double) -> Double {
        let k = (2 / Double.pi).squareRoot()
        return v * (1 + Foundation.tanh(k * (v + 0.044715 * v * v * v))) / 2
    }

    @Test func vectorisedGeluTanhMatchesTheFormula() {
        // 1003 values (not a multiple of eight lanes) across the tanh argument's clamp at ±9, plus
        // zeros, huge values, infinities and NaN.
        let grid = (0..<1003).map { -12 + 24 * Double($0) / 1002 }
        let specials: [Double] = [0, -0.0, 1e30, -1e30, 3e12, .infinity, -.infinity, .nan]
        let values = grid + specials
        let x = Tensor(values.map { Float($0) }, shape: [values.count])
        let y = x.gelu(approximate: .tanh).scalars
        for (i, v) in values.enumerated() where v.isFinite && abs(v) < 1e6 {
            let want = Self.geluTanh(Double(Float(v)))
            #expect(abs(Double(y[i]) - want) <= 1e-6 + 4e-7 * abs(want), "x = \(v): \(y[i]) vs \(want)")
        }
        let n = grid.count
        #expect(y[n + 2] == 1e30 && y[n + 4] == Float(3e12))
        #expect(y[n + 3] == 0)                        // -1e30·(1 + tanh(-huge))/2 = -1e30·0
        #expect(y[n + 5] == .infinity && y[n + 6].isNaN && y[n + 7].isNaN)
        // float64 keeps libm's tanh.
        let xd = Tensor(grid, shape: [grid.count], dtype: .float64)
        let yd = xd.gelu(approximate: .tanh).doubles
        for (i, v) in grid.enumerated() { #expect(abs(yd[i] - Self.geluTanh(v)) <= 1e-15 * max(1, abs(v))) }
    }

    @Test func geluTanhGradientIsTheFusedFormula() {
        GradCase("gelu tanh", [GC.randn([3, 4], seed: 11) * 2]) { $0[0].gelu(approximate: .tanh) }.check()
        GradCase("d2 gelu tanh", [GC.randn([3, 4], seed: 12) * 2],
                 GC.firstDerivative { $0[0].gelu(approximate: .tanh) }).check()
        // float32: the fused pass against the derivative in Double.
        let values = (0..<37).map { -6 + 12 * Double($0) / 36 }
        let x = Tensor(values.map { Float($0) }, shape: [37]).requiringGrad()
        x.gelu(approximate: .tanh).sum().backward()
        let got = x.grad!.scalars
        for (i, v) in values.enumerated() {
            let h = 1e-6, vf = Double(Float(v))
            let want = (Self.geluTanh(vf + h) - Self.geluTanh(vf - h)) / (2 * h)
            #expect(abs(Double(got[i]) - want) <= 1e-5, "x = \(v): \(got[i]) vs \(want)")
        }
        // Far out the derivative is 0 (left) and 1 (right), not a polynomial tail times a huge x;
        // infinities and NaN take the scalar formula.
        let far = Tensor([Float(-1e3), -30, -9.5, 9.5, 30, 1e3, 1e15, .nan], shape: [8]).requiringGrad()
        far.gelu(approximate: .tanh).sum().backward()
        let fg = far.grad!.scalars
        #expect(fg[0] == 0 && fg[1] == 0 && abs(fg[2]) < 1e-6 && abs(fg[3] - 1) < 1e-6 && fg[4] == 1 && fg[5] == 1 && fg[6] == 1)
        #expect(fg[7].isNaN)
        // The tail of a range that is not a multiple of eight lanes goes through the same code.
        let odd = Tensor.randn([13], generator: Generator(seed: 8)) * 3
        let oddX = odd.requiringGrad()
        oddX.gelu(approximate: .tanh).sum().backward()
        let firstEight = odd[0..<8].detach().requiringGrad()
        firstEight.gelu(approximate: .tanh).sum().backward()
        #expect(Array(oddX.grad!.scalars.prefix(8)) == firstEight.grad!.scalars)
        // The gradient is one recorded op (differentiable again).
        let z = Tensor(values, shape: [37], dtype: .float64).requiringGrad()
        let dz = grad(of: z.gelu(approximate: .tanh).sum(), wrt: [z], createGraph: true)[0]!
        #expect(dz.opName == "gelu_tanh_backward")
    }

    @Test(arguments: [DType.float32, .float64])
    func layerNormWithoutAGraphEqualsTheRecordedPath(dtype: DType) {
        let g = Generator(seed: 3)
        let tol = dtype == .float32 ? 1e-6 : 1e-14
        // Row lengths that are and are not multiples of eight; one and two normalised axes.
        for (shape, normalized) in [([3, 5, 16], [16]), ([4, 13], [13]), ([2, 3, 4, 5], [4, 5]), ([1, 256], [256])] {
            for affine in [false, true] {
                let x = Tensor.randn(shape, dtype: dtype, generator: g) * 3 + 1
                let w = affine ? Tensor.randn(normalized, dtype: dtype, generator: g) : nil
                let b = affine ? Tensor.randn(normalized, dtype: dtype, generator: g) : nil
                let fast = withNoGrad { layerNorm(x, normalizedShape: normalized, weight: w, bias: b) }
                // With an input that requires grad, the recorded `layer_norm` op runs (LayerNormTests
                // compares it with the composed definition).
                let xr = x.detach().requiringGrad()
                let recorded = layerNorm(xr, normalizedShape: normalized, weight: w, bias: b)
                #expect(recorded.requiresGrad && !fast.requiresGrad)
                let err = Self.maxRelativeError(fast.to(.float64).doubles, recorded.to(.float64).doubles)
                #expect(err <= tol, "shape \(shape) normalized \(normalized) affine \(affine): error \(err)")
            }
        }
    }

    @Test func layerNormModuleInEvalUsesTheSameValues() {
        let ln = LayerNorm(24)
        withNoGrad {
            ln.weight!.copyFrom(Tensor.randn([24], generator: Generator(seed: 1)))
            ln.bias!.copyFrom(Tensor.randn([24], generator: Generator(seed: 2)))
        }
        let x = Tensor.randn([5, 24], generator: Generator(seed: 4))
        let fast = withNoGrad { ln(x) }
        let recorded = ln(x)
        #expect(recorded.requiresGrad)
        #expect(Self.maxRelativeError(fast.to(.float64).doubles, recorded.to(.float64).doubles) <= 1e-6)
    }

    @Test func batchNormMatchesItsDefinitionAndGradchecks() {
        let x = GC.randn([4, 3, 2, 2], seed: 21), w = GC.randn([3], seed: 22), b = GC.randn([3], seed: 23)
        let y = batchNorm(x, runningMean: nil, runningVar: nil, weight: w, bias: b, training: true).doubles
        let xs = x.doubles, ws = w.doubles, bs = b.doubles
        for c in 0..<3 {
            var vals: [Double] = []
            for n in 0..<4 { for p in 0..<4 { vals.append(xs[(n * 3 + c) * 4 + p]) } }
            let mean = vals.reduce(0, +) / 16
            let variance = vals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 16
            for n in 0..<4 {
                for p in 0..<4 {
                    let i = (n * 3 + c) * 4 + p
                    let want = (xs[i] - mean) / (variance + 1e-5).squareRoot() * ws[c] + bs[c]
                    #expect(abs(y[i] - want) <= 1e-12)
                }
            }
        }
        GradCase("batchNorm training", [x, w, b]) {
            batchNorm($0[0], runningMean: nil, runningVar: nil, weight: $0[1], bias: $0[2], training: true)
        }.check()
        let rm = GC.randn([3], seed: 24), rv = GC.positive([3], seed: 25)
        GradCase("batchNorm eval", [x, w, b]) {
            batchNorm($0[0], runningMean: rm, runningVar: rv, weight: $0[1], bias: $0[2], training: false)
        }.check()
    }
}

/// Split matrix-vector products and the threaded activation give the same bits for any thread count.
@Suite(.serialized) struct InferenceFastPathThreadTests {
    @Test func splitMatrixVectorProductsAndGeluDoNotDependOnTheThreadCount() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            // The matrix-vector path itself: with the packed-weight cache on, the first product with
            // `w` runs as gemv and later ones on the packed kernel (PackedWeightTests checks that
            // kernel's thread split), which would differ in the last bits between the rounds.
            Runtime.packedWeights = false
            let g = Generator(seed: 5)
            let x = Tensor.randn([1, 784], generator: g), w = Tensor.randn([512, 784], generator: g)
            let v = Tensor.randn([784], dtype: .float64, generator: g), wd = Tensor.randn([300, 784], dtype: .float64, generator: g)
            let big = Tensor.randn([200_003], generator: g) * 4
            func results() -> [UInt64] {
                var out: [UInt64] = []
                out += linear(x, weight: w).scalars.map { UInt64($0.bitPattern) }
                out += x.matmul(w.t().contiguous()).scalars.map { UInt64($0.bitPattern) }
                out += wd.matmul(v).doubles.map(\.bitPattern)
                out += big.gelu(approximate: .tanh).scalars.map { UInt64($0.bitPattern) }
                return out
            }
            exitReportingThreadCountDifferences(positionsDifferingAcrossThreadCounts(results))
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(!text.contains("differences"), "\(text)")
    }
}
