import Foundation
import Testing
import SwiftGrad

/// Views: strides, storage offsets and sharing as PyTorch's (expected literals from PyTorch 2.x),
/// in-place writes through views, and autograd through them (CopySlices), double backward included.
@Suite struct ViewTests {
    /// [2, 3, 4] holding 0..<24.
    func cube() -> Tensor { Tensor.arange(24, dtype: .float32).reshape([2, 3, 4]) }

    @Test func layoutsMatchPyTorch() {
        let x = cube()
        #expect(x.strides == [12, 4, 1] && x.storageOffset == 0 && x.isContiguous)
        let tr = x.transpose(0, 2)
        #expect(tr.shape == [4, 3, 2] && tr.strides == [1, 4, 12] && !tr.isContiguous && tr.sharesStorage(with: x))
        #expect(x.permute([2, 0, 1]).strides == [1, 12, 4])
        #expect(x.movedim(0, -1).shape == [3, 4, 2] && x.movedim(0, -1).strides == [4, 1, 12])
        #expect(x.mT.shape == [2, 4, 3] && x.mT.strides == [12, 1, 4])
        #expect(x.T.shape == [4, 3, 2] && x.T.strides == [1, 4, 12])
        let row = x[1]
        #expect(row.storageOffset == 12 && row.strides == [4, 1] && row.isContiguous && row.sharesStorage(with: x))
        let col = x[.all, 1]
        #expect(col.shape == [2, 4] && col.storageOffset == 4 && col.strides == [12, 1] && !col.isContiguous)
        let stepped = x[.all, .all, .slice(1, nil, step: 2)]
        #expect(stepped.shape == [2, 3, 2] && stepped.strides == [12, 4, 2] && stepped.storageOffset == 1)
        #expect(stepped.scalars == [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23])
        let e = Tensor.ones([1, 5]).expand([3, 5])
        #expect(e.strides == [0, 1] && e.broadcastTo([2, 3, 5]).strides == [0, 0, 1])
        // unsqueeze of a strided tensor: the new axis's stride is size × stride of the axis after it.
        #expect(tr.unsqueeze(axis: 1).strides == [1, 12, 4, 12])
        #expect(tr.unsqueeze(axis: 3).strides == [1, 4, 12, 1])
        #expect(x[.all, 0...0].squeeze(axis: 1).strides == [12, 1])
        #expect(x.narrow(axis: 2, start: 1, length: 2).storageOffset == 1)
        #expect(x.select(axis: 2, index: -1).storageOffset == 3 && x.select(axis: 2, index: -1).strides == [12, 4])
        let m = Tensor.arange(6, dtype: .float32).reshape([2, 3])
        #expect(m.t().strides == [1, 3] && m.t().scalars == [0, 3, 1, 4, 2, 5])
    }

    @Test func diagonalUnfoldAsStrided() {
        let m = Tensor.arange(9, dtype: .float32).reshape([3, 3])
        #expect(m.diagonal().scalars == [0, 4, 8] && m.diagonal().strides == [4])
        #expect(m.diagonal(offset: 1).scalars == [1, 5] && m.diagonal(offset: 1).storageOffset == 1)
        #expect(m.diagonal(offset: -1).scalars == [3, 7] && m.diagonal(offset: -1).storageOffset == 3)
        #expect(m.diagonal(offset: 5).shape == [0])
        let b = cube().diagonal(axis1: 1, axis2: 2)     // [2, 3]
        #expect(b.shape == [2, 3] && b.strides == [12, 5] && b.scalars == [0, 5, 10, 12, 17, 22])
        let u = Tensor.arange(7, dtype: .float32).unfold(axis: 0, size: 3, step: 2)
        #expect(u.shape == [3, 3] && u.strides == [2, 1] && u.scalars == [0, 1, 2, 2, 3, 4, 4, 5, 6])
        let u2 = m.unfold(axis: 1, size: 2, step: 1)
        #expect(u2.shape == [3, 2, 2] && u2.strides == [3, 1, 1] && u2.scalars == [0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8])
        let w = Tensor.arange(5, dtype: .float32).asStrided(shape: [3, 3], strides: [1, 1], offset: 0)
        #expect(w.scalars == [0, 1, 2, 1, 2, 3, 2, 3, 4])
        #expect(m.asStrided(shape: [2], strides: [4], offset: 1).scalars == [1, 5])
    }

