import Foundation
import Testing
@testable import SwiftGrad

/// Forward-mode AD: every registered op's tangent (its rule or the fallback) against finite
/// differences, on the Float64 cases OpRegistryTests builds; the registry of forward rules; dual
/// levels; forward over reverse and reverse over forward.
@Suite struct ForwardADTests {
    static let withoutDoubleBackward: Set<Op> = [.ctcLoss, .scaledDotProductAttention]

    /// For every `Op`: the jvp of its gradcheck case along a random direction agrees with a central
    /// finite difference, and the op took the path `ForwardAD.opsWithForwardRule` says (its rule,
    /// or the counted fallback). Cases built with `dd` (ops only a backward records) run forward
    /// over reverse: the tangent of a gradient.
    @Test(arguments: Op.allCases)
    func everyOpsJvpMatchesFiniteDifferences(op: Op) {
        // copy_slices is recorded by in-place writes, which forward mode refuses (tested below).
        if op == .copySlices {
            #expect(ForwardAD.opsUsingFallback.contains(op.rawValue))
            return
        }
        // Ops whose backward has no derivative of its own (as PyTorch's fused kernels): the fallback
        // needs a double backward, so jvp through them stops with the op's message (not yet given
        // forward rules; see Docs/Transforms.md).
        if ForwardADTests.withoutDoubleBackward.contains(op) {
            #expect(ForwardAD.opsUsingFallback.contains(op.rawValue))
            return
        }
        let c = OpGradchecks.gradcheck(for: op)
        // Inputs that require grad, as gradcheck's: the `dd` cases differentiate their inputs.
        let xs = c.inputs.map { t -> Tensor in
            let x = withNoGrad { t.copy() }
            if x.dtype.isFloatingPoint { x.requiresGrad = true }
            return x
        }
        let floats = xs.indices.filter { xs[$0].dtype.isFloatingPoint }
        let directions = floats.map { GC.randn(xs[$0].shape, seed: 700 + UInt64($0)) }
        let ctx = ThreadContext.current
        ctx.fallbackLog = []
        let (_, tangent) = jvp(c.f, xs, directions, argnums: floats)
        let log = ctx.fallbackLog!
        ctx.fallbackLog = nil
        func shifted(_ sign: Double) -> Tensor {
            var ys = xs
            for (i, d) in zip(floats, directions) { ys[i] = withNoGrad { xs[i] + d * (sign * c.eps) }.requiringGrad() }
            return c.f(ys).to(.float64).detach()
        }
        let numeric = (shifted(1) - shifted(-1)) / (2 * c.eps)
        #expect(tangent.shape == numeric.shape, "\(op): tangent shape \(tangent.shape), output \(numeric.shape)")
        let worst = zip(tangent.to(.float64).doubles, numeric.doubles).map { a, n in
            Swift.abs(a - n) <= c.atol + c.rtol * Swift.abs(n) ? 0 : Swift.abs(a - n)
        }.max() ?? 0
        #expect(worst == 0, "\(op): jvp differs from finite differences by \(worst)")
        let hasRule = ForwardAD.opsWithForwardRule.contains(op)
        #expect(log.contains(op.rawValue) != hasRule,
                "\(op): \(hasRule ? "listed with a forward rule but used the fallback" : "not listed with a rule but never used the fallback") (fallbacks: \(Set(log).sorted()))")
    }

    @Test func fallbackListIsPublicAndCounted() {
        let fallback = ForwardAD.opsUsingFallback
        #expect(fallback.contains("cumprod") && fallback.contains("linalg_inv") && !fallback.contains("exp") && !fallback.contains("matmul"))
        #expect(fallback.count + ForwardAD.opsWithForwardRule.count == Op.allCases.count)
        let before = ForwardAD.fallbackCount
        let x = GC.positive([2, 3], seed: 1)
        let (_, t) = jvp({ $0.cumprod(axis: 1) }, x, Tensor.onesLike(x))
        #expect(ForwardAD.fallbackCount > before)
        // d cumprod along ones: Σ_k Π_{j≤i, j≠k} x_j
        let expected = withNoGrad { x.cumprod(axis: 1) * (1 / x).cumsum(axis: 1) }
        #expect(TransformFixtures.mismatch(t, expected) == nil)
    }

    @Test func dualLevelsAndUnpacking() {
        let x = Tensor([0.5, -1.0, 2.0], dtype: .float64), v = Tensor([1.0, 2.0, 3.0], dtype: .float64)
        let (primal, tangent) = ForwardAD.withDualLevel {
            let d = ForwardAD.makeDual(x, tangent: v)
            #expect(ForwardAD.isActive)
            let y = d.tanh() * 2
            return ForwardAD.unpackDual(y)
        }
        #expect(!ForwardAD.isActive)
        let th = x.tanh()
        #expect(TransformFixtures.mismatch(primal, th * 2) == nil)
        #expect(TransformFixtures.mismatch(tangent!, v * (1 - th * th) * 2) == nil)
        // Outside the level nothing carries a tangent, and x itself never did.
        #expect(ForwardAD.withDualLevel { ForwardAD.unpackDual(primal).tangent } == nil)
        #expect(ForwardAD.withDualLevel { ForwardAD.unpackDual(x.exp()).tangent } == nil)
        // A function independent of its input has a zero tangent.
        #expect(jvp({ _ in Tensor.ones([2], dtype: .float64) }, x, v).tangent.doubles == [0, 0])
    }

    /// hessian (forward over reverse) equals jacrev(jacrev(f)) (reverse over reverse), through ops
    /// whose backward reads their output (exp, tanh, softmax), a fallback op (cumprod) and matmul.
    @Test func forwardOverReverseEqualsReverseOverReverse() {
        let w = GC.randn([3, 2], seed: 3), x = GC.randn([4, 2], seed: 4)
        let f: (Tensor) -> Tensor = { w in
            let h = x.matmul(w.mT).tanh()
            return (h.softmax(axis: 1) * h.exp()).sum() + h.sigmoid().cumprod(axis: 1).sum()
        }
        let h1 = hessian(f)(w)
        let h2 = jacrev(jacrev(f))(w)
        #expect(h1.shape == [3, 2, 3, 2])
        #expect(TransformFixtures.mismatch(h1, h2) == nil, "\(TransformFixtures.mismatch(h1, h2) ?? "")")
    }

    /// Forward over reverse where an input's gradient sums several contributions and one of them
    /// comes through the fallback (`layer_norm_backward`), which runs a backward pass of its own
    /// inside the running one: that pass reaches only its own nodes, so the running pass keeps
    /// every contribution and its tangent (it used to take the input's pending gradient away).
    @Test func forwardOverReverseKeepsEveryContributionBesideANestedFallback() {
        let x = GC.randn([2, 3, 4], seed: 5), w = GC.randn([4], seed: 24)
        let cases: [(String, [Tensor], ([Tensor]) -> Tensor)] = [
            ("two layer norms", [x], { xs in layerNorm(xs[0], normalizedShape: [4]) * 0.3 + layerNorm(xs[0], normalizedShape: [3, 4]) * 0.5 }),
            ("layer norm and exp", [x, w], { xs in layerNorm(xs[0], normalizedShape: [4], weight: xs[1]).square() + xs[0].exp() * xs[1] }),
            ("layer norm of a view", [x], { xs in layerNorm(xs[0].transpose(1, 2), normalizedShape: [3]).square() + xs[0].sin().transpose(1, 2) }),
        ]
        for (name, inputs, f) in cases {
            let df = GC.firstDerivative(f)
            let xs = inputs.map { t in withNoGrad { t.copy() }.requiringGrad() }
            let directions = xs.indices.map { GC.randn(xs[$0].shape, seed: 800 + UInt64($0)) }
            let (_, tangent) = jvp(df, xs, directions)
            func shifted(_ sign: Double) -> Tensor {
                df(xs.indices.map { i in withNoGrad { xs[i] + directions[i] * (sign * 1e-6) }.requiringGrad() }).detach()
            }
            let numeric = (shifted(1) - shifted(-1)) / 2e-6
            let worst = zip(tangent.doubles, numeric.doubles).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1)) }.max() ?? 0
            #expect(tangent.shape == numeric.shape && worst <= 1e-6, "\(name): jvp differs from finite differences by \(worst)")
        }
    }

    /// Reverse over forward: the gradient of a jvp's tangent in x is H·v.
    @Test func reverseOverForwardGivesHessianVectorProducts() {
        let x = GC.randn([5], seed: 5), v = GC.randn([5], seed: 6)
        let f: (Tensor) -> Tensor = { x in (x.sin() * x.cumprod(axis: 0)).sum() + x.logSoftmax(axis: 0).square().sum() }
        let hv = jacrev { x in jvp(f, x, v).tangent }(x)
        let expected = hessian(f)(x).matmul(v)
        #expect(TransformFixtures.mismatch(hv, expected) == nil, "\(TransformFixtures.mismatch(hv, expected) ?? "")")
    }

    @Test func linearizeAndJacobiansOfListFunctions() {
        let a = GC.randn([2, 3], seed: 7), b = GC.randn([3, 2], seed: 8)
        let da = GC.randn([2, 3], seed: 9), db = GC.randn([3, 2], seed: 10)
        let (y, jvpAt) = linearize({ xs in xs[0].matmul(xs[1]).tanh() }, [a, b])
        let (y2, t2) = jvp({ xs in xs[0].matmul(xs[1]).tanh() }, [a, b], [da, db])
        #expect(TransformFixtures.mismatch(y, y2) == nil)
        #expect(TransformFixtures.mismatch(jvpAt([da, db]), t2) == nil)
        let th = y * y
        let manual = (da.matmul(b) + a.matmul(db)) * (1 - th)
        #expect(TransformFixtures.mismatch(t2, manual) == nil)
        let (_, lin1) = linearize({ $0.exp() }, a)
        #expect(TransformFixtures.mismatch(lin1(da), da * a.exp()) == nil)
        // jacfwd and jacrev agree on a function of two tensors, in both arguments.
        let g: (Tensor, Tensor) -> Tensor = { a, b in a.matmul(b).softmax(axis: 1) }
        let jr = jacrev(g, argnums: [0, 1])(a, b), jf = jacfwd(g, argnums: [0, 1])(a, b)
        #expect(jr[0].shape == [2, 2, 2, 3] && jr[1].shape == [2, 2, 3, 2])
        #expect(TransformFixtures.mismatch(jr[0], jf[0]) == nil && TransformFixtures.mismatch(jr[1], jf[1]) == nil)
        // vjp of a list function: the pullback returns one gradient per argument.
        let (out, pullback) = vjp({ xs in xs[0].matmul(xs[1]) }, [a, b])
        let u = Tensor.onesLike(out)
        let gs = pullback([u])
        #expect(TransformFixtures.mismatch(gs[0], u.matmul(b.mT)) == nil && TransformFixtures.mismatch(gs[1], a.mT.matmul(u)) == nil)
        // hasAux passes the aux through untouched.
        let (_, _, aux) = jvp(hasAux: { x in (x.exp(), "tag") }, a, da)
        #expect(aux == "tag")
        let (j, n) = jacfwd(hasAux: { x in (x.square(), x.count) })(b)
        #expect(j.shape == [3, 2, 3, 2] && n == 6)
    }

    /// A grad taken inside `grad` is differentiable again (reverse over reverse), and the caller's
    /// tensors and their `.grad` are untouched.
    @Test func nestedGradAndUntouchedInputs() {
        let x = Tensor([0.3, -0.7], dtype: .float64)
        let d2 = grad { x in grad { y in (y * y * y).sum() }(x).sum() }(x)
        #expect(TransformFixtures.mismatch(d2, x * 6) == nil)
        let w = Tensor([1.0, 2.0], dtype: .float64, requiresGrad: true)
        _ = grad { w in (w * w).sum() }(w)
        #expect(w.grad == nil && w.isLeaf)
    }

    /// Modules in training mode: batchNorm updates its running statistics in place under
    /// withNoGrad (the tangent is dropped there), and the output's tangent is still exact.
    @Test func batchNormTrainingUnderJvp() {
        let bn = BatchNorm1d(3, dtype: .float64)
        let x = GC.randn([4, 3], seed: 11), v = GC.randn([4, 3], seed: 12)
        let (_, t) = jvp({ bn($0).tanh() }, x, v)
        #expect(bn.namedBuffers().first { $0.0 == "running_mean" }!.1.doubles != [0, 0, 0])
        let j = jacrev { x in bn(x).tanh() }(x)
        let expected = (j.reshape([12, 12]).matmul(v.reshape([12]))).reshape([4, 3])
        #expect(TransformFixtures.mismatch(t, expected) == nil, "\(TransformFixtures.mismatch(t, expected) ?? "")")
    }

    /// A user's custom op has no forward rule: its tangent comes from its backward (the fallback).
    @Test func customOpsUseTheFallback() {
        let x = Tensor([0.5, 1.5], dtype: .float64), v = Tensor([1.0, -2.0], dtype: .float64)
        let before = ForwardAD.fallbackCount
        let (y, t) = jvp({ x in
            Tensor(x.doubles.map { $0 * $0 * $0 }, shape: x.shape, dtype: .float64)
                .recordedAsCustomOp("cube", inputs: [x]) { g in [g * x * x * 3] }
        }, x, v)
        #expect(y.doubles == [0.125, 3.375])
        #expect(TransformFixtures.mismatch(t, Tensor([0.75, -13.5], dtype: .float64)) == nil)
        #expect(ForwardAD.fallbackCount > before)
    }

    @Test func forwardModeMisuseStops() async {
        let nested = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1.0], dtype: .float64)
            _ = jvp({ y in jvp({ $0.exp() }, y, y).tangent }, x, x)
        }
        expectStderr(nested, contains: ["nested dual levels are not supported"])
        let inPlace = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1.0, 2.0], dtype: .float64)
            _ = jvp({ y in let z = y * 2; z *= 3.0; return z }, x, x)
        }
        expectStderr(inPlace, contains: ["mul_", "in-place ops on tensors that carry a forward-mode tangent are not supported", "[2]"])
        let notScalar = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = grad { $0 * 2 }(Tensor([1.0, 2.0], dtype: .float64))
        }
        expectStderr(notScalar, contains: ["grad: the function must return a single-element tensor", "[2]"])
        let badTangent = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = jvp({ $0 * 2 }, Tensor([1.0, 2.0], dtype: .float64), Tensor([1.0, 2.0, 3.0], dtype: .float64))
        }
        expectStderr(badTangent, contains: ["jvp: tangent of shape [3] for argument 0 of shape [2]"])
        let badArgnums = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = grad({ xs in xs[0].sum() }, argnums: [2])([Tensor([1.0]), Tensor([2.0])])
        }
        expectStderr(badArgnums, contains: ["grad: argnums [2] out of range for a function of 2 tensors"])
    }
}
