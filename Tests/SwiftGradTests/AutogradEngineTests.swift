import Foundation
import Testing
import SwiftGrad

/// The backward engine: reuse, diamonds, accumulation, roots, retainGraph, grad(of:wrt:), detach,
/// in-place rules and version counters, anomaly mode and graph export.
@Suite struct AutogradEngineTests {
    @Test func reusedTensorAccumulatesBothPaths() {
        let a = Tensor([1, -2, 3], dtype: .float64, requiresGrad: true)
        let b = a + a
        let c = b * b               // c = 4a², dc/da = 8a
        c.sum().backward()
        #expect(a.grad!.doubles == [8, -16, 24])

        let x = Tensor([0.5], dtype: .float64, requiresGrad: true)
        let y = x + x
        (y + y).backward()          // d(4x)/dx = 4
        #expect(x.grad!.doubles == [4])
    }

    @Test func diamondGraph() {
        let x = Tensor([0.5, -1], dtype: .float64, requiresGrad: true)
        let left = x * 2, right = x.exp()
        let z = (left * right).sum()           // 2x·eˣ, derivative 2eˣ + 2x·eˣ
        z.backward()
        let expected = x.doubles.map { 2 * Foundation.exp($0) * (1 + $0) }
        for (g, e) in zip(x.grad!.doubles, expected) { #expect(Swift.abs(g - e) < 1e-12) }
    }

    @Test func deeperDiamondWithSharedIntermediate() {
        let x = Tensor([2], dtype: .float64, requiresGrad: true)
        let h = x * x                               // h = x²
        let out = h * h + h.sin() + h               // out = x⁴ + sin(x²) + x²
        out.backward()
        let v = 2.0
        let expected = 4 * v * v * v + Foundation.cos(v * v) * 2 * v + 2 * v
        #expect(Swift.abs(x.grad!.item() - expected) < 1e-12)
    }

    @Test func gradientsAccumulateOverBackwardCallsUntilZeroGrad() {
        let w = Tensor([1, 2], requiresGrad: true)
        (w * 3).sum().backward()
        #expect(w.grad!.scalars == [3, 3])
        (w * w).sum().backward()
        #expect(w.grad!.scalars == [5, 7])
        w.zeroGrad()
        #expect(w.grad == nil)
        (w * 3).sum().backward()
        #expect(w.grad!.scalars == [3, 3])
    }

    @Test func nonScalarRootWithExplicitGradient() {
        let x = Tensor([1, 2, 3], dtype: .float64, requiresGrad: true)
        let y = x * x
        let seed = Tensor([1, 0.5, -1], dtype: .float64)
        y.backward(gradient: seed)
        #expect(x.grad!.doubles == [2, 2, -6])
        // The gradient is a copy: changing the seed afterwards changes nothing.
        withNoGrad { seed *= 100 }
        #expect(x.grad!.doubles == [2, 2, -6])
        // A seed of another float dtype is converted.
        let z = Tensor([1, 2] as [Float], requiresGrad: true)
        (z * 2).backward(gradient: Tensor([1, 1], dtype: .float64))
        #expect(z.grad!.dtype == .float32 && z.grad!.scalars == [2, 2])
    }

    @Test func backwardOnALeaf() {
        let x = Tensor([1, 2], requiresGrad: true)
        let g = Tensor([3, 4] as [Float])
        x.backward(gradient: g)
        #expect(x.grad!.scalars == [3, 4])
        withNoGrad { g += 1 }
        #expect(x.grad!.scalars == [3, 4], "the leaf's grad must not alias the seed")
        let s = Tensor(2.0, requiresGrad: true)
        s.backward()
        #expect(s.grad!.item() == 1)
    }

    @Test func retainGraphAllowsASecondBackward() {
        let x = Tensor([1, 2], dtype: .float64, requiresGrad: true)
        let y = (x * x).exp().sum()
        y.backward(retainGraph: true)
        let first = x.grad!.doubles
        y.backward()
        for (a, b) in zip(x.grad!.doubles, first) { #expect(Swift.abs(a - 2 * b) < 1e-9) }
    }

    @Test func gradOfWrtLeavesDotGradAlone() {
        let x = Tensor([1, 2], dtype: .float64, requiresGrad: true)
        let w = Tensor([3, 4], dtype: .float64, requiresGrad: true)
        x.grad = Tensor([10, 10], dtype: .float64)
        let loss = (x * w).sum()
        let gs = grad(of: loss, wrt: [x, w])
        #expect(gs[0]!.doubles == [3, 4])
        #expect(gs[1]!.doubles == [1, 2])
        #expect(x.grad!.doubles == [10, 10])
        #expect(w.grad == nil)
        // Only the requested tensors: other leaves keep their .grad untouched.
        let loss2 = (x * w).sum()
        _ = grad(of: loss2, wrt: [x])
        #expect(w.grad == nil)
    }

    @Test func gradOfWrtAnIntermediateTensor() {
        let x = Tensor([1, 2, 3], dtype: .float64, requiresGrad: true)
        let h = x * 2
        let loss = (h * h).sum()
        let gs = grad(of: loss, wrt: [h, x])
        #expect(gs[0]!.doubles == [4, 8, 12])      // 2h
        #expect(gs[1]!.doubles == [8, 16, 24])     // 8x
        #expect(h.grad == nil && x.grad == nil)
        // A tensor the output does not depend on gets nil.
        let other = Tensor([1], dtype: .float64, requiresGrad: true)
        let y = (x * 3).sum()
        #expect(grad(of: y, wrt: [other])[0] == nil)
    }

    @Test func detachCutsTheGraphAndSharesStorage() {
        let x = Tensor([1, 2], requiresGrad: true)
        let y = x * 3
        let d = y.detach()
        #expect(!d.requiresGrad && d.isLeaf && d.opName == nil)
        #expect(d.scalars == [3, 6])
        // Shares storage: an update through the detached tensor shows in y (as PyTorch).
        d += 1
        #expect(y.scalars == [4, 7])
        let z = (x * y.detach()).sum()
        z.backward()
        #expect(x.grad!.scalars == [4, 7])
    }

    @Test func requiresGradPropagates() {
        let a = Tensor([1.0, 2.0])
        let b = Tensor([3, 4], requiresGrad: true)
        #expect(!a.requiresGrad && b.requiresGrad)
        #expect(!(a + a).requiresGrad)
        #expect((a + b).requiresGrad)
        #expect((a * 2 + b.sum()).requiresGrad)
        #expect(!(a.exp()).requiresGrad && (a.exp()).isLeaf)
        let m = Tensor.zeros([2]).requiringGrad()
        #expect(m.requiresGrad && m.isLeaf)
        m.requiresGrad = false
        #expect(!m.requiresGrad)
        // Comparisons give bool masks and argmax int64 results; neither ever requires grad.
        #expect(!(b .> 2).requiresGrad && (b .> 2).dtype == .bool)
        #expect(!b.argmax().requiresGrad)
        // max(axis:) values require grad, indices do not.
        let (v, i) = b.max(axis: 0)
        #expect(v.requiresGrad && !i.requiresGrad)
    }

    @Test func isLeafAndOpName() {
        let x = Tensor.randn([2, 3], generator: Generator(seed: 1)).requiringGrad()
        #expect(x.isLeaf && x.opName == nil)
        #expect((x * x).opName == "mul")
        #expect((x + 1).opName == "add")
        #expect(x.sum().opName == "sum")
        #expect(x.matmul(x.mT).opName == "matmul")
        #expect(x.reshape([3, 2]).opName == "reshape")
        #expect(x.softmax(axis: 1).opName == "softmax")
        #expect(x.logSoftmax(axis: 1).opName == "log_softmax")
        #expect(x[0].opName == "reshape")     // a slice then a squeeze (a reshape view)
        #expect(!(x * x).isLeaf)
    }

    @Test func inPlaceOnNonLeafRebasesHistory() {
        let a = Tensor([1, 2], requiresGrad: true), b = Tensor([3, 5], requiresGrad: true)
        let x = a * 2
        x *= b                      // x = 2a·b
        x += a                      // x = 2a·b + a
        #expect(x.scalars == [7, 22])
        x.sum().backward()
        #expect(a.grad!.scalars == [7, 11])   // 2b + 1
        #expect(b.grad!.scalars == [2, 4])    // 2a (the value from before the update)
    }

    @Test func inPlaceOpsWriteIntoTheirOwnStorage() {
        // Computed straight into the left operand: same storage, aliasing operands and broadcasts
        // give the out-of-place values. Large enough (2·40,000) for the parallel path too.
        let x = Tensor.randn([2, 40_000], generator: Generator(seed: 3))
        let row = Tensor.randn([40_000], generator: Generator(seed: 4))
        let expected = (x + x) * row - 1.5
        let before = x.withUnsafeRawBytes { $0.baseAddress }
        x += x
        x *= row
        x -= 1.5
        #expect(x.withUnsafeRawBytes { $0.baseAddress } == before)
        #expect(x.allClose(expected, rtol: 1e-6, atol: 1e-6))
        x /= x.reshape([80_000]).reshape([2, 40_000])   // a view sharing x's storage: all ones
        #expect(x.allClose(Tensor.ones([2, 40_000])))
        let ints = Tensor([1, 2, 3] as [Int])
        ints += ints
        #expect(ints.ints == [2, 4, 6])
    }

    @Test func inPlaceOnOutputSavingOpStillDifferentiates() {
        // exp saves its output; updating that output in place must not corrupt exp's gradient.
        let a = Tensor([0, 1], dtype: .float64, requiresGrad: true)
        let y = a.exp()
        y *= 2
        y.sum().backward()
        #expect(Swift.abs(a.grad!.doubles[0] - 2) < 1e-12)
        #expect(Swift.abs(a.grad!.doubles[1] - 2 * M_E) < 1e-12)
    }

    @Test func inPlaceOnLeafIsAllowedUnderNoGradAndBumpsTheVersion() {
        let w = Tensor([1, 2], requiresGrad: true)
        #expect(w.version == 0)
        withNoGrad { w -= Tensor([0.5, 0.5] as [Float]) }
        #expect(w.version == 1)
        #expect(w.scalars == [0.5, 1.5])
        withNoGrad { w *= 2; w.fill(3); w.zero() }
        #expect(w.version == 4)
        #expect(w.scalars == [0, 0] && w.isLeaf && w.requiresGrad)
        // Tensors that do not require grad can be updated anywhere.
        let t = Tensor([1.0, 2.0])
        t /= 2
        t.copyFrom(Tensor([7] as [Float]))
        #expect(t.scalars == [7, 7] && t.version == 2)
    }

    @Test func versionCounterStopsBackwardThroughAModifiedSavedValue() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Tensor([1.0, 2.0])
            let b = Tensor([3, 4], requiresGrad: true)
            let y = a * b
            a += 1                      // a was saved by 'mul' at version 0
            y.sum().backward()
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("'mul'"), "\(text)")
        #expect(text.contains("version 0") && text.contains("version 1"), "\(text)")
    }

    @Test func inPlaceOnLeafRequiringGradStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Tensor([1, 2], requiresGrad: true)
            w += 1
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("add_") && text.contains("withNoGrad"), "\(text)")
    }

    @Test func secondBackwardThroughAFreedGraphStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2], requiresGrad: true)
            let y = (x * x).sum()
            y.backward()
            y.backward()
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("second time") && text.contains("retainGraph"), "\(text)")
    }

    @Test func nonScalarRootWithoutGradientStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor.ones([2, 3], requiresGrad: true)
            (x * 2).backward()
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("[2, 3]") && text.contains("gradient"), "\(text)")
    }

    @Test func backwardWithoutAGraphStops() async {
        await #expect(processExitsWith: .failure) {
            let x = Tensor([1.0, 2.0])
            x.sum().backward()
        }
    }

    @Test func anomalyModeNamesTheForwardOp() throws {
        let x = Tensor([1, 4], dtype: .float64, requiresGrad: true)
        let error = #expect(throws: AnomalyError.self) {
            try withAnomalyDetection {
                let y = (x - 2).sqrt().sum()
                y.backward()
            }
        }
        #expect(error?.op == "sqrt")
        #expect(error?.phase == "forward")
        #expect(error?.description.contains("'sqrt'") == true)
        #expect(error?.origin.isEmpty == false)
        // Off again afterwards, and a clean computation does not throw.
        let v = try withAnomalyDetection { (x * 2).sum().item() }
        #expect(v == 10)
    }

    @Test func anomalyModeNamesTheBackwardOp() {
        let x = Tensor([0, 1], dtype: .float64, requiresGrad: true)
        let error = #expect(throws: AnomalyError.self) {
            try withAnomalyDetection {
                x.sqrt().sum().backward()      // forward is finite; d sqrt/dx at 0 is inf
            }
        }
        #expect(error?.op == "sqrt")
        #expect(error?.phase == "backward")
    }

    @Test func anomalyOriginPointsAtTheCallerSourceLine() {
        let x = Tensor([-1], dtype: .float64, requiresGrad: true)
        func logOfNegative() throws {
            try withAnomalyDetection {
                _ = x.log()         // this line is reported
            }
        }
        let line = #line - 3
        let error = #expect(throws: AnomalyError.self) { try logOfNegative() }
        let first = error?.origin.first ?? ""
        #expect(first.contains("AutogradEngineTests.swift:\(line)"), "\(error?.origin ?? [])")
    }

    @Test func graphExportAsDOT() {
        let x = Tensor.ones([2, 3], requiresGrad: true)
        let w = Tensor.ones([3, 4], requiresGrad: true)
        let y = x.matmul(w).relu().sum()
        let dot = y.graphviz()
        #expect(dot.hasPrefix("digraph"))
        #expect(dot.hasSuffix("}"))
        for needle in ["matmul", "relu", "sum", "[2, 4]", "[2, 3]", "[3, 4]", "leaf", "requiresGrad", "->"] {
            #expect(dot.contains(needle), "missing \(needle) in\n\(dot)")
        }
        #expect(dot.components(separatedBy: "->").count - 1 == 4)
        #expect(Tensor.ones([2]).graphviz().contains("leaf [2]"))
    }

    @Test func createGraphGradientsAreDifferentiableAndAccumulate() {
        let x = Tensor([1, 2], dtype: .float64, requiresGrad: true)
        (x * x * x).sum().backward(createGraph: true)
        let g = x.grad!
        #expect(g.requiresGrad && g.doubles == [3, 12])
        x.grad = nil
        g.sum().backward()
        #expect(x.grad!.doubles == [6, 12])      // 6x
    }

    @Test func leafGradientsHaveTheLeafDtypeAndShape() {
        let x = Tensor.ones([2, 1, 3], requiresGrad: true)
        let b = Tensor.ones([4, 1], dtype: .float64, requiresGrad: true)
        (x * b).sum().backward()
        #expect(x.grad!.shape == [2, 1, 3] && x.grad!.dtype == .float32)
        #expect(x.grad!.scalars.allSatisfy { $0 == 4 })
        #expect(b.grad!.shape == [4, 1] && b.grad!.dtype == .float64)
        #expect(b.grad!.doubles.allSatisfy { $0 == 6 })
    }
}
