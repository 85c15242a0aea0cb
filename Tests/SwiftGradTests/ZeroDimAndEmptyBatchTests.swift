import Foundation
import Testing
import SwiftGrad

/// 0-d tensors take axis 0 and -1 in every reduction, scan, softmax, gather and indexSelect
/// (forward and backward, as PyTorch); `to(.int64)` of a tensor that requires grad leaves the graph;
/// empty batches work in the decompositions (with gradients), the norm layers and Embedding(n, 0).
@Suite struct ZeroDimAndEmptyBatchTests {
    /// Each op on a 0-d input x = 3 with axis 0 or -1: (name, op, value, gradient).
    static var ops: [(String, (Tensor, Int) -> Tensor, Double, Double)] { [
        ("sum", { x, a in x.sum(axis: a) }, 3, 1),
        ("sum keepDim", { x, a in x.sum(axes: [a], keepDim: true) }, 3, 1),
        ("mean", { x, a in x.mean(axis: a) }, 3, 1),
        ("prod", { x, a in x.prod(axis: a) }, 3, 1),
        ("max", { x, a in x.max(axis: a).values }, 3, 1),
        ("min", { x, a in x.min(axis: a, keepDim: true).values }, 3, 1),
        ("var", { x, a in x.variance(axes: [a], correction: 0) }, 0, 0),
        ("std", { x, a in x.std(axes: [a], correction: 0) }, 0, 0),
        ("logsumexp", { x, a in x.logsumexp(axis: a) }, 3, 1),
        ("norm", { x, a in x.norm(axes: [a]) }, 3, 1),
        ("norm 3", { x, a in x.norm(p: 3, axes: [a]) }, 3, 1),
        ("norm inf", { x, a in x.norm(p: .infinity, axes: [a]) }, 3, 1),
        ("cumsum", { x, a in x.cumsum(axis: a) }, 3, 1),
        ("cumprod", { x, a in x.cumprod(axis: a) }, 3, 1),
        ("softmax", { x, a in x.softmax(axis: a) * x }, 3, 1),
        ("logSoftmax", { x, a in x.logSoftmax(axis: a) + x }, 3, 1),
        ("flip", { x, a in x.flip(axis: a) }, 3, 1),
        ("gather", { x, a in x.gather(axis: a, index: Tensor(0, dtype: .int64)) }, 3, 1),
        ("indexSelect", { x, a in x.indexSelect(axis: a, indices: Tensor([0])) }, 3, 1),
    ] }

    @Test func zeroDimTensorsTakeAxisZeroAndMinusOne() {
        for (name, op, value, gradient) in Self.ops {
            for axis in [0, -1] {
                let x = Tensor(3, dtype: .float64, requiresGrad: true)
                let y = op(x, axis)
                #expect(y.shape == [], "\(name) axis \(axis): shape \(y.shape)")
                #expect(y.item() == value, "\(name) axis \(axis): \(y.item())")
                y.backward()
                #expect(x.grad?.shape == [] && x.grad?.item() == gradient, "\(name) axis \(axis): grad \(String(describing: x.grad))")
            }
        }
        let x = Tensor(-2, dtype: .float64)
        #expect(x.argmax(axis: 0).shape == [] && x.argmax(axis: 0).item() == 0)
        #expect(x.argmin(axis: -1).item() == 0)
        #expect(x.cumsum(axis: -1).item() == -2)
        #expect(x.scatterAdd(axis: 0, index: Tensor(0, dtype: .int64), source: Tensor(5, dtype: .float64)).item() == 3)
        #expect(x.indexAdd(axis: -1, indices: Tensor([0]), source: Tensor(5, dtype: .float64)).item() == 3)
        let zero = Tensor(0, dtype: .float64, requiresGrad: true)
        zero.cumprod(axis: 0).backward()
        #expect(zero.grad?.item() == 1)
        for (name, op, _, _) in Self.ops where !["var", "std", "norm", "norm 3", "norm inf"].contains(name) {
            let r = gradcheck({ xs in op(xs[0], -1) }, inputs: [Tensor(0.7, dtype: .float64)])
            #expect(r.passed, "\(name): \(r)")
        }
    }

