/// The outcome of `gradcheck`: whether analytical and numerical gradients agree, and where they
/// differ most.
public struct GradcheckResult: CustomStringConvertible {
    /// True when every element is within `atol + rtol·|numerical|`.
    public let passed: Bool
    /// The largest |analytical - numerical| found.
    public let maxError: Double
    /// Which input and which element (flat index) holds that largest error.
    public let worstInput: Int
    public let worstElement: Int
    /// The analytical and numerical values at that element.
    public let analytical: Double
    public let numerical: Double

    public var description: String {
        "gradcheck \(passed ? "passed" : "FAILED"): max error \(maxError) at input \(worstInput) element \(worstElement) (analytical \(analytical), numerical \(numerical))"
    }
}

/// Compares the gradients autograd computes for `f` with central finite differences, in float64.
/// Inputs are converted to float64 copies that require grad; the output is reduced with fixed
/// pseudo-random weights so that every output element takes part.
///
///     let r = gradcheck({ x in (x[0] * x[1]).tanh() }, inputs: [a, b])
///     #expect(r.passed, "\(r)")
public func gradcheck(_ f: ([Tensor]) -> Tensor, inputs: [Tensor], eps: Double = 1e-6,
                      atol: Double = 1e-5, rtol: Double = 1e-3, checkInputs: [Int]? = nil) -> GradcheckResult {
    let xs = inputs.map { t -> Tensor in
        let c = withNoGrad { t.dtype.isFloatingPoint ? t.to(.float64).copy() : t.copy() }
        if c.dtype.isFloatingPoint { c.requiresGrad = true }
        return c
    }
    let which = checkInputs ?? xs.indices.filter { xs[$0].dtype.isFloatingPoint }
    let probe = withNoGrad { f(xs) }
    let weights = Tensor.uniform(probe.shape, low: 0.5, high: 1.5, dtype: .float64, generator: Generator(seed: 1234))
    func objective() -> Double { withNoGrad { (f(xs).to(.float64) * weights).sum().item() } }

    let out = f(xs).to(.float64)
    (out * weights).sum().backward()
    var worst = (err: -1.0, input: 0, element: 0, a: 0.0, n: 0.0)
    var passed = true
    for i in which {
        let x = xs[i]
        let analytic = x.grad ?? Tensor.zerosLike(x)
        for e in 0..<x.count {
            let orig = x.scalar(at: e)
            x.setScalar(orig + eps, at: e)
            let plus = objective()
            x.setScalar(orig - eps, at: e)
            let minus = objective()
            x.setScalar(orig, at: e)
            let numeric = (plus - minus) / (2 * eps)
            let a = analytic.scalar(at: e)
            let err = Swift.abs(a - numeric)
            if err > atol + rtol * Swift.abs(numeric) || a.isNaN != numeric.isNaN { passed = false }
            if err > worst.err || (a.isNaN && !numeric.isNaN) { worst = (err.isNaN ? .infinity : err, i, e, a, numeric) }
        }
    }
    return GradcheckResult(passed: passed, maxError: Swift.max(worst.err, 0), worstInput: worst.input,
                           worstElement: worst.element, analytical: worst.a, numerical: worst.n)
}
