import Foundation
import Testing
@testable import SwiftGrad

/// functionalCall: a module run with given parameters and buffers, unchanged afterwards, and
/// differentiable with respect to the given tensors (reverse and forward mode).
@Suite struct FunctionalCallTests {
    static func model() -> Sequential {
        Sequential(Linear(3, 4, dtype: .float64, generator: Generator(seed: 1)), Tanh(),
                   Linear(4, 2, dtype: .float64, generator: Generator(seed: 2)))
    }

    /// The same network written out with the given tensors.
    static func manual(_ p: [String: Tensor], _ x: Tensor) -> Tensor {
        let h = linear(x, weight: p["0.weight"]!, bias: p["0.bias"]!).tanh()
        return linear(h, weight: p["2.weight"]!, bias: p["2.bias"]!)
    }

    static func shifted(_ m: ModuleBase, by s: Double) -> [String: Tensor] {
        var p: [String: Tensor] = [:]
        for (i, (name, t)) in m.namedParameters().enumerated() { p[name] = withNoGrad { t * s + GC.randn(t.shape, seed: 40 + UInt64(i)) } }
        return p
    }

    @Test func runsWithGivenParametersAndLeavesTheModuleUnchanged() {
        let m = Self.model()
        let before = m.namedParameters().map { ($0.0, $0.1.doubles, ObjectIdentifier($0.1)) }
        let x = GC.randn([5, 3], seed: 3)
        let p = Self.shifted(m, by: 0.5)
        let y = functionalCall(m, parameters: p, x)
        #expect(TransformFixtures.mismatch(y, Self.manual(p, x)) == nil)
        let after = m.namedParameters()
        #expect(after.map(\.0) == before.map(\.0))
        for ((_, values, id), (_, t)) in zip(before, after) {
            #expect(t.doubles == values && ObjectIdentifier(t) == id && t.isLeaf && t.requiresGrad && t.grad == nil)
        }
        // The module's own forward is unaffected, and parameters not given keep the module's own.
        let own = m.namedParameters().reduce(into: [String: Tensor]()) { $0[$1.0] = $1.1 }
        #expect(TransformFixtures.mismatch(m(x), Self.manual(own, x)) == nil)
        var partial = own
        partial["2.bias"] = p["2.bias"]!
        #expect(TransformFixtures.mismatch(functionalCall(m, parameters: ["2.bias": p["2.bias"]!], x), Self.manual(partial, x)) == nil)
    }

    /// Gradients flow to the given tensors (also after the call has returned), not to the module's.
    @Test func gradientsReachTheGivenTensors() {
        let m = Self.model()
        let x = GC.randn([5, 3], seed: 4)
        let p = Self.shifted(m, by: 1.5)
        let given = p.mapValues { t -> Tensor in let c = t.copy(); c.requiresGrad = true; return c }
        let loss = functionalCall(m, parameters: given, x).square().sum()
        loss.backward()
        let reference = p.mapValues { t -> Tensor in let c = t.copy(); c.requiresGrad = true; return c }
        Self.manual(reference, x).square().sum().backward()
        for name in p.keys {
            #expect(given[name]!.grad != nil)
            #expect(TransformFixtures.mismatch(given[name]!.grad!, reference[name]!.grad!) == nil, "\(name)")
        }
        #expect(m.parameters().allSatisfy { $0.grad == nil })
        // Through the transforms: grad and jvp with respect to one weight.
        let w = p["0.weight"]!
        let f: (Tensor) -> Tensor = { w in functionalCall(m, parameters: ["0.weight": w], x).square().sum() }
        let own = m.namedParameters().reduce(into: [String: Tensor]()) { $0[$1.0] = $1.1.detach() }
        let g: (Tensor) -> Tensor = { w in var q = own; q["0.weight"] = w; return Self.manual(q, x).square().sum() }
        #expect(TransformFixtures.mismatch(grad(f)(w), grad(g)(w)) == nil)
        let v = GC.randn(w.shape, seed: 9)
        #expect(TransformFixtures.mismatch(jvp(f, w, v).tangent, jvp(g, w, v).tangent) == nil)
        #expect(TransformFixtures.mismatch(hessian(f)(w), hessian(g)(w)) == nil)
    }

    /// One MAML step: adapted = p - lr·∇L(p) (with its graph), the outer loss through the adapted
    /// parameters differentiates back to p through the inner gradient.
    @Test func metaLearningStepMatchesTheWrittenOutComputation() {
        let m = Self.model()
        let x = GC.randn([4, 3], seed: 5), x2 = GC.randn([4, 3], seed: 6)
        func outer(_ call: ([String: Tensor], Tensor) -> Tensor) -> [String: Tensor] {
            let p = m.namedParameters().reduce(into: [String: Tensor]()) { $0[$1.0] = $1.1.copy().detach().requiringGrad() }
            let names = p.keys.sorted()
            let inner = call(p, x).square().mean()
            let gs = SwiftGrad.grad(of: inner, wrt: names.map { p[$0]! }, createGraph: true)
            var adapted: [String: Tensor] = [:]
            for (n, g) in zip(names, gs) { adapted[n] = p[n]! - g! * 0.1 }
            call(adapted, x2).square().mean().backward()
            return p.mapValues { $0.grad! }
        }
        let viaCall = outer { p, x in functionalCall(m, parameters: p, x) }
        let written = outer { p, x in Self.manual(p, x) }
        for name in written.keys { #expect(TransformFixtures.mismatch(viaCall[name]!, written[name]!) == nil, "\(name)") }
    }

    @Test func buffersAreReplacedForTheCall() {
        let bn = BatchNorm1d(3, dtype: .float64)
        bn.eval()
        let x = GC.randn([4, 3], seed: 7)
        let mean = Tensor([0.5, -1.0, 2.0], dtype: .float64), variance = Tensor([2.0, 0.5, 1.5], dtype: .float64)
        let y = functionalCall(bn, parameters: [:], buffers: ["running_mean": mean, "running_var": variance], x)
        let expected = (x - mean) / (variance + 1e-5).sqrt()
        #expect(TransformFixtures.mismatch(y, expected) == nil)
        #expect(bn.namedBuffers().first { $0.0 == "running_mean" }!.1.doubles == [0, 0, 0])
    }

    @Test func unknownNamesAndWrongShapesStop() async {
        let unknown = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = functionalCall(Linear(2, 2), parameters: ["weights": Tensor.zeros([2, 2])], Tensor.zeros([1, 2]))
        }
        expectStderr(unknown, contains: ["functionalCall: Linear has no parameter 'weights'", "bias", "weight"])
        let shape = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = functionalCall(Linear(2, 2), parameters: ["weight": Tensor.zeros([3, 2])], Tensor.zeros([1, 2]))
        }
        expectStderr(shape, contains: ["functionalCall: parameter 'weight' is float32 of shape [2, 2]", "[3, 2]"])
    }
}