    @Test func zeroDimAxisOutOfRangeStillNamesTheOp() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(1).sum(axis: 1)
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("sum") && text.contains("axis 1"), "\(text.prefix(400))")
        let g = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(1).gather(axis: 0, index: Tensor(1, dtype: .int64))
        }
        let gt = String(decoding: g?.standardErrorContent ?? [], as: UTF8.self)
        #expect(gt.contains("gather") && gt.contains("out of bounds"), "\(gt.prefix(400))")
    }

    @Test func scansAndProductsOverAnEmptyAxis() {
        let x = Tensor.zeros([2, 0, 3], dtype: .float64).requiringGrad()
        #expect(x.cumsum(axis: 1).shape == [2, 0, 3])
        #expect(x.cumprod(axis: 1).shape == [2, 0, 3])
        let p = x.prod(axis: 1)
        #expect(p.shape == [2, 3] && p.doubles == [1, 1, 1, 1, 1, 1])   // the empty product, as PyTorch
        (p.sum() + x.cumprod(axis: 1).sum()).backward()
        #expect(x.grad?.shape == [2, 0, 3])
    }

    @Test func toIntegerOfATensorThatRequiresGradLeavesTheGraph() {
        let x = Tensor([1.7, -2.2, 3], dtype: .float64, requiresGrad: true)
        let i = x.to(.int64)
        #expect(i.dtype == .int64 && i.ints == [1, -2, 3])
        #expect(!i.requiresGrad)
        let y = (x * 2).to(.int64)
        #expect(y.ints == [3, -4, 6] && !y.requiresGrad)
        // Float conversions stay differentiable.
        let f = x.to(.float32)
        #expect(f.requiresGrad)
    }

    @Test func decompositionsOfAnEmptyBatchHaveEmptyGradients() throws {
        let a = Tensor.zeros([0, 3, 2], dtype: .float64).requiringGrad()
        let (u, s, vh) = try Linalg.svd(a, fullMatrices: false)
        #expect(u.shape == [0, 3, 2] && s.shape == [0, 2] && vh.shape == [0, 2, 2])
        (u.sum() + s.sum() + vh.sum()).backward()
        #expect(a.grad?.shape == [0, 3, 2])
        let full = try Linalg.svd(Tensor.zeros([0, 3, 2], dtype: .float64), fullMatrices: true)
        #expect(full.u.shape == [0, 3, 3] && full.vh.shape == [0, 2, 2])

        let b = Tensor.zeros([0, 3, 2], dtype: .float64).requiringGrad()
        try Linalg.svdvals(b).sum().backward()
        #expect(b.grad?.shape == [0, 3, 2])

        let c = Tensor.zeros([2, 0, 4, 3], dtype: .float64).requiringGrad()
        let (q, r) = try Linalg.qr(c)
        #expect(q.shape == [2, 0, 4, 3] && r.shape == [2, 0, 3, 3])
        (q.sum() + r.sum()).backward()
        #expect(c.grad?.shape == [2, 0, 4, 3])

        let d = Tensor.zeros([0, 3, 3], dtype: .float64).requiringGrad()
        let (w, v) = try Linalg.eigh(d)
        #expect(w.shape == [0, 3] && v.shape == [0, 3, 3])
        (w.sum() + v.sum()).backward()
        #expect(d.grad?.shape == [0, 3, 3])

        let e = Tensor.zeros([0, 2, 2], dtype: .float64).requiringGrad()
        try Linalg.eigvalsh(e).sum().backward()
        #expect(e.grad?.shape == [0, 2, 2])
    }

    @Test func normLayersAndEmbeddingTakeAnEmptyBatch() {
        let gn = GroupNorm(numGroups: 2, numChannels: 4, dtype: .float64)
        let x = Tensor.zeros([0, 4, 3], dtype: .float64).requiringGrad()
        let y = gn(x)
        #expect(y.shape == [0, 4, 3])
        y.sum().backward()
        #expect(x.grad?.shape == [0, 4, 3])
        #expect(gn.weight!.grad?.doubles == [0, 0, 0, 0])

        let bn = BatchNorm2d(3, dtype: .float64)
        bn.train()
        let images = Tensor.zeros([0, 3, 2, 2], dtype: .float64).requiringGrad()
        let out = bn(images)
        #expect(out.shape == [0, 3, 2, 2])
        out.sum().backward()
        #expect(bn.weight!.grad?.doubles == [0, 0, 0])
        #expect(bn.runningMean!.value.doubles == [0, 0, 0] && bn.runningVar!.value.doubles == [1, 1, 1])
        bn.eval()
        #expect(bn(Tensor.zeros([0, 3, 2, 2], dtype: .float64)).shape == [0, 3, 2, 2])

        let embed = Embedding(5, 0, dtype: .float64)
        let tokens = Tensor([1, 4, 4])
        let vectors = embed(tokens)
        #expect(vectors.shape == [3, 0])
        vectors.sum().backward()
        #expect(embed.weight.grad?.shape == [5, 0])
        #expect(embed(Tensor([Int](), shape: [0, 2])).shape == [0, 2, 0])
    }
}
