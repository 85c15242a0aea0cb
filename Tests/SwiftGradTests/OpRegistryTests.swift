import Foundation
import Testing
@testable import SwiftGrad

/// One Float64 gradcheck per registered op, chosen by an exhaustive switch: a new `Op` case without
/// a gradcheck here does not compile. Ops that only a backward records (`tanh_backward`,
/// `slice_backward`, `conv2d_weight`, the pooling adjoints...) are checked through a second
/// derivative (`dd`: gradcheck of a gradient built with createGraph).
enum OpGradchecks {
    static func gradcheck(for op: Op) -> GradCase {
        let name = op.rawValue
        func c(_ inputs: [Tensor], eps: Double = 1e-6, atol: Double = 1e-5, _ f: @escaping ([Tensor]) -> Tensor) -> GradCase {
            GradCase(name, inputs, eps: eps, atol: atol, f)
        }
        func dd(_ inputs: [Tensor], _ f: @escaping ([Tensor]) -> Tensor) -> GradCase {
            GradCase("d2 " + name, inputs, GC.firstDerivative(f))
        }
        let a = GC.randn([2, 3], seed: 1), b = GC.randn([2, 3], seed: 2), p = GC.positive([2, 3], seed: 3)
        let nz = GC.awayFromZero([2, 3], seed: 4), x3 = GC.randn([2, 3, 4], seed: 5)
        let img = GC.randn([1, 2, 4, 4], seed: 6), sig = GC.randn([1, 2, 6], seed: 7)
        let sq = GC.randn([2, 3, 3], seed: 8) + Tensor.eye(3, dtype: .float64) * 3
        // Away from every activation's kinks (0, ±1, ±3).
        let kinks = Tensor([-3.6, -2.2, -1.4, -0.6, 0.3, 0.8, 1.3, 2.4, 3.5], dtype: .float64)
        switch op {
        // Arithmetic
        case .add: return c([a, GC.randn([3], seed: 9)]) { $0[0] + $0[1] + 1.5 }
        case .sub: return c([a, b]) { $0[0] - $0[1] }
        case .rsub: return c([a]) { 2 - $0[0] }
        case .mul: return c([a, b]) { $0[0] * $0[1] * 3 }
        case .div: return c([a, p]) { $0[0] / $0[1] }
        case .rdiv: return c([p]) { 3 / $0[0] }
        case .neg: return c([a]) { -$0[0] }
        case .pow: return c([p, a]) { $0[0].pow($0[1]) + $0[0].pow(2.5) }
        case .maximum: return c([a, b]) { Tensor.maximum($0[0], $0[1]) }
        case .minimum: return c([a, b]) { Tensor.minimum($0[0], $0[1]) }
        case .clamp: return c([a]) { $0[0].clamp(min: -0.5, max: 0.5) }
        case .where: return c([a, b]) { Tensor.where($0[0] .> $0[1], $0[0] * 2, $0[1].exp()) }
        // Away from the jumps (a/b an integer).
        case .remainder: return c([Tensor([2.5, -3.7, 5.2], dtype: .float64), Tensor([1.1, 1.3, -2.4], dtype: .float64)]) { $0[0].remainder($0[1]) }
        case .fmod: return c([Tensor([2.5, -3.7, 5.2], dtype: .float64), Tensor([1.1, 1.3, -2.4], dtype: .float64)]) { $0[0].fmod($0[1]) }
        // Elementwise math
        case .exp: return c([a]) { $0[0].exp() }
        case .log: return c([p]) { $0[0].log() }
        case .log1p: return c([p]) { $0[0].log1p() }
        case .expm1: return c([a]) { $0[0].expm1() }
        case .sqrt: return c([p]) { $0[0].sqrt() }
        case .rsqrt: return c([p]) { $0[0].rsqrt() }
        case .reciprocal: return c([nz]) { $0[0].reciprocal() }
        case .abs: return c([nz]) { $0[0].abs() }
        case .sign: return c([nz]) { $0[0].sign() * $0[0] }
        case .square: return c([a]) { $0[0].square() }
        case .sin: return c([a]) { $0[0].sin() }
        case .cos: return c([a]) { $0[0].cos() }
        case .tanh: return c([a]) { $0[0].tanh() }
        case .sigmoid: return c([a]) { $0[0].sigmoid() }
        case .relu: return c([nz]) { $0[0].relu() }
        case .erf: return c([a]) { $0[0].erf() }
        case .tanhBackward: return dd([a]) { $0[0].tanh() }
        case .sigmoidBackward: return dd([a]) { $0[0].sigmoid() }
        case .reluBackward: return dd([nz]) { $0[0].relu() * $0[0] }
        case .geluTanhBackward: return dd([a]) { $0[0].gelu(approximate: .tanh) }
        // Dtype and copies: a float32 round trip loses digits, so a wider finite-difference step.
        case .to: return c([a], eps: 1e-2, atol: 1e-4) { $0[0].to(.float32).to(.float64) }
        case .clone: return c([a]) { $0[0].copy() * $0[0] }
        // Reductions
        case .sum: return c([x3]) { $0[0].sum(axes: [0, 2]) }
        case .sumToShape: return c([x3]) { $0[0].sumToShape([3, 1]) }
        case .max: return c([x3]) { $0[0].max(axis: 1).values * 2 + $0[0].max() }
        case .min: return c([x3]) { $0[0].min(axis: -1, keepDim: true).values * 2 + $0[0].min() }
        case .prod: return c([p]) { $0[0].prod(axis: 1) }
        case .cumsum: return c([x3]) { $0[0].cumsum(axis: 1) }
        case .cumprod: return c([p]) { $0[0].cumprod(axis: 1) }
        case .flip: return c([x3]) { $0[0].flip(axis: 1) }
        case .normSqrt: return c([x3]) { $0[0].norm(axes: [1]) }
        case .norm: return c([nz]) { $0[0].norm(p: 3, axes: [1]) + $0[0].norm(p: 0.5) }
        // Shape
        case .reshape: return c([x3]) { $0[0].reshape([4, -1]) }
        case .permute: return c([x3]) { $0[0].permute([2, 0, 1]) }
        case .expand: return c([GC.randn([3, 1], seed: 10)]) { $0[0].expand([2, 3, 4]) }
        case .repeat: return c([a]) { $0[0].repeat([2, 1, 3]) }
        case .cat: return c([a, b]) { Tensor.cat([$0[0], $0[1]], axis: 1) }
        case .slice: return c([x3]) { $0[0].slice(axis: 2, start: 0, end: 4, step: 3) }
        case .sliceBackward: return dd([a]) { $0[0][.all, 1...].square() }
        case .pad: return c([a]) { $0[0].pad([1, 2, 0, 1], value: 0.5) }
        // Views
        case .asStrided: return c([x3]) { xs in
            xs[0].diagonal(axis1: 1, axis2: 2).exp() * 2 + xs[0].unfold(axis: 2, size: 2, step: 2).sum(axis: 3)[.all, .all, 0]
        }
        case .asStridedBackward: return dd([a]) { $0[0].diagonal(offset: 1).square() }
        case .contiguous: return c([x3]) { $0[0].transpose(0, 2).contiguous() * 3 }
        case .copySlices: return c([a, GC.randn([3], seed: 12)]) { xs in
            let y = xs[0].clone()
            y[0] *= xs[1]
            y.diagonal().fill(0.5)
            return y * y
        }
        // Indexing
        case .indexSelect: return c([a]) { $0[0].indexSelect(axis: 1, indices: Tensor([2, 0, 2])) }
        case .indexAdd: return c([a, GC.randn([2, 2], seed: 11)]) { $0[0].indexAdd(axis: 1, indices: Tensor([1, 1]), source: $0[1]) }
        case .gather: return c([a]) { $0[0].gather(axis: 1, index: Tensor([0, 2, 2, 1], shape: [2, 2])) }
        case .scatterAdd: return c([a, GC.randn([2, 2], seed: 12)]) {
            $0[0].scatterAdd(axis: 1, index: Tensor([0, 2, 2, 1], shape: [2, 2]), source: $0[1])
        }
        case .embedding: return c([GC.randn([4, 3], seed: 13)]) { embedding(Tensor([3, 0, 3, 1], shape: [2, 2]), weight: $0[0]) }
        case .binaryCrossEntropy:
            return c([Tensor([0.2, 0.5, 0.9, 0.35], dtype: .float64), Tensor([0, 0.3, 1, 0.6], dtype: .float64)]) { binaryCrossEntropy($0[0], $0[1]) }
        // Matrix products and softmax
        case .matmul: return c([x3, GC.randn([4, 2], seed: 14)]) { $0[0].matmul($0[1]) }
        case .addmm: return c([a, GC.randn([4, 3], seed: 15), GC.randn([4], seed: 16)]) { linear($0[0], weight: $0[1], bias: $0[2]) }
        case .softmax: return c([x3]) { $0[0].softmax(axis: 1) }
        case .logSoftmax: return c([x3]) { $0[0].logSoftmax() }
        // Layer norm: one trailing axis with the affine map, and two without.
        case .layerNorm: return c([x3, GC.randn([4], seed: 24), GC.randn([4], seed: 25)]) { xs in
            layerNorm(xs[0], normalizedShape: [4], weight: xs[1], bias: xs[2]) + layerNorm(xs[0], normalizedShape: [3, 4]) * 0.5
        }
        case .layerNormBackward: return dd([x3, GC.randn([4], seed: 24), GC.randn([4], seed: 25)]) { xs in
            layerNorm(xs[0], normalizedShape: [4], weight: xs[1], bias: xs[2]).square() + layerNorm(xs[0], normalizedShape: [3, 4]) * 0.5
        }
        // Batch norm: batch statistics with the affine map, and fixed statistics without it.
        case .batchNorm:
            let mean = GC.randn([3], seed: 28), variance = GC.randn([3], seed: 29).square() + 0.5
            return c([x3, GC.randn([3], seed: 26), GC.randn([3], seed: 27)]) { xs in
                batchNorm(xs[0], runningMean: nil, runningVar: nil, weight: xs[1], bias: xs[2], training: true)
                    + batchNorm(xs[0], runningMean: mean, runningVar: variance, training: false) * 0.5
            }
        // Activations
        case .gelu: return c([a]) { $0[0].gelu() }
        case .geluTanh: return c([a]) { $0[0].gelu(approximate: .tanh) }
        case .silu: return c([a]) { $0[0].silu() }
        case .mish: return c([a]) { $0[0].mish() }
        case .logSigmoid: return c([a]) { $0[0].logSigmoid() }
        case .softsign: return c([nz]) { $0[0].softsign() }
        case .softplus: return c([a]) { $0[0].softplus(beta: 2, threshold: 3) }
        case .elu: return c([kinks]) { $0[0].elu(alpha: 0.7) }
        case .selu: return c([kinks]) { $0[0].selu() }
        case .leakyRelu: return c([kinks]) { $0[0].leakyRelu(negativeSlope: 0.1) }
        case .hardtanh: return c([kinks]) { $0[0].hardtanh() }
        case .hardsigmoid: return c([kinks]) { $0[0].hardsigmoid() }
        case .hardswish: return c([kinks]) { $0[0].hardswish() }
        // Convolution
        case .conv2d: return c([img, GC.randn([3, 2, 3, 3], seed: 17), GC.randn([3], seed: 18)]) {
            conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1)
        }
        case .convTranspose2d: return c([img, GC.randn([2, 3, 2, 2], seed: 19), GC.randn([3], seed: 20)]) {
            convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2)
        }
        case .conv2dWeight: return dd([img, GC.randn([2, 2, 3, 3], seed: 21)]) { conv2d($0[0], weight: $0[1], stride: 2, padding: 1).square() }
        // Pooling and resampling
        case .maxPool2d: return c([img]) { maxPool2d($0[0], kernelSize: 2) }
        case .maxPool1d: return c([sig]) { maxPool1d($0[0], kernelSize: 3, stride: 2, padding: 1) }
        case .adaptiveMaxPool2d: return c([img]) { adaptiveMaxPool2d($0[0], outputSize: [3, 2]) }
        case .adaptiveMaxPool1d: return c([sig]) { adaptiveMaxPool1d($0[0], outputSize: 4) }
        case .maxPoolBackward: return dd([img]) { maxPool2d($0[0], kernelSize: 2).square() }
        case .avgPool2d: return c([img]) { avgPool2d($0[0], kernelSize: 3, stride: 1, padding: 1, countIncludePad: false) }
        case .avgPool1d: return c([sig]) { avgPool1d($0[0], kernelSize: 2) }
        case .adaptiveAvgPool2d: return c([img]) { adaptiveAvgPool2d($0[0], outputSize: [3, 3]) }
        case .adaptiveAvgPool1d: return c([sig]) { adaptiveAvgPool1d($0[0], outputSize: 4) }
        case .upsampleNearest2d: return c([img]) { interpolate($0[0], size: [5, 7]) }
        case .upsampleNearest1d: return c([sig]) { interpolate($0[0], size: 9) }
        case .upsampleBilinear2d: return c([img]) { interpolate($0[0], size: [6, 5], mode: .bilinear) }
        case .upsampleLinear1d: return c([sig]) { interpolate($0[0], size: 8, mode: .bilinear, alignCorners: true) }
        case .avgPool2dBackward: return dd([img]) { avgPool2d($0[0], kernelSize: 2).square() }
        case .avgPool1dBackward: return dd([sig]) { avgPool1d($0[0], kernelSize: 2).square() }
        case .adaptiveAvgPool2dBackward: return dd([img]) { adaptiveAvgPool2d($0[0], outputSize: [3, 3]).square() }
        case .adaptiveAvgPool1dBackward: return dd([sig]) { adaptiveAvgPool1d($0[0], outputSize: 4).square() }
        case .upsampleNearest2dBackward: return dd([img]) { interpolate($0[0], size: [5, 7]).square() }
        case .upsampleNearest1dBackward: return dd([sig]) { interpolate($0[0], size: 9).square() }
        case .upsampleBilinear2dBackward: return dd([img]) { interpolate($0[0], size: [6, 5], mode: .bilinear).square() }
        case .upsampleLinear1dBackward: return dd([sig]) { interpolate($0[0], size: 8, mode: .bilinear).square() }
        // Recurrent
        case .lstmCell: return c([GC.randn([3, 8], seed: 22), GC.randn([3, 2], seed: 23)]) { xs in
            let (h, c1) = lstmCell(gates: xs[0], cell: xs[1])
            return h * 1.5 + c1.square()
        }
        case .lstmCellBackward: return dd([GC.randn([3, 8], seed: 22), GC.randn([3, 2], seed: 23)]) { xs in
            let (h, c1) = lstmCell(gates: xs[0], cell: xs[1])
            return h * 1.5 + c1.square()
        }
        case .lstmSequence: return c([GC.randn([3, 2, 8], seed: 24), GC.randn([2, 2], seed: 25), GC.randn([2, 2], seed: 26),
                                      GC.randn([8, 2], seed: 27)]) { xs in
            let (y, h, c) = lstmSequence(gates: xs[0], h0: xs[1], c0: xs[2], weightHh: xs[3])
            return y.square().sum() + h * 0.5 + c.square()
        }
        case .lstmSequenceBackward: return dd([GC.randn([3, 2, 8], seed: 24), GC.randn([2, 2], seed: 25), GC.randn([2, 2], seed: 26),
                                               GC.randn([8, 2], seed: 27)]) { xs in
            let (y, h, c) = lstmSequence(gates: xs[0], h0: xs[1], c0: xs[2], weightHh: xs[3])
            return y.square().sum() + h * 0.5 + c.square()
        }
        // Linear algebra
        case .linalgInv: return c([sq]) { try! Linalg.inv($0[0]) }
        case .linalgDet: return c([sq]) { Linalg.det($0[0]) }
        case .linalgSlogdet: return c([sq]) { Linalg.slogdet($0[0]).logAbsDet }
        case .linalgSolve: return c([sq, GC.randn([2, 3, 2], seed: 28)]) { try! Linalg.solve($0[0], $0[1]) }
        case .linalgSolveTriangular: return c([GC.randn([3, 3], seed: 38) + Tensor.eye(3, dtype: .float64) * 3, GC.randn([2, 3, 2], seed: 29)]) { Linalg.solveTriangular($0[0], $0[1], upper: true) }
        case .linalgLstsq: return c([GC.randn([5, 3], seed: 30), GC.randn([5, 2], seed: 31)]) { try! Linalg.lstsq($0[0], $0[1]).solution }
        case .linalgPinv: return c([GC.randn([4, 3], seed: 32)]) { try! Linalg.pinv($0[0]) }
        case .linalgCholesky: return c([GC.randn([3, 3], seed: 33)]) { x in
            try! Linalg.cholesky(x[0].matmul(x[0].mT) + Tensor.eye(3, dtype: .float64) * 3)
        }
        case .linalgQr: return c([GC.randn([4, 3], seed: 34)]) { x in
            let (q, r) = try! Linalg.qr(x[0])
            return Tensor.cat([q.flatten(), r.flatten()])
        }
        case .linalgEigh: return c([GC.randn([3, 3], seed: 35)]) { x in
            let e = try! Linalg.eigh((x[0] + x[0].mT) * 0.5)
            return e.vectors.matmul(Linalg.diagEmbed(e.values.exp())).matmul(e.vectors.mT)
        }
        case .linalgSvd: return c([GC.randn([4, 3], seed: 36)]) { x in
            let (u, s, vh) = try! Linalg.svd(x[0], fullMatrices: false)
            return Tensor.cat([(u * u).flatten(), s, (vh * vh).flatten()])
        }
        case .linalgDiagonal: return c([sq]) { Linalg.diagonal($0[0], offset: 1) }
        case .linalgDiagEmbed: return c([a]) { Linalg.diagEmbed($0[0], offset: -1) }
        case .linalgMatrixExp: return c([GC.randn([3, 3], seed: 37) * 0.3]) { Linalg.matrixExp($0[0]) }
        // Math family (opsmath): inputs inside each function's domain, away from its poles.
        case .tan: return c([a]) { ($0[0] * 0.5).tan() }
        case .asin: return c([a]) { ($0[0] * 0.3).asin() }
        case .acos: return c([a]) { ($0[0] * 0.3).acos() }
        case .atan: return c([a]) { $0[0].atan() }
        case .atan2: return c([a, nz]) { $0[0].atan2($0[1]) }
        case .sinh: return c([a]) { $0[0].sinh() }
        case .cosh: return c([a]) { $0[0].cosh() }
        case .asinh: return c([a]) { $0[0].asinh() }
        case .acosh: return c([p]) { ($0[0] + 1.1).acosh() }
        case .atanh: return c([a]) { ($0[0] * 0.3).atanh() }
        case .floor: return c([a]) { $0[0].floor() * $0[0] }
        case .ceil: return c([a]) { $0[0].ceil() * $0[0] }
        case .round: return c([a]) { $0[0].round() * $0[0] + $0[0].round(decimals: 1) }
        case .trunc: return c([a]) { $0[0].frac() * $0[0] }
        case .hypot: return c([a, nz]) { $0[0].hypot($0[1]) }
        case .copysign: return c([nz, b]) { $0[0].copysign($0[1]) }
        case .log2: return c([p]) { $0[0].log2() }
        case .log10: return c([p]) { $0[0].log10() }
        case .exp2: return c([a]) { $0[0].exp2() }
        case .logaddexp: return c([a, b]) { $0[0].logaddexp($0[1]) }
        case .logaddexp2: return c([a, b]) { $0[0].logaddexp2($0[1]) }
        case .erfc: return c([a]) { $0[0].erfc() }
        case .erfinv: return c([a]) { ($0[0] * 0.3).erfinv() }
        case .lgamma: return c([p]) { ($0[0] + 0.2).lgamma() }
        case .digamma: return c([p]) { ($0[0] + 0.2).digamma() }
        case .polygamma: return c([p]) { ($0[0] + 0.2).polygamma(2) + ($0[0] + 0.5).polygamma(1) }
        case .xlogy: return c([a, p]) { $0[0].xlogy($0[1]) }
        case .i0: return c([a]) { $0[0].i0() }
        case .specialI1: return c([a]) { $0[0].i1() }
        // Neural-network functions of issue 16 with kernels
        case .ctcLoss: return c([GC.randn([5, 2, 4], seed: 39)]) {
            ctcLoss(logProbs: $0[0], targets: Tensor([1, 2, 2, 3, 1]),
                    inputLengths: [5, 4], targetLengths: [3, 2], reduction: .sum)
        }
        case .upsampleBicubic2d: return c([img]) { interpolate($0[0], size: [6, 3], mode: .bicubic) }
        case .upsampleBicubic2dBackward: return dd([img]) { interpolate($0[0], size: [7, 5], mode: .bicubic, alignCorners: true).square() }
        // Attention
        case .scaledDotProductAttention:
            return c([GC.randn([1, 2, 3, 4], seed: 40), GC.randn([1, 2, 5, 4], seed: 41), GC.randn([1, 2, 5, 3], seed: 42),
                      GC.randn([3, 5], seed: 43)]) { xs in
                scaledDotProductAttention(xs[0], xs[1], xs[2], mask: xs[3])
            }
        // Sorting and statistics
        case .amax: return c([x3]) { $0[0].amax(axes: [0, 2]) + $0[0].amax(axes: [-1], keepDim: true).sum() + $0[0].amax() }
        case .amin: return c([x3]) { $0[0].amin(axes: [1]) * 2 + $0[0].amin() }
        case .median: return c([a]) { $0[0].median() * 3 }
        case .nanmedian: return c([x3]) { $0[0].nanmedian() * 3 }
        case .logcumsumexp: return c([x3]) { $0[0].logcumsumexp(axis: 1) * GC.randn([2, 3, 4], seed: 40) }
        case .scatter: return c([a, GC.randn([2, 2], seed: 12)]) {
            $0[0].scatter(axis: 1, index: Tensor([0, 2, 1, 0], shape: [2, 2]), source: $0[1]).scatter(axis: 0, index: Tensor([1, 0], shape: [1, 2]), value: 2)
        }
        case .scatterReduce: return c([a, GC.randn([2, 2], seed: 12)]) {
            $0[0].scatterReduce(axis: 1, index: Tensor([0, 2, 2, 2], shape: [2, 2]), source: $0[1], reduce: .prod)
        }
        // LU family (ops16).
        case .linalgLu: return c([GC.randn([2, 3, 3], seed: 60)]) { x in
            let (_, l, u) = Linalg.lu(x[0])
            return Tensor.cat([l.flatten(), u.flatten()])
        }
        // Bessel and error-function family of torch.special (ops16new).
        case .besselJ0: return c([a]) { ($0[0] * 3).besselJ0() }
        case .besselJ1: return c([a]) { ($0[0] * 3).besselJ1() }
        case .besselY0: return c([p]) { ($0[0] * 2 + 0.3).besselY0() }
        case .besselY1: return c([p]) { ($0[0] * 2 + 0.3).besselY1() }
        case .modifiedBesselI0: return c([a]) { ($0[0] * 2).modifiedBesselI0() }
        case .modifiedBesselI1: return c([a]) { ($0[0] * 2).modifiedBesselI1() }
        // Both sides of the switch from the series to the continued fraction at 2.
        case .modifiedBesselK0: return c([p]) { ($0[0] * 2 + 0.2).modifiedBesselK0() }
        case .modifiedBesselK1: return c([p]) { ($0[0] * 2 + 0.2).modifiedBesselK1() }
        case .scaledModifiedBesselK0: return c([p]) { ($0[0] * 2 + 0.2).scaledModifiedBesselK0() }
        case .scaledModifiedBesselK1: return c([p]) { ($0[0] * 2 + 0.2).scaledModifiedBesselK1() }
        case .sphericalBesselJ0: return c([a]) { ($0[0] * 3).sphericalBesselJ0() }
        case .erfcx: return c([a]) { ($0[0] * 2).erfcx() }
        case .logNdtr: return c([a]) { ($0[0] * 4).logNdtr() }
        }
    }
}

