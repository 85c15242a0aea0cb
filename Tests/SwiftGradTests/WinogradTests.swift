import Testing
@testable import SwiftGrad

/// Winograd F(2×2, 3×3) and F(4×4, 3×3) convolution (Kernels/Winograd.swift, WinogradF4.swift) against
/// the im2col path: forward, input, weight and bias gradients on odd sizes, padding 0-2, batch 1 and
/// more, views, several chunks, float32 and float64, both tile sizes; gradient checks through it;
/// which layers select it and which tile; thread-count independence.
@Suite struct WinogradTests {
    struct Case: CustomStringConvertible {
        var n = 1, c = 3, o = 2, h = 5, w = 7
        var padding: Padding2d = 1
        var bias = true
        var description: String { "n\(n) c\(c) o\(o) \(h)x\(w) p\(padding) bias \(bias)" }
    }

    static let cases: [Case] = [
        Case(),                                                      // odd sizes, batch 1
        Case(n: 3, c: 4, o: 5, h: 6, w: 6, padding: 0),               // padding 0, batch 3
        Case(n: 2, c: 2, o: 3, h: 7, w: 5, padding: 2, bias: false),  // padding 2: output larger than input
        Case(n: 2, c: 3, o: 4, h: 4, w: 3, padding: .same),
        Case(n: 1, c: 1, o: 1, h: 3, w: 3, padding: 0),               // one output pixel, one tile
        Case(n: 2, c: 3, o: 2, h: 6, w: 9, padding: [0, 2]),          // different padding per axis
        Case(n: 2, c: 5, o: 3, h: 1, w: 8, padding: 1),               // a single input row
    ]

    static func rand(_ shape: [Int], _ seed: UInt64, _ dtype: DType = .float64) -> Tensor {
        Tensor.randn(shape, dtype: dtype, generator: Generator(seed: seed))
    }

    /// Largest |a - b| relative to the largest |b|.
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        let (x, y) = (a.to(.float64).doubles, b.to(.float64).doubles)
        let scale = max(y.map(abs).max() ?? 0, 1e-300)
        return zip(x, y).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// [y, dx, dw, db] of conv2d on `s` with the algorithm `choice`, in `dtype`, for the loss Σ y·r.
    static func run(_ s: Case, _ choice: KernelChoice, _ dtype: DType, view: Bool = false, tile: Int? = nil) -> [Tensor] {
        Kernels.$winogradTileChoice.withValue(tile) { Kernels.$winogradChoice.withValue(choice) {
            var x = rand([s.n, s.c, s.h, s.w], 1, dtype), w = rand([s.o, s.c, 3, 3], 2, dtype)
            if view {
                // The same values read through transposed views (non-contiguous input and weight).
                x = rand([s.n, s.c, s.h, s.w], 1, dtype).transpose(2, 3).contiguous().transpose(2, 3)
                w = rand([s.o, s.c, 3, 3], 2, dtype).transpose(0, 1).contiguous().transpose(0, 1)
                #expect(!x.isContiguous && !w.isContiguous)
            }
            x.requiresGrad = true; w.requiresGrad = true
            let b = s.bias ? rand([s.o], 3, dtype).requiringGrad() : nil
            let y = conv2d(x, weight: w, bias: b, padding: s.padding)
            let r = rand(y.shape, 4, dtype)
            (y * r).sum().backward()
            return [y, x.grad!, w.grad!] + (b.map { [$0.grad!] } ?? [])
        } }
    }

    static let tiles = [2, 4]

    static func geometry(_ s: Case) -> ConvGeometry {
        convGeometry("conv2d", [s.n, s.c, s.h, s.w], [s.o, s.c, 3, 3], nil, stride: 1, padding: s.padding,
                     dilation: 1, groups: 1, shapes: "")
    }

