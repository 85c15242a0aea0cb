import Testing
@testable import SwiftGrad

/// Activation checkpointing: gradients bitwise equal to the plain run (with dropout, through the
/// generator's restored state), double backward, forward mode, and the bytes the graph keeps.
@Suite struct ActivationCheckpointTests {
    /// An MLP block with dropout drawing from `g`, in float64.
    static func mlp(_ g: Generator) -> Sequential {
        Sequential(Linear(6, 12, dtype: .float64, generator: Generator(seed: 1)), Tanh(), Dropout(p: 0.3, generator: g),
                   Linear(12, 6, dtype: .float64, generator: Generator(seed: 2)), Tanh())
    }

    static func bits(_ ts: [Tensor?]) -> [[Double]] { ts.map { $0?.doubles ?? [] } }

    /// Runs `step` (forward and backward from a fresh generator state), returning x's gradient and
    /// every parameter's, in order.
    static func gradients(_ model: Module, _ g: Generator, _ x: Tensor, _ forward: (Tensor) -> Tensor) -> [[Double]] {
        model.zeroGrad()
        g.manualSeed(99)
        let xi = x.detach().requiringGrad()
        let y = forward(xi)
        (y * y).sum().backward()
        return bits([xi.grad] + model.parameters().map(\.grad))
    }

    @Test func mlpBlockGradientsAreBitwiseThoseOfThePlainRun() {
        let g = Generator(seed: 0)
        let model = Self.mlp(g)
        let x = GC.randn([5, 6], seed: 3)
        let plain = Self.gradients(model, g, x) { model($0) }
        let ckpt = Self.gradients(model, g, x) { checkpoint($0) { model($0) } }
        let wrapped = Checkpointed(model)
        let viaWrapper = Self.gradients(model, g, x) { wrapped($0) }
        #expect(plain.allSatisfy { !$0.isEmpty })
        #expect(ckpt == plain)
        #expect(viaWrapper == plain)
        // Without restoring the generator the recomputed mask differs, so the gradients do too.
        let fresh = Self.gradients(model, g, x) { checkpoint($0, preserveRNGState: false) { model($0) } }
        #expect(fresh != plain)
    }

