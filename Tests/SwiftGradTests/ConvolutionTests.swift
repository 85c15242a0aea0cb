import Foundation
import Testing
@testable import SwiftGrad

/// conv1d, conv2d and the transposed convolutions: PyTorch golden values, float64 gradient checks over
/// a grid of settings, double backward, the column buffer's lifetime and misuse messages.
@Suite struct ConvolutionTests {
    static func goldenOps() -> [String: (GoldenCase) -> Tensor] {
        func x(_ c: GoldenCase, _ i: Int) -> Tensor { c.inputs[i]! }
        func int(_ c: GoldenCase, _ k: String, _ d: Int) -> Int { c.args.int(k) ?? d }
        return [
            "conv2d": { c in
                conv2d(x(c, 0), weight: x(c, 1), bias: x(c, 2), stride: Size2(int(c, "stride", 1)),
                       padding: .explicit(Size2(int(c, "padding", 0))), dilation: Size2(int(c, "dilation", 1)),
                       groups: int(c, "groups", 1))
            },
            "conv1d": { c in
                conv1d(x(c, 0), weight: x(c, 1), bias: x(c, 2), stride: int(c, "stride", 1),
                       padding: .explicit(int(c, "padding", 0)), dilation: int(c, "dilation", 1), groups: int(c, "groups", 1))
            },
            "conv_transpose2d": { c in
                convTranspose2d(x(c, 0), weight: x(c, 1), bias: x(c, 2), stride: Size2(int(c, "stride", 1)),
                                padding: Size2(int(c, "padding", 0)), outputPadding: Size2(int(c, "output_padding", 0)),
                                dilation: Size2(int(c, "dilation", 1)), groups: int(c, "groups", 1))
            },
        ]
    }