    /// Winograd agrees with im2col: float64 to 1e-12 of the largest value, float32 to 2e-6 with 2×2
    /// tiles and 1e-5 with 4×4 (the same sums, rounded in another order; F(4×4)'s transforms
    /// multiply by up to 8 and sum more terms).
    @Test(arguments: cases, tiles) func matchesIm2col(_ s: Case, _ tile: Int) {
        #expect(Kernels.$winogradChoice.withValue(.always) { Kernels.useWinograd(Self.geometry(s)) })
        for (dtype, tol) in [(DType.float64, 1e-12), (.float32, tile == 2 ? 2e-6 : 1e-5)] {
            let direct = Self.run(s, .never, .float64), wino = Self.run(s, .always, dtype, tile: tile)
            let names = ["y", "dx", "dw", "db"]
            for i in direct.indices {
                #expect(wino[i].shape == direct[i].shape && wino[i].dtype == dtype, "\(s) \(names[i])")
                let e = Self.relativeError(wino[i], direct[i])
                #expect(e <= tol, "\(s) F\(tile) \(dtype) \(names[i]): relative error \(e)")
            }
        }
    }

    /// The float32 transforms in C (CKernels/WinogradTransforms.c, WinogradF4Transforms.c) give the
    /// floats of the Swift loops: forward, input, weight and bias gradients, on widths that run the
    /// vector loops (eight and four lanes) and their scalar tails, every left padding mod 4; the
    /// weight transforms (WinogradWeightTransforms.c) on pair counts with and without a tail.
    @Test(arguments: cases + [
        Case(n: 2, c: 3, o: 4, h: 9, w: 33, padding: 1),
        Case(n: 1, c: 2, o: 3, h: 18, w: 36, padding: 0, bias: false),
        Case(n: 2, c: 3, o: 2, h: 7, w: 21, padding: 2),
        Case(n: 1, c: 4, o: 5, h: 17, w: 40, padding: [1, 0]),
        Case(n: 1, c: 2, o: 2, h: 5, w: 50, padding: [2, 1]),
        Case(n: 2, c: 2, o: 3, h: 34, w: 66, padding: [1, 3]),
        Case(n: 1, c: 3, o: 2, h: 12, w: 17, padding: [0, 2]),
        // weight transforms: 63 (o, c) pairs (seven groups of eight lanes and a tail of seven) and
        // 132 (three blocks of up to 64 pairs, the last of four)
        Case(n: 1, c: 9, o: 7, h: 8, w: 8, padding: 1),
        Case(n: 1, c: 12, o: 11, h: 6, w: 9, padding: 1, bias: false),
    ], tiles)
    func vectorTransformsMatchTheSwiftLoops(_ s: Case, _ tile: Int) {
        let vector = Kernels.$winogradVectorKernels.withValue(true) { Self.run(s, .always, .float32, tile: tile) }
        let scalar = Kernels.$winogradVectorKernels.withValue(false) { Self.run(s, .always, .float32, tile: tile) }
        let names = ["y", "dx", "dw", "db"]
        for i in scalar.indices {
            #expect(vector[i].shape == scalar[i].shape, "\(s) \(names[i])")
            // Equal as numbers: a zero sum may carry either sign.
            #expect(vector[i].scalars == scalar[i].scalars, "\(s) F\(tile) \(names[i]): the C and Swift transforms differ")
        }
    }

    /// At a ResNet layer's channel count (64 → 64; sums of 576 products), float32 Winograd stays
    /// within 1e-5 of the largest value of the float64 result, as float32 im2col does (measured:
    /// at most 4.1e-7 for F(2×2) and im2col; F(4×4): 3.6e-6 output, 4.1e-6 input gradient, 3.0e-6
    /// weight gradient).
    @Test(arguments: tiles) func float32ErrorAtLayerSize(_ tile: Int) {
        let s = Case(n: 2, c: 64, o: 64, h: 10, w: 9, padding: 1)
        let exact = Self.run(s, .never, .float64), direct = Self.run(s, .never, .float32)
        let wino = Self.run(s, .always, .float32, tile: tile)
        for i in exact.indices {
            let (ew, ed) = (Self.relativeError(wino[i], exact[i]), Self.relativeError(direct[i], exact[i]))
            #expect(ew <= 1e-5 && ed <= 1e-5, "F\(tile) result \(i): Winograd \(ew), im2col \(ed)")
        }
    }

