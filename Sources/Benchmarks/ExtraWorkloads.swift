// The four extra workloads of ../shared/bench/EXTRA.md (PyTorch definitions in torch_extra.py):
// resnet18_train_step, gpt_train_step, mlp_infer_b1, gpt_generate_128. Same JSON lines, plus
// "params" (trainable parameters) and "params_match_torch".
import SwiftGrad

/// Parameter counts of torch_extra.py's models (`python torch_extra.py params`).
let torchParams = ["resnet18_train_step": 11_173_962, "gpt_train_step": 4_902_912, "gpt_generate_128": 4_902_912,
                   "mlp_infer_b1": 535_818]

func paramFields(_ workload: String, _ count: Int) -> [(String, Double)] {
    [("params", Double(count)), ("params_match_torch", count == torchParams[workload] ? 1 : 0)]
}

// MARK: ResNet-18 (CIFAR-size stem, no max-pool)

final class BasicBlock: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let short: Sequential?
    init(_ cin: Int, _ cout: Int, stride: Int) {
        conv1 = Conv2d(cin, cout, 3, stride: Size2(stride, stride), padding: 1, bias: false); bn1 = BatchNorm2d(cout)
        conv2 = Conv2d(cout, cout, 3, padding: 1, bias: false); bn2 = BatchNorm2d(cout)
        short = stride != 1 || cin != cout
            ? Sequential { Conv2d(cin, cout, 1, stride: Size2(stride, stride), bias: false); BatchNorm2d(cout) } : nil
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        let y = bn2(conv2(bn1(conv1(x)).relu()))
        return (y + (short.map { $0(x) } ?? x)).relu()
    }
}

final class ResNet18: Module {
    let conv1 = Conv2d(3, 64, 3, padding: 1, bias: false), bn1 = BatchNorm2d(64)
    let blocks: Sequential
    let fc = Linear(512, 10)
    override init() {
        var layers: [Module] = []
        var cin = 64
        for (cout, stride) in [(64, 1), (128, 2), (256, 2), (512, 2)] {
            layers += [BasicBlock(cin, cout, stride: stride), BasicBlock(cout, cout, stride: 1)]
            cin = cout
        }
        blocks = Sequential(layers)
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        fc(blocks(bn1(conv1(x)).relu()).mean(axes: [2, 3]))
    }
}

/// resnet18_train_step: batch 32 of 3×32×32, cross-entropy, SGD lr 0.1 momentum 0.9 weight decay 5e-4.
func benchResNet18TrainStep() {
    manualSeed(0)
    let model = ResNet18()
    let opt = SGD(model.parameters(), lr: 0.1, momentum: 0.9, weightDecay: 5e-4)
    let x = Tensor.randn([32, 3, 32, 32]), y = Tensor.randint(0, 10, [32])
    let ms = timeit(reps: 7) {
        opt.zeroGrad()
        let loss = crossEntropy(logits: model(x), targets: y)
        loss.backward()
        opt.step()
    }
    emit("resnet18_train_step", ms, paramFields("resnet18_train_step", model.parameterCount))
}

// MARK: GPT-style decoder

final class GPTBlock: Module {
    let heads: Int
    let ln1 = LayerNorm(256), qkv = Linear(256, 3 * 256), proj = Linear(256, 256)
    let ln2 = LayerNorm(256), fc = Linear(256, 4 * 256), fc2 = Linear(4 * 256, 256)
    init(heads: Int) { self.heads = heads; super.init() }
    override func forward(_ x: Tensor) -> Tensor {
        let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
        let parts = qkv(ln1(x)).split(size: c, axis: 2)
        let (q, k, v) = (heads(parts[0], b, t, c), heads(parts[1], b, t, c), heads(parts[2], b, t, c))
        let a = scaledDotProductAttention(q, k, v, isCausal: true).transpose(1, 2).reshape([b, t, c])
        let h = x + proj(a)
        return h + fc2(fc(ln2(h)).gelu(approximate: .tanh))
    }
    private func heads(_ t: Tensor, _ b: Int, _ n: Int, _ c: Int) -> Tensor {
        t.view([b, n, heads, c / heads]).transpose(1, 2)
    }
}

final class GPT: Module {
    let tok = Embedding(256, 256), pos = Embedding(128, 256)
    let blocks = Sequential((0..<6).map { _ in GPTBlock(heads: 8) })
    let lnF = LayerNorm(256)
    let head = Linear(256, 256, bias: false)
    override func forward(_ idx: Tensor) -> Tensor {
        let t = idx.shape[1]
        let x = tok(idx) + pos(Tensor.arange(0, Double(t), dtype: .int64))
        return head(lnF(blocks(x)))
    }
}

/// gpt_train_step: batch 8 × 128 tokens, next-token cross-entropy, AdamW lr 1e-3 weight decay 0.01.
func benchGPTTrainStep() {
    manualSeed(0)
    let model = GPT()
    let opt = AdamW(model.parameters(), lr: 1e-3, weightDecay: 0.01)
    let x = Tensor.randint(0, 256, [8, 128]), y = Tensor.randint(0, 256, [8, 128])
    let ms = timeit(reps: 7) {
        opt.zeroGrad()
        let loss = crossEntropy(logits: model(x).reshape([-1, 256]), targets: y.reshape([-1]))
        loss.backward()
        opt.step()
    }
    emit("gpt_train_step", ms, paramFields("gpt_train_step", model.parameterCount))
}

/// gpt_generate_128: greedy decoding of 128 tokens from token 0, batch 1, the whole context re-run
/// for each token (no KV cache, as the reference).
func benchGPTGenerate128() {
    manualSeed(0)
    let model = GPT()
    model.eval()
    let ms = timeit(warmup: 1, reps: 3) {
        withNoGrad {
            var idx = Tensor.zeros([1, 1], dtype: .int64)
            for _ in 0..<128 {
                let t = idx.shape[1]
                let next = model(idx).select(axis: 1, index: t - 1).argmax(axis: -1, keepDim: true)
                idx = Tensor.cat([idx, next], axis: 1)
            }
        }
    }
    emit("gpt_generate_128", ms, [("tokens_per_s", 128 / (ms / 1e3))] + paramFields("gpt_generate_128", model.parameterCount))
}

// MARK: Batch-1 inference

/// mlp_infer_b1: the MLP of mlp_train_step in eval mode without recording, one 1×784 input.
func benchMLPInferB1() {
    manualSeed(0)
    let model = Sequential(Linear(784, 512), ReLU(), Linear(512, 256), ReLU(), Linear(256, 10))
    model.eval()
    let x = Tensor.randn([1, 784])
    let ms = timeit(warmup: 20, reps: 200) {
        withNoGrad { _ = model(x) }
    }
    emit("mlp_infer_b1", ms, [("us", ms * 1e3)] + paramFields("mlp_infer_b1", model.parameterCount))
}
