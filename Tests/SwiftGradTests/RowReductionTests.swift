import Testing
@testable import SwiftGrad

/// Kernels.rowMax / rowSum / rowDot (Kernels/RowReductions.swift): the attention kernels' per-row
/// reductions, against the scalar loops they replaced, on lengths with and without a tail.
@Suite struct RowReductionTests {
    static let lengths = [0, 1, 5, 8, 13, 16, 64, 67]

    static func values<T: FloatElement>(_ n: Int, _: T.Type, seed: UInt64) -> [T] {
        var g = seed
        return (0..<n).map { _ in
            g = g &* 6364136223846793005 &+ 1442695040888963407
            return T(Double(Int64(bitPattern: g >> 11) % 2001 - 1000) / 37)
        }
    }

    /// The loop rowMax replaced: NaN wins, else the largest.
    static func loopMax<T: FloatElement>(_ x: [T], from start: T) -> T {
        var m = start
        for v in x where v > m || v.isNaN { m = v }
        return m
    }

    @Test(arguments: lengths) func maxMatchesTheLoop(_ n: Int) {
        for start in [-Float.infinity, 0, 100] {
            let x = Self.values(n, Float.self, seed: UInt64(n))
            let got = x.withUnsafeBufferPointer { Kernels.rowMax($0.baseAddress!, n, from: start) }
            #expect(got == Self.loopMax(x, from: start), "n \(n) start \(start)")
        }
        let d = Self.values(n, Double.self, seed: 7)
        #expect(d.withUnsafeBufferPointer { Kernels.rowMax($0.baseAddress!, n, from: -.infinity) } == Self.loopMax(d, from: -.infinity))
    }

    @Test func maxPropagatesNaNAndKeepsMinusInfinity() {
        for n in [3, 8, 21] {
            for at in [0, n / 2, n - 1] {
                var x = [Float](repeating: 1, count: n)
                x[at] = .nan
                #expect(x.withUnsafeBufferPointer { Kernels.rowMax($0.baseAddress!, n, from: -.infinity) }.isNaN, "n \(n) NaN at \(at)")
            }
            let masked = [Float](repeating: -.infinity, count: n)
            #expect(masked.withUnsafeBufferPointer { Kernels.rowMax($0.baseAddress!, n, from: -.infinity) } == -.infinity)
        }
        let one: [Float] = [2]
        #expect(one.withUnsafeBufferPointer { Kernels.rowMax($0.baseAddress!, 1, from: .nan) }.isNaN)
    }

    @Test(arguments: lengths) func sumAndDotMatchTheLoops(_ n: Int) {
        let x = Self.values(n, Double.self, seed: 3), y = Self.values(n, Double.self, seed: 5)
        let loopSum = x.reduce(0, +), loopDot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
        let sum = x.withUnsafeBufferPointer { Kernels.rowSum($0.baseAddress!, n) }
        let dot = x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { b in Kernels.rowDot(a.baseAddress!, b.baseAddress!, n) } }
        #expect(abs(sum - loopSum) <= 1e-12 * max(1, abs(loopSum)), "n \(n): \(sum) vs \(loopSum)")
        #expect(abs(dot - loopDot) <= 1e-12 * max(1, abs(loopDot)), "n \(n): \(dot) vs \(loopDot)")
        // Float: within float rounding of the Double sum; the same result for a copy at another address.
        let xf: [Float] = x.map { Float($0) }
        let sf: Float = xf.withUnsafeBufferPointer { Kernels.rowSum($0.baseAddress!, n) }
        let exact: Double = xf.reduce(0.0) { $0 + Double($1) }
        let scale: Double = x.reduce(0.0) { $0 + abs($1) }
        #expect(abs(Double(sf) - exact) <= 1e-5 * max(1, scale))
        let shifted: [Float] = [0] + xf
        let again: Float = shifted.withUnsafeBufferPointer { Kernels.rowSum($0.baseAddress! + 1, n) }
        #expect(again == sf)
    }
}