    @Test func splitsAreViews() {
        let x = cube()
        let parts = x.split(sizes: [1, 2], axis: 1)
        #expect(parts[1].storageOffset == 4 && parts[1].strides == [12, 4, 1] && parts[1].sharesStorage(with: x))
        let chunks = x.chunk(2, axis: 2)
        #expect(chunks.map(\.storageOffset) == [0, 2] && chunks[1].scalars.prefix(2) == [2, 3])
        let rows = x.unbind(axis: 1)
        #expect(rows.count == 3 && rows[2].storageOffset == 8 && rows[2].strides == [12, 1])
    }

    @Test func reshapeViewsWhenStridesAllow() {
        let x = cube()
        let v = x.transpose(1, 2).reshape([2, 4, 3])           // same shape: self
        #expect(v.sharesStorage(with: x))
        let merged = x[.all, 1].reshape([8])                    // [2, 4] strides [12, 1]: cannot merge
        #expect(!merged.sharesStorage(with: x) && merged.scalars == [4, 5, 6, 7, 16, 17, 18, 19])
        let split = x.transpose(0, 2).reshape([2, 2, 3, 2])    // splitting the first axis keeps a view
        #expect(split.sharesStorage(with: x) && split.strides == [2, 1, 4, 12])
        let flatT = x.transpose(1, 2).reshape([2, 12])
        #expect(!flatT.sharesStorage(with: x))
        #expect(flatT.scalars == x.transpose(1, 2).contiguous().scalars)
        #expect(x[.all, .all, 1...2].view([2, 3, 2]).sharesStorage(with: x))
    }

    @Test func contiguousCopiesOnlyWhenNeeded() {
        let x = cube()
        #expect(x.contiguous() === x)
        let t = x.transpose(0, 1)
        let c = t.contiguous()
        #expect(c.isContiguous && !c.sharesStorage(with: x) && c.scalars == t.scalars && c.strides == [8, 4, 1])
    }

    @Test func viewThatCannotBeExpressedStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).t().view([6])
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("view: size is not compatible") && text.contains("reshape"))
    }

    /// Runs in a child process: the byte counter is process-wide.
    @Test func expandAndViewsAllocateNothing() async {
        await #expect(processExitsWith: .success) {
            let x = Tensor.ones([1, 4096])
            let before = Diagnostics.liveBytes
            let e = x.expand([64, 4096])
            let t = e.t(), s = e[.all, .slice(0, nil, step: 2)], d = Tensor.zeros([64, 64]).diagonal()
            let after = Diagnostics.liveBytes
            precondition(after - before == 64 * 64 * 4, "expand/t/slice allocated \(after - before - 64 * 64 * 4) bytes")
            precondition(e.sum().item() == 64 * 4096, "expanded sum")
            _ = (t, s, d)
        }
    }

    // MARK: In-place through views

    @Test func inPlaceWritesGoThroughViews() {
        let x = Tensor.zeros([3, 3], dtype: .float64)
        x[0] += 1
        #expect(x.doubles == [1, 1, 1, 0, 0, 0, 0, 0, 0])
        x[.all, 1].zero()
        #expect(x.doubles == [1, 0, 1, 0, 0, 0, 0, 0, 0])
        x.diagonal().fill(5)
        #expect(x.doubles == [5, 0, 1, 0, 5, 0, 0, 0, 5])
        let t = x.t()
        t[0] += Tensor([1, 2, 3], dtype: .float64)              // column 0 of x
        #expect(x.doubles == [6, 0, 1, 2, 5, 0, 3, 0, 5])
        #expect(t.version == x.version && x.version > 0)
        x[.all, .slice(nil, nil, step: 2)] *= 2
        #expect(x.doubles == [12, 0, 2, 4, 5, 0, 6, 0, 10])
        x[1...] = Tensor.ones([3], dtype: .float64)
        #expect(x.doubles == [12, 0, 2, 1, 1, 1, 1, 1, 1])
        let other = x[2]
        x[2, 1] = Tensor(7.0, dtype: .float64)
        #expect(other.doubles == [1, 7, 1], "every view of the base sees the write")
    }

    @Test func writingIntoAnExpandedViewStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor.zeros([1, 3]).expand([2, 3])
            x += Tensor.ones([2, 3])
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("more than one element of the written-to tensor"))
    }

    @Test func inPlaceOnAViewOfALeafRequiringGradStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Tensor([1, 2, 3], requiresGrad: true)
            w[0] += 1
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("a view of a leaf Variable that requires grad is being used in an in-place operation"))
    }

    @Test func viewOfALeafCanBeUpdatedWithoutGrad() {
        let w = Tensor([1, 2, 3], dtype: .float64, requiresGrad: true)
        withNoGrad { w[0] += 1 }
        #expect(w.doubles == [2, 2, 3] && w.isLeaf)
    }

    // MARK: Autograd through in-place writes on views

    /// An op recorded before an in-place change keeps its own history (edges are taken at record time).
    @Test func opsRecordedBeforeAnInPlaceChangeKeepTheirHistory() {
        let x = Tensor([0.5, -1.0], dtype: .float64, requiresGrad: true)
        let y = x.exp()
        let z = y * 3
        y *= 2
        let g = grad(of: (z.sum() + y.sum()), wrt: [x])[0]!
        let e = x.exp().doubles
        #expect(g.allClose(Tensor([5 * e[0], 5 * e[1]], dtype: .float64)))
    }

    /// PyTorch: a = x.clone(); a[0] *= 3; a[:, 1].zero_(); a.diagonal().add_(y); loss = (a * a).sum().
    @Test func copySlicesGradients() {
        let x = Tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]], dtype: .float64, requiresGrad: true)
        let y = Tensor([0.5, -1, 2], dtype: .float64, requiresGrad: true)
        let a = x.clone()
        a[0] *= 3
        a[.all, 1].zero()
        let d = a.diagonal()
        d += y
        #expect(a.doubles == [3.5, 0, 9, 4, -1, 6, 7, 0, 11])
        (a * a).sum().backward()
        // d/dx: 2a through the writes: row 0 ×3, column 1 cut, the diagonal passes through.
        #expect(x.grad!.doubles == [21, 0, 54, 8, 0, 12, 14, 0, 22])
        #expect(y.grad!.doubles == [7, -2, 22])
    }

    /// A view taken before the base was modified in place sees the new values and differentiates them.
    @Test func earlierViewsFollowTheBase() {
        let x = Tensor([1.0, 2, 3, 4], dtype: .float64, requiresGrad: true)
        let a = x * 1
        let tail = a[2...]          // taken before the write
        a[..<2] *= 10
        let all = a.unsqueeze(axis: 0)   // a view taken after the write
        a[3] *= 2                   // changes tail's values again
        let loss = (tail * tail).sum() + all.sum()
        loss.backward()
        // tail = [3, 8]; all = [10, 20, 3, 8]: d/dx = [10, 10, 2·3 + 1, (2·8 + 1)·2]
        #expect(x.grad!.doubles == [10, 10, 7, 34])
    }

    /// First and second derivatives through in-place writes into views of a clone.
    @Test func gradcheckThroughInPlaceViewWrites() {
        func f(_ xs: [Tensor]) -> Tensor {
            let a = xs[0].clone()
            a[0] *= xs[1]                              // view × other operand
            a[.all, 1].zero()
            let d = a.diagonal()
            // In place on a view whose other operand is not computed from the view itself
            // (`d *= d.exp()` would leave a reference cycle in the recorded graph until a backward
            // pass releases it: the documented limit in Docs/Internals.md, "In-place through a view").
            d *= xs[1].exp()
            let t = a.t()
            t[2] += xs[1] * xs[1]                      // a column of a, through a transposed view
            return (a * a.sin()).sum(axis: 1)
        }
        let x = Tensor.randn([3, 3], dtype: .float64, generator: Generator(seed: 3)) * 0.5
        let v = Tensor.randn([3], dtype: .float64, generator: Generator(seed: 4))
        let r = gradcheck(f, inputs: [x, v])
        #expect(r.passed, "\(r)")
        // gradcheck evaluates f without grad for its finite differences; f needs the graph itself.
        let r2 = gradcheck({ xs in withGrad {
            let y = f(xs)
            let gs = grad(of: (y * y).sum(), wrt: xs, createGraph: true)
            return (gs[0]! * gs[0]!).sum() + (gs[1]! * gs[1]!).sum()
        } }, inputs: [x, v])
        #expect(r2.passed, "double backward: \(r2)")
    }

    @Test func gradcheckViewOps() {
        let x = Tensor.randn([3, 4], dtype: .float64, generator: Generator(seed: 5))
        let cases: [(String, (Tensor) -> Tensor)] = [
            ("diagonal", { $0.diagonal(offset: 1) * 2 }),
            ("unfold", { $0.unfold(axis: 1, size: 2, step: 1).pow(2) }),
            ("asStrided", { $0.asStrided(shape: [2, 2], strides: [1, 2], offset: 1).exp() }),
            ("select", { $0.select(axis: 1, index: 2).sin() }),
            ("movedim", { $0.movedim(0, 1) * Tensor.arange(12, dtype: .float64).reshape([4, 3]) }),
            ("contiguous", { $0.t().contiguous() * Tensor.arange(12, dtype: .float64).reshape([4, 3]) }),
            ("transposedView", { $0.t().reshape([12]).cumsum(axis: 0) }),
            ("expand", { $0[.all, 0...0].expand([3, 5]).tanh() }),
        ]
        for (name, f) in cases {
            let r = gradcheck({ f($0[0]) }, inputs: [x])
            #expect(r.passed, "\(name): \(r)")
            let r2 = gradcheck({ xs in withGrad {
                let y = f(xs[0])
                let g = grad(of: (y * y).sum(), wrt: [xs[0]], createGraph: true)[0]!
                return (g * g).sum()
            } }, inputs: [x])
            #expect(r2.passed, "\(name) double backward: \(r2)")
        }
    }

    /// Views keep their base alive, never the other way round: nothing leaks after backward.
    @Test func viewsDoNotLeak() async {
        await #expect(processExitsWith: .success) {
            let tensors = Diagnostics.liveTensors, nodes = Diagnostics.liveNodes
            do {
                let x = Tensor.randn([4, 4]).requiringGrad()
                let a = x * 2
                a[0] += 1
                let v = a.t()[1]
                v *= 3
                (a.sum() + v.sum()).backward()
                _ = x.grad
            }
            // Forward only (no backward frees the graph): writes into views leave no cycle behind.
            do {
                let x = Tensor.randn([4, 4]).requiringGrad()
                let a = x * 2
                a[0] *= 3
                a[.all, 1].zero()
                a.diagonal().fill(1)
                _ = (a * a).sum()
            }
            precondition(Diagnostics.liveTensors == tensors, "tensors leaked: \(Diagnostics.liveTensors - tensors)")
            precondition(Diagnostics.liveNodes == nodes, "nodes leaked: \(Diagnostics.liveNodes - nodes)")
        }
    }
}