    /// Non-contiguous input and weight give the values of their contiguous copies.
    @Test(arguments: tiles) func viewsMatch(_ tile: Int) {
        let s = Case(n: 2, c: 3, o: 4, h: 5, w: 6, padding: 1)
        let dense = Self.run(s, .always, .float64, tile: tile), views = Self.run(s, .always, .float64, view: true, tile: tile)
        for i in dense.indices { #expect(Self.relativeError(views[i], dense[i]) <= 1e-14, "result \(i)") }
    }

    /// A batch larger than the budget runs in chunks (the weight gradient accumulates over them).
    @Test(arguments: tiles) func chunkedBatchMatches(_ tile: Int) {
        let s = Case(n: 5, c: 3, o: 4, h: 6, w: 5, padding: 1)
        let whole = Self.run(s, .always, .float64, tile: tile)
        // One sample's transformed tiles: 16 points × 9 tiles (F(4×4): 36 × 4) × 4 channels × 8 bytes;
        // two per chunk.
        let t = WinogradTiles(Self.geometry(s), m: tile), budget = 2 * t.points * t.perSample * 4 * 8
        let chunked = Kernels.$convColumnBudget.withValue(budget) { Self.run(s, .always, .float64, tile: tile) }
        #expect(Kernels.$convColumnBudget.withValue(budget) {
            Kernels.winogradChunk(Self.geometry(s), t, dtype: .float64)
        } == 2)
        let direct = Self.run(s, .never, .float64)
        for i in whole.indices {
            #expect(Self.relativeError(chunked[i], whole[i]) <= 1e-14, "chunked result \(i)")
            #expect(Self.relativeError(chunked[i], direct[i]) <= 1e-12, "against im2col, result \(i)")
        }
    }

    /// The forward pass keeps its transformed input V for the weight gradient when it fits
    /// `winogradKeepBudget` (and only when the weight needs a gradient); the gradients it gives are the
    /// same floats as transforming the input again in backward, with one chunk and with several, in
    /// float32 (the C transforms) and float64.
    @Test(arguments: tiles, [DType.float32, .float64]) func keptTransformedInputMatchesRecompute(_ tile: Int, _ dtype: DType) {
        let s = Case(n: 5, c: 3, o: 4, h: 6, w: 5, padding: 1)
        let g = Self.geometry(s), t = WinogradTiles(g, m: tile)
        let x = Self.rand([s.n, s.c, s.h, s.w], 1, dtype), w = Self.rand([s.o, s.c, 3, 3], 2, dtype)
        Kernels.$winogradTileChoice.withValue(tile) { Kernels.$winogradChoice.withValue(.always) {
            #expect(Kernels.convForward(x, w, nil, g, keepColumns: true).1?.winograd == WinogradLayout(m: tile, chunk: 5))
            #expect(Kernels.convForward(x, w, nil, g, keepColumns: false).1 == nil)
            #expect(Kernels.$winogradKeepBudget.withValue(0) { Kernels.convForward(x, w, nil, g, keepColumns: true).1 } == nil)
        } }
        for budget in [Kernels.convColumnBudget, 2 * t.points * t.perSample * 4 * dtype.byteSize] {   // one chunk; chunks of 2
            Kernels.$convColumnBudget.withValue(budget) {
                let kept = Self.run(s, .always, dtype, tile: tile)
                let again = Kernels.$winogradKeepBudget.withValue(0) { Self.run(s, .always, dtype, tile: tile) }
                for i in kept.indices { #expect(kept[i].doubles == again[i].doubles, "result \(i), budget \(budget)") }
            }
        }
    }

    /// A kept V is used once: a second backward over the graph (retainGraph) transforms the input
    /// again and adds the same gradients; a backward that no longer runs Winograd ignores it.
    @Test(arguments: tiles) func keptTransformedInputIsUsedOnce(_ tile: Int) {
        let x = Self.rand([2, 3, 6, 6], 1).requiringGrad(), w = Self.rand([4, 3, 3, 3], 2).requiringGrad()
        let (gx, gw) = Kernels.$winogradTileChoice.withValue(tile) { Kernels.$winogradChoice.withValue(.always) {
            let loss = (conv2d(x, weight: w, padding: 1) * Self.rand([2, 4, 6, 6], 3)).sum()
            loss.backward(retainGraph: true)
            let first = (x.grad!.copy(), w.grad!.copy())
            loss.backward()
            #expect(x.grad!.doubles == (first.0 * 2).doubles && w.grad!.doubles == (first.1 * 2).doubles)
            return first
        } }
        x.grad = nil; w.grad = nil
        let y = Kernels.$winogradTileChoice.withValue(tile) { Kernels.$winogradChoice.withValue(.always) { conv2d(x, weight: w, padding: 1) } }
        Kernels.$winogradChoice.withValue(.never) { (y * Self.rand([2, 4, 6, 6], 3)).sum().backward() }
        #expect(Self.relativeError(x.grad!, gx) <= 1e-12 && Self.relativeError(w.grad!, gw) <= 1e-12)
    }

    /// Float64 finite differences through the Winograd path: conv2d, and with the upstream gradient
    /// as an input, so the transposed convolution and weight gradient run Winograd too.
    @Test(arguments: [Case(n: 2, c: 2, o: 3, h: 5, w: 4, padding: 1), Case(n: 1, c: 3, o: 2, h: 4, w: 5, padding: 0)], tiles)
    func gradcheckThroughWinograd(_ s: Case, _ tile: Int) {
        Kernels.$winogradTileChoice.withValue(tile) { Kernels.$winogradChoice.withValue(.always) {
            let x = Self.rand([s.n, s.c, s.h, s.w], 5), w = Self.rand([s.o, s.c, 3, 3], 6), b = Self.rand([s.o], 7)
            let r = gradcheck({ t in conv2d(t[0], weight: t[1], bias: t[2], padding: s.padding) }, inputs: [x, w, b])
            #expect(r.passed, "\(s): \(r)")
            let r2 = gradcheck({ t in withGrad {
                let y = conv2d(t[0], weight: t[1], padding: s.padding)
                let gs = grad(of: (y * y).sum(), wrt: [t[0], t[1]], createGraph: true)
                return (gs[0]! * gs[0]!).sum() + (gs[1]! * gs[1]!).sum()
            } }, inputs: [x, w])
            #expect(r2.passed, "double backward \(s): \(r2)")
        } }
    }

    /// convTranspose2d with a 3×3 kernel, stride 1, is a Winograd input gradient.
    @Test(arguments: tiles) func transposedConvolutionMatches(_ tile: Int) {
        let x = Self.rand([2, 4, 5, 6], 8), w = Self.rand([4, 3, 3, 3], 9), b = Self.rand([3], 10)
        func run(_ choice: KernelChoice) -> [Tensor] {
            Kernels.$winogradTileChoice.withValue(tile) { Kernels.$winogradChoice.withValue(choice) {
                let xs = x.copy().requiringGrad(), ws = w.copy().requiringGrad()
                let y = convTranspose2d(xs, weight: ws, bias: b, padding: 1)
                (y * y).sum().backward()
                return [y, xs.grad!, ws.grad!]
            } }
        }
        let direct = run(.never), wino = run(.always)
        for i in direct.indices { #expect(Self.relativeError(wino[i], direct[i]) <= 1e-12, "result \(i)") }
    }

    /// Automatic selection: 3×3, stride 1, dilation 1, one group, at least `winogradMinChannels` (32)
    /// channels each way and outputs of at least 4×4; never another
    /// shape, whatever the choice.
    @Test func selection() {
        func g(c: Int = 64, o: Int = 64, hw: Int = 32, k: Int = 3, stride: Int = 1, dilation: Int = 1, groups: Int = 1) -> ConvGeometry {
            convGeometry("conv2d", [8, c, hw, hw], [o, c / groups, k, k], nil, stride: Size2(stride), padding: 1,
                         dilation: Size2(dilation), groups: groups, shapes: "")
        }
        Kernels.$winogradChoice.withValue(.automatic) {
            #expect(Kernels.useWinograd(g()))
            let least = Kernels.winogradMinChannels
            #expect(least == 32)
            #expect(Kernels.useWinograd(g(c: least, o: 512, hw: 4)))
            #expect(!Kernels.useWinograd(g(c: least / 2, o: 512)))
            #expect(!Kernels.useWinograd(g(c: 3)))                 // the stem of a ResNet
            #expect(!Kernels.useWinograd(g(o: 16)))
            #expect(!Kernels.useWinograd(g(hw: 2)))
        }
        for choice in [KernelChoice.automatic, .always] {
            Kernels.$winogradChoice.withValue(choice) {
                #expect(!Kernels.useWinograd(g(stride: 2)))
                #expect(!Kernels.useWinograd(g(dilation: 2)))
                #expect(!Kernels.useWinograd(g(groups: 2)))
                #expect(!Kernels.useWinograd(g(k: 5)))
                #expect(!Kernels.useWinograd(g(k: 1)))
            }
        }
        #expect(Kernels.$winogradChoice.withValue(.always) { Kernels.useWinograd(g(c: 1, o: 1, hw: 1)) })
        #expect(!Kernels.$winogradChoice.withValue(.never) { Kernels.useWinograd(g()) })
        // Tile size: 4×4 for outputs of at least 8×8 (ResNet's 32, 16 and 8), else 2×2.
        #expect(Kernels.winogradTileSize(g(hw: 32)) == 4 && Kernels.winogradTileSize(g(hw: 8)) == 4)
        #expect(Kernels.winogradTileSize(g(hw: 4)) == 2 && Kernels.winogradTileSize(g(hw: 7)) == 2)
        #expect(Kernels.$winogradTileChoice.withValue(2) { Kernels.winogradTileSize(g(hw: 32)) } == 2)
    }

    /// `Runtime.winogradConvolution = false` turns the automatic choice off, and Winograd's results do
    /// not depend on the thread count (each of the 16 products is one BLAS call on one thread).
    /// A child process: both settings are process-wide.
    @Test func runtimeSwitchAndThreadCount() async {
        await #expect(processExitsWith: .success) {
            let geometry = convGeometry("conv2d", [2, 64, 8, 8], [64, 64, 3, 3], nil, stride: 1, padding: 1,
                                        dilation: 1, groups: 1, shapes: "")
            precondition(Runtime.winogradConvolution && Kernels.useWinograd(geometry))
            let x = Tensor.randn([2, 64, 8, 8], generator: Generator(seed: 11))
            let w = Tensor.randn([64, 64, 3, 3], generator: Generator(seed: 12)) * 0.1
            func run() -> [[UInt32]] {
                let xs = x.copy().requiringGrad(), ws = w.copy().requiringGrad()
                let y = conv2d(xs, weight: ws, padding: 1)
                (y * y).sum().backward()
                return [y, xs.grad!, ws.grad!].map { $0.scalars.map(\.bitPattern) }
            }
            Runtime.threadCount = 1
            let one = run()
            Runtime.threadCount = 2
            let two = run()
            Runtime.threadCount = 3
            precondition(one == two && two == run(), "Winograd results depend on the thread count")
            Runtime.winogradLargeTiles = false
            precondition(Kernels.winogradTileSize(geometry) == 2, "the tile switch is ignored")
            let small = run()
            precondition(small != one, "the tile switch did not change the algorithm")
            Runtime.threadCount = 1
            precondition(small == run(), "F(2×2) results depend on the thread count")
            Runtime.winogradConvolution = false
            precondition(!Kernels.useWinograd(geometry), "the runtime switch is ignored")
            precondition(one != run(), "the switch did not change the algorithm")
        }
    }
}
