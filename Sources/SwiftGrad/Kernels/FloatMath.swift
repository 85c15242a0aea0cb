#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The float element types kernels are written for (Float and Double), with the libm functions
/// they need. Kernels are generic over this protocol and specialised inside the module.
protocol FloatElement: BinaryFloatingPoint, TensorScalar, SIMDScalar {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func erf(_ x: Self) -> Self
    /// row[c] = e^(row[c] - base) for c in 0..<n, in place; `scratch` holds n elements. Float runs
    /// eight lanes at a time (`VectorMath.exp`, as softmax), Double calls libm per element.
    ///
    ///     Float.expShifted(row, n, minus: rowMax, scratch: buffer)
    static func expShifted(_ row: UnsafeMutablePointer<Self>, _ n: Int, minus base: Self, scratch: UnsafeMutablePointer<Self>)
}

extension Float: FloatElement {
    @inline(__always) static func exp(_ x: Float) -> Float { expf(x) }
    static func expShifted(_ row: UnsafeMutablePointer<Float>, _ n: Int, minus base: Float, scratch: UnsafeMutablePointer<Float>) {
        VectorMath.expShifted(row, n, minus: base, scratch: scratch)
    }
    @inline(__always) static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) static func log1p(_ x: Float) -> Float { log1pf(x) }
    @inline(__always) static func expm1(_ x: Float) -> Float { expm1f(x) }
    @inline(__always) static func sin(_ x: Float) -> Float { sinf(x) }
    @inline(__always) static func cos(_ x: Float) -> Float { cosf(x) }
    @inline(__always) static func tanh(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    @inline(__always) static func erf(_ x: Float) -> Float { erff(x) }
}

extension Double: FloatElement {
    @inline(__always) static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    static func expShifted(_ row: UnsafeMutablePointer<Double>, _ n: Int, minus base: Double, scratch: UnsafeMutablePointer<Double>) {
        for c in 0..<n { row[c] = Glibc.exp(row[c] - base) }
    }
    @inline(__always) static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    @inline(__always) static func expm1(_ x: Double) -> Double { Glibc.expm1(x) }
    @inline(__always) static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inline(__always) static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inline(__always) static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    @inline(__always) static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
    @inline(__always) static func erf(_ x: Double) -> Double { Glibc.erf(x) }
}
