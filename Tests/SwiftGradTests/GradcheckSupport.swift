import Foundation
import Testing
import SwiftGrad

/// One finite-difference check: a function of some tensors and the inputs to check it at.
struct GradCase {
    let name: String
    let inputs: [Tensor]
    var eps = 1e-6
    var atol = 1e-5
    var rtol = 1e-3
    let f: ([Tensor]) -> Tensor

    init(_ name: String, _ inputs: [Tensor], eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3,
         _ f: @escaping ([Tensor]) -> Tensor) {
        self.name = name
        self.inputs = inputs
        self.eps = eps
        self.atol = atol
        self.rtol = rtol
        self.f = f
    }

    /// Runs `gradcheck` and records a failure naming the case and its worst element.
    func check(sourceLocation: SourceLocation = #_sourceLocation) {
        let r = gradcheck(f, inputs: inputs, eps: eps, atol: atol, rtol: rtol)
        #expect(r.passed, "\(name): \(r) (input shapes \(inputs.map(\.shape)))", sourceLocation: sourceLocation)
    }
}

/// Deterministic inputs and helpers for the gradient-check tests.
enum GC {
    /// Standard-normal float64 values from a fixed seed.
    static func randn(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed))
    }

    /// Float64 values in [0.5, 2), for log, sqrt, pow, division and friends.
    static func positive(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor.uniform(shape, low: 0.5, high: 2, dtype: .float64, generator: Generator(seed: seed))
    }

    /// Values in ±[0.5, 2): away from zero, for ops with a kink at 0 (abs, relu, sign).
    static func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
        let mag = positive(shape, seed: seed)
        let signs = Tensor.randint(0, 2, shape, dtype: .float64, generator: Generator(seed: seed &+ 99)) * 2 - 1
        return withNoGrad { mag * signs }
    }

    /// Fixed, non-uniform weights shaped like `y`, so that every output element counts differently
    /// (a uniform weight would hide softmax's gradient, which sums to zero).
    static func weights(like y: Tensor) -> Tensor {
        Tensor.linspace(0.5, 1.5, steps: y.count, dtype: y.dtype).reshape(y.shape)
    }

    /// A pair of shapes that broadcast together: every axis of the shorter one is either the full
    /// size or 1, and leading axes may be missing. Shapes have up to 3 axes of size 1...3.
    static func broadcastPair(_ g: Generator) -> ([Int], [Int]) {
        let rank = g.nextInt(in: 0..<4)
        let full = (0..<rank).map { _ in g.nextInt(in: 1..<4) }
        var other = full.map { g.nextUniform() < 0.4 ? 1 : $0 }
        other.removeFirst(g.nextInt(in: 0..<(other.count + 1)))
        return g.nextUniform() < 0.5 ? (full, other) : (other, full)
    }

    /// A pair of shapes valid for `matmul`: each operand 1-D to 4-D, batch axes broadcasting.
    static func matmulPair(_ g: Generator) -> ([Int], [Int]) {
        let m = g.nextInt(in: 1..<4), k = g.nextInt(in: 1..<4), n = g.nextInt(in: 1..<4)
        let batch = [g.nextInt(in: 1..<4), g.nextInt(in: 2..<4)]
        func batchOf(_ rank: Int) -> [Int] {
            Array(batch.suffix(Swift.max(0, rank - 2))).map { g.nextUniform() < 0.3 ? 1 : $0 }
        }
        let ra = g.nextInt(in: 1..<5), rb = g.nextInt(in: 1..<5)
        let a = ra == 1 ? [k] : batchOf(ra) + [m, k]
        let b = rb == 1 ? [k] : batchOf(rb) + [k, n]
        return (a, b)
    }

    /// The gradient of `Σ w·f(xs)` with respect to the float inputs, recorded (createGraph), flattened
    /// into one tensor: checking it with `gradcheck` checks second derivatives.
    static func firstDerivative(_ f: @escaping ([Tensor]) -> Tensor) -> ([Tensor]) -> Tensor {
        { xs in
            withGrad {
                let y = f(xs)
                let floats = xs.filter { $0.dtype.isFloatingPoint }
                let gs = grad(of: (y * weights(like: y)).sum(), wrt: floats, createGraph: true)
                return Tensor.cat(zip(gs, floats).map { ($0.0 ?? Tensor.zerosLike($0.1)).flatten() })
            }
        }
    }

    /// The package's root directory (tests read the sources and docs for the registry checks).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
