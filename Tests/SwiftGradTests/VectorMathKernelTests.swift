import Testing
import Foundation
import CKernels
@testable import SwiftGrad

/// The float32 vector math (`VectorMath`): the AVX2 + FMA C kernels (Sources/CKernels/VectorMath.c)
/// and their sixteen-lane twins (VectorMathAVX512.c, bit for bit the same) against a float64 reference and against the Swift SIMD fallback; results independent of where a
/// range starts or ends; lanes outside the vector range (±inf, NaN, huge) equal to the scalar libm
/// formulas; in place equal to out of place.
@Suite struct VectorMathKernelTests {
    enum Op: CaseIterable { case exp, sigmoid, tanh, gelu, geluBackward }
    enum Path { case c, c16, swift }

    /// Runs `op` on x (and g for the backward) over the pieces [b0, b1), [b1, b2), ... of 0..<n.
    static func run(_ op: Op, _ path: Path, _ x: [Float], _ g: [Float], cuts: [Int] = []) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        let bounds = [0] + cuts + [x.count]
        x.withUnsafeBufferPointer { xb in
            g.withUnsafeBufferPointer { gb in
                y.withUnsafeMutableBufferPointer { yb in
                    let xp = xb.baseAddress!, gp = gb.baseAddress!, yp = yb.baseAddress!
                    for (lo, hi) in zip(bounds, bounds.dropFirst()) {
                        switch (op, path) {
                        case (.exp, .c): sg_exp_f32(xp, yp, lo, hi)
                        case (.exp, .swift): VectorMath.swiftExp(xp, yp, lo, hi)
                        case (.sigmoid, .c): sg_sigmoid_f32(xp, yp, lo, hi)
                        case (.sigmoid, .swift): VectorMath.swiftSigmoid(xp, yp, lo, hi)
                        case (.tanh, .c): sg_tanh_f32(xp, yp, lo, hi)
                        case (.tanh, .swift): VectorMath.swiftTanh(xp, yp, lo, hi)
                        case (.gelu, .c): sg_gelu_tanh_f32(xp, yp, lo, hi)
                        case (.gelu, .swift): VectorMath.swiftGeluTanh(xp, yp, lo, hi)
                        case (.geluBackward, .c): sg_gelu_tanh_backward_f32(gp, xp, yp, lo, hi)
                        case (.geluBackward, .swift): VectorMath.swiftGeluTanhBackward(gp, xp, yp, lo, hi)
                        case (.exp, .c16): sg_exp_f32_avx512(xp, yp, lo, hi)
                        case (.sigmoid, .c16): sg_sigmoid_f32_avx512(xp, yp, lo, hi)
                        case (.tanh, .c16): sg_tanh_f32_avx512(xp, yp, lo, hi)
                        case (.gelu, .c16): sg_gelu_tanh_f32_avx512(xp, yp, lo, hi)
                        case (.geluBackward, .c16): sg_gelu_tanh_backward_f32_avx512(gp, xp, yp, lo, hi)
                        }
                    }
                }
            }
        }
        return y
    }

    static let k = (2 / Double.pi).squareRoot(), c = 0.044715

    /// The float64 value of `op` at x (g · gelu'(x) for the backward).
    static func reference(_ op: Op, _ x: Double, _ g: Double) -> Double {
        switch op {
        case .exp: return Foundation.exp(x)
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .tanh: return Foundation.tanh(x)
        case .gelu: return 0.5 * x * (1 + Foundation.tanh(k * (x + c * x * x * x)))
        case .geluBackward:
            let t = Foundation.tanh(k * (x + c * x * x * x))
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x))
        }
    }

    /// The scalar formula the kernels use outside their vector range (libm's expf and tanhf).
    static func scalar(_ op: Op, _ x: Float, _ g: Float) -> Float {
        let k: Float = (2 / Float.pi).squareRoot(), c: Float = 0.044715
        switch op {
        case .exp: return expf(x)
        case .sigmoid: return VectorMath.scalarSigmoid(x)
        case .tanh: return tanhf(x)
        case .gelu: return x * (1 + tanhf(k * (x + c * x * x * x))) / 2
        case .geluBackward:
            let x2 = x * x, t = tanhf((x + x2 * x * c) * k), du = (x2 * (3 * c) + 1) * k
            return g * ((t + 1) * 0.5 + x * (1 - t * t) * du * 0.5)
        }
    }

    /// Error of `got` in units in the last place of the float nearest `ref` (the smaller ulp at a
    /// power of two).
    static func ulps(_ got: Float, _ ref: Double) -> Double {
        let f = Float(Swift.abs(ref))
        if got == Float(ref) { return 0 }
        let u = f == 0 ? Float.leastNonzeroMagnitude : f.nextDown.ulp
        return Swift.abs(Double(got) - ref) / Double(u)
    }

    /// Inputs over the vector range of `op` (dense where the tanh switches formulas) and around it.
    static func inputs(_ op: Op) -> [Float] {
        func grid(_ a: Float, _ b: Float, _ n: Int) -> [Float] { (0...n).map { a + (b - a) * Float($0) / Float(n) } }
        let edges: [Float] = [0, -0.0, 1e-30, -1e-30, 1e-40, -1e-40, .leastNormalMagnitude, 0.625, -0.625,
                              Float(0.625).nextDown, -Float(0.625).nextDown, 9, -9, Float(9).nextUp, -Float(9).nextUp, 87, -87, 88,
                              Float(88).nextUp, -Float(87).nextUp]
        switch op {
        case .exp: return grid(-87, 88, 20_000) + edges
        case .sigmoid: return grid(-87, 87, 20_000) + edges
        case .tanh: return grid(-9, 9, 20_000) + grid(0.6, 0.65, 2_000) + grid(-0.65, -0.6, 2_000) + grid(-0.01, 0.01, 500) + edges
        case .gelu, .geluBackward: return grid(-12, 12, 30_000) + grid(-1e4, 1e4, 2_000) + edges + [1e15, -1e15, 1e30, -1e30]
        }
    }

    /// Measured worst errors on these inputs, C (Swift fallback): exp 0.85 ulp (1.07), sigmoid 1.66
    /// (1.83), tanh 1.23 (1.21); GELU 0.19 (0.17) and its derivative 0.49 (0.40) of 1e-6 relative
    /// + 1e-7 absolute.
    @Test(arguments: [Path.c, .swift]) func kernelsMatchTheFloat64Reference(_ path: Path) {
        if path == .c && !Kernels.ownKernels { return }   // a CPU without AVX2/FMA never runs them
        for op in Op.allCases {
            let x = Self.inputs(op), g = [Float](repeating: 1, count: x.count)
            let y = Self.run(op, path, x, g)
            var worst = 0.0, at: Float = 0
            for (xi, yi) in zip(x, y) {
                let ref = Self.reference(op, Double(xi), 1)
                switch op {
                case .exp, .sigmoid, .tanh:
                    let e = Self.ulps(yi, ref)
                    if e > worst { worst = e; at = xi }
                case .gelu, .geluBackward:
                    // GELU's 1 + tanh(u) cancels for u near -9; the bound is relative plus absolute.
                    let e = Swift.abs(Double(yi) - ref) / (1e-6 * Swift.abs(ref) + 1e-7)
                    if e > worst { worst = e; at = xi }
                }
            }
            #expect(worst <= (op == .gelu || op == .geluBackward ? 1 : 2), "\(op) \(path): worst \(worst) at x = \(at)")
        }
    }

    /// Measured: C and Swift at most 1 ulp apart for exp, 2 for sigmoid and tanh; GELU 0.14 and its
    /// derivative 0.32 of the tolerance below.
    @Test func cKernelsMatchTheSwiftFallback() {
        guard Kernels.ownKernels else { return }
        let gen = Generator(seed: 19)
        let x = (Tensor.randn([4_001], generator: gen) * 5).toArray(as: Float.self) + Self.inputs(.tanh)
        let g = Tensor.randn([x.count], generator: gen).toArray(as: Float.self)
        for op in Op.allCases {
            let a = Self.run(op, .c, x, g), b = Self.run(op, .swift, x, g)
            var worst = 0.0
            for i in x.indices {
                let ref = Double(b[i])
                let e: Double
                switch op {
                case .exp, .sigmoid, .tanh: e = Self.ulps(a[i], ref) / 3
                case .gelu, .geluBackward: e = Swift.abs(Double(a[i]) - ref) / (2e-6 * Swift.abs(ref) + 2e-7 * Swift.max(1, Swift.abs(Double(g[i]))))
                }
                worst = Swift.max(worst, e)
            }
            #expect(worst <= 1, "\(op): C against Swift, worst \(worst) of the tolerance")
        }
    }

    @Test func resultsDoNotDependOnTheRangeSplit() {
        let gen = Generator(seed: 3)
        var x = (Tensor.randn([203], generator: gen) * 6).toArray(as: Float.self)
        x[5] = .nan; x[40] = .infinity; x[41] = -.infinity; x[77] = 100; x[78] = -100; x[150] = 1e20
        let g = Tensor.randn([x.count], generator: gen).toArray(as: Float.self)
        let cutsList = [[1], [3, 11, 12, 50, 51, 52, 130], [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 200], [101]]
        for path in Kernels.ownKernels ? [Path.c, .swift] : [.swift] {
            for op in Op.allCases {
                let whole = Self.run(op, path, x, g).map(\.bitPattern)
                for cuts in cutsList {
                    #expect(Self.run(op, path, x, g, cuts: cuts).map(\.bitPattern) == whole, "\(op) \(path) cut at \(cuts)")
                }
            }
        }
    }

    @Test func outOfRangeLanesEqualTheScalarLibmFormulas() {
        let special: [Float] = [.nan, .infinity, -.infinity, 100, -100, 88.5, -87.5, -104, -103.9, -104.1, -105, 89, 1e30, -1e30,
                                .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 10, -10, 20, -20, 0.5]
        let g: [Float] = special.indices.map { $0 % 3 == 0 ? 1 : -2.5 }
        let inRange: [Op: ClosedRange<Float>] = [.exp: -87...88, .sigmoid: -87...87, .tanh: -9...9,
                                                 .gelu: -.greatestFiniteMagnitude ... .greatestFiniteMagnitude,
                                                 .geluBackward: -.greatestFiniteMagnitude ... .greatestFiniteMagnitude]
        for path in Kernels.ownKernels ? [Path.c, .swift] : [.swift] {
            for op in Op.allCases {
                let y = Self.run(op, path, special, g)
                for (i, xi) in special.enumerated() where !inRange[op]!.contains(xi) {
                    let want = Self.scalar(op, xi, g[i])
                    #expect(y[i].bitPattern == want.bitPattern || (y[i].isNaN && want.isNaN), "\(op) \(path) at \(xi): \(y[i]) vs \(want)")
                }
            }
        }
    }

    @Test func edgeValues() {
        for path in Kernels.ownKernels ? [Path.c, .swift] : [.swift] {
            let x: [Float] = [0, -0.0, 1e-30, -1e-30, 3e38, -3e38, 1e20]
            let ones = [Float](repeating: 1, count: x.count)
            let e = Self.run(.exp, path, x, ones), s = Self.run(.sigmoid, path, x, ones)
            let t = Self.run(.tanh, path, x, ones), gl = Self.run(.gelu, path, x, ones)
            let gb = Self.run(.geluBackward, path, x, ones)
            #expect(e[0] == 1 && e[1] == 1 && e[2] == 1 && e[4] == .infinity && e[5] == 0)
            #expect(s[0] == 0.5 && s[1] == 0.5 && s[4] == 1 && s[5] == 0)
            // tanh keeps the sign of zero and is x itself for tiny x.
            #expect(t[0].bitPattern == Float(0).bitPattern && t[1].bitPattern == Float(-0.0).bitPattern)
            #expect(t[2] == 1e-30 && t[3] == -1e-30 && t[4] == 1 && t[5] == -1)
            // GELU of a huge x is x (no overflow of x·(1 + t)), of a huge negative x zero; its derivative 1 and 0, not NaN.
            #expect(gl[4] == 3e38 && gl[5] == 0 && gl[6] == 1e20 && gl[0] == 0)
            #expect(gb[4] == 1 && gb[5] == 0 && gb[6] == 1 && gb[0] == 0.5, "\(path): \(gb)")
        }
    }

    @Test func inPlaceEqualsOutOfPlace() {
        var x = (Tensor.randn([37], generator: Generator(seed: 8)) * 40).toArray(as: Float.self)
        x[3] = .nan; x[20] = -.infinity
        let outOfPlace = Self.run(.exp, .swift, x, x)
        for useC in Kernels.ownKernels ? [true, false] : [false] {
            for op in [Op.exp, .sigmoid, .tanh, .gelu] {
                let want = VectorMath.$cKernels.withValue(useC) { Self.run(op, useC ? .c : .swift, x, x) }
                var y = x
                VectorMath.$cKernels.withValue(useC) {
                    y.withUnsafeMutableBufferPointer { b in
                        let p = b.baseAddress!
                        switch op {
                        case .exp: VectorMath.exp(p, p, 0, b.count)
                        case .sigmoid: VectorMath.sigmoid(p, p, 0, b.count)
                        case .tanh: VectorMath.tanh(p, p, 0, b.count)
                        default: VectorMath.geluTanh(p, p, 0, b.count)
                        }
                    }
                }
                #expect(y.map(\.bitPattern) == want.map(\.bitPattern), "\(op) in place, C \(useC)")
            }
        }
        #expect(outOfPlace[3].isNaN && outOfPlace[20] == 0)
    }

    @Test func expShiftedIsExpOfTheDifferences() {
        var row = (Tensor.randn([45], generator: Generator(seed: 6)) * 30).toArray(as: Float.self)
        row[2] = -.infinity; row[9] = .nan; row[30] = 150
        let base: Float = 12.5
        let diffs = row.map { $0 - base }
        for useC in Kernels.ownKernels ? [true, false] : [false] {
            let want = Self.run(.exp, useC ? .c : .swift, diffs, diffs).map(\.bitPattern)
            var got = row, scratch = [Float](repeating: 0, count: row.count)
            VectorMath.$cKernels.withValue(useC) {
                got.withUnsafeMutableBufferPointer { g in
                    scratch.withUnsafeMutableBufferPointer { VectorMath.expShifted(g.baseAddress!, g.count, minus: base, scratch: $0.baseAddress!) }
                }
            }
            #expect(got.map(\.bitPattern) == want, "C \(useC)")
        }
    }

    /// The sixteen-lane kernels (VectorMathAVX512.c) give the eight-lane kernels' floats bit for bit,
    /// on the reference inputs, the values outside the vector ranges, and every tail length 0...33.
    @Test func sixteenLaneKernelsEqualTheEightLaneOnes() {
        guard Kernels.ownKernels && sg_cpu_has_avx512f() != 0 else { return }
        let special: [Float] = [.nan, -.nan, .infinity, -.infinity, 1e30, -1e30, .greatestFiniteMagnitude,
                                -.greatestFiniteMagnitude, 100, -100, 89, -89, -104, -105, -200, 43.6, -43.6]
        var cuts: [Int] = []
        var at = 0
        for len in 0...33 { at += len; cuts.append(at) }
        for op in Op.allCases {
            let x = Self.inputs(op) + special + Self.inputs(op).prefix(700).map { $0 * 3.7 }
            let g = x.indices.map { Float($0 % 13) * 0.25 - 1.5 }
            let pieces = cuts.filter { $0 < x.count }
            for c in [[], pieces] {
                let eight = Self.run(op, .c, x, g, cuts: c), sixteen = Self.run(op, .c16, x, g, cuts: c)
                let differing = x.indices.filter { eight[$0].bitPattern != sixteen[$0].bitPattern }
                #expect(differing.isEmpty, "\(op): \(differing.count) differ, first at x = \(differing.first.map { x[$0] } ?? 0)")
            }
        }
        // exp of shifted rows, in place.
        var a = Self.inputs(.exp).map { $0 + 2 }, b = a
        a.withUnsafeMutableBufferPointer { sg_exp_shifted_f32($0.baseAddress!, $0.count, 2) }
        b.withUnsafeMutableBufferPointer { sg_exp_shifted_f32_avx512($0.baseAddress!, $0.count, 2) }
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    }

    @Test func entryPointsFollowTheSwitch() {
        let x = (Tensor.randn([29], generator: Generator(seed: 4)) * 3).toArray(as: Float.self)
        func viaEntry() -> [UInt32] {
            var y = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { VectorMath.tanh(xb.baseAddress!, $0.baseAddress!, 0, x.count) } }
            return y.map(\.bitPattern)
        }
        let swiftPath = VectorMath.$cKernels.withValue(false) { viaEntry() }
        #expect(swiftPath == Self.run(.tanh, .swift, x, x).map(\.bitPattern))
        #expect(viaEntry() == Self.run(.tanh, Kernels.ownKernels ? .c : .swift, x, x).map(\.bitPattern))
    }
}