    @Test func transformerLayerWithDropoutIsBitwiseEqual() {
        let g = Generator(seed: 5)
        let layer = TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0.2, batchFirst: true,
                                            dtype: .float64, generator: g)
        let mask = Linalg.tril(Tensor.ones([4, 4])).eq(0)   // true above the diagonal: causal
        let x = GC.randn([3, 4, 8], seed: 6)
        let plain = Self.gradients(layer, g, x) { layer($0, mask: mask) }
        let ckpt = Self.gradients(layer, g, x) { x in checkpoint([x, mask]) { xs in [layer(xs[0], mask: xs[1])] }[0] }
        let viaWrapper = Self.gradients(layer, g, x) { Checkpointed(layer)($0) }
        let plainNoMask = Self.gradients(layer, g, x) { layer($0) }
        #expect(plain.count == 1 + layer.parameters().count && plain.allSatisfy { !$0.isEmpty })
        #expect(ckpt == plain)
        #expect(viaWrapper == plainNoMask)
    }

    @Test func doubleBackwardMatchesThePlainRun() {
        let g = Generator(seed: 0)
        let model = Self.mlp(g)
        let x = GC.randn([4, 6], seed: 8)
        func run(_ forward: (Tensor) -> Tensor) -> [[Double]] {
            model.zeroGrad()
            g.manualSeed(1)
            let xi = x.detach().requiringGrad()
            let loss = forward(xi).square().sum()
            let dx = grad(of: loss, wrt: [xi], createGraph: true)[0]!
            (dx * dx).sum().backward()
            return Self.bits([xi.grad] + model.parameters().map(\.grad))
        }
        let plain = run { model($0) }
        let ckpt = run { checkpoint($0) { model($0) } }
        #expect(plain.allSatisfy { !$0.isEmpty })
        #expect(ckpt == plain)
    }

    @Test func forwardModeGoesThroughACheckpoint() {
        let model = Sequential(Linear(4, 5, dtype: .float64, generator: Generator(seed: 1)), Tanh())
        let x = GC.randn([3, 4], seed: 2), v = GC.randn([3, 4], seed: 3)
        let plain = jvp({ model($0) }, x, v)
        let ckpt = jvp({ x in checkpoint(x) { model($0) } }, x, v)
        #expect(ckpt.output.doubles == plain.output.doubles)
        #expect(ckpt.tangent.doubles == plain.tangent.doubles)
    }

    @Test func nestedCheckpointsGiveThePlainGradients() {
        let g = Generator(seed: 0)
        let a = Self.mlp(g), b = Self.mlp(g)
        let model = Sequential(a, b)
        let x = GC.randn([2, 6], seed: 4)
        let plain = Self.gradients(model, g, x) { b(a($0)) }
        let nested = Self.gradients(model, g, x) { x in checkpoint(x) { h in b(checkpoint(h) { a($0) }) } }
        #expect(nested == plain)
    }

    /// The graph of a checkpointed block keeps its input and output only; a plain one keeps every
    /// intermediate. Counted exactly from the shapes (float64: 8 bytes an element).
    @Test func theGraphKeepsOnlyTheBlockBoundaries() {
        let blocks = (0..<3).map { i in
            Sequential(Linear(6, 32, dtype: .float64, generator: Generator(seed: UInt64(i))), ReLU(),
                       Linear(32, 6, dtype: .float64, generator: Generator(seed: UInt64(10 + i))))
        }
        let x = GC.randn([10, 6], seed: 1).requiringGrad()
        var h = x
        for b in blocks { h = checkpoint(h) { b($0) } }
        let loss = h.sum()
        // The output of each of the 3 blocks, [10, 6] each (x is a leaf that requires grad: not counted).
        #expect(Diagnostics.graphSavedBytes(of: loss) == 3 * 10 * 6 * 8)
        var p = x
        for b in blocks { p = b(p) }
        // Plain: per block the first linear's output and the ReLU's ([10, 32] each; the ReLU's
        // output is both its saved output and the second linear's input), and the block's output.
        let plainBytes = Diagnostics.graphSavedBytes(of: p.sum())
        #expect(plainBytes == 3 * (2 * 10 * 32 + 10 * 6) * 8)
        loss.backward()
        let checkpointed = x.grad!.doubles
        x.grad = nil
        p.sum().backward()
        #expect(x.grad!.doubles == checkpointed)
    }

    @Test func checkpointedWrapperKeepsTheWrappedNamesAndModes() throws {
        let inner = Sequential(Linear(3, 4), Dropout(p: 0.5), Linear(4, 2))
        let wrapped = Checkpointed(inner)
        #expect(wrapped.namedParameters().map(\.0) == inner.namedParameters().map(\.0))
        #expect(Set(wrapped.stateDict().keys) == Set(inner.stateDict().keys))
        let outer = Sequential(wrapped, ReLU())
        #expect(outer.namedParameters().map(\.0) == ["0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias"])
        try outer.loadStateDict(outer.stateDict())
        outer.eval()
        let x = Tensor.randn([5, 3], generator: Generator(seed: 1))
        // In eval mode the wrapped Dropout is the identity: two calls agree.
        #expect(wrapped(x).doubles == inner(x).doubles)
        #expect(!inner.isTraining || wrapped(x).doubles == wrapped(x).doubles)
    }

    @Test func noGradRunsTheBlockPlainly() {
        let model = Self.mlp(Generator(seed: 0))
        let x = GC.randn([2, 6], seed: 1).requiringGrad()
        let y = withNoGrad { checkpoint(x) { model($0) } }
        #expect(y.isLeaf && !y.requiresGrad)
    }

    @Test func anInputChangedInPlaceAfterTheForwardStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Tensor.randn([3, 3], dtype: .float64).requiringGrad()
            let x = Tensor.randn([2, 3], dtype: .float64)
            let y = checkpoint(x) { ($0.matmul(w)).tanh() }
            x += Tensor.ones([2, 3], dtype: .float64)
            y.sum().backward()
        }
        expectStderr(r, contains: ["checkpoint", "[2, 3]", "modified by an in-place operation"])
    }

    @Test func aBlockThatChangesItsInputInPlaceStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Tensor.randn([3, 3], dtype: .float64).requiringGrad()
            let x = Tensor.randn([2, 3], dtype: .float64)
            _ = checkpoint(x) { x in x *= 2.0; return x.matmul(w) }
        }
        expectStderr(r, contains: ["checkpoint", "input 0", "[2, 3]", "in place"])
    }
}