    @Test func goldenCasesMatchPyTorch() {
        let (failures, ran) = Golden.run(Self.goldenOps())
        #expect(ran == 6, "ran \(ran) golden cases")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    static func rand(_ shape: [Int], _ seed: UInt64) -> Tensor {
        Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed))
    }

    struct Setting: CustomStringConvertible {
        var n = 1, c = 2, h = 5, w = 6, o = 2, k = Size2(3), stride = Size2(1)
        var padding: Padding2d = 0, dilation = Size2(1), groups = 1, bias = true
        var description: String { "n\(n) c\(c) \(h)x\(w) o\(o) k\(k) s\(stride) p\(padding) d\(dilation) g\(groups)" }
    }

    static let grid: [Setting] = [
        Setting(),                                                                  // plain 3x3
        Setting(n: 3, c: 3, h: 7, w: 5, o: 4, k: Size2(3, 2), bias: false),         // odd sizes, batch 3
        Setting(c: 2, h: 7, w: 7, o: 3, k: 2, stride: 3),                           // stride > kernel
        Setting(h: 4, w: 5, k: 2, padding: 3),                                      // padding > kernel
        Setting(c: 2, h: 7, w: 8, k: 3, padding: [2, 1], dilation: [2, 3]),         // dilation 2-3
        Setting(n: 3, c: 4, h: 5, w: 5, o: 6, k: 3, stride: 2, padding: 1, groups: 2),
        Setting(n: 2, c: 3, h: 5, w: 4, o: 3, k: 3, padding: 1, groups: 3),         // depthwise
        Setting(n: 3, c: 3, h: 4, w: 3, o: 5, k: 1),                                // 1x1
        Setting(c: 2, h: 5, w: 6, o: 3, k: [2, 3], padding: .same, dilation: [2, 1]),
        Setting(n: 2, c: 2, h: 3, w: 4, o: 2, k: 3, padding: .valid),
    ]

    @Test(arguments: grid) func conv2dGradcheck(_ s: Setting) {
        let x = Self.rand([s.n, s.c, s.h, s.w], 1), w = Self.rand([s.o, s.c / s.groups, s.k.h, s.k.w], 2)
        let b = Self.rand([s.o], 3)
        let r = gradcheck({ t in
            conv2d(t[0], weight: t[1], bias: s.bias ? t[2] : nil, stride: s.stride, padding: s.padding,
                   dilation: s.dilation, groups: s.groups)
        }, inputs: [x, w, b])
        #expect(r.passed, "\(s): \(r)")
    }

    @Test(arguments: grid.filter { $0.padding != .same && $0.padding != .valid })
    func convTranspose2dGradcheck(_ s: Setting) {
        guard case .explicit(let p) = s.padding else { return }
        // Transposed weight [in, out/groups, kh, kw]; output padding 1 where the stride allows it.
        let x = Self.rand([s.n, s.c, s.h - 1, s.w - 2], 4), w = Self.rand([s.c, s.o / s.groups, s.k.h, s.k.w], 5)
        let op = Size2(s.stride.h > 1 ? 1 : 0, s.dilation.w > 1 ? 1 : 0)
        let b = Self.rand([s.o], 6)
        let r = gradcheck({ t in
            convTranspose2d(t[0], weight: t[1], bias: s.bias ? t[2] : nil, stride: s.stride,
                            padding: Size2(Swift.min(p.h, s.k.h - 1), Swift.min(p.w, s.k.w - 1)),
                            outputPadding: op, dilation: s.dilation, groups: s.groups)
        }, inputs: [x, w, b])
        #expect(r.passed, "\(s): \(r)")
    }

    /// Transposed convolution is the adjoint of convolution: ⟨convT(x, w), y⟩ = ⟨x, conv(y, w)⟩ with
    /// the same stride, padding, dilation and groups. With conv2d checked against PyTorch, this pins
    /// down convTranspose2d's forward for every setting of the grid (the golden file has one case).
    @Test(arguments: grid.filter { $0.padding != .same && $0.padding != .valid })
    func convTranspose2dIsTheAdjointOfConv2d(_ s: Setting) {
        guard case .explicit(let p) = s.padding else { return }
        let y = Self.rand([s.n, s.c, s.h, s.w], 40), w = Self.rand([s.o, s.c / s.groups, s.k.h, s.k.w], 41)
        let cy = conv2d(y, weight: w, stride: s.stride, padding: s.padding, dilation: s.dilation, groups: s.groups)
        let x = Self.rand(cy.shape, 42)
        // The output padding that restores y's size (the rows conv2d's stride skipped at the end).
        let span = Size2(s.dilation.h * (s.k.h - 1) + 1, s.dilation.w * (s.k.w - 1) + 1)
        let op = Size2((s.h + 2 * p.h - span.h) % s.stride.h, (s.w + 2 * p.w - span.w) % s.stride.w)
        let tx = convTranspose2d(x, weight: w, stride: s.stride, padding: p, outputPadding: op,
                                 dilation: s.dilation, groups: s.groups)
        #expect(tx.shape == y.shape)
        let lhs = (tx * y).sum().item(), rhs = (x * cy).sum().item()
        #expect(Swift.abs(lhs - rhs) <= 1e-9 * Swift.max(1, Swift.abs(rhs)), "\(s): \(lhs) vs \(rhs)")
    }

    @Test func conv1dGradcheck() {
        for (stride, padding, dilation, groups) in [(1, Padding1d.explicit(0), 1, 1), (2, 2, 2, 2), (3, .same, 1, 1), (1, 1, 3, 4)] {
            let s = padding == .same ? 1 : stride
            let x = Self.rand([3, 4, 9], 7), w = Self.rand([4, 4 / groups, 3], 8), b = Self.rand([4], 9)
            let r = gradcheck({ t in conv1d(t[0], weight: t[1], bias: t[2], stride: s, padding: padding,
                                            dilation: dilation, groups: groups) }, inputs: [x, w, b])
            #expect(r.passed, "stride \(s) padding \(padding) dilation \(dilation) groups \(groups): \(r)")
        }
    }

    @Test func convTranspose1dGradcheck() {
        let x = Self.rand([2, 4, 5], 10), w = Self.rand([4, 3, 3], 11), b = Self.rand([6], 12)
        let r = gradcheck({ t in convTranspose1d(t[0], weight: t[1], bias: t[2], stride: 2, padding: 1,
                                                 outputPadding: 1, groups: 2) }, inputs: [x, w, b])
        #expect(r.passed, "\(r)")
        #expect(convTranspose1d(x, weight: w, bias: b, stride: 2, padding: 1, outputPadding: 1, groups: 2).shape == [2, 6, 10])
    }

    /// `.same` keeps the size (even kernels pad one more after, as PyTorch), and matches explicit padding.
    @Test func samePaddingKeepsTheSize() {
        let x = Self.rand([1, 2, 6, 7], 13), w = Self.rand([3, 2, 3, 4], 14)
        #expect(conv2d(x, weight: w, padding: .same).shape == [1, 3, 6, 7])
        let odd = Self.rand([3, 2, 3, 3], 15)
        #expect(conv2d(x, weight: odd, padding: .same).allClose(conv2d(x, weight: odd, padding: 1)))
        #expect(conv2d(x, weight: odd, padding: .valid).shape == [1, 3, 4, 5])
        #expect(conv1d(Self.rand([2, 2, 8], 16), weight: Self.rand([1, 2, 4], 17), padding: .same).shape == [2, 1, 8])
    }

    /// Unbatched inputs ([c, h, w], [c, l]) give the batched result without the batch axis.
    @Test func unbatchedInputs() {
        let x = Self.rand([1, 2, 5, 5], 30), w = Self.rand([3, 2, 3, 3], 31), wt = Self.rand([2, 3, 3, 3], 32)
        #expect(conv2d(x.squeeze(axis: 0), weight: w, padding: 1).allClose(conv2d(x, weight: w, padding: 1).squeeze(axis: 0)))
        #expect(convTranspose2d(x.squeeze(axis: 0), weight: wt, stride: 2).shape == [3, 11, 11])
        let s = Self.rand([2, 7], 33), w1 = Self.rand([4, 2, 3], 34)
        #expect(conv1d(s, weight: w1).allClose(conv1d(s.unsqueeze(axis: 0), weight: w1).squeeze(axis: 0)))
        #expect(convTranspose1d(s, weight: Self.rand([2, 4, 3], 35)).shape == [4, 9])
    }

    /// A second backward through a retained graph recomputes the columns the first one consumed.
    @Test func retainedGraphBackwardTwice() {
        let x = Self.rand([2, 3, 6, 6], 50).requiringGrad(), w = Self.rand([4, 3, 3, 3], 51).requiringGrad()
        let loss = (conv2d(x, weight: w, padding: 1) * Self.rand([2, 4, 6, 6], 52)).sum()
        loss.backward(retainGraph: true)
        let (gx, gw) = (x.grad!.copy(), w.grad!.copy())
        loss.backward()
        #expect(x.grad!.allClose(gx * 2, rtol: 1e-12, atol: 1e-12))
        #expect(w.grad!.allClose(gw * 2, rtol: 1e-12, atol: 1e-12))
    }

    @Test func emptyBatch() {
        let x = Tensor.zeros([0, 2, 5, 5]).requiringGrad(), w = Tensor.ones([3, 2, 3, 3]).requiringGrad()
        let y = conv2d(x, weight: w, bias: Tensor.ones([3]), padding: 1)
        #expect(y.shape == [0, 3, 5, 5])
        y.sum().backward()
        #expect(w.grad!.doubles.allSatisfy { $0 == 0 } && x.grad!.shape == [0, 2, 5, 5])
    }

    /// Float32 agrees with float64, and a batch larger than the column budget (several chunks) agrees
    /// with one chunk, forward and backward.
    @Test func float32AndChunkedBatchesAgree() {
        let x = Self.rand([5, 3, 6, 6], 18), w = Self.rand([4, 3, 3, 3], 19), b = Self.rand([4], 20)
        func run(_ dtype: DType) -> [Tensor] {
            func leaf(_ t: Tensor) -> Tensor { withNoGrad { t.to(dtype).copy() }.requiringGrad() }
            let xs = leaf(x), ws = leaf(w), bs = leaf(b)
            let y = conv2d(xs, weight: ws, bias: bs, stride: 2, padding: 1)
            (y * y).sum().backward()
            return [y, xs.grad!, ws.grad!, bs.grad!].map { $0.to(.float64) }
        }
        let ref = run(.float64), single = run(.float32)
        // Two samples of columns per chunk (float64): three chunks, columns recomputed in backward.
        let chunked = Kernels.$convColumnBudget.withValue(2 * 27 * 9 * 8) { run(.float64) }
        for i in 0..<4 {
            #expect(single[i].allClose(ref[i], rtol: 1e-4, atol: 1e-4), "float32 result \(i)")
            #expect(chunked[i].allClose(ref[i], rtol: 1e-12, atol: 1e-12), "chunked result \(i)")
        }
    }

    /// Gradients of gradients: conv2d's backward is built from recorded ops when createGraph is set.
    @Test func doubleBackwardGradcheck() {
        let x = Self.rand([2, 2, 5, 5], 21), w = Self.rand([4, 1, 3, 3], 22)
        // gradcheck evaluates f without grad for its finite differences; f needs the graph itself.
        let r = gradcheck({ t in withGrad {
            let y = conv2d(t[0], weight: t[1], stride: 2, padding: 1, groups: 2)
            let gs = grad(of: (y * y).sum(), wrt: [t[0], t[1]], createGraph: true)
            return (gs[0]! * gs[0]!).sum() + (gs[1]! * gs[1]!).sum()
        } }, inputs: [x, w])
        #expect(r.passed, "\(r)")
    }

    /// The forward pass's columns (7 MB here, within the chunk budget) live only until backward.
    /// `Diagnostics.liveBytes` is process-wide, so the check runs in a child process (an exit test)
    /// where no other test allocates; the margin still stays far below the buffer's size.
    @Test func columnBufferDoesNotOutliveTheStep() async {
        await #expect(processExitsWith: .success) {
            let x = Self.rand([3, 32, 32, 32], 23).requiringGrad(), w = Self.rand([2, 32, 3, 3], 24).requiringGrad()
            let columns = 32 * 9 * 3 * 32 * 32 * 8
            let before = Diagnostics.liveBytes
            do {
                let loss = conv2d(x, weight: w, padding: 1).sum()
                guard Diagnostics.liveBytes - before >= columns else { exit(1) }   // columns kept for the weight gradient
                loss.backward()
            }
            x.grad = nil; w.grad = nil
            guard Diagnostics.liveBytes - before < columns / 4 else { exit(2) }
            // Without a weight gradient to compute, nothing is kept.
            let frozen = Self.rand([2, 32, 3, 3], 25)
            let before2 = Diagnostics.liveBytes
            let y = conv2d(x, weight: frozen, padding: 1)
            guard Diagnostics.liveBytes - before2 < columns / 4 else { exit(3) }
            _ = y
        }
    }

    @Test func channelsNotDivisibleByGroupsStops() async {
        let message = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor.zeros([1, 3, 5, 5]), weight: Tensor.zeros([4, 1, 3, 3]), groups: 2)
        }.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(message.contains("conv2d: input channels 3 are not divisible by groups 2 (input [1, 3, 5, 5], weight [4, 1, 3, 3])"), "\(message)")
    }

    @Test func weightChannelMismatchStops() async {
        let message = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor.zeros([1, 4, 5, 5]), weight: Tensor.zeros([4, 3, 3, 3]), bias: Tensor.zeros([4]))
        }.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(message.contains("conv2d: weight expects 3 input channels"), "\(message)")
        #expect(message.contains("input [1, 4, 5, 5], weight [4, 3, 3, 3], bias [4]"), "\(message)")
    }

    @Test func kernelLargerThanPaddedInputStops() async {
        let message = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor.zeros([1, 1, 2, 2]), weight: Tensor.zeros([1, 1, 3, 3]), padding: 0)
        }.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(message.contains("conv2d: kernel (dilated size 3×3) is larger than the padded input 2×2 (input [1, 1, 2, 2], weight [1, 1, 3, 3]"), "\(message)")
        await #expect(processExitsWith: .failure) {
            _ = conv1d(Tensor.zeros([1, 1, 4]), weight: Tensor.zeros([1, 1, 3]), dilation: 2)
        }
    }

    @Test func transposedMisuseStops() async {
        await #expect(processExitsWith: .failure) {
            _ = convTranspose2d(Tensor.zeros([1, 2, 3, 3]), weight: Tensor.zeros([2, 1, 3, 3]), stride: 2, outputPadding: 2)
        }
        await #expect(processExitsWith: .failure) {
            _ = convTranspose2d(Tensor.zeros([1, 3, 3, 3]), weight: Tensor.zeros([3, 1, 3, 3]), groups: 2)
        }
    }
}