extension GradCase {
    /// The registry ops recorded when `f` runs on inputs that require grad (a walk of the graph).
    func registryOps() -> Set<Op> {
        let xs = inputs.map { t -> Tensor in
            let c = withNoGrad { t.copy() }
            if c.dtype.isFloatingPoint { c.requiresGrad = true }
            return c
        }
        let out = f(xs)
        var ops = Set<Op>(), seen = Set<ObjectIdentifier>()
        var stack = [out.node].compactMap { $0 }
        while let n = stack.popLast() {
            guard seen.insert(ObjectIdentifier(n)).inserted else { continue }
            if let op = n.op.builtin { ops.insert(op) }
            stack.append(contentsOf: n.inputs.compactMap(\.node))
        }
        return ops
    }
}

/// The registry checked in both directions: every `Op` has a passing Float64 gradcheck that really
/// records it (above) and a row in Docs/Derivatives.md; every row of the docs' op tables names an `Op`.
@Suite struct OpRegistryTests {
    @Test(arguments: Op.allCases)
    func everyOpHasAPassingGradcheckThatRecordsIt(op: Op) {
        let c = OpGradchecks.gradcheck(for: op)
        #expect(c.registryOps().contains(op), "the gradcheck of '\(op)' never records it: \(c.registryOps().map(\.rawValue).sorted())")
        c.check()
    }

    /// The op names in the first cell of every row of Docs/Derivatives.md's `| op | inputs | gradient |`
    /// tables (a cell may list several, comma-separated, each followed by a note in parentheses).
    static func documentedOps() throws -> [String] {
        let docs = try String(contentsOf: GC.packageRoot.appendingPathComponent("Docs/Derivatives.md"), encoding: .utf8)
        var names: [String] = [], inOpTable = false
        for line in docs.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else { inOpTable = false; continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.first == "op" { inOpTable = true; continue }
            guard inOpTable, let first = cells.first, !first.hasPrefix("---") else { continue }
            for part in first.split(separator: ",") {
                if let word = part.split(separator: " ").first { names.append(String(word)) }
            }
        }
        return names
    }

    @Test func everyOpHasADerivativesRowAndEveryRowNamesAnOp() throws {
        let names = try Self.documentedOps()
        #expect(names.count >= Op.allCases.count)
        let unknown = names.filter { Op(rawValue: $0) == nil }
        #expect(unknown.isEmpty, "rows of Docs/Derivatives.md naming no registered op: \(unknown)")
        let missing = Set(Op.allCases).subtracting(names.compactMap(Op.init(rawValue:)))
        #expect(missing.isEmpty, "ops without a row in Docs/Derivatives.md: \(missing.map(\.rawValue).sorted())")
    }

    /// A node names its op by the registry's raw value everywhere users see it.
    @Test func recordedNamesComeFromTheRegistry() {
        let x = Tensor([1, 2, 3], dtype: .float64, requiresGrad: true)
        #expect(x.sqrt().opName == Op.sqrt.rawValue)
        #expect(x.logSoftmax(axis: 0).opName == "log_softmax")
        #expect(x.sqrt().graphviz().contains("label=\"sqrt\\n"))
        let custom = Tensor([2, 4, 6], dtype: .float64).recordedAsCustomOp("triple", inputs: [x]) { [$0 * 3] }
        #expect(custom.opName == "triple" && custom.node?.op.builtin == nil)
        #expect(Set(Op.allCases.map(\.rawValue)).count == Op.allCases.count)
    }
}
